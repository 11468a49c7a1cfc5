"""bpkit.book: what the chapters need to *show* the maths of bpkit; it may import matplotlib,
ipywidgets and IPython, which the core (``import bpkit``) never does.

- widgets: sliders and choices that also respond on the static HTML page (interact, Slider, Choice)
- diagram: drawings of computational graphs and networks
- plotting: the chapters' plots (activations, losses, contours, timings, shape tables)
- conv_plots: drawings of convolution: which outputs an input entry reaches, sliding windows
- tensor_plots: the three-index array dz/dW of one dense layer and its drawing
- typeset: LaTeX for matrices and equations, and their drawing in widget frames
- errata: the worked problems' printed values, recomputed and compared (chapter 6)
- trace: one training step of the worked problems, step by step (chapter 6)
- timing: timings behind chapter 1's and chapter 4's comparisons
- digits: the digits chapter's data, models, training history, saliency and plots (chapter 7)
"""

from . import conv_plots, diagram, digits, errata, plotting, tensor_plots, timing, trace, typeset, widgets

__all__ = ["widgets", "diagram", "plotting", "conv_plots", "tensor_plots", "typeset", "errata", "trace", "timing", "digits"]
MODULES = tuple(__all__)  # the modules, in the order of the API reference
