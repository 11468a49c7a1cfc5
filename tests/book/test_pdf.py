"""The book as one PDF (`make pdf`: tools/make_pdf.py), as a reader opens it, in both editions
(_build/book.pdf, English; _build/book-ko.pdf, Korean: the titles looked for are then the Korean
catalogues' translations of the English ones).

Checked: it has every page of the table of contents, each by its title (chapters and
reference pages), in order, and each in the PDF's outline (bookmarks); its maths is
typeset (MathJax's glyphs are embedded, and no raw TeX is left in the text outside
the code listings); its Korean text is there as text with a Korean font embedded;
links between chapters stay inside the PDF. One test prints a small page with raw
TeX on purpose and checks that the same check finds it.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from ._book import BUILD, CHROMIUM, HANGUL, ROOT, toc_files

PDFS = {"en": BUILD / "book.pdf", "ko": BUILD / "book-ko.pdf"}
SINGLES = {"en": BUILD / "singlehtml", "ko": BUILD / "singlehtml" / "ko"}
CATALOGUES = ROOT / "locales" / "ko" / "LC_MESSAGES"
RAW_TEX = re.compile(r"\$\$|\\[()\[\]]|\\[A-Za-z]{2,}")
LABEL_LINE = re.compile(r"^\(\S+\)=\s*$")
CONTEXT = 12  # characters on each side of a TeX-like hit (on its line), to find it in the code


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _title(file: str, edition: str = "en") -> str:
    """A page's title: the first level-1 heading of its Markdown (or first Markdown cell); in
    the Korean edition its translation in the page's catalogue."""
    path = ROOT / f"{file}.ipynb"
    if path.exists():
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    else:
        text = (ROOT / f"{file}.md").read_text(encoding="utf-8")
    for line in text.splitlines():
        if line.startswith("# "):
            title = line[2:].strip()
            return title if edition == "en" else _translated(file, title)
    raise AssertionError(f"{file} has no level-1 heading")


def _translated(file: str, message: str) -> str:
    from babel.messages.pofile import read_po

    with open(CATALOGUES / f"{file}.po", "rb") as f:
        entry = read_po(f).get(message)
    assert entry is not None and entry.string, f"{file}.po does not translate {message!r}"
    return entry.string


def _plain_title(title: str) -> str:
    """The title as it reads on the page: MyST/TeX markup dropped."""
    return re.sub(r"[`*$]", "", title)


class _CodeText(HTMLParser):
    """The text of every <pre> block of a page: the code listings and the printed outputs."""

    def __init__(self):
        super().__init__()
        self.depth, self.parts = 0, []

    def handle_starttag(self, tag, attrs):
        self.depth += tag == "pre"

    def handle_endtag(self, tag):
        self.depth -= tag == "pre" and self.depth > 0

    def handle_data(self, data):
        if self.depth:
            self.parts.append(data)


def _pdf_text(path: Path) -> tuple[str, object]:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    return "\n".join(page.extract_text() or "" for page in reader.pages), reader


def raw_tex_outside(text: str, code: str) -> list[str]:
    """TeX-like pieces of ``text`` that are not part of ``code`` (both as extracted)."""
    squeezed_code = _squeeze(code)
    found = []
    for match in RAW_TEX.finditer(text):
        # Windows on the hit's own line of text (a listing's line, or a line of prose).
        line_start = text.rfind("\n", 0, match.start()) + 1
        line_end = text.find("\n", match.end()) % (len(text) + 1)
        before = _squeeze(text[max(line_start, match.start() - CONTEXT):match.end()])
        after = _squeeze(text[match.start():min(line_end, match.end() + CONTEXT)])
        if before not in squeezed_code and after not in squeezed_code:
            found.append(text[max(0, match.start() - 40):match.end() + 40].replace("\n", " "))
    return found


@pytest.fixture(scope="module", params=sorted(PDFS))
def book(request):
    """(text, reader, edition) of one edition's PDF."""
    pdf = PDFS[request.param]
    if not pdf.is_file():
        pytest.fail(f"{pdf.relative_to(ROOT)} is missing: run `make pdf`", pytrace=False)
    text, reader = _pdf_text(pdf)
    return text, reader, request.param


def test_the_pdf_is_newer_than_the_books_sources(book):
    pdf = PDFS[book[2]]
    sources = [ROOT / "_toc.yml", *ROOT.glob("*.md"), *ROOT.glob("chapters/*.ipynb")]
    if book[2] != "en":
        sources += CATALOGUES.rglob("*.po")
    stale = [str(p.relative_to(ROOT)) for p in sources
             if p.name != "README.md" and p.stat().st_mtime > pdf.stat().st_mtime]
    assert not stale, f"changed after {pdf.relative_to(ROOT)} was made (run `make pdf`): {stale}"


