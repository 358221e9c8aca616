// A miniflare plugin that binds a Worker's `AI` to a local Workers AI stand-in, for `wrangler dev`
// offline. Only the test copies of the wrangler configs that `cargo xtask` writes load it; a
// deployed config keeps `[ai] binding = "AI"`.
//
// Why it exists: wrangler dev always runs `[ai]` remotely (it opens a remote proxy session, which
// needs a login and the network: offline it fails to start; with `--local` every `env.AI.run`
// throws "Binding AI needs to be run remotely"), and it has no setting that points the binding at
// a local address. A wrangler `[[unsafe.bindings]]` entry with a `dev.plugin` is handed to a
// miniflare plugin like this one instead:
//
//   [[unsafe.bindings]]
//   name = "AI"
//   type = "ai"
//   dev = { plugin = { package = "/abs/path/local-ai-plugin.mjs", name = "local-ai" }, options = { address = "127.0.0.1:PORT" } }
//
// The binding it emits is the one miniflare's own AI plugin emits (workerd's wrapped module
// `cloudflare-internal:ai-api`, class `Ai`, whose inner `fetcher` receives the model calls), so the
// Worker runs the real binding code: its request (`POST /run?version=3` with the model in
// `cf-consn-model-id`), its reading of the answer (an object when typed exactly
// `application/json`, a ReadableStream otherwise) and the errors it throws. Only the inner fetcher
// differs: an external HTTP service at `options.address` (bff-provider-servers' Workers AI
// stand-in) instead of the remote proxy.
//
// It relies on wrangler's experimental `unsafe` bindings and miniflare's plugin hook (checked with
// wrangler 4.86 and miniflare 4.20260426): re-run `cargo xtask e2e --providers-only` after
// upgrading either.
const serviceName = (binding) => `local-ai:${binding.name}`;

export const plugins = {
  "local-ai": {
    // The unsafe bindings routed to this plugin: [{ name, type, plugin, options }].
    async getBindings(bindings) {
      return (bindings ?? []).map((binding) => ({
        name: binding.name,
        wrapped: {
          moduleName: "cloudflare-internal:ai-api",
          innerBindings: [{ name: "fetcher", service: { name: serviceName(binding) } }],
        },
      }));
    },
    getNodeBindings() {
      return {};
    },
    async getServices({ options }) {
      return (options ?? []).map((binding) => ({
        name: serviceName(binding),
        external: { address: binding.options.address, http: {} },
      }));
    },
  },
};
