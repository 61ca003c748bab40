"""Scene compiler: a small 3-D scene described as Python data, lowered to a WGSL artifact and rendered.

Data flow:
    demos/<name>_scene.py  --(description.py: Scene dataclasses)-->  lower.py  -->  build/scenes/<name>/
        scene.json (format_version, buffers, vertex/uniform layouts, pipelines, draws)
        <material>.vert.wgsl / <material>.frag.wgsl (from wgsl/scene_*.wgsl.j2)
        <mesh>.vertices.bin / <mesh>.indices.bin
    The artifact is read by render.py (native, wgpu-py, offscreen PNG/GIF) and runtime_js/scene.js (browser).
    math3d.py holds the matrix conventions both runtimes share (column-major, clip depth in [0, 1]).
"""
from compiler.scene.description import Animation, Camera, Drawable, Light, Material, Mesh, Scene, cube_mesh
from compiler.scene.lower import compile_scene, compile_scene_file, load_scene_file

__all__ = [
    "Animation",
    "Camera",
    "Drawable",
    "Light",
    "Material",
    "Mesh",
    "Scene",
    "compile_scene",
    "compile_scene_file",
    "cube_mesh",
    "load_scene_file",
]
