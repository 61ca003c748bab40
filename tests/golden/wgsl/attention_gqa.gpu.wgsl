struct Params {
  n_rows: u32,
  n_out: u32,
  pad0: u32,
  pad1: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> ctl: array<u32>;
@group(0) @binding(2) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> k_cache: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> v_cache: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> out: array<f32>;
@group(0) @binding(6) var<storage, read_write> part: array<f32>;
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
const Q: u32 = 576u;
const KV: u32 = 192u;
const HD: u32 = 64u;
const HD4: u32 = 16u;
const HEADS: u32 = 9u;
const GROUP: u32 = 3u;    // query heads per kv head (GQA)
const CTX: u32 = 2048u;    // cache rows per slot
const WG: u32 = 64u;
const SPLITS: u32 = 32u;
const SCALE: f32 = 0.125;
var<workgroup> qs: array<vec4<f32>, 48>;
var<workgroup> sc: array<f32, 192>;   // scores of the chunk's keys, per head
var<workgroup> pr: array<f32, 192>;   // their weights exp(score - running max)
fn vcache(i: u32) -> f32 { return v_cache[i >> 2u][i & 3u]; }
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let g = wid.x;
  let t = wid.y;
  let s = wid.z;
  if (t >= p.n_rows) { return; }   // uniform: whole workgroup
  let n_keys = row_pos(t) + 1u;
  let span = (n_keys + SPLITS - 1u) / SPLITS;
  let j0 = min(s * span, n_keys);
  let j1 = min(j0 + span, n_keys);
  let base = row_slot(t) * CTX * KV + g * HD;   // this slot's cache, this kv head
  for (var i = lid; i < GROUP * HD4; i += WG) { qs[i] = q[(t * Q + g * GROUP * HD) / 4u + i] * SCALE; }
  workgroupBarrier();
  var m: array<f32, GROUP>;
  var l: array<f32, GROUP>;
  var acc: array<f32, GROUP>;   // dimension lid of each head
  for (var h = 0u; h < GROUP; h++) { m[h] = -1.0e30; l[h] = 0.0; acc[h] = 0.0; }
  for (var c0 = j0; c0 < j1; c0 += WG) {   // uniform: bounds come from the row and the split
    let n = min(WG, j1 - c0);
    if (lid < n) {
      let kb = (base + (c0 + lid) * KV) / 4u;
      for (var h = 0u; h < GROUP; h++) {
        var sv = 0.0;
        for (var i = 0u; i < HD4; i++) { sv += dot(qs[h * HD4 + i], k_cache[kb + i]); }
        sc[h * WG + lid] = sv;
      }
    }
    workgroupBarrier();
    var corr: array<f32, GROUP>;
    for (var h = 0u; h < GROUP; h++) {
      var cm = m[h];
      for (var jj = 0u; jj < n; jj++) { cm = max(cm, sc[h * WG + jj]); }
      corr[h] = exp(m[h] - cm);
      m[h] = cm;
      if (lid < n) { pr[h * WG + lid] = exp(sc[h * WG + lid] - cm); }
    }
    workgroupBarrier();
    for (var h = 0u; h < GROUP; h++) {
      var lsum = l[h] * corr[h];
      var a = acc[h] * corr[h];
      for (var jj = 0u; jj < n; jj++) {
        let w = pr[h * WG + jj];
        lsum += w;
        if (lid < HD) { a += w * vcache(base + (c0 + jj) * KV + lid); }
      }
      l[h] = lsum;
      acc[h] = a;
    }
    workgroupBarrier();   // the next chunk overwrites sc and pr
  }
  if (lid >= HD) { return; }
  for (var h = 0u; h < GROUP; h++) {
    let pb = ((t * HEADS + g * GROUP + h) * SPLITS + s) * (HD + 2u);
    part[pb + lid] = acc[h];
    if (lid == 0u) {
      part[pb + HD] = m[h];
      part[pb + HD + 1u] = l[h];
    }
  }
}
