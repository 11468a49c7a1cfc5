"""The book's editorial conventions, checked in its sources (no build needed).

- Chapters, sections, equations and exercises are numbered by Sphinx, not by hand: no
  heading starts with a typed number, no display equation carries a ``\\tag``, and no
  prose cites "section 2.3", "chapter 4", "(1.3)" or "Exercise 1.2" as typed text (a
  citation is a role: ``{numref}``, ``{eq}``, ``{doc}``).
- Exercises are sphinx-exercise directives, each with a label and a solution; the old
  hand-made "**Exercise n.k.**" with a dropdown admonition is gone.
- Every chapter and every section has a label, so that it can be cited.
"""

from __future__ import annotations

import json
import re

import pytest

from ._book import ROOT

CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
PAGES = sorted(p for p in ROOT.glob("*.md") if p.name != "README.md")

HEADING = re.compile(r"^(#{1,6}) (.*)$", re.MULTILINE)
NUMBERED_HEADING = re.compile(r"^#{1,6} \d+(\.\d+)*\.? ", re.MULTILINE)
TAG = re.compile(r"\\tag\b")
HAND_EXERCISE = re.compile(r"\*\*Exercise \d|\{admonition\} Solution")
# Typed citations of the book's own numbers (a source's numbers read "note E, eq. 3.9").
# (The word and the number on one line, or the next: "This chapter" then a numbered list is
# not a citation.)
TYPED_CITATION = re.compile(
    r"(?<![`<%])\b(?:[Ss]ections?|[Cc]hapters?|§|[Ee]xercises?|[Ee]quations?|[Ee]qs?\.)"
    r"(?:[ \t]+|[ \t]*\n[ \t]*)\d"
    r"|(?<![\w.,])\([1-6]\.\d{1,2}\)(?![\w.])"
)
# ...unless it is a source's own number: "note E's section 3", "(note E, eq. 3.9)", "its
# equations 1.1 to 1.4" (of a note), "section 3 of {ref}`note E <source-note-e>`".
_WHAT = r"(?:[Ss]ections?|eqs?\.|equations?)\s+[\d.]+"
SOURCE_NUMBER = re.compile(
    rf"(?:note [A-E](?: <[\w-]+>`)?(?:'s|,)|\bits)\s*{_WHAT}|{_WHAT}(?:\s+(?:to|and)\s+[\d.]+)?\s+of\s+"
    r"(?:\{ref\}`)?[Nn]ote [A-E]"
)
ROLE = re.compile(r"\{(?:numref|eq|ref|doc|cite(?::[pt])?)\}`[^`]*`")
CODE = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)
MATH = re.compile(r"\$\$.*?\$\$|\$[^$\n]*\$", re.DOTALL)
LABEL = re.compile(r"^\(([\w-]+)\)=\s*$")
EXERCISE = re.compile(r"```\{exercise\}[^\n]*\n(?::[^\n]*\n)*?:label: ([\w-]+)")
SOLUTION = re.compile(r"```\{solution(?:-start)?\} ([\w-]+)")


def _markdown(path) -> str:
    if path.suffix == ".md":
        return path.read_text(encoding="utf-8")
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


def _prose(text: str) -> str:
    """Text with roles, code and maths blanked: what is left is typed by hand."""
    for pattern in (ROLE, CODE, MATH):
        text = pattern.sub(" ", text)
    return text


def typed_citations(text: str) -> list[str]:
    prose = _prose(SOURCE_NUMBER.sub(" ", text))
    return [prose[max(0, m.start() - 30):m.end() + 20].replace("\n", " ")
            for m in TYPED_CITATION.finditer(prose)]


def test_the_checks_find_what_they_must():
    assert typed_citations("as in section 1.4, by (1.3) and chapter 2") != []
    assert len(typed_citations("see Exercise 1.2; Section 3 and equation 2")) == 3
    assert typed_citations("as in {numref}`sec-ch1-chain`, by {eq}`eq-ch1-vjp-recursion`") == []
    assert typed_citations("note E's section 3 and (note E, eq. 3.9); $f(1.5)$, (0.5, 1.3)") == []
    assert typed_citations("its equations 1.1 to 1.4; section 3 of {ref}`note E <x>`") == []
    assert typed_citations("one line ({ref}`note E <source-note-e>`, section 4.3)") == []
    assert typed_citations("This chapter\n\n1. places activations") == []
    assert NUMBERED_HEADING.search("## 2.3 A hidden weight") and not NUMBERED_HEADING.search("## A hidden weight")
    assert TAG.search("x \\tag{1.1}") and HAND_EXERCISE.search("**Exercise 1.1.** Let")


