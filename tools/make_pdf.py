"""The whole book as one PDF, offline: a single-page build printed by headless Chromium.

    python tools/make_pdf.py [--jobs N] [--edition ko] [--html FILE] OUT.pdf

1. ``jupyter-book build --builder singlehtml`` (through tools/build_book.py, with ``-W``)
   into ``_build/singlehtml/``: one HTML page holding every chapter, its maths typeset at
   build time (tools/typeset_maths.py) and each widget showing its first output
   (tools/static_widgets.py). It shares Sphinx's environment (``_build/.doctrees``) with the
   HTML build, so after ``make book`` no notebook is read or executed again: the page is
   written from the HTML build's doctrees, and the widgets' frame images are copied from
   ``_build/html/_widgets/`` (a chapter changed since ``make book`` is read again, as by an
   incremental HTML build);
2. Debian's Chromium (``/usr/bin/chromium``, driven by Playwright, never a downloaded
   browser) prints that page to OUT.pdf: A4, page numbers in the footer, the PDF's
   outline (bookmarks) from the headings, every solution unfolded, links between
   chapters kept as links inside the PDF.

``--edition ko`` prints the Korean edition (tools/editions.py): its single page is built into
``_build/singlehtml/ko/`` from the Korean HTML build's doctrees (``_build/.doctrees-ko``).
``--html FILE`` skips step 1 and prints FILE (the tests print a small page this way).
The Korean glyphs come from the system's fonts (``fonts-nanum``, which ``make chromium``
installs); the maths from MathJax's own web fonts, served by the build.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"
SINGLE = BUILD / "singlehtml"  # index.html there only redirects to the root page
FRAMES = "_widgets"  # the static widgets' images, below each output (tools/static_widgets.py)


def single_dir(edition: str | None) -> Path:
    """Where the single page of an edition is built (the Korean one below the English one)."""
    return SINGLE / edition if edition else SINGLE


def root_page(edition: str | None = None) -> Path:
    """The single page: the book's root document (``_toc.yml``'s ``root``) as HTML."""
    import yaml

    root = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))["root"]
    return single_dir(edition) / f"{root}.html"

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
WAIT_MS = 60_000  # fonts and layout of the whole book: a few seconds here

# Print only: every block laid out (the maths CSS lets the browser skip far-away blocks
# on screen), folded solutions and toggled cells shown, widget controls kept at their first
# setting, no "copy" buttons, no hidden setup cells, long code lines wrapped, and no page
# break inside a formula or a figure.
PRINT_CSS = """
* { content-visibility: visible !important; }
.toggle-hidden, .dropdown .admonition-title ~ *, details > * { display: revert !important;
  visibility: visible !important; opacity: 1 !important; height: auto !important; }
details { display: block; }
button.toggle-button, .toggle-button, .copybtn, .headerlink, .header-article,
  .prev-next-area, .bd-footer, .bd-footer-content, .bd-header-announcement { display: none !important; }
.cell.tag_hide-input:not(:has(.cell_output)), .tag_hide-input .cell_input { display: none !important; }
pre { white-space: pre-wrap !important; overflow-wrap: anywhere; }
mjx-container[display="true"], .cell_output img, figure, table { break-inside: avoid; }
h1, h2, h3 { break-after: avoid; }
h1 { break-before: page; }  /* each chapter (and reference page) on a new page */
"""

FOOTER = ('<div style="width:100%;font-size:8px;color:#666;text-align:center;">'
          '<span class="pageNumber"></span> / <span class="totalPages"></span></div>')


def build_single_page(jobs: int, edition: str | None = None) -> None:
    if edition is None:  # the Korean build copies its own (tools/editions.py)
        from static_widgets import copy_frames

        copied = copy_frames(BUILD / "html" / FRAMES, SINGLE / FRAMES)
        print(f"make_pdf: {copied} widget images from {BUILD / 'html' / FRAMES}", flush=True)
    command = [sys.executable, str(ROOT / "tools" / "build_book.py"), "--jobs", str(jobs),
               *(["--edition", edition] if edition else []),
               str(ROOT), "--builder", "singlehtml", "-W", "--keep-going"]
    print("+", " ".join(command), flush=True)
    result = subprocess.run(command, cwd=ROOT, check=False)
    if result.returncode != 0 or not root_page(edition).exists():
        raise SystemExit(f"make_pdf: the single-page build failed (exit {result.returncode})")


def print_page(page: Path, out: Path) -> float:
    """Print ``page`` (an HTML file) to ``out``; returns the seconds it took."""
    from playwright.sync_api import sync_playwright

    start = time.perf_counter()
    out.parent.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(offline=True)
            tab = context.new_page()
            tab.goto(page.resolve().as_uri(), wait_until="load", timeout=WAIT_MS)
            tab.emulate_media(media="print")
            tab.add_style_tag(content=PRINT_CSS)
            tab.evaluate("() => document.fonts.ready")
            # At 80 % an A4 line holds the widest displayed equations and code lines.
            tab.pdf(path=str(out), format="A4", scale=0.8, print_background=True, outline=True,
                    tagged=True, display_header_footer=True, header_template="<span></span>",
                    footer_template=FOOTER,
                    margin={"top": "16mm", "bottom": "16mm", "left": "14mm", "right": "14mm"})
        finally:
            browser.close()
    return time.perf_counter() - start


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--edition", choices=["ko"], help="the Korean edition (default: English)")
    parser.add_argument("--html", type=Path, help="print this page instead of building the book")
    args = parser.parse_args(argv)
    page = args.html
    if page is None:
        build_single_page(args.jobs, args.edition)
        page = root_page(args.edition)
    seconds = print_page(page, args.out)
    size = args.out.stat().st_size / 1e6
    print(f"make_pdf: {args.out} ({size:.1f} MB), printed in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
