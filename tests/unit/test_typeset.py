"""bpkit.book.typeset: matrices as LaTeX (the page) and as a matplotlib drawing (a widget's frames)."""

import hashlib
import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import PathPatch, Rectangle  # noqa: E402

from bpkit.book import typeset  # noqa: E402
from bpkit.book.typeset import (draw_equation, equation_size, latex_aligned, latex_equation,  # noqa: E402
                           latex_matrix, latex_number)

from . import test_bad_input_contract as contract  # noqa: E402

W = np.array([[1.0, -2.0], [2.0, 4.0]])


# ------------------------------------------------------------------------------------ LaTeX


def test_latex_number_decimals_and_signs():
    assert latex_number(0.96) == "0.96"
    assert latex_number(-3.0) == "-3"
    assert latex_number(-0.0) == "0"
    assert latex_number(-1e-9) == "0"  # rounds to 0 at 4 decimals: no "-0"
    assert latex_number(2 / 3) == "0.6667"
    assert latex_number(2 / 3, precision=0) == "1"
    assert latex_number(np.float32(1.5)) == "1.5"
    assert latex_number(np.array(7)) == "7"


def test_latex_number_large_magnitudes_are_scientific():
    assert latex_number(1e7) == "1 \\times 10^{7}"
    assert latex_number(-1234567.891, precision=2) == "-1.23 \\times 10^{6}"
    assert latex_number(999999.0) == "999999"
    assert latex_number(np.finfo(float).max).endswith("10^{308}")


def test_latex_matrix_known_matrix():
    assert latex_matrix(W) == "\\begin{bmatrix} 1 & -2 \\\\ 2 & 4 \\end{bmatrix}"
    assert latex_matrix([[0.5, 1 / 3]], precision=2) == "\\begin{bmatrix} 0.5 & 0.33 \\end{bmatrix}"


def test_latex_matrix_shapes():
    assert latex_matrix([1.0, 2.0]) == "\\begin{bmatrix} 1 \\\\ 2 \\end{bmatrix}"  # a vector is a column
    assert latex_matrix(2.5) == "2.5"  # a number has no brackets
    assert latex_matrix([[3.0]]) == "\\begin{bmatrix} 3 \\end{bmatrix}"  # a 1 x 1 matrix has
    with pytest.raises(ValueError, match="M must be a number, a vector or a matrix"):
        latex_matrix(np.ones((2, 2, 2)))


def test_latex_matrix_scale_is_taken_out_in_front():
    d = np.array([[38.0, -11.0, 20.0]]) * 2 / 3
    assert latex_matrix(d, scale="2/3") == "\\tfrac{2}{3} \\begin{bmatrix} 38 & -11 & 20 \\end{bmatrix}"
    assert latex_matrix([[4.0]], scale="2") == "2 \\begin{bmatrix} 2 \\end{bmatrix}"
    assert latex_matrix([[1.0]], scale="-1/2").startswith("-\\tfrac{1}{2} ")


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(M=[[np.nan]]), ValueError, "M"),
    (dict(M="ab"), ValueError, "M"),
    (dict(M=[[1.0], [1.0, 2.0]]), ValueError, "M"),
    (dict(M=np.ones((0, 2))), ValueError, "M"),
    (dict(M=W, precision=-1), ValueError, "precision"),
    (dict(M=W, precision=2.0), TypeError, "precision"),
    (dict(M=W, precision=16), ValueError, "precision"),
    (dict(M=W, precision=True), TypeError, "precision"),
    (dict(M=W, scale="0"), ValueError, "scale"),
    (dict(M=W, scale="two"), ValueError, "scale"),
    (dict(M=W, scale=2), TypeError, "scale"),
    (dict(M=[[1e308]], scale="1/1e300"), ValueError, "scale"),
])
def test_latex_matrix_bad_input(kwargs, error, words):
    with pytest.raises(error, match=words):
        latex_matrix(**kwargs)


def test_latex_number_refuses_arrays():
    with pytest.raises(ValueError, match="x must be one number"):
        latex_number([1.0, 2.0])


def test_latex_equation_joins_strings_and_arrays():
    got = latex_equation(["\\mathbf{z} =", W, np.array([1.0, 1.0]), "=", W @ [1.0, 1.0]])
    assert got == ("\\mathbf{z} = \\begin{bmatrix} 1 & -2 \\\\ 2 & 4 \\end{bmatrix} "
                   "\\begin{bmatrix} 1 \\\\ 1 \\end{bmatrix} = \\begin{bmatrix} -1 \\\\ 6 \\end{bmatrix}")
    assert latex_equation([(np.array([2.0]), "2/3"), "x"]) == "\\tfrac{2}{3} \\begin{bmatrix} 3 \\end{bmatrix} x"


