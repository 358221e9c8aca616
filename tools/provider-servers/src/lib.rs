//! Stand-ins for the image and embedding providers, for end-to-end tests without the internet:
//! local HTTP servers on free loopback ports that speak each provider's documented wire format,
//! strictly, and fail on a script.
//!
//! - Strict: a request the real API would refuse gets that API's status and error body, and is
//!   recorded as a [`Violation`], so that a client bug fails the test instead of passing against
//!   a lenient fake. Where the real API's behaviour is not known for certain, the server accepts
//!   (a false violation would blame a correct client) and the module says so.
//! - Scripted: [`ProviderConfig`] makes every Nth prompt rate limited, failed, moderated,
//!   truncated or hung, or the whole provider down or out of credit; [`Rule::picks`] tells a test
//!   which prompts a rule selects, from the prompt alone, whatever the order the requests arrive in.
//! - Observable: every request is logged ([`LogEntry`]) with its times, its prompt and the rules
//!   applied; [`ProviderServer::log`] and [`ProviderServer::violations`] read them in-process, and
//!   `GET /__bff/log` and `GET /__bff/violations` from another process.
//!
//! Providers, one module each: [`openai`] (Images), [`stability`] (Stable Image v2beta),
//! [`replicate`] (predictions, polling, output files), [`workers_ai`] (Cloudflare Workers AI: REST,
//! and the inner protocol of a Worker's `AI` binding),
//! [`embeddings`] (Jina and an OpenAI-style self-hosted server, Infinity).
//!
//! Every server answers each request on its own thread, so that slow answers overlap as they do at
//! a real provider (the pipeline sends many requests at once).

pub mod embeddings;
mod http;
pub mod openai;
mod picture;
pub mod replicate;
mod schema;
mod script;
mod server;
pub mod stability;
pub mod workers_ai;

pub use script::Rule;
pub use server::{LogEntry, ProviderServer, Violation};

use std::collections::BTreeMap;

use anyhow::Result;
use serde::{Deserialize, Serialize};

/// The providers a server can stand in for; the JSON name is the key in [`Config`] and in the
/// binary's line of URLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    /// OpenAI Images, `POST /v1/images/generations`.
    Openai,
    /// Stability AI, `POST /v2beta/stable-image/generate/{core|ultra|sd3}`.
    Stability,
    /// Replicate predictions.
    Replicate,
    /// Cloudflare Workers AI, `POST /client/v4/accounts/{account}/ai/run/{model}`, and the `AI`
    /// binding's `POST /run?version=3`.
    WorkersAi,
    /// Jina embeddings, `POST /v1/embeddings`.
    Jina,
    /// An OpenAI-style self-hosted embedding server (Infinity), `POST /embeddings`.
    OpenaiEmbeddings,
}

impl Provider {
    pub const ALL: [Provider; 6] = [
        Provider::Openai,
        Provider::Stability,
        Provider::Replicate,
        Provider::WorkersAi,
        Provider::Jina,
        Provider::OpenaiEmbeddings,
    ];

    /// The JSON name: `openai`, `stability`, `replicate`, `workers_ai`, `jina`,
    /// `openai_embeddings`.
    pub fn name(self) -> &'static str {
        match self {
            Provider::Openai => "openai",
            Provider::Stability => "stability",
            Provider::Replicate => "replicate",
            Provider::WorkersAi => "workers_ai",
            Provider::Jina => "jina",
            Provider::OpenaiEmbeddings => "openai_embeddings",
        }
    }
}

/// The wire format of `provider`.
fn api(provider: Provider) -> Box<dyn server::Api> {
    match provider {
        Provider::Openai => Box::new(openai::OpenAi),
        Provider::Stability => Box::new(stability::Stability),
        Provider::Replicate => Box::new(replicate::Replicate::new()),
        Provider::WorkersAi => Box::new(workers_ai::WorkersAi),
        Provider::Jina => Box::new(embeddings::Jina),
        Provider::OpenaiEmbeddings => Box::new(embeddings::Infinity),
    }
}

/// Which servers to start, each with its own script; a provider left out is not started.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openai: Option<ProviderConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stability: Option<ProviderConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicate: Option<ProviderConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workers_ai: Option<ProviderConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jina: Option<ProviderConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openai_embeddings: Option<ProviderConfig>,
}

impl Config {
    /// Every provider, each with the default script (nothing fails).
    pub fn all() -> Config {
        let mut config = Config::default();
        for provider in Provider::ALL {
            *config.slot(provider) = Some(ProviderConfig::default());
        }
        config
    }

    /// The settings of one provider's server, `None` when it is not to be started.
    pub fn get(&self, provider: Provider) -> Option<&ProviderConfig> {
        match provider {
            Provider::Openai => self.openai.as_ref(),
            Provider::Stability => self.stability.as_ref(),
            Provider::Replicate => self.replicate.as_ref(),
            Provider::WorkersAi => self.workers_ai.as_ref(),
            Provider::Jina => self.jina.as_ref(),
            Provider::OpenaiEmbeddings => self.openai_embeddings.as_ref(),
        }
    }

    fn slot(&mut self, provider: Provider) -> &mut Option<ProviderConfig> {
        match provider {
            Provider::Openai => &mut self.openai,
            Provider::Stability => &mut self.stability,
            Provider::Replicate => &mut self.replicate,
            Provider::WorkersAi => &mut self.workers_ai,
            Provider::Jina => &mut self.jina,
            Provider::OpenaiEmbeddings => &mut self.openai_embeddings,
        }
    }
}

