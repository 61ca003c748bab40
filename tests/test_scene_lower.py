"""Scene description -> artifact (description.py, layouts.py, lower.py, artifact.py); no adapter needed."""
from __future__ import annotations

import json
from pathlib import Path

import jinja2
import numpy as np
import pytest

from compiler.errors import ArtifactError
from compiler.scene import Animation, Camera, Drawable, Light, Material, Scene, compile_scene, compile_scene_file, cube_mesh
from compiler.scene import layouts
from compiler.scene.artifact import read_artifact
from compiler.scene.description import SceneError
from compiler.scene.lower import render_shaders

ROOT = Path(__file__).resolve().parents[1]


def two_material_scene() -> Scene:
    cube = cube_mesh()
    return Scene(name="pair", drawables=[
        Drawable("lit", cube, Material("paint", "lambert"), Animation((0, 1, 0), 1.0)),
        Drawable("flat", cube, Material("glow", "unlit", (1.0, 0.5, 0.5, 1.0)), translation=(2, 0, 0)),
    ])


def test_cube_mesh_faces_are_flat_outward_and_counter_clockwise():
    m = cube_mesh(size=2.0)
    assert m.positions.shape == (24, 3) and m.indices.shape == (36,)
    tri = m.positions[m.indices.reshape(-1, 3)]
    # Counter-clockwise seen from outside <=> the winding normal points along the stored normal, away from 0.
    winding = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    stored = m.normals[m.indices.reshape(-1, 3)[:, 0]]
    assert np.all(np.einsum("ij,ij->i", winding, stored) > 0)
    assert np.all(np.einsum("ij,ij->i", tri.mean(axis=1), stored) > 0)
    assert np.abs(m.positions).max() == 1.0
    # Six distinct face colours, one per 4 vertices.
    assert len({tuple(c) for c in m.colors}) == 6


@pytest.mark.parametrize("make, match", [
    (lambda: Material("Bad Name"), "snake_case"),
    (lambda: Material("m", kind="phong"), "not one of"),
    (lambda: Material("m", base_color=(2, 0, 0, 1)), r"\[0, 1\]"),
    (lambda: Camera(near=1.0, far=0.5), "near < far"),
    (lambda: Camera(eye=(0, 5, 0), up=(0, 1, 0)), "parallel"),
    (lambda: Camera(fov_y_deg=180), "fov_y_deg"),
    (lambda: Light(direction=(0, 0, 0)), "zero vector"),
    (lambda: Animation(axis=(1, 2)), "3 finite numbers"),
    (lambda: cube_mesh({"+x": (1, 0, 0)}), "missing"),
    (lambda: Scene("s", []), "non-empty"),
])
def test_invalid_descriptions_raise_scene_error(make, match):
    with pytest.raises(SceneError, match=match):
        make()


def test_scene_rejects_two_different_meshes_with_one_name():
    a, b = cube_mesh(), cube_mesh(size=2.0)
    mat = Material("m")
    with pytest.raises(SceneError, match="meshes are both named 'cube'"):
        Scene("s", [Drawable("a", a, mat), Drawable("b", b, mat)])


def test_uniform_layout_follows_wgsl_alignment():
    fields, size = layouts.uniform_layout("lambert")
    offsets = {f.name: f.offset for f in fields}
    # vec3f aligns to 16 and leaves 4 bytes that the f32 `ambient` fills.
    assert offsets == {"mvp": 0, "normal_matrix": 64, "light_dir": 128, "ambient": 140,
                       "light_color": 144, "base_color": 160}
    assert size == 176
    assert layouts.uniform_layout("unlit")[1] == 80


def test_templates_render_layout_into_wgsl():
    shaders = render_shaders("lambert")
    vert, frag = shaders["lambert.vert.wgsl"], shaders["lambert.frag.wgsl"]
    for src in (vert, frag):
        assert "@group(0) @binding(0) var<uniform> u: Uniforms;" in src
        assert "ambient: f32,  // byte offset 140" in src
    assert "@location(1) normal: vec3f" in vert
    unlit = render_shaders("unlit")["unlit.vert.wgsl"]
    assert "normal" not in unlit and "@location(2) color: vec3f" in unlit


def test_templates_are_strict(monkeypatch):
    monkeypatch.setattr(layouts, "UNIFORM_BINDING", {"group": 0})  # no "binding" key
    with pytest.raises(jinja2.UndefinedError):
        render_shaders("unlit")


