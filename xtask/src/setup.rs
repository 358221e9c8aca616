//! Installs what the project needs, only when it is missing, so that a second call takes a moment.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::shell;

/// The wasm targets: Workers run `wasm32-unknown-unknown`, Spin runs `wasm32-wasip2`.
pub const WASM_TARGETS: [&str; 2] = ["wasm32-unknown-unknown", "wasm32-wasip2"];

/// Python packages of the reference implementations, pinned.
const PYTHON_REQUIREMENTS: &str = "tools/bench/requirements.txt";
/// Debian's Chromium, which the studio's browser test drives.
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// The API fuzzer, pinned with its dependencies.
const SCHEMATHESIS_REQUIREMENTS: &str = "tools/schemathesis/requirements.txt";

/// Everything: rust targets, npm packages (when the project has a lock file), the Workers build
/// tools (when the workspace has Workers).
pub fn all(root: &Path) -> Result<()> {
    rust_targets()?;
    npm_packages(root)?;
    cargo_tools(root)?;
    debian_packages()?;
    Ok(())
}

/// The servers the tests start on loopback ports (Redis for the Spin queue's doorbell, PostgreSQL
/// for the Postgres store) and the browser of the studio's test: Debian's packages, installed with
/// `apt-get` when missing.
pub fn debian_packages() -> Result<()> {
    let mut missing = Vec::new();
    if !shell::available("redis-server") {
        missing.push("redis-server");
    }
    if postgres_bin_dir().is_none() {
        missing.push("postgresql");
    }
    if !Path::new(CHROMIUM).exists() {
        missing.push("chromium");
    }
    if missing.is_empty() {
        return Ok(());
    }
    println!("setup: installing {} with apt-get", missing.join(", "));
    let root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let apt = |args: &[&str]| -> Result<()> {
        let mut command = if root {
            std::process::Command::new("apt-get")
        } else {
            let mut sudo = std::process::Command::new("sudo");
            sudo.arg("apt-get");
            sudo
        };
        command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        shell::run(&mut command, &format!("apt-get {}", args.join(" ")))
    };
    apt(&["update", "-qq"])?;
    let mut install = vec!["install", "-y", "-qq", "--no-install-recommends"];
    install.extend(&missing);
    apt(&install)?;
    if postgres_bin_dir().is_none() {
        bail!("apt-get installed postgresql but no server binaries were found under /usr/lib/postgresql");
    }
    Ok(())
}

/// The folder of the PostgreSQL server binaries (`initdb`, `pg_ctl`): the newest version under
/// `/usr/lib/postgresql`, where Debian's packages put them.
pub fn postgres_bin_dir() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let version = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
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
    python_env_at(
        root,
        ".venv",
        PYTHON_REQUIREMENTS,
        "the Python reference environment",
    )
}

/// A virtual environment in `.venv-schemathesis` with the pinned API fuzzer; returns the
/// `schemathesis` command.
pub fn schemathesis(root: &Path) -> Result<PathBuf> {
    let python = python_env_at(
        root,
        ".venv-schemathesis",
        SCHEMATHESIS_REQUIREMENTS,
        "the API fuzzer's environment (Schemathesis)",
    )?;
    Ok(python.with_file_name("schemathesis"))
}

