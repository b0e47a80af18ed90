"""The module graph of the bindings crate, read from its `crate::`/`super::` paths.

Run it to see which file uses which (`python tests/support/layers.py`); the test
`tests/test_layers.py` uses it to check that no layer folder uses one above it.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[2] / "crates" / "patch-py" / "src"

# Lowest first: a folder may use its own files and the folders before it.
LAYERS = ("neuron", "objects", "parallel", "api", "lib")

PATH = re.compile(r"\b(crate|super)((?:::\w+)*)(?:::\{([^}]*)\})?")


def module_of(file: Path) -> tuple[str, ...]:
    """`objects/netcon/mod.rs` -> ("objects", "netcon"); `lib.rs` -> ("lib",)."""
    parts = file.relative_to(SOURCE).with_suffix("").parts
    if parts[-1] == "mod":
        parts = parts[:-1]
    return parts or ("lib",)


def modules() -> dict[tuple[str, ...], Path]:
    return {module_of(file): file for file in sorted(SOURCE.rglob("*.rs"))}


def resolve(path: tuple[str, ...], known: dict[tuple[str, ...], Path]) -> tuple[str, ...] | None:
    """The longest prefix of `path` that is a module of the crate."""
    for end in range(len(path), 0, -1):
        if path[:end] in known:
            return path[:end]
    return None


def uses(module: tuple[str, ...], known: dict[tuple[str, ...], Path]) -> set[tuple[str, ...]]:
    text = known[module].read_text()
    text = re.sub(r"//[^\n]*", "", text)
    is_folder = known[module].name == "mod.rs"
    parent = module if is_folder else module[:-1]
    found = set()
    for root, tail, group in PATH.findall(text):
        base = () if root == "crate" else parent[:-1] if is_folder else parent
        if root == "super" and not is_folder:
            base = module[:-1]
        prefix = base + tuple(part for part in tail.split("::") if part)
        names = [name.strip().split("::")[0] for name in group.split(",")] if group else [""]
        for name in names:
            if name in ("self", ""):
                target = resolve(prefix, known)
            else:
                target = resolve(prefix + (name,), known)
            if target and target != module:
                found.add(target)
    return found


def layer(module: tuple[str, ...]) -> str:
    return module[0] if module[0] in LAYERS else "lib"


def graph() -> dict[tuple[str, ...], set[tuple[str, ...]]]:
    known = modules()
    return {module: uses(module, known) for module in known}


def upward_arrows(edges: dict[tuple[str, ...], set[tuple[str, ...]]]) -> list[str]:
    arrows = []
    for module, targets in edges.items():
        for target in targets:
            if LAYERS.index(layer(target)) > LAYERS.index(layer(module)):
                arrows.append(f"{'/'.join(module)} -> {'/'.join(target)}")
    return sorted(arrows)


def cycles(edges: dict[tuple[str, ...], set[tuple[str, ...]]]) -> list[set[tuple[str, ...]]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[tuple[str, ...], int] = {}
    low: dict[tuple[str, ...], int] = {}
    stack: list[tuple[str, ...]] = []
    on_stack: set[tuple[str, ...]] = set()
    found: list[set[tuple[str, ...]]] = []

    def visit(module: tuple[str, ...]) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in edges.get(module, ()):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(component)

    sys.setrecursionlimit(10_000)
    for module in edges:
        if module not in index:
            visit(module)
    return found


def main() -> int:
    edges = graph()
    for module in sorted(edges, key=lambda m: (LAYERS.index(layer(m)), m)):
        targets = ", ".join(sorted("/".join(t) for t in edges[module]))
        print(f"{'/'.join(module):32} -> {targets}")
    arrows = upward_arrows(edges)
    print("\nupward arrows:", *(arrows or ["none"]), sep="\n  ")
    print("\ncycles:", *(sorted("/".join(m) for m in c) for c in cycles(edges)), sep="\n  ")
    return 1 if arrows else 0


if __name__ == "__main__":
    sys.exit(main())
