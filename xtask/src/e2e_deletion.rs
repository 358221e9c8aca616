//! Deleting a job and deleting a user on a running deployment: nothing of the job (or the user)
//! is left in the database, counted table by table, its images are deleted from the blob store,
//! deleting again deletes nothing, and every other user's rows are as they were.

use anyhow::{ensure, Result};
use bff_store::sql::{JOB_TABLES, USER_TABLES};
use serde_json::{json, Value};

use crate::deployment::{integer, literal, Deployment};
use crate::pipeline::{self, text, Api};

fn ok(name: &str) {
    println!("  ok  {name}");
}

/// Rows per table matching `filter` (an SQL condition on the table's columns), in one query.
pub fn counts(
    deployment: &dyn Deployment,
    tables: &[&str],
    filter: &str,
) -> Result<Vec<(String, u64)>> {
    let columns: Vec<String> = tables
        .iter()
        .map(|t| format!("(SELECT COUNT(*) FROM {t} WHERE {filter}) AS {t}"))
        .collect();
    let rows = deployment.query(&format!("SELECT {}", columns.join(", ")))?;
    let row = rows.first().cloned().unwrap_or(Value::Null);
    Ok(tables
        .iter()
        .map(|t| (t.to_string(), integer(&row[*t]).unwrap_or(u64::MAX)))
        .collect())
}

pub fn all_tables() -> Vec<&'static str> {
    JOB_TABLES
        .iter()
        .chain(USER_TABLES.iter())
        .copied()
        .collect()
}

fn deleted(answer: &Value, table: &str) -> u64 {
    answer["rows"][table].as_u64().unwrap_or(u64::MAX)
}

pub fn checks(deployment: &dyn Deployment) -> Result<()> {
    let api = &Api { deployment };
    let dora = api.create_user("Dora")?;
    let mut jobs = Vec::new();
    for designs in [2, 1] {
        let submitted = api.submit(&dora, "a black linen shift dress", designs)?;
        let job_id = text(&submitted, "job_id")?;
        let (job, _) = pipeline::follow(api, &dora, &job_id, false)?;
        ensure!(
            job["status"] == "complete",
            "Dora's job ended {}",
            job["status"]
        );
        jobs.push((job_id, job));
    }
    let (first, first_job) = &jobs[0];
    let image = first_job["selected"][0]["image_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let rating = json!({ "image_id": image, "rating": 5 }).to_string();
    api.json("POST", "/api/feedback", Some(&dora), Some(&rating), 201)?;
    // Learning runs after the answer: wait for it, so that nothing of the feedback is still on
    // its way when the job is deleted.
    let started = std::time::Instant::now();
    loop {
        let mine = api.json(
            "GET",
            &format!("/api/feedback?job_id={first}"),
            Some(&dora),
            None,
            200,
        )?;
        if mine["feedback"][0]["learned"] == true {
            break;
        }
        ensure!(
            started.elapsed().as_secs() < 60,
            "the feedback was not learned within a minute: {mine}"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }

    let others = format!("user_id <> {}", literal(&dora.user_id));
    let others_before = counts(deployment, &all_tables(), &others)?;
    ensure!(
        others_before
            .iter()
            .any(|(t, n)| t == "generation_jobs" && *n > 0),
        "the other users have jobs: {others_before:?}"
    );

    // The job: every row of it, its images, its feedback.
    let path = format!("/api/generation/{first}");
    let answer = api.json("DELETE", &path, Some(&dora), None, 200)?;
    ensure!(
        deleted(&answer, "generation_jobs") == 1
            && deleted(&answer, "variants") == 6
            && deleted(&answer, "generated_images") == 6
            && deleted(&answer, "image_embeddings") == 6
            && deleted(&answer, "dpp_picks") == 2
            && deleted(&answer, "user_feedback") == 1
            && answer["blobs"] == 6,
        "deleting the job: {answer}"
    );
    let of_job = format!(
        "user_id = {} AND job_id = {}",
        literal(&dora.user_id),
        literal(first)
    );
    let left = counts(deployment, &JOB_TABLES, &of_job)?;
    ensure!(
        left.iter().all(|(_, n)| *n == 0),
        "left of the job: {left:?}"
    );
    for gone in [
        path.clone(),
        format!("/api/generation/{first}/images/{image}"),
    ] {
        let r = api.call("GET", &gone, Some(&dora), None)?;
        ensure!(r.status == 404, "{gone} after deletion: {}", r.status);
    }
    let again = api.json("DELETE", &path, Some(&dora), None, 200)?;
    let nothing = again["rows"]
        .as_object()
        .is_some_and(|rows| rows.values().all(|n| n == 0))
        && again["blobs"] == 0;
    ensure!(nothing, "deleting the job again: {again}");
    ensure!(
        counts(deployment, &all_tables(), &others)? == others_before,
        "another user's rows changed"
    );
    ok("DELETE /api/generation/:id: the job's rows in every table, its feedback and its 6 images gone (counted table by table), the job and its images 404, again deletes nothing, other users' rows unchanged");

    // The user: the other job, the learned preferences, the tokens, the user.
    let answer = api.json("DELETE", "/api/me", Some(&dora), None, 200)?;
    ensure!(
        deleted(&answer, "generation_jobs") == 1
            && deleted(&answer, "users") == 1
            && deleted(&answer, "api_tokens") == 1
            && answer["blobs"] == 3,
        "deleting the user: {answer}"
    );
    let mine = format!("user_id = {}", literal(&dora.user_id));
    let left = counts(deployment, &all_tables(), &mine)?;
    ensure!(
        left.iter().all(|(_, n)| *n == 0),
        "left of the user: {left:?}"
    );
    let r = api.call("DELETE", "/api/me", Some(&dora), None)?;
    ensure!(r.status == 401, "the deleted user's token: {}", r.status);
    ensure!(
        counts(deployment, &all_tables(), &others)? == others_before,
        "another user's rows changed"
    );
    ok("DELETE /api/me: every row of the user in every table and their 3 images gone, their token refused, other users' rows unchanged");
    Ok(())
}
