"""tools/execute_notebooks.py: a cell that outlives its timeout is named, with its notebook."""

from __future__ import annotations

import nbformat
import pytest
from execute_notebooks import CELL_TIMEOUT, ROOT, NotebookTimeout, cell_label, run_notebook


def _notebook(*sources: str):
    cells = [nbformat.v4.new_markdown_cell("# A title")]
    cells += [nbformat.v4.new_code_cell(s) for s in sources]
    return nbformat.v4.new_notebook(cells=cells)


def test_timeout_names_the_notebook_and_the_cell(tmp_path):
    notebook = _notebook("x = 1", "\nimport time\ntime.sleep(30)", "print('never')")
    path = tmp_path / "slow.ipynb"
    with pytest.raises(NotebookTimeout) as caught:
        run_notebook(notebook, path, timeout=2)
    message = str(caught.value)
    assert str(path) in message
    assert "cell 3 (code cell 2): 'import time'" in message
    assert "within 2 s" in message


def test_a_notebook_within_its_timeout_runs_in_its_folder(tmp_path):
    notebook = _notebook("import os\nprint(os.getcwd())")
    run_notebook(notebook, tmp_path / "fine.ipynb", timeout=30)
    assert notebook.cells[1].outputs[0]["text"].strip() == str(tmp_path)


def test_cell_label_counts_code_cells():
    notebook = _notebook("a = 1", "b = 2")
    assert cell_label(notebook, 2) == "cell 3 (code cell 2): 'b = 2'"


def test_the_cell_timeout_is_the_configs():
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert CELL_TIMEOUT == config["execute"]["timeout"]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "--nbval-cell-timeout=$(CELL_TIMEOUT)" in makefile
