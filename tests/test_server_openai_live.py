"""LIVE: the real `openai` Python client against a real uvicorn on 127.0.0.1 (a free port, in a thread;
tests/static_site.py's `serve`).

This is the end-to-end check of the OpenAI wire format, SSE framing included. It runs against every entry of
`served` below: "fake" (NativeBackend over the byte-level FakeModel, no GPU) and "smollm2" (NativeBackend over the
real compiled SmolLM2 on the adapter, whose greedy answer is known).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import openai
import pytest

from server.app import ServerConfig, create_app
from server.backend import Backend, NativeBackend
from tests.server_fakes import REPLY, FakeModel, make_site
from tests.static_site import serve as live_server


@dataclass(frozen=True)
class Served:
    client: openai.OpenAI
    model_id: str
    expected_reply: str  # the greedy answer to CHAT_MESSAGES


CHAT_MESSAGES = [{"role": "user", "content": "What is the capital of France?"}]


def fake_backend() -> tuple[Backend, str, str]:
    model = FakeModel()
    return NativeBackend({model.model_id: model}), model.model_id, REPLY


def smollm2_backend(request) -> tuple[Backend, str, str]:
    request.getfixturevalue("gpu")  # fails in CI without an adapter
    artifact, manifest = request.getfixturevalue("smollm2_artifact")
    return NativeBackend.load([artifact]), manifest["model"]["id"], "The capital of France is Paris."


@pytest.fixture(scope="module", params=["fake", pytest.param("smollm2", marks=[pytest.mark.gpu, pytest.mark.real_model])])
def served(request, tmp_path_factory):
    if request.param == "fake":
        backend, model_id, expected = fake_backend()
    else:
        backend, model_id, expected = smollm2_backend(request)
    app = create_app(ServerConfig(root=make_site(tmp_path_factory.mktemp("site"))), backend)
    with live_server(app) as url:
        # max_retries=0: a failure must show up as itself, not as three slow retries.
        # A long timeout: on a 2-core CPU adapter eight batched SmolLM2 requests take tens of seconds.
        client = openai.OpenAI(base_url=f"{url}/v1", api_key="not-needed", max_retries=0, timeout=600)
        yield Served(client, model_id, expected)
        client.close()
    backend.close()  # serve() runs without lifespan, so the app's shutdown hook does not do it


def test_models(served):
    assert served.model_id in [m.id for m in served.client.models.list()]
    assert served.client.models.retrieve(served.model_id).id == served.model_id


def test_streamed_chat_completion(served):
    stream = served.client.chat.completions.create(model=served.model_id, messages=CHAT_MESSAGES, temperature=0,
                                                   stream=True, stream_options={"include_usage": True})
    pieces, finish, usage = [], None, None
    for chunk in stream:
        if chunk.choices:
            pieces.append(chunk.choices[0].delta.content or "")
            finish = chunk.choices[0].finish_reason or finish
        usage = chunk.usage or usage
    assert "".join(pieces) == served.expected_reply
    assert finish == "stop"
    assert len([p for p in pieces if p]) > 1  # it really streamed
    assert usage is not None and usage.completion_tokens > 0


def test_chat_completion_with_max_tokens(served):
    reply = served.client.chat.completions.create(model=served.model_id, messages=CHAT_MESSAGES, temperature=0,
                                                  max_tokens=4)
    assert reply.choices[0].finish_reason == "length"
    assert reply.usage.completion_tokens == 4
    assert served.expected_reply.startswith(reply.choices[0].message.content.rstrip("\ufffd"))


def test_streamed_text_completion(served):
    stream = served.client.completions.create(model=served.model_id, prompt="Hello", max_tokens=8, stream=True)
    text = "".join(chunk.choices[0].text for chunk in stream if chunk.choices)
    assert 0 < len(text.encode()) <= 8 * 16  # at most 8 tokens of a few bytes each


def test_client_errors_are_typed(served):
    with pytest.raises(openai.NotFoundError):
        served.client.chat.completions.create(model="no-such-model", messages=CHAT_MESSAGES)
    with pytest.raises(openai.BadRequestError, match="temperature"):
        served.client.chat.completions.create(model=served.model_id, messages=CHAT_MESSAGES, temperature=5)


def test_sampling_bounds(served):
    with pytest.raises(openai.BadRequestError, match="top_k"):
        served.client.chat.completions.create(model=served.model_id, messages=CHAT_MESSAGES,
                                              extra_body={"top_k": 99999999999})
    # The largest top_k accepted is past any vocabulary: "off", so greedy decoding is unchanged; a negative seed
    # is folded into the kernel's 32 bits.
    reply = served.client.chat.completions.create(model=served.model_id, messages=CHAT_MESSAGES, temperature=0,
                                                  seed=-1, extra_body={"top_k": 2**31 - 1})
    assert reply.choices[0].message.content == served.expected_reply


def test_a_client_hanging_up_frees_the_gpu_queue(tmp_path):
    # Fake-only: it counts the tokens the fake chain produced.
    model = FakeModel(reply=lambda prompt: "x" * 2000, delay_s=0.005, max_context=4096)  # ~10 s if not stopped
    backend = NativeBackend({model.model_id: model})
    with live_server(create_app(ServerConfig(root=make_site(tmp_path)), backend)) as url:
        client = openai.OpenAI(base_url=f"{url}/v1", api_key="not-needed", max_retries=0, timeout=30)
        stream = client.chat.completions.create(model=model.model_id, messages=CHAT_MESSAGES, stream=True)
        for i, _ in enumerate(stream):
            if i == 3:
                break
        stream.close()
        short = client.chat.completions.create(model=model.model_id, messages=CHAT_MESSAGES, max_tokens=2)
        client.close()
    backend.close()
    assert short.choices[0].message.content == "xx"
    assert len(model.trace) < 1000, "the abandoned request kept generating"


def test_a_client_giving_up_on_a_whole_completion_frees_the_gpu_queue(tmp_path):
    # Without streaming no response exists while the model generates, so only an explicit watch on the connection
    # notices that the client left; otherwise the next request would wait the full ~10 s behind it.
    model = FakeModel(reply=lambda prompt: "x" * 2000, delay_s=0.005, max_context=4096)
    backend = NativeBackend({model.model_id: model})
    with live_server(create_app(ServerConfig(root=make_site(tmp_path)), backend)) as url:
        impatient = openai.OpenAI(base_url=f"{url}/v1", api_key="not-needed", max_retries=0, timeout=0.5)
        with pytest.raises(openai.APITimeoutError):  # the client closes its connection and leaves
            impatient.chat.completions.create(model=model.model_id, messages=CHAT_MESSAGES)
        impatient.close()
        client = openai.OpenAI(base_url=f"{url}/v1", api_key="not-needed", max_retries=0, timeout=30)
        started = time.monotonic()
        short = client.chat.completions.create(model=model.model_id, messages=CHAT_MESSAGES, max_tokens=2)
        waited = time.monotonic() - started
        client.close()
    backend.close()
    assert short.choices[0].message.content == "xx"
    assert waited < 3, f"the next request waited {waited:.1f} s behind an abandoned one"
    assert len(model.trace) < 1000, "the abandoned request kept generating"


# ---------------------------------------------------------------- concurrency (continuous batching)

QUESTIONS = ["What is the capital of France?", "Name a primary colour.", "What is 2 + 2?", "Say hello.",
             "What do bees make?", "Name a planet.", "What is ice made of?", "Which animal barks?"]


def _stream_text(client: openai.OpenAI, model_id: str, question: str, max_tokens: int) -> str:
    stream = client.chat.completions.create(model=model_id, messages=[{"role": "user", "content": question}],
                                            temperature=0, max_tokens=max_tokens, stream=True)
    return "".join(c.choices[0].delta.content or "" for c in stream if c.choices)


def test_concurrent_streams_each_get_their_single_request_text(served):
    from concurrent.futures import ThreadPoolExecutor

    alone = [_stream_text(served.client, served.model_id, q, 6) for q in QUESTIONS]
    with ThreadPoolExecutor(len(QUESTIONS)) as pool:
        together = list(pool.map(lambda q: _stream_text(served.client, served.model_id, q, 6), QUESTIONS))
    assert together == alone
    assert len(set(alone)) > 1 or served.model_id == "fake-tiny"


def test_a_dropped_stream_does_not_hold_the_others(tmp_path):
    # Fake-only: it reads the fake chain's steps to see which slots ran after the drop.
    model = FakeModel(reply=lambda prompt: "z" * 400, delay_s=0.003, max_context=4096, slots=2)
    backend = NativeBackend({model.model_id: model})
    with live_server(create_app(ServerConfig(root=make_site(tmp_path)), backend)) as url:
        client = openai.OpenAI(base_url=f"{url}/v1", api_key="not-needed", max_retries=0, timeout=60)
        dropped = client.chat.completions.create(model=model.model_id, messages=CHAT_MESSAGES, stream=True)
        kept = client.chat.completions.create(model=model.model_id, messages=CHAT_MESSAGES, stream=True,
                                              max_tokens=150)
        for i, _ in enumerate(dropped):
            if i == 3:
                break
        dropped.close()
        steps_at_drop = len(model.chain.steps)
        text = "".join(c.choices[0].delta.content or "" for c in kept if c.choices)
        client.close()
    backend.close()
    assert text == "z" * 150
    later = model.chain.steps[steps_at_drop + 3:]
    assert later and all(len({r.slot for r in s.rows}) == 1 for s in later), "the dropped stream kept its slot"


def test_a_full_queue_answers_429_with_retry_after(tmp_path):
    model = FakeModel(reply=lambda prompt: "q" * 300, delay_s=0.003, max_context=4096, slots=1)
    backend = NativeBackend({model.model_id: model}, max_queue=1)
    with live_server(create_app(ServerConfig(root=make_site(tmp_path)), backend)) as url:
        client = openai.OpenAI(base_url=f"{url}/v1", api_key="not-needed", max_retries=0, timeout=60)
        first = client.chat.completions.create(model=model.model_id, messages=CHAT_MESSAGES, stream=True)
        next(iter(first))   # the opening chunk (role): the request holds the only slot
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(1) as pool:
            queued = pool.submit(client.chat.completions.create, model=model.model_id, messages=CHAT_MESSAGES,
                                 max_tokens=5)
            time.sleep(0.3)
            with pytest.raises(openai.RateLimitError) as e:
                client.chat.completions.create(model=model.model_id, messages=CHAT_MESSAGES, max_tokens=5)
            assert int(e.value.response.headers["retry-after"]) >= 1
            first_text = "".join(c.choices[0].delta.content or "" for c in first if c.choices)
            queued_text = queued.result().choices[0].message.content
        client.close()
    backend.close()
    assert (first_text, queued_text) == ("q" * 300, "qqqqq")   # nothing accepted was lost
