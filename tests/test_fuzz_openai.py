"""Fuzz: the OpenAI routes (server/openai_api.py, openai_schema.py, safe_json.py) through TestClient and the fake
backend. Valid requests drawn by Hypothesis get 200 and a well-formed body (JSON or SSE); anything else gets a 4xx
with OpenAI's error body, never a 5xx.

Example counts come from tests/fuzz_settings.py (60 per test; WEBSHARD_FUZZ_EXAMPLES=N for more).
"""
from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from server.app import ServerConfig, create_app
from server.backend import NativeBackend
from server.openai_schema import MAX_STOPS, MAX_TOP_K, ROLES
from tests.fuzz_settings import FUZZ
from tests.server_fakes import FakeModel, make_site

MODEL = "fake-tiny"
CHAT_URL, TEXT_URL = "/v1/chat/completions", "/v1/completions"
JSON_HEADERS = {"content-type": "application/json"}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    model = FakeModel(MODEL, max_context=4096)  # room for any prompt drawn below: valid means 200
    backend = NativeBackend({model.model_id: model})
    with TestClient(create_app(ServerConfig(root=make_site(tmp_path_factory.mktemp("site"))), backend)) as c:
        yield c


# ---------------------------------------------------------------- what a correct answer looks like


def assert_openai_error(r, *statuses: int) -> dict:
    assert r.status_code in (statuses or range(400, 500)), (r.status_code, r.text[:300])
    error = r.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert isinstance(error["message"], str) and error["message"] and error["type"] == "invalid_request_error"
    assert error["param"] is None or isinstance(error["param"], str)
    return error


def assert_completion(r, *, chat: bool, stream: bool) -> None:
    assert r.status_code == 200, r.text[:300]
    kind = "chat.completion" if chat else "text_completion"
    if not stream:
        body = r.json()
        assert body["object"] == kind and body["model"] == MODEL
        (choice,) = body["choices"]
        text = choice["message"]["content"] if chat else choice["text"]
        assert isinstance(text, str) and choice["finish_reason"] in ("stop", "length")
        usage = body["usage"]
        assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] > 0
        return
    events = [e for e in r.text.split("\n\n") if e]
    assert events and all(e.startswith("data: ") for e in events) and events[-1] == "data: [DONE]"
    chunks = [json.loads(e[len("data: "):]) for e in events[:-1]]
    assert all("error" not in c for c in chunks)
    assert {c["object"] for c in chunks} == {kind + ".chunk" if chat else kind} and len({c["id"] for c in chunks}) == 1
    finishes = [c["choices"][0]["finish_reason"] for c in chunks if c["choices"]]
    assert finishes[-1] in ("stop", "length") and all(f is None for f in finishes[:-1])


# ---------------------------------------------------------------- valid requests

text = st.text(st.characters(codec="utf-8"), max_size=40)  # any Unicode scalar value: what UTF-8 JSON can carry
sampling = st.fixed_dictionaries({}, optional={
    "temperature": st.floats(0, 2), "top_p": st.floats(0, 1), "top_k": st.integers(0, MAX_TOP_K),
    "seed": st.integers(-(2**70), 2**70), "max_tokens": st.integers(1, 64),
    "stop": st.one_of(st.none(), text.filter(bool), st.lists(text.filter(bool), max_size=MAX_STOPS)),
    "stream": st.booleans(), "stream_options": st.fixed_dictionaries({}, optional={"include_usage": st.booleans()}),
    # Neutral values of unsupported fields, and fields we ignore, as clients send them.
    "n": st.just(1), "logprobs": st.just(False), "presence_penalty": st.just(0), "user": text,
    "metadata": st.dictionaries(text, text, max_size=3),
})
content = st.one_of(text, st.lists(st.fixed_dictionaries({"type": st.just("text"), "text": text}), max_size=3))
message = st.fixed_dictionaries({"role": st.sampled_from(ROLES), "content": content})
chat_body = st.tuples(sampling, st.lists(message, min_size=1, max_size=4),
                      st.one_of(st.none(), st.integers(1, 64))).map(
    lambda t: {**t[0], "model": MODEL, "messages": t[1],
               **({"max_completion_tokens": t[2]} if t[2] is not None else {})})
