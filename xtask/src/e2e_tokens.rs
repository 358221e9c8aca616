//! Users and tokens on a deployment run as in production: the development routes off, users made
//! through the admin API, and each token's life (create, use, expire, revoke) seen from the API
//! and from the database.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{ensure, Result};
use serde_json::json;

use crate::deployment::Deployment;
use crate::pipeline::{text, Api, User};

/// The admin token the e2e deployments are given (a secret like any other: the checks search the
/// database and the log for it).
pub const ADMIN_TOKEN: &str = "bff-e2e-admin-5f0b8e2a91c4";

fn ok(name: &str) {
    println!("  ok  {name}");
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn count(deployment: &dyn Deployment, table: &str) -> Result<usize> {
    Ok(deployment.query(&format!("SELECT * FROM {table}"))?.len())
}

/// A user made through the admin API.
pub fn admin_user(api: &Api<'_>, name: &str) -> Result<User> {
    let admin = User {
        user_id: "admin".into(),
        token: ADMIN_TOKEN.into(),
    };
    let body = json!({ "name": name, "label": "first" }).to_string();
    let created = api.json("POST", "/api/admin/users", Some(&admin), Some(&body), 201)?;
    Ok(User {
        user_id: text(&created, "user_id")?,
        token: text(&created, "token")?,
    })
}

/// The development routes are off, the admin API makes users, tokens live, expire and are
/// revoked. Returns a user of the admin API for the checks that follow.
pub fn checks(deployment: &dyn Deployment) -> Result<User> {
    let api = &Api { deployment };

    // Without the development variable, the development routes do not exist.
    let users_before = count(deployment, "users")?;
    for (method, path) in [
        ("POST", "/api/dev/users"),
        ("POST", "/api/dev/redeliver/some-job"),
        ("GET", "/api/dev/counts/some-job"),
    ] {
        let r = api.call(method, path, None, Some(r#"{"name": "Mallory"}"#))?;
        ensure!(r.status == 404, "{method} {path}: {} {}", r.status, r.body);
    }
    ensure!(
        count(deployment, "users")? == users_before,
        "a user was made"
    );

    // The admin API: its token or nothing.
    for token in [None, Some("bff-e2e-admin-wrong-guess-00")] {
        let user = token.map(|t| User {
            user_id: "guess".into(),
            token: t.into(),
        });
        let r = api.call(
            "POST",
            "/api/admin/users",
            user.as_ref(),
            Some(r#"{"name": "Mallory"}"#),
        )?;
        ensure!(
            r.status == 401,
            "admin API with {token:?}: {} {}",
            r.status,
            r.body
        );
    }
    ensure!(
        count(deployment, "users")? == users_before,
        "a user was made"
    );
    let carol = admin_user(api, "Carol")?;
    let dave = admin_user(api, "Dave")?;
    let flaky = json!({ "brief": "a black dress", "provider": "flaky-sketch" }).to_string();
    let r = api.call("POST", "/api/generation", Some(&carol), Some(&flaky))?;
    ensure!(
        r.status == 422,
        "the development provider without the development routes: {} {}",
        r.status,
        r.body
    );
    ok("development routes and the development provider are off without the development variable; the admin API refuses a missing or wrong token and makes users");

    // A token: shown once, stored hashed, listed by id.
    let listed = api.json("GET", "/api/tokens", Some(&carol), None, 200)?;
    ensure!(
        listed["tokens"].as_array().map(Vec::len) == Some(1)
            && listed["tokens"][0]["label"] == "first",
        "Carol's tokens: {listed}"
    );
    let expires_at = bff_pipeline::Timestamp::from_unix_ms(now_ms() + 6_000);
    let body = json!({ "label": "short-lived", "expires_at": expires_at.as_str() }).to_string();
    let short = api.json("POST", "/api/tokens", Some(&carol), Some(&body), 201)?;
    let short_user = User {
        user_id: carol.user_id.clone(),
        token: text(&short, "token")?,
    };
    let revocable = api.json(
        "POST",
        "/api/tokens",
        Some(&carol),
        Some(r#"{"label": "revocable"}"#),
        201,
    )?;
    let revocable_user = User {
        user_id: carol.user_id.clone(),
        token: text(&revocable, "token")?,
    };
    let listed = api.json("GET", "/api/tokens", Some(&short_user), None, 200)?;
    let listed_text = listed.to_string();
    ensure!(
        listed["tokens"].as_array().map(Vec::len) == Some(3)
            && !listed_text.contains(&short_user.token)
            && !listed_text.contains(&revocable_user.token)
            && !listed_text.contains("token_hash"),
        "the list shows ids, never tokens: {listed}"
    );
    let stored = deployment.query("SELECT * FROM api_tokens")?;
    let stored_text = serde_json::to_string(&stored)?;
    for secret in [
        &carol.token,
        &short_user.token,
        &revocable_user.token,
        &dave.token,
    ] {
        ensure!(
            !stored_text.contains(secret.as_str()),
            "a token stored in clear"
        );
    }
    ensure!(!stored_text.contains(ADMIN_TOKEN), "the admin token stored");

    // Revoked: refused from the next request on; again is the same answer; not by another user.
    let id = text(&revocable, "id")?;
    let r = api.call("DELETE", &format!("/api/tokens/{id}"), Some(&dave), None)?;
    ensure!(
        r.status == 404,
        "Dave revoking Carol's token: {} {}",
        r.status,
        r.body
    );
    api.json("GET", "/api/tokens", Some(&revocable_user), None, 200)?;
    let revoked = api.json(
        "DELETE",
        &format!("/api/tokens/{id}"),
        Some(&carol),
        None,
        200,
    )?;
    ensure!(revoked["revoked_at"].is_string(), "{revoked}");
    let r = api.call("GET", "/api/tokens", Some(&revocable_user), None)?;
    ensure!(r.status == 401, "a revoked token: {} {}", r.status, r.body);
    let again = api.json(
        "DELETE",
        &format!("/api/tokens/{id}"),
        Some(&carol),
        None,
        200,
    )?;
    ensure!(again == revoked, "revoking twice: {again} vs {revoked}");

    // Expired: refused once its time has passed; the user's other tokens go on working.
    api.json("GET", "/api/tokens", Some(&short_user), None, 200)?;
    let wait = expires_at.unix_ms() + 500 - now_ms();
    if wait > 0 {
        std::thread::sleep(Duration::from_millis(wait as u64));
    }
    let r = api.call("GET", "/api/tokens", Some(&short_user), None)?;
    ensure!(r.status == 401, "an expired token: {} {}", r.status, r.body);
    api.json("GET", "/api/tokens", Some(&carol), None, 200)?;
    api.json("GET", "/api/tokens", Some(&dave), None, 200)?;
    ok("tokens: created and shown once, stored hashed, listed by id, used, revoked (refused from the next request, revoking twice the same, not by another user) and expired");

    let log = deployment.log();
    for secret in [
        ADMIN_TOKEN,
        &carol.token,
        &short_user.token,
        &revocable_user.token,
    ] {
        ensure!(!log.contains(secret), "a token in the deployment's log");
    }
    // Structured records name users by a hash of their id, never by the id.
    let records: Vec<String> = log
        .lines()
        .filter_map(crate::deployment::log_record)
        .map(|r| r.to_string())
        .collect();
    ensure!(
        records.iter().any(|r| r.contains("\"event\":\"request\"")),
        "no request records in the log"
    );
    ensure!(
        records.iter().all(|r| !r.contains(&carol.user_id)),
        "a user id in a log record"
    );
    Ok(carol)
}

/// The admin token as a deployment setting.
pub fn admin_setting() -> (&'static str, String) {
    ("admin_token", ADMIN_TOKEN.to_string())
}
