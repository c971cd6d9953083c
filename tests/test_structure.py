"""The house's rules (DESIGN.md, "The house"), read from the code's own imports and definitions.

Every module of ``dlcore`` is parsed (not imported): each ``import``, at module level or
inside a function, is an arrow from its module to the module it names. The rules:

* arrows point down the layers: chapters -> ui -> viz -> {teaching, data, train} -> nn -> _validate;
  ``dlcore/__init__.py`` (the public API) sits on top but imports only the numeric layers;
* the siblings teaching, data and train do not import each other;
* nn, train and data import neither matplotlib nor ipywidgets;
* only chapter modules import chapter modules, and never another chapter's (chNN_*);
* no import cycle anywhere;
* every subpackage says its rule in its ``__init__`` docstring; modules stay readable.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "dlcore"

# The height of each layer: a module may import modules of a lower height (or its own layer).
HEIGHT = {"_validate": 0, "nn": 1, "teaching": 2, "data": 2, "train": 2, "viz": 3, "ui": 4,
          "chapters": 5, "api": 6}
SIBLINGS = {"teaching", "data", "train"}
NUMERIC = {"nn", "train", "data"}
API_MAY_IMPORT = {"_validate", "nn", "train", "data", "teaching"}   # `import dlcore` stays numpy-only
GUI = ("matplotlib", "ipywidgets")


def module_name(path: Path, root: Path = PACKAGE) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(name: str) -> str:
    parts = name.split(".")
    if len(parts) == 1:
        return "api"
    return parts[1]


def imports(path: Path, known: set[str], root: Path = PACKAGE):
    """(target, line) for every import in ``path``: dlcore modules by their dotted name,
    anything else by its top-level package name."""
    name = module_name(path, root)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name if alias.name.startswith("dlcore") else alias.name.split(".")[0], node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            if not target.startswith("dlcore"):
                yield target.split(".")[0], node.lineno
                continue
            for alias in node.names:   # `from ..nn import activations` names a module
                sub = f"{target}.{alias.name}"
                yield (sub if sub in known else target), node.lineno


def house(root: Path = PACKAGE):
    """{module: [(imported module or package, line)]} for every module under ``root``."""
    files = sorted(root.rglob("*.py"))
    known = {module_name(f, root) for f in files}
    return {module_name(f, root): list(imports(f, known, root)) for f in files}, known


def _chapter(name):
    """"ch12" for dlcore.chapters.ch12_weight_decay (a chapter may have several modules)."""
    parts = name.split(".")
    return parts[2][:4] if len(parts) > 2 else None


def violations(graph, known):
    """Every broken rule as a readable line (empty when the house is in order)."""
    out = []
    for mod, targets in graph.items():
        here = layer(mod)
        for target, line in targets:
            where = f"{mod} (line {line}) imports {target}"
            if target in GUI and here in NUMERIC:
                out.append(f"{where}: the {here} layer is numpy only")
            if not target.startswith("dlcore") or target not in known:
                continue
            there = layer(target)
            if target == "dlcore" and mod != "dlcore":
                out.append(f"{where}: import the module itself, not the public API package")
            elif here == "api" and there not in API_MAY_IMPORT:
                out.append(f"{where}: `import dlcore` must not load {there}")
            elif here != "api" and HEIGHT[there] > HEIGHT[here]:
                out.append(f"{where}: an arrow up from {here} to {there}")
            elif here in SIBLINGS and there in SIBLINGS and here != there:
                out.append(f"{where}: {here} and {there} are siblings and do not import each other")
            elif there == "chapters" and here == "chapters" and _chapter(target) != _chapter(mod) \
                    and target != "dlcore.chapters":
                out.append(f"{where}: a chapter imports its own companion and the generic layers only")
    return out


def cycles(graph, known):
    """Import cycles among dlcore modules (each as a list of modules)."""
    edges = {m: {t for t, _ in ts if t in known and t != m} for m, ts in graph.items()}
    found, state = [], {}

    def visit(m, stack):
        state[m] = "open"
        for t in edges[m]:
            if state.get(t) == "open":
                found.append(stack[stack.index(t):] + [t])
            elif t not in state:
                visit(t, stack + [t])
        state[m] = "done"

    for m in edges:
        if m not in state:
            visit(m, [m])
    return found


# ------------------------------------------------------------------------ the rules
def test_imports_point_down_the_layers():
    graph, known = house()
    assert not violations(graph, known), "\n".join(violations(graph, known))


def test_no_import_cycle():
    graph, known = house()
    assert not cycles(graph, known), cycles(graph, known)


def test_every_module_belongs_to_a_layer():
    graph, _ = house()
    stray = [m for m in graph if layer(m) not in HEIGHT]
    assert not stray, f"modules outside the layer folders of DESIGN.md: {stray}"


def test_the_checker_catches_what_it_should(tmp_path):
    """The rules above can fail: a small fake house breaking each rule is caught."""
    fake = tmp_path / "dlcore"
    files = {
        "__init__.py": "from .nn import core\n",
        "_validate.py": "",
        "nn/__init__.py": "", "nn/core.py": "def f():\n    import matplotlib.pyplot\n",
        "nn/loop_a.py": "from . import loop_b\n", "nn/loop_b.py": "from .loop_a import x\n",
        "train/__init__.py": "", "train/fit.py": "from ..data import sets\n",
        "data/__init__.py": "", "data/sets.py": "from ..viz import style\n",
        "viz/__init__.py": "", "viz/style.py": "",
        "chapters/__init__.py": "", "chapters/ch01_a.py": "from . import ch02_b\n",
        "chapters/ch02_b.py": "",
    }
    for rel, text in files.items():
        (fake / rel).parent.mkdir(parents=True, exist_ok=True)
        (fake / rel).write_text(text)
    graph, known = house(fake)
    found = "\n".join(violations(graph, known))
    assert "dlcore.nn.core (line 2) imports matplotlib: the nn layer is numpy only" in found
    assert "dlcore.train.fit (line 1) imports dlcore.data.sets: train and data are siblings" in found
    assert "dlcore.data.sets (line 1) imports dlcore.viz.style: an arrow up from data to viz" in found
    assert "dlcore.chapters.ch01_a (line 1) imports dlcore.chapters.ch02_b: a chapter imports" in found
    assert ["dlcore.nn.loop_a", "dlcore.nn.loop_b", "dlcore.nn.loop_a"] in cycles(graph, known) or \
        ["dlcore.nn.loop_b", "dlcore.nn.loop_a", "dlcore.nn.loop_b"] in cycles(graph, known)


def test_import_dlcore_loads_neither_matplotlib_nor_ipywidgets():
    import subprocess
    import sys
    code = ("import sys, dlcore, dlcore.nn.network, dlcore.train.fit, dlcore.data.datasets; "
            "bad = [m for m in ('matplotlib', 'ipywidgets') if m in sys.modules]; "
            "print(','.join(bad)); sys.exit(1 if bad else 0)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0, f"dlcore imported {res.stdout.strip()} {res.stderr}"


@pytest.mark.parametrize("package", sorted(p.parent.name for p in PACKAGE.glob("*/__init__.py")))
def test_each_subpackage_states_its_rule(package):
    doc = ast.get_docstring(ast.parse((PACKAGE / package / "__init__.py").read_text()))
    assert doc and "Rule:" in doc, f"dlcore/{package}/__init__.py should say its import rule ('Rule: ...')"
    assert len(doc.strip().splitlines()) <= 4, "two lines of purpose and rule, not an essay"


def test_the_public_api_module_holds_no_logic():
    tree = ast.parse((PACKAGE / "__init__.py").read_text())
    logic = [type(n).__name__ for n in tree.body
             if not isinstance(n, (ast.Import, ast.ImportFrom, ast.Assign, ast.Expr))]
    assert not logic, f"dlcore/__init__.py should only import and name the public API, found {logic}"


# ------------------------------------------------------------------- readability
@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_stay_readable_length(path):
    assert len(path.read_text().splitlines()) <= 400, "one concept per module, 400 lines at most"


def function_lengths(root: Path = PACKAGE):
    """(place, lines) of every function under ``root``, its docstring excluded."""
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                body = node.body
                has_doc = (len(body) > 1 and isinstance(body[0], ast.Expr)
                           and isinstance(body[0].value, ast.Constant))
                start = body[1].lineno if has_doc else body[0].lineno
                yield f"{path.relative_to(root.parent)}:{node.name}", node.end_lineno - start + 1


def test_functions_stay_short():
    long = [f"{where} ({n} lines)" for where, n in function_lengths() if n > 60]
    assert not long, f"functions over 60 lines (docstring excluded): {long}"


def test_function_lengths_are_measured_without_the_docstring(tmp_path):
    fake = tmp_path / "dlcore"
    fake.mkdir()
    body = "\n".join(f"    x{i} = {i}" for i in range(61))
    (fake / "m.py").write_text(f'def long():\n    """Doc.\n\n    More.\n    """\n{body}\n'
                               f'def short():\n    """{"doc " * 80}"""\n    return 1\n')
    assert dict(function_lengths(fake)) == {"dlcore/m.py:long": 61, "dlcore/m.py:short": 1}


def test_no_global_random_state():
    pattern = re.compile(r"np\.random\.(seed|rand|randn|normal|uniform|choice|shuffle|permutation)\(")
    offenders = [str(p) for p in list(PACKAGE.rglob("*.py")) + list((ROOT / "book").glob("*.md"))
                 if pattern.search(p.read_text())]
    assert not offenders


def test_every_chapter_is_in_the_table_of_contents():
    toc = (ROOT / "_toc.yml").read_text()
    listed = re.findall(r"(?:root|file):\s*book/(\S+)", toc)
    chapters = sorted(p.stem for p in (ROOT / "book").glob("[0-9][0-9]_*.md"))
    missing = [c for c in chapters if c not in listed]
    assert not missing, f"add these chapters to _toc.yml (the -W book build fails otherwise): {missing}"
    dangling = [c for c in listed if not (ROOT / "book" / f"{c}.md").exists()]
    assert not dangling, f"_toc.yml lists chapters that do not exist: {dangling}"
    assert listed == sorted(listed), "chapters should appear in the toc in reading order"


def test_chapters_use_their_own_companion_only():
    """book/NN_*.md imports dlcore.chapters.chNN_* for its own NN, never another chapter's."""
    wrong = []
    for md in sorted((ROOT / "book").glob("[0-9][0-9]_*.md")):
        for other in re.findall(r"dlcore\.chapters(?:\.| import )(ch\d\d)_", md.read_text()):
            if other[2:] != md.name[:2]:
                wrong.append(f"{md.name} uses {other}")
    assert not wrong, wrong
