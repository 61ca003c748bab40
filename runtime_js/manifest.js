/**
 * What a compiled artifact's manifest.json says, checked and queried: validation, unit ranges, split points, and
 * buffer sizes from symbolic shapes. No I/O and no GPU here (artifact.js fetches, stage.js allocates).
 *
 * compiler/artifact.py writes the format and documents it; compiler/native/stage.py holds the Python twins of
 * unitNames, splitRanges, kvBytesPerSlot and defaultSlots. Validation messages name the field by its path
 * (`plan.units[3].role`, `buffers["x"].shape`) so a native validator can give the same ones
 * (tests/fixtures/bad_manifests.json pins them).
 *
 * Plain ES module, no module-level state.
 */

export const FORMAT_VERSION = 2;

/** The artifact is missing, malformed, from another format version, or a shard does not match its hash. */
export class ArtifactError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'ArtifactError';
  }
}

const ROLES = ['embed', 'layer', 'head', 'sample', 'pool']; // pool: an encoder's embeddings
const KINDS = ['io', 'activation', 'state', 'control'];
const DTYPES = ['f32', 'u32'];
const BINDING_TYPES = ['uniform', 'read', 'read_write'];
// Symbolic dimensions: rows of a step, outputs of a step, sequence slots, context (KV rows per slot).
const SYMBOLS = ['T', 'O', 'S', 'C'];
const ROW_FIELDS = ['slot', 'pos', 'src'];
const OUT_FIELDS = ['row', 'seed', 'step', 'temperature', 'top_k', 'top_p'];

/**
 * Whether a file name from the manifest stays inside the artifact directory (no "..", no absolute path or URL):
 * the artifact is one directory, and a manifest must not make the page fetch from elsewhere.
 * @param {unknown} file
 */
export function insideArtifact(file) {
  return typeof file === 'string' && /^[\w.+-]+(\/[\w.+-]+)*$/.test(file) && !file.split('/').includes('..');
}

/** @param {unknown} v */
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
/** @param {unknown} v */
const isCount = (v) => Number.isInteger(v) && /** @type {number} */ (v) >= 0;
/** @param {unknown} v */
const isPositive = (v) => Number.isInteger(v) && /** @type {number} */ (v) >= 1;
/** @param {unknown} v */
const show = (v) => (v === undefined ? 'missing' : JSON.stringify(v));

/**
 * A kernel variant entry's tiled programs, for ever longer steps (each nested in the one before); the twin of
 * compiler/manifest.py tiled_entries.
 * @param {any} e
 * @returns {any[]}
 */
export function tiledEntries(e) {
  const out = [];
  for (let t = e.tiled; t; t = t.tiled) out.push(t);
  return out;
}

/**
 * Throw an ArtifactError unless `m` is a manifest this runtime can run. The message is
 * "<where>: <field path> <what is wrong>", e.g. `plan.units[3].role is "tail", expected one of embed, layer, ...`.
 * @param {any} m
 * @param {string} where  The manifest's URL, for messages.
 */
