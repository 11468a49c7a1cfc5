"""Launch paths of the built book, in headless Chromium: Thebe's live code and the download menu.

- "Live Code" loads Thebe from the book itself (never from a CDN), turns the page's code
  cells into CodeMirror editors and asks mybinder.org for a kernel of the repository and
  branch named in _config.yml (the request is intercepted and aborted).
- The same button, with the Binder request answered by the test with the address of a
  local `jupyter server`, runs an edited cell on the page and shows its output.
- Every chapter page's download menu links to its .ipynb, and that file, fetched from the
  local server, is the committed notebook.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from urllib.parse import urljoin, urlsplit

import nbformat
import pytest
import yaml

from ._book import ROOT, require_build

WAIT_MS = 20_000
THEBE_JS = "_static/offline/thebe/index.js"
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
LIVE_PAGE = "chapters/01_jacobian_chain.html"
# Code cells of a myst-nb page, as sphinx-thebe selects them.
CODE_CELLS_JS = "() => document.querySelectorAll('div.cell div.cell_input pre').length"
EDITORS_JS = "() => document.querySelectorAll('div.cell .CodeMirror').length"


def _repository() -> tuple[str, str]:
    """(owner/name, branch) of the repository in _config.yml."""
    repository = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["repository"]
    path = urlsplit(repository["url"]).path.strip("/").removesuffix(".git")
    return path, repository["branch"]


def binder_build_url() -> str:
    """Where Thebe asks mybinder.org to build (or find) the repository's image."""
    repo, branch = _repository()
    return f"https://mybinder.org/build/gh/{repo}/{branch}"


def _is_loopback(url: str) -> bool:
    return url.startswith(("data:", "blob:", "about:")) or urlsplit(url).hostname == "127.0.0.1"


class PageLog:
    """Requests, responses, console errors and uncaught exceptions of one page."""

    def __init__(self, page):
        self.external: list[str] = []
        self.responses: dict[str, int] = {}
        self.errors: list[str] = []
        self.console: list[str] = []
        page.on("response", lambda r: self.responses.setdefault(r.url.split("?")[0], r.status))
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self.errors.append(f"uncaught exception: {exc}"))

    def _on_console(self, msg):
        self.console.append(f"{msg.type}: {msg.text}")
        if msg.type == "error":
            where = (msg.location or {}).get("url", "")
            self.errors.append(f"console error: {msg.text}" + (f" [{where}]" if where else ""))


def _open_live_code(page, url: str) -> int:
    """Open the page, click Launch > Live Code; returns the number of code cells."""
    page.goto(url, wait_until="load")
    page.evaluate("() => localStorage.clear()")  # no saved Thebe session from another test
    cells = page.evaluate(CODE_CELLS_JS)
    assert cells > 0, f"{url} has no code cell"
    page.click('button[aria-label="Launch interactive content"]')
    page.click("button.btn-launch-thebe")
    return cells


def _wait_for_console(page, log: PageLog, text: str) -> None:
    deadline = time.monotonic() + WAIT_MS / 1000
    while not any(text in message for message in log.console):
        if time.monotonic() > deadline:
            raise TimeoutError(f"the page never logged {text!r}")
        page.wait_for_timeout(100)


def _wait_for_editors(page, cells: int) -> None:
    page.wait_for_function(f"() => ({EDITORS_JS})() >= {cells}", timeout=WAIT_MS)


def test_live_code_loads_local_thebe_and_asks_binder(site_url, browser_context):
    require_build()
    page = browser_context.new_page()
    log = PageLog(page)

    def route(route):
        if _is_loopback(route.request.url):
            route.continue_()
        else:
            log.external.append(route.request.url)
            route.abort()

    try:
        page.route("**/*", route)
        with page.expect_request(lambda r: r.url.startswith("https://mybinder.org/"),
                                 timeout=WAIT_MS) as binder:
            cells = _open_live_code(page, urljoin(site_url, LIVE_PAGE))
            _wait_for_editors(page, cells)
    finally:
        page.close()

    assert log.responses.get(urljoin(site_url, THEBE_JS)) == 200, (
        f"Thebe was not loaded from the book: {sorted(u for u in log.responses if 'thebe' in u)}"
    )
    assert binder.value.url.split("?")[0] == binder_build_url()
    others = [u for u in log.external if not u.startswith(binder_build_url())]
    assert not others, f"requests that left 127.0.0.1 besides Binder's: {others}"
    # Thebe reports the aborted Binder request, and only that.
    unexpected = [e for e in log.errors if "binder" not in e.lower()]
    assert not unexpected, unexpected


