"""`cert metrics serve`: /metrics and /health over HTTP."""

from __future__ import annotations

import click

from .._common import cli_errors, with_env_option


@click.group("metrics", help="Prometheus metrics for operators.")
def metrics_group() -> None:
    pass


@metrics_group.command("serve", help="Serve /metrics and /health (the `cert health` report) until interrupted.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=9090, show_default=True, type=int)
@with_env_option
@cli_errors
def serve(host: str, port: int, env: str | None) -> None:
    from cert_core.observability import make_server
    from cert_core.observability.metrics import multiprocess_dir

    from .health import open_health_checker

    with open_health_checker(env) as (checker, _):
        server = make_server(host, port, health=lambda: checker.check().to_dict())
        mode = f"multiprocess dir {multiprocess_dir()}" if multiprocess_dir() else "this process only"
        click.echo(f"serving http://{host}:{server.server_address[1]}/metrics and /health ({mode}); Ctrl-C stops")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
