"""server/access.py through create_app: loopback Host names only (DNS rebinding), and the API key on /v1."""
from __future__ import annotations

import openai
import pytest
from starlette.testclient import TestClient

from server.access import host_of, is_loopback
from server.app import ServerConfig, create_app
from server.backend import NativeBackend
from tests.server_fakes import FakeModel, make_site
from tests.static_site import serve as live_server

CHAT = {"model": "fake-tiny", "messages": [{"role": "user", "content": "hi"}]}


@pytest.mark.parametrize("host, loopback", [
    ("127.0.0.1", True), ("127.0.0.2", True), ("127.255.255.254", True), ("::1", True), ("[::1]", True),
    ("0:0:0:0:0:0:0:1", True), ("::ffff:127.0.0.1", True), ("localhost", True), ("LocalHost.", True),
    ("0.0.0.0", False), ("::", False), ("10.0.0.1", False), ("128.0.0.1", False), ("::2", False), ("", False),
    ("example.com", False), ("localhost.example.com", False), ("127.0.0.1.nip.io", False),
])
def test_is_loopback(host, loopback):
    assert is_loopback(host) is loopback


@pytest.mark.parametrize("header, host", [
    ("127.0.0.1:8000", "127.0.0.1"), ("[::1]:8000", "::1"), ("[::1]", "::1"), ("localhost", "localhost"),
    ("::1", None), ("[::1]x", None), ("[::1:8000", None), ("127.0.0.1:abc", None), (":8000", None), ("", None),
])
def test_host_of(header, host):
    assert host_of(header) == host


@pytest.fixture
def backend():
    model = FakeModel()
    return NativeBackend({model.model_id: model}), model


def client_for(tmp_path, backend, **config) -> TestClient:
    return TestClient(create_app(ServerConfig(root=make_site(tmp_path), **config), backend),
                      base_url="http://127.0.0.1:8000")


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "127.0.0.2", "[::1]:8000", "[::1]", "localhost:8000",
                                  "LOCALHOST"])
def test_loopback_server_answers_loopback_names(tmp_path, backend, host):
    with client_for(tmp_path, backend[0], loopback_only=True) as c:
        assert c.get("/", headers={"host": host}).status_code == 200
        assert c.get("/v1/models", headers={"host": host}).status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.evil.example", "::1", "[::1]x",
                                  "0.0.0.0:8000", ""])
def test_loopback_server_refuses_other_names(tmp_path, backend, host):
    with client_for(tmp_path, backend[0], loopback_only=True) as c:
        for path in ("/", "/v1/models", "/artifacts/tiny/manifest.json"):
            assert c.get(path, headers={"host": host}).status_code == 400, path
        assert c.post("/v1/chat/completions", json=CHAT, headers={"host": host}).status_code == 400
    assert backend[1].calls == []


@pytest.mark.parametrize("authorization", [None, "", "Bearer", "Bearer wrong", "Bearer s3cret-key-x", "Basic s3cret",
                                           "s3cret-key"])
def test_api_key_is_required_on_v1(tmp_path, backend, authorization):
    headers = {"authorization": authorization} if authorization is not None else {}
    with client_for(tmp_path, backend[0], api_key="s3cret-key") as c:
        for r in (c.get("/v1/models", headers=headers), c.get("/v1/models/fake-tiny", headers=headers),
                  c.post("/v1/chat/completions", json=CHAT, headers=headers)):
            assert r.status_code == 401
            assert r.json()["error"]["code"] == "invalid_api_key" and r.headers["www-authenticate"] == "Bearer"
    assert backend[1].calls == []  # nothing ran on the GPU


def test_the_right_key_opens_v1_and_static_files_stay_public(tmp_path, backend):
    with client_for(tmp_path, backend[0], api_key="s3cret-key") as c:
        for scheme in ("Bearer", "bearer"):
            r = c.post("/v1/chat/completions", json=CHAT, headers={"authorization": f"{scheme} s3cret-key"})
            assert r.status_code == 200
        for path in ("/", "/demos/chat.html", "/artifacts/tiny/manifest.json", "/vendor/wgpu-matrix/dist/"
                     "wgpu-matrix.module.js"):
            assert c.get(path).status_code == 200, path


def test_key_stays_out_of_the_config_repr():
    assert "s3cret" not in repr(ServerConfig(api_key="s3cret"))


def test_openai_client_with_and_without_the_key(tmp_path, backend):
    app = create_app(ServerConfig(root=make_site(tmp_path), api_key="s3cret-key"), backend[0])
    with live_server(app) as url:
        with openai.OpenAI(base_url=f"{url}/v1", api_key="s3cret-key", max_retries=0, timeout=30) as client:
            assert [m.id for m in client.models.list()] == ["fake-tiny"]
            reply = client.chat.completions.create(model="fake-tiny", messages=CHAT["messages"], max_tokens=3)
            assert reply.choices[0].message.content == "The"
        with openai.OpenAI(base_url=f"{url}/v1", api_key="wrong", max_retries=0, timeout=30) as client:
            with pytest.raises(openai.AuthenticationError, match="API key"):
                client.models.list()
    backend[0].close()
