"""Sphinx extension: the built book serves its own browser assets, never a CDN's.

Registered in ``_config.yml`` (``sphinx.local_extensions``). It

1. checks at start-up that ``npm ci`` has installed the pinned packages of
   ``package.json``/``package-lock.json`` into ``node_modules/`` (a clear error if not);
2. copies MathJax 3, require.js, the ipywidgets HTML manager (with its font files), Thebe's
   bundle (without source maps) and ``tools/assets/widgets-offline-shim.js`` into
   ``_build/html/_static/offline/`` before the pages are written (so their URLs get
   Sphinx's ``?v=`` checksums). ``mathjax_path`` and ``nb_ipywidgets_js`` in ``_config.yml``
   point there, and any of their local paths that is not copied is an error. The copy goes
   straight into the output: a source folder named ``_static`` would make Jupyter Book
   inject every .js file in it into every page;
3. drops repeated ``<script>`` entries from a page (sphinx-thebe's inline configuration
   is added twice on Sphinx 7.4, a "THEBE_JS_URL has already been declared" error);
4. points sphinx-thebe's ``THEBE_JS_URL`` (hard-coded to unpkg.com) at the local copy of
   Thebe, relative to each page (a configuration it does not recognise is an error), and
   loads ``tools/assets/thebe-shim.js`` after it, which makes Thebe request a kernel and
   typeset with the page's MathJax 3 (through ``widgets-offline-shim.js``), not MathJax 2
   from a CDN.

Thebe: sphinx-thebe 0.3.1 asks for thebe 0.8.2, which the npm registry reachable here does
not have; ``package.json`` pins 0.9.2, which keeps the ``thebelab.bootstrap``/``on`` API
that sphinx-thebe's script calls (``thebe-shim.js`` covers the two differences that matter
here). Its ``lib/`` is a self-contained webpack bundle, so
``package.json``'s ``overrides`` replace its build-time dependencies with an empty stub
(``tools/npm-stub``).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
VENDOR = "offline"  # below the output's _static/ (the theme owns _static/vendor/)

# destination below _static/offline/  ->  source below node_modules/ (or tools/assets/)
NPM_ASSETS = {
    "mathjax/tex-mml-chtml.js": "mathjax/es5/tex-mml-chtml.js",
    # MathJax loads these on demand (fonts, TeX extensions such as \boldsymbol, menu).
    "mathjax/input": "mathjax/es5/input",
    "mathjax/output": "mathjax/es5/output",
    "mathjax/ui": "mathjax/es5/ui",
    "mathjax/a11y": "mathjax/es5/a11y",
    "mathjax/sre": "mathjax/es5/sre",
    "mathjax/adaptors": "mathjax/es5/adaptors",
    "mathjax/LICENSE": "mathjax/LICENSE",
    "require.js": "requirejs/require.js",
    "html-manager/embed-amd.js": "@jupyter-widgets/html-manager/dist/embed-amd.js",
    # index.js loads its numbered chunks from its own folder when Thebe is activated.
    "thebe": "thebe/lib",
}
THEBE_JS = "thebe/index.js"  # below _static/offline/
THEBE_SHIM = "thebe-shim.js"  # gives Thebe widgets-offline-shim.js, in its folder, as MathJax
NOT_COPIED = (".map", ".d.ts")  # source maps and TypeScript declarations
# sphinx-thebe's inline configuration script starts with this assignment.
THEBE_URL_ASSIGNMENT = re.compile(r'const THEBE_JS_URL = "([^"]*)"')
FONT_SUFFIXES = (".woff2", ".woff", ".ttf", ".eot", ".svg")
LOCAL_ASSETS = {
    "widgets-offline-shim.js": HERE / "assets" / "widgets-offline-shim.js",
    "thebe-shim.js": HERE / "assets" / "thebe-shim.js",
}


def _node_modules(app: Sphinx) -> Path:
    return Path(app.srcdir, app.config.offline_assets_node_modules).resolve()


def _sources(app: Sphinx) -> dict[str, Path]:
    """Every file or folder to copy, keyed by its path below _static/offline/."""
    root = _node_modules(app)
    sources = {dest: root / src for dest, src in NPM_ASSETS.items()}
    dist = root / "@jupyter-widgets" / "html-manager" / "dist"
    if dist.is_dir():
        for font in sorted(dist.iterdir()):
            if font.suffix in FONT_SUFFIXES:
                sources[f"html-manager/{font.name}"] = font
    sources.update(LOCAL_ASSETS)
    return sources


def _local_paths(app: Sphinx) -> list[tuple[str, str]]:
    """(config name, path) for every asset the configuration loads from _static/."""
    wanted = [("mathjax_path", app.config.mathjax_path)]
    wanted += [("nb_ipywidgets_js", key) for key in app.config.nb_ipywidgets_js]
    return [(name, path) for name, path in wanted if path and "://" not in path]


def install_assets(app: Sphinx) -> None:
    if app.builder.format != "html":
        return
    missing = sorted(str(p) for p in _sources(app).values() if not p.exists())
    if missing:
        raise ExtensionError(
            "offline_assets: the book's browser assets are not installed; run `npm ci` "
            "in the repository root (or `make book`). Missing:\n  " + "\n  ".join(missing)
        )
    served = set(_sources(app))
    for name, path in _local_paths(app):
        if not path.startswith(VENDOR + "/") or path[len(VENDOR) + 1 :] not in served:
            raise ExtensionError(
                f"offline_assets: {name} loads {path!r} from _static/, but "
                f"tools/offline_assets.py copies no such file into _static/{VENDOR}/"
            )
    outdir = Path(app.outdir, "_static", VENDOR)
    for dest, src in _sources(app).items():
        _copy(src, outdir / dest)
    logger.info("offline_assets: MathJax, require.js, the widget manager and Thebe are in %s", outdir)


def _copy(src: Path, dest: Path) -> None:
    """Copy a file or folder, skipping files whose size and mtime already match."""
    if src.is_dir():
        for child in src.iterdir():
            _copy(child, dest / child.name)
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


def setup(app: Sphinx) -> dict:
    app.add_config_value("offline_assets_node_modules", "node_modules", "html")
    app.connect("builder-inited", install_assets)
    # After every extension has added its per-page scripts (the default priority is 500).
    app.connect("html-page-context", dedupe_scripts, priority=900)
    app.connect("html-page-context", local_thebe, priority=901)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
