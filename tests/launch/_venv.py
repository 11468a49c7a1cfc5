"""Fresh virtual environments and kernels in them, for the launch-path tests.

A venv is made with this interpreter's `venv` module and filled with pip from the package
index (pip's download cache makes a second run fast). Its kernel is started from a kernel
spec in a temporary folder whose argv is the venv's own python, so nothing of the project's
environment leaks into it except the process environment.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from execute_notebooks import run_notebook

ROOT = Path(__file__).resolve().parents[2]
PIP_TIMEOUT = 600  # seconds for one pip install (cold cache)
CELL_TIMEOUT = 600  # seconds a cell may take (the setup cell runs pip)


def run(command: list[str], cwd: Path | None = None, timeout: float = PIP_TIMEOUT) -> str:
    """Run a command; on failure, raise with its output (pip's is long: the tail)."""
    done = subprocess.run(
        [str(c) for c in command], cwd=cwd, capture_output=True, text=True, timeout=timeout
    )
    if done.returncode != 0:
        tail = (done.stdout + done.stderr)[-4000:]
        raise AssertionError(f"exit {done.returncode}: {' '.join(map(str, command))}\n{tail}")
    return done.stdout


def make_venv(path: Path, *pip_install_args: str, cwd: Path | None = None) -> Path:
    """A new venv at path with `pip install <args>` run in cwd; returns its python."""
    started = time.perf_counter()
    run([sys.executable, "-m", "venv", path])
    python = path / "bin" / "python"
    if pip_install_args:
        # --no-compile: no .pyc for the ~80 packages up front (a third of pip's time).
        run([python, "-m", "pip", "install", "--quiet", "--no-compile", *pip_install_args], cwd=cwd)
    print(f"venv {path.name}: {time.perf_counter() - started:.1f} s")
    return python


def execute(python: Path, notebook, cwd: Path, env: dict[str, str] | None = None):
    """Execute the notebook in place in a new ipykernel on `python` (e.g. a venv's), with
    extra environment variables `env` and working directory `cwd`.

    A cell that raises fails the call (nbclient's CellExecutionError, with the traceback).
    Every call starts its own kernel and shuts it down.
    """
    with tempfile.TemporaryDirectory() as spec_dir:
        name = "launch-test"
        (Path(spec_dir) / name).mkdir()
        spec = {
            "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": f"python of {python.parent.parent.name}",
            "language": "python",
            "env": env or {},
        }
        (Path(spec_dir) / name / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
        km = KernelManager(
            kernel_name=name, kernel_spec_manager=KernelSpecManager(kernel_dirs=[spec_dir])
        )
        try:  # a cell that times out raises NotebookTimeout, naming the cell
            run_notebook(notebook, Path(cwd) / "launch-test.ipynb", CELL_TIMEOUT, km=km)
        finally:  # nbclient leaves running a kernel whose manager it was given
            if km.has_kernel:
                km.shutdown_kernel(now=True)
    return notebook


def run_cells(python: Path, sources: list[str], cwd: Path,
              env: dict[str, str] | None = None) -> list[list[dict]]:
    """Run the sources as the cells of one new notebook (see execute); each cell's outputs."""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    return [cell.outputs for cell in execute(python, notebook, cwd, env).cells]


def output_text(outputs: list[dict]) -> str:
    """The text of a cell's stream and text/plain outputs."""
    parts = []
    for out in outputs:
        if out.get("output_type") == "stream":
            parts.append(out["text"])
        elif "data" in out:
            parts.append(out["data"].get("text/plain", ""))
    return "".join(parts)
