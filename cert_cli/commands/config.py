"""`cert config show|validate`."""

from __future__ import annotations

import json

import click
import yaml

from .._common import cli_errors, with_config_dir_option, with_env_option


@click.group("config", help="Show or validate the effective configuration.")
def config_group() -> None:
    pass


@config_group.command("show", help="Print the effective config (YAML, or JSON with --json).")
@with_config_dir_option
@click.option("--section", default=None, help="Only this section, e.g. energy_governance.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of YAML.")
@with_env_option
@cli_errors
def show(config_dir: str | None, section: str | None, as_json: bool, env: str | None) -> None:
    from cert_core.config import load_config

    cfg = load_config(config_dir, env)
    sections = cfg.sections()
    if section is not None:
        if section not in sections:
            raise click.BadParameter(f"unknown section {section!r}; choose one of {', '.join(sections)}",
                                     param_hint="--section")
        sections = {section: sections[section]}
    doc = {"env": cfg.env, "config_dir": str(cfg.config_dir), "config_version": cfg.config_version, **sections}
    click.echo(json.dumps(doc, indent=2) if as_json else yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))


@config_group.command("validate", help="Validate every config file; exit 2 with the errors.")
@with_config_dir_option
@with_env_option
@cli_errors
def validate(config_dir: str | None, env: str | None) -> None:
    from cert_core.config import load_config

    cfg = load_config(config_dir, env)
    defaulted = [name for name, files in cfg.sources.items() if not files]
    click.echo(f"ok: {cfg.config_dir} (env={cfg.env}, config_version={cfg.config_version})")
    if defaulted:
        click.echo(f"using seed defaults for: {', '.join(defaulted)}")
