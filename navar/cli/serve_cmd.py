"""navar serve: the player and JSON API over the archive, with waitress (not Flask's dev server)."""

from __future__ import annotations

import logging
import threading
import time

import click

from . import archive_of


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 opens it to the network.")  # fmt: skip
@click.option("--port", default=5000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64),
              help="Requests served at once.")  # fmt: skip
@click.pass_context
def serve(ctx, host, port, threads):
    """Serve the player for this archive (read-only) until Ctrl-C."""
    from waitress.server import create_server

    from web.app import create_app

    archive = archive_of(ctx)
    app = create_app(archive.root)
    # Waitress warns at every queued request under load; a queue is normal, not a problem.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    try:
        server = create_server(app, host=host, port=port, threads=threads, ident="navar")
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port} ({exc.strerror})") from exc
    # Parse the newest transcripts now, so the first visitor does not wait for it.
    threading.Thread(target=app.extensions["navar"].prewarm, daemon=True).start()
    # The public routes never write; the server itself keeps the derived search index fresh.
    threading.Thread(target=_keep_search_index_fresh, args=(archive,), daemon=True).start()
    shown = f"[{host}]" if ":" in host else host
    actual_port = server.effective_port
    click.echo(f"Serving the archive {archive.root}")
    click.echo(f"Open the player: http://{shown}:{actual_port}/   (Ctrl-C to stop)")
    try:
        server.run()
    except KeyboardInterrupt:
        click.echo("stopped")
    finally:
        server.close()


def _keep_search_index_fresh(archive, every: float = 30.0) -> None:
    from align import archive_search

    while True:
        try:
            archive_search.refresh(archive)
        except Exception as exc:  # a busy or read-only archive: try again next time
            logging.getLogger(__name__).warning("search index not refreshed: %s", exc)
        time.sleep(every)


COMMANDS = [serve]
