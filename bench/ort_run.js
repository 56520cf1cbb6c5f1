#!/usr/bin/env node
// Time an ONNX model with onnxruntime-node (CPU EP).
//   node ort_run.js MODEL.onnx --batch B --seq S --threads T --iters N [--warmup W]
//        [--vocab V] [--tokens ids.npy] [--token-types tt.npy] [--dump out.bin] [--image C,H,W]
// Prints one JSON line: {"median_ms":..,"min_ms":..,"mean_ms":..,"iters":..,"threads":..,
//   "ort_version":..,"load_ms":..,"output":name,"output_dims":[..]}
// --tokens/--token-types: int32 .npy inputs (else deterministic ids < vocab, types alternating);
// --dump: writes the float32 output (first run) raw, little-endian, for a correctness check.
// --image C,H,W: the model's input is float32 images [batch, C, H, W], element i being
//   ((i * 7919 + 13) % 1000) / 500 - 1 (run_bench.py's check computes the same).
'use strict';
const fs = require('fs');

function usage(msg) {
  if (msg) console.error('ort_run.js: ' + msg);
  console.error('usage: node ort_run.js MODEL.onnx --batch B --seq S --threads T --iters N');
  process.exit(2);
}

function parseArgs(argv) {
  const o = {batch: 1, seq: 128, threads: 2, iters: 20, warmup: 3, vocab: 1000};
  const rest = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const k = a.slice(2).replace(/-([a-z])/g, (_, c) => c.toUpperCase());
      if (i + 1 >= argv.length) usage('missing value for ' + a);
      const v = argv[++i];
      const text = ['tokens', 'tokenTypes', 'dump', 'image'].includes(k);
      o[k] = text ? v : Number(v);
      if (!text && !Number.isFinite(o[k])) usage('bad value for ' + a);
    } else rest.push(a);
  }
  if (rest.length !== 1) usage('expected one model path');
  o.model = rest[0];
  return o;
}

// minimal .npy reader (v1/v2/v3, little-endian int32 or int64, C order)
function readNpy(path) {
  const buf = fs.readFileSync(path);
  if (buf.toString('latin1', 1, 6) !== 'NUMPY') throw new Error(path + ': not a .npy file');
  const major = buf[6];
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const hstart = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', hstart, hstart + hlen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  if (/'fortran_order':\s*True/.test(header)) throw new Error(path + ': fortran order');
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',').filter(s => s.trim()).map(Number);
  const data = buf.subarray(hstart + hlen);
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Int32Array(n);
  if (descr === '<i4') for (let i = 0; i < n; i++) out[i] = data.readInt32LE(4 * i);
  else if (descr === '<i8') for (let i = 0; i < n; i++) out[i] = Number(data.readBigInt64LE(8 * i));
  else throw new Error(path + ': dtype ' + descr + ' (want <i4 or <i8)');
  return {shape, data: out};
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  let ort;
  try {
    ort = require('onnxruntime-node');
  } catch (e) {
    console.error('ort_run.js: cannot load onnxruntime-node (run `npm install --ignore-scripts` in bench/): ' + e.message);
    process.exit(3);
  }
  const t0 = Date.now();
  const sess = await ort.InferenceSession.create(o.model, {
    executionProviders: ['cpu'],
    intraOpNumThreads: o.threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
  });
  const loadMs = Date.now() - t0;
  const B = o.batch, S = o.seq, n = B * S;
  const feeds = {};
  for (const name of sess.inputNames) {
    if (o.image) {
      const dims = [B].concat(o.image.split(',').map(Number));
      const m = dims.reduce((x, y) => x * y, 1);
      const arr = new Float32Array(m);
      for (let i = 0; i < m; i++) arr[i] = ((i * 7919 + 13) % 1000) / 500 - 1;
      feeds[name] = new ort.Tensor('float32', arr, dims);
      continue;
    }
    let arr, dims = [B, S];
    const file = name === 'tokens' ? o.tokens : name === 'token_types' ? o.tokenTypes : undefined;
    if (file) {
      const t = readNpy(file);
      arr = t.data; dims = t.shape;
    } else {
      arr = new Int32Array(n);
      for (let i = 0; i < n; i++) arr[i] = name === 'token_types' ? (i % 2) : (i * 7919 + 13) % o.vocab;
    }
    feeds[name] = new ort.Tensor('int32', arr, dims);
  }
  const outName = sess.outputNames[0];
  for (let i = 0; i < o.warmup; i++) {
    const r = await sess.run(feeds);
    if (i === 0 && o.dump) {
      const t = r[outName];
      fs.writeFileSync(o.dump, Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    }
  }
  const times = [];
  let dims = null;
  for (let i = 0; i < o.iters; i++) {
    const s = process.hrtime.bigint();
    const r = await sess.run(feeds);
    times.push(Number(process.hrtime.bigint() - s) / 1e6);
    dims = r[outName].dims;
  }
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  const median = times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
  console.log(JSON.stringify({
    median_ms: +median.toFixed(3), min_ms: +times[0].toFixed(3),
    mean_ms: +(times.reduce((a, b) => a + b, 0) / times.length).toFixed(3),
    iters: o.iters, threads: o.threads, batch: B, seq: S,
    ort_version: (ort.env && ort.env.versions && ort.env.versions.node) || null,
    load_ms: loadMs, output: outName, output_dims: dims,
  }));
  if (sess.release) await sess.release();
}

main().catch(e => { console.error('ort_run.js: ' + (e && e.stack || e)); process.exit(1); });
