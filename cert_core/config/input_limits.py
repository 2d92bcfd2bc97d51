"""input_limits.yaml: how much of an input file is read at once, so memory stays bounded."""

from __future__ import annotations

from pydantic import Field

from ._base import StrictSection


class InputLimits(StrictSection):
    # one JSONL line (scenario, task); a longer line becomes an error row and is skipped unread
    max_line_bytes: int = Field(1_048_576, ge=1024)
    # one line of a chains file; a longer chain becomes an error row before any tokenization
    max_chain_bytes: int = Field(1_048_576, ge=1024)
    # rows per Arrow record batch (Parquet) and per streamed group (JSONL, YAML)
    batch_rows: int = Field(10_000, ge=1)
    # a YAML file (scenarios or config) larger than this is refused; use JSONL for big inputs
    max_yaml_bytes: int = Field(8_388_608, ge=1024)
    # YAML aliases (*name) per document; more is refused (billion laughs)
    max_yaml_aliases: int = Field(100, ge=0)
    # nodes of a YAML document once every alias is expanded; more is refused
    max_yaml_nodes: int = Field(1_000_000, ge=1)
    # input held per streamed group before it is handed on (JSONL rows' bytes)
    group_bytes: int = Field(4_194_304, ge=1024)
