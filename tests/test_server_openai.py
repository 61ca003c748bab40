"""server/openai_api.py and server/openai_schema.py through TestClient: shapes, SSE, validation, error mapping."""
from __future__ import annotations

import json

import pytest
from starlette.testclient import TestClient

from server.app import ServerConfig, create_app
from server.backend import NativeBackend
from compiler.native.batch import Sampling
from tests.server_fakes import REPLY, FakeModel, ScriptedBackend, make_site

CHAT = {"model": "fake-tiny", "messages": [{"role": "user", "content": "What is the capital of France?"}]}


@pytest.fixture
def model():
    return FakeModel(max_context=128)


@pytest.fixture
def client(tmp_path, model):
    backend = NativeBackend({model.model_id: model})
    with TestClient(create_app(ServerConfig(root=make_site(tmp_path)), backend)) as c:
        yield c


def sse_payloads(response) -> list:
    assert response.headers["content-type"].startswith("text/event-stream")
    events = [e for e in response.text.split("\n\n") if e]
    assert all(e.startswith("data: ") for e in events)
    return [e[len("data: "):] if e == "data: [DONE]" else json.loads(e[len("data: "):]) for e in events]


def test_models_lists_the_backend_models(client):
    body = client.get("/v1/models").json()
    assert body["object"] == "list"
    assert [(m["id"], m["object"]) for m in body["data"]] == [("fake-tiny", "model")]
    assert client.get("/v1/models/fake-tiny").json()["id"] == "fake-tiny"
    assert client.get("/v1/models/gpt-9").status_code == 404


def test_chat_completion(client, model):
    body = client.post("/v1/chat/completions", json=CHAT).json()
    assert body["object"] == "chat.completion" and body["id"].startswith("chatcmpl-")
    assert body["model"] == "fake-tiny"
    (choice,) = body["choices"]
    assert choice["message"] == {"role": "assistant", "content": REPLY}
    assert choice["finish_reason"] == "stop"
    prompt_tokens = len("<user>What is the capital of France?\n<assistant>".encode())
    assert body["usage"] == {"prompt_tokens": prompt_tokens, "completion_tokens": len(REPLY.encode()) + 1,
                             "total_tokens": prompt_tokens + len(REPLY.encode()) + 1}


def test_chat_completion_stream(client):
    payloads = sse_payloads(client.post("/v1/chat/completions",
                                        json={**CHAT, "stream": True, "stream_options": {"include_usage": True}}))
    assert payloads[-1] == "[DONE]"
    chunks = payloads[:-1]
    assert {c["object"] for c in chunks} == {"chat.completion.chunk"} and len({c["id"] for c in chunks}) == 1
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks[:-1])
    assert text == REPLY
    assert [c["choices"][0]["finish_reason"] for c in chunks[:-1]][-1] == "stop"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["completion_tokens"] == len(REPLY.encode()) + 1
    assert len(chunks) > 5  # streamed in pieces, not in one lump


def test_text_completion_and_stream(client):
    body = client.post("/v1/completions", json={"model": "fake-tiny", "prompt": "Hi", "max_tokens": 5}).json()
    assert body["object"] == "text_completion"
    assert body["choices"][0]["text"] == REPLY[:5] and body["choices"][0]["finish_reason"] == "length"
    payloads = sse_payloads(client.post("/v1/completions", json={"model": "fake-tiny", "prompt": ["Hi"],
                                                                 "stream": True, "max_tokens": 1000}))
    chunks = payloads[:-1]
    assert "".join(c["choices"][0]["text"] for c in chunks) == REPLY
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop" and "usage" not in chunks[-1]


def test_stop_and_sampling_fields(client, model):
    body = client.post("/v1/chat/completions", json={**CHAT, "stop": ["Paris"], "temperature": 0.5, "top_p": 0.8,
                                                     "top_k": 7, "seed": 42}).json()
    assert body["choices"][0]["message"]["content"] == "The capital of France is "
    assert body["choices"][0]["finish_reason"] == "stop"
    assert model.calls[-1]["sampling"] == Sampling(temperature=0.5, top_k=7, top_p=0.8, seed=42)


def test_defaults_follow_openai(client, model):
    r = client.post("/v1/completions", json={"model": "fake-tiny", "prompt": "Hi"}).json()
    assert r["usage"]["completion_tokens"] == 16 and r["choices"][0]["finish_reason"] == "length"  # the default
    assert model.calls[-1]["sampling"].temperature == 1.0
    r = client.post("/v1/chat/completions", json={**CHAT, "max_completion_tokens": 3}).json()
    assert r["usage"]["completion_tokens"] == 3


