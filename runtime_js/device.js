/**
 * Adapter and device for a compiled model: manifest (+ units, slots) -> **what the kernels need** -> GPUDevice
 * (+ kernel variant, by the manifest's variant_choice rules).
 *
 * We request exactly the limits the artifact needs (never the adapter's maximum: a device that asks for less keeps
 * working on more machines and fails loudly here, naming the limit, instead of deep inside a dispatch), and only
 * optional features the adapter has. Our f32 kernels need no feature at all.
 *
 * Plain ES module, no module-level state.
 */
import { workgroups } from './executor.js';
import { defaultSlots, shapeBytes, stepSizes, tiledEntries, unitNames } from './manifest.js';
import { WebGpuUnavailableError, requestWebGpuAdapter } from './webgpu_check.js';

/** A WebGPU limit of this adapter is below what the model needs. The message names the limit and both values. */
export class LimitError extends Error {
  /**
   * @param {string} message
   * @param {{limit: string, needed: number, available: number}} detail
   */
  constructor(message, detail) {
    super(message);
    this.name = 'LimitError';
    this.limit = detail.limit;
    this.needed = detail.needed;
    this.available = detail.available;
  }
}

// Features we take when offered: a kernel variant may need one (the manifest's variant_features: gpu_sg needs
// subgroups, gpu_f16 shader-f16), and timestamp-query lets the benchmark time kernels (runtime_js/bench.js).
const OPTIONAL_FEATURES = ['shader-f16', 'subgroups', 'timestamp-query'];

/**
 * @typedef {object} KernelVariant
 * @property {string} file
 * @property {number[]} workgroup_size
 * @property {Array<[number|string, number]>} dispatch
 * @property {number} workgroup_bytes
 * @property {KernelVariant & {min_rows: number}} [tiled]  Run instead for steps of at least min_rows rows.
 */

/**
 * Human name of an adapter, e.g. "google swiftshader (SwiftShader Device (Subzero))".
 * @param {GPUAdapterInfo | undefined} info
 * @returns {string}
 */
export function adapterName(info) {
  if (!info) return 'unknown adapter';
  const head = [info.vendor, info.architecture].filter(Boolean).join(' ');
  const tail = info.description || info.device || '';
  if (head && tail) return `${head} (${tail})`;
  return head || tail || 'unknown adapter';
}

/**
 * What variant rules match against: vendor, architecture, device, description and the adapter type (where a
 * runtime knows it; browsers do not report one), lowercased. The same text as compiler/native/gpu.py builds.
 * @param {Partial<GPUAdapterInfo> | undefined} info
 * @param {string} [type]
 */
export function adapterDescription(info, type = '') {
  const i = /** @type {Record<string, unknown>} */ (info ?? {});
  const text = ['vendor', 'architecture', 'device', 'description'].map((k) => String(i[k] ?? '')).join(' ');
  return `${text.toLowerCase()} ${type.toLowerCase()}`;
}

/**
 * The kernel variant to run, by the manifest's `variant_choice` rules (compiler/native/gpu.py choose_variant):
 * `override` when given (it must exist in the artifact); a fallback adapter gets `fallback_adapter`; otherwise the
 * first rule whose pattern matches the adapter's description, else `default`. A variant the artifact lacks gives
 * way to the first it has, in sorted order.
 * @param {any} manifest
 * @param {Partial<GPUAdapterInfo> | undefined} info
 * @param {{override?: string | null, fallback?: boolean, type?: string, features?: Set<string> | null}} [options]
 *   features: the adapter's features, when known: variants needing others are not offered.
 * @returns {string}
 */
export function chooseVariant(manifest, info, options = {}) {
  const available = usableVariants(manifest, options.features ?? null);
  const sorted = [...available].sort();
  if (options.override) {
    if (!available.has(options.override)) {
      throw new Error(`kernel variant "${options.override}" is not in this artifact (it has: ${sorted.join(', ')})`);
    }
    return options.override;
  }
  const choice = manifest.variant_choice;
  const text = adapterDescription(info, options.type);
  const fallback = options.fallback || Boolean(/** @type {any} */ (info)?.isFallbackAdapter);
  const wanted = fallback ? choice.fallback_adapter
    : (choice.rules.find((r) => new RegExp(r.match).test(text))?.variant ?? choice.default);
  return available.has(wanted) ? wanted : sorted[0];
}

/**
 * The artifact's kernel variants whose features (the manifest's variant_features) an adapter with `features` has;
 * all of them when its features are not known (compiler/native/gpu.py usable_variants).
 * @param {any} manifest
 * @param {Set<string> | ReadonlySet<string> | null} features
 * @returns {Set<string>}
 */
