/**
 * Adapter and device for a compiled model: manifest -> **what the kernels need** -> GPUDevice (+ kernel variant).
 *
 * We request exactly the limits the artifact needs (never the adapter's maximum: a device that asks for less keeps
 * working on more machines and fails loudly here, naming the limit, instead of deep inside a dispatch), and only
 * optional features the adapter has. Our f32 kernels need no feature at all.
 *
 * Plain ES module, no module-level state.
 */
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

// Features we take when offered. Neither is used by the f32 kernel variants, but a later f16 variant would be.
const OPTIONAL_FEATURES = ['shader-f16', 'subgroups'];

/**
 * @typedef {object} KernelVariant
 * @property {string} file
 * @property {number[]} workgroup_size
 * @property {Array<[number|string, number]>} dispatch
 * @property {number} workgroup_bytes
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
 * True for software adapters (SwiftShader, llvmpipe/lavapipe, fallback adapters): they run the "cpu" kernel variant
 * (one output row per invocation) about ten times faster than the workgroup-reduction "gpu" variant.
 * @param {GPUAdapterInfo | undefined} info
 * @param {boolean} [isFallback]
 */
export function isSoftwareAdapter(info, isFallback = false) {
  if (isFallback || info?.isFallbackAdapter) return true;
  const text = [info?.vendor, info?.architecture, info?.device, info?.description].join(' ').toLowerCase();
  return /swiftshader|llvmpipe|lavapipe|software/.test(text);
}

/**
 * The kernel variant to run: `override` when given (it must exist in the manifest), else "cpu" on a software
 * adapter and "gpu" elsewhere, falling back to whatever single variant the artifact has.
 * @param {any} manifest
 * @param {GPUAdapterInfo | undefined} info
 * @param {string | null} [override]
 * @param {boolean} [isFallback]
 * @returns {string}
 */
export function chooseVariant(manifest, info, override = null, isFallback = false) {
  const available = new Set();
  for (const k of Object.values(manifest.kernels)) for (const v of Object.keys(k.variants)) available.add(v);
  if (override) {
    if (!available.has(override)) {
      throw new Error(`kernel variant "${override}" is not in this artifact (it has: ${[...available].join(', ')})`);
    }
    return override;
  }
  const wanted = isSoftwareAdapter(info, isFallback) ? 'cpu' : 'gpu';
  return available.has(wanted) ? wanted : [...available][0];
}

/**
 * The WebGPU limits `manifest`'s units need with kernel `variant`, each with a reason for error messages.
 * @param {any} manifest
 * @param {string} variant
 * @param {string[]} [unitNames]  Only these plan units (a worker running some layers); default all.
 * @returns {Record<string, {needed: number, why: string}>}
 */
export function neededLimits(manifest, variant, unitNames) {
  const units = unitNames ? manifest.plan.units.filter((u) => unitNames.includes(u.name)) : manifest.plan.units;
  /** @type {Record<string, {needed: number, why: string}>} */
  const out = {};
  const need = (limit, value, why) => {
    if (!out[limit] || value > out[limit].needed) out[limit] = { needed: value, why };
  };
  const stepTokens = manifest.limits.max_tokens_per_step;
  for (const unit of units) {
    for (const d of unit.dispatches) {
      for (const name of Object.values(d.bind)) {
        const raw = manifest.weights[name]?.bytes ?? manifest.buffers[name]?.bytes ?? 0;
        const bytes = Math.ceil(raw / 4) * 4; // buffers are created in whole 4-byte words
        // Both limits apply: the whole buffer is bound, so the binding is as large as the buffer.
        need('maxStorageBufferBindingSize', bytes, `buffer "${name}" is bound whole`);
        need('maxBufferSize', bytes, `buffer "${name}"`);
      }
      const kernel = manifest.kernels[d.kernel];
      /** @type {KernelVariant} */
      const v = kernel.variants[variant];
      const storage = kernel.bindings.filter((b) => b.type !== 'uniform').length;
      need('maxStorageBuffersPerShaderStage', storage, `kernel ${d.kernel} binds ${storage} storage buffers`);
      need('maxComputeWorkgroupStorageSize', v.workgroup_bytes, `kernel ${d.kernel} (${variant})`);
      const [x, y, z] = v.workgroup_size;
      need('maxComputeInvocationsPerWorkgroup', x * y * z, `kernel ${d.kernel} (${variant})`);
      need('maxComputeWorkgroupSizeX', x, `kernel ${d.kernel} (${variant})`);
      need('maxComputeWorkgroupSizeY', y, `kernel ${d.kernel} (${variant})`);
      need('maxComputeWorkgroupSizeZ', z, `kernel ${d.kernel} (${variant})`);
      for (const [count, div] of v.dispatch) {
        const c = count === 'T' ? stepTokens : Number(count);
        need('maxComputeWorkgroupsPerDimension', Math.ceil(c / div), `kernel ${d.kernel} (${variant})`);
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
        `"${adapter}" offers only ${have}. Try another browser or device, or compile the model with smaller ` +
        'limits.', { limit, needed, available: have });
    }
    required[limit] = needed;
  }
  return required;
}

/**
 * @typedef {object} ModelDevice
 * @property {GPUAdapter} adapter
 * @property {GPUDevice} device
 * @property {string} variant      Kernel variant chosen for this adapter ("cpu" | "gpu").
 * @property {string} adapterName
 * @property {string[]} features   Optional features the device was created with.
 * @property {Record<string, number>} limits  The limits that were requested.
 */

/**
 * Adapter + device able to run `manifest` (or its `units`). Throws WebGpuUnavailableError when there is no WebGPU,
 * LimitError when the adapter is too small.
 * @param {any} manifest
 * @param {{variant?: string | null, units?: string[], powerPreference?: GPUPowerPreference,
 *          onLost?: (info: GPUDeviceLostInfo) => void, onError?: (error: GPUError) => void,
 *          navigator?: Navigator}} [options]
 *   onLost: called when the device is lost for any reason but our own destroy(); onError: uncaptured GPU errors.
 * @returns {Promise<ModelDevice>}
 */
export async function acquireDevice(manifest, options = {}) {
  const adapter = await requestWebGpuAdapter(options);
  const info = adapter.info;
  const name = adapterName(info);
  const variant = chooseVariant(manifest, info, options.variant ?? null, Boolean(adapter.isFallbackAdapter));
  const limits = checkLimits(neededLimits(manifest, variant, options.units), adapter.limits, name);
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
  return { adapter, device, variant, adapterName: name, features, limits };
}