@pytest.mark.parametrize("path", CHAPTERS + PAGES, ids=lambda p: p.name)
def test_nothing_is_numbered_or_cited_by_hand(path):
    text = _markdown(path)
    problems = [f"heading numbered by hand: {m.group(0)!r}" for m in NUMBERED_HEADING.finditer(text)]
    problems += [f"\\tag in an equation (label it: $$ ... $$ (eq-...))"] * len(TAG.findall(text))
    problems += [f"typed citation: ...{c}..." for c in typed_citations(text)]
    assert not problems, "\n  ".join([path.name, *problems])


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_exercises_are_sphinx_exercise_directives_with_solutions(path):
    text = _markdown(path)
    assert not HAND_EXERCISE.search(text), "hand-made exercise or solution admonition left"
    exercises = EXERCISE.findall(text)
    assert exercises, "no {exercise} directive with a :label:"
    solved = set(SOLUTION.findall(text))
    assert set(exercises) <= solved, f"exercises without a solution: {sorted(set(exercises) - solved)}"
    assert len(exercises) == len(set(exercises)), "an exercise label is used twice"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_the_chapter_and_every_section_have_labels(path):
    lines = _markdown(path).splitlines()
    in_fence, unlabelled = False, []
    for i, line in enumerate(lines):
        if line.startswith("```"):
            in_fence = not in_fence
        if in_fence or not re.match(r"#{1,2} ", line):
            continue
        before = next((l for l in reversed(lines[:i]) if l.strip()), "")
        if not LABEL.match(before):
            unlabelled.append(line)
    assert not unlabelled, "headings without a (label)= line before them:\n  " + "\n  ".join(unlabelled)


# The Korean edition's text (locales/ko/): "2.3절", "4장", "식 (1.3)" typed by hand are the same
# defect; a note's own numbers read "노트 E의 4.2절", "(노트 E, 식 3.9)", "노트의 식 1.1".
# ("이미지 32장": 장 also counts sheets.)
KO_TYPED = re.compile(r"(?<![\w.,])\d+(?:\.\d+)?\s*(?:장|절)|(?<![\w.,])\([1-7]\.\d{1,2}\)")
KO_SOURCE = re.compile(r"노트|이미지 $")
SHOWN = re.compile(r"\{ref\}`([^`<]*?)\s*<[^`]*>`")  # a reference's shown text: "노트 E"


def korean_typed_citations(text: str) -> list[str]:
    prose = _prose(SHOWN.sub(r"\1", text))
    found = []
    for m in KO_TYPED.finditer(prose):
        before = prose[max(0, m.start() - 25):m.start()]
        if not KO_SOURCE.search(before):
            found.append(prose[max(0, m.start() - 30):m.end() + 10].replace("\n", " "))
    return found


def test_the_korean_check_finds_what_it_must():
    assert len(korean_typed_citations("2.3절에서 본 식 (1.3)과 4장")) == 3
    assert korean_typed_citations("이미지 1,797장, 이미지 32장씩") == []
    assert korean_typed_citations("{numref}`%s절 <sec-ch1-chain>`, {eq}`eq-ch1-vjp`") == []
    assert korean_typed_citations("노트 E의 4.2절, ({ref}`노트 E <source-note-e>`, 4.3절)") == []


def test_the_korean_text_cites_no_number_by_hand():
    from babel.messages.pofile import read_po

    problems = []
    for po in sorted((ROOT / "locales" / "ko" / "LC_MESSAGES").rglob("*.po")):
        with open(po, "rb") as f:
            for message in read_po(f):
                if message.string:
                    problems += [f"{po.name}: ...{c}..." for c in korean_typed_citations(message.string)]
    assert not problems, "typed citations in the Korean text:\n  " + "\n  ".join(problems)
