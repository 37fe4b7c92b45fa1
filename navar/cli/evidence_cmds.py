"""navar custody, timestamp, bundle: evidence a court can check (and the log entries of commands
that read the archive without writing it: export, cite, clip)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import click

from transcribe import custody
from transcribe.archive import Archive

from . import archive_of


def log_export(archive: Archive, rec_id: str, track_id: str, out: Path | None, text: str) -> None:
    track_path = archive.transcripts_dir / rec_id / "tracks" / f"{track_id}.json"
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    output = custody.file_ref(archive.root, out, sha) if out else _stdout_ref(sha)
    archive.log_event(rec_id, "exported", inputs=[archive.file_ref(track_path)], outputs=[output])


def log_citation(archive: Archive, cit, out: Path | None, clip: Path | None, extra=()) -> None:
    """A citation is stored in its log entry, so a bundle can carry every citation made."""
    rec_id = cit.recording_id
    tracks = [archive.transcripts_dir / rec_id / "tracks" / f"{t.track}.json" for t in cit.texts]
    inputs = [archive.file_ref(archive.media_path(rec_id), cit.sha256)]
    inputs += [archive.file_ref(p) for p in tracks if p.is_file()]
    outputs = [custody.file_ref(archive.root, out)] if out else []
    archive.log_event(rec_id, "cited", inputs, outputs, details={"citation": cit.to_dict()})
    if clip:
        outputs = [custody.file_ref(archive.root, p) for p in (clip, *extra)]
        archive.log_event(rec_id, "clip cut", inputs[:1], outputs,
                          details={"span": [cit.start, cit.end]})  # fmt: skip


def sign_clip_provenance(archive: Archive, clip: Path, cit, offset: float) -> tuple[Path, ...]:
    """Sign the clip's provenance (C2PA inside, or a sidecar); returns extra files written."""
    from navar import provenance

    written = provenance.sign_clip(archive, clip, cit.to_dict(), offset)
    kind = "C2PA manifest" if written == Path(clip) else f"signed provenance in {written.name}"
    click.echo(f"{clip}: {kind} binds it to SHA-256 {cit.sha256[:16]}…", err=True)
    return () if written == Path(clip) else (written,)


def report_clip_provenance(clip: Path) -> None:
    from navar import provenance

    check = provenance.check_clip(clip)
    click.echo(("ok   " if check.ok else "FAIL ") + check.message)


def _stdout_ref(sha: str) -> dict:
    return {"path": "(standard output)", "sha256": sha, "outside_archive": True}


@click.command(name="custody")
@click.argument("recording")
@click.option("--json", "as_json", is_flag=True, help="The raw entries, one JSON per line.")
@click.pass_context
def custody_(ctx, recording, as_json):
    """Show a recording's chain-of-custody log: who did what, when, with which files."""
    archive = archive_of(ctx)
    rec_id = archive.resolve_id(recording)
    log = custody.read(archive.custody_path(rec_id))
    if as_json:
        for e in log.entries:
            click.echo(json.dumps(e, ensure_ascii=False))
    else:
        if not log.entries:
            click.echo(
                f"{rec_id}: no custody log yet (the next command that touches it starts one)"
            )
        for e in log.entries:
            click.echo(f"{e['seq']:>4}  {e['time']}  {e['event']:<16} {e['actor']}")
            click.echo(f"      {e['software']}: {e['command']}")
            for label, refs in (("in ", e.get("inputs", [])), ("out", e.get("outputs", []))):
                for r in refs:
                    sha = r.get("sha256") or "(deleted)"
                    click.echo(f"      {label} {sha[:16]}  {r.get('path')}")
            if e.get("note"):
                click.echo(f"      note: {e['note']}")
    for p in log.problems:
        click.echo(f"navar: warning: {p}", err=True)


@click.command()
@click.argument("recording")
@click.option(
    "--tsa",
    default=None,
    metavar="URL",
    help="The time-stamping authority (default: FreeTSA, https://freetsa.org/tsr).",
)
@click.option("--timeout", type=click.FloatRange(0.5, 300), default=None,
              help="Seconds to wait for the TSA before writing the request to send by hand "
              "[default: 10].")  # fmt: skip
