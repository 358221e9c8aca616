//! The gateway's routes on test doubles: routing, authentication, validation before any hop,
//! forwarding with the user, health, development routes and cron. What needs stored rows (a job's
//! status and views with data, images) is checked by the end-to-end run (see `crate::testing`).

use bff_pipeline::api::PlanCall;
use bff_pipeline::fakes::{MemoryBlobs, MemoryQueue};
use bff_pipeline::messages::Message;
use bff_store::{sql, Param};

use super::*;
use crate::platform::{Check, NamedCheck, RecordingLog};
use crate::testing::*;
use bff_pipeline::limits::Limits;

struct World {
    store: SqlStore<TestDb>,
    blobs: MemoryBlobs,
    queue: MemoryQueue,
    services: FakeServices,
    log: RecordingLog,
    dev: bool,
    admin_token: Option<&'static str>,
    limits: Result<Limits, String>,
    retention_days: Result<Option<u32>, String>,
    platform: Vec<NamedCheck>,
    providers: Vec<Provider>,
    budget: Result<Budget, String>,
    provider_checks: Vec<NamedCheck>,
}

impl World {
    fn new() -> Self {
        World {
            store: TestDb::store(),
            blobs: MemoryBlobs::new(),
            queue: MemoryQueue::new(),
            services: FakeServices::default(),
            log: RecordingLog::new(),
            dev: false,
            admin_token: None,
            limits: Ok(Limits::default()),
            retention_days: Ok(None),
            providers: vec![Provider::Sketch],
            budget: Ok(Budget::default()),
            provider_checks: Vec::new(),
            platform: vec![
                ("queue".into(), Check::passed()),
                ("r2".into(), Check::passed()),
            ],
        }
    }

    fn dev() -> Self {
        World {
            dev: true,
            ..World::new()
        }
    }

    fn db(&self) -> &TestDb {
        self.store.connection()
    }

    fn handle(&self, request: &HttpRequest) -> HttpResponse {
        let ids = counter_ids();
        let platform = || self.platform.clone();
        let meter = || {
            let n = self.db().statements.borrow().len() as u64;
            crate::platform::Cost {
                statements: n,
                round_trips: n,
            }
        };
        let ctx = GatewayContext {
            store: &self.store,
            blobs: &self.blobs,
            dispatch: &self.queue,
            services: &self.services,
            ids: &ids,
            log: &self.log,
            now: now(),
            dev_routes: self.dev,
            admin_token: self.admin_token,
            cors_origins: &[],
            limits: &self.limits,
            meter: &meter,
            clock: &|| 0,
            user_seen: Default::default(),
            retention_days: self.retention_days.clone(),
            providers: &self.providers,
            budget: &self.budget,
            provider_checks: &self.provider_checks,
            store_check: "d1",
            platform_checks: &platform,
        };
        run(handle(request, &ctx))
    }

    fn scheduled(&self, cron: &str) {
        let ids = counter_ids();
        let platform = || self.platform.clone();
        let meter = || {
            let n = self.db().statements.borrow().len() as u64;
            crate::platform::Cost {
                statements: n,
                round_trips: n,
            }
        };
        let ctx = GatewayContext {
            store: &self.store,
            blobs: &self.blobs,
            dispatch: &self.queue,
            services: &self.services,
            ids: &ids,
            log: &self.log,
            now: now(),
            dev_routes: self.dev,
            admin_token: self.admin_token,
            cors_origins: &[],
            limits: &self.limits,
            meter: &meter,
            clock: &|| 0,
            user_seen: Default::default(),
            retention_days: self.retention_days.clone(),
            providers: &self.providers,
            budget: &self.budget,
            provider_checks: &self.provider_checks,
            store_check: "d1",
            platform_checks: &platform,
        };
        run(scheduled(cron, &ctx));
    }
}

fn body(r: &HttpResponse) -> serde_json::Value {
    r.json_body()
        .unwrap_or_else(|| panic!("not JSON: {} {}", r.status, r.text()))
}

const BRIEF: &str = "relaxed linen resort dress, earthy tones, no florals";

#[test]
fn every_route_builds_and_unknown_routes_are_json() {
    let w = World::new();
    // `/` is the studio's (static assets in front of the Worker, files on Spin), not the API's.
    let r = w.handle(&HttpRequest::new(Method::Get, "/"));
    assert_eq!((r.status, r.is_json()), (404, true));
    for (method, path, status) in [
        (Method::Get, "/api/no-such-route", 404),
        (Method::Delete, "/api/generation", 405),
        (Method::Post, "/api/generation/j-1", 405),
        (Method::Head, "/api/feedback", 405),
        (Method::Post, "/api/feedback/health-check", 405),
        (Method::Get, "/api/generation/j-1/images/a/b", 404),
    ] {
        let r = w.handle(&authed(method.clone(), path));
        let error = body(&r);
        assert_eq!(
            (r.status, error["status"].as_u64()),
            (status, Some(u64::from(status)))
        );
        assert!(r.is_json(), "{method} {path}");
        assert!(error["message"].as_str().unwrap().contains(path), "{error}");
    }
    // A 405 says which methods the path has.
    for (path, allowed) in [
        ("/api/generation", "GET, POST"),
        ("/api/generation/j-1", "GET, DELETE"),
        ("/api/feedback", "GET, POST"),
    ] {
        let r = w.handle(&authed(Method::Put, path));
        assert_eq!(
            (r.status, r.header("Allow")),
            (405, Some(allowed)),
            "{path}"
        );
    }
    assert!(w.services.calls.borrow().is_empty());
}

#[test]
fn every_authenticated_route_refuses_a_missing_or_unknown_token() {
    let w = World::dev();
    let routes = [
        (Method::Post, "/api/generation"),
        (Method::Get, "/api/generation/j-1"),
        (Method::Get, "/api/generation/j-1/images/j-1-000.png"),
        (Method::Get, "/api/clusters/j-1"),
        (Method::Get, "/api/diversity/j-1"),
        (Method::Get, "/api/coverage/j-1"),
        (Method::Post, "/api/feedback"),
        (Method::Get, "/api/feedback"),
        (Method::Get, "/api/feedback/j-1-000"),
        (Method::Get, "/api/analytics/standouts"),
        (Method::Post, "/api/dev/redeliver/j-1"),
        (Method::Get, "/api/dev/counts/j-1"),
    ];
    for (method, path) in routes {
        for auth in [
            None,
            Some("Bearer bff_not_a_real_token_0123456789"),
            Some("Basic abc"),
        ] {
            let mut request = HttpRequest::new(method.clone(), path).with_body(b"{}".to_vec());
            if let Some(auth) = auth {
                request = request.with_header("Authorization", auth);
            }
            let r = w.handle(&request);
            assert_eq!(r.status, 401, "{method} {path} {auth:?}: {}", r.text());
            assert_eq!(body(&r)["code"], "unauthorized");
        }
    }
    assert!(w.services.calls.borrow().is_empty());
    assert!(w.db().writes().is_empty(), "{:?}", w.db().writes());
}

