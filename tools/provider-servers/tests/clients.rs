//! The product's provider clients as the pipeline calls them (`bff_providers::Providers` over
//! `NativeHttp`, behind the `ImageProvider` port; `HttpEmbedder` behind `ImageEmbedder`), against
//! the provider servers: what each kind of answer becomes for the pipeline, provider by provider.

use bff_domain::prompt::{ModelFamily, QualityParameters};
use bff_pipeline::ports::{
    EmbedderError, ImageEmbedder, ImageProvider, ImageRequest, Provider as Pipeline, ProviderError,
    ProviderImage,
};
use bff_provider_servers::{Provider, ProviderConfig, ProviderServer};
use bff_providers::embedder::HttpEmbedder;
use bff_providers::native::NativeHttp;
use bff_providers::settings::Setting;
use bff_providers::{
    AiBinding, AiOutput, HttpCall, HttpSend, ProviderSettings, Providers, TransportError,
};

const KEY: &str = "sk-test-clients-0123456789";

fn server(provider: Provider, change: impl FnOnce(&mut ProviderConfig)) -> ProviderServer {
    let mut config = ProviderConfig::with_key(KEY);
    change(&mut config);
    ProviderServer::start(provider, &config).expect("a provider server")
}

/// The clients configured for `server`, with `key` as its credential.
fn providers(server: &ProviderServer, key: &str, timeout_ms: u64) -> Providers<NativeHttp> {
    let url = server.url().to_string();
    let settings = ProviderSettings::read(|s: &Setting| {
        let value = match s.name {
            "openai_api_key"
            | "stability_api_key"
            | "replicate_api_token"
            | "workers_ai_api_token" => key.to_string(),
            "openai_base_url"
            | "stability_base_url"
            | "replicate_base_url"
            | "workers_ai_base_url" => url.clone(),
            "workers_ai_account_id" => "account-1".into(),
            "replicate_poll_ms" => "50".into(),
            "provider_timeout_ms" => timeout_ms.to_string(),
            "prices" => "openai=0.04,stability=0.03,replicate=0.01,workers-ai=0.002".into(),
            _ => return None,
        };
        Some(value)
    });
    Providers::new(NativeHttp, settings)
}

fn generate(
    clients: &impl ImageProvider,
    provider: Pipeline,
    prompt: &str,
) -> Result<ProviderImage, ProviderError> {
    let parameters = QualityParameters {
        width: 512,
        height: 768,
        steps: None,
        guidance: None,
        sampler: None,
        quality: None,
        style: None,
    };
    let request = ImageRequest {
        image_id: "job-1-000",
        provider,
        model: match provider {
            Pipeline::OpenAi => ModelFamily::Dalle,
            _ => ModelFamily::StableDiffusion,
        },
        prompt,
        negative_prompt: "blurry, extra limbs",
        attributes: &[],
        seed: 42,
        parameters: &parameters,
    };
    pollster::block_on(clients.generate(&request))
}

const PAIRS: [(Provider, Pipeline); 4] = [
    (Provider::Openai, Pipeline::OpenAi),
    (Provider::Stability, Pipeline::Stability),
    (Provider::Replicate, Pipeline::Replicate),
    (Provider::WorkersAi, Pipeline::WorkersAi),
];

#[test]
fn every_provider_draws_a_png_priced_and_nothing_is_refused() {
    for (stand_in, provider) in PAIRS {
        let server = server(stand_in, |_| {});
        let clients = providers(&server, KEY, 10_000);
        let image = generate(&clients, provider, "a linen midi dress in terracotta")
            .unwrap_or_else(|e| panic!("{provider}: {e}"));
        assert!(image.png.starts_with(b"\x89PNG\r\n\x1a\n"), "{provider}");
        assert!(image.width > 0 && image.height > 0);
        assert!(
            image.model.starts_with(provider.as_str()),
            "{}",
            image.model
        );
        assert!(image.cost > 0.0, "{provider} priced");
        assert!(
            server.violations().is_empty(),
            "{provider}: {:?}",
            server.violations()
        );
    }
}

#[test]
fn a_rate_limit_asks_for_its_retry_after_and_a_server_error_is_retried() {
    for (stand_in, provider) in PAIRS {
        let limited = server(stand_in, |c| {
            c.rate_limit_first_attempt_every = 1;
            c.retry_after_s = 3;
        });
        let clients = providers(&limited, KEY, 10_000);
        match generate(&clients, provider, "a wool coat") {
            Err(ProviderError::Unavailable { retry_after_ms, .. }) => {
                assert_eq!(retry_after_ms, Some(3000), "{provider}")
            }
            other => panic!("{provider}: {other:?}"),
        }
        let failing = server(stand_in, |c| c.server_error_first_attempt_every = 1);
        let clients = providers(&failing, KEY, 10_000);
        assert!(
            matches!(
                generate(&clients, provider, "a wool coat"),
                Err(ProviderError::Unavailable {
                    retry_after_ms: None,
                    ..
                })
            ),
            "{provider}"
        );
        assert!(
            generate(&clients, provider, "a wool coat").is_ok(),
            "{provider}: the retry succeeds"
        );
    }
}

#[test]
fn a_wrong_key_or_no_credit_stops_and_never_shows_the_key() {
    for (stand_in, provider) in PAIRS {
        let server = server(stand_in, |_| {});
        let clients = providers(&server, "sk-wrong-key-987654321", 10_000);
        match generate(&clients, provider, "a silk blouse") {
            Err(e @ ProviderError::Stopped { .. }) => {
                assert!(!e.to_string().contains("sk-wrong-key-987654321"), "{e}")
            }
            other => panic!("{provider}: {other:?}"),
        }
        let broke = self::server(stand_in, |c| c.quota_exhausted = true);
        let clients = providers(&broke, KEY, 10_000);
        assert!(
            matches!(
                generate(&clients, provider, "a silk blouse"),
                Err(ProviderError::Stopped { .. })
            ),
            "{provider}"
        );
    }
}

#[test]
fn moderation_truncation_and_hangs_fail_the_variant_or_retry() {
    for (stand_in, provider) in PAIRS {
        let moderating = server(stand_in, |c| c.moderate_every = 1);
        let clients = providers(&moderating, KEY, 10_000);
        assert!(
            matches!(
                generate(&clients, provider, "an evening gown"),
                Err(ProviderError::Moderated { .. })
            ),
            "{provider}"
        );
        let truncating = server(stand_in, |c| c.truncate_every = 1);
        let clients = providers(&truncating, KEY, 10_000);
        assert!(
            matches!(
                generate(&clients, provider, "an evening gown"),
                Err(ProviderError::Rejected { .. })
            ),
            "{provider}: a truncated image fails its variant"
        );
        let hanging = server(stand_in, |c| {
            c.hang_every = 1;
            c.hang_ms = 5_000;
        });
        let clients = providers(&hanging, KEY, 300);
        assert!(
            matches!(
                generate(&clients, provider, "an evening gown"),
                Err(ProviderError::Unavailable { .. })
            ),
            "{provider}: past the timeout is retried"
        );
    }
}

#[test]
fn a_dead_provider_is_unavailable() {
    for (stand_in, provider) in PAIRS {
        let dead = server(stand_in, |c| c.dead = true);
        let clients = providers(&dead, KEY, 10_000);
        assert!(
            matches!(
                generate(&clients, provider, "a trench coat"),
                Err(ProviderError::Unavailable { .. })
            ),
            "{provider}"
        );
    }
}

