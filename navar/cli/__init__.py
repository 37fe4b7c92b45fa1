"""The ``navar`` command. Thin: it parses arguments and calls the packages.

Each group of commands lives in its own module and is registered on ``main`` below.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from pathlib import Path

import click

from transcribe import __version__
from transcribe.archive import Archive
from transcribe.errors import NavarError, write_failure

log = logging.getLogger("navar")


class NavarGroup(click.Group):
    """Turns a NavarError into one line on stderr and exit status 1, never a traceback."""

    def invoke(self, ctx: click.Context):
        previous = _on_sigterm_interrupt()
        try:
            return super().invoke(ctx)
        except NavarError as exc:
            click.echo(f"navar: error: {exc}", err=True)
            ctx.exit(1)
        except KeyboardInterrupt:
            click.echo("navar: interrupted; nothing half-written was kept", err=True)
            ctx.exit(130)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except BrokenPipeError:  # `navar custody ID | head`: the reader stopped; not an error
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no flush warning
            ctx.exit(1)
        except OSError as exc:  # the machine, not Navar: a full disk, a read-only folder, ...
            log.info("write or read failed", exc_info=True)
            where = exc.filename or "a file"
            message = write_failure(where, exc, "the file", atomic=False)
            click.echo(f"navar: error: {message}", err=True)
            ctx.exit(1)
        except Exception as exc:  # a bug: one line for the user, the traceback with -v
            log.info("internal error", exc_info=True)
            click.echo(
                f"navar: internal error: {type(exc).__name__}: {exc} "
                "(run with -v to see where; please report it)",
                err=True,
            )
            ctx.exit(2)
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
            _refresh_search_index(ctx)


def _on_sigterm_interrupt():
    """Make SIGTERM (kill, a closing terminal) unwind like Ctrl-C, so half-written files are
    removed by the code that made them. Returns the previous handler, or None if not set."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    return signal.signal(signal.SIGTERM, interrupt)


def _refresh_search_index(ctx: click.Context) -> None:
    """Keep the archive's search index in step with tracks that commands wrote (cheap if none)."""
    archive = ctx.find_object(Archive)
    if archive is None or not archive.transcripts_dir.is_dir():
        return
    try:
        from align import archive_search

        archive_search.refresh(archive)
    except Exception as exc:  # the index is derived: never fail a command because of it
        log.debug("search index not refreshed: %s", exc)


@click.group(cls=NavarGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--archive",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="NAVAR_ARCHIVE",
    default=".",
    show_default="current folder, or $NAVAR_ARCHIVE",
    help="The archive folder (holds media/ and transcripts/).",
)
@click.option(
    "--actor",
    envvar="NAVAR_ACTOR",
    help="Who is acting, for the custody log (default: $NAVAR_ACTOR, else user@host).",
)
@click.option("-v", "--verbose", count=True, help="More logging (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
@click.version_option(__version__, prog_name="navar")
@click.pass_context
def main(ctx: click.Context, archive: Path, actor: str | None, verbose: int, quiet: bool) -> None:
    """Navar: a searchable, citable, bilingual archive of testimony recordings.

    Add recordings, transcribe Persian speech with word times, translate to English, find and
    cite quotes with their exact times, and play it all in a synchronised web player.

    \b
    Typical use:
      navar add testimony.mp3 --title "Witness 12, Tehran"
      navar transcribe 3f9a2c
      navar find 3f9a2c "بزرگترین جنایت"
      navar serve
    """
    level = (
        logging.ERROR if quiet else [logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)]
    )
    logging.basicConfig(level=level, format="navar: %(message)s", stream=sys.stderr)
    if actor:  # the custody log reads it; batch workers inherit it
        os.environ["NAVAR_ACTOR"] = actor
    ctx.obj = Archive(archive)
    ctx.meta["quiet"] = quiet
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


def archive_of(ctx: click.Context) -> Archive:
    return ctx.find_object(Archive)


def _register() -> None:
    from . import (
        align_cmds,
        archive_cmds,
        batch_cmds,
        demo_cmd,
        evidence_cmds,
        serve_cmd,
        speakers_cmd,
        transcribe_cmd,
    )

    modules = (archive_cmds, transcribe_cmd, align_cmds, serve_cmd, batch_cmds, demo_cmd,
               evidence_cmds, speakers_cmd)  # fmt: skip
    for module in modules:
        for command in module.COMMANDS:
            main.add_command(command)


_register()
