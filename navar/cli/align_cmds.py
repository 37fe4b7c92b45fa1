"""navar find, align, cite, verify: put text in time and cite it."""

from __future__ import annotations

import json
from pathlib import Path

import click

from align import citation as citations
from align.clip import clip_citation, write_clip
from align.forced import align_reference
from align.quotes import QuoteOptions, describe_note, search_quotes
from align.translation import align_translation
from transcribe import atomic, denoise, subtitles
from transcribe.archive import valid_track_id
from transcribe.errors import ArchiveError

from . import archive_of
from .archive_cmds import save_with_speakers
from .evidence_cmds import log_citation, report_clip_provenance, sign_clip_provenance
from .model_options import denoise_option, device_options, open_denoised_session, use_device

_LANG = click.Choice(["fa", "en"])


@click.command()
@click.argument("recording")
@click.argument("quote")
@click.option("--language", type=_LANG, help="The quote's language (default: guessed).")
@click.option("--limit", default=5, show_default=True, type=click.IntRange(1, 1000),
              help="At most this many matches.")  # fmt: skip
@click.option("--model", default=None, help="Speech model for checking against the audio.")
@click.option("--no-verify", is_flag=True, help="Text only: do not check against the audio.")
@click.option("--set", "settings", multiple=True, metavar="NAME=VALUE",
              help="A search option (align.quotes.QuoteOptions), e.g. present_gap=1.0; "
              "recorded in the --json output's provenance.")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@denoise_option(denoise.DEFAULT)
@device_options
@click.pass_context
def find(
    ctx, recording, quote, language, limit, model, no_verify, settings, as_json, denoise, device,
    compute_type,
):  # fmt: skip
    """Find where QUOTE (Persian or English, exact or approximate) is spoken.

    Exit status 1 when the quote is not in the recording.

    \b
      navar find 3f9a2c "بزرگترین جنایت"
      navar find 3f9a2c "the greatest crime" --json
    """
    use_device(device, compute_type)  # one clear line now if CUDA is asked and not there
    archive = archive_of(ctx)
    rec_id = archive.resolve_id(recording)
    options = _quote_options(settings, limit)
    session = open_denoised_session(archive, rec_id, denoise)
    try:
        result = search_quotes(
            archive, rec_id, quote, language=language, model=model, verify=not no_verify,
            options=options, session=session,
        )  # fmt: skip
    finally:
        if session is not None:
            session.close()
    matches = result.matches
    if as_json:
        out = {"recording": rec_id, "query": quote, "matches": [m.to_dict() for m in matches],
               "provenance": result.provenance}  # fmt: skip
        if result.notes:
            out["notes"] = result.notes
        click.echo(json.dumps(out, ensure_ascii=False, indent=1))
    else:
        for m in matches:
            span = f"{citations.timestamp(m.start)}–{citations.timestamp(m.end)}"
            click.echo(f"{span}  score {m.score:.2f}  {m.track}  {m.text}")
            if m.details.get("timed_by") == "segments":
                click.echo("    (the span of the whole sentence: this track has no word times)")
            if m.source_text:
                click.echo(f"    {m.source_track}: {m.source_text}")
    if not matches:
        click.echo(f"navar: the quote was not found in recording {rec_id}", err=True)
        for note in result.notes:
            click.echo(f"    {describe_note(note)}", err=True)
        ctx.exit(1)


def _quote_options(settings: tuple[str, ...], limit: int) -> QuoteOptions:
    """QuoteOptions from --set NAME=VALUE pairs (edge options as edges.NAME=VALUE)."""
    import dataclasses

    options = QuoteOptions(limit=limit)
    for item in settings:
        name, sep, value = item.partition("=")
        target, field = (options.edges, name[6:]) if name.startswith("edges.") else (options, name)
        kinds = {f.name: f.type for f in dataclasses.fields(target)}
        if not sep or field not in kinds or field == "edges":
            raise click.BadParameter(
                f"{item!r}: expected NAME=VALUE with NAME one of {', '.join(sorted(kinds))}",
                param_hint="--set",
            )
        kind = {"int": int, "float": float}.get(str(kinds[field]), float)
        try:
            new = dataclasses.replace(target, **{field: kind(value)})
        except ValueError as exc:
            raise click.BadParameter(f"{item!r}: {exc}", param_hint="--set") from exc
        options = dataclasses.replace(options, edges=new) if target is options.edges else new
    return options


