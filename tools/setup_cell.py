"""The setup cell: the first code cell of every chapter installs bpkit where it is missing.

    python tools/setup_cell.py --write chapters/*.ipynb   insert or update the cell
    python tools/setup_cell.py --check chapters/*.ipynb   exit 1 naming each notebook whose
                                                          first code cell is not the canonical one

On Colab (or any kernel without bpkit) the cell runs ``%pip install`` of
``bpkit[notebook]`` from the repository named in ``_config.yml`` (``repository.url`` at
``repository.branch``, the only place the repository is named); where bpkit imports (the
book build, Binder, ``make lab``) it does nothing and prints nothing. The environment
variable ``BPKIT_INSTALL_SOURCE`` (read by the cell when it runs) replaces the
``git+URL@branch`` part, e.g. ``file:///path/to/checkout`` in the tests.

The cell is found by its metadata marker ``"bpkit_setup": true`` and carries the tag
``hide-input``, so the book shows it folded behind a "Show code cell source" toggle.
``--write`` changes nothing but that cell: it goes just before the first other code cell
(the title's markdown stays above it), and a marked cell found elsewhere is moved there.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "_config.yml"
ENV_VAR = "BPKIT_INSTALL_SOURCE"
MARKER = "bpkit_setup"
TAG = "hide-input"
CELL_ID = "bpkit-setup"
EXTRA = "notebook"  # pyproject.toml's extra with what the chapters import besides bpkit


def install_source(config_path: Path = CONFIG) -> str:
    """``git+<repository.url>@<repository.branch>`` from _config.yml."""
    repository = yaml.safe_load(config_path.read_text(encoding="utf-8")).get("repository") or {}
    url, branch = repository.get("url"), repository.get("branch")
    if not url or not branch:
        raise ValueError(f"{config_path}: repository.url and repository.branch are required")
    return f"git+{url.rstrip('/')}@{branch}"


def cell_source(config_path: Path = CONFIG) -> str:
    """The canonical source of the setup cell."""
    return (
        "# Installs bpkit where it is missing (Colab); does nothing where it is installed.\n"
        "try:\n"
        "    import bpkit\n"
        "except ImportError:\n"
        "    import os\n"
        f'    _source = os.environ.get("{ENV_VAR}", "{install_source(config_path)}")\n'
        f'    %pip install --quiet "bpkit[{EXTRA}] @ {{_source}}"\n'
        "    import bpkit"
    )


def is_setup_cell(cell) -> bool:
    return cell.get("cell_type") == "code" and bool(cell.get("metadata", {}).get(MARKER))


def new_cell(source: str):
    cell = nbformat.v4.new_code_cell(source, metadata={MARKER: True, "tags": [TAG]})
    cell["id"] = CELL_ID
    return cell


def problem(notebook, source: str) -> str | None:
    """Why the notebook's first code cell is not the canonical setup cell, or None."""
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    if not code:
        return "has no code cell"
    first = code[0]
    if not is_setup_cell(first):
        return f"first code cell is not the setup cell (no metadata {MARKER!r}): {first.source[:60]!r}"
    if first.source != source:
        return "setup cell's source differs from the canonical one (run --write)"
    if TAG not in first.metadata.get("tags", []):
        return f"setup cell lacks the tag {TAG!r}"
    if first.get("outputs"):
        return "setup cell has stored outputs"
    if sum(is_setup_cell(cell) for cell in notebook.cells) > 1:
        return "has more than one setup cell"
    return None


def write(notebook, source: str) -> bool:
    """Put the canonical setup cell first among the code cells; True if anything changed."""
    if problem(notebook, source) is None:
        return False
    old = [cell for cell in notebook.cells if is_setup_cell(cell)]
    cell = old[0] if old else new_cell(source)
    cell.source = source
    cell.outputs = []
    cell.execution_count = None
    tags = cell.metadata.setdefault("tags", [])
    if TAG not in tags:
        tags.append(TAG)
    cells = [c for c in notebook.cells if not is_setup_cell(c)]
    at = next((i for i, c in enumerate(cells) if c.cell_type == "code"), len(cells))
    notebook.cells = cells[:at] + [cell] + cells[at:]
    return True


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="insert or update the setup cell")
    mode.add_argument("--check", action="store_true", help="fail if a notebook lacks it")
    mode.add_argument("--print", action="store_true", help="print the canonical cell source")
    parser.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_args(argv)
    source = cell_source()
    if args.print:
        print(source)
        return 0
    if not args.notebooks:
        parser.error("name at least one notebook")
    failed = []
    for path in args.notebooks:
        notebook = nbformat.read(path, as_version=4)
        if args.write:
            if write(notebook, source):
                nbformat.write(notebook, path)
                print(f"{path}: setup cell written")
        elif (why := problem(notebook, source)) is not None:
            failed.append(f"{path}: {why}")
    for line in failed:
        print(line, file=sys.stderr)
    if failed:
        print(f"run: python tools/setup_cell.py --write {' '.join(map(str, args.notebooks))}",
              file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
