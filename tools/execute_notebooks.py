"""Re-execute chapter notebooks in place (for authors, after editing a chapter).

    python tools/execute_notebooks.py [NOTEBOOK ...]    (default: chapters/*.ipynb)

The notebooks are committed executed: nbval compares against their stored outputs,
and Colab and GitHub show them. Every notebook runs top to bottom in a fresh python3
kernel of this environment (whatever kernel name it records), with the directory of
the notebook as working directory, like the book build. Cell timings are not
recorded, so that a re-run changes only what really changed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 300  # seconds a cell may take, as in _config.yml


def execute(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=TIMEOUT,
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    nbformat.write(notebook, path)


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted((ROOT / "chapters").glob("*.ipynb"))
    if not paths:
        print("no notebook to execute", file=sys.stderr)
        return 1
    for path in paths:
        print(f"executing {path}", flush=True)
        try:
            execute(path)
        except CellExecutionError as exc:
            print(f"{path}: a cell raised; the notebook was not rewritten\n{exc}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
