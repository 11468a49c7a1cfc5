"""Where the built book is, which pages it has, and how Chromium is started."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "_build"
HTML = BUILD / "html"
SCREENSHOTS = BUILD / "screenshots"
CHROMIUM = Path(os.environ.get("BOOK_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HANGUL = re.compile(r"[\uac00-\ud7a3]")  # a Hangul syllable
# Folders of the built site that hold assets, not pages.
NOT_PAGES = {"_static", "_sources", "_images", "_downloads"}


def toc_files() -> list[str]:
    """Every file _toc.yml names (chapters, parts, sections), in order, without the root."""
    import yaml

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                yield entry["file"]
            yield from walk(entry.get("chapters"))
            yield from walk(entry.get("sections"))

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    return [*walk(toc.get("chapters")), *walk(toc.get("parts"))]


def built_pages() -> list[str]:
    """Every HTML page of the built site, as a path relative to _build/html."""
    if not HTML.is_dir():
        return []
    return sorted(
        path.relative_to(HTML).as_posix()
        for path in HTML.rglob("*.html")
        if not NOT_PAGES & set(path.relative_to(HTML).parts[:-1])
    )


def require_build() -> None:
    if not (HTML / "index.html").is_file():
        pytest.fail(f"the book is not built ({HTML / 'index.html'} is missing): run `make book`")


def only_the_site(site_url: str):
    """A Playwright route handler: requests to the local server go on, all others are aborted."""
    host = urlsplit(site_url).netloc

    def route(route):
        if urlsplit(route.request.url).netloc == host:
            route.continue_()
        else:
            route.abort()

    return route