/// One server's credential and script. Every field may be left out of the JSON; "every N" rules
/// are off at 0 and select prompts by a stable hash ([`Rule::picks`]), not by arrival order.
/// Rules that apply to the first attempt only count attempts per prompt (and seed, where the
/// provider takes one), so a retry of the same prompt gets through.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProviderConfig {
    /// The credential the client must send as `authorization: Bearer <key>`. `None`: any
    /// non-empty bearer token is accepted, except by `openai_embeddings` (a self-hosted server
    /// started without `--api-key`), which then asks for none. A key of 8 characters or more
    /// found anywhere else in a request (another header, the URL, the body) is a violation.
    pub key: Option<String>,
    /// Time to make an image or a vector, before each successful answer (milliseconds).
    pub latency_ms: u64,
    /// Every Nth prompt is answered 429 with `retry-after` on its first attempt.
    pub rate_limit_first_attempt_every: u32,
    /// The `retry-after` of those 429s, in seconds; a retry sooner than that is a violation (and
    /// is answered 429 again).
    pub retry_after_s: u32,
    /// Every Nth prompt is answered 500 on its first attempt.
    pub server_error_first_attempt_every: u32,
    /// Every Nth prompt is moderated, the provider's own way: OpenAI 400 `moderation_blocked`,
    /// Stability 200 with `finish-reason: CONTENT_FILTERED`, Replicate a prediction failed for NSFW
    /// content, Workers AI 400 code 3030 (over REST and through the binding).
    pub moderate_every: u32,
    /// The first N distinct prompts to arrive are moderated (on every attempt), the others not:
    /// the one rule by arrival order, for a check that needs a count of moderated images rather
    /// than particular prompts (a job's prompts are drawn at random).
    pub moderate_first: u32,
    /// Prompts holding one of these words (case-insensitive) are refused up front: as moderation,
    /// except at Stability, which answers 403 `content_moderation`.
    pub blocked_words: Vec<String>,
    /// Every Nth prompt's image is cut in half (a truncated file that claims success).
    pub truncate_every: u32,
    /// Every Nth prompt's first attempt is answered only after `hang_ms`, past a client's
    /// timeout.
    pub hang_every: u32,
    pub hang_ms: u64,
    /// The provider is down: every request is answered 503.
    pub dead: bool,
    /// The account is out of credit: OpenAI 429 `insufficient_quota`, Stability 402, Replicate
    /// 402, Workers AI 429 code 4006, Jina 402.
    pub quota_exhausted: bool,
    /// Replicate: polls of `GET /v1/predictions/{id}` before a prediction created without
    /// `prefer: wait` is finished (it also waits for `latency_ms`).
    pub polls_before_done: u32,
    /// Replicate: how long an output file can be downloaded after its prediction finished; then
    /// it answers 404 (Replicate's is an hour).
    pub output_expiry_ms: u64,
    /// Workers AI: the account id the token belongs to; `None`: any.
    pub account_id: Option<String>,
    /// Embeddings: the length of a vector when the request names none.
    pub dimension: usize,
    /// `openai_embeddings`: the model the server serves (another is refused); `None`: any.
    pub model: Option<String>,
}

impl Default for ProviderConfig {
    fn default() -> Self {
        ProviderConfig {
            key: None,
            latency_ms: 0,
            rate_limit_first_attempt_every: 0,
            retry_after_s: 1,
            server_error_first_attempt_every: 0,
            moderate_every: 0,
            moderate_first: 0,
            blocked_words: Vec::new(),
            truncate_every: 0,
            hang_every: 0,
            hang_ms: 120_000,
            dead: false,
            quota_exhausted: false,
            polls_before_done: 1,
            output_expiry_ms: 3_600_000,
            account_id: None,
            dimension: 512,
            model: None,
        }
    }
}

impl ProviderConfig {
    /// The default script with `key` as the credential.
    pub fn with_key(key: &str) -> ProviderConfig {
        ProviderConfig {
            key: Some(key.to_string()),
            ..ProviderConfig::default()
        }
    }
}

/// The servers a [`Config`] names, each on its own loopback port; all stop when this is dropped.
pub struct ProviderServers {
    servers: Vec<ProviderServer>,
}

impl ProviderServers {
    /// Starts every server the config names.
    pub fn start(config: &Config) -> Result<ProviderServers> {
        let mut servers = Vec::new();
        for provider in Provider::ALL {
            if let Some(settings) = config.get(provider) {
                servers.push(ProviderServer::start(provider, settings)?);
            }
        }
        Ok(ProviderServers { servers })
    }

    /// The server standing in for `provider`, if it was started.
    pub fn get(&self, provider: Provider) -> Option<&ProviderServer> {
        self.servers.iter().find(|s| s.provider() == provider)
    }

    /// The started servers.
    pub fn iter(&self) -> impl Iterator<Item = &ProviderServer> {
        self.servers.iter()
    }

    /// Every server's violations so far, with the provider's JSON name: what an end-to-end test
    /// asserts is empty.
    pub fn violations(&self) -> Vec<(&'static str, Violation)> {
        self.servers
            .iter()
            .flat_map(|s| s.violations().into_iter().map(|v| (s.provider().name(), v)))
            .collect()
    }

    /// Each started server's base URL by its JSON name, e.g.
    /// `{"openai": "http://127.0.0.1:41234"}`.
    pub fn urls(&self) -> BTreeMap<&'static str, String> {
        self.servers
            .iter()
            .map(|s| (s.provider().name(), s.url().to_string()))
            .collect()
    }
}
