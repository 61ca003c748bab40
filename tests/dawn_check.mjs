/**
 * Dawn, Chrome's WebGPU implementation, judges every program and step shape of an artifact's variants: the npm
 * package `webgpu` (Dawn built for node) on Dawn's null backend, which runs Chrome's WGSL compiler (Tint: parsing,
 * types, uniformity) and Dawn's validation of limits, bind groups, buffer usage and passes, but executes nothing.
 * With "backend": "vulkan" it runs on a real adapter instead, and "generate" also has each decoder variant
 * generate greedily from a prompt: the ids and the first output's logits come back, for the native runtime's.
 * SwiftShader, the only adapter Chromium has in CI, offers no `shader-f16`, so without this check `gpu_f16` would
 * reach a browser untested; wgpu (naga) accepts programs that Dawn rejects, such as a barrier in non-uniform
 * control flow. Driven by tests/test_dawn.py:
 *
 *   node tests/dawn_check.mjs '{"base": "<artifact URL>", "kind": "decoder"|"encoder", "variants": [...],
 *                               "backend"?: "null"|"vulkan", "generate"?: {"prompt": [ids], "tokens": n}}'
 *
 * prints one JSON object: {variant: {ok, steps, error, ids?, logits?, submits?, dispatches?}, adapter: {name, features}} (on the null
 * backend outputs are not checked: it computes nothing).
 */
import { create, globals } from 'webgpu';

Object.assign(globalThis, globals);

const { LocalChain } = await import('../runtime_js/chain.js');
const { Stage } = await import('../runtime_js/stage.js');
const { acquireDevice, adapterName } = await import('../runtime_js/device.js');
const { Engine, Sequence } = await import('../runtime_js/engine.js');
const { Sampling } = await import('../runtime_js/batch.js');
const { stepInput } = await import('../runtime_js/probe.js');
const { WebEncoder } = await import('../runtime_js/encoder.js');
const { fetchManifest } = await import('../runtime_js/artifact.js');
const { tiledEntries } = await import('../runtime_js/manifest.js');

// Errors Dawn reports outside the runtime's error scopes fail the variant too.
const uncaptured = [];
const requestDevice = GPUAdapter.prototype.requestDevice;
GPUAdapter.prototype.requestDevice = async function (desc) {
  const device = await requestDevice.call(this, desc);
  device.addEventListener('uncapturederror', (e) => uncaptured.push(e.error.message));
  return device;
};

const plan = JSON.parse(process.argv[2]);
globalThis.navigator = { gpu: create([`backend=${plan.backend ?? 'null'}`]) };
const manifest = await fetchManifest(plan.base);
const sampling = Sampling.defaults(manifest);

/**
 * Step lengths that reach every program of `variant`: one row, each tiled program's min_rows and the row before it,
 * and the longest step.
 * @param {string} variant
 * @param {number} maxRows
 */
function stepLengths(variant, maxRows) {
  const n = new Set([1, 2, maxRows]);
  for (const k of Object.values(manifest.kernels)) {
    const e = k.variants[variant];
    for (const t of e ? tiledEntries(e) : []) {
      if (t.min_rows <= maxRows) n.add(t.min_rows).add(t.min_rows - 1);
    }
  }
  return [...n].filter((r) => r >= 1).sort((a, b) => a - b);
}

/**
 * A step of `n` rows: a prompt of slot 0, or with `mixed`, slot 1's one row first (a decode row batched beside a
 * prompt chunk, which the tiled attention leaves to the split kernel).
 * @param {number} n
 * @param {boolean} [mixed]
 */
function promptStep(n, mixed = false) {
  const rows = Array.from({ length: n }, (_, i) => ({ slot: 0, pos: i, token: 1 + (i % 5) }));
  if (mixed) rows[0] = { slot: 1, pos: 0, token: 3 };
  const outputs = [{ row: n - 1, sampling, step: 0 }];
  if (mixed) outputs.unshift({ row: 0, sampling, step: 0 });
  return { rows, outputs };
}

/**
 * Every step length as a prompt, a mixed two-slot step, and a decode row whose token is the previous step's id.
 * @param {any} chain  A LocalChain.
 * @param {string} variant
 */
