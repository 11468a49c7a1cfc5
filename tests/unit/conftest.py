"""Fixtures shared by bpkit's unit tests."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture
def ax():
    """A matplotlib axes on a new figure, closed after the test."""
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)
