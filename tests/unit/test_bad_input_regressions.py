"""One test per bad-input case of issue 10, section 3 (and the ones the contract test found besides).

Each case was a one-line repro that broke bpkit's rule -- a call returns the right answer or raises
bpkit's own ValueError/TypeError naming the function, the argument, what was expected and what was
given -- with a raw numpy/Python error, a silently wrong result or a RuntimeWarning. The property
version of all of them is test_bad_input_contract.py.

The rules they pin down:
- every size must be at least 1: an empty batch (N = 0), zero features, classes, channels or
  filters, a zero-size image or kernel raise ValueError naming the argument and its shape (loop
  reference and fast versions alike);
- sizes, strides, paddings, counts, steps and indices are Python or numpy integers: bool, float
  (even 2.0) and str raise TypeError, values below the minimum ValueError; nothing is truncated.
"""

import math
import re
import warnings
from decimal import Decimal, localcontext

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import bpkit as bp  # noqa: E402
from bpkit.book import conv_plots as cp  # noqa: E402
from bpkit.book import errata, plotting, timing  # noqa: E402

BIG = np.finfo(np.float64).max  # 1.7976931348623157e308
BIG32 = np.finfo(np.float32).max  # 3.4028235e38


@pytest.fixture(autouse=True)
def runtime_warnings_are_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        yield


def raises(error, call, *words):
    """call() raises `error` (exactly that type) whose message contains each word as a word."""
    with pytest.raises(error) as info:
        call()
    assert type(info.value) is error, f"{type(info.value).__name__}: {info.value}"
    msg = str(info.value)
    for w in words:
        assert re.search(rf"(?<![A-Za-z0-9_]){re.escape(w)}(?![A-Za-z0-9_])", msg), f"{w!r} not in: {msg}"
    return msg


def net2(loss="squared_error", out="sigmoid", seed=0):
    return bp.Network.from_sizes([3, 4, 2], ["tanh", out], loss, seed=seed)


# --- zero sizes: every size must be at least 1 ----------------------------------------------------

X0 = np.zeros((0, 1, 4, 4))
W1 = np.ones((1, 1, 2, 2))


@pytest.mark.parametrize("fn", [bp.conv2d_forward, bp.conv2d_forward_loop])
def test_conv2d_forward_of_an_empty_batch(fn):
    # was "range() arg 3 must not be zero" (fast) and an empty (0, 1, 3, 3) result (loop)
    msg = raises(ValueError, lambda: fn(X0, W1), "x")
    assert "(0, 1, 4, 4)" in msg and "at least one sample" in msg


def test_conv2d_layer_forward_of_an_empty_batch():
    raises(ValueError, lambda: bp.Conv2D(1, 1, 2, W=W1).forward(X0), "x", "(0, 1, 4, 4)")


@pytest.mark.parametrize("fn", [bp.conv2d_backward, bp.conv2d_backward_loop])
def test_conv2d_backward_of_an_empty_batch(fn):
    msg = raises(ValueError, lambda: fn(np.zeros((0, 1, 3, 3)), X0, W1), "x")
    assert "(0, 1, 4, 4)" in msg and "at least one sample" in msg


@pytest.mark.parametrize("fn", [bp.conv2d_forward, bp.conv2d_forward_loop])
def test_conv2d_with_no_filters(fn):
    # was a reshape error
    raises(ValueError, lambda: fn(np.zeros((1, 1, 4, 4)), np.ones((0, 1, 2, 2))), "Wk", "(0, 1, 2, 2)")


@pytest.mark.parametrize("fn", [bp.conv2d_forward, bp.conv2d_forward_loop])
def test_a_0x0_kernel_is_refused_not_an_output_larger_than_the_input(fn):
    # was an output of shape (1, 1, 5, 5) from a 4 x 4 input
    raises(ValueError, lambda: fn(np.zeros((1, 1, 4, 4)), np.ones((1, 1, 0, 0))), "Wk", "(1, 1, 0, 0)")


def test_softmax_of_an_empty_batch():
    raises(ValueError, lambda: bp.softmax.value(np.zeros((0, 3))), "z", "(0, 3)")


