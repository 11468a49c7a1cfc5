"""`jupyter-book build`, with Sphinx reading the pages in parallel.

    python tools/build_book.py [--jobs N] [--edition ko] PATH [jupyter-book build options ...]

Jupyter Book 1's command line has no option for Sphinx's parallel build, although its
``build_sphinx`` takes one (``jobs``). In a parallel build each Sphinx reader process
reads, and so executes, its own share of the notebooks: on a 2-core machine the
chapters (and the frames of their widgets) are executed two at a time. Every other
argument and option is `jupyter-book build`'s own. ``--jobs`` defaults to the number
of cores.

``--edition ko`` builds the Korean edition (tools/editions.py) after the English one: the same
sources and configuration with ``language: ko``, nothing executed (each notebook is read from the
English build's executed copy in ``_build/jupyter_execute/``), the output in ``ko/`` below the
English output (``_build/html/ko/``, ``_build/singlehtml/ko/``) and its own doctrees
(``_build/.doctrees-ko``).
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    jobs = os.cpu_count() or 1
    if argv[:1] == ["--jobs"]:
        try:
            jobs = int(argv[1])
        except (IndexError, ValueError):
            print("usage: python tools/build_book.py [--jobs N] PATH [options]", file=sys.stderr)
            return 2
        argv = argv[2:]
    edition = None
    if argv[:1] == ["--edition"]:
        edition, argv = argv[1], argv[2:]
    import jupyter_book.sphinx
    from jupyter_book.cli.main import main as jupyter_book_main

    # The build command imports build_sphinx from the module when it runs.
    build = functools.partial(jupyter_book.sphinx.build_sphinx, jobs=jobs)
    jupyter_book.sphinx.build_sphinx = edition_build(build, edition) if edition else build
    try:
        jupyter_book_main(["build", *argv], prog_name="jupyter-book")
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    return 0


def edition_build(build, language: str):
    """``build_sphinx`` for the edition in ``language``: output in ``<output>/<language>/``."""

    def build_edition(sourcedir, outputdir, *, confoverrides=None, **options):
        english = Path(outputdir)  # <book>/_build/<builder>
        overrides = dict(confoverrides or {})
        overrides.update({
            "language": language,
            "locale_dirs": [str(Path(sourcedir).resolve() / "locales")],
            "nb_execution_mode": "off",
            "bpkit_executed_notebooks": str(english.parent / "jupyter_execute"),
            "bpkit_widget_frames": str(english.parent / "html" / "_widgets"),
        })
        options["doctreedir"] = str(english.parent / f".doctrees-{language}")
        return build(sourcedir, str(english / language), confoverrides=overrides, **options)

    return build_edition


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
