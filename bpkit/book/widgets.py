"""Widgets written once: live in a kernel, precomputed on the built HTML page.

A chapter calls ``interact(fn, name=Slider(...), other=Choice(...))`` where ``fn``
prints text and/or draws matplotlib figures (``plt.show()``), like
``ipywidgets.interact``. The same call gives

* **live form** (Jupyter, Colab, Binder; the default): an ordinary
  ``ipywidgets.interact`` driven by the kernel, each slider moving at its own step;
* **static form** (the book build, where ``BPKIT_WIDGETS=static``): ``fn`` is run
  for every point of a grid of the controls' values (each slider sampled at its
  steps, coarser where the grid would exceed the widget's budget, each choice at
  every option); each distinct figure is written once, as a PNG named by its
  SHA-256, into the folder ``BPKIT_WIDGET_FRAMES`` (the build's ``_widgets/``), and
  the cell's output is one HTML block: plain HTML controls, the first output, and a
  JSON table from grid point to output that the page script
  ``tools/assets/bpkit-widgets.js`` uses to show the output of the current values.
  The grid is made at build time only: committed notebooks hold the live form.

``Widget.frame(values)`` runs ``fn`` once and returns what it showed (texts and
PNG bytes): the static form is made of these frames, and a test can compute the
frame for any control values and compare it with the page.

Numpy and matplotlib only; ipywidgets is imported by the live form alone.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import io
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

__all__ = ["Slider", "Choice", "Frame", "run_frame", "Widget", "mode", "registered", "interact", "static_html"]

MODE_ENV = "BPKIT_WIDGETS"  # "static": precompute; anything else: live ipywidgets
FRAMES_ENV = "BPKIT_WIDGET_FRAMES"  # folder for the frames' PNG files
FRAMES_URL = "_widgets"  # that folder, below the built site's root
ROOT_ENV = "BPKIT_BOOK_ROOT"  # the book's source root: pages link to frames relative to it
DEFAULT_MAX_FRAMES = 100  # grid points per widget, before de-duplication
DEFAULT_MAX_BYTES = 1_500_000  # text and images of one widget's distinct frames
DPI = 80  # the static frames' resolution (the live form uses the inline backend's)
PNG_COLOURS = 128  # frames are palette PNGs: plots need few colours, and 3-4x smaller

_REGISTRY: list["Widget"] = []


# --------------------------------------------------------------------------- controls


def _label(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)


@dataclass
class Slider:
    """A slider from ``min`` to ``max`` in steps of ``step`` (integers if all three are),
    starting at ``value`` (default ``min``).

    The static form samples it at its steps, or at every ``grid_step`` (a multiple of
    ``step``) counted from ``value``, or at the values listed in ``grid``, or, if the
    widget's grid would exceed its budget, at every k-th step counted from ``value``.
    """

    min: float
    max: float
    step: float
    value: float | None = None
    description: str | None = None
    grid_step: float | None = None
    grid_values: Sequence | None = None

    def __post_init__(self):
        self.integer = all(isinstance(v, int) and not isinstance(v, bool)
                           for v in (self.min, self.max, self.step))
        if not self.step > 0:
            raise ValueError(f"Slider: step must be > 0, got {self.step!r}")
        if not self.min < self.max:
            raise ValueError(f"Slider: min < max needed, got min={self.min!r}, max={self.max!r}")
        if self.value is None:
            self.value = self.min
        if not self.min <= self.value <= self.max:
            raise ValueError(
                f"Slider: value {self.value!r} is outside [min, max] = [{self.min!r}, {self.max!r}]")
        for name, length in (("max - min", self.max - self.min), ("value - min", self.value - self.min)):
            if not _is_multiple(length, self.step, zero=True):
                raise ValueError(f"Slider: {name} = {length!r} is not a whole number of steps {self.step!r}")
        if self.grid_step is not None and not _is_multiple(self.grid_step, self.step):
            raise ValueError(
                f"Slider: grid_step {self.grid_step!r} is not a multiple of step {self.step!r}")
        if self.grid_values is not None:
            values = list(self.grid_values)
            bad = [v for v in values if not (self.min <= v <= self.max
                                             and _is_multiple(v - self.min, self.step, zero=True))]
            if bad or not values or values != sorted(set(values)) or self.value not in values:
                raise ValueError(
                    f"Slider: grid_values must be increasing slider positions including value "
                    f"{self.value!r}; got {values!r}")

    def positions(self) -> int:
        """How many values the live slider takes."""
        return int(round((self.max - self.min) / self.step)) + 1

    def _start(self) -> int:
        return int(round((self.value - self.min) / self.step))

    def grid(self, every: int = 1) -> list:
        """The static form's values: ``grid_values``, or every ``every``-th step (times
        ``grid_step / step``) counted both ways from ``value``."""
        if self.grid_values is not None:
            return list(self.grid_values)
        if self.grid_step is not None:
            every *= int(round(self.grid_step / self.step))
        start = self._start()
        index = range(start % every, self.positions(), every)
        return [self._at(i) for i in index]

    def coarsenable(self) -> bool:
        return self.grid_values is None

    def _at(self, i: int):
        if self.integer:
            return self.min + i * self.step
        return round(self.min + i * self.step, 10)

    def default_in(self, grid: Sequence) -> int:
        """Index of ``value`` in the grid (the static form starts there)."""
        return min(range(len(grid)), key=lambda i: abs(grid[i] - self.value))

    def labels_for(self, grid: Sequence) -> list[str]:
        """The readout of each grid value."""
        return [_label(v) for v in grid]

    def live(self, name: str):
        import ipywidgets

        cls = ipywidgets.IntSlider if self.integer else ipywidgets.FloatSlider
        return cls(value=self.value, min=self.min, max=self.max, step=self.step,
                   description=self.description or name, continuous_update=False)

    def html(self, key: str, name: str, grid: Sequence, start: int) -> str:
        return (
            f'<label class="bpw-control"><span class="bpw-name">{html.escape(self.description or name)}</span>'
            f'<input type="range" data-control="{key}" min="0" max="{len(grid) - 1}" step="1" '
            f'value="{start}" aria-label="{html.escape(self.description or name)}">'
            f'<output class="bpw-readout">{html.escape(_label(grid[start]))}</output></label>'
        )


@dataclass
class Choice:
    """One of ``options`` (values, or ``(label, value)`` pairs), as a drop-down list or,
    with ``buttons=True``, as toggle buttons. The static form has every option."""

    options: Sequence
    value: Any = None
    description: str | None = None
    buttons: bool = False

    def __post_init__(self):
        pairs = [o if isinstance(o, tuple) and len(o) == 2 else (_label(o), o)
                 for o in self.options]
        if not pairs:
            raise ValueError("Choice: needs at least one option, got none")
        self.labels = [str(label) for label, _ in pairs]
        self.values = [value for _, value in pairs]
        if self.value is None:
            self.value = self.values[0]
        if self.value not in self.values:
            raise ValueError(f"Choice: value {self.value!r} is not one of {self.values!r}")

    def positions(self) -> int:
        return len(self.values)

    def grid(self, every: int = 1) -> list:
        return list(self.values)

    def default_in(self, grid: Sequence) -> int:
        return grid.index(self.value)

    def live(self, name: str):
        import ipywidgets

        cls = ipywidgets.ToggleButtons if self.buttons else ipywidgets.Dropdown
        return cls(options=list(zip(self.labels, self.values)), value=self.value,
                   description=self.description or name)

    def html(self, key: str, name: str, grid: Sequence, start: int) -> str:
        title = html.escape(self.description or name)
        if self.buttons:
            buttons = "".join(
                f'<button type="button" data-index="{i}" aria-pressed="{str(i == start).lower()}">'
                f"{html.escape(label)}</button>"
                for i, label in enumerate(self.labels))
            return (f'<div class="bpw-control"><span class="bpw-name">{title}</span>'
                    f'<span class="bpw-buttons" role="group" data-control="{key}" '
                    f'data-value="{start}" aria-label="{title}">{buttons}</span></div>')
        options = "".join(
            f'<option value="{i}"{" selected" if i == start else ""}>{html.escape(label)}</option>'
            for i, label in enumerate(self.labels))
        return (f'<label class="bpw-control"><span class="bpw-name">{title}</span>'
                f'<select data-control="{key}" aria-label="{title}">{options}</select></label>')

    def labels_for(self, grid: Sequence) -> list[str]:
        """The readout of each grid value (the option labels)."""
        return list(self.labels)


def _is_multiple(a: float, b: float, zero: bool = False) -> bool:
    q = a / b
    return q >= (-1e-9 if zero else 1 - 1e-9) and abs(q - round(q)) < 1e-9


# --------------------------------------------------------------------------- frames


@dataclass(frozen=True)
class Frame:
    """What ``fn`` showed for one set of values: ``parts`` in order, each
    ``("text", str)`` or ``("png", bytes)``."""

    parts: tuple

    def texts(self) -> list[str]:
        return [p for kind, p in self.parts if kind == "text"]

    def images(self) -> list[bytes]:
        return [p for kind, p in self.parts if kind == "png"]

    def summary(self) -> dict:
        """JSON-friendly: the texts and the SHA-256 of each image (what a test compares)."""
        return {"texts": self.texts(),
                "images": [hashlib.sha256(p).hexdigest() for p in self.images()]}


class _Recorder(io.TextIOBase):
    """Stands in for stdout and ``plt.show`` while ``fn`` runs; keeps the order."""

    def __init__(self, dpi: int):
        self.parts: list = []
        self._text: list[str] = []
        self.dpi = dpi

    def writable(self):
        return True

    def write(self, s: str) -> int:
        self._text.append(s)
        return len(s)

    def flush_text(self) -> None:
        text = "".join(self._text)
        self._text.clear()
        if text:
            if self.parts and self.parts[-1][0] == "text":
                self.parts[-1] = ("text", self.parts[-1][1] + text)
            else:
                self.parts.append(("text", text))

    def show(self, *args, **kwargs) -> None:
        import matplotlib.pyplot as plt

        self.flush_text()
        for number in plt.get_fignums():
            figure = plt.figure(number)
            self.parts.append(("png", _png(figure, self.dpi)))
            plt.close(figure)


def _png(figure, dpi: int) -> bytes:
    """The figure as a palette PNG, cut to what it draws (``bbox_inches="tight"``, as the
    inline backend does, so labels outside the axes area are kept); the same figure gives
    the same bytes."""
    from PIL import Image

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", pad_inches=0.05,
                   metadata={"Software": None})
    image = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    small = io.BytesIO()
    image.quantize(colors=PNG_COLOURS, method=Image.Quantize.FASTOCTREE).save(
        small, format="png", optimize=True)
    return small.getvalue()


def run_frame(fn: Callable, values: dict, dpi: int = DPI) -> Frame:
    """Call ``fn(**values)`` and record what it printed and drew, in order.

    Figures still open when ``fn`` returns are recorded too. A call that displays
    anything other than text and matplotlib figures (``IPython.display``) raises
    ValueError: the static page could not show it.
    """
    import matplotlib.pyplot as plt

    before = set(plt.get_fignums())
    if before:
        raise ValueError(f"close the open figures {sorted(before)} before a widget draws")
    recorder = _Recorder(dpi)
    show = plt.show

    def recorded_show(*args, **kwargs):  # a function: pyplot may set its __signature__
        recorder.show()

    plt.show = recorded_show
    try:
        with contextlib.redirect_stdout(recorder), _no_rich_display(fn):
            fn(**values)
        recorder.show()
    finally:
        plt.show = show
        for number in plt.get_fignums():
            plt.close(number)
    return Frame(tuple(recorder.parts))


@contextlib.contextmanager
def _no_rich_display(fn):
    try:
        from IPython.utils.capture import capture_output
    except ImportError:  # plain Python: there is no display to catch
        yield
        return
    with capture_output(stdout=False, stderr=False, display=True) as captured:
        yield
    if captured.outputs:
        raise ValueError(
            f"{getattr(fn, '__name__', fn)} displayed {len(captured.outputs)} rich output(s); "
            "a bpkit widget function may only print text and draw matplotlib figures")


# --------------------------------------------------------------------------- widget


@dataclass
class Widget:
    """``fn`` and its controls; ``grid`` holds, per control, the values of the static form."""

    fn: Callable
    controls: dict
    max_frames: int = DEFAULT_MAX_FRAMES
    grid: dict = field(init=False)
    number: int = field(init=False, default=0)

    def __post_init__(self):
        if not self.controls:
            raise ValueError("interact: give at least one control (name=Slider(...) or Choice(...))")
        for name, control in self.controls.items():
            if not isinstance(control, (Slider, Choice)):
                raise ValueError(
                    f"interact: control {name!r} must be a bpkit.book.widgets Slider or Choice, "
                    f"got {type(control).__name__}")
        every = _coarsen(self.controls, self.max_frames)
        self.grid = {name: c.grid(every[name]) for name, c in self.controls.items()}

    @property
    def size(self) -> int:
        return math.prod(len(g) for g in self.grid.values())

    def start(self) -> dict:
        return {n: c.default_in(self.grid[n]) for n, c in self.controls.items()}

    def frame(self, values: dict) -> Frame:
        """What ``fn`` shows for ``values`` (a value for every control)."""
        if set(values) != set(self.controls):
            raise ValueError(f"frame: values for {sorted(self.controls)} needed, got {sorted(values)}")
        return run_frame(self.fn, values)

    def coarser(self) -> list[str]:
        """One phrase per slider that the static form samples coarser than it moves."""
        notes = []
        for name, control in self.controls.items():
            grid = self.grid[name]
            if not isinstance(control, Slider) or len(grid) == control.positions():
                continue
            title = control.description or name
            if control.grid_values is not None:
                notes.append(f"{title} at {', '.join(_label(v) for v in grid)} "
                             f"(live: steps of {_label(control.step)})")
            else:
                step = grid[1] - grid[0] if len(grid) > 1 else control.max - control.min
                notes.append(f"{title} in steps of {_label(_round(step))} from "
                             f"{_label(grid[0])} to {_label(grid[-1])} "
                             f"(live: steps of {_label(control.step)})")
        return notes


def _round(x):
    return x if isinstance(x, int) else round(x, 10)


def _coarsen(controls: dict, max_frames: int) -> dict:
    """Per control, take every k-th slider value so that the grid has at most
    ``max_frames`` points: the slider with the most values is thinned first."""
    every = {name: 1 for name in controls}

    def count(name):
        return len(controls[name].grid(every[name]))

    while math.prod(count(n) for n in controls) > max_frames:
        sliders = [n for n in controls
                   if isinstance(controls[n], Slider) and controls[n].coarsenable() and count(n) > 2]
        if not sliders:
            raise ValueError(
                f"interact: the choices alone give {math.prod(count(n) for n in controls)} grid "
                f"points, more than max_frames={max_frames}")
        widest = max(sliders, key=count)
        before = count(widest)
        while count(widest) == before:
            every[widest] += 1
    return every


def mode() -> str:
    """``"static"`` in the book build (``BPKIT_WIDGETS=static``), else ``"live"``."""
    return "static" if os.environ.get(MODE_ENV, "").strip().lower() == "static" else "live"


def registered() -> list[Widget]:
    """Every widget made in this kernel, in order (``Widget.number`` is 1-based)."""
    return list(_REGISTRY)


def interact(fn: Callable, *, max_frames: int = DEFAULT_MAX_FRAMES,
             max_bytes: int = DEFAULT_MAX_BYTES, **controls) -> Widget:
    """Show ``fn`` with one control per keyword (``Slider`` or ``Choice``).

    Live (the default): ``ipywidgets.interact``. Static (``BPKIT_WIDGETS=static``):
    the precomputed HTML widget, whose grid has at most ``max_frames`` points and
    whose distinct frames at most ``max_bytes`` bytes (ValueError if they exceed it).
    Returns the ``Widget``; end the line with ``;`` so that it is not printed.
    """
    widget = Widget(fn, dict(controls), max_frames)
    _REGISTRY.append(widget)
    widget.number = len(_REGISTRY)
    if mode() == "static":
        from IPython.display import HTML, display

        display(HTML(static_html(widget, max_bytes=max_bytes)))
    else:
        import ipywidgets

        ipywidgets.interact(fn, **{n: c.live(n) for n, c in controls.items()})
    return widget


def _grid_points(widget: Widget):
    names = list(widget.controls)
    sizes = [len(widget.grid[n]) for n in names]
    for flat in range(math.prod(sizes)):
        index, rest = [], flat
        for size in reversed(sizes):
            index.append(rest % size)
            rest //= size
        index.reverse()
        yield index, {n: widget.grid[n][i] for n, i in zip(names, index)}


def static_html(widget: Widget, max_bytes: int = DEFAULT_MAX_BYTES,
                frames_dir: str | os.PathLike | None = None) -> str:
    """The static form: controls, first output and the grid-to-output table.

    Each distinct image is written once to ``frames_dir`` (default: the folder in
    ``BPKIT_WIDGET_FRAMES``) as ``<sha256>.png``; the HTML names it relative to the
    site root. Output ``k`` of the table is a list of parts ``{"text": ...}`` or
    ``{"img": name, "w": px, "h": px}``; ``frames[i]`` is the output of grid point
    ``i`` (indices in row-major order of the controls).
    """
    folder = frames_dir or os.environ.get(FRAMES_ENV)
    if not folder:
        raise ValueError(f"static widgets need a folder for their images: set {FRAMES_ENV}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    outputs, index_of, frames, total = [], {}, [], 0
    for _, values in _grid_points(widget):
        parts = []
        for kind, content in widget.frame(values).parts:
            if kind == "text":
                parts.append({"text": content})
                continue
            name = hashlib.sha256(content).hexdigest() + ".png"
            path = folder / name
            if not path.exists():
                path.write_bytes(content)
            parts.append({"img": name, **_png_size(content)})
        key = json.dumps(parts, sort_keys=True)
        if key not in index_of:
            index_of[key] = len(outputs)
            outputs.append(parts)
            total += sum(len(p.get("text", "")) for p in parts) + sum(
                (folder / p["img"]).stat().st_size for p in parts if "img" in p)
        frames.append(index_of[key])
    if total > max_bytes:
        raise ValueError(
            f"interact: {getattr(widget.fn, '__name__', 'fn')}'s {len(outputs)} distinct outputs "
            f"take {total} bytes, more than max_bytes={max_bytes}; lower max_frames "
            f"(now {widget.max_frames}) or give a slider a grid_step")
    return _render(widget, outputs, frames, total)


def _png_size(png: bytes) -> dict:
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    return {"w": width, "h": height}


def _render(widget: Widget, outputs: list, frames: list, total: int) -> str:
    names = list(widget.controls)
    start = widget.start()
    first = frames[_flat(start, names, widget.grid)]
    spec = {
        "controls": [{"name": n, "values": widget.grid[n],
                      "labels": widget.controls[n].labels_for(widget.grid[n])} for n in names],
        "start": [start[n] for n in names],
        "outputs": outputs,
        "frames": frames,
        "root": _frames_url(),
    }
    controls = "".join(
        widget.controls[n].html(str(k), n, widget.grid[n], start[n]) for k, n in enumerate(names))
    note = f"Precomputed for this page: {len(frames)} settings, {len(outputs)} distinct outputs"
    coarse = widget.coarser()
    if coarse:
        note += "; sampled coarser than the live notebook: " + ", ".join(coarse)
    note += ". Run the notebook (Colab, Binder) for the live widget."
    data = json.dumps(spec, separators=(",", ":")).replace("</", "<\\/")
    return (
        f'<div class="bpw-widget" data-widget="{widget.number}" data-bytes="{total}">'
        f'<div class="bpw-controls">{controls}</div>'
        f'<div class="bpw-output" aria-live="polite">{_output_html(outputs[first], spec["root"])}</div>'
        f'<p class="bpw-note">{html.escape(note)}</p>'
        f'<script type="application/json" class="bpw-data">{data}</script></div>'
    )


def _flat(index: dict, names: list, grid: dict) -> int:
    flat = 0
    for n in names:
        flat = flat * len(grid[n]) + index[n]
    return flat


def _frames_url() -> str:
    """The frames' folder relative to the page: the page of a notebook sits where the
    notebook sits below the book root, and the kernel runs in the notebook's folder."""
    root = os.environ.get(ROOT_ENV)
    up = os.path.relpath(root, os.getcwd()) if root else "."
    return FRAMES_URL if up == "." else f"{Path(up).as_posix()}/{FRAMES_URL}"


def _output_html(parts: list, root: str) -> str:
    """One output as HTML (the first is written into the page; the page script draws
    the others the same way)."""
    pieces = []
    for part in parts:
        if "text" in part:
            pieces.append(f'<pre class="bpw-text">{html.escape(part["text"])}</pre>')
        else:
            pieces.append(f'<img class="bpw-img" alt="output figure" src="{root}/'
                          f'{part["img"]}" width="{part["w"]}" height="{part["h"]}">')
    return "".join(pieces)
