//! `bff-gateway`: the HTTP API of the pipeline on Cloudflare Workers and its crons.
//!
//! A shell over `bff_http::gateway`, where the routes, the authentication, the validation and the
//! cron tasks live (see its docs for the routes): this file turns the bindings into the adapters
//! of `bff-cloudflare` (D1 store, R2 blobs, queue producers, the `PROMPT`, `FEEDBACK` and
//! `ANALYTICS` service bindings, `crypto.randomUUID()`, the console) and the `worker` request and
//! response into plain ones.
//!
//! The development routes and the development provider are on when the variable `BFF_DEV_ROUTES`
//! is `enabled` (`.dev.vars`, which only `wrangler dev` reads).
//!
//! Crons (`[triggers]` in `wrangler.toml`): `*/10 * * * *` the sweep of stalled jobs and
//! unlearned feedback, `15 0 * * *` the daily analytics rollup (run by the analytics Worker).
//!
//! On Fermyon Spin (`wasm32-wasip2`, component `gateway` in `spin.toml`) the same `bff-http` handler
//! runs behind `bff_spin::web::gateway`.

// Spin's entry-point macro expands to `::spin_sdk::…` paths; bff-spin answers them.
#[cfg(target_os = "wasi")]
extern crate bff_spin as spin_sdk;

#[cfg(target_os = "wasi")]
mod spin {
    #[spin_sdk::http_service]
    async fn handle(request: spin_sdk::http::Request) -> bff_spin::web::Reply {
        bff_spin::web::gateway(request).await
    }
}

#[cfg(not(target_os = "wasi"))]
mod workers {
    use bff_cloudflare::consumer::now;
    use bff_cloudflare::d1::D1Connection;
    use bff_cloudflare::{
        http, new_id, BindingChecks, ConsoleLog, D1JobStore, QueueDispatcher, R2Blobs,
        ServiceBindings,
    };
    use bff_http::gateway::{self, GatewayContext};
    use worker::{event, Context, Env, Request, Response, Result, ScheduleContext, ScheduledEvent};

    /// The gateway's adapters on its bindings. A missing binding fails only what needs it (and shows
    /// in the health check).
    struct Adapters {
        store: D1JobStore,
        blobs: R2Blobs,
        dispatch: QueueDispatcher,
        services: ServiceBindings,
        checks: BindingChecks,
        dev_routes: bool,
        admin_token: Option<String>,
        cors_origins: Vec<String>,
        limits: Result<bff_http::Limits, String>,
        retention_days: Result<Option<u32>, String>,
        providers: Vec<bff_http::Provider>,
        budget: Result<bff_http::Budget, String>,
        provider_checks: Vec<bff_http::NamedCheck>,
    }

    impl Adapters {
        fn new(env: Env) -> Self {
            Adapters {
                store: bff_cloudflare::store_or_unavailable(&env),
                blobs: R2Blobs::from_env_or_unavailable(&env),
                dispatch: QueueDispatcher::new(env.clone()),
                services: ServiceBindings::new(env.clone()),
                dev_routes: bff_cloudflare::dev_routes(&env),
                admin_token: bff_cloudflare::admin_token(&env),
                cors_origins: bff_cloudflare::cors_origins(&env),
                limits: bff_cloudflare::rate_limits(&env),
                retention_days: bff_cloudflare::retention_days(&env),
                providers: bff_cloudflare::providers::enabled(&env),
                budget: bff_cloudflare::providers::budget(&env),
                provider_checks: Vec::new(),
                checks: BindingChecks::new(env),
            }
        }

        fn context(
            &self,
        ) -> GatewayContext<'_, D1Connection, R2Blobs, QueueDispatcher, ServiceBindings> {
            GatewayContext {
                store: &self.store,
                blobs: &self.blobs,
                dispatch: &self.dispatch,
                services: &self.services,
                ids: &new_id,
                log: &ConsoleLog,
                now: now(),
                dev_routes: self.dev_routes,
                admin_token: self.admin_token.as_deref(),
                cors_origins: &self.cors_origins,
                limits: &self.limits,
                meter: &bff_cloudflare::d1::meter,
                clock: &|| worker::Date::now().as_millis() as i64,
                user_seen: Default::default(),
                retention_days: self.retention_days.clone(),
                providers: &self.providers,
                budget: &self.budget,
                provider_checks: &self.provider_checks,
                store_check: "d1",
                platform_checks: &self.checks,
            }
        }
    }

    #[event(fetch)]
    async fn fetch(mut req: Request, env: Env, _ctx: Context) -> Result<Response> {
        let request = http::read_request(&mut req).await?;
        let mut adapters = Adapters::new(env.clone());
        if gateway::is_health_check(request.path()) {
            adapters.provider_checks = bff_cloudflare::providers::reachability(&env).await;
        }
        http::into_response(gateway::handle(&request, &adapters.context()).await)
    }

    #[event(scheduled)]
    async fn scheduled(event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
        let adapters = Adapters::new(env);
        gateway::scheduled(&event.cron(), &adapters.context()).await;
    }
}
