//! The providers' configuration names, in one place for every platform.
//!
//! A setting has one canonical name in lower case (`openai_api_key`), which is a Spin variable as
//! it is; on Workers and natively it is an environment variable or secret in upper case with the
//! `BFF_` prefix (`BFF_OPENAI_API_KEY`, [`env_name`]). Keys are secrets (`wrangler secret put`,
//! Spin variables marked `secret = true`, `.dev.vars` locally): they are read into memory only,
//! never written to the database, a log line or an error body.
//!
//! A provider is configured when its key is set; its other settings have defaults.

use bff_pipeline::budget::{Budget, Prices};

use crate::{openai, replicate, stability, workers_ai};

/// One setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setting {
    /// The canonical (Spin) name.
    pub name: &'static str,
    /// A key: never logged, never stored.
    pub secret: bool,
    pub default: Option<&'static str>,
    pub about: &'static str,
}

macro_rules! settings {
    ($($constant:ident = $name:literal, $secret:literal, $default:expr, $about:literal;)*) => {
        $(pub const $constant: Setting = Setting {
            name: $name,
            secret: $secret,
            default: $default,
            about: $about,
        };)*
        /// Every provider setting, for documentation and for platforms that read them all at
        /// once (Spin's variables are read asynchronously, before a consumer starts).
        pub const ALL: &[Setting] = &[$($constant),*];
    };
}

settings! {
    OPENAI_API_KEY = "openai_api_key", true, None, "OpenAI API key: turns the provider `openai` on";
    OPENAI_BASE_URL = "openai_base_url", false, Some("https://api.openai.com"), "OpenAI API address";
    OPENAI_MODEL = "openai_model", false, Some("gpt-image-1"), "a GPT image model";
    OPENAI_QUALITY = "openai_quality", false, Some("medium"), "low, medium, high or auto";
    OPENAI_MODERATION = "openai_moderation", false, Some("auto"), "auto or low";
    STABILITY_API_KEY = "stability_api_key", true, None, "Stability AI key: turns the provider `stability` on";
    STABILITY_BASE_URL = "stability_base_url", false, Some("https://api.stability.ai"), "Stability AI API address";
    STABILITY_SERVICE = "stability_service", false, Some("core"), "core, ultra or sd3";
    STABILITY_MODEL = "stability_model", false, None, "for sd3: sd3.5-large, sd3.5-large-turbo, sd3.5-medium";
    STABILITY_STYLE_PRESET = "stability_style_preset", false, None, "a style preset, e.g. photographic";
    REPLICATE_API_TOKEN = "replicate_api_token", true, None, "Replicate API token: turns the provider `replicate` on";
    REPLICATE_BASE_URL = "replicate_base_url", false, Some("https://api.replicate.com"), "Replicate API address";
    REPLICATE_MODEL = "replicate_model", false, Some("black-forest-labs/flux-schnell"), "owner/name of a FLUX schnell or SDXL model";
    PROVIDERS = "providers", false, Some("sketch"), "the providers a request may name, comma-separated (the gateway's list; each needs its key where images are generated)";
    WORKERS_AI_API_TOKEN = "workers_ai_api_token", true, None, "Cloudflare API token with Workers AI permission: turns the provider `workers-ai` on over REST (with the account id); a Worker with the `AI` binding needs neither";
    WORKERS_AI_ACCOUNT_ID = "workers_ai_account_id", false, None, "the Cloudflare account whose Workers AI runs the model";
    WORKERS_AI_BASE_URL = "workers_ai_base_url", false, Some("https://api.cloudflare.com"), "Cloudflare API address";
    WORKERS_AI_MODEL = "workers_ai_model", false, Some("@cf/black-forest-labs/flux-1-schnell"), "@cf/black-forest-labs/flux-1-schnell or @cf/stabilityai/stable-diffusion-xl-base-1.0";
    PRICES = "prices", false, Some("openai=0.042,stability=0.03,replicate=0.003,workers-ai=0.0011"), "USD per image by provider, provider=price pairs separated by commas (list prices of the default models in 2026; set your own)";
    DAILY_BUDGET_USD = "daily_budget_usd", false, None, "what one user's jobs may cost a day (UTC), in USD; unset for no limit";
    EMBEDDER = "embedder", false, Some("descriptor"), "descriptor (offline), jina, or openai-style (Infinity, bff-clip): the image embedder";
    EMBEDDER_BASE_URL = "embedder_base_url", false, None, "the embedding service's address (Jina: https://api.jina.ai)";
    EMBEDDER_API_KEY = "embedder_api_key", true, None, "the embedding service's key (Jina needs one)";
    EMBEDDER_MODEL = "embedder_model", false, Some("jina-clip-v2"), "the CLIP model the service serves";
    EMBEDDER_DIMENSIONS = "embedder_dimensions", false, None, "the vectors' dimension to ask for and check; unset: the model's";
    PROVIDER_TIMEOUT_MS = "provider_timeout_ms", false, Some("120000"), "longest wait for one provider answer, in milliseconds";
    REPLICATE_POLL_MS = "replicate_poll_ms", false, Some("1000"), "wait between polls of a Replicate prediction";
}

