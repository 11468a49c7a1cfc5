"""Re-execute chapter notebooks in place (for authors, after editing a chapter).

    python tools/execute_notebooks.py [NOTEBOOK ...]    (default: chapters/*.ipynb)

The notebooks are committed executed: nbval compares against their stored outputs,
and Colab and GitHub show them. Every notebook runs top to bottom in a fresh python3
kernel of this environment (whatever kernel name it records), with the directory of
the notebook as working directory, like the book build. Cell timings are not
recorded, so that a re-run changes only what really changed.

``run_notebook`` is also what the tests and tools/stress_kernels.py execute notebooks
with: one place that says which notebook and which cell a timeout stopped.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError

import kernel_wakeup

kernel_wakeup.install()  # nbclient polls in short slices: no stalled executions

ROOT = Path(__file__).resolve().parents[1]


def _cell_timeout() -> float:
    """_config.yml's execute.timeout: seconds one cell may take, wherever a kernel runs."""
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    return float(config["execute"]["timeout"])


CELL_TIMEOUT = _cell_timeout()


class NotebookTimeout(RuntimeError):
    """A cell of a notebook ran longer than its timeout (the message names both)."""


def cell_label(notebook, index: int) -> str:
    """'cell 7 (code cell 4): first line of its source' for messages."""
    cell = notebook.cells[index]
    code_number = sum(1 for c in notebook.cells[: index + 1] if c.cell_type == "code")
    first = next((line for line in cell.source.splitlines() if line.strip()), "")
    return f"cell {index + 1} (code cell {code_number}): {first[:80]!r}"


def run_notebook(notebook, path: Path, timeout: float = CELL_TIMEOUT, **client_kw):
    """Execute ``notebook`` (read from ``path``) in place in a fresh kernel.

    The working directory is the notebook's folder. ``client_kw`` goes to nbclient's
    NotebookClient (e.g. ``km=`` for a kernel of another environment). A cell that runs
    longer than ``timeout`` seconds raises NotebookTimeout naming the notebook and the
    cell; a cell that raises gives nbclient's CellExecutionError.
    """
    if "km" not in client_kw:  # a given kernel manager brings its own kernel
        client_kw.setdefault("kernel_name", "python3")
    client = NotebookClient(notebook, timeout=timeout, record_timing=False,
                            resources={"metadata": {"path": str(Path(path).parent)}}, **client_kw)
    running: list[int] = []

    def on_cell_start(cell, cell_index):
        running[:] = [cell_index]

    client.on_cell_start = on_cell_start
    try:
        client.execute()
    except CellTimeoutError:
        where = cell_label(notebook, running[0]) if running else "a cell"
        raise NotebookTimeout(
            f"{path}: {where} did not finish within {timeout:g} s (the kernel may have "
            "stalled; tools/stress_kernels.py checks for stalls)") from None
    return notebook


def execute(path: Path) -> None:
    from nbconvert.preprocessors import CoalesceStreamsPreprocessor

    notebook = nbformat.read(path, as_version=4)
    run_notebook(notebook, path)
    # One print, one output: a busy kernel may send a line in two stream messages
    # (as the book build's nb_merge_streams, and nbval, merge them).
    notebook, _ = CoalesceStreamsPreprocessor().preprocess(notebook, {})
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
        except NotebookTimeout as exc:
            print(f"{exc}; the notebook was not rewritten", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
