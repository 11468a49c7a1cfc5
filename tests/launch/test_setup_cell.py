"""The Colab setup cell (tools/setup_cell.py): canonical in every chapter, installs bpkit into
a kernel without it, and does nothing where bpkit is installed."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from ._venv import ROOT, make_venv, output_text, run_cells

spec = importlib.util.spec_from_file_location("setup_cell", ROOT / "tools" / "setup_cell.py")
setup_cell = importlib.util.module_from_spec(spec)
spec.loader.exec_module(setup_cell)

CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
# What a Colab kernel has before the setup cell runs (bpkit and myst-nb are not among them).
COLAB_PACKAGES = ["ipykernel", "numpy", "matplotlib", "ipywidgets"]
# Prints where bpkit and the notebooks' other imports come from.
PROBE = """import sys, bpkit, matplotlib, ipywidgets, myst_nb
from bpkit.book.errata import load_printed
print(sys.prefix)
print(bpkit.__file__)
print(len(load_printed()))"""
SOURCE_DEFINED = "print('_source' in dir())"


def test_cell_source_comes_from_config(tmp_path):
    config = tmp_path / "_config.yml"
    config.write_text(yaml.safe_dump({"repository": {"url": "https://github.com/o/r/", "branch": "b1"}}))
    source = setup_cell.cell_source(config)
    assert '"BPKIT_INSTALL_SOURCE", "git+https://github.com/o/r@b1"' in source
    assert '%pip install --quiet "bpkit[notebook] @ {_source}"' in source
    repository = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
    assert f"git+{repository['url']}@{repository['branch']}" in setup_cell.cell_source()


def test_notebook_extra_covers_what_the_cell_installs():
    import tomllib

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    names = {req.split(">")[0].split("<")[0].split("=")[0].strip() for req in extras[setup_cell.EXTRA]}
    # myst-nb: every chapter imports `from myst_nb import glue`.
    assert {"matplotlib", "ipywidgets", "myst-nb"} <= names
    assert not any(name.startswith("jupyter-book") for name in names), "too heavy for Colab"


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.name for p in CHAPTERS])
def test_chapter_starts_with_the_setup_cell(path):
    """Fails until `python tools/setup_cell.py --write chapters/*.ipynb` has been run."""
    why = setup_cell.problem(nbformat.read(path, as_version=4), setup_cell.cell_source())
    assert why is None, f"{path.relative_to(ROOT)}: {why}"


def test_write_then_check_on_copies(tmp_path):
    copies = []
    for path in CHAPTERS:
        shutil.copy(path, tmp_path / path.name)
        copies.append(tmp_path / path.name)
    if all(setup_cell.main(["--check", str(p)]) == 0 for p in copies):
        # Already written: take the cell out again to test the insertion.
        for copy in copies:
            notebook = nbformat.read(copy, as_version=4)
            notebook.cells = [c for c in notebook.cells if not setup_cell.is_setup_cell(c)]
            nbformat.write(notebook, copy)
    assert setup_cell.main(["--check", *map(str, copies)]) == 1
    before = {p: nbformat.read(p, as_version=4) for p in copies}

    assert setup_cell.main(["--write", *map(str, copies)]) == 0
    assert setup_cell.main(["--check", *map(str, copies)]) == 0
    for copy in copies:
        after = nbformat.read(copy, as_version=4)
        nbformat.validate(after)
        setup = [c for c in after.cells if setup_cell.is_setup_cell(c)]
        assert len(setup) == 1 and "hide-input" in setup[0].metadata.tags
        # Every other cell is untouched, in order, and the title stays above the setup cell.
        assert [c for c in after.cells if c is not setup[0]] == before[copy].cells
        first_code = next(i for i, c in enumerate(after.cells) if c.cell_type == "code")
        assert after.cells[first_code] is setup[0] and first_code > 0

    # A second --write changes no byte; a stale cell is updated in place.
    written = {p: p.read_bytes() for p in copies}
    assert setup_cell.main(["--write", *map(str, copies)]) == 0
    assert all(p.read_bytes() == written[p] for p in copies)
    notebook = nbformat.read(copies[0], as_version=4)
    next(c for c in notebook.cells if setup_cell.is_setup_cell(c)).source = "import bpkit"
    nbformat.write(notebook, copies[0])
    assert setup_cell.main(["--check", str(copies[0])]) == 1
    setup_cell.main(["--write", str(copies[0])])
    assert copies[0].read_bytes() == written[copies[0]]


def test_check_names_the_failing_notebook(tmp_path, capsys):
    good, bad = tmp_path / "good.ipynb", tmp_path / "bad.ipynb"
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    nbformat.write(notebook, bad)
    setup_cell.write(notebook, setup_cell.cell_source())
    nbformat.write(notebook, good)
    assert setup_cell.main(["--check", str(good), str(bad)]) == 1
    err = capsys.readouterr().err
    assert str(bad) in err and str(good) + ":" not in err


def test_cell_does_nothing_where_bpkit_is_installed(tmp_path):
    """In the project's environment: no output, and the install branch is not taken."""
    outputs = run_cells(Path(sys.executable), [setup_cell.cell_source(), SOURCE_DEFINED], cwd=tmp_path)
    assert outputs[0] == [], f"the setup cell printed: {output_text(outputs[0])!r}"
    assert output_text(outputs[1]).strip() == "False"


def test_cell_installs_bpkit_into_a_kernel_without_it(tmp_path):
    """A fresh venv with what a Colab kernel has, but no bpkit: the cell installs bpkit (from
    a copy of this checkout, through BPKIT_INSTALL_SOURCE) into that venv, then does nothing."""
    venv = tmp_path / "colab-venv"
    python = make_venv(venv, *COLAB_PACKAGES)
    checkout = tmp_path / "checkout"
    shutil.copytree(
        ROOT, checkout,
        ignore=shutil.ignore_patterns(".git", ".venv", "node_modules", "_build", "build",
                                      "*.egg-info", "__pycache__", ".ipynb_checkpoints"),
    )
    env = {"BPKIT_INSTALL_SOURCE": checkout.as_uri()}
    work = tmp_path / "work"  # the kernel's cwd: no bpkit/ folder next to it
    work.mkdir()
    source = setup_cell.cell_source()

    found, first, again, probe = run_cells(
        python, ["import importlib.util; print(importlib.util.find_spec('bpkit'))", source, source, PROBE],
        cwd=work, env=env,
    )
    assert output_text(found).strip() == "None", "bpkit was importable before the setup cell"
    prefix, bpkit_file, printed = output_text(probe).split()
    assert int(printed) > 0, "chapter 6's printed numbers did not come with bpkit"
    assert Path(prefix) == venv, f"the kernel ran in {prefix}, not in the test's venv"
    assert Path(bpkit_file).is_relative_to(venv), f"bpkit imported from {bpkit_file}, not the venv"
    assert again == [], f"the second run printed: {output_text(again)!r}"

    # A new kernel (a restarted Colab session): bpkit is there, the cell does nothing.
    restarted, defined = run_cells(python, [source, SOURCE_DEFINED], cwd=work, env=env)
    assert restarted == [], f"after a restart the cell printed: {output_text(restarted)!r}"
    assert output_text(defined).strip() == "False"
