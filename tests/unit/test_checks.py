"""The shared input rules: exact integer conversion, refused dtypes, NaN/inf, shape messages."""

import numpy as np
import pytest

from bpkit._checks import as_float_array, check_shape


def test_integers_and_bools_become_float64_exactly():
    x = as_float_array(np.array([[1, -2], [3, 2**53]]), "x", "here")
    assert x.dtype == np.float64
    np.testing.assert_array_equal(x, [[1.0, -2.0], [3.0, 2.0**53]])
    assert as_float_array([True, False], "x", "here").tolist() == [1.0, 0.0]


def test_float32_is_kept_and_float16_widened():
    assert as_float_array(np.ones(2, np.float32), "x", "here").dtype == np.float32
    assert as_float_array(np.ones(2, np.float16), "x", "here").dtype == np.float64


def test_integers_beyond_2_to_53_are_refused_not_rounded():
    with pytest.raises(ValueError, match="2\\*\\*53"):
        as_float_array(np.array([2**53 + 1]), "x", "here")


@pytest.mark.parametrize("bad", [np.array([1 + 2j]), np.array(["a"]), np.array([object()])])
def test_non_real_dtypes_are_refused(bad):
    with pytest.raises(ValueError, match="here: x must hold real numbers"):
        as_float_array(bad, "x", "here")


def test_ragged_lists_are_refused():
    with pytest.raises(ValueError, match="here: x is not a rectangular array"):
        as_float_array([[1, 2], [3]], "x", "here")


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_values_are_refused_with_their_index(bad):
    with pytest.raises(ValueError, match=r"here: x contains 1 non-finite value.*index \(1, 0\)"):
        as_float_array(np.array([[0.0, 1.0], [bad, 2.0]]), "x", "here")
    assert np.isnan(as_float_array([np.nan], "x", "here", allow_nonfinite=True)[0])


def test_check_shape_message_names_expected_and_actual():
    with pytest.raises(ValueError) as err:
        check_shape(np.zeros((3, 4)), (3, 5), "W", "Dense layer 'layer 2'", "(n_out x n_in)")
    assert str(err.value) == "Dense layer 'layer 2': W has shape (3, 4) but expected (3, 5) (n_out x n_in)"
