"""Every chapter is committed executed: nbval compares nothing for a cell that never ran."""

from pathlib import Path

import nbformat
import pytest

CHAPTERS = sorted((Path(__file__).resolve().parents[2] / "chapters").glob("*.ipynb"))


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_every_code_cell_was_executed(path):
    cells = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    never = [i for i, c in enumerate(cells, 1) if c.execution_count is None]
    assert not never, (
        f"{path.name}: code cells {never} of {len(cells)} were never executed, so nbval "
        "checks nothing there; run `make execute`")
    counts = [c.execution_count for c in cells]
    assert counts == list(range(1, len(cells) + 1)), (
        f"{path.name}: execution counts {counts} are not one top-to-bottom run")
