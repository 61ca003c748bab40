"""Reading a compiled scene artifact (written by lower.py) for the native renderer and the tests.

Checks what runtime_js/scene.js checks: the format version, that every referenced file exists, and that each
buffer has the size and sha256 scene.json records. Problems raise ArtifactError with a hint to recompile.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from compiler.errors import ArtifactError
from compiler.scene.lower import FORMAT_VERSION, SCENE_JSON


@dataclass(frozen=True)
class SceneArtifact:
    path: Path
    scene_json: dict
    shaders: dict[str, str]     # file name -> WGSL source
    buffers: dict[str, bytes]   # buffer name (e.g. "cube.vertices") -> contents


def _recompile_hint(path: Path) -> str:
    return f"recompile it (webshard render, or compiler.scene.lower.compile_scene_file) into {path}"


def read_artifact(path: str | Path) -> SceneArtifact:
    path = Path(path)
    manifest = path / SCENE_JSON
    if not manifest.is_file():
        raise ArtifactError(f"{manifest} not found: {_recompile_hint(path)}")
    try:
        scene_json = json.loads(manifest.read_text())
    except json.JSONDecodeError as e:
        raise ArtifactError(f"{manifest} is not valid JSON ({e}): {_recompile_hint(path)}") from e
    if scene_json.get("kind") != "webshard-scene":
        raise ArtifactError(f"{manifest} is not a webshard scene (kind={scene_json.get('kind')!r})")
    version = scene_json.get("format_version")
    if version != FORMAT_VERSION:
        raise ArtifactError(f"{manifest} has format_version {version}, this build reads {FORMAT_VERSION}: "
                            f"{_recompile_hint(path)}")
    buffers = {}
    for name, entry in scene_json["buffers"].items():
        file = path / entry["file"]
        if not file.is_file():
            raise ArtifactError(f"buffer {name}: {file} is missing: {_recompile_hint(path)}")
        data = file.read_bytes()
        if len(data) != entry["nbytes"] or hashlib.sha256(data).hexdigest() != entry["sha256"]:
            raise ArtifactError(f"buffer {name}: {file} does not match scene.json (size or sha256): "
                                f"{_recompile_hint(path)}")
        buffers[name] = data
    shaders = {}
    for pipeline in scene_json["pipelines"].values():
        for stage in ("vertex", "fragment"):
            file = path / pipeline[stage]["shader"]
            if not file.is_file():
                raise ArtifactError(f"shader {file} is missing: {_recompile_hint(path)}")
            shaders[file.name] = file.read_text()
    return SceneArtifact(path=path, scene_json=scene_json, shaders=shaders, buffers=buffers)
