// History: the designer's jobs, newest first, filtered as they type.
import { ApiFailure, describe, getJson, isAbort, type Schemas } from "../api";
import { h, notice, replace, when } from "../dom";
import type { Page } from "../page";

export async function renderHistory(page: Page): Promise<void> {
  const { main, signal } = page;
  const filter = h("input", { id: "filter", type: "search", "data-testid": "history-filter", "aria-describedby": "filter-help", autocomplete: "off" });
  const count = h("p", { role: "status", "data-testid": "history-count" });
  const list = h("div", { "data-testid": "history" });
  replace(
    main,
    h("h1", null, "Your jobs"),
    h("div", { class: "field" }, h("label", { for: "filter" }, "Filter"), h("p", { id: "filter-help", class: "help" }, "Words of the brief, an attribute (linen, colour:black), a model (sketch), a status (complete, failed…) or a date (2025-09-01)."), filter),
    count,
    list,
  );

  let jobs: Schemas["JobSummary"][];
  try {
    jobs = (await getJson<Schemas["Jobs"]>("/api/generation", signal)).jobs;
  } catch (e) {
    if (isAbort(e)) return;
    const text = e instanceof ApiFailure && (e.status === 404 || e.status === 405) ? "The job history is not available on this server yet." : `Could not load your jobs: ${describe(e)}`;
    replace(list, notice(text, "error"));
    return;
  }

  const show = () => {
    // Every word must match the brief, an attribute it asked for, the status, the model or the
    // date (ISO or local).
    const words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    const shown = jobs.filter((j) => {
      const attributes = j.requested.map((a) => `${a.category}:${a.value} ${a.value}`).join(" ");
      const hay = `${j.brief} ${attributes} ${j.status} ${j.provider} ${j.created_at} ${when(j.created_at)}`.toLowerCase();
      return words.every((w) => hay.includes(w));
    });
    count.textContent = `${shown.length} of ${jobs.length} job${jobs.length === 1 ? "" : "s"} shown.`;
    replace(
      list,
      shown.length === 0
        ? h("p", { class: "help" }, jobs.length ? "No job matches the filter." : "No jobs yet. Start one from a new brief.")
        : h(
            "table",
            { class: "history" },
            h("caption", { class: "sr-only" }, "Your jobs, newest first"),
            h("thead", null, h("tr", null, ["Brief", "Status", "Designs", "Model", "Created"].map((t) => h("th", { scope: "col" }, t)))),
            h(
              "tbody",
              null,
              shown.map((j) =>
                h(
                  "tr",
                  { "data-testid": "history-row" },
                  h("td", null, h("a", { href: `#/job/${encodeURIComponent(j.job_id)}` }, j.brief || j.job_id)),
                  h("td", null, h("span", { class: `status ${j.status}` }, j.status)),
                  h("td", null, String(j.designs)),
                  h("td", null, j.provider),
                  h("td", null, h("time", { datetime: j.created_at }, when(j.created_at))),
                ),
              ),
            ),
          ),
    );
  };
  filter.addEventListener("input", show);
  show();
}