@pytest.fixture(scope="module")
def jupyter_server(site_url, tmp_path_factory):
    """A `jupyter server` of this environment on 127.0.0.1 (root: the repository), which
    accepts the book's origin; yields (url, token)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    token = secrets.token_hex(16)
    runtime = tmp_path_factory.mktemp("jupyter-runtime")
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(runtime), JUPYTER_CONFIG_DIR=str(runtime))
    with open(runtime / "server.log", "wb") as server_log:
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyter_server", "--no-browser", "--allow-root",
             "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
             f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={ROOT}",
             f"--ServerApp.allow_origin={site_url.rstrip('/')}"],
            env=env, stdout=subprocess.DEVNULL, stderr=server_log,
        )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{url}api/status?token={token}", timeout=2).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail("jupyter server did not start:\n"
                            + (runtime / "server.log").read_text(errors="replace")[-3000:])
            time.sleep(0.3)
    try:
        yield url, token
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


# Replace a cell's code in its CodeMirror editor, then press its run button.
EDIT_AND_RUN_JS = """([index, code]) => {
  const cell = document.querySelectorAll('div.cell')[index];
  cell.querySelector('.CodeMirror').CodeMirror.setValue(code);
  cell.querySelector('.thebe-run-button').click();
}"""
OUTPUT_OF_CELL_JS = "(index) => document.querySelectorAll('div.cell')[index].textContent"


def test_live_code_runs_an_edited_cell(site_url, browser_context, jupyter_server):
    """Binder's answer is played by the test (the address of a local jupyter server); the
    rest is the page's own Thebe: the first code cell is edited and run, its output shown."""
    require_build()
    server_url, token = jupyter_server
    ready = json.dumps({"phase": "ready", "message": "ready (test)", "url": server_url, "token": token})
    page = browser_context.new_page()
    log = PageLog(page)

    def route(route):
        url = route.request.url
        if _is_loopback(url):
            route.continue_()
        elif url.split("?")[0] == binder_build_url():
            route.fulfill(status=200, headers={"Content-Type": "text/event-stream"},
                          body=f"data: {ready}\n\n")
        else:
            log.external.append(url)
            route.abort()

    code = "import bpkit\nprint('live', 6 * 7, bpkit.__name__)"
    try:
        page.route("**/*", route)
        cells = _open_live_code(page, urljoin(site_url, LIVE_PAGE))
        _wait_for_editors(page, cells)
        _wait_for_console(page, log, "Attached to session")
        page.evaluate(EDIT_AND_RUN_JS, [0, code])
        page.wait_for_function(
            f"() => ({OUTPUT_OF_CELL_JS})(0).includes('live 42 bpkit')", timeout=WAIT_MS
        )
        shown = page.evaluate("() => document.body.textContent.split('live 42 bpkit').length - 1")
    except Exception:
        print("\n".join(log.console[-40:]))
        raise
    finally:
        page.close()
    assert shown == 1, f"the output is shown {shown} times (once, in the edited cell, expected)"
    assert not log.external, f"requests that left 127.0.0.1: {log.external}"
    assert not log.errors, log.errors


def _chapter_ids():
    return [p.stem for p in CHAPTERS]


@pytest.mark.parametrize("name", _chapter_ids())
def test_download_menu_offers_the_notebook(name, site_url, browser_context):
    require_build()
    page = browser_context.new_page()
    try:
        page.goto(urljoin(site_url, f"chapters/{name}.html"), wait_until="load")
        page.click('button[aria-label="Download this page"]')
        link = page.locator(f'.dropdown-download-buttons a[href$="/{name}.ipynb"]')
        assert link.count() == 1, f"no .ipynb link in the download menu of chapters/{name}.html"
        link.wait_for(state="visible", timeout=WAIT_MS)
        href = urljoin(page.url, link.get_attribute("href"))
        response = page.request.get(href)
        assert response.status == 200, f"{href}: HTTP {response.status}"
        served = nbformat.reads(response.text(), as_version=4)
    finally:
        page.close()
    assert urlsplit(href).hostname == "127.0.0.1"
    nbformat.validate(served)
    committed = nbformat.read(ROOT / "chapters" / f"{name}.ipynb", as_version=4)
    assert served.cells == committed.cells, f"{href} is not chapters/{name}.ipynb"
