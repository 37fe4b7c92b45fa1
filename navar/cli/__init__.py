"""The ``navar`` command. Thin: it parses arguments and calls the packages.

Each group of commands lives in its own module, imported when one of its commands runs
(``COMMAND_MODULES``).
"""

from __future__ import annotations

import importlib
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


# Which module defines each command. A module is imported when one of its commands runs (or
# when help lists them all), so `navar show` does not import the aligner, the batch runner and
# the web server: every command started 0.5 s later for them (tests/test_cli.py checks that
# this table names each command once, where it is defined).
COMMAND_MODULES = {
    **dict.fromkeys(("add", "list", "show", "export", "import", "models"), "archive_cmds"),
    "transcribe": "transcribe_cmd",
    **dict.fromkeys(("find", "align", "cite", "verify"), "align_cmds"),
    "serve": "serve_cmd",
    **dict.fromkeys(("batch", "status", "search"), "batch_cmds"),
    "demo": "demo_cmd",
    **dict.fromkeys(("custody", "timestamp", "bundle"), "evidence_cmds"),
    "speakers": "speakers_cmd",
}


class NavarGroup(click.Group):
    """Turns a NavarError into one line on stderr and exit status 1, never a traceback.
    Loads each command's module on first use (COMMAND_MODULES)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | set(COMMAND_MODULES))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.commands and name in COMMAND_MODULES:
            module = importlib.import_module(f"{__name__}.{COMMAND_MODULES[name]}")
            for command in module.COMMANDS:
                self.add_command(command)
        return self.commands.get(name)

    def all_commands(self) -> dict[str, click.Command]:
        """Every command, each module imported (for help texts and tests)."""
        return {name: self.get_command(click.Context(self), name) for name in COMMAND_MODULES}

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
