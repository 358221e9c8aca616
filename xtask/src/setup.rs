//! Installs what the project needs, only when it is missing, so that a second call takes a moment.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::shell;

/// The wasm targets: Workers run `wasm32-unknown-unknown`, Spin runs `wasm32-wasip2`.
pub const WASM_TARGETS: [&str; 2] = ["wasm32-unknown-unknown", "wasm32-wasip2"];

/// Python packages of the reference implementations, pinned.
const PYTHON_REQUIREMENTS: &str = "tools/bench/requirements.txt";

/// Everything: rust targets, npm packages (when the project has a lock file).
pub fn all(root: &Path) -> Result<()> {
    rust_targets()?;
    npm_packages(root)?;
    Ok(())
}

pub fn rust_targets() -> Result<()> {
    let installed = shell::output(
        std::process::Command::new("rustup").args(["target", "list", "--installed"]),
        "rustup target list",
    )?;
    let installed = String::from_utf8_lossy(&installed);
    let missing: Vec<&str> = WASM_TARGETS
        .iter()
        .copied()
        .filter(|t| !installed.lines().any(|l| l.trim() == *t))
        .collect();
    if !missing.is_empty() {
        println!("setup: adding rust targets {}", missing.join(", "));
        shell::run(
            std::process::Command::new("rustup")
                .args(["target", "add"])
                .args(&missing),
            "rustup target add",
        )?;
    }
    Ok(())
}

/// `npm ci` from the committed `package-lock.json`, skipped when `node_modules` already matches it.
pub fn npm_packages(root: &Path) -> Result<()> {
    let lock = root.join("package-lock.json");
    if !lock.exists() {
        return Ok(());
    }
    let stamp = root.join("node_modules/.installed-lock");
    let wanted = std::fs::read(&lock)?;
    if std::fs::read(&stamp).is_ok_and(|s| s == wanted) {
        return Ok(());
    }
    if !shell::available("npm") {
        bail!("npm is needed (Node.js 20); install Node.js and npm first");
    }
    println!("setup: installing npm packages from package-lock.json");
    shell::run(
        shell::cmd("npm", root).args(["ci", "--no-audit", "--no-fund"]),
        "npm ci",
    )?;
    std::fs::write(&stamp, wanted)?;
    Ok(())
}

/// A virtual environment in `.venv` with the pinned reference packages; returns its python.
pub fn python_env(root: &Path) -> Result<PathBuf> {
    let venv = root.join(".venv");
    let python = venv.join("bin/python");
    let requirements = root.join(PYTHON_REQUIREMENTS);
    let wanted = std::fs::read(&requirements)
        .with_context(|| format!("cannot read {}", requirements.display()))?;
    let stamp = venv.join(".installed-requirements");
    if python.exists() && std::fs::read(&stamp).is_ok_and(|s| s == wanted) {
        return Ok(python);
    }
    println!("setup: creating the Python reference environment in .venv");
    shell::run(
        shell::cmd("python3", root).args(["-m", "venv"]).arg(&venv),
        "python3 -m venv",
    )?;
    shell::run(
        shell::cmd(&python, root)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
            ])
            .arg(&requirements),
        "pip install",
    )?;
    std::fs::write(&stamp, wanted)?;
    Ok(python)
}