def test_softmax_rows_with_no_classes():
    raises(ValueError, lambda: bp.softmax_rows(np.zeros((4, 0))), "Z", "(4, 0)")


def test_softmax_jacobian_of_an_empty_vector():
    raises(ValueError, lambda: bp.softmax.jacobian(np.zeros(0)), "z", "(0,)")


MEAN_LOSSES = [bp.SquaredError("mean"), bp.MeanSquaredError(), bp.BinaryCrossEntropy("mean"),
               bp.CategoricalCrossEntropy("mean")]


@pytest.mark.parametrize("loss", MEAN_LOSSES, ids=lambda l: l.name)
@pytest.mark.parametrize("method", ["value", "gradient"])
def test_mean_reduction_over_no_samples(loss, method):
    # was ZeroDivisionError: float division by zero
    y = np.zeros((2, 0))
    msg = raises(ValueError, lambda: getattr(loss, method)(y, y), "y", "(2, 0)")
    assert "mean over no samples" in msg


@pytest.mark.parametrize("fused", [bp.sigmoid_bce, bp.softmax_cce])
def test_fused_mean_over_no_samples(fused):
    raises(ValueError, lambda: fused(np.zeros((2, 0)), np.zeros((2, 0)), "mean"), "z", "(2, 0)")


def test_softmax_cce_of_empty_vectors():
    # failed while building its own message ("zero-size array to reduction operation minimum")
    raises(ValueError, lambda: bp.softmax_cce(np.zeros(0), np.zeros(0)), "z", "(0,)")


def test_loop_gradients_over_no_samples():
    # was NaN gradients and "RuntimeWarning: invalid value encountered in divide"
    net = bp.Network.from_sizes([2, 2], loss=bp.SquaredError("mean"))
    raises(ValueError, lambda: bp.loop_gradients(net, np.zeros((2, 0)), np.zeros((2, 0))), "X", "(2, 0)")


def test_batched_and_loop_gradients_refuse_the_same_empty_batch():
    net = bp.Network.from_sizes([2, 2], loss=bp.SquaredError("mean"))
    X = np.zeros((2, 0))
    raises(ValueError, lambda: net.gradients(X, X), "x", "(2, 0)")
    raises(ValueError, lambda: bp.loop_gradients(net, X, X), "X", "(2, 0)")
    raises(ValueError, lambda: bp.network_gradients_rows(net, X.T, X.T), "X", "(0, 2)")


# --- sizes are genuine integers ---------------------------------------------------------------------

@pytest.mark.parametrize("sizes, shown", [([2.5, 3], "2.5 (float)"), ([True, 2], "True (bool)"),
                                          (["3", "2"], "'3' (str)"), ([2.0, 3], "2.0 (float)")])
def test_shape_table_sizes_are_not_truncated(sizes, shown):
    # [2.5, 3] used 2, [True, 2] used 1, ['3', '2'] was accepted
    msg = raises(TypeError, lambda: bp.shape_table(sizes, 2), "sizes")
    assert shown in msg


def test_col2im_x_shape_is_not_truncated():
    # (2, 3, 6.9, 6) used H = 6
    cols = np.zeros((3 * 2 * 2, 2 * 5 * 5))
    msg = raises(TypeError, lambda: bp.col2im(cols, (2, 3, 6.9, 6), 2, 2), "x_shape")
    assert "6.9" in msg


@pytest.mark.parametrize("bad, error", [(0, ValueError), (-1, ValueError), (1.5, TypeError), (2.0, TypeError),
                                        (True, TypeError), ("2", TypeError), (None, TypeError)])
def test_strides_and_sizes_everywhere(bad, error):
    x = np.zeros((1, 1, 4, 4))
    raises(error, lambda: bp.conv2d_forward(x, W1, stride=bad), "stride")
    raises(error, lambda: bp.maxpool2d_forward(x, bad), "size")
    raises(error, lambda: bp.Dense(bad, 2), "n_in")
    raises(error, lambda: bp.count_flops_backward([3, bad]), "dims")


def test_a_numpy_integer_is_a_size():
    assert bp.shape_table([np.int64(3), np.int32(2)], np.int64(4))[0] == ("X = A^0", (3, 4), "forward")


