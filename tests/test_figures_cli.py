"""`python -m dlcore.teaching.figures`: every shown figure of a chapter saved as PNG and SVG."""
import subprocess
import sys

import pytest

CHAPTER = '''---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
    format_version: 0.13
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# A tiny chapter

```{code-cell} ipython3
import matplotlib.pyplot as plt
plt.plot([0, 1], [1, 0])
plt.show()
```

```{code-cell} ipython3
fig, ax = plt.subplots()
ax.bar([1, 2], [3, 4])   # left open at the end of the cell
```

```{code-cell} ipython3
from dlcore.chapters.ch07_backprop import backprop_panel
backprop_panel(epochs=50)  # a panel's rendered figure counts too
```
'''


def test_figures_cli_saves_png_and_svg(tmp_path):
    book = tmp_path / "book"
    book.mkdir()
    (book / "01_tiny.md").write_text(CHAPTER)
    (book / "02_other.md").write_text(CHAPTER.replace("A tiny chapter", "Another"))
    out = tmp_path / "figs"
    res = subprocess.run([sys.executable, "-m", "dlcore.teaching.figures", "--out", str(out), "--book", str(book),
                          "--chapters", "01", "--dpi", "80"], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    saved = sorted(p.name for p in (out / "01_tiny").iterdir())
    assert saved == [f"fig0{i}.{ext}" for i in (1, 2, 3) for ext in ("png", "svg")]
    assert (out / "01_tiny" / "fig01.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in (out / "01_tiny" / "fig03.svg").read_bytes()[:400]
    assert not (out / "02_other").exists()          # only the chapter asked for
    assert "3 figures from 1 chapters" in res.stdout
    assert "1/1" in res.stderr                      # the progress bar


@pytest.mark.parametrize("args, words", [(["--dpi", "5"], "--dpi"), (["--book", "/nonexistent"], "--book"),
                                         (["--chapters", "99"], "no chapter numbered")])
def test_figures_cli_bad_arguments(tmp_path, args, words):
    book = tmp_path / "book"
    book.mkdir()
    (book / "01_tiny.md").write_text(CHAPTER)
    cmd = [sys.executable, "-m", "dlcore.teaching.figures", "--out", str(tmp_path / "o"), "--book", str(book)] + args
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert res.returncode != 0 and words in res.stderr + res.stdout
