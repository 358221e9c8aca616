// The job page: live progress while the pipeline runs, then the designs grouped by style,
// why each was picked, the selection and coverage figures, and feedback on each design.
import { ApiFailure, describe, getJson, imageUrl, isAbort, type Schemas } from "../api";
import { chartFigure, PALETTE } from "../charts";
import { fmt, h, label, notice, pct, replace, table, when, type Child } from "../dom";
import type { Page } from "../page";
import { candidatesSection } from "./candidates";
import { feedbackForm, standoutBadge } from "./feedback";

type Job = Schemas["JobStatusResponse"];
type Design = Schemas["SelectedDesign"];

const TERMINAL = new Set<Schemas["JobStatus"]>(["complete", "partial", "failed"]);
const POLL_MS = 1000;
// The strongest few values describe a style; the full list is on each design.
const MAX_DOMINANT = 4;
const STAGE_LABELS: Record<Schemas["Stage"], string> = {
  generate: "Generate images",
  embed: "Embed",
  cluster: "Cluster into styles",
  select: "Select a diverse set",
  coverage: "Measure coverage",
};

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = window.setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (window.clearTimeout(t), resolve()), { once: true });
  });
}

export async function renderJob(page: Page): Promise<void> {
  const { main, signal } = page;
  const id = page.params[0] ?? "";
  const base = `/api/generation/${encodeURIComponent(id)}`;

  const status = h("p", { role: "status", class: "job-status", "data-testid": "job-status" }, "Loading the job…");
  const progress = h("section", { "aria-labelledby": "progress-title", "data-testid": "progress" });
  const results = h("div", { class: "results" });
  const candidates = candidatesSection(id, signal);
  replace(main, h("h1", null, "Job"), status, progress, candidates.element, results);

  let job: Job;
  let lastStatus = "";
  for (;;) {
    try {
      job = await getJson<Job>(base, signal);
    } catch (e) {
      if (isAbort(e) || signal.aborted) return;
      if (e instanceof ApiFailure && e.status === 404) return renderNotFound(main);
      status.textContent = `Could not load the job: ${describe(e)}. Retrying…`;
      await sleep(POLL_MS * 3, signal);
      continue;
    }
    if (job.status !== lastStatus) {
      // Announce status changes only, not every poll.
      lastStatus = job.status;
      status.dataset.status = job.status;
      replace(status, "Status: ", h("strong", null, job.status), TERMINAL.has(job.status) ? "" : " (updating every second)");
    }
    renderProgress(progress, job);
    void candidates.refresh();
    if (TERMINAL.has(job.status) || signal.aborted) break;
    await sleep(POLL_MS, signal);
    if (signal.aborted) return;
  }
  replace(main.querySelector("h1")!, "Job: ", h("q", null, job.brief));
  void candidates.refresh(new Set(job.selected.map((d) => d.image_id)));
  await renderResults(results, job, id, signal);
}

function renderNotFound(main: HTMLElement): void {
  replace(
    main,
    h("h1", { "data-testid": "not-found" }, "Job not found"),
    h("p", null, "There is no job with this id among your jobs. It may have been deleted, or belong to someone else."),
    h("p", null, h("a", { href: "#/history" }, "See your jobs"), " or ", h("a", { href: "#/" }, "start a new brief"), "."),
  );
}

