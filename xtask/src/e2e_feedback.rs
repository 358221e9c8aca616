//! The feedback, learning and analytics part of `cargo xtask e2e` (stages 10-11), run on a job
//! the generation part finished.
//!
//! Checks: the health checks; every bad feedback input gets its 4xx and writes nothing (another
//! user's image is a 404); ratings on the job's designs, standouts where a rating of 5 meets a
//! quality of 0.75; a re-rating replaces (one row, revision 2); learning applies every revision
//! (learning updates, preference weights that rise for values only seen in well-rated designs and
//! fall for values only seen in badly rated ones); the daily rollup, run twice with the same
//! rows; each analytics view's figures equal the ones computed here from the raw rows, read from
//! the deployment's database directly (`Deployment::query`, not through the pipeline); the
//! 5-minute analytics cache hits, and new feedback bypasses it; the next job of the same user is
//! planned with the learned weights and another user's is not; another user sees none of it.
//!
//! The SQL here reads the same on SQLite (D1, Spin's SQLite) and PostgreSQL: plain joins and
//! counts; JSON columns and averages are read and computed in Rust.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use serde_json::{json, Value};

use crate::deployment::{float, integer, json_column, literal};
use crate::pipeline::{self, text, Api, User};
use crate::run::SAMPLE_BRIEF;

fn ok(name: &str) {
    println!("  ok  {name}");
}

/// Floats from JSON (numbers, or their text from a database; null as NaN never equal).
fn f(v: &Value) -> f64 {
    float(v)
}

/// The values a JSON column lists (`generated_images.requested`: `[{category, value}, …]`) as
/// sorted, distinct `category/value` keys.
fn value_keys(column: &Value) -> Result<Vec<String>> {
    let values = json_column(column)?;
    let mut keys: Vec<String> = values.as_array().into_iter().flatten().map(key).collect();
    keys.sort();
    keys.dedup();
    Ok(keys)
}

/// Count, sum and mean of the non-null numbers of a column.
#[derive(Debug, Default, Clone, Copy)]
struct Mean {
    n: u64,
    sum: f64,
}

impl Mean {
    fn add(&mut self, value: &Value) {
        let x = f(value);
        if !x.is_nan() {
            self.n += 1;
            self.sum += x;
        }
    }

