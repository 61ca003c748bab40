"""server/backend.py + server/gpu_loop.py over a fake chain (no GPU): continuous batching on one GPU thread, usage,
stops, limits, cancellation, the bounded queue."""
from __future__ import annotations

import asyncio
import contextlib

import pytest

from compiler.native.batch import Sampling
from server.backend import CompletionRequest, NativeBackend, RequestRejected
from tests.server_fakes import EOS, REPLY, FakeModel


def backend_for(model: FakeModel, **kw) -> NativeBackend:
    return NativeBackend({model.model_id: model}, **kw)


async def collect(backend: NativeBackend, request: CompletionRequest):
    chunks = [c async for c in backend.complete(request)]
    assert all(c.finish_reason is None for c in chunks[:-1])
    return "".join(c.text for c in chunks), chunks[-1]


def run(backend: NativeBackend, request: CompletionRequest):
    try:
        return asyncio.run(collect(backend, request))
    finally:
        backend.close()


def test_greedy_reply_usage_and_finish():
    model = FakeModel()
    text, last = run(backend_for(model), CompletionRequest(model="fake-tiny", prompt="Hi"))
    assert text == REPLY
    assert last.finish_reason == "stop"
    assert last.usage.prompt_tokens == 2
    assert last.usage.completion_tokens == len(REPLY.encode()) + 1   # the EOS id is a generated token too


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
    assert (text, last.finish_reason) == (REPLY[:2], "length")


def test_prompt_longer_than_the_context_is_rejected_naming_the_limit():
    model = FakeModel(max_context=8)
    with pytest.raises(RequestRejected, match="max_context") as e:
        run(backend_for(model), CompletionRequest(model="fake-tiny", prompt="0123456789"))
    assert e.value.param == "prompt" and e.value.status == 400
    assert model.calls == []


def test_stop_string_ends_generation_early_and_frees_the_slot():
    model = FakeModel()
    backend = backend_for(model)

    async def main():
        first = await collect(backend, CompletionRequest(model="fake-tiny", prompt="Hi", stop=("Paris", "zzz")))
        await asyncio.sleep(0.05)
        return first, backend._loop.engines["fake-tiny"].slots.free

    try:
        (text, last), free = asyncio.run(main())
    finally:
        backend.close()
    assert text == "The capital of France is "
    assert last.finish_reason == "stop"
    assert last.usage.completion_tokens < len(REPLY.encode())
    assert sorted(free) == [0, 1, 2, 3], "the stopped sequence must give its slot back"


def test_sampling_parameters_reach_the_runtime():
    model = FakeModel()
    request = CompletionRequest(model="fake-tiny", prompt="Hi", temperature=0.7, top_p=0.9, top_k=40, seed=1234)
    run(backend_for(model), request)
    assert model.calls[0]["sampling"] == Sampling(temperature=0.7, top_k=40, top_p=0.9, seed=1234)


def test_any_int64_seed_folds_into_the_runtime_u32():
    model = FakeModel()
    run(backend_for(model), CompletionRequest(model="fake-tiny", prompt="Hi", seed=-1))
    assert model.calls[0]["sampling"].seed == 2**32 - 1


def test_concurrent_requests_are_batched_on_one_thread_and_each_gets_its_own_reply():
    model = FakeModel(reply=lambda prompt: prompt[-1] * 20, slots=4)
    backend = backend_for(model)

    async def main():
        requests = [CompletionRequest(model="fake-tiny", prompt=f"request {i}") for i in range(6)]
        return await asyncio.gather(*(collect(backend, r) for r in requests))

    try:
        results = asyncio.run(main())
    finally:
        backend.close()
    assert [text for text, _ in results] == [str(i) * 20 for i in range(6)]
    # Steps carried rows of several sequences at once (continuous batching), never more than the slots.
    widest = max(len({r.slot for r in step.rows}) for step in model.chain.steps)
    assert widest == 4
    assert model.threads == {backend.gpu_thread}


