//! `cargo xtask e2e`: the pipeline's Workers end to end under `wrangler dev`, offline, on a fresh
//! local state and a free port. Part of `cargo xtask test`.
//!
//! [`checks`] runs against any [`Deployment`] of the pipeline; [`run`] builds and starts the
//! Workers and runs them there.
//!
//! Checks: the health checks; the sweep of stalled jobs runs; every bad input gets its 4xx with a JSON error and writes nothing;
//! no token → 401; a real job of 12 designs at 3x over-generation: 36 images, each retrievable as
//! a PNG; 36 embeddings of 512 dimensions; K in 3..8 with a silhouette; exactly 12 distinct picks
//! with θ recorded; a coverage report with gaps and boosts; another user's job → 404; a
//! redelivery of every message of the finished job changes no row count; the boosts change the
//! NEXT job's prompts for the same user and not for another user; stages 10-11
//! (`e2e_feedback`); a provider outage (the development provider `flaky-sketch`) whose failing
//! images exhaust their retries, reach the dead-letter queue and leave the job partial. Prints the time of each stage
//! and the total for 12 designs at 3x.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use serde_json::{json, Value};

use crate::deployment::Deployment;
use crate::pipeline::{self, text, Api, User};
use crate::run::SAMPLE_BRIEF;
use crate::setup;

