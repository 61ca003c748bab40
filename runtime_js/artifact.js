/**
 * The compiled artifact over HTTP: manifest.json -> validated manifest; shards -> verified tensor bytes.
 *
 * Same directory the native runtime reads (compiler/artifact.py documents the format; manifest.js checks and
 * queries the manifest, and is re-exported here). Shards are fetched as streams (progress), checked against the
 * manifest's sha256 (a bad shard is an error naming the file, never garbage output), and kept in the Cache API:
 * shard names are content-addressed, so a cached shard is valid forever and a reload downloads nothing. A stage
 * that runs only some units loads only the shards they bind (shardsForUnits).
 *
 * Plain ES module; its one module-level state is the WGSL fetched per manifest object (fetchKernelSources).
 */

import { ArtifactError, shardsForUnits, tiledEntries, validateManifest } from './manifest.js';

export {
  ArtifactError, FORMAT_VERSION, insideArtifact, shardsForUnits, unitNames, unitRange, validateManifest,
} from './manifest.js';

// Shards downloaded at once: enough to hide per-request latency, few enough that progress moves steadily.
const PARALLEL_SHARDS = 4;
// Stored beside each cached shard: the cache key is the URL, this proves the bytes are the ones we verified.
const SHA_HEADER = 'x-webshard-sha256';

/**
 * Absolute directory URL with a trailing slash, so relative file names resolve inside it.
 * @param {string} baseUrl
 */
export function artifactBase(baseUrl) {
  const url = new URL(baseUrl, globalThis.location?.href);
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url.href;
}

/**
 * Fetch and validate manifest.json.
 * @param {string} baseUrl  The artifact directory, e.g. "/artifacts/smollm2/".
 * @param {{signal?: AbortSignal}} [options]
 * @returns {Promise<any>}
 */
export async function fetchManifest(baseUrl, options = {}) {
  const url = new URL('manifest.json', artifactBase(baseUrl)).href;
  let response;
  try {
    response = await fetch(url, { signal: options.signal });
  } catch (e) {
    throw new ArtifactError(`${url}: could not be fetched (${e.message})`);
  }
  if (!response.ok) {
    throw new ArtifactError(`${url}: HTTP ${response.status} (is the model compiled and served?)`);
  }
  let m;
  try {
    m = await response.json();
  } catch (e) {
    throw new ArtifactError(`${url}: not valid JSON (${e.message})`);
  }
  validateManifest(m, url);
  return m;
}

/**
 * Lowercase hex sha256 of `bytes`.
 * @param {Uint8Array} bytes
 */
export async function sha256Hex(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Read a response body into one buffer of the expected size, reporting each chunk.
 * @param {Response} response
 * @param {number} expected
 * @param {string} file
 * @param {(n: number) => void} onBytes
 */
async function readBody(response, expected, file, onBytes) {
  const out = new Uint8Array(expected);
  const reader = response.body.getReader();
  let at = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (at + value.length > expected) {
      await reader.cancel();
      throw new ArtifactError(`${file}: larger than the ${expected} bytes the manifest lists`);
    }
    out.set(value, at);
    at += value.length;
    onBytes(value.length);
  }
  if (at !== expected) throw new ArtifactError(`${file}: ${at} bytes, the manifest lists ${expected}`);
  return out;
}

/**
 * Open the shard cache of one model, or null where the Cache API is unavailable (insecure origin, some private
 * modes): then every load downloads, which is slow but correct.
 * @param {string} modelId
 */
export async function openShardCache(modelId) {
  if (!globalThis.caches) return null;
  try {
    return await caches.open(`webshard-shards-${modelId}`);
  } catch (e) {
    console.warn(`webshard: shard cache unavailable (${e.message}); shards will be downloaded every time`);
    return null;
  }
}

/**
 * Drop cached shards the manifest no longer lists (a recompiled model gets new shard names, so without this the
 * cache would keep every old build). Shards of the manifest that this page did not load stay.
 * @param {Cache} cache
 * @param {string} base  artifactBase() of the artifact.
 * @param {any} manifest
 */
export async function pruneShardCache(cache, base, manifest) {
  const current = new Set(manifest.shards.map((s) => new URL(s.file, base).href));
  for (const request of await cache.keys()) {
    if (request.url.startsWith(base) && !current.has(request.url)) await cache.delete(request);
  }
}

/**
 * Delete the model's cached shards (a settings button; tests start clean with a fresh browser context instead).
 * @param {string} modelId
 */
export async function clearShardCache(modelId) {
  if (globalThis.caches) await caches.delete(`webshard-shards-${modelId}`);
}

/**
 * One shard's verified bytes, from the cache or the network.
 * @param {string} base  artifactBase() of the artifact.
 * @param {any} shard    manifest.shards[i]
 * @param {{cache: Cache | null, onBytes: (n: number) => void, signal?: AbortSignal}} io
 * @returns {Promise<{bytes: Uint8Array, fromCache: boolean}>}
 */