@click.option(
    "--reply",
    "replies",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Store a reply (.tsr) obtained elsewhere for an earlier request (repeatable).",
)
@click.option(
    "--tsa-cert",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The TSA's CA certificates (PEM), kept with the tokens for offline checks.",
)
@click.pass_context
def timestamp(ctx, recording, tsa, timeout, replies, tsa_cert):
    """Have a trusted authority (RFC 3161) sign the original's hash and the custody log's head.

    Offline, the requests are written to files with the command to send them from a machine
    with a network, and the exit status is 3; store the replies with --reply.

    \b
      navar timestamp 3f9a2c --tsa-cert freetsa-cacert.pem
      navar timestamp 3f9a2c --reply original.tsr --reply custody-head.tsr
    """
    from navar import timestamps

    archive = archive_of(ctx)
    rec_id = archive.resolve_id(recording)
    chain = tsa_cert.read_bytes() if tsa_cert else b""
    if replies:
        if tsa or timeout:
            raise click.UsageError(
                "--reply stores replies; it sends nothing (drop --tsa/--timeout)"
            )
        for o in timestamps.attach(archive, rec_id, list(replies), chain):
            click.echo(o.message)
        return
    url = tsa or timestamps.DEFAULT_TSA
    folder, outcomes = timestamps.request(
        archive, rec_id, url, timeout or timestamps.DEFAULT_TIMEOUT, chain
    )
    for o in outcomes:
        click.echo(o.message)
    commands = timestamps.curl_commands(folder, url)
    if commands:
        click.echo(f"The requests are in {folder}. From a machine with a network, run:")
        for c in commands:
            click.echo(f"  {c}")
        click.echo(f"then: navar timestamp {rec_id} --reply original.tsr --reply custody-head.tsr"
                   " --tsa-cert TSA-CA.pem")  # fmt: skip
        ctx.exit(3)  # not an error, but the timestamp is not there yet


@click.command()
@click.argument("recording")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path),
              help="A new folder, or a file ending in .zip.")  # fmt: skip
@click.option("--no-media", is_flag=True,
              help="Leave the original out; only its SHA-256 and size go in.")  # fmt: skip
@click.option("--base-url", default=None, metavar="URL",
              help="Where the player is published, for the IIIF manifest's links.")  # fmt: skip
@click.pass_context
def bundle(ctx, recording, output, no_media, base_url):
    """Package a recording as evidence: a BagIt bag with the original, every track (JSON and
    WebVTT), citations, the custody log, timestamps, an IIIF manifest and a README.

    \b
      navar bundle 3f9a2c -o witness12.zip
      navar verify witness12.zip
    """
    from navar import bundle as bundles

    archive = archive_of(ctx)
    rec_id = archive.resolve_id(recording)
    out = bundles.build(archive, rec_id, output, media=not no_media,
                        base_url=base_url or bundles.DEFAULT_BASE_URL)  # fmt: skip
    click.echo(f"wrote {out}")


def verify_target(ctx: click.Context, target: str) -> bool:
    """A bundle (a folder with bagit.txt, or a .zip) or a recording id in the archive."""
    path = Path(target)
    if path.is_file() and path.suffix.lower() == ".zip" or (path / "bagit.txt").is_file():
        from navar import bundle

        return bundle.verify_report(path, click.echo)
    archive = archive_of(ctx)
    return verify_recording(archive, archive.resolve_id(target))


def verify_recording(archive: Archive, rec_id: str) -> bool:
    """``navar verify ID``: the custody chain, the files it names, the stored timestamps."""
    from navar import timestamps

    check = archive.verify_custody(rec_id)
    ok = _report_custody(check, f"recording {rec_id}")
    for line, good in timestamps.verify_all(archive, rec_id):
        click.echo(("  ok   " if good else "  FAIL ") + line)
        ok = ok and good
    click.echo(f"{rec_id}: " + ("verified" if ok else "NOT verified (see FAIL lines)"))
    return ok


def _report_custody(check: custody.Check, what: str) -> bool:
    if check.chain_errors:
        for e in check.chain_errors:
            click.echo(f"  FAIL custody chain: {e}")
    else:
        click.echo(f"  ok   custody chain: {check.entries} entries, head {check.head[:16]}…")
    for line in check.changed + check.unlogged:
        click.echo(f"  FAIL {line}")
    if check.intact:
        click.echo(f"  ok   {len(check.intact)} files have the hash the log recorded")
    for line in check.superseded:
        click.echo(f"  note {line}")
    for line in check.notes:
        click.echo(f"  note {line}")
    return check.ok


COMMANDS = [custody_, timestamp, bundle]
