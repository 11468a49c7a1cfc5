"""The README's Python examples run as printed and give gradients of the documented shapes."""

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
        if "Sequential" in block:
            model = namespace["model"]
            assert list(namespace["grads"]) == list(model.params()) == ["0.W", "0.b", "4.W", "4.b"]
            assert model.check_gradients(namespace["x"], namespace["t"]).ok
    grads = namespace["grads"]
    assert [dW.shape for dW in grads.dW] == [(3, 2), (2, 3)]   # n_out x n_in
    assert [db.shape for db in grads.db] == [(3,), (2,)]
    assert np.all(np.isfinite(namespace["net"].params_vector()))