    fn mean(&self) -> Option<f64> {
        (self.n > 0).then(|| self.sum / self.n as f64)
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * (1.0 + a.abs().max(b.abs()))
}

/// A value as `category/value`.
fn key(v: &Value) -> String {
    format!(
        "{}/{}",
        v["category"].as_str().unwrap_or("?"),
        v["value"].as_str().unwrap_or("?")
    )
}

pub fn checks(api: &Api, alice: &User, bob: &User, job_id: &str) -> Result<()> {
    let db = api.deployment;
    let alice_id = literal(&alice.user_id);
    for path in ["/api/feedback/health-check", "/api/analytics/health-check"] {
        let health = api.json("GET", path, None, None, 200)?;
        ensure!(health["status"] == "ok", "{path}: {health}");
    }
    let job = api.job(alice, job_id)?;
    let designs = job["selected"]
        .as_array()
        .context("selected designs")?
        .clone();
    ensure!(
        designs.len() >= 8,
        "too few designs to rate: {}",
        designs.len()
    );
    let image = |i: usize| text(&designs[i], "image_id");

    // --- bad input writes nothing ---
    let first = image(0)?;
    let oversized = json!({ "image_id": first, "rating": 3, "comment": "x".repeat(20_000) });
    let bad: Vec<(&str, Option<&User>, String, u16)> = vec![
        (
            "no token",
            None,
            json!({ "image_id": first, "rating": 5 }).to_string(),
            401,
        ),
        ("malformed JSON", Some(alice), "{\"image_id\": ".into(), 400),
        (
            "unknown field",
            Some(alice),
            json!({ "image_id": first, "stars": 5 }).to_string(),
            400,
        ),
        (
            "rating out of range",
            Some(alice),
            json!({ "image_id": first, "rating": 6 }).to_string(),
            422,
        ),
        (
            "neither rating nor like",
            Some(alice),
            json!({ "image_id": first }).to_string(),
            422,
        ),
        (
            "bad tag",
            Some(alice),
            json!({ "image_id": first, "liked": true, "tags": ["a;b"] }).to_string(),
            422,
        ),
        (
            "unknown image",
            Some(alice),
            json!({ "image_id": "no-such-image", "rating": 4 }).to_string(),
            404,
        ),
        (
            "another user's image",
            Some(bob),
            json!({ "image_id": first, "rating": 4 }).to_string(),
            404,
        ),
        ("oversized body", Some(alice), oversized.to_string(), 413),
    ];
    for (name, user, body, status) in &bad {
        let r = api.call("POST", "/api/feedback", *user, Some(body))?;
        ensure!(
            r.status == *status,
            "{name}: expected {status}, got {} {}",
            r.status,
            r.body
        );
        let error = r
            .json()
            .with_context(|| format!("{name}: error body {}", r.body))?;
        ensure!(error["message"].is_string(), "{name}: {error}");
    }
    let rows = db.query("SELECT COUNT(*) AS n FROM user_feedback")?;
    ensure!(
        rows.first().and_then(|r| integer(&r["n"])) == Some(0),
        "bad input wrote feedback: {rows:?}"
    );
    ok("each bad feedback input → its 4xx (400 / 404 for another user's image / 413 / 422), nothing written");

    // --- feedback: the best designs rated 5, the worst 2, one liked only ---
    let mut by_quality: Vec<(f64, String)> = designs
        .iter()
        .map(|d| Ok((f(&d["quality"]), text(d, "image_id")?)))
        .collect::<Result<_>>()?;
    by_quality.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let n = by_quality.len();
    let mut plan: Vec<(String, Value)> = Vec::new();
    for (i, (_, id)) in by_quality.iter().enumerate() {
        let body = if i < 3 {
            json!({ "image_id": id, "rating": 5, "liked": true, "tags": ["resort"] })
        } else if i >= n - 3 {
            json!({ "image_id": id, "rating": 2, "liked": false, "comment": "too plain" })
        } else if i == 3 {
            json!({ "image_id": id, "liked": true })
        } else {
            json!({ "image_id": id, "rating": 3 + (i % 2) })
        };
        plan.push((id.clone(), body));
    }
    let mut standouts = 0;
    for (i, (id, body)) in plan.iter().enumerate() {
        let r = api.json(
            "POST",
            "/api/feedback",
            Some(alice),
            Some(&body.to_string()),
            201,
        )?;
        let fb = &r["feedback"];
        ensure!(
            fb["revision"] == 1 && fb["image_id"] == *id,
            "feedback {id}: {r}"
        );
        let quality = by_quality[i].0;
        let high = body["rating"].as_u64().unwrap_or(0) >= 4 && quality >= 0.75;
        if high {
            ensure!(
                fb["standout"]["rule"] == "high_rating_and_quality",
                "rating {} at quality {quality:.2} is a standout: {fb}",
                body["rating"]
            );
        }
        if body["rating"].as_u64().is_some_and(|r| r <= 3) || body["rating"].is_null() {
            ensure!(fb["standout"].is_null(), "not a standout: {fb}");
        }
        standouts += usize::from(!fb["standout"].is_null());
    }
    ensure!(
        standouts >= 1,
        "no standout among the 5-star designs: {by_quality:?}"
    );
    ok(&format!(
        "{n} pieces of feedback stored (201), {standouts} standouts (rating >= 4 and quality >= 0.75)"
    ));

    // A re-rating replaces: one row, revision 2.
    let (re_id, _) = &plan[4];
    let r = api.json(
        "POST",
        "/api/feedback",
        Some(alice),
        Some(&json!({ "image_id": re_id, "rating": 1, "liked": false }).to_string()),
        200,
    )?;
    ensure!(r["feedback"]["revision"] == 2, "re-rating: {r}");
    let rows = db.query(&format!(
        "SELECT COUNT(*) AS n FROM user_feedback WHERE user_id = {alice_id}"
    ))?;
    ensure!(
        rows.first().and_then(|r| integer(&r["n"])) == Some(n as u64),
        "re-rating duplicated feedback: {rows:?}"
    );
    ok("a re-rating replaces the feedback (200, revision 2, still one row per image)");

    // --- learning ---
    let start = Instant::now();
    loop {
        let list = api.json(
            "GET",
            &format!("/api/feedback?job_id={job_id}"),
            Some(alice),
            None,
            200,
        )?;
        let items = list["feedback"].as_array().context("feedback list")?;
        if items.len() == n && items.iter().all(|i| i["learned"] == true) {
            break;
        }
        if start.elapsed() > Duration::from_secs(60) {
            bail!("feedback not learned after 60 s: {list}");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    // Every current revision has its learning updates (an earlier revision may have been
    // overtaken by the re-rating before learning reached it).
    let missing = db.query(&format!(
        "SELECT f.feedback_id, f.revision FROM user_feedback f WHERE f.user_id = {alice_id} \
         AND NOT EXISTS (SELECT 1 FROM learning_updates u \
           WHERE u.feedback_id = f.feedback_id AND u.revision = f.revision)"
    ))?;
    ensure!(
        missing.is_empty(),
        "revisions without learning updates: {missing:?}"
    );
    // Independent sign check: values shown only in designs rated >= 4 must weigh more than 1,
    // values shown only in designs rated <= 2 less than 1.
    let rated = db.query(&format!(
        "SELECT f.rating, f.liked, i.requested AS drawn FROM user_feedback f JOIN generated_images i \
         ON i.image_id = f.image_id WHERE f.user_id = {alice_id}"
    ))?;
    let mut seen: BTreeMap<String, (u32, u32, u32)> = BTreeMap::new(); // (good, bad, other)
    for row in &rated {
        let drawn = json_column(&row["drawn"])?;
        let drawn = drawn.as_array().cloned().unwrap_or_default();
        let rating = integer(&row["rating"]);
        let liked = integer(&row["liked"]);
        let class = match (rating, liked) {
            (Some(r), l) if r >= 4 && l != Some(0) => 0,
            (Some(r), l) if r <= 2 && l != Some(1) => 1,
            _ => 2,
        };
        for v in &drawn {
            let e = seen.entry(key(v)).or_default();
            match class {
                0 => e.0 += 1,
                1 => e.1 += 1,
                _ => e.2 += 1,
            }
        }
    }
    let prefs = db.query(&format!(
        "SELECT category, value, weight FROM user_preferences WHERE user_id = {alice_id}"
    ))?;
    let weights: BTreeMap<String, f64> = prefs.iter().map(|p| (key(p), f(&p["weight"]))).collect();
    let (mut up, mut down) = (0, 0);
    for (value, (good, bad, other)) in &seen {
        let w = *weights
            .get(value)
            .with_context(|| format!("no preference for {value}"))?;
        if *good > 0 && *bad == 0 && *other == 0 {
            ensure!(w > 1.0, "{value} only in well-rated designs, weight {w}");
            up += 1;
        }
        if *bad > 0 && *good == 0 && *other == 0 {
            ensure!(w < 1.0, "{value} only in badly rated designs, weight {w}");
            down += 1;
        }
    }
    ok(&format!(
        "learning applied every revision: {} preference weights ({up} values only in well-rated designs above 1, {down} only in badly rated ones below 1)",
        weights.len()
    ));

    // --- the daily rollup, twice ---
    let dump = |user: &User| -> Result<Vec<Value>> {
        let user = literal(&user.user_id);
        let mut all = db.query(&format!(
            "SELECT day, jobs, images, picks, feedback, ratings, rating_sum, likes, dislikes, \
             standouts, coverage_reports, coverage_sum FROM analytics_daily_totals \
             WHERE user_id = {user} ORDER BY day"
        ))?;
        all.extend(db.query(&format!(
            "SELECT * FROM analytics_daily_attributes WHERE user_id = {user} \
             ORDER BY day, category, value"
        ))?);
        all.extend(db.query(&format!(
            "SELECT * FROM analytics_daily_categories WHERE user_id = {user} \
             ORDER BY day, category"
        ))?);
        Ok(all)
    };
    db.rollup()
        .with_context(|| format!("the daily rollup ({})", db.name()))?;
    let first_run = wait_for_rows(|| dump(alice))?;
    db.rollup()
        .with_context(|| format!("the daily rollup again ({})", db.name()))?;
    std::thread::sleep(Duration::from_millis(500));
    let second_run = dump(alice)?;
    ensure!(
        first_run == second_run,
        "the second rollup changed the rows"
    );
    ok(&format!(
        "daily rollup: {} rows, the same after a second run",
        first_run.len()
    ));

    // --- analytics against the raw rows ---
    analytics_match_raw_rows(api, alice, job_id)?;

    // --- the edge cache ---
    let get = |user: &User| api.call("GET", "/api/analytics/standouts", Some(user), None);
    let a = get(alice)?;
    let b = get(alice)?;
    ensure!(
        a.status == 200 && b.header("x-bff-cache") == Some("hit") && a.body == b.body,
        "second read not from the cache: {:?} {:?}",
        a.header("x-bff-cache"),
        b.header("x-bff-cache")
    );
    let ratings_before = f(&a.json()?["data"]["ratings"]);
    let (extra, _) = &plan[3]; // liked only so far: now rated too
    api.json(
        "POST",
        "/api/feedback",
        Some(alice),
        Some(&json!({ "image_id": extra, "rating": 4, "liked": true }).to_string()),
        200,
    )?;
    let c = get(alice)?;
    let ratings_after = f(&c.json()?["data"]["ratings"]);
    ensure!(
        c.header("x-bff-cache") == Some("miss") && ratings_after == ratings_before + 1.0,
        "after new feedback: cache {:?}, ratings {ratings_before} → {ratings_after}",
        c.header("x-bff-cache")
    );
    ok("analytics served from the 5-minute cache; new feedback bypasses it");

    // --- the next job uses the learned weights, for this user only ---
    let a2 = api.submit(alice, SAMPLE_BRIEF, 6)?;
    let b2 = api.submit(bob, SAMPLE_BRIEF, 6)?;
    let personal = |job: &Value| -> Result<usize> {
        let job_id = text(job, "job_id")?;
        let rows = db.query(&format!(
            "SELECT personalisation FROM generation_jobs WHERE job_id = {}",
            literal(&job_id)
        ))?;
        let row = rows.first().with_context(|| format!("no job {job_id}"))?;
        let personalisation = json_column(&row["personalisation"])?;
        Ok(personalisation["preferences"]
            .as_array()
            .map_or(0, Vec::len))
    };
    let (pa, pb) = (personal(&a2)?, personal(&b2)?);
    ensure!(
        pa > 0 && pb == 0,
        "learned weights in the next plans: Alice {pa}, Bob {pb}"
    );
    pipeline::follow(api, alice, &text(&a2, "job_id")?, false)?;
    pipeline::follow(api, bob, &text(&b2, "job_id")?, false)?;
    ok(&format!(
        "Alice's next job is planned with {pa} learned weights, Bob's with none"
    ));

    // --- another user sees none of it ---
    let list = api.json("GET", "/api/feedback", Some(bob), None, 200)?;
    ensure!(
        list["feedback"].as_array().is_some_and(Vec::is_empty),
        "Bob's feedback: {list}"
    );
    let r = api.call("GET", &format!("/api/feedback/{first}"), Some(bob), None)?;
    ensure!(r.status == 404, "Alice's feedback as Bob: {}", r.status);
    let s = api.json("GET", "/api/analytics/standouts", Some(bob), None, 200)?;
    ensure!(s["data"]["ratings"] == 0, "Bob's standouts: {s}");
    let r = api.call("GET", "/api/analytics/nonsense", Some(alice), None)?;
    ensure!(
        r.status == 404 && r.json()?["message"].is_string(),
        "unknown view: {}",
        r.status
    );
    ok("another user sees no feedback, standouts or analytics of the first; an unknown view is a 404");
    Ok(())
}

fn wait_for_rows(mut read: impl FnMut() -> Result<Vec<Value>>) -> Result<Vec<Value>> {
    let start = Instant::now();
    loop {
        let rows = read()?;
        if !rows.is_empty() {
            // The rollup writes in one transaction: rows present means all of them.
            return Ok(rows);
        }
        if start.elapsed() > Duration::from_secs(30) {
            bail!("no rollup rows after 30 s");
        }
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// Every analytics view's figures, recomputed here from the raw rows.
fn analytics_match_raw_rows(api: &Api, alice: &User, job_id: &str) -> Result<()> {
    let db = api.deployment;
    let user = literal(&alice.user_id);
    let view = |name: &str| -> Result<Value> {
        let r = api.json(
            "GET",
            &format!("/api/analytics/{name}"),
            Some(alice),
            None,
            200,
        )?;
        Ok(r["data"].clone())
    };

    // Standouts: per value shown, ratings and standouts among them.
    let rows = db.query(&format!(
        "SELECT f.rating, i.requested AS drawn, CASE WHEN o.feedback_id IS NULL THEN 0 ELSE 1 END AS standout \
         FROM user_feedback f JOIN generated_images i ON i.image_id = f.image_id \
         LEFT JOIN outliers o ON o.feedback_id = f.feedback_id WHERE f.user_id = {user}"
    ))?;
    let mut per_value: BTreeMap<String, (u32, u32)> = BTreeMap::new();
    let (mut ratings, mut standouts) = (0u32, 0u32);
    for row in &rows {
        if row["rating"].is_null() {
            continue;
        }
        let standout = integer(&row["standout"]) == Some(1);
        ratings += 1;
        standouts += u32::from(standout);
        for k in value_keys(&row["drawn"])? {
            let e = per_value.entry(k).or_default();
            e.0 += 1;
            e.1 += u32::from(standout);
        }
    }
    let s = view("standouts")?;
    ensure!(
        s["ratings"] == ratings && s["standouts"] == standouts,
        "standout totals {} / {} vs raw {ratings} / {standouts}",
        s["ratings"],
        s["standouts"]
    );
    let attributes = s["attributes"].as_array().context("standout attributes")?;
    ensure!(
        attributes.len() == per_value.len(),
        "{} values vs raw {}",
        attributes.len(),
        per_value.len()
    );
    for a in attributes {
        let k = key(&a["attribute"]);
        let (r, o) = per_value
            .get(&k)
            .with_context(|| format!("{k} not in the raw rows"))?;
        ensure!(
            a["ratings"] == *r
                && a["standouts"] == *o
                && close(f(&a["standout_rate"]), f64::from(*o) / f64::from(*r)),
            "{k}: {a} vs raw {r} ratings, {o} standouts"
        );
    }

    // The seed's views agree with the same raw rows.
    let view_rows = db.query(&format!(
        "SELECT category, value, rated, outliers FROM outlier_rate_by_attribute \
         WHERE user_id = {user}"
    ))?;
    ensure!(
        view_rows.len() == per_value.len(),
        "outlier_rate_by_attribute: {} rows vs raw {}",
        view_rows.len(),
        per_value.len()
    );
    for row in &view_rows {
        let (r, o) = per_value
            .get(&key(row))
            .with_context(|| format!("view row {row}"))?;
        ensure!(
            integer(&row["rated"]) == Some(u64::from(*r))
                && integer(&row["outliers"]) == Some(u64::from(*o)),
            "view {row} vs raw {r} / {o}"
        );
    }
    let recent = db.query(&format!(
        "SELECT feedback, ratings, outliers FROM recent_feedback_summary WHERE user_id = {user}"
    ))?;
    let coverage_rows = db.query(&format!(
        "SELECT COUNT(*) AS n FROM coverage_summary_view WHERE user_id = {user}"
    ))?;

    // Feedback of the last 7 days (all of it is today's here).
    let feedback_rows = db.query(&format!(
        "SELECT rating, liked FROM user_feedback WHERE user_id = {user}"
    ))?;
    let mut rating = Mean::default();
    let (mut likes, mut dislikes) = (0u64, 0u64);
    for row in &feedback_rows {
        rating.add(&row["rating"]);
        match integer(&row["liked"]) {
            Some(1) => likes += 1,
            Some(0) => dislikes += 1,
            _ => {}
        }
    }
    let feedback = feedback_rows.len() as u64;
    let raw = json!({
        "feedback": feedback, "ratings": rating.n, "mean": rating.mean(),
        "likes": likes, "dislikes": dislikes,
    });
    let summary = &view("feedback")?["summary"];
    ensure!(
        summary["feedback"] == feedback
            && summary["ratings"] == rating.n
            && summary["likes"] == likes
            && summary["dislikes"] == dislikes
            && summary["standouts"] == standouts
            && close(
                f(&summary["mean_rating"]),
                rating.mean().unwrap_or(f64::NAN)
            ),
        "7-day summary {summary} vs raw {raw}"
    );
    ensure!(
        recent.len() == 1
            && integer(&recent[0]["feedback"]) == Some(feedback)
            && integer(&recent[0]["ratings"]) == Some(rating.n)
            && integer(&recent[0]["outliers"]) == Some(u64::from(standouts)),
        "recent_feedback_summary {recent:?} vs raw {raw}"
    );

    // Style evolution: this week's share of the picks showing each value.
    let picks = db.query(&format!(
        "SELECT i.requested AS drawn FROM dpp_picks p JOIN generated_images i ON i.image_id = p.image_id \
         WHERE p.user_id = {user}"
    ))?;
    let mut shown: BTreeMap<String, u32> = BTreeMap::new();
    for row in &picks {
        for k in value_keys(&row["drawn"])? {
            *shown.entry(k).or_default() += 1;
        }
    }
    let evolution = view("evolution")?;
    let week = evolution["weeks"]
        .as_array()
        .and_then(|w| w.last())
        .context("no week in the evolution")?;
    ensure!(
        week["picks"] == picks.len(),
        "week picks {} vs raw {}",
        week["picks"],
        picks.len()
    );
    let shares = week["shares"].as_array().context("shares")?;
    ensure!(
        shares.len() == shown.len(),
        "{} shares vs raw {}",
        shares.len(),
        shown.len()
    );
    for share in shares {
        let k = key(&share["attribute"]);
        let count = *shown
            .get(&k)
            .with_context(|| format!("{k} not among the raw picks"))?;
        ensure!(
            share["picks"] == count
                && close(f(&share["share"]), f64::from(count) / picks.len() as f64),
            "{k}: {share} vs raw {count} of {}",
            picks.len()
        );
    }

    // Style profiles: ratings and mean rating per profile of the rated images.
    let rows = db.query(&format!(
        "SELECT sp.profile_id, f.rating \
         FROM user_feedback f \
         JOIN cluster_assignments ca ON ca.job_id = f.job_id AND ca.image_id = f.image_id \
         JOIN style_profiles sp ON sp.job_id = ca.job_id AND sp.cluster = ca.cluster \
         WHERE f.user_id = {user}"
    ))?;
    let mut per_profile: BTreeMap<String, Mean> = BTreeMap::new();
    for row in &rows {
        let profile = text(row, "profile_id")?;
        per_profile.entry(profile).or_default().add(&row["rating"]);
    }
    let styles = view("styles")?;
    let styles = styles["styles"].as_array().context("styles")?;
    ensure!(
        styles.len() == per_profile.len(),
        "{} styles vs raw {}",
        styles.len(),
        per_profile.len()
    );
    for (profile, rating) in &per_profile {
        let s = styles
            .iter()
            .find(|s| s["profile_id"] == profile.as_str())
            .with_context(|| format!("no style {profile}"))?;
        ensure!(
            s["ratings"] == rating.n
                && rating
                    .mean()
                    .is_none_or(|mean| close(f(&s["mean_rating"]), mean)),
            "style {s} vs raw {} ratings, mean {:?}",
            rating.n,
            rating.mean()
        );
    }

    // Coverage history: reports and mean overall score today.
    let reports = db.query(&format!(
        "SELECT overall_score FROM coverage_reports WHERE user_id = {user}"
    ))?;
    let mut overall = Mean::default();
    for row in &reports {
        overall.add(&row["overall_score"]);
    }
    let reports = reports.len() as u64;
    let coverage = view("coverage")?;
    let today = coverage["history"]
        .as_array()
        .and_then(|h| {
            h.iter()
                .rev()
                .find(|p| p["reports"].as_u64().unwrap_or(0) > 0)
        })
        .context("no coverage day")?;
    ensure!(
        today["reports"] == reports
            && close(
                f(&today["mean_overall"]),
                overall.mean().unwrap_or(f64::NAN)
            ),
        "coverage {today} vs raw {reports} reports, mean {:?}",
        overall.mean()
    );
    ensure!(
        coverage_rows.first().and_then(|r| integer(&r["n"])) == Some(reports),
        "coverage_summary_view {coverage_rows:?} vs raw {reports} reports"
    );

    // Recommendations: well-formed, and each "try more" agrees with the standout view.
    let recs = view("recommendations")?;
    let recs = recs["recommendations"]
        .as_array()
        .context("recommendations")?;
    for r in recs {
        ensure!(
            r["kind"].is_string()
                && r["message"].as_str().is_some_and(|m| !m.is_empty())
                && r["evidence"].is_object(),
            "recommendation {r}"
        );
    }
    let _ = job_id;
    ok(&format!(
        "analytics and the seed's views equal the raw rows: standouts ({} values), 7-day summary, style evolution ({} values this week), {} styles, coverage; {} recommendations",
        per_value.len(),
        shown.len(),
        styles.len(),
        recs.len()
    ));
    Ok(())
}
