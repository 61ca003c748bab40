struct Params {
  n_rows: u32,
  n_out: u32,
  pad0: u32,
  pad1: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> ctl: array<u32>;
@group(0) @binding(2) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> part: array<f32>;
@group(0) @binding(4) var<storage, read> w: array<vec4<u32>>;
@group(0) @binding(5) var<storage, read_write> out: array<f32>;
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
const N: u32 = 576u;            // output rows of this dispatch
const ROW0: u32 = 0u;      // first output row (weights split for binding limits)
const OUT_N: u32 = 576u;    // output row stride
const TT: u32 = 4u;          // tokens per workgroup
const WG: u32 = 8u;
const RW: u32 = 90u;          // u32 words per weight row
const QW: u32 = 72u;   // quant words per row; scales follow
const NB: u32 = 18u;    // blocks of 32 inputs
const GROUPS: u32 = 72u; // 8-row groups in w
const ONE = vec4<f32>(1.0);
// Nibble j of each byte, masked in place, is worth q * 2^(8j): x is scaled by 2^-8j to match.
const SC = vec4<f32>(1.0, 0.00390625, 1.52587890625e-05, 5.9604644775390625e-08);
const NIB = vec4<u32>(0xFu, 0xF00u, 0xF0000u, 0xF000000u);
fn lo(wd: u32) -> vec4<f32> { return vec4<f32>(bitcast<vec4<i32>>(vec4<u32>(wd) & NIB)); }
fn hi(wd: u32) -> vec4<f32> { return vec4<f32>(bitcast<vec4<i32>>(vec4<u32>(wd >> 4u) & NIB)); }
fn xv(t0: u32, t: u32, i: u32) -> vec4<f32> {
  return x[min(t0 + t, p.n_rows - 1u) * K4 + i];   // rows past the tile's end are read but never stored
}
// Word c of rows r..r+3 (r % 4 == 0): one vector load. Rows past the matrix read its last group (never stored).
fn w4(r: u32, c: u32) -> vec4<u32> {
  return w[min(r >> 3u, GROUPS - 1u) * RW * 2u + c * 2u + ((r >> 2u) & 1u)];
}
fn store(tok: u32, o: u32, a: f32, u: f32) {
  var y = a;
  let oi = tok * OUT_N + o;
  out[oi] = out[oi] + y;}
@compute @workgroup_size(8)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let t0 = wid.y * TT;
  if (t0 >= p.n_rows) { return; }   // uniform: whole workgroup
  let tn = min(TT, p.n_rows - t0);
  let n0 = (wid.x * WG + lid) * 16u;
  if (n0 >= N) { return; }
  let r0 = n0 + 0u;
  let r1 = n0 + 4u;
  let r2 = n0 + 8u;
  let r3 = n0 + 12u;
  if (tn <= 1u) {
    var acc_t00 = vec4<f32>(0.0);
    var acc_t01 = vec4<f32>(0.0);
    var acc_t02 = vec4<f32>(0.0);
    var acc_t03 = vec4<f32>(0.0);
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
      var xs_t0 = 0.0;
      var p_t00 = vec4<f32>(0.0);
      var p_t01 = vec4<f32>(0.0);
      var p_t02 = vec4<f32>(0.0);
      var p_t03 = vec4<f32>(0.0);
      {
        let wd0 = w4(r0, b * 4u + 0u);
        let wd1 = w4(r1, b * 4u + 0u);
        let wd2 = w4(r2, b * 4u + 0u);
        let wd3 = w4(r3, b * 4u + 0u);
        {
          let xl = xv(t0, 0u, b * 8u + 0u);
          let xh = xv(t0, 0u, b * 8u + 4u);
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
        }
      }
      {
        let wd0 = w4(r0, b * 4u + 1u);
        let wd1 = w4(r1, b * 4u + 1u);
        let wd2 = w4(r2, b * 4u + 1u);
        let wd3 = w4(r3, b * 4u + 1u);
        {
          let xl = xv(t0, 0u, b * 8u + 1u);
          let xh = xv(t0, 0u, b * 8u + 5u);
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
        }
      }
      {
        let wd0 = w4(r0, b * 4u + 2u);
        let wd1 = w4(r1, b * 4u + 2u);
        let wd2 = w4(r2, b * 4u + 2u);
        let wd3 = w4(r3, b * 4u + 2u);
        {
          let xl = xv(t0, 0u, b * 8u + 2u);
          let xh = xv(t0, 0u, b * 8u + 6u);
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
        }
      }
      {
        let wd0 = w4(r0, b * 4u + 3u);
        let wd1 = w4(r1, b * 4u + 3u);
        let wd2 = w4(r2, b * 4u + 3u);
        let wd3 = w4(r3, b * 4u + 3u);
        {
          let xl = xv(t0, 0u, b * 8u + 3u);
          let xh = xv(t0, 0u, b * 8u + 7u);
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
        }
      }
      acc_t00 += d0 * p_t00 + m0 * xs_t0;
      acc_t01 += d1 * p_t01 + m1 * xs_t0;
      acc_t02 += d2 * p_t02 + m2 * xs_t0;
      acc_t03 += d3 * p_t03 + m3 * xs_t0;
    }
    if (0u < tn) {
      if (r0 + 0u < N) {
        store(t0 + 0u, ROW0 + r0 + 0u, acc_t00.x, 0.0);
      }
      if (r0 + 1u < N) {
        store(t0 + 0u, ROW0 + r0 + 1u, acc_t00.y, 0.0);
      }
      if (r0 + 2u < N) {
        store(t0 + 0u, ROW0 + r0 + 2u, acc_t00.z, 0.0);
      }
      if (r0 + 3u < N) {
        store(t0 + 0u, ROW0 + r0 + 3u, acc_t00.w, 0.0);
      }
      if (r1 + 0u < N) {
        store(t0 + 0u, ROW0 + r1 + 0u, acc_t01.x, 0.0);
      }
      if (r1 + 1u < N) {
        store(t0 + 0u, ROW0 + r1 + 1u, acc_t01.y, 0.0);
      }
      if (r1 + 2u < N) {
        store(t0 + 0u, ROW0 + r1 + 2u, acc_t01.z, 0.0);
      }
      if (r1 + 3u < N) {
        store(t0 + 0u, ROW0 + r1 + 3u, acc_t01.w, 0.0);
      }
      if (r2 + 0u < N) {
        store(t0 + 0u, ROW0 + r2 + 0u, acc_t02.x, 0.0);
      }
      if (r2 + 1u < N) {
        store(t0 + 0u, ROW0 + r2 + 1u, acc_t02.y, 0.0);
      }
      if (r2 + 2u < N) {
        store(t0 + 0u, ROW0 + r2 + 2u, acc_t02.z, 0.0);
      }
      if (r2 + 3u < N) {
        store(t0 + 0u, ROW0 + r2 + 3u, acc_t02.w, 0.0);
      }
      if (r3 + 0u < N) {
        store(t0 + 0u, ROW0 + r3 + 0u, acc_t03.x, 0.0);
      }
      if (r3 + 1u < N) {
        store(t0 + 0u, ROW0 + r3 + 1u, acc_t03.y, 0.0);
      }
      if (r3 + 2u < N) {
        store(t0 + 0u, ROW0 + r3 + 2u, acc_t03.z, 0.0);
      }
      if (r3 + 3u < N) {
        store(t0 + 0u, ROW0 + r3 + 3u, acc_t03.w, 0.0);
      }
    }
  } else if (tn <= 2u) {
    var acc_t00 = vec4<f32>(0.0);
    var acc_t01 = vec4<f32>(0.0);
    var acc_t02 = vec4<f32>(0.0);
    var acc_t03 = vec4<f32>(0.0);
    var acc_t10 = vec4<f32>(0.0);
    var acc_t11 = vec4<f32>(0.0);
    var acc_t12 = vec4<f32>(0.0);
    var acc_t13 = vec4<f32>(0.0);
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
      var xs_t0 = 0.0;
      var p_t00 = vec4<f32>(0.0);
      var p_t01 = vec4<f32>(0.0);
      var p_t02 = vec4<f32>(0.0);
      var p_t03 = vec4<f32>(0.0);
      var xs_t1 = 0.0;
      var p_t10 = vec4<f32>(0.0);
      var p_t11 = vec4<f32>(0.0);
      var p_t12 = vec4<f32>(0.0);
      var p_t13 = vec4<f32>(0.0);
      {
        let wd0 = w4(r0, b * 4u + 0u);
        let wd1 = w4(r1, b * 4u + 0u);
        let wd2 = w4(r2, b * 4u + 0u);
        let wd3 = w4(r3, b * 4u + 0u);
        {
          let xl = xv(t0, 0u, b * 8u + 0u);
          let xh = xv(t0, 0u, b * 8u + 4u);
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
        }
        {
          let xl = xv(t0, 1u, b * 8u + 0u);
          let xh = xv(t0, 1u, b * 8u + 4u);
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
        }
      }
      {
        let wd0 = w4(r0, b * 4u + 1u);
        let wd1 = w4(r1, b * 4u + 1u);
        let wd2 = w4(r2, b * 4u + 1u);
        let wd3 = w4(r3, b * 4u + 1u);
        {
          let xl = xv(t0, 0u, b * 8u + 1u);
          let xh = xv(t0, 0u, b * 8u + 5u);
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
        }
        {
          let xl = xv(t0, 1u, b * 8u + 1u);
          let xh = xv(t0, 1u, b * 8u + 5u);
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
        }
      }
      {
        let wd0 = w4(r0, b * 4u + 2u);
        let wd1 = w4(r1, b * 4u + 2u);
        let wd2 = w4(r2, b * 4u + 2u);
        let wd3 = w4(r3, b * 4u + 2u);
        {
          let xl = xv(t0, 0u, b * 8u + 2u);
          let xh = xv(t0, 0u, b * 8u + 6u);
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
        }
        {
          let xl = xv(t0, 1u, b * 8u + 2u);
          let xh = xv(t0, 1u, b * 8u + 6u);
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
        }
      }
      {
        let wd0 = w4(r0, b * 4u + 3u);
        let wd1 = w4(r1, b * 4u + 3u);
        let wd2 = w4(r2, b * 4u + 3u);
        let wd3 = w4(r3, b * 4u + 3u);
        {
          let xl = xv(t0, 0u, b * 8u + 3u);
          let xh = xv(t0, 0u, b * 8u + 7u);
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
        }
        {
          let xl = xv(t0, 1u, b * 8u + 3u);
          let xh = xv(t0, 1u, b * 8u + 7u);
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
        }
      }
      acc_t00 += d0 * p_t00 + m0 * xs_t0;
      acc_t01 += d1 * p_t01 + m1 * xs_t0;
      acc_t02 += d2 * p_t02 + m2 * xs_t0;
      acc_t03 += d3 * p_t03 + m3 * xs_t0;
      acc_t10 += d0 * p_t10 + m0 * xs_t1;
      acc_t11 += d1 * p_t11 + m1 * xs_t1;
      acc_t12 += d2 * p_t12 + m2 * xs_t1;
      acc_t13 += d3 * p_t13 + m3 * xs_t1;
    }
    if (0u < tn) {
      if (r0 + 0u < N) {
        store(t0 + 0u, ROW0 + r0 + 0u, acc_t00.x, 0.0);
      }
      if (r0 + 1u < N) {
        store(t0 + 0u, ROW0 + r0 + 1u, acc_t00.y, 0.0);
      }
      if (r0 + 2u < N) {
        store(t0 + 0u, ROW0 + r0 + 2u, acc_t00.z, 0.0);
      }
      if (r0 + 3u < N) {
        store(t0 + 0u, ROW0 + r0 + 3u, acc_t00.w, 0.0);
      }
      if (r1 + 0u < N) {
        store(t0 + 0u, ROW0 + r1 + 0u, acc_t01.x, 0.0);
      }
      if (r1 + 1u < N) {
        store(t0 + 0u, ROW0 + r1 + 1u, acc_t01.y, 0.0);
      }
      if (r1 + 2u < N) {
        store(t0 + 0u, ROW0 + r1 + 2u, acc_t01.z, 0.0);
      }
      if (r1 + 3u < N) {
        store(t0 + 0u, ROW0 + r1 + 3u, acc_t01.w, 0.0);
      }
      if (r2 + 0u < N) {
        store(t0 + 0u, ROW0 + r2 + 0u, acc_t02.x, 0.0);
      }
      if (r2 + 1u < N) {
        store(t0 + 0u, ROW0 + r2 + 1u, acc_t02.y, 0.0);
      }
      if (r2 + 2u < N) {
        store(t0 + 0u, ROW0 + r2 + 2u, acc_t02.z, 0.0);
      }
      if (r2 + 3u < N) {
        store(t0 + 0u, ROW0 + r2 + 3u, acc_t02.w, 0.0);
      }
      if (r3 + 0u < N) {
        store(t0 + 0u, ROW0 + r3 + 0u, acc_t03.x, 0.0);
      }
      if (r3 + 1u < N) {
        store(t0 + 0u, ROW0 + r3 + 1u, acc_t03.y, 0.0);
      }
      if (r3 + 2u < N) {
        store(t0 + 0u, ROW0 + r3 + 2u, acc_t03.z, 0.0);
      }
      if (r3 + 3u < N) {
        store(t0 + 0u, ROW0 + r3 + 3u, acc_t03.w, 0.0);
      }
    }
    if (1u < tn) {
      if (r0 + 0u < N) {
        store(t0 + 1u, ROW0 + r0 + 0u, acc_t10.x, 0.0);
      }
      if (r0 + 1u < N) {
        store(t0 + 1u, ROW0 + r0 + 1u, acc_t10.y, 0.0);
      }
      if (r0 + 2u < N) {
        store(t0 + 1u, ROW0 + r0 + 2u, acc_t10.z, 0.0);
      }
      if (r0 + 3u < N) {
        store(t0 + 1u, ROW0 + r0 + 3u, acc_t10.w, 0.0);
      }
      if (r1 + 0u < N) {
        store(t0 + 1u, ROW0 + r1 + 0u, acc_t11.x, 0.0);
      }
      if (r1 + 1u < N) {
        store(t0 + 1u, ROW0 + r1 + 1u, acc_t11.y, 0.0);
      }
      if (r1 + 2u < N) {
        store(t0 + 1u, ROW0 + r1 + 2u, acc_t11.z, 0.0);
      }
      if (r1 + 3u < N) {
        store(t0 + 1u, ROW0 + r1 + 3u, acc_t11.w, 0.0);
      }
      if (r2 + 0u < N) {
        store(t0 + 1u, ROW0 + r2 + 0u, acc_t12.x, 0.0);
      }
      if (r2 + 1u < N) {
        store(t0 + 1u, ROW0 + r2 + 1u, acc_t12.y, 0.0);
      }
      if (r2 + 2u < N) {
        store(t0 + 1u, ROW0 + r2 + 2u, acc_t12.z, 0.0);
      }
      if (r2 + 3u < N) {
        store(t0 + 1u, ROW0 + r2 + 3u, acc_t12.w, 0.0);
      }
      if (r3 + 0u < N) {
        store(t0 + 1u, ROW0 + r3 + 0u, acc_t13.x, 0.0);
      }
      if (r3 + 1u < N) {
        store(t0 + 1u, ROW0 + r3 + 1u, acc_t13.y, 0.0);
      }
      if (r3 + 2u < N) {
        store(t0 + 1u, ROW0 + r3 + 2u, acc_t13.z, 0.0);
      }
      if (r3 + 3u < N) {
        store(t0 + 1u, ROW0 + r3 + 3u, acc_t13.w, 0.0);
      }
    }
  } else if (tn <= 4u) {
    var acc_t00 = vec4<f32>(0.0);
    var acc_t01 = vec4<f32>(0.0);
    var acc_t02 = vec4<f32>(0.0);
    var acc_t03 = vec4<f32>(0.0);
    var acc_t10 = vec4<f32>(0.0);
    var acc_t11 = vec4<f32>(0.0);
    var acc_t12 = vec4<f32>(0.0);
    var acc_t13 = vec4<f32>(0.0);
    var acc_t20 = vec4<f32>(0.0);
    var acc_t21 = vec4<f32>(0.0);
    var acc_t22 = vec4<f32>(0.0);
    var acc_t23 = vec4<f32>(0.0);
    var acc_t30 = vec4<f32>(0.0);
    var acc_t31 = vec4<f32>(0.0);
    var acc_t32 = vec4<f32>(0.0);
    var acc_t33 = vec4<f32>(0.0);
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
      var xs_t0 = 0.0;
      var p_t00 = vec4<f32>(0.0);
      var p_t01 = vec4<f32>(0.0);
      var p_t02 = vec4<f32>(0.0);
      var p_t03 = vec4<f32>(0.0);
      var xs_t1 = 0.0;
      var p_t10 = vec4<f32>(0.0);
      var p_t11 = vec4<f32>(0.0);
      var p_t12 = vec4<f32>(0.0);
      var p_t13 = vec4<f32>(0.0);
      var xs_t2 = 0.0;
      var p_t20 = vec4<f32>(0.0);
      var p_t21 = vec4<f32>(0.0);
      var p_t22 = vec4<f32>(0.0);
      var p_t23 = vec4<f32>(0.0);
      var xs_t3 = 0.0;
      var p_t30 = vec4<f32>(0.0);
      var p_t31 = vec4<f32>(0.0);
      var p_t32 = vec4<f32>(0.0);
      var p_t33 = vec4<f32>(0.0);
      {
        let wd0 = w4(r0, b * 4u + 0u);
        let wd1 = w4(r1, b * 4u + 0u);
        let wd2 = w4(r2, b * 4u + 0u);
        let wd3 = w4(r3, b * 4u + 0u);
        {
          let xl = xv(t0, 0u, b * 8u + 0u);
          let xh = xv(t0, 0u, b * 8u + 4u);
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
        }
        {
          let xl = xv(t0, 1u, b * 8u + 0u);
          let xh = xv(t0, 1u, b * 8u + 4u);
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
        }
        {
          let xl = xv(t0, 2u, b * 8u + 0u);
          let xh = xv(t0, 2u, b * 8u + 4u);
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
        }
        {
          let xl = xv(t0, 3u, b * 8u + 0u);
          let xh = xv(t0, 3u, b * 8u + 4u);
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
        }
      }
      {
        let wd0 = w4(r0, b * 4u + 1u);
        let wd1 = w4(r1, b * 4u + 1u);
        let wd2 = w4(r2, b * 4u + 1u);
        let wd3 = w4(r3, b * 4u + 1u);
        {
          let xl = xv(t0, 0u, b * 8u + 1u);
          let xh = xv(t0, 0u, b * 8u + 5u);
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
        }
        {
          let xl = xv(t0, 1u, b * 8u + 1u);
          let xh = xv(t0, 1u, b * 8u + 5u);
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
        }
        {
          let xl = xv(t0, 2u, b * 8u + 1u);
          let xh = xv(t0, 2u, b * 8u + 5u);
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
        }
        {
          let xl = xv(t0, 3u, b * 8u + 1u);
          let xh = xv(t0, 3u, b * 8u + 5u);
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
        }
      }
      {
        let wd0 = w4(r0, b * 4u + 2u);
        let wd1 = w4(r1, b * 4u + 2u);
        let wd2 = w4(r2, b * 4u + 2u);
        let wd3 = w4(r3, b * 4u + 2u);
        {
          let xl = xv(t0, 0u, b * 8u + 2u);
          let xh = xv(t0, 0u, b * 8u + 6u);
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
        }
        {
          let xl = xv(t0, 1u, b * 8u + 2u);
          let xh = xv(t0, 1u, b * 8u + 6u);
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
        }
        {
          let xl = xv(t0, 2u, b * 8u + 2u);
          let xh = xv(t0, 2u, b * 8u + 6u);
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
        }
        {
          let xl = xv(t0, 3u, b * 8u + 2u);
          let xh = xv(t0, 3u, b * 8u + 6u);
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
        }
      }
      {
        let wd0 = w4(r0, b * 4u + 3u);
        let wd1 = w4(r1, b * 4u + 3u);
        let wd2 = w4(r2, b * 4u + 3u);
        let wd3 = w4(r3, b * 4u + 3u);
        {
          let xl = xv(t0, 0u, b * 8u + 3u);
          let xh = xv(t0, 0u, b * 8u + 7u);
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
        }
        {
          let xl = xv(t0, 1u, b * 8u + 3u);
          let xh = xv(t0, 1u, b * 8u + 7u);
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
        }
        {
          let xl = xv(t0, 2u, b * 8u + 3u);
          let xh = xv(t0, 2u, b * 8u + 7u);
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
        }
        {
          let xl = xv(t0, 3u, b * 8u + 3u);
          let xh = xv(t0, 3u, b * 8u + 7u);
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
        }
      }
      acc_t00 += d0 * p_t00 + m0 * xs_t0;
      acc_t01 += d1 * p_t01 + m1 * xs_t0;
      acc_t02 += d2 * p_t02 + m2 * xs_t0;
      acc_t03 += d3 * p_t03 + m3 * xs_t0;
      acc_t10 += d0 * p_t10 + m0 * xs_t1;
      acc_t11 += d1 * p_t11 + m1 * xs_t1;
      acc_t12 += d2 * p_t12 + m2 * xs_t1;
      acc_t13 += d3 * p_t13 + m3 * xs_t1;
      acc_t20 += d0 * p_t20 + m0 * xs_t2;
      acc_t21 += d1 * p_t21 + m1 * xs_t2;
      acc_t22 += d2 * p_t22 + m2 * xs_t2;
      acc_t23 += d3 * p_t23 + m3 * xs_t2;
      acc_t30 += d0 * p_t30 + m0 * xs_t3;
      acc_t31 += d1 * p_t31 + m1 * xs_t3;
      acc_t32 += d2 * p_t32 + m2 * xs_t3;
      acc_t33 += d3 * p_t33 + m3 * xs_t3;
    }
    if (0u < tn) {
      if (r0 + 0u < N) {
        store(t0 + 0u, ROW0 + r0 + 0u, acc_t00.x, 0.0);
      }
      if (r0 + 1u < N) {
        store(t0 + 0u, ROW0 + r0 + 1u, acc_t00.y, 0.0);
      }
      if (r0 + 2u < N) {
        store(t0 + 0u, ROW0 + r0 + 2u, acc_t00.z, 0.0);
      }
      if (r0 + 3u < N) {
        store(t0 + 0u, ROW0 + r0 + 3u, acc_t00.w, 0.0);
      }
      if (r1 + 0u < N) {
        store(t0 + 0u, ROW0 + r1 + 0u, acc_t01.x, 0.0);
      }
      if (r1 + 1u < N) {
        store(t0 + 0u, ROW0 + r1 + 1u, acc_t01.y, 0.0);
      }
      if (r1 + 2u < N) {
        store(t0 + 0u, ROW0 + r1 + 2u, acc_t01.z, 0.0);
      }
      if (r1 + 3u < N) {
        store(t0 + 0u, ROW0 + r1 + 3u, acc_t01.w, 0.0);
      }
      if (r2 + 0u < N) {
        store(t0 + 0u, ROW0 + r2 + 0u, acc_t02.x, 0.0);
      }
      if (r2 + 1u < N) {
        store(t0 + 0u, ROW0 + r2 + 1u, acc_t02.y, 0.0);
      }
      if (r2 + 2u < N) {
        store(t0 + 0u, ROW0 + r2 + 2u, acc_t02.z, 0.0);
      }
      if (r2 + 3u < N) {
        store(t0 + 0u, ROW0 + r2 + 3u, acc_t02.w, 0.0);
      }
      if (r3 + 0u < N) {
        store(t0 + 0u, ROW0 + r3 + 0u, acc_t03.x, 0.0);
      }
      if (r3 + 1u < N) {
        store(t0 + 0u, ROW0 + r3 + 1u, acc_t03.y, 0.0);
      }
      if (r3 + 2u < N) {
        store(t0 + 0u, ROW0 + r3 + 2u, acc_t03.z, 0.0);
      }
      if (r3 + 3u < N) {
        store(t0 + 0u, ROW0 + r3 + 3u, acc_t03.w, 0.0);
      }
    }
    if (1u < tn) {
      if (r0 + 0u < N) {
        store(t0 + 1u, ROW0 + r0 + 0u, acc_t10.x, 0.0);
      }
      if (r0 + 1u < N) {
        store(t0 + 1u, ROW0 + r0 + 1u, acc_t10.y, 0.0);
      }
      if (r0 + 2u < N) {
        store(t0 + 1u, ROW0 + r0 + 2u, acc_t10.z, 0.0);
      }
      if (r0 + 3u < N) {
        store(t0 + 1u, ROW0 + r0 + 3u, acc_t10.w, 0.0);
      }
      if (r1 + 0u < N) {
        store(t0 + 1u, ROW0 + r1 + 0u, acc_t11.x, 0.0);
      }
      if (r1 + 1u < N) {
        store(t0 + 1u, ROW0 + r1 + 1u, acc_t11.y, 0.0);
      }
      if (r1 + 2u < N) {
        store(t0 + 1u, ROW0 + r1 + 2u, acc_t11.z, 0.0);
      }
      if (r1 + 3u < N) {
        store(t0 + 1u, ROW0 + r1 + 3u, acc_t11.w, 0.0);
      }
      if (r2 + 0u < N) {
        store(t0 + 1u, ROW0 + r2 + 0u, acc_t12.x, 0.0);
      }
      if (r2 + 1u < N) {
        store(t0 + 1u, ROW0 + r2 + 1u, acc_t12.y, 0.0);
      }
      if (r2 + 2u < N) {
        store(t0 + 1u, ROW0 + r2 + 2u, acc_t12.z, 0.0);
      }
      if (r2 + 3u < N) {
        store(t0 + 1u, ROW0 + r2 + 3u, acc_t12.w, 0.0);
      }
      if (r3 + 0u < N) {
        store(t0 + 1u, ROW0 + r3 + 0u, acc_t13.x, 0.0);
      }
      if (r3 + 1u < N) {
        store(t0 + 1u, ROW0 + r3 + 1u, acc_t13.y, 0.0);
      }
      if (r3 + 2u < N) {
        store(t0 + 1u, ROW0 + r3 + 2u, acc_t13.z, 0.0);
      }
      if (r3 + 3u < N) {
        store(t0 + 1u, ROW0 + r3 + 3u, acc_t13.w, 0.0);
      }
    }
    if (2u < tn) {
      if (r0 + 0u < N) {
        store(t0 + 2u, ROW0 + r0 + 0u, acc_t20.x, 0.0);
      }
      if (r0 + 1u < N) {
        store(t0 + 2u, ROW0 + r0 + 1u, acc_t20.y, 0.0);
      }
      if (r0 + 2u < N) {
        store(t0 + 2u, ROW0 + r0 + 2u, acc_t20.z, 0.0);
      }
      if (r0 + 3u < N) {
        store(t0 + 2u, ROW0 + r0 + 3u, acc_t20.w, 0.0);
      }
      if (r1 + 0u < N) {
        store(t0 + 2u, ROW0 + r1 + 0u, acc_t21.x, 0.0);
      }
      if (r1 + 1u < N) {
        store(t0 + 2u, ROW0 + r1 + 1u, acc_t21.y, 0.0);
      }
      if (r1 + 2u < N) {
        store(t0 + 2u, ROW0 + r1 + 2u, acc_t21.z, 0.0);
      }
      if (r1 + 3u < N) {
        store(t0 + 2u, ROW0 + r1 + 3u, acc_t21.w, 0.0);
      }
      if (r2 + 0u < N) {
        store(t0 + 2u, ROW0 + r2 + 0u, acc_t22.x, 0.0);
      }
      if (r2 + 1u < N) {
        store(t0 + 2u, ROW0 + r2 + 1u, acc_t22.y, 0.0);
      }
      if (r2 + 2u < N) {
        store(t0 + 2u, ROW0 + r2 + 2u, acc_t22.z, 0.0);
      }
      if (r2 + 3u < N) {
        store(t0 + 2u, ROW0 + r2 + 3u, acc_t22.w, 0.0);
      }
      if (r3 + 0u < N) {
        store(t0 + 2u, ROW0 + r3 + 0u, acc_t23.x, 0.0);
      }
      if (r3 + 1u < N) {
        store(t0 + 2u, ROW0 + r3 + 1u, acc_t23.y, 0.0);
      }
      if (r3 + 2u < N) {
        store(t0 + 2u, ROW0 + r3 + 2u, acc_t23.z, 0.0);
      }
      if (r3 + 3u < N) {
        store(t0 + 2u, ROW0 + r3 + 3u, acc_t23.w, 0.0);
      }
    }
    if (3u < tn) {
      if (r0 + 0u < N) {
        store(t0 + 3u, ROW0 + r0 + 0u, acc_t30.x, 0.0);
      }
      if (r0 + 1u < N) {
        store(t0 + 3u, ROW0 + r0 + 1u, acc_t30.y, 0.0);
      }
      if (r0 + 2u < N) {
        store(t0 + 3u, ROW0 + r0 + 2u, acc_t30.z, 0.0);
      }
      if (r0 + 3u < N) {
        store(t0 + 3u, ROW0 + r0 + 3u, acc_t30.w, 0.0);
      }
      if (r1 + 0u < N) {
        store(t0 + 3u, ROW0 + r1 + 0u, acc_t31.x, 0.0);
      }
      if (r1 + 1u < N) {
        store(t0 + 3u, ROW0 + r1 + 1u, acc_t31.y, 0.0);
      }
      if (r1 + 2u < N) {
        store(t0 + 3u, ROW0 + r1 + 2u, acc_t31.z, 0.0);
      }
      if (r1 + 3u < N) {
        store(t0 + 3u, ROW0 + r1 + 3u, acc_t31.w, 0.0);
      }
      if (r2 + 0u < N) {
        store(t0 + 3u, ROW0 + r2 + 0u, acc_t32.x, 0.0);
      }
      if (r2 + 1u < N) {
        store(t0 + 3u, ROW0 + r2 + 1u, acc_t32.y, 0.0);
      }
      if (r2 + 2u < N) {
        store(t0 + 3u, ROW0 + r2 + 2u, acc_t32.z, 0.0);
      }
      if (r2 + 3u < N) {
        store(t0 + 3u, ROW0 + r2 + 3u, acc_t32.w, 0.0);
      }
      if (r3 + 0u < N) {
        store(t0 + 3u, ROW0 + r3 + 0u, acc_t33.x, 0.0);
      }
      if (r3 + 1u < N) {
        store(t0 + 3u, ROW0 + r3 + 1u, acc_t33.y, 0.0);
      }
      if (r3 + 2u < N) {
        store(t0 + 3u, ROW0 + r3 + 2u, acc_t33.z, 0.0);
      }
      if (r3 + 3u < N) {
        store(t0 + 3u, ROW0 + r3 + 3u, acc_t33.w, 0.0);
      }
    }
  }
}
