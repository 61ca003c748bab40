/**
 * "Is WebGPU there?" for every page (cube demo, chat): get a device, or a human explanation of why not,
 * and show that explanation where the user looks instead of leaving a blank canvas.
 *
 * Plain ES module, no module-level state; nothing here touches the GPU* globals at import time, so a
 * browser without WebGPU can import it and show the message.
 */

/** Why WebGPU is unusable: "insecure-context" | "no-api" | "no-adapter" | "no-device". */
export class WebGpuUnavailableError extends Error {
  /**
   * @param {string} message  Sentence for a human, shown as is.
   * @param {string} reason   Machine-readable cause, for tests and logs.
   */
  constructor(message, reason) {
    super(message);
    this.name = 'WebGpuUnavailableError';
    this.reason = reason;
  }
}

const BROWSERS_HINT =
  'Use a recent Chrome or Edge (113 or newer), Safari 26 or newer, or Firefox 141 or newer on Windows; ' +
  'on other systems WebGPU may have to be switched on in the browser\'s settings or flags.';

/**
 * The problem that keeps this page from using WebGPU, checked without touching the GPU, or null if the API
 * is present (an adapter may still be missing; `requestWebGpu` finds that out).
 * @param {{navigator?: Navigator, isSecureContext?: boolean}} [env]  Defaults to the page's globals (tests pass fakes).
 * @returns {WebGpuUnavailableError | null}
 */
export function webGpuApiProblem(env = {}) {
  const nav = env.navigator ?? globalThis.navigator;
  const secure = env.isSecureContext ?? globalThis.isSecureContext;
  if (nav && nav.gpu) return null;
  if (secure === false) {
    return new WebGpuUnavailableError(
      'Browsers offer WebGPU only to secure pages. Open this page through https:// or http://localhost ' +
      'instead of a plain http:// address.', 'insecure-context');
  }
  return new WebGpuUnavailableError(`This browser does not offer WebGPU. ${BROWSERS_HINT}`, 'no-api');
}

/**
 * The adapter alone (callers that size the device from its limits), or a WebGpuUnavailableError.
 * @param {{powerPreference?: GPUPowerPreference, navigator?: Navigator}} [options]
 * @returns {Promise<GPUAdapter>}
 */
export async function requestWebGpuAdapter(options = {}) {
  const problem = webGpuApiProblem({ navigator: options.navigator });
  if (problem) throw problem;
  const nav = options.navigator ?? globalThis.navigator;
  const adapter = await nav.gpu.requestAdapter({ powerPreference: options.powerPreference ?? 'high-performance' });
  if (!adapter) {
    throw new WebGpuUnavailableError(
      'This browser supports WebGPU but found no usable graphics adapter. Hardware acceleration may be ' +
      'switched off in the browser settings, or the graphics driver may be blocked.', 'no-adapter');
  }
  return adapter;
}

/**
 * Adapter and device, or a WebGpuUnavailableError whose message can be shown to the user.
 * @param {{powerPreference?: GPUPowerPreference, requiredFeatures?: GPUFeatureName[],
 *          requiredLimits?: Record<string, number>, navigator?: Navigator}} [options]
 * @returns {Promise<{adapter: GPUAdapter, device: GPUDevice}>}
 */
export async function requestWebGpu(options = {}) {
  const adapter = await requestWebGpuAdapter(options);
  try {
    const device = await adapter.requestDevice({
      requiredFeatures: options.requiredFeatures ?? [],
      requiredLimits: options.requiredLimits ?? {},
    });
    return { adapter, device };
  } catch (e) {
    throw new WebGpuUnavailableError(
      `The graphics adapter refused to start a WebGPU device (${e && e.message ? e.message : e}).`, 'no-device');
  }
}

/**
 * Put a visible explanation into `container` (replacing what a broken page would otherwise show).
 * Styled inline so it stays readable whatever the page's CSS.
 * @param {HTMLElement} container
 * @param {unknown} error  A WebGpuUnavailableError, or any error (its message is shown).
 * @returns {HTMLElement} the message element (role="alert").
 */
export function showWebGpuMessage(container, error) {
  const doc = container.ownerDocument;
  const box = doc.createElement('div');
  box.className = 'webgpu-message';
  box.setAttribute('role', 'alert');
  box.style.cssText =
    'max-width:36rem;margin:2rem auto;padding:1rem 1.25rem;border-radius:8px;background:#fff4e5;' +
    'color:#3b2300;border:1px solid #f0b35b;font:16px/1.5 system-ui,sans-serif;';
  const title = doc.createElement('strong');
  title.textContent = error instanceof WebGpuUnavailableError ? 'WebGPU is not available' : 'Something went wrong';
  const text = doc.createElement('p');
  text.style.margin = '0.5rem 0 0';
  text.textContent = error instanceof Error ? error.message : String(error);
  box.append(title, text);
  container.replaceChildren(box);
  return box;
}
