"""bpkit's docstrings and messages cite the book's equations and sections by their numbers.

bpkit (core and bpkit.book) writes "eq. (2.17)" and "section 1.4", the numbers a reader sees in the
book, never a source note's own numbering ("note E, eq. 3.9"). ``tests/bpkit_citations.json`` says
which label each cited number stands for: here every cited number must be in it and every label in
it must exist in the chapters; tests/book/test_citations.py checks, on the built book, that each
label still has that number (a chapter that gains an equation fails there, naming the label).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CITATIONS = json.loads((ROOT / "tests" / "bpkit_citations.json").read_text(encoding="utf-8"))
CITED = re.compile(r"\beq\. \(\d+\.\d+\)|\bsection \d+\.\d+\b|\beqs\. \(\d+\.\d+\) to \(\d+\.\d+\)")
NOTE_NUMBER = re.compile(r"\bnotes? [A-E],? (?:eqs?|sec|section)\.? \d|\b[Ee]qs?\. \d+\.\d")  # or a bare "eq. 3.9"
LABEL = re.compile(r"\b(?:eq|sec)-ch\d-[\w-]*\w")
DEFINED = re.compile(r"^\(((?:eq|sec)-ch\d-[\w-]+)\)=|\$\$ \(((?:eq|sec)-ch\d-[\w-]+)\)", re.MULTILINE)


def _labels() -> set[str]:
    found = set()
    for path in (ROOT / "chapters").glob("*.ipynb"):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] == "markdown":
                for a, b in DEFINED.findall("".join(cell["source"])):
                    found.add(a or b)
    return found


def _bpkit_files():
    return sorted((ROOT / "bpkit").rglob("*.py"))


def _cited(text: str) -> set[str]:
    out = set()
    for c in CITED.findall(text):
        if c.startswith("eqs."):
            a, b = re.findall(r"\(\d+\.\d+\)", c)
            out |= {f"eq. {a}", f"eq. {b}"}
        else:
            out.add(c)
    return out


def test_the_citation_pattern():
    assert _cited("(eqs. (2.17) to (2.20)), see section 1.4") == {"eq. (2.17)", "eq. (2.20)", "section 1.4"}
    assert NOTE_NUMBER.search("(note E, eq. 3.9)") and NOTE_NUMBER.search("note E sec. 4.3")
    assert NOTE_NUMBER.search("Eq. 3.9 needs") and not NOTE_NUMBER.search("eq. (3.16)")
    assert not NOTE_NUMBER.search("note C, problem 3")


def test_every_cited_number_has_its_label():
    unknown = [f"{p.relative_to(ROOT)}: {c}" for p in _bpkit_files()
               for c in sorted(_cited(p.read_text(encoding="utf-8"))) if c not in CITATIONS]
    assert not unknown, ("bpkit cites numbers that tests/bpkit_citations.json does not map to a label "
                         "(add the number and its label):\n  " + "\n  ".join(unknown))


def test_every_mapped_label_exists():
    labels = _labels()
    missing = [f"{num}: {label}" for num, label in CITATIONS.items() if label not in labels]
    assert not missing, "labels the chapters do not define:\n  " + "\n  ".join(missing)


def test_bpkit_cites_the_core_equations():
    cited = {CITATIONS[c] for p in _bpkit_files() for c in _cited(p.read_text(encoding="utf-8"))}
    for label in ("eq-ch1-vjp-recursion", "eq-ch3-softmax-jacobian", "eq-ch3-softmax-cce",
                  "eq-ch4-param-grad-columns", "eq-ch2-bp1"):
        assert label in cited


def test_no_source_numbering_and_no_raw_labels():
    bad = [f"{p.relative_to(ROOT)}:{i}: {line.strip()}" for p in _bpkit_files()
           for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
           if NOTE_NUMBER.search(line) or LABEL.search(line)]
    assert not bad, "cite the book's number (eq. (2.17), section 1.4):\n  " + "\n  ".join(bad)
