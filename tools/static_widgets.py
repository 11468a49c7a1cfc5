"""Sphinx extension: the book's widgets respond on the static page (bpkit.book.widgets).

Registered in ``_config.yml`` (``sphinx.local_extensions``). It

1. before any notebook runs, sets ``BPKIT_WIDGETS=static`` (every ``bpkit.book.widgets.interact``
   in a notebook executed by this build precomputes its outputs instead of making an
   ipywidgets widget), ``BPKIT_WIDGET_FRAMES`` (where the frames' PNG files go: the
   output's ``_widgets/``) and ``BPKIT_BOOK_ROOT`` (so a page links to them relatively).
   The kernels inherit the environment; committed notebooks keep the live form;
2. serves ``tools/assets/bpkit-widgets.js`` and ``.css`` from ``_static/bpkit/`` on
   every page (the script shows the output of the current control values);
3. drops the ipywidgets state that a committed notebook carries from its live run
   (``metadata.widgets``): the page shows the static form, and that state would only be
   dead weight;
4. after the build, deletes frame files that no page names (left by an earlier build).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

from offline_assets import copy_asset

logger = logging.getLogger(__name__)

ASSETS = Path(__file__).resolve().parent / "assets"
STATIC = "bpkit"  # below _static/
FILES = ("bpkit-widgets.js", "bpkit-widgets.css")
FRAMES = "_widgets"  # below the output root; bpkit.book.widgets.FRAMES_URL
FRAME_NAME = re.compile(r"\b([0-9a-f]{64}\.png)")  # in an <img> or in a widget's JSON


def frames_dir(app: Sphinx) -> Path:
    return Path(app.outdir, FRAMES)


def copy_frames(source: Path, dest: Path) -> int:
    """Another build's frame images (``source``, a ``_widgets/`` folder) into ``dest``, each
    once; returns how many ``source`` has. The single-page build (the PDF) and the Korean
    edition execute nothing, so they show the HTML build's frames."""
    import shutil

    dest.mkdir(parents=True, exist_ok=True)
    images = sorted(source.glob("*.png")) if source.is_dir() else []
    for image in images:
        if not (dest / image.name).exists():
            shutil.copy2(image, dest / image.name)
    return len(images)


def prepare(app: Sphinx) -> None:
    if app.builder.format != "html":
        return
    os.environ["BPKIT_WIDGETS"] = "static"
    os.environ["BPKIT_WIDGET_FRAMES"] = str(frames_dir(app))
    os.environ["BPKIT_BOOK_ROOT"] = str(Path(app.srcdir).resolve())
    frames_dir(app).mkdir(parents=True, exist_ok=True)
    for name in FILES:
        copy_asset(ASSETS / name, Path(app.outdir, "_static", STATIC, name))


WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def drop_widget_state(app: Sphinx, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if scripts:
        scripts[:] = [s for s in scripts
                      if getattr(s, "attributes", {}).get("type") != WIDGET_STATE]


def prune(app: Sphinx, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    used: set[str] = set()
    for page in Path(app.outdir).rglob("*.html"):
        used.update(FRAME_NAME.findall(page.read_text(encoding="utf-8", errors="replace")))
    stale = [p for p in frames_dir(app).glob("*.png") if p.name not in used]
    for path in stale:
        path.unlink()
    kept = len(list(frames_dir(app).glob("*.png")))
    logger.info("static_widgets: %d frame images in %s (%d stale removed)",
                kept, frames_dir(app), len(stale))


def setup(app: Sphinx) -> dict:
    app.connect("builder-inited", prepare)
    app.connect("html-page-context", drop_widget_state)
    app.connect("build-finished", prune)
    app.add_js_file(f"{STATIC}/bpkit-widgets.js", defer="defer")
    app.add_css_file(f"{STATIC}/bpkit-widgets.css")
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
