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
const K4: u32 = 96u;      // input width in vec4s
const N: u32 = 1536u;            // output rows of this dispatch
const ROW0: u32 = 0u;      // first output row (weights split for binding limits)
const OUT_N: u32 = 1536u;    // output row stride
const TT: u32 = 4u;          // tokens per workgroup
const WG: u32 = 8u;
const RW: u32 = 192u;          // u32 words per weight row
const QW: u32 = 0u;   // quant words per row; scales follow
const NB: u32 = 96u;    // blocks of 4 inputs
const GROUPS: u32 = 192u; // 8-row groups in w
const ONE = vec4<f32>(1.0);
fn xv(t0: u32, t: u32, i: u32) -> vec4<f32> {
  return x[min(t0 + t, p.n_rows - 1u) * K4 + i];   // rows past the tile's end are read but never stored
}
// Word c of rows r..r+3 (r % 4 == 0): one vector load. Rows past the matrix read its last group (never stored).
fn w4(r: u32, c: u32) -> vec4<u32> {
  return w[min(r >> 3u, GROUPS - 1u) * RW * 2u + c * 2u + ((r >> 2u) & 1u)];
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
@compute @workgroup_size(8)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let t0 = wid.y * TT;
  if (t0 >= p.n_rows) { return; }   // uniform: whole workgroup
  let tn = min(TT, p.n_rows - t0);
  let n0 = (wid.x * WG + lid) * 8u;
  if (n0 >= N) { return; }
  let r0 = n0 + 0u;
  let r1 = n0 + 4u;
  if (tn <= 1u) {
    var acc_t00 = vec4<f32>(0.0);
    var acc_t01 = vec4<f32>(0.0);
    for (var b = 0u; b < NB; b++) {
      {
        let wa0 = w4(r0, b * 2u);
        let wb0 = w4(r0, b * 2u + 1u);
        let wa1 = w4(r1, b * 2u);
        let wb1 = w4(r1, b * 2u + 1u);
        {
          let xv4 = xv(t0, 0u, b);
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
      }
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
      {
        let wa0 = w4(r0, b * 2u);
        let wb0 = w4(r0, b * 2u + 1u);
        let wa1 = w4(r1, b * 2u);
        let wb1 = w4(r1, b * 2u + 1u);
        {
          let xv4 = xv(t0, 0u, b);
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
          let xv4 = xv(t0, 1u, b);
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
      }
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
      {
        let wa0 = w4(r0, b * 2u);
        let wb0 = w4(r0, b * 2u + 1u);
        let wa1 = w4(r1, b * 2u);
        let wb1 = w4(r1, b * 2u + 1u);
        {
          let xv4 = xv(t0, 0u, b);
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
          let xv4 = xv(t0, 1u, b);
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
          let xv4 = xv(t0, 2u, b);
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
          let xv4 = xv(t0, 3u, b);
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
      }
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
