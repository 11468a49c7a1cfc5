"""bpkit.book.widgets: one interact call, a live ipywidgets form or a precomputed static form."""

from __future__ import annotations

import hashlib
import json
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from bpkit.book import widgets  # noqa: E402
from bpkit.book.widgets import Choice, Slider, Widget, interact, run_frame, static_html  # noqa: E402

DATA = re.compile(r'<script type="application/json" class="bpw-data">(.*?)</script>', re.S)


def spec_of(html: str) -> dict:
    return json.loads(DATA.search(html).group(1).replace("<\\/", "</"))


def draw(x=0.0, kind="a"):
    print(f"x = {x:g}, kind = {kind}")
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot([0, 1], [0, x])
    ax.set_title(kind)
    plt.show()
    print("after the figure")


# ------------------------------------------------------------------ controls


def test_slider_grid_counts_from_the_start_value_both_ways():
    s = Slider(-2.0, 2.0, 0.1, value=0.5)
    assert s.positions() == 41
    assert s.grid()[:3] == [-2.0, -1.9, -1.8] and len(s.grid()) == 41
    assert s.grid(5) == [-2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0]
    assert Slider(-2.0, 2.0, 0.1, value=0.3).grid(5) == [-1.7, -1.2, -0.7, -0.2, 0.3, 0.8, 1.3, 1.8]
    assert Slider(-2.0, 2.0, 0.1, value=0.5, grid_step=1.0).grid() == [-1.5, -0.5, 0.5, 1.5]


def test_integer_slider_keeps_integers():
    s = Slider(0, 24, 1, value=4)
    assert s.integer and s.grid() == list(range(25))
    assert all(type(v) is int for v in s.grid(3))
    assert not Slider(0, 1, 0.5).integer


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(min=0, max=1, step=0), "step must be > 0"),
        (dict(min=1, max=1, step=1), "min < max"),
        (dict(min=0, max=1, step=0.1, value=2), "outside"),
        (dict(min=0, max=1, step=0.3), "whole number of steps"),
        (dict(min=0, max=1, step=0.1, value=0.25), "whole number of steps"),
        (dict(min=0, max=1, step=0.1, grid_step=0.25), "not a multiple"),
        (dict(min=0, max=1, step=0.1, grid_values=[0.0, 0.55]), "grid_values"),
        (dict(min=0, max=1, step=0.1, value=0.5, grid_values=[0.0, 1.0]), "grid_values"),
    ],
)
def test_bad_slider_is_a_clear_value_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Slider(**kwargs)


def test_choice_values_labels_and_errors():
    c = Choice([("one", 1), ("two", 2)], value=2)
    assert c.labels == ["one", "two"] and c.grid() == [1, 2] and c.default_in(c.grid()) == 1
    assert Choice(["a", "b"]).value == "a"
    with pytest.raises(ValueError, match="not one of"):
        Choice(["a", "b"], value="c")
    with pytest.raises(ValueError, match="at least one option"):
        Choice([])


def test_widget_grid_is_coarsened_to_the_budget_and_says_so():
    w = Widget(draw, dict(x=Slider(-2.0, 2.0, 0.1, value=0.5), kind=Choice(["a", "b"])),
               max_frames=20)
    assert w.size <= 20 and len(w.grid["kind"]) == 2
    assert 0.5 in w.grid["x"]  # the start value stays on the grid
    assert w.coarser() and "live: steps of 0.1" in w.coarser()[0]
    fine = Widget(draw, dict(x=Slider(0, 4, 1)), max_frames=20)
    assert fine.grid["x"] == [0, 1, 2, 3, 4] and fine.coarser() == []


def test_widget_refuses_foreign_controls_and_oversized_choices():
    with pytest.raises(ValueError, match="must be a bpkit.book.widgets Slider or Choice"):
        Widget(draw, dict(x=3))
    with pytest.raises(ValueError, match="at least one control"):
        Widget(draw, {})
    with pytest.raises(ValueError, match="choices alone"):
        Widget(draw, dict(kind=Choice(list("abcdef"))), max_frames=5)


# ------------------------------------------------------------------ frames


def test_frame_records_text_and_figures_in_order():
    frame = run_frame(draw, dict(x=1.0, kind="b"))
    kinds = [kind for kind, _ in frame.parts]
    assert kinds == ["text", "png", "text"]
    assert frame.texts() == ["x = 1, kind = b\n", "after the figure\n"]
    png = frame.images()[0]
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert plt.get_fignums() == []  # nothing left open


def test_frame_is_deterministic_and_depends_on_the_values():
    a = run_frame(draw, dict(x=1.0, kind="b")).summary()
    assert a == run_frame(draw, dict(x=1.0, kind="b")).summary()
    assert a["images"] != run_frame(draw, dict(x=0.5, kind="b")).summary()["images"]


def test_a_figure_left_unshown_is_recorded_too():
    def no_show(x=0):
        plt.subplots()

    assert [k for k, _ in run_frame(no_show, dict(x=1)).parts] == ["png"]


def test_frame_needs_a_value_for_every_control():
    w = Widget(draw, dict(x=Slider(0, 1, 1)))
    with pytest.raises(ValueError, match=r"values for \['x'\] needed"):
        w.frame(dict(y=1))


# ------------------------------------------------------------------ static form


