"""Update the Korean edition's message catalogues from the English pages (issue 15, in progress).

    .venv/bin/python tools/locales.py          # or: make locales

1. Sphinx's gettext builder (through jupyter-book, notebooks not executed: their Markdown is what
   is translated, the code and its output are not) writes one .pot file per page into
   _build/gettext/ (gettext_compact: false in _config.yml).
2. sphinx-intl updates locales/ko/LC_MESSAGES/<page>.po from them: new English text becomes a new
   untranslated message, changed text a fuzzy one, and the translations of unchanged text stay.
3. msgfmt --statistics reports, per catalogue, how many messages are translated, fuzzy and
   untranslated.

After editing a chapter, run this and translate what it reports as fuzzy or untranslated.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
LANGUAGE = "ko"


def extract(build: Path) -> Path:
    """Run the gettext builder into build/; returns the folder of .pot files."""
    config = (ROOT / "_config.yml").read_text(encoding="utf-8")
    config = config.replace("  execute_notebooks: force", '  execute_notebooks: "off"')
    config = re.sub(r": tools/", f": {ROOT}/tools/", config)
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "_config.yml"
        cfg.write_text(config, encoding="utf-8")
        subprocess.run([str(BIN / "jupyter-book"), "build", str(ROOT), "--config", str(cfg), "--toc",
                        str(ROOT / "_toc.yml"), "--path-output", str(build), "--builder", "custom",
                        "--custom-builder", "gettext"], check=True, stdout=subprocess.DEVNULL)
    return build / "_build" / "gettext"


def statistics(po: Path) -> str:
    out = subprocess.run(["msgfmt", "--statistics", "-o", "/dev/null", str(po)], capture_output=True, text=True)
    return (out.stderr or out.stdout).strip()


def update(pot: Path, locales: Path) -> list[Path]:
    """sphinx-intl update of locales/<LANGUAGE>/ from the .pot files; returns the .po files."""
    subprocess.run([str(BIN / "sphinx-intl"), "update", "-p", str(pot), "-d", str(locales), "-l", LANGUAGE],
                   check=True, stdout=subprocess.DEVNULL)
    return sorted((locales / LANGUAGE / "LC_MESSAGES").rglob("*.po"))


def main() -> int:
    for po in update(extract(ROOT / "_build" / "locales"), ROOT / "locales"):
        print(f"{po.relative_to(ROOT)}: {statistics(po)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