export function validateManifest(m, where) {
  if (!isObject(m)) throw new ArtifactError(`${where}: expected a JSON object`);
  // First, before any other field: a newer format may have renamed everything else.
  if (m.format_version !== FORMAT_VERSION) {
    throw new ArtifactError(
      `${where}: format_version is ${JSON.stringify(m.format_version)}, but this runtime reads format_version ` +
      `${FORMAT_VERSION}. Recompile the model with this webshard (webshard compile), or load the page that ` +
      'came with the artifact.');
  }
  /** @type {(path: string, what: string) => never} */
  const fail = (path, what) => { throw new ArtifactError(`${where}: ${path} ${what}`); };
  const need = (ok, path, what) => { if (!ok) fail(path, what); };
  const oneOf = (v, allowed, path) => need(allowed.includes(v), path, `is ${show(v)}, expected one of ${allowed.join(', ')}`);
  const positive = (v, path) => need(isPositive(v), path, `is ${show(v)}, expected a positive integer`);
  const list = (v, path) => need(Array.isArray(v), path, `is ${show(v)}, expected a list`);
  const object = (v, path) => need(isObject(v), path, `is ${show(v)}, expected an object`);

  object(m.model, 'model');
  need(typeof m.model.id === 'string' && m.model.id !== '', 'model.id', `is ${show(m.model.id)}, expected a string`);
  object(m.model.config, 'model.config');
  positive(m.model.config.vocab_size, 'model.config.vocab_size');
  object(m.tokenizer, 'tokenizer');
  need(insideArtifact(m.tokenizer.file), 'tokenizer.file', `${show(m.tokenizer.file)} is not a file in the artifact`);

  object(m.limits, 'limits');
  for (const k of ['max_context', 'max_tokens_per_step']) positive(m.limits[k], `limits.${k}`);
  object(m.limits.default_slots, 'limits.default_slots');
  positive(m.limits.default_slots.max, 'limits.default_slots.max');
  positive(m.limits.default_slots.kv_budget_bytes, 'limits.default_slots.kv_budget_bytes');
  const maxRows = m.limits.max_tokens_per_step;

  validateParams(m.params, maxRows, { need, list, object });

  object(m.buffers, 'buffers');
  for (const [name, b] of Object.entries(m.buffers)) {
    const at = `buffers[${JSON.stringify(name)}]`;
    object(b, at);
    need(Array.isArray(b.shape) && b.shape.length > 0 && b.shape.every((d) => SYMBOLS.includes(d) || isPositive(d)),
      `${at}.shape`, `is ${show(b.shape)}, expected a list of positive integers and ${SYMBOLS.join(', ')}`);
    oneOf(b.dtype, DTYPES, `${at}.dtype`);
    oneOf(b.kind, KINDS, `${at}.kind`);
    // The KV cache holds one region per sequence slot: a runtime sizes it by its slots.
    if (b.kind === 'state') need(b.shape[0] === 'S', `${at}.shape`, `is ${show(b.shape)}, state must start with "S"`);
  }

  const vc = m.variant_choice;
  object(vc, 'variant_choice');
  list(vc.rules, 'variant_choice.rules');
  vc.rules.forEach((r, i) => {
    const at = `variant_choice.rules[${i}]`;
    object(r, at);
    let ok = typeof r.match === 'string';
    try { if (ok) new RegExp(r.match); } catch { ok = false; }
    need(ok, `${at}.match`, `is ${show(r.match)}, expected a regular expression`);
    need(typeof r.variant === 'string', `${at}.variant`, `is ${show(r.variant)}, expected a variant name`);
  });
  for (const k of ['fallback_adapter', 'default']) {
    need(typeof vc[k] === 'string', `variant_choice.${k}`, `is ${show(vc[k])}, expected a variant name`);
  }
  for (const [v, n] of Object.entries(vc.step_rows ?? {})) { // optional: rows per step a variant runs at most
    need(isPositive(n), `variant_choice.step_rows.${v}`, `is ${show(n)}, expected a positive integer`);
  }
  for (const [v, c] of Object.entries(vc.candidates ?? {})) { // optional: variants an autotuner may time
    need(Array.isArray(c) && c.every((x) => typeof x === 'string'), `variant_choice.candidates.${v}`,
      `is ${show(c)}, expected a list of variant names`);
  }

  object(m.kernels, 'kernels');
  /** A kernel variant's program: its WGSL file, workgroup shape, dispatch grid and workgroup memory. */
  const program = (/** @type {any} */ e, /** @type {string} */ vat) => {
    object(e, vat);
    need(insideArtifact(e.file), `${vat}.file`, `${show(e.file)} is not a file in the artifact`);
    need(Array.isArray(e.workgroup_size) && e.workgroup_size.length === 3 && e.workgroup_size.every(isPositive),
      `${vat}.workgroup_size`, `is ${show(e.workgroup_size)}, expected 3 positive integers`);
    need(Array.isArray(e.dispatch) && e.dispatch.length === 3 && e.dispatch.every((d) => Array.isArray(d) &&
      d.length === 2 && (isCount(d[0]) || d[0] === 'T' || d[0] === 'O') && isPositive(d[1])),
    `${vat}.dispatch`, `is ${show(e.dispatch)}, expected 3 [count, divisor] pairs (count: an integer, "T" or "O")`);
    need(isCount(e.workgroup_bytes), `${vat}.workgroup_bytes`, `is ${show(e.workgroup_bytes)}, expected a byte count`);
  };
  for (const [name, k] of Object.entries(m.kernels)) {
    const at = `kernels[${JSON.stringify(name)}]`;
    object(k, at);
    list(k.bindings, `${at}.bindings`);
    k.bindings.forEach((b, i) => {
      need(isObject(b) && typeof b.name === 'string', `${at}.bindings[${i}].name`, 'is missing');
      oneOf(b.type, BINDING_TYPES, `${at}.bindings[${i}].type`);
    });
    need(isObject(k.variants) && Object.keys(k.variants).length > 0, `${at}.variants`, 'should name at least one variant');
    for (const [v, e] of Object.entries(k.variants)) {
      const vat = `${at}.variants.${v}`;
      program(e, vat);
      // Programs for steps of at least min_rows rows, nested (compiler/kernels.py KernelVariant).
      let below = 0;
      for (let t = e, at = vat; 'tiled' in t; below = t.min_rows) {
        t = t.tiled;
        at = `${at}.tiled`;
        program(t, at);
        need(isPositive(t.min_rows) && t.min_rows > below, `${at}.min_rows`,
          `is ${show(t.min_rows)}, expected an integer above ${below}`);
        need(t.dispatch.some(([c]) => c === 'T' || c === 'O'), `${at}.dispatch`,
          'counts no rows ("T" or "O"), which min_rows is compared with');
      }
    }
  }

  list(m.shards, 'shards');
  m.shards.forEach((s, i) => {
    object(s, `shards[${i}]`);
    need(insideArtifact(s.file), `shards[${i}].file`, `${show(s.file)} is not a file in the artifact`);
    need(typeof s.sha256 === 'string' && /^[0-9a-f]{64}$/.test(s.sha256), `shards[${i}].sha256`, 'is not a hex sha256');
    need(isCount(s.bytes), `shards[${i}].bytes`, 'is not a byte count');
    list(s.tensors, `shards[${i}].tensors`);
    list(s.units, `shards[${i}].units`);
  });
  object(m.weights, 'weights');
  const shardFiles = new Set(m.shards.map((s) => s.file));
  for (const [name, w] of Object.entries(m.weights)) {
    const at = `weights[${JSON.stringify(name)}]`;
    object(w, at);
    need(shardFiles.has(w.shard), `${at}.shard`, `${show(w.shard)} is not in shards`);
    need(isCount(w.bytes), `${at}.bytes`, 'is not a byte count');
  }

  validatePlan(m, { need, oneOf, list, object });
  const units = new Set(m.plan.units.map((u) => u.name));
  m.shards.forEach((s, i) => s.units.forEach((u, j) => need(units.has(u), `shards[${i}].units[${j}]`,
    `${show(u)} is not a unit of the plan`)));
}

