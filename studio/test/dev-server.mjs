// Development server for the studio: serves target/studio/ with the headers of its _headers
// file, and proxies /api/ and /__scheduled to the API (wrangler dev). Development only.
//
//   node studio/test/dev-server.mjs --api http://127.0.0.1:8787 [--port 0] [--dir target/studio]
//
// Prints "studio: http://127.0.0.1:PORT" once listening.
import { createServer, request } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const dir = resolve(root, arg("dir", "target/studio"));
const api = new URL(arg("api", "http://127.0.0.1:8787"));
const port = Number(arg("port", "0"));

const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".png": "image/png", ".svg": "image/svg+xml" };

/** Parses _headers: a path pattern line, then indented "Name: value" lines. */
async function loadHeaderRules() {
  const text = await readFile(join(dir, "_headers"), "utf8").catch(() => "");
  const rules = [];
  for (const line of text.split("\n")) {
    if (!line.trim() || line.trim().startsWith("#")) continue;
    if (!/^\s/.test(line)) rules.push({ pattern: line.trim(), headers: [] });
    else if (rules.length) {
      const i = line.indexOf(":");
      rules.at(-1).headers.push([line.slice(0, i).trim(), line.slice(i + 1).trim()]);
    }
  }
  return rules;
}
const matches = (pattern, path) => (pattern.endsWith("*") ? path.startsWith(pattern.slice(0, -1)) : path === pattern);

function proxy(req, res) {
  const upstream = request(
    { host: api.hostname, port: api.port, method: req.method, path: req.url, headers: { ...req.headers, host: api.host } },
    (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    },
  );
  upstream.on("error", (e) => {
    res.writeHead(502, { "content-type": "application/json" });
    res.end(JSON.stringify({ status: 502, code: "bad_gateway", message: `API unreachable: ${e.message}` }));
  });
  req.pipe(upstream);
}

const server = createServer(async (req, res) => {
  const path = new URL(req.url ?? "/", "http://x").pathname;
  if (path.startsWith("/api/") || path === "/__scheduled") return proxy(req, res);
  const rules = await loadHeaderRules();
  const file = normalize(join(dir, path === "/" ? "index.html" : decodeURIComponent(path)));
  if (!file.startsWith(dir) || path.endsWith("/_headers")) {
    res.writeHead(404).end("not found");
    return;
  }
  try {
    const body = await readFile(file);
    const headers = { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "no-cache" };
    for (const rule of rules) if (matches(rule.pattern, path)) for (const [k, v] of rule.headers) headers[k] = v;
    res.writeHead(200, headers).end(body);
  } catch {
    res.writeHead(404, { "content-type": "text/plain" }).end("not found");
  }
});

server.listen(port, "127.0.0.1", () => {
  console.log(`studio: http://127.0.0.1:${server.address().port} (API ${api.origin})`);
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => server.close(() => process.exit(0)));
