"""The two editions of the built book: English (_build/html/) and Korean (_build/html/ko/).

- Every page of each edition links to the same page of the other (tools/editions.py): the link's
  target exists and links back; in Chromium, following the link on every Korean page and back
  lands on the same pages (the English page's language is "en", the Korean one's "ko").
- The Korean edition has every page the English one has, in Korean: the page's language is ko,
  its prose is Hangul (a page left in English would fail), numbered references read Korean
  ("2.3절", not "section 2.3"), and the site title is the Korean one.
- Korean search: the index holds Hangul words without their particles, and searching for a
  term finds the chapters that use it with a particle attached.
(The other book tests, browser and site, read every page below _build/html, so they check the
Korean pages' maths, widgets, console, weight and load time as they do the English ones.)
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from urllib.parse import urljoin

import pytest

from ._book import HANGUL, HTML, ROOT, built_pages, require_build, toc_files

KO = "ko/"
LATIN_WORD = re.compile(r"\b[A-Za-z]{3,}\b")
WAIT_MS = 10_000


def _english_pages() -> list[str]:
    return [p for p in built_pages() if not p.startswith(KO)]


def _korean_pages() -> list[str]:
    return [p for p in built_pages() if p.startswith(KO)]


def _content_pages() -> list[str]:
    """The English pages of the table of contents, and the root."""
    import yaml

    root = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))["root"]
    return [f"{f}.html" for f in [root, *toc_files()]]


class _Page(HTMLParser):
    """The edition link, the <html lang>, the <title> and the prose text of a page."""

    SKIP = {"pre", "code", "script", "style", "mjx-container", "textarea"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}

    def __init__(self):
        super().__init__()
        self.link, self.lang, self.title, self.text = None, None, "", []
        self._open: list[tuple[str, bool]] = []  # (tag, inside code or maths)
        self._in_title = self._in_main = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        if tag == "a" and "bpkit-edition-link" in (attrs.get("class") or ""):
            self.link = attrs
        self._in_title |= tag == "title"
        self._in_main |= tag == "main"
        if tag not in self.VOID:
            skip = (tag in self.SKIP or "highlight" in (attrs.get("class") or "").split()
                    or bool(self._open and self._open[-1][1]))
            self._open.append((tag, skip))

    def handle_endtag(self, tag):
        self._in_title &= tag != "title"
        while self._open and self._open.pop()[0] != tag:
            pass

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        elif self._in_main and not (self._open and self._open[-1][1]):
            self.text.append(data)


def _read(page: str) -> _Page:
    parsed = _Page()
    parsed.feed((HTML / page).read_text(encoding="utf-8"))
    return parsed


def _hangul_share(parsed: _Page) -> float:
    """Hangul syllables over Hangul syllables and Latin letters, in the page's prose."""
    text = " ".join(parsed.text)
    hangul, latin = len(HANGUL.findall(text)), sum(map(len, LATIN_WORD.findall(text)))
    return hangul / max(1, hangul + latin)


def _target(page: str, href: str) -> str:
    """The page (relative to _build/html) that ``href`` on ``page`` points at."""
    return urljoin("http://x/" + page, href).removeprefix("http://x/")


def test_the_korean_edition_has_every_page_of_the_english_one():
    require_build()
    english = set(_english_pages())
    korean = {p.removeprefix(KO) for p in _korean_pages()}
    assert english, "no English pages"
    assert not english - korean, f"pages without a Korean edition: {sorted(english - korean)}"
    assert not korean - english, f"Korean pages without an English one: {sorted(korean - english)}"


@pytest.mark.parametrize("page", _english_pages() or ["(no built page)"])
def test_every_page_links_to_the_other_edition_and_back(page):
    require_build()
    parsed = _read(page)
    if parsed.lang is None and "refresh" in (HTML / page).read_text(encoding="utf-8").lower():
        pytest.skip("a redirect page")
    assert parsed.link, f"{page}: no link to the Korean edition"
    korean = _target(page, parsed.link["href"])
    assert korean == KO + page, f"{page} links to {korean}, not to {KO + page}"
    assert parsed.link.get("hreflang") == "ko" and parsed.link.get("lang") == "ko"
    back = _read(korean).link
    assert back, f"{korean}: no link to the English edition"
    assert _target(korean, back["href"]) == page, f"{korean} links back to {back['href']}"
    assert back.get("hreflang") == "en"


