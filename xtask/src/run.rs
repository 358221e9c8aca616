//! `cargo xtask run`: the main job, the whole pipeline on Cloudflare Workers under `wrangler dev`,
//! offline: build every function, migrate a fresh local D1, create a development user, submit the
//! sample brief for 12 designs, follow it stage by stage and print the chosen designs and the
//! coverage gaps and boosts; then leave feedback on a few of the designs, let learning and the
//! daily rollup run, and print the insights the analytics views give.
//!
//! `cargo xtask demo-math`: the math alone on a generated sample, through the `bff` command line
//! exactly as a user would: sample → cluster → select → coverage.

use std::path::Path;

use anyhow::{Context, Result};
use serde_json::Value;

use crate::deployment::Deployment;
use crate::pipeline::{self, text, Api};
use crate::{setup, shell};

/// The sample brief of the main job.
pub const SAMPLE_BRIEF: &str = "relaxed linen resort dress, earthy tones, no florals";
const SAMPLE_DESIGNS: u32 = 12;

/// `cargo xtask run [--keep]`.
pub fn main_job(root: &Path, keep: bool) -> Result<()> {
    setup::all(root)?;
    let state = root.join("target/run/state");
    println!(
        "Designer BFF on Cloudflare Workers (wrangler dev, local D1, R2 and Queues, offline)\n"
    );
    let started = pipeline::start(root, &state, None, "")?;
    let (dev, build_s, dev_s) = (started.dev, started.build_seconds, started.dev_seconds);
    println!(
        "built {} Workers in {build_s:.1} s; wrangler dev answering at {} after {dev_s:.1} s (log: {})\n",
        pipeline::WORKERS.len(),
        dev.base_url(),
        dev.log_path().display()
    );
    let result = edge_job(&Api { deployment: &dev });
    if let Err(error) = &result {
        println!(
            "FAILED: {error:#}\nlast lines of {}:\n{}",
            dev.log_path().display(),
            dev.log_tail(40)
        );
    }
    let (user, job_id) = result?;
    let url = format!("{}/api/generation/{job_id}", dev.base_url());
    println!("\nWhere to look:");
    println!(
        "  the studio, signed in as the development user: {}/#token={}",
        dev.base_url(),
        user.token
    );
    println!("  (the job: {}/#/job/{job_id})", dev.base_url());
    println!("  curl -H 'Authorization: Bearer {}' {url}", user.token);
    println!("  (also /api/clusters/{job_id}, /api/diversity/{job_id}, /api/coverage/{job_id}; images under /api/generation/{job_id}/images/<image>)");
    println!("  D1, R2 and queue state: {}", state.display());
    if keep {
        println!(
            "\nwrangler dev keeps running (pid group of this process); press Ctrl-C to stop it."
        );
        loop {
            std::thread::sleep(std::time::Duration::from_secs(3600));
        }
    }
    drop(dev);
    println!("\nwrangler dev stopped (run with --keep to keep it).");
    Ok(())
}

/// `cargo xtask run --spin [--postgres] [--keep]`: the same main job on the Spin components under
/// a real Spin host, on Spin's SQLite (or a PostgreSQL server started for it with `--postgres`),
/// with a Redis it starts itself.
pub fn main_job_on_spin(root: &Path, postgres: bool, keep: bool) -> Result<()> {
    use crate::spin_deployment::{Backend, SpinDeployment};
    setup::all(root)?;
    let backend = if postgres {
        Backend::Postgres
    } else {
        Backend::Sqlite
    };
    println!(
        "Designer BFF on Fermyon Spin ({} and Redis on loopback, offline)\n",
        if postgres {
            "PostgreSQL"
        } else {
            "Spin's SQLite"
        }
    );
    let spin = crate::spin::binary(root)?;
    let build_s = crate::spin::build(root, &spin)?;
    let state = root.join("target/run-spin").join(backend.name());
    let deployment = SpinDeployment::start(root, &spin, backend, &state, true, &[])?;
    println!(
        "built the Spin components in {build_s:.1} s with {}; spin up answering at {} (log: {})\n",
        spin.display(),
        deployment.base_url(),
        deployment.log_path().display()
    );
    let result = edge_job(&Api {
        deployment: &deployment,
    });
    if let Err(error) = &result {
        println!(
            "FAILED: {error:#}\nlast lines of {}:\n{}",
            deployment.log_path().display(),
            deployment.log_tail(40)
        );
    }
    let (user, job_id) = result?;
    println!("\nWhere to look:");
    println!(
        "  the studio, signed in as the development user: {}/#token={}",
        deployment.base_url(),
        user.token
    );
    println!(
        "  curl -H 'Authorization: Bearer {}' {}/api/generation/{job_id}",
        user.token,
        deployment.base_url()
    );
    println!("  state (database, blobs, log): {}", state.display());
    if keep {
        println!("\nspin up keeps running; press Ctrl-C to stop it.");
        loop {
            std::thread::sleep(std::time::Duration::from_secs(3600));
        }
    }
    drop(deployment);
    println!(
        "\nspin up, Redis{} stopped (run with --keep to keep them).",
        if postgres { " and PostgreSQL" } else { "" }
    );
    Ok(())
}

