"""Printed numbers of the source notes against recomputed ones (chapter 6).

A printed value is a nested list of decimal strings ("0.96", "-3", ...) times an
optional exact scale ("2/3"), as the note prints it. Its tolerance is half a unit
of the last printed digit, times |scale|: a recomputed array agrees with it if the
shapes are equal and every entry is within that tolerance.

An entry of the data file (``load_printed``) holds, besides the printed ``value``, where the
note prints it (``line``), the book's key for the quantity (``quantity``, the key of the
recomputed values, e.g. "z^1", "dE/dW^2", "W^1 updated"), its symbol in the book's notation
(``tex``), the note's own label (``note_tex``) and the note's line transcribed into the book's
notation (``written``): LaTeX in which ``[[]]`` stands for the entry's own printed value,
``[[q]]`` for the printed value of entry ``q`` of the same problem and ``[[q|T]]`` for its
transpose, so that every number shown is the one the file holds (``written_latex``).

Bad input raises ValueError or TypeError naming the argument (an entry without a
"value", a number that is not a decimal string, a zero scale, NaN in a recomputed
array, a tol that is not a finite number >= 0, ...), as everywhere in bpkit.
"""

import json
import os
from collections.abc import Mapping
from fractions import Fraction

import numpy as np

from .._checks import as_float_array, check_choice, check_instance, check_list, check_number, describe, quiet

__all__ = ["printed_array", "printed_latex", "written_latex", "compare", "load_printed", "fmt", "table_rows", "select", "arrays", "html_table", "markdown_table"]

AGREES = "agrees"
DIFFERS = "differs"


def _decimals(text: str) -> int:
    """Digits after the decimal point of one printed number ("3.6" -> 1)."""
    return len(text.split(".")[1]) if "." in text else 0


def _fraction(text, name: str, where: str) -> Fraction:
    """An exact number from a printed decimal or fraction string ("0.96", "-3", "2/3")."""
    if not isinstance(text, str):
        raise TypeError(f"{where}: {name} must be a string like '0.96' or '2/3' but is {describe(text)}")
    try:
        return Fraction(text)
    except (ValueError, ZeroDivisionError) as err:
        raise ValueError(f"{where}: {name} = {text!r} is not a decimal or fraction string ({err})") from None


def _entry(entry, name: str, where: str, keys=("value",)) -> Mapping:
    """A printed entry: a dict with (at least) the given keys."""
    check_instance(entry, Mapping, name, where, "a printed entry (a dict with 'value', ...)")
    for key in keys:
        if key not in entry:
            raise ValueError(f"{where}: {name} has no {key!r} (its keys are {sorted(map(str, entry))})")
    return entry


def _entries(entries, where: str, keys=()) -> list:
    """A list of printed entries (dicts), each with the given keys."""
    entries = check_list(entries, "entries", where, "a list of printed entries (dicts)")
    return [_entry(e, f"entries[{i}]", where, keys) for i, e in enumerate(entries)]


def printed_array(entry):
    """(value, tol) of a printed entry {"value": [...], "scale": "2/3"?}.

    value is a float64 array shaped like the nested list (scale applied);
    tol = 0.5 * 10**(-d) * |scale|, d the most decimals of any printed entry
    (half a unit of the last printed digit, eq. (6.1)).
    value must be a non-empty, rectangular nested list of decimal strings; scale a
    non-zero fraction string (ValueError/TypeError naming entry otherwise).
    """
    where = "printed_array"
    _entry(entry, "entry", where)
    try:
        flat = np.asarray(entry["value"], dtype=object)
    except ValueError as err:  # ragged in a way numpy refuses outright
        raise ValueError(f"{where}: entry['value'] must be a rectangular nested list of strings ({err})") from None
    if flat.dtype != object or not all(isinstance(s, str) for s in flat.flat):
        raise ValueError(f"{where}: entry['value'] must be a (rectangular) nested list of strings")
    if flat.size == 0:
        raise ValueError(f"{where}: entry['value'] holds no numbers (bpkit needs at least one entry)")
    scale = _fraction(entry.get("scale", "1"), "entry['scale']", where)
    if scale == 0:
        raise ValueError(f"{where}: entry['scale'] must not be 0 (every printed number would be 0)")
    numbers = [_fraction(s, "a number in entry['value']", where) for s in flat.flat]
    value = np.array([float(q * scale) for q in numbers], dtype=float).reshape(flat.shape)
    if not np.isfinite(value).all():
        raise ValueError(f"{where}: entry['value'] times entry['scale'] is too large for a float")
    d = max(_decimals(s) for s in flat.flat)
    return value, 0.5 * 10.0 ** (-d) * abs(float(scale))


