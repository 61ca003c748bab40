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
const K4: u32 = 144u;      // input width in vec4s
const N: u32 = 480u;            // output rows of this dispatch
const ROW0: u32 = 0u;      // first output row (weights split for binding limits)
const OUT_N: u32 = 480u;    // output row stride
const TT: u32 = 4u;          // tokens per workgroup
const WG: u32 = 8u;
const RW: u32 = 90u;          // u32 words per weight row
const QW: u32 = 72u;   // quant words per row; scales follow
const NB: u32 = 18u;    // blocks of 32 inputs
const GROUPS: u32 = 120u; // 8-row groups in w
const HALF: u32 = 480u;      // partner rows (up, or a pair's second element) follow, from a row group
const ONE = vec4<f32>(1.0);
// Nibble j of each byte, masked in place, is worth q * 2^(8j): x is scaled by 2^-8j to match.
const SC = vec4<f32>(1.0, 0.00390625, 1.52587890625e-05, 5.9604644775390625e-08);
const NIB = vec4<u32>(0xFu, 0xF00u, 0xF0000u, 0xF000000u);
fn lo(wd: u32) -> vec4<f32> { return vec4<f32>(bitcast<vec4<i32>>(vec4<u32>(wd) & NIB)); }
fn hi(wd: u32) -> vec4<f32> { return vec4<f32>(bitcast<vec4<i32>>(vec4<u32>(wd >> 4u) & NIB)); }
var<workgroup> red: array<vec2<f32>, WG>;
var<workgroup> stat: array<vec2<f32>, TT>;   // (mean, 1/std) per token of the tile
// g * x of the tile's tokens, made once per workgroup: then every x load of the inner loop is one load, not two.
var<workgroup> xn: array<vec4<f32>, 576>;
fn xv(t0: u32, t: u32, i: u32) -> vec4<f32> {
  return x[min(t0 + t, p.n_rows - 1u) * K4 + i];   // rows past the tile's end are read but never stored
}
// Word c of rows r..r+3 (r % 4 == 0): one vector load. Rows past the matrix read its last group (never stored).
fn w4(r: u32, c: u32) -> vec4<u32> {
  return w[min(r >> 3u, GROUPS - 1u) * RW * 2u + c * 2u + ((r >> 2u) & 1u)];
}
fn reduce_wg(lid: u32, v: vec2<f32>) -> vec2<f32> {
  red[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s >= 1u; s >>= 1u) {
    if (lid < s) { red[lid] = red[lid] + red[lid + s]; }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
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
@compute @workgroup_size(8)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let t0 = wid.y * TT;
  if (t0 >= p.n_rows) { return; }   // uniform: whole workgroup
  let tn = min(TT, p.n_rows - t0);
  for (var t = 0u; t < tn; t++) {
    var acc = vec2<f32>(0.0, 0.0);
    for (var k = lid; k < K4; k += WG) { let v = x[(t0 + t) * K4 + k]; acc += vec2<f32>(dot(v, ONE), dot(v, v)); }
    let s = reduce_wg(lid, acc);
    if (lid == 0u) {
      stat[t] = vec2<f32>(0.0, inverseSqrt(s.y / f32(K4 * 4u) + 1e-05));
    }
  }
  // Only the tile's tokens: a decode step stages one, not TT.
  for (var i = lid; i < tn * K4; i += WG) { let t = i / K4; let k = i % K4; xn[i] = xv(t0, t, k) * norm_w[k]; }
  workgroupBarrier();
  let n0 = (wid.x * WG + lid) * 16u;
  if (n0 >= N) { return; }
  let r0 = n0 + 0u;
  let r4 = HALF + n0 + 0u;  let r1 = n0 + 4u;
  let r5 = HALF + n0 + 4u;  let r2 = n0 + 8u;
  let r6 = HALF + n0 + 8u;  let r3 = n0 + 12u;
  let r7 = HALF + n0 + 12u;  if (tn <= 1u) {
    var acc_t00 = vec4<f32>(0.0);
    var acc_t01 = vec4<f32>(0.0);
    var acc_t02 = vec4<f32>(0.0);
    var acc_t03 = vec4<f32>(0.0);
    var acc_t04 = vec4<f32>(0.0);
    var acc_t05 = vec4<f32>(0.0);
    var acc_t06 = vec4<f32>(0.0);
    var acc_t07 = vec4<f32>(0.0);
    for (var b = 0u; b < NB; b++) {
      let s0 = w4(r0, QW + b);
      let dm0x = unpack2x16float(s0.x); let dm0y = unpack2x16float(s0.y);
      let dm0z = unpack2x16float(s0.z); let dm0w = unpack2x16float(s0.w);
      let d0 = vec4<f32>(dm0x.x, dm0y.x, dm0z.x, dm0w.x);
      let m0 = vec4<f32>(dm0x.y, dm0y.y, dm0z.y, dm0w.y);
      let s1 = w4(r1, QW + b);
      let dm1x = unpack2x16float(s1.x); let dm1y = unpack2x16float(s1.y);
      let dm1z = unpack2x16float(s1.z); let dm1w = unpack2x16float(s1.w);
      let d1 = vec4<f32>(dm1x.x, dm1y.x, dm1z.x, dm1w.x);
      let m1 = vec4<f32>(dm1x.y, dm1y.y, dm1z.y, dm1w.y);
      let s2 = w4(r2, QW + b);
      let dm2x = unpack2x16float(s2.x); let dm2y = unpack2x16float(s2.y);
      let dm2z = unpack2x16float(s2.z); let dm2w = unpack2x16float(s2.w);
      let d2 = vec4<f32>(dm2x.x, dm2y.x, dm2z.x, dm2w.x);
      let m2 = vec4<f32>(dm2x.y, dm2y.y, dm2z.y, dm2w.y);
      let s3 = w4(r3, QW + b);
      let dm3x = unpack2x16float(s3.x); let dm3y = unpack2x16float(s3.y);
      let dm3z = unpack2x16float(s3.z); let dm3w = unpack2x16float(s3.w);
      let d3 = vec4<f32>(dm3x.x, dm3y.x, dm3z.x, dm3w.x);
      let m3 = vec4<f32>(dm3x.y, dm3y.y, dm3z.y, dm3w.y);
      let s4 = w4(r4, QW + b);
      let dm4x = unpack2x16float(s4.x); let dm4y = unpack2x16float(s4.y);
      let dm4z = unpack2x16float(s4.z); let dm4w = unpack2x16float(s4.w);
      let d4 = vec4<f32>(dm4x.x, dm4y.x, dm4z.x, dm4w.x);
      let m4 = vec4<f32>(dm4x.y, dm4y.y, dm4z.y, dm4w.y);
      let s5 = w4(r5, QW + b);
      let dm5x = unpack2x16float(s5.x); let dm5y = unpack2x16float(s5.y);
      let dm5z = unpack2x16float(s5.z); let dm5w = unpack2x16float(s5.w);
      let d5 = vec4<f32>(dm5x.x, dm5y.x, dm5z.x, dm5w.x);
      let m5 = vec4<f32>(dm5x.y, dm5y.y, dm5z.y, dm5w.y);
      let s6 = w4(r6, QW + b);
      let dm6x = unpack2x16float(s6.x); let dm6y = unpack2x16float(s6.y);
      let dm6z = unpack2x16float(s6.z); let dm6w = unpack2x16float(s6.w);
      let d6 = vec4<f32>(dm6x.x, dm6y.x, dm6z.x, dm6w.x);
      let m6 = vec4<f32>(dm6x.y, dm6y.y, dm6z.y, dm6w.y);
      let s7 = w4(r7, QW + b);
      let dm7x = unpack2x16float(s7.x); let dm7y = unpack2x16float(s7.y);
      let dm7z = unpack2x16float(s7.z); let dm7w = unpack2x16float(s7.w);
      let d7 = vec4<f32>(dm7x.x, dm7y.x, dm7z.x, dm7w.x);
      let m7 = vec4<f32>(dm7x.y, dm7y.y, dm7z.y, dm7w.y);
      var xs_t0 = 0.0;
      var p_t00 = vec4<f32>(0.0);
      var p_t01 = vec4<f32>(0.0);
      var p_t02 = vec4<f32>(0.0);
      var p_t03 = vec4<f32>(0.0);
      var p_t04 = vec4<f32>(0.0);
      var p_t05 = vec4<f32>(0.0);
      var p_t06 = vec4<f32>(0.0);
      var p_t07 = vec4<f32>(0.0);
      {
        let wd0 = w4(r0, b * 4u + 0u);
        let wd1 = w4(r1, b * 4u + 0u);
        let wd2 = w4(r2, b * 4u + 0u);
        let wd3 = w4(r3, b * 4u + 0u);
        let wd4 = w4(r4, b * 4u + 0u);
        let wd5 = w4(r5, b * 4u + 0u);
        let wd6 = w4(r6, b * 4u + 0u);
        let wd7 = w4(r7, b * 4u + 0u);
        {
          let xl = xn[0u * K4 + b * 8u + 0u];
          let xh = xn[0u * K4 + b * 8u + 4u];
          xs_t0 += dot(xl + xh, ONE);
          let xls = xl * SC;
          let xhs = xh * SC;
          p_t00 += vec4<f32>(dot(lo(wd0.x), xls) + dot(hi(wd0.x), xhs), dot(lo(wd0.y), xls) + dot(hi(wd0.y), xhs),
                                    dot(lo(wd0.z), xls) + dot(hi(wd0.z), xhs), dot(lo(wd0.w), xls) + dot(hi(wd0.w), xhs));
          p_t01 += vec4<f32>(dot(lo(wd1.x), xls) + dot(hi(wd1.x), xhs), dot(lo(wd1.y), xls) + dot(hi(wd1.y), xhs),
                                    dot(lo(wd1.z), xls) + dot(hi(wd1.z), xhs), dot(lo(wd1.w), xls) + dot(hi(wd1.w), xhs));
          p_t02 += vec4<f32>(dot(lo(wd2.x), xls) + dot(hi(wd2.x), xhs), dot(lo(wd2.y), xls) + dot(hi(wd2.y), xhs),
                                    dot(lo(wd2.z), xls) + dot(hi(wd2.z), xhs), dot(lo(wd2.w), xls) + dot(hi(wd2.w), xhs));
          p_t03 += vec4<f32>(dot(lo(wd3.x), xls) + dot(hi(wd3.x), xhs), dot(lo(wd3.y), xls) + dot(hi(wd3.y), xhs),
                                    dot(lo(wd3.z), xls) + dot(hi(wd3.z), xhs), dot(lo(wd3.w), xls) + dot(hi(wd3.w), xhs));
          p_t04 += vec4<f32>(dot(lo(wd4.x), xls) + dot(hi(wd4.x), xhs), dot(lo(wd4.y), xls) + dot(hi(wd4.y), xhs),
                                    dot(lo(wd4.z), xls) + dot(hi(wd4.z), xhs), dot(lo(wd4.w), xls) + dot(hi(wd4.w), xhs));
          p_t05 += vec4<f32>(dot(lo(wd5.x), xls) + dot(hi(wd5.x), xhs), dot(lo(wd5.y), xls) + dot(hi(wd5.y), xhs),
                                    dot(lo(wd5.z), xls) + dot(hi(wd5.z), xhs), dot(lo(wd5.w), xls) + dot(hi(wd5.w), xhs));
          p_t06 += vec4<f32>(dot(lo(wd6.x), xls) + dot(hi(wd6.x), xhs), dot(lo(wd6.y), xls) + dot(hi(wd6.y), xhs),
                                    dot(lo(wd6.z), xls) + dot(hi(wd6.z), xhs), dot(lo(wd6.w), xls) + dot(hi(wd6.w), xhs));
          p_t07 += vec4<f32>(dot(lo(wd7.x), xls) + dot(hi(wd7.x), xhs), dot(lo(wd7.y), xls) + dot(hi(wd7.y), xhs),
                                    dot(lo(wd7.z), xls) + dot(hi(wd7.z), xhs), dot(lo(wd7.w), xls) + dot(hi(wd7.w), xhs));
        }
      }
      {
        let wd0 = w4(r0, b * 4u + 1u);
        let wd1 = w4(r1, b * 4u + 1u);
        let wd2 = w4(r2, b * 4u + 1u);
        let wd3 = w4(r3, b * 4u + 1u);
        let wd4 = w4(r4, b * 4u + 1u);
        let wd5 = w4(r5, b * 4u + 1u);
        let wd6 = w4(r6, b * 4u + 1u);
        let wd7 = w4(r7, b * 4u + 1u);
        {
          let xl = xn[0u * K4 + b * 8u + 1u];
          let xh = xn[0u * K4 + b * 8u + 5u];
          xs_t0 += dot(xl + xh, ONE);
          let xls = xl * SC;
          let xhs = xh * SC;
          p_t00 += vec4<f32>(dot(lo(wd0.x), xls) + dot(hi(wd0.x), xhs), dot(lo(wd0.y), xls) + dot(hi(wd0.y), xhs),
                                    dot(lo(wd0.z), xls) + dot(hi(wd0.z), xhs), dot(lo(wd0.w), xls) + dot(hi(wd0.w), xhs));
          p_t01 += vec4<f32>(dot(lo(wd1.x), xls) + dot(hi(wd1.x), xhs), dot(lo(wd1.y), xls) + dot(hi(wd1.y), xhs),
                                    dot(lo(wd1.z), xls) + dot(hi(wd1.z), xhs), dot(lo(wd1.w), xls) + dot(hi(wd1.w), xhs));
          p_t02 += vec4<f32>(dot(lo(wd2.x), xls) + dot(hi(wd2.x), xhs), dot(lo(wd2.y), xls) + dot(hi(wd2.y), xhs),
                                    dot(lo(wd2.z), xls) + dot(hi(wd2.z), xhs), dot(lo(wd2.w), xls) + dot(hi(wd2.w), xhs));
          p_t03 += vec4<f32>(dot(lo(wd3.x), xls) + dot(hi(wd3.x), xhs), dot(lo(wd3.y), xls) + dot(hi(wd3.y), xhs),
                                    dot(lo(wd3.z), xls) + dot(hi(wd3.z), xhs), dot(lo(wd3.w), xls) + dot(hi(wd3.w), xhs));
          p_t04 += vec4<f32>(dot(lo(wd4.x), xls) + dot(hi(wd4.x), xhs), dot(lo(wd4.y), xls) + dot(hi(wd4.y), xhs),
                                    dot(lo(wd4.z), xls) + dot(hi(wd4.z), xhs), dot(lo(wd4.w), xls) + dot(hi(wd4.w), xhs));
          p_t05 += vec4<f32>(dot(lo(wd5.x), xls) + dot(hi(wd5.x), xhs), dot(lo(wd5.y), xls) + dot(hi(wd5.y), xhs),
                                    dot(lo(wd5.z), xls) + dot(hi(wd5.z), xhs), dot(lo(wd5.w), xls) + dot(hi(wd5.w), xhs));
          p_t06 += vec4<f32>(dot(lo(wd6.x), xls) + dot(hi(wd6.x), xhs), dot(lo(wd6.y), xls) + dot(hi(wd6.y), xhs),
                                    dot(lo(wd6.z), xls) + dot(hi(wd6.z), xhs), dot(lo(wd6.w), xls) + dot(hi(wd6.w), xhs));
          p_t07 += vec4<f32>(dot(lo(wd7.x), xls) + dot(hi(wd7.x), xhs), dot(lo(wd7.y), xls) + dot(hi(wd7.y), xhs),
                                    dot(lo(wd7.z), xls) + dot(hi(wd7.z), xhs), dot(lo(wd7.w), xls) + dot(hi(wd7.w), xhs));
        }
      }
      {
        let wd0 = w4(r0, b * 4u + 2u);
        let wd1 = w4(r1, b * 4u + 2u);
        let wd2 = w4(r2, b * 4u + 2u);
        let wd3 = w4(r3, b * 4u + 2u);
        let wd4 = w4(r4, b * 4u + 2u);
        let wd5 = w4(r5, b * 4u + 2u);
        let wd6 = w4(r6, b * 4u + 2u);
        let wd7 = w4(r7, b * 4u + 2u);
        {
          let xl = xn[0u * K4 + b * 8u + 2u];
          let xh = xn[0u * K4 + b * 8u + 6u];
          xs_t0 += dot(xl + xh, ONE);
          let xls = xl * SC;
          let xhs = xh * SC;
          p_t00 += vec4<f32>(dot(lo(wd0.x), xls) + dot(hi(wd0.x), xhs), dot(lo(wd0.y), xls) + dot(hi(wd0.y), xhs),
                                    dot(lo(wd0.z), xls) + dot(hi(wd0.z), xhs), dot(lo(wd0.w), xls) + dot(hi(wd0.w), xhs));
          p_t01 += vec4<f32>(dot(lo(wd1.x), xls) + dot(hi(wd1.x), xhs), dot(lo(wd1.y), xls) + dot(hi(wd1.y), xhs),
                                    dot(lo(wd1.z), xls) + dot(hi(wd1.z), xhs), dot(lo(wd1.w), xls) + dot(hi(wd1.w), xhs));
          p_t02 += vec4<f32>(dot(lo(wd2.x), xls) + dot(hi(wd2.x), xhs), dot(lo(wd2.y), xls) + dot(hi(wd2.y), xhs),
                                    dot(lo(wd2.z), xls) + dot(hi(wd2.z), xhs), dot(lo(wd2.w), xls) + dot(hi(wd2.w), xhs));
          p_t03 += vec4<f32>(dot(lo(wd3.x), xls) + dot(hi(wd3.x), xhs), dot(lo(wd3.y), xls) + dot(hi(wd3.y), xhs),
                                    dot(lo(wd3.z), xls) + dot(hi(wd3.z), xhs), dot(lo(wd3.w), xls) + dot(hi(wd3.w), xhs));
          p_t04 += vec4<f32>(dot(lo(wd4.x), xls) + dot(hi(wd4.x), xhs), dot(lo(wd4.y), xls) + dot(hi(wd4.y), xhs),
                                    dot(lo(wd4.z), xls) + dot(hi(wd4.z), xhs), dot(lo(wd4.w), xls) + dot(hi(wd4.w), xhs));
          p_t05 += vec4<f32>(dot(lo(wd5.x), xls) + dot(hi(wd5.x), xhs), dot(lo(wd5.y), xls) + dot(hi(wd5.y), xhs),
                                    dot(lo(wd5.z), xls) + dot(hi(wd5.z), xhs), dot(lo(wd5.w), xls) + dot(hi(wd5.w), xhs));
          p_t06 += vec4<f32>(dot(lo(wd6.x), xls) + dot(hi(wd6.x), xhs), dot(lo(wd6.y), xls) + dot(hi(wd6.y), xhs),
                                    dot(lo(wd6.z), xls) + dot(hi(wd6.z), xhs), dot(lo(wd6.w), xls) + dot(hi(wd6.w), xhs));
          p_t07 += vec4<f32>(dot(lo(wd7.x), xls) + dot(hi(wd7.x), xhs), dot(lo(wd7.y), xls) + dot(hi(wd7.y), xhs),
                                    dot(lo(wd7.z), xls) + dot(hi(wd7.z), xhs), dot(lo(wd7.w), xls) + dot(hi(wd7.w), xhs));
        }
      }
      {
        let wd0 = w4(r0, b * 4u + 3u);
        let wd1 = w4(r1, b * 4u + 3u);
        let wd2 = w4(r2, b * 4u + 3u);
        let wd3 = w4(r3, b * 4u + 3u);
        let wd4 = w4(r4, b * 4u + 3u);
        let wd5 = w4(r5, b * 4u + 3u);
        let wd6 = w4(r6, b * 4u + 3u);
        let wd7 = w4(r7, b * 4u + 3u);
        {
          let xl = xn[0u * K4 + b * 8u + 3u];
          let xh = xn[0u * K4 + b * 8u + 7u];
          xs_t0 += dot(xl + xh, ONE);
          let xls = xl * SC;
          let xhs = xh * SC;
          p_t00 += vec4<f32>(dot(lo(wd0.x), xls) + dot(hi(wd0.x), xhs), dot(lo(wd0.y), xls) + dot(hi(wd0.y), xhs),
                                    dot(lo(wd0.z), xls) + dot(hi(wd0.z), xhs), dot(lo(wd0.w), xls) + dot(hi(wd0.w), xhs));
          p_t01 += vec4<f32>(dot(lo(wd1.x), xls) + dot(hi(wd1.x), xhs), dot(lo(wd1.y), xls) + dot(hi(wd1.y), xhs),
                                    dot(lo(wd1.z), xls) + dot(hi(wd1.z), xhs), dot(lo(wd1.w), xls) + dot(hi(wd1.w), xhs));
          p_t02 += vec4<f32>(dot(lo(wd2.x), xls) + dot(hi(wd2.x), xhs), dot(lo(wd2.y), xls) + dot(hi(wd2.y), xhs),
                                    dot(lo(wd2.z), xls) + dot(hi(wd2.z), xhs), dot(lo(wd2.w), xls) + dot(hi(wd2.w), xhs));
          p_t03 += vec4<f32>(dot(lo(wd3.x), xls) + dot(hi(wd3.x), xhs), dot(lo(wd3.y), xls) + dot(hi(wd3.y), xhs),
                                    dot(lo(wd3.z), xls) + dot(hi(wd3.z), xhs), dot(lo(wd3.w), xls) + dot(hi(wd3.w), xhs));
          p_t04 += vec4<f32>(dot(lo(wd4.x), xls) + dot(hi(wd4.x), xhs), dot(lo(wd4.y), xls) + dot(hi(wd4.y), xhs),
                                    dot(lo(wd4.z), xls) + dot(hi(wd4.z), xhs), dot(lo(wd4.w), xls) + dot(hi(wd4.w), xhs));
          p_t05 += vec4<f32>(dot(lo(wd5.x), xls) + dot(hi(wd5.x), xhs), dot(lo(wd5.y), xls) + dot(hi(wd5.y), xhs),
                                    dot(lo(wd5.z), xls) + dot(hi(wd5.z), xhs), dot(lo(wd5.w), xls) + dot(hi(wd5.w), xhs));
          p_t06 += vec4<f32>(dot(lo(wd6.x), xls) + dot(hi(wd6.x), xhs), dot(lo(wd6.y), xls) + dot(hi(wd6.y), xhs),
                                    dot(lo(wd6.z), xls) + dot(hi(wd6.z), xhs), dot(lo(wd6.w), xls) + dot(hi(wd6.w), xhs));
          p_t07 += vec4<f32>(dot(lo(wd7.x), xls) + dot(hi(wd7.x), xhs), dot(lo(wd7.y), xls) + dot(hi(wd7.y), xhs),
                                    dot(lo(wd7.z), xls) + dot(hi(wd7.z), xhs), dot(lo(wd7.w), xls) + dot(hi(wd7.w), xhs));
        }
      }
      acc_t00 += d0 * p_t00 + m0 * xs_t0;
      acc_t01 += d1 * p_t01 + m1 * xs_t0;
      acc_t02 += d2 * p_t02 + m2 * xs_t0;
      acc_t03 += d3 * p_t03 + m3 * xs_t0;
      acc_t04 += d4 * p_t04 + m4 * xs_t0;
      acc_t05 += d5 * p_t05 + m5 * xs_t0;
      acc_t06 += d6 * p_t06 + m6 * xs_t0;
      acc_t07 += d7 * p_t07 + m7 * xs_t0;
    }
    if (0u < tn) {
      let st = stat[0];      if (r0 + 0u < N) {
        store(t0 + 0u, ROW0 + r0 + 0u, st.y * acc_t00.x, st.y * acc_t04.x);
      }
      if (r0 + 1u < N) {
        store(t0 + 0u, ROW0 + r0 + 1u, st.y * acc_t00.y, st.y * acc_t04.y);
      }
      if (r0 + 2u < N) {
        store(t0 + 0u, ROW0 + r0 + 2u, st.y * acc_t00.z, st.y * acc_t04.z);
      }
      if (r0 + 3u < N) {
        store(t0 + 0u, ROW0 + r0 + 3u, st.y * acc_t00.w, st.y * acc_t04.w);
      }
      if (r1 + 0u < N) {
        store(t0 + 0u, ROW0 + r1 + 0u, st.y * acc_t01.x, st.y * acc_t05.x);
      }
      if (r1 + 1u < N) {
        store(t0 + 0u, ROW0 + r1 + 1u, st.y * acc_t01.y, st.y * acc_t05.y);
      }
      if (r1 + 2u < N) {
        store(t0 + 0u, ROW0 + r1 + 2u, st.y * acc_t01.z, st.y * acc_t05.z);
      }
      if (r1 + 3u < N) {
        store(t0 + 0u, ROW0 + r1 + 3u, st.y * acc_t01.w, st.y * acc_t05.w);
      }
      if (r2 + 0u < N) {
        store(t0 + 0u, ROW0 + r2 + 0u, st.y * acc_t02.x, st.y * acc_t06.x);
      }
      if (r2 + 1u < N) {
        store(t0 + 0u, ROW0 + r2 + 1u, st.y * acc_t02.y, st.y * acc_t06.y);
      }
      if (r2 + 2u < N) {
        store(t0 + 0u, ROW0 + r2 + 2u, st.y * acc_t02.z, st.y * acc_t06.z);
      }
      if (r2 + 3u < N) {
        store(t0 + 0u, ROW0 + r2 + 3u, st.y * acc_t02.w, st.y * acc_t06.w);
      }
      if (r3 + 0u < N) {
        store(t0 + 0u, ROW0 + r3 + 0u, st.y * acc_t03.x, st.y * acc_t07.x);
      }
      if (r3 + 1u < N) {
        store(t0 + 0u, ROW0 + r3 + 1u, st.y * acc_t03.y, st.y * acc_t07.y);
      }
      if (r3 + 2u < N) {
        store(t0 + 0u, ROW0 + r3 + 2u, st.y * acc_t03.z, st.y * acc_t07.z);
      }
      if (r3 + 3u < N) {
        store(t0 + 0u, ROW0 + r3 + 3u, st.y * acc_t03.w, st.y * acc_t07.w);
      }
    }
  } else if (tn <= 2u) {
    var acc_t00 = vec4<f32>(0.0);
    var acc_t01 = vec4<f32>(0.0);
    var acc_t02 = vec4<f32>(0.0);
    var acc_t03 = vec4<f32>(0.0);
    var acc_t04 = vec4<f32>(0.0);
    var acc_t05 = vec4<f32>(0.0);
    var acc_t06 = vec4<f32>(0.0);
    var acc_t07 = vec4<f32>(0.0);
    var acc_t10 = vec4<f32>(0.0);
    var acc_t11 = vec4<f32>(0.0);
    var acc_t12 = vec4<f32>(0.0);
    var acc_t13 = vec4<f32>(0.0);
    var acc_t14 = vec4<f32>(0.0);
    var acc_t15 = vec4<f32>(0.0);
    var acc_t16 = vec4<f32>(0.0);
    var acc_t17 = vec4<f32>(0.0);
    for (var b = 0u; b < NB; b++) {
      let s0 = w4(r0, QW + b);
      let dm0x = unpack2x16float(s0.x); let dm0y = unpack2x16float(s0.y);
      let dm0z = unpack2x16float(s0.z); let dm0w = unpack2x16float(s0.w);
      let d0 = vec4<f32>(dm0x.x, dm0y.x, dm0z.x, dm0w.x);
      let m0 = vec4<f32>(dm0x.y, dm0y.y, dm0z.y, dm0w.y);
      let s1 = w4(r1, QW + b);
      let dm1x = unpack2x16float(s1.x); let dm1y = unpack2x16float(s1.y);
      let dm1z = unpack2x16float(s1.z); let dm1w = unpack2x16float(s1.w);
      let d1 = vec4<f32>(dm1x.x, dm1y.x, dm1z.x, dm1w.x);
      let m1 = vec4<f32>(dm1x.y, dm1y.y, dm1z.y, dm1w.y);
      let s2 = w4(r2, QW + b);
      let dm2x = unpack2x16float(s2.x); let dm2y = unpack2x16float(s2.y);
      let dm2z = unpack2x16float(s2.z); let dm2w = unpack2x16float(s2.w);
      let d2 = vec4<f32>(dm2x.x, dm2y.x, dm2z.x, dm2w.x);
      let m2 = vec4<f32>(dm2x.y, dm2y.y, dm2z.y, dm2w.y);
      let s3 = w4(r3, QW + b);
      let dm3x = unpack2x16float(s3.x); let dm3y = unpack2x16float(s3.y);
      let dm3z = unpack2x16float(s3.z); let dm3w = unpack2x16float(s3.w);
      let d3 = vec4<f32>(dm3x.x, dm3y.x, dm3z.x, dm3w.x);
      let m3 = vec4<f32>(dm3x.y, dm3y.y, dm3z.y, dm3w.y);
      let s4 = w4(r4, QW + b);
      let dm4x = unpack2x16float(s4.x); let dm4y = unpack2x16float(s4.y);
      let dm4z = unpack2x16float(s4.z); let dm4w = unpack2x16float(s4.w);
      let d4 = vec4<f32>(dm4x.x, dm4y.x, dm4z.x, dm4w.x);
      let m4 = vec4<f32>(dm4x.y, dm4y.y, dm4z.y, dm4w.y);
      let s5 = w4(r5, QW + b);
      let dm5x = unpack2x16float(s5.x); let dm5y = unpack2x16float(s5.y);
      let dm5z = unpack2x16float(s5.z); let dm5w = unpack2x16float(s5.w);
      let d5 = vec4<f32>(dm5x.x, dm5y.x, dm5z.x, dm5w.x);
      let m5 = vec4<f32>(dm5x.y, dm5y.y, dm5z.y, dm5w.y);
      let s6 = w4(r6, QW + b);
      let dm6x = unpack2x16float(s6.x); let dm6y = unpack2x16float(s6.y);
      let dm6z = unpack2x16float(s6.z); let dm6w = unpack2x16float(s6.w);
      let d6 = vec4<f32>(dm6x.x, dm6y.x, dm6z.x, dm6w.x);
      let m6 = vec4<f32>(dm6x.y, dm6y.y, dm6z.y, dm6w.y);
      let s7 = w4(r7, QW + b);
      let dm7x = unpack2x16float(s7.x); let dm7y = unpack2x16float(s7.y);
      let dm7z = unpack2x16float(s7.z); let dm7w = unpack2x16float(s7.w);
      let d7 = vec4<f32>(dm7x.x, dm7y.x, dm7z.x, dm7w.x);
      let m7 = vec4<f32>(dm7x.y, dm7y.y, dm7z.y, dm7w.y);
      var xs_t0 = 0.0;
      var p_t00 = vec4<f32>(0.0);
      var p_t01 = vec4<f32>(0.0);
      var p_t02 = vec4<f32>(0.0);
      var p_t03 = vec4<f32>(0.0);
      var p_t04 = vec4<f32>(0.0);
      var p_t05 = vec4<f32>(0.0);
      var p_t06 = vec4<f32>(0.0);
      var p_t07 = vec4<f32>(0.0);
      var xs_t1 = 0.0;
      var p_t10 = vec4<f32>(0.0);
      var p_t11 = vec4<f32>(0.0);
      var p_t12 = vec4<f32>(0.0);
      var p_t13 = vec4<f32>(0.0);
      var p_t14 = vec4<f32>(0.0);
      var p_t15 = vec4<f32>(0.0);
      var p_t16 = vec4<f32>(0.0);
      var p_t17 = vec4<f32>(0.0);
      {
        let wd0 = w4(r0, b * 4u + 0u);
        let wd1 = w4(r1, b * 4u + 0u);
        let wd2 = w4(r2, b * 4u + 0u);
        let wd3 = w4(r3, b * 4u + 0u);
        let wd4 = w4(r4, b * 4u + 0u);
        let wd5 = w4(r5, b * 4u + 0u);
        let wd6 = w4(r6, b * 4u + 0u);
        let wd7 = w4(r7, b * 4u + 0u);
        {
          let xl = xn[0u * K4 + b * 8u + 0u];
          let xh = xn[0u * K4 + b * 8u + 4u];
          xs_t0 += dot(xl + xh, ONE);
          let xls = xl * SC;
          let xhs = xh * SC;
          p_t00 += vec4<f32>(dot(lo(wd0.x), xls) + dot(hi(wd0.x), xhs), dot(lo(wd0.y), xls) + dot(hi(wd0.y), xhs),
                                    dot(lo(wd0.z), xls) + dot(hi(wd0.z), xhs), dot(lo(wd0.w), xls) + dot(hi(wd0.w), xhs));
          p_t01 += vec4<f32>(dot(lo(wd1.x), xls) + dot(hi(wd1.x), xhs), dot(lo(wd1.y), xls) + dot(hi(wd1.y), xhs),
                                    dot(lo(wd1.z), xls) + dot(hi(wd1.z), xhs), dot(lo(wd1.w), xls) + dot(hi(wd1.w), xhs));
          p_t02 += vec4<f32>(dot(lo(wd2.x), xls) + dot(hi(wd2.x), xhs), dot(lo(wd2.y), xls) + dot(hi(wd2.y), xhs),
                                    dot(lo(wd2.z), xls) + dot(hi(wd2.z), xhs), dot(lo(wd2.w), xls) + dot(hi(wd2.w), xhs));
          p_t03 += vec4<f32>(dot(lo(wd3.x), xls) + dot(hi(wd3.x), xhs), dot(lo(wd3.y), xls) + dot(hi(wd3.y), xhs),
                                    dot(lo(wd3.z), xls) + dot(hi(wd3.z), xhs), dot(lo(wd3.w), xls) + dot(hi(wd3.w), xhs));
          p_t04 += vec4<f32>(dot(lo(wd4.x), xls) + dot(hi(wd4.x), xhs), dot(lo(wd4.y), xls) + dot(hi(wd4.y), xhs),
                                    dot(lo(wd4.z), xls) + dot(hi(wd4.z), xhs), dot(lo(wd4.w), xls) + dot(hi(wd4.w), xhs));
          p_t05 += vec4<f32>(dot(lo(wd5.x), xls) + dot(hi(wd5.x), xhs), dot(lo(wd5.y), xls) + dot(hi(wd5.y), xhs),
                                    dot(lo(wd5.z), xls) + dot(hi(wd5.z), xhs), dot(lo(wd5.w), xls) + dot(hi(wd5.w), xhs));
          p_t06 += vec4<f32>(dot(lo(wd6.x), xls) + dot(hi(wd6.x), xhs), dot(lo(wd6.y), xls) + dot(hi(wd6.y), xhs),
                                    dot(lo(wd6.z), xls) + dot(hi(wd6.z), xhs), dot(lo(wd6.w), xls) + dot(hi(wd6.w), xhs));
          p_t07 += vec4<f32>(dot(lo(wd7.x), xls) + dot(hi(wd7.x), xhs), dot(lo(wd7.y), xls) + dot(hi(wd7.y), xhs),
                                    dot(lo(wd7.z), xls) + dot(hi(wd7.z), xhs), dot(lo(wd7.w), xls) + dot(hi(wd7.w), xhs));
        }
        {
          let xl = xn[1u * K4 + b * 8u + 0u];
          let xh = xn[1u * K4 + b * 8u + 4u];
          xs_t1 += dot(xl + xh, ONE);
          let xls = xl * SC;
          let xhs = xh * SC;
          p_t10 += vec4<f32>(dot(lo(wd0.x), xls) + dot(hi(wd0.x), xhs), dot(lo(wd0.y), xls) + dot(hi(wd0.y), xhs),
                                    dot(lo(wd0.z), xls) + dot(hi(wd0.z), xhs), dot(lo(wd0.w), xls) + dot(hi(wd0.w), xhs));
          p_t11 += vec4<f32>(dot(lo(wd1.x), xls) + dot(hi(wd1.x), xhs), dot(lo(wd1.y), xls) + dot(hi(wd1.y), xhs),
                                    dot(lo(wd1.z), xls) + dot(hi(wd1.z), xhs), dot(lo(wd1.w), xls) + dot(hi(wd1.w), xhs));
          p_t12 += vec4<f32>(dot(lo(wd2.x), xls) + dot(hi(wd2.x), xhs), dot(lo(wd2.y), xls) + dot(hi(wd2.y), xhs),
                                    dot(lo(wd2.z), xls) + dot(hi(wd2.z), xhs), dot(lo(wd2.w), xls) + dot(hi(wd2.w), xhs));
          p_t13 += vec4<f32>(dot(lo(wd3.x), xls) + dot(hi(wd3.x), xhs), dot(lo(wd3.y), xls) + dot(hi(wd3.y), xhs),
                                    dot(lo(wd3.z), xls) + dot(hi(wd3.z), xhs), dot(lo(wd3.w), xls) + dot(hi(wd3.w), xhs));
          p_t14 += vec4<f32>(dot(lo(wd4.x), xls) + dot(hi(wd4.x), xhs), dot(lo(wd4.y), xls) + dot(hi(wd4.y), xhs),
                                    dot(lo(wd4.z), xls) + dot(hi(wd4.z), xhs), dot(lo(wd4.w), xls) + dot(hi(wd4.w), xhs));
          p_t15 += vec4<f32>(dot(lo(wd5.x), xls) + dot(hi(wd5.x), xhs), dot(lo(wd5.y), xls) + dot(hi(wd5.y), xhs),
                                    dot(lo(wd5.z), xls) + dot(hi(wd5.z), xhs), dot(lo(wd5.w), xls) + dot(hi(wd5.w), xhs));
          p_t16 += vec4<f32>(dot(lo(wd6.x), xls) + dot(hi(wd6.x), xhs), dot(lo(wd6.y), xls) + dot(hi(wd6.y), xhs),
                                    dot(lo(wd6.z), xls) + dot(hi(wd6.z), xhs), dot(lo(wd6.w), xls) + dot(hi(wd6.w), xhs));
          p_t17 += vec4<f32>(dot(lo(wd7.x), xls) + dot(hi(wd7.x), xhs), dot(lo(wd7.y), xls) + dot(hi(wd7.y), xhs),
                                    dot(lo(wd7.z), xls) + dot(hi(wd7.z), xhs), dot(lo(wd7.w), xls) + dot(hi(wd7.w), xhs));
        }
      }
      {
        let wd0 = w4(r0, b * 4u + 1u);
        let wd1 = w4(r1, b * 4u + 1u);
        let wd2 = w4(r2, b * 4u + 1u);
        let wd3 = w4(r3, b * 4u + 1u);
        let wd4 = w4(r4, b * 4u + 1u);
        let wd5 = w4(r5, b * 4u + 1u);
        let wd6 = w4(r6, b * 4u + 1u);
        let wd7 = w4(r7, b * 4u + 1u);
        {
          let xl = xn[0u * K4 + b * 8u + 1u];
          let xh = xn[0u * K4 + b * 8u + 5u];
          xs_t0 += dot(xl + xh, ONE);
          let xls = xl * SC;
          let xhs = xh * SC;
          p_t00 += vec4<f32>(dot(lo(wd0.x), xls) + dot(hi(wd0.x), xhs), dot(lo(wd0.y), xls) + dot(hi(wd0.y), xhs),
                                    dot(lo(wd0.z), xls) + dot(hi(wd0.z), xhs), dot(lo(wd0.w), xls) + dot(hi(wd0.w), xhs));
          p_t01 += vec4<f32>(dot(lo(wd1.x), xls) + dot(hi(wd1.x), xhs), dot(lo(wd1.y), xls) + dot(hi(wd1.y), xhs),
                                    dot(lo(wd1.z), xls) + dot(hi(wd1.z), xhs), dot(lo(wd1.w), xls) + dot(hi(wd1.w), xhs));
          p_t02 += vec4<f32>(dot(lo(wd2.x), xls) + dot(hi(wd2.x), xhs), dot(lo(wd2.y), xls) + dot(hi(wd2.y), xhs),
                                    dot(lo(wd2.z), xls) + dot(hi(wd2.z), xhs), dot(lo(wd2.w), xls) + dot(hi(wd2.w), xhs));
          p_t03 += vec4<f32>(dot(lo(wd3.x), xls) + dot(hi(wd3.x), xhs), dot(lo(wd3.y), xls) + dot(hi(wd3.y), xhs),
                                    dot(lo(wd3.z), xls) + dot(hi(wd3.z), xhs), dot(lo(wd3.w), xls) + dot(hi(wd3.w), xhs));
          p_t04 += vec4<f32>(dot(lo(wd4.x), xls) + dot(hi(wd4.x), xhs), dot(lo(wd4.y), xls) + dot(hi(wd4.y), xhs),
                                    dot(lo(wd4.z), xls) + dot(hi(wd4.z), xhs), dot(lo(wd4.w), xls) + dot(hi(wd4.w), xhs));
          p_t05 += vec4<f32>(dot(lo(wd5.x), xls) + dot(hi(wd5.x), xhs), dot(lo(wd5.y), xls) + dot(hi(wd5.y), xhs),
                                    dot(lo(wd5.z), xls) + dot(hi(wd5.z), xhs), dot(lo(wd5.w), xls) + dot(hi(wd5.w), xhs));
          p_t06 += vec4<f32>(dot(lo(wd6.x), xls) + dot(hi(wd6.x), xhs), dot(lo(wd6.y), xls) + dot(hi(wd6.y), xhs),
                                    dot(lo(wd6.z), xls) + dot(hi(wd6.z), xhs), dot(lo(wd6.w), xls) + dot(hi(wd6.w), xhs));
          p_t07 += vec4<f32>(dot(lo(wd7.x), xls) + dot(hi(wd7.x), xhs), dot(lo(wd7.y), xls) + dot(hi(wd7.y), xhs),
                                    dot(lo(wd7.z), xls) + dot(hi(wd7.z), xhs), dot(lo(wd7.w), xls) + dot(hi(wd7.w), xhs));
        }
        {
          let xl = xn[1u * K4 + b * 8u + 1u];
          let xh = xn[1u * K4 + b * 8u + 5u];
          xs_t1 += dot(xl + xh, ONE);
          let xls = xl * SC;
          let xhs = xh * SC;
          p_t10 += vec4<f32>(dot(lo(wd0.x), xls) + dot(hi(wd0.x), xhs), dot(lo(wd0.y), xls) + dot(hi(wd0.y), xhs),
                                    dot(lo(wd0.z), xls) + dot(hi(wd0.z), xhs), dot(lo(wd0.w), xls) + dot(hi(wd0.w), xhs));
          p_t11 += vec4<f32>(dot(lo(wd1.x), xls) + dot(hi(wd1.x), xhs), dot(lo(wd1.y), xls) + dot(hi(wd1.y), xhs),
                                    dot(lo(wd1.z), xls) + dot(hi(wd1.z), xhs), dot(lo(wd1.w), xls) + dot(hi(wd1.w), xhs));
          p_t12 += vec4<f32>(dot(lo(wd2.x), xls) + dot(hi(wd2.x), xhs), dot(lo(wd2.y), xls) + dot(hi(wd2.y), xhs),
                                    dot(lo(wd2.z), xls) + dot(hi(wd2.z), xhs), dot(lo(wd2.w), xls) + dot(hi(wd2.w), xhs));
          p_t13 += vec4<f32>(dot(lo(wd3.x), xls) + dot(hi(wd3.x), xhs), dot(lo(wd3.y), xls) + dot(hi(wd3.y), xhs),
                                    dot(lo(wd3.z), xls) + dot(hi(wd3.z), xhs), dot(lo(wd3.w), xls) + dot(hi(wd3.w), xhs));
          p_t14 += vec4<f32>(dot(lo(wd4.x), xls) + dot(hi(wd4.x), xhs), dot(lo(wd4.y), xls) + dot(hi(wd4.y), xhs),
                                    dot(lo(wd4.z), xls) + dot(hi(wd4.z), xhs), dot(lo(wd4.w), xls) + dot(hi(wd4.w), xhs));
          p_t15 += vec4<f32>(dot(lo(wd5.x), xls) + dot(hi(wd5.x), xhs), dot(lo(wd5.y), xls) + dot(hi(wd5.y), xhs),
                                    dot(lo(wd5.z), xls) + dot(hi(wd5.z), xhs), dot(lo(wd5.w), xls) + dot(hi(wd5.w), xhs));
          p_t16 += vec4<f32>(dot(lo(wd6.x), xls) + dot(hi(wd6.x), xhs), dot(lo(wd6.y), xls) + dot(hi(wd6.y), xhs),
                                    dot(lo(wd6.z), xls) + dot(hi(wd6.z), xhs), dot(lo(wd6.w), xls) + dot(hi(wd6.w), xhs));
          p_t17 += vec4<f32>(dot(lo(wd7.x), xls) + dot(hi(wd7.x), xhs), dot(lo(wd7.y), xls) + dot(hi(wd7.y), xhs),
                                    dot(lo(wd7.z), xls) + dot(hi(wd7.z), xhs), dot(lo(wd7.w), xls) + dot(hi(wd7.w), xhs));
        }
      }
      {
        let wd0 = w4(r0, b * 4u + 2u);
        let wd1 = w4(r1, b * 4u + 2u);
        let wd2 = w4(r2, b * 4u + 2u);
        let wd3 = w4(r3, b * 4u + 2u);
        let wd4 = w4(r4, b * 4u + 2u);
        let wd5 = w4(r5, b * 4u + 2u);
        let wd6 = w4(r6, b * 4u + 2u);
        let wd7 = w4(r7, b * 4u + 2u);
        {
          let xl = xn[0u * K4 + b * 8u + 2u];
          let xh = xn[0u * K4 + b * 8u + 6u];
          xs_t0 += dot(xl + xh, ONE);
          let xls = xl * SC;
          let xhs = xh * SC;
          p_t00 += vec4<f32>(dot(lo(wd0.x), xls) + dot(hi(wd0.x), xhs), dot(lo(wd0.y), xls) + dot(hi(wd0.y), xhs),
                                    dot(lo(wd0.z), xls) + dot(hi(wd0.z), xhs), dot(lo(wd0.w), xls) + dot(hi(wd0.w), xhs));
          p_t01 += vec4<f32>(dot(lo(wd1.x), xls) + dot(hi(wd1.x), xhs), dot(lo(wd1.y), xls) + dot(hi(wd1.y), xhs),
                                    dot(lo(wd1.z), xls) + dot(hi(wd1.z), xhs), dot(lo(wd1.w), xls) + dot(hi(wd1.w), xhs));
          p_t02 += vec4<f32>(dot(lo(wd2.x), xls) + dot(hi(wd2.x), xhs), dot(lo(wd2.y), xls) + dot(hi(wd2.y), xhs),
                                    dot(lo(wd2.z), xls) + dot(hi(wd2.z), xhs), dot(lo(wd2.w), xls) + dot(hi(wd2.w), xhs));
          p_t03 += vec4<f32>(dot(lo(wd3.x), xls) + dot(hi(wd3.x), xhs), dot(lo(wd3.y), xls) + dot(hi(wd3.y), xhs),
                                    dot(lo(wd3.z), xls) + dot(hi(wd3.z), xhs), dot(lo(wd3.w), xls) + dot(hi(wd3.w), xhs));
          p_t04 += vec4<f32>(dot(lo(wd4.x), xls) + dot(hi(wd4.x), xhs), dot(lo(wd4.y), xls) + dot(hi(wd4.y), xhs),
                                    dot(lo(wd4.z), xls) + dot(hi(wd4.z), xhs), dot(lo(wd4.w), xls) + dot(hi(wd4.w), xhs));
          p_t05 += vec4<f32>(dot(lo(wd5.x), xls) + dot(hi(wd5.x), xhs), dot(lo(wd5.y), xls) + dot(hi(wd5.y), xhs),
                                    dot(lo(wd5.z), xls) + dot(hi(wd5.z), xhs), dot(lo(wd5.w), xls) + dot(hi(wd5.w), xhs));
          p_t06 += vec4<f32>(dot(lo(wd6.x), xls) + dot(hi(wd6.x), xhs), dot(lo(wd6.y), xls) + dot(hi(wd6.y), xhs),
                                    dot(lo(wd6.z), xls) + dot(hi(wd6.z), xhs), dot(lo(wd6.w), xls) + dot(hi(wd6.w), xhs));
          p_t07 += vec4<f32>(dot(lo(wd7.x), xls) + dot(hi(wd7.x), xhs), dot(lo(wd7.y), xls) + dot(hi(wd7.y), xhs),
                                    dot(lo(wd7.z), xls) + dot(hi(wd7.z), xhs), dot(lo(wd7.w), xls) + dot(hi(wd7.w), xhs));
        }
        {
          let xl = xn[1u * K4 + b * 8u + 2u];
          let xh = xn[1u * K4 + b * 8u + 6u];
          xs_t1 += dot(xl + xh, ONE);
          let xls = xl * SC;
          let xhs = xh * SC;
          p_t10 += vec4<f32>(dot(lo(wd0.x), xls) + dot(hi(wd0.x), xhs), dot(lo(wd0.y), xls) + dot(hi(wd0.y), xhs),
                                    dot(lo(wd0.z), xls) + dot(hi(wd0.z), xhs), dot(lo(wd0.w), xls) + dot(hi(wd0.w), xhs));
          p_t11 += vec4<f32>(dot(lo(wd1.x), xls) + dot(hi(wd1.x), xhs), dot(lo(wd1.y), xls) + dot(hi(wd1.y), xhs),
                                    dot(lo(wd1.z), xls) + dot(hi(wd1.z), xhs), dot(lo(wd1.w), xls) + dot(hi(wd1.w), xhs));
          p_t12 += vec4<f32>(dot(lo(wd2.x), xls) + dot(hi(wd2.x), xhs), dot(lo(wd2.y), xls) + dot(hi(wd2.y), xhs),
                                    dot(lo(wd2.z), xls) + dot(hi(wd2.z), xhs), dot(lo(wd2.w), xls) + dot(hi(wd2.w), xhs));
          p_t13 += vec4<f32>(dot(lo(wd3.x), xls) + dot(hi(wd3.x), xhs), dot(lo(wd3.y), xls) + dot(hi(wd3.y), xhs),
                                    dot(lo(wd3.z), xls) + dot(hi(wd3.z), xhs), dot(lo(wd3.w), xls) + dot(hi(wd3.w), xhs));
          p_t14 += vec4<f32>(dot(lo(wd4.x), xls) + dot(hi(wd4.x), xhs), dot(lo(wd4.y), xls) + dot(hi(wd4.y), xhs),
                                    dot(lo(wd4.z), xls) + dot(hi(wd4.z), xhs), dot(lo(wd4.w), xls) + dot(hi(wd4.w), xhs));
          p_t15 += vec4<f32>(dot(lo(wd5.x), xls) + dot(hi(wd5.x), xhs), dot(lo(wd5.y), xls) + dot(hi(wd5.y), xhs),
                                    dot(lo(wd5.z), xls) + dot(hi(wd5.z), xhs), dot(lo(wd5.w), xls) + dot(hi(wd5.w), xhs));
          p_t16 += vec4<f32>(dot(lo(wd6.x), xls) + dot(hi(wd6.x), xhs), dot(lo(wd6.y), xls) + dot(hi(wd6.y), xhs),
                                    dot(lo(wd6.z), xls) + dot(hi(wd6.z), xhs), dot(lo(wd6.w), xls) + dot(hi(wd6.w), xhs));
          p_t17 += vec4<f32>(dot(lo(wd7.x), xls) + dot(hi(wd7.x), xhs), dot(lo(wd7.y), xls) + dot(hi(wd7.y), xhs),
                                    dot(lo(wd7.z), xls) + dot(hi(wd7.z), xhs), dot(lo(wd7.w), xls) + dot(hi(wd7.w), xhs));
        }
      }
      {
        let wd0 = w4(r0, b * 4u + 3u);
        let wd1 = w4(r1, b * 4u + 3u);
        let wd2 = w4(r2, b * 4u + 3u);
        let wd3 = w4(r3, b * 4u + 3u);
        let wd4 = w4(r4, b * 4u + 3u);
        let wd5 = w4(r5, b * 4u + 3u);
        let wd6 = w4(r6, b * 4u + 3u);
        let wd7 = w4(r7, b * 4u + 3u);
        {
          let xl = xn[0u * K4 + b * 8u + 3u];
          let xh = xn[0u * K4 + b * 8u + 7u];
          xs_t0 += dot(xl + xh, ONE);
          let xls = xl * SC;
          let xhs = xh * SC;
          p_t00 += vec4<f32>(dot(lo(wd0.x), xls) + dot(hi(wd0.x), xhs), dot(lo(wd0.y), xls) + dot(hi(wd0.y), xhs),
                                    dot(lo(wd0.z), xls) + dot(hi(wd0.z), xhs), dot(lo(wd0.w), xls) + dot(hi(wd0.w), xhs));
          p_t01 += vec4<f32>(dot(lo(wd1.x), xls) + dot(hi(wd1.x), xhs), dot(lo(wd1.y), xls) + dot(hi(wd1.y), xhs),
                                    dot(lo(wd1.z), xls) + dot(hi(wd1.z), xhs), dot(lo(wd1.w), xls) + dot(hi(wd1.w), xhs));
          p_t02 += vec4<f32>(dot(lo(wd2.x), xls) + dot(hi(wd2.x), xhs), dot(lo(wd2.y), xls) + dot(hi(wd2.y), xhs),
                                    dot(lo(wd2.z), xls) + dot(hi(wd2.z), xhs), dot(lo(wd2.w), xls) + dot(hi(wd2.w), xhs));
          p_t03 += vec4<f32>(dot(lo(wd3.x), xls) + dot(hi(wd3.x), xhs), dot(lo(wd3.y), xls) + dot(hi(wd3.y), xhs),
                                    dot(lo(wd3.z), xls) + dot(hi(wd3.z), xhs), dot(lo(wd3.w), xls) + dot(hi(wd3.w), xhs));
          p_t04 += vec4<f32>(dot(lo(wd4.x), xls) + dot(hi(wd4.x), xhs), dot(lo(wd4.y), xls) + dot(hi(wd4.y), xhs),
                                    dot(lo(wd4.z), xls) + dot(hi(wd4.z), xhs), dot(lo(wd4.w), xls) + dot(hi(wd4.w), xhs));
          p_t05 += vec4<f32>(dot(lo(wd5.x), xls) + dot(hi(wd5.x), xhs), dot(lo(wd5.y), xls) + dot(hi(wd5.y), xhs),
                                    dot(lo(wd5.z), xls) + dot(hi(wd5.z), xhs), dot(lo(wd5.w), xls) + dot(hi(wd5.w), xhs));
          p_t06 += vec4<f32>(dot(lo(wd6.x), xls) + dot(hi(wd6.x), xhs), dot(lo(wd6.y), xls) + dot(hi(wd6.y), xhs),
                                    dot(lo(wd6.z), xls) + dot(hi(wd6.z), xhs), dot(lo(wd6.w), xls) + dot(hi(wd6.w), xhs));
          p_t07 += vec4<f32>(dot(lo(wd7.x), xls) + dot(hi(wd7.x), xhs), dot(lo(wd7.y), xls) + dot(hi(wd7.y), xhs),
                                    dot(lo(wd7.z), xls) + dot(hi(wd7.z), xhs), dot(lo(wd7.w), xls) + dot(hi(wd7.w), xhs));
        }
        {
          let xl = xn[1u * K4 + b * 8u + 3u];
          let xh = xn[1u * K4 + b * 8u + 7u];
          xs_t1 += dot(xl + xh, ONE);
          let xls = xl * SC;
          let xhs = xh * SC;
          p_t10 += vec4<f32>(dot(lo(wd0.x), xls) + dot(hi(wd0.x), xhs), dot(lo(wd0.y), xls) + dot(hi(wd0.y), xhs),
                                    dot(lo(wd0.z), xls) + dot(hi(wd0.z), xhs), dot(lo(wd0.w), xls) + dot(hi(wd0.w), xhs));
          p_t11 += vec4<f32>(dot(lo(wd1.x), xls) + dot(hi(wd1.x), xhs), dot(lo(wd1.y), xls) + dot(hi(wd1.y), xhs),
                                    dot(lo(wd1.z), xls) + dot(hi(wd1.z), xhs), dot(lo(wd1.w), xls) + dot(hi(wd1.w), xhs));
          p_t12 += vec4<f32>(dot(lo(wd2.x), xls) + dot(hi(wd2.x), xhs), dot(lo(wd2.y), xls) + dot(hi(wd2.y), xhs),
                                    dot(lo(wd2.z), xls) + dot(hi(wd2.z), xhs), dot(lo(wd2.w), xls) + dot(hi(wd2.w), xhs));
          p_t13 += vec4<f32>(dot(lo(wd3.x), xls) + dot(hi(wd3.x), xhs), dot(lo(wd3.y), xls) + dot(hi(wd3.y), xhs),
                                    dot(lo(wd3.z), xls) + dot(hi(wd3.z), xhs), dot(lo(wd3.w), xls) + dot(hi(wd3.w), xhs));
          p_t14 += vec4<f32>(dot(lo(wd4.x), xls) + dot(hi(wd4.x), xhs), dot(lo(wd4.y), xls) + dot(hi(wd4.y), xhs),
                                    dot(lo(wd4.z), xls) + dot(hi(wd4.z), xhs), dot(lo(wd4.w), xls) + dot(hi(wd4.w), xhs));
          p_t15 += vec4<f32>(dot(lo(wd5.x), xls) + dot(hi(wd5.x), xhs), dot(lo(wd5.y), xls) + dot(hi(wd5.y), xhs),
                                    dot(lo(wd5.z), xls) + dot(hi(wd5.z), xhs), dot(lo(wd5.w), xls) + dot(hi(wd5.w), xhs));
          p_t16 += vec4<f32>(dot(lo(wd6.x), xls) + dot(hi(wd6.x), xhs), dot(lo(wd6.y), xls) + dot(hi(wd6.y), xhs),
                                    dot(lo(wd6.z), xls) + dot(hi(wd6.z), xhs), dot(lo(wd6.w), xls) + dot(hi(wd6.w), xhs));
          p_t17 += vec4<f32>(dot(lo(wd7.x), xls) + dot(hi(wd7.x), xhs), dot(lo(wd7.y), xls) + dot(hi(wd7.y), xhs),
                                    dot(lo(wd7.z), xls) + dot(hi(wd7.z), xhs), dot(lo(wd7.w), xls) + dot(hi(wd7.w), xhs));
        }
      }
      acc_t00 += d0 * p_t00 + m0 * xs_t0;
      acc_t01 += d1 * p_t01 + m1 * xs_t0;
      acc_t02 += d2 * p_t02 + m2 * xs_t0;
      acc_t03 += d3 * p_t03 + m3 * xs_t0;
      acc_t04 += d4 * p_t04 + m4 * xs_t0;
      acc_t05 += d5 * p_t05 + m5 * xs_t0;
      acc_t06 += d6 * p_t06 + m6 * xs_t0;
      acc_t07 += d7 * p_t07 + m7 * xs_t0;
      acc_t10 += d0 * p_t10 + m0 * xs_t1;
      acc_t11 += d1 * p_t11 + m1 * xs_t1;
      acc_t12 += d2 * p_t12 + m2 * xs_t1;
      acc_t13 += d3 * p_t13 + m3 * xs_t1;
      acc_t14 += d4 * p_t14 + m4 * xs_t1;
      acc_t15 += d5 * p_t15 + m5 * xs_t1;
      acc_t16 += d6 * p_t16 + m6 * xs_t1;
      acc_t17 += d7 * p_t17 + m7 * xs_t1;
    }
    if (0u < tn) {
      let st = stat[0];      if (r0 + 0u < N) {
        store(t0 + 0u, ROW0 + r0 + 0u, st.y * acc_t00.x, st.y * acc_t04.x);
      }
      if (r0 + 1u < N) {
        store(t0 + 0u, ROW0 + r0 + 1u, st.y * acc_t00.y, st.y * acc_t04.y);
      }
      if (r0 + 2u < N) {
        store(t0 + 0u, ROW0 + r0 + 2u, st.y * acc_t00.z, st.y * acc_t04.z);
      }
      if (r0 + 3u < N) {
        store(t0 + 0u, ROW0 + r0 + 3u, st.y * acc_t00.w, st.y * acc_t04.w);
      }
      if (r1 + 0u < N) {
        store(t0 + 0u, ROW0 + r1 + 0u, st.y * acc_t01.x, st.y * acc_t05.x);
      }
      if (r1 + 1u < N) {
        store(t0 + 0u, ROW0 + r1 + 1u, st.y * acc_t01.y, st.y * acc_t05.y);
      }
      if (r1 + 2u < N) {
        store(t0 + 0u, ROW0 + r1 + 2u, st.y * acc_t01.z, st.y * acc_t05.z);
      }
      if (r1 + 3u < N) {
        store(t0 + 0u, ROW0 + r1 + 3u, st.y * acc_t01.w, st.y * acc_t05.w);
      }
      if (r2 + 0u < N) {
        store(t0 + 0u, ROW0 + r2 + 0u, st.y * acc_t02.x, st.y * acc_t06.x);
      }
      if (r2 + 1u < N) {
        store(t0 + 0u, ROW0 + r2 + 1u, st.y * acc_t02.y, st.y * acc_t06.y);
      }
      if (r2 + 2u < N) {
        store(t0 + 0u, ROW0 + r2 + 2u, st.y * acc_t02.z, st.y * acc_t06.z);
      }
      if (r2 + 3u < N) {
        store(t0 + 0u, ROW0 + r2 + 3u, st.y * acc_t02.w, st.y * acc_t06.w);
      }
      if (r3 + 0u < N) {
        store(t0 + 0u, ROW0 + r3 + 0u, st.y * acc_t03.x, st.y * acc_t07.x);
      }
      if (r3 + 1u < N) {
        store(t0 + 0u, ROW0 + r3 + 1u, st.y * acc_t03.y, st.y * acc_t07.y);
      }
      if (r3 + 2u < N) {
        store(t0 + 0u, ROW0 + r3 + 2u, st.y * acc_t03.z, st.y * acc_t07.z);
      }
      if (r3 + 3u < N) {
        store(t0 + 0u, ROW0 + r3 + 3u, st.y * acc_t03.w, st.y * acc_t07.w);
      }
    }
    if (1u < tn) {
      let st = stat[1];      if (r0 + 0u < N) {
        store(t0 + 1u, ROW0 + r0 + 0u, st.y * acc_t10.x, st.y * acc_t14.x);
      }
      if (r0 + 1u < N) {
        store(t0 + 1u, ROW0 + r0 + 1u, st.y * acc_t10.y, st.y * acc_t14.y);
      }
      if (r0 + 2u < N) {
        store(t0 + 1u, ROW0 + r0 + 2u, st.y * acc_t10.z, st.y * acc_t14.z);
      }
      if (r0 + 3u < N) {
        store(t0 + 1u, ROW0 + r0 + 3u, st.y * acc_t10.w, st.y * acc_t14.w);
      }
      if (r1 + 0u < N) {
        store(t0 + 1u, ROW0 + r1 + 0u, st.y * acc_t11.x, st.y * acc_t15.x);
      }
      if (r1 + 1u < N) {
        store(t0 + 1u, ROW0 + r1 + 1u, st.y * acc_t11.y, st.y * acc_t15.y);
      }
      if (r1 + 2u < N) {
        store(t0 + 1u, ROW0 + r1 + 2u, st.y * acc_t11.z, st.y * acc_t15.z);
      }
      if (r1 + 3u < N) {
        store(t0 + 1u, ROW0 + r1 + 3u, st.y * acc_t11.w, st.y * acc_t15.w);
      }
      if (r2 + 0u < N) {
        store(t0 + 1u, ROW0 + r2 + 0u, st.y * acc_t12.x, st.y * acc_t16.x);
      }
      if (r2 + 1u < N) {
        store(t0 + 1u, ROW0 + r2 + 1u, st.y * acc_t12.y, st.y * acc_t16.y);
      }
      if (r2 + 2u < N) {
        store(t0 + 1u, ROW0 + r2 + 2u, st.y * acc_t12.z, st.y * acc_t16.z);
      }
      if (r2 + 3u < N) {
        store(t0 + 1u, ROW0 + r2 + 3u, st.y * acc_t12.w, st.y * acc_t16.w);
      }
      if (r3 + 0u < N) {
        store(t0 + 1u, ROW0 + r3 + 0u, st.y * acc_t13.x, st.y * acc_t17.x);
      }
      if (r3 + 1u < N) {
        store(t0 + 1u, ROW0 + r3 + 1u, st.y * acc_t13.y, st.y * acc_t17.y);
      }
      if (r3 + 2u < N) {
        store(t0 + 1u, ROW0 + r3 + 2u, st.y * acc_t13.z, st.y * acc_t17.z);
      }
      if (r3 + 3u < N) {
        store(t0 + 1u, ROW0 + r3 + 3u, st.y * acc_t13.w, st.y * acc_t17.w);
      }
    }
  } else if (tn <= 4u) {
    var acc_t00 = vec4<f32>(0.0);
    var acc_t01 = vec4<f32>(0.0);
    var acc_t02 = vec4<f32>(0.0);
    var acc_t03 = vec4<f32>(0.0);
    var acc_t04 = vec4<f32>(0.0);
    var acc_t05 = vec4<f32>(0.0);
    var acc_t06 = vec4<f32>(0.0);
    var acc_t07 = vec4<f32>(0.0);
    var acc_t10 = vec4<f32>(0.0);
    var acc_t11 = vec4<f32>(0.0);
    var acc_t12 = vec4<f32>(0.0);
    var acc_t13 = vec4<f32>(0.0);
    var acc_t14 = vec4<f32>(0.0);
    var acc_t15 = vec4<f32>(0.0);
    var acc_t16 = vec4<f32>(0.0);
    var acc_t17 = vec4<f32>(0.0);
    var acc_t20 = vec4<f32>(0.0);
    var acc_t21 = vec4<f32>(0.0);
    var acc_t22 = vec4<f32>(0.0);
    var acc_t23 = vec4<f32>(0.0);
    var acc_t24 = vec4<f32>(0.0);
    var acc_t25 = vec4<f32>(0.0);
    var acc_t26 = vec4<f32>(0.0);
    var acc_t27 = vec4<f32>(0.0);
    var acc_t30 = vec4<f32>(0.0);
    var acc_t31 = vec4<f32>(0.0);
    var acc_t32 = vec4<f32>(0.0);
    var acc_t33 = vec4<f32>(0.0);
    var acc_t34 = vec4<f32>(0.0);
    var acc_t35 = vec4<f32>(0.0);
    var acc_t36 = vec4<f32>(0.0);
    var acc_t37 = vec4<f32>(0.0);
    for (var b = 0u; b < NB; b++) {
      let s0 = w4(r0, QW + b);
      let dm0x = unpack2x16float(s0.x); let dm0y = unpack2x16float(s0.y);
      let dm0z = unpack2x16float(s0.z); let dm0w = unpack2x16float(s0.w);
      let d0 = vec4<f32>(dm0x.x, dm0y.x, dm0z.x, dm0w.x);
      let m0 = vec4<f32>(dm0x.y, dm0y.y, dm0z.y, dm0w.y);
      let s1 = w4(r1, QW + b);
      let dm1x = unpack2x16float(s1.x); let dm1y = unpack2x16float(s1.y);
      let dm1z = unpack2x16float(s1.z); let dm1w = unpack2x16float(s1.w);
      let d1 = vec4<f32>(dm1x.x, dm1y.x, dm1z.x, dm1w.x);
      let m1 = vec4<f32>(dm1x.y, dm1y.y, dm1z.y, dm1w.y);
      let s2 = w4(r2, QW + b);
      let dm2x = unpack2x16float(s2.x); let dm2y = unpack2x16float(s2.y);
      let dm2z = unpack2x16float(s2.z); let dm2w = unpack2x16float(s2.w);
      let d2 = vec4<f32>(dm2x.x, dm2y.x, dm2z.x, dm2w.x);
      let m2 = vec4<f32>(dm2x.y, dm2y.y, dm2z.y, dm2w.y);
      let s3 = w4(r3, QW + b);
      let dm3x = unpack2x16float(s3.x); let dm3y = unpack2x16float(s3.y);
      let dm3z = unpack2x16float(s3.z); let dm3w = unpack2x16float(s3.w);
      let d3 = vec4<f32>(dm3x.x, dm3y.x, dm3z.x, dm3w.x);
      let m3 = vec4<f32>(dm3x.y, dm3y.y, dm3z.y, dm3w.y);
      let s4 = w4(r4, QW + b);
      let dm4x = unpack2x16float(s4.x); let dm4y = unpack2x16float(s4.y);
      let dm4z = unpack2x16float(s4.z); let dm4w = unpack2x16float(s4.w);
      let d4 = vec4<f32>(dm4x.x, dm4y.x, dm4z.x, dm4w.x);
      let m4 = vec4<f32>(dm4x.y, dm4y.y, dm4z.y, dm4w.y);
      let s5 = w4(r5, QW + b);
      let dm5x = unpack2x16float(s5.x); let dm5y = unpack2x16float(s5.y);
      let dm5z = unpack2x16float(s5.z); let dm5w = unpack2x16float(s5.w);
      let d5 = vec4<f32>(dm5x.x, dm5y.x, dm5z.x, dm5w.x);
      let m5 = vec4<f32>(dm5x.y, dm5y.y, dm5z.y, dm5w.y);
      let s6 = w4(r6, QW + b);
      let dm6x = unpack2x16float(s6.x); let dm6y = unpack2x16float(s6.y);
      let dm6z = unpack2x16float(s6.z); let dm6w = unpack2x16float(s6.w);
      let d6 = vec4<f32>(dm6x.x, dm6y.x, dm6z.x, dm6w.x);
      let m6 = vec4<f32>(dm6x.y, dm6y.y, dm6z.y, dm6w.y);
      let s7 = w4(r7, QW + b);
      let dm7x = unpack2x16float(s7.x); let dm7y = unpack2x16float(s7.y);
      let dm7z = unpack2x16float(s7.z); let dm7w = unpack2x16float(s7.w);
      let d7 = vec4<f32>(dm7x.x, dm7y.x, dm7z.x, dm7w.x);
      let m7 = vec4<f32>(dm7x.y, dm7y.y, dm7z.y, dm7w.y);
      var xs_t0 = 0.0;
      var p_t00 = vec4<f32>(0.0);
      var p_t01 = vec4<f32>(0.0);
      var p_t02 = vec4<f32>(0.0);
      var p_t03 = vec4<f32>(0.0);
      var p_t04 = vec4<f32>(0.0);
      var p_t05 = vec4<f32>(0.0);
      var p_t06 = vec4<f32>(0.0);
      var p_t07 = vec4<f32>(0.0);
      var xs_t1 = 0.0;
      var p_t10 = vec4<f32>(0.0);
      var p_t11 = vec4<f32>(0.0);
      var p_t12 = vec4<f32>(0.0);
      var p_t13 = vec4<f32>(0.0);
      var p_t14 = vec4<f32>(0.0);
      var p_t15 = vec4<f32>(0.0);
      var p_t16 = vec4<f32>(0.0);
      var p_t17 = vec4<f32>(0.0);
      var xs_t2 = 0.0;
      var p_t20 = vec4<f32>(0.0);
      var p_t21 = vec4<f32>(0.0);
      var p_t22 = vec4<f32>(0.0);
      var p_t23 = vec4<f32>(0.0);
      var p_t24 = vec4<f32>(0.0);
      var p_t25 = vec4<f32>(0.0);
      var p_t26 = vec4<f32>(0.0);
      var p_t27 = vec4<f32>(0.0);
      var xs_t3 = 0.0;
      var p_t30 = vec4<f32>(0.0);
      var p_t31 = vec4<f32>(0.0);
      var p_t32 = vec4<f32>(0.0);
      var p_t33 = vec4<f32>(0.0);
      var p_t34 = vec4<f32>(0.0);
      var p_t35 = vec4<f32>(0.0);
      var p_t36 = vec4<f32>(0.0);
      var p_t37 = vec4<f32>(0.0);
      {
        let wd0 = w4(r0, b * 4u + 0u);
        let wd1 = w4(r1, b * 4u + 0u);
        let wd2 = w4(r2, b * 4u + 0u);
        let wd3 = w4(r3, b * 4u + 0u);
        let wd4 = w4(r4, b * 4u + 0u);
        let wd5 = w4(r5, b * 4u + 0u);
        let wd6 = w4(r6, b * 4u + 0u);
        let wd7 = w4(r7, b * 4u + 0u);
        {
          let xl = xn[0u * K4 + b * 8u + 0u];
          let xh = xn[0u * K4 + b * 8u + 4u];
          xs_t0 += dot(xl + xh, ONE);
          let xls = xl * SC;
          let xhs = xh * SC;
          p_t00 += vec4<f32>(dot(lo(wd0.x), xls) + dot(hi(wd0.x), xhs), dot(lo(wd0.y), xls) + dot(hi(wd0.y), xhs),
                                    dot(lo(wd0.z), xls) + dot(hi(wd0.z), xhs), dot(lo(wd0.w), xls) + dot(hi(wd0.w), xhs));
          p_t01 += vec4<f32>(dot(lo(wd1.x), xls) + dot(hi(wd1.x), xhs), dot(lo(wd1.y), xls) + dot(hi(wd1.y), xhs),
                                    dot(lo(wd1.z), xls) + dot(hi(wd1.z), xhs), dot(lo(wd1.w), xls) + dot(hi(wd1.w), xhs));
          p_t02 += vec4<f32>(dot(lo(wd2.x), xls) + dot(hi(wd2.x), xhs), dot(lo(wd2.y), xls) + dot(hi(wd2.y), xhs),
                                    dot(lo(wd2.z), xls) + dot(hi(wd2.z), xhs), dot(lo(wd2.w), xls) + dot(hi(wd2.w), xhs));
          p_t03 += vec4<f32>(dot(lo(wd3.x), xls) + dot(hi(wd3.x), xhs), dot(lo(wd3.y), xls) + dot(hi(wd3.y), xhs),
                                    dot(lo(wd3.z), xls) + dot(hi(wd3.z), xhs), dot(lo(wd3.w), xls) + dot(hi(wd3.w), xhs));
          p_t04 += vec4<f32>(dot(lo(wd4.x), xls) + dot(hi(wd4.x), xhs), dot(lo(wd4.y), xls) + dot(hi(wd4.y), xhs),
                                    dot(lo(wd4.z), xls) + dot(hi(wd4.z), xhs), dot(lo(wd4.w), xls) + dot(hi(wd4.w), xhs));
          p_t05 += vec4<f32>(dot(lo(wd5.x), xls) + dot(hi(wd5.x), xhs), dot(lo(wd5.y), xls) + dot(hi(wd5.y), xhs),
                                    dot(lo(wd5.z), xls) + dot(hi(wd5.z), xhs), dot(lo(wd5.w), xls) + dot(hi(wd5.w), xhs));
          p_t06 += vec4<f32>(dot(lo(wd6.x), xls) + dot(hi(wd6.x), xhs), dot(lo(wd6.y), xls) + dot(hi(wd6.y), xhs),
                                    dot(lo(wd6.z), xls) + dot(hi(wd6.z), xhs), dot(lo(wd6.w), xls) + dot(hi(wd6.w), xhs));
          p_t07 += vec4<f32>(dot(lo(wd7.x), xls) + dot(hi(wd7.x), xhs), dot(lo(wd7.y), xls) + dot(hi(wd7.y), xhs),
                                    dot(lo(wd7.z), xls) + dot(hi(wd7.z), xhs), dot(lo(wd7.w), xls) + dot(hi(wd7.w), xhs));
        }
        {
          let xl = xn[1u * K4 + b * 8u + 0u];
          let xh = xn[1u * K4 + b * 8u + 4u];
          xs_t1 += dot(xl + xh, ONE);
          let xls = xl * SC;
          let xhs = xh * SC;
          p_t10 += vec4<f32>(dot(lo(wd0.x), xls) + dot(hi(wd0.x), xhs), dot(lo(wd0.y), xls) + dot(hi(wd0.y), xhs),
                                    dot(lo(wd0.z), xls) + dot(hi(wd0.z), xhs), dot(lo(wd0.w), xls) + dot(hi(wd0.w), xhs));
          p_t11 += vec4<f32>(dot(lo(wd1.x), xls) + dot(hi(wd1.x), xhs), dot(lo(wd1.y), xls) + dot(hi(wd1.y), xhs),
                                    dot(lo(wd1.z), xls) + dot(hi(wd1.z), xhs), dot(lo(wd1.w), xls) + dot(hi(wd1.w), xhs));
          p_t12 += vec4<f32>(dot(lo(wd2.x), xls) + dot(hi(wd2.x), xhs), dot(lo(wd2.y), xls) + dot(hi(wd2.y), xhs),
                                    dot(lo(wd2.z), xls) + dot(hi(wd2.z), xhs), dot(lo(wd2.w), xls) + dot(hi(wd2.w), xhs));
          p_t13 += vec4<f32>(dot(lo(wd3.x), xls) + dot(hi(wd3.x), xhs), dot(lo(wd3.y), xls) + dot(hi(wd3.y), xhs),
                                    dot(lo(wd3.z), xls) + dot(hi(wd3.z), xhs), dot(lo(wd3.w), xls) + dot(hi(wd3.w), xhs));
          p_t14 += vec4<f32>(dot(lo(wd4.x), xls) + dot(hi(wd4.x), xhs), dot(lo(wd4.y), xls) + dot(hi(wd4.y), xhs),
                                    dot(lo(wd4.z), xls) + dot(hi(wd4.z), xhs), dot(lo(wd4.w), xls) + dot(hi(wd4.w), xhs));
          p_t15 += vec4<f32>(dot(lo(wd5.x), xls) + dot(hi(wd5.x), xhs), dot(lo(wd5.y), xls) + dot(hi(wd5.y), xhs),
                                    dot(lo(wd5.z), xls) + dot(hi(wd5.z), xhs), dot(lo(wd5.w), xls) + dot(hi(wd5.w), xhs));
          p_t16 += vec4<f32>(dot(lo(wd6.x), xls) + dot(hi(wd6.x), xhs), dot(lo(wd6.y), xls) + dot(hi(wd6.y), xhs),
                                    dot(lo(wd6.z), xls) + dot(hi(wd6.z), xhs), dot(lo(wd6.w), xls) + dot(hi(wd6.w), xhs));
          p_t17 += vec4<f32>(dot(lo(wd7.x), xls) + dot(hi(wd7.x), xhs), dot(lo(wd7.y), xls) + dot(hi(wd7.y), xhs),
                                    dot(lo(wd7.z), xls) + dot(hi(wd7.z), xhs), dot(lo(wd7.w), xls) + dot(hi(wd7.w), xhs));
        }
        {
          let xl = xn[2u * K4 + b * 8u + 0u];
          let xh = xn[2u * K4 + b * 8u + 4u];
          xs_t2 += dot(xl + xh, ONE);
          let xls = xl * SC;
          let xhs = xh * SC;
          p_t20 += vec4<f32>(dot(lo(wd0.x), xls) + dot(hi(wd0.x), xhs), dot(lo(wd0.y), xls) + dot(hi(wd0.y), xhs),
                                    dot(lo(wd0.z), xls) + dot(hi(wd0.z), xhs), dot(lo(wd0.w), xls) + dot(hi(wd0.w), xhs));
          p_t21 += vec4<f32>(dot(lo(wd1.x), xls) + dot(hi(wd1.x), xhs), dot(lo(wd1.y), xls) + dot(hi(wd1.y), xhs),
                                    dot(lo(wd1.z), xls) + dot(hi(wd1.z), xhs), dot(lo(wd1.w), xls) + dot(hi(wd1.w), xhs));
          p_t22 += vec4<f32>(dot(lo(wd2.x), xls) + dot(hi(wd2.x), xhs), dot(lo(wd2.y), xls) + dot(hi(wd2.y), xhs),
                                    dot(lo(wd2.z), xls) + dot(hi(wd2.z), xhs), dot(lo(wd2.w), xls) + dot(hi(wd2.w), xhs));
          p_t23 += vec4<f32>(dot(lo(wd3.x), xls) + dot(hi(wd3.x), xhs), dot(lo(wd3.y), xls) + dot(hi(wd3.y), xhs),
                                    dot(lo(wd3.z), xls) + dot(hi(wd3.z), xhs), dot(lo(wd3.w), xls) + dot(hi(wd3.w), xhs));
          p_t24 += vec4<f32>(dot(lo(wd4.x), xls) + dot(hi(wd4.x), xhs), dot(lo(wd4.y), xls) + dot(hi(wd4.y), xhs),
                                    dot(lo(wd4.z), xls) + dot(hi(wd4.z), xhs), dot(lo(wd4.w), xls) + dot(hi(wd4.w), xhs));
          p_t25 += vec4<f32>(dot(lo(wd5.x), xls) + dot(hi(wd5.x), xhs), dot(lo(wd5.y), xls) + dot(hi(wd5.y), xhs),
                                    dot(lo(wd5.z), xls) + dot(hi(wd5.z), xhs), dot(lo(wd5.w), xls) + dot(hi(wd5.w), xhs));
          p_t26 += vec4<f32>(dot(lo(wd6.x), xls) + dot(hi(wd6.x), xhs), dot(lo(wd6.y), xls) + dot(hi(wd6.y), xhs),
                                    dot(lo(wd6.z), xls) + dot(hi(wd6.z), xhs), dot(lo(wd6.w), xls) + dot(hi(wd6.w), xhs));
          p_t27 += vec4<f32>(dot(lo(wd7.x), xls) + dot(hi(wd7.x), xhs), dot(lo(wd7.y), xls) + dot(hi(wd7.y), xhs),
                                    dot(lo(wd7.z), xls) + dot(hi(wd7.z), xhs), dot(lo(wd7.w), xls) + dot(hi(wd7.w), xhs));
        }
        {
          let xl = xn[3u * K4 + b * 8u + 0u];
          let xh = xn[3u * K4 + b * 8u + 4u];
          xs_t3 += dot(xl + xh, ONE);
          let xls = xl * SC;
          let xhs = xh * SC;
          p_t30 += vec4<f32>(dot(lo(wd0.x), xls) + dot(hi(wd0.x), xhs), dot(lo(wd0.y), xls) + dot(hi(wd0.y), xhs),
                                    dot(lo(wd0.z), xls) + dot(hi(wd0.z), xhs), dot(lo(wd0.w), xls) + dot(hi(wd0.w), xhs));
          p_t31 += vec4<f32>(dot(lo(wd1.x), xls) + dot(hi(wd1.x), xhs), dot(lo(wd1.y), xls) + dot(hi(wd1.y), xhs),
                                    dot(lo(wd1.z), xls) + dot(hi(wd1.z), xhs), dot(lo(wd1.w), xls) + dot(hi(wd1.w), xhs));
          p_t32 += vec4<f32>(dot(lo(wd2.x), xls) + dot(hi(wd2.x), xhs), dot(lo(wd2.y), xls) + dot(hi(wd2.y), xhs),
                                    dot(lo(wd2.z), xls) + dot(hi(wd2.z), xhs), dot(lo(wd2.w), xls) + dot(hi(wd2.w), xhs));
          p_t33 += vec4<f32>(dot(lo(wd3.x), xls) + dot(hi(wd3.x), xhs), dot(lo(wd3.y), xls) + dot(hi(wd3.y), xhs),
                                    dot(lo(wd3.z), xls) + dot(hi(wd3.z), xhs), dot(lo(wd3.w), xls) + dot(hi(wd3.w), xhs));
          p_t34 += vec4<f32>(dot(lo(wd4.x), xls) + dot(hi(wd4.x), xhs), dot(lo(wd4.y), xls) + dot(hi(wd4.y), xhs),
                                    dot(lo(wd4.z), xls) + dot(hi(wd4.z), xhs), dot(lo(wd4.w), xls) + dot(hi(wd4.w), xhs));
          p_t35 += vec4<f32>(dot(lo(wd5.x), xls) + dot(hi(wd5.x), xhs), dot(lo(wd5.y), xls) + dot(hi(wd5.y), xhs),
                                    dot(lo(wd5.z), xls) + dot(hi(wd5.z), xhs), dot(lo(wd5.w), xls) + dot(hi(wd5.w), xhs));
          p_t36 += vec4<f32>(dot(lo(wd6.x), xls) + dot(hi(wd6.x), xhs), dot(lo(wd6.y), xls) + dot(hi(wd6.y), xhs),
                                    dot(lo(wd6.z), xls) + dot(hi(wd6.z), xhs), dot(lo(wd6.w), xls) + dot(hi(wd6.w), xhs));
          p_t37 += vec4<f32>(dot(lo(wd7.x), xls) + dot(hi(wd7.x), xhs), dot(lo(wd7.y), xls) + dot(hi(wd7.y), xhs),
                                    dot(lo(wd7.z), xls) + dot(hi(wd7.z), xhs), dot(lo(wd7.w), xls) + dot(hi(wd7.w), xhs));
        }
      }
      {
        let wd0 = w4(r0, b * 4u + 1u);
        let wd1 = w4(r1, b * 4u + 1u);
        let wd2 = w4(r2, b * 4u + 1u);
        let wd3 = w4(r3, b * 4u + 1u);
        let wd4 = w4(r4, b * 4u + 1u);
        let wd5 = w4(r5, b * 4u + 1u);
        let wd6 = w4(r6, b * 4u + 1u);
        let wd7 = w4(r7, b * 4u + 1u);
        {
          let xl = xn[0u * K4 + b * 8u + 1u];
          let xh = xn[0u * K4 + b * 8u + 5u];
          xs_t0 += dot(xl + xh, ONE);
          let xls = xl * SC;
          let xhs = xh * SC;
          p_t00 += vec4<f32>(dot(lo(wd0.x), xls) + dot(hi(wd0.x), xhs), dot(lo(wd0.y), xls) + dot(hi(wd0.y), xhs),
                                    dot(lo(wd0.z), xls) + dot(hi(wd0.z), xhs), dot(lo(wd0.w), xls) + dot(hi(wd0.w), xhs));
          p_t01 += vec4<f32>(dot(lo(wd1.x), xls) + dot(hi(wd1.x), xhs), dot(lo(wd1.y), xls) + dot(hi(wd1.y), xhs),
                                    dot(lo(wd1.z), xls) + dot(hi(wd1.z), xhs), dot(lo(wd1.w), xls) + dot(hi(wd1.w), xhs));
          p_t02 += vec4<f32>(dot(lo(wd2.x), xls) + dot(hi(wd2.x), xhs), dot(lo(wd2.y), xls) + dot(hi(wd2.y), xhs),
                                    dot(lo(wd2.z), xls) + dot(hi(wd2.z), xhs), dot(lo(wd2.w), xls) + dot(hi(wd2.w), xhs));
          p_t03 += vec4<f32>(dot(lo(wd3.x), xls) + dot(hi(wd3.x), xhs), dot(lo(wd3.y), xls) + dot(hi(wd3.y), xhs),
                                    dot(lo(wd3.z), xls) + dot(hi(wd3.z), xhs), dot(lo(wd3.w), xls) + dot(hi(wd3.w), xhs));
          p_t04 += vec4<f32>(dot(lo(wd4.x), xls) + dot(hi(wd4.x), xhs), dot(lo(wd4.y), xls) + dot(hi(wd4.y), xhs),
                                    dot(lo(wd4.z), xls) + dot(hi(wd4.z), xhs), dot(lo(wd4.w), xls) + dot(hi(wd4.w), xhs));
          p_t05 += vec4<f32>(dot(lo(wd5.x), xls) + dot(hi(wd5.x), xhs), dot(lo(wd5.y), xls) + dot(hi(wd5.y), xhs),
                                    dot(lo(wd5.z), xls) + dot(hi(wd5.z), xhs), dot(lo(wd5.w), xls) + dot(hi(wd5.w), xhs));
          p_t06 += vec4<f32>(dot(lo(wd6.x), xls) + dot(hi(wd6.x), xhs), dot(lo(wd6.y), xls) + dot(hi(wd6.y), xhs),
                                    dot(lo(wd6.z), xls) + dot(hi(wd6.z), xhs), dot(lo(wd6.w), xls) + dot(hi(wd6.w), xhs));
          p_t07 += vec4<f32>(dot(lo(wd7.x), xls) + dot(hi(wd7.x), xhs), dot(lo(wd7.y), xls) + dot(hi(wd7.y), xhs),
                                    dot(lo(wd7.z), xls) + dot(hi(wd7.z), xhs), dot(lo(wd7.w), xls) + dot(hi(wd7.w), xhs));
        }
        {
          let xl = xn[1u * K4 + b * 8u + 1u];
          let xh = xn[1u * K4 + b * 8u + 5u];
          xs_t1 += dot(xl + xh, ONE);
          let xls = xl * SC;
          let xhs = xh * SC;
          p_t10 += vec4<f32>(dot(lo(wd0.x), xls) + dot(hi(wd0.x), xhs), dot(lo(wd0.y), xls) + dot(hi(wd0.y), xhs),
                                    dot(lo(wd0.z), xls) + dot(hi(wd0.z), xhs), dot(lo(wd0.w), xls) + dot(hi(wd0.w), xhs));
          p_t11 += vec4<f32>(dot(lo(wd1.x), xls) + dot(hi(wd1.x), xhs), dot(lo(wd1.y), xls) + dot(hi(wd1.y), xhs),
                                    dot(lo(wd1.z), xls) + dot(hi(wd1.z), xhs), dot(lo(wd1.w), xls) + dot(hi(wd1.w), xhs));
          p_t12 += vec4<f32>(dot(lo(wd2.x), xls) + dot(hi(wd2.x), xhs), dot(lo(wd2.y), xls) + dot(hi(wd2.y), xhs),
                                    dot(lo(wd2.z), xls) + dot(hi(wd2.z), xhs), dot(lo(wd2.w), xls) + dot(hi(wd2.w), xhs));
          p_t13 += vec4<f32>(dot(lo(wd3.x), xls) + dot(hi(wd3.x), xhs), dot(lo(wd3.y), xls) + dot(hi(wd3.y), xhs),
                                    dot(lo(wd3.z), xls) + dot(hi(wd3.z), xhs), dot(lo(wd3.w), xls) + dot(hi(wd3.w), xhs));
          p_t14 += vec4<f32>(dot(lo(wd4.x), xls) + dot(hi(wd4.x), xhs), dot(lo(wd4.y), xls) + dot(hi(wd4.y), xhs),
                                    dot(lo(wd4.z), xls) + dot(hi(wd4.z), xhs), dot(lo(wd4.w), xls) + dot(hi(wd4.w), xhs));
          p_t15 += vec4<f32>(dot(lo(wd5.x), xls) + dot(hi(wd5.x), xhs), dot(lo(wd5.y), xls) + dot(hi(wd5.y), xhs),
                                    dot(lo(wd5.z), xls) + dot(hi(wd5.z), xhs), dot(lo(wd5.w), xls) + dot(hi(wd5.w), xhs));
          p_t16 += vec4<f32>(dot(lo(wd6.x), xls) + dot(hi(wd6.x), xhs), dot(lo(wd6.y), xls) + dot(hi(wd6.y), xhs),
                                    dot(lo(wd6.z), xls) + dot(hi(wd6.z), xhs), dot(lo(wd6.w), xls) + dot(hi(wd6.w), xhs));
          p_t17 += vec4<f32>(dot(lo(wd7.x), xls) + dot(hi(wd7.x), xhs), dot(lo(wd7.y), xls) + dot(hi(wd7.y), xhs),
                                    dot(lo(wd7.z), xls) + dot(hi(wd7.z), xhs), dot(lo(wd7.w), xls) + dot(hi(wd7.w), xhs));
        }
        {
          let xl = xn[2u * K4 + b * 8u + 1u];
          let xh = xn[2u * K4 + b * 8u + 5u];
          xs_t2 += dot(xl + xh, ONE);
          let xls = xl * SC;
          let xhs = xh * SC;
          p_t20 += vec4<f32>(dot(lo(wd0.x), xls) + dot(hi(wd0.x), xhs), dot(lo(wd0.y), xls) + dot(hi(wd0.y), xhs),
                                    dot(lo(wd0.z), xls) + dot(hi(wd0.z), xhs), dot(lo(wd0.w), xls) + dot(hi(wd0.w), xhs));
          p_t21 += vec4<f32>(dot(lo(wd1.x), xls) + dot(hi(wd1.x), xhs), dot(lo(wd1.y), xls) + dot(hi(wd1.y), xhs),
                                    dot(lo(wd1.z), xls) + dot(hi(wd1.z), xhs), dot(lo(wd1.w), xls) + dot(hi(wd1.w), xhs));
          p_t22 += vec4<f32>(dot(lo(wd2.x), xls) + dot(hi(wd2.x), xhs), dot(lo(wd2.y), xls) + dot(hi(wd2.y), xhs),
                                    dot(lo(wd2.z), xls) + dot(hi(wd2.z), xhs), dot(lo(wd2.w), xls) + dot(hi(wd2.w), xhs));
          p_t23 += vec4<f32>(dot(lo(wd3.x), xls) + dot(hi(wd3.x), xhs), dot(lo(wd3.y), xls) + dot(hi(wd3.y), xhs),
                                    dot(lo(wd3.z), xls) + dot(hi(wd3.z), xhs), dot(lo(wd3.w), xls) + dot(hi(wd3.w), xhs));
          p_t24 += vec4<f32>(dot(lo(wd4.x), xls) + dot(hi(wd4.x), xhs), dot(lo(wd4.y), xls) + dot(hi(wd4.y), xhs),
                                    dot(lo(wd4.z), xls) + dot(hi(wd4.z), xhs), dot(lo(wd4.w), xls) + dot(hi(wd4.w), xhs));
          p_t25 += vec4<f32>(dot(lo(wd5.x), xls) + dot(hi(wd5.x), xhs), dot(lo(wd5.y), xls) + dot(hi(wd5.y), xhs),
                                    dot(lo(wd5.z), xls) + dot(hi(wd5.z), xhs), dot(lo(wd5.w), xls) + dot(hi(wd5.w), xhs));
          p_t26 += vec4<f32>(dot(lo(wd6.x), xls) + dot(hi(wd6.x), xhs), dot(lo(wd6.y), xls) + dot(hi(wd6.y), xhs),
                                    dot(lo(wd6.z), xls) + dot(hi(wd6.z), xhs), dot(lo(wd6.w), xls) + dot(hi(wd6.w), xhs));
          p_t27 += vec4<f32>(dot(lo(wd7.x), xls) + dot(hi(wd7.x), xhs), dot(lo(wd7.y), xls) + dot(hi(wd7.y), xhs),
                                    dot(lo(wd7.z), xls) + dot(hi(wd7.z), xhs), dot(lo(wd7.w), xls) + dot(hi(wd7.w), xhs));
        }
        {
          let xl = xn[3u * K4 + b * 8u + 1u];
          let xh = xn[3u * K4 + b * 8u + 5u];
          xs_t3 += dot(xl + xh, ONE);
          let xls = xl * SC;
          let xhs = xh * SC;
          p_t30 += vec4<f32>(dot(lo(wd0.x), xls) + dot(hi(wd0.x), xhs), dot(lo(wd0.y), xls) + dot(hi(wd0.y), xhs),
                                    dot(lo(wd0.z), xls) + dot(hi(wd0.z), xhs), dot(lo(wd0.w), xls) + dot(hi(wd0.w), xhs));
          p_t31 += vec4<f32>(dot(lo(wd1.x), xls) + dot(hi(wd1.x), xhs), dot(lo(wd1.y), xls) + dot(hi(wd1.y), xhs),
                                    dot(lo(wd1.z), xls) + dot(hi(wd1.z), xhs), dot(lo(wd1.w), xls) + dot(hi(wd1.w), xhs));
          p_t32 += vec4<f32>(dot(lo(wd2.x), xls) + dot(hi(wd2.x), xhs), dot(lo(wd2.y), xls) + dot(hi(wd2.y), xhs),
                                    dot(lo(wd2.z), xls) + dot(hi(wd2.z), xhs), dot(lo(wd2.w), xls) + dot(hi(wd2.w), xhs));
          p_t33 += vec4<f32>(dot(lo(wd3.x), xls) + dot(hi(wd3.x), xhs), dot(lo(wd3.y), xls) + dot(hi(wd3.y), xhs),
                                    dot(lo(wd3.z), xls) + dot(hi(wd3.z), xhs), dot(lo(wd3.w), xls) + dot(hi(wd3.w), xhs));
          p_t34 += vec4<f32>(dot(lo(wd4.x), xls) + dot(hi(wd4.x), xhs), dot(lo(wd4.y), xls) + dot(hi(wd4.y), xhs),
                                    dot(lo(wd4.z), xls) + dot(hi(wd4.z), xhs), dot(lo(wd4.w), xls) + dot(hi(wd4.w), xhs));
          p_t35 += vec4<f32>(dot(lo(wd5.x), xls) + dot(hi(wd5.x), xhs), dot(lo(wd5.y), xls) + dot(hi(wd5.y), xhs),
                                    dot(lo(wd5.z), xls) + dot(hi(wd5.z), xhs), dot(lo(wd5.w), xls) + dot(hi(wd5.w), xhs));
          p_t36 += vec4<f32>(dot(lo(wd6.x), xls) + dot(hi(wd6.x), xhs), dot(lo(wd6.y), xls) + dot(hi(wd6.y), xhs),
                                    dot(lo(wd6.z), xls) + dot(hi(wd6.z), xhs), dot(lo(wd6.w), xls) + dot(hi(wd6.w), xhs));
          p_t37 += vec4<f32>(dot(lo(wd7.x), xls) + dot(hi(wd7.x), xhs), dot(lo(wd7.y), xls) + dot(hi(wd7.y), xhs),
                                    dot(lo(wd7.z), xls) + dot(hi(wd7.z), xhs), dot(lo(wd7.w), xls) + dot(hi(wd7.w), xhs));
        }
      }
      {
        let wd0 = w4(r0, b * 4u + 2u);
        let wd1 = w4(r1, b * 4u + 2u);
        let wd2 = w4(r2, b * 4u + 2u);
        let wd3 = w4(r3, b * 4u + 2u);
        let wd4 = w4(r4, b * 4u + 2u);
        let wd5 = w4(r5, b * 4u + 2u);
        let wd6 = w4(r6, b * 4u + 2u);
        let wd7 = w4(r7, b * 4u + 2u);
        {
          let xl = xn[0u * K4 + b * 8u + 2u];
          let xh = xn[0u * K4 + b * 8u + 6u];
          xs_t0 += dot(xl + xh, ONE);
          let xls = xl * SC;
          let xhs = xh * SC;
          p_t00 += vec4<f32>(dot(lo(wd0.x), xls) + dot(hi(wd0.x), xhs), dot(lo(wd0.y), xls) + dot(hi(wd0.y), xhs),
                                    dot(lo(wd0.z), xls) + dot(hi(wd0.z), xhs), dot(lo(wd0.w), xls) + dot(hi(wd0.w), xhs));
          p_t01 += vec4<f32>(dot(lo(wd1.x), xls) + dot(hi(wd1.x), xhs), dot(lo(wd1.y), xls) + dot(hi(wd1.y), xhs),
                                    dot(lo(wd1.z), xls) + dot(hi(wd1.z), xhs), dot(lo(wd1.w), xls) + dot(hi(wd1.w), xhs));
          p_t02 += vec4<f32>(dot(lo(wd2.x), xls) + dot(hi(wd2.x), xhs), dot(lo(wd2.y), xls) + dot(hi(wd2.y), xhs),
                                    dot(lo(wd2.z), xls) + dot(hi(wd2.z), xhs), dot(lo(wd2.w), xls) + dot(hi(wd2.w), xhs));
          p_t03 += vec4<f32>(dot(lo(wd3.x), xls) + dot(hi(wd3.x), xhs), dot(lo(wd3.y), xls) + dot(hi(wd3.y), xhs),
                                    dot(lo(wd3.z), xls) + dot(hi(wd3.z), xhs), dot(lo(wd3.w), xls) + dot(hi(wd3.w), xhs));
          p_t04 += vec4<f32>(dot(lo(wd4.x), xls) + dot(hi(wd4.x), xhs), dot(lo(wd4.y), xls) + dot(hi(wd4.y), xhs),
                                    dot(lo(wd4.z), xls) + dot(hi(wd4.z), xhs), dot(lo(wd4.w), xls) + dot(hi(wd4.w), xhs));
          p_t05 += vec4<f32>(dot(lo(wd5.x), xls) + dot(hi(wd5.x), xhs), dot(lo(wd5.y), xls) + dot(hi(wd5.y), xhs),
                                    dot(lo(wd5.z), xls) + dot(hi(wd5.z), xhs), dot(lo(wd5.w), xls) + dot(hi(wd5.w), xhs));
          p_t06 += vec4<f32>(dot(lo(wd6.x), xls) + dot(hi(wd6.x), xhs), dot(lo(wd6.y), xls) + dot(hi(wd6.y), xhs),
                                    dot(lo(wd6.z), xls) + dot(hi(wd6.z), xhs), dot(lo(wd6.w), xls) + dot(hi(wd6.w), xhs));
          p_t07 += vec4<f32>(dot(lo(wd7.x), xls) + dot(hi(wd7.x), xhs), dot(lo(wd7.y), xls) + dot(hi(wd7.y), xhs),
                                    dot(lo(wd7.z), xls) + dot(hi(wd7.z), xhs), dot(lo(wd7.w), xls) + dot(hi(wd7.w), xhs));
        }
        {
          let xl = xn[1u * K4 + b * 8u + 2u];
          let xh = xn[1u * K4 + b * 8u + 6u];
          xs_t1 += dot(xl + xh, ONE);
          let xls = xl * SC;
          let xhs = xh * SC;
          p_t10 += vec4<f32>(dot(lo(wd0.x), xls) + dot(hi(wd0.x), xhs), dot(lo(wd0.y), xls) + dot(hi(wd0.y), xhs),
                                    dot(lo(wd0.z), xls) + dot(hi(wd0.z), xhs), dot(lo(wd0.w), xls) + dot(hi(wd0.w), xhs));
          p_t11 += vec4<f32>(dot(lo(wd1.x), xls) + dot(hi(wd1.x), xhs), dot(lo(wd1.y), xls) + dot(hi(wd1.y), xhs),
                                    dot(lo(wd1.z), xls) + dot(hi(wd1.z), xhs), dot(lo(wd1.w), xls) + dot(hi(wd1.w), xhs));
          p_t12 += vec4<f32>(dot(lo(wd2.x), xls) + dot(hi(wd2.x), xhs), dot(lo(wd2.y), xls) + dot(hi(wd2.y), xhs),
                                    dot(lo(wd2.z), xls) + dot(hi(wd2.z), xhs), dot(lo(wd2.w), xls) + dot(hi(wd2.w), xhs));
          p_t13 += vec4<f32>(dot(lo(wd3.x), xls) + dot(hi(wd3.x), xhs), dot(lo(wd3.y), xls) + dot(hi(wd3.y), xhs),
                                    dot(lo(wd3.z), xls) + dot(hi(wd3.z), xhs), dot(lo(wd3.w), xls) + dot(hi(wd3.w), xhs));
          p_t14 += vec4<f32>(dot(lo(wd4.x), xls) + dot(hi(wd4.x), xhs), dot(lo(wd4.y), xls) + dot(hi(wd4.y), xhs),
                                    dot(lo(wd4.z), xls) + dot(hi(wd4.z), xhs), dot(lo(wd4.w), xls) + dot(hi(wd4.w), xhs));
          p_t15 += vec4<f32>(dot(lo(wd5.x), xls) + dot(hi(wd5.x), xhs), dot(lo(wd5.y), xls) + dot(hi(wd5.y), xhs),
                                    dot(lo(wd5.z), xls) + dot(hi(wd5.z), xhs), dot(lo(wd5.w), xls) + dot(hi(wd5.w), xhs));
          p_t16 += vec4<f32>(dot(lo(wd6.x), xls) + dot(hi(wd6.x), xhs), dot(lo(wd6.y), xls) + dot(hi(wd6.y), xhs),
                                    dot(lo(wd6.z), xls) + dot(hi(wd6.z), xhs), dot(lo(wd6.w), xls) + dot(hi(wd6.w), xhs));
          p_t17 += vec4<f32>(dot(lo(wd7.x), xls) + dot(hi(wd7.x), xhs), dot(lo(wd7.y), xls) + dot(hi(wd7.y), xhs),
                                    dot(lo(wd7.z), xls) + dot(hi(wd7.z), xhs), dot(lo(wd7.w), xls) + dot(hi(wd7.w), xhs));
        }
        {
          let xl = xn[2u * K4 + b * 8u + 2u];
          let xh = xn[2u * K4 + b * 8u + 6u];
          xs_t2 += dot(xl + xh, ONE);
          let xls = xl * SC;
          let xhs = xh * SC;
          p_t20 += vec4<f32>(dot(lo(wd0.x), xls) + dot(hi(wd0.x), xhs), dot(lo(wd0.y), xls) + dot(hi(wd0.y), xhs),
                                    dot(lo(wd0.z), xls) + dot(hi(wd0.z), xhs), dot(lo(wd0.w), xls) + dot(hi(wd0.w), xhs));
          p_t21 += vec4<f32>(dot(lo(wd1.x), xls) + dot(hi(wd1.x), xhs), dot(lo(wd1.y), xls) + dot(hi(wd1.y), xhs),
                                    dot(lo(wd1.z), xls) + dot(hi(wd1.z), xhs), dot(lo(wd1.w), xls) + dot(hi(wd1.w), xhs));
          p_t22 += vec4<f32>(dot(lo(wd2.x), xls) + dot(hi(wd2.x), xhs), dot(lo(wd2.y), xls) + dot(hi(wd2.y), xhs),
                                    dot(lo(wd2.z), xls) + dot(hi(wd2.z), xhs), dot(lo(wd2.w), xls) + dot(hi(wd2.w), xhs));
          p_t23 += vec4<f32>(dot(lo(wd3.x), xls) + dot(hi(wd3.x), xhs), dot(lo(wd3.y), xls) + dot(hi(wd3.y), xhs),
                                    dot(lo(wd3.z), xls) + dot(hi(wd3.z), xhs), dot(lo(wd3.w), xls) + dot(hi(wd3.w), xhs));
          p_t24 += vec4<f32>(dot(lo(wd4.x), xls) + dot(hi(wd4.x), xhs), dot(lo(wd4.y), xls) + dot(hi(wd4.y), xhs),
                                    dot(lo(wd4.z), xls) + dot(hi(wd4.z), xhs), dot(lo(wd4.w), xls) + dot(hi(wd4.w), xhs));
          p_t25 += vec4<f32>(dot(lo(wd5.x), xls) + dot(hi(wd5.x), xhs), dot(lo(wd5.y), xls) + dot(hi(wd5.y), xhs),
                                    dot(lo(wd5.z), xls) + dot(hi(wd5.z), xhs), dot(lo(wd5.w), xls) + dot(hi(wd5.w), xhs));
          p_t26 += vec4<f32>(dot(lo(wd6.x), xls) + dot(hi(wd6.x), xhs), dot(lo(wd6.y), xls) + dot(hi(wd6.y), xhs),
                                    dot(lo(wd6.z), xls) + dot(hi(wd6.z), xhs), dot(lo(wd6.w), xls) + dot(hi(wd6.w), xhs));
          p_t27 += vec4<f32>(dot(lo(wd7.x), xls) + dot(hi(wd7.x), xhs), dot(lo(wd7.y), xls) + dot(hi(wd7.y), xhs),
                                    dot(lo(wd7.z), xls) + dot(hi(wd7.z), xhs), dot(lo(wd7.w), xls) + dot(hi(wd7.w), xhs));
        }
        {
          let xl = xn[3u * K4 + b * 8u + 2u];
          let xh = xn[3u * K4 + b * 8u + 6u];
          xs_t3 += dot(xl + xh, ONE);
          let xls = xl * SC;
          let xhs = xh * SC;
          p_t30 += vec4<f32>(dot(lo(wd0.x), xls) + dot(hi(wd0.x), xhs), dot(lo(wd0.y), xls) + dot(hi(wd0.y), xhs),
                                    dot(lo(wd0.z), xls) + dot(hi(wd0.z), xhs), dot(lo(wd0.w), xls) + dot(hi(wd0.w), xhs));
          p_t31 += vec4<f32>(dot(lo(wd1.x), xls) + dot(hi(wd1.x), xhs), dot(lo(wd1.y), xls) + dot(hi(wd1.y), xhs),
                                    dot(lo(wd1.z), xls) + dot(hi(wd1.z), xhs), dot(lo(wd1.w), xls) + dot(hi(wd1.w), xhs));
          p_t32 += vec4<f32>(dot(lo(wd2.x), xls) + dot(hi(wd2.x), xhs), dot(lo(wd2.y), xls) + dot(hi(wd2.y), xhs),
                                    dot(lo(wd2.z), xls) + dot(hi(wd2.z), xhs), dot(lo(wd2.w), xls) + dot(hi(wd2.w), xhs));
          p_t33 += vec4<f32>(dot(lo(wd3.x), xls) + dot(hi(wd3.x), xhs), dot(lo(wd3.y), xls) + dot(hi(wd3.y), xhs),
                                    dot(lo(wd3.z), xls) + dot(hi(wd3.z), xhs), dot(lo(wd3.w), xls) + dot(hi(wd3.w), xhs));
          p_t34 += vec4<f32>(dot(lo(wd4.x), xls) + dot(hi(wd4.x), xhs), dot(lo(wd4.y), xls) + dot(hi(wd4.y), xhs),
                                    dot(lo(wd4.z), xls) + dot(hi(wd4.z), xhs), dot(lo(wd4.w), xls) + dot(hi(wd4.w), xhs));
          p_t35 += vec4<f32>(dot(lo(wd5.x), xls) + dot(hi(wd5.x), xhs), dot(lo(wd5.y), xls) + dot(hi(wd5.y), xhs),
                                    dot(lo(wd5.z), xls) + dot(hi(wd5.z), xhs), dot(lo(wd5.w), xls) + dot(hi(wd5.w), xhs));
          p_t36 += vec4<f32>(dot(lo(wd6.x), xls) + dot(hi(wd6.x), xhs), dot(lo(wd6.y), xls) + dot(hi(wd6.y), xhs),
                                    dot(lo(wd6.z), xls) + dot(hi(wd6.z), xhs), dot(lo(wd6.w), xls) + dot(hi(wd6.w), xhs));
          p_t37 += vec4<f32>(dot(lo(wd7.x), xls) + dot(hi(wd7.x), xhs), dot(lo(wd7.y), xls) + dot(hi(wd7.y), xhs),
                                    dot(lo(wd7.z), xls) + dot(hi(wd7.z), xhs), dot(lo(wd7.w), xls) + dot(hi(wd7.w), xhs));
        }
      }
      {
        let wd0 = w4(r0, b * 4u + 3u);
        let wd1 = w4(r1, b * 4u + 3u);
        let wd2 = w4(r2, b * 4u + 3u);
        let wd3 = w4(r3, b * 4u + 3u);
        let wd4 = w4(r4, b * 4u + 3u);
        let wd5 = w4(r5, b * 4u + 3u);
        let wd6 = w4(r6, b * 4u + 3u);
        let wd7 = w4(r7, b * 4u + 3u);
        {
          let xl = xn[0u * K4 + b * 8u + 3u];
          let xh = xn[0u * K4 + b * 8u + 7u];
          xs_t0 += dot(xl + xh, ONE);
          let xls = xl * SC;
          let xhs = xh * SC;
          p_t00 += vec4<f32>(dot(lo(wd0.x), xls) + dot(hi(wd0.x), xhs), dot(lo(wd0.y), xls) + dot(hi(wd0.y), xhs),
                                    dot(lo(wd0.z), xls) + dot(hi(wd0.z), xhs), dot(lo(wd0.w), xls) + dot(hi(wd0.w), xhs));
          p_t01 += vec4<f32>(dot(lo(wd1.x), xls) + dot(hi(wd1.x), xhs), dot(lo(wd1.y), xls) + dot(hi(wd1.y), xhs),
                                    dot(lo(wd1.z), xls) + dot(hi(wd1.z), xhs), dot(lo(wd1.w), xls) + dot(hi(wd1.w), xhs));
          p_t02 += vec4<f32>(dot(lo(wd2.x), xls) + dot(hi(wd2.x), xhs), dot(lo(wd2.y), xls) + dot(hi(wd2.y), xhs),
                                    dot(lo(wd2.z), xls) + dot(hi(wd2.z), xhs), dot(lo(wd2.w), xls) + dot(hi(wd2.w), xhs));
          p_t03 += vec4<f32>(dot(lo(wd3.x), xls) + dot(hi(wd3.x), xhs), dot(lo(wd3.y), xls) + dot(hi(wd3.y), xhs),
                                    dot(lo(wd3.z), xls) + dot(hi(wd3.z), xhs), dot(lo(wd3.w), xls) + dot(hi(wd3.w), xhs));
          p_t04 += vec4<f32>(dot(lo(wd4.x), xls) + dot(hi(wd4.x), xhs), dot(lo(wd4.y), xls) + dot(hi(wd4.y), xhs),
                                    dot(lo(wd4.z), xls) + dot(hi(wd4.z), xhs), dot(lo(wd4.w), xls) + dot(hi(wd4.w), xhs));
          p_t05 += vec4<f32>(dot(lo(wd5.x), xls) + dot(hi(wd5.x), xhs), dot(lo(wd5.y), xls) + dot(hi(wd5.y), xhs),
                                    dot(lo(wd5.z), xls) + dot(hi(wd5.z), xhs), dot(lo(wd5.w), xls) + dot(hi(wd5.w), xhs));
          p_t06 += vec4<f32>(dot(lo(wd6.x), xls) + dot(hi(wd6.x), xhs), dot(lo(wd6.y), xls) + dot(hi(wd6.y), xhs),
                                    dot(lo(wd6.z), xls) + dot(hi(wd6.z), xhs), dot(lo(wd6.w), xls) + dot(hi(wd6.w), xhs));
          p_t07 += vec4<f32>(dot(lo(wd7.x), xls) + dot(hi(wd7.x), xhs), dot(lo(wd7.y), xls) + dot(hi(wd7.y), xhs),
                                    dot(lo(wd7.z), xls) + dot(hi(wd7.z), xhs), dot(lo(wd7.w), xls) + dot(hi(wd7.w), xhs));
        }
        {
          let xl = xn[1u * K4 + b * 8u + 3u];
          let xh = xn[1u * K4 + b * 8u + 7u];
          xs_t1 += dot(xl + xh, ONE);
          let xls = xl * SC;
          let xhs = xh * SC;
          p_t10 += vec4<f32>(dot(lo(wd0.x), xls) + dot(hi(wd0.x), xhs), dot(lo(wd0.y), xls) + dot(hi(wd0.y), xhs),
                                    dot(lo(wd0.z), xls) + dot(hi(wd0.z), xhs), dot(lo(wd0.w), xls) + dot(hi(wd0.w), xhs));
          p_t11 += vec4<f32>(dot(lo(wd1.x), xls) + dot(hi(wd1.x), xhs), dot(lo(wd1.y), xls) + dot(hi(wd1.y), xhs),
                                    dot(lo(wd1.z), xls) + dot(hi(wd1.z), xhs), dot(lo(wd1.w), xls) + dot(hi(wd1.w), xhs));
          p_t12 += vec4<f32>(dot(lo(wd2.x), xls) + dot(hi(wd2.x), xhs), dot(lo(wd2.y), xls) + dot(hi(wd2.y), xhs),
                                    dot(lo(wd2.z), xls) + dot(hi(wd2.z), xhs), dot(lo(wd2.w), xls) + dot(hi(wd2.w), xhs));
          p_t13 += vec4<f32>(dot(lo(wd3.x), xls) + dot(hi(wd3.x), xhs), dot(lo(wd3.y), xls) + dot(hi(wd3.y), xhs),
                                    dot(lo(wd3.z), xls) + dot(hi(wd3.z), xhs), dot(lo(wd3.w), xls) + dot(hi(wd3.w), xhs));
          p_t14 += vec4<f32>(dot(lo(wd4.x), xls) + dot(hi(wd4.x), xhs), dot(lo(wd4.y), xls) + dot(hi(wd4.y), xhs),
                                    dot(lo(wd4.z), xls) + dot(hi(wd4.z), xhs), dot(lo(wd4.w), xls) + dot(hi(wd4.w), xhs));
          p_t15 += vec4<f32>(dot(lo(wd5.x), xls) + dot(hi(wd5.x), xhs), dot(lo(wd5.y), xls) + dot(hi(wd5.y), xhs),
                                    dot(lo(wd5.z), xls) + dot(hi(wd5.z), xhs), dot(lo(wd5.w), xls) + dot(hi(wd5.w), xhs));
          p_t16 += vec4<f32>(dot(lo(wd6.x), xls) + dot(hi(wd6.x), xhs), dot(lo(wd6.y), xls) + dot(hi(wd6.y), xhs),
                                    dot(lo(wd6.z), xls) + dot(hi(wd6.z), xhs), dot(lo(wd6.w), xls) + dot(hi(wd6.w), xhs));
          p_t17 += vec4<f32>(dot(lo(wd7.x), xls) + dot(hi(wd7.x), xhs), dot(lo(wd7.y), xls) + dot(hi(wd7.y), xhs),
                                    dot(lo(wd7.z), xls) + dot(hi(wd7.z), xhs), dot(lo(wd7.w), xls) + dot(hi(wd7.w), xhs));
        }
        {
          let xl = xn[2u * K4 + b * 8u + 3u];
          let xh = xn[2u * K4 + b * 8u + 7u];
          xs_t2 += dot(xl + xh, ONE);
          let xls = xl * SC;
          let xhs = xh * SC;
          p_t20 += vec4<f32>(dot(lo(wd0.x), xls) + dot(hi(wd0.x), xhs), dot(lo(wd0.y), xls) + dot(hi(wd0.y), xhs),
                                    dot(lo(wd0.z), xls) + dot(hi(wd0.z), xhs), dot(lo(wd0.w), xls) + dot(hi(wd0.w), xhs));
          p_t21 += vec4<f32>(dot(lo(wd1.x), xls) + dot(hi(wd1.x), xhs), dot(lo(wd1.y), xls) + dot(hi(wd1.y), xhs),
                                    dot(lo(wd1.z), xls) + dot(hi(wd1.z), xhs), dot(lo(wd1.w), xls) + dot(hi(wd1.w), xhs));
          p_t22 += vec4<f32>(dot(lo(wd2.x), xls) + dot(hi(wd2.x), xhs), dot(lo(wd2.y), xls) + dot(hi(wd2.y), xhs),
                                    dot(lo(wd2.z), xls) + dot(hi(wd2.z), xhs), dot(lo(wd2.w), xls) + dot(hi(wd2.w), xhs));
          p_t23 += vec4<f32>(dot(lo(wd3.x), xls) + dot(hi(wd3.x), xhs), dot(lo(wd3.y), xls) + dot(hi(wd3.y), xhs),
                                    dot(lo(wd3.z), xls) + dot(hi(wd3.z), xhs), dot(lo(wd3.w), xls) + dot(hi(wd3.w), xhs));
          p_t24 += vec4<f32>(dot(lo(wd4.x), xls) + dot(hi(wd4.x), xhs), dot(lo(wd4.y), xls) + dot(hi(wd4.y), xhs),
                                    dot(lo(wd4.z), xls) + dot(hi(wd4.z), xhs), dot(lo(wd4.w), xls) + dot(hi(wd4.w), xhs));
          p_t25 += vec4<f32>(dot(lo(wd5.x), xls) + dot(hi(wd5.x), xhs), dot(lo(wd5.y), xls) + dot(hi(wd5.y), xhs),
                                    dot(lo(wd5.z), xls) + dot(hi(wd5.z), xhs), dot(lo(wd5.w), xls) + dot(hi(wd5.w), xhs));
          p_t26 += vec4<f32>(dot(lo(wd6.x), xls) + dot(hi(wd6.x), xhs), dot(lo(wd6.y), xls) + dot(hi(wd6.y), xhs),
                                    dot(lo(wd6.z), xls) + dot(hi(wd6.z), xhs), dot(lo(wd6.w), xls) + dot(hi(wd6.w), xhs));
          p_t27 += vec4<f32>(dot(lo(wd7.x), xls) + dot(hi(wd7.x), xhs), dot(lo(wd7.y), xls) + dot(hi(wd7.y), xhs),
                                    dot(lo(wd7.z), xls) + dot(hi(wd7.z), xhs), dot(lo(wd7.w), xls) + dot(hi(wd7.w), xhs));
        }
        {
          let xl = xn[3u * K4 + b * 8u + 3u];
          let xh = xn[3u * K4 + b * 8u + 7u];
          xs_t3 += dot(xl + xh, ONE);
          let xls = xl * SC;
          let xhs = xh * SC;
          p_t30 += vec4<f32>(dot(lo(wd0.x), xls) + dot(hi(wd0.x), xhs), dot(lo(wd0.y), xls) + dot(hi(wd0.y), xhs),
                                    dot(lo(wd0.z), xls) + dot(hi(wd0.z), xhs), dot(lo(wd0.w), xls) + dot(hi(wd0.w), xhs));
          p_t31 += vec4<f32>(dot(lo(wd1.x), xls) + dot(hi(wd1.x), xhs), dot(lo(wd1.y), xls) + dot(hi(wd1.y), xhs),
                                    dot(lo(wd1.z), xls) + dot(hi(wd1.z), xhs), dot(lo(wd1.w), xls) + dot(hi(wd1.w), xhs));
          p_t32 += vec4<f32>(dot(lo(wd2.x), xls) + dot(hi(wd2.x), xhs), dot(lo(wd2.y), xls) + dot(hi(wd2.y), xhs),
                                    dot(lo(wd2.z), xls) + dot(hi(wd2.z), xhs), dot(lo(wd2.w), xls) + dot(hi(wd2.w), xhs));
          p_t33 += vec4<f32>(dot(lo(wd3.x), xls) + dot(hi(wd3.x), xhs), dot(lo(wd3.y), xls) + dot(hi(wd3.y), xhs),
                                    dot(lo(wd3.z), xls) + dot(hi(wd3.z), xhs), dot(lo(wd3.w), xls) + dot(hi(wd3.w), xhs));
          p_t34 += vec4<f32>(dot(lo(wd4.x), xls) + dot(hi(wd4.x), xhs), dot(lo(wd4.y), xls) + dot(hi(wd4.y), xhs),
                                    dot(lo(wd4.z), xls) + dot(hi(wd4.z), xhs), dot(lo(wd4.w), xls) + dot(hi(wd4.w), xhs));
          p_t35 += vec4<f32>(dot(lo(wd5.x), xls) + dot(hi(wd5.x), xhs), dot(lo(wd5.y), xls) + dot(hi(wd5.y), xhs),
                                    dot(lo(wd5.z), xls) + dot(hi(wd5.z), xhs), dot(lo(wd5.w), xls) + dot(hi(wd5.w), xhs));
          p_t36 += vec4<f32>(dot(lo(wd6.x), xls) + dot(hi(wd6.x), xhs), dot(lo(wd6.y), xls) + dot(hi(wd6.y), xhs),
                                    dot(lo(wd6.z), xls) + dot(hi(wd6.z), xhs), dot(lo(wd6.w), xls) + dot(hi(wd6.w), xhs));
          p_t37 += vec4<f32>(dot(lo(wd7.x), xls) + dot(hi(wd7.x), xhs), dot(lo(wd7.y), xls) + dot(hi(wd7.y), xhs),
                                    dot(lo(wd7.z), xls) + dot(hi(wd7.z), xhs), dot(lo(wd7.w), xls) + dot(hi(wd7.w), xhs));
        }
      }
      acc_t00 += d0 * p_t00 + m0 * xs_t0;
      acc_t01 += d1 * p_t01 + m1 * xs_t0;
      acc_t02 += d2 * p_t02 + m2 * xs_t0;
      acc_t03 += d3 * p_t03 + m3 * xs_t0;
      acc_t04 += d4 * p_t04 + m4 * xs_t0;
      acc_t05 += d5 * p_t05 + m5 * xs_t0;
      acc_t06 += d6 * p_t06 + m6 * xs_t0;
      acc_t07 += d7 * p_t07 + m7 * xs_t0;
      acc_t10 += d0 * p_t10 + m0 * xs_t1;
      acc_t11 += d1 * p_t11 + m1 * xs_t1;
      acc_t12 += d2 * p_t12 + m2 * xs_t1;
      acc_t13 += d3 * p_t13 + m3 * xs_t1;
      acc_t14 += d4 * p_t14 + m4 * xs_t1;
      acc_t15 += d5 * p_t15 + m5 * xs_t1;
      acc_t16 += d6 * p_t16 + m6 * xs_t1;
      acc_t17 += d7 * p_t17 + m7 * xs_t1;
      acc_t20 += d0 * p_t20 + m0 * xs_t2;
      acc_t21 += d1 * p_t21 + m1 * xs_t2;
      acc_t22 += d2 * p_t22 + m2 * xs_t2;
      acc_t23 += d3 * p_t23 + m3 * xs_t2;
      acc_t24 += d4 * p_t24 + m4 * xs_t2;
      acc_t25 += d5 * p_t25 + m5 * xs_t2;
      acc_t26 += d6 * p_t26 + m6 * xs_t2;
      acc_t27 += d7 * p_t27 + m7 * xs_t2;
      acc_t30 += d0 * p_t30 + m0 * xs_t3;
      acc_t31 += d1 * p_t31 + m1 * xs_t3;
      acc_t32 += d2 * p_t32 + m2 * xs_t3;
      acc_t33 += d3 * p_t33 + m3 * xs_t3;
      acc_t34 += d4 * p_t34 + m4 * xs_t3;
      acc_t35 += d5 * p_t35 + m5 * xs_t3;
      acc_t36 += d6 * p_t36 + m6 * xs_t3;
      acc_t37 += d7 * p_t37 + m7 * xs_t3;
    }
    if (0u < tn) {
      let st = stat[0];      if (r0 + 0u < N) {
        store(t0 + 0u, ROW0 + r0 + 0u, st.y * acc_t00.x, st.y * acc_t04.x);
      }
      if (r0 + 1u < N) {
        store(t0 + 0u, ROW0 + r0 + 1u, st.y * acc_t00.y, st.y * acc_t04.y);
      }
      if (r0 + 2u < N) {
        store(t0 + 0u, ROW0 + r0 + 2u, st.y * acc_t00.z, st.y * acc_t04.z);
      }
      if (r0 + 3u < N) {
        store(t0 + 0u, ROW0 + r0 + 3u, st.y * acc_t00.w, st.y * acc_t04.w);
      }
      if (r1 + 0u < N) {
        store(t0 + 0u, ROW0 + r1 + 0u, st.y * acc_t01.x, st.y * acc_t05.x);
      }
      if (r1 + 1u < N) {
        store(t0 + 0u, ROW0 + r1 + 1u, st.y * acc_t01.y, st.y * acc_t05.y);
      }
      if (r1 + 2u < N) {
        store(t0 + 0u, ROW0 + r1 + 2u, st.y * acc_t01.z, st.y * acc_t05.z);
      }
      if (r1 + 3u < N) {
        store(t0 + 0u, ROW0 + r1 + 3u, st.y * acc_t01.w, st.y * acc_t05.w);
      }
      if (r2 + 0u < N) {
        store(t0 + 0u, ROW0 + r2 + 0u, st.y * acc_t02.x, st.y * acc_t06.x);
      }
      if (r2 + 1u < N) {
        store(t0 + 0u, ROW0 + r2 + 1u, st.y * acc_t02.y, st.y * acc_t06.y);
      }
      if (r2 + 2u < N) {
        store(t0 + 0u, ROW0 + r2 + 2u, st.y * acc_t02.z, st.y * acc_t06.z);
      }
      if (r2 + 3u < N) {
        store(t0 + 0u, ROW0 + r2 + 3u, st.y * acc_t02.w, st.y * acc_t06.w);
      }
      if (r3 + 0u < N) {
        store(t0 + 0u, ROW0 + r3 + 0u, st.y * acc_t03.x, st.y * acc_t07.x);
      }
      if (r3 + 1u < N) {
        store(t0 + 0u, ROW0 + r3 + 1u, st.y * acc_t03.y, st.y * acc_t07.y);
      }
      if (r3 + 2u < N) {
        store(t0 + 0u, ROW0 + r3 + 2u, st.y * acc_t03.z, st.y * acc_t07.z);
      }
      if (r3 + 3u < N) {
        store(t0 + 0u, ROW0 + r3 + 3u, st.y * acc_t03.w, st.y * acc_t07.w);
      }
    }
    if (1u < tn) {
      let st = stat[1];      if (r0 + 0u < N) {
        store(t0 + 1u, ROW0 + r0 + 0u, st.y * acc_t10.x, st.y * acc_t14.x);
      }
      if (r0 + 1u < N) {
        store(t0 + 1u, ROW0 + r0 + 1u, st.y * acc_t10.y, st.y * acc_t14.y);
      }
      if (r0 + 2u < N) {
        store(t0 + 1u, ROW0 + r0 + 2u, st.y * acc_t10.z, st.y * acc_t14.z);
      }
      if (r0 + 3u < N) {
        store(t0 + 1u, ROW0 + r0 + 3u, st.y * acc_t10.w, st.y * acc_t14.w);
      }
      if (r1 + 0u < N) {
        store(t0 + 1u, ROW0 + r1 + 0u, st.y * acc_t11.x, st.y * acc_t15.x);
      }
      if (r1 + 1u < N) {
        store(t0 + 1u, ROW0 + r1 + 1u, st.y * acc_t11.y, st.y * acc_t15.y);
      }
      if (r1 + 2u < N) {
        store(t0 + 1u, ROW0 + r1 + 2u, st.y * acc_t11.z, st.y * acc_t15.z);
      }
      if (r1 + 3u < N) {
        store(t0 + 1u, ROW0 + r1 + 3u, st.y * acc_t11.w, st.y * acc_t15.w);
      }
      if (r2 + 0u < N) {
        store(t0 + 1u, ROW0 + r2 + 0u, st.y * acc_t12.x, st.y * acc_t16.x);
      }
      if (r2 + 1u < N) {
        store(t0 + 1u, ROW0 + r2 + 1u, st.y * acc_t12.y, st.y * acc_t16.y);
      }
      if (r2 + 2u < N) {
        store(t0 + 1u, ROW0 + r2 + 2u, st.y * acc_t12.z, st.y * acc_t16.z);
      }
      if (r2 + 3u < N) {
        store(t0 + 1u, ROW0 + r2 + 3u, st.y * acc_t12.w, st.y * acc_t16.w);
      }
      if (r3 + 0u < N) {
        store(t0 + 1u, ROW0 + r3 + 0u, st.y * acc_t13.x, st.y * acc_t17.x);
      }
      if (r3 + 1u < N) {
        store(t0 + 1u, ROW0 + r3 + 1u, st.y * acc_t13.y, st.y * acc_t17.y);
      }
      if (r3 + 2u < N) {
        store(t0 + 1u, ROW0 + r3 + 2u, st.y * acc_t13.z, st.y * acc_t17.z);
      }
      if (r3 + 3u < N) {
        store(t0 + 1u, ROW0 + r3 + 3u, st.y * acc_t13.w, st.y * acc_t17.w);
      }
    }
    if (2u < tn) {
      let st = stat[2];      if (r0 + 0u < N) {
        store(t0 + 2u, ROW0 + r0 + 0u, st.y * acc_t20.x, st.y * acc_t24.x);
      }
      if (r0 + 1u < N) {
        store(t0 + 2u, ROW0 + r0 + 1u, st.y * acc_t20.y, st.y * acc_t24.y);
      }
      if (r0 + 2u < N) {
        store(t0 + 2u, ROW0 + r0 + 2u, st.y * acc_t20.z, st.y * acc_t24.z);
      }
      if (r0 + 3u < N) {
        store(t0 + 2u, ROW0 + r0 + 3u, st.y * acc_t20.w, st.y * acc_t24.w);
      }
      if (r1 + 0u < N) {
        store(t0 + 2u, ROW0 + r1 + 0u, st.y * acc_t21.x, st.y * acc_t25.x);
      }
      if (r1 + 1u < N) {
        store(t0 + 2u, ROW0 + r1 + 1u, st.y * acc_t21.y, st.y * acc_t25.y);
      }
      if (r1 + 2u < N) {
        store(t0 + 2u, ROW0 + r1 + 2u, st.y * acc_t21.z, st.y * acc_t25.z);
      }
      if (r1 + 3u < N) {
        store(t0 + 2u, ROW0 + r1 + 3u, st.y * acc_t21.w, st.y * acc_t25.w);
      }
      if (r2 + 0u < N) {
        store(t0 + 2u, ROW0 + r2 + 0u, st.y * acc_t22.x, st.y * acc_t26.x);
      }
      if (r2 + 1u < N) {
        store(t0 + 2u, ROW0 + r2 + 1u, st.y * acc_t22.y, st.y * acc_t26.y);
      }
      if (r2 + 2u < N) {
        store(t0 + 2u, ROW0 + r2 + 2u, st.y * acc_t22.z, st.y * acc_t26.z);
      }
      if (r2 + 3u < N) {
        store(t0 + 2u, ROW0 + r2 + 3u, st.y * acc_t22.w, st.y * acc_t26.w);
      }
      if (r3 + 0u < N) {
        store(t0 + 2u, ROW0 + r3 + 0u, st.y * acc_t23.x, st.y * acc_t27.x);
      }
      if (r3 + 1u < N) {
        store(t0 + 2u, ROW0 + r3 + 1u, st.y * acc_t23.y, st.y * acc_t27.y);
      }
      if (r3 + 2u < N) {
        store(t0 + 2u, ROW0 + r3 + 2u, st.y * acc_t23.z, st.y * acc_t27.z);
      }
      if (r3 + 3u < N) {
        store(t0 + 2u, ROW0 + r3 + 3u, st.y * acc_t23.w, st.y * acc_t27.w);
      }
    }
    if (3u < tn) {
      let st = stat[3];      if (r0 + 0u < N) {
        store(t0 + 3u, ROW0 + r0 + 0u, st.y * acc_t30.x, st.y * acc_t34.x);
      }
      if (r0 + 1u < N) {
        store(t0 + 3u, ROW0 + r0 + 1u, st.y * acc_t30.y, st.y * acc_t34.y);
      }
      if (r0 + 2u < N) {
        store(t0 + 3u, ROW0 + r0 + 2u, st.y * acc_t30.z, st.y * acc_t34.z);
      }
      if (r0 + 3u < N) {
        store(t0 + 3u, ROW0 + r0 + 3u, st.y * acc_t30.w, st.y * acc_t34.w);
      }
      if (r1 + 0u < N) {
        store(t0 + 3u, ROW0 + r1 + 0u, st.y * acc_t31.x, st.y * acc_t35.x);
      }
      if (r1 + 1u < N) {
        store(t0 + 3u, ROW0 + r1 + 1u, st.y * acc_t31.y, st.y * acc_t35.y);
      }
      if (r1 + 2u < N) {
        store(t0 + 3u, ROW0 + r1 + 2u, st.y * acc_t31.z, st.y * acc_t35.z);
      }
      if (r1 + 3u < N) {
        store(t0 + 3u, ROW0 + r1 + 3u, st.y * acc_t31.w, st.y * acc_t35.w);
      }
      if (r2 + 0u < N) {
        store(t0 + 3u, ROW0 + r2 + 0u, st.y * acc_t32.x, st.y * acc_t36.x);
      }
      if (r2 + 1u < N) {
        store(t0 + 3u, ROW0 + r2 + 1u, st.y * acc_t32.y, st.y * acc_t36.y);
      }
      if (r2 + 2u < N) {
        store(t0 + 3u, ROW0 + r2 + 2u, st.y * acc_t32.z, st.y * acc_t36.z);
      }
      if (r2 + 3u < N) {
        store(t0 + 3u, ROW0 + r2 + 3u, st.y * acc_t32.w, st.y * acc_t36.w);
      }
      if (r3 + 0u < N) {
        store(t0 + 3u, ROW0 + r3 + 0u, st.y * acc_t33.x, st.y * acc_t37.x);
      }
      if (r3 + 1u < N) {
        store(t0 + 3u, ROW0 + r3 + 1u, st.y * acc_t33.y, st.y * acc_t37.y);
      }
      if (r3 + 2u < N) {
        store(t0 + 3u, ROW0 + r3 + 2u, st.y * acc_t33.z, st.y * acc_t37.z);
      }
      if (r3 + 3u < N) {
        store(t0 + 3u, ROW0 + r3 + 3u, st.y * acc_t33.w, st.y * acc_t37.w);
      }
    }
  }
}
