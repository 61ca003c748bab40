"""The generation loop (compiler/native/engine.py) on a tiny model: batching, slot reuse, prefix reuse per slot, and
replay, where a runner that loses its KV caches mid-generation still yields exactly the undisturbed tokens."""
from __future__ import annotations

import numpy as np
import pytest
import wgpu

from compiler.build import compile_model
from compiler.importers import load_model
from compiler.native import stage as stage_module
from compiler.native.batch import Output, Row, Sampling, Step
from compiler.native.engine import Engine, Interrupted, Sequence
from compiler.native.executor import read_back, submit, wait_for
from compiler.native.stage import LocalChain, submit_cuts
from compiler.reference import Interpreter
from tests.tiny_models import make_tiny_llama

pytestmark = pytest.mark.gpu
PROMPTS = ["the cat is on the mat", "in the hat", "an otter at the inn is", "he is it"]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    d = tmp_path_factory.mktemp("engine")
    model = load_model(make_tiny_llama(d))
    compile_model(model, d / "art", model_id="tiny", max_context=96, max_tokens=8, progress=False)
    return model, d / "art"


def run_all(engine: Engine, seqs: list[Sequence]) -> list[list[int]]:
    for s in seqs:
        engine.add(s)
    while not engine.idle:
        engine.step()
    return [s.outputs for s in seqs]


def seqs_for(model, n_tokens=10, **kw) -> list[Sequence]:
    return [Sequence(model.tokenizer.encode(p).ids, n_tokens, stop_at_eos=False, **kw) for p in PROMPTS]


def test_batched_equals_alone_equals_the_interpreter(gpu, tiny):
    model, art = tiny
    chain = LocalChain.load(art, slots=4, gpu=gpu)
    interp = Interpreter(model, 96)
    want = [interp.greedy(s.prompt, 10) for s in seqs_for(model)]
    alone = [run_all(Engine(chain), [s])[0] for s in seqs_for(model)]
    together_engine = Engine(chain)
    assert run_all(together_engine, seqs_for(model)) == alone == want
    assert together_engine.stats["steps"] < sum(len(o) for o in want), "the sequences were not batched"


def test_a_reused_slot_keeps_no_trace_of_the_previous_sequence(gpu, tiny):
    model, art = tiny
    chain = LocalChain.load(art, slots=1, gpu=gpu)
    a, b = seqs_for(model)[:2]
    fresh = run_all(Engine(LocalChain.load(art, slots=1, gpu=gpu)), [Sequence(b.prompt, 10, stop_at_eos=False)])
    engine = Engine(chain)
    run_all(engine, [a])
    assert run_all(engine, [b]) == fresh
    assert b.reused == 0


def test_prefix_reuse_is_per_slot(gpu, tiny):
    model, art = tiny
    engine = Engine(LocalChain.load(art, slots=2, gpu=gpu))
    first = seqs_for(model, 4)[:2]
    run_all(engine, first)
    # Each follow-up extends one of the earlier conversations: it lands in that one's slot and reuses its cache.
    follow = [Sequence(s.prompt + s.outputs + [100, 101], 4, stop_at_eos=False) for s in reversed(first)]
    run_all(engine, follow)
    for f, s in zip(follow, reversed(first)):
        assert f.slot == s.slot and f.reused == len(s.prompt) + len(s.outputs) - 1
    fresh = Engine(LocalChain.load(art, slots=2, gpu=gpu))
    assert [f.outputs for f in follow] == run_all(fresh, [Sequence(f.prompt, 4, stop_at_eos=False) for f in follow])