def printed_latex(entry, transpose: bool = False) -> str:
    """The printed value of an entry as LaTeX, digit for digit as printed: a bmatrix of its
    strings (a 1 x 1 value as a bare number), after its scale ('2/3' -> \\tfrac{2}{3}); with
    transpose=True the transpose of the printed matrix. Same checks as printed_array."""
    where = "printed_latex"
    from .typeset import _scale

    printed_array(entry)  # every check of the value and the scale
    if not isinstance(transpose, (bool, np.bool_)):
        raise TypeError(f"{where}: transpose must be True or False but is {describe(transpose)}")
    rows = np.asarray(entry["value"], dtype=object)
    rows = rows.reshape(-1, 1) if rows.ndim == 1 else np.atleast_2d(rows)
    if transpose:
        rows = rows.T
    factor = _scale(entry.get("scale"), where)
    prefix = "" if factor is None or factor[0] == 1 else factor[1] + " "
    if rows.shape == (1, 1):
        return prefix + str(rows[0, 0])
    body = " \\\\ ".join(" & ".join(str(x) for x in row) for row in rows)
    return prefix + "\\begin{bmatrix} " + body + " \\end{bmatrix}"


def written_latex(entry, entries) -> str:
    """The entry's line as the note writes it, in the book's notation (its 'written' template,
    see the module docstring): each [[q]] replaced by printed_latex of entry q, looked up by
    'quantity' in entries (the entries of the same problem, given and printed), [[]] by the
    entry's own value; a template of several lines (LaTeX "\\\\", aligned at "&") becomes one
    aligned block. Without a template: printed_latex(entry). ValueError for an unknown q."""
    import re

    where = "written_latex"
    _entry(entry, "entry", where, ("value",))
    entries = _entries(entries, where, ("quantity", "value"))
    template = entry.get("written")
    if template is None:
        return printed_latex(entry)
    if not isinstance(template, str):
        raise TypeError(f"{where}: entry['written'] must be a LaTeX string but is {describe(template)}")
    by_name = {e["quantity"]: e for e in entries}

    def fill(match):
        name, flag = match.group(1), match.group(2)
        if name == "":
            other = entry
        elif name in by_name:
            other = by_name[name]
        else:
            raise ValueError(f"{where}: entry['written'] refers to [[{name}]], which is not a quantity of entries")
        return printed_latex(other, transpose=flag == "|T")

    text = re.sub(r"\[\[([^\]|]*)(\|T)?\]\]", fill, template)
    if "\\\\" in template:  # lines ("\\\\") aligned at "&": one aligned block
        text = "\\begin{aligned} " + text + " \\end{aligned}"
    return text