def test_the_pdf_has_every_page_of_the_toc_by_title_in_order(book):
    text, reader, edition = book
    squeezed = _squeeze(text)
    position, missing = 0, []
    for file in toc_files():
        title = _squeeze(_plain_title(_title(file, edition)))
        at = squeezed.find(title, position)
        if at < 0:
            missing.append(f"{file}: {_title(file, edition)!r}")
        else:
            position = at
    assert not missing, "titles missing from the PDF (or out of order):\n  " + "\n  ".join(missing)
    assert len(reader.pages) > 50, f"only {len(reader.pages)} pages"


def test_every_chapter_is_a_bookmark(book):
    _, reader, edition = book

    def titles(outline):
        for item in outline:
            if isinstance(item, list):
                yield from titles(item)
            else:
                yield _squeeze(item.title)

    bookmarks = list(titles(reader.outline))
    missing = [file for file in toc_files()
               if not any(_squeeze(_plain_title(_title(file, edition))) in b for b in bookmarks)]
    assert not missing, f"no bookmark for {missing}; bookmarks: {bookmarks[:20]}"


def test_the_maths_is_typeset_and_no_raw_tex_is_left(book):
    text, reader, edition = book
    pages = sorted(SINGLES[edition].glob("*.html"), key=lambda p: p.stat().st_size)
    assert pages, f"the single-page build is missing in {SINGLES[edition]}"
    parser = _CodeText()
    parser.feed(pages[-1].read_text(encoding="utf-8"))
    leftover = raw_tex_outside(text, "".join(parser.parts))
    assert not leftover, "raw TeX in the PDF's text:\n  " + "\n  ".join(leftover[:20])
    # MathJax's CommonHTML glyphs are web fonts that Chromium embeds as Type 3 fonts.
    type3 = sum(1 for page in reader.pages
                for font in (page.get("/Resources", {}).get("/Font", {}) or {}).values()
                if font.get_object().get("/Subtype") == "/Type3")
    assert type3 > 0, "no maths glyphs (Type 3 fonts) embedded: was the maths typeset?"


def test_korean_text_is_there_with_a_korean_font(book):
    text, reader, edition = book
    assert "오차역전파" in _squeeze(text), "the Korean terms are not in the PDF's text"
    # The English edition quotes Korean terms; the Korean one is Korean (about 60,000 syllables).
    assert len(HANGUL.findall(text)) > (500 if edition == "en" else 40_000)
    fonts = {str(font.get_object().get("/BaseFont"))
             for page in reader.pages[:10]
             for font in (page.get("/Resources", {}).get("/Font", {}) or {}).values()}
    assert any("Nanum" in name for name in fonts), f"no Korean font embedded: {fonts}"


def test_links_between_chapters_stay_inside_the_pdf(book):
    _, reader, _ = book
    internal = external_files = 0
    for page in reader.pages:
        for annot in page.get("/Annots", []) or []:
            annot = annot.get_object()
            action = annot.get("/A")
            if annot.get("/Dest") is not None or (action and action.get_object().get("/S") == "/GoTo"):
                internal += 1
            elif action and str(action.get_object().get("/URI", "")).startswith("file:"):
                external_files += 1
    assert internal > 100, f"only {internal} links inside the PDF"
    assert external_files == 0, f"{external_files} links point at files outside the PDF"


def test_the_check_finds_raw_tex_on_purpose(tmp_path):
    """The same extraction and check, on a page printed with a formula left untypeset."""
    if not CHROMIUM.is_file():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: run `make test`")
    import subprocess
    import sys
    page = tmp_path / "page.html"
    page.write_text("<html><body><h1>역전파</h1><p>Untypeset: $$\\frac{a}{b}$$</p>"
                    "<pre>print('\\nkept')</pre></body></html>", encoding="utf-8")
    # In its own process: this worker's browser fixtures may hold Playwright's sync API already.
    subprocess.run([sys.executable, str(ROOT / "tools" / "make_pdf.py"), "--html", str(page),
                    str(tmp_path / "page.pdf")], check=True, capture_output=True, timeout=120)
    text, _ = _pdf_text(tmp_path / "page.pdf")
    leftover = raw_tex_outside(text, "print('\\nkept')")
    # "$$", "\\frac", "$$": the prose's TeX is found; the code's "\\n" is not.
    assert len(leftover) == 3 and all("frac" in hit for hit in leftover), leftover
    assert "역전파" in text
