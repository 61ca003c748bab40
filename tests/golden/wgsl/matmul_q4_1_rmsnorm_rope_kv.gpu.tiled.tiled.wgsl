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
const K4: u32 = 144u;      // input width in vec4s
const N: u32 = 480u;            // output rows of this dispatch
const ROW0: u32 = 0u;      // first output row (weights split for binding limits)
const OUT_N: u32 = 480u;    // output row stride
const BT: u32 = 32u;          // tokens per tile
const BN: u32 = 32u;          // weight rows per tile
const BK: u32 = 8u;          // inputs per slice through K
const QS: u32 = 2u;          // vec4s per slice
const TM: u32 = 4u;          // tokens per invocation
const G1: u32 = 64u;          // invocations of a K group: (BT / TM) x (BN / 4)
const KG: u32 = 4u;          // K groups
const WG: u32 = 256u;
const TX: u32 = BN / 4u;            // invocations across the weight rows (4 rows each)
const KSPAN: u32 = 36u;   // vec4s of K per group, whole slices
const HALF: u32 = 480u;      // partner rows (up, or a pair's second element) follow
const OUTS: u32 = BN / 2u;          // output rows per tile
// Staged as vec4s of 4 consecutive k, each written whole by the invocation that fetched it: the WGSL spec lets a
// write to one component of a vector access all four ("Component reference from vector reference"), so
// neighbours writing components of one vec4 would race. The inner loop reads one vec4 per column and per token for
// 4 k at a time; scalar staging had taken 2 loads per 4 multiply-adds. Column 4tx + j of a k quad is stored at
// [j][tx], so the invocations of a warp (neighbouring tx) read neighbouring vec4s. In [column] order their 64-byte
// stride hit the same banks: a 512-row step's matmuls took 13.7 ms on an H200, against 10.25 in this order (two
// runs each, alternating).
var<workgroup> xs: array<vec4<f32>, 256>;   // [group][k / 4][token] of this slice
var<workgroup> ws: array<vec4<f32>, 256>;   // [group][k / 4][tile column % 4][tile column / 4]
var<workgroup> sums: array<vec4<f32>, G1>;   // one group's sums of one token at a time, added into group 0's
const TPT: u32 = WG / BT;           // invocations per token for the statistics
var<workgroup> red: array<vec2<f32>, WG>;
var<workgroup> stat: array<vec2<f32>, BT>;      // (mean, 1/std) per token of the tile
// Weights for inputs 4q..4q+3 of a row.
fn wquad(row: u32, q: u32) -> vec4<f32> {
  // GGUF nibble order: quads 0-3 of a block are the low nibbles of its words 0-3, quads 4-7 the high ones.
  let b = q / 8u;
  let i = q % 8u;
  let word = wu(wi(row, b * 4u + i % 4u));
  let n = (vec4<u32>(word) >> (vec4<u32>(0u, 8u, 16u, 24u) + select(0u, 4u, i >= 4u))) & vec4<u32>(0xFu);
  let s = dm(row, b);
  return s.x * vec4<f32>(n) + s.y;
}
// The weight row behind tile column c (a row past the matrix reads its last row; never stored).
fn column_row(base: u32, c: u32) -> u32 {
  let r = min(base + 2u * (c / 4u) + c % 2u, N - 1u);
  return select(r, HALF + r, c % 4u >= 2u);
}
// Staging share i of the slice starting at vec4 k0: weight quad (column i / QS, vec4 k0 + i % QS), zeros past K
// or past the tile's share count.
fn fetch_w(base: u32, k0: u32, kend: u32, i: u32) -> vec4<f32> {
  let q = k0 + i % QS;
  if (i >= BN * QS || q >= kend) { return vec4<f32>(0.0); }
  return wquad(column_row(base, i / QS), q);
}
// The same for x: token i / QS of the tile, normalized when a norm is fused.
fn fetch_x(t0: u32, last: u32, k0: u32, kend: u32, i: u32) -> vec4<f32> {
  let t = i / QS;
  let q = k0 + i % QS;
  if (i >= BT * QS || q >= kend) { return vec4<f32>(0.0); }
  var v = x[min(t0 + t, last) * K4 + q];
  v = v * stat[t].y * norm_w[q];
  return v;
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
  let t0 = wid.y * BT;
  if (t0 >= p.n_rows) { return; }   // uniform: whole workgroup
  let last = p.n_rows - 1u;
  let base = wid.x * OUTS;
  {
    let t = lid / TPT;
    var acc = vec2<f32>(0.0, 0.0);
    for (var k = lid % TPT; k < K4; k += TPT) { let v = x[min(t0 + t, last) * K4 + k]; acc += vec2<f32>(dot(v, vec4<f32>(1.0)), dot(v, v)); }
    red[lid] = acc;
    workgroupBarrier();
    if (lid % TPT == 0u) {
      var s = vec2<f32>(0.0, 0.0);
      for (var i = 0u; i < TPT; i++) { s += red[lid + i]; }
      stat[t] = vec2<f32>(0.0, inverseSqrt(s.y / f32(K4 * 4u) + 1e-05));
    }
    workgroupBarrier();
  }
  let grp = lid / G1;
  let l = lid % G1;
  let tx = l % TX;     // weight rows 4tx..4tx+3 of the tile
  let ty = l / TX;     // tokens TM*ty..TM*ty+TM-1
  let kq = grp * QS;   // this group's first row of k quads in xs and ws
  let kbeg = grp * KSPAN;
  let kend = min(kbeg + KSPAN, K4);
  var a0 = vec4<f32>(0.0);
  var a1 = vec4<f32>(0.0);
  var a2 = vec4<f32>(0.0);
  var a3 = vec4<f32>(0.0);
  // Software pipelining: each invocation fetches its share of the next slice into registers (wn*, xn*) before it
  // computes the current one, so the memory latency of a slice overlaps the arithmetic of the one before.
  var wn0 = fetch_w(base, kbeg, kend, l + 0u * G1);
  var xn0 = fetch_x(t0, last, kbeg, kend, l + 0u * G1);
  // Every group runs the same number of slices, counted uniformly (barriers need uniform control flow; browsers
  // check); slices past K load zeros.
  for (var sl = 0u; sl < KSPAN / QS; sl++) {
    if (0u * G1 + l < BN * QS) {
      let i = l + 0u * G1;
      ws[((kq + i % QS) * 4u + i / QS % 4u) * TX + i / QS / 4u] = wn0;
    }
    if (0u * G1 + l < BT * QS) {
      let i = l + 0u * G1;
      xs[(kq + i % QS) * BT + i / QS] = xn0;
    }
    workgroupBarrier();
    let k1 = kbeg + (sl + 1u) * QS;   // the next slice (past kend: zeros, never used)
    wn0 = fetch_w(base, k1, kend, l + 0u * G1);
    xn0 = fetch_x(t0, last, k1, kend, l + 0u * G1);
    for (var k4 = 0u; k4 < QS; k4++) {
      let wo = (kq + k4) * BN + tx;
      let w0 = ws[wo];
      let w1 = ws[wo + TX];
      let w2 = ws[wo + 2u * TX];
      let w3 = ws[wo + 3u * TX];
      let xo = (kq + k4) * BT + TM * ty;
      let x0 = xs[xo + 0u];
      a0 = fma(vec4<f32>(x0.x), vec4<f32>(w0.x, w1.x, w2.x, w3.x), a0);
      a0 = fma(vec4<f32>(x0.y), vec4<f32>(w0.y, w1.y, w2.y, w3.y), a0);
      a0 = fma(vec4<f32>(x0.z), vec4<f32>(w0.z, w1.z, w2.z, w3.z), a0);
      a0 = fma(vec4<f32>(x0.w), vec4<f32>(w0.w, w1.w, w2.w, w3.w), a0);
      let x1 = xs[xo + 1u];
      a1 = fma(vec4<f32>(x1.x), vec4<f32>(w0.x, w1.x, w2.x, w3.x), a1);
      a1 = fma(vec4<f32>(x1.y), vec4<f32>(w0.y, w1.y, w2.y, w3.y), a1);
      a1 = fma(vec4<f32>(x1.z), vec4<f32>(w0.z, w1.z, w2.z, w3.z), a1);
      a1 = fma(vec4<f32>(x1.w), vec4<f32>(w0.w, w1.w, w2.w, w3.w), a1);
      let x2 = xs[xo + 2u];
      a2 = fma(vec4<f32>(x2.x), vec4<f32>(w0.x, w1.x, w2.x, w3.x), a2);
      a2 = fma(vec4<f32>(x2.y), vec4<f32>(w0.y, w1.y, w2.y, w3.y), a2);
      a2 = fma(vec4<f32>(x2.z), vec4<f32>(w0.z, w1.z, w2.z, w3.z), a2);
      a2 = fma(vec4<f32>(x2.w), vec4<f32>(w0.w, w1.w, w2.w, w3.w), a2);
      let x3 = xs[xo + 3u];
      a3 = fma(vec4<f32>(x3.x), vec4<f32>(w0.x, w1.x, w2.x, w3.x), a3);
      a3 = fma(vec4<f32>(x3.y), vec4<f32>(w0.y, w1.y, w2.y, w3.y), a3);
      a3 = fma(vec4<f32>(x3.z), vec4<f32>(w0.z, w1.z, w2.z, w3.z), a3);
      a3 = fma(vec4<f32>(x3.w), vec4<f32>(w0.w, w1.w, w2.w, w3.w), a3);
    }
    workgroupBarrier();
  }
  for (var g = 1u; g < KG; g++) {
    if (grp == g) { sums[l] = a0; }
    workgroupBarrier();
    if (grp == 0u) { a0 += sums[l]; }
    workgroupBarrier();
    if (grp == g) { sums[l] = a1; }
    workgroupBarrier();
    if (grp == 0u) { a1 += sums[l]; }
    workgroupBarrier();
    if (grp == g) { sums[l] = a2; }
    workgroupBarrier();
    if (grp == 0u) { a2 += sums[l]; }
    workgroupBarrier();
    if (grp == g) { sums[l] = a3; }
    workgroupBarrier();
    if (grp == 0u) { a3 += sums[l]; }
    workgroupBarrier();
  }
  if (grp != 0u) { return; }
  let tok0 = t0 + TM * ty + 0u;
  if (tok0 <= last) {
    if (base + 2u * tx < N) { store(tok0, ROW0 + base + 2u * tx, a0.x, a0.z); }
    if (base + 2u * tx + 1u < N) { store(tok0, ROW0 + base + 2u * tx + 1u, a0.y, a0.w); }
  }
  let tok1 = t0 + TM * ty + 1u;
  if (tok1 <= last) {
    if (base + 2u * tx < N) { store(tok1, ROW0 + base + 2u * tx, a1.x, a1.z); }
    if (base + 2u * tx + 1u < N) { store(tok1, ROW0 + base + 2u * tx + 1u, a1.y, a1.w); }
  }
  let tok2 = t0 + TM * ty + 2u;
  if (tok2 <= last) {
    if (base + 2u * tx < N) { store(tok2, ROW0 + base + 2u * tx, a2.x, a2.z); }
    if (base + 2u * tx + 1u < N) { store(tok2, ROW0 + base + 2u * tx + 1u, a2.y, a2.w); }
  }
  let tok3 = t0 + TM * ty + 3u;
  if (tok3 <= last) {
    if (base + 2u * tx < N) { store(tok3, ROW0 + base + 2u * tx, a3.x, a3.z); }
    if (base + 2u * tx + 1u < N) { store(tok3, ROW0 + base + 2u * tx + 1u, a3.y, a3.w); }
  }
}