def test_a_request_joins_a_running_batch_at_a_step_boundary():
    model = FakeModel(reply=lambda prompt: "y" * 30 if prompt == "long" else "z", delay_s=0.002)
    backend = backend_for(model)

    async def main():
        long = asyncio.create_task(collect(backend, CompletionRequest(model="fake-tiny", prompt="long")))
        while len(model.trace) < 5:
            await asyncio.sleep(0.001)
        short = await collect(backend, CompletionRequest(model="fake-tiny", prompt="s"))
        return short, await long

    try:
        (short, _), (long, _) = asyncio.run(main())
    finally:
        backend.close()
    assert (short, long) == ("z", "y" * 30)
    # The short request finished while the long one was still decoding: it did not wait behind it.
    assert model.trace.index("s") < len(model.trace) - 5


def test_a_client_leaving_stops_its_sequence_at_the_next_step():
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
    assert model.trace.count("a") < 20


def test_a_cancelled_prefill_stops_within_one_chunk():
    """A long prompt runs in chunks of max_rows; a client that leaves during it costs at most one more chunk."""
    model = FakeModel(max_context=4096, delay_s=0.005, max_rows=16)
    backend = backend_for(model)

    async def main():
        stream = backend.complete(CompletionRequest(model="fake-tiny", prompt="p" * 1600))
        task = asyncio.create_task(anext(stream))
        while len(model.chain.steps) < 3:
            await asyncio.sleep(0.001)
        task.cancel()   # what the HTTP layer does when the client leaves before the first token
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await stream.aclose()
        steps_at_cancel = len(model.chain.steps)
        text, _ = await collect(backend, CompletionRequest(model="fake-tiny", prompt="q", max_tokens=2))
        return steps_at_cancel, text

    try:
        at_cancel, text = asyncio.run(main())
    finally:
        backend.close()
    assert text == REPLY[:2]
    long_steps = [s for s in model.chain.steps if any(r.token == ord("p") for r in s.rows)]
    assert len(long_steps) <= at_cancel + 1, "the prompt kept running after its client left"
    assert len(long_steps) < 1600 // 16


def test_a_full_queue_answers_429_and_loses_nothing_it_accepted():
    model = FakeModel(reply=lambda prompt: "w" * 10, slots=2, delay_s=0.002)
    backend = backend_for(model, max_queue=1)

    async def main():
        accepted = [asyncio.create_task(collect(backend, CompletionRequest(model="fake-tiny", prompt=f"r{i}")))
                    for i in range(3)]
        await asyncio.sleep(0.02)
        with pytest.raises(RequestRejected) as e:
            await collect(backend, CompletionRequest(model="fake-tiny", prompt="one too many"))
        return e.value, await asyncio.gather(*accepted)

    try:
        refused, results = asyncio.run(main())
    finally:
        backend.close()
    assert refused.status == 429 and int(refused.headers["retry-after"]) >= 1
    assert [t for t, _ in results] == ["w" * 10] * 3


def test_a_failing_step_ends_its_requests_with_an_error_and_the_server_goes_on():
    model = FakeModel(fail_at=2)
    backend = backend_for(model)

    async def main():
        with pytest.raises(RuntimeError, match="device lost"):
            await collect(backend, CompletionRequest(model="fake-tiny", prompt="Hi"))
        model.fail_at = None
        return await collect(backend, CompletionRequest(model="fake-tiny", prompt="Hi", max_tokens=4))

    try:
        text, _ = asyncio.run(main())
    finally:
        backend.close()
    assert text == REPLY[:4]


def test_eos_is_never_text():
    model = FakeModel(reply=lambda prompt: "")
    text, last = run(backend_for(model), CompletionRequest(model="fake-tiny", prompt="Hi"))
    assert (text, last.finish_reason, last.usage.completion_tokens) == ("", "stop", 1)
    assert EOS in model.eos_ids
