"""bpkit.book.errata: printed numbers against recomputed ones, and note C's data file (chapter 6).
The tests of bpkit.book.trace are in test_trace.py."""

import json

import numpy as np
import pytest

import bpkit as bp
from bpkit.book import errata
from bpkit.book.errata import (AGREES, DIFFERS, arrays, compare, fmt, load_printed, markdown_table,
                          printed_array, printed_latex, select, table_rows, written_latex)

from . import test_bad_input_contract as contract


def test_printed_array_scale_and_tolerance():
    v, tol = printed_array({"value": [["0.96", "-3"]], "scale": "2/3"})
    np.testing.assert_allclose(v, [[0.64, -2.0]])
    assert tol == pytest.approx(0.005 * 2 / 3)
    v, tol = printed_array({"value": [["15"], ["-4"]]})
    assert v.shape == (2, 1) and tol == 0.5


def test_printed_array_rejects_numbers():
    with pytest.raises(ValueError, match="strings"):
        printed_array({"value": [[1.5]]})


def test_compare_tolerance_is_half_a_unit():
    assert compare([[0.964]], [[0.96]], 0.005) == (AGREES, "")
    verdict, note = compare([[0.966, 1.0]], [[0.96, 1.0]], 0.005)
    assert verdict == DIFFERS and note == "entries (1, 1)"


def test_compare_shape_mismatch_differs():
    verdict, note = compare(np.ones((3, 1)), np.ones((2, 1)), 0.5)
    assert verdict == DIFFERS
    assert "(2, 1)" in note and "(3, 1)" in note


def test_fmt_scale_and_negative_zero():
    assert fmt([[-0.0, 1.5]]) == "[0 1.5]"
    assert fmt([[2 / 3 * 38]], "2/3") == "2/3 x [38]"


def test_load_printed_requires_keys(tmp_path):
    p = tmp_path / "v.json"
    p.write_text(json.dumps([{"problem": 1, "quantity": "z", "value": [["1"]]}]))
    with pytest.raises(ValueError, match="source"):
        load_printed(p)


def test_table_rows_and_select():
    entries = [
        {"problem": 1, "quantity": "x", "kind": "given", "value": [["2"]],
         "source": "s", "line": 1},
        {"problem": 1, "quantity": "y", "value": [["4"]], "source": "s", "line": 2},
    ]
    assert [e["quantity"] for e in select(entries, 1)] == ["y"]
    rows = table_rows(select(entries, 1), {"y": np.array([[5.0]])},
                      reconstruction={"y": np.array([[4.0]])})
    assert rows[0]["verdict"] == DIFFERS
    assert rows[0]["verdict (reconstruction)"] == AGREES
    with pytest.raises(ValueError, match="nothing recomputed"):
        table_rows(select(entries, 1), {})


def test_html_table_escapes_and_marks_arrays():
    from bpkit.book.errata import html_table
    text = html_table([{"q": "a<b", "v": "[1; 2]"}], ["q", "v"])
    assert "<th>q</th><th>v</th>" in text
    assert "<td>a&lt;b</td><td><code>[1; 2]</code></td>" in text


# ------------------------------------------------------------------------------------ LaTeX


def test_printed_latex_is_digit_for_digit():
    assert printed_latex({"value": [["1", "0.96"], ["2", "-0.940"]]}) == \
        "\\begin{bmatrix} 1 & 0.96 \\\\ 2 & -0.940 \\end{bmatrix}"
    assert printed_latex({"value": [["38", "-11"]], "scale": "2/3"}) == \
        "\\tfrac{2}{3} \\begin{bmatrix} 38 & -11 \\end{bmatrix}"
    assert printed_latex({"value": [["0.01"]]}) == "0.01"
    assert printed_latex({"value": [["0"], ["8"], ["1"]]}, transpose=True) == \
        "\\begin{bmatrix} 0 & 8 & 1 \\end{bmatrix}"
    with pytest.raises(TypeError, match="transpose"):
        printed_latex({"value": [["1"]]}, transpose="yes")
    with pytest.raises(ValueError, match="entry"):
        printed_latex({"value": [[1.5]]})


def test_written_latex_fills_references():
    entries = [{"quantity": "d", "value": [["13"], ["-7"]]},
               {"quantity": "a", "value": [["0"], ["8"]]},
               {"quantity": "g", "value": [["0", "104"], ["0", "-56"]],
                "written": "G = [[d]] [[a|T]] = [[]]"}]
    assert written_latex(entries[2], entries) == (
        "G = \\begin{bmatrix} 13 \\\\ -7 \\end{bmatrix} \\begin{bmatrix} 0 & 8 \\end{bmatrix} = "
        "\\begin{bmatrix} 0 & 104 \\\\ 0 & -56 \\end{bmatrix}")
    assert written_latex(entries[0], entries) == printed_latex(entries[0])  # no template
    two_lines = dict(entries[2], written="G &= [[d]] [[a|T]] \\\\ &= [[]]")
    assert written_latex(two_lines, entries).startswith("\\begin{aligned} G &= ")
    with pytest.raises(ValueError, match="x"):
        written_latex(dict(entries[2], written="[[x]]"), entries)
    with pytest.raises(TypeError, match="written"):
        written_latex(dict(entries[2], written=5), entries)


