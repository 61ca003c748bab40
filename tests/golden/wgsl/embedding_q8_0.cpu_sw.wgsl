struct Params {
  n_rows: u32,
  n_out: u32,
  pad0: u32,
  pad1: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> ctl: array<u32>;
@group(0) @binding(2) var<storage, read> tokens: array<u32>;
@group(0) @binding(3) var<storage, read> sampled: array<u32>;
@group(0) @binding(4) var<storage, read> w: array<u32>;
@group(0) @binding(5) var<storage, read_write> x: array<f32>;
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
const QW: u32 = 144u;   // quant words per row; f16 scale pairs follow
const RW: u32 = 153u;
fn wi(row: u32, c: u32) -> u32 { return (row >> 3u) * (RW * 8u) + c * 8u + (row & 7u); }
fn wu(i: u32) -> u32 { return w[i]; }
fn scale(row: u32, b: u32) -> f32 { return unpack2x16float(wu(wi(row, QW + b / 2u)))[b % 2u]; }
// int8 lane j of a word, sign-extended by an arithmetic shift (WGSL has no i8).
fn i8_of(word: u32, j: u32) -> f32 { return f32(bitcast<i32>(word << (24u - 8u * j)) >> 24u); }
fn welem(row: u32, k: u32) -> f32 { return scale(row, k / 32u) * i8_of(wu(wi(row, k / 4u)), k % 4u); }
const D: u32 = 576u;
const ROW0: u32 = 0u;     // first vocabulary row held by this part
const ROWS: u32 = 49152u;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let d = gid.x;
  let t = gid.y;
  if (d >= D || t >= p.n_rows) { return; }
  let src = row_src(t);
  let tok = select(sampled[src], tokens[t], src == NO_SRC);
  if (tok < ROW0 || tok >= ROW0 + ROWS) { return; }
  var v = welem(tok - ROW0, d);
  x[t * D + d] = v;
}
