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
@group(0) @binding(4) var<storage, read> norm_w: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> norm_b: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> out: array<f32>;
const K4: u32 = 16u;      // input width in vec4s
const N: u32 = 256u;            // output rows of this dispatch
const ROW0: u32 = 0u;      // first output row (weights split for binding limits)
const OUT_N: u32 = 256u;    // output row stride
const TT: u32 = 4u;          // tokens per workgroup
const WG: u32 = 8u;
const RW: u32 = 32u;          // u32 words per weight row
const QW: u32 = 0u;   // quant words per row; scales follow
const NB: u32 = 16u;    // blocks of 4 inputs
const GROUPS: u32 = 32u; // 8-row groups in w
const ONE = vec4<f32>(1.0);
fn xv(t0: u32, t: u32, i: u32) -> vec4<f32> {
  return x[min(t0 + t, p.n_rows - 1u) * K4 + i];   // rows past the tile's end are read but never stored
}
// Word c of rows r..r+3 (r % 4 == 0): one vector load. Rows past the matrix read its last group (never stored).
fn w4(r: u32, c: u32) -> vec4<u32> {
  return w[min(r >> 3u, GROUPS - 1u) * RW * 2u + c * 2u + ((r >> 2u) & 1u)];
}
fn gelu(v: f32) -> f32 {
  // tanh-approximated GELU (GPT-2). Clamped because tanh of a large argument overflows on some backends.
  let u = clamp(0.7978845608 * (v + 0.044715 * v * v * v), -15.0, 15.0);
  return 0.5 * v * (1.0 + tanh(u));
}
fn store(tok: u32, o: u32, a: f32, u: f32) {
  var y = a;
  y += bias[o];  y = gelu(y);  let oi = tok * OUT_N + o;
  out[oi] = y;}
