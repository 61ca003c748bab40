"""compiler/scene/cli.py (`webshard render`): output paths are checked before anything is compiled or rendered
(no adapter needed; tests/test_scene_render.py renders for real)."""
from __future__ import annotations

from pathlib import Path

import pytest

from compiler.scene.cli import main

CUBE_SCENE = Path(__file__).resolve().parents[1] / "demos" / "cube_scene.py"


@pytest.mark.parametrize("flags, missing", [
    (["-o", "{tmp}/nonexistent_dir/x.png"], "-o {tmp}/nonexistent_dir/x.png: directory {tmp}/nonexistent_dir"),
    (["--frames", "2", "--gif", "{tmp}/a/b/x.gif"], "--gif {tmp}/a/b/x.gif: directory {tmp}/a/b"),
    (["-o", "{tmp}/ok.png", "--frames", "2", "--gif", "{tmp}/no/x.gif"], "--gif {tmp}/no/x.gif: directory {tmp}/no"),
])
def test_output_directory_must_exist(tmp_path, capsys, flags, missing):
    art = tmp_path / "art"
    argv = [str(CUBE_SCENE), *(f.format(tmp=tmp_path) for f in flags), "--out-dir", str(art)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err == f"error: {missing.format(tmp=tmp_path)} does not exist\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no directory made, nothing compiled


def test_output_that_is_a_directory(tmp_path, capsys):
    assert main([str(CUBE_SCENE), "-o", str(tmp_path), "--out-dir", str(tmp_path / "art")]) == 2
    assert capsys.readouterr().err == f"error: -o {tmp_path}: is a directory, expected a file name\n"
