"""LIVE: the real `openai` client's embeddings API against a real uvicorn (tests/static_site.py `serve`), for a CPU
fake encoder and for all-MiniLM-L6-v2 on the adapter (whose vectors must be the native runtime's and
sentence-transformers')."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import openai
import pytest

from server.app import ServerConfig, create_app
from server.embeddings import EmbeddingBackend
from tests.server_fakes import FakeEncoder, make_site
from tests.static_site import serve as live_server

FIXTURE = Path(__file__).parent / "fixtures" / "minilm_st_reference.json"


@pytest.fixture(scope="module", params=["fake", pytest.param("minilm", marks=[pytest.mark.gpu, pytest.mark.real_model])])
def served(request, tmp_path_factory):
    if request.param == "fake":
        fake = FakeEncoder()
        embedder = EmbeddingBackend({fake.model_id: fake})
        expect = lambda texts: np.stack([fake.vector(e.ids) for e in fake.encode(texts)])  # noqa: E731
    else:
        request.getfixturevalue("gpu")
        artifact, _ = request.getfixturevalue("minilm_artifact")
        embedder = EmbeddingBackend.load([artifact])
        enc = embedder.encoder("minilm")
        # The native runtime's own answer, computed on the GPU thread that owns the device.
        expect = lambda texts: embedder._loop.call(lambda: enc.embed(texts))  # noqa: E731
    model_id = embedder.model_ids()[0]
    app = create_app(ServerConfig(root=make_site(tmp_path_factory.mktemp("site"))), None, embedder)
    with live_server(app) as url:
        client = openai.OpenAI(base_url=f"{url}/v1", api_key="not-needed", max_retries=0, timeout=600)
        yield client, model_id, expect
        client.close()
    embedder.close()


TEXTS = ["A man is eating food.", "The girl is carrying a baby.", "short"]


def test_models_lists_the_encoder(served):
    client, model_id, _ = served
    assert model_id in [m.id for m in client.models.list()]


@pytest.mark.parametrize("encoding_format", [None, "float", "base64"])
def test_embeddings(served, encoding_format):
    """The client's default asks for base64 and decodes it with numpy; float is the JSON list."""
    client, model_id, expect = served
    kw = {} if encoding_format is None else {"encoding_format": encoding_format}
    r = client.embeddings.create(model=model_id, input=TEXTS, **kw)
    assert [d.index for d in r.data] == [0, 1, 2] and r.model == model_id
    got = np.array([d.embedding for d in r.data], np.float32) if encoding_format != "base64" else \
        np.stack([np.frombuffer(__import__("base64").b64decode(d.embedding), "<f4") for d in r.data])
    np.testing.assert_allclose(got, expect(TEXTS), rtol=1e-5, atol=1e-6)
    assert r.usage.prompt_tokens == r.usage.total_tokens > len(TEXTS)
    one = client.embeddings.create(model=model_id, input=TEXTS[0])
    np.testing.assert_allclose(one.data[0].embedding, got[0], rtol=1e-5, atol=1e-6)


def test_bad_input_through_the_client(served):
    client, model_id, _ = served
    with pytest.raises(openai.BadRequestError) as e:
        client.embeddings.create(model=model_id, input=["fine", ""])
    assert e.value.body["param"] == "input[1]"
    with pytest.raises(openai.NotFoundError):
        client.embeddings.create(model="no-such-model", input="hi")
    assert len(client.embeddings.create(model=model_id, input="still up").data) == 1


@pytest.mark.real_model
def test_minilm_matches_sentence_transformers_over_http(served):
    client, model_id, _ = served
    if model_id != "minilm":
        pytest.skip("the sentence-transformers reference is for MiniLM")
    ref = json.loads(FIXTURE.read_text())["sentences"]
    r = client.embeddings.create(model=model_id, input=[s["text"] for s in ref if s["text"]])
    want = np.array([s["embedding"] for s in ref if s["text"]], np.float32)
    got = np.array([d.embedding for d in r.data], np.float32)
    cos = (got * want).sum(1) / np.linalg.norm(got, axis=1) / np.linalg.norm(want, axis=1)
    assert cos.min() >= 0.9999, cos
    # The text past max_seq_length was cut to 256 tokens, and `usage` says which (an extension field).
    long = [s["text"] for s in ref if s["tokens_before_truncation"] > 256]
    raw = client.embeddings.with_raw_response.create(model=model_id, input=["short", *long], encoding_format="float")
    usage = json.loads(raw.text)["usage"]
    assert usage["truncated_inputs"] == [1] and usage["prompt_tokens"] == 3 + 256