def test_output_dependencies_index_is_not_truncated():
    # i = 1.5 used row 1
    raises(TypeError, lambda: cp.output_dependencies(4, 4, 2, 2, 1.5, 0), "i")


# --- numeric parameters -----------------------------------------------------------------------------

@pytest.mark.parametrize("lr", [np.nan, np.inf, -np.inf, 0.0, -0.1])
def test_sgd_step_refuses_a_bad_learning_rate_and_leaves_the_weights(lr):
    # nan or inf used to fill every weight with NaN (the next error then blamed z)
    net = net2()
    net.gradients(np.ones(3), np.array([0.2, 0.7]))
    before = net.params_vector()
    raises(ValueError, lambda: net.sgd_step(lr), "lr")
    np.testing.assert_array_equal(net.params_vector(), before)


def test_sgd_step_refuses_a_learning_rate_of_the_wrong_type():
    net = net2()
    net.gradients(np.ones(3), np.array([0.2, 0.7]))
    raises(TypeError, lambda: net.sgd_step("0.1"), "lr")


def test_sgd_step_that_would_overflow_changes_nothing():
    net = bp.Network([bp.Dense(1, 1, "identity", W=[[1.0]])])
    net.gradients(np.array([1e10]), np.array([0.0]))  # dW = 1e20
    before = net.params_vector()
    raises(ValueError, lambda: net.sgd_step(1e308), "lr")
    np.testing.assert_array_equal(net.params_vector(), before)


def test_train_steps_must_be_a_positive_integer():
    x, t = np.ones(3), np.array([0.2, 0.7])
    raises(ValueError, lambda: net2().train(x, t, 0.1, -1), "steps")   # returned []
    raises(ValueError, lambda: net2().train(x, t, 0.1, 0), "steps")
    raises(TypeError, lambda: net2().train(x, t, 0.1, 2.5), "steps")   # a raw TypeError from range()
    raises(ValueError, lambda: net2().train(x, t, np.nan, 3), "lr")
    assert len(net2().train(x, t, 0.1, 3)) == 3


def test_numeric_parameters_given_as_strings():
    # were numpy ufunc errors ("ufunc 'isfinite' not supported", "did not contain a loop ...")
    x = np.array([0.3, -0.2])
    raises(TypeError, lambda: bp.numerical_gradient(np.sum, x, eps="1e-6"), "eps")
    raises(TypeError, lambda: bp.relative_error(x, x, floor="1e-8"), "floor")
    raises(TypeError, lambda: bp.check_gradient(np.sum, x, np.ones(2), tol="1e-6"), "tol")


@pytest.mark.parametrize("floor", [0, -1, 0.0, np.nan])
def test_relative_error_floor_must_be_positive(floor):
    # floor = 0 or -1 gave NaN and "RuntimeWarning: invalid value encountered in divide"
    z = np.zeros(2)
    raises(ValueError, lambda: bp.relative_error(z, z, floor=floor), "floor")


@pytest.mark.parametrize("eps", [1e-300, 5e-324, 1e-13])
def test_numerical_gradient_refuses_an_eps_lost_to_rounding(eps):
    # eps = 1e-300 silently returned zeros
    msg = raises(ValueError, lambda: bp.numerical_gradient(lambda v: float(np.sum(v ** 2)), np.ones(2), eps=eps), "eps")
    assert "1e-12" in msg  # says what is allowed


def test_the_smallest_eps_is_relative_to_x():
    x = np.array([1e6, -2e6])
    raises(ValueError, lambda: bp.numerical_jacobian(np.tanh, x, eps=1e-7), "eps", "x")
    assert bp.numerical_jacobian(np.sin, np.array([0.5]), eps=1e-12).shape == (1, 1)


def test_check_gradient_refuses_a_bad_tolerance_instead_of_failing_the_check():
    # tol = -1 (or nan) used to raise GradientCheckError, as if the gradient were wrong
    x = np.array([0.3, -0.2])
    for tol in (-1.0, np.nan):
        raises(ValueError, lambda: bp.check_gradient(lambda v: float(v @ v), x, 2 * x, tol=tol), "tol")
    raises(TypeError, lambda: bp.check_gradient(lambda v: float(v @ v), x, 2 * x, raise_on_fail="no"), "raise_on_fail")


