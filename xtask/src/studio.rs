//! The studio: its build (`node studio/build.mjs`: TypeScript bundled by esbuild into
//! `target/studio/`, which the gateway serves on both platforms) and its browser test
//! (`studio/test/run.mjs`: Debian's Chromium driven by playwright-core against a running
//! deployment).

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Result};

use crate::deployment::Deployment;
use crate::pipeline::Api;
use crate::shell;

/// Builds the studio into `target/studio/` (its API types regenerated from the OpenAPI document
/// and type-checked first); prints the bundle sizes.
pub fn build(root: &Path) -> Result<()> {
    shell::run(
        Command::new("node")
            .current_dir(root)
            .arg(root.join("studio/build.mjs"))
            .arg("--check"),
        "node studio/build.mjs --check",
    )
}

/// The browser test against a running deployment with development routes (two users of its
/// own): prints each step, the accessibility scans and where the screenshots are.
pub fn browser_test(root: &Path, deployment: &dyn Deployment) -> Result<()> {
    let api = &Api { deployment };
    let ada = api.create_user("Ada")?;
    let ben = api.create_user("Ben")?;
    let screenshots = root.join("target/studio-screenshots");
    std::fs::create_dir_all(&screenshots)?;
    let status = Command::new("node")
        .current_dir(root)
        .arg(root.join("studio/test/run.mjs"))
        .args(["--base", deployment.base_url()])
        .args(["--token", &ada.token, "--other-token", &ben.token])
        .arg("--screenshots")
        .arg(&screenshots)
        .env("CHROMIUM", crate::setup::CHROMIUM)
        .status()?;
    if !status.success() {
        bail!("the studio's browser test failed ({status})");
    }
    Ok(())
}