/**
 * params: the uniform's fields, the control buffer layout (which must match max_tokens_per_step rows) and the
 * sampling defaults.
 * @param {any} p
 * @param {number} maxRows
 * @param {any} check
 */
function validateParams(p, maxRows, { need, list, object }) {
  object(p, 'params');
  const pairs = (v, path, required) => {
    list(v, path);
    v.forEach((f, i) => need(Array.isArray(f) && f.length === 2 && typeof f[0] === 'string' &&
      (f[1] === 'u32' || f[1] === 'f32'), `${path}[${i}]`, `is ${show(f)}, expected [name, "u32" | "f32"]`));
    for (const r of required) need(v.some((f) => f[0] === r), path, `lacks the field "${r}"`);
  };
  pairs(p.fields, 'params.fields', ['n_rows', 'n_out']);
  // Every field is one 4-byte word: the uniform's byte size follows.
  need(p.bytes === 4 * p.fields.length, 'params.bytes', `is ${show(p.bytes)}, expected ${4 * p.fields.length} (4 per field)`);
  object(p.ctl, 'params.ctl');
  pairs(p.ctl.row_fields, 'params.ctl.row_fields', ROW_FIELDS);
  pairs(p.ctl.out_fields, 'params.ctl.out_fields', OUT_FIELDS);
  const rowWords = maxRows * p.ctl.row_fields.length;
  need(p.ctl.out_offset_words === rowWords, 'params.ctl.out_offset_words',
    `is ${show(p.ctl.out_offset_words)}, expected ${rowWords} (max_tokens_per_step x row fields)`);
  const words = rowWords + maxRows * p.ctl.out_fields.length;
  need(p.ctl.words === words, 'params.ctl.words', `is ${show(p.ctl.words)}, expected ${words}`);
  need(Number.isInteger(p.ctl.no_src) && p.ctl.no_src >= 0 && p.ctl.no_src <= 0xFFFFFFFF, 'params.ctl.no_src',
    `is ${show(p.ctl.no_src)}, expected a u32`);
  const d = p.defaults;
  object(d, 'params.defaults');
  need(typeof d.temperature === 'number' && Number.isFinite(d.temperature) && d.temperature >= 0,
    'params.defaults.temperature', `is ${show(d.temperature)}, expected a finite number >= 0`);
  need(isCount(d.top_k), 'params.defaults.top_k', `is ${show(d.top_k)}, expected an integer >= 0`);
  need(typeof d.top_p === 'number' && d.top_p > 0 && d.top_p <= 1, 'params.defaults.top_p',
    `is ${show(d.top_p)}, expected a number in (0, 1]`);
  need(Number.isInteger(d.seed), 'params.defaults.seed', `is ${show(d.seed)}, expected an integer`);
}

