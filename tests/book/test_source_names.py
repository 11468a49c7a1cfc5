"""The sources are note A ... note E for a reader: their folder's file names ("seed 000" ...)
never reach anything a reader or a bpkit user sees.

Checked: every cell and output of the chapters, the book's Markdown pages and the README,
bpkit's files (docstrings, messages, data file names), and every built HTML page.
"""

from __future__ import annotations

import re

import pytest

from ._book import HTML, ROOT, require_build

# "seed 000", "seed_002", "Seed-004", "seed000", "seeds 000 and 001", "seed_printed".
SOURCE_NAME = re.compile(r"\bseeds?[ _-]?00[0-4]|seed[ _-]?printed|\b00[0-4]_[0-9a-f]{16}\b",
                         re.IGNORECASE)


def _reader_files():
    yield from sorted((ROOT / "chapters").glob("*.ipynb"))
    yield from sorted(ROOT.glob("*.md"))
    yield from sorted(ROOT.glob("*.bib"))
    yield from sorted(p for p in (ROOT / "bpkit").rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def _hits(text: str) -> list[str]:
    return sorted({m.group(0) for m in SOURCE_NAME.finditer(text)})


def test_the_pattern_finds_what_it_must():
    assert _hits("from seed 002's problem 1") == ["seed 002"]
    assert _hits("seed_printed_values.json, seed004, Seeds 000") == ["Seeds 000", "seed004", "seed_printed"]
    assert _hits("rng = np.random.default_rng(seed=0); a seed of 7") == []


def test_no_source_file_names_in_the_sources_of_the_book_and_bpkit():
    found = []
    for path in _reader_files():
        rel = path.relative_to(ROOT)
        if SOURCE_NAME.search(str(rel)):
            found.append(f"{rel}: the file's name")
        text = path.read_text(encoding="utf-8", errors="replace")
        if hits := _hits(text):
            found.append(f"{rel}: {hits}")
    assert not found, "say note A ... note E (see the Sources page):\n  " + "\n  ".join(found)


def test_no_source_file_names_on_the_built_pages():
    require_build()
    found = [f"{p.relative_to(HTML)}: {_hits(p.read_text(encoding='utf-8'))}"
             for p in sorted(HTML.rglob("*.html"))
             if _hits(p.read_text(encoding="utf-8"))]
    if found:
        pytest.fail("built pages name the sources' files:\n  " + "\n  ".join(found), pytrace=False)
