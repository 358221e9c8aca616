//! Schema-driven fuzzing of a running deployment with Schemathesis, from the OpenAPI document:
//! a user made through the admin API, a bounded number of generated requests per operation
//! (valid and invalid bodies, parameters and methods), and the checks that no answer is a 5xx,
//! every answer conforms to the document (status, content type, headers, body), invalid input is
//! refused with a 4xx and a missing token with a 401, while every other user's rows stay as they
//! were, counted table by table.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Result};

use crate::deployment::{integer, literal, Deployment};
use crate::e2e_deletion::{all_tables, counts};
use crate::e2e_tokens::admin_user;
use crate::pipeline::Api;
use crate::setup;

/// Generated cases per operation and phase: enough to reach every field and every error of an
/// operation, few enough for the whole run to take a minute or two on two cores.
const MAX_EXAMPLES: &str = "25";
/// The same cases on every run, so that a failure can be reproduced.
const SEED: &str = "20261205";
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
response_headers_conformance,response_schema_conformance,negative_data_rejection,\
ignored_auth,unsupported_method";

/// Every other user's rows, table by table.
fn others_rows(deployment: &dyn Deployment, user_id: &str) -> Result<Vec<(String, u64)>> {
    counts(
        deployment,
        &all_tables(),
        &format!("user_id <> {}", literal(user_id)),
    )
}

/// Waits until no job is in flight and the rows stand still, so that what the fuzzing is compared
/// with is not the tail of an earlier check's pipeline.
fn settled(deployment: &dyn Deployment, user_id: &str) -> Result<Vec<(String, u64)>> {
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut last = others_rows(deployment, user_id)?;
    loop {
        std::thread::sleep(Duration::from_secs(2));
        let in_flight = deployment.query(
            "SELECT COUNT(*) AS n FROM generation_jobs \
             WHERE status NOT IN ('complete', 'partial', 'failed')",
        )?;
        let in_flight = in_flight
            .first()
            .and_then(|r| integer(&r["n"]))
            .unwrap_or(1);
        let now = others_rows(deployment, user_id)?;
        if in_flight == 0 && now == last {
            return Ok(now);
        }
        ensure!(
            Instant::now() < deadline,
            "the deployment did not settle before fuzzing: {in_flight} jobs in flight"
        );
        last = now;
    }
}

/// Fuzzes the deployment's API; prints Schemathesis's summary.
pub fn schemathesis(root: &Path, deployment: &dyn Deployment) -> Result<()> {
    let fuzzer = setup::schemathesis(root)?;
    let api = &Api { deployment };
    let user = admin_user(api, "Fuzz")?;
    let before = settled(deployment, &user.user_id)?;
    let report = root
        .join("target/schemathesis")
        .join(deployment.name().replace(' ', "-"));
    std::fs::create_dir_all(&report)?;
    let start = Instant::now();
    let output = std::process::Command::new(&fuzzer)
        .current_dir(root)
        .args(["run", "api/openapi.json", "--url", deployment.base_url()])
        .args(["--header", &format!("Authorization: Bearer {}", user.token)])
        .args(["--checks", CHECKS])
        .args(["--phases", "examples,coverage,fuzzing"])
        .args(["--max-examples", MAX_EXAMPLES, "--seed", SEED])
        .args(["--workers", "2", "--request-timeout", "30"])
        // Deleting the fuzzing user would leave every later case a 401; the deletion has its
        // own checks.
        .args(["--exclude-operation-id", "deleteMe"])
        .args(["--report", "junit", "--report-dir"])
        .arg(&report)
        .env("NO_COLOR", "1")
        .env("SCHEMATHESIS_TELEMETRY", "false")
        .output()
        .map_err(|e| anyhow::anyhow!("cannot run {}: {e}", fuzzer.display()))?;
    let seconds = start.elapsed().as_secs_f64();
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    // The summary: from Schemathesis's own summary heading to the end.
    let summary_from = text
        .rfind("SUMMARY")
        .and_then(|at| text[..at].rfind('\n'))
        .unwrap_or(0);
    println!(
        "  schemathesis ({:.0} s, report {}):\n{}",
        seconds,
        report.display(),
        text[summary_from..].trim_end()
    );
    if !output.status.success() {
        println!("{text}\n{}", String::from_utf8_lossy(&output.stderr));
        bail!(
            "schemathesis found failures on {} (exit {:?})",
            deployment.name(),
            output.status.code()
        );
    }
    let after = settled(deployment, &user.user_id)?;
    let changed: Vec<String> = before
        .iter()
        .zip(&after)
        .filter(|(b, a)| b != a)
        .map(|((table, b), (_, a))| format!("{table}: {b} → {a}"))
        .collect();
    ensure!(
        changed.is_empty(),
        "fuzzing one user changed other users' rows: {}",
        changed.join(", ")
    );
    println!("  ok  fuzzed from the OpenAPI document: no 5xx, every answer as documented, invalid input refused, other users' rows unchanged");
    Ok(())
}
