"""Typed configuration: configs/fusion/*.yaml, CERT_ENV overrides, and process settings."""

from .loader import CONFIG_FILES, CertConfig, deep_merge, load_config
from .settings import ENVIRONMENTS, CertSettings, Environment, get_settings

__all__ = ["CONFIG_FILES", "ENVIRONMENTS", "CertConfig", "CertSettings", "Environment", "deep_merge", "get_settings",
           "load_config"]
