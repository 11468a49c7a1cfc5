"""Time the phases of `make test` and print them as a table at its end (standard library only).

    python3 tools/phases.py run FILE NAME -- COMMAND [ARG ...]
        run COMMAND, append "NAME<TAB>seconds<TAB>exit status" to FILE, exit with its status
    python3 tools/phases.py report FILE
        print FILE as a table with the total

The Makefile runs it with the system python3, so it works before .venv exists.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path


def run(file: Path, name: str, command: list[str]) -> int:
    started = time.perf_counter()
    status = subprocess.call(command)
    seconds = time.perf_counter() - started
    file.parent.mkdir(parents=True, exist_ok=True)
    with file.open("a", encoding="utf-8") as out:
        out.write(f"{name}\t{seconds:.1f}\t{status}\n")
    return status


def report(file: Path) -> int:
    rows = [line.split("\t") for line in file.read_text(encoding="utf-8").splitlines() if line]
    width = max([len("phase"), *(len(r[0]) for r in rows)])
    print(f"\n{'phase':{width}s} {'seconds':>8s}  result")
    for name, seconds, status in rows:
        print(f"{name:{width}s} {float(seconds):8.1f}  {'ok' if status == '0' else 'FAILED (exit ' + status + ')'}")
    print(f"{'total':{width}s} {sum(float(r[1]) for r in rows):8.1f}")
    return 0


def main(argv: list[str]) -> int:
    if len(argv) >= 5 and argv[0] == "run" and argv[3] == "--":
        return run(Path(argv[1]), argv[2], argv[4:])
    if len(argv) == 2 and argv[0] == "report":
        return report(Path(argv[1]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