def test_static_html_holds_every_grid_point_and_writes_each_image_once(tmp_path):
    w = Widget(draw, dict(x=Slider(0, 2, 1, value=1), kind=Choice(["a", "b"], buttons=True)))
    html = static_html(w, frames_dir=tmp_path)
    spec = spec_of(html)
    assert [c["values"] for c in spec["controls"]] == [[0, 1, 2], ["a", "b"]]
    assert spec["start"] == [1, 0] and len(spec["frames"]) == 6
    # row-major: grid point (i, j) is frames[i * 2 + j]; each is draw(x, kind)'s output
    for i, x in enumerate([0, 1, 2]):
        for j, kind in enumerate(["a", "b"]):
            parts = spec["outputs"][spec["frames"][i * 2 + j]]
            expected = run_frame(draw, dict(x=x, kind=kind)).summary()
            assert [p["text"] for p in parts if "text" in p] == expected["texts"]
            names = [p["img"] for p in parts if "img" in p]
            assert [n.removesuffix(".png") for n in names] == expected["images"]
            for name in names:
                assert hashlib.sha256((tmp_path / name).read_bytes()).hexdigest() + ".png" == name
    assert len(list(tmp_path.glob("*.png"))) == 6
    # the first output is in the page, so it shows before any script runs
    assert "x = 1, kind = a" in html.split('class="bpw-data"')[0]


def test_identical_outputs_are_stored_once(tmp_path):
    def clamped(i=0):
        print(min(i, 1))

    html = static_html(Widget(clamped, dict(i=Slider(0, 3, 1))), frames_dir=tmp_path)
    spec = spec_of(html)
    assert spec["frames"] == [0, 1, 1, 1] and len(spec["outputs"]) == 2


def test_static_html_says_when_it_samples_coarser(tmp_path):
    w = Widget(draw, dict(x=Slider(0.0, 1.0, 0.1, grid_step=0.5)))
    html = static_html(w, frames_dir=tmp_path)
    assert "sampled coarser than the live notebook: x in steps of 0.5" in html
    exact = static_html(Widget(draw, dict(x=Slider(0, 1, 1))), frames_dir=tmp_path)
    assert "coarser" not in exact


def test_static_html_enforces_the_byte_budget(tmp_path):
    w = Widget(draw, dict(x=Slider(0, 3, 1)))
    with pytest.raises(ValueError, match="more than max_bytes=100"):
        static_html(w, max_bytes=100, frames_dir=tmp_path)


def test_static_html_escapes_text_and_script_ends(tmp_path):
    def nasty(i=0):
        print("</script><b>&")

    html = static_html(Widget(nasty, dict(i=Slider(0, 1, 1))), frames_dir=tmp_path)
    assert html.count("</script>") == 1  # only the JSON block's own end
    assert "&lt;/script&gt;&lt;b&gt;&amp;" in html
    assert spec_of(html)["outputs"][0][0]["text"] == "</script><b>&\n"


def test_rich_display_is_refused():
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.display import HTML, display

    InteractiveShell.instance()  # display() publishes through a shell, as in a kernel

    def rich(i=0):
        display(HTML("<b>x</b>"))

    with pytest.raises(ValueError, match="may only print text and draw matplotlib figures"):
        run_frame(rich, dict(i=0))


def test_frames_link_relative_to_the_book_root(tmp_path, monkeypatch):
    (tmp_path / "chapters").mkdir()
    monkeypatch.chdir(tmp_path / "chapters")
    monkeypatch.setenv(widgets.ROOT_ENV, str(tmp_path))
    html = static_html(Widget(draw, dict(x=Slider(0, 1, 1))), frames_dir=tmp_path / "f")
    assert spec_of(html)["root"] == "../_widgets"
    assert 'src="../_widgets/' in html


# ------------------------------------------------------------------ the one call


def test_interact_is_live_by_default_and_static_in_the_book_build(tmp_path, monkeypatch):
    import ipywidgets

    calls = []
    monkeypatch.setattr(ipywidgets, "interact", lambda fn, **kw: calls.append(kw))
    monkeypatch.delenv(widgets.MODE_ENV, raising=False)
    w = interact(draw, x=Slider(0.0, 1.0, 0.5, value=0.5), kind=Choice(["a", "b"], buttons=True))
    assert widgets.mode() == "live"
    live = calls[0]
    assert isinstance(live["x"], ipywidgets.FloatSlider) and live["x"].value == 0.5
    assert live["x"].step == 0.5 and live["x"].continuous_update is False
    assert isinstance(live["kind"], ipywidgets.ToggleButtons)
    assert widgets.registered()[w.number - 1] is w

    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    monkeypatch.setenv(widgets.MODE_ENV, "static")
    monkeypatch.setenv(widgets.FRAMES_ENV, str(tmp_path))
    interact(draw, x=Slider(0, 1, 1))
    assert widgets.mode() == "static" and len(calls) == 1
    assert 'class="bpw-widget"' in shown[0].data


def test_static_mode_needs_a_frames_folder(monkeypatch):
    monkeypatch.setenv(widgets.MODE_ENV, "static")
    monkeypatch.delenv(widgets.FRAMES_ENV, raising=False)
    with pytest.raises(ValueError, match="BPKIT_WIDGET_FRAMES"):
        interact(draw, x=Slider(0, 1, 1))
