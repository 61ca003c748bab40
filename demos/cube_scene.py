"""The rotating-cube demo scene: one Lambert-lit cube with a colour per face, turning about a tilted axis.

Compiled by `webshard render demos/cube_scene.py ...` (native) and, for demos/cube.html, into build/scenes/cube/.
"""
from compiler.scene import Animation, Camera, Drawable, Light, Material, Scene, cube_mesh

scene = Scene(
    name="cube",
    drawables=[
        Drawable(
            name="cube",
            mesh=cube_mesh(size=1.6),
            material=Material(name="cube_paint", kind="lambert"),
            # Tilted so that every face comes into view over a turn.
            animation=Animation(axis=(0.3, 1.0, 0.2), speed=0.9),
        ),
    ],
    camera=Camera(eye=(0.0, 1.6, 4.2), target=(0.0, 0.0, 0.0), fov_y_deg=50.0, near=0.1, far=50.0),
    light=Light(direction=(0.5, -1.0, -0.8), color=(1.0, 1.0, 1.0), ambient=0.25),
    background=(0.08, 0.09, 0.12, 1.0),
)
