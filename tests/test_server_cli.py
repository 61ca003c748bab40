"""server/cli.py: argument handling, lazy compiler hooks, printed URLs; uvicorn itself is replaced."""
from __future__ import annotations

import socket
import subprocess
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
    fake_module(monkeypatch, "compiler.encoder", ensure_default_encoder=lambda out: calls.append(("encoder", out)))
    fake_module(monkeypatch, "compiler.scene.lower",
                compile_scene_file=lambda src, out: calls.append(("scene", src, out)))
    source = tmp_path / "cube_scene.py"
    source.write_text("# scene\n")
    monkeypatch.setattr(cli, "DEFAULT_SCENE", ("cube", source))
    config = ServerConfig(root=tmp_path)
    cli.build_defaults(config)
    assert calls == [("model", tmp_path / "build/models/smollm2"), ("encoder", tmp_path / "build/models/minilm"),
                     ("scene", str(source), tmp_path / "build/scenes/cube")]
    (tmp_path / "build/scenes/cube").mkdir(parents=True, exist_ok=True)
    calls.clear()
    cli.build_defaults(config)
    # The model hook decides for itself; the scene is rebuilt even when present, so an older format never lingers.
    assert [c[0] for c in calls] == ["model", "encoder", "scene"]


def test_featured_demos_exist():
    missing = [d for d in cli.FEATURED_DEMOS if not (cli.REPO_ROOT / "demos" / d).is_file()]
    assert not missing, f"FEATURED_DEMOS names pages that do not exist: {missing}"


def test_no_models_means_no_backend(tmp_path):
    assert cli.load_backend(tmp_path / "empty") is None
    assert cli.load_embedder(tmp_path / "empty") is None


def test_encoders_go_to_the_embedder_not_the_chat_backend(tmp_path):
    """An encoder artifact (its plan ends with a pool unit) is never loaded as a chat model."""
    import json

    (tmp_path / "enc").mkdir()
    (tmp_path / "enc" / "manifest.json").write_text(json.dumps({"plan": {"units": [{"role": "embed"},
                                                                                  {"role": "pool"}]}}))
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "manifest.json").write_text("{")
    assert cli.is_encoder_dir(tmp_path / "enc") and not cli.is_encoder_dir(tmp_path / "broken")
    (tmp_path / "broken" / "manifest.json").unlink()
    assert cli.load_backend(tmp_path) is None


def test_print_urls(tmp_path, capsys):
    site = make_site(tmp_path)
    (site / "demos/cube.html").write_text("<title>cube</title>")
    cli.print_urls("0.0.0.0", 8123, ServerConfig(root=site), None)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "webshard: serving on http://127.0.0.1:8123/"
    assert out[1:3] == ["  http://127.0.0.1:8123/demos/chat.html", "  http://127.0.0.1:8123/demos/cube.html"]
    assert "models: none loaded" in out[-1]


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


@pytest.fixture
def fake_uvicorn(monkeypatch):
    """uvicorn replaced: records the app, the address and the socket it was handed, serves nothing."""
    ran = {}

    class Config:
        def __init__(self, app, host, port, log_level):
            ran.update(app=app, host=host, port=port)

    class Server:
        def __init__(self, config):
            pass

        def run(self, sockets):
            ran["sockets"] = sockets
            for s in sockets:
                ran["bound"] = s.getsockname()[:2]
                s.close()

    fake_module(monkeypatch, "uvicorn", Config=Config, Server=Server)
    monkeypatch.delenv(cli.API_KEY_ENV, raising=False)
    monkeypatch.setattr(cli, "load_backend", lambda models_dir, **kw: None)
    return ran


