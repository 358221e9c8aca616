//! `cargo xtask run`: the main job. Until the edge pipeline exists it runs the math end to end on a
//! generated sample, through the `bff` command line exactly as a user would: sample → cluster →
//! select → coverage, then prints what happened and where the JSON is.

use std::path::Path;

use anyhow::{Context, Result};
use serde_json::Value;

use crate::{setup, shell};

const DESIGNS: &str = "12";

pub fn main_job(root: &Path) -> Result<()> {
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