def test_latex_aligned_lines():
    got = latex_aligned([["a", "&=", 1.0], ["&=", [[2.0]]]])
    assert got == "\\begin{aligned} a &= 1 \\\\ &= \\begin{bmatrix} 2 \\end{bmatrix} \\end{aligned}"


@pytest.mark.parametrize("call, error, words", [
    (lambda: latex_equation([]), ValueError, "parts"),
    (lambda: latex_equation("x"), TypeError, "parts"),
    (lambda: latex_equation([{"a": 1}]), ValueError, r"parts\[0\]"),
    (lambda: latex_equation([(W, 2)]), TypeError, r"parts\[0\]"),
    (lambda: latex_equation([(W, "2", "3")]), TypeError, r"parts\[0\]"),
    (lambda: latex_aligned([]), ValueError, "rows"),
    (lambda: latex_aligned(["x"]), TypeError, r"rows\[0\]"),
    (lambda: latex_aligned([["x", np.ones((2, 2, 2))]]), ValueError, r"rows\[0\]\[1\]"),
])
def test_latex_builders_bad_input(call, error, words):
    with pytest.raises(error, match=words):
        call()


# ------------------------------------------------------------------------------------ drawing


def _png(rows, **kw):
    fig = Figure(figsize=equation_size(rows, **kw))
    draw_equation(fig.add_axes([0, 0, 1, 1]), rows, **kw)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=60, metadata={"Software": None})
    return buf.getvalue()


ROWS = [["\\mathbf{z}^{1}", "&=", "W^{1}\\mathbf{a}^{0}"], ["&=", W, np.array([1.0, 1.0]), "=", W @ [1.0, 1.0]]]


def test_draw_equation_draws_brackets_and_text():
    fig = Figure()
    ax = fig.add_axes([0, 0, 1, 1])
    assert draw_equation(ax, ROWS) is ax
    rects = [p for p in ax.patches if isinstance(p, Rectangle)]
    texts = [p for p in ax.patches if isinstance(p, PathPatch)]
    assert len(rects) == 3 * 6  # three matrices, two brackets each, each a bar and two strokes
    assert len(texts) == 3 + 1 + 4 + 2 + 1 + 2  # line 1: 3 strings; line 2: "=", 4 + 2 entries, "=", 2
    assert not ax.axison and ax.get_aspect() == 1.0


def test_draw_equation_is_deterministic():
    assert hashlib.sha256(_png(ROWS)).digest() == hashlib.sha256(_png(ROWS)).digest()


def test_equation_size_grows_with_the_content():
    w1, h1 = equation_size([["x", "=", np.ones((2, 2))]])
    w2, h2 = equation_size([["x", "=", np.ones((2, 5))]])
    w3, h3 = equation_size([["x", "=", np.ones((4, 2))]])
    w4, h4 = equation_size([["x", "=", np.ones((2, 2))]], fontsize=24)
    assert w2 > w1 and h2 == pytest.approx(h1)
    assert h3 > h1 and w3 == pytest.approx(w1)
    assert w4 == pytest.approx(2 * w1) and h4 == pytest.approx(2 * h1)


def test_draw_equation_aligns_the_lines_at_the_marker():
    placed, _, _ = typeset._layout([["\\frac{\\partial E}{\\partial W}", "&=", "a"], ["&=", np.ones((2, 1))]],
                                   4, 12, "test")
    first_eq = placed[0][1][1]  # x of the box that follows the marker in line 1 ('=')
    second_eq = placed[1][0][1]
    assert first_eq == pytest.approx(second_eq) and first_eq > 0


def test_draw_equation_scaled_part_writes_the_factor():
    fig = Figure()
    ax = fig.add_axes([0, 0, 1, 1])
    draw_equation(ax, [[(np.array([[38.0, -11.0]]) * 2 / 3, "2/3")]])
    assert len([p for p in ax.patches if isinstance(p, Rectangle)]) == 6
    assert len([p for p in ax.patches if isinstance(p, PathPatch)]) == 1 + 2  # the factor, two entries


