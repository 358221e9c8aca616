//! `bff-clip` (the native CLIP embedding server of `tools/bff-clip`) on a tiny checkpoint of the
//! real layout with random weights, written for the run: the image embedder of the end-to-end
//! checks' provider deployment. Its vectors mean nothing about fashion, but they are CLIP's
//! computation, in one space for images and texts, which is what the pipeline relies on.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use anyhow::{bail, Context, Result};
use serde_json::Value;

use crate::shell;

/// The name the server gives its model, and the dimension of the tiny checkpoint.
pub const MODEL: &str = "bff-clip-tiny";
pub const DIMENSION: u32 = 32;

/// A running `bff-clip`; stopped when dropped.
pub struct ClipServer {
    child: Child,
    pub url: String,
}

impl ClipServer {
    /// Builds `bff-clip` (debug, as the tests build it), writes the tiny checkpoint under
    /// `state` and serves it on a free loopback port.
    pub fn start(root: &Path, state: &Path) -> Result<ClipServer> {
        shell::run(
            shell::cmd("cargo", root).args(["build", "--quiet", "-p", "bff-clip"]),
            "cargo build -p bff-clip",
        )?;
        let binary = root.join("target/debug/bff-clip");
        let model_dir = state.join("clip-model");
        std::fs::create_dir_all(state)?;
        shell::output(
            shell::cmd(&binary, root)
                .arg("--write-tiny-model")
                .arg(&model_dir)
                .args(["--dimension", &DIMENSION.to_string()]),
            "bff-clip --write-tiny-model",
        )?;
        let log = std::fs::File::create(state.join("bff-clip.log"))?;
        let mut command = Command::new(&binary);
        command
            .arg("--model-dir")
            .arg(&model_dir)
            .args(["--name", MODEL, "--listen", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log);
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut child = command.spawn().context("cannot start bff-clip")?;
        let stdout = child.stdout.take().context("no stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let ready: Value = match serde_json::from_str(&line) {
            Ok(v) => v,
            Err(_) => {
                crate::process::stop_group(&mut child);
                bail!("bff-clip did not start: {line:?}");
            }
        };
        let url = ready["url"].as_str().context("no url")?.to_string();
        Ok(ClipServer { child, url })
    }
}

impl Drop for ClipServer {
    fn drop(&mut self) {
        crate::process::stop_group(&mut self.child);
    }
}
