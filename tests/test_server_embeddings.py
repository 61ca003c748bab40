"""POST /v1/embeddings (server/openai_embeddings.py, server/embeddings.py) through the ASGI app with a CPU fake
encoder: OpenAI's shapes (float and base64, usage), truncation reported or refused, every kind of bad input refused
with a 4xx naming the field while the server keeps answering, concurrent requests batched on the GPU thread, and a
full queue answered with 429."""
from __future__ import annotations

import asyncio
import base64

import httpx
import numpy as np
import pytest
from starlette.testclient import TestClient

from server.app import ServerConfig, create_app
from server.backend import NativeBackend
from server.embeddings import EmbeddingBackend
from tests.server_fakes import FakeEncoder, FakeModel, make_site


@pytest.fixture
def encoder():
    return FakeEncoder()


@pytest.fixture
def app(tmp_path, encoder):
    chat = NativeBackend({"fake-tiny": FakeModel(max_context=128)})
    embedder = EmbeddingBackend({encoder.model_id: encoder}, loop=chat.gpu_loop)
    yield create_app(ServerConfig(root=make_site(tmp_path)), chat, embedder)
    embedder.close()
    chat.close()


@pytest.fixture
def client(app):
    with TestClient(app) as c:
        yield c


def post(client, body: dict, **kw):
    return client.post("/v1/embeddings", json=body, **kw)


def test_models_lists_chat_and_embedding_models(client):
    ids = [m["id"] for m in client.get("/v1/models").json()["data"]]
    assert ids == ["fake-tiny", "fake-embed"]
    assert client.get("/v1/models/fake-embed").json()["id"] == "fake-embed"


def test_float_and_base64(client, encoder):
    texts = ["hello", "a café ☕"]
    body = post(client, {"model": "fake-embed", "input": texts}).json()
    assert body["object"] == "list" and body["model"] == "fake-embed"
    assert [(d["object"], d["index"]) for d in body["data"]] == [("embedding", 0), ("embedding", 1)]
    want = [encoder.vector(e.ids) for e in encoder.encode(texts)]
    for d, w in zip(body["data"], want):
        np.testing.assert_array_equal(np.array(d["embedding"], np.float32), w)
    tokens = sum(len(e.ids) for e in encoder.encode(texts))
    assert body["usage"] == {"prompt_tokens": tokens, "total_tokens": tokens, "truncated_inputs": []}
    b64 = post(client, {"model": "fake-embed", "input": "hello", "encoding_format": "base64"}).json()
    raw = base64.b64decode(b64["data"][0]["embedding"])
    np.testing.assert_array_equal(np.frombuffer(raw, "<f4"), want[0])
    assert post(client, {"model": "fake-embed", "input": "hello", "dimensions": 8}).status_code == 200


def test_long_text_is_cut_and_said_so_or_refused(client, encoder):
    long = "x" * 40   # 42 ids with [CLS] and [SEP]; the fake embeds 16
    body = post(client, {"model": "fake-embed", "input": ["short", long]}).json()
    assert body["usage"]["truncated_inputs"] == [1]
    assert body["usage"]["prompt_tokens"] == 7 + 16
    np.testing.assert_array_equal(np.array(body["data"][1]["embedding"], np.float32),
                                  encoder.vector(encoder.encode([long])[0].ids))
    r = post(client, {"model": "fake-embed", "input": ["short", long], "truncate": False})
    assert r.status_code == 400
    err = r.json()["error"]
    assert err["param"] == "input[1]" and "is 42 tokens; fake-embed embeds at most 16" in err["message"]


BAD = [
    ({"model": "fake-embed", "input": []}, 400, "input", "empty array"),
    ({"model": "fake-embed", "input": ""}, 400, "input", "empty string"),
    ({"model": "fake-embed", "input": ["ok", ""]}, 400, "input[1]", "empty string"),
    ({"model": "fake-embed", "input": ["ok", 17]}, 400, "input[1]", "token ids are not supported"),
    ({"model": "fake-embed", "input": [[1, 2, 3]]}, 400, "input[0]", "token ids are not supported"),
    ({"model": "fake-embed", "input": ["ok", None]}, 400, "input[1]", "must be a string (got null)"),
    ({"model": "fake-embed", "input": [{"text": "hi"}]}, 400, "input[0]", "must be a string"),
    ({"model": "fake-embed", "input": ["a"] * 257}, 400, "input", "at most 256 per request"),
    ({"model": "fake-embed"}, 400, "input", "'input' is required"),
    ({"model": "fake-embed", "input": 5}, 400, "input", "a string or an array of strings"),
    ({"model": "fake-embed", "input": "hi", "encoding_format": "hex"}, 400, "encoding_format", "float, base64"),
    ({"model": "fake-embed", "input": "hi", "dimensions": 4}, 400, "dimensions", "must be 8"),
    ({"model": "fake-embed", "input": "hi", "dimensions": True}, 400, "dimensions", "positive integer"),
    ({"model": "fake-embed", "input": "hi", "truncate": "no"}, 400, "truncate", "true or false"),
    ({"input": "hi"}, 400, "model", "'model' must be a non-empty string"),
    ({"model": "text-embedding-3-small", "input": "hi"}, 404, "model", "not an embedding model here"),
    ({"model": "fake-tiny", "input": "hi"}, 404, "model", "embedding models: fake-embed"),
    (["not", "an", "object"], 400, None, "must be a JSON object"),
]


