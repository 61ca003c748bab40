enable subgroups;
struct Params {
  n_rows: u32,
  n_out: u32,
  pad0: u32,
  pad1: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> w: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read> norm_w: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
const QW: u32 = 144u;   // quant words per row; f16 scale pairs follow
const RW: u32 = 153u;
fn wi(row: u32, c: u32) -> u32 { return (row >> 3u) * (RW * 8u) + c * 8u + (row & 7u); }
fn wu(i: u32) -> u32 { return w[i >> 2u][i & 3u]; }   // w bound as vec4<u32> (CPU variants load 4 rows at once)
fn scale(row: u32, b: u32) -> f32 { return unpack2x16float(wu(wi(row, QW + b / 2u)))[b % 2u]; }
// int8 lane j of a word, sign-extended by an arithmetic shift (WGSL has no i8).
fn i8_of(word: u32, j: u32) -> f32 { return f32(bitcast<i32>(word << (24u - 8u * j)) >> 24u); }
fn welem(row: u32, k: u32) -> f32 { return scale(row, k / 32u) * i8_of(wu(wi(row, k / 4u)), k % 4u); }
struct Chunk { lo: vec4<f32>, hi: vec4<f32>, xi: u32 }
const CHUNKS: u32 = QW;
fn wchunk(row: u32, c: u32) -> Chunk {
  let word = wu(wi(row, c));
  // int8 lanes sign-extended by arithmetic shifts (WGSL has no i8).
  let q = vec4<i32>(bitcast<i32>(word << 24u), bitcast<i32>(word << 16u), bitcast<i32>(word << 8u), bitcast<i32>(word)) >> vec4<u32>(24u);
  return Chunk(scale(row, c / 8u) * vec4<f32>(q), vec4<f32>(), c);
}
const K4: u32 = 144u;      // input width in vec4s
const N: u32 = 49152u;            // output rows of this dispatch
const ROW0: u32 = 0u;      // first output row (weights split for binding limits)
const OUT_N: u32 = 49152u;    // output row stride
const TT: u32 = 8u;          // tokens per workgroup
const WG: u32 = 256u;
const LANES: u32 = 32u;
const ROWS_PER_WG: u32 = WG / LANES;
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
fn rowsum(lid: u32, sgs: u32, v: vec2<f32>) -> vec2<f32> {
  // Sum over the LANES neighbouring invocations of a row (lid / LANES). Butterfly shuffles stay inside them when
  // a subgroup holds whole rows (32 on NVIDIA); smaller subgroups fall back to workgroup memory.
  if (sgs >= LANES) {
    var r = v;
    for (var o = LANES / 2u; o > 0u; o >>= 1u) { r += subgroupShuffleXor(r, o); }
    return r;
  }
  red[lid] = v;
  workgroupBarrier();
  for (var s = LANES / 2u; s > 0u; s >>= 1u) {
    if (lid % LANES < s) { red[lid] = red[lid] + red[lid + s]; }
    workgroupBarrier();
  }
  let r = red[lid - lid % LANES];
  workgroupBarrier();
  return r;
}
fn xv(t0: u32, t: u32, i: u32) -> vec4<f32> {
  return x[min(t0 + t, p.n_out - 1u) * K4 + i];   // rows past the tile's end are read but never stored
}
fn store(tok: u32, o: u32, a: f32, u: f32) {
  var y = a;
  let oi = tok * OUT_N + o;
  out[oi] = y;}
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
        @builtin(subgroup_size) sgs: u32) {
  let t0 = wid.y * TT;
  if (t0 >= p.n_out) { return; }   // uniform: whole workgroup
  let tn = min(TT, p.n_out - t0);
  // A row's LANES invocations are neighbours, so its reductions are subgroup shuffles (no barrier when a
  // subgroup holds whole rows). Each row's lanes also make their own norm statistics.
  let row = wid.x * ROWS_PER_WG + lid / LANES;
  let lane = lid % LANES;
  var st0 = vec2<f32>(0.0, 0.0);
  if (0u < tn) {
    var acc = vec2<f32>(0.0, 0.0);
    for (var k = lane; k < K4; k += LANES) { let v = x[(t0 + 0u) * K4 + k]; acc += vec2<f32>(dot(v, vec4<f32>(1.0)), dot(v, v)); }
    let s = rowsum(lid, sgs, acc);
    st0 = vec2<f32>(0.0, inverseSqrt(s.y / f32(K4 * 4u) + 1e-05));
  }
  var st1 = vec2<f32>(0.0, 0.0);
  if (1u < tn) {
    var acc = vec2<f32>(0.0, 0.0);
    for (var k = lane; k < K4; k += LANES) { let v = x[(t0 + 1u) * K4 + k]; acc += vec2<f32>(dot(v, vec4<f32>(1.0)), dot(v, v)); }
    let s = rowsum(lid, sgs, acc);
    st1 = vec2<f32>(0.0, inverseSqrt(s.y / f32(K4 * 4u) + 1e-05));
  }
  var st2 = vec2<f32>(0.0, 0.0);
  if (2u < tn) {
    var acc = vec2<f32>(0.0, 0.0);
    for (var k = lane; k < K4; k += LANES) { let v = x[(t0 + 2u) * K4 + k]; acc += vec2<f32>(dot(v, vec4<f32>(1.0)), dot(v, v)); }
    let s = rowsum(lid, sgs, acc);
    st2 = vec2<f32>(0.0, inverseSqrt(s.y / f32(K4 * 4u) + 1e-05));
  }
  var st3 = vec2<f32>(0.0, 0.0);
  if (3u < tn) {
    var acc = vec2<f32>(0.0, 0.0);
    for (var k = lane; k < K4; k += LANES) { let v = x[(t0 + 3u) * K4 + k]; acc += vec2<f32>(dot(v, vec4<f32>(1.0)), dot(v, v)); }
    let s = rowsum(lid, sgs, acc);
    st3 = vec2<f32>(0.0, inverseSqrt(s.y / f32(K4 * 4u) + 1e-05));
  }
  var st4 = vec2<f32>(0.0, 0.0);
  if (4u < tn) {
    var acc = vec2<f32>(0.0, 0.0);
    for (var k = lane; k < K4; k += LANES) { let v = x[(t0 + 4u) * K4 + k]; acc += vec2<f32>(dot(v, vec4<f32>(1.0)), dot(v, v)); }
    let s = rowsum(lid, sgs, acc);
    st4 = vec2<f32>(0.0, inverseSqrt(s.y / f32(K4 * 4u) + 1e-05));
  }
  var st5 = vec2<f32>(0.0, 0.0);
  if (5u < tn) {
    var acc = vec2<f32>(0.0, 0.0);
    for (var k = lane; k < K4; k += LANES) { let v = x[(t0 + 5u) * K4 + k]; acc += vec2<f32>(dot(v, vec4<f32>(1.0)), dot(v, v)); }
    let s = rowsum(lid, sgs, acc);
    st5 = vec2<f32>(0.0, inverseSqrt(s.y / f32(K4 * 4u) + 1e-05));
  }
  var st6 = vec2<f32>(0.0, 0.0);
  if (6u < tn) {
    var acc = vec2<f32>(0.0, 0.0);
    for (var k = lane; k < K4; k += LANES) { let v = x[(t0 + 6u) * K4 + k]; acc += vec2<f32>(dot(v, vec4<f32>(1.0)), dot(v, v)); }
    let s = rowsum(lid, sgs, acc);
    st6 = vec2<f32>(0.0, inverseSqrt(s.y / f32(K4 * 4u) + 1e-05));
  }
  var st7 = vec2<f32>(0.0, 0.0);
  if (7u < tn) {
    var acc = vec2<f32>(0.0, 0.0);
    for (var k = lane; k < K4; k += LANES) { let v = x[(t0 + 7u) * K4 + k]; acc += vec2<f32>(dot(v, vec4<f32>(1.0)), dot(v, v)); }
    let s = rowsum(lid, sgs, acc);
    st7 = vec2<f32>(0.0, inverseSqrt(s.y / f32(K4 * 4u) + 1e-05));
  }
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
      // (not "gl": naga's GLSL output would make it gl_1, and the gl_ prefix is reserved in GLSL)
      let g_lo = norm_w[ch.xi];
      {
        let xl = xv(t0, 0u, ch.xi) * g_lo;
        a0 += dot(ch.lo, xl);
      }
    }
    } else if (tn <= 2u) {
    for (var c = lane; c < CHUNKS; c += LANES) {
      let ch = wchunk(row, c);
      // (not "gl": naga's GLSL output would make it gl_1, and the gl_ prefix is reserved in GLSL)
      let g_lo = norm_w[ch.xi];
      {
        let xl = xv(t0, 0u, ch.xi) * g_lo;
        a0 += dot(ch.lo, xl);
      }
      {
        let xl = xv(t0, 1u, ch.xi) * g_lo;
        a1 += dot(ch.lo, xl);
      }
    }
    } else if (tn <= 4u) {
    for (var c = lane; c < CHUNKS; c += LANES) {
      let ch = wchunk(row, c);
      // (not "gl": naga's GLSL output would make it gl_1, and the gl_ prefix is reserved in GLSL)
      let g_lo = norm_w[ch.xi];
      {
        let xl = xv(t0, 0u, ch.xi) * g_lo;
        a0 += dot(ch.lo, xl);
      }
      {
        let xl = xv(t0, 1u, ch.xi) * g_lo;
        a1 += dot(ch.lo, xl);
      }
      {
        let xl = xv(t0, 2u, ch.xi) * g_lo;
        a2 += dot(ch.lo, xl);
      }
      {
        let xl = xv(t0, 3u, ch.xi) * g_lo;
        a3 += dot(ch.lo, xl);
      }
    }
    } else {
    for (var c = lane; c < CHUNKS; c += LANES) {
      let ch = wchunk(row, c);
      // (not "gl": naga's GLSL output would make it gl_1, and the gl_ prefix is reserved in GLSL)
      let g_lo = norm_w[ch.xi];
      {
        let xl = xv(t0, 0u, ch.xi) * g_lo;
        a0 += dot(ch.lo, xl);
      }
      {
        let xl = xv(t0, 1u, ch.xi) * g_lo;
        a1 += dot(ch.lo, xl);
      }
      {
        let xl = xv(t0, 2u, ch.xi) * g_lo;
        a2 += dot(ch.lo, xl);
      }
      {
        let xl = xv(t0, 3u, ch.xi) * g_lo;
        a3 += dot(ch.lo, xl);
      }
      {
        let xl = xv(t0, 4u, ch.xi) * g_lo;
        a4 += dot(ch.lo, xl);
      }
      {
        let xl = xv(t0, 5u, ch.xi) * g_lo;
        a5 += dot(ch.lo, xl);
      }
      {
        let xl = xv(t0, 6u, ch.xi) * g_lo;
        a6 += dot(ch.lo, xl);
      }
      {
        let xl = xv(t0, 7u, ch.xi) * g_lo;
        a7 += dot(ch.lo, xl);
      }
    }
    }
  }
  if (0u < tn) {
    let r = rowsum(lid, sgs, vec2<f32>(a0, u0));
    a0 = r.x;
    u0 = r.y;
  }
  if (1u < tn) {
    let r = rowsum(lid, sgs, vec2<f32>(a1, u1));
    a1 = r.x;
    u1 = r.y;
  }
  if (2u < tn) {
    let r = rowsum(lid, sgs, vec2<f32>(a2, u2));
    a2 = r.x;
    u2 = r.y;
  }
  if (3u < tn) {
    let r = rowsum(lid, sgs, vec2<f32>(a3, u3));
    a3 = r.x;
    u3 = r.y;
  }
  if (4u < tn) {
    let r = rowsum(lid, sgs, vec2<f32>(a4, u4));
    a4 = r.x;
    u4 = r.y;
  }
  if (5u < tn) {
    let r = rowsum(lid, sgs, vec2<f32>(a5, u5));
    a5 = r.x;
    u5 = r.y;
  }
  if (6u < tn) {
    let r = rowsum(lid, sgs, vec2<f32>(a6, u6));
    a6 = r.x;
    u6 = r.y;
  }
  if (7u < tn) {
    let r = rowsum(lid, sgs, vec2<f32>(a7, u7));
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
