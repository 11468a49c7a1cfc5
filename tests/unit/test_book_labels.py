"""bpkit's docstrings and messages cite the book's equations and sections by label.

Every ``eq-chN-...`` or ``sec-chN-...`` that a bpkit file names must be a label in the
chapters (a renamed or deleted label fails here), and no bpkit file cites a bare "eq. 3.9":
an equation number is either a book label or a source's own number ("note E, eq. 3.9").
"""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CITED = re.compile(r"\b(?:eq|sec)-ch\d-[\w-]*\w")
BARE_NUMBER = re.compile(r"(?<!note E, )(?<!note E )\beqs?\. \(?\d+\.\d+")
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
    return sorted((ROOT / "bpkit").glob("*.py"))


def test_every_cited_label_exists():
    labels = _labels()
    assert "eq-ch1-vjp-recursion" in labels and "sec-ch1-chain" in labels
    missing = [f"{p.name}: {label}" for p in _bpkit_files()
               for label in sorted(set(CITED.findall(p.read_text(encoding="utf-8"))))
               if label not in labels]
    assert not missing, "bpkit cites labels the chapters do not define:\n  " + "\n  ".join(missing)


def test_bpkit_cites_the_core_equations():
    text = "".join(p.read_text(encoding="utf-8") for p in _bpkit_files())
    cited = set(CITED.findall(text))
    for module_label in ("eq-ch1-vjp-recursion", "eq-ch3-softmax-jacobian", "eq-ch3-softmax-cce",
                         "eq-ch4-param-grad-columns", "eq-ch2-bp1"):
        assert module_label in cited


def test_no_bare_equation_numbers():
    assert BARE_NUMBER.search("softmax(z) - t (eq. 3.9)")
    assert not BARE_NUMBER.search("(note E, eq. 3.9)")
    bare = [f"{p.name}:{i}: {line.strip()}" for p in _bpkit_files()
            for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
            if BARE_NUMBER.search(line)]
    assert not bare, "cite the book's label (eq-chN-...) or the note:\n  " + "\n  ".join(bare)
