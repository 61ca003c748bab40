"""Stages and slots in the browser runtime (runtime_js/), against the numpy interpreter and the native runtime, in
headless Chromium (SwiftShader WebGPU) served by the real server app.

* Split conformance, llm.c style: a tiny llama cut between EVERY pair of consecutive plan units (embed | layer.0 |
  ... | head | sample) runs as two stages, JS->JS (a RelayChain in the page), Python->JS and JS->Python (wire bytes
  relayed by this test), each giving exactly the interpreter's greedy tokens; the test drives the steps itself
  (prefill chunks, then one decode row per step). A stage fetches only its shards and creates only its buffers.
* Batching in the JS engine: four prompts decoded together give what each gives alone and what native gives, through
  the same planned steps as the native engine; a reused slot keeps no trace of its previous sequence; KV-prefix reuse
  is per slot.
* Shared fixtures: adapters.json (variant choice), bad_manifests.json (validation messages), sampling defaults from
  the manifest, and the step / wire byte layouts against compiler/native/batch.py and wire.py.
* An abort during a long prefill stops at the next step (counted), at the runtime API and at the chat page's Stop.

One page serves the whole module (a blank document on the server's origin with the chat page's import map).
"""
from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from compiler.build import compile_model
from compiler.importers import load_model
from compiler.reference import Interpreter
from tests.browser import Console, chromium_browser
from tests.static_site import serve
from tests.tiny_models import make_tiny_llama

pytestmark = pytest.mark.browser

FIXTURES = Path(__file__).parent / "fixtures"
LAYERS = 3
CONTEXT = 32
STEP = 4                                  # rows per step: prompts take several prefill chunks
PROMPT = "the cat is on the mat"
NEW = 6                                   # greedy tokens per run
BATCH_PROMPTS = ["the cat is on the mat", "in the inn", "he sat at the hat", "it is an"]
LONG_PROMPT = "the heat is on in the inn at the end of the an"