@pytest.mark.parametrize("body, param, fragment", [
    ({"messages": CHAT["messages"]}, "model", "'model'"),
    ({"model": "fake-tiny"}, "messages", "non-empty array"),
    ({**CHAT, "messages": []}, "messages", "non-empty array"),
    ({**CHAT, "messages": ["hi"]}, "messages[0]", "object"),
    ({**CHAT, "messages": [{"role": "wizard", "content": "hi"}]}, "messages[0].role", "wizard"),
    ({**CHAT, "messages": [{"role": "user"}]}, "messages[0].content", "string"),
    ({**CHAT, "messages": [{"role": "user", "content": [{"type": "image_url"}]}]}, "messages[0].content", "text"),
    ({**CHAT, "temperature": 3}, "temperature", "[0, 2]"),
    ({**CHAT, "temperature": "hot"}, "temperature", "number"),
    ({**CHAT, "top_p": -0.1}, "top_p", "[0, 1]"),
    ({**CHAT, "top_p": 1.5}, "top_p", "[0, 1]"),
    ({**CHAT, "top_k": -1}, "top_k", "[0, 2147483647]"),
    ({**CHAT, "top_k": 99999999999}, "top_k", "[0, 2147483647]"),  # was a 500 from the kernel's u32 parameter
    ({**CHAT, "max_tokens": 0}, "max_tokens", ">= 1"),
    ({**CHAT, "max_tokens": True}, "max_tokens", "integer"),
    ({**CHAT, "seed": 1.5}, "seed", "integer"),
    ({**CHAT, "stop": ["a", "b", "c", "d", "e"]}, "stop", "at most 4"),
    ({**CHAT, "stop": [""]}, "stop", "non-empty"),
    ({**CHAT, "stream": "yes"}, "stream", "true or false"),
    ({**CHAT, "stream_options": {"include_usage": 1}}, "stream_options.include_usage", "true or false"),
    ({**CHAT, "n": 2}, "n", "not supported"),
    ({**CHAT, "n": True}, "n", "not supported"),  # true is not 1
    ({**CHAT, "tools": [{"type": "function"}]}, "tools", "not supported"),
    ({**CHAT, "logit_bias": {"50256": -100}}, "logit_bias", "not supported"),
    ({**CHAT, "presence_penalty": 0.5}, "presence_penalty", "not supported"),
    ({**CHAT, "frequency_penalty": -1}, "frequency_penalty", "not supported"),
    ({**CHAT, "response_format": {"type": "json_object"}}, "response_format", "not supported"),
    ({**CHAT, "logprobs": True}, "logprobs", "not supported"),
    ({**CHAT, "top_logprobs": 3}, "top_logprobs", "not supported"),
])
def test_chat_validation(client, body, param, fragment):
    r = client.post("/v1/chat/completions", json=body)
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["type"] == "invalid_request_error" and error["param"] == param
    assert fragment in error["message"]


def test_neutral_values_of_unsupported_fields_are_accepted(client):
    neutral = {"n": 1, "logit_bias": {}, "presence_penalty": 0, "frequency_penalty": 0.0,
               "response_format": {"type": "text"}, "logprobs": False, "top_logprobs": 0, "tools": []}
    assert client.post("/v1/chat/completions", json={**CHAT, **neutral}).status_code == 200
    nulls = {name: None for name in neutral}
    assert client.post("/v1/chat/completions", json={**CHAT, **nulls}).status_code == 200


@pytest.mark.parametrize("field, raw, param", [("temperature", "NaN", None), ("temperature", "-Infinity", None),
                                                ("top_p", "1e999", "top_p"), ("temperature", "-1e400", "temperature")])
