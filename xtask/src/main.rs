//! Project automation, run as `cargo xtask <command>` (alias in `.cargo/config.toml`).
//!
//! - `setup`: installs what the project needs when it is missing (rustup targets, npm packages from
//!   the committed lock file, `worker-build` and `wasm-bindgen`, the Python reference environment
//!   for `bench` and `golden`).
//! - `run [--keep]`: the main job: the pipeline's Workers under `wrangler dev`, one brief end to end.
//!   `run --spin [--postgres]`: the same on the Spin components under a real Spin host (SQLite, or
//!   PostgreSQL), with a Redis it starts itself.
//! - `demo-math`: the math alone on a generated sample, through the `bff` command line.
//! - `e2e`: the end-to-end test of the Workers under `wrangler dev` (part of `test`).
//! - `e2e-spin`: the same end-to-end checks against the Spin components on a real Spin host, on
//!   PostgreSQL and on SQLite, with Redis (part of `test`).
//! - `test`: every check CI runs.
//! - `bench`: performance figures of the math and media code against the named peers (not part
//!   of `test`).
//! - `bench-pipeline [RUNS] [--spin]`: the Workers under `wrangler dev`: POST to completion per stage, D1
//!   statements per image, module sizes; then beside a provider taking 2 s per image: POST to
//!   completion, requests in flight, the pipeline's own time per image (not part of `test`).
//! - `golden`: regenerates the reference data the tests compare with.
//! - `gen-taxonomy-sql`: regenerates `migrations/0003_taxonomy.sql` (the `vlt_attributes` seed).

mod bench;
mod bench_pipeline;
mod clip;
mod deployment;
mod e2e;
mod e2e_deletion;
mod e2e_feedback;
mod e2e_fuzz;
mod e2e_limits;
mod e2e_providers;
mod e2e_spin;
mod e2e_tokens;
mod openapi_check;
mod pipeline;
mod process;
mod run;
mod setup;
mod shell;
mod spin;
mod spin_deployment;
mod studio;
mod taxonomy_sql;
mod test;
mod workers;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str =
    "usage: cargo xtask <setup|run [--spin [--postgres]] [--keep]|demo-math|e2e [--providers-only]|e2e-spin [--providers-only]|test|bench [N ...]|bench-pipeline [RUNS] [--spin]|golden|gen-taxonomy-sql|openapi>";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root();
    let result = match args.first().map(String::as_str) {
        Some("setup") => setup::all(&root).map(|_| ()),
        Some("run") if args.iter().any(|a| a == "--spin") => run::main_job_on_spin(
            &root,
            args.iter().any(|a| a == "--postgres"),
            args.iter().any(|a| a == "--keep"),
        ),
        Some("run") => run::main_job(&root, args.iter().any(|a| a == "--keep")),
        Some("demo-math") => run::demo_math(&root),
        Some("e2e") => e2e::run(
            &root,
            args.get(1).map(String::as_str) == Some("--providers-only"),
        ),
        Some("e2e-spin") => e2e_spin::run(
            &root,
            args.get(1).map(String::as_str) == Some("--providers-only"),
        ),
        Some("test") => test::all(&root),
        Some("bench") => bench_command(&root, &args[1..]),
        Some("bench-pipeline") => {
            let spin = args.iter().any(|a| a == "--spin");
            match args[1..]
                .iter()
                .find(|a| !a.starts_with("--"))
                .map(|a| a.parse::<usize>())
            {
                None => bench_pipeline::run(&root, 5, spin),
                Some(Ok(runs)) if runs > 0 => bench_pipeline::run(&root, runs, spin),
                _ => Err(anyhow::anyhow!("RUNS must be a positive number")),
            }
        }
        Some("golden") => golden(&root),
        Some("gen-taxonomy-sql") => taxonomy_sql::write(&root),
        Some("openapi") => openapi(&root),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn workspace_root() -> PathBuf {
    // CARGO_MANIFEST_DIR is <root>/xtask at build time.
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

fn bench_command(root: &std::path::Path, args: &[String]) -> anyhow::Result<()> {
    let sizes: Vec<usize> = if args.is_empty() {
        vec![200, 1000, 5000]
    } else {
        args.iter()
            .map(|a| a.parse().map_err(|_| anyhow::anyhow!("not a size: {a}")))
            .collect::<anyhow::Result<_>>()?
    };
    setup::rust_targets()?;
    let python = setup::python_env(root)?;
    bench::run(root, &python, &sizes)
}

fn golden(root: &std::path::Path) -> anyhow::Result<()> {
    let python = setup::python_env(root)?;
    let out = root.join("tests/golden/reference.json");
    let json = shell::output(
        shell::cmd(&python, root).arg(root.join("tests/golden/make_golden.py")),
        "make_golden.py",
    )?;
    std::fs::write(&out, json)?;
    println!("wrote {}", out.display());
    Ok(())
}

/// Writes the API's OpenAPI document, generated from the request and response types, to
/// `api/openapi.json` (which the gateway serves, and whose drift `bff-http`'s tests catch).
fn openapi(root: &std::path::Path) -> anyhow::Result<()> {
    let out = root.join("api/openapi.json");
    std::fs::write(&out, bff_http::openapi::document_text())?;
    println!("wrote {}", out.display());
    let reference = root.join("api/README.md");
    std::fs::write(
        &reference,
        bff_http::openapi::markdown(&bff_http::openapi::document()),
    )?;
    println!("wrote {}", reference.display());
    Ok(())
}