@pytest.mark.parametrize("page", _content_pages())
def test_the_korean_page_is_korean(page):
    require_build()
    parsed = _read(KO + page)
    assert parsed.lang == "ko", f"{KO + page}: <html lang={parsed.lang!r}>"
    assert "오차역전파, 유도하고 검증하기" in parsed.title, parsed.title
    # The API page is mostly bpkit's docstrings (English, as the code is); every other page is
    # Korean prose with English terms, symbols and printed output in between.
    floor = 0.1 if page == "api.html" else 0.5
    share = _hangul_share(parsed)
    assert share >= floor, (f"{KO + page}: {share:.0%} of the letters of its prose are Hangul "
                            f"(less than {floor:.0%}): is it translated?")
    # The same measure on the English page is far below the floor: the check can fail.
    assert _hangul_share(_read(page)) < floor / 2, f"{page}: the English page reads as Korean"
    text = " ".join(" ".join(parsed.text).split())
    english_refs = re.findall(r"\b(?:[Ss]ection|[Cc]hapter|[Ff]igure|[Tt]able) \d+(?:\.\d+)?", text)
    assert not english_refs, f"{KO + page}: English numbered references: {english_refs[:5]}"


def test_numbered_references_read_korean():
    require_build()
    text = " ".join(_read(KO + "chapters/02_feedforward.html").text)
    assert re.search(r"\d\.\d+절", text), "no numbered section reference such as 2.3절"


def test_the_korean_search_index_drops_particles():
    require_build()
    index = (HTML / KO / "searchindex.js").read_text(encoding="utf-8")
    data = json.loads(index[index.index("(") + 1:index.rindex(")")])
    terms = data["terms"]
    assert "역전파" in terms and "가중치" in terms, "the Korean index lacks 역전파 / 가중치"
    with_particles = [t for t in ("역전파는", "역전파를", "가중치의", "가중치를") if t in terms]
    assert not with_particles, f"words indexed with their particles: {with_particles}"
    script = (HTML / KO / "_static" / "language_data.js").read_text(encoding="utf-8")
    assert "SearchKorean" in script, "the Korean stemmer is not the page's Stemmer"


@pytest.mark.parametrize("query, page", [("역전파를", "chapters/01_jacobian_chain.html"),
                                         ("합성곱", "chapters/05_cnn.html")])
def test_search_in_korean_finds_the_chapters(query, page, site_url, browser_context):
    require_build()
    tab = browser_context.new_page()
    try:
        tab.goto(urljoin(site_url, f"{KO}search.html?q={query}"), wait_until="load")
        tab.wait_for_function(
            "() => document.querySelectorAll('#search-results ul.search li').length > 0",
            timeout=WAIT_MS)
        links = tab.eval_on_selector_all("#search-results ul.search li a",
                                         "(as) => as.map((a) => a.getAttribute('href'))")
    finally:
        tab.close()
    assert any(page in (h or "") for h in links), f"search for {query!r} found {links[:10]}"


@pytest.mark.parametrize("page", _content_pages())
def test_the_language_link_works_both_ways_in_the_browser(page, site_url, browser_context):
    require_build()
    tab = browser_context.new_page()
    problems: list[str] = []
    tab.on("pageerror", lambda e: problems.append(f"uncaught exception: {e}"))
    try:
        tab.goto(urljoin(site_url, KO + page), wait_until="load")
        assert tab.evaluate("() => document.documentElement.lang") == "ko"
        with tab.expect_navigation(wait_until="load"):
            tab.click("a.bpkit-edition-link")
        assert tab.url == urljoin(site_url, page), f"{KO + page}: the link went to {tab.url}"
        assert tab.evaluate("() => document.documentElement.lang") == "en"
        with tab.expect_navigation(wait_until="load"):
            tab.click("a.bpkit-edition-link")
        assert tab.url == urljoin(site_url, KO + page), f"{page}: the link went to {tab.url}"
    finally:
        tab.close()
    assert not problems, problems
