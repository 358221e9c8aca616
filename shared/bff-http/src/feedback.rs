//! The feedback function (stage 10a): ratings, likes and dislikes on a user's designs, standout
//! detection, learning enqueued.
//!
//! No public route: the gateway forwards `/api/feedback*` with the user it authenticated in
//! [`USER_HEADER`](crate::platform::USER_HEADER).
//!
//! | route | what it does |
//! |---|---|
//! | `POST /api/feedback` | rating / like / comment / tags on one of the user's images; standout detection; enqueues learning. 201 the first time, 200 for a re-rating |
//! | `GET /api/feedback[?job_id=]` | the user's feedback, newest first |
//! | `GET /api/feedback/:image_id` | the user's feedback on one image |
//!
//! The logic is `bff_pipeline::stages::feedback`; this turns its results into HTTP answers.

use bff_pipeline::api::feedback::FeedbackRequest;
use bff_pipeline::ports::Dispatcher;
use bff_pipeline::stages::feedback;
use bff_store::Connection;

use crate::bodies::{FeedbackSubmitted, FeedbackWithChanges, LearningState};
use crate::context::{caller, declared_too_large, no_route, StageContext};
use crate::message::{HttpRequest, HttpResponse};
use crate::platform::handled_line;
use crate::router::{Routed, Router};

/// The name in its `message` and `call` log records.
pub const SOURCE: &str = "bff-feedback";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Submit,
    List,
    One,
}

fn router() -> Router<Route> {
    Router::new()
        .post("/api/feedback", Route::Submit)
        .get("/api/feedback", Route::List)
        .get("/api/feedback/:image", Route::One)
}