def test_serve_main_binds_first_and_hands_uvicorn_the_socket(tmp_path, fake_uvicorn, monkeypatch, capsys):
    port = free_port()
    steps = []
    monkeypatch.setattr(cli, "build_defaults", lambda config: steps.append(("build", cli_socket_is_bound(port))))
    assert cli.serve_main(["--port", str(port), "--artifacts", str(tmp_path)]) == 0
    assert steps == [("build", True)]  # the port was ours before anything was compiled
    assert (fake_uvicorn["host"], fake_uvicorn["port"], fake_uvicorn["bound"]) == ("127.0.0.1", port,
                                                                                  ("127.0.0.1", port))
    config = fake_uvicorn["app"].state.config
    assert config.models_dir == tmp_path.resolve() and config.loopback_only and config.api_key is None
    assert "no API key" in capsys.readouterr().out


def cli_socket_is_bound(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return True
        return False


def test_busy_port_is_one_line_before_any_compile(fake_uvicorn, monkeypatch, capsys):
    monkeypatch.setattr(cli, "build_defaults", lambda config: pytest.fail("compiled although the port is taken"))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert cli.serve_main(["--port", str(port)]) == 1
    out, err = capsys.readouterr()
    assert err == (f"error: port {port} on 127.0.0.1 is already in use (another webshard serve?); "
                   "stop it or pick --port\n")
    assert "serving on" not in out and "sockets" not in fake_uvicorn


def test_busy_port_from_the_command_line(tmp_path):
    # The whole command, as a user runs it: without --no-compile, so a late bind would compile first (slowly).
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        r = subprocess.run([sys.executable, "-m", "compiler.cli", "serve", "--port", str(port), "--artifacts",
                            str(tmp_path)], capture_output=True, text=True, timeout=120, cwd=cli.REPO_ROOT)
    assert r.returncode == 1
    assert r.stderr.strip().splitlines() == [f"error: port {port} on 127.0.0.1 is already in use "
                                             "(another webshard serve?); stop it or pick --port"]
    assert r.stdout == "" and not any(tmp_path.iterdir())  # nothing printed, nothing compiled


def test_other_bind_errors_are_one_line(fake_uvicorn, capsys):
    assert cli.serve_main(["--host", "192.0.2.1", "--port", "8000"]) == 1  # TEST-NET-1: never this machine's
    assert capsys.readouterr().err == "error: --host 192.0.2.1: not an address of this machine\n"


def test_off_loopback_a_key_is_made_and_printed(fake_uvicorn, capsys):
    assert cli.serve_main(["--host", "0.0.0.0", "--port", str(free_port("0.0.0.0")), "--no-compile"]) == 0
    config = fake_uvicorn["app"].state.config
    assert not config.loopback_only and len(config.api_key) >= 32
    out = capsys.readouterr().out
    assert f"/v1 needs 'Authorization: Bearer <key>' with this key: {config.api_key}" in out


def test_a_given_key_is_used_and_not_printed(fake_uvicorn, monkeypatch, capsys):
    monkeypatch.setenv(cli.API_KEY_ENV, "from-env-1234")
    assert cli.serve_main(["--host", "0.0.0.0", "--port", str(free_port("0.0.0.0")), "--no-compile"]) == 0
    assert fake_uvicorn["app"].state.config.api_key == "from-env-1234"
    assert cli.serve_main(["--port", str(free_port()), "--no-compile", "--api-key", "given-5678"]) == 0
    config = fake_uvicorn["app"].state.config
    assert config.api_key == "given-5678" and config.loopback_only  # a key on loopback is enforced too
    out = capsys.readouterr().out
    assert "from-env-1234" not in out and "given-5678" not in out and "--api-key or $WEBSHARD_API_KEY" in out


def test_ipv6_loopback_is_loopback(fake_uvicorn):
    try:
        port = free_port("::1")
    except OSError:
        pytest.skip("no IPv6 loopback on this machine")
    assert cli.serve_main(["--host", "::1", "--port", str(port), "--no-compile"]) == 0
    config = fake_uvicorn["app"].state.config
    assert config.loopback_only and config.api_key is None and fake_uvicorn["bound"] == ("::1", port)


@pytest.mark.parametrize("argv", [["--port", "70000"], ["--api-key", ""], ["--api-key", "two words"],
                                  ["--api-key", "clé"]])
def test_serve_main_rejects_bad_arguments(argv):
    with pytest.raises(SystemExit):
        cli.serve_main(argv)
