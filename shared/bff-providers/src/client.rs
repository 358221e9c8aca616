//! The image providers behind the pipeline's [`ImageProvider`] port: each request goes to the
//! provider the variant names, through an [`HttpSend`] the platform supplies (Workers `fetch`,
//! Spin's outbound HTTP, a blocking client natively), and each answer is read by the provider's
//! module. The sketch renderer (and its development twin) answer offline as before.
//!
//! Workers AI has two transports: its REST API over the [`HttpSend`], or a platform's binding
//! ([`AiBinding`]: `env.AI` on Workers), which wins when the platform has one
//! ([`Providers::with_ai_binding`]). Everything after the model's output (reading it, the
//! parameters, the model name, the price) is the same for both.
//!
//! Failures become the pipeline's [`ProviderError`]s, the same for every provider:
//! retry (no sooner than a `retry-after`), moderated, stopped (key or quota), rejected.

use bff_pipeline::offline::SketchProvider;
use bff_pipeline::ports::{ImageProvider, ImageRequest, Provider, ProviderError, ProviderImage};

use crate::settings::ProviderSettings;
use crate::{openai, replicate, stability, workers_ai, Failure, Generated, HttpCall, HttpReply};

/// Why an HTTP exchange did not complete: nothing was read (a timeout, a refused or dropped
/// connection). Always worth retrying.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportError {
    pub message: String,
}

/// Sends provider calls. One implementation per platform; a call holds the provider key in its
/// headers, so an implementation never logs a call.
#[allow(async_fn_in_trait)]
pub trait HttpSend {
    /// Sends `call` and reads the whole answer, giving up after `timeout_ms`.
    async fn send(&self, call: &HttpCall, timeout_ms: u64) -> Result<HttpReply, TransportError>;

    /// Waits `ms` (between the polls of a Replicate prediction).
    async fn sleep(&self, ms: u64);
}

/// What a Workers AI binding's `run(model, input)` gave back.
#[derive(Debug, Clone, PartialEq)]
pub enum AiOutput {
    /// An object (FLUX's `{image}`).
    Object(serde_json::Value),
    /// The bytes of a stream, read whole (SDXL's PNG).
    Bytes(Vec<u8>),
    /// What it threw, as `name: message` (`InferenceUpstreamError: 3040: ...`).
    Thrown(String),
}

/// A platform's binding to Workers AI (`env.AI` on Workers), which runs a model without an API
/// token or account id. One implementation per platform that has one.
#[allow(async_fn_in_trait)]
pub trait AiBinding {
    /// Runs `model` on `input` (an object, given to the binding as a plain object), giving up
    /// after `timeout_ms` with a [`TransportError`], as [`HttpSend::send`] does.
    async fn run(
        &self,
        model: &str,
        input: &serde_json::Value,
        timeout_ms: u64,
    ) -> Result<AiOutput, TransportError>;
}

/// No Workers AI binding: Workers AI goes over its REST API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoAiBinding {}

impl AiBinding for NoAiBinding {
    async fn run(
        &self,
        _: &str,
        _: &serde_json::Value,
        _: u64,
    ) -> Result<AiOutput, TransportError> {
        match *self {}
    }
}

/// Longest a Replicate prediction is polled before the variant is retried later.
pub const MAX_POLLS: u32 = 120;

/// Every configured provider, and the offline renderer.
pub struct Providers<H, A = NoAiBinding> {
    http: H,
    /// Workers AI's binding, when the platform has one: then Workers AI goes through it, not
    /// over REST.
    ai: Option<A>,
    settings: ProviderSettings,
}

impl<H: HttpSend> Providers<H> {
    pub fn new(http: H, settings: ProviderSettings) -> Self {
        Self {
            http,
            ai: None,
            settings,
        }
    }
}

impl<H: HttpSend, A: AiBinding> Providers<H, A> {
    /// The providers with Workers AI reached through `ai` when it is given (over REST
    /// otherwise). With a binding, Workers AI needs no token or account id: its settings are
    /// the model's (`ProviderSettings::read_with_ai_binding`).
    pub fn with_ai_binding(http: H, ai: Option<A>, settings: ProviderSettings) -> Self {
        Self { http, ai, settings }
    }