def test_best_time_arguments():
    raises(TypeError, lambda: timing.best_time("f"), "fn")           # timeit ran the string: NameError
    raises(ValueError, lambda: timing.best_time(lambda: None, min_seconds=np.inf), "min_seconds")  # ran for ever
    raises(ValueError, lambda: timing.best_time(lambda: None, repeat=0), "repeat")  # min() of an empty list


# --- wrong kinds of object ----------------------------------------------------------------------------

def test_network_of_a_single_layer_not_in_a_list():
    # "'Dense' object is not iterable"
    raises(TypeError, lambda: bp.Network(bp.Dense(3, 2)), "layers")


def test_network_from_sizes_of_an_int():
    # "'int' object is not iterable"
    raises(TypeError, lambda: bp.Network.from_sizes(5), "sizes")


def test_network_with_the_same_layer_twice():
    # silently shared one forward cache between two layers (wrong gradients)
    d = bp.Dense(2, 2)
    raises(ValueError, lambda: bp.Network([d, d]), "layers")


def test_network_gradients_rows_of_none():
    # AttributeError: 'NoneType' object has no attribute 'layers'
    raises(TypeError, lambda: bp.network_gradients_rows(None, np.ones((2, 3)), np.ones((2, 2))), "net")
    raises(TypeError, lambda: bp.loop_gradients("net", np.ones((3, 2)), np.ones((2, 2))), "net")


def test_forward_chain_of_plain_functions():
    # AttributeError: 'function' object has no attribute 'f'
    raises(TypeError, lambda: bp.forward_chain([lambda x: x], np.ones(2)), "maps")
    raises(TypeError, lambda: bp.Map("F", 5, np.diag), "f")


@pytest.mark.parametrize("rng, error", [("abc", TypeError), (-1, ValueError), (2.5, TypeError), (True, TypeError)])
def test_rng_must_be_none_a_seed_or_a_generator(rng, error):
    raises(error, lambda: bp.Dense(3, 2, rng=rng), "rng")
    raises(error, lambda: bp.Conv2D(1, 1, 2, rng=rng), "rng")
    raises(error, lambda: bp.Network.from_sizes([3, 2], rng=rng), "rng")


def test_seed_must_be_a_non_negative_integer():
    # "expected non-negative integer" from numpy, not naming seed
    raises(ValueError, lambda: bp.Network.from_sizes([3, 2], seed=-1), "seed")
    raises(TypeError, lambda: bp.Network.from_sizes([3, 2], seed=1.0), "seed")
    gen = np.random.default_rng(3)
    assert bp.Network.from_sizes([3, 2], rng=gen).layers[0].W.shape == (2, 3)


def test_mean_squared_error_reduction_names_the_allowed_value():
    # TypeError: unexpected keyword argument 'reduction'
    msg = raises(ValueError, lambda: bp.MeanSquaredError(reduction="sum"), "reduction")
    assert "'mean'" in msg
    assert bp.MeanSquaredError(reduction="mean").reduction == "mean"


@pytest.mark.parametrize("reduction", ["none", "SUM", None, 1])
def test_reduction_names_the_allowed_values(reduction):
    msg = raises(ValueError, lambda: bp.SquaredError(reduction), "reduction")
    assert "'sum' or 'mean'" in msg


def test_load_printed_of_an_int_does_not_open_a_file_descriptor():
    # open(5) read file descriptor 5 ("Bad file descriptor", or worse, another file)
    raises(TypeError, lambda: errata.load_printed(5), "path")


def test_plot_functions_need_an_axes():
    fig, ax = plt.subplots()
    try:
        raises(TypeError, lambda: plotting.heatmap(fig, np.eye(2)), "ax")   # AttributeError 'imshow'
        raises(ValueError, lambda: plotting.heatmap(ax, np.eye(2), fmt="{:d}"), "fmt")
        raises(ValueError, lambda: plotting.heatmap(ax, np.eye(2), cmap="nocmap"), "cmap")
    finally:
        plt.close(fig)