fn edge_job(api: &Api) -> Result<(pipeline::User, String)> {
    let user = api.create_user("Development designer")?;
    println!(
        "development user {} with token {}\n",
        user.user_id, user.token
    );
    println!("brief: \"{SAMPLE_BRIEF}\", {SAMPLE_DESIGNS} designs");
    let submitted = api.submit(&user, SAMPLE_BRIEF, SAMPLE_DESIGNS)?;
    let job_id = text(&submitted, "job_id")?;
    println!(
        "job {job_id}: {} variants planned for {} designs (over-generation), status {}",
        submitted["variants"], submitted["designs"], submitted["status"]
    );
    for w in submitted["warnings"].as_array().into_iter().flatten() {
        println!("  warning: {}", w.as_str().unwrap_or_default());
    }
    println!("\nprogress (polled):");
    let (job, times) = pipeline::follow(api, &user, &job_id, true)?;
    println!("\njob {}: {}", job_id, text(&job, "status")?);
    println!("stages done: {}", pipeline::timing_line(&times));

    println!("\nselected designs:");
    for d in job["selected"].as_array().into_iter().flatten() {
        println!(
            "  #{:<2} cluster {} ({}) picked for {:<7} quality {:.2} novelty {:.2}  {}",
            d["rank"],
            d["cluster"],
            d["style"].as_str().unwrap_or("-"),
            d["reason"].as_str().unwrap_or("?"),
            d["quality"].as_f64().unwrap_or(0.0),
            d["novelty"].as_f64().unwrap_or(0.0),
            format_args!(
                "{}{}",
                api.deployment.base_url(),
                d["image_url"].as_str().unwrap_or_default()
            ),
        );
    }
    let clusters = api.json(
        "GET",
        &format!("/api/clusters/{job_id}"),
        Some(&user),
        None,
        200,
    )?;
    println!(
        "\nclusters: K = {} (silhouette {})",
        clusters["k"], clusters["silhouette"]
    );
    let diversity = api.json(
        "GET",
        &format!("/api/diversity/{job_id}"),
        Some(&user),
        None,
        200,
    )?;
    println!(
        "DPP: theta {}, {} of {} candidates, mean pairwise cosine distance {:.3}",
        diversity["theta"],
        diversity["picked"],
        diversity["candidates"],
        diversity["mean_pairwise_cosine_distance"]
            .as_f64()
            .unwrap_or(0.0)
    );
    let coverage = api.json(
        "GET",
        &format!("/api/coverage/{job_id}"),
        Some(&user),
        None,
        200,
    )?;
    println!(
        "\ncoverage: overall {:.2}, evenness {:.2}; gaps (boosts applied to this user's next jobs):",
        coverage["overall_score"].as_f64().unwrap_or(0.0),
        coverage["overall_evenness"].as_f64().unwrap_or(0.0)
    );
    for g in coverage["gaps"].as_array().into_iter().flatten().take(10) {
        println!(
            "  {:<9} {}/{} coverage {:.2}, missing {} -> boost +{:.0}%",
            g["severity"].as_str().unwrap_or("?"),
            g["category"].as_str().unwrap_or("?"),
            g["value"].as_str().unwrap_or("?"),
            g["coverage"].as_f64().unwrap_or(0.0),
            g["missing"],
            g["boost"].as_f64().unwrap_or(0.0) * 100.0
        );
    }
    feedback_and_insights(api, &user, &job)?;
    Ok((user, job_id))
}

