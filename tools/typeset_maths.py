"""Sphinx extension: the book's maths is typeset when the book is built, not in the browser.

Registered in ``_config.yml`` (``sphinx.local_extensions``). It

1. drops the MathJax script (``mathjax_path``) and its ``window.MathJax`` configuration
   from every page: Sphinx's mathjax extension still writes each formula as TeX in an
   element with the class ``math`` (``\\(...\\)``, ``\\[...\\]``), but no page loads MathJax;
2. after the pages are written, runs ``node tools/typeset_maths.mjs`` on the output, which
   replaces every such formula by MathJax's CommonHTML output (``mjx-container``, with
   assistive MathML) using the npm package ``mathjax-full``, and writes the CSS of the
   glyphs used to one shared file, ``_static/offline/mathjax/chtml.css``, that each page
   with maths links. Its fonts are MathJax's woff files, which ``tools/offline_assets.py``
   copies beside it. A TeX error fails the build, naming the page and the formula. The
   same CSS lets the browser lay out only the blocks of a page near the viewport
   (``content-visibility: auto``): the layout of hundreds of formulas takes about a
   second on a 2-core machine.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging

from offline_assets import MATHJAX_FONTS, VENDOR

logger = logging.getLogger(__name__)

SCRIPT = Path(__file__).resolve().with_name("typeset_maths.mjs")
CSS = f"_static/{VENDOR}/mathjax/chtml.css"  # below the output; the fonts are beside it
FONTS = MATHJAX_FONTS.removeprefix("mathjax/")  # URL of the fonts' folder, relative to CSS
# The inline configuration Sphinx's mathjax extension adds for MathJax 3 (or 2).
CONFIG_SCRIPTS = ("window.MathJax = ", "MathJax.Hub.Config(")


def _is_mathjax(app: Sphinx, script) -> bool:
    filename = str(getattr(script, "filename", script) or "")
    body = getattr(script, "attributes", {}).get("body", "") or ""
    return filename == app.config.mathjax_path or body.startswith(CONFIG_SCRIPTS)


def drop_mathjax(app: Sphinx, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if scripts:
        scripts[:] = [s for s in scripts if not _is_mathjax(app, s)]


def typeset(app: Sphinx, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    node = shutil.which("node")
    if node is None:
        raise ExtensionError("typeset_maths: `node` is not on PATH; the maths is typeset "
                             "at build time with Node.js (and `npm ci` for mathjax-full)")
    start = time.perf_counter()
    result = subprocess.run([node, str(SCRIPT), str(app.outdir), CSS, FONTS],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise ExtensionError(result.stderr.strip()
                             or f"typeset_maths: {SCRIPT.name} exited with {result.returncode}")
    logger.info("%s (%.1f s)", result.stdout.strip(), time.perf_counter() - start)


def setup(app: Sphinx) -> dict:
    # After sphinx.ext.mathjax has added its scripts to the page (default priority 500).
    app.connect("html-page-context", drop_mathjax, priority=800)
    app.connect("build-finished", typeset)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
