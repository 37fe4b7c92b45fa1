"""navar batch, status and search: process folders of recordings, and search the archive."""

from __future__ import annotations

import click

from align import archive_search

from . import archive_of


@click.command()
@click.argument("text")
@click.option("--limit", default=20, show_default=True, help="At most this many hits.")
@click.option("--language", default=None, help="Only tracks in this language (fa, en, ...).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def search(ctx, text, limit, language, as_json):
    """Search every track of every recording (Persian normalised, typo-tolerant).

    Each hit gives the recording, the track, the time span and a permalink for the player.
    """
    archive = archive_of(ctx)
    hits = archive_search.search(archive, text, limit=limit, language=language)
    if as_json:
        click.echo(archive_search.hits_json(hits))
        return
    if not hits:
        click.echo(f"no matches for {text!r}")
        return
    for h in hits:
        span = f"{_clock(h.start)}-{_clock(h.end)}" if h.start is not None else "untimed"
        click.echo(f"{h.score:.2f}  {h.recording_id}  {span}  {h.track}  {h.title}")
        click.echo(f"      {h.text}")
        click.echo(f"      {h.permalink}")


def _clock(seconds: float) -> str:
    tenths = int(round(seconds * 10))
    s, t = divmod(tenths, 10)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}.{t}"


COMMANDS = [search]
