"""Dense: forward caches, backward stores dW, db and returns W^T delta (note E, eqs. 2.5-2.10, sec. 4.1)."""

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bpkit import Dense, numerical_gradient

from ._helpers import FAST, SMOOTH, central_diff

rng = np.random.default_rng(3)


@FAST
@given(st.integers(1, 4), st.integers(1, 4), st.sampled_from([None, 1, 3]), st.sampled_from(SMOOTH), st.integers(0, 2**16))
def test_backward_matches_finite_differences(n_in, n_out, N, act, seed):
    r = np.random.default_rng(seed)
    if act == "softmax" and n_out == 1:  # softmax of one output is always 1: refused
        with pytest.raises(ValueError, match="softmax layer needs n_out >= 2"):
            Dense(n_in, n_out, act)
        return
    layer = Dense(n_in, n_out, act, W=r.normal(size=(n_out, n_in)), b=r.normal(size=n_out), name="probe")
    x = r.normal(size=(n_in,) if N is None else (n_in, N))
    a = layer.forward(x)
    assert a.shape == ((n_out,) if N is None else (n_out, N))
    grad_a = r.normal(size=a.shape)
    dx = layer.backward(dy=grad_a)
    assert dx.shape == x.shape and layer.dW.shape == (n_out, n_in) and layer.db.shape == (n_out,)

    def E_of(W=layer.W, b=layer.b, x=x):
        probe = Dense(n_in, n_out, act, W=W, b=b)
        return np.sum(grad_a * probe.forward(x))

    tol = dict(rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(layer.dW, numerical_gradient(lambda W: E_of(W=W), layer.W), **tol)
    np.testing.assert_allclose(layer.db, numerical_gradient(lambda b: E_of(b=b), layer.b), **tol)
    np.testing.assert_allclose(dx, numerical_gradient(lambda v: E_of(x=v), x), **tol)
    np.testing.assert_allclose(layer.dW, central_diff(lambda W: E_of(W=W), layer.W), **tol)


def test_batch_gradients_are_sums_over_columns():
    layer = Dense(3, 2, "tanh", rng=rng)
    x, g = rng.normal(size=(3, 4)), rng.normal(size=(2, 4))
    layer.forward(x)
    dx = layer.backward(dy=g)
    dW, db, delta = layer.dW, layer.db, layer.delta
    per_sample = []
    for j in range(4):
        layer.forward(x[:, j])
        per_sample.append((layer.backward(dy=g[:, j]), layer.dW, layer.db, layer.delta))
    np.testing.assert_allclose(dW, sum(p[1] for p in per_sample), rtol=1e-12)
    np.testing.assert_allclose(db, sum(p[2] for p in per_sample), rtol=1e-12)  # row sum of Delta
    np.testing.assert_allclose(dx, np.stack([p[0] for p in per_sample], axis=1), rtol=1e-12)
    np.testing.assert_allclose(delta, np.stack([p[3] for p in per_sample], axis=1), rtol=1e-12)


def test_column_sample_gives_the_same_numbers_as_a_flat_sample():
    layer = Dense(3, 2, "sigmoid", rng=rng)
    x, g = rng.normal(size=3), rng.normal(size=2)
    a_flat, dx_flat = layer.forward(x), layer.backward(dy=g)
    dW_flat = layer.dW
    a_col = layer.forward(x[:, None])
    dx_col = layer.backward(dy=g[:, None])
    assert a_col.shape == (2, 1) and dx_col.shape == (3, 1) and layer.db.shape == (2,)
    np.testing.assert_allclose(a_col.ravel(), a_flat, rtol=1e-15)
    np.testing.assert_allclose(dx_col.ravel(), dx_flat, rtol=1e-15)
    np.testing.assert_allclose(layer.dW, dW_flat, rtol=1e-15)


def test_backward_with_a_given_delta_skips_the_activation():
    layer = Dense(2, 3, "softmax", rng=rng)
    x, delta = rng.normal(size=(2, 5)), rng.normal(size=(3, 5))
    layer.forward(x)
    dx = layer.backward(delta=delta)
    np.testing.assert_allclose(layer.dW, delta @ x.T)
    np.testing.assert_allclose(layer.db, delta.sum(axis=1))
    np.testing.assert_allclose(dx, layer.W.T @ delta)
    assert layer.delta is not None


def test_default_init_and_copies():
    layer = Dense(400, 3)
    assert layer.W.shape == (3, 400) and np.all(layer.b == 0)
    assert np.std(layer.W) == pytest.approx(np.sqrt(1 / 400), rel=0.1)
    np.testing.assert_array_equal(Dense(400, 3).W, layer.W)  # default rng is default_rng(0)
    W = np.ones((2, 3))
    layer = Dense(3, 2, W=W, b=np.ones((2, 1)))
    layer.W -= 1
    assert np.all(W == 1) and layer.b.shape == (2,)


def test_integer_W_b_and_x_are_converted_exactly():
    W, b, x = np.array([[1, -2, 3], [0, 4, -1]]), np.array([5, -6]), np.array([[2, 1], [-1, 0], [3, 7]])
    int_layer = Dense(3, 2, "identity", W=W, b=b)
    float_layer = Dense(3, 2, "identity", W=W.astype(float), b=b.astype(float))
    assert int_layer.W.dtype == np.float64 and int_layer.b.dtype == np.float64
    np.testing.assert_array_equal(int_layer.forward(x), float_layer.forward(x.astype(float)))
    np.testing.assert_array_equal(int_layer.forward(x), W @ x + b[:, None])
    g = np.array([[1, 2], [3, 4]])
    np.testing.assert_array_equal(int_layer.backward(dy=g), float_layer.backward(dy=g.astype(float)))
    np.testing.assert_array_equal(int_layer.dW, float_layer.dW)


LAYER = "Dense layer 'hidden 1' (n_in=3, n_out=2)"


@pytest.mark.parametrize(
    "kwargs, expected",
    [
        (dict(W=np.ones((3, 2))), r"W has shape \(3, 2\) but expected \(2, 3\) \(n_out x n_in\)"),
        (dict(b=np.ones(3)), r"b has shape \(3,\) but expected \(2,\)"),
        (dict(W=np.full((2, 3), np.nan)), "W contains 6 non-finite"),
        (dict(activation="sigmoidal"), "unknown activation 'sigmoidal'"),
    ],
)
def test_bad_parameters_name_the_layer(kwargs, expected):
    with pytest.raises(ValueError, match=expected) as err:
        Dense(3, 2, name="hidden 1", **kwargs)
    if "activation" not in kwargs:
        assert str(err.value).startswith(LAYER)


@pytest.mark.parametrize("bad, error", [(0, ValueError), (-1, ValueError), (2.0, TypeError), (True, TypeError),
                                        ("3", TypeError)])
def test_sizes_must_be_positive_integers(bad, error):
    # a size below 1 is a ValueError; a size that is not an integer at all (even 2.0) a TypeError
    with pytest.raises(error, match="Dense: n_in must be a positive integer"):
        Dense(bad, 2)


@pytest.mark.parametrize("shape", [(4, 5), (4,), (2, 3, 1), ()])
def test_wrong_input_shape_names_layer_and_shapes(shape):
    layer = Dense(3, 2, name="hidden 1")
    with pytest.raises(ValueError) as err:
        layer.forward(np.ones(shape))
    shape_txt = str(shape)
    assert str(err.value) == f"{LAYER}: input x has shape {shape_txt} but expected (3,) or (3, N)"


def test_backward_argument_errors():
    layer = Dense(3, 2, name="hidden 1")
    with pytest.raises(RuntimeError, match="call forward"):
        layer.backward(dy=np.ones(2))
    layer.forward(np.ones((3, 4)))
    with pytest.raises(ValueError, match="exactly one of dy"):
        layer.backward()
    with pytest.raises(ValueError, match="exactly one of dy"):
        layer.backward(dy=np.ones((2, 4)), delta=np.ones((2, 4)))
    with pytest.raises(ValueError, match=re.escape(LAYER) + r" backward: dy has shape \(2,\) but expected \(2, 4\)"):
        layer.backward(dy=np.ones(2))
    with pytest.raises(ValueError, match=r"delta has shape \(4, 2\) but expected \(2, 4\)"):
        layer.backward(delta=np.ones((4, 2)))
    with pytest.raises(ValueError, match="input x contains 1 non-finite"):
        layer.forward(np.array([1.0, np.nan, 0.0]))
