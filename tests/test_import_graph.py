"""The layers hold: no module imports a higher layer, and no modules import each other in a circle.

Every import statement counts, also the ones inside functions and under ``if TYPE_CHECKING:``: a
lazy import is still a dependency, and a cycle hidden behind one is still a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "kik_desktop"

# Lower numbers sit lower; a module may import its own layer and the ones below. exchange and
# reports stand side by side on the domain and do not import each other. The command line is the
# entry point on top: it starts the window (lazily, so the other commands never load Qt).
LAYERS = {
    "kik_desktop": 0,
    "kik_desktop.paths": 0,
    "kik_desktop.models": 1,
    "kik_desktop.store": 2,
    "kik_desktop.domain": 3,
    "kik_desktop.exchange": 4,
    "kik_desktop.reports": 4,
    "kik_desktop.ui": 5,
    "kik_desktop.cli": 6,
    "kik_desktop.__main__": 7,
}
SIDE_BY_SIDE = {frozenset({"kik_desktop.exchange", "kik_desktop.reports"})}
# No known cycles. The last one was in the store: opening migrates, migrating backs up, and the backup
# of a server document creates a .kik file; store.backup now names the open document by a Protocol
# (the Document copies itself through store.table_copy), so nothing below store.database imports it.
KNOWN_CYCLES: list[list[str]] = []


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The kik_desktop modules this module imports anywhere in its body."""
    is_package = path.name == "__init__.py"
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".") if is_package else name.split(".")[:-1]
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # "from package import module" imports that module; "from module import name" the module.
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target.startswith("kik_desktop") and target != name:
                out.add(target)
    return out


def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {name: imports_of(name, path, known) for name, path in found.items()}


def layer_of(module: str) -> tuple[str, int]:
    best = max((key for key in LAYERS if module == key or module.startswith(key + ".")), key=len)
    return best, LAYERS[best]


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def test_the_walker_sees_lazy_and_type_checking_imports() -> None:
    edges = graph()
    # A function-level import (the window's restore dialog) and a TYPE_CHECKING-only one are edges.
    assert "kik_desktop.ui.restore_dialog" in edges["kik_desktop.ui.main_window"]
    assert "kik_desktop.store.migrations" in edges["kik_desktop.store.database"]
    assert "kik_desktop.ui.app" in edges["kik_desktop.cli.window_commands"]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_upward_imports() -> None:
    wrong = []
    for module, targets in sorted(graph().items()):
        own, level = layer_of(module)
        for target in sorted(targets):
            other, other_level = layer_of(target)
            if other_level > level or (other != own and frozenset({own, other}) in SIDE_BY_SIDE):
                wrong.append(f"{module} -> {target}")
    assert wrong == []


def test_no_import_cycles() -> None:
    assert cycles(graph()) == KNOWN_CYCLES
