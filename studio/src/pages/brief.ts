// The brief page: the brief is parsed as the designer types, then a job is started.
import { ApiFailure, describe, getJson, isAbort, postJson, type Schemas } from "../api";
import { h, label, replace, type Child } from "../dom";

type Brief = Schemas["Brief"];
type Extracted = Schemas["Extracted"];
import { navigate, type Page } from "../page";

const DEBOUNCE_MS = 300;
// The API takes θ in [0, 1): 1 itself is refused, so the slider stops just short of it.
const THETA_MAX = 0.95;

export function thetaSentence(theta: number): string {
  if (theta >= 0.8) return `θ ${theta.toFixed(2)}: quality first. The set stays close to the best-scoring designs for the brief.`;
  if (theta >= 0.55) return `θ ${theta.toFixed(2)}: mostly quality, with some room for different styles.`;
  if (theta >= 0.3) return `θ ${theta.toFixed(2)}: balanced between quality and diversity.`;
  return `θ ${theta.toFixed(2)}: diversity first. The set explores different styles, even at some cost in quality.`;
}

export async function renderBrief(page: Page): Promise<void> {
  const { main, signal } = page;
  const textarea = h("textarea", {
    id: "brief",
    rows: 4,
    maxlength: 2000,
    required: true,
    "data-testid": "brief-input",
    "aria-describedby": "brief-help",
  });
  textarea.value = page.query.get("brief") ?? "";
  const parsed = h("section", { class: "parse", "aria-live": "polite", "aria-labelledby": "parse-title", "data-testid": "brief-parse" });

  const designs = h("input", { id: "designs", type: "number", min: 1, max: 48, step: 1, value: 12, required: true, "data-testid": "designs" });
  let designsTouched = false;
  designs.addEventListener("input", () => (designsTouched = true));

  const models = h("fieldset", { class: "models", "data-testid": "models" }, h("legend", null, "Models"), h("p", { class: "help" }, "Loading models…"));

  const over = h("input", { id: "over", type: "range", min: 2, max: 3, step: 0.5, value: 3, "data-testid": "over-generation" });
  const overOut = h("output", { for: "over", id: "over-out" }, "3×");
  over.addEventListener("input", () => (overOut.textContent = `${over.value}×`));

  const theta = h("input", { id: "theta", type: "range", min: 0, max: THETA_MAX, step: 0.05, value: 0.7, "aria-describedby": "theta-says", "data-testid": "theta" });
  const thetaSays = h("output", { id: "theta-says", for: "theta", "data-testid": "theta-sentence" }, thetaSentence(0.7));
  theta.addEventListener("input", () => (thetaSays.textContent = thetaSentence(Number(theta.value))));

  const submitError = h("div", { class: "form-error", role: "alert", "data-testid": "start-error" });
  const submit = h("button", { type: "submit", "data-testid": "start-job" }, "Start the job");

  const form = h(
    "form",
    { class: "brief-form", novalidate: true },
    h("div", { class: "field" }, h("label", { for: "brief" }, "Brief"), h("p", { id: "brief-help", class: "help" }, "Describe the designs in plain words: garment, fabrics, colours, mood, what to avoid, how many."), textarea),
    parsed,
    h(
      "div",
      { class: "controls" },
      h("div", { class: "field" }, h("label", { for: "designs" }, "Number of designs (1–48)"), designs),
      models,
      h("div", { class: "field" }, h("label", { for: "over" }, "Over-generation (images per design)"), h("div", { class: "range" }, over, overOut)),
      h("div", { class: "field wide" }, h("label", { for: "theta" }, "Quality / diversity (θ)"), theta, h("p", { class: "help" }, thetaSays)),
    ),
    submitError,
    submit,
  );

  replace(main, h("h1", null, "New brief"), form);
  renderParse(parsed, null);

  // Parse as the designer types; only the newest answer is shown.
  let timer: number | undefined;
  let inflight: AbortController | null = null;
  const parse = async () => {
    inflight?.abort();
    const text = textarea.value.trim();
    if (!text) {
      renderParse(parsed, null);
      return;
    }
    inflight = new AbortController();
    const both = AbortSignal.any([signal, inflight.signal]);
    try {
      const res = await postJson<Schemas["BriefPreview"]>("/api/brief", { brief: text } satisfies Schemas["BriefRequest"], both);
      renderParse(parsed, res.brief, res.warnings);
      if (!designsTouched) designs.value = String(res.designs);
    } catch (e) {
      if (isAbort(e)) return;
      if (e instanceof ApiFailure && e.status === 422) renderParse(parsed, null, [], e.message);
      else if (e instanceof ApiFailure && e.status === 404) renderParse(parsed, null, [], "The brief preview is not available on this server; the job will still read the brief.");
      else renderParse(parsed, null, [], `Could not read the brief: ${describe(e)}`);
    }
  };
  textarea.addEventListener("input", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(parse, DEBOUNCE_MS);
  });
  signal.addEventListener("abort", () => window.clearTimeout(timer));
  if (textarea.value) void parse();

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    submitError.replaceChildren();
    const chosen = [...models.querySelectorAll<HTMLInputElement>("input:checked")].map((i) => i.value as Schemas["Provider"]);
    const n = Number(designs.value);
    if (!textarea.value.trim()) return void (submitError.textContent = "Write a brief first.");
    if (!Number.isInteger(n) || n < 1 || n > 48) return void (submitError.textContent = "The number of designs must be a whole number from 1 to 48.");
    if (models.querySelector("input") && chosen.length === 0) return void (submitError.textContent = "Choose at least one model.");
    const body: Schemas["GenerationRequest"] = {
      brief: textarea.value.trim(),
      designs: n,
      over_generation: Number(over.value),
      theta: Number(theta.value),
      providers: chosen.length ? chosen : null,
    };
    submit.disabled = true;
    try {
      const res = await postJson<Schemas["SubmitResponse"]>("/api/generation", body, signal);
      navigate(`#/job/${encodeURIComponent(res.job_id)}`);
    } catch (err) {
      if (isAbort(err)) return;
      const label = err instanceof ApiFailure ? startErrorLabel(err.status) : "The job could not be started";
      submitError.textContent = `${label}: ${describe(err)}`;
      submit.disabled = false;
    }
  });

  try {
    const providers = await getJson<Schemas["ProvidersResponse"]>("/api/providers", signal);
    renderModels(models, providers.providers);
  } catch (e) {
    if (!isAbort(e)) replace(models, h("legend", null, "Models"), h("p", { class: "form-error" }, `Could not load the models: ${describe(e)}`));
  }
}

