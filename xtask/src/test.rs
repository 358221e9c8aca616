//! `cargo xtask test`: every check, in the order a failure is cheapest to see; all run, all reported.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Result};

use crate::{e2e, e2e_spin, setup, shell};

/// `cargo build` of every pure crate (math, domain, renderer, embedder, learning, pipeline, HTTP
/// handlers) for one target.
macro_rules! pure_crates_build {
    ($target:literal) => {
        [
            "build",
            "--quiet",
            "--release",
            "-p",
            "bff-math",
            "-p",
            "bff-domain",
            "-p",
            "bff-render",
            "-p",
            "bff-embed",
            "-p",
            "bff-learn",
            "-p",
            "bff-pipeline",
            "-p",
            "bff-http",
            "--target",
            $target,
        ]
    };
}
const PURE_CRATES_FOR_WORKERS: [&str; 19] = pure_crates_build!("wasm32-unknown-unknown");
const PURE_CRATES_FOR_SPIN: [&str; 19] = pure_crates_build!("wasm32-wasip2");

struct Check {
    name: &'static str,
    run: Step,
}

enum Step {
    Cargo(&'static [&'static str]),
    Custom(fn(&Path) -> Result<()>),
}

impl Step {
    fn run(&self, root: &Path) -> Result<()> {
        match self {
            Step::Cargo(args) => shell::run(
                shell::cmd("cargo", root).args(*args),
                &format!("cargo {}", args.join(" ")),
            ),
            Step::Custom(f) => f(root),
        }
    }
}

pub fn all(root: &Path) -> Result<()> {
    setup::all(root)?;
    let checks = vec![
        Check {
            name: "formatting (cargo fmt --check)",
            run: Step::Cargo(&["fmt", "--all", "--check"]),
        },
        Check {
            name: "lints (cargo clippy -D warnings)",
            run: Step::Cargo(&[
                "clippy",
                "--workspace",
                "--all-targets",
                "--quiet",
                "--",
                "-D",
                "warnings",
            ]),
        },
        Check {
            name: "unit, property, golden and command-line tests",
            run: Step::Cargo(&["test", "--workspace", "--quiet"]),
        },
        Check {
            name: "pure crates build for wasm32-unknown-unknown (Workers)",
            run: Step::Cargo(&PURE_CRATES_FOR_WORKERS),
        },
        Check {
            name: "pure crates build for wasm32-wasip2 (Spin)",
            run: Step::Cargo(&PURE_CRATES_FOR_SPIN),
        },
        Check {
            name: "Workers crates lint clean for wasm32-unknown-unknown (the target they run on)",
            run: Step::Cargo(&[
                "clippy",
                "--quiet",
                "-p",
                "bff-http",
                "-p",
                "bff-cloudflare",
                "-p",
                "bff-gateway",
                "-p",
                "bff-fn-prompt",
                "-p",
                "bff-fn-feedback",
                "-p",
                "bff-fn-analytics",
                "-p",
                "bff-fn-generate",
                "-p",
                "bff-fn-embed",
                "-p",
                "bff-fn-cluster",
                "-p",
                "bff-fn-select",
                "-p",
                "bff-fn-coverage",
                "-p",
                "bff-fn-learn",
                "--target",
                "wasm32-unknown-unknown",
                "--",
                "-D",
                "warnings",
            ]),
        },
        Check {
            name: "Spin crates lint clean for wasm32-wasip2 (the target they run on)",
            run: Step::Cargo(&[
                "clippy",
                "--quiet",
                "-p",
                "bff-spin",
                "-p",
                "bff-gateway",
                "-p",
                "bff-fn-prompt",
                "-p",
                "bff-fn-generate",
                "-p",
                "bff-fn-embed",
                "-p",
                "bff-fn-cluster",
                "-p",
                "bff-fn-select",
                "-p",
                "bff-fn-coverage",
                "-p",
                "bff-fn-feedback",
                "-p",
                "bff-fn-learn",
                "-p",
                "bff-fn-analytics",
                "--target",
                "wasm32-wasip2",
                "--",
                "-D",
                "warnings",
            ]),
        },
        Check {
            name: "math compiled to wasm imports nothing from its host (no clock, entropy or I/O)",
            run: Step::Custom(wasm_imports_nothing),
        },
        Check {
            name: "math compiled to wasm (simd128, run in V8) gives the native results",
            run: Step::Custom(wasm_matches_native),
        },
        Check {
            name: "pipeline Workers end to end under wrangler dev (e2e)",
            run: Step::Custom(|root| e2e::run(root, false)),
        },
        Check {
            name:
                "pipeline on a Spin host end to end, on PostgreSQL and SQLite with Redis (e2e-spin)",
            run: Step::Custom(|root| e2e_spin::run(root, false)),
        },
    ];
    let mut failed = Vec::new();
    for check in &checks {
        println!("\n== {}", check.name);
        match check.run.run(root) {
            Ok(()) => println!("ok: {}", check.name),
            Err(error) => {
                println!("FAILED: {}: {error:#}", check.name);
                failed.push(check.name);
            }
        }
    }
    println!();
    for name in &failed {
        println!("failed: {name}");
    }
    println!(
        "checks: {} passed, {} failed",
        checks.len() - failed.len(),
        failed.len()
    );
    if !failed.is_empty() {
        bail!("{} check(s) failed", failed.len());
    }
    Ok(())
}

