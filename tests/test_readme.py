"""The README's code runs as written and prints what its comments promise."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def python_blocks():
    return re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)


def test_readme_has_a_python_example():
    assert python_blocks(), "README.md should show how to use dlcore in a ```python block"


def test_readme_example_runs_and_prints_the_lecture_epoch():
    code = "\n".join(python_blocks())
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         timeout=300)
    assert res.returncode == 0, res.stderr
    # The comment beside history.message promises Kelleher's network converges at epoch 7405.
    assert "converged at epoch 7405" in res.stdout
    assert "RuntimeWarning" not in res.stderr
