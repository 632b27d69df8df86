"""`annotator serve`: the app on waitress, with the addresses the room opens and the instructor's token."""

from __future__ import annotations

import logging
import sys
import threading
from pathlib import Path

import click
from flask import Flask

from annotator.cli.options import data_options
from annotator.version import __version__
from annotator.web import access, network


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 serves the whole room.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0 picks a free one).")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64),
              help="Worker threads of the WSGI server.")
@click.option("--instructor-token", envvar="ANNOTATOR_INSTRUCTOR_TOKEN",
              help="Token for admin actions [env ANNOTATOR_INSTRUCTOR_TOKEN]; made up at random when serving "
                   "beyond this computer without one.")
@click.option("--assist-model", type=click.Path(file_okay=False, path_type=Path), envvar="ANNOTATOR_ASSIST_MODEL",
              help="Folder with a Segment Anything encoder and decoder in ONNX, for click-to-segment "
                   "[env ANNOTATOR_ASSIST_MODEL]; needs pip install 'annotator[sam]'.")
@data_options
def serve(app: Flask, host: str, port: int, threads: int, instructor_token: str | None,
          assist_model: Path | None) -> None:
    """Run the app on waitress, a production WSGI server for Linux, macOS and Windows."""
    import gc

    from annotator.web.wsgi_server import make_server

    # On loopback with no token: single-user mode. Anyone else on the network must not get admin rights.
    behind_proxy = app.config["ANNOTATOR"]["BEHIND_PROXY"]
    try:
        access.check_token(instructor_token)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--instructor-token") from None
    token = access.token_for_serving(host, instructor_token or app.config["ANNOTATOR"]["INSTRUCTOR_TOKEN"],
                                     behind_proxy)
    app.config["ANNOTATOR"]["INSTRUCTOR_TOKEN"] = token
    if assist_model is not None:  # loaded now: a folder that does not fit stops the start, saying why
        from annotator.web.api.assist import use_model

        try:
            use_model(app, assist_model)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--assist-model") from None
    # Behind a proxy its X-Forwarded-* headers are kept for ProxyFix (create_app); else waitress drops them.
    server = make_server(app, host, port, threads,  # waitress, set up to hold a room: see wsgi_server.py
                         clear_untrusted_proxy_headers=not behind_proxy)
    addresses = network.addresses_for_host(host, network.interface_addresses())
    urls = [address.url(server.effective_port) for address in addresses]
    app.config["ANNOTATOR"]["PARTICIPANT_URLS"] = urls  # the workshop and live pages show the first, and its QR
    url = urls[0] if urls else network.this_computer(host).url(server.effective_port)
    click.echo(f"annotator {__version__} is serving {app.config['ANNOTATOR']['DATA_DIR']}")
    click.echo(f"Open {url} in a browser. Press Ctrl+C to stop.", err=False)
    if token:
        _echo_participant_addresses(host, addresses, server.effective_port)
        click.echo(f"Instructor: open {url}workshop?token={token} once on your own computer (keep this token "
                   "to yourself).")
    sys.stdout.flush()
    # What start-up built (the app, its models, the API document: 135,000 objects) lives until exit; left to
    # the collector, every full collection walks it again, a 70-90 ms pause of all threads under load.
    gc.freeze()
    warming = threading.Thread(target=_warm_ledger, args=(app,), name="warm-ledger", daemon=True)
    warming.start()
    try:
        server.run()
    except KeyboardInterrupt:
        click.echo("Stopped.")
    finally:
        server.close()
        warming.join(timeout=5)  # not past the database's closing, unless a huge ledger is still being read


def _warm_ledger(app: Flask) -> None:
    """Fill the labour ledger's caches while the room arrives, so the first dashboard after a restart is quick."""
    from annotator.store import ledger
    from annotator.store.models import db

    with app.app_context():
        try:
            ledger.warm()
        except Exception:  # a figure that cannot be worked out now is worked out (and reported) when asked for
            logging.getLogger(__name__).exception("could not fill the labour ledger's caches at start")
        finally:
            db.session.remove()


def _echo_participant_addresses(host: str, addresses: list[network.ParticipantAddress], port: int) -> None:
    if not addresses:
        click.echo("Warning: participants cannot reach this computer: it has no network address others can open "
                   "(only loopback, link-local or a virtual bridge such as docker0). Check that the Wi-Fi or cable is "
                   "connected to the room's network, then start again; or give --host this computer's address on "
                   "that network.")
        return
    click.echo("Workshop mode: participants open an address below and type a name to join (the workshop and live "
               "pages show the first one as a QR code).")
    for address in addresses:
        click.echo(f"Participants: open {address.url(port)}" + (f" ({address.interface})" if address.interface else ""))
    if access.is_loopback(host):
        click.echo(f"Note: {host} is reachable from this computer only; serve the room with --host 0.0.0.0.")