export function usableVariants(manifest, features) {
  const needs = manifest.variant_features ?? {};
  const has = (v) => !features || (needs[v] ?? []).every((f) => features.has(f));
  const out = new Set();
  for (const k of Object.values(manifest.kernels)) for (const v of Object.keys(k.variants)) if (has(v)) out.add(v);
  return out;
}

/**
 * The variants the autotuner may time on this adapter (autotune.js): `base` (the rules' choice) first, then the
 * manifest's `variant_choice.candidates` for it that the artifact has and whose features the adapter has, as
 * compiler/native/autotune.py candidates.
 * @param {any} manifest
 * @param {string} base
 * @param {Set<string> | ReadonlySet<string>} features  The adapter's.
 * @returns {string[]}
 */
export function tuneCandidates(manifest, base, features) {
  const usable = usableVariants(manifest, features);
  const named = manifest.variant_choice?.candidates?.[base] ?? [];
  return [base, ...new Set(named.filter((v) => v !== base && usable.has(v)))];
}

/**
 * The WebGPU limits `manifest`'s units need with kernel `variant` and `slots` sequence slots, each with a reason for
 * error messages. Buffer sizes come from the symbolic shapes (KV caches grow with the slots, logits with the
 * outputs per step).
 * @param {any} manifest
 * @param {string} variant
 * @param {string[] | null} [units]  Only these plan units (a stage running some layers); default all.
 * @param {number} [slots]
 * @param {{maxOutputs?: number}} [options]  Outputs per step (default: min(slots, max_tokens_per_step)).
 * @returns {Record<string, {needed: number, why: string}>}
 */
export function neededLimits(manifest, variant, units, slots = 1, options = {}) {
  const plan = units ? manifest.plan.units.filter((u) => units.includes(u.name)) : manifest.plan.units;
  const sizes = stepSizes(manifest, slots);
  if (options.maxOutputs !== undefined) sizes.O = options.maxOutputs;
  /** @type {Record<string, {needed: number, why: string}>} */
  const out = {};
  const need = (limit, value, why) => {
    if (!out[limit] || value > out[limit].needed) out[limit] = { needed: value, why };
  };
  for (const unit of plan) {
    for (const d of unit.dispatches) {
      for (const name of Object.values(d.bind)) {
        const w = manifest.weights[name];
        const raw = w ? w.bytes : shapeBytes(manifest.buffers[name].shape, sizes);
        const bytes = Math.ceil(raw / 4) * 4; // buffers are created in whole 4-byte words
        const why = w ? `buffer "${name}" is bound whole`
          : `buffer "${name}" is bound whole, sized for ${slots} slot${slots === 1 ? '' : 's'}`;
        // Both limits apply: the whole buffer is bound, so the binding is as large as the buffer.
        need('maxStorageBufferBindingSize', bytes, why);
        need('maxBufferSize', bytes, why);
      }
      const kernel = manifest.kernels[d.kernel];
      const storage = kernel.bindings.filter((b) => b.type !== 'uniform').length;
      need('maxStorageBuffersPerShaderStage', storage, `kernel ${d.kernel} binds ${storage} storage buffers`);
      /** @type {KernelVariant} */
      const main = kernel.variants[variant];
      for (const v of [main, ...tiledEntries(main)]) {
        need('maxComputeWorkgroupStorageSize', v.workgroup_bytes, `kernel ${d.kernel} (${variant})`);
        const [x, y, z] = v.workgroup_size;
        need('maxComputeInvocationsPerWorkgroup', x * y * z, `kernel ${d.kernel} (${variant})`);
        need('maxComputeWorkgroupSizeX', x, `kernel ${d.kernel} (${variant})`);
        need('maxComputeWorkgroupSizeY', y, `kernel ${d.kernel} (${variant})`);
        need('maxComputeWorkgroupSizeZ', z, `kernel ${d.kernel} (${variant})`);
        for (const n of workgroups(v.dispatch, sizes.T, sizes.O)) {
          need('maxComputeWorkgroupsPerDimension', n, `kernel ${d.kernel} (${variant})`);
        }
      }
    }
  }
  need('maxUniformBufferBindingSize', manifest.params.bytes, 'the Params uniform');
  return out;
}

/**
 * Compare needs with an adapter's limits; throw a LimitError naming the first limit that is too small.
 * @param {Record<string, {needed: number, why: string}>} needs
 * @param {GPUSupportedLimits | Record<string, number>} available
 * @param {string} adapter  Adapter name, for the message.
 * @returns {Record<string, number>} requiredLimits for requestDevice.
 */
