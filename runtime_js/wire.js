/**
 * Activations crossing a stage boundary: the bytes one stage hands the next, in this tab, another tab or a native
 * process. The JS twin of compiler/native/wire.py (same bytes, same checks, same messages):
 *
 *     offset  size  field
 *     0       4     magic "WSA1" (webshard activations, format 1)
 *     4       4     dtype code, u32 little-endian: 0 = f32, 1 = f16, 2 = u32
 *     8       4     rows, u32 little-endian
 *     12      4     width (values per row), u32 little-endian
 *     16      ...   rows * width values, row-major, little-endian
 *
 * f16 uses Float16Array where the browser has it (Chromium 135+, Firefox 129+, Safari 18.2+) and otherwise a
 * bit-exact conversion written here; both round to nearest, ties to even, as numpy's astype(float16) does.
 *
 * Plain ES module, no module-level state.
 */

export const MAGIC = 'WSA1';
export const HEADER_BYTES = 16;
/** @type {Readonly<Record<string, number>>} */
export const CODES = Object.freeze({ f32: 0, f16: 1, u32: 2 });
const NAMES = ['f32', 'f16', 'u32'];
const ITEM_BYTES = [4, 2, 4];

/** Bytes that are not a well-formed activations message (wrong magic, dtype, or size). */
export class WireError extends RangeError {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'WireError';
  }
}

/**
 * Rows of values as they leave or enter a stage: `data` holds rows * width values, row-major.
 * @typedef {object} Activations
 * @property {number} rows
 * @property {number} width
 * @property {Float32Array | Uint32Array} data
 * @property {string} [dtype]  "f32" | "u32" (what data holds; f16 arrives widened to f32)
 */

/** Typed arrays use the host's byte order; every platform that runs WebGPU is little-endian, but say so if not. */
function requireLittleEndian() {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
    throw new WireError('this host is big-endian; the activations wire format is little-endian');
  }
}

/**
 * (rows, width) values -> header + little-endian payload in `dtype` ("f32", "f16" or "u32").
 * @param {Activations} values
 * @param {string} [dtype]
 * @param {{float16?: boolean}} [options]  float16: false forces the manual f16 conversion (tests).
 * @returns {Uint8Array}
 */
export function encode(values, dtype = 'f32', options = {}) {
  if (!(dtype in CODES)) throw new WireError(`dtype ${JSON.stringify(dtype)} is not one of ${NAMES.join(', ')}`);
  const { rows, width, data } = values ?? {};
  if (!Number.isInteger(rows) || !Number.isInteger(width) || rows < 0 || width < 0 || !ArrayBuffer.isView(data)) {
    throw new WireError('activations must be {rows, width, data} with data a typed array of rows * width values');
  }
  if (data.length !== rows * width) {
    throw new WireError(`activations hold ${data.length} values, rows x width = ${rows} x ${width} = ${rows * width}`);
  }
  requireLittleEndian();
  const code = CODES[dtype];
  let payload;
  if (dtype === 'f32') payload = Float32Array.from(data);
  else if (dtype === 'u32') payload = Uint32Array.from(data);
  else payload = toF16(data, options.float16 !== false);
  const out = new Uint8Array(HEADER_BYTES + payload.byteLength);
  const view = new DataView(out.buffer);
  for (let i = 0; i < 4; i += 1) out[i] = MAGIC.charCodeAt(i);
  view.setUint32(4, code, true);
  view.setUint32(8, rows, true);
  view.setUint32(12, width, true);
  out.set(new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength), HEADER_BYTES);
  return out;
}

/**
 * header + payload -> {rows, width, dtype, data} (f16 widened to f32 unless asF32 is false, then raw Uint16Array
 * bits). `width` / `maxRows`, when given, are what the receiving stage expects: a mismatch names both.
 * @param {Uint8Array | ArrayBuffer} blob
 * @param {{width?: number, maxRows?: number, asF32?: boolean, float16?: boolean}} [options]
 * @returns {{rows: number, width: number, dtype: string, data: Float32Array | Uint32Array | Uint16Array}}
 */
