"""The swarm with native workers (`webshard worker` processes) on a tiny llama, through a live server and the real
`openai` client: pipelines give the single-device tokens, and joining, leaving, being slow, lying or breaking the
protocol never changes or loses a request."""
from __future__ import annotations

import asyncio
import json
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import openai
import pytest

from tests.swarm_helpers import TOKEN, compile_tiny, ready_with, start_worker, status, stop, swarm_server, wait_for

pytestmark = pytest.mark.gpu
PROMPTS = ["the cat is on the mat", "in the hat", "an otter at the inn is"]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return compile_tiny(tmp_path_factory.mktemp("swarm"))


def native_text(tiny, prompt: str, n: int) -> str:
    from compiler.native.model import Model

    model, art = tiny
    m = Model.load(art, slots=1)
    ids = m.encode(prompt)
    return m.decode(list(m.generate(ids, max_tokens=n, stop_at_eos=False)))


def client(url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{url}/v1", api_key="unused", max_retries=0, timeout=300)


def complete(url: str, prompt: str, n: int) -> str:
    r = client(url).completions.create(model="tiny", prompt=prompt, max_tokens=n, temperature=0)
    return r.choices[0].text


@pytest.fixture(scope="module")
def two_workers(tiny, tmp_path_factory):
    _, art = tiny
    d = tmp_path_factory.mktemp("two")
    with swarm_server(art) as (url, coord):
        procs = [start_worker(url, d / f"w{i}") for i in range(2)]
        try:
            wait_for(url, ready_with(2), what="two ready workers")
            yield url, coord
        finally:
            stop(*procs)


def test_two_workers_give_the_single_device_tokens(tiny, two_workers):
    url, coord = two_workers
    st = status(url)
    stages = st["pipelines"][0]["stages"]
    assert len(stages) == 2 and stages[0]["first"] == "embed" and stages[-1]["last"] == "sample"
    for prompt in PROMPTS:
        assert complete(url, prompt, 12) == native_text(tiny, prompt, 12)


def test_three_concurrent_requests_through_two_workers(tiny, two_workers):
    url, _ = two_workers
    with ThreadPoolExecutor(3) as pool:
        got = list(pool.map(lambda p: complete(url, p, 10), PROMPTS))
    assert got == [native_text(tiny, p, 10) for p in PROMPTS]


def test_swarm_state_is_json_for_the_dashboard(two_workers):
    url, _ = two_workers
    st = status(url)
    assert st["protocol"] == 1 and st["model"] == "tiny" and st["ready"]
    w = st["workers"][0]
    for key in ("id", "kind", "adapter", "variant", "layer_ms", "memory_bytes", "range", "steps"):
        assert key in w, key
    assert {e["kind"] for e in st["events"]} >= {"join", "capability", "plan"}
    assert st["timeline"] and st["pipelines"][0]["tokens"] > 0


def test_a_join_without_the_token_is_refused(two_workers):
    import websockets

    url, _ = two_workers
    ws_url = url.replace("http://", "ws://") + "/ws/worker"

    async def attempt(hello: dict | None, headers=None) -> tuple:
        async with websockets.connect(ws_url, additional_headers=headers) as ws:
            if hello is not None:
                await ws.send(json.dumps(hello))
            try:
                msg = await asyncio.wait_for(ws.recv(), 15)
            except websockets.ConnectionClosed:
                msg = None
            await ws.wait_closed()
            return msg, ws.close_code

    msg, code = asyncio.run(attempt({"type": "hello", "protocol": 1, "token": "guess", "kind": "native"}))
    assert code == 4401 and json.loads(msg)["type"] == "refused"
    _, code = asyncio.run(attempt({"type": "capability"}))
    assert code == 4400
    with pytest.raises(websockets.InvalidStatus):   # another site's page: refused at the handshake
        asyncio.run(attempt(None, headers={"Origin": "http://evil.example"}))
    assert sum(e["kind"] == "refuse" for e in status(url)["events"]) >= 2


def test_a_worker_dropping_mid_generation_loses_nothing(tiny, tmp_path):
    _, art = tiny
    want = native_text(tiny, PROMPTS[0], 40)
    with swarm_server(art, heartbeat_s=0.5) as (url, coord):
        procs = [start_worker(url, tmp_path / f"w{i}") for i in range(2)]
        try:
            wait_for(url, ready_with(2))
            stream = client(url).completions.create(model="tiny", prompt=PROMPTS[0], max_tokens=40, temperature=0,
                                                    stream=True)
            text = []
            for i, chunk in enumerate(stream):
                text.append(chunk.choices[0].text if chunk.choices else "")
                if i == 5:
                    stop(procs[0])   # gone without a word, mid-generation
            st = status(url)
        finally:
            stop(*procs)
    assert "".join(text) == want
    assert st["recoveries_s"], "the recovery time is logged"
    assert any(e["kind"] == "recovered" for e in st["events"])


def test_a_slowed_worker_ends_up_with_fewer_layers(tiny, tmp_path):
    _, art = tiny
    with swarm_server(art, straggler=1.3, replan_every_s=1.0) as (url, coord):
        fast = start_worker(url, tmp_path / "fast")
        slow = start_worker(url, tmp_path / "slow", "--test-throttle-ms", "25")
        try:
            st = wait_for(url, ready_with(2))
            names = {w["id"]: w["name"] for w in st["workers"]}

            def layers_of(st, name):
                idx = {u["name"]: i for i, u in enumerate(st["units"])}
                for p in st["pipelines"]:
                    for s in p["stages"]:
                        if names.get(s["worker"]) == name:
                            return sum(1 for u in st["units"][idx[s["first"]]:idx[s["last"]] + 1]
                                       if u["name"].startswith("layer."))
                return 0

            before = layers_of(st, "slow")
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                complete(url, PROMPTS[1], 16)   # real steps: the coordinator measures them
                st = status(url)
                if layers_of(st, "slow") < before and st["ready"]:
                    break
            assert layers_of(st, "slow") < before, st["events"][-10:]
            assert any("straggler" in e["detail"] for e in st["events"])
            assert complete(url, PROMPTS[0], 8) == native_text(tiny, PROMPTS[0], 8)
        finally:
            stop(fast, slow)


def test_a_model_too_big_for_any_worker_runs_within_the_caps(tmp_path):
    """Each worker holds 40% of the model (weights, KV cache for its slots, scratch): no one or two of them can run
    it, three can, and the tokens are those of one uncapped device."""
    from compiler.artifact import read_manifest
    from server.swarm.planner import range_memory, tied_overlaps, unit_costs

    six = compile_tiny(tmp_path / "six", layers=6)
    m = read_manifest(six[1])
    units = unit_costs(m)
    total = range_memory(units, 0, len(units), 2, tied_overlaps(m))
    cap = int(total * 0.4)
    with swarm_server(six[1]) as (url, coord):
        procs = [start_worker(url, tmp_path / f"w{i}", "--test-memory-bytes", str(cap)) for i in range(3)]
        try:
            st = wait_for(url, ready_with(3))
            assert complete(url, PROMPTS[0], 12) == native_text(six, PROMPTS[0], 12)
        finally:
            stop(*procs)
    assert all(w["memory_bytes"] == cap < total for w in st["workers"])
    assert len(st["pipelines"]) == 1 and len(st["pipelines"][0]["stages"]) == 3
    idx = {u.name: i for i, u in enumerate(units)}
    for s in st["pipelines"][0]["stages"]:
        assert range_memory(units, idx[s["first"]], idx[s["last"]] + 1, 2, tied_overlaps(m)) <= cap


def test_a_corrupting_worker_is_caught_and_the_request_is_unchanged(tiny, tmp_path):
    _, art = tiny
    with swarm_server(art, verify_fraction=1.0) as (url, coord):
        honest = start_worker(url, tmp_path / "honest")
        liar = start_worker(url, tmp_path / "liar", "--test-corrupt")
        try:
            wait_for(url, ready_with(2))
            got = complete(url, PROMPTS[0], 12)
            st = status(url)
        finally:
            stop(honest, liar)
    assert got == native_text(tiny, PROMPTS[0], 12)
    evictions = [e for e in st["events"] if e["kind"] == "evict"]
    assert evictions and "verification failed" in evictions[0]["detail"]
    assert st["verify"]["failed"] >= 1 and st["verify"]["checked"] >= 1


# ---------------------------------------------------------------- a rogue worker that breaks the protocol

class Rogue:
    """Joins with the token, claims to be fast and large (so the planner gives it work), then misbehaves."""

    def __init__(self, url: str, how: str):
        self.url, self.how = url, how
        self.closed_with = None

    async def run(self, width: int) -> None:
        import websockets

        from compiler.native import wire
        from server.swarm.protocol import pack_result, unpack_step

        async with websockets.connect(self.url.replace("http://", "ws://") + "/ws/worker") as ws:
            await ws.send(json.dumps({"type": "hello", "protocol": 1, "token": TOKEN, "kind": "native",
                                      "name": "rogue"}))
            await ws.recv()
            await ws.send(json.dumps({"type": "capability", "adapter": {}, "features": [], "limits": {},
                                      "variant": "cpu", "layer_ms": 0.001, "memory_bytes": 1 << 40}))
            try:
                async for msg in ws:
                    if isinstance(msg, str):
                        m = json.loads(msg)
                        if m["type"] == "assign" and m["first"] is not None:
                            await ws.send(json.dumps({"type": "ready", "assignment": m["assignment"]}))
                        continue
                    a, sid, step, _ = unpack_step(msg)
                    rows = len(step.rows)
                    if self.how == "wrong_size":
                        await ws.send(pack_result(a, sid, 1.0, wire.encode(np.zeros((rows + 1, width)))))
                    elif self.how == "nan":
                        await ws.send(pack_result(a, sid, 1.0, wire.encode(np.full((rows, width), np.nan))))
                    elif self.how == "out_of_order":
                        await ws.send(pack_result(a, sid + 7, 1.0, wire.encode(np.zeros((rows, width)))))
                    elif self.how == "unknown_message":
                        await ws.send(json.dumps({"type": "please_trust_me"}))
                    elif self.how == "deep_json":   # under the size limit, past a recursive parser's stack
                        await ws.send("[" * 10_000)
                    elif self.how == "flood":
                        for _ in range(1000):
                            await ws.send(json.dumps({"type": "heartbeat"}))
            except websockets.ConnectionClosed:
                pass
            self.closed_with = ws.close_code


@pytest.fixture(scope="module")
def honest_swarm(tiny, tmp_path_factory):
    _, art = tiny
    with swarm_server(art) as (url, coord):
        proc = start_worker(url, tmp_path_factory.mktemp("honest") / "w")
        try:
            wait_for(url, ready_with(1))
            yield url, coord
        finally:
            stop(proc)


@pytest.mark.parametrize("how", ["wrong_size", "nan", "out_of_order", "unknown_message", "deep_json", "flood"])
def test_a_worker_breaking_the_protocol_is_evicted_and_the_request_survives(tiny, honest_swarm, how):
    import threading

    url, coord = honest_swarm
    rogue = Rogue(url, how)
    width = tiny[0].config.d_model
    t = threading.Thread(target=lambda: asyncio.run(rogue.run(width)), daemon=True)
    t.start()
    wait_for(url, lambda st: any(w["name"] == "rogue" and w["state"] == "ready" for w in st["workers"])
             and st["ready"], what="the rogue in a pipeline")
    got = complete(url, PROMPTS[2], 10)
    t.join(timeout=60)
    st = wait_for(url, ready_with(1), what="the honest worker alone again")
    assert got == native_text(tiny, PROMPTS[2], 10)
    assert rogue.closed_with == 4000
    evicted = [e for e in st["events"] if e["kind"] == "evict"]
    assert evicted, st["events"][-5:]
    if how == "deep_json":
        assert "nested more than" in evicted[-1]["detail"], evicted[-1]


def test_a_worker_mirror_fetches_kernels_again_and_keeps_verified_shards(tiny, tmp_path):
    """The manifest holds no hash of the kernel files, and a recompile can put another program under the same
    name (a `.tiled.wgsl` of another tiling): the mirror fetches them on every load. Shards carry a sha256 and a
    verified copy is kept."""
    import functools
    import http.server
    import threading

    from compiler.native.worker import ArtifactMirror

    _, art = tiny
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(art.parent))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        mirror = ArtifactMirror(f"http://127.0.0.1:{server.server_address[1]}/{art.name}/", tmp_path)
        m = mirror.fetch_manifest()
        units = [u["name"] for u in m["plan"]["units"]]
        mirror.fetch_units(units, "cpu")
        kernel = next(iter(m["kernels"].values()))["variants"]["cpu"]["file"]
        shard = m["shards"][0]["file"]
        (mirror.dir / kernel).write_text("a stale program\n")
        kept = (mirror.dir / shard).stat().st_mtime_ns
        mirror.fetch_units(units, "cpu")
        assert (mirror.dir / kernel).read_bytes() == (art / kernel).read_bytes()
        assert (mirror.dir / shard).stat().st_mtime_ns == kept
    finally:
        server.shutdown()
