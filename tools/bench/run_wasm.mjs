#!/usr/bin/env node
// Times the bff-bench-wasm kernels (bff-math compiled to wasm32) in Node's V8, the engine of
// Cloudflare's workerd. No npm dependencies: the module has no imports and plain C-ABI exports.
//
//   node tools/bench/run_wasm.mjs --wasm target/wasm32-unknown-unknown/release/bff_bench_wasm.wasm \
//     --points DIR/points.f32 --quality DIR/quality.f32 --n 1000 --dim 512 --seed 42 \
//     [--picks 24] [--theta 0.7] [--repeat 3] [--profile]
//
// Each workload runs in a fresh instance (hence a fresh linear memory): one warm-up call, then the
// best of --repeat timed calls. Prints ONE JSON line on stdout. With --profile it times the phases
// of the workloads instead (same procedure and keys as `bff-bench profile`).

import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";

const USAGE =
  "usage: run_wasm.mjs --wasm FILE --points FILE --quality FILE --n N --dim D --seed S " +
  "[--picks 24] [--theta 0.7] [--repeat 3] [--profile]";

function parseArgs(argv) {
  const options = { picks: 24, theta: 0.7, repeat: 3, profile: false };
  const numeric = new Set(["n", "dim", "seed", "picks", "theta", "repeat"]);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("--")) throw new Error(`unexpected argument ${arg}\n${USAGE}`);
    const name = arg.slice(2);
    if (name === "profile") {
      options.profile = true;
      continue;
    }
    const value = argv[++i];
    if (value === undefined) throw new Error(`--${name} needs a value\n${USAGE}`);
    if (numeric.has(name)) {
      const number = Number(value);
      if (!Number.isFinite(number)) throw new Error(`--${name} ${value} is not a number`);
      options[name] = number;
    } else if (["wasm", "points", "quality"].includes(name)) {
      options[name] = value;
    } else {
      throw new Error(`unknown option --${name}\n${USAGE}`);
    }
  }
  for (const required of ["wasm", "points", "quality", "n", "dim", "seed"]) {
    if (options[required] === undefined) throw new Error(`--${required} is required\n${USAGE}`);
  }
  options.repeat = Math.max(1, Math.floor(options.repeat));
  return options;
}

/** Raw little-endian f32 file, checked against the expected number of values. */
function readF32(path, expected) {
  const bytes = readFileSync(path);
  if (bytes.length !== expected * 4) {
    throw new Error(`${path} holds ${bytes.length} bytes, expected ${expected} f32`);
  }
  return bytes;
}

const MB = 1024 * 1024;

/** A fresh instance of the compiled module, with helpers over its exports. */
async function instance(module) {
  const wasm = (await WebAssembly.instantiate(module, {})).exports;
  const fail = (what) => {
    const len = wasm.last_error_len();
    const message = len
      ? new TextDecoder().decode(new Uint8Array(wasm.memory.buffer, wasm.last_error_ptr() >>> 0, len))
      : "unknown error";
    throw new Error(`${what}: ${message}`);
  };
  // Copies bytes into linear memory; the view is made after alloc, which may grow the memory.
  const copyIn = (bytes) => {
    const ptr = wasm.alloc(bytes.length) >>> 0;
    if (ptr === 0) throw new Error(`alloc(${bytes.length}) failed`);
    new Uint8Array(wasm.memory.buffer, ptr, bytes.length).set(bytes);
    return ptr;
  };
  const memoryMb = () => wasm.memory.buffer.byteLength / MB;
  return { wasm, fail, copyIn, memoryMb };
}

/** One warm-up call, then `repeat` timed calls; returns all times (s) and the first (cold) one. */
function time(repeat, call) {
  let start = performance.now();
  call();
  const first = (performance.now() - start) / 1000;
  const times = [];
  for (let i = 0; i < repeat; i++) {
    start = performance.now();
    call();
    times.push((performance.now() - start) / 1000);
  }
  return { first, times, best: Math.min(...times) };
}

async function autoK(module, points, o) {
  const { wasm, fail, copyIn, memoryMb } = await instance(module);
  const ptr = copyIn(points);
  let silhouette = 0;
  const t = time(o.repeat, () => {
    silhouette = wasm.bench_auto_k(ptr, o.n, o.dim, BigInt(o.seed));
    if (wasm.last_error_len() > 0) fail("bench_auto_k");
  });
  const kMin = wasm.result_k_min();
  const values = new Float64Array(
    wasm.memory.buffer,
    wasm.result_silhouettes_ptr() >>> 0,
    wasm.result_silhouettes_len(),
  );
  const silhouettes = Array.from(values, (s, i) => ({ k: kMin + i, silhouette: Number.isNaN(s) ? null : s }));
  return {
    auto_k_seconds: t.best,
    auto_k_times: t.times,
    auto_k_first_seconds: t.first,
    best_k: wasm.result_best_k(),
    silhouette,
    silhouettes,
    auto_k_memory_mb: memoryMb(),
  };
}