export function decode(blob, options = {}) {
  const bytes = blob instanceof ArrayBuffer ? new Uint8Array(blob) : blob;
  if (!(bytes instanceof Uint8Array)) throw new WireError('activations message must be a Uint8Array or ArrayBuffer');
  if (bytes.byteLength < HEADER_BYTES) {
    throw new WireError(`activations message of ${bytes.byteLength} bytes is shorter than its ${HEADER_BYTES}-byte header`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  if (magic !== MAGIC) {
    throw new WireError(`activations message starts with ${JSON.stringify(magic)}, expected ${JSON.stringify(MAGIC)}`);
  }
  const code = view.getUint32(4, true);
  const rows = view.getUint32(8, true);
  const width = view.getUint32(12, true);
  if (!(code in NAMES)) throw new WireError(`activations dtype code ${code} is unknown (known: 0, 1, 2)`);
  if (options.width !== undefined && width !== options.width) {
    throw new WireError(`activations are ${width} wide, this stage takes rows of ${options.width}`);
  }
  if (options.maxRows !== undefined && rows > options.maxRows) {
    throw new WireError(`${rows} activation rows, this stage takes at most ${options.maxRows}`);
  }
  const item = ITEM_BYTES[code];
  const expected = rows * width * item;
  const payloadBytes = bytes.byteLength - HEADER_BYTES;
  if (payloadBytes !== expected) {
    throw new WireError(`activations payload is ${payloadBytes} bytes, ${rows} rows x ${width} x ${item} = ${expected}`);
  }
  requireLittleEndian();
  // A copy: aligned for the typed array, and independent of the message's buffer.
  const raw = bytes.slice(HEADER_BYTES).buffer;
  const dtype = NAMES[code];
  if (dtype === 'f32') return { rows, width, dtype, data: new Float32Array(raw) };
  if (dtype === 'u32') return { rows, width, dtype, data: new Uint32Array(raw) };
  const bits = new Uint16Array(raw);
  if (options.asF32 === false) return { rows, width, dtype, data: bits };
  return { rows, width, dtype: 'f32', data: fromF16(bits, options.float16 !== false) };
}

/**
 * The dtype of a message ("f32", "f16", "u32"), from its header.
 * @param {Uint8Array} blob
 */
export function dtypeName(blob) {
  const code = new DataView(blob.buffer, blob.byteOffset, blob.byteLength).getUint32(4, true);
  if (!(code in NAMES)) throw new WireError(`activations dtype code ${code} is unknown (known: 0, 1, 2)`);
  return NAMES[code];
}

// ---------------------------------------------------------------- f16

/**
 * @param {ArrayLike<number>} values
 * @param {boolean} native  Use Float16Array when the browser has it.
 * @returns {Uint16Array}
 */
function toF16(values, native) {
  const F16 = /** @type {any} */ (globalThis).Float16Array;
  if (native && F16) return new Uint16Array(new F16(values).buffer);
  const out = new Uint16Array(values.length);
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  for (let i = 0; i < values.length; i += 1) {
    f32[0] = values[i];
    out[i] = f32BitsToF16(u32[0]);
  }
  return out;
}

/**
 * @param {Uint16Array} bits
 * @param {boolean} native
 * @returns {Float32Array}
 */
function fromF16(bits, native) {
  const F16 = /** @type {any} */ (globalThis).Float16Array;
  if (native && F16) return Float32Array.from(new F16(bits.buffer, bits.byteOffset, bits.length));
  const out = new Float32Array(bits.length);
  const u32 = new Uint32Array(out.buffer);
  for (let i = 0; i < bits.length; i += 1) u32[i] = f16BitsToF32(bits[i]);
  return out;
}

/**
 * IEEE binary32 bits -> binary16 bits, rounding to nearest with ties to even (overflow -> infinity, NaN stays NaN
 * with its sign, values below half the smallest subnormal -> signed zero).
 * @param {number} f  u32 bits
 * @returns {number}  u16 bits
 */
export function f32BitsToF16(f) {
  const sign = (f >>> 16) & 0x8000;
  const exp = (f >>> 23) & 0xff;
  const man = f & 0x7fffff;
  // Infinity, or NaN keeping the top of its payload (never 0, which would read as infinity), as numpy does.
  if (exp === 0xff) return sign | 0x7c00 | (man ? (man >>> 13) || 1 : 0);
  const e = exp - 127 + 15; // rebias
  if (e >= 0x1f) return sign | 0x7c00; // too large: infinity
  if (e <= 0) {
    // Subnormal half (or zero): shift the mantissa with its implicit 1 into place, then round.
    if (e < -10) return sign;
    const m = man | 0x800000;
    const shift = 14 - e;
    let h = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rest > half || (rest === half && (h & 1))) h += 1;
    return sign | h;
  }
  let h = (e << 10) | (man >>> 13);
  const rest = man & 0x1fff;
  // A carry out of the mantissa bumps the exponent, and at the top turns into infinity: both are right.
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1))) h += 1;
  return sign | h;
}

/**
 * binary16 bits -> binary32 bits (exact: every half is a float).
 * @param {number} h  u16 bits
 * @returns {number}  u32 bits
 */
export function f16BitsToF32(h) {
  const sign = (h & 0x8000) << 16;
  const exp = (h >>> 10) & 0x1f;
  let man = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (man << 13)) >>> 0;
  if (exp === 0) {
    if (man === 0) return sign >>> 0;
    // Subnormal: normalise.
    let e = -1;
    do { man <<= 1; e += 1; } while (!(man & 0x400));
    return (sign | ((127 - 15 - e) << 23) | ((man & 0x3ff) << 13)) >>> 0;
  }
  return (sign | ((exp - 15 + 127) << 23) | (man << 13)) >>> 0;
}
