"""Native scene rendering: artifact (compiler/scene/artifact.py) -> wgpu-py offscreen render -> RGBA numpy -> PNG / GIF.

Everything is built from scene.json, as runtime_js/scene.js does in the browser: buffers, pipelines and bind
groups once at construction, then per frame only the per-frame uniform fields (math3d.frame_matrices) are
written. Frames render into a 4x multisampled target resolved into an rgba8unorm texture (no sRGB encoding,
so the PNG holds exactly what the fragment shader returned, like a bgra8unorm canvas in the browser).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import wgpu

from compiler.errors import WebshardError
from compiler.scene import math3d
from compiler.scene.artifact import SceneArtifact

COLOR_FORMAT = "rgba8unorm"
MAX_SIZE = 4096

_STAGES = {"vertex": wgpu.ShaderStage.VERTEX, "fragment": wgpu.ShaderStage.FRAGMENT}
_BUFFER_USAGE = {"vertex": wgpu.BufferUsage.VERTEX, "index": wgpu.BufferUsage.INDEX}


def pack_uniforms(layout: dict, values: dict) -> bytes:
    """Bytes of one uniform struct: each field's float32 values at its scene.json offset. Matrices are
    numpy 4x4 (stored column-major, as WGSL reads them); vectors and scalars are sequences of floats."""
    out = np.zeros(layout["size"] // 4, dtype="<f4")
    for f in layout["fields"]:
        v = values[f["name"]]
        flat = math3d.column_major(v) if np.ndim(v) == 2 else np.asarray(v, dtype="<f4").ravel()
        if flat.size * 4 > f["size"]:
            raise ValueError(f"uniform {f['name']}: {flat.size} floats do not fit {f['size']} bytes")
        out[f["offset"] // 4: f["offset"] // 4 + flat.size] = flat
    return out.tobytes()


class NativeSceneRenderer:
    """Renders one artifact at a fixed size; `render(t)` returns an (height, width, 4) uint8 RGBA image."""

    def __init__(self, gpu, artifact: SceneArtifact, width: int, height: int):
        for name, v in (("width", width), ("height", height)):
            if not (isinstance(v, int) and 1 <= v <= MAX_SIZE):
                raise WebshardError(f"{name} must be an integer in [1, {MAX_SIZE}], got {v!r}")
        self.device = device = gpu.device
        self.scene = sj = artifact.scene_json
        self.width, self.height = width, height
        self.buffers = {
            name: device.create_buffer_with_data(data=artifact.buffers[name], usage=_BUFFER_USAGE[e["usage"]])
            for name, e in sj["buffers"].items()
        }
        self.pipelines = {kind: self._create_pipeline(p, artifact.shaders) for kind, p in sj["pipelines"].items()}
        self.draws = [self._create_draw(d) for d in sj["draws"]]
        samples = sj["render"]["msaa_samples"]
        size = (width, height, 1)
        self.resolve = device.create_texture(
            size=size, format=COLOR_FORMAT,
            usage=wgpu.TextureUsage.RENDER_ATTACHMENT | wgpu.TextureUsage.COPY_SRC)
        self.msaa_view = device.create_texture(
            size=size, format=COLOR_FORMAT, sample_count=samples,
            usage=wgpu.TextureUsage.RENDER_ATTACHMENT).create_view()
        self.depth_view = device.create_texture(
            size=size, format=sj["render"]["depth_format"], sample_count=samples,
            usage=wgpu.TextureUsage.RENDER_ATTACHMENT).create_view()

    def _create_pipeline(self, p: dict, shaders: dict[str, str]) -> dict:
        device = self.device
        groups: dict[int, list] = {}
        for b in p["bindings"]:
            visibility = 0
            for stage in b["visibility"]:
                visibility |= _STAGES[stage]
            groups.setdefault(b["group"], []).append(
                {"binding": b["binding"], "visibility": visibility, "buffer": {"type": b["type"]}})
        bind_group_layouts = [device.create_bind_group_layout(entries=groups[g]) for g in sorted(groups)]
        vl = self.scene["vertex_layouts"][p["vertex"]["vertex_layout"]]
        pipeline = device.create_render_pipeline(
            layout=device.create_pipeline_layout(bind_group_layouts=bind_group_layouts),
            vertex={
                "module": device.create_shader_module(code=shaders[p["vertex"]["shader"]]),
                "entry_point": p["vertex"]["entry_point"],
                "buffers": [{
                    "array_stride": vl["array_stride"],
                    "step_mode": vl["step_mode"],
                    "attributes": [{k: a[k] for k in ("format", "offset", "shader_location")}
                                   for a in vl["attributes"]],
                }],
            },
            primitive=p["primitive"],
            depth_stencil=p["depth_stencil"],
            multisample=p["multisample"],
            fragment={
                "module": device.create_shader_module(code=shaders[p["fragment"]["shader"]]),
                "entry_point": p["fragment"]["entry_point"],
                "targets": [{"format": COLOR_FORMAT}],
            },
        )
        return {"pipeline": pipeline, "bind_group_layouts": bind_group_layouts, "bindings": p["bindings"]}

    def _create_draw(self, d: dict) -> dict:
        pipe = self.pipelines[d["pipeline"]]
        layout = self.scene["uniform_layouts"][d["pipeline"]]
        ubuf = self.device.create_buffer(size=layout["size"],
                                         usage=wgpu.BufferUsage.UNIFORM | wgpu.BufferUsage.COPY_DST)
        # One uniform binding per pipeline today; bind_groups is indexed by group number.
        bind_groups = [self.device.create_bind_group(
            layout=bgl, entries=[{"binding": b["binding"], "resource": {"buffer": ubuf}}
                                 for b in pipe["bindings"] if b["group"] == g])
            for g, bgl in enumerate(pipe["bind_group_layouts"])]
        return {"json": d, "layout": layout, "uniform_buffer": ubuf, "bind_groups": bind_groups}

    def render(self, t: float) -> np.ndarray:
        device = self.device
        aspect = self.width / self.height
        for draw in self.draws:
            values = dict(draw["json"]["uniform_values"])
            values.update(math3d.frame_matrices(self.scene, draw["json"], t, aspect))
            device.queue.write_buffer(draw["uniform_buffer"], 0, pack_uniforms(draw["layout"], values))
        encoder = device.create_command_encoder()
        r, g, b, a = self.scene["background"]
        rp = encoder.begin_render_pass(
            color_attachments=[{
                "view": self.msaa_view, "resolve_target": self.resolve.create_view(),
                "clear_value": (r, g, b, a), "load_op": "clear",
                "store_op": "discard",  # only the resolved image is read
            }],
            depth_stencil_attachment={
                "view": self.depth_view, "depth_clear_value": 1.0,
                "depth_load_op": "clear", "depth_store_op": "discard",
            },
        )
        for draw in self.draws:
            d = draw["json"]
            rp.set_pipeline(self.pipelines[d["pipeline"]]["pipeline"])
            for i, bg in enumerate(draw["bind_groups"]):
                rp.set_bind_group(i, bg)
            rp.set_vertex_buffer(0, self.buffers[d["vertex_buffer"]])
            rp.set_index_buffer(self.buffers[d["index_buffer"]], d["index_format"])
            rp.draw_indexed(d["index_count"])
        rp.end()
        device.queue.submit([encoder.finish()])
        data = device.queue.read_texture(
            {"texture": self.resolve, "origin": (0, 0, 0), "mip_level": 0},
            {"offset": 0, "bytes_per_row": self.width * 4, "rows_per_image": self.height},
            (self.width, self.height, 1),
        )
        return np.frombuffer(data, dtype=np.uint8).reshape(self.height, self.width, 4).copy()


def save_png(rgba: np.ndarray, path: str | Path) -> Path:
    from PIL import Image

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rgba, "RGBA").save(path)
    return path


def save_gif(frames: list[np.ndarray], path: str | Path, fps: float) -> Path:
    from PIL import Image

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # GIF has no alpha channel worth keeping (the background is opaque); RGB gives cleaner palettes.
    images = [Image.fromarray(f[..., :3], "RGB") for f in frames]
    images[0].save(path, save_all=True, append_images=images[1:], duration=round(1000 / fps), loop=0)
    return path
