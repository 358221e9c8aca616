//! The image providers behind the pipeline's [`ImageProvider`] port: each request goes to the
//! provider the variant names, through an [`HttpSend`] the platform supplies (Workers `fetch`,
//! Spin's outbound HTTP, a blocking client natively), and each answer is read by the provider's
//! module. The sketch renderer (and its development twin) answer offline as before.
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

/// Longest a Replicate prediction is polled before the variant is retried later.
pub const MAX_POLLS: u32 = 120;

/// Every configured provider, and the offline renderer.
pub struct Providers<H> {
    http: H,
    settings: ProviderSettings,
}

impl<H: HttpSend> Providers<H> {
    pub fn new(http: H, settings: ProviderSettings) -> Self {
        Self { http, settings }
    }

    pub fn settings(&self) -> &ProviderSettings {
        &self.settings
    }

    async fn send(&self, provider: Provider, call: &HttpCall) -> Result<HttpReply, ProviderError> {
        self.http
            .send(call, self.settings.timeout_ms)
            .await
            .map_err(|e| ProviderError::Unavailable {
                message: format!("{provider}: {}", e.message),
                retry_after_ms: None,
            })
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

impl<H: HttpSend> Providers<H> {
    /// Workers AI over its REST API (the same on every platform; the Workers `AI` binding is not
    /// used: it reaches Cloudflare's models only from a deployed or logged-in session, so it
    /// could not be exercised offline).
    async fn workers_ai(&self, request: &ImageRequest<'_>) -> Result<Generated, ProviderError> {
        let config = configured(&self.settings.workers_ai, request.provider)?;
        let ask = workers_ai::Ask {
            prompt: request.prompt,
            negative_prompt: request.negative_prompt,
            width: request.parameters.width,
            height: request.parameters.height,
            seed: request.seed,
        };
        let reply = self
            .send(request.provider, &workers_ai::call(config, &ask))
            .await?;
        workers_ai::read(config, &ask, &reply).map_err(|f| error(request.provider, f))
    }
}

impl<H: HttpSend> ImageProvider for Providers<H> {
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
