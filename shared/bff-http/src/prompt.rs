//! The prompt function (stages 1-2): plans a generation request into variants, stores the job
//! and its variants and enqueues one `GenerateImage` per variant.
//!
//! It has no public route: the gateway calls it ([`crate::platform::Services`]) with a
//! [`PlanCall`] once it has authenticated the user and validated the request. The handler reads
//! the call, checks the request again (the same pure validation the gateway ran; which providers
//! a request may name is the gateway's decision) and hands it to
//! `bff_pipeline::stages::prompt::submit`, which is idempotent per job id. The call carries the
//! user's daily budget and its day; the store's insert of the job enforces it atomically, and a job
//! it refuses is the gateway's 402 `budget_exceeded`, with nothing stored or sent.

use bff_pipeline::api::{ApiError, PlanCall, MAX_BODY_BYTES};
use bff_pipeline::ports::{Dispatcher, Provider};
use bff_pipeline::stages::prompt;
use bff_store::Connection;

use crate::context::StageContext;
use crate::message::{HttpRequest, HttpResponse, Method};
use crate::platform::handled_line;

/// The name in its `message` and `call` log records.
pub const SOURCE: &str = "bff-prompt";

/// Answers `POST /plan` (the only route) with the 202 of the submission, or its error.
pub async fn handle<C, D>(request: &HttpRequest, ctx: &StageContext<'_, C, D>) -> HttpResponse
where
    C: Connection,
    D: Dispatcher,
{
    if request.method != Method::Post || request.path() != PlanCall::PATH {
        return HttpResponse::error(&ApiError::not_found(format!(
            "the prompt Worker answers POST {} only",
            PlanCall::PATH
        )));
    }
    if request.body.len() > MAX_BODY_BYTES * 2
        || request
            .declared_length()
            .is_some_and(|n| n > MAX_BODY_BYTES * 2)
    {
        return HttpResponse::error(&ApiError::payload_too_large("the plan call is too large"));
    }
    let call: PlanCall = match serde_json::from_slice(&request.body) {
        Ok(call) => call,
        Err(e) => {
            return HttpResponse::error(&ApiError::bad_request(format!("invalid plan call: {e}")))
        }
    };
    // The gateway decides which providers a request may name (the development one only with its
    // development routes on); this re-check is of the request's shape and values.
    let valid = match call.request.validate_with(Provider::ALL) {
        Ok(valid) => valid
            .with_cost_estimate(call.cost_estimate)
            .with_daily_limit(call.daily_limit(&ctx.now)),
        Err(e) => return HttpResponse::error(&e),
    };
    let valid = match call.route {
        Some(route) => match valid.with_route(route) {
            Ok(valid) => valid,
            Err(e) => return HttpResponse::error(&e),
        },
        None => valid,
    };
    let before = ctx.meter.reading();
    let submitted = prompt::submit(
        ctx.store,
        ctx.dispatch,
        &call.user_id,
        &valid,
        &call.job_id,
        &ctx.now,
    )
    .await;
    let cost = ctx.meter.reading() - before;
    match submitted {
        Ok(submitted) => {
            ctx.log.info(&handled_line(
                "call",
                SOURCE,
                &ctx.now,
                &call.user_id,
                &call.job_id,
                None,
                cost,
                None,
                serde_json::json!({ "variants": submitted.variants }),
            ));
            HttpResponse::json(202, &submitted.response())
        }
        Err(e) => HttpResponse::error(&e),
    }
}

#[cfg(test)]
mod tests {
    use bff_pipeline::budget;
    use bff_pipeline::fakes::MemoryQueue;
    use bff_pipeline::messages::Message;
    use bff_store::sql;

    use super::*;
    use crate::platform::{Cost, RecordingLog};
    use crate::testing::*;

    fn plan_call(request: serde_json::Value) -> Vec<u8> {
        serde_json::json!({ "user_id": USER, "job_id": "job-1", "request": request })
            .to_string()
            .into_bytes()
    }

    fn post(body: Vec<u8>) -> HttpRequest {
        HttpRequest::new(Method::Post, PlanCall::PATH).with_body(body)
    }

    struct World {
        store: bff_store::SqlStore<TestDb>,
        queue: MemoryQueue,
        log: RecordingLog,
    }

    impl World {
        fn new() -> Self {
            World {
                store: TestDb::store(),
                queue: MemoryQueue::new(),
                log: RecordingLog::new(),
            }
        }

        fn handle(&self, request: &HttpRequest) -> HttpResponse {
            // The statements the test database has run, as a platform's connection would count.
            let meter = || {
                let n = self.store.connection().statements.borrow().len() as u64;
                Cost {
                    statements: n,
                    round_trips: n,
                }
            };
            let ctx = StageContext {
                store: &self.store,
                dispatch: &self.queue,
                now: now(),
                log: &self.log,
                meter: &meter,
            };
            run(handle(request, &ctx))
        }
    }

    #[test]
    fn only_post_plan_is_answered() {
        let w = World::new();
        for request in [
            HttpRequest::new(Method::Get, PlanCall::PATH),
            HttpRequest::new(Method::Post, "/api/generation"),
        ] {
            let r = w.handle(&request);
            assert_eq!(r.status, 404);
            assert_eq!(
                r.json_body().unwrap()["message"],
                "the prompt Worker answers POST /plan only"
            );
        }
    }

    #[test]
    fn bad_calls_write_nothing() {
        let w = World::new();
        let big = serde_json::json!({ "brief": "x".repeat(40_000) });
        for (body, status) in [
            (b"nope".to_vec(), 400),
            (br#"{"user_id": "u"}"#.to_vec(), 400),
            (
                plan_call(serde_json::json!({ "brief": "black dress", "theta": 2 })),
                422,
            ),
            (
                plan_call(serde_json::json!({ "brief": "black dress", "colour": 1 })),
                400,
            ),
            (plan_call(big), 413),
        ] {
            let r = w.handle(&post(body));
            assert_eq!(r.status, status, "{}", r.text());
        }
        assert!(w.store.connection().writes().is_empty());
        assert!(w.queue.sent().is_empty());
        assert!(w.log.lines().is_empty());
    }

    #[test]
    fn a_plan_is_stored_and_sent_and_its_cost_logged() {
        let w = World::new();
        let call = plan_call(serde_json::json!({ "brief": "black midi dress", "designs": 2 }));
        let r = w.handle(&post(call));
        assert_eq!(r.status, 202, "{}", r.text());
        let body = r.json_body().unwrap();
        assert_eq!(body["job_id"], "job-1");
        assert_eq!(body["variants"], 6);
        assert_eq!(body["created"], true);
        let sent = w.queue.sent();
        assert_eq!(sent.len(), 6);
        // One message per variant, each naming the provider its variant is planned for (the
        // default, the sketch renderer).
        assert!(sent.iter().all(|m| matches!(
            m,
            Message::GenerateImage(g) if g.v == 2 && g.provider == Some(Provider::Sketch)
        )));
        let statements = w.store.connection().statements.borrow().len();
        let lines = w.log.lines();
        assert_eq!(lines.len(), 1, "{lines:?}");
        let record: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
        assert_eq!(
            (
                &record["event"],
                &record["source"],
                &record["job_id"],
                &record["db_statements"],
                &record["outcome"]["variants"]
            ),
            (
                &serde_json::json!("call"),
                &serde_json::json!("bff-prompt"),
                &serde_json::json!("job-1"),
                &serde_json::json!(statements),
                &serde_json::json!(6)
            )
        );
        assert_eq!(record["user"], crate::platform::user_hash(USER));
    }

    /// A plan call of 6 OpenAI images priced at $0.24 under a daily budget of $1.
    fn budgeted_call() -> Vec<u8> {
        serde_json::json!({
            "user_id": USER,
            "job_id": "job-1",
            "request": { "brief": "black midi dress", "designs": 2, "provider": "openai" },
            "cost_estimate": 0.24,
            "daily_budget_usd": 1.0,
            "budget_day_start": "2026-04-02T00:00:00.000Z",
        })
        .to_string()
        .into_bytes()
    }

    #[test]
    fn the_budget_travels_to_the_insert_of_the_job() {
        let w = World::new();
        let r = w.handle(&post(budgeted_call()));
        assert_eq!(r.status, 202, "{}", r.text());
        assert_eq!(w.queue.sent().len(), 6);
        let statements = w.store.connection().statements.borrow();
        let (_, params) = statements
            .iter()
            .find(|(s, _)| s == sql::INSERT_JOB_WITHIN_BUDGET)
            .expect("the job inserted within the budget");
        assert_eq!(
            params[19..],
            [
                bff_store::Param::Real(0.24),
                bff_store::Param::Text("2026-04-02T00:00:00.000Z".into()),
                bff_store::Param::Real(1.0 + budget::TOLERANCE_USD),
            ]
        );
    }

    #[test]
    fn a_job_the_insert_refuses_over_the_budget_is_the_gateways_402_and_sends_nothing() {
        let w = World::new();
        // Another submission took the day to $0.80 after the gateway's check: the insert of the
        // job and its variants changes nothing, and the day's spending reads $0.80.
        let db = w.store.connection();
        db.script_changes(sql::INSERT_JOB_WITHIN_BUDGET, 0);
        db.script_changes(sql::INSERT_VARIANT, 0);
        db.script(sql::SPENT_SINCE, vec![serde_json::json!({ "spent": 0.8 })]);
        let r = w.handle(&post(budgeted_call()));
        assert_eq!(r.status, 402, "{}", r.text());
        let expected = budget::check(Some(1.0), 0.8, 0.24).unwrap_err();
        assert_eq!(r.body, HttpResponse::error(&expected).body);
        let body = r.json_body().unwrap();
        assert_eq!(body["code"], "budget_exceeded");
        assert_eq!(
            body["details"],
            serde_json::json!({
                "daily_budget_usd": 1.0,
                "spent_today_usd": 0.8,
                "job_estimate_usd": 0.24,
                "remaining_usd": 0.2,
            })
        );
        assert!(w.queue.sent().is_empty(), "no GenerateImage sent");
        assert!(w.log.lines().is_empty());
    }
}
