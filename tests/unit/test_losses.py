"""Losses and their gradients (note E, sec. 3.2), the fused forms (eqs. 3.7, 3.9), bad input, large logits."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import bpkit
from bpkit import (
    BinaryCrossEntropy,
    CategoricalCrossEntropy,
    MeanSquaredError,
    SquaredError,
    get_loss,
    numerical_gradient,
    sigmoid_bce,
    softmax_cce,
)

from ._helpers import FAST, central_diff, column_arrays

rng = np.random.default_rng(2)


def probabilities(shape, r=rng):
    """Columns that are probability vectors (softmax of random logits)."""
    return bpkit.softmax(r.normal(size=shape))


def inputs_for(name, shape, r=rng):
    """A valid (y, t) pair for each loss."""
    if name == "binary_cross_entropy":
        return r.uniform(0.05, 0.95, shape), r.uniform(0, 1, shape)
    if name == "categorical_cross_entropy":
        return probabilities(shape, r), probabilities(shape, r)
    return r.normal(size=shape), r.normal(size=shape)


LOSSES = ["squared_error", "mean_squared_error", "binary_cross_entropy", "categorical_cross_entropy"]
SHAPES = [(3,), (3, 1), (3, 4)]


@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_gradient_matches_finite_differences(name, shape, reduction):
    loss = MeanSquaredError() if name == "mean_squared_error" else get_loss(name).__class__(reduction)
    y, t = inputs_for(name, shape)
    E = lambda v: loss.value(v, t)  # noqa: E731
    grad = loss.gradient(y, t)
    assert grad.shape == y.shape
    np.testing.assert_allclose(grad, numerical_gradient(E, y), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(grad, central_diff(E, y), rtol=1e-6, atol=1e-9)


def test_values_follow_the_definitions():
    y = np.array([[0.2, 0.6], [0.7, 0.1], [0.1, 0.3]])
    t = np.array([[0.0, 1.0], [1.0, 0.0], [0.0, 0.0]])
    assert SquaredError().value(y, t) == pytest.approx(0.5 * np.sum((y - t) ** 2))
    assert SquaredError("mean").value(y, t) == pytest.approx(0.25 * np.sum((y - t) ** 2))
    assert MeanSquaredError().value(y, t) == pytest.approx(np.sum((y - t) ** 2) / 2)  # N = 2 columns
    assert MeanSquaredError().value(y[:, 0], t[:, 0]) == pytest.approx(np.sum((y[:, 0] - t[:, 0]) ** 2))
    bce = -np.sum(t * np.log(y) + (1 - t) * np.log(1 - y))
    assert BinaryCrossEntropy().value(y, t) == pytest.approx(bce)
    assert BinaryCrossEntropy("mean").value(y, t) == pytest.approx(bce / 2)
    assert CategoricalCrossEntropy().value(y, t) == pytest.approx(-np.log(0.7) - np.log(0.6))
    np.testing.assert_allclose(CategoricalCrossEntropy().gradient(y, t), -t / y)  # eq. 3.8
    np.testing.assert_allclose(BinaryCrossEntropy().gradient(y, t), (y - t) / (y * (1 - y)))  # eq. 3.6


FUSED = [  # (fused function, activation, loss class, valid target): eqs. 3.7 and 3.9
    (sigmoid_bce, bpkit.sigmoid, BinaryCrossEntropy, lambda shape, r: r.uniform(0, 1, shape)),
    (softmax_cce, bpkit.softmax, CategoricalCrossEntropy, probabilities),
]


@FAST
@given(column_arrays(max_rows=4, max_cols=4), st.sampled_from(["sum", "mean"]), st.integers(0, 2**16))
def test_fused_forms_equal_the_composition(z, reduction, seed):
    r = np.random.default_rng(seed)
    for fused, act, loss_class, target in FUSED:
        if fused is softmax_cce and z.shape[0] == 1:  # one class: refused (a row passed as a column)
            with pytest.raises(ValueError, match="single class"):
                fused(z, np.ones_like(z), reduction)
            continue
        t = target(z.shape, r)
        E, grad = fused(z, t, reduction)
        loss = loss_class(reduction)
        s = act(z)
        assert E == pytest.approx(loss.value(s, t), rel=1e-12)
        np.testing.assert_allclose(grad, act.vjp(z, s, loss.gradient(s, t)), rtol=1e-9, atol=1e-14)
        E_of = lambda v: fused(v, t, reduction)[0]  # noqa: E731, B023
        np.testing.assert_allclose(grad, numerical_gradient(E_of, z), rtol=1e-6, atol=1e-9)


def test_mean_is_sum_over_N():
    z, t = rng.normal(size=(3, 5)), probabilities((3, 5))
    for fused in (sigmoid_bce, softmax_cce):
        E_sum, g_sum = fused(z, t)
        E_mean, g_mean = fused(z, t, "mean")
        assert E_mean == pytest.approx(E_sum / 5)
        np.testing.assert_allclose(g_mean, g_sum / 5)


LARGE_CASES = [
    # z, t, expected E, expected grad (limits: sigmoid/softmax saturate to 0 or 1)
    (sigmoid_bce, [1e4, -1e4, 1e4, -1e4], [1.0, 0.0, 0.0, 1.0], 2e4, [0.0, 0.0, 1.0, -1.0]),
    (softmax_cce, [1e4, -1e4, 0.0], [1.0, 0.0, 0.0], 0.0, [0.0, 0.0, 0.0]),
    (softmax_cce, [1e4, -1e4, 0.0], [0.0, 1.0, 0.0], 2e4, [1.0, -1.0, 0.0]),
    (softmax_cce, [-1e4, -1e4, -1e4], [0.0, 0.0, 1.0], np.log(3), [1 / 3, 1 / 3, -2 / 3]),
]


@pytest.mark.parametrize("fused, z, t, E_expected, grad_expected", LARGE_CASES)
def test_large_logits_are_finite_and_have_the_right_limits(fused, z, t, E_expected, grad_expected):
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        E, grad = fused(np.array(z), np.array(t))
        E_batch, grad_batch = fused(np.array([z, z]).T, np.array([t, t]).T, "mean")
    assert np.isfinite(E) and E == pytest.approx(E_expected, abs=1e-12)
    np.testing.assert_allclose(grad, grad_expected, atol=1e-15)
    assert E_batch == pytest.approx(E_expected, abs=1e-12)
    np.testing.assert_allclose(grad_batch, np.array([grad_expected] * 2).T / 2, atol=1e-15)


@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize("y_shape, t_shape", [((3, 2), (2, 3)), ((3, 2), (3,)), ((3,), (3, 1)), ((3, 1), (3,))])
def test_shape_mismatch_names_both_shapes(name, y_shape, t_shape):
    y, t = np.full(y_shape, 0.5), np.full(t_shape, 0.5)
    y_txt, t_txt = str(y_shape), str(t_shape)
    with pytest.raises(ValueError) as err:
        get_loss(name).gradient(y, t)
    assert f"{name}: y has shape {y_txt} but t has shape {t_txt}" in str(err.value)


@pytest.mark.parametrize("fused", [sigmoid_bce, softmax_cce])
def test_fused_shape_mismatch(fused):
    with pytest.raises(ValueError, match=rf"{fused.__name__}: z has shape \(3, 2\) but t has shape \(2, 3\)"):
        fused(np.zeros((3, 2)), np.zeros((2, 3)))


def test_losses_refuse_three_dimensional_arrays():
    with pytest.raises(ValueError, match=r"squared_error: y has shape \(2, 2, 2\) but expected \(n,\)"):
        SquaredError().value(np.zeros((2, 2, 2)), np.zeros((2, 2, 2)))


@pytest.mark.parametrize("edge", [0.0, 1.0])
def test_bce_with_y_exactly_0_or_1_points_to_the_logits_form(edge):
    y = np.array([0.5, edge])
    with pytest.raises(ValueError, match=rf"y must lie strictly between 0 and 1 but y\[1\] = {edge} .*sigmoid_bce"):
        BinaryCrossEntropy().value(y, np.array([1.0, 0.0]))


def test_targets_outside_their_range_raise():
    with pytest.raises(ValueError, match=r"binary_cross_entropy: t must lie in \[0, 1\] but t\[0\] = 2.0"):
        BinaryCrossEntropy().value(np.array([0.5]), np.array([2.0]))
    with pytest.raises(ValueError, match=r"sigmoid_bce: t must lie in \[0, 1\]"):
        sigmoid_bce(np.array([0.5]), np.array([-1.0]))
    with pytest.raises(ValueError, match="softmax_cce: every column of t must be a probability vector"):
        softmax_cce(np.zeros((2, 2)), np.array([[1.0, 0.5], [0.0, 1.0]]))
    with pytest.raises(ValueError, match=r"categorical_cross_entropy: y must be > 0.*softmax_cce"):
        CategoricalCrossEntropy().value(np.array([1.0, 0.0]), np.array([1.0, 0.0]))


def test_integer_inputs_are_converted_exactly():
    y, t = np.array([[3, -1], [2, 0]]), np.array([[1, 1], [0, 2]])
    for loss in (SquaredError(), MeanSquaredError()):
        assert loss.value(y, t) == loss.value(y.astype(float), t.astype(float))
        np.testing.assert_array_equal(loss.gradient(y, t), loss.gradient(y.astype(float), t.astype(float)))
    z, t01 = np.array([2, -3]), np.array([1, 0])
    assert sigmoid_bce(z, t01)[0] == sigmoid_bce(z.astype(float), t01.astype(float))[0]
    assert softmax_cce(z, t01)[0] == softmax_cce(z.astype(float), t01.astype(float))[0]


@pytest.mark.parametrize("name", LOSSES)
def test_nan_input_raises(name):
    with pytest.raises(ValueError, match=f"{name}: t contains 1 non-finite"):
        get_loss(name).value(np.full(2, 0.5), np.array([np.inf, 0.5]))


def test_get_loss_and_reduction():
    assert isinstance(get_loss("mse"), MeanSquaredError)
    assert isinstance(get_loss("BCE"), BinaryCrossEntropy) and get_loss("bce").reduction == "sum"
    loss = CategoricalCrossEntropy("mean")
    assert get_loss(loss) is loss
    with pytest.raises(ValueError, match="unknown loss 'cross_entropy'; known losses: bce, binary_cross_entropy"):
        get_loss("cross_entropy")
    with pytest.raises(ValueError, match="reduction must be 'sum' or 'mean' but is 'avg'"):
        SquaredError("avg")
    with pytest.raises(ValueError, match="softmax_cce: reduction must be"):
        softmax_cce(np.zeros(2), np.array([1.0, 0.0]), reduction="none")


TINY_CASES = [
    # a confident right answer: E is tiny but not 0, and must keep its relative accuracy
    (sigmoid_bce, [40.0], [1.0], np.log1p(np.exp(-40.0))),
    (sigmoid_bce, [-40.0, 45.0], [0.0, 1.0], np.log1p(np.exp(-40.0)) + np.log1p(np.exp(-45.0))),
    (softmax_cce, [40.0, 0.0, 0.0], [1.0, 0.0, 0.0], np.log1p(2 * np.exp(-40.0))),
    (softmax_cce, [0.0, 50.0, -3.0], [0.0, 1.0, 0.0], np.log1p(np.exp(-50.0) + np.exp(-53.0))),
    # a tie for the maximum: log(2 + e^-5) - 3
    (softmax_cce, [3.0, 3.0, -2.0], [0.0, 1.0, 0.0], np.log(2 + np.exp(-5.0))),
]


@pytest.mark.parametrize("fused, z, t, E_expected", TINY_CASES)
def test_fused_losses_keep_relative_accuracy_for_tiny_losses(fused, z, t, E_expected):
    E, _ = fused(np.array(z), np.array(t))
    assert E == pytest.approx(E_expected, rel=1e-14, abs=0)
    # the same column twice in a batch: one value per column, summed
    E2, _ = fused(np.array([z, z]).T, np.array([t, t]).T)
    assert E2 == pytest.approx(2 * E_expected, rel=1e-14, abs=0)