function renderProgress(el: HTMLElement, job: Job): void {
  const stages = job.progress.map((p) => {
    const state = p.total > 0 && p.done + p.failed >= p.total ? "done" : p.done + p.failed > 0 ? "running" : "waiting";
    const labelId = `stage-label-${p.stage}`;
    return h(
      "li",
      { "data-testid": `stage-${p.stage}`, "data-state": state, class: `stage ${state}` },
      h("span", { id: labelId, class: "stage-name" }, STAGE_LABELS[p.stage] ?? p.stage),
      h("progress", { max: Math.max(p.total, 1), value: p.done, "aria-labelledby": labelId }),
      h("span", { class: "stage-figures" }, `${p.done} of ${p.total} done`, p.failed ? `, ${p.failed} failed` : "", ` (${state})`),
    );
  });
  const reports = job.variant_reports;
  replace(
    el,
    h("h2", { id: "progress-title" }, "Progress"),
    h("ol", { class: "stages" }, stages),
    h(
      "dl",
      { class: "facts" },
      h("dt", null, "Designs"), h("dd", null, String(job.designs)),
      h("dt", null, "Models"), h("dd", null, job.providers.join(", ")),
      h("dt", null, "Over-generation"), h("dd", null, `${job.over_generation}×`),
      h("dt", null, "θ"), h("dd", null, fmt(job.theta)),
      h("dt", null, "Cost estimate"), h("dd", null, `$${fmt(job.cost_estimate, 3)}`),
      h("dt", null, "Started"), h("dd", null, when(job.created_at)),
    ),
    job.error && notice(`The job failed: ${job.error}`, "error"),
    job.warnings.length > 0 && h("ul", { class: "warnings" }, job.warnings.map((w) => h("li", null, h("strong", null, "Warning: "), w))),
    h("h3", null, "Failed or moved variants"),
    reports.length === 0
      ? h("p", { class: "help" }, "No variant failed or moved to another model.")
      : table(
          "Variants that failed or were retried on another model",
          ["Variant", "Model asked last", "Status", "Error", "Moved"],
          reports.map((r) => [
            String(r.variant),
            r.provider,
            r.status,
            r.error ?? "–",
            r.reroutes.length ? r.reroutes.map((x) => `${x.from} → ${x.to} (${x.reason})`).join("; ") : "–",
          ]),
          { "data-testid": "variant-reports" },
        ),
  );
}

async function renderResults(el: HTMLElement, job: Job, id: string, signal: AbortSignal): Promise<void> {
  if (job.selected.length === 0) {
    replace(el, notice(job.status === "failed" ? "No designs were chosen because the job failed." : "No designs were chosen."));
    return;
  }
  const enc = encodeURIComponent(id);
  const settle = <T>(p: Promise<T>) => p.then((v) => ({ ok: true as const, v }), (e: unknown) => ({ ok: false as const, e }));
  const [clusters, diversity, coverage, feedback] = await Promise.all([
    settle(getJson<Schemas["ClustersResponse"]>(`/api/clusters/${enc}`, signal)),
    settle(getJson<Schemas["DiversityResponse"]>(`/api/diversity/${enc}`, signal)),
    settle(getJson<Schemas["CoverageResponse"]>(`/api/coverage/${enc}`, signal)),
    settle(getJson<Schemas["FeedbackList"]>(`/api/feedback?job_id=${enc}`, signal)),
  ]);
  if (signal.aborted) return;
  const failed = (r: { ok: boolean; e?: unknown }, what: string) => (!r.ok && !isAbort(r.e) ? notice(`Could not load ${what}: ${describe(r.e)}`, "error") : null);

  // Newest first: the first feedback seen per image is its current revision.
  const latest = new Map<string, Schemas["FeedbackView"]>();
  if (feedback.ok) for (const f of feedback.v.feedback) if (!latest.has(f.image_id)) latest.set(f.image_id, f);

  replace(
    el,
    gallery(job, clusters.ok ? clusters.v : null, diversity.ok ? diversity.v : null, latest, signal),
    failed(clusters, "the styles"),
    failed(feedback, "your earlier feedback"),
    selection(clusters.ok ? clusters.v : null, diversity.ok ? diversity.v : null, signal),
    failed(diversity, "the selection figures"),
    coverage.ok ? coverageSection(coverage.v, signal) : failed(coverage, "the coverage"),
  );
}

