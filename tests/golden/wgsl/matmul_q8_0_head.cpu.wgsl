struct Params {
  n_rows: u32,
  n_out: u32,
  pad0: u32,
  pad1: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> w: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
const K4: u32 = 144u;      // input width in vec4s
const N: u32 = 49152u;            // output rows of this dispatch
const ROW0: u32 = 0u;      // first output row (weights split for binding limits)
const OUT_N: u32 = 49152u;    // output row stride
const TT: u32 = 4u;          // tokens per workgroup
const WG: u32 = 8u;
const RW: u32 = 153u;          // u32 words per weight row
const QW: u32 = 144u;   // quant words per row; scales follow
const NB: u32 = 18u;    // blocks of 32 inputs
const GROUPS: u32 = 6144u; // 8-row groups in w
const ONE = vec4<f32>(1.0);
// int8 lanes sign-extended by arithmetic shifts (WGSL has no i8).
fn i8s(wd: u32) -> vec4<f32> { return vec4<f32>(bitcast<vec4<i32>>(vec4<u32>(wd) << vec4<u32>(24u, 16u, 8u, 0u)) >> vec4<u32>(24u)); }
fn xv(t0: u32, t: u32, i: u32) -> vec4<f32> {
  return x[min(t0 + t, p.n_out - 1u) * K4 + i];   // rows past the tile's end are read but never stored
}
// Word c of rows r..r+3 (r % 4 == 0): one vector load. Rows past the matrix read its last group (never stored).
fn w4(r: u32, c: u32) -> vec4<u32> {
  return w[min(r >> 3u, GROUPS - 1u) * RW * 2u + c * 2u + ((r >> 2u) & 1u)];
}
fn store(tok: u32, o: u32, a: f32, u: f32) {
  var y = a;
  let oi = tok * OUT_N + o;
  out[oi] = y;}
@compute @workgroup_size(8)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let t0 = wid.y * TT;
  if (t0 >= p.n_out) { return; }   // uniform: whole workgroup
  let tn = min(TT, p.n_out - t0);
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
      let s0 = w4(r0, QW + b / 2u);
      let hb0 = b & 1u;
      let d0 = vec4<f32>(unpack2x16float(s0.x)[hb0], unpack2x16float(s0.y)[hb0],
                               unpack2x16float(s0.z)[hb0], unpack2x16float(s0.w)[hb0]);
      let s1 = w4(r1, QW + b / 2u);
      let hb1 = b & 1u;
      let d1 = vec4<f32>(unpack2x16float(s1.x)[hb1], unpack2x16float(s1.y)[hb1],
                               unpack2x16float(s1.z)[hb1], unpack2x16float(s1.w)[hb1]);
      let s2 = w4(r2, QW + b / 2u);
      let hb2 = b & 1u;
      let d2 = vec4<f32>(unpack2x16float(s2.x)[hb2], unpack2x16float(s2.y)[hb2],
                               unpack2x16float(s2.z)[hb2], unpack2x16float(s2.w)[hb2]);
      let s3 = w4(r3, QW + b / 2u);
      let hb3 = b & 1u;
      let d3 = vec4<f32>(unpack2x16float(s3.x)[hb3], unpack2x16float(s3.y)[hb3],
                               unpack2x16float(s3.z)[hb3], unpack2x16float(s3.w)[hb3]);
      var p_t00 = vec4<f32>(0.0);
      var p_t01 = vec4<f32>(0.0);
      var p_t02 = vec4<f32>(0.0);
      var p_t03 = vec4<f32>(0.0);
      {
        let wd0 = w4(r0, b * 8u + 0u);
        let wd1 = w4(r1, b * 8u + 0u);
        let wd2 = w4(r2, b * 8u + 0u);
        let wd3 = w4(r3, b * 8u + 0u);
        {
          let xv4 = xv(t0, 0u, b * 8u + 0u);
          p_t00 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t01 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t02 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t03 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
      }
      {
        let wd0 = w4(r0, b * 8u + 1u);
        let wd1 = w4(r1, b * 8u + 1u);
        let wd2 = w4(r2, b * 8u + 1u);
        let wd3 = w4(r3, b * 8u + 1u);
        {
          let xv4 = xv(t0, 0u, b * 8u + 1u);
          p_t00 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t01 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t02 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t03 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
      }
      {
        let wd0 = w4(r0, b * 8u + 2u);
        let wd1 = w4(r1, b * 8u + 2u);
        let wd2 = w4(r2, b * 8u + 2u);
        let wd3 = w4(r3, b * 8u + 2u);
        {
          let xv4 = xv(t0, 0u, b * 8u + 2u);
          p_t00 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t01 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t02 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t03 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
      }
      {
        let wd0 = w4(r0, b * 8u + 3u);
        let wd1 = w4(r1, b * 8u + 3u);
        let wd2 = w4(r2, b * 8u + 3u);
        let wd3 = w4(r3, b * 8u + 3u);
        {
          let xv4 = xv(t0, 0u, b * 8u + 3u);
          p_t00 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t01 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t02 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t03 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
      }
      {
        let wd0 = w4(r0, b * 8u + 4u);
        let wd1 = w4(r1, b * 8u + 4u);
        let wd2 = w4(r2, b * 8u + 4u);
        let wd3 = w4(r3, b * 8u + 4u);
        {
          let xv4 = xv(t0, 0u, b * 8u + 4u);
          p_t00 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t01 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t02 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t03 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
      }
      {
        let wd0 = w4(r0, b * 8u + 5u);
        let wd1 = w4(r1, b * 8u + 5u);
        let wd2 = w4(r2, b * 8u + 5u);
        let wd3 = w4(r3, b * 8u + 5u);
        {
          let xv4 = xv(t0, 0u, b * 8u + 5u);
          p_t00 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t01 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t02 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t03 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
      }
      {
        let wd0 = w4(r0, b * 8u + 6u);
        let wd1 = w4(r1, b * 8u + 6u);
        let wd2 = w4(r2, b * 8u + 6u);
        let wd3 = w4(r3, b * 8u + 6u);
        {
          let xv4 = xv(t0, 0u, b * 8u + 6u);
          p_t00 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t01 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t02 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t03 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
      }
      {
        let wd0 = w4(r0, b * 8u + 7u);
        let wd1 = w4(r1, b * 8u + 7u);
        let wd2 = w4(r2, b * 8u + 7u);
        let wd3 = w4(r3, b * 8u + 7u);
        {
          let xv4 = xv(t0, 0u, b * 8u + 7u);
          p_t00 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t01 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t02 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t03 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
      }
      acc_t00 += d0 * p_t00;
      acc_t01 += d1 * p_t01;
      acc_t02 += d2 * p_t02;
      acc_t03 += d3 * p_t03;
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
      let s0 = w4(r0, QW + b / 2u);
      let hb0 = b & 1u;
      let d0 = vec4<f32>(unpack2x16float(s0.x)[hb0], unpack2x16float(s0.y)[hb0],
                               unpack2x16float(s0.z)[hb0], unpack2x16float(s0.w)[hb0]);
      let s1 = w4(r1, QW + b / 2u);
      let hb1 = b & 1u;
      let d1 = vec4<f32>(unpack2x16float(s1.x)[hb1], unpack2x16float(s1.y)[hb1],
                               unpack2x16float(s1.z)[hb1], unpack2x16float(s1.w)[hb1]);
      let s2 = w4(r2, QW + b / 2u);
      let hb2 = b & 1u;
      let d2 = vec4<f32>(unpack2x16float(s2.x)[hb2], unpack2x16float(s2.y)[hb2],
                               unpack2x16float(s2.z)[hb2], unpack2x16float(s2.w)[hb2]);
      let s3 = w4(r3, QW + b / 2u);
      let hb3 = b & 1u;
      let d3 = vec4<f32>(unpack2x16float(s3.x)[hb3], unpack2x16float(s3.y)[hb3],
                               unpack2x16float(s3.z)[hb3], unpack2x16float(s3.w)[hb3]);
      var p_t00 = vec4<f32>(0.0);
      var p_t01 = vec4<f32>(0.0);
      var p_t02 = vec4<f32>(0.0);
      var p_t03 = vec4<f32>(0.0);
      var p_t10 = vec4<f32>(0.0);
      var p_t11 = vec4<f32>(0.0);
      var p_t12 = vec4<f32>(0.0);
      var p_t13 = vec4<f32>(0.0);
      {
        let wd0 = w4(r0, b * 8u + 0u);
        let wd1 = w4(r1, b * 8u + 0u);
        let wd2 = w4(r2, b * 8u + 0u);
        let wd3 = w4(r3, b * 8u + 0u);
        {
          let xv4 = xv(t0, 0u, b * 8u + 0u);
          p_t00 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t01 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t02 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t03 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
        {
          let xv4 = xv(t0, 1u, b * 8u + 0u);
          p_t10 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t11 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t12 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t13 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
      }
      {
        let wd0 = w4(r0, b * 8u + 1u);
        let wd1 = w4(r1, b * 8u + 1u);
        let wd2 = w4(r2, b * 8u + 1u);
        let wd3 = w4(r3, b * 8u + 1u);
        {
          let xv4 = xv(t0, 0u, b * 8u + 1u);
          p_t00 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t01 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t02 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t03 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
        {
          let xv4 = xv(t0, 1u, b * 8u + 1u);
          p_t10 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t11 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t12 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t13 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
      }
      {
        let wd0 = w4(r0, b * 8u + 2u);
        let wd1 = w4(r1, b * 8u + 2u);
        let wd2 = w4(r2, b * 8u + 2u);
        let wd3 = w4(r3, b * 8u + 2u);
        {
          let xv4 = xv(t0, 0u, b * 8u + 2u);
          p_t00 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t01 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t02 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t03 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
        {
          let xv4 = xv(t0, 1u, b * 8u + 2u);
          p_t10 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t11 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t12 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t13 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
      }
      {
        let wd0 = w4(r0, b * 8u + 3u);
        let wd1 = w4(r1, b * 8u + 3u);
        let wd2 = w4(r2, b * 8u + 3u);
        let wd3 = w4(r3, b * 8u + 3u);
        {
          let xv4 = xv(t0, 0u, b * 8u + 3u);
          p_t00 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t01 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t02 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t03 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
        {
          let xv4 = xv(t0, 1u, b * 8u + 3u);
          p_t10 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t11 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t12 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t13 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
      }
      {
        let wd0 = w4(r0, b * 8u + 4u);
        let wd1 = w4(r1, b * 8u + 4u);
        let wd2 = w4(r2, b * 8u + 4u);
        let wd3 = w4(r3, b * 8u + 4u);
        {
          let xv4 = xv(t0, 0u, b * 8u + 4u);
          p_t00 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t01 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t02 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t03 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
        {
          let xv4 = xv(t0, 1u, b * 8u + 4u);
          p_t10 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t11 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t12 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t13 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
      }
      {
        let wd0 = w4(r0, b * 8u + 5u);
        let wd1 = w4(r1, b * 8u + 5u);
        let wd2 = w4(r2, b * 8u + 5u);
        let wd3 = w4(r3, b * 8u + 5u);
        {
          let xv4 = xv(t0, 0u, b * 8u + 5u);
          p_t00 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t01 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t02 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t03 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
        {
          let xv4 = xv(t0, 1u, b * 8u + 5u);
          p_t10 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t11 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t12 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t13 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
      }
      {
        let wd0 = w4(r0, b * 8u + 6u);
        let wd1 = w4(r1, b * 8u + 6u);
        let wd2 = w4(r2, b * 8u + 6u);
        let wd3 = w4(r3, b * 8u + 6u);
        {
          let xv4 = xv(t0, 0u, b * 8u + 6u);
          p_t00 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t01 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t02 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t03 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
        {
          let xv4 = xv(t0, 1u, b * 8u + 6u);
          p_t10 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t11 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t12 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t13 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
      }
      {
        let wd0 = w4(r0, b * 8u + 7u);
        let wd1 = w4(r1, b * 8u + 7u);
        let wd2 = w4(r2, b * 8u + 7u);
        let wd3 = w4(r3, b * 8u + 7u);
        {
          let xv4 = xv(t0, 0u, b * 8u + 7u);
          p_t00 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t01 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t02 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t03 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
        {
          let xv4 = xv(t0, 1u, b * 8u + 7u);
          p_t10 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t11 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t12 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t13 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
      }
      acc_t00 += d0 * p_t00;
      acc_t01 += d1 * p_t01;
      acc_t02 += d2 * p_t02;
      acc_t03 += d3 * p_t03;
      acc_t10 += d0 * p_t10;
      acc_t11 += d1 * p_t11;
      acc_t12 += d2 * p_t12;
      acc_t13 += d3 * p_t13;
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
      let s0 = w4(r0, QW + b / 2u);
      let hb0 = b & 1u;
      let d0 = vec4<f32>(unpack2x16float(s0.x)[hb0], unpack2x16float(s0.y)[hb0],
                               unpack2x16float(s0.z)[hb0], unpack2x16float(s0.w)[hb0]);
      let s1 = w4(r1, QW + b / 2u);
      let hb1 = b & 1u;
      let d1 = vec4<f32>(unpack2x16float(s1.x)[hb1], unpack2x16float(s1.y)[hb1],
                               unpack2x16float(s1.z)[hb1], unpack2x16float(s1.w)[hb1]);
      let s2 = w4(r2, QW + b / 2u);
      let hb2 = b & 1u;
      let d2 = vec4<f32>(unpack2x16float(s2.x)[hb2], unpack2x16float(s2.y)[hb2],
                               unpack2x16float(s2.z)[hb2], unpack2x16float(s2.w)[hb2]);
      let s3 = w4(r3, QW + b / 2u);
      let hb3 = b & 1u;
      let d3 = vec4<f32>(unpack2x16float(s3.x)[hb3], unpack2x16float(s3.y)[hb3],
                               unpack2x16float(s3.z)[hb3], unpack2x16float(s3.w)[hb3]);
      var p_t00 = vec4<f32>(0.0);
      var p_t01 = vec4<f32>(0.0);
      var p_t02 = vec4<f32>(0.0);
      var p_t03 = vec4<f32>(0.0);
      var p_t10 = vec4<f32>(0.0);
      var p_t11 = vec4<f32>(0.0);
      var p_t12 = vec4<f32>(0.0);
      var p_t13 = vec4<f32>(0.0);
      var p_t20 = vec4<f32>(0.0);
      var p_t21 = vec4<f32>(0.0);
      var p_t22 = vec4<f32>(0.0);
      var p_t23 = vec4<f32>(0.0);
      var p_t30 = vec4<f32>(0.0);
      var p_t31 = vec4<f32>(0.0);
      var p_t32 = vec4<f32>(0.0);
      var p_t33 = vec4<f32>(0.0);
      {
        let wd0 = w4(r0, b * 8u + 0u);
        let wd1 = w4(r1, b * 8u + 0u);
        let wd2 = w4(r2, b * 8u + 0u);
        let wd3 = w4(r3, b * 8u + 0u);
        {
          let xv4 = xv(t0, 0u, b * 8u + 0u);
          p_t00 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t01 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t02 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t03 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
        {
          let xv4 = xv(t0, 1u, b * 8u + 0u);
          p_t10 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t11 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t12 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t13 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
        {
          let xv4 = xv(t0, 2u, b * 8u + 0u);
          p_t20 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t21 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t22 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t23 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
        {
          let xv4 = xv(t0, 3u, b * 8u + 0u);
          p_t30 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t31 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t32 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t33 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
      }
      {
        let wd0 = w4(r0, b * 8u + 1u);
        let wd1 = w4(r1, b * 8u + 1u);
        let wd2 = w4(r2, b * 8u + 1u);
        let wd3 = w4(r3, b * 8u + 1u);
        {
          let xv4 = xv(t0, 0u, b * 8u + 1u);
          p_t00 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t01 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t02 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t03 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
        {
          let xv4 = xv(t0, 1u, b * 8u + 1u);
          p_t10 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t11 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t12 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t13 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
        {
          let xv4 = xv(t0, 2u, b * 8u + 1u);
          p_t20 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t21 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t22 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t23 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
        {
          let xv4 = xv(t0, 3u, b * 8u + 1u);
          p_t30 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t31 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t32 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t33 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
      }
      {
        let wd0 = w4(r0, b * 8u + 2u);
        let wd1 = w4(r1, b * 8u + 2u);
        let wd2 = w4(r2, b * 8u + 2u);
        let wd3 = w4(r3, b * 8u + 2u);
        {
          let xv4 = xv(t0, 0u, b * 8u + 2u);
          p_t00 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t01 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t02 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t03 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
        {
          let xv4 = xv(t0, 1u, b * 8u + 2u);
          p_t10 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t11 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t12 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t13 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
        {
          let xv4 = xv(t0, 2u, b * 8u + 2u);
          p_t20 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t21 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t22 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t23 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
        {
          let xv4 = xv(t0, 3u, b * 8u + 2u);
          p_t30 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t31 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t32 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t33 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
      }
      {
        let wd0 = w4(r0, b * 8u + 3u);
        let wd1 = w4(r1, b * 8u + 3u);
        let wd2 = w4(r2, b * 8u + 3u);
        let wd3 = w4(r3, b * 8u + 3u);
        {
          let xv4 = xv(t0, 0u, b * 8u + 3u);
          p_t00 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t01 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t02 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t03 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
        {
          let xv4 = xv(t0, 1u, b * 8u + 3u);
          p_t10 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t11 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t12 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t13 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
        {
          let xv4 = xv(t0, 2u, b * 8u + 3u);
          p_t20 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t21 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t22 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t23 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
        {
          let xv4 = xv(t0, 3u, b * 8u + 3u);
          p_t30 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t31 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t32 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t33 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
      }
      {
        let wd0 = w4(r0, b * 8u + 4u);
        let wd1 = w4(r1, b * 8u + 4u);
        let wd2 = w4(r2, b * 8u + 4u);
        let wd3 = w4(r3, b * 8u + 4u);
        {
          let xv4 = xv(t0, 0u, b * 8u + 4u);
          p_t00 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t01 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t02 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t03 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
        {
          let xv4 = xv(t0, 1u, b * 8u + 4u);
          p_t10 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t11 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t12 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t13 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
        {
          let xv4 = xv(t0, 2u, b * 8u + 4u);
          p_t20 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t21 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t22 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t23 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
        {
          let xv4 = xv(t0, 3u, b * 8u + 4u);
          p_t30 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t31 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t32 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t33 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
      }
      {
        let wd0 = w4(r0, b * 8u + 5u);
        let wd1 = w4(r1, b * 8u + 5u);
        let wd2 = w4(r2, b * 8u + 5u);
        let wd3 = w4(r3, b * 8u + 5u);
        {
          let xv4 = xv(t0, 0u, b * 8u + 5u);
          p_t00 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t01 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t02 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t03 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
        {
          let xv4 = xv(t0, 1u, b * 8u + 5u);
          p_t10 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t11 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t12 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t13 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
        {
          let xv4 = xv(t0, 2u, b * 8u + 5u);
          p_t20 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t21 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t22 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t23 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
        {
          let xv4 = xv(t0, 3u, b * 8u + 5u);
          p_t30 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t31 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t32 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t33 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
      }
      {
        let wd0 = w4(r0, b * 8u + 6u);
        let wd1 = w4(r1, b * 8u + 6u);
        let wd2 = w4(r2, b * 8u + 6u);
        let wd3 = w4(r3, b * 8u + 6u);
        {
          let xv4 = xv(t0, 0u, b * 8u + 6u);
          p_t00 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t01 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t02 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t03 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
        {
          let xv4 = xv(t0, 1u, b * 8u + 6u);
          p_t10 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t11 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t12 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t13 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
        {
          let xv4 = xv(t0, 2u, b * 8u + 6u);
          p_t20 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t21 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t22 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t23 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
        {
          let xv4 = xv(t0, 3u, b * 8u + 6u);
          p_t30 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t31 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t32 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t33 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
      }
      {
        let wd0 = w4(r0, b * 8u + 7u);
        let wd1 = w4(r1, b * 8u + 7u);
        let wd2 = w4(r2, b * 8u + 7u);
        let wd3 = w4(r3, b * 8u + 7u);
        {
          let xv4 = xv(t0, 0u, b * 8u + 7u);
          p_t00 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t01 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t02 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t03 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
        {
          let xv4 = xv(t0, 1u, b * 8u + 7u);
          p_t10 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t11 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t12 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t13 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
        {
          let xv4 = xv(t0, 2u, b * 8u + 7u);
          p_t20 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t21 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t22 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t23 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
        {
          let xv4 = xv(t0, 3u, b * 8u + 7u);
          p_t30 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t31 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
          p_t32 += vec4<f32>(dot(i8s(wd2.x), xv4), dot(i8s(wd2.y), xv4), dot(i8s(wd2.z), xv4), dot(i8s(wd2.w), xv4));
          p_t33 += vec4<f32>(dot(i8s(wd3.x), xv4), dot(i8s(wd3.y), xv4), dot(i8s(wd3.z), xv4), dot(i8s(wd3.w), xv4));
        }
      }
      acc_t00 += d0 * p_t00;
      acc_t01 += d1 * p_t01;
      acc_t02 += d2 * p_t02;
      acc_t03 += d3 * p_t03;
      acc_t10 += d0 * p_t10;
      acc_t11 += d1 * p_t11;
      acc_t12 += d2 * p_t12;
      acc_t13 += d3 * p_t13;
      acc_t20 += d0 * p_t20;
      acc_t21 += d1 * p_t21;
      acc_t22 += d2 * p_t22;
      acc_t23 += d3 * p_t23;
      acc_t30 += d0 * p_t30;
      acc_t31 += d1 * p_t31;
      acc_t32 += d2 * p_t32;
      acc_t33 += d3 * p_t33;
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
