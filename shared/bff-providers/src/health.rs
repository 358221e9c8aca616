//! Whether the configured providers and the embedding service can be reached, at no cost: an
//! image provider is asked for its API's root without a key (any HTTP answer, even a 401 or a
//! 404, means it is reachable; only a failed connection or a timeout does not), the embedding
//! service for its health route. The gateway reports the results in its health answer and keeps
//! them for a minute, so that health checks never hammer a provider.

use bff_pipeline::ports::Provider;

use crate::client::HttpSend;
use crate::settings::{self, Setting};
use crate::{embeddings, HttpCall, ProviderSettings};

/// How long a probe may take.
pub const PROBE_TIMEOUT_MS: u64 = 3_000;

/// How long the results are kept.
pub const CACHE_SECONDS: u32 = 60;

/// One thing to reach: a provider by name, or `embedder`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    pub name: String,
    pub call: HttpCall,
    /// The embedding service's settings, whose health answer is read; `None` for a provider,
    /// for which any HTTP answer will do.
    pub service: Option<embeddings::Config>,
}

/// The probes for the `enabled` providers (their API's root, from the settings or the public
/// address) and for the embedding service when one is configured. The offline renderer needs
/// none.
pub fn probes(lookup: impl Fn(&Setting) -> Option<String>, enabled: &[Provider]) -> Vec<Probe> {
    let root = |s: &Setting| {
        settings::value_of(&lookup, s).map(|base| HttpCall {
            method: "GET",
            url: format!("{}/", base.trim_end_matches('/')),
            headers: Vec::new(),
            body: Vec::new(),
        })
    };
    let mut probes = Vec::new();
    for provider in enabled {
        let call = match provider {
            Provider::OpenAi => root(&settings::OPENAI_BASE_URL),
            Provider::Stability => root(&settings::STABILITY_BASE_URL),
            Provider::Replicate => root(&settings::REPLICATE_BASE_URL),
            Provider::WorkersAi => root(&settings::WORKERS_AI_BASE_URL),
            Provider::Sketch | Provider::FlakySketch => None,
        };
        if let Some(call) = call {
            probes.push(Probe {
                name: provider.to_string(),
                call,
                service: None,
            });
        }
    }
    let service = ProviderSettings::read(&lookup).embedder;
    if let Some(config) = service {
        probes.push(Probe {
            name: "embedder".into(),
            call: embeddings::health_call(&config),
            service: Some(config),
        });
    }
    probes
}

/// Each probe's result: `Ok` when reachable, else why not.
pub async fn run<H: HttpSend>(http: &H, probes: &[Probe]) -> Vec<(String, Result<(), String>)> {
    let mut results = Vec::with_capacity(probes.len());
    for probe in probes {
        let result = match http.send(&probe.call, PROBE_TIMEOUT_MS).await {
            Err(e) => Err(e.message),
            Ok(reply) => match &probe.service {
                Some(config) => {
                    embeddings::read_health(config, &reply).map_err(|f| format!("{f:?}"))
                }
                None => Ok(()),
            },
        };
        results.push((probe.name.clone(), result));
    }
    results
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_ask_each_enabled_provider_its_root_without_a_key() {
        let lookup = |s: &Setting| match s.name {
            "openai_api_key" => Some("sk-never-sent".to_string()),
            "stability_base_url" => Some("http://127.0.0.1:9999/".to_string()),
            "embedder" => Some("openai-style".to_string()),
            "embedder_base_url" => Some("http://127.0.0.1:7997".to_string()),
            _ => None,
        };
        let probes = probes(
            lookup,
            &[Provider::Sketch, Provider::OpenAi, Provider::Stability],
        );
        let urls: Vec<(&str, &str)> = probes
            .iter()
            .map(|p| (p.name.as_str(), p.call.url.as_str()))
            .collect();
        assert_eq!(
            urls,
            [
                ("openai", "https://api.openai.com/"),
                ("stability", "http://127.0.0.1:9999/"),
                ("embedder", "http://127.0.0.1:7997/health"),
            ]
        );
        assert!(
            probes[..2].iter().all(|p| p.call.headers.is_empty()),
            "no key, no cost"
        );
    }
}
