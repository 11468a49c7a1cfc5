"""Sphinx extension: the API reference (api.md) shows bpkit's docstrings as written.

bpkit's docstrings are plain text for help() and the notebook's Shift-Tab: ASCII maths
("z = W x + b", "dE/dW", "(N, C, H, W)") that reStructuredText would read as emphasis and
references. autodoc passes each docstring through this hook, which makes it a plain-text code
block (class ``bpkit-doc``: no syntax colours, long lines wrapped by tools/assets/bpkit-widgets.css),
so that the page shows exactly what help() shows and the -W build has nothing to warn about.
"""

from __future__ import annotations


def literal_docstring(app, what, name, obj, options, lines):
    if name.startswith("bpkit") and lines:
        body = ["   " + line if line.strip() else "" for line in lines]
        lines[:] = [".. code-block:: text", "   :class: bpkit-doc", ""] + body + [""]


def setup(app):
    app.connect("autodoc-process-docstring", literal_docstring)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
