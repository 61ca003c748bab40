struct Params {
  n_rows: u32,
  n_out: u32,
  pad0: u32,
  pad1: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> w: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
const RW: u32 = 192u;
fn wi(row: u32, c: u32) -> u32 { return (row >> 3u) * (RW * 8u) + c * 8u + (row & 7u); }
fn wu(i: u32) -> u32 { return w[i >> 2u][i & 3u]; }   // w bound as vec4<u32> (CPU variants load 4 rows at once)
fn welem(row: u32, k: u32) -> f32 { return unpack2x16float(wu(wi(row, k / 2u)))[k % 2u]; }
struct Chunk { lo: vec4<f32>, hi: vec4<f32>, xi: u32 }
const CHUNKS: u32 = 96u;
fn wchunk(row: u32, c: u32) -> Chunk {
  return Chunk(vec4<f32>(unpack2x16float(wu(wi(row, 2u * c))), unpack2x16float(wu(wi(row, 2u * c + 1u)))), vec4<f32>(), c);
}
const K4: u32 = 96u;      // input width in vec4s
const N: u32 = 1536u;            // output rows of this dispatch
const ROW0: u32 = 0u;      // first output row (weights split for binding limits)
const OUT_N: u32 = 1536u;    // output row stride
const TT: u32 = 8u;          // tokens per workgroup
const WG: u32 = 256u;
const LANES: u32 = 32u;
const ROWS_PER_WG: u32 = WG / LANES;
var<workgroup> red: array<vec2<f32>, WG>;
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
fn gelu(v: f32) -> f32 {
  // Exact GELU, v * Phi(v) = v/2 * (1 + erf(v / sqrt 2)) (BERT). WGSL has no erf: Abramowitz & Stegun 7.1.26,
  // absolute error below 1.5e-7 (compiler/reference.py erf uses the same formula in float64).
  let z = abs(v) * 0.7071067812;
  let t = 1.0 / (1.0 + 0.3275911 * z);
  let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  let e = 1.0 - poly * exp(-z * z);
  return 0.5 * v * (1.0 + select(e, -e, v < 0.0));
}
fn store(tok: u32, o: u32, a: f32, u: f32) {
  var y = a;
  y += bias[o];  y = gelu(y);  let oi = tok * OUT_N + o;
  out[oi] = y;}
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let t0 = wid.y * TT;
  if (t0 >= p.n_rows) { return; }   // uniform: whole workgroup
  let tn = min(TT, p.n_rows - t0);
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
      {
        let xl = xv(t0, 0u, ch.xi);
        a0 += dot(ch.lo, xl);
      }
    }
    } else if (tn <= 2u) {
    for (var c = lane; c < CHUNKS; c += LANES) {
      let ch = wchunk(row, c);
      {
        let xl = xv(t0, 0u, ch.xi);
        a0 += dot(ch.lo, xl);
      }
      {
        let xl = xv(t0, 1u, ch.xi);
        a1 += dot(ch.lo, xl);
      }
    }
    } else if (tn <= 4u) {
    for (var c = lane; c < CHUNKS; c += LANES) {
      let ch = wchunk(row, c);
      {
        let xl = xv(t0, 0u, ch.xi);
        a0 += dot(ch.lo, xl);
      }
      {
        let xl = xv(t0, 1u, ch.xi);
        a1 += dot(ch.lo, xl);
      }
      {
        let xl = xv(t0, 2u, ch.xi);
        a2 += dot(ch.lo, xl);
      }
      {
        let xl = xv(t0, 3u, ch.xi);
        a3 += dot(ch.lo, xl);
      }
    }
    } else {
    for (var c = lane; c < CHUNKS; c += LANES) {
      let ch = wchunk(row, c);
      {
        let xl = xv(t0, 0u, ch.xi);
        a0 += dot(ch.lo, xl);
      }
      {
        let xl = xv(t0, 1u, ch.xi);
        a1 += dot(ch.lo, xl);
      }
      {
        let xl = xv(t0, 2u, ch.xi);
        a2 += dot(ch.lo, xl);
      }
      {
        let xl = xv(t0, 3u, ch.xi);
        a3 += dot(ch.lo, xl);
      }
      {
        let xl = xv(t0, 4u, ch.xi);
        a4 += dot(ch.lo, xl);
      }
      {
        let xl = xv(t0, 5u, ch.xi);
        a5 += dot(ch.lo, xl);
      }
      {
        let xl = xv(t0, 6u, ch.xi);
        a6 += dot(ch.lo, xl);
      }
      {
        let xl = xv(t0, 7u, ch.xi);
        a7 += dot(ch.lo, xl);
      }
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
  if (0u < tn) { store(t0 + 0u, o, a0, u0); }
  if (1u < tn) { store(t0 + 1u, o, a1, u1); }
  if (2u < tn) { store(t0 + 2u, o, a2, u2); }
  if (3u < tn) { store(t0 + 3u, o, a3, u3); }
  if (4u < tn) { store(t0 + 4u, o, a4, u4); }
  if (5u < tn) { store(t0 + 5u, o, a5, u5); }
  if (6u < tn) { store(t0 + 6u, o, a6, u6); }
  if (7u < tn) { store(t0 + 7u, o, a7, u7); }
}