@compute @workgroup_size(8)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let t0 = wid.y * TT;
  if (t0 >= p.n_rows) { return; }   // uniform: whole workgroup
  let tn = min(TT, p.n_rows - t0);
  let n0 = (wid.x * WG + lid) * 8u;
  if (n0 >= N) { return; }
  // Each invocation makes the tile's norm statistics itself, with no barrier and no workgroup memory: SwiftShader
  // runs a workgroup's invocations as coroutines that switch at every barrier, and zero-fills workgroup memory per
  // workgroup. The sums are over one row of x per token, small beside the invocation's rows of weights.
  var stat: array<vec2<f32>, TT>;
  for (var t = 0u; t < tn; t++) {
    var acc = vec2<f32>(0.0, 0.0);
    for (var k = 0u; k < K4; k++) { let v = x[(t0 + t) * K4 + k]; acc += vec2<f32>(dot(v, ONE), dot(v, v)); }
    let mean = acc.x / f32(K4 * 4u);
    stat[t] = vec2<f32>(mean, inverseSqrt(max(acc.y / f32(K4 * 4u) - mean * mean, 0.0) + 1e-05));
  }
  let r0 = n0 + 0u;
  let r1 = n0 + 4u;
  if (tn <= 1u) {
    var acc_t00 = vec4<f32>(0.0);
    var acc_t01 = vec4<f32>(0.0);
    var acc_g0 = vec4<f32>(0.0);
    var acc_g1 = vec4<f32>(0.0);
    var acc_b0 = vec4<f32>(0.0);
    var acc_b1 = vec4<f32>(0.0);
    for (var b = 0u; b < NB; b++) {
      {
        let wa0 = w4(r0, b * 2u);
        let wb0 = w4(r0, b * 2u + 1u);
        let wa1 = w4(r1, b * 2u);
        let wb1 = w4(r1, b * 2u + 1u);
        {
          let xv4 = (xv(t0, 0u, b) * norm_w[b]);
          acc_t00 += vec4<f32>(
            dot(vec4<f32>(unpack2x16float(wa0.x), unpack2x16float(wb0.x)), xv4),
            dot(vec4<f32>(unpack2x16float(wa0.y), unpack2x16float(wb0.y)), xv4),
            dot(vec4<f32>(unpack2x16float(wa0.z), unpack2x16float(wb0.z)), xv4),
            dot(vec4<f32>(unpack2x16float(wa0.w), unpack2x16float(wb0.w)), xv4)
          );
          acc_t01 += vec4<f32>(
            dot(vec4<f32>(unpack2x16float(wa1.x), unpack2x16float(wb1.x)), xv4),
            dot(vec4<f32>(unpack2x16float(wa1.y), unpack2x16float(wb1.y)), xv4),
            dot(vec4<f32>(unpack2x16float(wa1.z), unpack2x16float(wb1.z)), xv4),
            dot(vec4<f32>(unpack2x16float(wa1.w), unpack2x16float(wb1.w)), xv4)
          );
        }
        {
          let xv4 = norm_w[b];
          acc_g0 += vec4<f32>(
            dot(vec4<f32>(unpack2x16float(wa0.x), unpack2x16float(wb0.x)), xv4),
            dot(vec4<f32>(unpack2x16float(wa0.y), unpack2x16float(wb0.y)), xv4),
            dot(vec4<f32>(unpack2x16float(wa0.z), unpack2x16float(wb0.z)), xv4),
            dot(vec4<f32>(unpack2x16float(wa0.w), unpack2x16float(wb0.w)), xv4)
          );
          acc_g1 += vec4<f32>(
            dot(vec4<f32>(unpack2x16float(wa1.x), unpack2x16float(wb1.x)), xv4),
            dot(vec4<f32>(unpack2x16float(wa1.y), unpack2x16float(wb1.y)), xv4),
            dot(vec4<f32>(unpack2x16float(wa1.z), unpack2x16float(wb1.z)), xv4),
            dot(vec4<f32>(unpack2x16float(wa1.w), unpack2x16float(wb1.w)), xv4)
          );
        }
        {
          let xv4 = norm_b[b];
          acc_b0 += vec4<f32>(
            dot(vec4<f32>(unpack2x16float(wa0.x), unpack2x16float(wb0.x)), xv4),
            dot(vec4<f32>(unpack2x16float(wa0.y), unpack2x16float(wb0.y)), xv4),
            dot(vec4<f32>(unpack2x16float(wa0.z), unpack2x16float(wb0.z)), xv4),
            dot(vec4<f32>(unpack2x16float(wa0.w), unpack2x16float(wb0.w)), xv4)
          );
          acc_b1 += vec4<f32>(
            dot(vec4<f32>(unpack2x16float(wa1.x), unpack2x16float(wb1.x)), xv4),
            dot(vec4<f32>(unpack2x16float(wa1.y), unpack2x16float(wb1.y)), xv4),
            dot(vec4<f32>(unpack2x16float(wa1.z), unpack2x16float(wb1.z)), xv4),
            dot(vec4<f32>(unpack2x16float(wa1.w), unpack2x16float(wb1.w)), xv4)
          );
        }
      }
    }
    if (0u < tn) {
      let st = stat[0];      if (r0 + 0u < N) {
        store(t0 + 0u, ROW0 + r0 + 0u, st.y * (acc_t00.x - st.x * acc_g0.x) + acc_b0.x, 0.0);
      }
      if (r0 + 1u < N) {
        store(t0 + 0u, ROW0 + r0 + 1u, st.y * (acc_t00.y - st.x * acc_g0.y) + acc_b0.y, 0.0);
      }
      if (r0 + 2u < N) {
        store(t0 + 0u, ROW0 + r0 + 2u, st.y * (acc_t00.z - st.x * acc_g0.z) + acc_b0.z, 0.0);
      }
      if (r0 + 3u < N) {
        store(t0 + 0u, ROW0 + r0 + 3u, st.y * (acc_t00.w - st.x * acc_g0.w) + acc_b0.w, 0.0);
      }
      if (r1 + 0u < N) {
        store(t0 + 0u, ROW0 + r1 + 0u, st.y * (acc_t01.x - st.x * acc_g1.x) + acc_b1.x, 0.0);
      }
      if (r1 + 1u < N) {
        store(t0 + 0u, ROW0 + r1 + 1u, st.y * (acc_t01.y - st.x * acc_g1.y) + acc_b1.y, 0.0);
      }
      if (r1 + 2u < N) {
        store(t0 + 0u, ROW0 + r1 + 2u, st.y * (acc_t01.z - st.x * acc_g1.z) + acc_b1.z, 0.0);
      }
      if (r1 + 3u < N) {
        store(t0 + 0u, ROW0 + r1 + 3u, st.y * (acc_t01.w - st.x * acc_g1.w) + acc_b1.w, 0.0);
      }
    }
  } else if (tn <= 2u) {
    var acc_t00 = vec4<f32>(0.0);
    var acc_t01 = vec4<f32>(0.0);
    var acc_t10 = vec4<f32>(0.0);
    var acc_t11 = vec4<f32>(0.0);
    var acc_g0 = vec4<f32>(0.0);
    var acc_g1 = vec4<f32>(0.0);
    var acc_b0 = vec4<f32>(0.0);
    var acc_b1 = vec4<f32>(0.0);
    for (var b = 0u; b < NB; b++) {
      {
        let wa0 = w4(r0, b * 2u);
        let wb0 = w4(r0, b * 2u + 1u);
        let wa1 = w4(r1, b * 2u);
        let wb1 = w4(r1, b * 2u + 1u);
        {
          let xv4 = (xv(t0, 0u, b) * norm_w[b]);
          acc_t00 += vec4<f32>(
            dot(vec4<f32>(unpack2x16float(wa0.x), unpack2x16float(wb0.x)), xv4),
            dot(vec4<f32>(unpack2x16float(wa0.y), unpack2x16float(wb0.y)), xv4),
            dot(vec4<f32>(unpack2x16float(wa0.z), unpack2x16float(wb0.z)), xv4),
            dot(vec4<f32>(unpack2x16float(wa0.w), unpack2x16float(wb0.w)), xv4)
          );
          acc_t01 += vec4<f32>(
            dot(vec4<f32>(unpack2x16float(wa1.x), unpack2x16float(wb1.x)), xv4),
            dot(vec4<f32>(unpack2x16float(wa1.y), unpack2x16float(wb1.y)), xv4),
            dot(vec4<f32>(unpack2x16float(wa1.z), unpack2x16float(wb1.z)), xv4),
            dot(vec4<f32>(unpack2x16float(wa1.w), unpack2x16float(wb1.w)), xv4)
          );
        }
        {
          let xv4 = (xv(t0, 1u, b) * norm_w[b]);
          acc_t10 += vec4<f32>(
            dot(vec4<f32>(unpack2x16float(wa0.x), unpack2x16float(wb0.x)), xv4),
            dot(vec4<f32>(unpack2x16float(wa0.y), unpack2x16float(wb0.y)), xv4),
            dot(vec4<f32>(unpack2x16float(wa0.z), unpack2x16float(wb0.z)), xv4),
            dot(vec4<f32>(unpack2x16float(wa0.w), unpack2x16float(wb0.w)), xv4)
          );
          acc_t11 += vec4<f32>(
            dot(vec4<f32>(unpack2x16float(wa1.x), unpack2x16float(wb1.x)), xv4),
            dot(vec4<f32>(unpack2x16float(wa1.y), unpack2x16float(wb1.y)), xv4),
            dot(vec4<f32>(unpack2x16float(wa1.z), unpack2x16float(wb1.z)), xv4),
            dot(vec4<f32>(unpack2x16float(wa1.w), unpack2x16float(wb1.w)), xv4)
          );
        }
        {
          let xv4 = norm_w[b];
          acc_g0 += vec4<f32>(
            dot(vec4<f32>(unpack2x16float(wa0.x), unpack2x16float(wb0.x)), xv4),
            dot(vec4<f32>(unpack2x16float(wa0.y), unpack2x16float(wb0.y)), xv4),
            dot(vec4<f32>(unpack2x16float(wa0.z), unpack2x16float(wb0.z)), xv4),
            dot(vec4<f32>(unpack2x16float(wa0.w), unpack2x16float(wb0.w)), xv4)
          );
          acc_g1 += vec4<f32>(
            dot(vec4<f32>(unpack2x16float(wa1.x), unpack2x16float(wb1.x)), xv4),
            dot(vec4<f32>(unpack2x16float(wa1.y), unpack2x16float(wb1.y)), xv4),
            dot(vec4<f32>(unpack2x16float(wa1.z), unpack2x16float(wb1.z)), xv4),
            dot(vec4<f32>(unpack2x16float(wa1.w), unpack2x16float(wb1.w)), xv4)
          );
        }
        {
          let xv4 = norm_b[b];
          acc_b0 += vec4<f32>(
            dot(vec4<f32>(unpack2x16float(wa0.x), unpack2x16float(wb0.x)), xv4),
            dot(vec4<f32>(unpack2x16float(wa0.y), unpack2x16float(wb0.y)), xv4),
            dot(vec4<f32>(unpack2x16float(wa0.z), unpack2x16float(wb0.z)), xv4),
            dot(vec4<f32>(unpack2x16float(wa0.w), unpack2x16float(wb0.w)), xv4)
          );
          acc_b1 += vec4<f32>(
            dot(vec4<f32>(unpack2x16float(wa1.x), unpack2x16float(wb1.x)), xv4),
            dot(vec4<f32>(unpack2x16float(wa1.y), unpack2x16float(wb1.y)), xv4),
            dot(vec4<f32>(unpack2x16float(wa1.z), unpack2x16float(wb1.z)), xv4),
            dot(vec4<f32>(unpack2x16float(wa1.w), unpack2x16float(wb1.w)), xv4)
          );
        }
      }
    }
    if (0u < tn) {
      let st = stat[0];      if (r0 + 0u < N) {
        store(t0 + 0u, ROW0 + r0 + 0u, st.y * (acc_t00.x - st.x * acc_g0.x) + acc_b0.x, 0.0);
      }
      if (r0 + 1u < N) {
        store(t0 + 0u, ROW0 + r0 + 1u, st.y * (acc_t00.y - st.x * acc_g0.y) + acc_b0.y, 0.0);
      }
      if (r0 + 2u < N) {
        store(t0 + 0u, ROW0 + r0 + 2u, st.y * (acc_t00.z - st.x * acc_g0.z) + acc_b0.z, 0.0);
      }
      if (r0 + 3u < N) {
        store(t0 + 0u, ROW0 + r0 + 3u, st.y * (acc_t00.w - st.x * acc_g0.w) + acc_b0.w, 0.0);
      }
      if (r1 + 0u < N) {
        store(t0 + 0u, ROW0 + r1 + 0u, st.y * (acc_t01.x - st.x * acc_g1.x) + acc_b1.x, 0.0);
      }
      if (r1 + 1u < N) {
        store(t0 + 0u, ROW0 + r1 + 1u, st.y * (acc_t01.y - st.x * acc_g1.y) + acc_b1.y, 0.0);
      }
      if (r1 + 2u < N) {
        store(t0 + 0u, ROW0 + r1 + 2u, st.y * (acc_t01.z - st.x * acc_g1.z) + acc_b1.z, 0.0);
      }
      if (r1 + 3u < N) {
        store(t0 + 0u, ROW0 + r1 + 3u, st.y * (acc_t01.w - st.x * acc_g1.w) + acc_b1.w, 0.0);
      }
    }
    if (1u < tn) {
      let st = stat[1];      if (r0 + 0u < N) {
        store(t0 + 1u, ROW0 + r0 + 0u, st.y * (acc_t10.x - st.x * acc_g0.x) + acc_b0.x, 0.0);
      }
      if (r0 + 1u < N) {
        store(t0 + 1u, ROW0 + r0 + 1u, st.y * (acc_t10.y - st.x * acc_g0.y) + acc_b0.y, 0.0);
      }
      if (r0 + 2u < N) {
        store(t0 + 1u, ROW0 + r0 + 2u, st.y * (acc_t10.z - st.x * acc_g0.z) + acc_b0.z, 0.0);
      }
      if (r0 + 3u < N) {
        store(t0 + 1u, ROW0 + r0 + 3u, st.y * (acc_t10.w - st.x * acc_g0.w) + acc_b0.w, 0.0);
      }
      if (r1 + 0u < N) {
        store(t0 + 1u, ROW0 + r1 + 0u, st.y * (acc_t11.x - st.x * acc_g1.x) + acc_b1.x, 0.0);
      }
      if (r1 + 1u < N) {
        store(t0 + 1u, ROW0 + r1 + 1u, st.y * (acc_t11.y - st.x * acc_g1.y) + acc_b1.y, 0.0);
      }
      if (r1 + 2u < N) {
        store(t0 + 1u, ROW0 + r1 + 2u, st.y * (acc_t11.z - st.x * acc_g1.z) + acc_b1.z, 0.0);
      }
      if (r1 + 3u < N) {
        store(t0 + 1u, ROW0 + r1 + 3u, st.y * (acc_t11.w - st.x * acc_g1.w) + acc_b1.w, 0.0);
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
    var acc_g0 = vec4<f32>(0.0);
    var acc_g1 = vec4<f32>(0.0);
    var acc_b0 = vec4<f32>(0.0);
    var acc_b1 = vec4<f32>(0.0);
    for (var b = 0u; b < NB; b++) {
      {
        let wa0 = w4(r0, b * 2u);
        let wb0 = w4(r0, b * 2u + 1u);
        let wa1 = w4(r1, b * 2u);
        let wb1 = w4(r1, b * 2u + 1u);
        {
          let xv4 = (xv(t0, 0u, b) * norm_w[b]);
          acc_t00 += vec4<f32>(
            dot(vec4<f32>(unpack2x16float(wa0.x), unpack2x16float(wb0.x)), xv4),
            dot(vec4<f32>(unpack2x16float(wa0.y), unpack2x16float(wb0.y)), xv4),
            dot(vec4<f32>(unpack2x16float(wa0.z), unpack2x16float(wb0.z)), xv4),
            dot(vec4<f32>(unpack2x16float(wa0.w), unpack2x16float(wb0.w)), xv4)
          );
          acc_t01 += vec4<f32>(
            dot(vec4<f32>(unpack2x16float(wa1.x), unpack2x16float(wb1.x)), xv4),
            dot(vec4<f32>(unpack2x16float(wa1.y), unpack2x16float(wb1.y)), xv4),
            dot(vec4<f32>(unpack2x16float(wa1.z), unpack2x16float(wb1.z)), xv4),
            dot(vec4<f32>(unpack2x16float(wa1.w), unpack2x16float(wb1.w)), xv4)
          );
        }
        {
          let xv4 = (xv(t0, 1u, b) * norm_w[b]);
          acc_t10 += vec4<f32>(
            dot(vec4<f32>(unpack2x16float(wa0.x), unpack2x16float(wb0.x)), xv4),
            dot(vec4<f32>(unpack2x16float(wa0.y), unpack2x16float(wb0.y)), xv4),
            dot(vec4<f32>(unpack2x16float(wa0.z), unpack2x16float(wb0.z)), xv4),
            dot(vec4<f32>(unpack2x16float(wa0.w), unpack2x16float(wb0.w)), xv4)
          );
          acc_t11 += vec4<f32>(
            dot(vec4<f32>(unpack2x16float(wa1.x), unpack2x16float(wb1.x)), xv4),
            dot(vec4<f32>(unpack2x16float(wa1.y), unpack2x16float(wb1.y)), xv4),
            dot(vec4<f32>(unpack2x16float(wa1.z), unpack2x16float(wb1.z)), xv4),
            dot(vec4<f32>(unpack2x16float(wa1.w), unpack2x16float(wb1.w)), xv4)
          );
        }
        {
          let xv4 = (xv(t0, 2u, b) * norm_w[b]);
          acc_t20 += vec4<f32>(
            dot(vec4<f32>(unpack2x16float(wa0.x), unpack2x16float(wb0.x)), xv4),
            dot(vec4<f32>(unpack2x16float(wa0.y), unpack2x16float(wb0.y)), xv4),
            dot(vec4<f32>(unpack2x16float(wa0.z), unpack2x16float(wb0.z)), xv4),
            dot(vec4<f32>(unpack2x16float(wa0.w), unpack2x16float(wb0.w)), xv4)
          );
          acc_t21 += vec4<f32>(
            dot(vec4<f32>(unpack2x16float(wa1.x), unpack2x16float(wb1.x)), xv4),
            dot(vec4<f32>(unpack2x16float(wa1.y), unpack2x16float(wb1.y)), xv4),
            dot(vec4<f32>(unpack2x16float(wa1.z), unpack2x16float(wb1.z)), xv4),
            dot(vec4<f32>(unpack2x16float(wa1.w), unpack2x16float(wb1.w)), xv4)
          );
        }
        {
          let xv4 = (xv(t0, 3u, b) * norm_w[b]);
          acc_t30 += vec4<f32>(
            dot(vec4<f32>(unpack2x16float(wa0.x), unpack2x16float(wb0.x)), xv4),
            dot(vec4<f32>(unpack2x16float(wa0.y), unpack2x16float(wb0.y)), xv4),
            dot(vec4<f32>(unpack2x16float(wa0.z), unpack2x16float(wb0.z)), xv4),
            dot(vec4<f32>(unpack2x16float(wa0.w), unpack2x16float(wb0.w)), xv4)
          );
          acc_t31 += vec4<f32>(
            dot(vec4<f32>(unpack2x16float(wa1.x), unpack2x16float(wb1.x)), xv4),
            dot(vec4<f32>(unpack2x16float(wa1.y), unpack2x16float(wb1.y)), xv4),
            dot(vec4<f32>(unpack2x16float(wa1.z), unpack2x16float(wb1.z)), xv4),
            dot(vec4<f32>(unpack2x16float(wa1.w), unpack2x16float(wb1.w)), xv4)
          );
        }
        {
          let xv4 = norm_w[b];
          acc_g0 += vec4<f32>(
            dot(vec4<f32>(unpack2x16float(wa0.x), unpack2x16float(wb0.x)), xv4),
            dot(vec4<f32>(unpack2x16float(wa0.y), unpack2x16float(wb0.y)), xv4),
            dot(vec4<f32>(unpack2x16float(wa0.z), unpack2x16float(wb0.z)), xv4),
            dot(vec4<f32>(unpack2x16float(wa0.w), unpack2x16float(wb0.w)), xv4)
          );
          acc_g1 += vec4<f32>(
            dot(vec4<f32>(unpack2x16float(wa1.x), unpack2x16float(wb1.x)), xv4),
            dot(vec4<f32>(unpack2x16float(wa1.y), unpack2x16float(wb1.y)), xv4),
            dot(vec4<f32>(unpack2x16float(wa1.z), unpack2x16float(wb1.z)), xv4),
            dot(vec4<f32>(unpack2x16float(wa1.w), unpack2x16float(wb1.w)), xv4)
          );
        }
        {
          let xv4 = norm_b[b];
          acc_b0 += vec4<f32>(
            dot(vec4<f32>(unpack2x16float(wa0.x), unpack2x16float(wb0.x)), xv4),
            dot(vec4<f32>(unpack2x16float(wa0.y), unpack2x16float(wb0.y)), xv4),
            dot(vec4<f32>(unpack2x16float(wa0.z), unpack2x16float(wb0.z)), xv4),
            dot(vec4<f32>(unpack2x16float(wa0.w), unpack2x16float(wb0.w)), xv4)
          );
          acc_b1 += vec4<f32>(
            dot(vec4<f32>(unpack2x16float(wa1.x), unpack2x16float(wb1.x)), xv4),
            dot(vec4<f32>(unpack2x16float(wa1.y), unpack2x16float(wb1.y)), xv4),
            dot(vec4<f32>(unpack2x16float(wa1.z), unpack2x16float(wb1.z)), xv4),
            dot(vec4<f32>(unpack2x16float(wa1.w), unpack2x16float(wb1.w)), xv4)
          );
        }
      }
    }
    if (0u < tn) {
      let st = stat[0];      if (r0 + 0u < N) {
        store(t0 + 0u, ROW0 + r0 + 0u, st.y * (acc_t00.x - st.x * acc_g0.x) + acc_b0.x, 0.0);
      }
      if (r0 + 1u < N) {
        store(t0 + 0u, ROW0 + r0 + 1u, st.y * (acc_t00.y - st.x * acc_g0.y) + acc_b0.y, 0.0);
      }
      if (r0 + 2u < N) {
        store(t0 + 0u, ROW0 + r0 + 2u, st.y * (acc_t00.z - st.x * acc_g0.z) + acc_b0.z, 0.0);
      }
      if (r0 + 3u < N) {
        store(t0 + 0u, ROW0 + r0 + 3u, st.y * (acc_t00.w - st.x * acc_g0.w) + acc_b0.w, 0.0);
      }
      if (r1 + 0u < N) {
        store(t0 + 0u, ROW0 + r1 + 0u, st.y * (acc_t01.x - st.x * acc_g1.x) + acc_b1.x, 0.0);
      }
      if (r1 + 1u < N) {
        store(t0 + 0u, ROW0 + r1 + 1u, st.y * (acc_t01.y - st.x * acc_g1.y) + acc_b1.y, 0.0);
      }
      if (r1 + 2u < N) {
        store(t0 + 0u, ROW0 + r1 + 2u, st.y * (acc_t01.z - st.x * acc_g1.z) + acc_b1.z, 0.0);
      }
      if (r1 + 3u < N) {
        store(t0 + 0u, ROW0 + r1 + 3u, st.y * (acc_t01.w - st.x * acc_g1.w) + acc_b1.w, 0.0);
      }
    }
    if (1u < tn) {
      let st = stat[1];      if (r0 + 0u < N) {
        store(t0 + 1u, ROW0 + r0 + 0u, st.y * (acc_t10.x - st.x * acc_g0.x) + acc_b0.x, 0.0);
      }
      if (r0 + 1u < N) {
        store(t0 + 1u, ROW0 + r0 + 1u, st.y * (acc_t10.y - st.x * acc_g0.y) + acc_b0.y, 0.0);
      }
      if (r0 + 2u < N) {
        store(t0 + 1u, ROW0 + r0 + 2u, st.y * (acc_t10.z - st.x * acc_g0.z) + acc_b0.z, 0.0);
      }
      if (r0 + 3u < N) {
        store(t0 + 1u, ROW0 + r0 + 3u, st.y * (acc_t10.w - st.x * acc_g0.w) + acc_b0.w, 0.0);
      }
      if (r1 + 0u < N) {
        store(t0 + 1u, ROW0 + r1 + 0u, st.y * (acc_t11.x - st.x * acc_g1.x) + acc_b1.x, 0.0);
      }
      if (r1 + 1u < N) {
        store(t0 + 1u, ROW0 + r1 + 1u, st.y * (acc_t11.y - st.x * acc_g1.y) + acc_b1.y, 0.0);
      }
      if (r1 + 2u < N) {
        store(t0 + 1u, ROW0 + r1 + 2u, st.y * (acc_t11.z - st.x * acc_g1.z) + acc_b1.z, 0.0);
      }
      if (r1 + 3u < N) {
        store(t0 + 1u, ROW0 + r1 + 3u, st.y * (acc_t11.w - st.x * acc_g1.w) + acc_b1.w, 0.0);
      }
    }
    if (2u < tn) {
      let st = stat[2];      if (r0 + 0u < N) {
        store(t0 + 2u, ROW0 + r0 + 0u, st.y * (acc_t20.x - st.x * acc_g0.x) + acc_b0.x, 0.0);
      }
      if (r0 + 1u < N) {
        store(t0 + 2u, ROW0 + r0 + 1u, st.y * (acc_t20.y - st.x * acc_g0.y) + acc_b0.y, 0.0);
      }
      if (r0 + 2u < N) {
        store(t0 + 2u, ROW0 + r0 + 2u, st.y * (acc_t20.z - st.x * acc_g0.z) + acc_b0.z, 0.0);
      }
      if (r0 + 3u < N) {
        store(t0 + 2u, ROW0 + r0 + 3u, st.y * (acc_t20.w - st.x * acc_g0.w) + acc_b0.w, 0.0);
      }
      if (r1 + 0u < N) {
        store(t0 + 2u, ROW0 + r1 + 0u, st.y * (acc_t21.x - st.x * acc_g1.x) + acc_b1.x, 0.0);
      }
      if (r1 + 1u < N) {
        store(t0 + 2u, ROW0 + r1 + 1u, st.y * (acc_t21.y - st.x * acc_g1.y) + acc_b1.y, 0.0);
      }
      if (r1 + 2u < N) {
        store(t0 + 2u, ROW0 + r1 + 2u, st.y * (acc_t21.z - st.x * acc_g1.z) + acc_b1.z, 0.0);
      }
      if (r1 + 3u < N) {
        store(t0 + 2u, ROW0 + r1 + 3u, st.y * (acc_t21.w - st.x * acc_g1.w) + acc_b1.w, 0.0);
      }
    }
    if (3u < tn) {
      let st = stat[3];      if (r0 + 0u < N) {
        store(t0 + 3u, ROW0 + r0 + 0u, st.y * (acc_t30.x - st.x * acc_g0.x) + acc_b0.x, 0.0);
      }
      if (r0 + 1u < N) {
        store(t0 + 3u, ROW0 + r0 + 1u, st.y * (acc_t30.y - st.x * acc_g0.y) + acc_b0.y, 0.0);
      }
      if (r0 + 2u < N) {
        store(t0 + 3u, ROW0 + r0 + 2u, st.y * (acc_t30.z - st.x * acc_g0.z) + acc_b0.z, 0.0);
      }
      if (r0 + 3u < N) {
        store(t0 + 3u, ROW0 + r0 + 3u, st.y * (acc_t30.w - st.x * acc_g0.w) + acc_b0.w, 0.0);
      }
      if (r1 + 0u < N) {
        store(t0 + 3u, ROW0 + r1 + 0u, st.y * (acc_t31.x - st.x * acc_g1.x) + acc_b1.x, 0.0);
      }
      if (r1 + 1u < N) {
        store(t0 + 3u, ROW0 + r1 + 1u, st.y * (acc_t31.y - st.x * acc_g1.y) + acc_b1.y, 0.0);
      }
      if (r1 + 2u < N) {
        store(t0 + 3u, ROW0 + r1 + 2u, st.y * (acc_t31.z - st.x * acc_g1.z) + acc_b1.z, 0.0);
      }
      if (r1 + 3u < N) {
        store(t0 + 3u, ROW0 + r1 + 3u, st.y * (acc_t31.w - st.x * acc_g1.w) + acc_b1.w, 0.0);
      }
    }
  }
}
