"""Writes api.md, the book's API reference page: bpkit's public names grouped by chapter, each an
autodoc directive (tools/api_docstrings.py shows the docstrings as written).

    .venv/bin/python tools/api_page.py        # after adding a public name to bpkit or bpkit.book

tests/tools/test_api_page.py fails when api.md differs from what this writes, and when a public
name of bpkit is in no group here.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import bpkit
import bpkit.book as book
from bpkit import check

ROOT = Path(__file__).resolve().parents[1]


def public(*modules: str) -> list[str]:
    """The public names of bpkit (bpkit.__all__) that these core modules define, in their order."""
    return [n for m in modules for n in importlib.import_module(f"bpkit.{m}").__all__ if n in bpkit.__all__]


PROTOCOL = (
    "Every layer has `forward(x)`, which caches what the backward pass needs, `backward(dy)`, which returns "
    "$\\partial E/\\partial x$ and stores the parameter gradients, and `params()` and `grads()`, dicts from a "
    "parameter's name (`W`, `b`) to its array, with the same keys. `Sequential` chains layers and a loss, "
    "`SGD` updates the parameters, `minibatches` draws the batches. The backward pass is the one of "
    "{numref}`sec-ch2-matrix-form`; `Flatten` is where the images of {numref}`chapter %s <ch-cnn>` become the "
    "columns of {numref}`chapter %s <ch-batched>`."
)
ACTIVATIONS = (
    "Each activation class is also a layer (`bp.ReLU()`); the lower-case names are shared instances for plain calls."
)
# (label, heading, chapter label or None, text, names): one group of the page per chapter.
G = [
    ("api-layer-protocol", "The layer protocol and training", None, PROTOCOL,
     public("layer", "model", "optim") + ["Flatten"]),
    ("api-ch1", "Jacobians, vector-Jacobian products, finite differences", "ch-jacobian", "",
     public("jacobian", "numdiff")),
    ("api-ch2", "Dense layers and feedforward networks", "ch-feedforward", "", ["Dense"] + public("network")),
    ("api-ch3", "Activations and losses", "ch-activations", ACTIVATIONS, public("activations", "losses")),
    ("api-ch4", "Batches in the column and the row layout", "ch-batched", "", public("batched")),
    ("api-ch5", "Convolution and pooling", "ch-cnn", "", public("conv", "pooling", "conv_reference")),
]
C = {1: "ch-jacobian", 2: "ch-feedforward", 3: "ch-activations", 4: "ch-batched", 5: "ch-cnn", 6: "ch-worked",
     7: "ch-digits"}


def chapters(*ns):
    refs = [f"{{numref}}`chapter %s <{C[n]}>`" for n in ns]
    return refs[0] if len(refs) == 1 else ", ".join(refs[:-1]) + " and " + refs[-1]


BOOKMOD = {
    "widgets": "every chapter",
    "diagram": chapters(1, 2),
    "plotting": chapters(1, 3, 4),
    "conv_plots": chapters(5),
    "tensor_plots": chapters(2),
    "typeset": chapters(6),
    "errata": chapters(6),
    "trace": chapters(6),
    "timing": chapters(1, 4),
    "digits": chapters(7),
}


def directive(mod, name):
    obj = getattr(mod, name)
    full = f"{mod.__name__}.{name}"
    if inspect.isclass(obj):
        return f".. autoclass:: {full}\n   :members:\n"
    if inspect.isfunction(obj):
        return f".. autofunction:: {full}\n"
    return f".. autodata:: {full}\n   :no-value:\n"


def render() -> str:
    """The text of api.md."""
    out = [
        "(api)=",
        "# API reference (API 참조)",
        "",
        "This page is generated from bpkit's docstrings by Sphinx's autodoc, so it says what the code says. "
        "`import bpkit` is the core: the maths, numpy only. `bpkit.book` holds what the chapters need to *show* "
        "the maths (widgets, drawings, plots, the sources' printed values); it may import matplotlib and ipywidgets, "
        "which the core never imports. Each entry gives the shapes it takes and returns and the book's equation "
        "it computes. Docstrings are shown as written, in plain text, as `help()` prints them.",
        "",
    ]
    for label, title, ch, text, names in G:
        out += [f"({label})=", f"## {title}", ""]
        if ch:
            out += [f"The maths of {{numref}}`chapter %s <{ch}>`. " + text, ""]
        else:
            out += [text, ""]
        out += ["```{eval-rst}", ".. autosummary::", ""] + [f"   bpkit.{n}" for n in names] + ["", "```", ""]
        out += ["```{eval-rst}"] + [directive(bpkit, n) for n in names] + ["```", ""]
    out += [
        "(api-check)=",
        "## `bpkit.check`: the coding exercises",
        "",
        "The checker behind every chapter's *Your turn* section, numpy only like the core: "
        "`check.run(name, fn)` runs a learner's function on seeded cases and names the mistake. "
        + " ".join(f"{{numref}}`Chapter %s <{C[n]}>`: " + ", ".join(f"`{e}`" for e in check.exercises(n)) + "."
                   for n in range(1, 6)),
        "",
        "```{eval-rst}",
    ] + [directive(check, n) for n in check.__all__] + ["```", ""]
    out += ["(api-book)=", "## `bpkit.book`: the chapters' helpers", ""]
    for m in book.MODULES:
        mod = getattr(book, m)
        out += [
            f"### `bpkit.book.{m}`",
            "",
            f"Used in {BOOKMOD[m]}. "
            + re.sub(r"\s*\(chapter \d[^)]*\)", "", (mod.__doc__ or "").strip().splitlines()[0]),
            "",
        ]
        out += ["```{eval-rst}"] + [directive(mod, n) for n in mod.__all__] + ["```", ""]
    return "\n".join(out)


def ungrouped() -> list[str]:
    """Public names of bpkit that no group of the page lists."""
    covered = {n for g in G for n in g[4]}
    return sorted(set(bpkit.__all__) - covered)


if __name__ == "__main__":
    missing = ungrouped()
    if missing:
        raise SystemExit(f"tools/api_page.py: put these public names of bpkit in a group: {missing}")
    (ROOT / "api.md").write_text(render(), encoding="utf-8")
    print("wrote api.md")
