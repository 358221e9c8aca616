//! `cargo xtask e2e-spin`: the same end-to-end checks as the Workers' (`e2e::checks`), against
//! the pipeline on a real Spin host: every component built once for `wasm32-wasip2`
//! (`spin build`), then run on PostgreSQL and on Spin's SQLite, each with its own Redis, on free
//! loopback ports. Part of `cargo xtask test`.

use std::path::Path;
use std::time::Instant;

use anyhow::Result;

use crate::deployment::Deployment;
use crate::e2e_providers::{self, ProviderRig};
use crate::spin_deployment::{Backend, SpinDeployment};
use crate::{e2e, pipeline, setup, spin};

/// Every check; with `providers_only`, only the image providers' and CLIP's (while working on
/// them).
pub fn run(root: &Path, providers_only: bool) -> Result<()> {
    setup::all(root)?;
    let total = Instant::now();
    let spin = spin::binary(root)?;
    let build_s = spin::build(root, &spin)?;
    println!(
        "e2e-spin: components built in {build_s:.1} s with {}",
        spin.display()
    );
    let mut lines = Vec::new();
    let backends: &[Backend] = if providers_only {
        &[]
    } else {
        &[Backend::Postgres, Backend::Sqlite]
    };
    for &backend in backends {
        let state = root.join("target/e2e-spin").join(backend.name());
        let start = Instant::now();
        let deployment = SpinDeployment::start(root, &spin, backend, &state, true, &[])?;
        println!(
            "e2e-spin ({}): spin up at {} after {:.1} s (log: {})",
            backend.name(),
            deployment.base_url(),
            start.elapsed().as_secs_f64(),
            deployment.log_path().display()
        );
        let result = e2e::checks(&deployment);
        if let Err(error) = &result {
            println!(
                "e2e-spin ({}): FAILED: {error:#}\nlast lines of {}:\n{}",
                backend.name(),
                deployment.log_path().display(),
                deployment.log_tail(60)
            );
        }
        let times = result?;
        lines.push(format!(
            "  {}: 12 designs at 3x (36 images), stages done: {}",
            backend.name(),
            pipeline::timing_line(&times)
        ));
    }
    // The image providers' and CLIP's checks, on a deployment of their own (PostgreSQL; the
    // provider code is the same on either database).
    let state = root.join("target/e2e-spin/providers");
    if state.exists() {
        std::fs::remove_dir_all(&state)?;
    }
    let rig = ProviderRig::start(root, &state.join("servers"))?;
    let deployment = SpinDeployment::start(
        root,
        &spin,
        Backend::Postgres,
        &state.join("spin"),
        false,
        &rig.settings(),
    )?;
    println!(
        "\ne2e-spin: providers and CLIP at {} (log: {})",
        deployment.base_url(),
        deployment.log_path().display()
    );
    let result = e2e_providers::checks(&deployment, &rig)
        .and_then(|()| crate::e2e_fuzz::schemathesis(root, &deployment));
    if let Err(error) = result {
        println!(
            "e2e-spin (providers): FAILED: {error:#}\nlast lines of {}:\n{}",
            deployment.log_path().display(),
            deployment.log_tail(60)
        );
        return Err(error);
    }
    drop(deployment);
    if providers_only {
        println!("\ne2e-spin: the providers' and CLIP's checks passed");
    } else {
        println!(
            "\ne2e-spin: all checks passed on PostgreSQL and SQLite, and the providers' and CLIP's"
        );
    }
    for line in lines {
        println!("{line}");
    }
    println!(
        "  build {build_s:.1} s, whole e2e-spin {:.1} s",
        total.elapsed().as_secs_f64()
    );
    Ok(())
}