text_body = st.tuples(sampling, text.filter(bool), st.booleans()).map(
    lambda t: {**t[0], "model": MODEL, "prompt": [t[1]] if t[2] else t[1]})


@FUZZ
@given(body=chat_body)
def test_valid_chat_requests_succeed(client, body):
    assert_completion(client.post(CHAT_URL, json=body), chat=True, stream=body.get("stream") is True)


@FUZZ
@given(body=text_body)
def test_valid_completion_requests_succeed(client, body):
    assert_completion(client.post(TEXT_URL, json=body), chat=False, stream=body.get("stream") is True)


# ---------------------------------------------------------------- invalid requests

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(text, children, max_size=4),
    max_leaves=20,
)
url = st.sampled_from([CHAT_URL, TEXT_URL])


@FUZZ
@given(url=url, body=json_values)
def test_any_json_body_is_a_4xx_or_a_completion(client, url, body):
    r = client.post(url, json=body)
    if r.status_code == 200:  # a random body that happens to be a valid request is fine
        assert_completion(r, chat=url == CHAT_URL, stream=isinstance(body, dict) and body.get("stream") is True)
    else:
        assert_openai_error(r)


@FUZZ
@given(url=url, body=json_values.filter(lambda v: isinstance(v, dict)), extra=st.dictionaries(text, json_values,
                                                                                              max_size=3))
def test_random_fields_in_a_valid_request_never_crash(client, url, body, extra):
    base = {"model": MODEL, "messages": [{"role": "user", "content": "hi"}]} if url == CHAT_URL else \
        {"model": MODEL, "prompt": "hi"}
    request = {**body, **extra, **base}
    r = client.post(url, json=request)
    if r.status_code == 200:
        assert_completion(r, chat=url == CHAT_URL, stream=request.get("stream") is True)
    else:
        assert_openai_error(r, 400)


def out_of(lo: float, hi: float):
    return st.one_of(st.floats(max_value=lo, exclude_max=True), st.floats(min_value=hi, exclude_min=True),
                     st.just(float("nan")), st.just(float("inf")))


# field -> values that must be refused with a 400 naming that field
BAD_FIELDS = {
    "model": st.one_of(st.just(""), st.none(), st.integers(), st.lists(text, max_size=2)),
    "temperature": st.one_of(out_of(0, 2), text, st.booleans(), st.lists(st.integers(), max_size=2)),
    "top_p": st.one_of(out_of(0, 1), text, st.booleans()),
    "top_k": st.one_of(st.integers(max_value=-1), st.integers(min_value=MAX_TOP_K + 1), st.floats(), text),
    "max_tokens": st.one_of(st.integers(max_value=0), st.floats(), st.booleans(), text),
    "seed": st.one_of(st.floats(), st.booleans(), text, st.dictionaries(text, text, min_size=1)),
    "stop": st.one_of(st.integers(), st.just(""), st.lists(text, min_size=MAX_STOPS + 1, max_size=8),
                      st.lists(st.integers(), min_size=1, max_size=3)),
    "stream": st.one_of(st.integers(), text, st.lists(st.booleans(), max_size=2)),
    "stream_options": st.one_of(st.integers(), text, st.fixed_dictionaries({"include_usage": st.integers()})),
    "n": st.integers(min_value=2), "logprobs": st.just(True), "tools": st.lists(json_values, min_size=1, max_size=2),
    "presence_penalty": st.floats(min_value=0.01, max_value=2), "logit_bias": st.just({"1": 5}),
}
BAD_MESSAGES = st.one_of(
    st.just([]), text, st.integers(), st.dictionaries(text, text, max_size=2),
    st.lists(st.one_of(st.none(), st.integers(), text), min_size=1, max_size=3),
    st.lists(st.fixed_dictionaries({"role": text.filter(lambda r: r not in ROLES), "content": text}), min_size=1,
             max_size=2),
    st.lists(st.fixed_dictionaries({"role": st.sampled_from(ROLES),
                                    "content": st.one_of(st.none(), st.integers(), st.lists(st.integers(), min_size=1,
                                                                                            max_size=2))}),
             min_size=1, max_size=2),
)


