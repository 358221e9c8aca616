//! `cargo xtask test`: every check, in the order a failure is cheapest to see; all run, all reported.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Result};

use crate::{setup, shell};

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
            name: "math crate builds for wasm32-unknown-unknown (Workers)",
            run: Step::Cargo(&[
                "build",
                "--quiet",
                "-p",
                "bff-math",
                "--release",
                "--target",
                "wasm32-unknown-unknown",
            ]),
        },
        Check {
            name: "math crate builds for wasm32-wasip2 (Spin)",
            run: Step::Cargo(&[
                "build",
                "--quiet",
                "-p",
                "bff-math",
                "--release",
                "--target",
                "wasm32-wasip2",
            ]),
        },
        Check {
            name: "math compiled to wasm imports nothing from its host (no clock, entropy or I/O)",
            run: Step::Custom(wasm_imports_nothing),
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
