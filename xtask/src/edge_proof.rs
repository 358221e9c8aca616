//! `cargo xtask edge-proof`: the edge foundation end to end, locally and offline.
//!
//! Builds the gateway and pong Workers, starts them in one `wrangler dev` on a fresh state folder
//! and a free port, then checks: the health check (D1, queue, R2 bindings); a ping goes from the
//! gateway through D1, R2 and the `bff-ping` queue to the pong consumer (and how long that took);
//! the daily cron handler writes its row; a duplicate delivery of the same message is absorbed
//! (counted, but no second processing, no new row, nothing dead-lettered); a message the consumer
//! cannot process is retried and lands in the dead-letter queue; unknown and malformed ids get 404
//! and 400.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use serde_json::Value;

use crate::setup;
use crate::workers::{self, Dev};

/// The Workers of the proof, as folders under `functions/`.
pub const WORKERS: [&str; 2] = ["gateway", "pong"];
/// How long a queue message may take to be consumed before the proof fails.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(30);
const CRON: &str = "0 3 * * *";

pub fn run(root: &Path) -> Result<()> {
    setup::all(root)?;
    let total = Instant::now();

    let build_start = Instant::now();
    let built = workers::build_all(root, &WORKERS)?;
    let build_seconds = build_start.elapsed().as_secs_f64();

    let state = root.join("target/edge-proof/state");
    if state.exists() {
        std::fs::remove_dir_all(&state)
            .with_context(|| format!("cannot clear {}", state.display()))?;
    }
    let configs = [
        root.join("wrangler.toml"),
        root.join("functions/pong/wrangler.toml"),
    ];
    let dev_start = Instant::now();
    let dev = Dev::start(root, &configs, None, &state)?;
    let dev_seconds = dev_start.elapsed().as_secs_f64();
    println!(
        "edge-proof: wrangler dev answering at {} after {dev_seconds:.1} s (log: {})",
        dev.base_url(),
        dev.log_path().display()
    );

    let result = checks(&dev);
    if let Err(error) = &result {
        println!(
            "edge-proof: FAILED: {error:#}\nlast lines of {}:\n{}",
            dev.log_path().display(),
            dev.log_tail(40)
        );
    }
    let timings = result?;
    drop(dev);

    println!("\nedge-proof: all checks passed");
    for b in &built {
        println!(
            "  {:<8} wasm {:.1} KiB raw / {:.1} KiB gzip, js {:.1} KiB",
            b.name,
            b.wasm_raw as f64 / 1024.0,
            b.wasm_gzip as f64 / 1024.0,
            b.js_raw as f64 / 1024.0
        );
    }
    println!(
        "  build {build_seconds:.1} s, dev start (migrations + ready) {dev_seconds:.1} s, \
         ping accepted in {:.1} ms, processed {:.1} ms after it was accepted, \
         duplicate absorbed in {:.1} ms, dead-lettered in {:.1} ms; total {:.1} s",
        timings.post_ms,
        timings.ping_ms,
        timings.duplicate_ms,
        timings.dead_letter_ms,
        total.elapsed().as_secs_f64()
    );
    Ok(())
}

struct Timings {
    post_ms: f64,
    ping_ms: f64,
    duplicate_ms: f64,
    dead_letter_ms: f64,
}

fn expect_json(
    dev: &Dev,
    method: &str,
    path: &str,
    body: Option<&str>,
    status: u16,
) -> Result<Value> {
    let response = dev.request(method, path, body)?;
    if response.status != status {
        bail!(
            "{method} {path}: expected {status}, got {}: {}",
            response.status,
            response.body
        );
    }
    response.json()
}