TEST_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>stages</title>
<script type="importmap">{"imports": {
  "@huggingface/tokenizers": "/vendor/@huggingface/tokenizers/dist/tokenizers.mjs",
  "@huggingface/jinja": "/vendor/@huggingface/jinja/dist/index.js"}}</script></head><body></body></html>"""

SETUP = """async () => {
  const names = ['stage', 'chain', 'batch', 'wire', 'manifest', 'device', 'engine', 'generate', 'artifact'];
  const mods = await Promise.all(names.map((n) => import(`/runtime_js/${n}.js`)));
  const t = Object.fromEntries(names.map((n, i) => [n, mods[i]]));
  t.stages = {};
  t.b64 = (bytes) => { let s = ''; for (const b of bytes) s += String.fromCharCode(b); return btoa(s); };
  t.unb64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  // A step from the test (outputs without sampling settings get the manifest's defaults).
  t.step = (m, s) => ({ rows: s.rows, outputs: s.outputs.map((o) => ({ sampling: t.batch.Sampling.defaults(m), ...o })) });
  t.manifests = {};
  t.manifestOf = async (base) => (t.manifests[base] ??= await t.artifact.fetchManifest(base));
  window.__t = t;
}"""


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """(ImportedModel, served models dir): tiny-split (a 3-layer llama) and tiny-defaults (its copy with other
    sampling defaults in the manifest)."""
    d = tmp_path_factory.mktemp("stages")
    model = load_model(make_tiny_llama(d / "src", layers=LAYERS))
    models = d / "models"
    compile_model(model, models / "tiny-split", model_id="tiny-split", max_context=CONTEXT, max_tokens=STEP,
                  progress=False)
    shutil.copytree(models / "tiny-split", models / "tiny-defaults")
    m = json.loads((models / "tiny-defaults" / "manifest.json").read_text())
    m["model"]["id"] = "tiny-defaults"
    m["params"]["defaults"] = {"temperature": 0.7, "top_k": 5, "top_p": 0.5, "seed": 9}
    (models / "tiny-defaults" / "manifest.json").write_text(json.dumps(m))
    return model, models


@pytest.fixture(scope="module")
def art(tiny) -> Path:
    return tiny[1] / "tiny-split"


@pytest.fixture(scope="module")
def manifest(art) -> dict:
    return json.loads((art / "manifest.json").read_text())


@pytest.fixture(scope="module")
def site(tiny):
    from server.app import ServerConfig, create_app

    app = create_app(ServerConfig(artifacts_dir=tiny[1]))
    with serve(app) as url:
        yield url, app.state.request_counts


@pytest.fixture(scope="module")
def browser():
    with chromium_browser() as b:
        yield b


@pytest.fixture(scope="module")
def page(browser, site):
    url, _ = site
    ctx = browser.new_context()
    page = ctx.new_page()
    page.console = Console(page)
    page.route(f"{url}/__stages__.html", lambda route: route.fulfill(body=TEST_PAGE, content_type="text/html"))
    page.goto(f"{url}/__stages__.html")
    page.evaluate(SETUP)
    yield page
    assert not page.console.errors(), f"console errors:\n{page.console}"
    ctx.close()


@pytest.fixture(scope="module")
def want(tiny) -> list[int]:
    model, _ = tiny
    ids = model.tokenizer.encode(PROMPT).ids
    assert len(ids) > 2 * STEP, "the prompt should take several prefill chunks"
    return Interpreter(model, CONTEXT).greedy(ids, NEW)


def encode(tiny, text: str) -> list[int]:
    return tiny[0].tokenizer.encode(text).ids


# ---------------------------------------------------------------- greedy loop, one step at a time


def greedy(run_step, prompt: list[int], n: int) -> list[int]:
    """Greedy tokens of `prompt` in slot 0, driving a chain step by step: `run_step(step)` takes a step as JSON
    ({rows: [{slot, pos, token}], outputs: [{row, step}]}) and returns the sampled ids of its outputs."""
    chunks = [prompt[i:i + STEP] for i in range(0, len(prompt), STEP)]
    pos = 0
    for i, chunk in enumerate(chunks):
        rows = [{"slot": 0, "pos": pos + j, "token": t} for j, t in enumerate(chunk)]
        outputs = [{"row": len(rows) - 1, "step": 0}] if i == len(chunks) - 1 else []
        ids = run_step({"rows": rows, "outputs": outputs})
        assert len(ids) == len(outputs)
        pos += len(chunk)
    out = [ids[0]]
    while len(out) < n:
        ids = run_step({"rows": [{"slot": 0, "pos": pos, "token": out[-1]}], "outputs": [{"row": 0, "step": len(out)}]})
        pos += 1
        out.append(ids[0])
    return out


def py_step(s: dict):
    from compiler.native.batch import Output, Row, Step

    return Step([Row(**r) for r in s["rows"]], [Output(o["row"], step=o["step"]) for o in s["outputs"]])


LOAD_STAGE = """async ([base, first, last]) => {
  const t = window.__t;
  const key = `${first}..${last}`;
  if (!t.stages[key]) {
    const manifest = await t.manifestOf(base);
    t.gpu ??= await t.device.acquireDevice(manifest, { slots: 1 });
    t.stages[key] = await t.stage.Stage.load(base, { first, last, gpu: t.gpu, manifest });
  }
  const s = t.stages[key];
  return { buffers: [...s.ws.buffers.keys()].sort(), weights: [...s.weights.keys()].sort(),
           totalBytes: s.loadStats.totalBytes, input: s.input, output: s.output };
}"""

# Run a JS stage on a step: input wire bytes (base64) or none; output wire bytes (base64) and, for ids, the list.
RUN_STAGE = """async ([base, key, s, x]) => {
  const t = window.__t;
  const out = await t.stages[key].run(t.step(await t.manifestOf(base), s), x === null ? null : t.unb64(x));
  return { wire: t.b64(t.wire.encode(out, out.dtype)), ids: out.dtype === 'u32' ? Array.from(out.data) : null };
}"""

RELAY_STEP = """async ([base, keys, s]) => {
  const t = window.__t;
  const chain = new t.chain.RelayChain(keys.map((k) => t.stages[k]));
  const { ids } = await chain.collect(chain.submit(t.step(await t.manifestOf(base), s)));
  return ids;
}"""


@pytest.fixture(scope="module")
def native_stages(art, gpu):
    """Native stages by (first, last), loaded once."""
    from compiler.native.stage import Stage

    cache = {}

    def get(first: str, last: str):
        if (first, last) not in cache:
            cache[first, last] = Stage.load(art, first, last, slots=1, gpu=gpu)
        return cache[first, last]

    return get


@pytest.mark.parametrize("cut", range(LAYERS + 2), ids=lambda c: f"cut{c}")
def test_split_anywhere_gives_the_interpreters_tokens(page, site, manifest, native_stages, tiny, want, cut):
    """Cut after plan unit `cut`: JS->JS, Python->JS and JS->Python chains each give the interpreter's tokens."""
    from compiler.native import wire

    base = f"{site[0]}/artifacts/tiny-split/"
    names = [u["name"] for u in manifest["plan"]["units"]]
    a, b = (names[0], names[cut]), (names[cut + 1], names[-1])
    key_a, key_b = f"{a[0]}..{a[1]}", f"{b[0]}..{b[1]}"
    info_a = page.evaluate(LOAD_STAGE, [base, *a])
    info_b = page.evaluate(LOAD_STAGE, [base, *b])

    # Each stage fetched only its shards, and created only its units' buffers and KV cache.
    for (first, last), info in ((a, info_a), (b, info_b)):
        units = names[names.index(first):names.index(last) + 1]
        shards = [s for s in manifest["shards"] if set(s["units"]) & set(units)]
        assert info["totalBytes"] == sum(s["bytes"] for s in shards)
        plan = [u for u in manifest["plan"]["units"] if u["name"] in units]
        bound = {v for u in plan for d in u["dispatches"] for v in d["bind"].values()}
        assert info["weights"] == sorted(bound & set(manifest["weights"]))
        assert set(info["buffers"]) == (bound - set(manifest["weights"])) | {"ctl"}
    assert info_b["input"] == info_a["output"], "the cut's two sides must agree on what crosses it"

    prompt = encode(tiny, PROMPT)
    js_js = greedy(lambda s: page.evaluate(RELAY_STEP, [base, [key_a, key_b], s]), prompt, NEW)

    def py_to_js(s):
        x = wire.encode(native_stages(*a).run(py_step(s)), info_a["output"]["dtype"])
        return page.evaluate(RUN_STAGE, [base, key_b, s, base64.b64encode(x).decode()])["ids"]

    def js_to_py(s):
        x = base64.b64decode(page.evaluate(RUN_STAGE, [base, key_a, s, None])["wire"])
        return native_stages(*b).run(py_step(s), x).tolist()

    py_js = greedy(py_to_js, prompt, NEW)
    js_py = greedy(js_to_py, prompt, NEW)
    assert (js_js, py_js, js_py) == (want, want, want)