def compare(recomputed, printed, tol):
    """(verdict, note): AGREES if shapes match and max |recomputed - printed| <= tol
    (eq. (6.1), with tol from printed_array).

    A shape mismatch is DIFFERS with a note naming both shapes; otherwise the note
    lists the (row, column) positions, counted from 1, that differ. NaN, inf or empty
    arrays and a tol that is not a finite number >= 0 raise ValueError/TypeError.
    """
    where = "compare"
    tol = check_number(tol, "tol", where, low=0.0)
    r = np.atleast_1d(np.asarray(as_float_array(recomputed, "recomputed", where), dtype=float))
    p = np.atleast_1d(np.asarray(as_float_array(printed, "printed", where), dtype=float))
    if r.shape != p.shape:
        return DIFFERS, f"printed shape {p.shape}, recomputed shape {r.shape}"
    with quiet():  # values near the largest float: r - p may overflow to inf, which differs (correctly)
        bad = np.abs(r - p) > tol + 1e-12
    if not bad.any():
        return AGREES, ""
    where = [tuple(int(i) + 1 for i in ix) for ix in np.argwhere(bad)]
    return DIFFERS, "entries " + ", ".join(str(w) for w in where)


PRINTED_VALUES = "note_c_printed_values.json"  # in bpkit/book/data/, installed with bpkit


def load_printed(path=None):
    """The list of printed entries in a JSON file (keys: problem, quantity, value, source,
    line; optional kind, scale, tex, note_tex, written). Without ``path``: the numbers that
    note C prints, shipped with bpkit (``bpkit/book/data/note_c_printed_values.json``), so
    that chapter 6 runs wherever bpkit is installed (Colab included)."""
    where = "load_printed"
    if path is None:
        from importlib import resources

        text = resources.files("bpkit.book").joinpath("data", PRINTED_VALUES).read_text("utf-8")
    else:
        if not isinstance(path, (str, os.PathLike)):  # an int would be taken as a file descriptor
            raise TypeError(f"{where}: path must be None or a file path (str or pathlib.Path) but is {describe(path)}")
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    try:
        entries = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"{where}: path {path!r} is not valid JSON ({err})") from None
    if not isinstance(entries, list):
        raise ValueError(f"{where}: path {path!r} must hold a JSON list of entries but holds {type(entries).__name__}")
    for e in entries:
        if not isinstance(e, dict):
            raise ValueError(f"{where}: path {path!r}: entry {e!r} is not a JSON object")
        for key in ("problem", "quantity", "value", "source", "line"):
            if key not in e:
                raise ValueError(f"load_printed: entry {e!r} has no '{key}'")
    return entries


def fmt(a, scale=None) -> str:
    """A compact text form of an array: rows separated by ';', up to 4 decimals;
    with scale ("2/3") the array is divided by it and shown as "2/3 x [...]"."""
    where = "fmt"
    a = np.atleast_2d(np.asarray(as_float_array(a, "a", where), dtype=float))
    if a.ndim > 2:
        raise ValueError(f"{where}: a must be a number, a vector or a matrix but has {a.ndim} axes")
    if scale is not None:
        q = _fraction(scale, "scale", where)
        if q == 0:
            raise ValueError(f"{where}: scale must not be 0 (fmt divides by it)")
        with quiet():
            scaled = a / float(q)
        if not np.isfinite(scaled).all():
            raise ValueError(f"{where}: a / scale is too large for a float (scale = {scale!r})")
        return f"{scale} x " + fmt(scaled)
    with quiet():  # rounding multiplies by 10^4: values beyond 1e304 are whole numbers anyway
        rounded = np.round(a, 4)
    a = np.where(np.isfinite(rounded), rounded, a) + 0.0  # + 0.0 turns -0.0 into 0.0
    rows = [" ".join(f"{x:.4f}".rstrip("0").rstrip(".") for x in row) for row in a]
    return "[" + "; ".join(rows) + "]"


