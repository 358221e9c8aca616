// Browser test of the studio against a running API (wrangler dev, directly or through
// studio/test/dev-server.mjs). Drives Debian's Chromium with playwright-core, scans every page
// with axe-core and takes a full-page screenshot of each.
//
//   node studio/test/run.mjs --base http://127.0.0.1:PORT --token TOKEN_A --other-token TOKEN_B --screenshots DIR
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import axe from "axe-core";
import { chromium } from "playwright-core";

const arg = (name) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const base = (arg("base") ?? "").replace(/\/$/, "");
const tokenA = arg("token");
const tokenB = arg("other-token");
const shots = resolve(arg("screenshots") ?? "target/studio-screenshots");
if (!base || !tokenA || !tokenB) {
  console.error("usage: node studio/test/run.mjs --base URL --token TOKEN_A --other-token TOKEN_B [--screenshots DIR]");
  process.exit(2);
}

const BRIEF = "relaxed linen resort dress, earthy tones, no florals";
const JOB_TIMEOUT_MS = 90_000;
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

class Failure extends Error {}
const fail = (msg) => {
  throw new Failure(msg);
};

// Console errors and page errors fail the step they happen in. Chromium logs every non-2xx
// fetch answer as a console error ("Failed to load resource: ... status of 404"), so a step
// that provokes one on purpose (the wrong token's 401, another user's job's 404) names the
// status and path it expects; anything else still fails.
let errors = [];
let expected = [];
const expectHttpError = (status, pathPart) => expected.push({ status, pathPart });
function isExpected(text, url) {
  return expected.some((e) => text.includes(`status of ${e.status}`) && (url ?? "").includes(e.pathPart));
}

const screenshots = [];
async function step(what, fn) {
  errors = [];
  expected = [];
  try {
    await fn();
    await page.waitForTimeout(100); // let late console messages of the step arrive
  } catch (e) {
    console.error(`FAIL  ${what}: ${e instanceof Failure ? e.message : e.stack ?? e}`);
    await page.screenshot({ path: join(shots, "failure.png"), fullPage: true }).catch(() => {});
    console.error(`      screenshot of the failure: ${join(shots, "failure.png")}`);
    await finish(1);
  }
  if (errors.length) {
    console.error(`FAIL  ${what}: console or page errors:\n${errors.map((e) => `      ${e}`).join("\n")}`);
    await finish(1);
  }
  console.log(`  ok  ${what}`);
}

/** axe-core on the current page; serious and critical violations fail. */
async function scan(name) {
  await page.evaluate(axe.source); // evaluated over the DevTools protocol, which CSP does not govern
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  if (bad.length) {
    const lines = bad.flatMap((v) => [`${v.impact}: ${v.id}: ${v.help}`, ...v.nodes.slice(0, 5).map((n) => `    ${n.target.join(" ")}: ${n.failureSummary?.split("\n").join(" ")}`)]);
    fail(`accessibility violations on ${name}:\n      ${lines.join("\n      ")}`);
  }
  const minor = result.violations.length - bad.length;
  console.log(`      axe on ${name}: no serious or critical violation${minor ? ` (${minor} minor)` : ""}`);
}

