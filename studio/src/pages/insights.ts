// Insights: the designer's feedback summary, style evolution, style profiles, standout
// values and recommendations, each recommendation with its evidence.
import { describe, getJson, isAbort, type Schemas } from "../api";
import { chartFigure, PALETTE, SHAPES } from "../charts";
import { fmt, h, notice, pct, replace, table, type Child } from "../dom";
import { navigate, type Page } from "../page";

const MAX_SERIES = 6;
const MAX_STANDOUT_ROWS = 12;

export async function renderInsights(page: Page): Promise<void> {
  const { main, signal } = page;
  const slots = {
    summary: h("section", { "aria-labelledby": "summary-title", "data-testid": "insights-summary" }, h("h2", { id: "summary-title" }, "Last 7 days"), h("p", { class: "help" }, "Loading…")),
    recs: h("section", { "aria-labelledby": "recs-title", "data-testid": "recommendations" }, h("h2", { id: "recs-title" }, "Recommendations"), h("p", { class: "help" }, "Loading…")),
    evolution: h("section", { "aria-labelledby": "evo-title" }, h("h2", { id: "evo-title" }, "How your picks evolve"), h("p", { class: "help" }, "Loading…")),
    styles: h("section", { "aria-labelledby": "styles-title" }, h("h2", { id: "styles-title" }, "Your styles"), h("p", { class: "help" }, "Loading…")),
    standouts: h("section", { "aria-labelledby": "standouts-title" }, h("h2", { id: "standouts-title" }, "What stands out"), h("p", { class: "help" }, "Loading…")),
  };
  replace(main, h("h1", null, "Insights"), slots.summary, slots.recs, slots.evolution, slots.styles, slots.standouts);

  // Each view loads on its own: one failing leaves the others readable.
  const load = async <T>(view: string, slot: HTMLElement, title: string, draw: (v: T) => Child) => {
    try {
      const v = await getJson<T>(`/api/analytics/${view}`, signal);
      if (!signal.aborted) replace(slot, h("h2", { id: slot.getAttribute("aria-labelledby") }, title), draw(v));
    } catch (e) {
      if (!isAbort(e)) replace(slot, h("h2", { id: slot.getAttribute("aria-labelledby") }, title), notice(`Could not load: ${describe(e)}`, "error"));
    }
  };
  await Promise.all([
    load<Schemas["FeedbackSummaryDataView"]>("feedback", slots.summary, "Last 7 days", (v) => summary(v.data.summary)),
    load<Schemas["RecommendationsDataView"]>("recommendations", slots.recs, "Recommendations", (v) => recommendations(v.data.recommendations)),
    load<Schemas["EvolutionDataView"]>("evolution", slots.evolution, "How your picks evolve", (v) => evolution(v.data, signal)),
    load<Schemas["StylesDataView"]>("styles", slots.styles, "Your styles", (v) => styles(v.data.styles)),
    load<Schemas["StandoutsDataView"]>("standouts", slots.standouts, "What stands out", (v) => standouts(v.data)),
  ]);
}

function summary(s: Schemas["FeedbackSummary"]): Child {
  const item = (label: string, value: string, testid?: string) => h("div", { class: "stat" }, h("dt", null, label), h("dd", { "data-testid": testid ?? null }, value));
  return [
    h(
      "dl",
      { class: "stats" },
      item("Feedback", String(s.feedback), "summary-feedback"),
      item("Ratings", String(s.ratings)),
      item("Mean rating", s.mean_rating === null ? "–" : `${fmt(s.mean_rating, 1)} of 5`),
      item("Likes", String(s.likes)),
      item("Dislikes", String(s.dislikes)),
      item("Standouts", String(s.standouts)),
      item("Standout rate", pct(s.standout_rate)),
    ),
    s.by_day.length > 0 &&
      h(
        "details",
        null,
        h("summary", null, "By day"),
        table("Feedback by day", ["Day", "Jobs", "Images", "Feedback", "Ratings", "Likes", "Dislikes", "Standouts"], s.by_day.map((d) => [d.day, d.jobs, d.images, d.feedback, d.ratings, d.likes, d.dislikes, d.standouts].map(String))),
      ),
  ];
}

/** The brief a recommendation suggests starting from. */
function suggestedBrief(r: Schemas["Recommendation"]): string {
  const ev = (r.evidence ?? {}) as Record<string, unknown>;
  const str = (k: string) => (typeof ev[k] === "string" ? (ev[k] as string) : "");
  switch (r.kind) {
    case "try_more":
      return str("value");
    case "try_less":
      return str("value") ? `no ${str("value")}` : "";
    case "never_covered":
      return str("category") ? `varied ${str("category").replace(/_/g, " ")}` : "";
    case "drift":
      return str("to");
    default:
      return "";
  }
}

