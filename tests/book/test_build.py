"""The `-W` (warnings are errors) build of the book, as `make book` ran it.

`make book` writes the build's whole output to _build/build.log, with the command on
its first line, and the build's exit status to _build/build.status.
"""

from __future__ import annotations

import re

import pytest
import yaml

from ._book import BUILD, HTML, ROOT, built_pages, toc_files

LOG = BUILD / "build.log"
STATUS = BUILD / "build.status"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
# Sphinx's "path:line: WARNING: ..." lines (a kernel's "[IPKernelApp] WARNING | ..." log
# line on stderr is not one), a Python traceback, or Sphinx's closing line after --keep-going.
PROBLEM = re.compile(
    r"\b(WARNING|ERROR|CRITICAL|SEVERE):|^Traceback|build finished with problems"
)


def _read(path):
    if not path.is_file():
        pytest.fail(f"{path.relative_to(ROOT)} is missing: build the book with `make book`")
    return path.read_text(encoding="utf-8", errors="replace")


def test_build_ran_with_warnings_as_errors():
    command = _read(LOG).splitlines()[0]
    if "jupyter-book build" not in command or " -W" not in command:
        pytest.fail(f"the log's first line is not a -W build: {command!r}", pytrace=False)


def test_build_succeeded_without_warnings():
    log, status = ANSI.sub("", _read(LOG)), _read(STATUS).strip()
    problems = [line for line in log.splitlines() if PROBLEM.search(line)]
    if status != "0" or problems or "build succeeded" not in log:
        pytest.fail(
            f"the -W build failed (exit status {status}); from {LOG.relative_to(ROOT)}:\n  "
            + "\n  ".join(problems or log.splitlines()[-20:]),
            pytrace=False,
        )


def test_every_toc_entry_has_a_page():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    wanted = [toc["root"], *toc_files()]
    pages = set(built_pages())
    missing = [f"{name}.html" for name in wanted if f"{name}.html" not in pages]
    if missing:
        pytest.fail(f"in _toc.yml, not in {HTML.relative_to(ROOT)}: {missing}", pytrace=False)


def test_build_is_newer_than_its_sources():
    _read(LOG)  # fails if there is no build
    built = LOG.stat().st_mtime
    sources = [ROOT / "_config.yml", ROOT / "_toc.yml", *ROOT.glob("*.md"), *ROOT.glob("*.bib"),
               *ROOT.glob("chapters/*"), *ROOT.glob("tools/**/*")]
    stale = sorted(
        str(path.relative_to(ROOT))
        for path in sources
        if path.is_file()
        and path.name != "README.md"
        and "__pycache__" not in path.parts
        and path.stat().st_mtime > built
    )
    if stale:
        pytest.fail(f"changed after the last build (run `make book`): {stale}", pytrace=False)
