struct Params {
  n_rows: u32,
  n_out: u32,
  pad0: u32,
  pad1: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> ctl: array<u32>;
@group(0) @binding(2) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> w: array<vec4<u32>>;
@group(0) @binding(4) var<storage, read> norm_w: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> q: array<f32>;
@group(0) @binding(6) var<storage, read_write> k_cache: array<f32>;
@group(0) @binding(7) var<storage, read_write> v_cache: array<f32>;
const NO_SRC: u32 = 4294967295u;
fn row_slot(r: u32) -> u32 { return ctl[0u + r * 4u + 0u]; }
fn row_pos(r: u32) -> u32 { return ctl[0u + r * 4u + 1u]; }
fn row_src(r: u32) -> u32 { return ctl[0u + r * 4u + 2u]; }
fn out_row(o: u32) -> u32 { return ctl[256u + o * 8u + 0u]; }
fn out_seed(o: u32) -> u32 { return ctl[256u + o * 8u + 1u]; }
fn out_step(o: u32) -> u32 { return ctl[256u + o * 8u + 2u]; }
fn out_temperature(o: u32) -> f32 { return bitcast<f32>(ctl[256u + o * 8u + 3u]); }
fn out_top_k(o: u32) -> u32 { return ctl[256u + o * 8u + 4u]; }
fn out_top_p(o: u32) -> f32 { return bitcast<f32>(ctl[256u + o * 8u + 5u]); }
const QW: u32 = 72u;   // nibble words per row; scales follow
const RW: u32 = 90u;
fn wi(row: u32, c: u32) -> u32 { return (row >> 3u) * (RW * 8u) + c * 8u + (row & 7u); }
fn wu(i: u32) -> u32 { return w[i >> 2u][i & 3u]; }   // w bound as vec4<u32> (CPU variants load 4 rows at once)
// (d, m) per block: value = d * q + m
fn dm(row: u32, b: u32) -> vec2<f32> { return unpack2x16float(wu(wi(row, QW + b))); }
// GGUF nibble order: byte j of a block holds element j (low nibble) and element j + 16 (high nibble).
fn welem(row: u32, k: u32) -> f32 {
  let i = k % 32u;
  let byte = i % 16u;
  let word = wu(wi(row, (k / 32u) * 4u + byte / 4u));
  let q = (word >> (8u * (byte % 4u) + select(0u, 4u, i >= 16u))) & 0xFu;
  let s = dm(row, k / 32u);
  return s.x * f32(q) + s.y;
}
struct Chunk { lo: vec4<f32>, hi: vec4<f32>, xi: u32 }
const CHUNKS: u32 = QW;
// Nibble word w of a block holds elements 4w..4w+3 (low nibbles) and 16+4w..16+4w+3 (high nibbles).
fn wchunk(row: u32, c: u32) -> Chunk {
  let word = wu(wi(row, c));
  let s = dm(row, c / 4u);
  let lo = vec4<f32>((vec4<u32>(word) >> vec4<u32>(0u, 8u, 16u, 24u)) & vec4<u32>(0xFu));
  let hi = vec4<f32>((vec4<u32>(word) >> vec4<u32>(4u, 12u, 20u, 28u)) & vec4<u32>(0xFu));
  return Chunk(s.x * lo + s.y, s.x * hi + s.y, (c / 4u) * 8u + (c % 4u));
}
const K4: u32 = 144u;      // input width in vec4s
const N: u32 = 480u;            // output rows of this dispatch
const ROW0: u32 = 0u;      // first output row (weights split for binding limits)
const OUT_N: u32 = 480u;    // output row stride
const TT: u32 = 8u;          // tokens per workgroup
const WG: u32 = 256u;
const LANES: u32 = 32u;
const ROWS_PER_WG: u32 = WG / LANES;
const HALF: u32 = 480u;      // partner rows (up, or a pair's second element) follow
var<workgroup> red: array<vec2<f32>, WG>;
var<workgroup> stat: array<vec2<f32>, TT>;   // (mean, 1/std) per token of the tile
fn reduce2(lid: u32, v: vec2<f32>, stride: u32) -> vec2<f32> {
  // Sum over the invocations that share lid % stride (stride 1: the whole workgroup); all get their sum.
  red[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s >= stride; s >>= 1u) {
    if (lid < s) { red[lid] = red[lid] + red[lid + s]; }
    workgroupBarrier();
  }
  let r = red[lid % stride];
  workgroupBarrier();
  return r;
}
fn xv(t0: u32, t: u32, i: u32) -> vec4<f32> {
  return x[min(t0 + t, p.n_rows - 1u) * K4 + i];   // rows past the tile's end are read but never stored
}
const Q_DIM: u32 = 576u;
const KV_DIM: u32 = 192u;
const HEAD_DIM: u32 = 64u;
const HEAD_PAIRS: u32 = HEAD_DIM / 2u;
const Q_PAIRS: u32 = Q_DIM / 2u;
const QK_PAIRS: u32 = Q_PAIRS + KV_DIM / 2u;
const KV_PAIRS: u32 = QK_PAIRS + KV_DIM / 2u;   // all pairs
const CTX: u32 = 2048u;                // cache rows per slot
const LOG2_THETA: f32 = 16.609640474436812;
// Elements of pair j inside a head: interleaved layout.
fn pair(j: u32) -> vec2<u32> {
  return vec2<u32>(2u * j, 2u * j + 1u);
}
// The two q|k|v columns of pair i.
fn pair_cols(i: u32) -> vec2<u32> {
  if (i < QK_PAIRS) {
    let is_q = i < Q_PAIRS;
    let ii = select(i - Q_PAIRS, i, is_q);
    return pair(ii % HEAD_PAIRS) + vec2<u32>(ii / HEAD_PAIRS * HEAD_DIM + select(Q_DIM, 0u, is_q));
  }
  let e = Q_DIM + KV_DIM + i - QK_PAIRS;
  return vec2<u32>(e, e + KV_DIM / 2u);
}
fn rotate(a: f32, b: f32, pos: u32, j: u32) -> vec2<f32> {
  let raw = f32(pos) * exp2(-f32(2u * j) / f32(HEAD_DIM) * LOG2_THETA);
  // WGSL promises sin/cos accuracy only on [-pi, pi]; positions reach thousands of radians.
  let ang = raw - 6.283185307 * floor(raw / 6.283185307 + 0.5);
  let c = cos(ang);
  let s = sin(ang);
  return vec2<f32>(a * c - b * s, a * s + b * c);
}
fn write_pair(t: u32, i: u32, a: f32, b: f32) {
  let pos = row_pos(t);
  let cache_row = (row_slot(t) * CTX + pos) * KV_DIM;
  let c = pair_cols(i);
  if (i >= QK_PAIRS) {
    let e = c - vec2<u32>(Q_DIM + KV_DIM);
    v_cache[cache_row + e.x] = a;
    v_cache[cache_row + e.y] = b;
    return;
  }
  let r = rotate(a, b, pos, select(i - Q_PAIRS, i, i < Q_PAIRS) % HEAD_PAIRS);
  if (i < Q_PAIRS) {
    q[t * Q_DIM + c.x] = r.x;
    q[t * Q_DIM + c.y] = r.y;
  } else {
    k_cache[cache_row + c.x - Q_DIM] = r.x;
    k_cache[cache_row + c.y - Q_DIM] = r.y;
  }
}
fn store(tok: u32, o: u32, a: f32, u: f32) { write_pair(tok, o, a, u); }
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let t0 = wid.y * TT;
  if (t0 >= p.n_rows) { return; }   // uniform: whole workgroup
  let tn = min(TT, p.n_rows - t0);
  for (var t = 0u; t < tn; t++) {
    var acc = vec2<f32>(0.0, 0.0);
    for (var k = lid; k < K4; k += WG) { let v = x[(t0 + t) * K4 + k]; acc += vec2<f32>(dot(v, vec4<f32>(1.0)), dot(v, v)); }
    let s = reduce2(lid, acc, 1u);
    if (lid == 0u) {
      stat[t] = vec2<f32>(0.0, inverseSqrt(s.y / f32(K4 * 4u) + 1e-05));
    }
  }
  workgroupBarrier();
  let st0 = stat[0];
  let st1 = stat[1];
  let st2 = stat[2];
  let st3 = stat[3];
  let st4 = stat[4];
  let st5 = stat[5];
  let st6 = stat[6];
  let st7 = stat[7];
  // Neighbouring invocations take neighbouring rows: with rows interleaved by 8, their loads are contiguous.
  let row = wid.x * ROWS_PER_WG + lid % ROWS_PER_WG;
  let lane = lid / ROWS_PER_WG;
  var a0 = 0.0;
  var u0 = 0.0;
  var a1 = 0.0;
  var u1 = 0.0;
  var a2 = 0.0;
  var u2 = 0.0;
  var a3 = 0.0;
  var u3 = 0.0;
  var a4 = 0.0;
  var u4 = 0.0;
  var a5 = 0.0;
  var u5 = 0.0;
  var a6 = 0.0;
  var u6 = 0.0;
  var a7 = 0.0;
  var u7 = 0.0;
  var wsum = vec2<f32>(0.0, 0.0);   // (W·g, W·b) for layernorm
  if (row < N) {
    if (tn <= 1u) {
    for (var c = lane; c < CHUNKS; c += LANES) {
      let ch = wchunk(row, c);
      let cu = wchunk(row + HALF, c);      // (not "gl": naga's GLSL output would make it gl_1, and the gl_ prefix is reserved in GLSL)
      let g_lo = norm_w[ch.xi];
      let g_hi = norm_w[ch.xi + 4u];      {
        let xl = xv(t0, 0u, ch.xi) * g_lo;
        let xh = xv(t0, 0u, ch.xi + 4u) * g_hi;        a0 += dot(ch.lo, xl) + dot(ch.hi, xh);
        u0 += dot(cu.lo, xl) + dot(cu.hi, xh);      }
    }
    } else if (tn <= 2u) {
    for (var c = lane; c < CHUNKS; c += LANES) {
      let ch = wchunk(row, c);
      let cu = wchunk(row + HALF, c);      // (not "gl": naga's GLSL output would make it gl_1, and the gl_ prefix is reserved in GLSL)
      let g_lo = norm_w[ch.xi];
      let g_hi = norm_w[ch.xi + 4u];      {
        let xl = xv(t0, 0u, ch.xi) * g_lo;
        let xh = xv(t0, 0u, ch.xi + 4u) * g_hi;        a0 += dot(ch.lo, xl) + dot(ch.hi, xh);
        u0 += dot(cu.lo, xl) + dot(cu.hi, xh);      }
      {
        let xl = xv(t0, 1u, ch.xi) * g_lo;
        let xh = xv(t0, 1u, ch.xi + 4u) * g_hi;        a1 += dot(ch.lo, xl) + dot(ch.hi, xh);
        u1 += dot(cu.lo, xl) + dot(cu.hi, xh);      }
    }
    } else if (tn <= 4u) {
    for (var c = lane; c < CHUNKS; c += LANES) {
      let ch = wchunk(row, c);
      let cu = wchunk(row + HALF, c);      // (not "gl": naga's GLSL output would make it gl_1, and the gl_ prefix is reserved in GLSL)
      let g_lo = norm_w[ch.xi];
      let g_hi = norm_w[ch.xi + 4u];      {
        let xl = xv(t0, 0u, ch.xi) * g_lo;
        let xh = xv(t0, 0u, ch.xi + 4u) * g_hi;        a0 += dot(ch.lo, xl) + dot(ch.hi, xh);
        u0 += dot(cu.lo, xl) + dot(cu.hi, xh);      }
      {
        let xl = xv(t0, 1u, ch.xi) * g_lo;
        let xh = xv(t0, 1u, ch.xi + 4u) * g_hi;        a1 += dot(ch.lo, xl) + dot(ch.hi, xh);
        u1 += dot(cu.lo, xl) + dot(cu.hi, xh);      }
      {
        let xl = xv(t0, 2u, ch.xi) * g_lo;
        let xh = xv(t0, 2u, ch.xi + 4u) * g_hi;        a2 += dot(ch.lo, xl) + dot(ch.hi, xh);
        u2 += dot(cu.lo, xl) + dot(cu.hi, xh);      }
      {
        let xl = xv(t0, 3u, ch.xi) * g_lo;
        let xh = xv(t0, 3u, ch.xi + 4u) * g_hi;        a3 += dot(ch.lo, xl) + dot(ch.hi, xh);
        u3 += dot(cu.lo, xl) + dot(cu.hi, xh);      }
    }
    } else {
    for (var c = lane; c < CHUNKS; c += LANES) {
      let ch = wchunk(row, c);
      let cu = wchunk(row + HALF, c);      // (not "gl": naga's GLSL output would make it gl_1, and the gl_ prefix is reserved in GLSL)
      let g_lo = norm_w[ch.xi];
      let g_hi = norm_w[ch.xi + 4u];      {
        let xl = xv(t0, 0u, ch.xi) * g_lo;
        let xh = xv(t0, 0u, ch.xi + 4u) * g_hi;        a0 += dot(ch.lo, xl) + dot(ch.hi, xh);
        u0 += dot(cu.lo, xl) + dot(cu.hi, xh);      }
      {
        let xl = xv(t0, 1u, ch.xi) * g_lo;
        let xh = xv(t0, 1u, ch.xi + 4u) * g_hi;        a1 += dot(ch.lo, xl) + dot(ch.hi, xh);
        u1 += dot(cu.lo, xl) + dot(cu.hi, xh);      }
      {
        let xl = xv(t0, 2u, ch.xi) * g_lo;
        let xh = xv(t0, 2u, ch.xi + 4u) * g_hi;        a2 += dot(ch.lo, xl) + dot(ch.hi, xh);
        u2 += dot(cu.lo, xl) + dot(cu.hi, xh);      }
      {
        let xl = xv(t0, 3u, ch.xi) * g_lo;
        let xh = xv(t0, 3u, ch.xi + 4u) * g_hi;        a3 += dot(ch.lo, xl) + dot(ch.hi, xh);
        u3 += dot(cu.lo, xl) + dot(cu.hi, xh);      }
      {
        let xl = xv(t0, 4u, ch.xi) * g_lo;
        let xh = xv(t0, 4u, ch.xi + 4u) * g_hi;        a4 += dot(ch.lo, xl) + dot(ch.hi, xh);
        u4 += dot(cu.lo, xl) + dot(cu.hi, xh);      }
      {
        let xl = xv(t0, 5u, ch.xi) * g_lo;
        let xh = xv(t0, 5u, ch.xi + 4u) * g_hi;        a5 += dot(ch.lo, xl) + dot(ch.hi, xh);
        u5 += dot(cu.lo, xl) + dot(cu.hi, xh);      }
      {
        let xl = xv(t0, 6u, ch.xi) * g_lo;
        let xh = xv(t0, 6u, ch.xi + 4u) * g_hi;        a6 += dot(ch.lo, xl) + dot(ch.hi, xh);
        u6 += dot(cu.lo, xl) + dot(cu.hi, xh);      }
      {
        let xl = xv(t0, 7u, ch.xi) * g_lo;
        let xh = xv(t0, 7u, ch.xi + 4u) * g_hi;        a7 += dot(ch.lo, xl) + dot(ch.hi, xh);
        u7 += dot(cu.lo, xl) + dot(cu.hi, xh);      }
    }
    }
  }
  if (0u < tn) {
    let r = reduce2(lid, vec2<f32>(a0, u0), ROWS_PER_WG);
    a0 = r.x;
    u0 = r.y;
  }
  if (1u < tn) {
    let r = reduce2(lid, vec2<f32>(a1, u1), ROWS_PER_WG);
    a1 = r.x;
    u1 = r.y;
  }
  if (2u < tn) {
    let r = reduce2(lid, vec2<f32>(a2, u2), ROWS_PER_WG);
    a2 = r.x;
    u2 = r.y;
  }
  if (3u < tn) {
    let r = reduce2(lid, vec2<f32>(a3, u3), ROWS_PER_WG);
    a3 = r.x;
    u3 = r.y;
  }
  if (4u < tn) {
    let r = reduce2(lid, vec2<f32>(a4, u4), ROWS_PER_WG);
    a4 = r.x;
    u4 = r.y;
  }
  if (5u < tn) {
    let r = reduce2(lid, vec2<f32>(a5, u5), ROWS_PER_WG);
    a5 = r.x;
    u5 = r.y;
  }
  if (6u < tn) {
    let r = reduce2(lid, vec2<f32>(a6, u6), ROWS_PER_WG);
    a6 = r.x;
    u6 = r.y;
  }
  if (7u < tn) {
    let r = reduce2(lid, vec2<f32>(a7, u7), ROWS_PER_WG);
    a7 = r.x;
    u7 = r.y;
  }
  if (row >= N || lane != 0u) { return; }
  let o = ROW0 + row;
  if (0u < tn) { store(t0 + 0u, o, st0.y * a0, st0.y * u0); }
  if (1u < tn) { store(t0 + 1u, o, st1.y * a1, st1.y * u1); }
  if (2u < tn) { store(t0 + 2u, o, st2.y * a2, st2.y * u2); }
  if (3u < tn) { store(t0 + 3u, o, st3.y * a3, st3.y * u3); }
  if (4u < tn) { store(t0 + 4u, o, st4.y * a4, st4.y * u4); }
  if (5u < tn) { store(t0 + 5u, o, st5.y * a5, st5.y * u5); }
  if (6u < tn) { store(t0 + 6u, o, st6.y * a6, st6.y * u6); }
  if (7u < tn) { store(t0 + 7u, o, st7.y * a7, st7.y * u7); }
}