const KIND_LABELS: Record<Schemas["RecommendationKind"], string> = {
  try_more: "Try more",
  try_less: "Try less",
  never_covered: "Never covered",
  drift: "Drift",
};

function recommendations(recs: Schemas["Recommendation"][]): Child {
  if (recs.length === 0) return h("p", { class: "help" }, "No recommendations yet: rate more designs and they will come.");
  return h(
    "ul",
    { class: "recs" },
    recs.map((r) => {
      const brief = suggestedBrief(r);
      const evidence = r.evidence && typeof r.evidence === "object" ? Object.entries(r.evidence as Record<string, unknown>) : [];
      return h(
        "li",
        { class: "rec card", "data-testid": "recommendation", "data-kind": r.kind },
        h("p", null, h("span", { class: `badge kind ${r.kind}` }, KIND_LABELS[r.kind] ?? r.kind), " ", r.message),
        evidence.length > 0 &&
          h(
            "details",
            null,
            h("summary", null, "Evidence"),
            h("dl", { class: "facts" }, evidence.map(([k, v]) => [h("dt", null, k.replace(/_/g, " ")), h("dd", null, typeof v === "number" ? fmt(v, 2) : String(v))])),
          ),
        h(
          "button",
          { type: "button", class: "secondary", "data-testid": "start-with", onclick: () => navigate(`#/?brief=${encodeURIComponent(brief)}`) },
          "Start a job with this",
          h("span", { class: "sr-only" }, `: ${r.message}`),
        ),
      );
    }),
  );
}

function evolution(data: Schemas["EvolutionData"], signal: AbortSignal): Child {
  if (data.weeks.length === 0) return h("p", { class: "help" }, `No picks in the last ${data.days} days yet.`);
  // The values that reached the highest share in any week, a handful so the chart stays readable.
  const peak = new Map<string, number>();
  for (const w of data.weeks)
    for (const s of w.shares) {
      const key = `${s.attribute.category}: ${s.attribute.value}`;
      peak.set(key, Math.max(peak.get(key) ?? 0, s.share));
    }
  const series = [...peak].sort((a, b) => b[1] - a[1]).slice(0, MAX_SERIES).map(([k]) => k);
  const shareOf = (w: Schemas["WeekShare"], key: string) => w.shares.find((s) => `${s.attribute.category}: ${s.attribute.value}` === key)?.share ?? 0;
  return chartFigure(
    {
      title: "Share of picks by week",
      summary: `${data.weeks.length} week${data.weeks.length === 1 ? "" : "s"} of picks over ${data.days} days; the ${series.length} most frequent values are drawn.`,
      testid: "evolution-chart",
      config: {
        type: "line",
        data: {
          labels: data.weeks.map((w) => w.week),
          datasets: series.map((key, i) => ({
            label: key,
            data: data.weeks.map((w) => Math.round(shareOf(w, key) * 100)),
            borderColor: PALETTE[i % PALETTE.length],
            backgroundColor: PALETTE[i % PALETTE.length],
            pointStyle: SHAPES[i % SHAPES.length],
            pointRadius: 5,
          })),
        },
        options: { scales: { y: { min: 0, max: 100, title: { display: true, text: "share of picks %" } } } },
      },
      headers: ["Week", "Picks", ...series],
      rows: data.weeks.map((w) => [w.week, String(w.picks), ...series.map((k) => pct(shareOf(w, k)))]),
    },
    signal,
  );
}

function styles(list: Schemas["ProfilePerformance"][]): Child {
  if (list.length === 0) return h("p", { class: "help" }, "No style profiles yet.");
  return table(
    "Style profiles and how they perform",
    ["Style", "Designs", "Rated", "Mean rating", "Standouts", "Standout rate"],
    list.map((s) => [s.name, String(s.generations), String(s.ratings), s.mean_rating === null ? "–" : fmt(s.mean_rating, 1), String(s.standouts), pct(s.standout_rate)]),
    { "data-testid": "styles" },
  );
}

function standouts(d: Schemas["StandoutsData"]): Child {
  const top = [...d.attributes].sort((a, b) => b.standout_rate - a.standout_rate || b.ratings - a.ratings).slice(0, MAX_STANDOUT_ROWS);
  return [
    h("p", null, `${d.standouts} standout${d.standouts === 1 ? "" : "s"} in ${d.ratings} rating${d.ratings === 1 ? "" : "s"} (rate ${pct(d.standout_rate)}).`),
    top.length === 0
      ? h("p", { class: "help" }, "No rated values yet.")
      : table(
          "Values with the highest standout rate",
          ["Category", "Value", "Rated", "Standouts", "Standout rate", "Against your usual"],
          top.map((a) => [a.attribute.category, a.attribute.value, String(a.ratings), String(a.standouts), pct(a.standout_rate), a.lift === null ? "–" : `${fmt(a.lift, 1)}×`]),
          { "data-testid": "standouts" },
        ),
  ];
}