export async function fetchShard(base, shard, io) {
  const url = new URL(shard.file, base).href;
  const cached = io.cache ? await io.cache.match(url) : undefined;
  if (cached && cached.headers.get(SHA_HEADER) === shard.sha256) {
    // Verified before it was stored; the URL and the header both carry the content hash.
    let got = 0;
    try {
      const bytes = await readBody(cached, shard.bytes, shard.file, (n) => { got += n; io.onBytes(n); });
      return { bytes, fromCache: true };
    } catch (e) {
      // A damaged cache entry (a truncated write, a browser bug): forget it and download the shard again.
      console.warn(`webshard: cached ${shard.file} is unreadable (${e.message}); downloading it again`);
      io.onBytes(-got);
      await io.cache.delete(url);
    }
  }
  let response;
  try {
    // With our own cache, skip the HTTP cache: the bytes would otherwise be stored twice on disk.
    response = await fetch(url, { signal: io.signal, cache: io.cache ? 'no-store' : 'default' });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ArtifactError(`${shard.file}: download failed (${e.message})`);
  }
  if (!response.ok) throw new ArtifactError(`${shard.file}: HTTP ${response.status}`);
  const bytes = await readBody(response, shard.bytes, shard.file, io.onBytes);
  const digest = await sha256Hex(bytes);
  if (digest !== shard.sha256) {
    throw new ArtifactError(
      `${shard.file}: sha256 ${digest.slice(0, 16)}… does not match the manifest's ` +
      `${shard.sha256.slice(0, 16)}…; ` +
      'the shard is corrupt or from another build. Recompile or re-upload the model.');
  }
  if (io.cache) {
    try {
      await io.cache.put(url, new Response(bytes, {
        headers: { 'content-type': 'application/octet-stream', [SHA_HEADER]: digest },
      }));
    } catch (e) {
      // Quota exceeded or a private window: the model still runs, the next visit downloads again.
      console.warn(`webshard: could not cache ${shard.file} (${e.message})`);
    }
  }
  return { bytes, fromCache: false };
}

/**
 * @typedef {object} TensorBytes
 * @property {string} dtype       safetensors dtype, e.g. "F32", "U32"
 * @property {number[]} shape
 * @property {Uint8Array} bytes   A view into the shard (no copy).
 */

/**
 * Parse a safetensors file: 8-byte little-endian header length, a JSON header {name: {dtype, shape,
 * data_offsets: [begin, end]}} (offsets relative to the end of the header), then the raw data.
 * @param {Uint8Array} blob
 * @param {string} file  For messages.
 * @returns {Map<string, TensorBytes>}
 */
export function parseSafetensors(blob, file) {
  if (blob.byteLength < 8) throw new ArtifactError(`${file}: too short for a safetensors file`);
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > blob.byteLength - 8) {
    throw new ArtifactError(`${file}: safetensors header length ${headerLen} is past the end`);
  }
  let header;
  try {
    header = JSON.parse(new TextDecoder().decode(blob.subarray(8, 8 + headerLen)));
  } catch (e) {
    throw new ArtifactError(`${file}: safetensors header is not JSON (${e.message})`);
  }
  const dataStart = 8 + headerLen;
  /** @type {Map<string, TensorBytes>} */
  const out = new Map();
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [b, e] = t.data_offsets ?? [];
    if (!Number.isInteger(b) || !Number.isInteger(e) || b > e || dataStart + e > blob.byteLength) {
      throw new ArtifactError(`${file}: tensor "${name}" has bad data_offsets ${JSON.stringify(t.data_offsets)}`);
    }
    out.set(name, { dtype: t.dtype, shape: t.shape, bytes: blob.subarray(dataStart + b, dataStart + e) });
  }
  return out;
}

/**
 * @typedef {object} LoadStats
 * @property {number} totalBytes       Shard bytes the units need.
 * @property {number} networkBytes     Of which downloaded now.
 * @property {number} cachedBytes      Of which read from the Cache API.
 * @property {number} shards
 * @property {number} shardsFromNetwork
 * @property {number} ms
 */

/**
 * Fetch, verify and parse the shards that `units` need; hand each shard's tensors to `onShard` as soon as it is
 * ready (so a caller can upload and drop them), or collect them all when onShard is omitted.
 * @param {string} baseUrl
 * @param {any} manifest  From fetchManifest.
 * @param {{units?: string[], signal?: AbortSignal, useCache?: boolean,
 *          onProgress?: (loadedBytes: number, totalBytes: number) => void,
 *          onShard?: (shard: any, tensors: Map<string, TensorBytes>) => void | Promise<void>}} [options]
 * @returns {Promise<{tensors: Map<string, TensorBytes>, stats: LoadStats}>}
 */