    pub fn settings(&self) -> &ProviderSettings {
        &self.settings
    }

    async fn send(&self, provider: Provider, call: &HttpCall) -> Result<HttpReply, ProviderError> {
        self.http
            .send(call, self.settings.timeout_ms)
            .await
            .map_err(|e| not_reached(provider, e))
    }

    async fn openai(&self, request: &ImageRequest<'_>) -> Result<Generated, ProviderError> {
        let config = configured(&self.settings.openai, request.provider)?;
        let ask = openai::Ask {
            prompt: request.prompt,
            width: request.parameters.width,
            height: request.parameters.height,
            seed: request.seed,
        };
        let reply = self
            .send(request.provider, &openai::call(config, &ask))
            .await?;
        openai::read(config, &ask, &reply).map_err(|f| error(request.provider, f))
    }

    async fn stability(&self, request: &ImageRequest<'_>) -> Result<Generated, ProviderError> {
        let config = configured(&self.settings.stability, request.provider)?;
        let ask = stability::Ask {
            prompt: request.prompt,
            negative_prompt: request.negative_prompt,
            width: request.parameters.width,
            height: request.parameters.height,
            seed: request.seed,
        };
        let boundary = boundary(request.image_id);
        let reply = self
            .send(request.provider, &stability::call(config, &ask, &boundary))
            .await?;
        stability::read(config, &ask, &reply).map_err(|f| error(request.provider, f))
    }

    async fn replicate(&self, request: &ImageRequest<'_>) -> Result<Generated, ProviderError> {
        let provider = request.provider;
        let config = configured(&self.settings.replicate, provider)?;
        let ask = replicate::Ask {
            prompt: request.prompt,
            negative_prompt: request.negative_prompt,
            width: request.parameters.width,
            height: request.parameters.height,
            seed: request.seed,
        };
        let mut reply = self
            .send(provider, &replicate::create(config, &ask))
            .await?;
        for _ in 0..MAX_POLLS {
            match replicate::next(config, &reply).map_err(|f| error(provider, f))? {
                replicate::Next::Poll(poll) => {
                    self.http.sleep(self.settings.replicate_poll_ms).await;
                    reply = self.send(provider, &poll).await?;
                }
                // The output URL expires within the hour: download now, the stage stores it.
                replicate::Next::Download(download) => {
                    let image = self.send(provider, &download).await?;
                    return replicate::read_image(config, &ask, &image)
                        .map_err(|f| error(provider, f));
                }
            }
        }
        Err(ProviderError::Unavailable {
            message: format!("{provider}: the prediction did not finish after {MAX_POLLS} polls"),
            retry_after_ms: None,
        })
    }
}

impl<H: HttpSend, A: AiBinding> Providers<H, A> {
    /// Workers AI: through the platform's binding when there is one (one `run` of the model,
    /// its output read by what it is), else over its REST API.
    async fn workers_ai(&self, request: &ImageRequest<'_>) -> Result<Generated, ProviderError> {
        let provider = request.provider;
        let config = configured(&self.settings.workers_ai, provider)?;
        let ask = workers_ai::Ask {
            prompt: request.prompt,
            negative_prompt: request.negative_prompt,
            width: request.parameters.width,
            height: request.parameters.height,
            seed: request.seed,
        };
        let read = match &self.ai {
            Some(ai) => {
                let input = workers_ai::input(config, &ask);
                let output = ai
                    .run(&config.model, &input, self.settings.timeout_ms)
                    .await
                    .map_err(|e| not_reached(provider, e))?;
                match output {
                    AiOutput::Object(value) => workers_ai::read_binding_json(config, &ask, &value),
                    AiOutput::Bytes(bytes) => workers_ai::read_binding_bytes(config, &ask, &bytes),
                    AiOutput::Thrown(message) => Err(workers_ai::binding_error(&message)),
                }
            }
            None => {
                let reply = self.send(provider, &workers_ai::call(config, &ask)).await?;
                workers_ai::read(config, &ask, &reply)
            }
        };
        read.map_err(|f| error(provider, f))
    }
}