def test_non_finite_numbers_are_refused(client, field, raw, param):
    # NaN and Infinity are not JSON (some clients' encoders write them): the body is refused as a whole. 1e999 is
    # valid JSON that Python reads as inf: the field's range check refuses it.
    body = f'{{"model": "fake-tiny", "prompt": "Hi", "{field}": {raw}}}'.encode()
    r = client.post("/v1/completions", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["param"] == param
    assert (raw.lstrip("-") if param is None else field) in r.json()["error"]["message"]


def test_sampling_extremes(client, model):
    # top_p 0 keeps only the most likely token, i.e. greedy: OpenAI accepts it, and the runtime wants top_p > 0.
    client.post("/v1/chat/completions", json={**CHAT, "top_p": 0, "temperature": 1.5})
    assert (model.calls[-1]["sampling"].temperature, model.calls[-1]["sampling"].top_p) == (0.0, 1.0)
    # A top_k past the vocabulary means "off" (the runtime clamps it); any integer seed is folded into 32 bits.
    for top_k, seed, folded in [(2**31 - 1, 2**64 + 5, 5), (1, -1, 2**32 - 1)]:
        r = client.post("/v1/chat/completions", json={**CHAT, "top_k": top_k, "seed": seed})
        assert r.status_code == 200
        assert (model.calls[-1]["sampling"].top_k, model.calls[-1]["sampling"].seed) == (top_k, folded)


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x"])
def test_completions_require_a_json_content_type(client, model, content_type):
    # These are the types of a browser's "simple" cross-site POST, which a web page may send without a preflight.
    headers = {"content-type": content_type} if content_type else {}
    r = client.post("/v1/completions", content=json.dumps({"model": "fake-tiny", "prompt": "Hi"}), headers=headers)
    assert r.status_code == 415
    assert r.json()["error"]["type"] == "invalid_request_error" and "application/json" in r.json()["error"]["message"]
    assert model.calls == []  # nothing ran on the GPU


def test_a_json_content_type_may_name_its_charset(client):
    r = client.post("/v1/completions", content=json.dumps({"model": "fake-tiny", "prompt": "Hi"}),
                    headers={"content-type": "Application/JSON; charset=utf-8"})
    assert r.status_code == 200


@pytest.mark.parametrize("prompt", [None, "", 42, ["a", "b"], [1, 2, 3]])
def test_completion_prompt_validation(client, prompt):
    r = client.post("/v1/completions", json={"model": "fake-tiny", "prompt": prompt})
    assert r.status_code == 400 and r.json()["error"]["param"] == "prompt"


@pytest.mark.parametrize("raw, fragment", [
    (b"{not json", "not valid JSON"),
    (b"\xff\xfe", "not valid JSON"),
    (b"[1, 2]", "JSON object"),
    (b"[" * 100_000, "nested more than 64 levels"),  # was a bare 500 (RecursionError in json.loads)
    (b"[" * 65 + b"]" * 65, "nested more than 64 levels"),
    (b'{"model": "fake-tiny", "prompt": "\\ud800"}', "surrogate"),
])
def test_bad_json_is_400_with_a_message(client, raw, fragment):
    r = client.post("/v1/chat/completions", content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert r.json()["error"]["type"] == "invalid_request_error"
    assert fragment in r.json()["error"]["message"]


def test_oversized_body_is_refused(client):
    r = client.post("/v1/completions", content=b" " * (4 * 1024 * 1024 + 1),
                    headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_unknown_model_is_404(client):
    r = client.post("/v1/chat/completions", json={**CHAT, "model": "gpt-9"})
    assert r.status_code == 404
    error = r.json()["error"]
    assert error["code"] == "model_not_found" and error["param"] == "model" and "fake-tiny" in error["message"]


@pytest.mark.parametrize("stream", [False, True])
def test_prompt_beyond_the_context_is_400_naming_the_limit(client, stream):
    long_prompt = {"model": "fake-tiny", "prompt": "x" * 200, "stream": stream}
    r = client.post("/v1/completions", json=long_prompt)
    assert r.status_code == 400  # a real status even when streaming was asked for
    assert "128" in r.json()["error"]["message"] and "max_context" in r.json()["error"]["message"]
    assert r.json()["error"]["param"] == "prompt"


def test_without_a_backend_completions_are_503(tmp_path):
    with TestClient(create_app(ServerConfig(root=make_site(tmp_path)))) as c:
        assert c.get("/v1/models").json()["data"] == []
        r = c.post("/v1/chat/completions", json=CHAT)
        assert r.status_code == 503 and r.json()["error"]["type"] == "server_error"


@pytest.fixture
def failing(tmp_path):
    backend = ScriptedBackend(texts=("Hel", "lo", "!"), fail_after=2)
    with TestClient(create_app(ServerConfig(root=make_site(tmp_path)), backend)) as c:
        yield c, backend
    assert backend.closed  # the app's shutdown closes its backend


def test_backend_failure_mid_stream_is_an_error_event(failing):
    client, _ = failing
    payloads = sse_payloads(client.post("/v1/chat/completions", json={**CHAT, "model": "scripted",
                                                                      "stream": True}))
    assert [p["choices"][0]["delta"].get("content") for p in payloads[1:3]] == ["Hel", "lo"]
    assert payloads[-1]["error"]["type"] == "server_error" and "device lost" in payloads[-1]["error"]["message"]


def test_backend_failure_without_streaming_is_500(failing):
    client, _ = failing
    r = client.post("/v1/completions", json={"model": "scripted", "prompt": "Hi"})
    assert r.status_code == 500 and "device lost" in r.json()["error"]["message"]


@pytest.mark.parametrize("method, url, status, allow", [
    ("GET", "/v1/chat/completions", 405, "POST"), ("POST", "/v1/models", 405, "GET"),
    ("DELETE", "/v1/models/fake-tiny", 405, "GET"), ("GET", "/v1/embeddings", 405, "POST"),
    ("POST", "/v1/audio/speech", 404, None),
    ("POST", "/v1/models/a%2Fb", 404, None),
])
def test_other_v1_requests_get_openai_errors(client, method, url, status, allow):
    # Starlette alone answers these in plain text, which OpenAI clients cannot parse.
    r = client.request(method, url)
    assert r.status_code == status and r.headers.get("allow") == allow
    assert r.json()["error"]["type"] == "invalid_request_error"