/**
 * plan.units: names, roles, boundary buffers, state, and dispatches whose kernels and bindings exist.
 * @param {any} m
 * @param {any} check
 */
function validatePlan(m, { need, oneOf, list, object }) {
  object(m.plan, 'plan');
  list(m.plan.units, 'plan.units');
  need(m.plan.units.length > 0, 'plan.units', 'is empty');
  const seen = new Set();
  m.plan.units.forEach((u, i) => {
    const at = `plan.units[${i}]`;
    object(u, at);
    need(typeof u.name === 'string' && u.name !== '', `${at}.name`, `is ${show(u.name)}, expected a unit name`);
    need(!seen.has(u.name), `${at}.name`, `${show(u.name)} is used by an earlier unit`);
    seen.add(u.name);
    oneOf(u.role, ROLES, `${at}.role`);
    if (u.role === 'layer') need(isCount(u.layer), `${at}.layer`, `is ${show(u.layer)}, expected a layer index`);
    for (const side of ['reads', 'writes']) {
      list(u[side], `${at}.${side}`);
      u[side].forEach((b, j) => {
        const bat = `${at}.${side}[${j}]`;
        object(b, bat);
        need(isObject(m.buffers[b.buffer]), `${bat}.buffer`, `${show(b.buffer)} is not in buffers`);
        need(b.dtype === m.buffers[b.buffer].dtype, `${bat}.dtype`,
          `is ${show(b.dtype)}, buffers[${JSON.stringify(b.buffer)}] says ${show(m.buffers[b.buffer].dtype)}`);
        oneOf(b.rows, ['T', 'O'], `${bat}.rows`);
        need(isPositive(b.row_bytes), `${bat}.row_bytes`, `is ${show(b.row_bytes)}, expected a positive byte count`);
      });
    }
    list(u.state, `${at}.state`);
    u.state.forEach((s, j) => need(m.buffers[s]?.kind === 'state', `${at}.state[${j}]`,
      `${show(s)} is not a buffer of kind "state"`));
    need(typeof u.control === 'boolean', `${at}.control`, `is ${show(u.control)}, expected true or false`);
    list(u.dispatches, `${at}.dispatches`);
    u.dispatches.forEach((d, j) => {
      const dat = `${at}.dispatches[${j}]`;
      object(d, dat);
      need(typeof d.kernel === 'string' && isObject(m.kernels[d.kernel]), `${dat}.kernel`,
        `${show(d.kernel)} is not in kernels`);
      object(d.bind, `${dat}.bind`);
      for (const b of m.kernels[d.kernel].bindings) {
        if (b.type !== 'uniform') need(b.name in d.bind, `${dat}.bind.${b.name}`, `is missing (kernel ${d.kernel} binds it)`);
      }
      for (const [b, v] of Object.entries(d.bind)) {
        need(v in m.buffers || v in m.weights, `${dat}.bind.${b}`, `names ${show(v)}, which is neither a buffer nor a weight`);
      }
    });
  });
}

