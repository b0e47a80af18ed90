"""The bindings crate's architecture, read from its sources (see ARCHITECTURE.md): layer
folders that only use those below them, typed exceptions, documented files."""

import re
from pathlib import Path

import layers

ROOT = Path(__file__).resolve().parent.parent


def test_the_graph_is_read_from_the_sources():
    edges = layers.graph()
    assert ("objects", "registry") in edges[("api", "interpreter")]
    assert ("neuron", "errors") in edges[("objects", "section")]
    assert ("parallel", "context") in edges[("parallel", "gid")]


def test_an_upward_arrow_would_be_found():
    edges = {("neuron", "handles"): {("objects", "base")}, ("objects", "base"): set()}
    assert layers.upward_arrows(edges) == ["neuron/handles -> objects/base"]


def test_every_file_is_in_a_layer_folder():
    for module in layers.modules():
        assert module == ("lib",) or module[0] in layers.LAYERS, module


def test_no_layer_uses_one_above_it():
    assert layers.upward_arrows(layers.graph()) == []


def test_the_one_cycle_is_among_the_wrapper_classes():
    cycles = layers.cycles(layers.graph())
    assert len(cycles) <= 1
    for cycle in cycles:
        assert {module[0] for module in cycle} == {"objects"}


def test_every_rust_file_says_what_it_is():
    files = [f for f in (ROOT / "crates").rglob("*.rs") if "target" not in f.parts]
    undocumented = [str(f.relative_to(ROOT)) for f in files if not f.read_text().startswith("//!")]
    assert files and undocumented == []


def test_no_exception_class_is_named_by_a_string():
    exceptions = (ROOT / "python" / "patch" / "exceptions.py").read_text()
    names = re.findall(r"^class (\w+)\(", exceptions, re.M)
    assert "HocError" in names
    named = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in (ROOT / "crates").rglob("*.rs")
        for name in names
        if f'"{name}"' in path.read_text()
    ]
    assert named == []


def test_unsafe_blocks_must_say_why_they_are_sound():
    workspace = (ROOT / "Cargo.toml").read_text()
    lints = workspace.split("[workspace.lints.clippy]")[1].split("\n[")[0]
    assert re.search(r'^undocumented_unsafe_blocks = "deny"$', lints, re.M)
