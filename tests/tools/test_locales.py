"""The Korean catalogues keep up with the English pages: extracted afresh from the current pages
(tools/locales.py, into a copy of locales/), every message is translated, none is fuzzy, and every
translation keeps the English message's markup (tools/check_po.py). A change to the English text
without its Korean counterpart fails here: run `make locales` and translate what it reports."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _load(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


locales = _load("locales")
check_po = _load("check_po")


def test_every_message_of_the_english_pages_is_translated_and_none_is_fuzzy(tmp_path):
    copy = tmp_path / "locales"
    shutil.copytree(ROOT / "locales", copy)
    pos = locales.update(locales.extract(tmp_path / "build"), copy)
    pages = {p.relative_to(copy / "ko" / "LC_MESSAGES").with_suffix("").as_posix() for p in pos}
    assert {"intro", "glossary", "notation", "sources", "api", "chapters/07_digits"} <= pages
    behind = []
    for po in pos:
        out = subprocess.run(["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po)],
                             capture_output=True, text=True)
        stats = out.stderr.strip().splitlines()[-1]
        assert out.returncode == 0, out.stderr
        if re.search(r"untranslated|fuzzy", stats):
            behind.append(f"{po.relative_to(copy)}: {stats}")
    assert not behind, "the Korean catalogues are behind the English pages (make locales):\n  " + "\n  ".join(behind)
    problems = [p for po in pos for p in check_po.problems(po)]
    assert not problems, "\n".join(problems[:20])


def test_check_po_catches_lost_markup_and_empty_messages(tmp_path):
    po = tmp_path / "x.po"
    po.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                  'msgid "see {numref}`sec-ch1-chain` and $a_1$"\nmsgstr "{numref}`sec-ch1-x` 그리고 $a_1$"\n\n'
                  'msgid "the `bpkit` package"\nmsgstr ""\n\n'
                  'msgid "{numref}`Section %s <sec-a>`"\nmsgstr "{numref}`%s절 <sec-a>`"\n', encoding="utf-8")
    found = check_po.problems(po)
    assert len(found) == 2
    assert "markup changed" in found[0] and "sec-ch1-chain" in found[0]
    assert "untranslated" in found[1]