/// The designer rates a few designs: the three best-scoring get 5 stars, the two lowest 2 stars
/// and a dislike. Then learning runs, the daily rollup is triggered, and the insights printed.
fn feedback_and_insights(api: &Api, user: &pipeline::User, job: &Value) -> Result<()> {
    let mut designs: Vec<&Value> = job["selected"].as_array().into_iter().flatten().collect();
    designs.sort_by(|a, b| {
        b["quality"]
            .as_f64()
            .unwrap_or(0.0)
            .total_cmp(&a["quality"].as_f64().unwrap_or(0.0))
    });
    let n = designs.len();
    println!(
        "
feedback:"
    );
    for (i, d) in designs.iter().enumerate() {
        let body = if i < 3 {
            serde_json::json!({ "image_id": d["image_id"], "rating": 5, "liked": true, "comment": "this is the collection" })
        } else if i + 2 >= n {
            serde_json::json!({ "image_id": d["image_id"], "rating": 2, "liked": false })
        } else {
            continue;
        };
        let r = api.json(
            "POST",
            "/api/feedback",
            Some(user),
            Some(&body.to_string()),
            201,
        )?;
        let f = &r["feedback"];
        println!(
            "  {} rated {} (quality {:.2}){}",
            d["image_id"].as_str().unwrap_or("?"),
            body["rating"],
            d["quality"].as_f64().unwrap_or(0.0),
            match f["standout"]["rule"].as_str() {
                Some(rule) => format!(
                    " -> standout ({rule}, confidence {:.2})",
                    f["standout"]["confidence"].as_f64().unwrap_or(0.0)
                ),
                None => String::new(),
            }
        );
    }
    let start = std::time::Instant::now();
    loop {
        let list = api.json("GET", "/api/feedback", Some(user), None, 200)?;
        let items = list["feedback"].as_array().cloned().unwrap_or_default();
        if items.iter().all(|f| f["learned"] == true) {
            println!("learning applied {} pieces of feedback", items.len());
            break;
        }
        anyhow::ensure!(
            start.elapsed() < std::time::Duration::from_secs(60),
            "feedback not learned after 60 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    api.deployment.rollup()?;
    // The rollup runs behind the cron's answer; the feedback summary shows when it has.
    let start = std::time::Instant::now();
    let summary = loop {
        let s = api.json("GET", "/api/analytics/feedback", Some(user), None, 200)?;
        if s["data"]["summary"]["feedback"].as_u64().unwrap_or(0) > 0 {
            break s;
        }
        anyhow::ensure!(
            start.elapsed() < std::time::Duration::from_secs(30),
            "no rollup after 30 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(300));
    };
    let s = &summary["data"]["summary"];
    println!(
        "
insights (daily rollup run through the cron route):
  last 7 days: {} pieces of feedback, mean rating {:.2}, {} likes, {} dislikes, {} standouts",
        s["feedback"],
        s["mean_rating"].as_f64().unwrap_or(f64::NAN),
        s["likes"],
        s["dislikes"],
        s["standouts"]
    );
    let standouts = api.json("GET", "/api/analytics/standouts", Some(user), None, 200)?;
    println!("  standout rate by value (top 5):");
    for a in standouts["data"]["attributes"]
        .as_array()
        .into_iter()
        .flatten()
        .take(5)
    {
        println!(
            "    {}/{}: {} of {} rated designs, lift {}",
            a["attribute"]["category"].as_str().unwrap_or("?"),
            a["attribute"]["value"].as_str().unwrap_or("?"),
            a["standouts"],
            a["ratings"],
            a["lift"]
                .as_f64()
                .map_or("-".to_string(), |l| format!("{l:.1}x"))
        );
    }
    let styles = api.json("GET", "/api/analytics/styles", Some(user), None, 200)?;
    println!("  styles:");
    for p in styles["data"]["styles"].as_array().into_iter().flatten() {
        println!(
            "    {}: {} generated, {} rated, mean {}, standout rate {}",
            p["name"].as_str().unwrap_or("?"),
            p["generations"],
            p["ratings"],
            p["mean_rating"]
                .as_f64()
                .map_or("-".to_string(), |m| format!("{m:.1}")),
            p["standout_rate"]
                .as_f64()
                .map_or("-".to_string(), |r| format!("{:.0}%", r * 100.0))
        );
    }
    let recs = api.json(
        "GET",
        "/api/analytics/recommendations",
        Some(user),
        None,
        200,
    )?;
    println!("  recommendations:");
    let recs = recs["data"]["recommendations"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if recs.is_empty() {
        println!("    none yet (they need a few more ratings per value)");
    }
    for r in &recs {
        println!("    {}", r["message"].as_str().unwrap_or("?"));
    }
    println!("  (also /api/analytics/evolution and /api/analytics/coverage)");
    Ok(())
}

const DESIGNS: &str = "12";

pub fn demo_math(root: &Path) -> Result<()> {
    setup::all(root)?;
    shell::run(
        shell::cmd("cargo", root).args(["build", "--quiet", "--release", "-p", "bff-cli"]),
        "cargo build bff-cli",
    )?;
    let bff = root.join("target/release/bff");
    let out = root.join("target/demo");
    std::fs::create_dir_all(&out)?;
    let step = |name: &str, args: &[&str]| -> Result<Value> {
        let bytes = shell::output(
            shell::cmd(&bff, root).args(args),
            &format!("bff {}", args[0]),
        )?;
        std::fs::write(out.join(name), &bytes)?;
        serde_json::from_slice(&bytes)
            .with_context(|| format!("bff {} printed invalid JSON", args[0]))
    };
    let path = |name: &str| out.join(name).display().to_string();

    println!("Designer BFF math, end to end on a synthetic sample (72 embeddings of dimension 512, 6 styles)\n");
    let sample = step(
        "sample.json",
        &[
            "sample",
            "--n",
            "72",
            "--dim",
            "512",
            "--clusters",
            "6",
            "--seed",
            "7",
        ],
    )?;
    let clusters = step(
        "clusters.json",
        &["cluster", &path("sample.json"), "--seed", "7"],
    )?;
    println!("1. clustering: K chosen by silhouette");
    for c in clusters["candidates"].as_array().into_iter().flatten() {
        let s = c["silhouette"].as_f64().unwrap_or(f64::NAN);
        let bar = "#".repeat((s.max(0.0) * 60.0) as usize);
        println!(
            "   K={}  silhouette {:>6.3}  inertia {:>8.3}  {}",
            c["k"],
            s,
            c["inertia"].as_f64().unwrap_or(f64::NAN),
            bar
        );
    }
    println!(
        "   chosen K = {} (silhouette {:.3}), cluster sizes {}",
        clusters["best_k"],
        clusters["silhouette"].as_f64().unwrap_or(f64::NAN),
        clusters["model"]["cluster_sizes"]
    );
    let true_k = sample["true_clusters"].as_array().map_or(0, |t| {
        t.iter()
            .filter_map(Value::as_u64)
            .max()
            .map_or(0, |m| m + 1)
    });
    println!("   (the sample was drawn from {true_k} styles)\n");

    let selection = step(
        "selection.json",
        &[
            "select",
            &path("sample.json"),
            "--picks",
            DESIGNS,
            "--clusters-from",
            &path("clusters.json"),
        ],
    )?;
    println!("2. selection: {DESIGNS} designs by DPP (theta 0.7, cluster-aware, near-duplicates dropped)");
    for (n, p) in selection["picks"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        println!(
            "   #{:<2} image {:>2}  cluster {}  quality {:.2}  novelty {:.2}  picked for {}",
            n + 1,
            p["index"],
            p["cluster"],
            p["quality"].as_f64().unwrap_or(f64::NAN),
            p["novelty"].as_f64().unwrap_or(f64::NAN),
            p["reason"].as_str().unwrap_or("?")
        );
    }
    println!(
        "   diversity: log det S = {:.2}, mean pairwise cosine distance {:.3}; {} near-duplicates dropped\n",
        selection["log_det_similarity"].as_f64().unwrap_or(f64::NAN),
        selection["mean_pairwise_cosine_distance"].as_f64().unwrap_or(f64::NAN),
        selection["suppressed"].as_array().map_or(0, Vec::len)
    );

    let coverage = step(
        "coverage.json",
        &[
            "coverage",
            &path("sample.json"),
            "--selection",
            &path("selection.json"),
        ],
    )?;
    println!(
        "3. coverage of the selected set: score {:.2}, evenness {:.2}",
        coverage["overall_score"].as_f64().unwrap_or(f64::NAN),
        coverage["overall_evenness"].as_f64().unwrap_or(f64::NAN)
    );
    let gaps = coverage["gaps"].as_array().cloned().unwrap_or_default();
    if gaps.is_empty() {
        println!("   no gaps");
    }
    for g in &gaps {
        println!(
            "   gap {:<8} {}/{}  coverage {:.2}  boost next time +{:.0}%",
            g["severity"].as_str().unwrap_or("?"),
            g["category"].as_str().unwrap_or("?"),
            g["value"].as_str().unwrap_or("?"),
            g["coverage"].as_f64().unwrap_or(f64::NAN),
            100.0 * g["boost"].as_f64().unwrap_or(f64::NAN)
        );
    }
    println!("\nJSON of every step: {}", out.display());
    Ok(())
}