function startErrorLabel(status: number): string {
  if (status === 402) return "Over the daily image budget";
  if (status === 422) return "The request cannot be served";
  if (status === 429) return "Too many requests";
  return "The job could not be started";
}

function renderModels(fieldset: HTMLFieldSetElement, providers: Schemas["Provider"][]): void {
  // The offline renderer is the safe default; otherwise the first model offered.
  const preferred = providers.includes("sketch") ? "sketch" : providers[0];
  replace(
    fieldset,
    h("legend", null, "Models"),
    providers.map((p) => {
      const id = `model-${p}`;
      return h("div", { class: "check" }, h("input", { type: "checkbox", id, value: p, checked: p === preferred, "data-testid": `model-${p}` }), h("label", { for: id }, p));
    }),
  );
}

/** The parsed brief; `warnings` are the API's own sentences for `brief.warnings`. */
function renderParse(el: HTMLElement, brief: Brief | null, warnings: string[] = [], error?: string): void {
  const title = h("h2", { id: "parse-title" }, "What the studio reads");
  if (error) return replace(el, title, h("p", { class: "inline-error", "data-testid": "brief-error" }, error));
  if (!brief) return replace(el, title, h("p", { class: "help" }, "Start typing and the recognised values appear here."));

  // Group the requested and excluded values by category, in the order they appear.
  const groups = new Map<string, Child[]>();
  const add = (m: Extracted, excluded: boolean) => {
    const { category, value } = m.attribute;
    const chip = excluded
      ? h("li", { class: "chip excluded", "data-testid": "chip", "data-category": category, "data-value": value, "data-excluded": "true" }, h("span", { class: "not" }, "not "), h("s", null, value))
      : h("li", { class: "chip", "data-testid": "chip", "data-category": category, "data-value": value, "data-excluded": "false" }, value);
    groups.set(category, [...(groups.get(category) ?? []), chip]);
  };
  brief.attributes.forEach((m) => add(m, false));
  brief.exclusions.forEach((m) => add(m, true));

  replace(
    el,
    title,
    groups.size
      ? h("dl", { class: "chip-groups" }, [...groups].map(([cat, chips]) => h("div", { class: "chip-group", "data-testid": "chip-group" }, h("dt", null, label(cat)), h("dd", null, h("ul", { class: "chips" }, chips)))))
      : h("p", { class: "help" }, "No taxonomy values recognised yet."),
    h("p", { "data-testid": "brief-count" }, brief.count === null ? "No number of designs asked for (12 by default)." : `Asks for ${brief.count} designs.`),
    brief.modifiers.length > 0 &&
      h("p", { "data-testid": "brief-modifiers" }, "Words outside the taxonomy, passed on as they are: ", brief.modifiers.map((m, i) => [i ? ", " : "", h("q", null, m.text)])),
    (warnings.length > 0 || brief.warnings.length > 0) &&
      h("ul", { class: "warnings", "data-testid": "brief-warnings" }, (warnings.length ? warnings : brief.warnings.map(warningText)).map((w) => h("li", null, h("strong", null, "Warning: "), w))),
  );
}

function warningText(w: Schemas["BriefWarning"]): string {
  switch (w.kind) {
    case "contradiction":
      return `${w.a.category} ${w.a.value} contradicts ${w.b.category} ${w.b.value} (${w.rule}).`;
    case "count_out_of_range":
      return `${w.requested} designs asked for, outside ${w.min}–${w.max}${w.used === null ? "" : `; ${w.used} used`}.`;
    case "conflicting_counts":
      return `Several numbers of designs: ${w.kept} kept, ${w.ignored} ignored.`;
  }
}
