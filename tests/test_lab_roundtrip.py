"""Opening and saving a chapter in JupyterLab changes no byte (issue 14, item 1).

A JupyterLab server (jupytext's contents manager, ``book/jupytext.toml``, the kernels of
this environment) serves a copy of ``book/``. For every ``*.md`` the test does through the
REST API what JupyterLab's front end does when a student opens a chapter and it is saved
(autosave does so about two minutes later): ``GET`` the notebook model, set the metadata
Lab sets once the kernel has started (the default kernel's ``kernelspec`` as the server
lists it, and ``language_info``), ``PUT`` it back, then compare the file with the committed
one byte for byte. A chapter that is not in jupytext's own form fails here; ``make
canonical`` (``site/lab_canonical.py``) rewrites it.
"""
from __future__ import annotations

import difflib
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from lab_session import REPO, lab_server  # noqa: E402

BOOK = REPO / "book"
PAGES = sorted(p.name for p in BOOK.glob("*.md"))


@pytest.fixture(scope="module")
def lab_copy(tmp_path_factory):
    pytest.importorskip("jupyterlab")
    pytest.importorskip("jupytext")
    tmp = tmp_path_factory.mktemp("roundtrip")
    root = tmp / "book"
    root.mkdir()
    for name in PAGES + ["jupytext.toml"]:
        shutil.copy2(BOOK / name, root / name)
    with lab_server(root, tmp / "lab") as lab:
        yield lab


def _lab_metadata(lab):
    """The kernelspec and language_info JupyterLab writes into an opened notebook."""
    specs = lab.api("/api/kernelspecs")
    spec = specs["kernelspecs"][specs["default"]]["spec"]
    kernelspec = {"display_name": spec["display_name"], "language": spec["language"],
                  "name": specs["default"]}
    language_info = {"codemirror_mode": {"name": "ipython", "version": 3},
                     "file_extension": ".py", "mimetype": "text/x-python", "name": "python",
                     "nbconvert_exporter": "python", "pygments_lexer": "ipython3",
                     "version": ".".join(map(str, sys.version_info[:3]))}
    return kernelspec, language_info


def test_the_default_kernel_is_the_one_chapters_name(lab_copy):
    kernelspec, _ = _lab_metadata(lab_copy)
    model = lab_copy.api("/api/contents/07_backprop_by_hand.md?type=notebook&content=1", timeout=60)
    assert model["content"]["metadata"]["kernelspec"] == kernelspec, (
        "the chapters name a kernel other than this environment's default; `make` installs "
        "ipykernel's own spec (python3, 'Python 3 (ipykernel)')")


@pytest.mark.parametrize("name", PAGES)
def test_opening_and_saving_changes_no_byte(lab_copy, name):
    path = lab_copy.root / name
    committed = (BOOK / name).read_bytes()
    model = lab_copy.api(f"/api/contents/{name}?type=notebook&content=1", timeout=60)
    assert model["type"] == "notebook", f"{name} is not served as a notebook"
    nb = model["content"]
    nb["metadata"]["kernelspec"], nb["metadata"]["language_info"] = _lab_metadata(lab_copy)
    lab_copy.api(f"/api/contents/{name}", method="PUT", timeout=60,
                 body={"type": "notebook", "format": "json", "content": nb})
    saved = path.read_bytes()
    if saved != committed:
        diff = "".join(list(difflib.unified_diff(
            committed.decode().splitlines(True), saved.decode().splitlines(True),
            f"book/{name} (committed)", f"book/{name} (saved by JupyterLab)"))[:40])
        pytest.fail(f"JupyterLab rewrites book/{name} when it saves it; run `make canonical` "
                    f"(python site/lab_canonical.py) and commit the result.\n{diff}", pytrace=False)
