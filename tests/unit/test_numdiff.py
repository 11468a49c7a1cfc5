"""numerical_jacobian / numerical_gradient / relative_error / check_gradient."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis.extra import numpy as hnp

import bpkit
from bpkit import GradientCheckError, check_gradient, numerical_gradient, numerical_jacobian, relative_error

from ._helpers import FAST, central_diff, floats


def cubic(x):
    return np.sum(x**3)


def test_gradient_of_a_known_function():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    np.testing.assert_allclose(numerical_gradient(cubic, x), 3 * x**2, rtol=1e-8)


def test_jacobian_shape_is_output_shape_plus_input_shape():
    x = np.arange(6.0).reshape(2, 3)
    J = numerical_jacobian(lambda v: np.array([v.sum(), (v**2).sum()]), x)
    assert J.shape == (2, 2, 3) and J.dtype == np.float64
    np.testing.assert_allclose(J[0], np.ones((2, 3)), rtol=1e-8)
    np.testing.assert_allclose(J[1], 2 * x, rtol=1e-7, atol=1e-8)


def test_identity_map_returning_its_input_is_not_aliased():
    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(numerical_jacobian(lambda v: v, x), np.eye(3), atol=1e-9)
    np.testing.assert_array_equal(x, [1.0, 2.0, 3.0])  # x is never modified


@FAST
@given(hnp.arrays(np.float64, hnp.array_shapes(max_dims=2, max_side=4), elements=floats))
def test_numerical_jacobian_agrees_with_an_independent_central_difference(x):
    f = lambda v: np.sin(v) * v.sum()  # noqa: E731
    np.testing.assert_allclose(numerical_jacobian(f, x), central_diff(f, x), rtol=1e-12, atol=1e-12)


def test_integer_x_is_converted_not_truncated():
    # The classic bug: x[i] += eps on an int array truncates the step to 0.
    g_int = numerical_gradient(cubic, np.array([1, 2, 3]))
    np.testing.assert_array_equal(g_int, numerical_gradient(cubic, np.array([1.0, 2.0, 3.0])))
    np.testing.assert_allclose(g_int, [3.0, 12.0, 27.0], rtol=1e-8)


def test_numerical_gradient_requires_a_scalar_function():
    with pytest.raises(ValueError, match=r"f must return a scalar but f\(x\) has shape \(2,\)"):
        numerical_gradient(lambda v: v, np.ones(2))


def test_non_finite_inputs_and_outputs_raise():
    with pytest.raises(ValueError, match="numerical_jacobian: x contains 1 non-finite"):
        numerical_jacobian(cubic, np.array([1.0, np.nan]))
    with pytest.raises(ValueError, match=r"f\(x\) contains 1 non-finite"):
        numerical_jacobian(lambda v: np.where(v > 0, 0.0, np.inf).sum(), np.array([1e-7]))


def test_relative_error_uses_the_floor_and_refuses_broadcasting():
    np.testing.assert_allclose(relative_error([1.0, 0.0, 2.0], [1.1, 1e-10, 2.0]), [0.1 / 1.1, 1e-2, 0.0])
    with pytest.raises(ValueError, match=r"analytic has shape \(3,\) but numerical has shape \(3, 1\)"):
        relative_error(np.ones(3), np.ones((3, 1)))


def test_check_gradient_passes_for_a_correct_gradient_and_callable():
    x = np.array([0.3, -1.2, 2.0])
    result = check_gradient(cubic, x, 3 * x**2)
    assert result.ok and result.max_rel_error < 1e-8 and result.shape == (3,)
    assert "gradient check passed" in str(result)
    assert check_gradient(cubic, x, lambda v: 3 * v**2).ok
    # a Jacobian for an array-valued function
    assert check_gradient(np.sin, x, np.diag(np.cos(x))).ok


def test_check_gradient_failure_report_names_index_and_both_values():
    x = np.array([[1.0, 2.0], [-1.0, 0.5]])
    wrong = 3 * x**2
    wrong[1, 0] = 1.5  # the true value there is 3
    with pytest.raises(GradientCheckError) as err:
        check_gradient(cubic, x, wrong)
    msg = str(err.value)
    assert isinstance(err.value, AssertionError)
    assert "gradient check failed: worst entry at index (1, 0)" in msg
    assert "analytic = 1.5," in msg and "numerical = 3," in msg
    assert "|difference| = 1.5" in msg and "relative error = 5.0e-01 > tol 1.0e-06" in msg
    result = check_gradient(cubic, x, wrong, raise_on_fail=False)
    assert not result.ok and result.worst_index == (1, 0)
    assert result.analytic_value == 1.5 and result.numerical_value == pytest.approx(3.0)
    assert result.abs_error == pytest.approx(1.5) and result.max_rel_error == pytest.approx(0.5)


def test_check_gradient_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"analytic gradient has shape \(3, 1\) but the numerical one has shape \(3,\)"):
        check_gradient(cubic, np.ones(3), np.ones((3, 1)))


def test_check_gradient_refuses_nan_in_the_analytic_gradient():
    with pytest.raises(ValueError, match="check_gradient: analytic gradient contains 1 non-finite"):
        check_gradient(cubic, np.ones(2), np.array([3.0, np.nan]))


def test_exports():
    assert issubclass(bpkit.GradientCheckError, AssertionError)
    assert set(bpkit.__all__) <= set(dir(bpkit))


def test_five_point_stencil_is_fourth_order():
    # d/dx exp at x = 0.3 with a coarse step: the error of order 2 shrinks like h^2, of order 4 like h^4.
    x = np.array([0.3])
    exact = np.exp(x)
    err = {(order, h): abs(numerical_gradient(lambda v: np.exp(v).sum(), x, eps=h, order=order) - exact)[0]
           for order in (2, 4) for h in (1e-2, 5e-3)}
    assert err[(4, 1e-2)] < 1e-8 < err[(2, 1e-2)]
    assert err[(2, 1e-2)] / err[(2, 5e-3)] == pytest.approx(4, rel=0.05)    # halving h quarters the error
    assert err[(4, 1e-2)] / err[(4, 5e-3)] == pytest.approx(16, rel=0.05)   # ... or divides it by 16


def test_order_is_validated_and_passed_through_check_gradient():
    with pytest.raises(ValueError, match="order must be 2 or 4 but is 3"):
        numerical_jacobian(cubic, np.ones(2), order=3)
    x = np.array([0.7, -1.3])
    # A step of 1e-2 is too coarse for order 2 at tol 1e-7 but fine for order 4.
    assert not check_gradient(cubic, x, 3 * x**2, tol=1e-7, eps=1e-2, raise_on_fail=False).ok
    assert check_gradient(cubic, x, 3 * x**2, tol=1e-7, eps=1e-2, order=4).ok


def test_check_gradient_floor_sets_the_scale_for_near_zero_entries():
    x = np.array([0.0, 1.0])
    wrong = np.array([1e-9, 3.0])  # the true gradient of cubic is (0, 3)
    assert not check_gradient(cubic, x, wrong, tol=1e-6, raise_on_fail=False).ok          # 1e-9 / 1e-8
    assert check_gradient(cubic, x, wrong, tol=1e-6, floor=1e-2, raise_on_fail=False).ok    # 1e-9 / 1e-2
