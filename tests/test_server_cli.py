"""server/cli.py: argument handling, lazy compiler hooks, printed URLs; uvicorn itself is replaced."""
from __future__ import annotations

import sys
import types

import pytest

from server import cli
from server.app import ServerConfig
from tests.server_fakes import make_site


def fake_module(monkeypatch, name: str, **attrs) -> None:
    monkeypatch.setitem(sys.modules, name, types.SimpleNamespace(**attrs))


def test_optional_import_tolerates_a_missing_module(caplog):
    assert cli.optional_import("compiler.no_such_module", "thing") is None
    assert "compiler.no_such_module is not available" in caplog.text


def test_optional_import_reraises_a_missing_dependency(tmp_path, monkeypatch):
    (tmp_path / "webshard_broken_mod.py").write_text("import webshard_absent_dependency\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError, match="webshard_absent_dependency"):
        cli.optional_import("webshard_broken_mod", "x")


def test_build_defaults_calls_the_compiler_hooks(tmp_path, monkeypatch):
    calls = []
    fake_module(monkeypatch, "compiler.build", ensure_default_model=lambda out: calls.append(("model", out)))
    fake_module(monkeypatch, "compiler.scene.lower",
                compile_scene_file=lambda src, out: calls.append(("scene", src, out)))
    source = tmp_path / "cube_scene.py"
    source.write_text("# scene\n")
    monkeypatch.setattr(cli, "DEFAULT_SCENE", ("cube", source))
    config = ServerConfig(root=tmp_path)
    cli.build_defaults(config)
    assert calls == [("model", tmp_path / "build/models/smollm2"),
                     ("scene", str(source), tmp_path / "build/scenes/cube")]
    (tmp_path / "build/scenes/cube").mkdir(parents=True, exist_ok=True)
    calls.clear()
    cli.build_defaults(config)
    # The model hook decides for itself; the scene is rebuilt even when present, so an older format never lingers.
    assert [c[0] for c in calls] == ["model", "scene"]


def test_featured_demos_exist():
    missing = [d for d in cli.FEATURED_DEMOS if not (cli.REPO_ROOT / "demos" / d).is_file()]
    assert not missing, f"FEATURED_DEMOS names pages that do not exist: {missing}"


def test_no_models_means_no_backend(tmp_path):
    assert cli.load_backend(tmp_path / "empty") is None


def test_print_urls(tmp_path, capsys):
    site = make_site(tmp_path)
    (site / "demos/cube.html").write_text("<title>cube</title>")
    cli.print_urls("0.0.0.0", 8123, ServerConfig(root=site), None)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "webshard: serving on http://127.0.0.1:8123/"
    assert out[1:3] == ["  http://127.0.0.1:8123/demos/chat.html", "  http://127.0.0.1:8123/demos/cube.html"]
    assert "models: none loaded" in out[-1]


def test_serve_main_runs_uvicorn_with_the_given_address(tmp_path, monkeypatch):
    ran = {}
    fake_module(monkeypatch, "uvicorn", run=lambda app, host, port, log_level: ran.update(host=host, port=port,
                                                                                          app=app))
    monkeypatch.setattr(cli, "load_backend", lambda models_dir, **kw: None)
    assert cli.serve_main(["--no-compile", "--port", "8765", "--artifacts", str(tmp_path)]) == 0
    assert (ran["host"], ran["port"]) == ("127.0.0.1", 8765)
    assert ran["app"].state.config.models_dir == tmp_path.resolve()


def test_serve_main_rejects_a_bad_port():
    with pytest.raises(SystemExit):
        cli.serve_main(["--port", "70000"])