// ---------------------------------------------------------------- queries

/**
 * Plan units from `first` to `last` inclusive (default: the whole plan), in plan order (stage.py's unit_names).
 * @param {any} manifest
 * @param {string | null} [first]
 * @param {string | null} [last]
 * @returns {string[]}
 */
export function unitNames(manifest, first = null, last = null) {
  const names = manifest.plan.units.map((u) => u.name);
  const i = first == null ? 0 : names.indexOf(first);
  const j = last == null ? names.length - 1 : names.indexOf(last);
  if (i < 0 || j < 0 || j < i) {
    throw new ArtifactError(`unit range ${first}..${last} is not in the plan (units: ${names[0]}..${names.at(-1)})`);
  }
  return names.slice(i, j + 1);
}

/**
 * Plan units from `first` to `last` inclusive (a swarm worker's span, e.g. "layer.4".."layer.9").
 * @param {any} manifest
 * @param {string} first
 * @param {string} last
 */
export function unitRange(manifest, first, last) {
  return unitNames(manifest, first, last);
}

/**
 * Stage ranges for cutting the model before each layer in `boundaries`: [10, 20] on a 30-layer model gives
 * [embed, layer.9], [layer.10, layer.19], [layer.20, sample].
 * @param {any} manifest
 * @param {number[]} boundaries
 * @returns {Array<[string, string]>}
 */
export function splitRanges(manifest, boundaries) {
  const names = manifest.plan.units.map((u) => u.name);
  /** @type {Map<number, string>} */
  const layers = new Map(manifest.plan.units.filter((u) => u.role === 'layer').map((u) => [u.layer, u.name]));
  const cuts = boundaries.map((b) => {
    if (!layers.has(b) || b === 0) {
      throw new ArtifactError(`cannot split before layer ${b}: the model has layers 1..${layers.size - 1} to cut at`);
    }
    return names.indexOf(/** @type {string} */ (layers.get(b)));
  });
  if (cuts.some((c, i) => i > 0 && c <= cuts[i - 1])) {
    throw new ArtifactError(`split points ${JSON.stringify(boundaries)} must be increasing`);
  }
  const edges = [0, ...cuts, names.length];
  return edges.slice(1).map((b, i) => /** @type {[string, string]} */ ([names[edges[i]], names[b - 1]]));
}

/**
 * The shards that `names` need (all shards when omitted), in manifest order.
 * @param {any} manifest
 * @param {string[]} [names]
 */
