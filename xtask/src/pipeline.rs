//! The edge pipeline under `wrangler dev`: `cargo xtask run` (the main job) and `cargo xtask e2e`
//! (the end-to-end test) share this: build every function, start them all in one `wrangler dev`
//! on a fresh local state; then, against any [`Deployment`], create development users, submit
//! briefs and follow the jobs.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

use crate::deployment::Deployment;
use crate::workers::{self, Built, Dev, HttpResponse};

/// Every function under `functions/`, the gateway first (its config is the served one).
pub const WORKERS: [&str; 10] = [
    "gateway",
    "prompt",
    "generate",
    "embed",
    "cluster",
    "select",
    "coverage",
    "feedback",
    "learn",
    "analytics",
];
/// How long a job may take before it counts as stuck.
pub const JOB_TIMEOUT: Duration = Duration::from_secs(240);

/// The wrangler configs, the gateway's first.
pub fn configs(root: &Path) -> Vec<PathBuf> {
    let mut configs = vec![root.join("wrangler.toml")];
    configs.extend(
        WORKERS[1..]
            .iter()
            .map(|s| root.join("functions").join(s).join("wrangler.toml")),
    );
    configs
}

/// Every Worker built and running.
pub struct Started {
    pub dev: Dev,
    /// Module sizes of each Worker.
    pub built: Vec<Built>,
    pub build_seconds: f64,
    /// From starting `wrangler dev` to its first answer.
    pub dev_seconds: f64,
}

/// Builds every Worker and starts them in one `wrangler dev` on a fresh `state` folder, with
/// `vars` (`NAME=value` lines, may be empty) for every Worker.
pub fn start(root: &Path, state: &Path, port: Option<u16>, vars: &str) -> Result<Started> {
    let build = Instant::now();
    let built = workers::build_all(root, &WORKERS)?;
    let build_seconds = build.elapsed().as_secs_f64();
    if state.exists() {
        std::fs::remove_dir_all(state)
            .with_context(|| format!("cannot clear {}", state.display()))?;
    }
    let dev_start = Instant::now();
    let dev = Dev::start(root, &configs(root), port, state, vars)?;
    Ok(Started {
        dev,
        built,
        build_seconds,
        dev_seconds: dev_start.elapsed().as_secs_f64(),
    })
}

/// A user of the API.
#[derive(Debug, Clone)]
pub struct User {
    pub user_id: String,
    pub token: String,
}

/// HTTP against the public API of a running deployment.
pub struct Api<'a> {
    pub deployment: &'a dyn Deployment,
}

impl Api<'_> {
    pub fn call(
        &self,
        method: &str,
        path: &str,
        user: Option<&User>,
        body: Option<&str>,
    ) -> Result<HttpResponse> {
        let auth = user.map(|u| format!("Bearer {}", u.token));
        let headers: Vec<(&str, &str)> = auth
            .as_deref()
            .map(|a| vec![("Authorization", a)])
            .unwrap_or_default();
        workers::http_request_with(self.deployment.base_url(), method, path, &headers, body)
    }

    /// `call` that expects `status` and a JSON body.
    pub fn json(
        &self,
        method: &str,
        path: &str,
        user: Option<&User>,
        body: Option<&str>,
        status: u16,
    ) -> Result<Value> {
        let response = self.call(method, path, user, body)?;
        if response.status != status {
            bail!(
                "{method} {path}: expected {status}, got {}: {}",
                response.status,
                response.body
            );
        }
        response.json()
    }

    /// A new development user and their token (`POST /api/dev/users`).
    pub fn create_user(&self, name: &str) -> Result<User> {
        let body = json!({ "name": name }).to_string();
        let created = self.json("POST", "/api/dev/users", None, Some(&body), 201)?;
        Ok(User {
            user_id: text(&created, "user_id")?,
            token: text(&created, "token")?,
        })
    }

    /// Submits a brief; returns the job id.
    pub fn submit(&self, user: &User, brief: &str, designs: u32) -> Result<Value> {
        let body = json!({ "brief": brief, "designs": designs }).to_string();
        self.json("POST", "/api/generation", Some(user), Some(&body), 202)
    }

    pub fn job(&self, user: &User, job_id: &str) -> Result<Value> {
        self.json(
            "GET",
            &format!("/api/generation/{job_id}"),
            Some(user),
            None,
            200,
        )
    }
}

pub fn text(value: &Value, field: &str) -> Result<String> {
    value[field]
        .as_str()
        .map(String::from)
        .with_context(|| format!("no {field} in {value}"))
}

/// When each stage of a job finished, in milliseconds since submission.
#[derive(Debug, Clone, Default)]
pub struct StageTimes {
    pub finished_ms: Vec<(String, f64)>,
    pub total_ms: f64,
}

/// Polls the job until it is finished, printing each stage's progress as it changes (when
/// `verbose`); returns the final status body and when each stage finished.
pub fn follow(api: &Api, user: &User, job_id: &str, verbose: bool) -> Result<(Value, StageTimes)> {
    let start = Instant::now();
    let mut last = String::new();
    let mut times = StageTimes::default();
    loop {
        let job = api.job(user, job_id)?;
        let status = text(&job, "status")?;
        let empty = Vec::new();
        let progress = job["progress"].as_array().unwrap_or(&empty);
        let line = progress
            .iter()
            .map(|p| {
                let failed = p["failed"].as_u64().unwrap_or(0);
                format!(
                    "{} {}/{}{}",
                    p["stage"].as_str().unwrap_or("?"),
                    p["done"],
                    p["total"],
                    if failed > 0 {
                        format!(" ({failed} failed)")
                    } else {
                        String::new()
                    }
                )
            })
            .collect::<Vec<_>>()
            .join(" | ");
        let elapsed = start.elapsed().as_secs_f64() * 1000.0;
        for p in progress {
            let stage = p["stage"].as_str().unwrap_or("?").to_string();
            let complete = p["done"].as_u64().unwrap_or(0) + p["failed"].as_u64().unwrap_or(0)
                >= p["total"].as_u64().unwrap_or(u64::MAX)
                && p["total"].as_u64().unwrap_or(0) > 0;
            if complete && !times.finished_ms.iter().any(|(s, _)| *s == stage) {
                times.finished_ms.push((stage, elapsed));
            }
        }
        if verbose && line != last {
            println!("  {:>7.0} ms  {status:<10} {line}", elapsed);
            last = line;
        }
        if matches!(status.as_str(), "complete" | "partial" | "failed") {
            times.total_ms = elapsed;
            return Ok((job, times));
        }
        if start.elapsed() > JOB_TIMEOUT {
            bail!(
                "job {job_id} still {status} after {} s",
                JOB_TIMEOUT.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// When each stage finished (since submission) and how long after the previous one, as one line.
pub fn timing_line(times: &StageTimes) -> String {
    let mut previous = 0.0;
    let mut parts = Vec::new();
    for (stage, at) in &times.finished_ms {
        parts.push(format!("{stage} at {at:.0} ms (+{:.0})", at - previous));
        previous = *at;
    }
    format!("{}; total {:.0} ms", parts.join(", "), times.total_ms)
}
