"""Printed numbers of the source notes against recomputed ones (chapter 6).

A printed value is a nested list of decimal strings ("0.96", "-3", ...) times an
optional exact scale ("2/3"), as the note prints it. Its tolerance is half a unit
of the last printed digit, times |scale|: a recomputed array agrees with it if the
shapes are equal and every entry is within that tolerance.
"""

import json
from fractions import Fraction

import numpy as np

AGREES = "agrees"
DIFFERS = "differs"


def _decimals(text: str) -> int:
    """Digits after the decimal point of one printed number ("3.6" -> 1)."""
    return len(text.split(".")[1]) if "." in text else 0


def printed_array(entry):
    """(value, tol) of a printed entry {"value": [...], "scale": "2/3"?}.

    value is a float64 array shaped like the nested list (scale applied);
    tol = 0.5 * 10**(-d) * |scale|, d the most decimals of any printed entry.
    """
    flat = np.asarray(entry["value"], dtype=object)
    if flat.dtype != object or not all(isinstance(s, str) for s in flat.flat):
        raise ValueError("printed_array: value must be a nested list of strings")
    scale = Fraction(entry.get("scale", "1"))
    value = np.vectorize(lambda s: float(Fraction(s) * scale), otypes=[float])(flat)
    d = max(_decimals(s) for s in flat.flat)
    return value, 0.5 * 10.0 ** (-d) * abs(float(scale))


def compare(recomputed, printed, tol):
    """(verdict, note): AGREES if shapes match and max |recomputed - printed| <= tol.

    A shape mismatch is DIFFERS with a note naming both shapes; otherwise the note
    lists the (row, column) positions, counted from 1, that differ.
    """
    r = np.atleast_1d(np.asarray(recomputed, dtype=float))
    p = np.atleast_1d(np.asarray(printed, dtype=float))
    if r.shape != p.shape:
        return DIFFERS, f"printed shape {p.shape}, recomputed shape {r.shape}"
    bad = np.abs(r - p) > tol + 1e-12
    if not bad.any():
        return AGREES, ""
    where = [tuple(int(i) + 1 for i in ix) for ix in np.argwhere(bad)]
    return DIFFERS, "entries " + ", ".join(str(w) for w in where)


SEED_PRINTED_VALUES = "seed_printed_values.json"  # in bpkit/data/, installed with bpkit


def load_printed(path=None):
    """The list of printed entries in a JSON file (keys: problem, quantity,
    value, optional scale, seed, line, quote). Without ``path``: the numbers that
    seed 002 prints, shipped with bpkit (``bpkit/data/seed_printed_values.json``), so
    that chapter 6 runs wherever bpkit is installed (Colab included)."""
    if path is None:
        from importlib import resources

        text = resources.files("bpkit").joinpath("data", SEED_PRINTED_VALUES).read_text("utf-8")
    else:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    entries = json.loads(text)
    for e in entries:
        for key in ("problem", "quantity", "value", "seed", "line"):
            if key not in e:
                raise ValueError(f"load_printed: entry {e!r} has no '{key}'")
    return entries


def fmt(a, scale=None) -> str:
    """A compact text form of an array: rows separated by ';', up to 4 decimals;
    with scale ("2/3") the array is divided by it and shown as "2/3 x [...]"."""
    a = np.atleast_2d(np.asarray(a, dtype=float))
    if scale is not None:
        return f"{scale} x " + fmt(a / float(Fraction(scale)))
    a = np.round(a, 4) + 0.0  # + 0.0 turns -0.0 into 0.0
    rows = [" ".join(f"{x:.4f}".rstrip("0").rstrip(".") for x in row) for row in a]
    return "[" + "; ".join(rows) + "]"


def table_rows(entries, recomputed: dict, reconstruction: dict = None):
    """One row per printed entry: quantity, where, printed, recomputed, verdict.

    recomputed maps a quantity name to the array computed from the stated inputs;
    reconstruction (optional) maps it to the array computed from a reconstructed
    input, and adds the columns 'reconstruction' and 'verdict (reconstruction)'.
    """
    rows = []
    for e in entries:
        q = e["quantity"]
        if q not in recomputed:
            raise ValueError(f"table_rows: nothing recomputed for '{q}'")
        p, tol = printed_array(e)
        verdict, note = compare(recomputed[q], p, tol)
        sc = e.get("scale")
        row = {"quantity": q, "line": e["line"], "printed": fmt(p, sc),
               "recomputed": fmt(recomputed[q], sc), "verdict": verdict,
               "note": note}
        if reconstruction is not None:
            v2, _ = compare(reconstruction[q], p, tol)
            row["reconstruction"] = fmt(reconstruction[q], sc)
            row["verdict (reconstruction)"] = v2
        rows.append(row)
    return rows


def select(entries, problem, kind="printed"):
    """The entries of one problem: kind "given" (the stated inputs) or "printed"
    (every other printed number; entries without a kind are printed)."""
    return [e for e in entries
            if e["problem"] == problem and e.get("kind", "printed") == kind]


def arrays(entries) -> dict:
    """quantity -> printed value (float64 array) for a list of entries."""
    return {e["quantity"]: printed_array(e)[0] for e in entries}



def html_table(rows, columns) -> str:
    """An HTML table of the given columns of table_rows-style dicts (text is
    escaped; values that look like arrays, "[...]", are set in code font)."""
    from html import escape

    def cell(v):
        v = escape(str(v))
        return f"<code>{v}</code>" if "[" in v else v
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{cell(r.get(c, ''))}</td>" for c in columns)
                   + "</tr>" for r in rows)
    return (f'<table class="table" style="font-size: 0.8em">'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