@pytest.mark.parametrize("body, status, param, message", BAD, ids=[f"{b[2]}:{b[3][:24]}" for b in BAD])
def test_bad_input_is_a_4xx_naming_the_field(client, body, status, param, message):
    r = post(client, body)
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert err["param"] == param and message in err["message"], err
    assert err["type"] == "invalid_request_error"
    ok = post(client, {"model": "fake-embed", "input": "still up"})   # the server keeps answering
    assert ok.status_code == 200 and len(ok.json()["data"]) == 1


def test_not_json_and_wrong_content_type(client):
    r = client.post("/v1/embeddings", content=b'{"model": "fake-embed", "input": [NaN]}',
                    headers={"content-type": "application/json"})
    assert r.status_code == 400 and "not valid JSON" in r.json()["error"]["message"]
    r = client.post("/v1/embeddings", content=b'{"model": "fake-embed", "input": "hi"}',
                    headers={"content-type": "text/plain"})
    assert r.status_code == 415


def test_chat_with_an_embedding_model_says_where_to_go(client):
    r = client.post("/v1/chat/completions", json={"model": "fake-embed", "messages": [{"role": "user", "content": "x"}]})
    assert r.status_code == 400 and r.json()["error"]["param"] == "model"
    assert "POST /v1/embeddings" in r.json()["error"]["message"]


def test_concurrent_requests_share_batches_on_the_gpu_thread(tmp_path):
    """Eight requests at once behind a slow batch: they reach the encoder in fewer, bigger batches, on the chat
    backend's GPU thread, and each gets its own vectors in its own order."""
    encoder = FakeEncoder(delay_s=0.2)
    chat = NativeBackend({"fake-tiny": FakeModel(max_context=128)})
    embedder = EmbeddingBackend({encoder.model_id: encoder}, loop=chat.gpu_loop)
    app = create_app(ServerConfig(root=make_site(tmp_path)), chat, embedder)
    requests = [[f"request {i} text {j}" for j in range(i % 3 + 1)] for i in range(8)]

    async def run():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
            return await asyncio.gather(*(c.post("/v1/embeddings", json={"model": "fake-embed", "input": texts})
                                          for texts in requests))

    try:
        responses = asyncio.run(run())
    finally:
        embedder.close()
        chat.close()
    for texts, r in zip(requests, responses):
        assert r.status_code == 200
        got = [d["embedding"] for d in r.json()["data"]]
        want = [encoder.vector(e.ids).tolist() for e in encoder.encode(texts)]
        np.testing.assert_allclose(got, want)
    assert sum(encoder.batches) == sum(len(t) for t in requests)
    assert len(encoder.batches) < len(requests), encoder.batches
    assert encoder.threads == {chat.gpu_thread}


def test_full_queue_is_429_with_retry_after(tmp_path, encoder):
    embedder = EmbeddingBackend({encoder.model_id: encoder}, max_pending=2)
    try:
        with TestClient(create_app(ServerConfig(root=make_site(tmp_path)), None, embedder)) as c:
            r = post(c, {"model": "fake-embed", "input": ["a", "b", "c"]})
            assert r.status_code == 429 and r.headers["retry-after"] == "1"
            assert post(c, {"model": "fake-embed", "input": ["a", "b"]}).status_code == 200
            # No chat backend: completions answer 503, embeddings still work.
            assert c.post("/v1/completions", json={"model": "x", "prompt": "hi"}).status_code == 503
    finally:
        embedder.close()


def test_no_embedder_is_503(tmp_path):
    with TestClient(create_app(ServerConfig(root=make_site(tmp_path)))) as c:
        r = post(c, {"model": "minilm", "input": "hi"})
        assert r.status_code == 503 and "webshard compile minilm" in r.json()["error"]["message"]