class LosingChain:
    """A LocalChain that, at its `at`-th collect, wipes every KV cache and raises Interrupted: a worker gone."""

    def __init__(self, chain: LocalChain, at: int):
        self.chain, self.at, self.collects = chain, at, 0
        for k in ("max_rows", "max_outputs", "slots", "context", "vocab", "chainable"):
            setattr(self, k, getattr(chain, k))

    def submit(self, step, keep_logits=()):
        return self.chain.submit(step, keep_logits)

    def collect(self, handle):
        self.collects += 1
        result = self.chain.collect(handle)
        if self.collects == self.at:
            ws = self.chain.ws
            for name, buf in ws.buffers.items():
                if ws.manifest["buffers"][name]["kind"] == "state":
                    ws.device.queue.write_buffer(buf, 0, np.full(buf.size // 4, np.nan, np.float32).tobytes())
            raise Interrupted("the stage went away")
        return result


@pytest.mark.parametrize("at", [1, 3, 7])
def test_lost_caches_are_rebuilt_from_history_with_identical_tokens(gpu, tiny, at):
    model, art = tiny
    chain = LocalChain.load(art, slots=4, gpu=gpu)
    sampled = dict(sampling=Sampling(temperature=0.9, top_k=20, seed=5))
    want = run_all(Engine(chain), seqs_for(model) + seqs_for(model, **sampled)[:1])
    losing = LosingChain(LocalChain.load(art, slots=4, gpu=gpu), at)
    seqs = seqs_for(model) + seqs_for(model, **sampled)[:1]
    assert run_all(Engine(losing), seqs) == want
    assert losing.collects > at and max(s.replays for s in seqs) == 1


def test_a_sequence_moves_to_another_engine_mid_generation(gpu, tiny):
    model, art = tiny
    want = run_all(Engine(LocalChain.load(art, slots=2, gpu=gpu)), seqs_for(model)[:2])
    a = Engine(LocalChain.load(art, slots=2, gpu=gpu))
    seqs = seqs_for(model)[:2]
    for s in seqs:
        a.add(s)
    while not any(len(s.outputs) >= 3 for s in seqs):
        a.step()
    b = Engine(LocalChain.load(art, slots=2, gpu=gpu))
    for s in a.take_back():
        b.adopt(s)
    while not b.idle:
        b.step()
    assert [s.outputs for s in seqs] == want


@pytest.mark.parametrize("burst", [2, 5])
def test_bursts_give_the_tokens_of_single_steps(gpu, tiny, burst):
    """Decode steps submitted together (each chained to the one before on the device) give the same tokens, also
    with sequences of different lengths, sampled ones, and one that joins while others decode."""
    model, art = tiny
    chain = LocalChain.load(art, slots=4, gpu=gpu)
    sampled = dict(sampling=Sampling(temperature=0.9, top_k=20, seed=5))

    def workload():
        s = seqs_for(model, 9)[:2] + seqs_for(model, 4, **sampled)[2:3]
        return s, Sequence(model.tokenizer.encode(PROMPTS[3]).ids, 7, stop_at_eos=False)

    def run(engine):
        seqs, late = workload()
        for s in seqs:
            engine.add(s)
        steps = 0
        while not engine.idle:
            engine.step()
            steps += 1
            if steps == 4:
                engine.add(late)
        return [s.outputs for s in seqs + [late]]

    want = run(Engine(chain))
    engine = Engine(chain, burst=burst)
    assert run(engine) == want
    assert engine.burst == burst


def test_a_burst_stops_at_eos_and_max_tokens(gpu, tiny):
    """EOS is seen a burst late: the outputs sampled after it are dropped, as are those past max_tokens."""
    model, art = tiny
    chain = LocalChain.load(art, slots=2, gpu=gpu)
    ids = model.tokenizer.encode(PROMPTS[0]).ids
    free = run_all(Engine(chain), [Sequence(ids, 12, stop_at_eos=False)])[0]
    eos = free[5]   # pretend the 6th token is EOS
    engine = Engine(chain, eos_ids=[eos], burst=4)
    seq = Sequence(ids, 12)
    assert run_all(engine, [seq])[0] == free[:free.index(eos) + 1] and seq.finish == "eos"
    short = Sequence(ids, 3, stop_at_eos=False)
    assert run_all(Engine(chain, burst=8), [short])[0] == free[:3] and short.finish == "length"


def test_submit_cuts_double_after_the_first_chunk():
    assert submit_cuts(8) == []
    assert submit_cuts(9) == [8]
    assert submit_cuts(154) == [8, 24, 56, 120]
    assert submit_cuts(10, first=2) == [2, 6]
    with pytest.raises(ValueError, match="first chunk"):
        submit_cuts(10, first=0)


def test_prompt_steps_are_submitted_in_chunks_with_the_results_of_one_submit(gpu, tiny, monkeypatch):
    """On an idle GPU a step with prompt rows is submitted in chunks as it is encoded (LocalChain.split_prompts);
    its sampled ids and logits are those of the same step submitted whole. Decode steps, and prompt steps while
    earlier steps still run, stay one submit."""
    model, art = tiny
    chunked = LocalChain.load(art, slots=2, gpu=gpu)
    assert chunked.split_prompts == (gpu.adapter_type != "CPU")
    chunked.split_prompts = True   # on any adapter
    whole = LocalChain.load(art, slots=2, gpu=gpu)
    whole.split_prompts = False
    submits: list[int] = []
    real = stage_module.submit
    monkeypatch.setattr(stage_module, "submit", lambda queue, buffers: submits.append(1) or real(queue, buffers))
    ids = model.tokenizer.encode(PROMPTS[2]).ids[:chunked.max_rows]
    prompt = Step([Row(0, i, token=t) for i, t in enumerate(ids)], [Output(len(ids) - 1)])
    got = []
    for chain in (whole, chunked):
        submits.clear()
        got.append(chain.collect(chain.submit(prompt, keep_logits=[0])))
        got.append(len(submits))
    (whole_ids, whole_logits), whole_submits, (ids_, logits), chunked_submits = got
    n = sum(len(s.plan(len(prompt.rows), 1)) for s in chunked.stages)
    assert whole_submits == 1 and chunked_submits == len(submit_cuts(n)) + 1 > 1
    assert ids_ == whole_ids
    np.testing.assert_array_equal(logits, whole_logits)
    submits.clear()
    decode = Step([Row(0, len(ids), token=ids_[0])], [Output(0)])
    chunked.collect(chunked.submit(decode))
    assert len(submits) == 1
    submits.clear()
    monkeypatch.setattr(stage_module, "gpu_idle", lambda device: False)   # as if an earlier step still ran
    assert chunked.collect(chunked.submit(prompt, keep_logits=[0]))[0] == whole_ids and len(submits) == 1
    monkeypatch.undo()
    assert run_all(Engine(chunked), seqs_for(model)[:2]) == run_all(Engine(whole), seqs_for(model)[:2])


def test_read_back_reads_the_copy_of_the_submission_it_waited_for(gpu):
    """read_back (no extra submit, one non-blocking poll) reads what the waited-for submission copied, not zeros or
    an older copy (each copy's values differ and start at 1), also with the buffer's earlier copies read the
    same way, and through wgpu-py's map_sync where no submission index is known."""
    dev, U = gpu.device, wgpu.BufferUsage
    src = dev.create_buffer(size=64, usage=U.COPY_DST | U.COPY_SRC)
    reads = [dev.create_buffer(size=64, usage=U.MAP_READ | U.COPY_DST) for _ in range(2)]
    for i in range(20):
        index = []
        for j, rb in enumerate(reads):
            dev.queue.write_buffer(src, 0, np.full(16, 2 * i + j + 1, np.uint32).tobytes())
            enc = dev.create_command_encoder()
            enc.copy_buffer_to_buffer(src, 0, rb, 0, 64)
            index.append(submit(dev.queue, [enc.finish()]))
        for j, rb in enumerate(reads):
            submission = index[j] if i % 2 else None
            wait_for(dev, submission)
            assert read_back(dev, rb, 64, np.uint32, submission).tolist() == [2 * i + j + 1] * 16


def test_shader_module_without_loop_bounding_computes_and_still_rejects_bad_wgsl(gpu):
    """executor.shader_module (wgpu-native's trusted module, bounds checks kept): a looping kernel gives the
    checked module's results, and invalid WGSL still raises wgpu's validation error, naming the problem."""
    from compiler.native.executor import shader_module

    code = """
@group(0) @binding(0) var<storage, read_write> out: array<u32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  var s = 0u;
  for (var i = 0u; i <= g.x; i++) { s += i * i; }
  out[g.x] = s;
}"""
    dev = gpu.device
    results = []
    for module in (shader_module(dev, code, "trusted"), dev.create_shader_module(code=code, label="checked")):
        buf = dev.create_buffer(size=4 * 256, usage=wgpu.BufferUsage.STORAGE | wgpu.BufferUsage.COPY_SRC)
        pipe = dev.create_compute_pipeline(layout="auto", compute={"module": module, "entry_point": "main"})
        bg = dev.create_bind_group(layout=pipe.get_bind_group_layout(0),
                                   entries=[{"binding": 0, "resource": {"buffer": buf, "offset": 0, "size": 1024}}])
        enc = dev.create_command_encoder()
        cp = enc.begin_compute_pass()
        cp.set_pipeline(pipe)
        cp.set_bind_group(0, bg)
        cp.dispatch_workgroups(4)
        cp.end()
        dev.queue.submit([enc.finish()])
        results.append(np.frombuffer(dev.queue.read_buffer(buf), dtype=np.uint32).copy())
    n = np.arange(256, dtype=np.uint64)
    np.testing.assert_array_equal(results[0], (n * (n + 1) * (2 * n + 1) // 6).astype(np.uint32))
    np.testing.assert_array_equal(results[0], results[1])
    with pytest.raises(wgpu.GPUError, match="undeclared|unknown|no definition"):
        shader_module(dev, code.replace("s += i * i", "s += nothing"), "bad")