def table_rows(entries, recomputed: dict, reconstruction: dict = None, context=None, precision: int = 4):
    """One row per printed entry: quantity, where, printed, recomputed, verdict, and their LaTeX.

    recomputed maps a quantity name to the array computed from the stated inputs;
    reconstruction (optional) maps it to the array computed from a reconstructed
    input, and adds the columns 'reconstruction' and 'verdict (reconstruction)'.
    Each row also has 'tex' and 'note_tex' (the entry's symbols, "" if absent), 'written'
    (written_latex of the entry, with context, default entries, for its references),
    'recomputed_tex' and 'reconstruction_tex' (typeset.latex_matrix with the entry's scale
    and precision decimals).
    """
    from .typeset import latex_matrix

    where = "table_rows"
    entries = _entries(entries, where, ("quantity", "value", "line"))
    check_instance(recomputed, Mapping, "recomputed", where, "a dict quantity -> array")
    if reconstruction is not None:
        check_instance(reconstruction, Mapping, "reconstruction", where, "None or a dict quantity -> array")
        for e in entries:
            if e["quantity"] not in reconstruction:
                raise ValueError(f"{where}: reconstruction has nothing for '{e['quantity']}'")
    context = entries if context is None else _entries(context, where, ("quantity", "value"))
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
               "note": note, "tex": e.get("tex", ""), "note_tex": e.get("note_tex", ""),
               "written": written_latex(e, context),
               "recomputed_tex": latex_matrix(recomputed[q], precision, sc)}
        if reconstruction is not None:
            v2, _ = compare(reconstruction[q], p, tol)
            row["reconstruction"] = fmt(reconstruction[q], sc)
            row["verdict (reconstruction)"] = v2
            row["reconstruction_tex"] = latex_matrix(reconstruction[q], precision, sc)
        rows.append(row)
    return rows


def select(entries, problem, kind="printed"):
    """The entries of one problem: kind "given" (the stated inputs) or "printed"
    (every other printed number; entries without a kind are printed)."""
    where = "select"
    entries = _entries(entries, where, ("problem",))
    kind = check_choice(kind, "kind", where, ("given", "printed"))
    return [e for e in entries
            if e["problem"] == problem and e.get("kind", "printed") == kind]


def arrays(entries) -> dict:
    """quantity -> printed value (float64 array) for a list of entries."""
    entries = _entries(entries, "arrays", ("quantity", "value"))
    return {e["quantity"]: printed_array(e)[0] for e in entries}



def html_table(rows, columns) -> str:
    """An HTML table of the given columns of table_rows-style dicts (text is
    escaped; values that look like arrays, "[...]", are set in code font)."""
    from html import escape

    where = "html_table"
    rows = check_list(rows, "rows", where, "a list of dicts (column -> value)")
    for i, r in enumerate(rows):
        check_instance(r, Mapping, f"rows[{i}]", where, "a dict column -> value")
    columns = check_list(columns, "columns", where, "a list of column names")

    def cell(v):
        v = escape(str(v))
        return f"<code>{v}</code>" if "[" in v else v
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{cell(r.get(c, ''))}</td>" for c in columns)
                   + "</tr>" for r in rows)
    return (f'<table class="table" style="font-size: 0.8em">'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def markdown_table(rows, columns, headers=None) -> str:
    """A Markdown (pipe) table of the given columns of table_rows-style dicts, for
    IPython.display.Markdown: cells are written as they are (LaTeX in $...$ is typeset by
    the book and by Jupyter), with '|' escaped and line breaks turned into spaces.
    headers: None (the column names) or one header per column."""
    where = "markdown_table"
    rows = check_list(rows, "rows", where, "a list of dicts (column -> value)")
    for i, r in enumerate(rows):
        check_instance(r, Mapping, f"rows[{i}]", where, "a dict column -> value")
    columns = check_list(columns, "columns", where, "a non-empty list of column names", min_len=1)
    if headers is None:
        headers = [str(c) for c in columns]
    else:
        headers = check_list(headers, "headers", where, f"None or a list of {len(columns)} headers")
        if len(headers) != len(columns):
            raise ValueError(f"{where}: headers has {len(headers)} entries but columns has {len(columns)}")

    def cell(v):
        return " ".join(str(v).split()).replace("|", "\\|")
    lines = ["| " + " | ".join(cell(h) for h in headers) + " |",
             "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(r.get(c, "")) for c in columns) + " |" for r in rows]
    return "\n".join(lines)
