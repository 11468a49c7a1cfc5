"""Binder: requirements.txt installs everything a chapter needs.

A fresh venv gets `pip install -r requirements.txt` (run from the repository root, where
its `-e .` points) and runs a copy of a chapter in a kernel of that
venv; no cell may raise.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat

from ._venv import ROOT, execute, make_venv, output_text

CHAPTER = ROOT / "chapters" / "01_jacobian_chain.ipynb"


def test_runtime_txt_names_a_python_for_binder():
    runtime = (ROOT / "runtime.txt").read_text(encoding="utf-8").strip()
    assert re.fullmatch(r"python-3\.\d+", runtime), runtime


def test_requirements_run_a_chapter(tmp_path):
    venv = tmp_path / "binder-venv"
    python = make_venv(venv, "-r", "requirements.txt", cwd=ROOT)
    chapters = tmp_path / "chapters"
    chapters.mkdir()
    shutil.copy(CHAPTER, chapters)

    notebook = nbformat.read(chapters / CHAPTER.name, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell("import sys\nprint(sys.prefix)"))
    execute(python, notebook, cwd=chapters)  # raises if a cell raises

    assert Path(output_text(notebook.cells[-1].outputs).strip()) == venv, "not the venv's kernel"
    errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert not errors, errors
