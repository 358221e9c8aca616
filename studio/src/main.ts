// The studio's entry point: the shell (header, nav, main), the hash router and sign-in.
import "./styles.css";
import { getJson, getToken, setToken, whenUnauthorized, type Schemas } from "./api";
import { h, replace } from "./dom";
import type { Page } from "./page";
import { renderBrief } from "./pages/brief";
import { renderHistory } from "./pages/history";
import { renderInsights } from "./pages/insights";
import { renderJob } from "./pages/job";
import { renderRejected, renderSignIn } from "./pages/signin";

type Render = (page: Page) => void | Promise<void>;

const routes: [RegExp, Render, string][] = [
  [/^\/?$/, renderBrief, "brief"],
  [/^\/job\/([^/]+)$/, renderJob, "job"],
  [/^\/insights$/, renderInsights, "insights"],
  [/^\/history$/, renderHistory, "history"],
];

const navLinks: [string, string, string][] = [
  ["#/", "New brief", "brief"],
  ["#/history", "History", "history"],
  ["#/insights", "Insights", "insights"],
];

const nav = h("nav", { "aria-label": "Studio" });
const signOut = h(
  "button",
  { type: "button", class: "secondary", "data-testid": "sign-out", onclick: () => signOutNow() },
  "Sign out",
);
const main = h("main", { id: "main", tabindex: "-1" });
let current: AbortController | null = null;

function shell(): void {
  const skip = h("a", { class: "skip", href: "#main", onclick: (e: Event) => { e.preventDefault(); main.focus(); } }, "Skip to content");
  const header = h(
    "header",
    { class: "top" },
    h("p", { class: "brand" }, "Designer BFF ", h("span", null, "studio")),
    nav,
    signOut,
  );
  document.body.replaceChildren(skip, header, main);
}

function signOutNow(): void {
  setToken(null);
  route();
}

function setNav(active: string | null): void {
  const signedIn = active !== null;
  nav.hidden = !signedIn;
  signOut.hidden = !signedIn;
  replace(
    nav,
    h(
      "ul",
      null,
      navLinks.map(([href, text, name]) =>
        h("li", null, h("a", { href, "aria-current": name === active ? "page" : null }, text)),
      ),
    ),
  );
}

/** Renders the page the hash names; sign-in first when there is no token. */
function route(): void {
  current?.abort();
  current = new AbortController();
  const signal = current.signal;

  // `#token=...` (the link `cargo xtask run` prints) signs in: the token moves to
  // sessionStorage and out of the address bar and history before anything else runs.
  const handed = /^#token=([^&]+)/.exec(location.hash);
  if (handed?.[1]) {
    setToken(decodeURIComponent(handed[1]));
    history.replaceState(null, "", `${location.pathname}${location.search}#/`);
    setNav(null);
    replace(main, h("p", { role: "status" }, "Signing in…"));
    getJson<Schemas["Tokens"]>("/api/tokens", signal).then(route, () => {
      // A 401 has shown the rejection screen already; other failures fall back to sign-in.
      if (!signal.aborted && getToken()) {
        setToken(null);
        route();
      }
    });
    return;
  }
  const raw = location.hash.replace(/^#/, "") || "/";
  const [path, search] = raw.split("?", 2) as [string, string | undefined];
  main.replaceChildren();

  if (!getToken()) {
    setNav(null);
    renderSignIn({ main, signal, params: [], query: new URLSearchParams(search) }, route);
    return;
  }
  for (const [pattern, render, name] of routes) {
    const m = pattern.exec(path);
    if (!m) continue;
    setNav(name);
    const page: Page = { main, signal, params: m.slice(1).map(decodeURIComponent), query: new URLSearchParams(search) };
    void Promise.resolve(render(page)).then(() => focusHeading(signal));
    return;
  }
  setNav("");
  replace(main, h("h1", { "data-testid": "not-found", tabindex: "-1" }, "Page not found"), h("p", null, h("a", { href: "#/" }, "Back to a new brief")));
  focusHeading(signal);
}

let firstRender = true;
/** Moves focus to the new page's heading, so keyboard and screen reader users land on it. */
function focusHeading(signal: AbortSignal): void {
  if (signal.aborted) return;
  if (firstRender) {
    firstRender = false;
    return;
  }
  const heading = main.querySelector<HTMLElement>("h1");
  if (heading && !main.contains(document.activeElement)) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: true });
  }
}

whenUnauthorized(() => {
  // A token that stops being accepted mid-session (revoked, expired) ends the session.
  setToken(null);
  current?.abort();
  current = new AbortController();
  setNav(null);
  renderRejected(main, route);
});

shell();
window.addEventListener("hashchange", route);
route();