async function dpp(module, points, quality, o) {
  const { wasm, fail, copyIn, memoryMb } = await instance(module);
  const pointsPtr = copyIn(points);
  const qualityPtr = copyIn(quality);
  const t = time(o.repeat, () => {
    const count = wasm.bench_dpp(pointsPtr, qualityPtr, o.n, o.dim, o.picks, o.theta);
    if (count === 0) fail("bench_dpp");
  });
  const picks = Array.from(
    new Uint32Array(wasm.memory.buffer, wasm.result_picks_ptr() >>> 0, wasm.result_picks_len()),
  );
  return {
    dpp_seconds: t.best,
    dpp_times: t.times,
    dpp_first_seconds: t.first,
    dpp_picks: picks,
    dpp_memory_mb: memoryMb(),
  };
}

/** Best of 3 timed calls after a warm-up call (which lets V8 tier the code up); returns the last value. */
function warmTimed(call) {
  let value = call();
  let seconds = Infinity;
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    value = call();
    seconds = Math.min(seconds, (performance.now() - start) / 1000);
  }
  return { seconds, value };
}

/** The phases of the workloads, timed one by one (same procedure as `bff-bench profile`). */
async function profile(module, points, quality, o) {
  const { wasm, fail, copyIn } = await instance(module);
  const pointsPtr = copyIn(points);
  const qualityPtr = copyIn(quality);
  const check = (what, value, bad) => {
    if (bad(value)) fail(what);
    return value;
  };
  const start = performance.now();
  check("profile_load", wasm.profile_load(pointsPtr, qualityPtr, o.n, o.dim), (v) => v !== 0);
  const load = (performance.now() - start) / 1000;
  const distinct = warmTimed(() => check("profile_distinct_rows", wasm.profile_distinct_rows(), (v) => v === 0));
  const distances = warmTimed(() =>
    check("profile_distance_matrix", wasm.profile_distance_matrix(2000), (v) => v === 0),
  );
  const ks = [3, 4, 5, 6, 7, 8];
  const result = {
    engine: "wasm",
    n: o.n,
    dim: o.dim,
    k: ks,
    load_seconds: load,
    distinct_rows_seconds: distinct.seconds,
    distance_matrix_seconds: distances.seconds,
    distance_rows: distances.value,
    silhouette_seconds: [],
    kmeans_one_iteration_seconds: [],
    kmeans_full_seconds: [],
    iterations: [],
  };
  for (const k of ks) {
    const seed = BigInt(o.seed + k);
    const isBad = (v) => Number.isNaN(v);
    result.silhouette_seconds.push(warmTimed(() => check("profile_silhouette", wasm.profile_silhouette(k), isBad)).seconds);
    result.kmeans_one_iteration_seconds.push(
      warmTimed(() => check("profile_kmeans", wasm.profile_kmeans(k, 3, 1, seed), isBad)).seconds,
    );
    result.kmeans_full_seconds.push(
      warmTimed(() => check("profile_kmeans", wasm.profile_kmeans(k, 3, 100, seed), isBad)).seconds,
    );
    result.iterations.push(wasm.result_iterations());
  }
  const isZero = (v) => v === 0;
  result.dot_rows = o.picks;
  result.dot_rows_seconds = warmTimed(() => check("profile_dot_rows", wasm.profile_dot_rows(o.picks), Number.isNaN)).seconds;
  result.dpp_one_pick_seconds = warmTimed(() => check("profile_dpp", wasm.profile_dpp(1, o.theta), isZero)).seconds;
  result.dpp_seconds = warmTimed(() => check("profile_dpp", wasm.profile_dpp(o.picks, o.theta), isZero)).seconds;
  result.dpp_picks = o.picks;
  wasm.profile_clear();
  result.runtime = `node ${process.version}`;
  return result;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const bytes = readFileSync(o.wasm);
  const compileStart = performance.now();
  const module = await WebAssembly.compile(bytes);
  const compileSeconds = (performance.now() - compileStart) / 1000;
  const points = readF32(o.points, o.n * o.dim);
  const quality = readF32(o.quality, o.n);
  if (o.profile) {
    process.stdout.write(JSON.stringify(await profile(module, points, quality, o)) + "\n");
    return;
  }
  const baselineRss = process.memoryUsage().rss / MB;

  const auto = await autoK(module, points, o);
  const selection = await dpp(module, points, quality, o);

  const out = {
    engine: "wasm",
    runtime: `node ${process.version}`,
    v8: process.versions.v8,
    n: o.n,
    dim: o.dim,
    seed: o.seed,
    repeat: o.repeat,
    wasm_bytes: bytes.length,
    compile_seconds: compileSeconds,
    ...auto,
    ...selection,
    // Linear memory only grows: its size after the runs is the workload's peak.
    peak_memory_mb: Math.max(auto.auto_k_memory_mb, selection.dpp_memory_mb),
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
    baseline_rss_mb: baselineRss,
    threads: 1,
  };
  process.stdout.write(JSON.stringify(out) + "\n");
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
