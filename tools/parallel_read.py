"""Sphinx extension: let Sphinx read (and so execute) the book's pages in parallel.

Sphinx reads pages in parallel (tools/build_book.py asks for one reader per core) only
if every extension declares itself safe for it; one that does not say makes the whole
build read serially, with a warning that fails the -W build. Jupyter Book 1 always loads
two that do not say, and both are safe (checked in their sources):

- ``sphinx_multitoc_numbering`` 0.1.x: its whole effect is to replace the TOC
  collector's ``assign_section_numbers``, which Sphinx runs in the main process after
  the readers' results are merged; it keeps no state of its own;
- ``sphinx_jupyterbook_latex`` 1.0: for HTML, two transforms that only add attributes
  and nodes to the doctree being read (doctrees go back from the readers whole); its
  environment attributes are set for the LaTeX builder alone, at builder-inited.

This extension declares them so (``UNDECLARED_BUT_SAFE``) and nothing else: any other
extension that does not declare itself still makes the build serial and fails it.
"""

from __future__ import annotations

from sphinx.application import Sphinx

# Extensions checked by hand to keep no per-read state; see the module's docstring.
UNDECLARED_BUT_SAFE = ("sphinx_multitoc_numbering", "sphinx_jupyterbook_latex")


def declare(app: Sphinx, config) -> None:
    for name in UNDECLARED_BUT_SAFE:
        extension = app.extensions.get(name)
        if extension is not None and extension.parallel_read_safe is None:
            extension.parallel_read_safe = True


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", declare)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