/// Builds the math kernels as a standalone wasm module and asks V8 (Node) for its imports: a module
/// that imports nothing cannot read a clock, draw entropy or do I/O.
fn wasm_imports_nothing(root: &Path) -> Result<()> {
    shell::run(
        shell::cmd("cargo", root).args([
            "build",
            "--quiet",
            "-p",
            "bff-bench-wasm",
            "--release",
            "--target",
            "wasm32-unknown-unknown",
        ]),
        "cargo build bff-bench-wasm",
    )?;
    let module = root.join("target/wasm32-unknown-unknown/release/bff_bench_wasm.wasm");
    let script = "const m = new WebAssembly.Module(require('fs').readFileSync(process.argv[1])); \
                  const i = WebAssembly.Module.imports(m); \
                  console.log(JSON.stringify(i)); process.exit(i.length === 0 ? 0 : 1);";
    shell::run(
        Command::new("node").args(["-e", script]).arg(&module),
        "wasm import check",
    )
}

/// The wasm build takes other code paths (explicit simd128 kernels): run both builds on the same
/// seeded data and require the same K, the same silhouettes and the same DPP picks.
fn wasm_matches_native(root: &Path) -> Result<()> {
    shell::run(
        shell::cmd("cargo", root).args(["build", "--quiet", "--release", "-p", "bff-bench"]),
        "cargo build bff-bench",
    )?;
    let dir = root.join("target/wasm-check");
    let bench = root.join("target/release/bff-bench");
    let (n, dim, seed) = ("600", "512", "11");
    shell::output(
        shell::cmd(&bench, root)
            .args(["gen", "--n", n, "--dim", dim, "--seed", seed, "--out"])
            .arg(&dir),
        "bff-bench gen",
    )?;
    let points = dir.join("points.f32").display().to_string();
    let quality = dir.join("quality.f32").display().to_string();
    let data = [
        "--points",
        &points,
        "--quality",
        &quality,
        "--n",
        n,
        "--dim",
        dim,
        "--seed",
        seed,
        "--repeat",
        "1",
        "--picks",
        "24",
        "--theta",
        "0.7",
    ];
    let last_json_line = |bytes: Vec<u8>, what: &str| -> Result<serde_json::Value> {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let line = text
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        serde_json::from_str(line).map_err(|e| anyhow::anyhow!("{what} printed no JSON ({e})"))
    };
    let native = last_json_line(
        shell::output(
            shell::cmd(&bench, root).arg("native").args(data),
            "bff-bench native",
        )?,
        "bff-bench native",
    )?;
    let wasm_module = root.join("target/wasm32-unknown-unknown/release/bff_bench_wasm.wasm");
    let wasm = last_json_line(
        shell::output(
            Command::new("node")
                .arg(root.join("tools/bench/run_wasm.mjs"))
                .arg("--wasm")
                .arg(&wasm_module)
                .args(data),
            "run_wasm.mjs",
        )?,
        "run_wasm.mjs",
    )?;
    for key in ["best_k", "silhouettes", "dpp_picks"] {
        if native[key] != wasm[key] {
            bail!(
                "{key} differs: native {} vs wasm {}",
                native[key],
                wasm[key]
            );
        }
    }
    println!(
        "native and wasm agree: K = {}, {} picks",
        native["best_k"],
        native["dpp_picks"].as_array().map_or(0, Vec::len)
    );
    Ok(())
}