function gallery(
  job: Job,
  clusters: Schemas["ClustersResponse"] | null,
  diversity: Schemas["DiversityResponse"] | null,
  feedback: Map<string, Schemas["FeedbackView"]>,
  signal: AbortSignal,
): HTMLElement {
  const byCluster = new Map<number, Design[]>();
  for (const d of [...job.selected].sort((a, b) => a.rank - b.rank)) byCluster.set(d.cluster, [...(byCluster.get(d.cluster) ?? []), d]);

  const picked = new Set(job.selected.map((d) => d.image_id));
  const suppressed = diversity?.suppressed ?? [];
  const orphans = suppressed.filter((s) => !picked.has(s.duplicate_of));

  const sections = [...byCluster].map(([cluster, designs]) => {
    const info = clusters?.clusters.find((c) => c.cluster === cluster);
    const name = info?.name ?? designs[0]?.style ?? `Style ${cluster + 1}`;
    const headingId = `cluster-${cluster}`;
    const section = h(
      "section",
      { class: "cluster", "data-testid": "gallery-cluster", "data-cluster": cluster, "aria-labelledby": headingId },
      h("h3", { id: headingId }, name),
      info &&
        h(
          "p",
          { class: "help" },
          `${info.size} generated image${info.size === 1 ? "" : "s"} in this style. Dominant: `,
          info.dominant.length
            ? [...info.dominant]
                .sort((a, b) => b.share - a.share)
                .slice(0, MAX_DOMINANT)
                .map((d) => `${d.value} (${label(d.category)}, ${pct(d.share)})`)
                .join(", ")
            : "none",
          ".",
        ),
      h("div", { class: "cards" }, designs.map((d) => designCard(d, suppressed.filter((s) => s.duplicate_of === d.image_id), feedback.get(d.image_id), signal))),
    );
    // Small styles sit side by side; the width each takes follows its number of designs.
    section.style.setProperty("--designs", String(Math.min(designs.length, 4)));
    return section;
  });
  return h(
    "section",
    { "aria-labelledby": "gallery-title", "data-testid": "gallery" },
    h("h2", { id: "gallery-title" }, `Designs by style (${job.selected.length})`),
    h("div", { class: "clusters" }, sections),
    orphans.length > 0 &&
      h(
        "section",
        { "data-testid": "suppressed" },
        h("h3", null, "Left out as near-duplicates"),
        h("ul", null, orphans.map((s) => h("li", null, `${s.image_id}, too close to ${s.duplicate_of} (cosine ${fmt(s.cosine, 3)})`))),
      ),
  );
}