export async function loadShards(baseUrl, manifest, options = {}) {
  const t0 = performance.now();
  const base = artifactBase(baseUrl);
  const shards = shardsForUnits(manifest, options.units);
  const cache = options.useCache === false ? null : await openShardCache(manifest.model.id);
  const totalBytes = shards.reduce((n, s) => n + s.bytes, 0);
  /** @type {LoadStats} */
  const stats = { totalBytes, networkBytes: 0, cachedBytes: 0, shards: shards.length, shardsFromNetwork: 0, ms: 0 };
  /** @type {Map<string, TensorBytes>} */
  const tensors = new Map();
  let loaded = 0;
  options.onProgress?.(0, totalBytes);
  const onBytes = (n) => { loaded += n; options.onProgress?.(loaded, totalBytes); };

  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < shards.length && !failed) {
      const shard = shards[next++];
      const { bytes, fromCache } = await fetchShard(base, shard, { cache, onBytes, signal: options.signal });
      if (fromCache) stats.cachedBytes += bytes.byteLength;
      else { stats.networkBytes += bytes.byteLength; stats.shardsFromNetwork += 1; }
      const parsed = parseSafetensors(bytes, shard.file);
      for (const name of shard.tensors) {
        const t = parsed.get(name);
        if (!t) throw new ArtifactError(`${shard.file}: tensor "${name}" listed in the manifest is missing`);
        const want = manifest.weights[name]?.bytes;
        if (want !== undefined && t.bytes.byteLength !== want) {
          throw new ArtifactError(
            `${shard.file}: tensor "${name}" has ${t.bytes.byteLength} bytes, the manifest says ${want}`);
        }
      }
      if (options.onShard) await options.onShard(shard, parsed);
      else for (const [k, v] of parsed) tensors.set(k, v);
    }
  };
  const guarded = () => worker().catch((e) => { failed = true; throw e; }); // one bad shard stops the others
  await Promise.all(Array.from({ length: Math.min(PARALLEL_SHARDS, shards.length) }, guarded));
  if (cache) await pruneShardCache(cache, base, manifest);
  stats.ms = performance.now() - t0;
  return { tensors, stats };
}

/**
 * Manifest and shards in one call (a worker for layers i..j: `loadArtifact(url, {units: unitRange(m, ...)})`).
 * @param {string} baseUrl
 * @param {Parameters<typeof loadShards>[2]} [options]
 * @returns {Promise<{manifest: any, tensors: Map<string, TensorBytes>, stats: LoadStats}>}
 */
export async function loadArtifact(baseUrl, options = {}) {
  const manifest = await fetchManifest(baseUrl, { signal: options.signal });
  const { tensors, stats } = await loadShards(baseUrl, manifest, options);
  return { manifest, tensors, stats };
}

/**
 * WGSL texts fetched for a manifest (the object fetchManifest returned), by URL: the autotuner's cache key reads
 * every candidate's files, then the workspace and the tuner's trials read them again; each is fetched once per
 * load. A manifest fetched again (a new load) starts empty, so a recompiled artifact is read afresh.
 * @type {WeakMap<object, Map<string, Promise<string>>>}
 */
const wgslFetched = new WeakMap();

/**
 * WGSL sources of the given kernels' `variant`: its program, and its tiled programs (for ever longer steps).
 * @param {string} baseUrl
 * @param {any} manifest
 * @param {string} variant
 * @param {Iterable<string>} kernelNames
 * @returns {Promise<Map<string, {main: string, tiled: string[]}>>}
 */
export async function fetchKernelSources(baseUrl, manifest, variant, kernelNames) {
  const base = artifactBase(baseUrl);
  let fetched = wgslFetched.get(manifest);
  if (!fetched) wgslFetched.set(manifest, fetched = new Map());
  const files = fetched;
  /** @param {string} file */
  const text = (file) => {
    const href = new URL(file, base).href;
    let got = files.get(href);
    if (!got) {
      got = fetch(href).then((response) => {
        if (!response.ok) throw new ArtifactError(`${file}: HTTP ${response.status}`);
        return response.text();
      });
      files.set(href, got);
      got.catch(() => files.delete(href));   // a failed fetch is tried again next time
    }
    return got;
  };
  const entries = await Promise.all([...kernelNames].map(async (name) => {
    const v = manifest.kernels[name].variants[variant];
    if (!v) throw new ArtifactError(`kernel ${name} has no "${variant}" variant`);
    const [main, ...tiled] = await Promise.all([v, ...tiledEntries(v)].map((e) => text(e.file)));
    return /** @type {[string, {main: string, tiled: string[]}]} */ ([name, { main, tiled }]);
  }));
  return new Map(entries);
}