async function decoderSteps(chain, variant) {
  let steps = 0;
  for (const n of stepLengths(variant, chain.maxRows)) {
    await chain.collect(chain.submit(promptStep(n), [0]));
    steps += 1;
  }
  if (chain.slots > 1 && chain.maxRows > 1) {
    await chain.collect(chain.submit(promptStep(chain.maxRows, true)));
    steps += 1;
  }
  // Submitted before the first is read: the second row's token is the id the first sampled, on the GPU.
  const first = chain.submit({ rows: [{ slot: 0, pos: 0, token: 1 }], outputs: [{ row: 0, sampling, step: 0 }] });
  const next = chain.submit({ rows: [{ slot: 0, pos: 1, src: 0 }], outputs: [{ row: 0, sampling, step: 1 }] });
  await chain.collect(first);
  await chain.collect(next);
  return steps + 2;
}

/**
 * Greedy ids of plan.generate's prompt, and the logits its first output was sampled from.
 * @param {any} chain  A LocalChain.
 */
async function greedy(chain) {
  const submits = [];   // command buffers per step: a prompt's step is cut into several on GPU variants
  const submit = chain.submit.bind(chain);
  chain.submit = (...args) => {
    const p = submit(...args);
    submits.push(p.submits);
    return p;
  };
  const engine = new Engine(chain, { eosIds: [] });
  const seq = new Sequence(plan.generate.prompt, { maxTokens: plan.generate.tokens, stopAtEos: false,
    sampling: new Sampling(manifest.params.defaults, { temperature: 0 }), keepLogits: true });
  engine.add(seq);
  while (!engine.idle) await engine.step();
  return { ids: seq.outputs, logits: Array.from(/** @type {Float32Array} */ (seq.firstLogits)), submits,
    dispatches: chain.stages.flatMap((s) => s.steps).length };
}

/** @param {string} variant */
async function checkDecoder(variant) {
  let steps = 0;
  const whole = await LocalChain.load(plan.base, { manifest, variant, slots: 2, useCache: false, autotune: false });
  try {
    steps += await decoderSteps(whole, variant);
    if (plan.generate) generated = await greedy(whole);
  } finally {
    whole.destroy();
    whole.ws.gpu.device.destroy();
  }
  // Stages that take activations in and hand them on, run on their own as a swarm worker runs its range: fed
  // the probe's finite activations (the null backend's outputs are whatever its memory held). Validation only:
  // a real backend runs the greedy check instead.
  const layers = manifest.plan.units.filter((u) => u.role === 'layer');
  if (layers.length > 1 && !plan.generate) {
    const gpu = await acquireDevice(manifest, { variant, slots: 2 });
    try {
      const mid = layers[Math.floor(layers.length / 2)].name;
      for (const [first, last] of [[null, layers[0].name], [mid, mid], [mid, null]]) {
        const stage = await Stage.load(plan.base, { manifest, gpu, variant, slots: 2, first, last, useCache: false });
        for (const n of stepLengths(variant, stage.ws.maxRows)) {
          const step = promptStep(n);
          await stage.run(step, stepInput(stage, step));
          steps += 1;
        }
        stage.destroy();
        stage.ws.destroy();
      }
    } finally {
      gpu.device.destroy();
    }
  }
  return steps;
}

/** @param {string} variant */
async function checkEncoder(variant) {
  const enc = await WebEncoder.load(plan.base, { variant, useCache: false });
  try {
    const longest = Array.from({ length: enc.maxTokens }, (_, i) => 1 + (i % 7));
    await enc.embedIds([[1, 2], longest, [5, 6, 7]]);
    return 1;
  } finally {
    enc.destroy();
  }
}

/** What greedy() returned for the variant being checked. */
let generated = {};
const result = {};
for (const variant of plan.variants) {
  uncaptured.length = 0;
  generated = {};
  try {
    const steps = plan.kind === 'encoder' ? await checkEncoder(variant) : await checkDecoder(variant);
    result[variant] = uncaptured.length
      ? { ok: false, steps, error: `uncaptured: ${uncaptured.join(' | ')}` }
      : { ok: true, steps, error: null, ...generated };
  } catch (e) {
    result[variant] = { ok: false, steps: 0, error: `${e?.name}: ${e?.message ?? e}` };
  }
}
const adapter = await navigator.gpu.requestAdapter();
const out = { variants: result, adapter: { name: adapter ? adapterName(adapter.info) : null,
  features: adapter ? [...adapter.features].sort() : [] } };
console.log(JSON.stringify(out));
process.exit(0);   // Dawn's instance keeps node's event loop alive
