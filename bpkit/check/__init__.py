"""bpkit.check: coding exercises that the book checks, and whose classic mistakes it names.

    from bpkit import check
    check.exercises()                        # the exercise names, chapter by chapter
    check.reference("sigmoid_backward")      # the reference implementation (the exercise's signature)
    result = check.run("sigmoid_backward", my_sigmoid_backward)
    result.passed, result.message            # bool, str; in a notebook the result shows as a box

run() calls the learner's function on seeded cases (small and larger shapes, a batch of one and of
many, float32 and float64, integers where they make sense), compares every output with the
reference and, for gradients, with central differences, and names the mistake when the output is
one of the exercise's catalogued wrong versions, or a sign flip, a factor 2, 1/2, N or 1/N, or a
transpose of the right answer (bpkit/check/_engine.py says in which order). The exercises are in
bpkit/check/ch1.py ... ch5.py, one file per chapter: an instructor adds one with register().
numpy only, like the rest of bpkit's core.
"""

from __future__ import annotations

from typing import Callable

from ._engine import Case, Exercise, Mistake, Result, diagnose

__all__ = ["exercises", "reference", "run", "register", "get", "Result", "Exercise", "Case", "Mistake"]

_REGISTRY: dict = {}


def register(exercise: Exercise) -> Exercise:
    """Add an exercise (its name must be new); returns it."""
    if not isinstance(exercise, Exercise):
        raise TypeError(f"check.register: expected a bpkit.check.Exercise but got {type(exercise).__name__}")
    if exercise.name in _REGISTRY:
        raise ValueError(f"check.register: an exercise named {exercise.name!r} exists already")
    _REGISTRY[exercise.name] = exercise
    return exercise


def exercises(chapter: int | None = None) -> list:
    """The exercise names (of one chapter, if given), in the book's order."""
    if chapter is not None and (isinstance(chapter, bool) or not isinstance(chapter, int)):
        raise TypeError(f"check.exercises: chapter must be an int but is {type(chapter).__name__}")
    return [n for n, e in _REGISTRY.items() if chapter is None or e.chapter == chapter]


def get(name: str) -> Exercise:
    """The Exercise called name (ValueError listing the names if there is none)."""
    if not isinstance(name, str):
        raise TypeError(f"check: the exercise name must be a str but is {type(name).__name__}")
    if name not in _REGISTRY:
        raise ValueError(f"check: no exercise {name!r}; the exercises are: {', '.join(_REGISTRY)}")
    return _REGISTRY[name]


def reference(name: str) -> Callable:
    """The reference implementation of exercise `name`, with the exercise's signature."""
    return get(name).reference


def run(name: str, fn: Callable) -> Result:
    """Check fn against exercise `name`: a Result with .passed, .message and .mistake (the key of
    the catalogued mistake recognised, else None). fn's exceptions are reported, never raised."""
    return diagnose(get(name), fn)


from . import ch1, ch2, ch3, ch4, ch5  # noqa: E402,F401  - each registers its chapter's exercises