impl<H: HttpSend, A: AiBinding> ImageProvider for Providers<H, A> {
    async fn generate(&self, request: &ImageRequest<'_>) -> Result<ProviderImage, ProviderError> {
        let generated = match request.provider {
            Provider::Sketch | Provider::FlakySketch => {
                return SketchProvider.generate(request).await
            }
            Provider::OpenAi => self.openai(request).await?,
            Provider::Stability => self.stability(request).await?,
            Provider::Replicate => self.replicate(request).await?,
            Provider::WorkersAi => self.workers_ai(request).await?,
        };
        let model = generated
            .parameters
            .get("model")
            .and_then(|m| m.as_str())
            .map_or_else(
                || request.provider.to_string(),
                |m| format!("{}/{m}", request.provider),
            );
        Ok(ProviderImage {
            png: generated.png,
            width: generated.width,
            height: generated.height,
            model,
            parameters: generated.parameters,
            // A model cannot say what it drew: the stage assumes the requested values.
            drawn: None,
            approximated: Vec::new(),
            quality: None,
            cost: self.settings.prices.of(request.provider),
        })
    }
}

/// Nothing was read (a timeout, a dropped connection): worth a retry.
fn not_reached(provider: Provider, e: TransportError) -> ProviderError {
    ProviderError::Unavailable {
        message: format!("{provider}: {}", e.message),
        retry_after_ms: None,
    }
}

fn configured<T>(config: &Option<T>, provider: Provider) -> Result<&T, ProviderError> {
    config
        .as_ref()
        .ok_or(ProviderError::NotConfigured { provider })
}

/// The pipeline's error for a provider's failure.
pub fn error(provider: Provider, failure: Failure) -> ProviderError {
    match failure {
        Failure::Retry { after_ms, message } => ProviderError::Unavailable {
            message,
            retry_after_ms: after_ms,
        },
        Failure::Stop { message } => ProviderError::Stopped { provider, message },
        Failure::Moderated { reason } => ProviderError::Moderated { reason },
        Failure::Rejected { message } | Failure::Malformed { message } => {
            ProviderError::Rejected { message }
        }
    }
}

