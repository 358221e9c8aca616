// Builds the studio into target/studio/: index.html, studio.js, studio.css and _headers.
//
//   node studio/build.mjs           regenerate the API types, bundle, report sizes
//   node studio/build.mjs --types   only regenerate studio/src/api-types.ts
//   node studio/build.mjs --check   also type-check (same as node studio/check.mjs)
//
// Fails when JS + CSS gzipped pass the budget.
import { spawnSync } from "node:child_process";
import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import * as esbuild from "esbuild";
import openapiTS, { astToString } from "openapi-typescript";

const studio = dirname(fileURLToPath(import.meta.url));
const root = resolve(studio, "..");
const out = join(root, "target", "studio");
const BUDGET_GZIP = 150 * 1024;

// One rule for every file. The CSP allows only same-origin scripts, styles and calls, and
// blob: images (the designs are fetched with the bearer header and shown from blob: URLs).
const HEADERS = `/*
  Content-Security-Policy: default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'
  X-Content-Type-Options: nosniff
  X-Frame-Options: DENY
  Referrer-Policy: no-referrer
`;

async function generateTypes() {
  const spec = pathToFileURL(join(root, "api", "openapi.json"));
  // Fields with a default are optional to send (they only occur in request bodies).
  const ast = await openapiTS(spec, { defaultNonNullable: false });
  const header = "// Generated from api/openapi.json by `node studio/build.mjs --types`; do not edit by hand.\n\n";
  const target = join(studio, "src", "api-types.ts");
  const text = header + astToString(ast);
  const before = await readFile(target, "utf8").catch(() => "");
  if (before !== text) await writeFile(target, text);
  console.log(`types: ${relative(root, target)}${before === text ? " (unchanged)" : " (written)"}`);
}

function typeCheck() {
  const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
  const r = spawnSync(process.execPath, [tsc, "--noEmit", "-p", join(studio, "tsconfig.json")], { stdio: "inherit" });
  if (r.status !== 0) throw new Error("type check failed");
  console.log("types: check passed");
}

async function bundle() {
  // The folder is kept (a running `wrangler dev` watches it); only stale files are removed.
  await mkdir(out, { recursive: true });
  const keep = new Set(["index.html", "studio.js", "studio.css", "_headers"]);
  for (const name of await readdir(out)) if (!keep.has(name)) await rm(join(out, name), { recursive: true, force: true });
  await esbuild.build({
    entryPoints: { studio: join(studio, "src", "main.ts") },
    outdir: out,
    bundle: true,
    format: "esm",
    target: ["chrome111", "firefox115", "safari16.4"],
    minify: true,
    sourcemap: false,
    legalComments: "none",
    logLevel: "warning",
    define: { "process.env.NODE_ENV": '"production"' },
  });
  await copyFile(join(studio, "src", "index.html"), join(out, "index.html"));
  await writeFile(join(out, "_headers"), HEADERS);

  let total = 0;
  const parts = [];
  for (const name of ["studio.js", "studio.css"]) {
    const file = join(out, name);
    const raw = (await stat(file)).size;
    const gz = gzipSync(await readFile(file), { level: 9 }).length;
    total += gz;
    parts.push(`${name} ${kb(raw)} (${kb(gz)} gzip)`);
  }
  console.log(`bundle: ${parts.join(", ")}; JS+CSS ${kb(total)} gzip of ${kb(BUDGET_GZIP)} allowed`);
  if (total > BUDGET_GZIP) throw new Error(`JS+CSS gzipped is ${kb(total)}, over the ${kb(BUDGET_GZIP)} budget`);
  console.log(`wrote ${relative(root, out)}/: index.html, studio.js, studio.css, _headers`);
}

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

const args = new Set(process.argv.slice(2));
try {
  await generateTypes();
  if (!args.has("--types")) {
    if (args.has("--check")) typeCheck();
    await bundle();
  }
} catch (e) {
  console.error(`studio build failed: ${e.message}`);
  process.exit(1);
}