#[test]
fn the_embedding_services_give_one_space_for_images_and_texts() {
    use bff_providers::embeddings::{Config, Shape};
    for (stand_in, shape, key) in [
        (Provider::Jina, Shape::Jina, Some(KEY.to_string())),
        (Provider::OpenaiEmbeddings, Shape::OpenAiStyle, None),
    ] {
        let server = ProviderServer::start(
            stand_in,
            &ProviderConfig {
                key: key.clone(),
                ..ProviderConfig::default()
            },
        )
        .unwrap();
        let config = Config {
            base_url: server.url().to_string(),
            api_key: key,
            model: "jina-clip-v2".into(),
            dimensions: Some(512),
            shape,
        };
        let clip = HttpEmbedder::new(NativeHttp, config, 10_000);
        let painter = self::server(Provider::Openai, |_| {});
        let clients = providers(&painter, KEY, 10_000);
        let png = generate(&clients, Pipeline::OpenAi, "a denim jacket")
            .unwrap()
            .png;
        let a = pollster::block_on(clip.embed(&png)).unwrap();
        let b = pollster::block_on(clip.embed(&png)).unwrap();
        assert_eq!(
            (a.vector.len(), &a.vector),
            (512, &b.vector),
            "{stand_in:?}"
        );
        assert_eq!(a.embedder, "jina-clip-v2@512");
        let texts = vec!["a fashion design of a denim jacket".to_string(); 3];
        let labels = pollster::block_on(clip.embed_texts(&texts))
            .unwrap()
            .unwrap();
        assert_eq!(labels.len(), 3);
        assert!(labels.iter().all(|v| v.len() == 512));
        assert!(server.violations().is_empty(), "{:?}", server.violations());
        let other = generate(&clients, Pipeline::OpenAi, "a pleated skirt")
            .unwrap()
            .png;
        let c = pollster::block_on(clip.embed(&other)).unwrap();
        assert_ne!(a.vector, c.vector, "another picture, another vector");
        let down = ProviderServer::start(
            stand_in,
            &ProviderConfig {
                dead: true,
                ..ProviderConfig::default()
            },
        )
        .unwrap();
        let config = Config {
            base_url: down.url().to_string(),
            api_key: Some(KEY.into()),
            model: "jina-clip-v2".into(),
            dimensions: Some(512),
            shape,
        };
        let busy = HttpEmbedder::new(NativeHttp, config, 10_000);
        assert!(matches!(
            pollster::block_on(busy.embed(&png)),
            Err(EmbedderError::Unavailable { .. })
        ));
    }
}

// ---- Workers AI through the `AI` binding ---------------------------------------------------

/// What workerd's `Ai.run` (module `cloudflare-internal:ai-api`) does with a JSON input, from its
/// source: `POST https://workers-binding.ai/run?version=3` to the binding's inner service (here
/// the stand-in) with the model in `cf-consn-model-id`; a non-2xx answer is thrown as an
/// `InferenceUpstreamError` read from `internalCode`/`description`/`name` or `errors[0]`; a
/// success typed exactly `application/json` is parsed, anything else is the body's bytes. The
/// e2e runs the real one under `wrangler dev`.
struct LikeTheBinding {
    base_url: String,
}

impl AiBinding for LikeTheBinding {
    async fn run(
        &self,
        model: &str,
        input: &serde_json::Value,
        timeout_ms: u64,
    ) -> Result<AiOutput, TransportError> {
        let call = HttpCall {
            method: "POST",
            url: format!("{}/run?version=3", self.base_url),
            headers: vec![
                ("content-type".into(), "application/json".into()),
                ("cf-consn-sdk-version".into(), "2.0.0".into()),
                ("cf-consn-model-id".into(), model.into()),
            ],
            body: serde_json::json!({ "inputs": input, "options": {} })
                .to_string()
                .into_bytes(),
        };
        let reply = NativeHttp.send(&call, timeout_ms).await?;
        if !(200..300).contains(&reply.status) {
            let text = String::from_utf8_lossy(&reply.body).to_string();
            let body: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            let thrown = if let Some(code) = body.get("internalCode") {
                let name = body["name"].as_str().unwrap_or("InferenceUpstreamError");
                format!(
                    "{name}: {code}: {}",
                    body["description"].as_str().unwrap_or("")
                )
            } else if let Some(first) = body["errors"].get(0) {
                format!(
                    "InferenceUpstreamError: {}: {}",
                    first["code"],
                    first["message"].as_str().unwrap_or("")
                )
            } else {
                format!("InferenceUpstreamError: {text}")
            };
            return Ok(AiOutput::Thrown(thrown));
        }
        if reply.header("content-type") == Some("application/json") {
            let value = serde_json::from_slice(&reply.body).map_err(|e| TransportError {
                message: e.to_string(),
            })?;
            return Ok(AiOutput::Object(value));
        }
        Ok(AiOutput::Bytes(reply.body))
    }
}

/// The clients with Workers AI through a binding to `server` (and, configured alongside, REST
/// to the same server, which must not be used).
fn bound(
    server: &ProviderServer,
    model: &str,
    timeout_ms: u64,
) -> Providers<NativeHttp, LikeTheBinding> {
    let url = server.url().to_string();
    let model = model.to_string();
    let settings = ProviderSettings::read_with_ai_binding(|s: &Setting| {
        Some(match s.name {
            "workers_ai_api_token" => KEY.to_string(),
            "workers_ai_account_id" => "account-1".into(),
            "workers_ai_base_url" => url.clone(),
            "workers_ai_model" => model.clone(),
            "provider_timeout_ms" => timeout_ms.to_string(),
            "prices" => "workers-ai=0.002".into(),
            _ => return None,
        })
    });
    let ai = LikeTheBinding {
        base_url: server.url().to_string(),
    };
    Providers::with_ai_binding(NativeHttp, Some(ai), settings)
}

