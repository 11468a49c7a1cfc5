"""Sphinx extension: the built book serves its own browser assets, never a CDN's.

Registered in ``_config.yml`` (``sphinx.local_extensions``). It

1. checks at start-up that ``npm ci`` has installed the pinned packages of
   ``package.json``/``package-lock.json`` into ``node_modules/`` (a clear error if not);
2. copies MathJax's woff fonts (from ``mathjax-full``) into
   ``_build/html/_static/offline/mathjax/``: the maths is typeset at build time
   (``tools/typeset_maths.py``), so no page loads MathJax's JavaScript, but its CommonHTML
   output needs these fonts (the shared CSS written beside them names them). (The book's
   widgets need no widget manager: see ``tools/static_widgets.py``.) The copy goes
   straight into the output: a source folder named ``_static`` would make Jupyter Book
   inject every .js file in it into every page;
3. serves ``tools/assets/file-protocol.js`` on every page: opened from a local folder
   (``file://``), Sphinx's search lists its results without fetching page summaries,
   which the browser refuses there;
4. drops repeated ``<script>`` entries from a page (sphinx-thebe's inline configuration
   is added twice on Sphinx 7.4, a "THEBE_JS_URL has already been declared" error).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)

ASSETS = Path(__file__).resolve().parent / "assets"
LOCAL_ASSETS = ("file-protocol.js",)
VENDOR = "offline"  # below the output's _static/ (the theme owns _static/vendor/)

MATHJAX_FONTS = "mathjax/woff-v2"  # below _static/offline/; tools/typeset_maths.py

# destination below _static/offline/  ->  source below node_modules/ (LOCAL_ASSETS: tools/assets/)
NPM_ASSETS = {
    MATHJAX_FONTS: "mathjax-full/es5/output/chtml/fonts/woff-v2",
    "mathjax/LICENSE": "mathjax-full/LICENSE",
}


def _node_modules(app: Sphinx) -> Path:
    return Path(app.srcdir, app.config.offline_assets_node_modules).resolve()


def _sources(app: Sphinx) -> dict[str, Path]:
    """Every file or folder to copy, keyed by its path below _static/offline/."""
    root = _node_modules(app)
    sources = {dest: root / src for dest, src in NPM_ASSETS.items()}
    sources.update({name: ASSETS / name for name in LOCAL_ASSETS})
    return sources


def install_assets(app: Sphinx) -> None:
    if app.builder.format != "html":
        return
    missing = sorted(str(p) for p in _sources(app).values() if not p.exists())
    if missing:
        raise ExtensionError(
            "offline_assets: the book's browser assets are not installed; run `npm ci` "
            "in the repository root (or `make book`). Missing:\n  " + "\n  ".join(missing)
        )
    outdir = Path(app.outdir, "_static", VENDOR)
    for dest, src in _sources(app).items():
        _copy(src, outdir / dest)
    logger.info("offline_assets: MathJax's fonts and %s are in %s", ", ".join(LOCAL_ASSETS), outdir)


def _copy(src: Path, dest: Path) -> None:
    """Copy a file or folder, skipping files whose size and mtime already match."""
    if src.is_dir():
        for child in src.iterdir():
            _copy(child, dest / child.name)
        return
    if dest.exists():
        a, b = src.stat(), dest.stat()
        if a.st_size == b.st_size and int(a.st_mtime) == int(b.st_mtime):
            return
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dest)


def dedupe_scripts(app: Sphinx, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        # An inline script has filename None or "" depending on who added it.
        key = (
            str(getattr(script, "filename", script) or ""),
            tuple(sorted(getattr(script, "attributes", {}).items())),
        )
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


def setup(app: Sphinx) -> dict:
    app.add_config_value("offline_assets_node_modules", "node_modules", "html")
    app.connect("builder-inited", install_assets)
    app.add_js_file(f"{VENDOR}/file-protocol.js")  # after documentation_options.js
    # After every extension has added its per-page scripts (the default priority is 500).
    app.connect("html-page-context", dedupe_scripts, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
