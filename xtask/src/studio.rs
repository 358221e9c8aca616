//! The studio: its build (`node studio/build.mjs`: TypeScript bundled by esbuild into
//! `target/studio/`, which the gateway serves on both platforms) and its browser test
//! (`studio/test/run.mjs`: Debian's Chromium driven by playwright-core against a running
//! deployment).

use std::path::Path;
use std::process::Command;

use anyhow::Result;

use crate::shell;

/// Builds the studio into `target/studio/`; prints the bundle sizes.
pub fn build(root: &Path) -> Result<()> {
    shell::run(
        Command::new("node")
            .current_dir(root)
            .arg(root.join("studio/build.mjs")),
        "node studio/build.mjs",
    )
}
