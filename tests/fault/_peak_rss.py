"""Run the `cert` CLI in this process, then print its peak RSS (MB) as the last stderr line.

    python tests/fault/_peak_rss.py route --scenarios X ...

The ephemeral Prefect API server is a separate process and is not counted: this measures what
reading the input costs the `cert` process.
"""

from __future__ import annotations

import resource
import sys

from cert_cli.main import cli


def main() -> int:
    try:
        cli.main(args=sys.argv[1:], prog_name="cert", standalone_mode=True)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sys.stderr.write(f"\npeak_rss_mb={peak_mb:.1f}\n")
    sys.stderr.flush()
    return code


if __name__ == "__main__":
    sys.exit(main())