fn checks(dev: &Dev) -> Result<Timings> {
    let health = expect_json(dev, "GET", "/api/health-check", None, 200)?;
    ensure!(health["status"] == "ok", "health check: {health}");
    println!("edge-proof: health check ok: {}", health["checks"]);

    let before = expect_json(dev, "GET", "/api/stats", None, 200)?;
    ensure!(before["pings"] == 0, "fresh state has pings: {before}");

    let sent = Instant::now();
    let accepted = expect_json(dev, "POST", "/api/ping", Some("hello from edge-proof"), 202)?;
    let post_ms = ms(sent.elapsed());
    let id = accepted["id"]
        .as_str()
        .context("POST /api/ping gave no id")?
        .to_string();
    let accepted_at = Instant::now();
    let status_path = format!("/api/ping/{id}");
    let row = poll(dev, &status_path, |row| row["processed"] == true)?;
    let ping_ms = ms(accepted_at.elapsed());
    ensure!(row["body"] == "hello from edge-proof", "row: {row}");
    ensure!(row["deliveries"] == 1, "first delivery counted once: {row}");
    ensure!(
        row["object_bytes"].as_u64().is_some_and(|b| b > 0)
            && row["object_bytes"] == accepted["object_bytes"],
        "the consumer read the object the gateway stored: {row} vs {accepted}"
    );
    println!(
        "edge-proof: ping {id} accepted in {post_ms:.1} ms, processed {ping_ms:.1} ms later \
         (D1 row, R2 object of {} bytes, queue bff-ping, consumer bff-pong)",
        row["object_bytes"]
    );

    let ran = dev.request("GET", "/__scheduled?cron=0+3+*+*+*", None)?;
    ensure!(
        ran.status == 200,
        "/__scheduled: {} {}",
        ran.status,
        ran.body
    );
    let runs = poll(dev, "/api/cron-runs", |r| {
        r["runs"].as_array().is_some_and(|a| !a.is_empty())
    })?;
    let run = &runs["runs"][0];
    ensure!(run["cron"] == CRON, "cron row: {run}");
    println!("edge-proof: cron `{CRON}` ran and wrote {run}");

    let duplicate_sent = Instant::now();
    expect_json(dev, "POST", &format!("{status_path}/redeliver"), None, 202)?;
    let again = poll(dev, &status_path, |row| row["deliveries"] == 2)?;
    let duplicate_ms = ms(duplicate_sent.elapsed());
    ensure!(
        again["processed"] == true
            && again["processed_at"] == row["processed_at"]
            && again["object_bytes"] == row["object_bytes"],
        "a duplicate delivery must not process again: before {row}, after {again}"
    );
    let after = expect_json(dev, "GET", "/api/stats", None, 200)?;
    ensure!(
        after["pings"] == 1 && after["processed"] == 1 && after["dead_letters"] == 0,
        "after the duplicate: {after}"
    );
    println!(
        "edge-proof: duplicate message for {id} consumed in {duplicate_ms:.1} ms and absorbed \
         (deliveries 2, processed once, 1 row, 0 dead letters)"
    );

    let poison_sent = Instant::now();
    let poison = expect_json(dev, "POST", "/api/proof/poison", None, 202)?;
    let poison_id = poison["id"].as_str().context("no poison id")?.to_string();
    let letters = poll(dev, "/api/dead-letters", |r| {
        r["dead_letters"].as_array().is_some_and(|a| !a.is_empty())
    })?;
    let dead_letter_ms = ms(poison_sent.elapsed());
    let letter = &letters["dead_letters"][0];
    let body: Value = serde_json::from_str(letter["body"].as_str().unwrap_or("null"))?;
    ensure!(
        letter["queue"] == "bff-ping-dlq" && body["id"] == poison_id.as_str(),
        "dead letter: {letter}"
    );
    let after_poison = expect_json(dev, "GET", "/api/stats", None, 200)?;
    ensure!(
        after_poison["pings"] == 1 && after_poison["dead_letters"] == 1,
        "after the poison message: {after_poison}"
    );
    println!(
        "edge-proof: unprocessable message {poison_id} retried and dead-lettered to bff-ping-dlq \
         in {dead_letter_ms:.1} ms"
    );

    expect_json(dev, "GET", "/api/ping/no-such-ping", None, 404)?;
    expect_json(dev, "GET", "/api/ping/bad%20id", None, 400)?;
    println!("edge-proof: unknown id 404, malformed id 400");

    Ok(Timings {
        post_ms,
        ping_ms,
        duplicate_ms,
        dead_letter_ms,
    })
}

/// GETs `path` every few milliseconds until `done` holds for its JSON.
fn poll(dev: &Dev, path: &str, done: impl Fn(&Value) -> bool) -> Result<Value> {
    let start = Instant::now();
    let mut last = Value::Null;
    while start.elapsed() < DELIVERY_TIMEOUT {
        let response = dev.request("GET", path, None)?;
        if response.status == 200 {
            last = response.json()?;
            if done(&last) {
                return Ok(last);
            }
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    bail!(
        "GET {path}: condition not met within {} s; last answer {last}",
        DELIVERY_TIMEOUT.as_secs()
    )
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
