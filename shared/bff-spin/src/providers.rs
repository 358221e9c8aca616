//! The image providers on Spin: calls go out through Spin's outbound HTTP (each provider's
//! address must be in the component's `allowed_outbound_hosts`), settings come from the
//! application's variables (`openai_api_key`, ...; `bff_providers::settings`; keys declared
//! `secret = true`).

use std::pin::pin;
use std::time::Duration;

use bff_providers::{HttpCall, HttpReply, HttpSend, ProviderSettings, Providers, TransportError};
use bytes::Bytes;
use futures_util::future::{select, Either};
use http_body_util::Full;
use spin_sdk::http::body::IncomingBodyExt;

/// The configured providers (and the offline renderer) of this component.
pub async fn providers() -> Providers<SpinHttp> {
    Providers::new(SpinHttp, settings().await)
}

/// This component's image embedder: the CLIP service its variables name, else the descriptor.
pub async fn embedder() -> bff_providers::embedder::Embedders<SpinHttp> {
    bff_providers::embedder::Embedders::new(SpinHttp, &settings().await)
}

/// The providers' settings from the application's variables.
pub async fn settings() -> ProviderSettings {
    let values = Variables::read().await;
    ProviderSettings::read(|setting| values.get(setting))
}

/// Every provider setting's variable, read once per request: Spin reads variables
/// asynchronously, so they are all read first; an unreadable one counts as unset.
pub struct Variables(Vec<(&'static str, String)>);

impl Variables {
    pub async fn read() -> Variables {
        let mut values = Vec::new();
        for setting in bff_providers::settings::ALL {
            if let Ok(Some(value)) = crate::db::variable(setting.name).await {
                values.push((setting.name, value));
            }
        }
        Variables(values)
    }

    pub fn get(&self, setting: &bff_providers::settings::Setting) -> Option<String> {
        self.0
            .iter()
            .find(|(name, _)| *name == setting.name)
            .map(|(_, value)| value.clone())
    }

    /// The providers a request may name (variable `providers`).
    pub fn enabled(&self) -> Vec<bff_pipeline::ports::Provider> {
        let listed = self.get(&bff_providers::settings::PROVIDERS);
        bff_providers::settings::enabled_providers(listed.as_deref())
    }

    /// Prices and the daily budget per user (variables `prices`, `daily_budget_usd`), or what
    /// is wrong with them.
    pub fn budget(&self) -> Result<bff_pipeline::budget::Budget, String> {
        bff_providers::settings::budget(|setting| self.get(setting))
    }

    /// Whether the `enabled` providers and the embedding service can be reached (kept a minute
    /// in the key-value store).
    pub async fn reachability(
        &self,
        enabled: &[bff_pipeline::ports::Provider],
    ) -> Vec<bff_http::NamedCheck> {
        let cache = crate::web::KvCache::open().await;
        bff_http::gateway::provider_checks(&SpinHttp, &cache, |s| self.get(s), enabled).await
    }
}

/// Spin's outbound HTTP with a timeout.
pub struct SpinHttp;

impl HttpSend for SpinHttp {
    async fn send(&self, call: &HttpCall, timeout_ms: u64) -> Result<HttpReply, TransportError> {
        let transport = |message: String| TransportError { message };
        let mut builder = spin_sdk::http::Request::builder()
            .method(call.method)
            .uri(&call.url);
        for (name, value) in &call.headers {
            builder = builder.header(name, value);
        }
        // Spin sends a body without a length as chunked, which some servers refuse (411).
        if !call.body.is_empty() {
            builder = builder.header("content-length", call.body.len().to_string());
        }
        let request = builder
            .body(Full::new(Bytes::from(call.body.clone())))
            .map_err(|e| transport(e.to_string()))?;
        let exchange = async {
            let response = spin_sdk::http::send(request)
                .await
                .map_err(|e| format!("{e:?}"))?;
            let status = response.status().as_u16();
            let headers = response
                .headers()
                .iter()
                .filter_map(|(n, v)| Some((n.as_str().to_string(), v.to_str().ok()?.to_string())))
                .collect();
            let body = response
                .into_body()
                .bytes()
                .await
                .map_err(|e| format!("the answer was cut off: {e:?}"))?
                .to_vec();
            Ok::<_, String>(HttpReply {
                status,
                headers,
                body,
            })
        };
        let timeout = spin_sdk::time::sleep(Duration::from_millis(timeout_ms));
        let finished = match select(pin!(exchange), pin!(timeout)).await {
            Either::Left((reply, _)) => Some(reply),
            Either::Right(_) => None,
        };
        finished
            .unwrap_or_else(|| Err(format!("no answer within {timeout_ms} ms")))
            .map_err(transport)
    }

    async fn sleep(&self, ms: u64) {
        spin_sdk::time::sleep(Duration::from_millis(ms)).await;
    }
}
