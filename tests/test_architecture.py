"""The layers of ARCHITECTURE.md, checked: an AST walk over every import, plus fresh
interpreters that prove the headless modules never load Textual."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STDLIB = set(sys.stdlib_module_names) | {"__future__"}
MAX_LINES = 450


def modules() -> list[tuple[str, Path]]:
    found = []
    for package in ("inbox_tui", "connectors"):
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).with_suffix("")
            name = ".".join(rel.parts).removesuffix(".__init__")
            found.append((name, path))
    return found


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def top(name: str) -> str:
    return name.split(".")[0]


def third_party(names: set[str]) -> set[str]:
    return {top(n) for n in names if top(n) not in STDLIB and top(n) not in ("inbox_tui", "connectors")}


def internal(names: set[str]) -> set[str]:
    return {n for n in names if top(n) in ("inbox_tui", "connectors")}


ALL = modules()


@pytest.mark.parametrize(("name", "path"), ALL, ids=[n for n, _ in ALL])
def test_layering(name: str, path: Path) -> None:
    deps = imports_of(path)
    libs = third_party(deps)
    ours = internal(deps)
    problems: list[str] = []

    if name in ("inbox_tui.model", "inbox_tui.errors", "inbox_tui.actions"):
        problems += [f"imports {lib}" for lib in libs]
        problems += [f"imports {m}" for m in ours if not m.startswith(("inbox_tui.model", "inbox_tui.errors", "inbox_tui.actions"))]
    if name.startswith("connectors"):
        problems += [f"imports {lib}" for lib in libs - {"httpx", "imapclient"}]
        problems += [
            f"imports {m}"
            for m in ours
            if top(m) == "inbox_tui" and not m.startswith(("inbox_tui.model", "inbox_tui.errors"))
        ]
    if "sqlite_utils" in libs and not name.startswith("inbox_tui.store"):
        problems.append("only inbox_tui.store may import sqlite_utils")
    if name.startswith("inbox_tui.store"):
        problems += [
            f"imports {m}"
            for m in ours
            if not m.startswith(("inbox_tui.store", "inbox_tui.model", "inbox_tui.errors"))
        ]
    if "keyring" in libs and name != "inbox_tui.secrets":
        problems.append("only inbox_tui.secrets may import keyring")
    if "textual" in libs and not name.startswith("inbox_tui.ui"):
        problems.append("only inbox_tui.ui may import textual")
    if name.startswith("inbox_tui.ui"):
        forbidden = {"sqlite_utils", "httpx", "keyring", "imapclient", "sqlite3"}
        problems += [f"imports {lib}" for lib in (libs | {top(d) for d in deps}) & forbidden]
        problems += [f"imports {m}" for m in ours if m.startswith(("inbox_tui.store", "connectors", "inbox_tui.bootstrap"))]
    concrete = [m for m in ours if m.startswith("connectors.") and not m.startswith("connectors.base")]
    if concrete and not name.startswith("connectors") and name not in ("inbox_tui.bootstrap",):
        problems += [f"imports the concrete connector {m} (only bootstrap picks connectors)" for m in concrete]
    assert not problems, f"{name}: " + "; ".join(sorted(set(problems)))


@pytest.mark.parametrize(("name", "path"), ALL, ids=[n for n, _ in ALL])
def test_modules_stay_small(name: str, path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{name} has {lines} lines; split it by responsibility"


def test_headless_modules_never_load_textual() -> None:
    headless = [n for n, _ in ALL if not n.startswith("inbox_tui.ui") and n != "inbox_tui.__main__"]
    code = (
        "import importlib, sys\n"
        f"for name in {headless!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print('LOADED' if bad else 'CLEAN')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "CLEAN"


def test_cli_startup_does_not_import_connectors_or_textual() -> None:
    code = (
        "import sys\n"
        "from inbox_tui import cli\n"
        "cli.build_parser()\n"
        "heavy = [m for m in ('textual', 'httpx', 'imapclient', 'keyring') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
