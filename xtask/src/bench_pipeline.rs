//! `cargo xtask bench-pipeline [RUNS]`: the edge pipeline's speed on local workerd.
//!
//! Builds the seven Workers (printing each module's raw and gzipped size), starts them in one
//! `wrangler dev` on a fresh state, runs one warm-up job and then `RUNS` (default 5) jobs of the
//! sample brief, 12 designs at 3x over-generation, one after another. For each job it prints the
//! time from `POST /api/generation` to a finished status and when each stage finished (the
//! status is polled every 100 ms, so stage times are to within 100 ms), and the D1 work per image:
//! statements run and round trips, summed over the `bff-handled` lines every stage Worker logs
//! (the gateway's own reads for authentication and polling are not counted: they are the
//! client's, not the pipeline's).
//!
//! The targets on a 2-core machine: under 3 s from POST to completion, each Worker's wasm under
//! 1 MB gzipped. The peer is the target: ratios below 1 meet it. There is no timed assertion; this
//! prints figures.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{ensure, Result};

use crate::deployment::Deployment;
use crate::pipeline::{self, text, Api};
use crate::run::SAMPLE_BRIEF;
use crate::setup;

const DESIGNS: u32 = 12;
const TARGET_MS: f64 = 3000.0;
const TARGET_GZIP_BYTES: u64 = 1024 * 1024;

pub fn run(root: &Path, runs: usize) -> Result<()> {
    setup::all(root)?;
    let state = root.join("target/bench-pipeline/state");
    let started = pipeline::start(root, &state, None)?;
    let dev = &started.dev;
    let api = Api { deployment: dev };
    let user = api.create_user("Bench")?;
    println!(
        "bench-pipeline: {} Workers, wrangler dev at {}; sample brief {SAMPLE_BRIEF:?}, {DESIGNS} designs at 3x",
        started.built.len(),
        dev.base_url()
    );

    let mut totals = Vec::new();
    let mut per_image = Vec::new();
    for run in 0..=runs {
        let submitted = api.submit(&user, SAMPLE_BRIEF, DESIGNS)?;
        let job_id = text(&submitted, "job_id")?;
        let (job, times) = pipeline::follow(&api, &user, &job_id, false)?;
        ensure!(
            job["status"] == "complete",
            "job {job_id} ended {}",
            job["status"]
        );
        let images = submitted["variants"].as_u64().unwrap_or(1).max(1) as f64;
        // The last stage's line may reach the log a moment after the status changes.
        std::thread::sleep(std::time::Duration::from_millis(300));
        let handled = dev.handled(&job_id);
        let mut by_queue: BTreeMap<String, (u64, u64, u64)> = BTreeMap::new();
        for h in &handled {
            let e = by_queue.entry(h.queue.clone()).or_default();
            e.0 += 1;
            e.1 += h.statements;
            e.2 += h.round_trips;
        }
        let statements: u64 = by_queue.values().map(|v| v.1).sum();
        let round_trips: u64 = by_queue.values().map(|v| v.2).sum();
        let label = if run == 0 {
            "warm-up".to_string()
        } else {
            format!("run {run}")
        };
        println!(
            "  {label:<8} {:>6.0} ms  {}",
            times.total_ms,
            pipeline::timing_line(&times)
        );
        println!(
            "           D1 per image: {:.1} statements, {:.1} round trips ({statements} / {round_trips} for {images} images; {})",
            statements as f64 / images,
            round_trips as f64 / images,
            by_queue
                .iter()
                .map(|(q, (n, s, r))| format!("{q} {n} msgs {s} stmts {r} trips"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        if run > 0 {
            totals.push(times.total_ms);
            per_image.push(statements as f64 / images);
        }
    }
    drop(started.dev);

    totals.sort_by(f64::total_cmp);
    let median = totals[totals.len() / 2];
    let worst = totals[totals.len() - 1];
    println!("\nbench-pipeline summary ({runs} runs after a warm-up):");
    println!(
        "  POST to complete: median {median:.0} ms, best {:.0} ms, worst {worst:.0} ms; target < {TARGET_MS:.0} ms: ratio {:.2} (median) {}",
        totals[0],
        median / TARGET_MS,
        if median < TARGET_MS { "PASS" } else { "MISS" }
    );
    println!("  D1 statements per image: {:.1} (median of runs)", {
        per_image.sort_by(f64::total_cmp);
        per_image[per_image.len() / 2]
    });
    for b in &started.built {
        println!(
            "  {:<9} wasm {:>6.1} KiB gzip; target < 1024 KiB: ratio {:.2} {}",
            b.name,
            b.wasm_gzip as f64 / 1024.0,
            b.wasm_gzip as f64 / TARGET_GZIP_BYTES as f64,
            if b.wasm_gzip < TARGET_GZIP_BYTES {
                "PASS"
            } else {
                "MISS"
            }
        );
    }
    Ok(())
}
