"""compiler/scene/math3d.py: conventions (column-major, depth in [0, 1]) and the shared MVP fixture.

tests/fixtures/cube_mvp.json holds MVP matrices of the cube scene for a few (t, aspect); this file checks numpy
reproduces them, test_scene_browser.py checks runtime_js/scene.js (wgpu-matrix) does. Regenerate it after an
intended change to the cube scene with WEBSHARD_UPDATE_FIXTURES=1.
"""
from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pytest

from compiler.scene import math3d
from compiler.scene.lower import dump_json, load_scene_file, lower

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "cube_mvp.json"
CUBE_SCENE = ROOT / "demos" / "cube_scene.py"
CASES = [(0.0, 1.0), (0.5, 1.0), (1.25, 16 / 9), (7.0, 0.75)]  # (t seconds, aspect)


def cube_scene_json() -> dict:
    return lower(load_scene_file(CUBE_SCENE))[0]


def build_fixture() -> dict:
    sj = cube_scene_json()
    return {
        "about": "MVP of draw 0 of demos/cube_scene.py, column-major, clip depth [0, 1]; "
                 "numpy (math3d) and wgpu-matrix (runtime_js/scene.js) must both reproduce it",
        "scene": "demos/cube_scene.py",
        "cases": [{"t": t, "aspect": a,
                   "mvp": [round(float(x), 7) for x in math3d.column_major(math3d.model_view_projection(sj, t, a))]}
                  for t, a in CASES],
    }


def load_fixture() -> dict:
    if os.environ.get("WEBSHARD_UPDATE_FIXTURES"):
        FIXTURE.parent.mkdir(parents=True, exist_ok=True)
        FIXTURE.write_text(dump_json(build_fixture()))
    if not FIXTURE.is_file():
        pytest.fail(f"{FIXTURE} missing: run with WEBSHARD_UPDATE_FIXTURES=1 to create it")
    return json.loads(FIXTURE.read_text())


def test_numpy_reproduces_mvp_fixture():
    sj = cube_scene_json()
    for case in load_fixture()["cases"]:
        got = math3d.column_major(math3d.model_view_projection(sj, case["t"], case["aspect"]))
        np.testing.assert_allclose(got, case["mvp"], atol=1e-5, err_msg=f"t={case['t']} aspect={case['aspect']}")


def test_perspective_maps_near_to_0_and_far_to_1():
    p = math3d.perspective(math.radians(60), 1.5, 0.5, 20.0)
    for z, depth in ((-0.5, 0.0), (-20.0, 1.0)):
        clip = p @ np.array([0.0, 0.0, z, 1.0])
        assert clip[3] == pytest.approx(-z)
        assert clip[2] / clip[3] == pytest.approx(depth, abs=1e-12)
    # The vertical half-angle lands on the top edge of the clip square.
    clip = p @ np.array([0.0, math.tan(math.radians(30)), -1.0, 1.0])
    assert clip[1] / clip[3] == pytest.approx(1.0)


def test_look_at_puts_eye_at_origin_looking_down_minus_z():
    v = math3d.look_at((1.0, 2.0, 3.0), (0.0, 0.0, 0.0), (0.0, 1.0, 0.0))
    np.testing.assert_allclose(v @ [1.0, 2.0, 3.0, 1.0], [0, 0, 0, 1], atol=1e-12)
    target = v @ [0.0, 0.0, 0.0, 1.0]
    assert target[0] == pytest.approx(0, abs=1e-12) and target[1] == pytest.approx(0, abs=1e-12)
    assert target[2] == pytest.approx(-math.sqrt(14))


def test_axis_rotation_is_right_handed_and_orthonormal():
    r = math3d.axis_rotation((0.0, 0.0, 2.0), math.pi / 2)  # axis need not be unit length
    np.testing.assert_allclose(r @ [1.0, 0.0, 0.0, 1.0], [0, 1, 0, 1], atol=1e-12)
    r = math3d.axis_rotation((0.3, 1.0, 0.2), 1.234)
    np.testing.assert_allclose(r[:3, :3] @ r[:3, :3].T, np.eye(3), atol=1e-12)
    assert np.linalg.det(r[:3, :3]) == pytest.approx(1.0)


def test_column_major_matches_wgsl_storage():
    m = math3d.translation((5.0, 6.0, 7.0))
    flat = math3d.column_major(m)
    assert flat.dtype == np.float32
    assert list(flat[12:15]) == [5.0, 6.0, 7.0]  # translation is the 4th column: elements 12..14


def test_normal_matrix_of_rotation_is_the_rotation():
    model = math3d.translation((1, 2, 3)) @ math3d.axis_rotation((1, 1, 0), 0.7)
    n = math3d.normal_matrix(model)
    np.testing.assert_allclose(n[:3, :3], model[:3, :3], atol=1e-12)
    np.testing.assert_allclose(n[3], [0, 0, 0, 1])
