//! `bff-gateway`: the pipeline's HTTP entry on Cloudflare Workers, and its daily cron.
//!
//! | route | what it does |
//! |---|---|
//! | `GET /` | names the service (a readiness probe) |
//! | `GET /api/health-check` | D1 answers `SELECT 1`; the queue producer and R2 bindings exist |
//! | `POST /api/ping` | body (text, at most 4 KiB) → row in `pings`, object `pings/<id>.json` in R2, message on `bff-ping`; 202 with the id |
//! | `GET /api/ping/:id` | the row, and whether the consumer processed it |
//! | `POST /api/ping/:id/redeliver` | sends the same message again, as an at-least-once queue may |
//! | `GET /api/stats` | row counts of the proof tables |
//! | `GET /api/cron-runs` | the last cron runs |
//! | `GET /api/dead-letters` | the last messages that reached the dead-letter queue |
//! | `POST /api/proof/poison` | only when the variable `BFF_PROOF_ROUTES` is `enabled` (set in `.dev.vars`, which only `wrangler dev` reads): sends a message the consumer cannot process, to prove retries and the dead-letter queue |
//!
//! The cron trigger (`0 3 * * *`) writes a row to `cron_runs`.

use bff_cloudflare::d1::Param;
use bff_cloudflare::ping::{self, PingMessage, PingObject, PingRow};
use bff_cloudflare::{bindings, d1, http, now_iso, queue, r2, random_uuid};
use serde::{Deserialize, Serialize};
use worker::{
    event, Context, Env, Request, Response, Result, RouteContext, Router, ScheduleContext,
    ScheduledEvent,
};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    Router::new()
        .get("/", |_, _| {
            http::json(200, &serde_json::json!({ "service": "bff-gateway" }))
        })
        .get_async("/api/health-check", health_check)
        .post_async("/api/ping", create_ping)
        .get_async("/api/ping/:id", get_ping)
        .post_async("/api/ping/:id/redeliver", redeliver_ping)
        .get_async("/api/stats", stats)
        .get_async("/api/cron-runs", cron_runs)
        .get_async("/api/dead-letters", dead_letters)
        .post_async("/api/proof/poison", poison)
        .run(req, env)
        .await
}

#[event(scheduled)]
async fn scheduled(event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    if let Err(error) = record_cron_run(&event, &env).await {
        worker::console_error!("cron {}: {error}", event.cron());
    }
}

async fn record_cron_run(event: &ScheduledEvent, env: &Env) -> Result<()> {
    let db = d1::database(env, bindings::DB)?;
    let cron = event.cron();
    d1::execute(
        &db,
        ping::sql::INSERT_CRON_RUN,
        &[
            Param::Text(&cron),
            Param::Int(event.schedule() as i64),
            Param::Text(&now_iso()),
        ],
    )
    .await?;
    Ok(())
}

