// Every image a job has made, picked or not: shown on demand, and refreshed while the job runs
// so the over-generated candidates appear as they are made.
import { describe, getJson, imageUrl, isAbort, type Schemas } from "../api";
import { fmt, h, label, notice, replace } from "../dom";

type Candidate = Schemas["Candidate"];

export interface Candidates {
  /** The disclosure to place on the page. */
  element: HTMLElement;
  /** Reads the list again (while the job runs); the picked ones are marked once known. */
  refresh(picked?: Set<string>): Promise<void>;
}

export function candidatesSection(jobId: string, signal: AbortSignal): Candidates {
  const summary = h("summary", null, "All candidates, picked or not");
  const status = h("p", { role: "status", class: "help", "data-testid": "candidates-count" });
  const list = h("div", { class: "candidate-grid" });
  const element = h("details", { class: "candidates", "data-testid": "candidates" }, summary, status, list);
  // Each image is fetched once; the cards are rebuilt from the list on every refresh.
  const urls = new Map<string, Promise<string>>();
  let picked = new Set<string>();
  let loading = false;

  const card = (c: Candidate): HTMLElement => {
    const img = h("img", { alt: `Variant ${c.variant + 1}: ${c.drawn.map((a) => a.value).join(", ")}`, width: 160, height: 160, class: "loading" });
    if (!urls.has(c.image_id)) urls.set(c.image_id, imageUrl(c.image_url, signal));
    urls.get(c.image_id)!.then(
      (url) => ((img.src = url), img.classList.remove("loading")),
      (e: unknown) => {
        if (!isAbort(e)) img.replaceWith(h("p", { class: "img-missing" }, `Image not available: ${describe(e)}`));
      },
    );
    return h(
      "article",
      { class: "candidate", "data-testid": "candidate", "data-image-id": c.image_id },
      h("figure", null, img),
      h("p", null, h("strong", null, `Variant ${c.variant + 1}`), picked.has(c.image_id) ? h("span", { class: "badge picked" }, " Picked") : ""),
      h("p", { class: "help" }, `${c.provider} · ${c.model} · quality ${fmt(c.quality, 3)} · $${fmt(c.cost, 3)}`),
      h("ul", { class: "attrs", "aria-label": "Values it shows" }, c.drawn.map((a) => h("li", { class: "chip" }, h("span", { class: "cat" }, `${label(a.category)}: `), a.value))),
      h(
        "details",
        null,
        h("summary", null, "Provenance"),
        h(
          "dl",
          { class: "provenance" },
          h("dt", null, "Prompt"), h("dd", null, c.prompt),
          h("dt", null, "Negative prompt"), h("dd", null, c.negative_prompt || "–"),
          h("dt", null, "Seed"), h("dd", null, String(c.seed)),
          h("dt", null, "Parameters"), h("dd", null, h("code", null, JSON.stringify(c.parameters))),
        ),
      ),
    );
  };

  const refresh = async (nowPicked?: Set<string>): Promise<void> => {
    if (nowPicked) picked = nowPicked;
    if (!element.open || loading) return;
    loading = true;
    try {
      const answer = await getJson<Schemas["CandidatesResponse"]>(`/api/generation/${encodeURIComponent(jobId)}/images`, signal);
      status.textContent = `${answer.images.length} image${answer.images.length === 1 ? "" : "s"} made${picked.size ? `, ${picked.size} picked` : " so far"}.`;
      replace(list, answer.images.map(card));
    } catch (e) {
      if (!isAbort(e)) replace(list, notice(`Could not load the candidates: ${describe(e)}`, "error"));
    } finally {
      loading = false;
    }
  };
  element.addEventListener("toggle", () => void refresh());
  return { element, refresh };
}
