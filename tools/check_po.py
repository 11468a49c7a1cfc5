"""Check Korean catalogues: every message translated, not fuzzy, and its markup kept.

    .venv/bin/python tools/check_po.py locales/ko/LC_MESSAGES/chapters/01_jacobian_chain.po [...]

For each message the translation must keep, as in the English: every MyST role with its target
({numref}`...`, {eq}`...`, {doc}`...`, {ref}`...`, {cite:p}`...`, {glue:text}`...`, ...; the shown
text of {numref}`Section %s <label>` or {doc}`Sources <../sources>` may be translated), every
inline code span `...`, every maths span $...$ / $$...$$, and every link target. Word order may
change; these tokens may not. Prints the problems and exits 1 if there are any.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

from babel.messages.pofile import read_po

ROLE = re.compile(r"\{[a-z:-]+\}`[^`]*`")
CODE = re.compile(r"(?<![}`])`[^`]+`")
MATH = re.compile(r"\$\$.+?\$\$|\$[^$]+\$", re.S)
LINK = re.compile(r"\]\(([^)]+)\)")


def _role_target(role: str) -> str:
    """{numref}`Section %s <sec-x>` -> {numref}<sec-x>: the shown text may be translated, the target not."""
    name, body = role.split("`", 1)
    body = body[:-1]
    target = re.search(r"<([^<>]+)>\s*$", body)
    return f"{name}<{target.group(1) if target else body}>"


def tokens(text: str) -> Counter:
    rest = ROLE.sub(" ", text)
    found = [_role_target(r) for r in ROLE.findall(text)] + MATH.findall(rest)
    rest = MATH.sub(" ", rest)
    return Counter(found + CODE.findall(rest) + LINK.findall(rest))


def problems(path: Path) -> list[str]:
    out = []
    with open(path, "rb") as f:
        catalog = read_po(f)
    for m in catalog:
        if not m.id:
            continue
        where = f"{path}:{m.lineno}"
        if not m.string:
            out.append(f"{where}: untranslated: {m.id[:70]!r}")
            continue
        if m.fuzzy:
            out.append(f"{where}: fuzzy: {m.id[:70]!r}")
        missing = tokens(m.id) - tokens(m.string)
        extra = tokens(m.string) - tokens(m.id)
        if missing or extra:
            out.append(f"{where}: markup changed: missing {sorted(missing)} extra {sorted(extra)}")
    return out


def main(argv: list[str]) -> int:
    found = [p for a in argv for p in problems(Path(a))]
    print("\n".join(found) if found else f"ok: {len(argv)} catalogue(s)")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