async function shoot(name) {
  const path = join(shots, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  screenshots.push(path);
}

async function signIn(token) {
  await page.getByTestId("signin-token").fill(token);
  await page.getByTestId("signin-submit").click();
}

async function finish(code) {
  await context?.close().catch(() => {});
  await rm(profile, { recursive: true, force: true }).catch(() => {});
  if (code === 0) {
    console.log("screenshots:");
    for (const s of screenshots) console.log(`  ${s}`);
  }
  process.exit(code);
}

await mkdir(shots, { recursive: true });
const profile = await mkdtemp(join(tmpdir(), "studio-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: CHROMIUM_ARGS,
  viewport: { width: 1280, height: 900 },
});
const page = context.pages()[0] ?? (await context.newPage());
page.setDefaultTimeout(15_000);
page.on("console", (msg) => {
  if (msg.type() !== "error") return;
  const url = msg.location()?.url;
  if (!isExpected(msg.text(), url)) errors.push(`console: ${msg.text()}${url ? ` (${url})` : ""}`);
});
page.on("pageerror", (err) => errors.push(`page error: ${err.message}`));

let jobUrl = "";

await step("sign-in screen shows", async () => {
  await page.goto(`${base}/`);
  await page.getByTestId("signin-token").waitFor();
  await scan("sign-in");
  await shoot("signin");
});

await step("a wrong token is rejected", async () => {
  expectHttpError(401, "/api/tokens");
  await signIn("not-a-real-token");
  const screen = page.getByTestId("signin-rejected");
  await screen.waitFor();
  const text = await screen.innerText();
  if (!text.includes("This token was not accepted (missing, wrong, revoked or expired)")) fail(`unexpected rejection text: ${text}`);
  await scan("rejection");
  await page.getByTestId("signin-again").click();
});

await step("signs in with the first user's token", async () => {
  await signIn(tokenA);
  await page.getByRole("heading", { level: 1, name: "New brief" }).waitFor();
});

await step("the brief is parsed into chips (linen, dress, florals struck)", async () => {
  await page.getByTestId("brief-input").fill(BRIEF);
  const chip = (value, excluded) => page.locator(`[data-testid="chip"][data-value*="${value}"][data-excluded="${excluded}"]`).first();
  await chip("linen", false).waitFor();
  await chip("dress", false).waitFor();
  const florals = chip("floral", true);
  await florals.waitFor();
  if ((await florals.locator("s, del").count()) === 0) fail("the excluded florals chip is not struck through");
  if (!(await florals.innerText()).includes("not")) fail("the excluded florals chip has no 'not' label");
  await page.locator('[data-testid^="model-"]').first().waitFor();
  await scan("brief");
  await shoot("brief");
});

await step("starts a job of 6 designs", async () => {
  await page.getByTestId("designs").fill("6");
  await page.getByTestId("start-job").click();
  await page.waitForURL(/#\/job\/[^/]+$/);
  jobUrl = page.url();
  console.log(`      job: ${jobUrl}`);
});

await step("every stage finishes", async () => {
  await page.waitForFunction(
    () => {
      const status = document.querySelector('[data-testid="job-status"]')?.getAttribute("data-status");
      const stages = [...document.querySelectorAll('[data-testid^="stage-"]')];
      return ["complete", "partial", "failed"].includes(status) && stages.length > 0 && stages.every((s) => s.getAttribute("data-state") === "done");
    },
    null,
    { timeout: JOB_TIMEOUT_MS, polling: 500 },
  );
  const status = await page.getByTestId("job-status").getAttribute("data-status");
  if (status === "failed") fail("the job failed");
  console.log(`      status: ${status}`);
});

await step("the gallery groups the designs by style, each with why it was picked", async () => {
  const cards = page.getByTestId("design-card");
  await cards.first().waitFor();
  const n = await cards.count();
  const clusters = await page.getByTestId("gallery-cluster").count();
  if (clusters < 1) fail("no style cluster");
  if (n !== 6) fail(`${n} designs shown, 6 asked for`);
  for (let i = 0; i < n; i++) {
    const reason = await cards.nth(i).getByTestId("reason").getAttribute("data-reason");
    if (!["quality", "novelty"].includes(reason)) fail(`design ${i + 1} has no reason`);
  }
  await page.getByTestId("silhouette-chart").waitFor();
  await page.getByTestId("coverage-chart").waitFor();
  console.log(`      ${n} designs in ${clusters} style cluster${clusters === 1 ? "" : "s"}`);
});

await step("a provenance panel shows the prompt and seed", async () => {
  const card = page.getByTestId("design-card").first();
  await card.getByTestId("provenance").locator("summary").click();
  const prompt = (await card.getByTestId("prompt").innerText()).trim();
  const seed = (await card.getByTestId("seed").innerText()).trim();
  if (!prompt || prompt === "–") fail("no prompt in the provenance panel");
  if (!/^\d+$/.test(seed)) fail(`no seed in the provenance panel (${seed})`);
});

await step("every candidate, picked or not, is shown on demand with the picked ones marked", async () => {
  const section = page.getByTestId("candidates");
  await section.locator("summary").first().click();
  const candidates = section.getByTestId("candidate");
  await candidates.nth(17).waitFor();
  const n = await candidates.count();
  // 6 designs at the default 3x over-generation.
  if (n !== 18) fail(`${n} candidates shown, 18 made`);
  const picked = await section.locator(".badge.picked").count();
  if (picked !== 6) fail(`${picked} candidates marked picked, 6 were`);
  await section.locator("summary").first().click();
});

await step("rates a design 5 stars and saves", async () => {
  const card = page.getByTestId("design-card").first();
  await card.getByLabel("5 stars").check();
  await card.getByTestId("save-feedback").click();
  await card.getByTestId("feedback-status").filter({ hasText: "Saved: 5 stars" }).waitFor();
});

await step("the card shows what learning changed once it has run", async () => {
  const learned = page.getByTestId("design-card").first().getByTestId("learned");
  await learned.filter({ hasText: "Learned:" }).waitFor({ timeout: 30_000 });
  await learned.locator("summary").click();
  const moved = await learned.getByTestId("weight-change").count();
  if (moved < 1) fail("no moved weight listed");
  console.log(`      ${(await learned.getByTestId("weight-change").first().innerText()).trim()}`);
});

await step("after a reload the design still has 5 stars", async () => {
  await page.reload();
  const card = page.getByTestId("design-card").first();
  await card.waitFor({ timeout: 30_000 });
  if (!(await card.getByTestId("rating-5").isChecked())) fail("the 5-star rating did not stick");
  await page.waitForFunction(() => document.querySelectorAll(".design-card img.loading").length === 0, null, { timeout: 30_000 });
  await scan("job");
  await shoot("job");
});

await step("the daily rollup runs", async () => {
  const res = await fetch(`${base}/__scheduled?cron=15+0+*+*+*`);
  if (!res.ok) fail(`/__scheduled answered ${res.status}: ${await res.text()}`);
});

await step("insights show at least 1 feedback in the 7-day summary", async () => {
  await page.goto(`${base}/#/insights`);
  const count = page.getByTestId("summary-feedback");
  await count.waitFor();
  const n = Number(await count.innerText());
  if (!(n >= 1)) fail(`the 7-day summary counts ${n} feedback`);
  console.log(`      7-day feedback: ${n}`);
  await scan("insights");
  await shoot("insights");
});

await step("history lists the job", async () => {
  await page.goto(`${base}/#/history`);
  const id = decodeURIComponent(jobUrl.split("#/job/")[1]);
  await page.locator(`[data-testid="history-row"] a[href="#/job/${encodeURIComponent(id)}"]`).waitFor();
  await page.getByTestId("history-filter").fill("linen");
  if ((await page.getByTestId("history-row").count()) < 1) fail("the filter 'linen' hides the job");
  await scan("history");
  await shoot("history");
});

await step("the job page fits a tablet (768 px wide) without sideways scrolling", async () => {
  await page.setViewportSize({ width: 768, height: 1024 });
  await page.goto(jobUrl);
  await page.getByTestId("design-card").first().waitFor({ timeout: 30_000 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  if (overflow > 0) fail(`the page is ${overflow} px wider than a 768 px tablet`);
  await scan("job on a tablet");
  await shoot("job-tablet");
  await page.setViewportSize({ width: 1280, height: 900 });
});

await step("another user gets 'Job not found' for the first user's job", async () => {
  expectHttpError(404, "/api/generation/");
  await page.getByTestId("sign-out").click();
  await signIn(tokenB);
  await page.getByTestId("sign-out").waitFor(); // signed in (the page stays where it was)
  await page.goto(jobUrl);
  const heading = page.getByTestId("not-found");
  await heading.waitFor();
  if ((await heading.innerText()).trim() !== "Job not found") fail("no 'Job not found' heading");
  await scan("not found");
  await shoot("not-found");
});

await finish(0);
