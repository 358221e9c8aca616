#!/usr/bin/env node
// Times the media workloads of bff-bench-wasm in Node's V8 (the engine of Cloudflare's workerd):
// the sketch renderer (`bench_render`) and, when the module exports it, the embedder
// (`bench_embed`). No npm dependencies: the module has no imports and plain C-ABI exports.
//
//   cargo build -p bff-bench-wasm --release --target wasm32-unknown-unknown
//   node tools/bench/run_wasm_media.mjs [--wasm FILE] [--seed 7] [--repeat 5]
//
// bench_render(seed: u64, variant: u32) -> u32 draws design `variant` at 512 x 768 and returns the
// PNG length (0 on error, message at render_error_ptr/len); bench_render_variants() tells how many
// designs there are. bench_embed(ptr, len) -> f32 (negative on error) embeds each of those PNGs; it is skipped
// when the module does not export it.
//
// Each workload runs in a fresh instance: per variant one warm-up call (which lets V8 tier the code
// up), then the best of --repeat timed calls. Prints ONE JSON line on stdout.

import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";

const USAGE = "usage: run_wasm_media.mjs [--wasm FILE] [--seed 7] [--repeat 5]";
const MB = 1024 * 1024;

function parseArgs(argv) {
  const options = {
    wasm: "target/wasm32-unknown-unknown/release/bff_bench_wasm.wasm",
    seed: 7,
    repeat: 5,
  };
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].startsWith("--") ? argv[i].slice(2) : null;
    const value = argv[++i];
    if (name === null || !(name in options)) throw new Error(`unexpected argument ${argv[i - 1]}\n${USAGE}`);
    if (value === undefined) throw new Error(`--${name} needs a value\n${USAGE}`);
    if (name === "wasm") {
      options.wasm = value;
    } else {
      const number = Number(value);
      if (!Number.isInteger(number) || number < 0) throw new Error(`--${name} ${value} is not a count`);
      options[name] = number;
    }
  }
  options.repeat = Math.max(1, options.repeat);
  return options;
}

/** One warm-up call, then `repeat` timed calls (seconds). */
function time(repeat, call) {
  let start = performance.now();
  const value = call();
  const first = (performance.now() - start) / 1000;
  const times = [];
  for (let i = 0; i < repeat; i++) {
    start = performance.now();
    call();
    times.push((performance.now() - start) / 1000);
  }
  return { value, first, times, best: Math.min(...times) };
}

function message(wasm, ptr, len) {
  const n = wasm[len]?.() ?? 0;
  if (!n) return "unknown error";
  return new TextDecoder().decode(new Uint8Array(wasm.memory.buffer, wasm[ptr]() >>> 0, n));
}

async function render(module, o) {
  const wasm = (await WebAssembly.instantiate(module, {})).exports;
  const count = wasm.bench_render_variants();
  const variants = [];
  for (let variant = 0; variant < count; variant++) {
    const t = time(o.repeat, () => {
      const len = wasm.bench_render(BigInt(o.seed), variant);
      if (len === 0) {
        throw new Error(`bench_render(${variant}): ${message(wasm, "render_error_ptr", "render_error_len")}`);
      }
      return len;
    });
    const png = new Uint8Array(wasm.memory.buffer, wasm.result_render_ptr() >>> 0, wasm.result_render_len());
    const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
    if (!signature.every((b, i) => png[i] === b)) throw new Error(`bench_render(${variant}) is not a PNG`);
    variants.push({ variant, png_bytes: t.value, seconds: t.best, first_seconds: t.first, times: t.times });
  }
  const best = variants.map((v) => v.seconds);
  return {
    render_width: 512,
    render_height: 768,
    render_variants: variants,
    render_worst_seconds: Math.max(...best),
    render_mean_seconds: best.reduce((a, b) => a + b, 0) / best.length,
    render_memory_mb: wasm.memory.buffer.byteLength / MB,
  };
}

async function embed(module, o) {
  const wasm = (await WebAssembly.instantiate(module, {})).exports;
  if (typeof wasm.bench_embed !== "function") {
    return { embed_skipped: "bench_embed is not exported by this module" };
  }
  // The inputs are the renderer's own 512 x 768 sketches, copied into a separate buffer so that
  // only decoding and describing are timed.
  const count = wasm.bench_render_variants();
  const variants = [];
  for (let variant = 0; variant < count; variant++) {
    const len = wasm.bench_render(BigInt(o.seed), variant);
    if (!len) throw new Error(`bench_render(${variant}) failed`);
    const png = new Uint8Array(wasm.memory.buffer, wasm.result_render_ptr() >>> 0, len).slice();
    const ptr = wasm.alloc(png.length);
    new Uint8Array(wasm.memory.buffer, ptr >>> 0, png.length).set(png);
    const t = time(o.repeat, () => {
      const out = wasm.bench_embed(ptr, png.length);
      if (out < 0) throw new Error(`bench_embed(${variant}) failed with code ${out}`);
      return out;
    });
    wasm.dealloc(ptr, png.length);
    variants.push({ variant, png_bytes: png.length, seconds: t.best, first_seconds: t.first, times: t.times });
  }
  return {
    embed_variants: variants,
    embed_worst_seconds: Math.max(...variants.map((v) => v.seconds)),
    embed_memory_mb: wasm.memory.buffer.byteLength / MB,
  };
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const bytes = readFileSync(o.wasm);
  const compileStart = performance.now();
  const module = await WebAssembly.compile(bytes);
  const compileSeconds = (performance.now() - compileStart) / 1000;
  const out = {
    engine: "wasm",
    runtime: `node ${process.version}`,
    v8: process.versions.v8,
    wasm_bytes: bytes.length,
    compile_seconds: compileSeconds,
    seed: o.seed,
    repeat: o.repeat,
    ...(await render(module, o)),
    ...(await embed(module, o)),
    threads: 1,
  };
  process.stdout.write(JSON.stringify(out) + "\n");
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
