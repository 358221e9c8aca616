// Type-checks the studio: `node studio/check.mjs` (tsc --noEmit with studio/tsconfig.json).
import { spawnSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const studio = dirname(fileURLToPath(import.meta.url));
const tsc = join(resolve(studio, ".."), "node_modules", "typescript", "bin", "tsc");
const r = spawnSync(process.execPath, [tsc, "--noEmit", "-p", join(studio, "tsconfig.json")], { stdio: "inherit" });
if (r.status === 0) console.log("studio: type check passed");
process.exit(r.status ?? 1);
