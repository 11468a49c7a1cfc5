"""The book's widgets respond on the static page, with the Python function's own output.

For every built page with widgets (found in _build/html, never a fixed list), in headless
Chromium with the network off:
- every control of every widget is moved the way a reader moves it (arrow keys, Home and
  End on a slider, the drop-down list, a click on a toggle button), and after each move
  the page shows the output for the control values it then shows;
- each control changes the output at least once;
- then the chapter's notebook runs in a fresh kernel (its live form) and the widget's
  Python function is called with every set of values the page showed: its printed text
  must equal the page's text, and its figures must be, byte for byte, the images the
  page loaded (each image is checked against the SHA-256 that names it).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from urllib.parse import urljoin

import nbformat
import pytest
from execute_notebooks import run_notebook

from ._book import HTML, ROOT, built_pages, only_the_site, require_build

WAIT_MS = 10_000

SPEC_JS = """(w) => JSON.parse(w.querySelector("script.bpw-data").textContent)"""
SHOWN_JS = """(w) => {
  const out = w.querySelector(".bpw-output");
  return {
    shown: w.dataset.shown || null,
    texts: Array.from(out.querySelectorAll("pre.bpw-text")).map((p) => p.textContent),
    images: Array.from(out.querySelectorAll("img")).map((i) => ({
      src: i.getAttribute("src"), loaded: i.complete && i.naturalWidth > 0})),
  };
}"""
IMAGES_LOADED_JS = """(w) => Array.from(w.querySelectorAll(".bpw-output img"))
  .every((i) => i.complete && i.naturalWidth > 0)"""


def _widget_pages() -> list[str]:
    pages = [p for p in built_pages() if 'class="bpw-widget"' in (HTML / p).read_text(encoding="utf-8")]
    return pages or ["(no page with widgets)"]


def _current(widget) -> list[int]:
    spec_start = widget.evaluate(SPEC_JS)["start"]
    shown = widget.get_attribute("data-shown")
    return [int(i) for i in shown.split(",")] if shown else list(spec_start)


def _moves(control_kind: str, count: int, start: int) -> list:
    """The moves a reader makes on one control, as (action, argument) pairs."""
    if control_kind == "range":
        first = "ArrowLeft" if start == count - 1 else "ArrowRight"
        return [("key", first), ("key", "End"), ("key", "Home")]
    others = [i for i in range(count) if i != start] + [start]
    return [(control_kind, i) for i in others]


def _do(widget, k: int, action: str, argument) -> None:
    if action == "key":
        slider = widget.locator(f'input[type="range"][data-control="{k}"]')
        slider.focus()
        slider.press(argument)
    elif action == "select":
        widget.locator(f'select[data-control="{k}"]').select_option(str(argument))
    else:
        widget.locator(f'[data-control="{k}"] button[data-index="{argument}"]').click()


def _kind(widget, k: int) -> str:
    element = widget.locator(f'[data-control="{k}"]')
    tag = element.evaluate("(e) => e.tagName.toLowerCase()")
    return {"input": "range", "select": "select"}.get(tag, "button")


def _record(widget, spec: dict, index: list[int]) -> dict:
    widget.page.wait_for_function(IMAGES_LOADED_JS, arg=widget.element_handle(), timeout=WAIT_MS)
    shown = widget.evaluate(SHOWN_JS)
    return {
        "index": index,
        "values": {c["name"]: c["values"][i] for c, i in zip(spec["controls"], index)},
        "texts": shown["texts"],
        "images": shown["images"],
    }


def _kernel_frames(notebook: Path, requests: list[tuple[int, dict]]) -> list[dict]:
    """Run the notebook in a fresh kernel (live form), then each widget's function."""
    nb = nbformat.read(notebook, as_version=4)
    code = (
        "import json as _json\nfrom bpkit.book.widgets import registered as _registered\n"
        f"_requests = _json.loads({json.dumps(json.dumps(requests))})\n"
        "print(_json.dumps([_registered()[n - 1].frame(v).summary() for n, v in _requests]))"
    )
    nb.cells.append(nbformat.v4.new_code_cell(code))
    env_before = os.environ.pop("BPKIT_WIDGETS", None)  # the live form, as a reader runs it
    try:
        run_notebook(nb, notebook)  # the cell timeout of _config.yml; a timeout names the cell
    finally:
        if env_before is not None:
            os.environ["BPKIT_WIDGETS"] = env_before
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")
    return json.loads(text.strip().splitlines()[-1])


@pytest.mark.parametrize("page_path", _widget_pages())
def test_every_widget_responds_with_its_functions_output(page_path, site_url, browser_context):
    require_build()
    # A Korean page (ko/...) shows the same notebook's widgets as the English one.
    notebook = ROOT / page_path.removeprefix("ko/").replace(".html", ".ipynb")
    assert notebook.is_file(), f"{page_path}: no notebook {notebook.relative_to(ROOT)}"
    problems: list[str] = []
    page = browser_context.new_page()
    page.route("**/*", only_the_site(site_url))
    page.on("pageerror", lambda exc: problems.append(f"uncaught exception: {exc}"))
    states: list[tuple[int, dict]] = []  # (widget number, recorded state)
    try:
        page.goto(urljoin(site_url, page_path), wait_until="load")
        widgets = page.locator(".bpw-widget")
        assert widgets.count() > 0
        for w in range(widgets.count()):
            widget = widgets.nth(w)
            page.wait_for_function("(w) => w.dataset.ready === 'true'",
                                   arg=widget.element_handle(), timeout=WAIT_MS)
            number = int(widget.get_attribute("data-widget"))
            spec = widget.evaluate(SPEC_JS)
            name = f"widget {number}"
            before = _record(widget, spec, list(spec["start"]))
            states.append((number, before))
            for k, control in enumerate(spec["controls"]):
                changed = False
                kind = _kind(widget, k)
                for action, argument in _moves(kind, len(control["values"]), _current(widget)[k]):
                    _do(widget, k, action, argument)
                    index = _current(widget)
                    after = _record(widget, spec, index)
                    states.append((number, after))
                    changed |= (after["texts"], [i["src"] for i in after["images"]]) != (
                        before["texts"], [i["src"] for i in before["images"]])
                    before = after
                if not changed:
                    problems.append(f"{name}: moving {control['name']!r} never changed the output")
    finally:
        page.close()

    expected = _kernel_frames(notebook, [(n, s["values"]) for n, s in states])
    for (number, state), want in zip(states, expected):
        where = f"widget {number} at {state['values']}"
        if state["texts"] != want["texts"]:
            problems.append(f"{where}: the page shows {state['texts']!r}, the function prints {want['texts']!r}")
        shown_hashes = []
        for image in state["images"]:
            file = (HTML / Path(page_path).parent / image["src"]).resolve()
            if not image["loaded"] or not file.is_file():
                problems.append(f"{where}: image {image['src']} did not load")
                continue
            digest = hashlib.sha256(file.read_bytes()).hexdigest()
            if file.name != digest + ".png":
                problems.append(f"{where}: {file.name} does not hold the image its name says")
            shown_hashes.append(digest)
        if shown_hashes != want["images"]:
            problems.append(f"{where}: the page shows images {shown_hashes}, the function draws {want['images']}")

    if problems:
        pytest.fail(f"{page_path}: {len(problems)} problem(s):\n  " + "\n  ".join(problems[:30]),
                    pytrace=False)
