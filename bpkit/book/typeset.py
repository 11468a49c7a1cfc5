"""Matrices typeset: LaTeX for the page, a matplotlib drawing for a widget's frames (chapter 6).

Two outputs of the same thing, an equation made of maths and numbers, such as
``z^1 = W^1 a^0 + b^1 = [W][a] + [b] = [z]``:

- LaTeX, for ``IPython.display.Math`` or a Markdown cell: ``latex_number``, ``latex_matrix``
  (a ``bmatrix``), ``latex_equation`` (a list of parts: LaTeX strings and arrays) and
  ``latex_aligned`` (several such lines, aligned at ``&``). The book's build typesets them.
- A drawing, for a widget (``bpkit.book.widgets.interact``), whose frames are precomputed images:
  ``draw_equation`` draws the same parts on a matplotlib ``Axes``, each matrix between square
  brackets drawn as lines, each string as matplotlib mathtext (which has no ``bmatrix``);
  ``equation_size`` gives the figure size at which the text has its nominal font size.

A *part* is a string of maths (LaTeX, without ``$``; in a drawing it must also be valid
mathtext, e.g. ``\\mathbf{z}^{1}``, ``\\boldsymbol{\\delta}``, ``\\odot``, ``\\frac{a}{b}``)
or a number, vector or matrix (a vector is a column), or a pair ``(M, scale)``: the matrix
``M`` written as a printed factor times ``M / scale`` (``(M, "2/3")`` shows
``\\tfrac{2}{3} [...]``, as note C prints its problem 3). A string that starts with ``&`` marks
the point at which the lines are aligned (as in a LaTeX ``aligned`` block).

Numbers are written with at most ``precision`` decimals, trailing zeros dropped (``0.96``,
``-3``, ``25.3333``), ``-0`` as ``0``, and magnitudes from 10^6 on as ``m \\times 10^{e}``.
Bad input raises ValueError or TypeError naming the argument, as everywhere in bpkit.
The drawing needs matplotlib (the ``book`` extra); the LaTeX functions need only numpy.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from .._checks import as_float_array, check_axes, check_int, check_list, check_number, describe, quiet

__all__ = ["latex_number", "latex_matrix", "latex_equation", "latex_aligned",
           "equation_size", "draw_equation"]

MAX_PRECISION = 15  # decimals; float64 holds about 16 significant digits
SCIENTIFIC_FROM = 1e6  # |x| from here on is written m \times 10^{e}


# ------------------------------------------------------------------------------------ numbers


def _precision(precision, where: str) -> int:
    p = check_int(precision, "precision", where, minimum=0)
    if p > MAX_PRECISION:
        raise ValueError(f"{where}: precision must be at most {MAX_PRECISION} (decimals of a float64) but is {p}")
    return p


def _number(x: float, p: int) -> str:
    """One finite float as maths text (LaTeX and mathtext alike)."""
    r = round(float(x), p)
    if r == 0:
        return "0"
    if abs(r) >= SCIENTIFIC_FROM:
        mantissa, exponent = f"{r:.{max(p, 1)}e}".split("e")
        mantissa = mantissa.rstrip("0").rstrip(".")
        return f"{mantissa} \\times 10^{{{int(exponent)}}}"
    text = f"{r:.{p}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "0") else text


def _array(value, name: str, where: str) -> np.ndarray:
    a = np.asarray(as_float_array(value, name, where), dtype=np.float64)
    if a.ndim > 2:
        raise ValueError(f"{where}: {name} must be a number, a vector or a matrix but has {a.ndim} axes "
                         f"(shape {a.shape})")
    return a


def _entries(a: np.ndarray, p: int) -> list:
    """The rows of a (a vector as a column; a number as a 1 x 1) as lists of number strings."""
    m = a.reshape(-1, 1) if a.ndim == 1 else np.atleast_2d(a)
    return [[_number(x, p) for x in row] for row in m]


def latex_number(x, precision: int = 4) -> str:
    """One number as LaTeX: at most ``precision`` decimals, trailing zeros dropped (0.96, -3, 1.6667).

    x: a finite real number (a Python or numpy scalar, or a 0-d array); precision: an integer in
    [0, 15]. Magnitudes from 10^6 on are written m \\times 10^{e}.
    """
    where = "latex_number"
    p = _precision(precision, where)
    if isinstance(x, (bool, np.bool_)):
        raise TypeError(f"{where}: x must be a real number but is {describe(x)}")
    a = _array(x, "x", where)
    if a.ndim != 0:
        raise ValueError(f"{where}: x must be one number but has shape {a.shape}; use latex_matrix for arrays")
    return _number(float(a), p)


def _scale(scale, where: str, name: str = "scale"):
    """None, or (Fraction, LaTeX) of a printed factor such as '2/3'."""
    if scale is None:
        return None
    if not isinstance(scale, str):
        raise TypeError(f"{where}: {name} must be None or a string like '2/3' but is {describe(scale)}")
    try:
        q = Fraction(scale)
    except (ValueError, ZeroDivisionError) as err:
        raise ValueError(f"{where}: {name} = {scale!r} is not a decimal or fraction string ({err})") from None
    if q == 0:
        raise ValueError(f"{where}: {name} must not be 0 (the matrix is divided by it)")
    sign = "-" if q < 0 else ""
    q_abs = abs(q)
    if q_abs.denominator == 1:
        tex = f"{sign}{q_abs.numerator}"
    else:
        tex = f"{sign}\\tfrac{{{q_abs.numerator}}}{{{q_abs.denominator}}}"
    return q, tex


def latex_matrix(M, precision: int = 4, scale=None) -> str:
    """A number, vector or matrix as LaTeX: ``\\begin{bmatrix} 1 & -2 \\\\ 2 & 4 \\end{bmatrix}``.

    M: shape () (a number, written without brackets), (n,) (a column), or (r, c); finite.
    precision: decimals (0 to 15). scale: None, or a factor taken out in front as the note
    prints it ('2/3' writes M as \\tfrac{2}{3} times M / (2/3)); not 0.
    Returns the LaTeX string (maths mode, without $).
    """
    where = "latex_matrix"
    p = _precision(precision, where)
    a = _array(M, "M", where)
    factor = _scale(scale, where)
    prefix = ""
    if factor is not None:
        with quiet():
            a = a / float(factor[0])
        if not np.isfinite(a).all():
            raise ValueError(f"{where}: M / scale overflows float64 (scale = {scale!r}); M holds values "
                             "too large in magnitude for this scale")
        prefix = factor[1] + " "
    if a.ndim == 0:
        return prefix + _number(float(a), p)
    rows = " \\\\ ".join(" & ".join(row) for row in _entries(a, p))
    return prefix + "\\begin{bmatrix} " + rows + " \\end{bmatrix}"


def _scaled(part, name: str, where: str):
    """(M, scale) of a part that is a pair, else None; TypeError for other tuples."""
    if not isinstance(part, tuple):
        return None
    if len(part) != 2 or not isinstance(part[1], str):
        raise TypeError(f"{where}: {name} is a tuple; a scaled part must be a pair (M, scale) with scale "
                        f"a string like '2/3', but is {describe(part)}")
    return part


def _divided(pair, name: str, where: str):
    """A (matrix, scale) part: the matrix divided by the scale, the scale, and its LaTeX factor."""
    q, factor = _scale(pair[1], where, f"{name}[1] (the scale)")
    a = _array(pair[0], f"{name}[0]", where)
    with quiet():
        a = a / float(q)
    if not np.isfinite(a).all():
        raise ValueError(f"{where}: {name}[0] / scale overflows float64; the matrix holds values "
                         "too large in magnitude for this scale")
    return a, q, factor


def _part_latex(part, name: str, where: str, p: int) -> str:
    if isinstance(part, str):
        return part
    pair = _scaled(part, name, where)
    if pair is not None:
        a, _, factor = _divided(pair, name, where)
        return factor + " " + latex_matrix(a, p)
    return latex_matrix(_array(part, name, where), p)


def latex_equation(parts, precision: int = 4) -> str:
    """One line of maths from parts: strings (LaTeX, kept as they are) and arrays (latex_matrix).

    parts: a non-empty list, e.g. ``["\\\\mathbf{z}^{1} =", W, a, "+", b, "=", z]``; precision as
    in latex_matrix. Returns the parts' LaTeX joined by spaces.
    """
    where = "latex_equation"
    p = _precision(precision, where)
    parts = check_list(parts, "parts", where, "a non-empty list of strings and arrays", min_len=1)
    return " ".join(_part_latex(x, f"parts[{i}]", where, p) for i, x in enumerate(parts))


def latex_aligned(rows, precision: int = 4) -> str:
    """Several lines of parts as one ``\\begin{aligned} ... \\end{aligned}`` block.

    rows: a non-empty list of non-empty lists of parts (see latex_equation); a string such as
    "&=" marks where the lines are aligned. Returns the LaTeX string.
    """
    where = "latex_aligned"
    p = _precision(precision, where)
    rows = check_list(rows, "rows", where, "a non-empty list of lines (lists of parts)", min_len=1)
    lines = []
    for k, row in enumerate(rows):
        row = check_list(row, f"rows[{k}]", where, "a non-empty list of strings and arrays", min_len=1)
        lines.append(" ".join(_part_latex(x, f"rows[{k}][{i}]", where, p) for i, x in enumerate(row)))
    return "\\begin{aligned} " + " \\\\ ".join(lines) + " \\end{aligned}"


# ------------------------------------------------------------------------------------ drawing
# Everything is laid out in points at the given font size, text as paths (TextPath), brackets as
# rectangles: the drawing scales with the axes, and the same call gives the same image.

GAP = 0.4  # em between two parts of a line
COL_GAP = 0.9  # em between two columns of a matrix
ROW_PITCH = 1.3  # em from one matrix row to the next
PAD = 0.3  # em between a bracket and the entries
OVERHANG = 0.2  # em the brackets reach beyond the entries, above and below
BAR = 0.08  # em: thickness of a bracket's lines (at least a pixel in an 80-dpi frame)
SERIF = 0.3  # em: length of a bracket's short horizontal strokes
LINE_GAP = 0.55  # em between two lines
MARGIN = 0.25  # em around the drawing
FONTSET = "cm"  # Computer Modern, the look of the typeset maths on the page


def _mathtext_path(text: str, fontsize: float, name: str, where: str):
    """The path of one mathtext string at the given size (baseline at y = 0)."""
    from matplotlib.textpath import TextPath

    if "$" in text:
        raise ValueError(f"{where}: {name} = {text!r} must be maths without '$' (the drawing adds them)")
    import matplotlib

    try:
        with matplotlib.rc_context({"mathtext.fontset": FONTSET}):
            return TextPath((0, 0), f"${text}$", size=fontsize)
    except ValueError as err:  # mathtext cannot parse it
        message = " ".join(str(err).split())
        raise ValueError(f"{where}: {name} = {text!r} is not valid matplotlib mathtext ({message})") from None


def _extent(path):
    if len(path.vertices) == 0:
        return 0.0, 0.0, 0.0, 0.0
    e = path.get_extents()
    return e.x0, e.x1, e.y0, e.y1


class _Box:
    """A laid-out piece: paths and rectangles relative to (0, baseline 0), its width, top, bottom."""

    def __init__(self):
        self.paths, self.rects = [], []  # (path, dx, dy); (x, y, w, h)
        self.width, self.top, self.bottom = 0.0, 0.0, 0.0


def _text_box(text: str, fs: float, name: str, where: str) -> _Box:
    box = _Box()
    if not text.strip():
        return box
    path = _mathtext_path(text, fs, name, where)
    x0, x1, y0, y1 = _extent(path)
    box.paths.append((path, -x0, 0.0))
    box.width, box.top, box.bottom = x1 - x0, max(y1, 0.0), min(y0, 0.0)
    return box


def _metrics(fs: float):
    """(axis, digit height): the height of the centre of '=' (where a matrix is centred) and
    the ink height of '0' (which puts every entry of a row on one baseline)."""
    _, _, e0, e1 = _extent(_mathtext_path("=", fs, "'='", "draw_equation"))
    _, _, d0, d1 = _extent(_mathtext_path("0", fs, "'0'", "draw_equation"))
    return (e0 + e1) / 2, d1 - d0


def _matrix_box(a: np.ndarray, p: int, fs: float, name: str, where: str) -> _Box:
    if a.ndim == 0:
        return _text_box(_number(float(a), p), fs, name, where)
    cells = _entries(a, p)
    axis, digit = _metrics(fs)
    paths = [[_mathtext_path(s, fs, name, where) for s in row] for row in cells]
    widths = [[_extent(q)[1] - _extent(q)[0] for q in row] for row in paths]
    col_w = [max(widths[i][j] for i in range(len(cells))) for j in range(len(cells[0]))]
    r = len(cells)
    height = r * ROW_PITCH * fs
    top = axis + height / 2
    box = _Box()
    x = (PAD + BAR) * fs
    for j, w in enumerate(col_w):
        for i in range(r):
            q = paths[i][j]
            x0 = _extent(q)[0]
            centre = top - (i + 0.5) * ROW_PITCH * fs
            box.paths.append((q, x + (w - widths[i][j]) / 2 - x0, centre - digit / 2))
        x += w + (COL_GAP * fs if j < len(col_w) - 1 else 0.0)
    inner = x + PAD * fs
    lo, hi = top - height - OVERHANG * fs, top + OVERHANG * fs
    bar, serif = BAR * fs, SERIF * fs
    for left in (0.0, inner):  # the two brackets: a bar and two short strokes pointing inwards
        sx = left if left == 0.0 else left + bar - serif
        box.rects += [(left, lo, bar, hi - lo), (sx, lo, serif, bar), (sx, hi - bar, serif, bar)]
    box.width, box.top, box.bottom = inner + bar, hi, lo
    return box


def _layout(rows, precision, fontsize, where: str):
    """The laid-out lines: a list of (boxes with their x, baseline y); and the overall extent."""
    p = _precision(precision, where)
    fs = check_number(fontsize, "fontsize", where, low=0.0, low_open=True, high=1000.0)
    rows = check_list(rows, "rows", where, "a non-empty list of lines (lists of parts)", min_len=1)
    lines = []
    for k, row in enumerate(rows):
        row = check_list(row, f"rows[{k}]", where, "a non-empty list of strings and arrays", min_len=1)
        pieces, marker = [], None  # the boxes of the line; the index of the box the '&' precedes
        for i, part in enumerate(row):
            name = f"rows[{k}][{i}]"
            if isinstance(part, str):
                if part.startswith("&"):
                    if marker is not None:
                        raise ValueError(f"{where}: {name} is a second '&' in rows[{k}]; a line has at most one")
                    marker = len(pieces)
                    part = part[1:]
                box = _text_box(part, fs, name, where)
            elif _scaled(part, name, where) is not None:
                a, q, _ = _divided(part, name, where)
                sign = "-" if q < 0 else ""
                q = abs(q)
                factor = f"{sign}{q.numerator}" if q.denominator == 1 else \
                    f"{sign}\\dfrac{{{q.numerator}}}{{{q.denominator}}}"
                pieces.append(_text_box(factor, fs, name, where))
                box = _matrix_box(a, p, fs, name, where)
            else:
                box = _matrix_box(_array(part, name, where), p, fs, name, where)
            if box.paths or box.rects:
                pieces.append(box)
        boxes, x, align = [], 0.0, None
        for j, box in enumerate(pieces):
            if j:
                x += GAP * fs
            if j == marker:
                align = x
            boxes.append((box, x))
            x += box.width
        if marker is not None and align is None:  # the '&' ends the line
            align = x
        lines.append((boxes, align, x))
    offset = max((a for _, a, _ in lines if a is not None), default=0.0)
    placed, y, xmin, xmax = [], 0.0, 0.0, 0.0
    for boxes, align, width in lines:
        dx = offset - align if align is not None else 0.0
        top = max((b.top for b, _ in boxes), default=fs * 0.7)
        bottom = min((b.bottom for b, _ in boxes), default=0.0)
        baseline = y - top
        placed.append([(b, bx + dx, baseline) for b, bx in boxes])
        xmin, xmax = min(xmin, dx), max(xmax, dx + width)
        y = baseline + bottom - LINE_GAP * fs
    m = MARGIN * fs
    extent = (xmin - m, xmax + m, y + LINE_GAP * fs - m, m)
    return placed, extent, fs


def equation_size(rows, precision: int = 4, fontsize: float = 12) -> tuple:
    """(width, height) in inches of the drawing of ``rows`` (see draw_equation) at ``fontsize``
    points: a figure of that size (``plt.figure(figsize=equation_size(rows))``, one axes filling
    it) shows the text at its nominal size."""
    _, (x0, x1, y0, y1), _ = _layout(rows, precision, fontsize, "equation_size")
    return (x1 - x0) / 72.0, (y1 - y0) / 72.0


def draw_equation(ax, rows, precision: int = 4, fontsize: float = 12, color: str = "black"):
    """Draw lines of maths and matrices on ``ax`` (the matplotlib form of latex_aligned); return ax.

    rows: a non-empty list of lines, each a non-empty list of parts: strings of mathtext maths
    (without $; one may start with '&', the point where the lines are aligned) and numbers,
    vectors (columns) or matrices, drawn between square brackets. precision: decimals (0 to 15);
    fontsize: points, in (0, 1000]. The axes get equal aspect, no frame, and limits that fit the
    drawing; ``equation_size`` gives the matching figure size.
    """
    where = "draw_equation"
    check_axes(ax, "ax", where)
    from matplotlib.colors import to_rgba
    from matplotlib.patches import PathPatch, Rectangle
    from matplotlib.transforms import Affine2D

    try:
        rgba = to_rgba(color)
    except (ValueError, TypeError):
        raise ValueError(f"{where}: color must be a matplotlib colour (e.g. 'black', '#333333') "
                         f"but is {describe(color)}") from None
    placed, (x0, x1, y0, y1), _ = _layout(rows, precision, fontsize, where)
    for line in placed:
        for box, bx, by in line:
            for path, dx, dy in box.paths:
                moved = Affine2D().translate(bx + dx, by + dy).transform_path(path)
                ax.add_patch(PathPatch(moved, facecolor=rgba, edgecolor="none", lw=0))
            for rx, ry, w, h in box.rects:
                ax.add_patch(Rectangle((bx + rx, by + ry), w, h, facecolor=rgba, edgecolor="none", lw=0))
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax
