//! `bff-fn-feedback` (Worker `bff-feedback`): stage 10a, feedback on designs.
//!
//! No public route: the gateway forwards `/api/feedback*` over its `FEEDBACK` service binding
//! with the user it authenticated (`X-Bff-User`).
//!
//! | route | what it does |
//! |---|---|
//! | `POST /api/feedback` | rating / like / comment / tags on one of the user's images; standout detection; enqueues learning. 201 the first time, 200 for a re-rating |
//! | `GET /api/feedback[?job_id=]` | the user's feedback, newest first |
//! | `GET /api/feedback/:image_id` | the user's feedback on one image |
//!
//! A shell over `bff_http::feedback` (the logic is `bff_pipeline::stages::feedback`): D1, the
//! `bff-learn` producer, the D1 meter and the console.
//!
//! On Fermyon Spin (`wasm32-wasip2`, component `feedback` in `spin.toml`) the same `bff-http` handler
//! runs behind `bff_spin::web::feedback`.

// Spin's entry-point macro expands to `::spin_sdk::…` paths; bff-spin answers them.
#[cfg(target_os = "wasi")]
extern crate bff_spin as spin_sdk;

#[cfg(target_os = "wasi")]
mod spin {
    #[spin_sdk::http_service]
    async fn handle(request: spin_sdk::http::Request) -> bff_spin::web::Reply {
        bff_spin::web::feedback(request).await
    }
}

#[cfg(not(target_os = "wasi"))]
mod workers {
    use bff_cloudflare::consumer::now;
    use bff_cloudflare::{d1, http, ConsoleLog, QueueDispatcher};
    use bff_http::StageContext;
    use worker::{event, Context, Env, Request, Response, Result};

    #[event(fetch)]
    async fn fetch(mut req: Request, env: Env, _ctx: Context) -> Result<Response> {
        let request = http::read_request(&mut req).await?;
        let store = bff_cloudflare::store(&env)?;
        let dispatch = QueueDispatcher::new(env);
        let ctx = StageContext {
            store: &store,
            dispatch: &dispatch,
            now: now(),
            log: &ConsoleLog,
            meter: &d1::meter,
        };
        http::into_response(bff_http::feedback::handle(&request, &ctx).await)
    }
}
