//! `bff-fn-prompt` (Worker `bff-prompt`): stages 1-2, the prompt stage. Plans a generation request
//! into variants (prompts drawn from the taxonomy with the user's learned preferences and
//! coverage-gap boosts), stores the job and its variants in D1 and enqueues one `GenerateImage`
//! per variant on `bff-generate`.
//!
//! It has no public route: the gateway calls it over a service binding (`PROMPT`) with a
//! `PlanCall` once it has authenticated the user and validated the request, so that the public
//! Worker stays a thin router and the planner deploys on its own. A plan is a few milliseconds of
//! pure work, one D1 read of the user's weights, one D1 batch and one queue batch; the call is
//! synchronous so that a brief that cannot be planned is still the submitter's 422.
//!
//! A shell over `bff_http::prompt` (which checks the call again and runs
//! `bff_pipeline::stages::prompt::submit`, idempotent per job id): D1, the `bff-generate` producer,
//! the D1 meter and the console.
//!
//! On Fermyon Spin (`wasm32-wasip2`, component `prompt` in `spin.toml`) the same `bff-http` handler
//! runs behind `bff_spin::web::prompt`.

// Spin's entry-point macro expands to `::spin_sdk::…` paths; bff-spin answers them.
#[cfg(target_os = "wasi")]
extern crate bff_spin as spin_sdk;

#[cfg(target_os = "wasi")]
mod spin {
    #[spin_sdk::http_service]
    async fn handle(request: spin_sdk::http::Request) -> bff_spin::web::Reply {
        bff_spin::web::prompt(request).await
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
        http::into_response(bff_http::prompt::handle(&request, &ctx).await)
    }
}
