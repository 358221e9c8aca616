//! `cargo xtask bench-pipeline [RUNS] [--spin]`: the edge pipeline's speed on local workerd, and
//! with `--spin` on a real Spin host too (PostgreSQL and SQLite), beside the Workers' figure, with
//! each Spin component's wasm size.
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

/// One deployment's figures.
struct Figures {
    name: String,
    median: f64,
    best: f64,
    worst: f64,
    statements_per_image: f64,
    round_trips_per_image: f64,
}

pub fn run(root: &Path, runs: usize, spin: bool) -> Result<()> {
    setup::all(root)?;
    let state = root.join("target/bench-pipeline/state");
    let started = pipeline::start(root, &state, None, "")?;
    let mut figures = vec![measure(&started.dev, runs)?];
    let built = started.built;
    drop(started.dev);
    let mut components = Vec::new();
    if spin {
        use crate::spin_deployment::{Backend, SpinDeployment};
        let host = crate::spin::binary(root)?;
        crate::spin::build(root, &host)?;
        for backend in [Backend::Postgres, Backend::Sqlite] {
            let state = root.join("target/bench-pipeline/spin").join(backend.name());
            let deployment = SpinDeployment::start(root, &host, backend, &state, true, &[])?;
            figures.push(measure(&deployment, runs)?);
        }
        components = crate::spin::component_sizes(root)?;
    }

    println!("\nbench-pipeline summary ({runs} runs after a warm-up, 12 designs at 3x):");
    for f in &figures {
        println!(
            "  {:<15} POST to complete: median {:.0} ms, best {:.0} ms, worst {:.0} ms; target < {TARGET_MS:.0} ms: ratio {:.2} {}; per image {:.1} statements, {:.1} round trips",
            f.name,
            f.median,
            f.best,
            f.worst,
            f.median / TARGET_MS,
            if f.median < TARGET_MS { "PASS" } else { "MISS" },
            f.statements_per_image,
            f.round_trips_per_image
        );
    }
    if figures.len() > 1 {
        let workers = figures[0].median;
        for f in &figures[1..] {
            println!("  {} / workers median: {:.2}", f.name, f.median / workers);
        }
    }
    for b in &built {
        println!(
            "  Worker {:<9} wasm {:>6.1} KiB gzip; target < 1024 KiB: ratio {:.2} {}",
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
    for (name, raw, gzip) in &components {
        println!(
            "  Spin component {name:<9} wasm {:>7.1} KiB, {:>6.1} KiB gzip",
            *raw as f64 / 1024.0,
            *gzip as f64 / 1024.0
        );
    }
    Ok(())
}

/// A warm-up job and `runs` timed jobs on `deployment`, printed as they finish.
fn measure(deployment: &dyn Deployment, runs: usize) -> Result<Figures> {
    let api = Api { deployment };
    let user = api.create_user("Bench")?;
    println!(
        "bench-pipeline: {} at {}; sample brief {SAMPLE_BRIEF:?}, {DESIGNS} designs at 3x",
        deployment.name(),
        deployment.base_url()
    );

    let mut totals = Vec::new();
    let mut per_image = Vec::new();
    let mut trips_per_image = Vec::new();
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
        let handled = deployment.handled(&job_id);
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
            "           database per image: {:.1} statements, {:.1} round trips ({statements} / {round_trips} for {images} images; {})",
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
            trips_per_image.push(round_trips as f64 / images);
        }
    }
    totals.sort_by(f64::total_cmp);
    per_image.sort_by(f64::total_cmp);
    trips_per_image.sort_by(f64::total_cmp);
    Ok(Figures {
        name: deployment.name().to_string(),
        median: totals[totals.len() / 2],
        best: totals[0],
        worst: totals[totals.len() - 1],
        statements_per_image: per_image[per_image.len() / 2],
        round_trips_per_image: trips_per_image[trips_per_image.len() / 2],
    })
}