# --- domains --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("a", [1.5, -0.25, np.array([0.5, 1.0 + 1e-15])])
def test_sigmoid_derivative_from_output_needs_an_output_of_sigmoid(a):
    # 1.5 returned -0.75
    msg = raises(ValueError, lambda: bp.sigmoid.derivative_from_output(a), "a")
    assert "[0, 1]" in msg


def test_tanh_and_relu_derivative_from_output_domains():
    raises(ValueError, lambda: bp.tanh.derivative_from_output(np.array([1.5])), "a")
    raises(ValueError, lambda: bp.relu.derivative_from_output(np.array([-0.5])), "a")
    np.testing.assert_array_equal(bp.sigmoid.derivative_from_output(np.array([0.0, 0.5, 1.0])), [0.0, 0.25, 0.0])


def test_softmax_backward_checks_that_a_is_softmax_of_z():
    # trusted any a: softmax.vjp(z, ones, g) returned [-2, -2, -2]
    z, g = np.array([0.5, -1.0, 2.0]), np.array([0.3, -0.2, 0.1])
    msg = raises(ValueError, lambda: bp.softmax.vjp(z, np.ones(3), g), "a", "z")
    assert "softmax(z)" in msg
    s = bp.softmax.value(z)
    np.testing.assert_array_equal(bp.softmax.vjp(z, s, g), bp.softmax.vjp(z, None, g))


def test_softmax_backward_tolerance_suits_the_dtype():
    z, g = np.array([0.5, -1.0, 2.0]), np.array([0.3, -0.2, 0.1])
    s32 = bp.softmax.value(z.astype(np.float32))  # float32 rounding: accepted for float32
    assert bp.softmax.vjp(z.astype(np.float32), s32, g.astype(np.float32)).dtype == np.float32
    s = bp.softmax.value(z)
    bp.softmax.vjp(z, s * (1 + 1e-12), g)  # a recomputed softmax, float64 rounding: accepted
    raises(ValueError, lambda: bp.softmax.vjp(z, s + 1e-6, g), "a")


@pytest.mark.parametrize("z", [np.zeros((1, 4)), np.array([0.3])], ids=["(1, N)", "(1,)"])
def test_softmax_of_a_single_class_is_refused(z):
    # returned ones: almost always a row passed where a column was meant
    msg = raises(ValueError, lambda: bp.softmax.value(z), "z")
    assert "single class" in msg and "row" in msg and "column" in msg
    raises(ValueError, lambda: bp.softmax_cce(z, np.ones_like(z)), "z")
    raises(ValueError, lambda: bp.Dense(3, 1, "softmax"), "n_out")


def test_softmax_rows_of_a_single_class_is_refused():
    raises(ValueError, lambda: bp.softmax_rows(np.zeros((4, 1))), "Z")


def test_softmax_backward_steps_need_a_softmax_output():
    G = np.ones((3, 2))
    raises(ValueError, lambda: bp.softmax_backward_columns(np.ones((3, 2)), G), "S")  # columns sum to 3
    raises(ValueError, lambda: bp.softmax_backward_rows(np.full((2, 3), 0.5), G.T), "S")


# --- accuracy at the extremes -----------------------------------------------------------------------------

def bce_exact(y: float, t: float) -> float:
    """-(t ln y + (1 - t) ln(1 - y)) in 1200-digit decimal arithmetic (enough to hold 1 - 5e-324
    exactly), rounded once to float."""
    with localcontext() as ctx:
        ctx.prec = 1200
        y, t = Decimal(y), Decimal(t)
        total = (t * y.ln() if t else Decimal(0)) + ((1 - t) * (1 - y).ln() if t != 1 else Decimal(0))
        return float(-total)


@pytest.mark.parametrize("y", [1e-16, 1e-300, 5e-324, 0.3])
def test_binary_cross_entropy_of_tiny_y_is_exact(y):
    # 1e-16 was 1.11e-16 (11 % off: 1 - 1e-16 rounds), 1e-300 gave -0.0
    E = bp.BinaryCrossEntropy().value([y], [0.0])
    assert E == pytest.approx(bce_exact(y, 0.0), rel=4e-16, abs=0)
    assert E == pytest.approx(-math.log1p(-y), rel=4e-16, abs=0)
    assert E > 0


