"""Fuzz: POST /v1/embeddings (server/openai_embeddings.py) through TestClient and the fake encoder. Valid requests
drawn by Hypothesis get 200 with one well-formed embedding per input, in order; any other JSON body gets a 4xx with
OpenAI's error body, never a 5xx. Example counts come from tests/fuzz_settings.py."""
from __future__ import annotations

import base64

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from server.app import ServerConfig, create_app
from server.embeddings import EmbeddingBackend
from server.openai_embeddings import MAX_INPUTS
from tests.fuzz_settings import FUZZ
from tests.server_fakes import FakeEncoder, make_site
from tests.test_fuzz_openai import assert_openai_error, json_values, text

URL = "/v1/embeddings"


@pytest.fixture(scope="module")
def encoder():
    return FakeEncoder()


@pytest.fixture(scope="module")
def client(tmp_path_factory, encoder):
    embedder = EmbeddingBackend({encoder.model_id: encoder})
    with TestClient(create_app(ServerConfig(root=make_site(tmp_path_factory.mktemp("site"))), None, embedder)) as c:
        yield c
    embedder.close()


def assert_embeddings(r, encoder, texts, fmt) -> None:
    assert r.status_code == 200, r.text[:300]
    body = r.json()
    assert body["object"] == "list" and [d["index"] for d in body["data"]] == list(range(len(texts)))
    for d, e in zip(body["data"], encoder.encode(texts)):
        v = np.frombuffer(base64.b64decode(d["embedding"]), "<f4") if fmt == "base64" else np.array(d["embedding"])
        np.testing.assert_allclose(v, encoder.vector(e.ids), rtol=1e-6)
    u = body["usage"]
    assert u["prompt_tokens"] == u["total_tokens"] == sum(len(e.ids) for e in encoder.encode(texts))
    assert u["truncated_inputs"] == [i for i, e in enumerate(encoder.encode(texts)) if e.truncated]


@FUZZ
@given(texts=st.one_of(text.filter(bool), st.lists(text.filter(bool), min_size=1, max_size=8)),
       fmt=st.sampled_from([None, "float", "base64"]), user=st.one_of(st.none(), text))
def test_valid_requests_get_their_embeddings(client, encoder, texts, fmt, user):
    body = {"model": encoder.model_id, "input": texts, **({"encoding_format": fmt} if fmt else {}),
            **({"user": user} if user is not None else {})}
    assert_embeddings(client.post(URL, json=body), encoder, [texts] if isinstance(texts, str) else texts, fmt)


@FUZZ
@given(body=json_values)
def test_any_json_body_is_a_4xx_or_embeddings(client, encoder, body):
    r = client.post(URL, json=body)
    if r.status_code == 200:   # a random body that happens to be valid
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        assert_embeddings(r, encoder, texts, body.get("encoding_format"))
    else:
        assert_openai_error(r)


@FUZZ
@given(extra=st.dictionaries(text, json_values, max_size=4),
       inputs=st.lists(json_values, min_size=0, max_size=MAX_INPUTS + 3))
def test_random_fields_and_items_never_crash(client, encoder, extra, inputs):
    r = client.post(URL, json={**extra, "model": encoder.model_id, "input": inputs})
    if r.status_code != 200:
        assert_openai_error(r, 400)