function designCard(d: Design, duplicates: Schemas["SuppressedImage"][], existing: Schemas["FeedbackView"] | undefined, signal: AbortSignal): HTMLElement {
  const describeAttrs = d.attributes.map((a) => a.value).join(", ");
  const img = h("img", { alt: `Design ${d.rank}${describeAttrs ? `: ${describeAttrs}` : ""}`, width: 512, height: 512, class: "loading" });
  imageUrl(d.image_url, signal).then(
    (url) => ((img.src = url), img.classList.remove("loading")),
    (e: unknown) => {
      if (!isAbort(e)) img.replaceWith(h("p", { class: "img-missing" }, `Image not available: ${describe(e)}`));
    },
  );
  const badgeSlot = h("span", { class: "badge-slot" }, standoutBadge(existing?.standout));
  const why = d.reason === "quality" ? "Picked for quality" : "Picked for novelty, over a higher-quality candidate";
  const headingId = `design-${d.image_id}`;
  return h(
    "article",
    { class: "design-card", "data-testid": "design-card", "data-image-id": d.image_id, "aria-labelledby": headingId },
    h("figure", null, img),
    h("h4", { id: headingId }, `Design ${d.rank}`, " ", badgeSlot),
    h("p", { class: `reason ${d.reason}`, "data-testid": "reason", "data-reason": d.reason }, why),
    h(
      "dl",
      { class: "figures" },
      h("div", null, h("dt", null, "Gain"), h("dd", null, fmt(d.gain, 3))),
      h("div", null, h("dt", null, "Novelty"), h("dd", null, fmt(d.novelty, 3))),
      h("div", null, h("dt", null, "Quality"), h("dd", null, fmt(d.quality, 3))),
    ),
    d.attributes.length > 0 &&
      h("ul", { class: "attrs", "aria-label": "Attributes shown" }, d.attributes.map((a) => h("li", { class: "chip" }, h("span", { class: "cat" }, `${label(a.category)}: `), a.value))),
    h(
      "details",
      { class: "provenance", "data-testid": "provenance" },
      h("summary", null, "Provenance"),
      h(
        "dl",
        null,
        h("dt", null, "Prompt"), h("dd", { "data-testid": "prompt" }, d.prompt ?? "–"),
        h("dt", null, "Negative prompt"), h("dd", { "data-testid": "negative-prompt" }, d.negative_prompt || "–"),
        h("dt", null, "Parameters"), h("dd", null, d.parameters ? h("code", null, JSON.stringify(d.parameters)) : "–"),
        h("dt", null, "Model"), h("dd", null, d.model ?? "–"),
        h("dt", null, "Provider"), h("dd", null, d.provider ?? "–"),
        h("dt", null, "Seed"), h("dd", { "data-testid": "seed" }, d.seed === null ? "–" : String(d.seed)),
        h("dt", null, "Cost"), h("dd", null, d.cost === null ? "–" : `$${fmt(d.cost, 4)}`),
        h("dt", null, "Image id"), h("dd", null, d.image_id),
      ),
    ),
    duplicates.length > 0 &&
      h(
        "details",
        { class: "duplicates", "data-testid": "duplicates" },
        h("summary", null, `${duplicates.length} near-duplicate${duplicates.length === 1 ? "" : "s"} left out`),
        h("ul", null, duplicates.map((s) => h("li", null, `${s.image_id} (cosine ${fmt(s.cosine, 3)})`))),
      ),
    feedbackForm(d.image_id, `design ${d.rank}`, existing, signal, (v) => replace(badgeSlot, standoutBadge(v.standout))),
  );
}

function selection(clusters: Schemas["ClustersResponse"] | null, diversity: Schemas["DiversityResponse"] | null, signal: AbortSignal): HTMLElement {
  const parts: Child[] = [h("h2", { id: "selection-title" }, "How the set was chosen")];
  if (diversity) {
    const stop: Record<Schemas["StopReason"], string> = {
      target_reached: "the target number was reached",
      no_candidates_left: "no candidates were left",
      gain_below_epsilon: "no candidate added enough diversity",
    };
    parts.push(
      h(
        "dl",
        { class: "facts", "data-testid": "diversity" },
        h("dt", null, "Candidates"), h("dd", null, String(diversity.candidates)),
        h("dt", null, "Picked"), h("dd", null, `${diversity.picked} of ${diversity.target}`),
        h("dt", null, "Styles represented"), h("dd", null, String(diversity.clusters_represented)),
        h("dt", null, "Mean pairwise distance"), h("dd", null, fmt(diversity.mean_pairwise_cosine_distance, 3)),
        h("dt", null, "Near-duplicates left out"), h("dd", null, String(diversity.suppressed.length)),
        h("dt", null, "Stopped because"), h("dd", null, stop[diversity.stop] ?? diversity.stop),
      ),
    );
  }
  if (clusters && clusters.candidates.length > 0) {
    const cands = [...clusters.candidates].sort((a, b) => a.k - b.k);
    const chosen = cands.find((c) => c.k === clusters.k);
    parts.push(
      chartFigure(
        {
          title: "Silhouette against K",
          summary: `K from ${cands[0]!.k} to ${cands[cands.length - 1]!.k} was tried; K = ${clusters.k} was chosen${chosen?.silhouette != null ? ` with silhouette ${fmt(chosen.silhouette)}` : ""}. Higher is better separated.`,
          testid: "silhouette-chart",
          config: {
            type: "line",
            data: {
              labels: cands.map((c) => `K=${c.k}`),
              datasets: [
                {
                  label: "Silhouette",
                  data: cands.map((c) => c.silhouette),
                  borderColor: PALETTE[0],
                  backgroundColor: PALETTE[0],
                  // The chosen K is drawn larger and as a star.
                  pointRadius: cands.map((c) => (c.k === clusters.k ? 9 : 4)),
                  pointStyle: cands.map((c) => (c.k === clusters.k ? "star" : "circle")),
                  borderWidth: 2,
                },
              ],
            },
            options: { plugins: { legend: { display: false } }, scales: { y: { title: { display: true, text: "silhouette" } } } },
          },
          headers: ["K", "Silhouette", "Inertia", "Chosen"],
          rows: cands.map((c) => [String(c.k), fmt(c.silhouette, 3), fmt(c.inertia, 1), c.k === clusters.k ? "chosen" : ""]),
        },
        signal,
      ),
    );
  }
  return h("section", { "aria-labelledby": "selection-title" }, parts);
}

