"""No import cycles in `chalicelib/`, imports inside functions included (ARCHITECTURE.md).

An import hidden in a function body is still a dependency: it only moves the failure from import
time to call time. So the graph counts every `import` and `from … import` anywhere in a module, and
any strongly connected component of more than one module is a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHALICELIB = ROOT / "chalicelib"


def modules(package: Path) -> dict[str, Path]:
    """Every module of a package by dotted name (a package by its `__init__.py`)."""
    found: dict[str, Path] = {}
    for path in package.rglob("*.py"):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _targets(name: str, path: Path, node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:  # relative: resolve against the importing module's package
        base = name.split(".")
        base = base if path.name == "__init__.py" else base[:-1]
        base = base[: len(base) - (node.level - 1)]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    return [target, *(f"{target}.{alias.name}" for alias in node.names)]


def import_graph(package: Path) -> dict[str, set[str]]:
    """Module -> the modules of the same package it imports, anywhere in its body."""
    mods = modules(package)
    graph: dict[str, set[str]] = {name: set() for name in mods}
    for name, path in mods.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for target in _targets(name, path, node):
                while target and target not in mods:  # `from pkg.mod import func` -> pkg.mod
                    target = target.rpartition(".")[0]
                # a module importing its own package (or a parent) is not an edge worth a cycle
                if target and target != name and not name.startswith(target + "."):
                    graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, list[str]]] = [(start, sorted(graph[start]))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, pending = work[-1]
            if pending:
                nxt = pending.pop()
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, sorted(graph[nxt])))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return sorted(found)


def test_chalicelib_has_no_import_cycles() -> None:
    assert cycles(import_graph(CHALICELIB)) == []


def test_the_graph_sees_the_floors() -> None:
    graph = import_graph(CHALICELIB)
    assert "chalicelib.stores.scores" in graph["chalicelib.services.rescore"]
    assert "chalicelib.services.rescore" in graph["chalicelib.wiring"]


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    package = tmp_path / "pkg"
    for relative, source in {"__init__.py": "", **files}.items():
        path = package / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    return package


def test_a_planted_cycle_hidden_in_a_function_is_caught(tmp_path: Path) -> None:
    package = _package(
        tmp_path,
        {
            "services/__init__.py": "",
            "services/a.py": "from pkg.services.b import helper\n",
            "services/b.py": "def helper() -> None:\n    from pkg.services import c\n",
            "services/c.py": "def later() -> None:\n    from .a import helper\n",
            "stores.py": "import pkg.services.a\n",
        },
    )
    assert cycles(import_graph(package)) == [["pkg.services.a", "pkg.services.b", "pkg.services.c"]]


def test_a_planted_two_module_cycle_is_caught_and_a_chain_is_not(tmp_path: Path) -> None:
    chain = _package(
        tmp_path / "chain", {"a.py": "import pkg.b\n", "b.py": "from pkg import c\n", "c.py": ""}
    )
    assert cycles(import_graph(chain)) == []
    loop = _package(tmp_path / "loop", {"a.py": "import pkg.b\n", "b.py": "def f():\n    import pkg.a\n"})
    assert cycles(import_graph(loop)) == [["pkg.a", "pkg.b"]]