@FUZZ
@given(data=st.data(), field=st.sampled_from(sorted(BAD_FIELDS)), chat=st.booleans())
def test_a_bad_field_is_a_400_naming_it(client, data, field, chat):
    value = data.draw(BAD_FIELDS[field], label=field)
    base = {"model": MODEL, "messages": [{"role": "user", "content": "hi"}]} if chat else {"model": MODEL,
                                                                                            "prompt": "hi"}
    # allow_nan: NaN and Infinity are drawn on purpose; they make the body invalid JSON, which is refused whole.
    raw = json.dumps({**base, field: value}, allow_nan=True)
    error = assert_openai_error(client.post(CHAT_URL if chat else TEXT_URL, content=raw, headers=JSON_HEADERS), 400)
    if "NaN" not in raw and "Infinity" not in raw:
        assert error["param"] is not None and error["param"].startswith(field), error


@FUZZ
@given(messages=BAD_MESSAGES)
def test_bad_messages_are_a_400(client, messages):
    error = assert_openai_error(client.post(CHAT_URL, json={"model": MODEL, "messages": messages}), 400)
    assert error["param"].startswith("messages")


@FUZZ
@given(model=text.filter(lambda m: m and m != MODEL), chat=st.booleans())
def test_an_unknown_model_is_a_404(client, model, chat):
    body = {"model": model, "messages": [{"role": "user", "content": "hi"}]} if chat else {"model": model,
                                                                                          "prompt": "hi"}
    assert assert_openai_error(client.post(CHAT_URL if chat else TEXT_URL, json=body), 404)["param"] == "model"
    if model not in (".", ".."):  # the HTTP client resolves those dot segments: another URL
        assert_openai_error(client.get("/v1/models/" + quote(model, safe="")), 404)


@FUZZ
@given(url=url, depth=st.integers(65, 200_000), pair=st.sampled_from([("[", "]"), ('{"a":', "}")]),
       closed=st.booleans())
def test_deep_nesting_is_a_400(client, url, depth, pair, closed):
    body = pair[0] * depth + ("0" + pair[1] * depth if closed else "")
    error = assert_openai_error(client.post(url, content=body, headers=JSON_HEADERS), 400)
    if closed:  # an unclosed body may end before it gets too deep: then it is just invalid JSON
        assert "nested more than 64 levels" in error["message"]


@FUZZ
@given(url=url, body=st.binary(max_size=300))
def test_junk_bytes_are_a_4xx(client, url, body):
    assert_openai_error(client.post(url, content=body, headers=JSON_HEADERS))


@FUZZ
@given(url=url, content_type=st.one_of(
    st.sampled_from(["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                     "application/jsonp", "application/json-seq", "json", "*/*", ""]),
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=30)))
def test_wrong_content_types_are_a_415(client, url, content_type):
    assume(content_type.split(";")[0].strip().lower() != "application/json")  # the one right type, drawn by chance
    r = client.post(url, content=b'{"model": "fake-tiny", "prompt": "hi"}', headers={"content-type": content_type})
    assert_openai_error(r, 415)


def test_models_list_is_well_formed(client):
    body = client.get("/v1/models").json()
    assert body["object"] == "list" and [m["id"] for m in body["data"]] == [MODEL]


@FUZZ
@given(method=st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE"]),
       path=st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters="?#"), max_size=30))
def test_any_other_v1_request_is_an_openai_error(client, method, path):
    assume(not {".", ".."} & set(path.split("/")))  # the HTTP client would resolve them, leaving /v1
    r = client.request(method, "/v1/" + path, json={"model": MODEL, "prompt": "hi"})
    if r.status_code == 200:  # a real endpoint with its method, drawn by chance
        return
    assert_openai_error(r, 404, 405, 400)