@pytest.mark.parametrize("rows, kwargs, error, words", [
    ([["\\notamacro"]], {}, ValueError, r"rows\[0\]\[0\].*mathtext"),
    ([["$x$"]], {}, ValueError, r"rows\[0\]\[0\].*without '\$'"),
    ([["a", "&=", "&="]], {}, ValueError, r"rows\[0\]\[2\].*second '&'"),
    ([], {}, ValueError, "rows"),
    ([[]], {}, ValueError, r"rows\[0\]"),
    ("x", {}, TypeError, "rows"),
    ([[np.ones((2, 2, 2))]], {}, ValueError, r"rows\[0\]\[0\]"),
    ([[np.array([np.inf])]], {}, ValueError, r"rows\[0\]\[0\]"),
    ([[(W, "0")]], {}, ValueError, "scale"),
    ([["x"]], dict(fontsize=0), ValueError, "fontsize"),
    ([["x"]], dict(fontsize=1e300), ValueError, "fontsize"),
    ([["x"]], dict(precision=-1), ValueError, "precision"),
    ([["x"]], dict(color="notacolour"), ValueError, "color"),
])
def test_draw_equation_bad_input(rows, kwargs, error, words):
    fig = Figure()
    with pytest.raises(error, match=words):
        draw_equation(fig.add_axes([0, 0, 1, 1]), rows, **kwargs)


def test_draw_equation_needs_axes():
    with pytest.raises(TypeError, match="ax"):
        draw_equation(plt.figure(), [["x"]])
    plt.close("all")


# ------------------------------------------------------------------------------------ the contract
# The bad-input contract of tests/unit/test_bad_input_contract.py, applied to every public function
# of bpkit.book.typeset, every malformed value once.

A = contract.Arr
ENTRIES = [
    contract.Entry("typeset.latex_number", latex_number,
                   dict(x=contract.Num(0.25, extreme=[("huge", contract._const(contract.F64), contract.EXTREME)]),
                        precision=contract.Int(4, minimum=0))),
    contract.Entry("typeset.latex_matrix", latex_matrix,
                   dict(M=A(np.array([[0.25, -1.5], [2.0, 3.0]])), precision=contract.Int(4, minimum=0),
                        scale=contract.Obj(None, [("zero", "0"), ("word", "two"), ("int", 2), ("list", ["2/3"])]))),
    contract.Entry("typeset.latex_equation", latex_equation,
                   dict(parts=contract.Obj(["x =", W], [("None", None), ("str", "x"), ("empty", []),
                                                        ("dict part", [{"a": 1}]), ("3-D", [np.ones((2, 2, 2))]),
                                                        ("nan", [np.array([np.nan])]), ("bad pair", [(W, 2)])]),
                        precision=contract.Int(4, minimum=0))),
    contract.Entry("typeset.latex_aligned", latex_aligned,
                   dict(rows=contract.Obj([["x", "&=", W]], [("None", None), ("str", "x"), ("empty", []),
                                                             ("str row", ["x"]), ("empty row", [[]]),
                                                             ("3-D", [[np.ones((2, 2, 2))]])]),
                        precision=contract.Int(4, minimum=0))),
]
BAD_ROWS = [("None", None), ("str", "x"), ("empty", []), ("str row", ["x"]), ("empty row", [[]]),
            ("3-D", [[np.ones((2, 2, 2))]]), ("nan", [[np.array([np.nan])]]), ("bad mathtext", [["\\nomacro"]]),
            ("dollars", [["$x$"]]), ("two markers", [["&=", "&="]]), ("bad pair", [[(W, 2)]]),
            ("zero scale", [[(W, "0")]])]
DRAW = dict(rows=contract.Obj([["x", "&=", W]], BAD_ROWS), precision=contract.Int(4, minimum=0),
            fontsize=contract.Num(12.0, low=0.0, low_open=True, high=1000.0))
ENTRIES += [
    contract.Entry("typeset.equation_size", equation_size, dict(DRAW)),
    contract.Entry("typeset.draw_equation", draw_equation,
                   dict(DRAW, ax=contract.Obj(contract._ax, contract.NOT_AX, fresh=True),
                        color=contract.Obj("black", [("unknown", "notacolour"), ("int", 5), ("list", [1])]))),
]


@pytest.mark.parametrize("e", ENTRIES, ids=[e.name for e in ENTRIES])
def test_bad_input_contract_every_value(e):
    contract.sweep(e)


def test_every_public_function_has_a_contract_entry():
    covered = {e.name.split(".")[1] for e in ENTRIES}
    assert covered == set(typeset.__all__)
