"""`cert metrics serve`: /metrics and /health over HTTP."""

from __future__ import annotations

import click


@click.group("metrics", help="Prometheus metrics for operators.")
def metrics_group() -> None:
    pass


@metrics_group.command("serve", help="Serve /metrics and /health until interrupted.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=9090, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    from cert_core.observability import make_server
    from cert_core.observability.metrics import multiprocess_dir

    server = make_server(host, port)
    mode = f"multiprocess dir {multiprocess_dir()}" if multiprocess_dir() else "this process only"
    click.echo(f"serving http://{host}:{server.server_address[1]}/metrics and /health ({mode}); Ctrl-C stops")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
