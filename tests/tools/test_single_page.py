"""tools/single_page.py: the single-page build gets every node handler of the HTML build."""

from __future__ import annotations

from types import SimpleNamespace

import single_page


def _app(builder: str, handlers: dict):
    return SimpleNamespace(builder=SimpleNamespace(name=builder),
                           registry=SimpleNamespace(translation_handlers=handlers))


def visit(self, node):
    pass


def other_visit(self, node):
    pass


def test_singlehtml_gets_the_html_handlers_it_lacks_and_keeps_its_own():
    handlers = {"html": {"HiddenCellNode": (visit, None), "exercise_node": (visit, visit)},
                "singlehtml": {"exercise_node": (other_visit, other_visit)}}
    single_page.share_html_handlers(_app("singlehtml", handlers))
    assert handlers["singlehtml"]["HiddenCellNode"] == (visit, None)
    assert handlers["singlehtml"]["exercise_node"] == (other_visit, other_visit)


def test_other_builders_are_left_alone():
    handlers = {"html": {"HiddenCellNode": (visit, None)}}
    single_page.share_html_handlers(_app("html", handlers))
    assert handlers == {"html": {"HiddenCellNode": (visit, None)}}
