"""compiler/build.py ensure_default_model: the default artifact is rebuilt exactly when its build key is stale
(format, compiler sources, model file), saying why. A tiny GGUF stands in for SmolLM2 (no adapter needed)."""
from __future__ import annotations

import json
import os

import pytest

from compiler import build
from compiler.artifact import FORMAT_VERSION
from tests.tiny_models import make_tiny_llama


@pytest.fixture
def default_model(tmp_path, monkeypatch):
    """ensure_default_model over a tiny GGUF; compile_source replaced by a recorder that writes a bare manifest."""
    source = make_tiny_llama(tmp_path / "src")
    monkeypatch.setattr("compiler.importers.default_model_path", lambda: source)
    builds = []

    def compile_source(src, out, *, model_id):
        builds.append(src)
        out.mkdir(parents=True, exist_ok=True)
        (out / "manifest.json").write_text(json.dumps({"format_version": FORMAT_VERSION}))
        (out / build.BUILD_KEY_FILE).unlink(missing_ok=True)  # write_artifact swaps in a fresh directory
        return {}, 0.0

    monkeypatch.setattr(build, "compile_source", compile_source)
    return source, tmp_path / "models" / "smollm2", builds


def ensure(out, capsys) -> str:
    assert build.ensure_default_model(out) == out
    return capsys.readouterr().err


def test_built_once_then_kept(default_model, capsys):
    source, out, builds = default_model
    assert "compiling the default model" in ensure(out, capsys)
    key = json.loads((out / build.BUILD_KEY_FILE).read_text())
    assert key == build.build_key(source) and key["source"]["file"] == source.name  # a name, never a path
    assert ensure(out, capsys) == ""
    assert builds == [source]


@pytest.mark.parametrize("change, reason", [
    (lambda out, source, mp: mp.setattr(build, "compiler_hash", lambda: "0" * 64), "compiler changed"),
    (lambda out, source, mp: os.utime(source, ns=(1, 1)), "model file changed"),
    (lambda out, source, mp: source.write_bytes(source.read_bytes() + b"\0" * 32), "model file changed"),
    (lambda out, source, mp: (out / "manifest.json").write_text('{"format_version": 0}'), "format changed"),
    (lambda out, source, mp: (out / "manifest.json").write_text("{"), "artifact unreadable"),
    (lambda out, source, mp: (out / build.BUILD_KEY_FILE).unlink(), "no build key"),
])
def test_stale_artifacts_are_rebuilt_saying_why(default_model, capsys, monkeypatch, change, reason):
    source, out, builds = default_model
    ensure(out, capsys)
    change(out, source, monkeypatch)
    assert f"recompiling ({reason}): the default model" in ensure(out, capsys)
    assert len(builds) == 2
    assert ensure(out, capsys) == "" and len(builds) == 2  # and current again afterwards


@pytest.fixture
def sources(tmp_path, monkeypatch):
    compiler_dir, templates = tmp_path / "compiler", tmp_path / "wgsl"
    for rel, text in {"compiler/a.py": "x = 1\n", "compiler/scene/b.py": "y = 2\n", "compiler/native/run.py": "z\n",
                      "compiler/notes.md": "n\n", "wgsl/matmul.wgsl.j2": "fn main() {}\n"}.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    monkeypatch.setattr(build, "COMPILER_DIR", compiler_dir)
    monkeypatch.setattr(build, "TEMPLATES_DIR", templates)
    return tmp_path


@pytest.mark.parametrize("rel, counts", [
    ("compiler/a.py", True), ("compiler/scene/b.py", True), ("wgsl/matmul.wgsl.j2", True),
    ("compiler/native/run.py", False), ("compiler/notes.md", False),
])
def test_compiler_hash_covers_sources_and_templates_only(sources, rel, counts):
    before = build.compiler_hash()
    (sources / rel).write_text((sources / rel).read_text() + "# changed\n")
    assert (build.compiler_hash() != before) is counts


def test_the_real_hash_sees_this_checkout():
    assert build.TEMPLATES_DIR.is_dir() and any(build.TEMPLATES_DIR.glob("*.wgsl.j2"))
    assert len(build.compiler_hash()) == 64


def test_a_real_build_writes_the_key_beside_the_manifest(tmp_path, monkeypatch, capsys):
    source = make_tiny_llama(tmp_path / "src")
    monkeypatch.setattr("compiler.importers.default_model_path", lambda: source)
    out = tmp_path / "smollm2"
    assert "compiling" in ensure(out, capsys)
    assert (out / "manifest.json").is_file() and build.stale_reason(out, build.build_key(source)) is None