export function checkLimits(needs, available, adapter) {
  /** @type {Record<string, number>} */
  const required = {};
  for (const [limit, { needed, why }] of Object.entries(needs)) {
    const have = available[limit];
    if (have === undefined) continue; // a limit this browser does not know: nothing to request or check
    if (needed > have) {
      throw new LimitError(
        `This model needs the WebGPU limit ${limit} = ${needed} (${why}), but the graphics adapter ` +
        `"${adapter}" offers only ${have}. Try another browser or device, load fewer slots, or compile the ` +
        'model with smaller limits.', { limit, needed, available: have });
    }
    required[limit] = needed;
  }
  return required;
}

/**
 * @typedef {object} ModelDevice
 * @property {GPUAdapter} adapter
 * @property {GPUDevice} device
 * @property {string} variant      Kernel variant chosen for this adapter ("cpu", "cpu_sw", "gpu", "gpu_sg", "gpu_f16").
 * @property {string[]} candidates  Variants the autotuner may time here, `variant` first (only it when forced).
 * @property {string} adapterName
 * @property {string[]} features   Optional features the device was created with.
 * @property {Record<string, number>} limits  The limits that were requested.
 * @property {number} slots        Sequence slots the limits were sized for (the caller's, or defaultSlots).
 */

/**
 * Adapter + device able to run `manifest` (or its `units`) with `slots` sequence slots (default: what the
 * manifest's limits.default_slots and the adapter's binding limit allow). Throws WebGpuUnavailableError when there
 * is no WebGPU, LimitError when the adapter is too small.
 * @param {any} manifest
 * @param {{variant?: string | null, units?: string[], slots?: number | null, powerPreference?: GPUPowerPreference,
 *          onLost?: (info: GPUDeviceLostInfo) => void, onError?: (error: GPUError) => void,
 *          navigator?: Navigator}} [options]
 *   onLost: called when the device is lost for any reason but our own destroy(); onError: uncaptured GPU errors.
 * @returns {Promise<ModelDevice>}
 */
export async function acquireDevice(manifest, options = {}) {
  const adapter = await requestWebGpuAdapter(options);
  const info = adapter.info;
  const name = adapterName(info);
  const variant = chooseVariant(manifest, info, {
    override: options.variant ?? null, fallback: Boolean(/** @type {any} */ (adapter).isFallbackAdapter),
    features: adapter.features,
  });
  const units = options.units ?? unitNames(manifest);
  const bindingLimit = adapter.limits.maxStorageBufferBindingSize;
  const slots = options.slots ?? defaultSlots(manifest, units, bindingLimit);
  if (!Number.isInteger(slots) || slots < 1) throw new RangeError(`slots must be a positive integer, got ${slots}`);
  const { O } = stepSizes(manifest, slots, bindingLimit);
  const limits = checkLimits(neededLimits(manifest, variant, units, slots, { maxOutputs: O }), adapter.limits, name);
  // The autotuner's alternatives (none when a variant is forced): the device is asked for the limits of those that
  // fit this adapter, so that each can be built on it; one that does not fit is not a candidate.
  const candidates = [variant];
  for (const v of options.variant ? [] : tuneCandidates(manifest, variant, adapter.features).slice(1)) {
    try {
      const more = checkLimits(neededLimits(manifest, v, units, slots, { maxOutputs: O }), adapter.limits, name);
      for (const [k, n] of Object.entries(more)) limits[k] = Math.max(limits[k] ?? 0, n);
      candidates.push(v);
    } catch (e) {
      if (!(e instanceof LimitError)) throw e;
    }
  }
  const features = OPTIONAL_FEATURES.filter((f) => adapter.features.has(f));
  let device;
  try {
    device = await adapter.requestDevice({
      label: manifest.model.id, requiredFeatures: features, requiredLimits: limits,
    });
  } catch (e) {
    throw new WebGpuUnavailableError(
      `The graphics adapter "${name}" refused to start a WebGPU device (${e && e.message ? e.message : e}).`,
      'no-device');
  }
  device.lost.then((lost) => {
    // "destroyed" is our own WebModel.destroy(); anything else (driver reset, out of memory) the page must show.
    if (lost.reason === 'destroyed') return;
    console.error(`webshard: GPU device lost (${lost.reason}): ${lost.message}`);
    options.onLost?.(lost);
  });
  device.addEventListener('uncapturederror', (event) => {
    const error = /** @type {GPUUncapturedErrorEvent} */ (event).error;
    console.error(`webshard: uncaptured WebGPU error: ${error.message}`);
    options.onError?.(error);
  });
  return { adapter, device, variant, candidates, adapterName: name, features, limits, slots };
}