/// A virtual environment in `dir` (under the root) with the packages of `requirements`,
/// reinstalled only when that file changes; returns its python.
fn python_env_at(root: &Path, dir: &str, requirements: &str, what: &str) -> Result<PathBuf> {
    let venv = root.join(dir);
    let python = venv.join("bin/python");
    let requirements = root.join(requirements);
    let wanted = std::fs::read(&requirements)
        .with_context(|| format!("cannot read {}", requirements.display()))?;
    let stamp = venv.join(".installed-requirements");
    if python.exists() && std::fs::read(&stamp).is_ok_and(|s| s == wanted) {
        return Ok(python);
    }
    println!("setup: creating {what} in {dir}");
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

/// The command-line tools that build Workers, at the versions `Cargo.lock` asks for:
/// `worker-build` equal to the `worker` crate (its 0.8.x line must match), `wasm-bindgen`
/// (package `wasm-bindgen-cli`) equal to the `wasm-bindgen` crate (the CLI refuses any other).
/// Installed with `cargo install` into cargo's bin folder when missing or at another version.
///
/// `wasm-bindgen-cli` is installed without `--locked`: its own lock file names a crate version
/// the registry no longer serves.
pub fn cargo_tools(root: &Path) -> Result<()> {
    let lock =
        std::fs::read_to_string(root.join("Cargo.lock")).context("cannot read Cargo.lock")?;
    let Some(worker) = locked_version(&lock, "worker") else {
        return Ok(()); // no Workers in the workspace
    };
    let bindgen = locked_version(&lock, "wasm-bindgen")
        .context("Cargo.lock has `worker` but no `wasm-bindgen`")?;
    cargo_install("worker-build", "worker-build", &worker, true)?;
    cargo_install("wasm-bindgen", "wasm-bindgen-cli", &bindgen, false)?;
    Ok(())
}

/// The folder `cargo install` puts binaries in: `$CARGO_INSTALL_ROOT/bin`, `$CARGO_HOME/bin` or
/// `~/.cargo/bin`.
pub fn cargo_bin_dir() -> PathBuf {
    if let Some(root) = std::env::var_os("CARGO_INSTALL_ROOT") {
        return PathBuf::from(root).join("bin");
    }
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        return PathBuf::from(home).join("bin");
    }
    let home = std::env::var_os("HOME").unwrap_or_default();
    PathBuf::from(home).join(".cargo/bin")
}

/// The version of `package` in a `Cargo.lock` (the first one, when several are locked).
pub fn locked_version(lock: &str, package: &str) -> Option<String> {
    let wanted = format!("name = \"{package}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == wanted {
            let version = lines.next()?.trim().strip_prefix("version = \"")?;
            return Some(version.trim_end_matches('"').to_string());
        }
    }
    None
}

/// The version a tool prints for `--version` (its last word: `0.8.7`, `wasm-bindgen 0.2.130`).
fn installed_version(binary: &Path) -> Option<String> {
    let out = std::process::Command::new(binary)
        .arg("--version")
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .last()
        .map(str::to_string)
}

fn cargo_install(binary: &str, package: &str, version: &str, locked: bool) -> Result<()> {
    let path = cargo_bin_dir().join(binary);
    let found = installed_version(&path);
    if found.as_deref() == Some(version) {
        return Ok(());
    }
    println!(
        "setup: installing {package} {version} ({}; a few minutes, once)",
        found.map_or("missing".to_string(), |v| format!("found {v}"))
    );
    let mut command = std::process::Command::new("cargo");
    command.args(["install", package, "--version", &format!("={version}")]);
    if locked {
        command.arg("--locked");
    }
    shell::run(&mut command, &format!("cargo install {package}"))?;
    match installed_version(&path) {
        Some(v) if v == version => Ok(()),
        other => bail!(
            "{} reports version {other:?} after installing {package} {version}",
            path.display()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::locked_version;

    #[test]
    fn reads_versions_from_a_lock_file() {
        let lock =
            "[[package]]\nname = \"wasm-bindgen\"\nversion = \"0.2.130\"\nsource = \"x\"\n\n\
                    [[package]]\nname = \"wasm-bindgen-futures\"\nversion = \"0.4.80\"\n\n\
                    [[package]]\nname = \"worker\"\nversion = \"0.8.7\"\n";
        assert_eq!(locked_version(lock, "worker").as_deref(), Some("0.8.7"));
        assert_eq!(
            locked_version(lock, "wasm-bindgen").as_deref(),
            Some("0.2.130")
        );
        assert_eq!(
            locked_version(lock, "wasm-bindgen-futures").as_deref(),
            Some("0.4.80")
        );
        assert_eq!(locked_version(lock, "tokio"), None);
    }
}