@click.command()
@click.argument("recording")
@click.option("--reference", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A human transcript (txt, one line per sentence; or VTT/SRT).")  # fmt: skip
@click.option("--translation", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A human translation, one sentence or paragraph per line.")  # fmt: skip
@click.option("--language", default=None, help="Language of the file (fa for --reference, "
              "en for --translation).")  # fmt: skip
@click.option("--model", default=None, help="Speech model for the forced alignment.")
@click.option("--force", is_flag=True, help="Replace a human track of the same id (the "
              "previous one is kept in transcripts/ID/versions/).")  # fmt: skip
@denoise_option(denoise.DEFAULT_ALIGN)
@device_options
@click.pass_context
def align(ctx, recording, reference, translation, language, model, force, denoise, device,
          compute_type):  # fmt: skip
    """Align a human transcript (--reference) or translation (--translation) to a recording.

    \b
      navar align 3f9a2c --reference testimony-fa.txt
      navar align 3f9a2c --translation testimony-en.txt
    """
    device, compute_type = use_device(device, compute_type)
    archive = archive_of(ctx)
    rec_id = archive.resolve_id(recording)
    if bool(reference) == bool(translation):
        raise click.UsageError("give one of --reference FILE or --translation FILE")
    _check_text_amount(reference or translation, archive.recording(rec_id).duration)
    if reference:
        track_id = f"{language or 'fa'}.reference"
        refuse_to_replace(archive, rec_id, track_id, force)
        rec = archive.recording(rec_id)
        ref = subtitles.read_track(reference, rec_id, language or "fa", "reference",
                                   known_speakers=tuple(s.name for s in rec.speakers))  # fmt: skip
        session = open_denoised_session(archive, rec_id, denoise)
        try:
            result = align_reference(archive, rec_id, ref, language=language or "fa",
                                     model=model, session=session)  # fmt: skip
        finally:
            if session is not None:
                session.close()
        # The aligner keeps each line's segment id: the line's speaker goes with it.
        spoken_by = {line.id: line.speaker for line in ref.segments}
        for seg in result.track.segments:
            seg.speaker = spoken_by.get(seg.id)
        result.track.provenance.settings.update(device=device, compute_type=compute_type)
        save_with_speakers(archive, rec, result.track, event="aligned", inputs=[reference])
        placed = len(result.track.segments) - len(result.unplaced)
        click.echo(f"wrote {rec_id}/{result.track.id}: {placed} lines placed, "
                   f"{len(result.unplaced)} could not be placed")  # fmt: skip
        for n, text in result.unplaced:
            click.echo(f"  unplaced line {n}: {text}")
        return
    refuse_to_replace(archive, rec_id, f"{language or 'en'}.reference-translation", force)
    track = align_translation(archive, rec_id, translation, language=language or "en")
    save_with_speakers(
        archive, archive.recording(rec_id), track, event="aligned", inputs=[translation]
    )
    click.echo(f"wrote {rec_id}/{track.id}: {len(track.segments)} lines aligned to "
               f"{track.source_track}")  # fmt: skip


def _check_text_amount(path: Path, duration: float) -> None:
    """Refuse, before any alignment work, a text far longer than the recording could hold."""
    if not path.is_file():  # a FIFO would wait for a writer for ever
        raise ArchiveError(f"{path}: not a regular file (a folder, pipe or device)")
    try:
        chars = len(path.read_text(encoding="utf-8-sig", errors="replace"))
    except OSError:
        return  # reading it properly reports the problem
    subtitles.check_text_amount(chars, duration, path)


def refuse_to_replace(archive, rec_id: str, track_id: str, force: bool) -> None:
    """A person's track is replaced only with --force (and then its old version is kept)."""
    if force or not valid_track_id(track_id):
        return
    old = archive.human_track(rec_id, track_id)
    if old is not None:
        raise ArchiveError(
            f"recording {rec_id} already has {track_id} ({old.label}, {len(old.segments)} "
            f"segments); nothing was changed. Use --force to replace it (the current one is then "
            f"kept in {archive.transcripts_dir / rec_id / 'versions'})"
        )


@click.command()
@click.argument("recording")
@click.argument("quote", required=False)
@click.option("--start", type=click.FloatRange(min=0), help="Cite a span instead of a quote: "
              "start (s).")  # fmt: skip
@click.option("--end", type=click.FloatRange(min=0), help="... and end (s).")
@click.option("--language", type=_LANG, help="The quote's language (default: guessed).")
@click.option("--model", default=None, help="Speech model for finding the quote.")
@click.option("--track", "track_id", default=None,
              help="Cite QUOTE as this track writes it (e.g. en.reference-translation) instead "
              "of searching for it; with --start/--end, only there.")  # fmt: skip
@click.option(
    "--clip",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the span's audio (mp3, wav, ogg, flac) with the citation inside.",
)
@click.option("--context", default=1.0, show_default=True, type=click.FloatRange(0, 600),
              help="Seconds of context in a clip.")  # fmt: skip
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the citation JSON to this file.")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the citation as JSON.")
@click.option("--set", "settings", multiple=True, metavar="NAME=VALUE",
              help="A quote-search option, as for navar find; recorded in the citation's "
              "found_by.")  # fmt: skip
@click.pass_context
def cite(ctx, recording, quote, start, end, language, model, track_id, clip, context, out,
         as_json, settings):  # fmt: skip
    """Cite QUOTE (or --start/--end): title, SHA-256, times, words, permalink.

    Texts are paired only where the pairing is known: words with their own aligned times, or
    whole sentences (a translation timed by sentence is cited by whole sentence, with that
    sentence's span, and says so).

    \b
      navar cite 3f9a2c "بزرگترین جنایت" --clip crime.mp3 --out crime.json
      navar cite 3f9a2c "greatest crime" --track en.reference-translation
      navar cite 3f9a2c --start 61.2 --end 64.9 --json
    """
    archive = archive_of(ctx)
    rec_id = archive.resolve_id(recording)
    if (start is None) != (end is None):
        raise click.UsageError("give both --start and --end")
    if track_id:
        if not quote:
            raise click.UsageError("--track needs the QUOTE to cite")
        cit = citations.cite_text(archive, rec_id, track_id, quote, start, end)
    elif start is not None:
        cit = citations.cite_span(archive, rec_id, start, end)
    elif quote:
        options = _quote_options(settings, 1)
        cit = citations.cite_quote(archive, rec_id, quote, language, model, options=options)
    else:
        raise click.UsageError("give a QUOTE, or --start and --end")
    click.echo(cit.to_json() if as_json else cit.text, nl=not as_json)
    if out:
        atomic.write_text(out, cit.to_json())
        click.echo(f"wrote {out}", err=True)
    signed = ()
    if clip:
        offset = write_clip(archive, cit, clip, context=context)
        click.echo(f"wrote {clip} (from {citations.timestamp(offset)} in the original)", err=True)
        signed = sign_clip_provenance(archive, clip, cit, offset)
    log_citation(archive, cit, out, clip, signed)


@click.command()
@click.argument("citation_file", metavar="CITATION_FILE|RECORDING|BUNDLE")
@click.argument("audio_file", required=False,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))  # fmt: skip
@click.pass_context
def verify(ctx, citation_file, audio_file):
    """Check evidence; exit status 1 when anything does not check out.

    \b
      navar verify CITATION.json AUDIO   AUDIO is the recording the citation cites
      navar verify RECORDING             its custody chain, files and trusted timestamps
      navar verify BUNDLE                a bundle (folder or zip): checksums, chain, timestamps

    The first and last need nothing but the files. A citation must be whole and consistent
    (its span inside the recording); where the archive (--archive) holds the recording, the
    cited words are also checked against its tracks.
    """
    if audio_file is None:
        from .evidence_cmds import verify_target

        if not verify_target(ctx, citation_file):
            ctx.exit(1)
        return
    citation_file = Path(citation_file)
    if not citation_file.exists():  # a FIFO or folder is refused by load_citation, by name
        raise click.BadParameter(f"{citation_file}: no such file", param_hint="CITATION_FILE")
    cit = citations.load_citation(citation_file)
    result = citations.verify_file(cit, audio_file, archive_of(ctx))
    if result.matches:
        click.echo(result.message)
        return
    carried = clip_citation(audio_file)
    if carried and carried.get("sha256") == cit.sha256:
        off = float(carried.get("clip_offset", 0.0))
        report_clip_provenance(audio_file)
        raise citations.CitationError(
            f"{audio_file.name} is not the original but a clip cut from it by navar; the span "
            f"is at {citations.timestamp(cit.start - off)}–{citations.timestamp(cit.end - off)} "
            "in the clip. Only the original's SHA-256 proves the citation"
        )
    raise citations.CitationError(result.message)


COMMANDS = [find, align, cite, verify]
