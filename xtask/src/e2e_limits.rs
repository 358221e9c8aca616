//! Per-user rate limits and quotas on a running deployment: each limit refuses the request past
//! it with 429, `Retry-After` and the limit's name, and a refused request writes nothing.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{ensure, Result};
use serde_json::json;

use crate::deployment::{literal, Deployment};
use crate::e2e_tokens::admin_user;
use crate::pipeline::{self, text, Api, User};

/// The limits the checks run under (setting `rate_limits`).
pub const RATE_LIMITS: &str =
    "jobs_per_minute=4,feedback_per_minute=4,images_per_day=60,active_jobs=2";

fn ok(name: &str) {
    println!("  ok  {name}");
}

fn rows(deployment: &dyn Deployment, table: &str, user: &User) -> Result<usize> {
    Ok(deployment
        .query(&format!(
            "SELECT * FROM {table} WHERE user_id = {}",
            literal(&user.user_id)
        ))?
        .len())
}

/// Waits for a fresh minute when less than 40 s of this one are left, so that the per-minute
/// checks run inside one window.
fn at_a_minutes_start() {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let into = ms % 60_000;
    if into > 20_000 {
        std::thread::sleep(Duration::from_millis(60_000 - into + 200));
    }
}

/// The 429 of `limit`: its header, its body, and how long it asks to wait.
fn refused(
    api: &Api<'_>,
    user: &User,
    method: &str,
    path: &str,
    body: &str,
    limit: &str,
) -> Result<()> {
    let r = api.call(method, path, Some(user), Some(body))?;
    let error = r.json()?;
    let retry_after: u64 = r
        .header("retry-after")
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    ensure!(
        r.status == 429
            && error["code"] == "rate_limited"
            && error["details"]["limit"] == limit
            && retry_after >= 1
            && error["details"]["retry_after_seconds"] == retry_after,
        "past {limit}: {} {:?} {}",
        r.status,
        r.header("retry-after"),
        r.body
    );
    Ok(())
}

pub fn checks(deployment: &dyn Deployment) -> Result<()> {
    let api = &Api { deployment };
    let erin = admin_user(api, "Erin")?;
    let frank = admin_user(api, "Frank")?;
    at_a_minutes_start();

    // Feedback: 4 a minute, whatever they answer.
    let feedback = json!({ "image_id": "no-such-image", "rating": 5 }).to_string();
    for _ in 0..4 {
        let r = api.call("POST", "/api/feedback", Some(&erin), Some(&feedback))?;
        ensure!(
            r.status == 404,
            "feedback on no image: {} {}",
            r.status,
            r.body
        );
    }
    refused(
        api,
        &erin,
        "POST",
        "/api/feedback",
        &feedback,
        "feedback_per_minute",
    )?;
    ensure!(
        rows(deployment, "user_feedback", &erin)? == 0,
        "feedback written"
    );

    // Jobs: 2 at once, 4 a minute, 60 images a day.
    let job = |designs: u32| {
        json!({ "brief": "a black linen shift dress", "designs": designs, "over_generation": 3 })
            .to_string()
    };
    let submit = |designs: u32| -> Result<String> {
        let answer = api.json(
            "POST",
            "/api/generation",
            Some(&frank),
            Some(&job(designs)),
            202,
        )?;
        text(&answer, "job_id")
    };
    let first = submit(6)?;
    let second = submit(6)?;
    refused(
        api,
        &frank,
        "POST",
        "/api/generation",
        &job(1),
        "active_jobs",
    )?;
    ensure!(
        rows(deployment, "generation_jobs", &frank)? == 2,
        "a refused job was written"
    );
    for id in [&first, &second] {
        pipeline::follow(api, &frank, id, false)?;
    }
    let third = submit(6)?;
    pipeline::follow(api, &frank, &third, false)?;
    // 54 images so far today: 18 more would make 72.
    refused(
        api,
        &frank,
        "POST",
        "/api/generation",
        &job(6),
        "images_per_day",
    )?;
    let fourth = submit(1)?;
    pipeline::follow(api, &frank, &fourth, false)?;
    refused(
        api,
        &frank,
        "POST",
        "/api/generation",
        &job(1),
        "jobs_per_minute",
    )?;
    ensure!(
        rows(deployment, "generation_jobs", &frank)? == 4,
        "a refused job was written"
    );
    let counters = deployment.query(&format!(
        "SELECT name, count FROM rate_counters WHERE user_id = {} ORDER BY name",
        literal(&frank.user_id)
    ))?;
    let counted: Vec<(String, u64)> = counters
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap_or_default().to_string(),
                crate::deployment::integer(&c["count"]).unwrap_or(0),
            )
        })
        .collect();
    ensure!(
        counted
            == [
                ("images_per_day".to_string(), 57),
                ("jobs_per_minute".to_string(), 4)
            ],
        "the counters hold only what was accepted: {counted:?}"
    );
    ok("rate limits: the 5th feedback in a minute, a 3rd job at once, a job past 60 images a day and the 5th job in a minute → 429 with Retry-After and the limit named, nothing written; the counters hold what was accepted");
    Ok(())
}