export function shardsForUnits(manifest, names) {
  if (!names) return manifest.shards;
  const known = new Set(manifest.plan.units.map((u) => u.name));
  for (const u of names) if (!known.has(u)) throw new ArtifactError(`unit "${u}" is not in the plan`);
  const wanted = new Set(names);
  return manifest.shards.filter((s) => s.units.some((u) => wanted.has(u)));
}

/**
 * Bytes of a buffer with a symbolic shape (every element is 4 bytes: f32 or u32).
 * @param {Array<number|string>} shape
 * @param {Record<string, number>} sizes  e.g. {T: rows per step, O: outputs per step, S: slots, C: context}
 */
export function shapeBytes(shape, sizes) {
  let n = 4;
  for (const d of shape) {
    const v = typeof d === 'string' ? sizes[d] : d;
    if (v === undefined) throw new ArtifactError(`shape ${JSON.stringify(shape)}: no size for "${d}"`);
    n *= v;
  }
  return n;
}

/**
 * KV-cache bytes one sequence slot costs in `names` (default: the whole model).
 * @param {any} manifest
 * @param {string[]} [names]
 */
export function kvBytesPerSlot(manifest, names) {
  const wanted = names ? new Set(names) : null;
  const state = new Set(manifest.plan.units.filter((u) => !wanted || wanted.has(u.name)).flatMap((u) => u.state));
  const sizes = { S: 1, C: manifest.limits.max_context };
  let n = 0;
  for (const s of state) n += shapeBytes(manifest.buffers[s].shape, sizes);
  return n;
}

/**
 * Slots when the caller names none: the manifest's limits.default_slots, fewer when the KV budget or the adapter's
 * per-binding limit cannot hold that many. WebGPU reports no free memory, so the budget is a fixed figure.
 * @param {any} manifest
 * @param {string[]} names      Units of the stage (or chain).
 * @param {number} bindingLimit  maxStorageBufferBindingSize of the adapter.
 */
export function defaultSlots(manifest, names, bindingLimit) {
  const policy = manifest.limits.default_slots;
  const perSlot = Math.max(1, kvBytesPerSlot(manifest, names));
  const wanted = new Set(names);
  const sizes = { S: 1, C: manifest.limits.max_context };
  let perBinding = 1;
  for (const u of manifest.plan.units) {
    if (!wanted.has(u.name)) continue;
    for (const s of u.state) perBinding = Math.max(perBinding, shapeBytes(manifest.buffers[s].shape, sizes));
  }
  return Math.max(1, Math.min(policy.max, Math.floor(policy.kv_budget_bytes / perSlot),
    Math.floor(bindingLimit / perBinding)));
}

/**
 * The sizes symbolic shapes resolve to for `slots`: T rows and O outputs per step, S slots, C context. Rows per
 * step: the artifact's, or fewer where the variant's step_rows says so (compiler/native/batch.py step_rows). Outputs
 * per step: one per slot at most, and no more logits rows than one binding of `bindingLimit` bytes holds.
 * @param {any} manifest
 * @param {number} slots
 * @param {number} [bindingLimit]
 * @param {string} [variant]
 * @returns {{T: number, O: number, S: number, C: number}}
 */
export function stepSizes(manifest, slots, bindingLimit = Infinity, variant = undefined) {
  const cap = variant === undefined ? undefined : manifest.variant_choice?.step_rows?.[variant];
  const maxRows = Math.min(manifest.limits.max_tokens_per_step, cap ?? Infinity);
  let perOutput = 4;
  for (const b of Object.values(manifest.buffers)) {
    if (b.shape[0] === 'O') perOutput = Math.max(perOutput, shapeBytes(b.shape.slice(1), {}));
  }
  const outputs = Math.max(1, Math.min(slots, maxRows, Math.floor(bindingLimit / perOutput)));
  return { T: maxRows, O: outputs, S: slots, C: manifest.limits.max_context };
}
