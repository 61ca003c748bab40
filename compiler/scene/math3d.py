"""Matrix math for scenes (numpy), with the conventions runtime_js/scene.js gets from wgpu-matrix.

Conventions, shared by both runtimes and checked by tests/fixtures/cube_mvp.json:
  * right-handed view space, camera looking down -z;
  * clip-space depth in [0, 1] (WebGPU), not OpenGL's [-1, 1];
  * matrices act on column vectors (clip = P @ V @ M @ p); a numpy matrix is indexed m[row, col];
  * in buffers and in JSON a matrix is 16 floats in column-major order (`column_major`), as WGSL's mat4x4f
    and wgpu-matrix's Float32Array(16) store it.
Each builder mirrors the wgpu-matrix function of the same name (perspective, lookAt, axisRotation, translation).
The frame_* helpers read a scene.json dict, so the native renderer and the fixture see exactly what the
browser sees.
"""
from __future__ import annotations

import math

import numpy as np


def perspective(fov_y: float, aspect: float, near: float, far: float) -> np.ndarray:
    """Projection mapping view-space depth -near..-far to clip depth 0..1 (after the divide by w = -z)."""
    f = 1.0 / math.tan(fov_y / 2.0)
    range_inv = 1.0 / (near - far)
    return np.array([
        [f / aspect, 0.0, 0.0, 0.0],
        [0.0, f, 0.0, 0.0],
        [0.0, 0.0, far * range_inv, far * near * range_inv],
        [0.0, 0.0, -1.0, 0.0],
    ])


def look_at(eye, target, up) -> np.ndarray:
    """View matrix: world -> camera space, camera at `eye` looking at `target`."""
    eye, target, up = (np.asarray(v, dtype=np.float64) for v in (eye, target, up))
    z = _unit(eye - target)      # camera looks down -z
    x = _unit(np.cross(up, z))
    y = _unit(np.cross(z, x))
    m = np.eye(4)
    m[0, :3], m[1, :3], m[2, :3] = x, y, z
    m[:3, 3] = -m[:3, :3] @ eye
    return m


def axis_rotation(axis, angle: float) -> np.ndarray:
    """Right-handed rotation by `angle` radians about `axis` (need not be unit length). Rodrigues' formula."""
    x, y, z = _unit(np.asarray(axis, dtype=np.float64))
    c, s = math.cos(angle), math.sin(angle)
    k = np.array([[0.0, -z, y], [z, 0.0, -x], [-y, x, 0.0]])
    m = np.eye(4)
    m[:3, :3] = c * np.eye(3) + s * k + (1.0 - c) * np.outer((x, y, z), (x, y, z))
    return m


def translation(v) -> np.ndarray:
    m = np.eye(4)
    m[:3, 3] = np.asarray(v, dtype=np.float64)
    return m


def normal_matrix(model: np.ndarray) -> np.ndarray:
    """Inverse-transpose of the model's 3x3 in a 4x4 (WGSL's mat3x3f pads columns; a mat4 keeps layout simple)."""
    m = np.eye(4)
    m[:3, :3] = np.linalg.inv(model[:3, :3]).T
    return m


def column_major(m: np.ndarray) -> np.ndarray:
    """The 16 float32 values of a 4x4 matrix in the order WGSL and wgpu-matrix store them."""
    return np.asarray(m, dtype=np.float32).flatten(order="F")


def project_to_pixels(mvp: np.ndarray, points, width: int, height: int) -> np.ndarray:
    """Pixel coordinates (x right, y down, origin at the top-left corner) of object-space points, (n, 2).
    WebGPU's viewport maps NDC y = +1 to the top row, hence the flip."""
    p = np.asarray(points, dtype=np.float64)
    clip = np.c_[p, np.ones(len(p))] @ mvp.T
    ndc = clip[:, :2] / clip[:, 3:4]
    return np.c_[(ndc[:, 0] + 1.0) * 0.5 * width, (1.0 - ndc[:, 1]) * 0.5 * height]


def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    if n == 0.0:
        raise ValueError("cannot normalise a zero vector")
    return v / n


# --- scene.json -> matrices: the same steps as runtime_js/scene.js ---------------------------------------

def frame_view_projection(scene_json: dict, aspect: float) -> np.ndarray:
    cam = scene_json["camera"]
    proj = perspective(math.radians(cam["fov_y_deg"]), aspect, cam["near"], cam["far"])
    return proj @ look_at(cam["eye"], cam["target"], cam["up"])


def frame_model(draw: dict, t: float) -> np.ndarray:
    """Model matrix of one draw at time t: translate(rotate(p)); the rotation angle is phase + speed * t."""
    model = translation(draw["translation"])
    anim = draw.get("animation")
    if anim is not None:
        # Only "rotate" exists; lower.py rejects other kinds before they reach an artifact.
        model = model @ axis_rotation(anim["axis"], anim["phase"] + anim["speed"] * t)
    return model


def model_view_projection(scene_json: dict, t: float, aspect: float, draw_index: int = 0) -> np.ndarray:
    """MVP of draw `draw_index` at time t (4x4, float64); runtime_js/scene.js exports the same function."""
    draw = scene_json["draws"][draw_index]
    return frame_view_projection(scene_json, aspect) @ frame_model(draw, t)


def frame_matrices(scene_json: dict, draw: dict, t: float, aspect: float) -> dict[str, np.ndarray]:
    """The per-frame uniform values of a draw, keyed by the uniform field `source` names in scene.json."""
    model = frame_model(draw, t)
    return {
        "mvp": frame_view_projection(scene_json, aspect) @ model,
        "model": model,
        "normal_matrix": normal_matrix(model),
    }
