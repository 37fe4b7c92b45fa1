"""navar find, align, cite, verify: put text in time and cite it."""

from __future__ import annotations

import json
from pathlib import Path

import click

from align import citation as citations
from align.clip import clip_citation, write_clip
from align.forced import align_reference
from align.quotes import find_quotes
from align.translation import align_translation
from transcribe import atomic

from . import archive_of
from .model_options import device_options, use_device

_LANG = click.Choice(["fa", "en"])


@click.command()
@click.argument("recording")
@click.argument("quote")
@click.option("--language", type=_LANG, help="The quote's language (default: guessed).")
@click.option("--limit", default=5, show_default=True, help="At most this many matches.")
@click.option("--model", default=None, help="Speech model for checking against the audio.")
@click.option("--no-verify", is_flag=True, help="Text only: do not check against the audio.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@device_options
@click.pass_context
def find(ctx, recording, quote, language, limit, model, no_verify, as_json, device, compute_type):
    """Find where QUOTE (Persian or English, exact or approximate) is spoken.

    Exit status 1 when the quote is not in the recording.

    \b
      navar find 3f9a2c "بزرگترین جنایت"
      navar find 3f9a2c "the greatest crime" --json
    """
    use_device(device, compute_type)  # one clear line now if CUDA is asked and not there
    archive = archive_of(ctx)
    rec_id = archive.resolve_id(recording)
    matches = find_quotes(
        archive, rec_id, quote, language=language, limit=limit, model=model, verify=not no_verify
    )
    if as_json:
        out = {"recording": rec_id, "query": quote, "matches": [m.to_dict() for m in matches]}
        click.echo(json.dumps(out, ensure_ascii=False, indent=1))
    else:
        for m in matches:
            span = f"{citations.timestamp(m.start)}–{citations.timestamp(m.end)}"
            click.echo(f"{span}  score {m.score:.2f}  {m.track}  {m.text}")
            if m.source_text:
                click.echo(f"    {m.source_track}: {m.source_text}")
    if not matches:
        click.echo(f"navar: the quote was not found in recording {rec_id}", err=True)
        ctx.exit(1)


@click.command()
@click.argument("recording")
@click.option("--reference", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A human transcript (txt, one line per sentence; or VTT/SRT).")  # fmt: skip
@click.option("--translation", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A human translation, one sentence or paragraph per line.")  # fmt: skip
@click.option("--language", default=None, help="Language of the file (fa for --reference, "
              "en for --translation).")  # fmt: skip
@click.option("--model", default=None, help="Speech model for the forced alignment.")
@device_options
@click.pass_context
def align(ctx, recording, reference, translation, language, model, device, compute_type):
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
    if reference:
        result = align_reference(archive, rec_id, reference, language=language or "fa",
                                 model=model)  # fmt: skip
        result.track.provenance.settings.update(device=device, compute_type=compute_type)
        archive.save_track(result.track)
        placed = len(result.track.segments) - len(result.unplaced)
        click.echo(f"wrote {rec_id}/{result.track.id}: {placed} lines placed, "
                   f"{len(result.unplaced)} could not be placed")  # fmt: skip
        for n, text in result.unplaced:
            click.echo(f"  unplaced line {n}: {text}")
        return
    track = align_translation(archive, rec_id, translation, language=language or "en")
    archive.save_track(track)
    click.echo(f"wrote {rec_id}/{track.id}: {len(track.segments)} lines aligned to "
               f"{track.source_track}")  # fmt: skip


@click.command()
@click.argument("recording")
@click.argument("quote", required=False)
@click.option("--start", type=float, help="Cite a span instead of a quote: start (s).")
@click.option("--end", type=float, help="... and end (s).")
@click.option("--language", type=_LANG, help="The quote's language (default: guessed).")
@click.option("--model", default=None, help="Speech model for finding the quote.")
@click.option(
    "--clip",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the span's audio (mp3, wav, ogg, flac) with the citation inside.",
)
@click.option("--context", default=1.0, show_default=True, help="Seconds of context in a clip.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the citation JSON to this file.")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the citation as JSON.")
@click.pass_context
def cite(ctx, recording, quote, start, end, language, model, clip, context, out, as_json):
    """Cite QUOTE (or --start/--end): title, SHA-256, times, words, permalink.

    \b
      navar cite 3f9a2c "بزرگترین جنایت" --clip crime.mp3 --out crime.json
      navar cite 3f9a2c --start 61.2 --end 64.9 --json
    """
    archive = archive_of(ctx)
    rec_id = archive.resolve_id(recording)
    if start is not None or end is not None:
        if start is None or end is None:
            raise click.UsageError("give both --start and --end")
        cit = citations.cite_span(archive, rec_id, start, end)
    elif quote:
        cit = citations.cite_quote(archive, rec_id, quote, language=language, model=model)
    else:
        raise click.UsageError("give a QUOTE, or --start and --end")
    click.echo(cit.to_json() if as_json else cit.text, nl=not as_json)
    if out:
        atomic.write_text(out, cit.to_json())
        click.echo(f"wrote {out}", err=True)
    if clip:
        offset = write_clip(archive, cit, clip, context=context)
        click.echo(f"wrote {clip} (from {citations.timestamp(offset)} in the original)", err=True)


@click.command()
@click.argument("citation_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("audio_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def verify(citation_file, audio_file):
    """Check that AUDIO_FILE is the recording CITATION_FILE cites, and print the span.

    Needs nothing but the two files. Exit status 1 when the file is not the cited recording.
    """
    cit = citations.load_citation(citation_file)
    result = citations.verify_file(cit, audio_file)
    if result.matches:
        click.echo(result.message)
        return
    carried = clip_citation(audio_file)
    if carried and carried.get("sha256") == cit.sha256:
        off = float(carried.get("clip_offset", 0.0))
        raise citations.CitationError(
            f"{audio_file.name} is not the original but a clip cut from it by navar; the span "
            f"is at {citations.timestamp(cit.start - off)}–{citations.timestamp(cit.end - off)} "
            "in the clip. Only the original's SHA-256 proves the citation"
        )
    raise citations.CitationError(result.message)


COMMANDS = [find, align, cite, verify]
