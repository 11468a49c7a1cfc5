"""Activations: value, derivative, derivative_from_output, jacobian, backward (note E, sec. 3.1)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import bpkit
from bpkit import get_activation, numerical_gradient, numerical_jacobian, softmax

from ._helpers import ELEMENTWISE, FAST, SMOOTH, away_from_kinks, central_diff, column_arrays

ALL = ELEMENTWISE + ["softmax"]
rng = np.random.default_rng(1)


def sample(shape, name):
    z = rng.normal(scale=2.0, size=shape)
    return away_from_kinks(z) if name == "relu" else z


@pytest.mark.parametrize("name", ELEMENTWISE)
@pytest.mark.parametrize("shape", [(4,), (4, 1), (3, 5)])
def test_derivative_matches_finite_differences(name, shape):
    act = get_activation(name)
    z = sample(shape, name)
    # elementwise: d/dz sum f(z) = f'(z) entry by entry
    total = lambda v: act.value(v).sum()  # noqa: E731
    np.testing.assert_allclose(act.derivative(z), numerical_gradient(total, z), rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(act.derivative(z), central_diff(total, z), rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", ["identity", "sigmoid", "tanh", "relu"])
def test_derivative_from_output_equals_derivative(name):
    act = get_activation(name)
    z = sample((5, 3), name)
    np.testing.assert_allclose(act.derivative_from_output(act.value(z)), act.derivative(z), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("shape", [(4,), (4, 1)])
def test_jacobian_matches_finite_differences(name, shape):
    act = get_activation(name)
    z = sample(shape, name)
    J = act.jacobian(z)
    assert J.shape == (4, 4)
    flat = lambda v: act.value(v).ravel()  # noqa: E731
    np.testing.assert_allclose(J, numerical_jacobian(flat, z.ravel()), rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(J, central_diff(flat, z.ravel()), rtol=1e-7, atol=1e-9)


def test_softmax_jacobian_is_diag_s_minus_s_st():
    z = np.array([1.0, 2.0, 0.5])
    s = np.exp(z) / np.exp(z).sum()
    np.testing.assert_allclose(softmax.jacobian(z), np.diag(s) - np.outer(s, s), rtol=1e-14)
    np.testing.assert_allclose(softmax.jacobian(z).sum(axis=0), 0, atol=1e-15)  # columns of J sum to 0


def refused_one_class(act, z) -> bool:
    """Softmax of a single class (z of shape (1,) or (1, N)) is refused: check that, and skip the rest."""
    if act.name != "softmax" or z.shape[0] != 1:
        return False
    with pytest.raises(ValueError, match="single class"):
        act.value(z)
    return True


@FAST
@given(st.sampled_from(ALL), column_arrays(), st.integers(0, 2**16))
def test_backward_is_the_jacobian_transpose_per_column(name, z, seed):
    act = get_activation(name)
    if refused_one_class(act, z):
        return
    if name == "relu":
        z = away_from_kinks(z)
    grad_a = np.random.default_rng(seed).normal(size=z.shape)
    grad_z = act.vjp(z, act.value(z), grad_a)
    assert grad_z.shape == z.shape
    assert np.array_equal(act.vjp(z, None, grad_a), grad_z)
    columns = [(z, grad_a)] if z.ndim == 1 else [(z[:, j], grad_a[:, j]) for j in range(z.shape[1])]
    for j, (zj, gj) in enumerate(columns):
        expected = act.jacobian(zj).T @ gj
        got = grad_z if z.ndim == 1 else grad_z[:, j]
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-14)


@FAST
@given(st.sampled_from(SMOOTH), column_arrays(max_rows=4, max_cols=3), st.integers(0, 2**16))
def test_backward_matches_finite_differences_of_a_linear_probe(name, z, seed):
    # E = sum(grad_a * f(z)) has dE/dz = J^T grad_a: a check of backward on a whole batch at once.
    act = get_activation(name)
    if refused_one_class(act, z):
        return
    grad_a = np.random.default_rng(seed).normal(size=z.shape)
    E = lambda v: np.sum(grad_a * act.value(v))  # noqa: E731
    np.testing.assert_allclose(act.vjp(z, act.value(z), grad_a), numerical_gradient(E, z), rtol=1e-6, atol=1e-8)


def test_softmax_normalises_each_column():
    z = rng.normal(size=(4, 6))
    s = softmax(z)
    np.testing.assert_allclose(s.sum(axis=0), 1.0, rtol=1e-14)
    np.testing.assert_allclose(s[:, 2], softmax(z[:, 2]), rtol=1e-14)  # columns are independent


def test_values_of_the_activations():
    z = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_allclose(bpkit.sigmoid(z), 1 / (1 + np.exp(-z)), rtol=1e-15)
    np.testing.assert_allclose(bpkit.tanh(z), np.tanh(z))
    np.testing.assert_array_equal(bpkit.relu(z), [0.0, 0.0, 3.0])
    np.testing.assert_array_equal(bpkit.relu.derivative(z), [0.0, 0.0, 1.0])  # relu'(0) = 0 by choice
    np.testing.assert_array_equal(bpkit.relu.derivative_from_output(bpkit.relu(z)), [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(bpkit.square(z), [4.0, 0.0, 9.0])
    np.testing.assert_array_equal(bpkit.square.derivative(z), [-4.0, 0.0, 6.0])
    np.testing.assert_array_equal(bpkit.identity(z), z)
    assert bpkit.identity(z) is not z


@pytest.mark.parametrize("name", ALL)
def test_integer_input_is_converted_exactly(name):
    act = get_activation(name)
    z_int = np.array([[-2, 1], [0, 3], [1, -1]])
    np.testing.assert_array_equal(act.value(z_int), act.value(z_int.astype(float)))
    np.testing.assert_array_equal(act.jacobian(z_int[:, 0]), act.jacobian(z_int[:, 0].astype(float)))
    g = np.ones((3, 2), dtype=int)
    np.testing.assert_array_equal(act.vjp(z_int, None, g), act.vjp(z_int.astype(float), None, g.astype(float)))


LARGE = np.array([-1e4, -800.0, -30.0, 0.0, 30.0, 800.0, 1e4])


def test_large_logits_no_warning_and_right_limits():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = bpkit.sigmoid(LARGE)
        ds = bpkit.sigmoid.derivative(LARGE)
        dt = bpkit.tanh.derivative(LARGE)
        sm = softmax(np.array([1e4, -1e4, 0.0]))
        sm_batch = softmax(np.stack([LARGE, -LARGE], axis=1))
        J = softmax.jacobian(np.array([1e4, -1e4]))
        g = softmax.vjp(np.array([1e4, -1e4]), None, np.array([1.0, 2.0]))
    assert s[0] == 0.0 and s[-1] == 1.0 and s[3] == 0.5 and np.all(np.diff(s) >= 0)
    np.testing.assert_allclose(s[2], 1 / (1 + np.exp(30.0)), rtol=1e-14)
    np.testing.assert_allclose(ds[[2, 4]], np.exp(-30.0) / (1 + np.exp(-30.0)) ** 2, rtol=1e-14)  # tails keep accuracy
    assert ds[0] == ds[-1] == 0.0 and dt[0] == dt[-1] == 0.0
    np.testing.assert_allclose(dt[[2, 4]], 1 / np.cosh(30.0) ** 2, rtol=1e-13)
    np.testing.assert_array_equal(sm, [1.0, 0.0, 0.0])
    assert np.all(np.isfinite(sm_batch)) and np.allclose(sm_batch.sum(axis=0), 1)
    np.testing.assert_array_equal(J, np.zeros((2, 2)))
    np.testing.assert_array_equal(g, [0.0, 0.0])


def test_softmax_has_no_elementwise_derivative():
    with pytest.raises(ValueError, match="softmax' is not elementwise.*use jacobian"):
        softmax.derivative(np.ones(3))
    with pytest.raises(ValueError, match="softmax' has no elementwise derivative.*jacobian"):
        softmax.derivative_from_output(np.ones(3) / 3)


def test_square_cannot_use_its_output():
    with pytest.raises(ValueError, match="forgets the sign of z"):
        bpkit.square.derivative_from_output(np.array([4.0]))


@pytest.mark.parametrize("name", ALL)
def test_jacobian_is_for_one_sample(name):
    with pytest.raises(ValueError, match=rf"activation '{name}': z has shape \(3, 2\) but expected one sample.*vjp"):
        get_activation(name).jacobian(np.ones((3, 2)))


@pytest.mark.parametrize("name", ALL)
def test_backward_refuses_mismatched_shapes(name):
    act = get_activation(name)
    with pytest.raises(ValueError, match=r"grad_a has shape \(3,\) but z has shape \(3, 1\)"):
        act.vjp(np.ones((3, 1)), None, np.ones(3))
    with pytest.raises(ValueError, match=r"a has shape \(3, 2\) but z has shape \(3,\)"):
        act.vjp(np.ones(3), np.ones((3, 2)), np.ones(3))


def test_softmax_needs_columns():
    with pytest.raises(ValueError, match=r"softmax': z has shape \(2, 2, 2\) but expected \(n,\)"):
        softmax(np.ones((2, 2, 2)))


@pytest.mark.parametrize("name", ALL)
def test_nan_input_raises(name):
    with pytest.raises(ValueError, match=f"activation '{name}': z contains 1 non-finite"):
        get_activation(name).value(np.array([0.0, np.nan]))


def test_get_activation():
    assert get_activation("sigmoid") is bpkit.sigmoid
    assert get_activation("Linear") is bpkit.identity
    assert get_activation(bpkit.tanh) is bpkit.tanh
    assert not softmax.elementwise and bpkit.relu.elementwise
    with pytest.raises(ValueError, match=r"unknown activation 'sigmod'; known activations: identity, linear, relu, sigmoid"):
        get_activation("sigmod")
    with pytest.raises(ValueError, match="unknown activation 3"):
        get_activation(3)
