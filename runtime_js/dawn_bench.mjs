/**
 * `webshard bench --dawn`: runtime_js/bench.js run in node on Dawn, Chrome's WebGPU implementation, built for node
 * (the npm package `webgpu`), on this machine's own Vulkan adapter. Chrome on Linux runs WebGPU through the same
 * Dawn and Tint, so this measures the browser runtime's kernels and step structure on a GPU that a headless
 * Chromium cannot reach (a server GPU without a display), without a tab around it.
 *
 * compiler/browser_bench.py run_dawn_bench -> node runtime_js/dawn_bench.mjs '<options JSON>' -> WebModel.load
 * from the server -> runBench -> one JSON line on stdout (the shape `webshard bench --browser` prints).
 *
 * options: {base: artifact URL, variant, autotune, dawn: Dawn's create() flags, ...runBench's options}.
 */
import { create, globals } from 'webgpu';

Object.assign(globalThis, globals);
const opts = JSON.parse(process.argv[2]);
// Dawn rounds timestamps to about 65 us for web pages (timing attacks); the per-kernel figures need them whole, as
// Chrome gives them with --enable-webgpu-developer-features.
globalThis.navigator = { gpu: create(opts.dawn ?? ['backend=vulkan', 'disable-dawn-features=timestamp_quantization']) };

const { WebModel } = await import('./generate.js');
const { runBench } = await import('./bench.js');

const t0 = performance.now();
const model = await WebModel.load(opts.base, { slots: opts.slots ?? 1, variant: opts.variant ?? null,
  autotune: opts.autotune !== false, useCache: false });
const readyS = (performance.now() - t0) / 1000;
const result = await runBench(model, opts);
Object.assign(result.device, { type: 'Dawn (node)', backend: 'Vulkan' });
result.page_ready_s = readyS;
console.log(JSON.stringify(result));
model.device.destroy();
process.exit(0);   // Dawn's instance keeps node's event loop alive
