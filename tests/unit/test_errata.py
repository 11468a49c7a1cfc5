"""bpkit.errata (printed numbers against recomputed ones) and bpkit.trace (chapter 6)."""

import json

import numpy as np
import pytest

import bpkit as bp
from bpkit.errata import (AGREES, DIFFERS, compare, fmt, load_printed, printed_array,
                          select, table_rows)
from bpkit.trace import trace_step


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


def test_trace_matches_network_on_a_batch():
    rng = np.random.default_rng(6)
    Ws = [rng.normal(size=(3, 2)), rng.normal(size=(2, 3))]
    bs = [rng.normal(size=(3, 1)), rng.normal(size=(2, 1))]
    x, t = rng.normal(size=(2, 4)), rng.normal(size=(2, 4))
    steps, v = trace_step(Ws, bs, bp.tanh, x, t, bp.MeanSquaredError(), lr=0.1)
    net = bp.Network([bp.Dense(2, 3, "tanh", W=Ws[0], b=bs[0]),
                      bp.Dense(3, 2, "tanh", W=Ws[1], b=bs[1])], "mean_squared_error")
    g = net.gradients(x, t)
    for l in (1, 2):
        np.testing.assert_allclose(v[f"dL/dW^{l}"], g.dW[l - 1], atol=1e-12)
        np.testing.assert_allclose(v[f"dL/db^{l}"].ravel(), g.db[l - 1], atol=1e-12)
        np.testing.assert_allclose(v[f"W^{l} updated"], Ws[l - 1] - 0.1 * g.dW[l - 1])
    assert steps[0].result[0] == "z^1" and steps[-1].result[0] == "b^1 updated"


def test_trace_rejects_bad_shapes():
    with pytest.raises(ValueError, match="expects W"):
        trace_step([np.ones((3, 2))], [np.ones((3, 1))], bp.identity, np.ones((4, 1)),
                   np.ones((3, 1)), bp.SquaredError())



def test_html_table_escapes_and_marks_arrays():
    from bpkit.errata import html_table
    text = html_table([{"q": "a<b", "v": "[1; 2]"}], ["q", "v"])
    assert "<th>q</th><th>v</th>" in text
    assert "<td>a&lt;b</td><td><code>[1; 2]</code></td>" in text
