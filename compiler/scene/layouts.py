"""Vertex, uniform and binding layouts of scene pipelines, declared once.

lower.py renders these tables into the WGSL templates (struct fields, @location, @group/@binding) and into
scene.json (byte offsets, strides, formats); render.py and runtime_js/scene.js build their buffers, vertex state
and bind groups from scene.json only. Changing a field here changes all four consistently.
"""
from __future__ import annotations

from dataclasses import dataclass

# Meshes are stored interleaved: one vertex = position, normal, colour (3 x float32x3 = 36 bytes).
# The order fixes @location numbers; a pipeline that ignores an attribute simply leaves it out of its layout.
VERTEX_ATTRIBUTES = (
    ("position", "float32x3"),  # bytes 0..11, object space
    ("normal", "float32x3"),    # bytes 12..23, object space, unit length
    ("color", "float32x3"),     # bytes 24..35, linear RGB
)
_VERTEX_FORMATS = {"float32x3": ("vec3f", 12)}  # format -> (WGSL type, bytes)

# WGSL host-shareable layout rules (align, size) for the types uniforms use.
_WGSL_TYPES = {"f32": (4, 4), "vec3f": (16, 12), "vec4f": (16, 16), "mat4x4f": (16, 64)}

# Per-frame fields are recomputed each frame from time and aspect (math3d.frame_matrices and its JS twin);
# static ones are written once at load from each draw's `uniform_values` in scene.json.
PER_FRAME_SOURCES = ("mvp", "model", "normal_matrix")

# Uniform struct per material kind: (name, WGSL type). Each kind binds exactly what its shaders read.
MATERIAL_UNIFORMS = {
    "unlit": (
        ("mvp", "mat4x4f"),
        ("base_color", "vec4f"),
    ),
    "lambert": (
        ("mvp", "mat4x4f"),
        ("normal_matrix", "mat4x4f"),
        ("light_dir", "vec3f"),    # unit vector, the way the light travels, world space
        ("ambient", "f32"),        # packs into the vec3f's padding
        ("light_color", "vec3f"),
        ("base_color", "vec4f"),
    ),
}

# Vertex attributes each material kind's vertex shader reads.
MATERIAL_ATTRIBUTES = {
    "unlit": ("position", "color"),
    "lambert": ("position", "normal", "color"),
}

# One uniform buffer per draw, read by both stages (the fragment stage needs light and colour).
UNIFORM_BINDING = {"group": 0, "binding": 0, "type": "uniform", "visibility": ["vertex", "fragment"]}


@dataclass(frozen=True)
class UniformField:
    name: str
    type: str
    offset: int
    size: int
    per_frame: bool

    def as_json(self) -> dict:
        return {"name": self.name, "type": self.type, "offset": self.offset, "size": self.size,
                "per_frame": self.per_frame}


def _round_up(n: int, align: int) -> int:
    return (n + align - 1) // align * align


def uniform_layout(kind: str) -> tuple[list[UniformField], int]:
    """Fields with WGSL byte offsets, and the struct size (rounded to its largest alignment, as WGSL does)."""
    fields, offset, max_align = [], 0, 1
    for name, wgsl_type in MATERIAL_UNIFORMS[kind]:
        align, size = _WGSL_TYPES[wgsl_type]
        offset = _round_up(offset, align)
        fields.append(UniformField(name, wgsl_type, offset, size, name in PER_FRAME_SOURCES))
        offset += size
        max_align = max(max_align, align)
    return fields, _round_up(offset, max_align)


def vertex_stride() -> int:
    return sum(_VERTEX_FORMATS[fmt][1] for _, fmt in VERTEX_ATTRIBUTES)


def vertex_attributes(kind: str) -> list[dict]:
    """The attributes `kind` reads, with byte offsets into the interleaved vertex and shader locations."""
    used = MATERIAL_ATTRIBUTES[kind]
    out, offset = [], 0
    for location, (name, fmt) in enumerate(VERTEX_ATTRIBUTES):
        wgsl_type, size = _VERTEX_FORMATS[fmt]
        if name in used:
            out.append({"name": name, "format": fmt, "offset": offset, "shader_location": location,
                        "wgsl_type": wgsl_type})
        offset += size
    return out
