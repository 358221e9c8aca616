// Sign-in: the designer pastes a token once; it is checked with GET /api/tokens and kept
// in sessionStorage (gone when the tab closes).
import { ApiFailure, describe, getJson, setToken, type Schemas } from "../api";
import { h, replace } from "../dom";
import type { Page } from "../page";

export function renderSignIn(page: Page, done: () => void): void {
  const input = h("input", {
    id: "token",
    type: "password",
    autocomplete: "off",
    spellcheck: "false",
    required: true,
    "data-testid": "signin-token",
    "aria-describedby": "token-help",
  });
  const message = h("p", { class: "form-error", role: "alert", "data-testid": "signin-error" });
  const form = h(
    "form",
    { class: "card narrow", "aria-labelledby": "signin-title" },
    h("h1", { id: "signin-title" }, "Sign in to the studio"),
    h("label", { for: "token" }, "Access token"),
    h("p", { id: "token-help", class: "help" }, "Paste the token you were given. It is kept for this browser tab only."),
    input,
    message,
    h("button", { type: "submit", "data-testid": "signin-submit" }, "Sign in"),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const token = input.value.trim();
    if (!token) {
      message.textContent = "Enter a token.";
      return;
    }
    setToken(token);
    try {
      await getJson<Schemas["Tokens"]>("/api/tokens", page.signal);
      done();
    } catch (err) {
      // A 401 has already switched to the rejection screen (see whenUnauthorized).
      if (err instanceof ApiFailure && err.status === 401) return;
      setToken(null);
      message.textContent = `Could not check the token: ${describe(err)}`;
    }
  });
  replace(page.main, form);
  input.focus();
}

/** The screen shown when a token is refused. */
export function renderRejected(main: HTMLElement, back: () => void): void {
  const button = h("button", { type: "button", "data-testid": "signin-again", onclick: back }, "Back to sign in");
  replace(
    main,
    h(
      "section",
      { class: "card narrow", "data-testid": "signin-rejected", "aria-labelledby": "rejected-title" },
      h("h1", { id: "rejected-title", tabindex: "-1" }, "Token not accepted"),
      h("p", null, "This token was not accepted (missing, wrong, revoked or expired)."),
      button,
    ),
  );
  main.querySelector("h1")?.focus();
}
