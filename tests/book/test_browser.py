"""Open every page of the built book in headless Chromium with the network off.

For each page (discovered from _build/html, never a fixed list) it checks that
- no request leaves 127.0.0.1 (each one is aborted and reported) and none fails or
  answers 4xx/5xx;
- the console shows no error and no uncaught exception;
- on a page with maths, every formula arrives typeset by the build (tools/typeset_maths.py:
  an mjx-container in every .math element, no TeX error such as mjx-merror), the page
  loads no MathJax script, MathJax's fonts load, and no raw TeX ($$, \\(, \\[,
  \\command) is left in the text;
- every widget (bpkit.book.widgets' static form) is set up by its page script, drawn, and
  shows its first output; no page holds an ipywidgets view that nothing could run.
It saves a full-page screenshot to _build/screenshots/<page>.png.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest

from ._book import HTML, SCREENSHOTS, built_pages, require_build

WAIT_MS = 10_000  # the widgets and fonts need well under a second here
VIEW_SCRIPT = 'script[type="application/vnd.jupyter.widget-view+json"]'
REDIRECT = re.compile(r'<meta http-equiv="refresh" content="\d+;\s*url=([^"]+)"', re.IGNORECASE)
RAW_TEX = re.compile(r"\$\$|\\[()\[\]]|\\[A-Za-z]{2,}")

# The page's text outside code, outputs shown as text and typeset maths.
PROSE_TEXT_JS = """() => {
  const root = document.querySelector("main") || document.body;
  const clone = root.cloneNode(true);
  clone.querySelectorAll(
    "pre, code, script, style, textarea, mjx-container, .highlight, .cell_input"
  ).forEach((e) => e.remove());
  return clone.textContent;
}"""

# A TeX error (an unknown macro, \\tag inside split, ...) is drawn as an mjx-merror
# element holding the message (tools/typeset_maths.mjs fails the build on one first).
MATH_ERRORS_JS = """() => Array.from(document.querySelectorAll("mjx-merror, [data-mjx-error]"))
  .map((e) => (e.getAttribute("data-mjx-error") || e.textContent || "").trim().slice(0, 120))"""

UNTYPESET_MATH_JS = """() => Array.from(document.querySelectorAll(".math"))
  .filter((e) => !e.querySelector("mjx-container"))
  .map((e) => e.textContent.trim().slice(0, 80))"""

# Scripts of MathJax itself: the maths is typeset at build time, so a page loads none.
MATHJAX_SCRIPTS_JS = """() => Array.from(document.scripts)
  .filter((s) => /mathjax|tex-mml|tex-chtml/i.test(s.src) || /window\\.MathJax\\b/.test(s.text))
  .map((s) => s.src || s.text.slice(0, 80))"""

# The browser may skip laying out blocks far from the viewport (content-visibility in the
# maths CSS, tools/typeset_maths.mjs): lay out the whole page, so that every font it uses
# is requested and the full-page screenshot shows everything.
LAY_OUT_ALL_CSS = "* { content-visibility: visible !important; }"

# The MathJax fonts the page's maths uses (document.fonts holds the @font-face rules of
# the shared CSS; a face used by the page is loading or loaded once the layout is done).
MATH_FONTS_JS = """async () => {
  void document.documentElement.offsetHeight;  // lay out now: the used fonts start loading
  await document.fonts.ready;
  return Array.from(document.fonts)
    .filter((f) => f.family.replace(/"/g, "").startsWith("MJX") && f.status !== "unloaded")
    .map((f) => ({family: f.family, status: f.status}));
}"""

# The book's widgets are bpkit.book.widgets (static HTML, tools/assets/bpkit-widgets.js); an
# ipywidgets view in a page means a notebook called ipywidgets directly, which no kernel
# backs on the page (tests/book/test_widgets_static.py moves the bpkit widgets' controls).
WIDGETS_JS = """() => Array.from(document.querySelectorAll(".bpw-widget")).map((w) => {
  const out = w.querySelector(".bpw-output");
  const r = w.getBoundingClientRect();
  return {
    number: w.dataset.widget,
    ready: w.dataset.ready === "true",
    sized: r.width > 0 && r.height > 0,
    controls: w.querySelectorAll("[data-control]").length,
    filled: out !== null && (out.innerText.trim().length > 0 || out.querySelector("img") !== null),
    images: Array.from(w.querySelectorAll(".bpw-output img"))
      .every((i) => i.complete && i.naturalWidth > 0),
  };
})"""

def _page_ids() -> list[str]:
    # Without a build there is nothing to discover: one test that says so.
    return built_pages() or ["(no built page)"]


def _is_local(url: str, site_url: str) -> bool:
    if url.startswith(("data:", "blob:", "about:")):
        return True
    return urlsplit(url).netloc == urlsplit(site_url).netloc


@pytest.mark.parametrize("page_path", _page_ids())
def test_page_works_offline(page_path, site_url, browser_context):
    require_build()
    problems: list[str] = []
    blocked: set[str] = set()

    def route(route):
        url = route.request.url
        if _is_local(url, site_url):
            route.continue_()
        else:
            blocked.add(url)
            problems.append(f"request to the network (the book must work offline), aborted: {url}")
            route.abort()

    def on_console(msg):
        if msg.type == "error":
            where = msg.location.get("url", "") if msg.location else ""
            line = msg.location.get("lineNumber", "") if msg.location else ""
            problems.append(f"console error: {msg.text}" + (f" [{where}:{line}]" if where else ""))

    def on_response(response):
        if response.status >= 400:
            problems.append(f"HTTP {response.status} for {response.url}")

    def on_request_failed(request):
        if request.url not in blocked:
            problems.append(f"request failed ({request.failure}): {request.url}")

    page = browser_context.new_page()
    try:
        page.route("**/*", route)
        page.on("console", on_console)
        page.on("pageerror", lambda exc: problems.append(f"uncaught exception: {exc}"))
        page.on("response", on_response)
        page.on("requestfailed", on_request_failed)

        url = urljoin(site_url, page_path)
        page.goto(url, wait_until="load")
        redirect = REDIRECT.search((HTML / page_path).read_text(encoding="utf-8"))
        if redirect:  # e.g. index.html -> intro.html
            page.wait_for_url(urljoin(url, redirect.group(1)), timeout=WAIT_MS, wait_until="load")
        page.add_style_tag(content=LAY_OUT_ALL_CSS)

        _check_maths(page, problems)
        _check_widgets(page, problems)

        page.wait_for_load_state("networkidle", timeout=WAIT_MS)
        shot = SCREENSHOTS / (page_path.removesuffix(".html") + ".png")
        shot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shot), full_page=True)
    finally:
        page.close()

    if problems:
        pytest.fail(
            f"{page_path}: {len(problems)} problem(s):\n  " + "\n  ".join(problems), pytrace=False
        )


def _check_maths(page, problems: list[str]) -> None:
    for script in page.evaluate(MATHJAX_SCRIPTS_JS):
        problems.append(f"the page loads MathJax ({script!r}): its maths is typeset at build time")
    if page.locator(".math").count() > 0:  # a page with maths
        if page.locator("mjx-container").count() == 0:
            problems.append("the page has maths but none is typeset (no mjx-container): "
                            "did tools/typeset_maths.py run?")
        for tex in page.evaluate(UNTYPESET_MATH_JS):
            problems.append(f"maths not typeset: {tex!r}")
        for message in page.evaluate(MATH_ERRORS_JS):
            problems.append(f"MathJax error in a formula: {message!r}")
        # A font that fails to load (a 404) is also reported as an HTTP error above.
        fonts = page.evaluate(MATH_FONTS_JS)
        if not fonts:
            problems.append("the page's maths uses no MathJax font (is chtml.css linked?)")
        for font in fonts:
            if font["status"] != "loaded":
                problems.append(f"MathJax font {font['family']} did not load ({font['status']})")
    # On every page: TeX that never became maths (say, a formula without its dollars).
    text = page.evaluate(PROSE_TEXT_JS)
    for match in RAW_TEX.finditer(text):
        around = " ".join(text[max(0, match.start() - 40) : match.end() + 40].split())
        problems.append(f"raw TeX {match.group()!r} left in the text: ...{around}...")


def _check_widgets(page, problems: list[str]) -> None:
    if page.locator(VIEW_SCRIPT).count():
        problems.append(
            f"{page.locator(VIEW_SCRIPT).count()} ipywidgets view(s) on the page: nothing runs "
            "them here; make the widget with bpkit.book.widgets.interact")
    if page.locator(".bpw-widget").count() == 0:
        return
    try:
        page.wait_for_function(
            """() => Array.from(document.querySelectorAll(".bpw-widget")).every((w) =>
                 w.dataset.ready === "true" && Array.from(w.querySelectorAll("img"))
                   .every((i) => i.complete))""", timeout=WAIT_MS)
    except Exception:
        pass  # reported widget by widget below
    for widget in page.evaluate(WIDGETS_JS):
        name = f"widget {widget['number']}"
        if not widget["ready"]:
            problems.append(f"{name}: the page script did not set it up (bpkit-widgets.js missing?)")
        if not widget["sized"]:
            problems.append(f"{name} is drawn with zero size")
        if widget["controls"] == 0:
            problems.append(f"{name} has no controls")
        if not widget["filled"]:
            problems.append(f"{name}: its output area is empty (the first output is missing)")
        if not widget["images"]:
            problems.append(f"{name}: an output image did not load")