SPLIT_MODEL = """async ([base, split, relay, ids, n]) => {
  const t = window.__t;
  const m = await t.generate.WebModel.load(base, { slots: 1, split, relay });
  const out = [];
  for await (const id of m.generate(ids, { maxTokens: n, stopAtEos: false })) out.push(id);
  const hops = m.chain.hopBytes?.slice() ?? null;
  // The same prompt again, keeping the logits of its last position (all but that token come from the cache).
  const kept = [];
  for await (const id of m.generate(ids, { maxTokens: 1, keepLogits: true, stopAtEos: false })) kept.push(id);
  const r = { out, stages: m.chain.stages.map((s) => s.span), hops, workspaces: new Set(m.chain.stages.map((s) => s.ws)).size,
              kept, logits: Array.from(m.stats.firstLogits), prefilled: m.stats.prefilledTokens };
  m.destroy();
  return r;
}"""


@pytest.mark.parametrize("relay", [True, False], ids=["relay", "local"])
def test_split_model_generates_the_interpreters_tokens(page, site, tiny, want, relay):
    """WebModel with split=[1, 2]: three stages relayed through host memory, or sharing one workspace and pass.
    Kept logits (keepLogits) are the interpreter's, and a repeated prompt reuses the KV cache in both."""
    base = f"{site[0]}/artifacts/tiny-split/"
    ids = encode(tiny, PROMPT)
    r = page.evaluate(SPLIT_MODEL, [base, [1, 2], relay, ids, NEW])
    assert r["out"] == want
    assert r["kept"] == want[:1] and r["prefilled"] == 1
    # Looser than the native tests' 1e-4: WGSL allows sin/cos/exp an absolute error of 2^-11 and SwiftShader uses it.
    np.testing.assert_allclose(r["logits"], Interpreter(tiny[0], CONTEXT).step(ids), rtol=1e-3, atol=5e-3)
    assert r["stages"] == ["embed..layer.0", "layer.1..layer.1", "layer.2..sample"]
    if relay:
        assert r["workspaces"] == 3
        n = len(encode(tiny, PROMPT))
        steps = -(-n // STEP) + NEW - 1   # prefill chunks, then one decode row per step
        rows = n + NEW - 1
        assert r["hops"] == [16 * steps + 4 * 64 * rows] * 2, "f32 rows of width 64 plus a 16-byte header per hop"
    else:
        assert r["workspaces"] == 1 and r["hops"] is None


# ---------------------------------------------------------------- batching in the JS engine

RECORD = """(chain, log) => {
  const submit = chain.submit.bind(chain);
  chain.submit = (step, keep) => {
    log.push([step.rows.map((r) => [r.slot, r.pos, r.token ?? null, r.src ?? null]), step.outputs.map((o) => [o.row, o.step])]);
    return submit(step, keep);
  };
}"""

BATCH = """async ([base, prompts, n]) => {
  const t = window.__t;
  const { WebModel } = t.generate;
  const { Engine, Sequence } = t.engine;
  const m = t.batchModel ??= await WebModel.load(base, { slots: 4 });
  const alone = [];
  for (const p of prompts) {
    const ids = [];
    for await (const id of m.generate(p, { maxTokens: n, stopAtEos: false })) ids.push(id);
    alone.push(ids);
  }
  // A fresh engine over the same chain: empty slot table (no prefix to reuse), so its plan is comparable.
  const log = [];
  (RECORD)(m.chain, log);
  const engine = new Engine(m.chain, { eosIds: m.manifest.tokenizer.eos_ids });
  const seqs = prompts.map((p) => engine.add(new Sequence(p, { maxTokens: n, stopAtEos: false })));
  while (!engine.idle) await engine.step();
  delete m.chain.submit;
  // From now on the model generates through this engine: its slot table is what the KV caches hold.
  t.batchEngine = m.engine = engine;
  return { alone, together: seqs.map((s) => s.outputs), slots: seqs.map((s) => s.slot),
           finish: seqs.map((s) => s.finish), log, stats: engine.stats };
}""".replace("(RECORD)", f"({RECORD})")


def native_batch(art, gpu, prompts: list[list[int]], n: int):
    """The native engine on the same four prompts, with the steps it planned."""
    from compiler.native.engine import Engine, Sequence
    from compiler.native.model import Model

    m = Model.load(art, gpu=gpu, slots=4)
    alone = [list(m.generate(p, max_tokens=n, stop_at_eos=False)) for p in prompts]
    log = []
    submit = m.chain.submit

    def record(step, keep=()):
        log.append([[[r.slot, r.pos, r.token, r.src] for r in step.rows], [[o.row, o.step] for o in step.outputs]])
        return submit(step, keep)

    m.chain.submit = record
    engine = Engine(m.chain, eos_ids=m.tokenizer_info.eos_ids)
    seqs = [engine.add(Sequence(p, n, stop_at_eos=False)) for p in prompts]
    while not engine.idle:
        engine.step()
    return alone, [s.outputs for s in seqs], log


@pytest.fixture(scope="module")
def batch(page, site, art, tiny, gpu):
    base = f"{site[0]}/artifacts/tiny-split/"
    prompts = [encode(tiny, p) for p in BATCH_PROMPTS]
    js = page.evaluate(BATCH, [base, prompts, NEW])
    return prompts, js, native_batch(art, gpu, prompts, NEW)


def test_batched_sequences_each_give_what_they_give_alone(batch):
    prompts, js, (native_alone, native_together, native_log) = batch
    assert js["together"] == js["alone"] == native_alone == native_together
    assert sorted(js["slots"]) == [0, 1, 2, 3]
    assert js["finish"] == ["length"] * 4
    # They really shared steps: several outputs in one step, and prompt chunks beside decode rows.
    prompt_of = dict(zip(js["slots"], prompts))

    def kinds(rows):
        return {"decode" if src is not None or pos >= len(prompt_of[slot]) else "prefill" for slot, pos, _, src in rows}

    assert max(len(outs) for _, outs in js["log"]) >= 2
    assert any(kinds(rows) == {"decode", "prefill"} for rows, _ in js["log"])


def test_js_engine_plans_the_same_steps_as_the_native_engine(batch):
    """Line-by-line twins: the same rows (slot, position, token or src) and outputs in every step."""
    _, js, (_, _, native_log) = batch
    assert js["log"] == native_log
    assert js["stats"]["steps"] == len(native_log)


SLOT_REUSE = """async ([first, second, n]) => {
  const t = window.__t;
  const engine = t.batchEngine;
  const { Sequence } = t.engine;
  const run = async (prompts) => {
    const seqs = prompts.map((p) => engine.add(new Sequence(p, { maxTokens: n, stopAtEos: false })));
    while (!engine.idle) await engine.step();
    return seqs.map((s) => ({ out: s.outputs, slot: s.slot, reused: s.reused, prefilled: s.prefilled }));
  };
  const held = engine.slots.cached.map((c) => c.slice());
  return { held, first: await run(first), second: await run(second) };
}"""


def test_slots_reuse_their_own_prefix_and_keep_no_trace_of_others(batch, page, tiny, art, gpu):
    """After the batch, every slot holds its sequence's prompt and consumed outputs. Two continuations of batch
    prompts 0 and 2 go back to those slots and prefill only their new tokens; two unrelated prompts then take slots
    last used by other sequences. Every result equals a fresh native run."""
    from compiler.native.model import Model

    prompts, js, _ = batch
    outs = js["together"]
    extra = encode(tiny, " on the mat")
    cont = [prompts[0] + outs[0] + extra, prompts[2] + outs[2] + extra]
    other = [encode(tiny, "at the end of it"), encode(tiny, "an inn is in the heat")]
    r = page.evaluate(SLOT_REUSE, [cont, other, NEW])
    for i, p in enumerate(prompts):
        assert r["held"][js["slots"][i]] == p + outs[i][:NEW - 1]
    fresh = Model.load(art, gpu=gpu, slots=1)
    for got, p, i in zip(r["first"], cont, (0, 2)):
        assert got["slot"] == js["slots"][i]
        assert got["reused"] == len(prompts[i]) + NEW - 1
        assert got["prefilled"] == len(extra) + 1   # the new text and the last reply token, never consumed
        assert got["out"] == list(fresh.generate(p, max_tokens=NEW, stop_at_eos=False))
    for got, p in zip(r["second"], other):
        assert got["reused"] == 0 and got["prefilled"] == len(p)
        assert got["slot"] not in [x["slot"] for x in r["first"]], "the least recently used slots are taken"
        assert got["out"] == list(fresh.generate(p, max_tokens=NEW, stop_at_eos=False))


# ---------------------------------------------------------------- abort during a long prefill

ABORT_PREFILL = """async ([ids, n]) => {
  const m = window.__t.batchModel;
  m.engine.slots.forget();   // no prefix of earlier tests to reuse: the counts below are exact
  const stop = new AbortController();
  let submitted = 0;
  const submit = m.chain.submit;
  m.chain.submit = (step, keep) => {
    submitted += 1;
    if (submitted === 1) stop.abort();   // while the first prefill chunk is on the GPU
    return submit.call(m.chain, step, keep);
  };
  const first = [];
  try {
    for await (const id of m.generate(ids, { maxTokens: n, signal: stop.signal, stopAtEos: false })) first.push(id);
  } finally {
    m.chain.submit = submit;
  }
  const aborted = { first, submitted, reason: m.stats.stopReason, prefilled: m.stats.prefilledTokens };
  const again = [];
  for await (const id of m.generate(ids, { maxTokens: n, stopAtEos: false })) again.push(id);
  return { aborted, again, prefilled: m.stats.prefilledTokens };
}"""


def test_abort_stops_a_long_prefill_at_the_next_step(batch, page, tiny, art, gpu):
    from compiler.native.model import Model

    ids = encode(tiny, LONG_PROMPT)
    assert len(ids) > 4 * STEP, "the prompt should take many prefill chunks"
    r = page.evaluate(ABORT_PREFILL, [ids, 3])
    assert r["aborted"] == {"first": [], "submitted": 1, "reason": "abort", "prefilled": STEP}
    # The chunk that did run stays in the slot's KV cache: the next run prefills only the rest.
    assert r["prefilled"] == len(ids) - STEP
    assert r["again"] == list(Model.load(art, gpu=gpu, slots=1).generate(ids, max_tokens=3, stop_at_eos=False))


CHAT_STOP = """async () => {
  const m = window.__webshardModel;
  let submitted = 0;
  const submit = m.chain.submit;
  m.chain.submit = (step, keep) => {
    submitted += 1;
    if (submitted === 1) document.getElementById('stop').click();
    return submit.call(m.chain, step, keep);
  };
  document.getElementById('send').click();
  while (window.__webshard.state !== 'done' && window.__webshard.state !== 'error') {
    await new Promise((r) => setTimeout(r, 50));
  }
  return { submitted, slots: m.slots };
}"""


def test_chat_stop_button_stops_a_long_prefill(browser, site, tiny):
    from urllib.parse import urlencode

    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        console = Console(page)
        page.goto(f"{site[0]}/demos/chat.html?" + urlencode({"model": "tiny-split", "raw": 1, "prompt": LONG_PROMPT}))
        page.wait_for_function("() => ['ready', 'error'].includes(window.__webshard?.state)", timeout=120_000,
                               polling=250)
        r = page.evaluate(CHAT_STOP)
        state = page.evaluate("window.__webshard")
        assert state["state"] == "done", f"{state['error']}\n{console}"
        assert r == {"submitted": 1, "slots": 1}
        assert state["ids"] == [] and state["stats"]["stopReason"] == "abort"
        assert "stopped at abort" in page.locator("#speed").inner_text()
        assert not page.locator("#send").is_disabled(), "the page takes the next message"
        assert not console.errors(), str(console)
    finally:
        ctx.close()


# ---------------------------------------------------------------- shared fixtures and byte layouts


def test_variant_choice_follows_the_shared_adapter_fixture(page, site):
    cases = json.loads((FIXTURES / "adapters.json").read_text())["cases"]
    got = page.evaluate("""async ([base, cases]) => {
      const t = window.__t;
      const m = await t.manifestOf(base);
      const chosen = cases.map((c) => t.device.chooseVariant(m, c.info, { fallback: c.fallback, type: c.type }));
      let error = null;
      try { t.device.chooseVariant(m, cases[0].info, { override: 'fast' }); } catch (e) { error = e.message; }
      return { chosen, override: t.device.chooseVariant(m, cases[2].info, { override: 'cpu' }), error };
    }""", [f"{site[0]}/artifacts/tiny-split/", cases])
    assert got["chosen"] == [c["variant"] for c in cases]
    assert got["override"] == "cpu"
    assert "not in this artifact" in got["error"]


def test_limits_and_default_slots_follow_the_symbolic_shapes(page, site, manifest):
    """neededLimits sizes buffers for the slots asked for (the KV caches grow with them); defaultSlots and
    kvBytesPerSlot agree with compiler/native/stage.py."""
    from compiler.native.stage import default_slots, kv_bytes_per_slot

    limits = [128 << 20, 16384, 8192, 5000, 100]
    got = page.evaluate("""async ([base, limits]) => {
      const t = window.__t;
      const m = await t.manifestOf(base);
      const need = (slots) => t.device.neededLimits(m, 'cpu', null, slots).maxStorageBufferBindingSize;
      const all = t.manifest.unitNames(m);
      return { need: [1, 2, 8].map(need), kv: [all, ['layer.1']].map((u) => t.manifest.kvBytesPerSlot(m, u)),
               slots: [all, ['layer.1'], ['head', 'sample']].map((u) => limits.map((l) => t.manifest.defaultSlots(m, u, l))) };
    }""", [f"{site[0]}/artifacts/tiny-split/", limits])

    def expected(slots):
        sizes = {"T": STEP, "O": min(slots, STEP), "S": slots, "C": CONTEXT}
        buffers = [4 * int(np.prod([sizes.get(d, d) for d in b["shape"]])) for b in manifest["buffers"].values()]
        weights = [-(-w["bytes"] // 4) * 4 for w in manifest["weights"].values()]
        return max(buffers + weights)

    assert [n["needed"] for n in got["need"]] == [expected(1), expected(2), expected(8)]
    assert "k_cache" in got["need"][2]["why"] and "8 slots" in got["need"][2]["why"]
    assert got["kv"] == [kv_bytes_per_slot(manifest), kv_bytes_per_slot(manifest, ["layer.1"])]
    units = [u["name"] for u in manifest["plan"]["units"]]
    for names, slots in zip([units, ["layer.1"], ["head", "sample"]], got["slots"]):
        assert slots == [default_slots(manifest, names, limit) for limit in limits]


def apply_ops(manifest: dict, ops: list[dict]) -> dict:
    """A deep copy of `manifest` with bad_manifests.json ops applied (JSON pointers, RFC 6901)."""
    m = json.loads(json.dumps(manifest))
    for op in ops:
        *parents, last = [p.replace("~1", "/").replace("~0", "~") for p in op["path"].split("/")[1:]]
        node = m
        for p in parents:
            node = node[int(p)] if isinstance(node, list) else node[p]
        key = int(last) if isinstance(node, list) else last
        if op["op"] == "set":
            node[key] = op["value"]
        elif op["op"] == "delete":
            del node[key]
        else:
            raise ValueError(f"unknown op {op['op']!r}")
    return m


def test_bad_manifests_fixture(page, manifest):
    cases = json.loads((FIXTURES / "bad_manifests.json").read_text())["cases"]
    broken = [apply_ops(manifest, c["ops"]) for c in cases]
    got = page.evaluate("""([good, broken]) => {
      const v = window.__t.manifest.validateManifest;
      const check = (m) => { try { v(m, 'manifest.json'); return null; } catch (e) { return `${e.name}: ${e.message}`; } };
      return { good: check(good), broken: broken.map(check) };
    }""", [manifest, broken])
    assert got["good"] is None, got["good"]
    for case, message in zip(cases, got["broken"]):
        assert message is not None, f"{case['name']}: accepted"
        assert message.startswith("ArtifactError: manifest.json: "), f"{case['name']}: {message}"
        assert case["error"] in message, f"{case['name']}: {message!r} does not name {case['error']!r}"


DEFAULTS = """async ([base, ids]) => {
  const t = window.__t;
  const m = await t.generate.WebModel.load(base, { slots: 1 });
  const steps = [];
  const submit = m.chain.submit;
  m.chain.submit = (step, keep) => { steps.push(step); return submit.call(m.chain, step, keep); };
  const out = [];
  for await (const id of m.generate(ids, { maxTokens: 2, stopAtEos: false })) out.push(id);
  m.chain.submit = submit;
  const first = steps[0];
  const r = { defaults: { ...m.defaultSampling }, sampling: { ...first.outputs[0].sampling },
              ctl: t.b64(t.batch.packCtl(m.manifest.params, first)),
              rows: first.rows, outputs: first.outputs.map((o) => ({ row: o.row, step: o.step })) };
  m.destroy();
  return r;
}"""


def test_sampling_defaults_come_from_the_manifest(page, site, tiny):
    """tiny-defaults is tiny-split with other params.defaults: a generate() that names no sampling setting samples
    with them, and the control words carry them exactly as compiler/native/batch.py packs them."""
    from compiler.native.batch import Output, Row, Sampling, Step, pack_ctl

    m = json.loads((tiny[1] / "tiny-defaults" / "manifest.json").read_text())
    ids = encode(tiny, "it is")
    assert len(ids) <= STEP
    r = page.evaluate(DEFAULTS, [f"{site[0]}/artifacts/tiny-defaults/", ids])
    assert r["defaults"] == r["sampling"] == m["params"]["defaults"]
    step = Step([Row(**row) for row in r["rows"]],
                [Output(o["row"], Sampling(**m["params"]["defaults"]), o["step"]) for o in r["outputs"]])
    assert base64.b64decode(r["ctl"]) == pack_ctl(m["params"], step)


STEPS = [
    {"rows": [{"slot": 2, "pos": 9, "token": 5}, {"slot": 0, "pos": 3, "src": 1}],
     "outputs": [{"row": 1, "sampling": [0.5, 7, 0.9, 42], "step": 3}]},
    {"rows": [{"slot": 0, "pos": p, "token": p + 1} for p in range(STEP)], "outputs": []},
    {"rows": [{"slot": s, "pos": 31 - s, "src": s} for s in range(STEP)],
     "outputs": [{"row": s, "sampling": [1.25, 40, 0.95, -1 - s], "step": 2 ** 32 + s} for s in range(STEP)]},
]
BAD_STEPS = [
    {"rows": [], "outputs": []},
    {"rows": [{"slot": 0, "pos": p, "token": 1} for p in range(STEP + 1)], "outputs": []},
    {"rows": [{"slot": 0, "pos": 0, "token": 1}], "outputs": [{"row": 0}] * 5},
    {"rows": [{"slot": 4, "pos": 0, "token": 1}], "outputs": []},
    {"rows": [{"slot": 0, "pos": CONTEXT, "token": 1}], "outputs": []},
    {"rows": [{"slot": 0, "pos": 0, "token": 1, "src": 0}], "outputs": []},
    {"rows": [{"slot": 0, "pos": 0}], "outputs": []},
    {"rows": [{"slot": 0, "pos": 0, "token": 100000}], "outputs": []},
    {"rows": [{"slot": 0, "pos": 0, "src": 4}], "outputs": []},
    {"rows": [{"slot": 0, "pos": 0, "token": 1}], "outputs": [{"row": 1}]},
]


def test_step_bytes_and_checks_match_native(page, site, manifest):
    """packParams / packCtl give batch.py's bytes; checkStep refuses what Step.check refuses, in the same words."""
    from compiler.native.batch import Output, Row, Sampling, Step, pack_ctl, pack_params

    layout = manifest["params"]
    got = page.evaluate("""async ([base, steps, bad]) => {
      const t = window.__t;
      const m = await t.manifestOf(base);
      const toStep = (s) => ({ rows: s.rows, outputs: s.outputs.map((o) => ({ row: o.row, step: o.step ?? 0,
        sampling: o.sampling ? new t.batch.Sampling(m.params.defaults, { temperature: o.sampling[0],
          top_k: o.sampling[1], top_p: o.sampling[2], seed: o.sampling[3] }) : t.batch.Sampling.defaults(m) })) });
      const limits = { maxRows: 4, maxOutputs: 4, slots: 4, context: 32, vocab: m.model.config.vocab_size };
      const packed = steps.map((s) => [t.b64(t.batch.packCtl(m.params, toStep(s))),
        t.b64(t.batch.packParams(m.params, s.rows.length, s.outputs.length))]);
      const errors = bad.map((s) => { try { t.batch.checkStep(toStep(s), limits); return null; } catch (e) { return e.message; } });
      return { packed, errors };
    }""", [f"{site[0]}/artifacts/tiny-split/", STEPS, BAD_STEPS])

    def py(s):
        return Step([Row(**r) for r in s["rows"]],
                    [Output(o["row"], Sampling(*o["sampling"]) if "sampling" in o else Sampling(), o.get("step", 0))
                     for o in s["outputs"]])

    for s, (ctl, params) in zip(STEPS, got["packed"]):
        assert base64.b64decode(ctl) == pack_ctl(layout, py(s))
        assert base64.b64decode(params) == pack_params(layout, len(s["rows"]), len(s["outputs"]))
    for s, message in zip(BAD_STEPS, got["errors"]):
        with pytest.raises(ValueError) as e:
            py(s).check(max_rows=4, max_outputs=4, slots=4, context=32, vocab=manifest["model"]["config"]["vocab_size"])
        assert message == str(e.value)


def f16_cases() -> np.ndarray:
    """float32 values that exercise f16 rounding: every tie between neighbouring halves (normal and subnormal),
    just above and below them, overflow, underflow, signed zeros, infinities, and random magnitudes."""
    rng = np.random.default_rng(0)
    halves = np.arange(0, 0x7C00, 37, dtype=np.uint16).view(np.float16).astype(np.float32)
    nxt = (np.arange(0, 0x7C00, 37, dtype=np.uint16) + 1).view(np.float16).astype(np.float32)
    ties = (halves.astype(np.float64) + nxt) / 2
    ties = ties.astype(np.float32)
    up = np.nextafter(ties, np.float32(np.inf))
    down = np.nextafter(ties, np.float32(0))
    special = np.array([0.0, -0.0, 65504, 65519.996, 65520, 1e6, np.inf, -np.inf, 2.0 ** -25, 2.0 ** -24, 3 * 2.0 ** -26,
                        1e-10, 1 / 3], np.float32)
    rand = (rng.standard_normal(2000) * 10.0 ** rng.uniform(-8, 5, 2000)).astype(np.float32)
    v = np.concatenate([halves, ties, up, down, special, rand])
    return np.concatenate([v, -v])


def test_wire_format_matches_native(page):
    """Both f16 paths (Float16Array and the manual conversion) give numpy's bytes; f32 / u32 bytes are identical;
    JS decodes what Python encodes and the reverse; malformed messages are refused with a clear message."""
    from compiler.native import wire

    vals = f16_cases()
    vals = vals[: len(vals) // 64 * 64].reshape(-1, 64)
    ids = np.arange(0, 2 ** 32, 2 ** 32 // 96 + 7, dtype=np.uint32)[:96].reshape(-1, 3)
    half = np.arange(0, 0x10000, dtype=np.uint16)
    half = half[(half & 0x7C00) != 0x7C00].view(np.float16).reshape(-1, 8)   # every finite half
    b64 = lambda blob: base64.b64encode(blob).decode()  # noqa: E731
    got = page.evaluate("""([vals, ids, halfMsg]) => {
      const t = window.__t;
      const w = t.wire;
      const f32 = { rows: vals.rows, width: vals.width, data: new Float32Array(t.unb64(vals.data).buffer) };
      const u32 = { rows: ids.rows, width: ids.width, data: new Uint32Array(t.unb64(ids.data).buffer) };
      const dec = (native) => {
        const d = w.decode(t.unb64(halfMsg), { float16: native });
        return t.b64(new Uint8Array(d.data.buffer));
      };
      const refuse = (blob, opts) => { try { w.decode(blob, opts); return null; } catch (e) { return `${e.name}: ${e.message}`; } };
      const good = w.encode(f32, 'f32');
      const bad = (edit) => { const b = good.slice(); edit(new DataView(b.buffer)); return b; };
      return {
        hasFloat16Array: typeof Float16Array === 'function',
        f32: t.b64(w.encode(f32, 'f32')), u32: t.b64(w.encode(u32, 'u32')),
        f16: t.b64(w.encode(f32, 'f16')), f16manual: t.b64(w.encode(f32, 'f16', { float16: false })),
        halfNative: dec(true), halfManual: dec(false),
        nan: Array.from(w.decode(w.encode({ rows: 1, width: 2, data: new Float32Array([NaN, -NaN]) }, 'f16', { float16: false })).data).map(String),
        errors: [
          refuse(good.slice(0, 10)),
          refuse(bad((v) => v.setUint8(0, 88))),
          refuse(bad((v) => v.setUint32(4, 7, true))),
          refuse(good.slice(0, good.length - 4)),
          refuse(good, { width: 65 }),
          refuse(good, { maxRows: 1 }),
        ],
        encodeErrors: [
          (() => { try { w.encode(f32, 'f64'); } catch (e) { return e.message; } })(),
          (() => { try { w.encode({ rows: 2, width: 3, data: new Float32Array(5) }); } catch (e) { return e.message; } })(),
        ],
      };
    }""", [
        {"rows": vals.shape[0], "width": vals.shape[1], "data": b64(vals.tobytes())},
        {"rows": ids.shape[0], "width": ids.shape[1], "data": b64(ids.tobytes())},
        b64(wire.encode(half, "f16")),
    ])
    assert got["hasFloat16Array"], "Chromium should offer Float16Array (else only the manual path ran)"
    with np.errstate(over="ignore"):
        assert base64.b64decode(got["f16"]) == wire.encode(vals, "f16")
        assert base64.b64decode(got["f16manual"]) == wire.encode(vals, "f16")
    assert base64.b64decode(got["f32"]) == wire.encode(vals, "f32")
    assert base64.b64decode(got["u32"]) == wire.encode(ids, "u32")
    widened = half.astype(np.float32).tobytes()
    assert base64.b64decode(got["halfNative"]) == widened
    assert base64.b64decode(got["halfManual"]) == widened
    assert got["nan"] == ["NaN", "NaN"]
    with np.errstate(over="ignore"):
        np.testing.assert_array_equal(wire.decode(base64.b64decode(got["f16"])), vals.astype(np.float16).astype(np.float32))
    needles = ["shorter than its 16-byte header", 'expected "WSA1"', "dtype code 7 is unknown",
               "payload is", "are 64 wide, this stage takes rows of 65", "this stage takes at most 1"]
    for needle, message in zip(needles, got["errors"]):
        assert message and message.startswith("WireError: ") and needle in message, (needle, message)
    assert "f64" in got["encodeErrors"][0] and "2 x 3 = 6" in got["encodeErrors"][1]
