"""Architecture rules from DESIGN.md that a reader of the code relies on."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_numeric_core_imports_neither_matplotlib_nor_ipywidgets():
    code = ("import sys, dlcore, dlcore.datasets, dlcore.gradcheck, dlcore.train; "
            "bad = [m for m in ('matplotlib', 'ipywidgets') if m in sys.modules]; "
            "print(','.join(bad)); sys.exit(1 if bad else 0)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0, f"dlcore imported {res.stdout.strip()} {res.stderr}"


@pytest.mark.parametrize("path", sorted((ROOT / "dlcore").glob("*.py")), ids=lambda p: p.name)
def test_modules_stay_readable_length(path):
    assert len(path.read_text().splitlines()) <= 420, "one concept per module, ~400 lines at most"


def test_no_global_random_state():
    pattern = "np.random.seed("
    offenders = [str(p) for p in list((ROOT / "dlcore").rglob("*.py")) + list((ROOT / "book").glob("*.md"))
                 if pattern in p.read_text() or "np.random.rand(" in p.read_text()]
    assert not offenders


def test_every_chapter_is_in_the_table_of_contents():
    import re
    toc = (ROOT / "_toc.yml").read_text()
    listed = re.findall(r"(?:root|file):\s*book/(\S+)", toc)
    chapters = sorted(p.stem for p in (ROOT / "book").glob("[0-9][0-9]_*.md"))
    missing = [c for c in chapters if c not in listed]
    assert not missing, f"add these chapters to _toc.yml (the -W book build fails otherwise): {missing}"
    dangling = [c for c in listed if not (ROOT / "book" / f"{c}.md").exists()]
    assert not dangling, f"_toc.yml lists chapters that do not exist: {dangling}"
    assert listed == sorted(listed), "chapters should appear in the toc in reading order"
