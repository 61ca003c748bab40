"""Scene description: the data a scene file (demos/*_scene.py) builds and lower.py consumes.

Everything here is plain data (numbers, arrays, names); nothing is a code string. Constructors validate their
input and raise SceneError with a message naming the bad field, so a typo in a scene file fails at load time
rather than as a black frame.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from compiler.errors import WebshardError

MATERIAL_KINDS = ("unlit", "lambert")
ANIMATION_KINDS = ("rotate",)

# Names become file names in the artifact and keys in scene.json.
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")


class SceneError(WebshardError, ValueError):
    """A scene description is invalid (bad name, shape, range or reference)."""


def check_name(kind: str, name: str) -> str:
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise SceneError(f"{kind} name {name!r} must be lower-case snake_case (it becomes a file name)")
    return name


def _vec(kind: str, value, n: int, *, nonzero: bool = False) -> tuple[float, ...]:
    try:
        out = tuple(float(v) for v in value)
    except TypeError as e:
        raise SceneError(f"{kind} must be a sequence of {n} numbers, got {value!r}") from e
    if len(out) != n or not all(math.isfinite(v) for v in out):
        raise SceneError(f"{kind} must be {n} finite numbers, got {value!r}")
    if nonzero and not any(out):
        raise SceneError(f"{kind} must not be the zero vector")
    return out


def _colour(kind: str, value, n: int) -> tuple[float, ...]:
    out = _vec(kind, value, n)
    if not all(0.0 <= c <= 1.0 for c in out):
        raise SceneError(f"{kind} components must lie in [0, 1], got {value!r}")
    return out


@dataclass(frozen=True, eq=False)
class Mesh:
    """Indexed triangle list; counter-clockwise winding seen from outside (the front face)."""

    name: str
    positions: np.ndarray  # (n, 3) float32, object space
    normals: np.ndarray    # (n, 3) float32, unit length
    colors: np.ndarray     # (n, 3) float32, linear RGB in [0, 1]
    indices: np.ndarray    # (3 * triangles,) uint32

    def __post_init__(self):
        check_name("mesh", self.name)
        n = None
        for attr in ("positions", "normals", "colors"):
            arr = np.asarray(getattr(self, attr), dtype=np.float32)
            if arr.ndim != 2 or arr.shape[1] != 3:
                raise SceneError(f"mesh {self.name!r}: {attr} must have shape (n, 3), got {arr.shape}")
            if n is not None and arr.shape[0] != n:
                raise SceneError(f"mesh {self.name!r}: {attr} has {arr.shape[0]} rows, positions has {n}")
            n = arr.shape[0]
            object.__setattr__(self, attr, arr)
        idx = np.asarray(self.indices)
        if idx.ndim != 1 or idx.size == 0 or idx.size % 3 or not np.issubdtype(idx.dtype, np.integer):
            raise SceneError(f"mesh {self.name!r}: indices must be a non-empty 1-D integer array of whole triangles")
        if idx.min() < 0 or idx.max() >= n:
            raise SceneError(f"mesh {self.name!r}: indices must lie in [0, {n}), got [{idx.min()}, {idx.max()}]")
        object.__setattr__(self, "indices", idx.astype(np.uint32))

    @property
    def vertex_count(self) -> int:
        return int(self.positions.shape[0])


@dataclass(frozen=True)
class Material:
    """How a surface is shaded: `unlit` (vertex colour x base colour) or `lambert` (diffuse + ambient)."""

    name: str
    kind: str = "lambert"
    base_color: tuple = (1.0, 1.0, 1.0, 1.0)  # multiplies the vertex colour

    def __post_init__(self):
        check_name("material", self.name)
        if self.kind not in MATERIAL_KINDS:
            raise SceneError(f"material {self.name!r}: kind {self.kind!r} is not one of {MATERIAL_KINDS}")
        object.__setattr__(self, "base_color", _colour(f"material {self.name!r} base_color", self.base_color, 4))


@dataclass(frozen=True)
class Camera:
    """Perspective camera looking from `eye` at `target`; clip depth maps near..far to [0, 1]."""

    eye: tuple = (0.0, 0.0, 5.0)
    target: tuple = (0.0, 0.0, 0.0)
    up: tuple = (0.0, 1.0, 0.0)
    fov_y_deg: float = 60.0
    near: float = 0.1
    far: float = 100.0

    def __post_init__(self):
        for attr in ("eye", "target"):
            object.__setattr__(self, attr, _vec(f"camera {attr}", getattr(self, attr), 3))
        object.__setattr__(self, "up", _vec("camera up", self.up, 3, nonzero=True))
        if self.eye == self.target:
            raise SceneError("camera eye and target must differ")
        if not 0.0 < self.fov_y_deg < 180.0:
            raise SceneError(f"camera fov_y_deg must lie in (0, 180), got {self.fov_y_deg}")
        if not 0.0 < self.near < self.far:
            raise SceneError(f"camera needs 0 < near < far, got near={self.near}, far={self.far}")
        forward = np.subtract(self.target, self.eye)
        if np.linalg.norm(np.cross(forward, self.up)) < 1e-6 * np.linalg.norm(forward) * np.linalg.norm(self.up):
            raise SceneError("camera up must not be parallel to the viewing direction")


@dataclass(frozen=True)
class Light:
    """A directional light; `direction` is the way the light travels (from the light towards the scene)."""

    direction: tuple = (-0.3, -1.0, -0.5)
    color: tuple = (1.0, 1.0, 1.0)
    ambient: float = 0.2  # fraction of the surface colour seen even where the light does not reach

    def __post_init__(self):
        object.__setattr__(self, "direction", _vec("light direction", self.direction, 3, nonzero=True))
        object.__setattr__(self, "color", _colour("light color", self.color, 3))
        if not 0.0 <= self.ambient <= 1.0:
            raise SceneError(f"light ambient must lie in [0, 1], got {self.ambient}")


@dataclass(frozen=True)
class Animation:
    """Rotation about `axis` (object space, through the origin) at `speed` rad/s, starting at `phase` rad."""

    axis: tuple = (0.0, 1.0, 0.0)
    speed: float = 1.0
    phase: float = 0.0
    kind: str = "rotate"

    def __post_init__(self):
        if self.kind not in ANIMATION_KINDS:
            raise SceneError(f"animation kind {self.kind!r} is not one of {ANIMATION_KINDS}")
        object.__setattr__(self, "axis", _vec("animation axis", self.axis, 3, nonzero=True))
        for attr in ("speed", "phase"):
            if not math.isfinite(getattr(self, attr)):
                raise SceneError(f"animation {attr} must be finite")


@dataclass(frozen=True)
class Drawable:
    """One mesh drawn with one material, placed at `translation` and optionally animated."""

    name: str
    mesh: Mesh
    material: Material
    animation: Animation | None = None
    translation: tuple = (0.0, 0.0, 0.0)

    def __post_init__(self):
        check_name("drawable", self.name)
        if not isinstance(self.mesh, Mesh):
            raise SceneError(f"drawable {self.name!r}: mesh must be a Mesh, got {type(self.mesh).__name__}")
        if not isinstance(self.material, Material):
            raise SceneError(f"drawable {self.name!r}: material must be a Material")
        if self.animation is not None and not isinstance(self.animation, Animation):
            raise SceneError(f"drawable {self.name!r}: animation must be an Animation or None")
        object.__setattr__(self, "translation", _vec(f"drawable {self.name!r} translation", self.translation, 3))


@dataclass(frozen=True)
class Scene:
    name: str
    drawables: tuple
    camera: Camera = field(default_factory=Camera)
    light: Light = field(default_factory=Light)
    background: tuple = (0.08, 0.09, 0.12, 1.0)

    def __post_init__(self):
        check_name("scene", self.name)
        drawables = tuple(self.drawables)
        if not drawables or not all(isinstance(d, Drawable) for d in drawables):
            raise SceneError(f"scene {self.name!r}: drawables must be a non-empty sequence of Drawable")
        object.__setattr__(self, "drawables", drawables)
        object.__setattr__(self, "background", _colour(f"scene {self.name!r} background", self.background, 4))
        _check_unique(self.name, "drawable", [d.name for d in drawables])
        # Two different objects under one name would silently overwrite each other's files.
        for kind, items in (("mesh", [d.mesh for d in drawables]), ("material", [d.material for d in drawables])):
            seen: dict[str, object] = {}
            for item in items:
                prev = seen.setdefault(item.name, item)
                if prev is not item and prev != item:
                    raise SceneError(f"scene {self.name!r}: two different {kind}es are both named {item.name!r}")


def _check_unique(scene: str, kind: str, names: list[str]) -> None:
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise SceneError(f"scene {scene!r}: {kind} names must be unique, repeated: {dup}")


# Face table for cube_mesh: outward normal, then two in-plane axes (u, v) with u x v = normal, so the
# corners (-u-v, +u-v, +u+v, -u+v) run counter-clockwise seen from outside.
_CUBE_FACES = (
    ("+x", (1, 0, 0), (0, 0, -1), (0, 1, 0)),
    ("-x", (-1, 0, 0), (0, 0, 1), (0, 1, 0)),
    ("+y", (0, 1, 0), (1, 0, 0), (0, 0, -1)),
    ("-y", (0, -1, 0), (1, 0, 0), (0, 0, 1)),
    ("+z", (0, 0, 1), (1, 0, 0), (0, 1, 0)),
    ("-z", (0, 0, -1), (-1, 0, 0), (0, 1, 0)),
)
CUBE_FACE_NAMES = tuple(f[0] for f in _CUBE_FACES)


def cube_mesh(face_colors: dict | None = None, *, size: float = 1.0, name: str = "cube") -> Mesh:
    """An axis-aligned cube of edge `size` centred on the origin: 24 vertices (4 per face, so each face has
    its own flat normal and colour) and 36 indices. `face_colors` maps "+x", "-x", ... "-z" to RGB."""
    colors = dict(DEFAULT_FACE_COLORS if face_colors is None else face_colors)
    unknown = set(colors) - set(CUBE_FACE_NAMES)
    missing = set(CUBE_FACE_NAMES) - set(colors)
    if unknown or missing:
        raise SceneError(f"cube face_colors needs exactly {CUBE_FACE_NAMES}; unknown {sorted(unknown)}, "
                         f"missing {sorted(missing)}")
    if not (isinstance(size, (int, float)) and math.isfinite(size) and size > 0):
        raise SceneError(f"cube size must be a positive number, got {size!r}")
    h = size / 2.0
    pos, nrm, col, idx = [], [], [], []
    for face, n, u, v in _CUBE_FACES:
        n, u, v = np.array(n, float), np.array(u, float), np.array(v, float)
        rgb = _colour(f"cube face {face} colour", colors[face], 3)
        base = len(pos)
        for su, sv in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
            pos.append(h * (n + su * u + sv * v))
            nrm.append(n)
            col.append(rgb)
        idx += [base, base + 1, base + 2, base, base + 2, base + 3]
    return Mesh(name=name, positions=np.array(pos), normals=np.array(nrm), colors=np.array(col),
                indices=np.array(idx, dtype=np.uint32))


DEFAULT_FACE_COLORS = {
    "+x": (0.90, 0.25, 0.20),  # red
    "-x": (0.20, 0.75, 0.80),  # cyan
    "+y": (0.30, 0.80, 0.30),  # green
    "-y": (0.85, 0.30, 0.80),  # magenta
    "+z": (0.25, 0.40, 0.90),  # blue
    "-z": (0.95, 0.80, 0.20),  # yellow
}