def test_compile_cube_scene_file(tmp_path):
    out = compile_scene_file(ROOT / "demos" / "cube_scene.py", tmp_path / "cube")
    sj = json.loads((out / "scene.json").read_text())
    assert sj["format_version"] == 1 and sj["name"] == "cube"
    assert sorted(p.name for p in out.iterdir()) == [
        "cube.indices.bin", "cube.vertices.bin", "lambert.frag.wgsl", "lambert.vert.wgsl", "scene.json"]
    layout = sj["vertex_layouts"]["lambert"]
    assert layout["array_stride"] == 36
    assert [(a["name"], a["offset"], a["shader_location"]) for a in layout["attributes"]] == [
        ("position", 0, 0), ("normal", 12, 1), ("color", 24, 2)]
    p = sj["pipelines"]["lambert"]
    assert p["primitive"]["cull_mode"] == "back" and p["multisample"]["count"] == 4
    draw = sj["draws"][0]
    assert draw["index_format"] == "uint16" and draw["index_count"] == 36
    assert draw["animation"]["kind"] == "rotate" and draw["animation"]["speed"] == pytest.approx(0.9)
    assert set(draw["uniform_values"]) == {"light_dir", "ambient", "light_color", "base_color"}
    assert np.linalg.norm(draw["uniform_values"]["light_dir"]) == pytest.approx(1.0)
    art = read_artifact(out)
    verts = np.frombuffer(art.buffers["cube.vertices"], dtype="<f4").reshape(24, 9)
    np.testing.assert_allclose(np.abs(verts[:, :3]).max(), 0.8)  # size=1.6 cube
    assert np.frombuffer(art.buffers["cube.indices"], dtype="<u2").max() == 23


def test_one_pipeline_per_material_kind_and_shared_mesh_buffers(tmp_path):
    sj = json.loads((compile_scene(two_material_scene(), tmp_path) / "scene.json").read_text())
    assert set(sj["pipelines"]) == {"lambert", "unlit"}
    assert set(sj["buffers"]) == {"cube.vertices", "cube.indices"}
    unlit = sj["vertex_layouts"]["unlit"]["attributes"]
    assert [a["name"] for a in unlit] == ["position", "color"] and unlit[1]["offset"] == 24
    assert sj["draws"][1]["uniform_values"] == {"base_color": [1.0, 0.5, 0.5, 1.0]}


def test_read_artifact_rejects_tampering_and_old_versions(tmp_path):
    out = compile_scene_file(ROOT / "demos" / "cube_scene.py", tmp_path)
    (out / "cube.indices.bin").write_bytes(b"\0" * 72)
    with pytest.raises(ArtifactError, match="sha256"):
        read_artifact(out)
    sj = json.loads((out / "scene.json").read_text())
    (out / "scene.json").write_text(json.dumps(sj | {"format_version": 99}))
    with pytest.raises(ArtifactError, match="format_version 99"):
        read_artifact(out)
    with pytest.raises(ArtifactError, match="not found"):
        read_artifact(tmp_path / "nowhere")


def test_scene_file_must_define_scene(tmp_path):
    bad = tmp_path / "bad_scene.py"
    bad.write_text("scene = 42\n")
    with pytest.raises(SceneError, match="must define `scene`"):
        compile_scene_file(bad, tmp_path / "out")
    fn = tmp_path / "fn_scene.py"
    fn.write_text("from compiler.scene import *\n"
                  "def scene():\n    return Scene('fn', [Drawable('c', cube_mesh(), Material('m', 'unlit'))])\n")
    assert json.loads((compile_scene_file(fn, tmp_path / "fn") / "scene.json").read_text())["name"] == "fn"


def test_cli_reports_bad_arguments(capsys, tmp_path):
    from compiler.scene.cli import main

    assert main([str(ROOT / "demos" / "cube_scene.py")]) == 2
    assert "nothing to write" in capsys.readouterr().err
    assert main([str(ROOT / "demos" / "cube_scene.py"), "--gif", str(tmp_path / "a.gif")]) == 2
    assert main([str(tmp_path / "missing.py"), "-o", str(tmp_path / "a.png")]) == 2
    assert "not found" in capsys.readouterr().err
