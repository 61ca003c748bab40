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
  let n0 = (wid.x * WG + lid) * 8u;
  if (n0 >= N) { return; }
  let r0 = n0 + 0u;
  let r1 = n0 + 4u;
  if (tn <= 1u) {
    var acc_t00 = vec4<f32>(0.0);
    var acc_t01 = vec4<f32>(0.0);
    for (var b = 0u; b < NB; b++) {
      let s0 = w4(r0, QW + b / 2u);
      let hb0 = b & 1u;
      let d0 = vec4<f32>(unpack2x16float(s0.x)[hb0], unpack2x16float(s0.y)[hb0],
                               unpack2x16float(s0.z)[hb0], unpack2x16float(s0.w)[hb0]);
      let s1 = w4(r1, QW + b / 2u);
      let hb1 = b & 1u;
      let d1 = vec4<f32>(unpack2x16float(s1.x)[hb1], unpack2x16float(s1.y)[hb1],
                               unpack2x16float(s1.z)[hb1], unpack2x16float(s1.w)[hb1]);
      var p_t00 = vec4<f32>(0.0);
      var p_t01 = vec4<f32>(0.0);
      {
        let wd0 = w4(r0, b * 8u + 0u);
        let wd1 = w4(r1, b * 8u + 0u);
        {
          let xv4 = xv(t0, 0u, b * 8u + 0u);
          p_t00 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t01 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
      }
      {
        let wd0 = w4(r0, b * 8u + 1u);
        let wd1 = w4(r1, b * 8u + 1u);
        {
          let xv4 = xv(t0, 0u, b * 8u + 1u);
          p_t00 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t01 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
      }
      {
        let wd0 = w4(r0, b * 8u + 2u);
        let wd1 = w4(r1, b * 8u + 2u);
        {
          let xv4 = xv(t0, 0u, b * 8u + 2u);
          p_t00 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t01 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
      }
      {
        let wd0 = w4(r0, b * 8u + 3u);
        let wd1 = w4(r1, b * 8u + 3u);
        {
          let xv4 = xv(t0, 0u, b * 8u + 3u);
          p_t00 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t01 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
      }
      {
        let wd0 = w4(r0, b * 8u + 4u);
        let wd1 = w4(r1, b * 8u + 4u);
        {
          let xv4 = xv(t0, 0u, b * 8u + 4u);
          p_t00 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t01 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
      }
      {
        let wd0 = w4(r0, b * 8u + 5u);
        let wd1 = w4(r1, b * 8u + 5u);
        {
          let xv4 = xv(t0, 0u, b * 8u + 5u);
          p_t00 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t01 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
      }
      {
        let wd0 = w4(r0, b * 8u + 6u);
        let wd1 = w4(r1, b * 8u + 6u);
        {
          let xv4 = xv(t0, 0u, b * 8u + 6u);
          p_t00 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t01 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
      }
      {
        let wd0 = w4(r0, b * 8u + 7u);
        let wd1 = w4(r1, b * 8u + 7u);
        {
          let xv4 = xv(t0, 0u, b * 8u + 7u);
          p_t00 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t01 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
      }
      acc_t00 += d0 * p_t00;
      acc_t01 += d1 * p_t01;
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
    }
  } else if (tn <= 2u) {
    var acc_t00 = vec4<f32>(0.0);
    var acc_t01 = vec4<f32>(0.0);
    var acc_t10 = vec4<f32>(0.0);
    var acc_t11 = vec4<f32>(0.0);
    for (var b = 0u; b < NB; b++) {
      let s0 = w4(r0, QW + b / 2u);
      let hb0 = b & 1u;
      let d0 = vec4<f32>(unpack2x16float(s0.x)[hb0], unpack2x16float(s0.y)[hb0],
                               unpack2x16float(s0.z)[hb0], unpack2x16float(s0.w)[hb0]);
      let s1 = w4(r1, QW + b / 2u);
      let hb1 = b & 1u;
      let d1 = vec4<f32>(unpack2x16float(s1.x)[hb1], unpack2x16float(s1.y)[hb1],
                               unpack2x16float(s1.z)[hb1], unpack2x16float(s1.w)[hb1]);
      var p_t00 = vec4<f32>(0.0);
      var p_t01 = vec4<f32>(0.0);
      var p_t10 = vec4<f32>(0.0);
      var p_t11 = vec4<f32>(0.0);
      {
        let wd0 = w4(r0, b * 8u + 0u);
        let wd1 = w4(r1, b * 8u + 0u);
        {
          let xv4 = xv(t0, 0u, b * 8u + 0u);
          p_t00 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t01 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
        {
          let xv4 = xv(t0, 1u, b * 8u + 0u);
          p_t10 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t11 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
      }
      {
        let wd0 = w4(r0, b * 8u + 1u);
        let wd1 = w4(r1, b * 8u + 1u);
        {
          let xv4 = xv(t0, 0u, b * 8u + 1u);
          p_t00 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t01 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
        {
          let xv4 = xv(t0, 1u, b * 8u + 1u);
          p_t10 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t11 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
      }
      {
        let wd0 = w4(r0, b * 8u + 2u);
        let wd1 = w4(r1, b * 8u + 2u);
        {
          let xv4 = xv(t0, 0u, b * 8u + 2u);
          p_t00 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t01 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
        {
          let xv4 = xv(t0, 1u, b * 8u + 2u);
          p_t10 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t11 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
      }
      {
        let wd0 = w4(r0, b * 8u + 3u);
        let wd1 = w4(r1, b * 8u + 3u);
        {
          let xv4 = xv(t0, 0u, b * 8u + 3u);
          p_t00 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t01 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
        {
          let xv4 = xv(t0, 1u, b * 8u + 3u);
          p_t10 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t11 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
      }
      {
        let wd0 = w4(r0, b * 8u + 4u);
        let wd1 = w4(r1, b * 8u + 4u);
        {
          let xv4 = xv(t0, 0u, b * 8u + 4u);
          p_t00 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t01 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
        {
          let xv4 = xv(t0, 1u, b * 8u + 4u);
          p_t10 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t11 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
      }
      {
        let wd0 = w4(r0, b * 8u + 5u);
        let wd1 = w4(r1, b * 8u + 5u);
        {
          let xv4 = xv(t0, 0u, b * 8u + 5u);
          p_t00 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t01 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
        {
          let xv4 = xv(t0, 1u, b * 8u + 5u);
          p_t10 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t11 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
      }
      {
        let wd0 = w4(r0, b * 8u + 6u);
        let wd1 = w4(r1, b * 8u + 6u);
        {
          let xv4 = xv(t0, 0u, b * 8u + 6u);
          p_t00 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t01 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
        {
          let xv4 = xv(t0, 1u, b * 8u + 6u);
          p_t10 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t11 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
      }
      {
        let wd0 = w4(r0, b * 8u + 7u);
        let wd1 = w4(r1, b * 8u + 7u);
        {
          let xv4 = xv(t0, 0u, b * 8u + 7u);
          p_t00 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t01 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
        {
          let xv4 = xv(t0, 1u, b * 8u + 7u);
          p_t10 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t11 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
      }
      acc_t00 += d0 * p_t00;
      acc_t01 += d1 * p_t01;
      acc_t10 += d0 * p_t10;
      acc_t11 += d1 * p_t11;
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
    }
  } else if (tn <= 4u) {
    var acc_t00 = vec4<f32>(0.0);
    var acc_t01 = vec4<f32>(0.0);
    var acc_t10 = vec4<f32>(0.0);
    var acc_t11 = vec4<f32>(0.0);
    var acc_t20 = vec4<f32>(0.0);
    var acc_t21 = vec4<f32>(0.0);
    var acc_t30 = vec4<f32>(0.0);
    var acc_t31 = vec4<f32>(0.0);
    for (var b = 0u; b < NB; b++) {
      let s0 = w4(r0, QW + b / 2u);
      let hb0 = b & 1u;
      let d0 = vec4<f32>(unpack2x16float(s0.x)[hb0], unpack2x16float(s0.y)[hb0],
                               unpack2x16float(s0.z)[hb0], unpack2x16float(s0.w)[hb0]);
      let s1 = w4(r1, QW + b / 2u);
      let hb1 = b & 1u;
      let d1 = vec4<f32>(unpack2x16float(s1.x)[hb1], unpack2x16float(s1.y)[hb1],
                               unpack2x16float(s1.z)[hb1], unpack2x16float(s1.w)[hb1]);
      var p_t00 = vec4<f32>(0.0);
      var p_t01 = vec4<f32>(0.0);
      var p_t10 = vec4<f32>(0.0);
      var p_t11 = vec4<f32>(0.0);
      var p_t20 = vec4<f32>(0.0);
      var p_t21 = vec4<f32>(0.0);
      var p_t30 = vec4<f32>(0.0);
      var p_t31 = vec4<f32>(0.0);
      {
        let wd0 = w4(r0, b * 8u + 0u);
        let wd1 = w4(r1, b * 8u + 0u);
        {
          let xv4 = xv(t0, 0u, b * 8u + 0u);
          p_t00 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t01 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
        {
          let xv4 = xv(t0, 1u, b * 8u + 0u);
          p_t10 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t11 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
        {
          let xv4 = xv(t0, 2u, b * 8u + 0u);
          p_t20 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t21 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
        {
          let xv4 = xv(t0, 3u, b * 8u + 0u);
          p_t30 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t31 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
      }
      {
        let wd0 = w4(r0, b * 8u + 1u);
        let wd1 = w4(r1, b * 8u + 1u);
        {
          let xv4 = xv(t0, 0u, b * 8u + 1u);
          p_t00 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t01 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
        {
          let xv4 = xv(t0, 1u, b * 8u + 1u);
          p_t10 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t11 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
        {
          let xv4 = xv(t0, 2u, b * 8u + 1u);
          p_t20 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t21 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
        {
          let xv4 = xv(t0, 3u, b * 8u + 1u);
          p_t30 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t31 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
      }
      {
        let wd0 = w4(r0, b * 8u + 2u);
        let wd1 = w4(r1, b * 8u + 2u);
        {
          let xv4 = xv(t0, 0u, b * 8u + 2u);
          p_t00 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t01 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
        {
          let xv4 = xv(t0, 1u, b * 8u + 2u);
          p_t10 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t11 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
        {
          let xv4 = xv(t0, 2u, b * 8u + 2u);
          p_t20 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t21 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
        {
          let xv4 = xv(t0, 3u, b * 8u + 2u);
          p_t30 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t31 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
      }
      {
        let wd0 = w4(r0, b * 8u + 3u);
        let wd1 = w4(r1, b * 8u + 3u);
        {
          let xv4 = xv(t0, 0u, b * 8u + 3u);
          p_t00 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t01 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
        {
          let xv4 = xv(t0, 1u, b * 8u + 3u);
          p_t10 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t11 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
        {
          let xv4 = xv(t0, 2u, b * 8u + 3u);
          p_t20 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t21 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
        {
          let xv4 = xv(t0, 3u, b * 8u + 3u);
          p_t30 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t31 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
      }
      {
        let wd0 = w4(r0, b * 8u + 4u);
        let wd1 = w4(r1, b * 8u + 4u);
        {
          let xv4 = xv(t0, 0u, b * 8u + 4u);
          p_t00 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t01 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
        {
          let xv4 = xv(t0, 1u, b * 8u + 4u);
          p_t10 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t11 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
        {
          let xv4 = xv(t0, 2u, b * 8u + 4u);
          p_t20 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t21 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
        {
          let xv4 = xv(t0, 3u, b * 8u + 4u);
          p_t30 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t31 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
      }
      {
        let wd0 = w4(r0, b * 8u + 5u);
        let wd1 = w4(r1, b * 8u + 5u);
        {
          let xv4 = xv(t0, 0u, b * 8u + 5u);
          p_t00 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t01 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
        {
          let xv4 = xv(t0, 1u, b * 8u + 5u);
          p_t10 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t11 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
        {
          let xv4 = xv(t0, 2u, b * 8u + 5u);
          p_t20 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t21 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
        {
          let xv4 = xv(t0, 3u, b * 8u + 5u);
          p_t30 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t31 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
      }
      {
        let wd0 = w4(r0, b * 8u + 6u);
        let wd1 = w4(r1, b * 8u + 6u);
        {
          let xv4 = xv(t0, 0u, b * 8u + 6u);
          p_t00 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t01 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
        {
          let xv4 = xv(t0, 1u, b * 8u + 6u);
          p_t10 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t11 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
        {
          let xv4 = xv(t0, 2u, b * 8u + 6u);
          p_t20 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t21 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
        {
          let xv4 = xv(t0, 3u, b * 8u + 6u);
          p_t30 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t31 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
      }
      {
        let wd0 = w4(r0, b * 8u + 7u);
        let wd1 = w4(r1, b * 8u + 7u);
        {
          let xv4 = xv(t0, 0u, b * 8u + 7u);
          p_t00 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t01 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
        {
          let xv4 = xv(t0, 1u, b * 8u + 7u);
          p_t10 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t11 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
        {
          let xv4 = xv(t0, 2u, b * 8u + 7u);
          p_t20 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t21 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
        {
          let xv4 = xv(t0, 3u, b * 8u + 7u);
          p_t30 += vec4<f32>(dot(i8s(wd0.x), xv4), dot(i8s(wd0.y), xv4), dot(i8s(wd0.z), xv4), dot(i8s(wd0.w), xv4));
          p_t31 += vec4<f32>(dot(i8s(wd1.x), xv4), dot(i8s(wd1.y), xv4), dot(i8s(wd1.z), xv4), dot(i8s(wd1.w), xv4));
        }
      }
      acc_t00 += d0 * p_t00;
      acc_t01 += d1 * p_t01;
      acc_t10 += d0 * p_t10;
      acc_t11 += d1 * p_t11;
      acc_t20 += d0 * p_t20;
      acc_t21 += d1 * p_t21;
      acc_t30 += d0 * p_t30;
      acc_t31 += d1 * p_t31;
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
    }
  }
}
