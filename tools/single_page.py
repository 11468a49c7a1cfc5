"""Sphinx extension: the single-page build (``--builder singlehtml``) draws every node the
multi-page build draws.

Registered in ``_config.yml`` (``sphinx.local_extensions``); it does nothing in the
ordinary HTML build. ``make pdf`` (tools/make_pdf.py) prints the book from a single-page
build.

Why: Sphinx gives a builder the node handlers registered under the builder's own name
and falls back to those of its format (``html``) only when no extension registered any
handler under that name (``SphinxComponentRegistry.create_translator``). sphinx-exercise
registers its nodes for ``singlehtml`` too, so from then on ``singlehtml`` sees none of
the handlers that other extensions registered for ``html`` alone, and the build stops
("departing unknown node type: HiddenCellNode", a node of sphinx-jupyterbook-latex that
Jupyter Book loads). This copies each ``html`` handler that ``singlehtml`` lacks.
"""

from __future__ import annotations

from sphinx.application import Sphinx


def share_html_handlers(app: Sphinx) -> None:
    if app.builder.name != "singlehtml":
        return
    handlers = app.registry.translation_handlers
    single = handlers.setdefault("singlehtml", {})
    for node, pair in handlers.get("html", {}).items():
        single.setdefault(node, pair)


def setup(app: Sphinx) -> dict:
    app.connect("builder-inited", share_html_handlers)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