def test_table_rows_carry_latex():
    entries = [{"problem": 1, "quantity": "y", "value": [["38"]], "scale": "2/3", "line": 2,
                "tex": "y", "note_tex": "z", "written": "y = [[]]", "source": "s"}]
    (row,) = table_rows(entries, {"y": np.array([[38 * 2 / 3]])}, reconstruction={"y": np.array([[1.0]])})
    assert row["verdict"] == AGREES and row["verdict (reconstruction)"] == DIFFERS
    assert row["written"] == "y = \\tfrac{2}{3} 38"
    assert row["recomputed_tex"] == "\\tfrac{2}{3} \\begin{bmatrix} 38 \\end{bmatrix}"
    assert row["reconstruction_tex"] == "\\tfrac{2}{3} \\begin{bmatrix} 1.5 \\end{bmatrix}"
    assert (row["tex"], row["note_tex"]) == ("y", "z")


def test_markdown_table():
    text = markdown_table([{"a": "$x|y$", "b": "two\nlines"}, {"a": 1}], ["a", "b"], ["A", "B"])
    assert text.splitlines() == ["| A | B |", "|---|---|", "| $x\\|y$ | two lines |", "| 1 |  |"]
    with pytest.raises(ValueError, match="headers"):
        markdown_table([], ["a"], ["A", "B"])
    with pytest.raises(ValueError, match="columns"):
        markdown_table([], [])
    with pytest.raises(TypeError, match=r"rows\[0\]"):
        markdown_table([5], ["a"])


# ------------------------------------------------------------------------------------ the data file


def test_data_file_entries_are_complete():
    entries = load_printed()
    for p in (1, 2, 3):
        mine = [e for e in entries if e["problem"] == p]
        names = [e["quantity"] for e in mine]
        assert len(names) == len(set(names)), f"problem {p}: a quantity twice"
        for e in mine:
            assert e["source"] == "note C" and isinstance(e["line"], int)
            assert e.get("tex") and e.get("note_tex") and e.get("written"), e["quantity"]
            text = written_latex(e, mine)  # every reference resolves
            assert "[[" not in text and text.count("{") == text.count("}"), e["quantity"]
        given = arrays(select(entries, p, "given"))
        assert {"a^0", "t", "W^1", "b^1"} <= set(given)


def test_data_file_stated_values():
    """A few stated inputs and printed results, digit for digit as note C prints them."""
    g = {p: arrays(select(load_printed(), p, "given")) for p in (1, 2, 3)}
    np.testing.assert_array_equal(g[1]["W^2"], [[1, 2, -3], [2, -1, 3]])  # note C's W^3
    np.testing.assert_array_equal(g[2]["W^1"], [[1, -1], [1, 1]])
    np.testing.assert_array_equal(g[3]["a^0"], [[1, 1, 1], [2, -1, 1]])
    assert g[1]["lr"][0, 0] == g[2]["lr"][0, 0] == 0.01 and "lr" not in g[3]
    printed = {e["quantity"]: e for e in select(load_printed(), 2)}
    assert printed["delta^1 (line 129)"]["value"] == [["100"], ["184"]]
    assert printed["z^1"]["value"] == [["-1"], ["2"]]


# ------------------------------------------------------------------------------------ the contract

ENTRY = {"problem": 1, "quantity": "a", "value": [["0.25", "-1.5"]], "scale": "2/3", "line": 3,
         "written": "a = [[]] [[b|T]]"}
OTHER = {"problem": 1, "quantity": "b", "value": [["1"], ["2"]], "line": 3}
NOT_ENTRIES = [("None", None), ("int", 5), ("dicts", [5]), ("no value", [{"quantity": "b"}])]
ENTRIES = [
    contract.Entry("errata.printed_latex", printed_latex,
                   dict(entry=contract.Obj(ENTRY, contract.NOT_ENTRY), transpose=contract.Bool(False))),
    contract.Entry("errata.written_latex", written_latex,
                   dict(entry=contract.Obj(ENTRY, contract.NOT_ENTRY + [("bad template", dict(ENTRY, written=5)),
                                                                       ("unknown", dict(ENTRY, written="[[x]]"))]),
                        entries=contract.Obj([ENTRY, OTHER], NOT_ENTRIES + [("missing", [ENTRY])]))),
    contract.Entry("errata.markdown_table", markdown_table,
                   dict(rows=contract.Obj([{"a": "$x$", "b": 2}], [("None", None), ("int", 5), ("ints", [1])]),
                        columns=contract.Obj(["a", "b"], [("None", None), ("int", 5), ("empty", [])]),
                        headers=contract.Obj(None, [("int", 5), ("short", ["A"])]))),
]


@pytest.mark.parametrize("e", ENTRIES, ids=[e.name for e in ENTRIES])
def test_bad_input_contract_every_value(e):
    contract.sweep(e)


def test_every_public_function_has_a_contract_entry():
    """The new functions here, the others in test_bad_input_contract.py."""
    public = {n for n, f in vars(errata).items() if callable(f) and not n.startswith("_")
              and getattr(f, "__module__", "") == "bpkit.book.errata"}
    covered = {e.name.split(".")[1] for e in ENTRIES + contract.ENTRIES if e.name.startswith("errata.")}
    assert public <= covered, public - covered

