"""api.md is what tools/api_page.py writes, and every public name of bpkit is in one of its groups."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("api_page", ROOT / "tools" / "api_page.py")
api_page = importlib.util.module_from_spec(spec)
spec.loader.exec_module(api_page)


def test_every_public_name_is_in_a_group():
    assert api_page.ungrouped() == []


def test_api_md_is_up_to_date():
    assert (ROOT / "api.md").read_text(encoding="utf-8") == api_page.render(), (
        "api.md differs from tools/api_page.py's output: run .venv/bin/python tools/api_page.py")