const FLUX: &str = "@cf/black-forest-labs/flux-1-schnell";
const SDXL: &str = "@cf/stabilityai/stable-diffusion-xl-base-1.0";

#[test]
fn workers_ai_through_the_binding_draws_what_rest_draws() {
    for model in [FLUX, SDXL] {
        let server = server(Provider::WorkersAi, |_| {});
        let image = generate(
            &bound(&server, model, 10_000),
            Pipeline::WorkersAi,
            "a linen midi dress in terracotta",
        )
        .unwrap_or_else(|e| panic!("{model}: {e}"));
        assert!(image.png.starts_with(b"\x89PNG\r\n\x1a\n"), "{model}");
        assert_eq!(image.model, format!("workers-ai/{model}"));
        assert_eq!(image.cost, 0.002);
        assert_eq!(
            image.parameters["converted_from"],
            if model == FLUX {
                serde_json::json!("jpeg")
            } else {
                serde_json::Value::Null
            },
            "{model}"
        );
        let log = server.log();
        assert_eq!(log.len(), 1);
        assert_eq!(log[0].path, "/run", "through the binding, not over REST");
        assert!(
            server.violations().is_empty(),
            "{model}: {:?}",
            server.violations()
        );
        // The same prompt over REST gives the same picture.
        let rest = generate(
            &providers(&server, KEY, 10_000),
            Pipeline::WorkersAi,
            "a linen midi dress in terracotta",
        );
        if model == FLUX {
            assert_eq!(rest.unwrap().png, image.png);
        }
    }
}

#[test]
fn what_the_binding_throws_becomes_the_pipelines_errors() {
    let generate_with = |change: fn(&mut ProviderConfig), timeout_ms| {
        let server = server(Provider::WorkersAi, change);
        let clients = bound(&server, FLUX, timeout_ms);
        let first = generate(&clients, Pipeline::WorkersAi, "an evening gown");
        let second = generate(&clients, Pipeline::WorkersAi, "an evening gown");
        assert!(server.violations().is_empty(), "{:?}", server.violations());
        assert!(server.log().iter().all(|e| e.path == "/run"));
        (first, second)
    };
    let (moderated, again) = generate_with(|c| c.moderate_every = 1, 10_000);
    assert!(
        matches!(&moderated, Err(ProviderError::Moderated { reason }) if reason.contains("3030")),
        "{moderated:?}"
    );
    assert!(matches!(again, Err(ProviderError::Moderated { .. })));
    // Out of capacity: retried (the binding drops `retry-after`, so the back-off decides), and
    // the retry at once is no violation.
    let (limited, retried) = generate_with(
        |c| {
            c.rate_limit_first_attempt_every = 1;
            c.retry_after_s = 30;
        },
        10_000,
    );
    assert!(
        matches!(
            &limited,
            Err(ProviderError::Unavailable { message, retry_after_ms: None }) if message.contains("3040")
        ),
        "{limited:?}"
    );
    assert!(retried.is_ok(), "{retried:?}");
    let (failed, retried) = generate_with(|c| c.server_error_first_attempt_every = 1, 10_000);
    assert!(matches!(failed, Err(ProviderError::Unavailable { .. })));
    assert!(retried.is_ok());
    let (broke, _) = generate_with(|c| c.quota_exhausted = true, 10_000);
    assert!(
        matches!(&broke, Err(ProviderError::Stopped { provider: Pipeline::WorkersAi, message }) if message.contains("3036")),
        "{broke:?}"
    );
    let (dead, _) = generate_with(|c| c.dead = true, 10_000);
    assert!(matches!(dead, Err(ProviderError::Unavailable { .. })));
    let (cut, _) = generate_with(|c| c.truncate_every = 1, 10_000);
    assert!(matches!(cut, Err(ProviderError::Rejected { .. })));
    let (hung, after) = generate_with(
        |c| {
            c.hang_every = 1;
            c.hang_ms = 5_000;
        },
        300,
    );
    assert!(matches!(hung, Err(ProviderError::Unavailable { .. })));
    assert!(after.is_ok(), "{after:?}");
}