/// Answers one request forwarded by the gateway.
pub async fn handle<C, D>(request: &HttpRequest, ctx: &StageContext<'_, C, D>) -> HttpResponse
where
    C: Connection,
    D: Dispatcher,
{
    let (route, params) = match router().at(&request.method, request.path()) {
        Routed::Found(route, params) => (route, params),
        Routed::MethodNotAllowed(_) => return no_route(request, true),
        Routed::NotFound => return no_route(request, false),
    };
    let user_id = match caller(request) {
        Ok(user) => user,
        Err(response) => return response,
    };
    match route {
        Route::Submit => submit(request, user_id, ctx).await,
        Route::List => {
            let job_id = request.query_param("job_id");
            match feedback::list(ctx.store, user_id, job_id.as_deref()).await {
                Ok(list) => HttpResponse::json(200, &list),
                Err(e) => HttpResponse::error(&e),
            }
        }
        Route::One => {
            let image = params.get("image").unwrap_or_default();
            let view = match feedback::one(ctx.store, user_id, image).await {
                Ok(view) => view,
                Err(e) => return HttpResponse::error(&e),
            };
            match ctx
                .store
                .learning_changes(user_id, &view.feedback_id, view.revision)
                .await
            {
                Ok(changes) => HttpResponse::json(
                    200,
                    &FeedbackWithChanges {
                        feedback: view,
                        changes,
                    },
                ),
                Err(e) => HttpResponse::error(&e.into()),
            }
        }
    }
}

async fn submit<C, D>(
    request: &HttpRequest,
    user_id: &str,
    ctx: &StageContext<'_, C, D>,
) -> HttpResponse
where
    C: Connection,
    D: Dispatcher,
{
    if let Some(refused) = declared_too_large(request) {
        return refused;
    }
    let valid = match FeedbackRequest::from_json(&request.body).and_then(|r| r.validate()) {
        Ok(valid) => valid,
        Err(e) => return HttpResponse::error(&e),
    };
    let before = ctx.meter.reading();
    match feedback::submit(ctx.store, ctx.dispatch, user_id, &valid, &ctx.now).await {
        Ok(done) => {
            let cost = ctx.meter.reading() - before;
            ctx.log.info(&handled_line(
                "call",
                SOURCE,
                &ctx.now,
                user_id,
                &done.view.job_id,
                None,
                cost,
                None,
                serde_json::json!({ "revision": done.view.revision }),
            ));
            let status = if done.view.revision == 1 { 201 } else { 200 };
            HttpResponse::json(
                status,
                &FeedbackSubmitted {
                    feedback: done.view,
                    learning: if done.learning_queued {
                        LearningState::Queued
                    } else {
                        LearningState::Delayed
                    },
                },
            )
        }
        Err(e) => HttpResponse::error(&e),
    }
}

#[cfg(test)]
mod tests {
    use bff_pipeline::fakes::MemoryQueue;

    use super::*;
    use crate::message::Method;
    use crate::platform::{NoMeter, RecordingLog};
    use crate::testing::*;

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
            let ctx = StageContext {
                store: &self.store,
                dispatch: &self.queue,
                now: now(),
                log: &self.log,
                meter: &NoMeter,
            };
            run(handle(request, &ctx))
        }
    }

    #[test]
    fn routes_and_the_caller() {
        let w = World::new();
        let r = w.handle(&from_gateway(Method::Delete, "/api/feedback"));
        assert_eq!(r.status, 405);
        let r = w.handle(&from_gateway(Method::Get, "/api/feedback/a/b"));
        assert_eq!((r.status, r.is_json()), (404, true));
        for path in ["/api/feedback", "/api/feedback/j-1-000"] {
            let r = w.handle(&HttpRequest::new(Method::Get, path));
            assert_eq!(r.status, 401);
            assert_eq!(
                r.json_body().unwrap()["message"],
                "this service is called by the gateway only"
            );
            let r =
                w.handle(&HttpRequest::new(Method::Get, path).with_header(crate::USER_HEADER, ""));
            assert_eq!(r.status, 401);
        }
        assert!(w.store.connection().statements.borrow().is_empty());
    }

    #[test]
    fn bad_feedback_writes_nothing() {
        let w = World::new();
        for (body, status) in [
            (r#"{"image_id": "j-1-000""#.to_string(), 400),
            (r#"{"image_id": "j-1-000", "stars": 5}"#.to_string(), 400),
            (r#"{"image_id": "j-1-000", "rating": 6}"#.to_string(), 422),
            (r#"{"image_id": "j-1-000"}"#.to_string(), 422),
            (r#"{"image_id": "../x", "rating": 3}"#.to_string(), 422),
            (
                format!(
                    r#"{{"image_id": "j-1-000", "rating": 3, "comment": "{}"}}"#,
                    "x".repeat(17_000)
                ),
                413,
            ),
            // Another user's image, or none: 404, nothing written.
            (r#"{"image_id": "j-1-000", "rating": 3}"#.to_string(), 404),
        ] {
            let r = w.handle(&from_gateway(Method::Post, "/api/feedback").with_body(body.clone()));
            assert_eq!(r.status, status, "{body:.80}: {}", r.text());
        }
        assert!(w.queue.sent().is_empty());
        assert!(w.log.lines().is_empty());
        let writes = w.store.connection().writes();
        assert!(
            writes.iter().all(|s| s.trim_start().starts_with("SELECT")),
            "{writes:?}"
        );
    }

    #[test]
    fn lists_and_single_feedback() {
        let w = World::new();
        let r = w.handle(&from_gateway(Method::Get, "/api/feedback?job_id=j-1"));
        assert_eq!(
            (r.status, r.json_body().unwrap()),
            (200, serde_json::json!({ "feedback": [] }))
        );
        let r = w.handle(&from_gateway(Method::Get, "/api/feedback?job_id=a%2Fb"));
        assert_eq!(r.status, 422);
        let r = w.handle(&from_gateway(Method::Get, "/api/feedback/j-1-000"));
        assert_eq!(
            (r.status, r.json_body().unwrap()["message"].as_str()),
            (404, Some("you have no feedback on image j-1-000"))
        );
    }
}
