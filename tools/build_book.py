"""`jupyter-book build`, with Sphinx reading the pages in parallel.

    python tools/build_book.py [--jobs N] PATH [jupyter-book build options ...]

Jupyter Book 1's command line has no option for Sphinx's parallel build, although its
``build_sphinx`` takes one (``jobs``). In a parallel build each Sphinx reader process
reads, and so executes, its own share of the notebooks: on a 2-core machine the
chapters (and the frames of their widgets) are executed two at a time. Every other
argument and option is `jupyter-book build`'s own. ``--jobs`` defaults to the number
of cores.
"""

from __future__ import annotations

import functools
import os
import sys


def main(argv: list[str]) -> int:
    jobs = os.cpu_count() or 1
    if argv[:1] == ["--jobs"]:
        try:
            jobs = int(argv[1])
        except (IndexError, ValueError):
            print("usage: python tools/build_book.py [--jobs N] PATH [options]", file=sys.stderr)
            return 2
        argv = argv[2:]
    import jupyter_book.sphinx
    from jupyter_book.cli.main import main as jupyter_book_main

    # The build command imports build_sphinx from the module when it runs.
    jupyter_book.sphinx.build_sphinx = functools.partial(jupyter_book.sphinx.build_sphinx,
                                                         jobs=jobs)
    try:
        jupyter_book_main(["build", *argv], prog_name="jupyter-book")
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
