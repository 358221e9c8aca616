//! The image providers on Workers: their calls go out through the runtime's `fetch`, their
//! settings come from the Worker's variables and secrets (`BFF_OPENAI_API_KEY`, ...;
//! `bff_providers::settings`). Workers AI goes through the Worker's `AI` binding when it has one
//! (`[ai] binding = "AI"`, the generate Worker's config), over REST otherwise.

use std::pin::pin;
use std::time::Duration;

use bff_providers::{
    AiBinding, AiOutput, HttpCall, HttpReply, HttpSend, ProviderSettings, Providers, TransportError,
};
use futures_util::future::{select, Either};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use worker::js_sys::{self, Object, Promise, Reflect, Uint8Array};
use worker::wasm_bindgen_futures::JsFuture;
use worker::{AbortController, Delay, Fetch, Headers, Method, Request, RequestInit};

/// The name of the Workers AI binding.
pub const AI_BINDING: &str = "AI";

/// The configured providers (and the offline renderer) of this Worker; Workers AI through the
/// `AI` binding when the Worker has it (then it needs no API token or account id, and wins
/// over REST settings set as well).
pub fn providers(env: &worker::Env) -> Providers<FetchHttp, WorkersAiBinding> {
    let ai = WorkersAiBinding::of(env);
    let settings = match ai {
        Some(_) => ProviderSettings::read_with_ai_binding(|setting| lookup(env, setting)),
        None => settings(env),
    };
    Providers::with_ai_binding(FetchHttp, ai, settings)
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
/// the Cache API). Workers AI is not probed on Workers: the generate Worker reaches it through
/// its `AI` binding, which has no free call (every run is billed), so it is reported as not
/// probed.
pub async fn reachability(env: &worker::Env) -> Vec<bff_http::NamedCheck> {
    use bff_pipeline::ports::Provider;
    let enabled = enabled(env);
    let probed: Vec<Provider> = enabled
        .iter()
        .copied()
        .filter(|p| *p != Provider::WorkersAi)
        .collect();
    let mut checks = bff_http::gateway::provider_checks(
        &FetchHttp,
        &crate::cache::EdgeCache::default(),
        |setting| lookup(env, setting),
        &probed,
    )
    .await;
    if enabled.contains(&Provider::WorkersAi) {
        checks.push((
            Provider::WorkersAi.to_string(),
            bff_http::Check::not_probed(
                "the generate Worker reaches it through its AI binding, whose every call is billed",
            ),
        ));
    }
    checks
}

#[wasm_bindgen]
extern "C" {
    /// `env.AI`: workerd's `Ai` (module `cloudflare-internal:ai-api`), called raw so that one
    /// call gives whatever the model returns, an object or a stream.
    type RawAi;

    #[wasm_bindgen(method, catch, js_name = run)]
    fn run(
        this: &RawAi,
        model: &str,
        input: &JsValue,
        options: &JsValue,
    ) -> Result<Promise, JsValue>;
}

/// The Worker's `AI` binding, through which Workers AI runs a model: the input is given as a
/// plain object (parsed from its JSON: `serde-wasm-bindgen` would make a JSON object a `Map`,
/// which the binding sends as `{}`), the output read by what it is (an object, a stream or
/// bytes), an error by its name and message. A run that does not finish within the provider
/// timeout is aborted (the binding's `signal` option), as a `fetch` is. The binding keeps the
/// options of its latest run on the shared object and reads some of them after the answer, so
/// every run passes options of the same shape (`{signal}` only), whatever runs overlap in a
/// batch.
pub struct WorkersAiBinding(JsValue);

impl WorkersAiBinding {
    /// The binding [`AI_BINDING`], when the Worker has one.
    pub fn of(env: &worker::Env) -> Option<Self> {
        env.ai(AI_BINDING).ok().map(|ai| Self(ai.into()))
    }
}

impl AiBinding for WorkersAiBinding {
    async fn run(
        &self,
        model: &str,
        input: &serde_json::Value,
        timeout_ms: u64,
    ) -> Result<AiOutput, TransportError> {
        let input = js_sys::JSON::parse(&input.to_string()).map_err(|e| TransportError {
            message: format!("the input is not JSON: {}", thrown(&e)),
        })?;
        let controller = AbortController::default();
        let options = Object::new();
        Reflect::set(&options, &"signal".into(), controller.signal().as_ref()).map_err(|e| {
            TransportError {
                message: thrown(&e),
            }
        })?;
        let promise = match self.0.unchecked_ref::<RawAi>().run(model, &input, &options) {
            Ok(promise) => promise,
            Err(e) => return Ok(AiOutput::Thrown(thrown(&e))),
        };
        let exchange = async {
            match JsFuture::from(promise).await {
                Ok(output) => read_output(output).await,
                Err(e) => Ok(AiOutput::Thrown(thrown(&e))),
            }
        };
        let timeout = Delay::from(Duration::from_millis(timeout_ms));
        match select(pin!(exchange), pin!(timeout)).await {
            Either::Left((output, _)) => output,
            Either::Right(_) => {
                controller.abort();
                Err(TransportError {
                    message: format!("no answer within {timeout_ms} ms"),
                })
            }
        }
    }
}

/// What `run` resolved to: a `ReadableStream` or bytes (an image), else an object.
async fn read_output(output: JsValue) -> Result<AiOutput, TransportError> {
    let transport = |e: JsValue| TransportError {
        message: format!("reading the output: {}", thrown(&e)),
    };
    if output.is_instance_of::<worker::web_sys::ReadableStream>() {
        let stream: worker::web_sys::ReadableStream = output.unchecked_into();
        let response = worker::web_sys::Response::new_with_opt_readable_stream(Some(&stream))
            .map_err(transport)?;
        let buffer = JsFuture::from(response.array_buffer().map_err(transport)?)
            .await
            .map_err(transport)?;
        return Ok(AiOutput::Bytes(Uint8Array::new(&buffer).to_vec()));
    }
    if let Some(bytes) = output.dyn_ref::<Uint8Array>() {
        return Ok(AiOutput::Bytes(bytes.to_vec()));
    }
    if output.is_instance_of::<js_sys::ArrayBuffer>() {
        return Ok(AiOutput::Bytes(Uint8Array::new(&output).to_vec()));
    }
    let text = js_sys::JSON::stringify(&output)
        .ok()
        .and_then(|t| t.as_string())
        .unwrap_or_else(|| "null".into());
    Ok(AiOutput::Object(
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
    ))
}

/// A thrown value as `name: message` (an `Error`), or its text.
fn thrown(value: &JsValue) -> String {
    match value.dyn_ref::<js_sys::Error>() {
        Some(error) => format!(
            "{}: {}",
            String::from(error.name()),
            String::from(error.message())
        ),
        None => value.as_string().unwrap_or_else(|| format!("{value:?}")),
    }
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