/// A setting's value through `lookup`, trimmed; its default when unset or blank.
pub fn value_of(lookup: impl Fn(&Setting) -> Option<String>, setting: &Setting) -> Option<String> {
    lookup(setting)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .or_else(|| setting.default.map(String::from))
}

/// The environment variable (Workers var or secret, native process) of a setting.
pub fn env_name(setting: &Setting) -> String {
    format!("BFF_{}", setting.name.to_ascii_uppercase())
}

/// The providers a request may name (setting [`PROVIDERS`]): the listed ones that exist, in
/// the listed order; the offline renderer when the list names none.
pub fn enabled_providers(value: Option<&str>) -> Vec<bff_pipeline::ports::Provider> {
    let mut providers = Vec::new();
    for name in value.unwrap_or("sketch").split(',').map(str::trim) {
        if let Ok(provider) = name.parse() {
            if !providers.contains(&provider) {
                providers.push(provider);
            }
        }
    }
    if providers.is_empty() {
        providers.push(bff_pipeline::ports::Provider::Sketch);
    }
    providers
}

/// Every configured provider's settings, read through `lookup` (a setting → its value, by the
/// platform's name for it; empty values count as unset).
#[derive(Clone, PartialEq)]
pub struct ProviderSettings {
    pub openai: Option<openai::Config>,
    pub stability: Option<stability::Config>,
    pub replicate: Option<replicate::Config>,
    pub workers_ai: Option<workers_ai::Config>,
    pub timeout_ms: u64,
    pub replicate_poll_ms: u64,
    /// The CLIP embedding service, when [`EMBEDDER`] names one (and its address is set).
    pub embedder: Option<crate::embeddings::Config>,
    /// Price per image by provider ([`PRICES`]); an unreadable list prices nothing and is
    /// reported by [`budget`].
    pub prices: Prices,
}

/// The prices and the daily budget, where jobs are accepted, or what is wrong with them (a
/// deployment that sets a budget must not have it ignored over a typo).
pub fn budget(lookup: impl Fn(&Setting) -> Option<String>) -> Result<Budget, String> {
    {
        let get = |s: &Setting| value_of(&lookup, s);
        let prices = Prices::parse(&get(&PRICES).unwrap_or_default())
            .map_err(|e| format!("setting {}: {e}", PRICES.name))?;
        let daily_usd = match get(&DAILY_BUDGET_USD) {
            None => None,
            Some(v) => Some(
                v.parse::<f64>()
                    .ok()
                    .filter(|b| b.is_finite() && *b >= 0.0)
                    .ok_or_else(|| {
                        format!("setting {}: {v:?} is not a sum", DAILY_BUDGET_USD.name)
                    })?,
            ),
        };
        Ok(Budget { prices, daily_usd })
    }
}

/// The settings without their keys.
impl std::fmt::Debug for ProviderSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderSettings")
            .field("openai", &self.openai.as_ref().map(|c| &c.base_url))
            .field("stability", &self.stability.as_ref().map(|c| &c.base_url))
            .field("replicate", &self.replicate.as_ref().map(|c| &c.base_url))
            .field("workers_ai", &self.workers_ai.as_ref().map(|c| &c.base_url))
            .field(
                "embedder",
                &self.embedder.as_ref().map(|c| (&c.base_url, &c.model)),
            )
            .field("timeout_ms", &self.timeout_ms)
            .finish()
    }
}

impl ProviderSettings {
    /// No provider but the offline renderer.
    pub fn none() -> Self {
        Self::read(|_| None)
    }

    pub fn read(lookup: impl Fn(&Setting) -> Option<String>) -> Self {
        let get = |s: &Setting| value_of(&lookup, s);
        let value = |s: &Setting| get(s).unwrap_or_default();
        let number = |s: &Setting| {
            get(s)
                .and_then(|v| v.parse::<u64>().ok())
                .or_else(|| s.default.and_then(|d| d.parse().ok()))
                .unwrap_or(0)
        };
        let openai = get(&OPENAI_API_KEY).map(|api_key| openai::Config {
            base_url: value(&OPENAI_BASE_URL),
            api_key,
            model: value(&OPENAI_MODEL),
            quality: value(&OPENAI_QUALITY),
            moderation: value(&OPENAI_MODERATION),
        });
        let stability = get(&STABILITY_API_KEY).map(|api_key| stability::Config {
            base_url: value(&STABILITY_BASE_URL),
            api_key,
            service: value(&STABILITY_SERVICE),
            model: get(&STABILITY_MODEL),
            style_preset: get(&STABILITY_STYLE_PRESET),
        });
        let replicate = get(&REPLICATE_API_TOKEN).map(|api_token| {
            let model = value(&REPLICATE_MODEL);
            replicate::Config {
                base_url: value(&REPLICATE_BASE_URL),
                api_token,
                shape: replicate::Shape::of_model(&model),
                model,
            }
        });
        let workers_ai = get(&WORKERS_AI_API_TOKEN)
            .zip(get(&WORKERS_AI_ACCOUNT_ID))
            .map(|(api_token, account_id)| workers_ai_config(&lookup, account_id, api_token));
        let prices = Prices::parse(&value(&PRICES)).unwrap_or_default();
        let shape = match value(&EMBEDDER).as_str() {
            "jina" => Some(crate::embeddings::Shape::Jina),
            "openai-style" => Some(crate::embeddings::Shape::OpenAiStyle),
            _ => None,
        };
        let embedder =
            shape
                .zip(get(&EMBEDDER_BASE_URL))
                .map(|(shape, base_url)| crate::embeddings::Config {
                    base_url,
                    api_key: get(&EMBEDDER_API_KEY),
                    model: value(&EMBEDDER_MODEL),
                    dimensions: get(&EMBEDDER_DIMENSIONS).and_then(|d| d.parse().ok()),
                    shape,
                });
        Self {
            embedder,
            openai,
            stability,
            replicate,
            workers_ai,
            prices,
            timeout_ms: number(&PROVIDER_TIMEOUT_MS).max(1),
            replicate_poll_ms: number(&REPLICATE_POLL_MS),
        }
    }

    /// [`ProviderSettings::read`] for a platform that reaches Workers AI through a binding
    /// (`env.AI` on Workers): Workers AI is configured without a token or account id (the
    /// binding needs none; the REST settings, when set too, are not used), with its model
    /// settings.
    pub fn read_with_ai_binding(lookup: impl Fn(&Setting) -> Option<String>) -> Self {
        let mut settings = Self::read(&lookup);
        if settings.workers_ai.is_none() {
            settings.workers_ai = Some(workers_ai_config(&lookup, String::new(), String::new()));
        }
        settings
    }

    /// The names of the configured providers (without the offline renderer).
    pub fn configured(&self) -> Vec<&'static str> {
        let mut names = Vec::new();
        if self.openai.is_some() {
            names.push("openai");
        }
        if self.stability.is_some() {
            names.push("stability");
        }
        if self.replicate.is_some() {
            names.push("replicate");
        }
        if self.workers_ai.is_some() {
            names.push("workers-ai");
        }
        names
    }
}

