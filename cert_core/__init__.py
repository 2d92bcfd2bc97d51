"""cert_core: the domain library of cert-flows. Plain Python; it never imports Prefect."""

from .config import CertConfig, load_config
from .errors import CertError

__all__ = ["CertConfig", "CertError", "load_config"]
__version__ = "0.1.0"
