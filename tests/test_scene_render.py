"""Native scene rendering (compiler/native/scene_render.py, compiler/scene/cli.py) on the test adapter (lavapipe in CI).

Three checks of increasing strictness: face-centre colours equal a numpy Lambert/unlit reference; the frame at
t=0.5 matches tests/golden/cube_t0.5.png (diff image under test-artifacts/ on failure; regenerate after an
intended change with WEBSHARD_UPDATE_GOLDEN=1); the CLI writes a PNG and a GIF.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from compiler.scene import Camera, Drawable, Material, Scene, compile_scene, cube_mesh, math3d
from compiler.scene.artifact import read_artifact
from compiler.scene.lower import load_scene_file

ROOT = Path(__file__).resolve().parents[1]
CUBE_SCENE = ROOT / "demos" / "cube_scene.py"
GOLDEN = ROOT / "tests" / "golden" / "cube_t0.5.png"
ARTIFACTS = ROOT / "test-artifacts"
GOLDEN_T, GOLDEN_SIZE = 0.5, 256

pytestmark = pytest.mark.gpu


def face_samples(scene: Scene, scene_json: dict, t: float, width: int, height: int, min_facing: float = 0.3):
    """For each cube face turned towards the camera: (face index, pixel (x, y) of its centre, expected RGB in
    [0, 1] from a numpy reference of the material). Faces seen edge-on are skipped (their centre is close
    to an edge, where multisampling blends colours)."""
    draw, mesh = scene_json["draws"][0], scene.drawables[0].mesh
    model = math3d.frame_model(draw, t)
    mvp = math3d.frame_view_projection(scene_json, width / height) @ model
    eye = np.asarray(scene_json["camera"]["eye"])
    u = draw["uniform_values"]
    out = []
    for face in range(mesh.vertex_count // 4):
        corners = mesh.positions[4 * face: 4 * face + 4]
        centre = corners.mean(axis=0)
        world_centre = (model @ np.r_[centre, 1.0])[:3]
        normal = math3d.normal_matrix(model)[:3, :3] @ mesh.normals[4 * face]
        facing = normal @ (eye - world_centre) / np.linalg.norm(eye - world_centre)
        if facing < min_facing:
            continue
        colour = mesh.colors[4 * face] * np.asarray(u["base_color"][:3])
        if draw["pipeline"] == "lambert":
            diffuse = max(float(normal @ -np.asarray(u["light_dir"])), 0.0)
            colour = colour * (u["ambient"][0] + (1 - u["ambient"][0]) * diffuse * np.asarray(u["light_color"]))
        xy = math3d.project_to_pixels(mvp, [centre], width, height)[0]
        out.append((face, (int(xy[0]), int(xy[1])), colour))
    return out


def compare_to_golden(actual: np.ndarray, golden: Path, *, mean_tol: float = 1.0, frac_tol: float = 0.005,
                      artifacts: Path = ARTIFACTS):
    """Fail unless `actual` matches the PNG `golden`: mean |diff| (0..255) <= mean_tol and at most frac_tol
    of pixels differ by more than 16 in any channel. Writes actual and diff images on failure."""
    from PIL import Image

    from compiler.native.scene_render import save_png

    if os.environ.get("WEBSHARD_UPDATE_GOLDEN"):
        save_png(actual, golden)
    if not golden.is_file():
        pytest.fail(f"{golden} missing: run with WEBSHARD_UPDATE_GOLDEN=1 to create it, then look at it")
    expected = np.asarray(Image.open(golden).convert("RGBA"))
    if expected.shape != actual.shape:
        pytest.fail(f"size {actual.shape} differs from golden {expected.shape}")
    diff = np.abs(actual.astype(np.int16) - expected.astype(np.int16))
    mean, frac = float(diff.mean()), float((diff.max(axis=2) > 16).mean())
    if mean > mean_tol or frac > frac_tol:
        stem = artifacts / golden.stem
        save_png(actual, f"{stem}.actual.png")
        vis = np.clip(diff * 4, 0, 255).astype(np.uint8)
        vis[..., 3] = 255
        save_png(vis, f"{stem}.diff.png")
        pytest.fail(f"render differs from {golden.name}: mean |diff| {mean:.2f} (tol {mean_tol}), "
                    f"{frac:.2%} pixels off (tol {frac_tol:.2%}); see {stem}.actual.png and {stem}.diff.png")


def test_golden_mismatch_writes_diff_image(tmp_path):
    from compiler.native.scene_render import save_png

    image = np.zeros((8, 8, 4), np.uint8)
    image[..., 3] = 255
    save_png(image, tmp_path / "ref.png")
    image[:4, :, 0] = 200
    with pytest.raises(pytest.fail.Exception, match="ref.diff.png"):
        compare_to_golden(image, tmp_path / "ref.png", artifacts=tmp_path)
    assert (tmp_path / "ref.diff.png").is_file() and (tmp_path / "ref.actual.png").is_file()


@pytest.fixture(scope="module")
def cube(tmp_path_factory):
    scene = load_scene_file(CUBE_SCENE)
    return scene, read_artifact(compile_scene(scene, tmp_path_factory.mktemp("cube")))


def test_cube_matches_golden(gpu, cube):
    from compiler.native.scene_render import NativeSceneRenderer

    _, artifact = cube
    image = NativeSceneRenderer(gpu, artifact, GOLDEN_SIZE, GOLDEN_SIZE).render(GOLDEN_T)
    compare_to_golden(image, GOLDEN)


@pytest.mark.parametrize("t", [0.5, 2.5])
def test_face_colours_match_numpy_reference(gpu, cube, t):
    from compiler.native.scene_render import NativeSceneRenderer

    scene, artifact = cube
    image = NativeSceneRenderer(gpu, artifact, 128, 96).render(t)  # non-square: aspect must be honoured
    samples = face_samples(scene, artifact.scene_json, t, 128, 96)
    assert len(samples) >= 2
    for face, (x, y), colour in samples:
        np.testing.assert_allclose(image[y, x, :3], np.round(colour * 255), atol=2, err_msg=f"face {face}")
    bg = np.round(np.asarray(artifact.scene_json["background"]) * 255)
    np.testing.assert_allclose(image[0, 0], bg, atol=1)


def test_unlit_material_and_back_face_culling(gpu, tmp_path):
    from compiler.native.scene_render import NativeSceneRenderer

    # Camera inside the cube: with back faces culled there is nothing to see but the background.
    base = (0.5, 1.0, 1.0, 1.0)
    scene = Scene("flat", [Drawable("box", cube_mesh(), Material("glow", "unlit", base))])
    art = read_artifact(compile_scene(scene, tmp_path / "flat"))
    image = NativeSceneRenderer(gpu, art, 64, 64).render(0.0)
    front = art.scene_json["draws"][0]
    x, y = 32, 32
    expected = np.round(cube_mesh().colors[16] * base[:3] * 255)  # +z face, straight ahead of the camera
    np.testing.assert_allclose(image[y, x, :3], expected, atol=1)
    assert front["pipeline"] == "unlit"
    inside = Scene("inside", scene.drawables, camera=Camera(eye=(0, 0, 0.1), target=(0, 0, -1), near=0.01))
    art = read_artifact(compile_scene(inside, tmp_path / "inside"))
    image = NativeSceneRenderer(gpu, art, 32, 32).render(0.0)
    assert np.all(image == image[0, 0]), "back faces were drawn"


def test_cli_writes_png_and_gif(gpu, tmp_path):
    from PIL import Image

    from compiler.scene.cli import main

    png, gif = tmp_path / "cube.png", tmp_path / "cube.gif"
    rc = main([str(CUBE_SCENE), "--t", "0.5", "-o", str(png), "--frames", "3", "--gif", str(gif),
               "--width", "64", "--height", "48", "--out-dir", str(tmp_path / "art")])
    assert rc == 0
    assert Image.open(png).size == (64, 48)
    with Image.open(gif) as g:
        assert g.n_frames == 3 and g.size == (64, 48)
    assert (tmp_path / "art" / "scene.json").is_file()
