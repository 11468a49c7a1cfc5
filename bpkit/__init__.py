"""bpkit: backpropagation, derived and checked. The numpy package behind the open course.

Notation (the book's, chapter 2): z^l = W^l a^{l-1} + b^l, a^l = f^l(z^l), E = g(a^L, t); W^l is (n_l, n_{l-1});
one sample is a column vector (n,) or (n, 1); a batch is column layout (n, N), samples as columns.

Input rules, everywhere (bpkit/_checks.py): a call returns the right answer or raises bpkit's own
ValueError or TypeError naming the function or layer, the argument, what was expected and what was given.
Integer and bool arrays are converted to float64 exactly (never truncated); NaN/inf inputs raise
ValueError; shapes must fit exactly (ValueError naming expected and actual shapes, never a numpy
broadcast of (n,) against (n, 1)). Every size must be at least 1: an empty batch (N = 0), zero
features, classes, channels or filters, a zero-size image or kernel raise ValueError. Sizes, strides,
paddings, counts and steps are Python or numpy integers (bool, float and str raise TypeError); numeric
parameters (lr, eps, tol, floor) are finite numbers in range; results stay finite and correct up to the
largest float, or a ValueError says that the exact result does not fit.
"""

from .activations import (
    Activation,
    Identity,
    ReLU,
    Sigmoid,
    Softmax,
    Square,
    Tanh,
    get_activation,
    identity,
    relu,
    sigmoid,
    softmax,
    square,
    tanh,
)
from .batched import (
    column_sum,
    dense_backward_rows,
    dense_forward_rows,
    format_shape_table,
    loop_gradients,
    network_gradients_rows,
    row_sum,
    shape_table,
    softmax_backward_columns,
    softmax_backward_rows,
    softmax_rows,
)
from .conv import Conv2D, col2im, conv2d_backward, conv2d_forward, get_num_threads, im2col, set_num_threads
from .conv_reference import (
    avgpool2d_backward_loop,
    avgpool2d_forward_loop,
    conv2d_backward_loop,
    conv2d_forward_loop,
    maxpool2d_backward_loop,
    maxpool2d_forward_loop,
)
from .jacobian import (
    Map,
    chain_jacobian_forward,
    chain_vjp,
    count_flops_backward,
    count_flops_forward,
    forward_chain,
    jacobians_at,
    jvp,
    vjp,
)
from .layer import Layer
from .layers import Dense, Flatten
from .model import Sequential
from .optim import SGD, minibatches
from .losses import (
    BinaryCrossEntropy,
    CategoricalCrossEntropy,
    Loss,
    MeanSquaredError,
    SquaredError,
    get_loss,
    sigmoid_bce,
    softmax_cce,
)
from .network import Gradients, Network
from .numdiff import (
    GradCheckResult,
    GradientCheckError,
    check_gradient,
    numerical_gradient,
    numerical_jacobian,
    relative_error,
)
from .pooling import (
    AvgPool2D,
    MaxPool2D,
    avgpool2d_backward,
    avgpool2d_forward,
    maxpool2d_backward,
    maxpool2d_forward,
)

__version__ = "1.0.0"

__all__ = [
    # numdiff
    "numerical_jacobian", "numerical_gradient", "relative_error", "check_gradient",
    "GradCheckResult", "GradientCheckError",
    # jacobian
    "vjp", "jvp", "Map", "forward_chain", "jacobians_at", "chain_vjp", "chain_jacobian_forward",
    "count_flops_backward", "count_flops_forward",
    # activations
    "Activation", "Identity", "Sigmoid", "Tanh", "ReLU", "Square", "Softmax",
    "identity", "sigmoid", "tanh", "relu", "square", "softmax", "get_activation",
    # losses
    "Loss", "SquaredError", "MeanSquaredError", "BinaryCrossEntropy", "CategoricalCrossEntropy",
    "sigmoid_bce", "softmax_cce", "get_loss",
    # the layer protocol, layers, models and training
    "Layer", "Dense", "Flatten", "Sequential", "SGD", "minibatches", "Network", "Gradients",
    # batched: column and row layouts (chapter 4)
    "row_sum", "column_sum", "softmax_rows", "softmax_backward_columns", "softmax_backward_rows",
    "dense_forward_rows", "dense_backward_rows", "network_gradients_rows", "loop_gradients",
    "shape_table", "format_shape_table",
    # convolution and pooling (chapter 5): the loop reference
    "conv2d_forward_loop", "conv2d_backward_loop", "maxpool2d_forward_loop", "maxpool2d_backward_loop",
    "avgpool2d_forward_loop", "avgpool2d_backward_loop",
    # convolution and pooling, fast (vectorised)
    "conv2d_forward", "conv2d_backward", "im2col", "col2im", "Conv2D", "get_num_threads", "set_num_threads",
    "maxpool2d_forward", "maxpool2d_backward", "avgpool2d_forward", "avgpool2d_backward",
    "MaxPool2D", "AvgPool2D",
]

from . import check  # noqa: E402,F401  - bpkit.check, the coding exercises' checker (numpy only)