def test_binary_cross_entropy_at_1e_16_and_1e_300():
    assert bp.BinaryCrossEntropy().value([1e-16], [0]) == 1e-16
    assert bp.BinaryCrossEntropy().value([1e-300], [0]) == 1e-300


def test_softmax_cce_at_logits_near_the_largest_float():
    # NaN for logits beyond about 9e307 (z_max - z overflowed, then 0 * inf)
    E, g = bp.softmax_cce(np.array([BIG, -BIG]), np.array([1.0, 0.0]))
    assert E == 0.0 and np.array_equal(g, [0.0, 0.0])
    E, g = bp.softmax_cce(np.array([BIG, 0.0]), np.array([0.0, 1.0]))
    assert E == BIG and np.array_equal(g, [1.0, -1.0])
    E, g = bp.softmax_cce(np.array([[1e308, 0.0], [-1e308, 0.0]]), np.array([[0.0, 0.5], [1.0, 0.5]]), "mean")
    assert E == pytest.approx(1e308 + math.log(2) / 2, rel=1e-15)  # column 0 gives 2e308 (too large), the mean fits
    raises(ValueError, lambda: bp.softmax_cce(np.array([BIG, -BIG]), np.array([0.0, 1.0])), "z")  # E = 3.6e308


def test_softmax_cce_float32_logits_near_the_float32_max():
    z = np.array([BIG32, -BIG32], dtype=np.float32)
    E, g = bp.softmax_cce(z, np.array([1.0, 0.0], dtype=np.float32))
    assert E == 0.0 and g.dtype == np.float32 and np.array_equal(g, [0.0, 0.0])


