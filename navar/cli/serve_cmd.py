"""navar serve: the player and JSON API over the archive, with waitress (not Flask's dev server)."""

from __future__ import annotations

import logging
import os
import socket
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
@click.option("--trusted-host", "trusted_hosts", multiple=True, metavar="NAME",
              help="A host name visitors use to reach the server (repeatable; .example.org "
                   "also allows its subdomains). Requests for any other Host get 400. Default: "
                   "the --host address, localhost and 127.0.0.1, and this machine's name and "
                   "addresses when listening on all of them.")  # fmt: skip
@click.option("--find-time-limit", default=120.0, show_default=True, metavar="SECONDS",
              type=click.FloatRange(1, 3600),
              help="Stop a quote search in the audio after this long.")  # fmt: skip
@click.option("--edit", "edit", is_flag=True,
              help="Turn on correcting transcripts in the browser. A login link with a secret "
                   "is printed here; only its holder can save. Without --edit the server "
                   "cannot write.")  # fmt: skip
@click.option("--edit-model", default=None, metavar="MODEL",
              help="Speech model re-aligning corrected segments (default: bundled).")  # fmt: skip
@click.option("--edit-margin", default=0.5, show_default=True, metavar="SECONDS",
              type=click.FloatRange(0, 5),
              help="Seconds of audio either side of a corrected segment's old edges searched "
                   "for its words.")  # fmt: skip
@click.pass_context
def serve(ctx, host, port, threads, trusted_hosts, find_time_limit, edit, edit_model, edit_margin):
    """Serve the player for this archive (read-only unless --edit) until Ctrl-C."""
    from waitress.server import create_server

    from web.app import create_app

    archive = archive_of(ctx)
    hosts = default_trusted_hosts(host) + [h.strip() for h in trusted_hosts if h.strip()]
    config = {"TRUSTED_HOSTS": list(dict.fromkeys(hosts)), "FIND_TIME_LIMIT": find_time_limit}
    secret = None
    if edit:
        from web.editing import new_secret

        # The model's compute threads sleep between calls instead of spinning: a server's
        # idle spinning threads starved the alignment of a save on a busy machine (0.3-0.9 s
        # instead of 1.5-2 s at load 20 on 2 cores). Read when CTranslate2 loads, so set now.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

        secret = new_secret()
        config.update(EDIT_SECRET=secret, EDIT_MODEL=edit_model, EDIT_MARGIN_S=edit_margin)
    app = create_app(archive.root, config)
    # Waitress warns at every queued request under load; a queue is normal, not a problem.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    try:
        # A lookahead of 1 lets waitress notice a client that has gone while its request runs,
        # so a quote search it asked for stops (web.api passes the check down).
        server = create_server(app, host=host, port=port, threads=threads, ident="navar",
                               channel_request_lookahead=1)  # fmt: skip
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port} ({exc.strerror})") from exc
    # Parse the newest transcripts now, so the first visitor does not wait for it.
    threading.Thread(target=app.extensions["navar"].prewarm, daemon=True).start()
    if edit:  # the speech model, loaded now so the first correction saves as fast as the rest
        languages = [r.language for r in app.extensions["navar"].recordings()] or ["fa"]
        threading.Thread(target=app.extensions["navar_edit"].prewarm, args=(languages,),
                         daemon=True).start()  # fmt: skip
    # The public routes never write; the server itself keeps the derived search index fresh.
    # Through the app's view of the archive: a damaged track is skipped, its recording's
    # other tracks are still indexed.
    served = app.extensions["navar"].archive
    threading.Thread(target=_keep_search_index_fresh, args=(served,), daemon=True).start()
    shown = f"[{host}]" if ":" in host else host
    actual_port = server.effective_port
    click.echo(f"Serving the archive {archive.root}")
    click.echo(f"Open the player: http://{shown}:{actual_port}/   (Ctrl-C to stop)")
    click.echo(f"Answering requests for: {', '.join(app.config['TRUSTED_HOSTS'])} "
               "(more with --trusted-host)")  # fmt: skip
    if secret is not None:
        from web.editing import login_path

        click.echo(f"Editing is on. Log in to correct transcripts (keep this link to yourself): "
                   f"http://{shown}:{actual_port}{login_path(secret)}")  # fmt: skip
        if host not in ("127.0.0.1", "localhost", "::1"):
            click.echo("Warning: editing over the network sends the login link and your "
                       "session unencrypted; prefer an SSH tunnel to 127.0.0.1.",
                       err=True)  # fmt: skip
    try:
        server.run()
    except KeyboardInterrupt:
        click.echo("stopped")
    finally:
        server.close()


def default_trusted_hosts(host: str) -> list[str]:
    """The names a visitor may use for a server listening on ``host``."""
    from web.app import LOOPBACK_HOSTS

    names = [host, *LOOPBACK_HOSTS] if host not in ("0.0.0.0", "::", "") else list(LOOPBACK_HOSTS)
    if host in ("0.0.0.0", "::", ""):  # every interface: this machine's own names and addresses
        names += [socket.gethostname(), socket.getfqdn()]
        try:
            infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
            names += [info[4][0] for info in infos]
        except OSError:
            pass
    return [n for n in dict.fromkeys(names) if n and ":" not in n]  # werkzeug skips IPv6 forms


def _keep_search_index_fresh(archive, every: float = 30.0) -> None:
    from align import archive_search

    while True:
        try:
            archive_search.refresh(archive)
        except Exception as exc:  # a busy or read-only archive: try again next time
            logging.getLogger(__name__).warning("search index not refreshed: %s", exc)
        time.sleep(every)


COMMANDS = [serve]
