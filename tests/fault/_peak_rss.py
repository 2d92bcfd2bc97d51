"""Run the `cert` CLI in this process, then print its peak RSS (MB) as the last stderr line.

    python tests/fault/_peak_rss.py route --scenarios X ...

The ephemeral Prefect API server is a separate process and is not counted: this measures what
reading the input costs the `cert` process. The peak is VmHWM, the high-water mark of this
process's own address space: getrusage's ru_maxrss would carry over the parent's peak through
fork and exec (a pytest worker with torch loaded reads as 1 GB here).
"""

from __future__ import annotations

import sys
from pathlib import Path

from cert_cli.main import cli


def main() -> int:
    try:
        cli.main(args=sys.argv[1:], prog_name="cert", standalone_mode=True)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    status = Path("/proc/self/status").read_text()
    peak_mb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")) / 1024
    sys.stderr.write(f"\npeak_rss_mb={peak_mb:.1f}\n")
    sys.stderr.flush()
    return code


if __name__ == "__main__":
    sys.exit(main())
