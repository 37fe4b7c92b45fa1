"""navar demo: build the demo archive and show where it is."""

from __future__ import annotations

import click

from navar import demo as demo_archive

from . import archive_of


@click.command()
@click.option("--model", default=None, help="Speech model (default: the bundled base).")
@click.pass_context
def demo(ctx, model):
    """Build the demo: a labelled synthetic stand-in for the 1988 tape, transcribed.

    Safe to run again: what is already there is kept.
    """
    archive = archive_of(ctx)
    result = demo_archive.build(archive, model=model, say=lambda m: click.echo(f"... {m}"))
    for step in result.steps:
        click.echo(f"  {step}")
    rec = result.recording
    click.echo(f"Demo recording {rec.id}: {rec.title}")
    click.echo(f"Transcripts: {archive.transcripts_dir / rec.id}")


COMMANDS = [demo]
