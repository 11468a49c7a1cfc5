"""Each equation or section number that bpkit cites still belongs to its label in the built book.

tests/bpkit_citations.json maps each number bpkit's docstrings and messages cite ("eq. (2.17)",
"section 1.4") to the label it stands for (tests/unit/test_book_labels.py checks that every cited
number is in the file). A chapter that gains or loses an equation renumbers the ones after it: then
this test names the label, the number bpkit cites and the number the book now gives it.
"""

from __future__ import annotations

import json
import re

from ._book import HTML, ROOT

EQ = re.compile(r'eqno">\((\d+\.\d+)\)<a class="headerlink" href="#equation-([\w-]+)"')
SEC = re.compile(r'id="(sec-ch\d-[\w-]+)"[^<]*(?:</span>)?\s*<h\d><span class="section-number">([\d.]+?)\.? </span>')


def _numbers() -> dict[str, str]:
    found = {}
    for page in sorted((HTML / "chapters").glob("*.html")):
        text = page.read_text(encoding="utf-8")
        found.update({label: f"eq. ({num})" for num, label in EQ.findall(text)})
        found.update({label: f"section {num}" for label, num in SEC.findall(text)})
    return found


def test_cited_numbers_match_the_book():
    cited = json.loads((ROOT / "tests" / "bpkit_citations.json").read_text(encoding="utf-8"))
    book = _numbers()
    assert len(book) > 100 and book.get("eq-ch2-bp1") is not None
    wrong = [f"{label}: bpkit cites {num}, the book numbers it {book.get(label, 'nowhere')}"
             for num, label in cited.items() if book.get(label) != num]
    assert not wrong, ("renumbered: update bpkit's citations and tests/bpkit_citations.json:\n  "
                       + "\n  ".join(wrong))