@pytest.mark.parametrize("big, dtype", [(BIG, np.float64), (BIG32, np.float32)])
def test_softmax_and_its_backward_at_logits_near_the_largest_float(big, dtype):
    # "RuntimeWarning: overflow encountered in subtract"
    z = np.array([big, -big, 0.0], dtype=dtype)
    s = bp.softmax.value(z)
    assert s.dtype == dtype and np.array_equal(s, [1.0, 0.0, 0.0])
    g = np.array([0.3, -0.2, 0.1], dtype=dtype)
    np.testing.assert_array_equal(bp.softmax.vjp(z, None, g), [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(bp.softmax.vjp(z, s, g), [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(bp.softmax.jacobian(z), np.zeros((3, 3)))
    np.testing.assert_array_equal(bp.softmax_rows(z[None, :]), [[1.0, 0.0, 0.0]])


def test_softmax_backward_of_a_gradient_near_the_largest_float():
    # g - sum(s g) overflowed (1.998 max) although the result, s * (g - sum(s g)), fits
    s = bp.softmax.value(np.array([0.0, np.log(999.0)]))  # [0.001, 0.999]
    out = bp.softmax_backward_columns(s[:, None], np.array([[BIG], [-BIG]])).ravel()
    exact = [float(Decimal(s[0]) * Decimal(s[1]) * 2 * Decimal(BIG)), -float(Decimal(s[0]) * Decimal(s[1]) * 2 * Decimal(BIG))]
    np.testing.assert_allclose(out, exact, rtol=1e-12)  # the formula cancels (1 - 0.998) here
    out = bp.softmax.vjp(np.array([0.0, np.log(999.0)]), None, np.array([BIG, -BIG]))
    np.testing.assert_allclose(out, exact, rtol=1e-12)  # the formula cancels (1 - 0.998) here


@pytest.mark.parametrize("big, dtype", [(BIG, np.float64), (BIG32, np.float32)])
def test_tanh_derivative_at_the_largest_float(big, dtype):
    # "RuntimeWarning: overflow encountered in multiply" (-2 |z|)
    z = np.array([big, -big, 0.0], dtype=dtype)
    np.testing.assert_array_equal(bp.tanh.derivative(z), [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(bp.tanh.vjp(z, None, np.ones(3, dtype)), [0.0, 0.0, 1.0])


def test_sigmoid_and_sigmoid_bce_at_the_largest_float():
    z = np.array([BIG, -BIG])
    np.testing.assert_array_equal(bp.sigmoid.value(z), [1.0, 0.0])
    E, g = bp.sigmoid_bce(z, np.array([1.0, 0.0]))
    assert E == 0.0 and np.array_equal(g, [0.0, 0.0])
    E, g = bp.sigmoid_bce(np.array([BIG]), np.array([0.0]))
    assert E == BIG and np.array_equal(g, [1.0])


def test_average_pooling_of_values_near_the_largest_float():
    # "overflow encountered in add": the sum overflows, the mean does not
    x = np.full((1, 1, 2, 2), BIG)
    for fn in (bp.avgpool2d_forward, bp.avgpool2d_forward_loop):
        np.testing.assert_array_equal(fn(x, 2), [[[[BIG]]]])


def test_results_too_large_for_a_float_name_the_arguments():
    raises(ValueError, lambda: bp.Dense(1, 1, "identity", W=[[10.0]]).forward(np.array([1e308])), "x", "W")
    raises(ValueError, lambda: bp.square.value(np.array([1e200])), "z")
    raises(ValueError, lambda: bp.conv2d_forward(np.full((1, 1, 2, 2), 1e308), np.full((1, 1, 2, 2), 10.0)), "x", "Wk")
    raises(ValueError, lambda: bp.SquaredError().value(np.array([1e200]), np.array([0.0])), "y", "t")
    raises(ValueError, lambda: bp.CategoricalCrossEntropy().gradient(np.array([5e-324, 1.0]), np.array([1.0, 0.0])), "y")


def test_relative_error_at_the_largest_float():
    # "overflow encountered in subtract"
    np.testing.assert_array_equal(bp.relative_error(np.array([BIG]), np.array([-BIG])), [2.0])


def test_errata_compare_refuses_nan_instead_of_agreeing():
    # NaN compared as 'agrees' (|nan - p| > tol is False)
    raises(ValueError, lambda: errata.compare(np.array([np.nan]), np.array([0.5]), 0.01), "recomputed")
    assert errata.compare(np.array([0.5]), np.array([0.5]), 0.01) == (errata.AGREES, "")


# --- messages name the user's arrays ------------------------------------------------------------------------

def test_loop_gradients_names_T_and_its_shape():
    # reported "Network: t has shape (3, 1) ..." (the per-sample column, not the user's T)
    net = bp.Network.from_sizes([2, 2], seed=0)
    msg = raises(ValueError, lambda: bp.loop_gradients(net, np.ones((2, 5)), np.ones((3, 5))), "T")
    assert "(3, 5)" in msg and "(2, 5)" in msg


def test_loop_gradients_names_the_sample_whose_target_is_refused():
    net = bp.Network.from_sizes([2, 2], ["sigmoid"], "bce", seed=0)
    T = np.full((2, 4), 0.5)
    T[1, 2] = 1.5  # outside [0, 1] in sample 2
    msg = raises(ValueError, lambda: bp.loop_gradients(net, np.ones((2, 4)), T), "T", "X")
    assert "sample 2" in msg and "column 2" in msg and "(2, 4)" in msg


def test_network_gradients_rows_names_T():
    net = bp.Network.from_sizes([2, 2], ["sigmoid"], "bce", seed=0)
    T = np.full((4, 2), 0.5)
    T[2, 1] = -1.0
    raises(ValueError, lambda: bp.network_gradients_rows(net, np.ones((4, 2)), T), "T")


def test_network_gradients_rows_names_T_when_the_hidden_layers_overflow():
    # found by the contract test: huge targets give a finite a - T, but its column sums in a hidden
    # layer's backward step overflow, and the message named dense_backward_rows' grad_A, not T
    net = bp.Network.from_sizes([3, 4, 2], ["tanh", "sigmoid"], "squared_error", seed=0)
    big = np.finfo(np.float64).max
    T = np.array([[big, -big], [big, big], [big, -big], [big, big]])
    X = np.array([[0.5, -1.0, 2.0], [1.0, 0.0, -0.5], [0.2, 0.3, 0.4], [-1.0, 1.0, 0.0]])
    msg = raises(ValueError, lambda: bp.network_gradients_rows(net, X, T), "T", "X")
    assert "overflows" in msg