#[test]
fn a_store_that_cannot_authenticate_is_a_503() {
    let w = World::new();
    w.db().down.set(true);
    let r = w.handle(&authed(Method::Get, "/api/generation/j-1"));
    assert_eq!(
        (r.status, body(&r)["code"].as_str()),
        (503, Some("unavailable"))
    );
}

#[test]
fn health_checks_answer_on_every_health_route_without_a_token() {
    let w = World::new();
    for path in [
        "/api/health-check",
        "/api/generation/health-check",
        "/api/clusters/health-check",
        "/api/diversity/health-check",
        "/api/coverage/health-check",
        "/api/feedback/health-check",
        "/api/analytics/health-check",
    ] {
        let r = w.handle(&HttpRequest::new(Method::Get, path));
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(
            body(&r),
            serde_json::json!({
                "status": "ok",
                "checks": {
                    "d1": { "ok": true },
                    "queue": { "ok": true },
                    "r2": { "ok": true },
                    "services": {
                        "prompt": { "ok": true },
                        "feedback": { "ok": true },
                        "analytics": { "ok": true },
                    },
                },
            })
        );
    }
    assert!(w.services.calls.borrow().is_empty());
}

#[test]
fn a_failing_check_degrades_the_health() {
    let mut w = World::new();
    w.platform[1].1 = Check::failed("no binding BLOBS");
    w.services.unbound = Some(Service::Feedback);
    w.db().down.set(true);
    let r = w.handle(&HttpRequest::new(Method::Get, "/api/health-check"));
    let health = body(&r);
    assert_eq!(
        (r.status, health["status"].as_str()),
        (503, Some("degraded"))
    );
    assert_eq!(health["checks"]["d1"]["ok"], false);
    assert_eq!(health["checks"]["r2"]["error"], "no binding BLOBS");
    assert_eq!(health["checks"]["queue"]["ok"], true);
    assert_eq!(health["checks"]["services"]["feedback"]["ok"], false);
    assert_eq!(health["checks"]["services"]["prompt"]["ok"], true);
}

#[test]
fn bad_generation_requests_are_refused_before_any_hop() {
    let w = World::new();
    let brief = |extra: serde_json::Value| {
        let mut body = serde_json::json!({ "brief": BRIEF });
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body.to_string()
    };
    let cases: Vec<(&str, String, u16)> = vec![
        ("malformed JSON", "{\"brief\": ".into(), 400),
        ("not an object", "[1, 2]".into(), 400),
        (
            "unknown field",
            brief(serde_json::json!({ "colour": "red" })),
            400,
        ),
        (
            "wrong type",
            brief(serde_json::json!({ "designs": "twelve" })),
            400,
        ),
        (
            "designs out of range",
            brief(serde_json::json!({ "designs": 500 })),
            422,
        ),
        (
            "theta out of range",
            brief(serde_json::json!({ "theta": 1.5 })),
            422,
        ),
        (
            "over-generation out of range",
            brief(serde_json::json!({ "over_generation": 9 })),
            422,
        ),
        (
            "unknown provider",
            brief(serde_json::json!({ "provider": "crayon" })),
            400,
        ),
        (
            "development provider without the development routes",
            brief(serde_json::json!({ "provider": "flaky-sketch" })),
            422,
        ),
        (
            "unreadable brief",
            serde_json::json!({ "brief": "qwzx" }).to_string(),
            422,
        ),
        (
            "oversized body",
            serde_json::json!({ "brief": "x".repeat(20_000) }).to_string(),
            413,
        ),
    ];
    for (name, text, status) in cases {
        let r = w.handle(&authed(Method::Post, "/api/generation").with_body(text));
        assert_eq!(r.status, status, "{name}: {}", r.text());
        let error = body(&r);
        assert!(
            error["code"].is_string() && error["message"].is_string(),
            "{name}"
        );
    }
    // A declared length over the limit is refused without the body.
    let r =
        w.handle(&authed(Method::Post, "/api/generation").with_header("Content-Length", "20000"));
    assert_eq!(r.status, 413);
    assert!(w.services.calls.borrow().is_empty());
    assert!(w.db().writes().is_empty());
}