#[derive(Serialize)]
struct Check {
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

impl<T> From<Result<T>> for Check {
    fn from(r: Result<T>) -> Self {
        match r {
            Ok(_) => Check {
                ok: true,
                error: None,
            },
            Err(e) => Check {
                ok: false,
                error: Some(e.to_string()),
            },
        }
    }
}

#[derive(Deserialize)]
struct One {
    one: i64,
}

async fn health_check(_req: Request, ctx: RouteContext<()>) -> Result<Response> {
    let d1_check: Check = async {
        let db = d1::database(&ctx.env, bindings::DB)?;
        match d1::first::<One>(&db, "SELECT 1 AS one", &[]).await? {
            Some(One { one: 1 }) => Ok(()),
            other => Err(worker::Error::RustError(format!(
                "SELECT 1 gave {:?}",
                other.map(|o| o.one)
            ))),
        }
    }
    .await
    .into();
    let queue_check: Check = queue::producer(&ctx.env, bindings::PING_QUEUE).into();
    let r2_check: Check = r2::bucket(&ctx.env, bindings::BLOBS).into();
    let ok = d1_check.ok && queue_check.ok && r2_check.ok;
    http::json(
        if ok { 200 } else { 503 },
        &serde_json::json!({
            "status": if ok { "ok" } else { "degraded" },
            "checks": { "d1": d1_check, "queue": queue_check, "r2": r2_check },
        }),
    )
}

async fn create_ping(mut req: Request, ctx: RouteContext<()>) -> Result<Response> {
    let body = req.text().await?;
    if body.len() > ping::MAX_BODY_BYTES {
        return http::error(
            413,
            "body_too_large",
            format!("at most {} bytes", ping::MAX_BODY_BYTES),
        );
    }
    let id = random_uuid()?;
    let created_at = now_iso();
    let db = d1::database(&ctx.env, bindings::DB)?;
    d1::execute(
        &db,
        ping::sql::INSERT_PING,
        &[
            Param::Text(&id),
            Param::Text(&body),
            Param::Text(&created_at),
        ],
    )
    .await?;
    let object = PingObject {
        id: id.clone(),
        body,
        created_at: created_at.clone(),
    };
    let key = ping::object_key(&id);
    let bucket = r2::bucket(&ctx.env, bindings::BLOBS)?;
    let stored = r2::put(
        &bucket,
        &key,
        serde_json::to_vec(&object)?,
        "application/json",
    )
    .await?;
    let producer = queue::producer(&ctx.env, bindings::PING_QUEUE)?;
    queue::send(&producer, &PingMessage::new(&id, &created_at)).await?;
    http::json(
        202,
        &serde_json::json!({
            "id": id,
            "object_key": key,
            "object_bytes": stored,
            "status_url": format!("/api/ping/{id}"),
        }),
    )
}

async fn find_ping(ctx: &RouteContext<()>) -> Result<std::result::Result<PingRow, Response>> {
    let id = ctx.param("id").cloned().unwrap_or_default();
    if !ping::valid_id(&id) {
        return Ok(Err(http::error(400, "invalid_id", "invalid ping id")?));
    }
    let db = d1::database(&ctx.env, bindings::DB)?;
    match d1::first::<PingRow>(&db, ping::sql::SELECT_PING, &[Param::Text(&id)]).await? {
        Some(row) => Ok(Ok(row)),
        None => Ok(Err(http::error(404, "not_found", format!("no ping {id}"))?)),
    }
}

async fn get_ping(_req: Request, ctx: RouteContext<()>) -> Result<Response> {
    let row = match find_ping(&ctx).await? {
        Ok(row) => row,
        Err(response) => return Ok(response),
    };
    http::json(
        200,
        &serde_json::json!({
            "id": row.id,
            "body": row.body,
            "created_at": row.created_at,
            "processed": row.processed == 1,
            "processed_at": row.processed_at,
            "deliveries": row.deliveries,
            "object_bytes": row.object_bytes,
        }),
    )
}

async fn redeliver_ping(_req: Request, ctx: RouteContext<()>) -> Result<Response> {
    let row = match find_ping(&ctx).await? {
        Ok(row) => row,
        Err(response) => return Ok(response),
    };
    let producer = queue::producer(&ctx.env, bindings::PING_QUEUE)?;
    queue::send(&producer, &PingMessage::new(&row.id, &now_iso())).await?;
    http::json(
        202,
        &serde_json::json!({ "id": row.id, "redelivered": true }),
    )
}

#[derive(Serialize, Deserialize)]
struct Stats {
    pings: i64,
    processed: i64,
    dead_letters: i64,
    cron_runs: i64,
}

async fn stats(_req: Request, ctx: RouteContext<()>) -> Result<Response> {
    let db = d1::database(&ctx.env, bindings::DB)?;
    let stats = d1::first::<Stats>(
        &db,
        "SELECT (SELECT COUNT(*) FROM pings) AS pings, \
                (SELECT COUNT(*) FROM pings WHERE processed = 1) AS processed, \
                (SELECT COUNT(*) FROM dead_letters) AS dead_letters, \
                (SELECT COUNT(*) FROM cron_runs) AS cron_runs",
        &[],
    )
    .await?;
    http::json(200, &stats)
}

#[derive(Serialize, Deserialize)]
struct CronRun {
    id: i64,
    cron: String,
    scheduled_time: i64,
    ran_at: String,
}

async fn cron_runs(_req: Request, ctx: RouteContext<()>) -> Result<Response> {
    let db = d1::database(&ctx.env, bindings::DB)?;
    let runs = d1::all::<CronRun>(
        &db,
        "SELECT id, cron, scheduled_time, ran_at FROM cron_runs ORDER BY id DESC LIMIT 20",
        &[],
    )
    .await?;
    http::json(200, &serde_json::json!({ "runs": runs }))
}

#[derive(Serialize, Deserialize)]
struct DeadLetter {
    message_id: String,
    queue: String,
    body: String,
    received_at: String,
}

async fn dead_letters(_req: Request, ctx: RouteContext<()>) -> Result<Response> {
    let db = d1::database(&ctx.env, bindings::DB)?;
    let letters = d1::all::<DeadLetter>(
        &db,
        "SELECT message_id, queue, body, received_at FROM dead_letters \
         ORDER BY received_at DESC LIMIT 20",
        &[],
    )
    .await?;
    http::json(200, &serde_json::json!({ "dead_letters": letters }))
}

/// The variable that turns on the proof-only routes; `.dev.vars` sets it for `wrangler dev`.
const PROOF_ROUTES: &str = "BFF_PROOF_ROUTES";

async fn poison(_req: Request, ctx: RouteContext<()>) -> Result<Response> {
    let enabled = ctx
        .env
        .var(PROOF_ROUTES)
        .is_ok_and(|v| v.to_string() == "enabled");
    if !enabled {
        return http::error(404, "not_found", "Not Found");
    }
    // A well-formed message for a ping that has neither a row nor an object: every delivery
    // fails, so the queue retries it max_retries times and then dead-letters it.
    let id = format!("poison-{}", random_uuid()?);
    let producer = queue::producer(&ctx.env, bindings::PING_QUEUE)?;
    queue::send(&producer, &PingMessage::new(&id, &now_iso())).await?;
    http::json(202, &serde_json::json!({ "id": id }))
}
