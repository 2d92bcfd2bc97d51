"""The `cert` command: runs flows ad hoc, shows config, serves metrics."""

__all__: list[str] = []