/// A multipart boundary for one image: derived from its id (so a retry sends the same bytes),
/// made of characters a prompt from the planner never holds in this order.
fn boundary(image_id: &str) -> String {
    let hash = image_id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("----bff-form-{hash:016x}")
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::collections::VecDeque;

    use bff_domain::prompt::QualityParameters;

    use super::*;
    use crate::settings::Setting;
    use crate::testing;

    /// Answers calls from a script, recording them.
    struct Scripted {
        replies: RefCell<VecDeque<Result<HttpReply, TransportError>>>,
        calls: RefCell<Vec<HttpCall>>,
        slept: RefCell<Vec<u64>>,
    }

    impl Scripted {
        fn new(replies: Vec<Result<HttpReply, TransportError>>) -> Self {
            Self {
                replies: RefCell::new(replies.into()),
                calls: RefCell::default(),
                slept: RefCell::default(),
            }
        }
    }

    impl HttpSend for &Scripted {
        async fn send(&self, call: &HttpCall, _: u64) -> Result<HttpReply, TransportError> {
            self.calls.borrow_mut().push(call.clone());
            self.replies
                .borrow_mut()
                .pop_front()
                .expect("no more scripted replies")
        }
        async fn sleep(&self, ms: u64) {
            self.slept.borrow_mut().push(ms);
        }
    }

    fn settings() -> ProviderSettings {
        ProviderSettings::read(|setting| {
            let value = match setting.name {
                "openai_api_key" => "sk-openai",
                "stability_api_key" => "sk-stability",
                "replicate_api_token" => "r8-token",
                "openai_base_url" => "http://openai.test",
                "replicate_base_url" => "http://replicate.test",
                "replicate_poll_ms" => "250",
                _ => return None,
            };
            Some(value.to_string())
        })
    }

    fn generate(http: &Scripted, provider: Provider) -> Result<ProviderImage, ProviderError> {
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
            image_id: "job-1-004",
            provider,
            model: provider.model_family(),
            prompt: "a black midi dress",
            negative_prompt: "blurry",
            attributes: &[],
            seed: 42,
            parameters: &parameters,
        };
        pollster::block_on(Providers::new(http, settings()).generate(&request))
    }

    fn png_reply() -> HttpReply {
        testing::reply(200, &[("content-type", "image/png")], testing::png(8, 12))
    }

    #[test]
    fn openai_answers_become_images_or_the_pipelines_errors() {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD.encode(testing::png(8, 12));
        let ok = testing::reply(200, &[], format!(r#"{{"data":[{{"b64_json":"{b64}"}}]}}"#));
        let http = Scripted::new(vec![Ok(ok)]);
        let image = generate(&http, Provider::OpenAi).unwrap();
        assert_eq!(
            (image.width, image.height, image.model.as_str()),
            (8, 12, "openai/gpt-image-1")
        );
        assert_eq!(
            http.calls.borrow()[0].url,
            "http://openai.test/v1/images/generations"
        );

        let limited = testing::reply(
            429,
            &[("retry-after", "2")],
            r#"{"error":{"message":"slow down","code":"rate_limit_exceeded"}}"#,
        );
        assert_eq!(
            generate(&Scripted::new(vec![Ok(limited)]), Provider::OpenAi),
            Err(ProviderError::Unavailable {
                message: "openai answered 429: slow down".into(),
                retry_after_ms: Some(2000)
            })
        );
        let bad_key = testing::reply(
            401,
            &[],
            r#"{"error":{"message":"Incorrect API key provided"}}"#,
        );
        assert!(matches!(
            generate(&Scripted::new(vec![Ok(bad_key)]), Provider::OpenAi),
            Err(ProviderError::Stopped {
                provider: Provider::OpenAi,
                ..
            })
        ));
        let moderated = testing::reply(
            400,
            &[],
            r#"{"error":{"message":"rejected by the safety system","code":"moderation_blocked"}}"#,
        );
        assert!(matches!(
            generate(&Scripted::new(vec![Ok(moderated)]), Provider::OpenAi),
            Err(ProviderError::Moderated { .. })
        ));
        let dropped = Err(TransportError {
            message: "connection reset".into(),
        });
        assert!(matches!(
            generate(&Scripted::new(vec![dropped]), Provider::OpenAi),
            Err(ProviderError::Unavailable {
                retry_after_ms: None,
                ..
            })
        ));
    }

    #[test]
    fn replicate_is_polled_then_downloaded_at_once() {
        let starting = testing::reply(201, &[], r#"{"id":"p1","status":"starting"}"#);
        let done = testing::reply(
            200,
            &[],
            r#"{"id":"p1","status":"succeeded","output":["http://files.test/p1.png"]}"#,
        );
        let http = Scripted::new(vec![Ok(starting), Ok(done), Ok(png_reply())]);
        let image = generate(&http, Provider::Replicate).unwrap();
        assert_eq!(image.model, "replicate/black-forest-labs/flux-schnell");
        let urls: Vec<String> = http.calls.borrow().iter().map(|c| c.url.clone()).collect();
        assert_eq!(
            urls,
            [
                "http://replicate.test/v1/models/black-forest-labs/flux-schnell/predictions",
                "http://replicate.test/v1/predictions/p1",
                "http://files.test/p1.png"
            ]
        );
        assert_eq!(*http.slept.borrow(), [250]);
    }

    #[test]
    fn stability_sends_the_same_form_on_a_retry_and_filtered_images_are_moderated() {
        let filtered = testing::reply(
            200,
            &[
                ("content-type", "image/png"),
                ("finish-reason", "CONTENT_FILTERED"),
            ],
            testing::png(8, 12),
        );
        let http = Scripted::new(vec![Ok(filtered), Ok(png_reply())]);
        assert!(matches!(
            generate(&http, Provider::Stability),
            Err(ProviderError::Moderated { .. })
        ));
        generate(&http, Provider::Stability).unwrap();
        let calls = http.calls.borrow();
        assert_eq!(calls[0], calls[1], "one image, one request body");
    }

    /// A Workers AI binding answering from a script, recording the runs.
    struct ScriptedAi {
        outputs: RefCell<VecDeque<Result<AiOutput, TransportError>>>,
        runs: RefCell<Vec<(String, serde_json::Value, u64)>>,
    }

    impl AiBinding for &ScriptedAi {
        async fn run(
            &self,
            model: &str,
            input: &serde_json::Value,
            timeout_ms: u64,
        ) -> Result<AiOutput, TransportError> {
            self.runs
                .borrow_mut()
                .push((model.to_string(), input.clone(), timeout_ms));
            self.outputs
                .borrow_mut()
                .pop_front()
                .expect("no more scripted outputs")
        }
    }

    fn workers_ai_request(parameters: &QualityParameters) -> ImageRequest<'_> {
        ImageRequest {
            image_id: "job-1-002",
            provider: Provider::WorkersAi,
            model: Provider::WorkersAi.model_family(),
            prompt: "a black midi dress",
            negative_prompt: "blurry",
            attributes: &[],
            seed: 42,
            parameters,
        }
    }

    fn workers_ai_lookup(rest: bool, model: &'static str) -> impl Fn(&Setting) -> Option<String> {
        move |setting: &Setting| {
            let value = match setting.name {
                "workers_ai_api_token" if rest => "cf-token",
                "workers_ai_account_id" if rest => "acc1",
                "workers_ai_base_url" => "http://cloudflare.test",
                "workers_ai_model" => model,
                "prices" => "workers-ai=0.002",
                "provider_timeout_ms" => "5000",
                _ => return None,
            };
            Some(value.to_string())
        }
    }

    const FLUX: &str = "@cf/black-forest-labs/flux-1-schnell";
    const SDXL: &str = "@cf/stabilityai/stable-diffusion-xl-base-1.0";

    #[test]
    fn workers_ai_through_a_binding_makes_the_image_rest_makes() {
        use base64::Engine;
        let parameters = QualityParameters {
            width: 512,
            height: 768,
            steps: None,
            guidance: None,
            sampler: None,
            quality: None,
            style: None,
        };
        let request = workers_ai_request(&parameters);
        let jpeg = testing::jpeg(16, 16);
        let b64 = base64::engine::general_purpose::STANDARD.encode(&jpeg);

        // REST: the envelope over HTTP.
        let envelope = testing::reply(
            200,
            &[("content-type", "application/json")],
            format!(r#"{{"result":{{"image":"{b64}"}},"success":true,"errors":[],"messages":[]}}"#),
        );
        let http = Scripted::new(vec![Ok(envelope)]);
        let rest = Providers::new(&http, ProviderSettings::read(workers_ai_lookup(true, FLUX)));
        let over_rest = pollster::block_on(rest.generate(&request)).unwrap();
        assert_eq!(
            http.calls.borrow()[0].url,
            format!("http://cloudflare.test/client/v4/accounts/acc1/ai/run/{FLUX}")
        );

        // The binding, configured alongside REST: it wins, and no HTTP call is made.
        let ai = ScriptedAi {
            outputs: RefCell::new(
                vec![Ok(AiOutput::Object(serde_json::json!({ "image": b64 })))].into(),
            ),
            runs: RefCell::default(),
        };
        let none = Scripted::new(vec![]);
        let bound = Providers::with_ai_binding(
            &none,
            Some(&ai),
            ProviderSettings::read_with_ai_binding(workers_ai_lookup(true, FLUX)),
        );
        let over_binding = pollster::block_on(bound.generate(&request)).unwrap();
        assert!(none.calls.borrow().is_empty());
        assert_eq!(over_binding, over_rest, "one mapping for both transports");
        assert_eq!(
            over_binding.model,
            format!("workers-ai/{FLUX}"),
            "the model recorded"
        );
        assert_eq!(over_binding.cost, 0.002);
        assert_eq!(over_binding.parameters["converted_from"], "jpeg");
        let runs = ai.runs.borrow();
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].0, FLUX);
        assert_eq!(
            runs[0].1,
            serde_json::json!({ "prompt": "a black midi dress", "steps": 4, "seed": 42 })
        );
        assert_eq!(runs[0].2, 5000, "the provider timeout");
    }

    #[test]
    fn a_binding_needs_no_token_and_its_bytes_errors_and_timeouts_are_read() {
        let parameters = QualityParameters {
            width: 512,
            height: 768,
            steps: None,
            guidance: None,
            sampler: None,
            quality: None,
            style: None,
        };
        let request = workers_ai_request(&parameters);
        // Without a token or account id, Workers AI is configured through a binding only.
        assert!(ProviderSettings::read(workers_ai_lookup(false, SDXL))
            .workers_ai
            .is_none());
        let settings = ProviderSettings::read_with_ai_binding(workers_ai_lookup(false, SDXL));
        let none = Scripted::new(vec![]);
        let timed_out = TransportError {
            message: "no answer within 5000 ms".into(),
        };
        let ai = ScriptedAi {
            outputs: RefCell::new(
                vec![
                    Ok(AiOutput::Bytes(testing::png(8, 12))),
                    Ok(AiOutput::Thrown(
                        "InferenceUpstreamError: 3030: AiError: Input prompt contains NSFW content."
                            .into(),
                    )),
                    Ok(AiOutput::Thrown(
                        "OutOfCapacity: 3040: No more data centers to forward the request to".into(),
                    )),
                    Ok(AiOutput::Thrown("AccountLimited: 3036: daily free allocation".into())),
                    Ok(AiOutput::Bytes(b"<html>".to_vec())),
                    Err(timed_out),
                ]
                .into(),
            ),
            runs: RefCell::default(),
        };
        let providers = Providers::with_ai_binding(&none, Some(&ai), settings);
        let generate = || pollster::block_on(providers.generate(&request));
        let image = generate().unwrap();
        assert_eq!((image.width, image.height), (8, 12));
        assert_eq!(image.model, format!("workers-ai/{SDXL}"));
        assert!(
            matches!(generate(), Err(ProviderError::Moderated { reason }) if reason.contains("3030"))
        );
        assert!(matches!(
            generate(),
            Err(ProviderError::Unavailable {
                retry_after_ms: None,
                ..
            })
        ));
        assert!(matches!(
            generate(),
            Err(ProviderError::Stopped {
                provider: Provider::WorkersAi,
                ..
            })
        ));
        assert!(matches!(generate(), Err(ProviderError::Rejected { .. })));
        assert_eq!(
            generate(),
            Err(ProviderError::Unavailable {
                message: "workers-ai: no answer within 5000 ms".into(),
                retry_after_ms: None
            })
        );
        assert!(none.calls.borrow().is_empty());
        let sdxl_input = &ai.runs.borrow()[0].1;
        assert_eq!(sdxl_input["negative_prompt"], "blurry");
        assert_eq!(sdxl_input["width"], 512);
    }

    #[test]
    fn unconfigured_providers_and_the_sketch_renderer() {
        let http = Scripted::new(vec![]);
        let none = Providers::new(&http, ProviderSettings::none());
        let parameters = QualityParameters {
            width: 64,
            height: 96,
            steps: None,
            guidance: None,
            sampler: None,
            quality: None,
            style: None,
        };
        let mut request = ImageRequest {
            image_id: "job-1-000",
            provider: Provider::OpenAi,
            model: Provider::OpenAi.model_family(),
            prompt: "a dress",
            negative_prompt: "",
            attributes: &[],
            seed: 1,
            parameters: &parameters,
        };
        assert_eq!(
            pollster::block_on(none.generate(&request)),
            Err(ProviderError::NotConfigured {
                provider: Provider::OpenAi
            })
        );
        request.provider = Provider::Sketch;
        assert!(pollster::block_on(none.generate(&request)).is_ok());
        assert!(http.calls.borrow().is_empty());
    }
}
