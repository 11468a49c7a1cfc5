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
   is added twice on Sphinx 7.4, a "THEBE_JS_URL has already been declared" error);
5. copies Thebe's bundle (without source maps) into ``_static/offline/thebe/``, points
   sphinx-thebe's ``THEBE_JS_URL`` (hard-coded to unpkg.com) at it, relative to each page
   (a configuration it does not recognise is an error), and loads
   ``tools/assets/thebe-shim.js`` after it, which makes Thebe request a kernel and gives it
   ``thebe-mathjax-shim.js`` instead of MathJax 2 from a CDN;
6. after the pages are written, drops the theme's ``fontawesome.js`` (1.5 MB, the largest
   file a page loads) from every page: it redraws the icons as SVG, but the theme's CSS
   already draws the same icons with Font Awesome's web fonts, so without it the icons
   stay and the first visit of a page fetches 1.5 MB less.

Thebe: sphinx-thebe 0.3.1 asks for thebe 0.8.2, which the npm registry reachable here does
not have; ``package.json`` pins 0.9.2, which keeps the ``thebelab.bootstrap``/``on`` API
that sphinx-thebe's script calls (``thebe-shim.js`` covers the differences that matter
here). Its ``lib/`` is a self-contained webpack bundle, so ``package.json``'s
``overrides`` replace its build-time dependencies with an empty stub (``tools/npm-stub``).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)

ASSETS = Path(__file__).resolve().parent / "assets"
LOCAL_ASSETS = ("file-protocol.js", "thebe-shim.js", "thebe-mathjax-shim.js")
VENDOR = "offline"  # below the output's _static/ (the theme owns _static/vendor/)

MATHJAX_FONTS = "mathjax/woff-v2"  # below _static/offline/; tools/typeset_maths.py

# destination below _static/offline/  ->  source below node_modules/ (LOCAL_ASSETS: tools/assets/)
NPM_ASSETS = {
    MATHJAX_FONTS: "mathjax-full/es5/output/chtml/fonts/woff-v2",
    "mathjax/LICENSE": "mathjax-full/LICENSE",
    # index.js loads its numbered chunks from its own folder when Thebe is activated.
    "thebe": "thebe/lib",
}
THEBE_JS = "thebe/index.js"  # below _static/offline/
THEBE_SHIM = "thebe-shim.js"  # gives Thebe thebe-mathjax-shim.js, in its folder, as MathJax
NOT_COPIED = (".map", ".d.ts")  # source maps and TypeScript declarations
# sphinx-thebe's inline configuration script starts with this assignment.
THEBE_URL_ASSIGNMENT = re.compile(r'const THEBE_JS_URL = "([^"]*)"')


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
        copy_asset(src, outdir / dest)
    logger.info("offline_assets: MathJax's fonts, Thebe and %s are in %s", ", ".join(LOCAL_ASSETS), outdir)


def copy_asset(src: Path, dest: Path) -> None:
    """Copy a file or folder, skipping files whose size and mtime already match."""
    if src.is_dir():
        for child in src.iterdir():
            copy_asset(child, dest / child.name)
        return
    if src.name.endswith(NOT_COPIED):
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


def local_thebe(app: Sphinx, pagename, templatename, context, doctree) -> None:
    """Replace sphinx-thebe's CDN URL of Thebe by the page-relative URL of the local copy,
    and load the shim that adapts sphinx-thebe to it after sphinx-thebe's configuration."""
    scripts = context.get("script_files")
    if not scripts:
        return
    local = context["pathto"](f"_static/{VENDOR}/{THEBE_JS}", 1)
    for index, script in enumerate(scripts):
        body = getattr(script, "attributes", {}).get("body") or ""
        if "THEBE_JS_URL" not in body:
            continue
        match = THEBE_URL_ASSIGNMENT.search(body)
        if match is None:
            raise ExtensionError(
                "offline_assets: sphinx-thebe's inline script no longer assigns "
                f"THEBE_JS_URL as expected, so Thebe would not load locally: {body[:200]!r}"
            )
        attributes = dict(script.attributes, body=body.replace(match.group(0), f'const THEBE_JS_URL = "{local}"'))
        scripts[index] = type(script)(script.filename, priority=script.priority, **attributes)
        shim = type(script)(f"_static/{VENDOR}/{THEBE_SHIM}", priority=script.priority)
        scripts.insert(index + 1, shim)
        return


# pydata-sphinx-theme's webpack-macros.html writes this line into every page's <head>.
FONTAWESOME_JS = re.compile(r'[ \t]*<script defer src="[^"]*_static/scripts/fontawesome\.js[^"]*"></script>\n?')


def drop_fontawesome_js(app: Sphinx, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    dropped = 0
    for page in Path(app.outdir).rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        new, count = FONTAWESOME_JS.subn("", text)
        if count:
            page.write_text(new, encoding="utf-8")
            dropped += 1
    logger.info("offline_assets: fontawesome.js dropped from %d pages (the CSS draws the icons)", dropped)


def setup(app: Sphinx) -> dict:
    app.add_config_value("offline_assets_node_modules", "node_modules", "html")
    app.connect("builder-inited", install_assets)
    app.add_js_file(f"{VENDOR}/file-protocol.js")  # after documentation_options.js
    # After every extension has added its per-page scripts (the default priority is 500).
    app.connect("html-page-context", dedupe_scripts, priority=900)
    app.connect("html-page-context", local_thebe, priority=901)
    app.connect("build-finished", drop_fontawesome_js)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