const DESIGNS: u64 = 12;
const OVER_GENERATION: u64 = 3;
const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Every check; with `providers_only`, only the image providers' (while working on them).
pub fn run(root: &Path, providers_only: bool) -> Result<()> {
    setup::all(root)?;
    let total = Instant::now();
    let state = root.join("target/e2e/state");
    let started = pipeline::start(root, &state, None, "")?;
    let (dev, build_s, dev_s) = (started.dev, started.build_seconds, started.dev_seconds);
    println!(
        "e2e: {} Workers built in {build_s:.1} s; wrangler dev at {} after {dev_s:.1} s (log: {})",
        pipeline::WORKERS.len(),
        dev.base_url(),
        dev.log_path().display()
    );
    let result = if providers_only {
        Ok(pipeline::StageTimes::default())
    } else {
        checks(&dev).and_then(|times| {
            println!("\ne2e: the studio in Chromium");
            crate::studio::browser_test(root, &dev)?;
            Ok(times)
        })
    };
    if let Err(error) = &result {
        println!(
            "e2e: FAILED: {error:#}\nlast lines of {}:\n{}",
            dev.log_path().display(),
            dev.log_tail(60)
        );
    }
    let times = result?;
    drop(dev);
    providers(root)?;
    println!("\ne2e: all checks passed");
    println!(
        "  12 designs at 3x (36 images), stages done: {}",
        pipeline::timing_line(&times)
    );
    println!(
        "  build {build_s:.1} s, wrangler dev start {dev_s:.1} s, whole e2e {:.1} s",
        total.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The image providers' and CLIP's checks, on a deployment of their own: the same Workers on a
/// fresh state, configured for the stand-in providers and `bff-clip`.
fn providers(root: &Path) -> Result<()> {
    let state = root.join("target/e2e/providers");
    if state.exists() {
        std::fs::remove_dir_all(&state)?;
    }
    let rig = crate::e2e_providers::ProviderRig::start(root, &state.join("servers"))?;
    let dev = crate::workers::Dev::start_with_ai(
        root,
        &pipeline::configs(root),
        None,
        &state.join("workers"),
        &rig.env_file(),
        Some(&rig.workers_ai_address()),
    )?;
    println!(
        "
e2e: providers and CLIP at {} (log: {})",
        dev.base_url(),
        dev.log_path().display()
    );
    let result = crate::e2e_providers::checks(&dev, &rig)
        .and_then(|()| crate::e2e_providers::workers_ai_binding(&dev, &rig))
        .and_then(|()| crate::e2e_fuzz::schemathesis(root, &dev));
    if let Err(error) = &result {
        println!(
            "e2e: FAILED: {error:#}\nlast lines of {}:\n{}",
            dev.log_path().display(),
            dev.log_tail(60)
        );
    }
    result
}

fn ok(name: &str) {
    println!("  ok  {name}");
}

/// Every answer carries the security headers and a request id (in the error body too), and no
/// origin is trusted by default.
fn edge_headers(deployment: &dyn Deployment) -> Result<()> {
    let base = deployment.base_url();
    let send = |method: &str, path: &str, headers: &[(&str, &str)]| {
        crate::workers::http_request_with(base, method, path, headers, None)
    };
    let mut ids = BTreeSet::new();
    for (method, path, status) in [
        ("GET", "/api/health-check", 200),
        ("GET", "/api/generation/some-job", 401),
        ("GET", "/api/no-such-route", 404),
    ] {
        let r = send(method, path, &[])?;
        ensure!(
            r.status == status,
            "{method} {path}: {} {}",
            r.status,
            r.body
        );
        let id = r.header("x-request-id").unwrap_or_default().to_string();
        ensure!(
            !id.is_empty()
                && r.header("x-content-type-options") == Some("nosniff")
                && r.header("x-frame-options") == Some("DENY")
                && r.header("content-security-policy")
                    .is_some_and(|p| p.starts_with("default-src 'none'")),
            "{method} {path}: headers {:?}",
            r.headers
        );
        if status >= 400 {
            ensure!(
                r.json()?["request_id"] == id.as_str(),
                "{method} {path}: the error body's request id: {}",
                r.body
            );
        }
        ids.insert(id);
    }
    ensure!(ids.len() == 3, "request ids repeat: {ids:?}");
    // Each request left one structured record with its id, route pattern and status.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let records = crate::deployment::log_records(&deployment.log(), "request");
        let logged = ids
            .iter()
            .filter(|id| {
                records.iter().any(|r| {
                    r["request_id"] == id.as_str()
                        && r["source"] == "bff-gateway"
                        && r["route"].is_string()
                        && r["status"].is_u64()
                        && r["duration_ms"].is_u64()
                })
            })
            .count();
        if logged == ids.len() {
            break;
        }
        ensure!(
            Instant::now() < deadline,
            "{logged} of {} requests have a log record",
            ids.len()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let r = send(
        "GET",
        "/api/health-check",
        &[("Origin", "https://elsewhere.example")],
    )?;
    ensure!(
        r.header("access-control-allow-origin").is_none(),
        "an untrusted origin was allowed: {:?}",
        r.headers
    );
    let r = send(
        "OPTIONS",
        "/api/generation",
        &[
            ("Origin", "https://elsewhere.example"),
            ("Access-Control-Request-Method", "POST"),
        ],
    )?;
    ensure!(
        r.status == 403 && r.header("access-control-allow-origin").is_none(),
        "a preflight from an untrusted origin: {} {:?}",
        r.status,
        r.headers
    );
    ok("every answer has the security headers and its own request id (errors carry it in the body), and one JSON log record; cross-origin access closed by default");
    Ok(())
}

/// The studio's page and bundle are served at the root with the build's security headers.
fn studio_served(deployment: &dyn Deployment) -> Result<()> {
    let base = deployment.base_url();
    let page = crate::workers::http_request(base, "GET", "/", None)?;
    let policy = page.header("content-security-policy").unwrap_or_default();
    ensure!(
        page.status == 200
            && page
                .header("content-type")
                .is_some_and(|t| t.starts_with("text/html"))
            && page.body.contains("studio.js")
            && policy.contains("script-src 'self'")
            && policy.contains("frame-ancestors 'none'"),
        "GET /: {} {:?}",
        page.status,
        page.headers
    );
    let bundle = crate::workers::http_request(base, "GET", "/studio.js", None)?;
    ensure!(
        bundle.status == 200
            && bundle
                .header("content-type")
                .is_some_and(|t| t.contains("javascript"))
            && bundle.header("x-content-type-options") == Some("nosniff"),
        "GET /studio.js: {} {:?}",
        bundle.status,
        bundle.headers
    );
    ok("the studio is served at / with its content-security policy");
    Ok(())
}

/// Every check, against `deployment`; returns when each stage of the main job finished.
pub fn checks(deployment: &dyn Deployment) -> Result<pipeline::StageTimes> {
    let api = &Api { deployment };
    for path in [
        "/api/health-check",
        "/api/generation/health-check",
        "/api/clusters/health-check",
        "/api/diversity/health-check",
        "/api/coverage/health-check",
    ] {
        let health = api.json("GET", path, None, None, 200)?;
        ensure!(health["status"] == "ok", "{path}: {health}");
    }
    ok("health checks (database, blob store, queues)");
    edge_headers(deployment)?;
    studio_served(deployment)?;
    deployment
        .sweep()
        .with_context(|| format!("the sweep of stalled jobs ({})", deployment.name()))?;
    ok("the sweep of stalled jobs runs");

    let alice = api.create_user("Alice")?;
    let bob = api.create_user("Bob")?;

    // --- authentication and bad input ---
    let body = json!({ "brief": SAMPLE_BRIEF }).to_string();
    let r = api.call("POST", "/api/generation", None, Some(&body))?;
    ensure!(
        r.status == 401 && r.json()?["code"] == "unauthorized",
        "no token: {} {}",
        r.status,
        r.body
    );
    let wrong = User {
        user_id: "x".into(),
        token: "bff_not_a_real_token_0123456789".into(),
    };
    let r = api.call("POST", "/api/generation", Some(&wrong), Some(&body))?;
    ensure!(r.status == 401, "unknown token: {} {}", r.status, r.body);
    let r = api.call("GET", "/api/generation/anything", None, None)?;
    ensure!(r.status == 401, "status without token: {}", r.status);
    ok("no token or an unknown token → 401");
    for (method, path, status) in [
        ("GET", "/api/no-such-route", 404),
        ("DELETE", "/api/generation", 405),
    ] {
        let r = api.call(method, path, Some(&alice), None)?;
        let error = r
            .json()
            .with_context(|| format!("{method} {path}: {}", r.body))?;
        ensure!(
            r.status == status && error["status"] == status,
            "{method} {path}: {} {}",
            r.status,
            r.body
        );
    }
    ok("unknown route → 404, wrong method → 405, both as JSON errors");

    let oversized = json!({ "brief": "x".repeat(20_000) }).to_string();
    let bad: [(&str, String, u16); 9] = [
        ("malformed JSON", "{\"brief\": ".into(), 400),
        ("not an object", "[1, 2]".into(), 400),
        (
            "unknown field",
            json!({ "brief": SAMPLE_BRIEF, "colour": "red" }).to_string(),
            400,
        ),
        (
            "wrong type",
            json!({ "brief": SAMPLE_BRIEF, "designs": "twelve" }).to_string(),
            400,
        ),
        (
            "designs out of range",
            json!({ "brief": SAMPLE_BRIEF, "designs": 500 }).to_string(),
            422,
        ),
        (
            "theta out of range",
            json!({ "brief": SAMPLE_BRIEF, "theta": 1.5 }).to_string(),
            422,
        ),
        (
            "over-generation out of range",
            json!({ "brief": SAMPLE_BRIEF, "over_generation": 9 }).to_string(),
            422,
        ),
        (
            "unknown provider",
            json!({ "brief": SAMPLE_BRIEF, "provider": "crayon" }).to_string(),
            400,
        ),
        ("oversized body", oversized, 413),
    ];
    for (name, body, status) in &bad {
        let r = api.call("POST", "/api/generation", Some(&alice), Some(body))?;
        ensure!(
            r.status == *status,
            "{name}: expected {status}, got {} {}",
            r.status,
            r.body
        );
        let error = r.json().with_context(|| format!("{name}: error body"))?;
        ensure!(
            error["code"].is_string() && error["message"].is_string(),
            "{name}: {error}"
        );
    }
    let nothing = api.json("GET", "/api/dev/counts/none", Some(&alice), None, 200)?;
    ensure!(
        nothing["user_jobs"].as_u64() == Some(0),
        "bad input wrote a job: {nothing}"
    );
    ok("each bad input → its 4xx with a JSON error (400 malformed / unknown field / type, 422 out of range, 413 oversized), nothing written");

    // --- a real job ---
    let start = Instant::now();
    let submitted = api.submit(&alice, SAMPLE_BRIEF, DESIGNS as u32)?;
    let job_id = text(&submitted, "job_id")?;
    ensure!(
        submitted["variants"].as_u64() == Some(DESIGNS * OVER_GENERATION),
        "over-generation: {submitted}"
    );
    println!(
        "  ..  job {job_id} submitted in {:.0} ms; following it",
        start.elapsed().as_secs_f64() * 1000.0
    );
    let (job, times) = pipeline::follow(api, &alice, &job_id, true)?;
    ensure!(
        job["status"] == "complete",
        "job finished as {}: {}",
        job["status"],
        job["error"]
    );
    ok(&format!("job complete in {:.1} s", times.total_ms / 1000.0));

    // Counts of everything written.
    let counts = api.json(
        "GET",
        &format!("/api/dev/counts/{job_id}"),
        Some(&alice),
        None,
        200,
    )?;
    let n = DESIGNS * OVER_GENERATION;
    ensure!(
        counts["variants"].as_u64() == Some(n) && counts["images"].as_u64() == Some(n),
        "counts {counts}"
    );
    ok(&format!("over-generated {n} images for {DESIGNS} designs"));
    ensure!(
        counts["embeddings"].as_u64() == Some(n),
        "embeddings {counts}"
    );

    // Images retrievable.
    let selected = job["selected"].as_array().context("no selected designs")?;
    for d in selected {
        let url = d["image_url"].as_str().context("no image url")?;
        let r = api.call("GET", url, Some(&alice), None)?;
        ensure!(
            r.status == 200 && r.bytes.starts_with(PNG_SIGNATURE),
            "{url}: {} ({} bytes)",
            r.status,
            r.bytes.len()
        );
    }
    ok("selected images served as PNG from the blob store");

    // Embeddings: 512-d (the stored BLOB length is checked by the table: 4 × dim bytes).
    let clusters = api.json(
        "GET",
        &format!("/api/clusters/{job_id}"),
        Some(&alice),
        None,
        200,
    )?;
    ensure!(
        counts["embeddings"].as_u64() == Some(n),
        "embeddings {counts}"
    );
    let k = clusters["k"].as_u64().context("no k")?;
    ensure!((3..=8).contains(&k), "K = {k}");
    ensure!(
        clusters["silhouette"].as_f64().is_some(),
        "no silhouette: {clusters}"
    );
    let dims: BTreeSet<u64> = clusters["clusters"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| c["size"].as_u64().unwrap_or(0))
        .collect();
    ensure!(!dims.is_empty(), "no clusters: {clusters}");
    ok(&format!(
        "{n} embeddings stored; K = {k} with silhouette {:.3}",
        clusters["silhouette"].as_f64().unwrap_or(0.0)
    ));
    ensure!(job_dim(api, &alice, &job_id)? == 512, "embedding dimension");
    ok("embeddings are 512-dimensional");

    let diversity = api.json(
        "GET",
        &format!("/api/diversity/{job_id}"),
        Some(&alice),
        None,
        200,
    )?;
    let picks = diversity["picks"].as_array().context("no picks")?;
    let distinct: BTreeSet<&str> = picks
        .iter()
        .filter_map(|p| p["image_id"].as_str())
        .collect();
    ensure!(
        picks.len() as u64 == DESIGNS && distinct.len() as u64 == DESIGNS,
        "picks: {diversity}"
    );
    ensure!(
        diversity["theta"].as_f64() == Some(0.7),
        "theta: {}",
        diversity["theta"]
    );
    ensure!(
        selected.len() as u64 == DESIGNS,
        "selected {}",
        selected.len()
    );
    ok(&format!(
        "exactly {DESIGNS} distinct picks, θ = 0.7 recorded"
    ));

    let coverage = api.json(
        "GET",
        &format!("/api/coverage/{job_id}"),
        Some(&alice),
        None,
        200,
    )?;
    let gaps = coverage["gaps"].as_array().context("no gaps")?;
    ensure!(!gaps.is_empty(), "no gaps: {coverage}");
    ensure!(
        gaps.iter().all(|g| g["boost"]
            .as_f64()
            .is_some_and(|b| (0.15..=0.25).contains(&b))),
        "boosts out of 15-25%"
    );
    ok(&format!(
        "coverage report: overall {:.2}, {} gaps with 15-25% boosts",
        coverage["overall_score"].as_f64().unwrap_or(0.0),
        gaps.len()
    ));

    // Another user's job.
    for path in [
        format!("/api/generation/{job_id}"),
        format!("/api/clusters/{job_id}"),
        format!("/api/diversity/{job_id}"),
        format!("/api/coverage/{job_id}"),
        selected[0]["image_url"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    ] {
        let r = api.call("GET", &path, Some(&bob), None)?;
        ensure!(r.status == 404, "{path} as another user: {}", r.status);
    }
    ok("another user's job → 404 on every route");

    // The history lists the job for its user only; a brief is read without a job.
    let alice_jobs = api.json("GET", "/api/generation", Some(&alice), None, 200)?;
    ensure!(
        alice_jobs["jobs"][0]["job_id"] == job_id.as_str()
            && alice_jobs["jobs"][0]["status"] == "complete",
        "Alice's history: {alice_jobs}"
    );
    let bob_jobs = api.json("GET", "/api/generation", Some(&bob), None, 200)?;
    ensure!(
        !bob_jobs.to_string().contains(job_id.as_str()),
        "Bob's history lists Alice's job"
    );
    let jobs_before = alice_jobs["jobs"].as_array().map_or(0, Vec::len);
    let read = api.json(
        "POST",
        "/api/brief",
        Some(&alice),
        Some(&json!({ "brief": SAMPLE_BRIEF }).to_string()),
        200,
    )?;
    ensure!(
        read["brief"]["exclusions"][0]["matched"] == "florals",
        "the brief read: {read}"
    );
    let after = api.json("GET", "/api/generation", Some(&alice), None, 200)?;
    ensure!(
        after["jobs"].as_array().map_or(0, Vec::len) == jobs_before,
        "reading a brief made a job"
    );
    ok("the history lists a user's own jobs; a brief is read without making a job");
    let made = api.json(
        "GET",
        &format!("/api/generation/{job_id}/images"),
        Some(&alice),
        None,
        200,
    )?;
    let images = made["images"].as_array().context("no images")?;
    ensure!(
        images.len() == 36
            && images
                .iter()
                .all(|i| i["prompt"].is_string() && i["seed"].is_u64()),
        "the job's candidates: {} images",
        images.len()
    );
    let r = api.call(
        "GET",
        &format!("/api/generation/{job_id}/images"),
        Some(&bob),
        None,
    )?;
    ensure!(r.status == 404, "another user's candidates: {}", r.status);
    ok("all 36 candidates listed with their provenance, for their user only");

    // Duplicate delivery: every message of every stage again.
    let before = api.json(
        "GET",
        &format!("/api/dev/counts/{job_id}"),
        Some(&alice),
        None,
        200,
    )?;
    let before_job = api.job(&alice, &job_id)?;
    let handled_before = deployment.handled(&job_id).len();
    let re = api.json(
        "POST",
        &format!("/api/dev/redeliver/{job_id}"),
        Some(&alice),
        Some("{}"),
        202,
    )?;
    // The stages log one `message` record per message they handle: wait until every
    // redelivered message has been handled before comparing.
    let expected =
        handled_before + re["redelivered"].as_u64().context("redelivered count")? as usize;
    let waited = Instant::now();
    loop {
        let now_handled = deployment.handled(&job_id).len();
        if now_handled >= expected {
            break;
        }
        ensure!(
            waited.elapsed() < Duration::from_secs(60),
            "only {} of {expected} messages handled after 60 s",
            now_handled
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let after = api.json(
        "GET",
        &format!("/api/dev/counts/{job_id}"),
        Some(&alice),
        None,
        200,
    )?;
    let after_job = api.job(&alice, &job_id)?;
    ensure!(before == after, "row counts changed: {before} → {after}");
    ensure!(
        before_job["selected"] == after_job["selected"] && after_job["status"] == "complete",
        "picks changed"
    );
    ok(&format!(
        "{} redelivered messages changed nothing ({after})",
        re["redelivered"]
    ));

    // Boosts steer the next job of the same user only.
    let boosted: Vec<(String, String)> = gaps
        .iter()
        .map(|g| {
            (
                g["category"].as_str().unwrap_or("").to_string(),
                g["value"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let alice2 = api.submit(&alice, SAMPLE_BRIEF, DESIGNS as u32)?;
    let bob1 = api.submit(&bob, SAMPLE_BRIEF, DESIGNS as u32)?;
    let (a2, _) = pipeline::follow(api, &alice, &text(&alice2, "job_id")?, false)?;
    let (b1, _) = pipeline::follow(api, &bob, &text(&bob1, "job_id")?, false)?;
    let a_boosts = boosts_applied(api, &alice, &text(&a2, "job_id")?)?;
    let b_boosts = boosts_applied(api, &bob, &text(&b1, "job_id")?)?;
    ensure!(
        a_boosts > 0,
        "Alice's next job applied no boost (gaps: {boosted:?})"
    );
    ensure!(
        b_boosts == 0,
        "Bob's job applied {b_boosts} boosts of Alice's gaps"
    );
    ok(&format!(
        "boosts changed Alice's next job ({a_boosts} variant prompts boosted) and not Bob's"
    ));

    // Stages 10-11 on the first job.
    crate::e2e_feedback::checks(api, &alice, &bob, &job_id)?;

    // Deleting a job and a user.
    crate::e2e_deletion::checks(deployment)?;

    // A provider outage: the development provider fails every third image on every attempt, so
    // those messages exhaust their real retries, reach the generate stage's dead-letter queue,
    // and the job completes as partial with the other images.
    let body =
        json!({ "brief": SAMPLE_BRIEF, "designs": 8, "provider": "flaky-sketch" }).to_string();
    let flaky = api.json("POST", "/api/generation", Some(&bob), Some(&body), 202)?;
    let flaky_id = text(&flaky, "job_id")?;
    let (finished, _) = pipeline::follow(api, &bob, &flaky_id, false)?;
    ensure!(
        finished["status"] == "partial",
        "job with a provider outage ended {}: {}",
        finished["status"],
        finished["error"]
    );
    let counts = api.json(
        "GET",
        &format!("/api/dev/counts/{flaky_id}"),
        Some(&bob),
        None,
        200,
    )?;
    let variants = counts["variants"].as_u64().unwrap_or(0);
    let images = counts["images"].as_u64().unwrap_or(0);
    let failing: Vec<String> = (0..variants as u32)
        .map(|v| bff_pipeline::ids::image_id(&flaky_id, v))
        .filter(|id| bff_pipeline::offline::simulated_outage(id))
        .collect();
    let expected_failures = failing.len() as u64;
    ensure!(
        variants == 24 && expected_failures > 0 && images == variants - expected_failures,
        "outage: {images} images of {variants}, {expected_failures} expected to fail: {counts}"
    );
    ensure!(
        counts["dead_letters"].as_u64() == Some(expected_failures),
        "dead letters: {counts}"
    );
    // Each retry is logged as a `retry` record whose error names the image.
    let retries = crate::deployment::log_records(&deployment.log(), "retry");
    let retried = failing
        .iter()
        .map(|id| {
            retries
                .iter()
                .filter(|r| {
                    r["error"]
                        .as_str()
                        .is_some_and(|e| e.contains(&format!("outage for {id} ")))
                })
                .count()
        })
        .min()
        .unwrap_or(0);
    ensure!(
        retried >= 3,
        "each failing image retried at least 3 times, saw {retried}"
    );
    ensure!(
        finished["selected"]
            .as_array()
            .is_some_and(|s| s.len() == 8),
        "the partial job still chose its 8 designs"
    );
    ok(&format!(
        "provider outage: {expected_failures} of {variants} images failed every attempt, were retried with back-off ({retried}+ times each), reached the dead-letter queue and were recorded; the job completed as partial with its 8 designs"
    ));
    Ok(times)
}

/// One figure of the job's row counts (`GET /api/dev/counts/:id`).
fn count(api: &Api, user: &User, job_id: &str, field: &str) -> Result<u64> {
    let v: Value = api.json(
        "GET",
        &format!("/api/dev/counts/{job_id}"),
        Some(user),
        None,
        200,
    )?;
    v[field]
        .as_u64()
        .with_context(|| format!("no {field} in counts"))
}

fn job_dim(api: &Api, user: &User, job_id: &str) -> Result<u64> {
    count(api, user, job_id, "embedding_dim")
}

/// Variants of the job whose plan applied a coverage-gap boost.
fn boosts_applied(api: &Api, user: &User, job_id: &str) -> Result<u64> {
    count(api, user, job_id, "boosted_variants")
}