function coverageSection(cov: Schemas["CoverageResponse"], signal: AbortSignal): HTMLElement {
  const gaps = [...cov.gaps].sort((a, b) => a.rank - b.rank);
  return h(
    "section",
    { "aria-labelledby": "coverage-title", "data-testid": "coverage" },
    h("h2", { id: "coverage-title" }, "Coverage of the taxonomy"),
    h("p", null, `Overall coverage ${pct(cov.overall_score)}, evenness ${pct(cov.overall_evenness)}, over ${cov.set_size} designs.`),
    cov.categories.length > 0 &&
      chartFigure(
        {
          title: "Coverage by category",
          summary: cov.categories.map((c) => `${label(c.category)} ${pct(c.coverage)}`).join(", ") + ".",
          testid: "coverage-chart",
          config: {
            type: "bar",
            data: {
              labels: cov.categories.map((c) => label(c.category)),
              datasets: [{ label: "Coverage (%)", data: cov.categories.map((c) => Math.round(c.coverage * 100)), backgroundColor: PALETTE[2] }],
            },
            options: { plugins: { legend: { display: false } }, scales: { y: { min: 0, max: 100, title: { display: true, text: "coverage %" } } } },
          },
          headers: ["Category", "Coverage", "Values covered", "Evenness"],
          rows: cov.categories.map((c) => [label(c.category), pct(c.coverage), `${c.covered_values} of ${c.targeted_values}`, pct(c.evenness)]),
        },
        signal,
      ),
    h("h3", null, "Gaps, boosted in your next job"),
    gaps.length === 0
      ? h("p", { class: "help" }, "No gaps: every targeted value is covered.")
      : gapTables(gaps),
    cov.untargeted.length > 0 &&
      h("p", null, "Also shown without being asked for: ", cov.untargeted.map((u) => `${u.value} (${label(u.category)}, ${u.count})`).join(", "), "."),
  );
}

const GAPS_SHOWN = 10;

/** The first gaps by rank in a table; the rest in a second table behind a disclosure. */
function gapTables(gaps: Schemas["GapSummary"][]): Child {
  const headers = ["Status", "Category", "Value", "Coverage", "Missing", "Severity", "Boost next job"];
  const rows = (list: Schemas["GapSummary"][]) =>
    list.map((g) => [
      h("span", { class: `badge gap ${g.severity}` }, "gap"),
      label(g.category),
      h("span", null, g.value, g.requested ? h("span", { class: "help" }, " (requested)") : ""),
      pct(g.coverage),
      String(g.missing),
      g.severity,
      fmt(g.boost),
    ]);
  const rest = gaps.slice(GAPS_SHOWN);
  return [
    h("p", null, `${gaps.length} gap${gaps.length === 1 ? "" : "s"}; the next job gives each the boost shown.`),
    table(`The ${Math.min(gaps.length, GAPS_SHOWN)} worst gaps`, headers, rows(gaps.slice(0, GAPS_SHOWN)), { "data-testid": "gaps" }),
    rest.length > 0 &&
      h("details", null, h("summary", null, `${rest.length} more gap${rest.length === 1 ? "" : "s"}`), table("The other gaps", headers, rows(rest))),
  ];
}