#[test]
fn a_brief_is_read_without_a_job() {
    let w = World::new();
    let text = serde_json::json!({ "brief": "6 black linen midi dresses, no florals" }).to_string();
    let r = w.handle(&authed(Method::Post, "/api/brief").with_body(text.clone()));
    assert_eq!(r.status, 200, "{}", r.text());
    let read = body(&r);
    assert_eq!(read["designs"], 6);
    let requested: Vec<String> = read["brief"]["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["attribute"]["value"].as_str().unwrap().to_string())
        .collect();
    for value in ["black", "linen", "midi", "dress"] {
        assert!(
            requested.iter().any(|v| v == value),
            "{value} in {requested:?}"
        );
    }
    assert_eq!(read["brief"]["exclusions"][0]["matched"], "florals");
    // Refused as a job would be, without a token too; nothing is written, nothing called.
    for (body_text, status) in [
        (r#"{"brief": "qwzx"}"#.to_string(), 422),
        (r#"{"brief": 7}"#.to_string(), 400),
        (r#"{"brief": "dress", "theta": 1}"#.to_string(), 400),
    ] {
        let r = w.handle(&authed(Method::Post, "/api/brief").with_body(body_text));
        assert_eq!(r.status, status, "{}", r.text());
    }
    let r = w.handle(&HttpRequest::new(Method::Post, "/api/brief").with_body(text));
    assert_eq!(r.status, 401);
    assert!(w.services.calls.borrow().is_empty());
    assert!(w.db().writes().is_empty());
}

#[test]
fn a_valid_generation_goes_to_the_prompt_function_as_a_plan_call() {
    let w = World::new();
    *w.services.answer.borrow_mut() =
        HttpResponse::json(202, &serde_json::json!({ "job_id": "x", "variants": 36 }));
    let request = serde_json::json!({ "brief": BRIEF, "designs": 12 });
    let r = w.handle(&authed(Method::Post, "/api/generation").with_body(request.to_string()));
    assert_eq!((r.status, body(&r)["variants"].as_u64()), (202, Some(36)));
    let calls = w.services.calls.borrow();
    assert_eq!(calls.len(), 1);
    let call = &calls[0];
    assert_eq!(
        (
            call.service,
            &call.method,
            call.path_and_query.as_str(),
            call.user_id.as_deref()
        ),
        (Service::Prompt, &Method::Post, PlanCall::PATH, None)
    );
    let plan: PlanCall = serde_json::from_slice(call.body.as_deref().unwrap()).unwrap();
    assert_eq!(plan.user_id, USER);
    // The first id drawn is the request's.
    assert_eq!(plan.job_id, "00000000-0000-4000-8000-000000000002");
    assert_eq!(
        r.header("X-Request-Id"),
        Some("00000000-0000-4000-8000-000000000001")
    );
    assert_eq!(plan.request.brief, BRIEF);
    assert_eq!(plan.request.designs, Some(12));
    // Without a daily budget the call names none, as calls did before budgets travelled.
    assert_eq!((plan.daily_budget_usd, plan.budget_day_start), (None, None));
    let sent: serde_json::Value = serde_json::from_slice(call.body.as_deref().unwrap()).unwrap();
    assert!(sent.get("daily_budget_usd").is_none() && sent.get("budget_day_start").is_none());
}

#[test]
fn the_development_provider_is_accepted_with_the_development_routes() {
    let w = World::dev();
    let request = serde_json::json!({ "brief": BRIEF, "provider": "flaky-sketch" });
    let r = w.handle(&authed(Method::Post, "/api/generation").with_body(request.to_string()));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(w.services.calls.borrow().len(), 1);
}

#[test]
fn a_job_that_would_pass_the_daily_budget_is_refused_with_the_figures() {
    use bff_pipeline::budget::Prices;
    let mut w = World::new();
    w.providers = vec![Provider::Sketch, Provider::OpenAi];
    w.budget = Ok(Budget {
        prices: Prices::parse("openai=0.04").unwrap(),
        daily_usd: Some(1.0),
    });
    // Today's earlier jobs may cost $0.80; this one: 2 designs × 3 = 6 OpenAI images, $0.24.
    w.db()
        .script(sql::SPENT_SINCE, vec![serde_json::json!({ "spent": 0.8 })]);
    let request = serde_json::json!({ "brief": BRIEF, "designs": 2, "provider": "openai" });
    let r = w.handle(&authed(Method::Post, "/api/generation").with_body(request.to_string()));
    assert_eq!(r.status, 402, "{}", r.text());
    let error = body(&r);
    assert_eq!(error["code"], "budget_exceeded");
    assert_eq!(error["details"]["job_estimate_usd"], 0.24);
    assert_eq!(error["details"]["spent_today_usd"], 0.8);
    assert!(w.services.calls.borrow().is_empty(), "nothing planned");
    assert!(w.db().writes().is_empty(), "nothing written");
    let since = w.db().statements.borrow()[1].clone();
    assert_eq!(since.0, sql::SPENT_SINCE);
    assert!(
        format!("{:?}", since.1).contains("T00:00:00"),
        "the day starts at UTC midnight: {:?}",
        since.1
    );

    // Within the budget the job goes on, priced.
    w.db()
        .script(sql::SPENT_SINCE, vec![serde_json::json!({ "spent": 0.5 })]);
    let r = w.handle(&authed(Method::Post, "/api/generation").with_body(request.to_string()));
    assert_eq!(r.status, 200, "{}", r.text());
    let body_sent = w.services.calls.borrow()[0].body.clone().unwrap();
    let plan: PlanCall = serde_json::from_slice(&body_sent).unwrap();
    assert_eq!(plan.cost_estimate, 0.24);
    // The prompt function's insert of the job enforces the same budget over the same day.
    assert_eq!(plan.daily_budget_usd, Some(1.0));
    assert_eq!(
        plan.budget_day_start.as_ref().map(|t| t.as_str()),
        Some("2026-04-02T00:00:00.000Z")
    );
}

#[test]
fn the_providers_table_reads_tagged_images_as_the_system_and_answers_figures() {
    let mut w = World::new();
    w.providers = vec![Provider::Sketch, Provider::OpenAi];
    let requested =
        r#"[{"category":"colour","value":"black"},{"category":"occasion","value":"party"}]"#;
    w.db().script(
        sql::ADHERENCE_SAMPLES,
        vec![
            serde_json::json!({"provider": "openai", "requested": requested,
                "tags": r#"[{"category":"colour","value":"black","score":0.8}]"#}),
            serde_json::json!({"provider": "openai", "requested": requested,
                "tags": r#"[{"category":"colour","value":"red","score":0.6}]"#}),
        ],
    );
    let r = w.handle(&authed(Method::Get, "/api/providers"));
    assert_eq!(r.status, 200, "{}", r.text());
    let table = body(&r);
    assert_eq!(table["providers"], serde_json::json!(["sketch", "openai"]));
    assert_eq!(table["sampled_images"], 2);
    let rows = table["adherence"].as_array().unwrap();
    assert!(
        rows.iter().any(|row| row["provider"] == "openai"
            && row["category"] == "colour"
            && row["images"] == 2
            && row["shown"] == 1),
        "{table}"
    );
    assert!(
        rows.iter().all(|row| row["category"] != "occasion"),
        "a tagger cannot see an occasion: {table}"
    );
    let r = w.handle(&HttpRequest::new(Method::Get, "/api/providers"));
    assert_eq!(r.status, 401);
}

#[test]
fn a_job_over_several_providers_is_routed_by_their_adherence_and_priced_so() {
    use bff_pipeline::budget::Prices;
    let mut w = World::new();
    w.providers = vec![Provider::Sketch, Provider::OpenAi, Provider::Stability];
    w.budget = Ok(Budget {
        prices: Prices::parse("openai=0.04,stability=0.01").unwrap(),
        daily_usd: None,
    });
    // Stability has drawn the v-necks it was asked for 9 times in 10, OpenAI once in 10.
    let requested = r#"[{"category":"neckline","value":"v-neck"}]"#;
    let sample = |provider: &str, shown: bool| {
        let tag = if shown { "v-neck" } else { "crew" };
        serde_json::json!({"provider": provider, "requested": requested,
            "tags": format!(r#"[{{"category":"neckline","value":"{tag}","score":0.8}}]"#)})
    };
    let samples = (0..10)
        .flat_map(|i| [sample("openai", i == 0), sample("stability", i != 0)])
        .collect();
    w.db().script(sql::ADHERENCE_SAMPLES, samples);
    let request = serde_json::json!({
        "brief": "a v-neck cocktail dress", "designs": 4, "providers": ["openai", "stability"]
    });
    let r = w.handle(&authed(Method::Post, "/api/generation").with_body(request.to_string()));
    assert_eq!(r.status, 200, "{}", r.text());
    let body_sent = w.services.calls.borrow()[0].body.clone().unwrap();
    let plan: PlanCall = serde_json::from_slice(&body_sent).unwrap();
    let route = plan.route.expect("the gateway sends its route");
    assert_eq!(route.categories, ["neckline"]);
    let openai = route
        .assignment
        .iter()
        .filter(|&&p| p == Provider::OpenAi)
        .count();
    assert_eq!(route.assignment.len(), 12);
    // One variant each, then the other 10 in proportion to 2/12 against 10/12 (largest
    // remainders): 1 + 2 for OpenAI, 1 + 8 for Stability.
    assert_eq!(openai, 3, "{route:?}");
    assert_eq!(route.shares[1].adherence, 0.8333);
    // Priced as routed: 3 × $0.04 + 9 × $0.01, not 6 of each.
    assert_eq!(plan.cost_estimate, 0.21);

    // Asked for round robin, the table is not read and the providers alternate.
    w.services.calls.borrow_mut().clear();
    let reads = w.db().statements.borrow().len();
    let even = serde_json::json!({
        "brief": "a v-neck cocktail dress", "designs": 4, "providers": ["openai", "stability"],
        "routing": "even"
    });
    let r = w.handle(&authed(Method::Post, "/api/generation").with_body(even.to_string()));
    assert_eq!(r.status, 200, "{}", r.text());
    let body_sent = w.services.calls.borrow()[0].body.clone().unwrap();
    let plan: PlanCall = serde_json::from_slice(&body_sent).unwrap();
    let route = plan.route.unwrap();
    assert_eq!(
        route.assignment[..4],
        [
            Provider::OpenAi,
            Provider::Stability,
            Provider::OpenAi,
            Provider::Stability
        ]
    );
    assert_eq!(plan.cost_estimate, 0.30);
    assert!(w.db().statements.borrow()[reads..]
        .iter()
        .all(|(sql, _)| *sql != sql::ADHERENCE_SAMPLES));

    let bad = serde_json::json!({ "brief": "a dress", "routing": "cheapest" });
    let r = w.handle(&authed(Method::Post, "/api/generation").with_body(bad.to_string()));
    assert_eq!(
        (r.status, body(&r)["field"].as_str()),
        (422, Some("routing")),
        "{}",
        r.text()
    );
}

#[test]
fn the_health_answer_reports_the_providers_without_failing_on_them() {
    let mut w = World::new();
    w.provider_checks = vec![
        ("openai".into(), Check::passed()),
        (
            "replicate".into(),
            Check::failed("cannot be reached: connection refused"),
        ),
    ];
    let r = w.handle(&HttpRequest::new(Method::Get, "/api/health-check"));
    assert_eq!(r.status, 200, "{}", r.text());
    let health = body(&r);
    assert_eq!(health["checks"]["providers"]["openai"]["ok"], true);
    assert_eq!(health["checks"]["providers"]["replicate"]["ok"], false);
    assert_eq!(health["status"], "ok");
}

#[test]
fn provider_probes_are_kept_for_a_minute() {
    use bff_providers::{HttpCall, HttpReply, HttpSend, TransportError};
    use std::cell::{Cell, RefCell};
    use std::collections::BTreeMap;

    struct Probed(Cell<u32>);
    impl HttpSend for Probed {
        async fn send(&self, call: &HttpCall, _: u64) -> Result<HttpReply, TransportError> {
            self.0.set(self.0.get() + 1);
            if call.url.contains("stability") {
                return Err(TransportError {
                    message: "connection refused".into(),
                });
            }
            Ok(HttpReply {
                status: 404,
                headers: Vec::new(),
                body: Vec::new(),
            })
        }
        async fn sleep(&self, _: u64) {}
    }
    struct Memory(RefCell<BTreeMap<String, (String, u32)>>);
    impl crate::analytics::ResponseCache for Memory {
        async fn get(&self, key: &str) -> Option<String> {
            self.0.borrow().get(key).map(|(body, _)| body.clone())
        }
        async fn put(&self, key: &str, body: &str, max_age: u32) -> Result<(), String> {
            self.0
                .borrow_mut()
                .insert(key.to_string(), (body.to_string(), max_age));
            Ok(())
        }
    }
    let http = Probed(Cell::new(0));
    let cache = Memory(RefCell::new(BTreeMap::new()));
    let lookup = |s: &bff_providers::settings::Setting| {
        (s.name == "stability_base_url").then(|| "http://stability.test".to_string())
    };
    let enabled = [Provider::Sketch, Provider::OpenAi, Provider::Stability];
    let checks = run(provider_checks(&http, &cache, lookup, &enabled));
    assert_eq!(checks.len(), 2, "{checks:?}");
    assert!(checks[0].1.ok, "any answer, even a 404, is reachable");
    assert!(!checks[1].1.ok);
    assert_eq!(
        run(provider_checks(&http, &cache, lookup, &enabled)),
        checks
    );
    assert_eq!(http.0.get(), 2, "the second health check read the cache");
    assert!(cache.0.borrow().values().all(|(_, age)| *age == 60));
    assert!(is_health_check("/api/coverage/health-check") && !is_health_check("/api/generation"));
}

#[test]
fn misconfigured_prices_accept_no_job() {
    let mut w = World::new();
    w.budget = Err("setting prices: price for unknown provider \"opneai\"".into());
    let request = serde_json::json!({ "brief": BRIEF });
    let r = w.handle(&authed(Method::Post, "/api/generation").with_body(request.to_string()));
    assert_eq!(r.status, 503, "{}", r.text());
    assert!(body(&r)["message"].as_str().unwrap().contains("opneai"));
    assert!(w.services.calls.borrow().is_empty());
}

#[test]
fn a_service_that_does_not_answer_is_a_503() {
    let w = World::new();
    w.services.down.set(true);
    let request = serde_json::json!({ "brief": BRIEF });
    let r = w.handle(&authed(Method::Post, "/api/generation").with_body(request.to_string()));
    let error = body(&r);
    assert_eq!(
        (r.status, error["code"].as_str()),
        (503, Some("unavailable"))
    );
    assert!(error["message"]
        .as_str()
        .unwrap()
        .starts_with("the PROMPT service did not answer"));
    let r = w.handle(&authed(Method::Get, "/api/analytics/styles"));
    assert_eq!(r.status, 503);
}

#[test]
fn feedback_and_analytics_are_forwarded_with_the_user() {
    let w = World::new();
    *w.services.answer.borrow_mut() = HttpResponse::new(200, "{}")
        .with_header("Content-Type", "application/json")
        .with_header("X-Bff-Cache", "hit");
    let posted = br#"{"image_id": "j-1-000", "rating": 5}"#.to_vec();
    let requests = [
        authed(Method::Post, "/api/feedback").with_body(posted.clone()),
        authed(Method::Get, "/api/feedback?job_id=j-1").with_body(b"ignored".to_vec()),
        authed(Method::Get, "/api/feedback/j-1-000"),
        authed(Method::Get, "/api/analytics/standouts"),
    ];
    for request in &requests {
        let r = w.handle(request);
        assert_eq!((r.status, r.header("x-bff-cache")), (200, Some("hit")));
    }
    let call = |service, method, path: &str, body: Option<&[u8]>| Call {
        service,
        method,
        path_and_query: path.to_string(),
        user_id: Some(USER.to_string()),
        body: body.map(<[u8]>::to_vec),
    };
    assert_eq!(
        *w.services.calls.borrow(),
        [
            call(
                Service::Feedback,
                Method::Post,
                "/api/feedback",
                Some(&posted)
            ),
            call(
                Service::Feedback,
                Method::Get,
                "/api/feedback?job_id=j-1",
                None
            ),
            call(
                Service::Feedback,
                Method::Get,
                "/api/feedback/j-1-000",
                None
            ),
            call(
                Service::Analytics,
                Method::Get,
                "/api/analytics/standouts",
                None
            ),
        ]
    );
}

#[test]
fn oversized_feedback_is_refused_before_it_is_forwarded() {
    let w = World::new();
    let r = w.handle(&authed(Method::Post, "/api/feedback").with_header("Content-Length", "17000"));
    assert_eq!(r.status, 413);
    assert!(w.services.calls.borrow().is_empty());
}

#[test]
fn a_plain_text_404_or_405_from_a_service_becomes_json() {
    let w = World::new();
    *w.services.answer.borrow_mut() = HttpResponse::new(405, "Method Not Allowed");
    let r = w.handle(&authed(Method::Get, "/api/analytics/styles"));
    assert_eq!(
        (r.status, body(&r)["code"].as_str()),
        (405, Some("method_not_allowed"))
    );
    // A JSON 404 of the service (no such feedback) passes as it is.
    *w.services.answer.borrow_mut() =
        HttpResponse::error(&ApiError::not_found("you have no feedback on image x"));
    let r = w.handle(&authed(Method::Get, "/api/feedback/x"));
    assert_eq!(body(&r)["message"], "you have no feedback on image x");
}

#[test]
fn a_job_the_user_does_not_have_is_a_404_on_every_view() {
    let w = World::dev();
    for path in [
        "/api/generation/j-9",
        "/api/clusters/j-9",
        "/api/diversity/j-9",
        "/api/coverage/j-9",
        "/api/generation/j-9/images/j-9-000.png",
    ] {
        let r = w.handle(&authed(Method::Get, path));
        assert_eq!(
            (r.status, body(&r)["code"].as_str()),
            (404, Some("not_found")),
            "{path}"
        );
    }
    let r = w.handle(&authed(Method::Post, "/api/dev/redeliver/j-9"));
    assert_eq!(
        (r.status, body(&r)["message"].as_str()),
        (404, Some("no generation job j-9"))
    );
    assert!(w.queue.sent().is_empty());
}

#[test]
fn development_routes_are_404_unless_enabled() {
    let w = World::new();
    for (method, path) in [
        (Method::Post, "/api/dev/users"),
        (Method::Post, "/api/dev/redeliver/j-1"),
        (Method::Get, "/api/dev/counts/j-1"),
    ] {
        for request in [
            HttpRequest::new(method.clone(), path),
            authed(method.clone(), path),
        ] {
            let r = w.handle(&request.with_body(br#"{"name": "me"}"#.to_vec()));
            assert_eq!(
                (r.status, body(&r)["message"].as_str()),
                (404, Some("no such route"))
            );
        }
    }
    assert!(w.db().writes().is_empty());
}

#[test]
fn a_development_user_gets_a_token_stored_hashed() {
    let w = World::dev();
    for bad in [
        &b"{}"[..],
        b"{\"name\": \"  \"}",
        b"{\"name\": \"a\", \"x\": 1}",
        b"nope",
    ] {
        let r = w.handle(&HttpRequest::new(Method::Post, "/api/dev/users").with_body(bad.to_vec()));
        assert_eq!(r.status, 400, "{}", String::from_utf8_lossy(bad));
    }
    assert!(w.db().writes().is_empty());
    let r = w.handle(
        &HttpRequest::new(Method::Post, "/api/dev/users").with_body(&br#"{"name": "Alice"}"#[..]),
    );
    assert_eq!(r.status, 201);
    let user = body(&r);
    assert_eq!(user["user_id"], "user-00000000-0000-4000-8000-000000000002");
    assert_eq!(user["name"], "Alice");
    let token = user["token"].as_str().unwrap();
    assert_eq!(
        token,
        concat!(
            "bff_",
            "00000000000040008000000000000003",
            "00000000000040008000000000000004"
        )
    );
    assert_eq!(w.db().writes(), [sql::INSERT_USER, sql::INSERT_TOKEN]);
    let statements = w.db().statements.borrow();
    let stored = &statements.last().unwrap().1;
    assert!(
        stored.contains(&bff_store::Param::Text(bff_store::operations::token_hash(
            token
        )))
    );
    assert!(!stored.contains(&bff_store::Param::Text(token.to_string())));
}

#[test]
fn the_rollup_cron_asks_the_analytics_function() {
    let w = World::new();
    *w.services.answer.borrow_mut() = HttpResponse::json(
        200,
        &serde_json::json!({ "days": ["2026-04-01", "2026-04-02"] }),
    );
    w.scheduled(ROLLUP_CRON);
    {
        let calls = w.services.calls.borrow();
        assert_eq!(calls.len(), 1);
        assert_eq!(
            (
                calls[0].service,
                &calls[0].method,
                calls[0].path_and_query.as_str(),
                calls[0].user_id.as_deref()
            ),
            (Service::Analytics, &Method::Post, "/internal/rollup", None)
        );
    }
    assert_eq!(
        w.log.lines(),
        [r#"cron rollup: {"days":["2026-04-01","2026-04-02"]}"#]
    );
    *w.services.answer.borrow_mut() = HttpResponse::new(500, "boom");
    w.scheduled(ROLLUP_CRON);
    assert_eq!(
        w.log.lines().last().unwrap(),
        "ERROR cron 15 0 * * *: rollup answered 500: boom"
    );
    w.scheduled("0 * * * *");
    assert_eq!(
        w.log.lines().last().unwrap(),
        "ERROR cron 0 * * * *: no task for cron \"0 * * * *\""
    );
}

#[test]
fn the_sweep_cron_resends_learning_and_logs_what_it_cannot_resume() {
    let w = World::new();
    w.db().script(
        sql::STALE_JOBS,
        vec![serde_json::json!({ "job_id": "j-gone", "user_id": USER })],
    );
    w.db().script(
        sql::UNLEARNED_FEEDBACK,
        vec![serde_json::json!({
            "user_id": USER, "job_id": "j-1", "feedback_id": "fb-j-1-000", "revision": 2
        })],
    );
    w.scheduled(SWEEP_CRON);
    let sent = w.queue.sent();
    assert_eq!(sent.len(), 1);
    match &sent[0] {
        Message::LearnFromFeedback(m) => {
            assert_eq!((m.feedback_id.as_str(), m.revision), ("fb-j-1-000", 2));
        }
        other => panic!("{other:?}"),
    }
    let lines = w.log.lines();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with("ERROR sweep: job j-gone: "),
        "{lines:?}"
    );
    // The sweep looks ten minutes back.
    let statements = w.db().statements.borrow();
    let (_, params) = statements
        .iter()
        .find(|(s, _)| s == sql::STALE_JOBS)
        .unwrap();
    assert_eq!(
        params,
        &[bff_store::Param::Text("2026-04-02T09:50:00.000Z".into())]
    );
}

#[test]
fn a_sweep_that_cannot_list_is_logged() {
    let w = World::new();
    w.db().down.set(true);
    w.scheduled(SWEEP_CRON);
    let lines = w.log.lines();
    assert_eq!(lines.len(), 1);
    assert!(
        lines[0].starts_with("ERROR cron */10 * * * *: job store: "),
        "{lines:?}"
    );
}

#[test]
fn the_admin_api_is_closed_without_its_token_and_refuses_a_wrong_one() {
    let mut w = World::new();
    let request = |token: &str| {
        HttpRequest::new(Method::Post, "/api/admin/users")
            .with_header("Authorization", format!("Bearer {token}"))
            .with_body(r#"{"name": "Ada"}"#)
    };
    // No admin token configured: the admin API does not exist.
    let r = w.handle(&request("anything-at-all-long-enough"));
    assert_eq!(r.status, 404, "{}", r.text());
    w.admin_token = Some("   ");
    assert_eq!(
        w.handle(&request("   ")).status,
        404,
        "a blank token opens nothing"
    );
    w.admin_token = Some("the-admin-token-of-this-deployment");
    for wrong in ["the-admin-token-of-this-deploymenT", TOKEN] {
        let r = w.handle(&request(wrong));
        assert_eq!(r.status, 401, "{}", r.text());
        assert!(!r.text().contains("the-admin-token"), "{}", r.text());
    }
    let r = w.handle(&HttpRequest::new(Method::Post, "/api/admin/users").with_body("{}"));
    assert_eq!(r.status, 401);
    assert!(w.db().writes().is_empty(), "nothing written");

    // The right token: bad bodies are refused before anything is written.
    for (sent, status, field) in [
        (r#"{"name": ""}"#, 422, Some("name")),
        (r#"{"name": "Ada", "role": "admin"}"#, 400, None),
        (
            r#"{"name": "Ada", "expires_at": "2020-01-01T00:00:00Z"}"#,
            422,
            Some("expires_at"),
        ),
        (
            r#"{"name": "Ada", "expires_at": "soon"}"#,
            422,
            Some("expires_at"),
        ),
        (r#"{"name": "Ada", "label": "a\nb"}"#, 422, Some("label")),
    ] {
        let r = w.handle(
            &HttpRequest::new(Method::Post, "/api/admin/users")
                .with_header("Authorization", "Bearer the-admin-token-of-this-deployment")
                .with_body(sent),
        );
        assert_eq!(r.status, status, "{sent}: {}", r.text());
        assert_eq!(body(&r)["field"].as_str(), field, "{sent}");
    }
    assert!(w.db().writes().is_empty(), "nothing written");

    let r = w.handle(&request("the-admin-token-of-this-deployment"));
    // The scripted store reads no token back; what matters here is what was written.
    let writes = w.db().writes();
    assert_eq!(
        writes,
        [sql::INSERT_USER, sql::INSERT_TOKEN],
        "{}",
        r.text()
    );
}

#[test]
fn token_requests_are_checked_before_anything_is_written() {
    let w = World::new();
    for (sent, status, field) in [
        ("nope", 400, None),
        (r#"{}"#, 400, None),
        (r#"{"label": "   "}"#, 422, Some("label")),
        (
            r#"{"label": "laptop", "expires_at": "2026-04-02T09:59:59Z"}"#,
            422,
            Some("expires_at"),
        ),
        (
            r#"{"label": "laptop", "expires_at": "2046-04-02T10:00:00Z"}"#,
            422,
            Some("expires_at"),
        ),
        (r#"{"label": "laptop", "scopes": ["all"]}"#, 400, None),
    ] {
        let r = w.handle(&authed(Method::Post, "/api/tokens").with_body(sent));
        assert_eq!(r.status, status, "{sent}: {}", r.text());
        assert_eq!(body(&r)["field"].as_str(), field, "{sent}");
    }
    for path in ["/api/tokens/not-a-token-id", "/api/tokens/0123456789abcdeg"] {
        let r = w.handle(&authed(Method::Delete, path));
        assert_eq!(r.status, 404, "{path}: {}", r.text());
    }
    for (method, path) in [
        (Method::Get, "/api/tokens"),
        (Method::Post, "/api/tokens"),
        (Method::Delete, "/api/tokens/0123456789abcdef"),
    ] {
        let r = w.handle(&HttpRequest::new(method, path).with_body(r#"{"label": "x"}"#));
        assert_eq!(r.status, 401, "{path}");
    }
    assert!(w.db().writes().is_empty(), "{:?}", w.db().writes());
}

#[test]
fn a_job_past_a_limit_is_refused_with_retry_after_and_nothing_written() {
    let mut w = World::new();
    w.limits = Ok(Limits::parse("active_jobs=2").unwrap());
    w.db()
        .script(sql::ACTIVE_JOBS, vec![serde_json::json!({ "n": 2 })]);
    let request = serde_json::json!({ "brief": BRIEF, "designs": 2 }).to_string();
    let r = w.handle(&authed(Method::Post, "/api/generation").with_body(request.clone()));
    assert_eq!(r.status, 429, "{}", r.text());
    assert_eq!(r.header("Retry-After"), Some("15"));
    let error = body(&r);
    assert_eq!(error["code"], "rate_limited");
    assert_eq!(error["details"]["limit"], "active_jobs");
    assert_eq!(error["details"]["max"], 2);
    assert!(w.services.calls.borrow().is_empty(), "nothing planned");
    assert!(w.db().writes().is_empty(), "{:?}", w.db().writes());

    // Below the limit the job is counted in its minute and its day (6 images) and goes on.
    w.db()
        .script(sql::ACTIVE_JOBS, vec![serde_json::json!({ "n": 1 })]);
    let r = w.handle(&authed(Method::Post, "/api/generation").with_body(request.clone()));
    assert_eq!(r.status, 200, "{}", r.text());
    let counts: Vec<(String, i64)> = w
        .db()
        .statements
        .borrow()
        .iter()
        .filter(|(sql, _)| sql == sql::COUNT_WITHIN_LIMIT)
        .map(|(_, params)| match (&params[1], &params[3]) {
            (Param::Text(name), Param::Int(amount)) => (name.clone(), *amount),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        counts,
        [
            ("jobs_per_minute".to_string(), 1),
            ("images_per_day".to_string(), 6)
        ]
    );

    // A job the prompt function refuses gives its counts back.
    *w.services.answer.borrow_mut() = HttpResponse::error(&ApiError::unprocessable("no"));
    let r = w.handle(&authed(Method::Post, "/api/generation").with_body(request));
    assert_eq!(r.status, 422);
    let given_back = w
        .db()
        .statements
        .borrow()
        .iter()
        .filter(|(sql, _)| sql == sql::UNCOUNT)
        .count();
    assert_eq!(given_back, 2);
}

#[test]
fn misconfigured_limits_refuse_jobs_and_feedback_naming_the_setting() {
    let mut w = World::new();
    w.limits = Err("variable rate_limits: unknown limit \"jobs_per_hour\"".into());
    let job = serde_json::json!({ "brief": BRIEF }).to_string();
    let r = w.handle(&authed(Method::Post, "/api/generation").with_body(job));
    assert_eq!(r.status, 503, "{}", r.text());
    assert!(r.text().contains("jobs_per_hour"), "{}", r.text());
    let r = w.handle(
        &authed(Method::Post, "/api/feedback").with_body(r#"{"image_id": "x", "rating": 5}"#),
    );
    assert_eq!(r.status, 503, "{}", r.text());
    assert!(w.services.calls.borrow().is_empty());
    // Reading feedback is not limited.
    let r = w.handle(&authed(Method::Get, "/api/feedback"));
    assert_ne!(r.status, 503, "{}", r.text());
}

#[test]
fn every_request_logs_one_record_without_secrets() {
    let w = World::new();
    let r = w.handle(&authed(Method::Get, "/api/generation/job-7"));
    assert_eq!(r.status, 404);
    let r2 = w.handle(&HttpRequest::new(Method::Get, "/api/no-such-route"));
    let lines = w.log.lines();
    assert_eq!(lines.len(), 2, "{lines:?}");
    for line in &lines {
        assert!(!line.contains(TOKEN) && !line.contains(USER), "{line}");
    }
    let record: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
    assert_eq!(
        (
            &record["event"],
            &record["source"],
            &record["method"],
            &record["route"],
            &record["status"],
            &record["job_id"]
        ),
        (
            &serde_json::json!("request"),
            &serde_json::json!("bff-gateway"),
            &serde_json::json!("GET"),
            &serde_json::json!("/api/generation/:id"),
            &serde_json::json!(404),
            &serde_json::json!("job-7")
        )
    );
    assert_eq!(record["request_id"], r.header("X-Request-Id").unwrap());
    assert_eq!(record["user"], crate::platform::user_hash(USER));
    assert!(record["db_statements"].as_u64().unwrap() >= 2, "{record}");
    assert!(record["duration_ms"].is_u64());
    let unknown: serde_json::Value = serde_json::from_str(&lines[1]).unwrap();
    assert_eq!(
        (&unknown["route"], &unknown["status"], unknown.get("user")),
        (&serde_json::json!("-"), &serde_json::json!(404), None)
    );
    assert_eq!(unknown["request_id"], r2.header("X-Request-Id").unwrap());
}

#[test]
fn deleting_a_job_removes_its_images_and_rows_and_nothing_else() {
    let w = World::new();
    for key in [
        "images/user-1/job-1/job-1-000.png",
        "images/user-1/job-1/job-1-001.png",
        "images/user-1/job-10/job-10-000.png",
        "images/user-2/job-1/job-1-000.png",
    ] {
        run(w.blobs.put(key, vec![1], "image/png")).unwrap();
    }
    let r = w.handle(&HttpRequest::new(Method::Delete, "/api/generation/job-1"));
    assert_eq!(r.status, 401);
    assert_eq!(
        w.blobs.snapshot().len(),
        4,
        "nothing deleted without a token"
    );

    let r = w.handle(&authed(Method::Delete, "/api/generation/job-1"));
    assert_eq!(r.status, 200, "{}", r.text());
    let answer = body(&r);
    assert_eq!(
        (answer["job_id"].as_str(), answer["blobs"].as_u64()),
        (Some("job-1"), Some(2))
    );
    let left: Vec<String> = w.blobs.snapshot().keys().cloned().collect();
    assert_eq!(
        left,
        [
            "images/user-1/job-10/job-10-000.png",
            "images/user-2/job-1/job-1-000.png"
        ],
        "another job's and another user's images stay"
    );
    let deletes: Vec<String> = w
        .db()
        .writes()
        .into_iter()
        .filter(|s| s.starts_with("DELETE"))
        .collect();
    assert!(
        deletes.contains(&sql::delete_job_rows("generation_jobs")),
        "{deletes:?}"
    );
    assert_eq!(deletes.len(), sql::JOB_TABLES.len() + 2, "{deletes:?}");

    // An id that cannot be a job is a 404 and deletes nothing.
    let before = w.db().writes().len();
    let r = w.handle(&authed(Method::Delete, "/api/generation/a%20b"));
    assert_eq!(r.status, 404, "{}", r.text());
    assert_eq!(w.db().writes().len(), before);
}

#[test]
fn deleting_me_removes_every_image_and_row_of_mine() {
    let w = World::new();
    for key in [
        "images/user-1/job-1/job-1-000.png",
        "images/user-1/job-2/job-2-000.png",
        "images/user-10/job-3/job-3-000.png",
    ] {
        run(w.blobs.put(key, vec![1], "image/png")).unwrap();
    }
    let r = w.handle(&authed(Method::Delete, "/api/me"));
    assert_eq!(r.status, 200, "{}", r.text());
    let answer = body(&r);
    assert_eq!(
        (answer["user_id"].as_str(), answer["blobs"].as_u64()),
        (Some(USER), Some(2))
    );
    assert_eq!(w.blobs.snapshot().len(), 1, "another user's image stays");
    let deletes = w
        .db()
        .writes()
        .into_iter()
        .filter(|s| s.starts_with("DELETE"))
        .count();
    assert_eq!(deletes, sql::JOB_TABLES.len() + sql::USER_TABLES.len() + 1);
    let r = w.handle(&HttpRequest::new(Method::Delete, "/api/me"));
    assert_eq!(r.status, 401);
}

#[test]
fn the_daily_cron_deletes_jobs_past_the_retention_period() {
    let mut w = World::new();
    w.retention_days = Ok(Some(30));
    *w.services.answer.borrow_mut() =
        HttpResponse::json(200, &serde_json::json!({ "days": ["2026-04-02"] }));
    for key in [
        "images/user-1/old-job/old-job-000.png",
        "images/user-1/new-job/new-job-000.png",
    ] {
        run(w.blobs.put(key, vec![1], "image/png")).unwrap();
    }
    w.db().script(
        sql::EXPIRED_JOBS,
        vec![serde_json::json!({ "job_id": "old-job", "user_id": "user-1" })],
    );
    w.scheduled(ROLLUP_CRON);
    // Jobs created before 30 days before now (2026-04-02T10:00:00Z).
    let asked = w
        .db()
        .statements
        .borrow()
        .iter()
        .find(|(s, _)| s == sql::EXPIRED_JOBS)
        .map(|(_, p)| p.clone())
        .expect("the expired jobs were read");
    assert_eq!(asked, [Param::Text("2026-03-03T10:00:00.000Z".into())]);
    assert_eq!(
        w.blobs.snapshot().keys().collect::<Vec<_>>(),
        ["images/user-1/new-job/new-job-000.png"]
    );
    assert!(w
        .db()
        .writes()
        .contains(&sql::delete_job_rows("generation_jobs")));
    assert!(
        w.log
            .lines()
            .last()
            .unwrap()
            .starts_with("retention: 1 jobs older than 30 days deleted"),
        "{:?}",
        w.log.lines()
    );

    // Misconfigured: nothing deleted, the cron says why.
    w.retention_days = crate::cron::retention_days("a month");
    w.scheduled(ROLLUP_CRON);
    assert!(
        w.log
            .lines()
            .last()
            .unwrap()
            .contains("retention_days \"a month\""),
        "{:?}",
        w.log.lines()
    );
    assert_eq!(crate::cron::retention_days(" off "), Ok(None));
    assert_eq!(crate::cron::retention_days("365"), Ok(Some(365)));
    assert!(crate::cron::retention_days("0").is_err());
}

#[test]
fn the_metrics_are_behind_the_admin_token_and_check_their_window() {
    let mut w = World::new();
    let ask = |w: &World, token: &str, path: &str| {
        w.handle(
            &HttpRequest::new(Method::Get, path)
                .with_header("Authorization", format!("Bearer {token}")),
        )
    };
    assert_eq!(ask(&w, TOKEN, "/api/admin/metrics").status, 404);
    w.admin_token = Some("the-admin-token-of-this-deployment");
    assert_eq!(
        ask(&w, TOKEN, "/api/admin/metrics").status,
        401,
        "a user's token"
    );
    for bad in ["0", "91", "week"] {
        let r = ask(
            &w,
            "the-admin-token-of-this-deployment",
            &format!("/api/admin/metrics?days={bad}"),
        );
        assert_eq!(
            (r.status, body(&r)["field"].as_str()),
            (422, Some("days")),
            "{bad}"
        );
    }
    let r = ask(
        &w,
        "the-admin-token-of-this-deployment",
        "/api/admin/metrics?days=30",
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let answer = body(&r);
    assert_eq!(answer["window_days"], 30);
    assert_eq!(answer["metrics"]["since"], "2026-03-03T10:00:00.000Z");
}
