//! The Spin host for `cargo xtask e2e-spin`, `run --spin` and `bench-pipeline --spin`: finds the
//! `spin` command, builds the components (`spin build`) and runs `spin up` on a loopback port.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::workers::{free_port, http_request};

/// How long `spin up` may take to answer.
const READY_TIMEOUT: Duration = Duration::from_secs(60);

const INSTALL_HINT: &str = "no Spin host found: set SPIN_BIN to a `spin` binary of Spin 4.1 or \
later, or put one on PATH (install an official release: \
https://spinframework.dev/install, e.g. `curl -fsSL https://spinframework.dev/downloads/install.sh | bash`); \
components built with spin-sdk 7 need the spin:up@4.1.0 worlds, which Spin 4.0 does not host";

/// The `spin` command: `$SPIN_BIN`, then `spin` on PATH, then the build the team's shared folder
/// provides beside the checkout (`../shared/tools/spin/spin`). Fails with how to install one.
pub fn binary(root: &Path) -> Result<PathBuf> {
    if let Some(path) = std::env::var_os("SPIN_BIN") {
        let path = PathBuf::from(path);
        if runs(&path) {
            return Ok(path);
        }
        bail!("SPIN_BIN={} does not run; {INSTALL_HINT}", path.display());
    }
    if runs(Path::new("spin")) {
        return Ok(PathBuf::from("spin"));
    }
    let beside = root.join("../shared/tools/spin/spin");
    if runs(&beside) {
        return Ok(beside.canonicalize().unwrap_or(beside));
    }
    bail!("{INSTALL_HINT}")
}

fn runs(path: &Path) -> bool {
    Command::new(path)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `spin build` of every component in the top-level `spin.toml`.
pub fn build(root: &Path, spin: &Path) -> Result<f64> {
    let start = Instant::now();
    // The gateway component mounts the studio's build (spin.toml `files`).
    crate::studio::build(root)?;
    crate::shell::run(
        Command::new(spin)
            .current_dir(root)
            .args(["build", "-f"])
            .arg(root.join("spin.toml")),
        "spin build",
    )?;
    Ok(start.elapsed().as_secs_f64())
}

/// Each component's wasm (`release-spin`): name, raw and gzipped bytes.
pub fn component_sizes(root: &Path) -> Result<Vec<(&'static str, u64, u64)>> {
    crate::pipeline::WORKERS
        .iter()
        .map(|name| {
            let file = match *name {
                "gateway" => "bff_gateway.wasm".to_string(),
                other => format!("bff_fn_{other}.wasm"),
            };
            let path = root.join("target/wasm32-wasip2/release-spin").join(file);
            let bytes = std::fs::read(&path)
                .with_context(|| format!("no component at {}", path.display()))?;
            Ok((*name, bytes.len() as u64, crate::workers::gzip_len(&bytes)?))
        })
        .collect()
}

/// A running `spin up`, stopped (SIGTERM, then SIGKILL) when dropped.
pub struct SpinUp {
    child: Child,
    base_url: String,
    log: PathBuf,
}

impl SpinUp {
    /// Starts `spin up` for the top-level `spin.toml` with its state in `state_dir` (which must
    /// hold `runtime-config.toml`), the application variables `variables`, listening on a free
    /// loopback port; returns once `GET /` answers.
    pub fn start(
        root: &Path,
        spin: &Path,
        state_dir: &Path,
        variables: &[(&str, String)],
    ) -> Result<SpinUp> {
        let port = free_port()?;
        let log = state_dir.join("spin-up.log");
        let log_file = std::fs::File::create(&log)
            .with_context(|| format!("cannot create {}", log.display()))?;
        let mut command = Command::new(spin);
        command
            .current_dir(root)
            .args(["up", "-f"])
            .arg(root.join("spin.toml"))
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .arg("--state-dir")
            .arg(state_dir.join(".spin"))
            .arg("--runtime-config-file")
            .arg(state_dir.join("runtime-config.toml"));
        for (name, value) in variables {
            command.args(["--variable", &format!("{name}={value}")]);
        }
        command
            .stdin(Stdio::null())
            .stdout(log_file.try_clone()?)
            .stderr(log_file);
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let child = command.spawn().context("cannot start spin up")?;
        let mut up = SpinUp {
            child,
            base_url: format!("http://127.0.0.1:{port}"),
            log,
        };
        up.wait_ready()?;
        Ok(up)
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn log_path(&self) -> &Path {
        &self.log
    }

    fn wait_ready(&mut self) -> Result<()> {
        let (base, log) = (self.base_url.clone(), self.log.clone());
        crate::process::wait_until_answers(&mut self.child, "spin up", &log, READY_TIMEOUT, || {
            http_request(&base, "GET", "/", None).is_ok()
        })
    }
}

impl Drop for SpinUp {
    fn drop(&mut self) {
        crate::process::stop_group(&mut self.child);
    }
}
