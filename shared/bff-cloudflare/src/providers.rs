//! The image providers on Workers: their calls go out through the runtime's `fetch`, their
//! settings come from the Worker's variables and secrets (`BFF_OPENAI_API_KEY`, ...;
//! `bff_providers::settings`).

use std::pin::pin;
use std::time::Duration;

use bff_providers::{HttpCall, HttpReply, HttpSend, ProviderSettings, Providers, TransportError};
use futures_util::future::{select, Either};
use worker::{AbortController, Delay, Fetch, Headers, Method, Request, RequestInit};

/// The configured providers (and the offline renderer) of this Worker.
pub fn providers(env: &worker::Env) -> Providers<FetchHttp> {
    Providers::new(FetchHttp, settings(env))
}

/// This Worker's image embedder: the CLIP service its settings name, else the descriptor.
pub fn embedder(env: &worker::Env) -> bff_providers::embedder::Embedders<FetchHttp> {
    bff_providers::embedder::Embedders::new(FetchHttp, &settings(env))
}

/// The providers' settings from the Worker's secrets and variables (a secret wins).
pub fn settings(env: &worker::Env) -> ProviderSettings {
    ProviderSettings::read(|setting| lookup(env, setting))
}

/// The providers a request may name (`BFF_PROVIDERS`, comma-separated; the sketch renderer by
/// default).
pub fn enabled(env: &worker::Env) -> Vec<bff_pipeline::ports::Provider> {
    let value = lookup(env, &bff_providers::settings::PROVIDERS);
    bff_providers::settings::enabled_providers(value.as_deref())
}

/// Prices and the daily budget per user (`BFF_PRICES`, `BFF_DAILY_BUDGET_USD`), or what is wrong
/// with them.
pub fn budget(env: &worker::Env) -> Result<bff_pipeline::budget::Budget, String> {
    bff_providers::settings::budget(|setting| lookup(env, setting))
}

fn lookup(env: &worker::Env, setting: &bff_providers::settings::Setting) -> Option<String> {
    let binding = bff_providers::settings::env_name(setting);
    env.secret(&binding)
        .or_else(|_| env.var(&binding))
        .ok()
        .map(|v| v.to_string())
}

/// Whether the enabled providers and the embedding service can be reached (kept a minute in
/// the Cache API).
pub async fn reachability(env: &worker::Env) -> Vec<bff_http::NamedCheck> {
    bff_http::gateway::provider_checks(
        &FetchHttp,
        &crate::cache::EdgeCache::default(),
        |setting| lookup(env, setting),
        &enabled(env),
    )
    .await
}

/// `fetch` with a timeout (the request is aborted when it passes).
pub struct FetchHttp;

impl HttpSend for FetchHttp {
    async fn send(&self, call: &HttpCall, timeout_ms: u64) -> Result<HttpReply, TransportError> {
        let transport = |e: worker::Error| TransportError {
            message: e.to_string(),
        };
        let headers = Headers::new();
        for (name, value) in &call.headers {
            headers.set(name, value).map_err(transport)?;
        }
        let mut init = RequestInit::new();
        init.with_method(Method::from(call.method.to_string()))
            .with_headers(headers);
        if !call.body.is_empty() {
            let body = worker::js_sys::Uint8Array::from(call.body.as_slice());
            init.with_body(Some(body.into()));
        }
        let request = Request::new_with_init(&call.url, &init).map_err(transport)?;
        let controller = AbortController::default();
        let signal = controller.signal();
        let exchange = async {
            let mut response = Fetch::Request(request).send_with_signal(&signal).await?;
            let body = response.bytes().await?;
            Ok::<_, worker::Error>(HttpReply {
                status: response.status_code(),
                headers: response.headers().entries().collect(),
                body,
            })
        };
        let timeout = Delay::from(Duration::from_millis(timeout_ms));
        let finished = match select(pin!(exchange), pin!(timeout)).await {
            Either::Left((reply, _)) => Some(reply),
            Either::Right(_) => None,
        };
        match finished {
            Some(reply) => reply.map_err(transport),
            None => {
                controller.abort();
                Err(TransportError {
                    message: format!("no answer within {timeout_ms} ms"),
                })
            }
        }
    }

    async fn sleep(&self, ms: u64) {
        Delay::from(Duration::from_millis(ms)).await;
    }
}
