"""The API reference page (api.md): every public name of bpkit and bpkit.book, rendered by autodoc."""

from __future__ import annotations

import re

import bpkit
import bpkit.book

from ._book import HTML, ROOT, toc_files


def _public_names() -> list[str]:
    names = [f"bpkit.{n}" for n in bpkit.__all__]
    for m in bpkit.book.MODULES:
        names += [f"bpkit.book.{m}.{n}" for n in getattr(bpkit.book, m).__all__]
    return names


def test_every_public_name_is_documented_on_the_built_page():
    assert "api" in toc_files()
    page = (HTML / "api.html").read_text(encoding="utf-8")
    documented = set(re.findall(r'<dt class="sig sig-object py" id="([\w.]+)">', page))
    missing = [n for n in _public_names() if n not in documented]
    assert not missing, f"public names without an entry on api.html: {missing}"
    assert len(documented) >= len(_public_names())


def test_docstrings_show_the_shapes_as_written():
    page = (HTML / "api.html").read_text(encoding="utf-8")
    entry = page[page.index('id="bpkit.Flatten"'):]
    assert "(N, C, H, W) becomes the column layout (C*H*W, N)" in entry[:4000]
    assert "bpkit-doc" in entry[:4000]


def test_the_readme_links_the_reference():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "api.md" in readme or "api.html" in readme
