"""server/backend.py: NativeBackend over a fake model: one GPU thread, no interleaving, stops, limits, cancellation."""
from __future__ import annotations

import asyncio

import pytest

from server.backend import CompletionRequest, NativeBackend, RequestRejected
from tests.server_fakes import REPLY, FakeModel, FakeSampling


def backend_for(model: FakeModel) -> NativeBackend:
    return NativeBackend({model.model_id: model}, sampling=FakeSampling)


async def collect(backend: NativeBackend, request: CompletionRequest):
    chunks = [c async for c in backend.complete(request)]
    assert all(c.finish_reason is None for c in chunks[:-1])
    return "".join(c.text for c in chunks), chunks[-1]


def run(backend: NativeBackend, request: CompletionRequest):
    try:
        return asyncio.run(collect(backend, request))
    finally:
        backend.close()


@pytest.mark.parametrize("yield_eos", [True, False])
def test_greedy_reply_usage_and_finish(yield_eos):
    model = FakeModel(yield_eos=yield_eos)
    text, last = run(backend_for(model), CompletionRequest(model="fake-tiny", prompt="Hi"))
    assert text == REPLY
    assert last.finish_reason == "stop"
    assert last.usage.prompt_tokens == 2
    assert last.usage.completion_tokens == len(REPLY.encode()) + yield_eos


def test_chat_messages_use_the_model_template():
    model = FakeModel(reply=lambda prompt: prompt)
    messages = ({"role": "user", "content": "Hi"},)
    text, _ = run(backend_for(model), CompletionRequest(model="fake-tiny", messages=messages))
    assert text == "<user>Hi\n<assistant>"


def test_max_tokens_gives_length():
    model = FakeModel()
    text, last = run(backend_for(model), CompletionRequest(model="fake-tiny", prompt="Hi", max_tokens=5))
    assert (text, last.finish_reason, last.usage.completion_tokens) == (REPLY[:5], "length", 5)


def test_generation_is_clamped_to_the_context():
    model = FakeModel(max_context=12)
    text, last = run(backend_for(model), CompletionRequest(model="fake-tiny", prompt="0123456789"))
    assert model.calls[0]["max_tokens"] == 2
    assert (text, last.finish_reason) == (REPLY[:2], "length")


def test_prompt_longer_than_the_context_is_rejected_naming_the_limit():
    model = FakeModel(max_context=8)
    with pytest.raises(RequestRejected, match="max_context") as e:
        run(backend_for(model), CompletionRequest(model="fake-tiny", prompt="0123456789"))
    assert e.value.param == "prompt" and e.value.status == 400
    assert model.calls == []


def test_stop_string_ends_generation_early():
    model = FakeModel()
    text, last = run(backend_for(model), CompletionRequest(model="fake-tiny", prompt="Hi", stop=("Paris", "zzz")))
    assert text == "The capital of France is "
    assert last.finish_reason == "stop"
    assert last.usage.completion_tokens < len(REPLY.encode())
    assert model.closed_early == 1


def test_sampling_parameters_reach_the_runtime():
    model = FakeModel()
    request = CompletionRequest(model="fake-tiny", prompt="Hi", temperature=0.7, top_p=0.9, top_k=40, seed=1234)
    run(backend_for(model), request)
    assert model.calls[0]["sampling"] == FakeSampling(temperature=0.7, top_k=40, top_p=0.9, seed=1234)


def test_any_int64_seed_folds_into_the_runtime_u32():
    model = FakeModel()
    run(backend_for(model), CompletionRequest(model="fake-tiny", prompt="Hi", seed=-1))
    assert model.calls[0]["sampling"].seed == 2**32 - 1


def test_concurrent_requests_run_one_at_a_time_on_one_thread():
    model = FakeModel(reply=lambda prompt: prompt[-1] * 20, delay_s=0.001)
    backend = backend_for(model)

    async def main():
        requests = [CompletionRequest(model="fake-tiny", prompt=f"request {i}") for i in range(4)]
        return await asyncio.gather(*(collect(backend, r) for r in requests))

    try:
        results = asyncio.run(main())
    finally:
        backend.close()
    assert [text for text, _ in results] == [str(i) * 20 for i in range(4)]
    # Each request's tokens are contiguous in the model's trace: no interleaving on the GPU queue.
    runs = [p for i, p in enumerate(model.trace) if i == 0 or model.trace[i - 1] != p]
    assert len(runs) == 4
    assert {c["thread"] for c in model.calls} == model.threads and len(model.threads) == 1
    assert next(iter(model.threads)).startswith("webshard-gpu")


def test_a_client_leaving_stops_generation_and_frees_the_queue():
    model = FakeModel(reply=lambda prompt: "x" * 200, delay_s=0.002)
    backend = backend_for(model)

    async def main():
        stream = backend.complete(CompletionRequest(model="fake-tiny", prompt="a"))
        await anext(stream)
        await stream.aclose()  # what Starlette does when the client disconnects
        return await collect(backend, CompletionRequest(model="fake-tiny", prompt="b", max_tokens=3))

    try:
        text, _ = asyncio.run(main())
    finally:
        backend.close()
    assert text == "xxx"
    assert model.trace.count("a") < 200 and model.closed_early >= 1


def test_runtime_value_error_before_streaming_is_a_request_error():
    class Picky(FakeModel):
        def generate(self, prompt_ids, *, max_tokens, sampling):
            raise ValueError("prompt of 9 tokens exceeds the context limit of 8")

    with pytest.raises(RequestRejected, match="context limit of 8"):
        run(backend_for(Picky()), CompletionRequest(model="fake-tiny", prompt="Hi"))