/// Workers AI's settings with the REST credentials given (empty over a binding, which uses
/// none of them).
fn workers_ai_config(
    lookup: impl Fn(&Setting) -> Option<String>,
    account_id: String,
    api_token: String,
) -> workers_ai::Config {
    let value = |s: &Setting| value_of(&lookup, s).unwrap_or_default();
    let model = value(&WORKERS_AI_MODEL);
    workers_ai::Config {
        base_url: value(&WORKERS_AI_BASE_URL),
        account_id,
        api_token,
        shape: if model.to_ascii_lowercase().contains("xl") {
            workers_ai::Shape::Sdxl
        } else {
            workers_ai::Shape::FluxSchnell
        },
        model,
        steps: None,
        guidance: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_provider_is_on_when_its_key_is_set_and_its_other_settings_default() {
        let s = ProviderSettings::read(|setting| match setting.name {
            "openai_api_key" => Some("sk-test".into()),
            "replicate_api_token" => Some("  ".into()),
            "replicate_model" => Some("stability-ai/sdxl".into()),
            "stability_api_key" => Some("sk-stab".into()),
            "stability_service" => Some("sd3".into()),
            "provider_timeout_ms" => Some("not a number".into()),
            _ => None,
        });
        let openai = s.openai.as_ref().unwrap();
        assert_eq!(openai.base_url, "https://api.openai.com");
        assert_eq!(openai.model, "gpt-image-1");
        assert_eq!(s.stability.as_ref().unwrap().service, "sd3");
        assert!(s.replicate.is_none(), "a blank token is no token");
        assert_eq!(s.configured(), ["openai", "stability"]);
        assert!(s.embedder.is_none(), "the offline descriptor by default");
        let clip = ProviderSettings::read(|setting| match setting.name {
            "embedder" => Some("openai-style".into()),
            "embedder_base_url" => Some("http://127.0.0.1:7997".into()),
            "embedder_model" => Some("fashion-clip".into()),
            "embedder_dimensions" => Some("512".into()),
            _ => None,
        });
        let config = clip.embedder.unwrap();
        assert_eq!(
            (config.model.as_str(), config.dimensions, config.api_key),
            ("fashion-clip", Some(512), None)
        );
        assert_eq!(s.timeout_ms, 120_000);
        assert!(!format!("{s:?}").contains("sk-"), "Debug never shows a key");
        assert_eq!(env_name(&OPENAI_API_KEY), "BFF_OPENAI_API_KEY");
        assert!(ALL.iter().filter(|s| s.secret).all(|s| s.default.is_none()));
    }

    #[test]
    fn the_budget_reads_its_prices_and_limit_or_says_what_is_wrong() {
        use bff_pipeline::ports::Provider;
        let read = budget(|s: &Setting| match s.name {
            "daily_budget_usd" => Some("2.5".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(read.daily_usd, Some(2.5));
        assert_eq!(
            read.prices.of(Provider::OpenAi),
            0.042,
            "the default prices"
        );
        let typo = budget(|s: &Setting| match s.name {
            "prices" => Some("opneai=0.04".into()),
            _ => None,
        });
        assert!(typo.unwrap_err().contains("prices"));
        let bad = budget(|s: &Setting| (s.name == "daily_budget_usd").then(|| "lots".into()));
        assert!(bad.unwrap_err().contains("daily_budget_usd"));
    }

    #[test]
    fn the_enabled_list_keeps_known_providers_once() {
        use bff_pipeline::ports::Provider;
        assert_eq!(
            enabled_providers(Some(" openai, sketch,nope,openai ,stability")),
            [Provider::OpenAi, Provider::Sketch, Provider::Stability]
        );
        assert_eq!(enabled_providers(None), [Provider::Sketch]);
        assert_eq!(enabled_providers(Some("")), [Provider::Sketch]);
    }
}
