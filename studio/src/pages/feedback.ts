// The feedback form of one design: stars, like/dislike, comment, tags, Save.
import { ApiFailure, describe, getJson, isAbort, postJson, type Schemas } from "../api";
import { fmt, h, label as categoryLabel, replace } from "../dom";

type View = Schemas["FeedbackView"];

export function standoutBadge(standout: Schemas["StandoutView"] | null | undefined): HTMLElement | null {
  if (!standout) return null;
  const why = standout.rule === "high_rating_and_quality" ? "high rating and high quality" : "rated far above your usual";
  return h("span", { class: "badge standout", "data-testid": "standout", title: why }, "Standout", h("span", { class: "sr-only" }, `: ${why}`));
}

/** `label` names the design, so each form landmark has its own name. */
export function feedbackForm(imageId: string, label: string, existing: View | undefined, signal: AbortSignal, onSaved: (v: View) => void): HTMLFormElement {
  let liked: boolean | null = existing?.liked ?? null;
  const name = `rating-${imageId}`;

  const stars = h(
    "fieldset",
    { class: "stars" },
    h("legend", null, "Rating"),
    [1, 2, 3, 4, 5].map((n) => {
      const id = `${name}-${n}`;
      return h(
        "span",
        { class: "star" },
        h("input", { type: "radio", name, id, value: n, checked: existing?.rating === n, "data-testid": `rating-${n}` }),
        h("label", { for: id }, n === 1 ? "1 star" : `${n} stars`),
      );
    }),
  );

  const like = h("button", { type: "button", class: "toggle", "aria-pressed": String(liked === true), "data-testid": "like" }, "Like");
  const dislike = h("button", { type: "button", class: "toggle", "aria-pressed": String(liked === false), "data-testid": "dislike" }, "Dislike");
  const syncToggles = () => {
    like.setAttribute("aria-pressed", String(liked === true));
    dislike.setAttribute("aria-pressed", String(liked === false));
  };
  like.addEventListener("click", () => ((liked = liked === true ? null : true), syncToggles()));
  dislike.addEventListener("click", () => ((liked = liked === false ? null : false), syncToggles()));

  const commentId = `comment-${imageId}`;
  const tagsId = `tags-${imageId}`;
  const comment = h("textarea", { id: commentId, rows: 2, maxlength: 2000, "data-testid": "comment" });
  comment.value = existing?.comment ?? "";
  const tags = h("input", { id: tagsId, type: "text", "aria-describedby": `${tagsId}-help`, "data-testid": "tags" });
  tags.value = (existing?.tags ?? []).join(", ");
  const status = h("p", { class: "saved", role: "status", "data-testid": "feedback-status" }, existing ? savedText(existing) : "Not rated yet.");
  const save = h("button", { type: "submit", "data-testid": "save-feedback" }, "Save feedback");
  const learned = h("div", { class: "learned", "data-testid": "learned" });

  const form = h(
    "form",
    { class: "feedback", "aria-label": `Feedback on ${label}` },
    stars,
    h("div", { class: "toggles", role: "group", "aria-label": "Like or dislike" }, like, dislike),
    h(
      "details",
      { class: "more", open: Boolean(existing?.comment || existing?.tags.length) },
      h("summary", null, "Comment and tags"),
      h("label", { for: commentId }, "Comment"),
      comment,
      h("label", { for: tagsId }, "Tags"),
      h("p", { id: `${tagsId}-help`, class: "help" }, "Comma separated, e.g. resort, for the client"),
      tags,
    ),
    save,
    status,
    learned,
  );
  if (existing?.learned) void showChanges(imageId, learned, signal, 1);

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const checked = form.querySelector<HTMLInputElement>(`input[name="${name}"]:checked`);
    const body: Schemas["FeedbackRequest"] = {
      image_id: imageId,
      rating: checked ? Number(checked.value) : null,
      liked,
      comment: comment.value.trim() || null,
      tags: tags.value.split(",").map((t) => t.trim()).filter(Boolean),
    };
    if (body.rating === null && body.liked === null && !body.comment && body.tags?.length === 0) {
      status.textContent = "Choose a rating, like or dislike, or write a comment or tags first.";
      return;
    }
    save.disabled = true;
    status.textContent = "Saving…";
    try {
      const res = await postJson<Schemas["FeedbackSubmitted"]>("/api/feedback", body, signal);
      replace(status, savedText(res.feedback));
      onSaved(res.feedback);
      replace(learned, h("p", { class: "help" }, "Learning from it…"));
      void showChanges(imageId, learned, signal, LEARNING_POLLS);
    } catch (err) {
      if (isAbort(err)) return;
      status.textContent = `Not saved: ${err instanceof ApiFailure ? err.message : describe(err)}`;
    } finally {
      save.disabled = false;
    }
  });
  return form;
}

function savedText(v: View): string {
  const parts = [
    v.rating !== null ? (v.rating === 1 ? "1 star" : `${v.rating} stars`) : null,
    v.liked === true ? "liked" : v.liked === false ? "disliked" : null,
    v.tags.length ? `tags: ${v.tags.join(", ")}` : null,
  ].filter(Boolean);
  return `Saved${parts.length ? `: ${parts.join(", ")}` : ""} (revision ${v.revision}).`;
}

/** How many times (a second apart) a new rating's learning is waited for. */
const LEARNING_POLLS = 30;

/** Shows what learning changed for the design's current feedback, once it has run. */
async function showChanges(imageId: string, el: HTMLElement, signal: AbortSignal, polls: number): Promise<void> {
  for (let i = 0; i < polls && !signal.aborted; i++) {
    let answer: Schemas["FeedbackWithChanges"];
    try {
      answer = await getJson<Schemas["FeedbackWithChanges"]>(`/api/feedback/${encodeURIComponent(imageId)}`, signal);
    } catch (e) {
      if (!isAbort(e)) replace(el, h("p", { class: "help" }, `Could not read what learning changed: ${describe(e)}`));
      return;
    }
    if (answer.learned) {
      replace(el, changesList(answer.changes));
      return;
    }
    await new Promise((resolve) => window.setTimeout(resolve, 1000));
  }
  if (!signal.aborted) replace(el, h("p", { class: "help" }, "Learning has not run yet; what it changes shows here when it has."));
}

function changesList(changes: Schemas["WeightChange"][]): HTMLElement {
  if (changes.length === 0) return h("p", { class: "help" }, "Learned: no preference weight moved.");
  const shown = changes.slice(0, 6);
  return h(
    "details",
    { class: "changes" },
    h("summary", null, `Learned: ${changes.length} preference weight${changes.length === 1 ? "" : "s"} moved`),
    h(
      "ul",
      null,
      shown.map((c) => {
        const up = c.weight_after > c.weight_before;
        return h(
          "li",
          { "data-testid": "weight-change" },
          `${categoryLabel(c.category)}: ${c.value} `,
          h("strong", null, up ? "up" : "down"),
          ` ×${fmt(c.weight_before)} → ×${fmt(c.weight_after)}`,
        );
      }),
    ),
  );
}
