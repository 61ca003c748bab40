"""Lowering: Scene (description.py) -> artifact directory read by render.py and runtime_js/scene.js.

    scene.json            format_version, buffers, vertex_layouts, uniform_layouts, pipelines, draws
    <kind>.vert.wgsl      one pipeline per material kind, from wgsl/scene_<kind>.vert.wgsl.j2
    <kind>.frag.wgsl      ... and wgsl/scene_<kind>.frag.wgsl.j2
    <mesh>.vertices.bin   interleaved float32 vertices (layouts.VERTEX_ATTRIBUTES)
    <mesh>.indices.bin    uint16/uint32 triangle-list indices

Choices (which template, which attributes, index width, uniform offsets) are made here; templates only
receive them. The colour target format is left to each runtime (a canvas has its preferred format).
Set WEBSHARD_DEBUG=1 to print the rendered shaders.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import sys
from pathlib import Path

import jinja2
import numpy as np

from compiler.scene import layouts
from compiler.scene.description import Drawable, Mesh, Scene, SceneError

FORMAT_VERSION = 1
SCENE_JSON = "scene.json"
WGSL_DIR = Path(__file__).resolve().parents[2] / "wgsl"

MSAA_SAMPLES = 4              # smooths the cube's silhouette; resolved into the single-sample target
DEPTH_FORMAT = "depth24plus"  # enough precision for near/far ratios of ~1000, supported everywhere


def _template_env() -> jinja2.Environment:
    # StrictUndefined: a variable missing from the render call is an error, not silently empty WGSL.
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(WGSL_DIR),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )


def render_shaders(kind: str) -> dict[str, str]:
    """{"<kind>.vert.wgsl": source, "<kind>.frag.wgsl": source} for one material kind."""
    fields, _ = layouts.uniform_layout(kind)
    ctx = {
        "uniform_fields": fields,
        "binding": layouts.UNIFORM_BINDING,
        "attributes": layouts.vertex_attributes(kind),
    }
    env = _template_env()
    return {f"{kind}.{stage}.wgsl": env.get_template(f"scene_{kind}.{stage}.wgsl.j2").render(ctx)
            for stage in ("vert", "frag")}


def _vertex_bytes(mesh: Mesh) -> bytes:
    columns = {"position": mesh.positions, "normal": mesh.normals, "color": mesh.colors}
    interleaved = np.concatenate([columns[name] for name, _ in layouts.VERTEX_ATTRIBUTES], axis=1)
    return np.ascontiguousarray(interleaved, dtype="<f4").tobytes()


def _index_bytes(mesh: Mesh) -> tuple[bytes, str]:
    # uint16 halves index traffic whenever the vertex count allows it.
    if mesh.vertex_count <= 1 << 16:
        data, fmt = mesh.indices.astype("<u2").tobytes(), "uint16"
    else:
        data, fmt = mesh.indices.astype("<u4").tobytes(), "uint32"
    # queue.writeBuffer needs a size that is a multiple of 4; index_count says how many are real.
    return data + b"\0" * (-len(data) % 4), fmt


def _static_uniforms(scene: Scene, drawable: Drawable) -> dict[str, list[float]]:
    """Values of the load-time uniform fields, keyed by field name."""
    light_dir = np.asarray(scene.light.direction, dtype=np.float64)
    values = {
        "light_dir": (light_dir / np.linalg.norm(light_dir)).tolist(),
        "ambient": [scene.light.ambient],
        "light_color": list(scene.light.color),
        "base_color": list(drawable.material.base_color),
    }
    fields, _ = layouts.uniform_layout(drawable.material.kind)
    return {f.name: values[f.name] for f in fields if not f.per_frame}


def _buffer_entry(file: str, data: bytes, usage: str) -> dict:
    return {"file": file, "nbytes": len(data), "usage": usage, "sha256": hashlib.sha256(data).hexdigest()}


def lower(scene: Scene) -> tuple[dict, dict[str, bytes | str]]:
    """The scene.json dict and the other artifact files {file name: contents}, without touching disk."""
    files: dict[str, bytes | str] = {}
    buffers, vertex_layouts, uniform_layouts, pipelines, draws = {}, {}, {}, {}, []
    for d in scene.drawables:
        kind = d.material.kind
        if kind not in pipelines:
            shaders = render_shaders(kind)
            files.update(shaders)
            vertex_layouts[kind] = {
                "array_stride": layouts.vertex_stride(),
                "step_mode": "vertex",
                "attributes": [{k: a[k] for k in ("name", "format", "offset", "shader_location")}
                               for a in layouts.vertex_attributes(kind)],
            }
            fields, size = layouts.uniform_layout(kind)
            uniform_layouts[kind] = {"size": size, "fields": [f.as_json() for f in fields]}
            pipelines[kind] = {
                "vertex": {"shader": f"{kind}.vert.wgsl", "entry_point": "vs_main", "vertex_layout": kind},
                "fragment": {"shader": f"{kind}.frag.wgsl", "entry_point": "fs_main"},
                # Back-face culling: every mesh is a closed solid, so back faces are never visible.
                "primitive": {"topology": "triangle-list", "front_face": "ccw", "cull_mode": "back"},
                "depth_stencil": {"format": DEPTH_FORMAT, "depth_write_enabled": True, "depth_compare": "less"},
                "multisample": {"count": MSAA_SAMPLES},
                "bindings": [dict(layouts.UNIFORM_BINDING, uniform_layout=kind)],
            }
        mesh = d.mesh
        vb_name, ib_name = f"{mesh.name}.vertices", f"{mesh.name}.indices"
        if vb_name not in buffers:
            vdata = _vertex_bytes(mesh)
            idata, index_format = _index_bytes(mesh)
            files[f"{vb_name}.bin"], files[f"{ib_name}.bin"] = vdata, idata
            buffers[vb_name] = _buffer_entry(f"{vb_name}.bin", vdata, "vertex")
            buffers[ib_name] = _buffer_entry(f"{ib_name}.bin", idata, "index") | {"index_format": index_format}
        anim = d.animation
        draws.append({
            "name": d.name,
            "pipeline": kind,
            "vertex_buffer": vb_name,
            "index_buffer": ib_name,
            "index_format": buffers[ib_name]["index_format"],
            "index_count": int(mesh.indices.size),
            "translation": list(d.translation),
            "animation": None if anim is None else {
                "kind": anim.kind, "axis": list(anim.axis), "speed": anim.speed, "phase": anim.phase},
            "uniform_values": _static_uniforms(scene, d),
        })
    cam = scene.camera
    scene_json = {
        "format_version": FORMAT_VERSION,
        "kind": "webshard-scene",
        "name": scene.name,
        "background": list(scene.background),
        "camera": {"eye": list(cam.eye), "target": list(cam.target), "up": list(cam.up),
                   "fov_y_deg": cam.fov_y_deg, "near": cam.near, "far": cam.far},
        "render": {"msaa_samples": MSAA_SAMPLES, "depth_format": DEPTH_FORMAT},
        "buffers": buffers,
        "vertex_layouts": vertex_layouts,
        "uniform_layouts": uniform_layouts,
        "pipelines": pipelines,
        "draws": draws,
    }
    return scene_json, files


def dump_json(obj) -> str:
    """Indented JSON with short lists of numbers or strings kept on one line, so scene.json reads well."""
    text = json.dumps(obj, indent=1)
    return re.sub(r"\[\s*([^\[\]{}]*?)\s*\]", lambda m: "[" + re.sub(r",\s+", ", ", m.group(1)) + "]", text) + "\n"


def compile_scene(scene: Scene, out_dir: str | Path) -> Path:
    """Write the artifact of `scene` into `out_dir` (created if needed) and return `out_dir`."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    scene_json, files = lower(scene)
    debug = os.environ.get("WEBSHARD_DEBUG", "0") not in ("", "0")
    for name, content in files.items():
        if isinstance(content, str):
            (out / name).write_text(content)
            if debug and name.endswith(".wgsl"):
                print(f"--- {out / name}\n{content}", file=sys.stderr)
        else:
            (out / name).write_bytes(content)
    # scene.json last, via rename: a reader that finds it (the server, a browser) finds a complete artifact.
    tmp = out / f".{SCENE_JSON}.tmp"
    tmp.write_text(dump_json(scene_json))
    tmp.replace(out / SCENE_JSON)
    return out


def load_scene_file(path: str | Path) -> Scene:
    """Import a scene file and return its `scene` (a Scene, or a function returning one)."""
    path = Path(path)
    if not path.is_file():
        raise SceneError(f"scene file {path} not found")
    spec = importlib.util.spec_from_file_location(f"_webshard_scene_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise SceneError(f"{path} is not a Python file")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    obj = getattr(module, "scene", None)
    if callable(obj) and not isinstance(obj, Scene):
        obj = obj()
    if not isinstance(obj, Scene):
        raise SceneError(f"{path} must define `scene` as a Scene or a function returning one, "
                         f"got {type(obj).__name__}")
    return obj


def compile_scene_file(path: str | Path, out_dir: str | Path) -> Path:
    """Load a scene file (e.g. demos/cube_scene.py) and compile it into `out_dir` (e.g. build/scenes/cube)."""
    return compile_scene(load_scene_file(path), out_dir)
