"""The README's Python example runs as printed and gives gradients of the documented shapes."""

import pathlib
import re

import numpy as np

README = pathlib.Path(__file__).resolve().parents[2] / "README.md"


def test_readme_python_example_runs():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    assert blocks, "README.md has no ```python example"
    namespace = {}
    for block in blocks:
        exec(compile(block, str(README), "exec"), namespace)
    grads = namespace["grads"]
    assert [dW.shape for dW in grads.dW] == [(3, 2), (2, 3)]   # n_out x n_in
    assert [db.shape for db in grads.db] == [(3,), (2,)]
    assert np.all(np.isfinite(namespace["net"].params_vector()))
