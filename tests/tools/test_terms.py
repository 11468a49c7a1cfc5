"""The Korean edition uses the glossary's Korean terms, one form each (locales/ko/terms.json).

For every key term of the list: its English form is in the English text, its Korean form is in
the Korean text, no variant form (the list's "not": other spellings, spacings, synonyms) is in
any Korean message, and every Korean message whose English says the term (in its prose: roles,
code and maths left out) says one of its Korean forms. Messages left as they are (formulas, a
cited work's English title) and translations that keep the English term itself (a title quoted
in English) are not held to it. Line references to the notes read "69행", never "69번째 줄".
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = ROOT / "locales" / "ko" / "LC_MESSAGES"
TERMS = json.loads((ROOT / "locales" / "ko" / "terms.json").read_text(encoding="utf-8"))
ROLE = re.compile(r"\{[a-z:-]+\}`[^`]*`")
CODE = re.compile(r"`[^`]*`")
MATH = re.compile(r"\$\$.+?\$\$|\$[^$]+\$", re.S)


def _prose(text: str) -> str:
    for pattern in (ROLE, MATH, CODE):
        text = pattern.sub(" ", text)
    return text


def _messages() -> list[tuple[str, str, str]]:
    """(catalogue, English, Korean) of every translated message."""
    found = []
    for po in sorted(CATALOGUES.rglob("*.po")):
        with open(po, "rb") as f:
            for message in read_po(f):
                if message.id and message.string:
                    found.append((po.relative_to(CATALOGUES).as_posix(), message.id, message.string))
    return found


MESSAGES = _messages()


def misused(term: dict, messages=MESSAGES) -> list[str]:
    """What is wrong with one term's use in ``messages``."""
    english = re.compile(rf"\b{re.escape(term['en'])}\b", re.IGNORECASE)
    problems = []
    if not any(english.search(_prose(en)) for _, en, _ in messages):
        problems.append(f"{term['en']!r} is not in the English text")
    if not any(k in ko for _, _, ko in messages for k in term["ko"]):
        problems.append(f"none of {term['ko']} is in the Korean text")
    for page, en, ko in messages:
        for variant in term["not"]:
            if variant in ko:
                problems.append(f"{page}: {variant!r} instead of {term['ko'][0]!r}: {ko[:90]!r}")
        if (english.search(_prose(en)) and en != ko and not english.search(ko)
                and not any(k in ko for k in term["ko"])):
            problems.append(f"{page}: says {term['en']!r} but none of {term['ko']}: {ko[:90]!r}")
    return problems


def test_the_list_holds_the_glossarys_terms():
    assert len(TERMS) >= 30
    for term in TERMS:
        assert set(term) == {"en", "ko", "not"} and term["ko"], term
        assert not set(term["ko"]) & set(term["not"]), term
    glossary = (ROOT / "glossary.md").read_text(encoding="utf-8")
    for name in ("오차역전파", "연쇄법칙", "야코비 행렬", "순전파", "가중치", "편향", "학습률", "합성곱"):
        assert name in glossary and any(name in t["ko"] for t in TERMS), name


@pytest.mark.parametrize("term", TERMS, ids=[t["en"] for t in TERMS])
def test_each_key_term_has_one_korean_form(term):
    problems = misused(term)
    assert not problems, "\n  ".join(problems[:15])


def test_line_references_read_haeng():
    found = [f"{page}: {ko[:80]!r}" for page, _, ko in MESSAGES if re.search(r"\d+번째 줄", ko)]
    assert not found, "line references must read '69행':\n  " + "\n  ".join(found)


def test_the_check_finds_a_variant_and_a_missing_term():
    term = {"en": "dense layer", "ko": ["완전연결 층"], "not": ["완전연결층"]}
    messages = [("a.po", "A dense layer maps a to z.", "완전연결층은 a를 z로 보냅니다."),
                ("a.po", "The dense layer again.", "다시 그 층입니다."),
                ("a.po", "$W$", "$W$"),
                ("b.po", "Its dense layer, {doc}`x`.", "그 완전연결 층, {doc}`x`.")]
    found = misused(term, messages)
    assert len(found) == 3, found  # the variant, and both messages without 완전연결 층
    assert "'완전연결층' instead of" in found[0] and "says 'dense layer'" in found[1]
    assert misused(term, messages[2:]) == []
