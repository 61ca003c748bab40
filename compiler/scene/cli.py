"""`webshard render`: scene file -> compile (lower.py) -> native render (render.py) -> PNG and/or GIF.

    webshard render demos/cube_scene.py --t 0.5 -o cube.png
    webshard render demos/cube_scene.py --frames 48 --fps 24 --gif cube.gif [--width 512 --height 512]

`main(argv)` takes the arguments after `render`. The artifact goes to build/scenes/<scene name>/ (the
directory the server serves as /scenes/<name>/) unless --out-dir says otherwise.
"""
from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from compiler.errors import WebshardError


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="webshard render", description="Render a scene offscreen through wgpu-py.")
    ap.add_argument("scene", help="scene file defining `scene` (e.g. demos/cube_scene.py)")
    ap.add_argument("--t", type=float, default=0.0, help="time in seconds of the (first) frame (default 0)")
    ap.add_argument("-o", "--output", help="PNG file for the frame at --t")
    ap.add_argument("--frames", type=int, default=0, help="number of frames for --gif")
    ap.add_argument("--fps", type=float, default=24.0, help="frames per second for --gif (default 24)")
    ap.add_argument("--gif", help="GIF file for --frames frames starting at --t")
    ap.add_argument("--width", type=int, default=512)
    ap.add_argument("--height", type=int, default=512)
    ap.add_argument("--out-dir", help="artifact directory (default build/scenes/<scene name>)")
    return ap


def _check(args: argparse.Namespace) -> None:
    if not args.output and not args.gif:
        raise WebshardError("nothing to write: give -o FILE.png and/or --frames N --gif FILE.gif")
    if bool(args.gif) != (args.frames > 0):
        raise WebshardError("--gif and --frames N (N >= 1) go together")
    if not (math.isfinite(args.fps) and args.fps > 0):
        raise WebshardError(f"--fps must be positive, got {args.fps}")
    if not math.isfinite(args.t):
        raise WebshardError(f"--t must be a finite number, got {args.t}")
    for flag, name in (("-o", args.output), ("--gif", args.gif)):
        if name:
            _check_output(flag, Path(name))


def _check_output(flag: str, path: Path) -> None:
    # As cp, tar and ffmpeg do: the directory must exist. Creating it would turn a typo into a stray tree.
    parent = path.parent
    if not parent.is_dir():
        raise WebshardError(f"{flag} {path}: directory {parent} does not exist")
    if path.is_dir():
        raise WebshardError(f"{flag} {path}: is a directory, expected a file name")


def run(args: argparse.Namespace) -> list[Path]:
    """Compile and render as `args` asks; returns the files written."""
    from compiler.native.gpu import get_gpu
    from compiler.scene.artifact import read_artifact
    from compiler.scene.lower import compile_scene, load_scene_file
    from compiler.native.scene_render import NativeSceneRenderer, save_gif, save_png

    _check(args)
    scene = load_scene_file(args.scene)
    out_dir = Path(args.out_dir) if args.out_dir else Path("build") / "scenes" / scene.name
    artifact = read_artifact(compile_scene(scene, out_dir))
    renderer = NativeSceneRenderer(get_gpu(), artifact, args.width, args.height)
    written = []
    if args.output:
        written.append(save_png(renderer.render(args.t), args.output))
    if args.gif:
        frames = [renderer.render(args.t + i / args.fps) for i in range(args.frames)]
        written.append(save_gif(frames, args.gif, args.fps))
    return written


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    except SystemExit as e:  # --help or a usage error (argparse has printed why); report, don't exit
        return int(e.code or 0)
    try:
        for path in run(args):
            print(f"wrote {path}")
    except WebshardError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
