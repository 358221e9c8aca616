//! Cloudflare Workers AI, in both of the forms it is reached by.
//!
//! Over REST: `POST /client/v4/accounts/{account_id}/ai/run/{model}` with
//! `authorization: Bearer <token>` and a JSON body.
//!
//! - `@cf/black-forest-labs/flux-1-schnell`: `prompt` (required, 1 to 2048 characters), `steps`
//!   (1 to 8, 4 by default), `seed` (a non-negative integer). Answers
//!   `{"result": {"image": <base64 JPEG>}, "success": true, "errors": [], "messages": []}`.
//! - `@cf/stabilityai/stable-diffusion-xl-base-1.0`: `prompt` (required), `negative_prompt`,
//!   `height` and `width` (256 to 2048), `num_steps` (1 to 20), `guidance`, `seed`, and for
//!   image-to-image `image`, `image_b64`, `mask`, `strength`. Answers the PNG's bytes.
//!
//! Errors are Cloudflare's envelope `{"result": null, "success": false, "errors": [{"code",
//! "message"}], "messages": []}`: 401 code 10000 for a missing or wrong token (403 for a token
//! of another account when `account_id` is set), 400 code 5006 for a bad input (unknown fields
//! included), 400 code 5007 for an unknown model, 400 code 3030 for a moderated prompt, 429 code
//! 3040 for capacity (with `retry-after`), 429 code 4006 for a used-up daily allocation, 500 and
//! 503 code 3043.
//!
//! Through the `AI` binding of a Worker: the binding (workerd's `cloudflare-internal:ai-api`,
//! class `Ai`) turns `env.AI.run(model, inputs)` into a request to its inner service, which this
//! server stands in for under `wrangler dev` (`tools/provider-servers/miniflare/
//! local-ai-plugin.mjs` points the binding here):
//! - `POST /run?version=3` (no other query), `content-type: application/json` exactly,
//!   `cf-consn-model-id: <model>`, `cf-consn-sdk-version: <version>`, no credential (the binding
//!   is the account's), body `{"inputs": {..}, "options": {..}}`. The inputs are checked as over
//!   REST.
//! - Success: FLUX `{"image": <base64 JPEG>}` with `content-type: application/json` exactly (the
//!   binding parses only that type as JSON; anything else reaches the Worker as a stream), SDXL
//!   the PNG's bytes as `image/png` (a `ReadableStream` in the Worker). No REST envelope.
//! - Errors: a non-2xx status whose body the binding turns into the `Error` it throws
//!   (`InferenceUpstreamError`): the errors of Cloudflare's table (Workers AI, Platform, Errors:
//!   5007 no such model, 3040 out of capacity, 3036 account limited) as
//!   `{"internalCode": N, "description": "..", "name": ".."}`, thrown as `name` with the message
//!   `N: description`; a model's refusals (5006 invalid input, 3030 moderated) and internal errors
//!   (3043) as `{"errors": [{"code": N, "message": ".."}]}`, thrown with the message
//!   `N: message`. Which of the two forms production uses for each error is not documented; the
//!   binding reads both the same way. It drops the headers of an error, so a `retry-after` cannot
//!   reach the Worker: a retry sooner than it is no violation here.

use base64::Engine;
use serde_json::{json, Value};

use crate::picture::{self, Format};
use crate::schema::{self, optional, required, Kind, Problem, Why, TEXT};
use crate::script::Fault;
use crate::server::{Api, Credential, Exchange, Incoming, Reply};

pub const FLUX_SCHNELL: &str = "@cf/black-forest-labs/flux-1-schnell";
pub const SDXL_BASE: &str = "@cf/stabilityai/stable-diffusion-xl-base-1.0";

const NON_NEGATIVE: Kind = Kind::Int {
    min: 0,
    max: i64::MAX,
};

const FLUX_FIELDS: &[schema::Field] = &[
    required("prompt", Kind::Text { min: 1, max: 2048 }),
    optional("steps", Kind::Int { min: 1, max: 8 }),
    optional("seed", NON_NEGATIVE),
];

const SIDE: Kind = Kind::Int {
    min: 256,
    max: 2048,
};
const SDXL_FIELDS: &[schema::Field] = &[
    required(
        "prompt",
        Kind::Text {
            min: 1,
            max: usize::MAX,
        },
    ),
    optional("negative_prompt", TEXT),
    optional("height", SIDE),
    optional("width", SIDE),
    optional("num_steps", Kind::Int { min: 1, max: 20 }),
    optional(
        "guidance",
        Kind::Number {
            min: f64::MIN,
            max: f64::MAX,
        },
    ),
    optional("seed", NON_NEGATIVE),
    optional("strength", Kind::Number { min: 0.0, max: 1.0 }),
    optional("image", Kind::Any),
    optional("image_b64", TEXT),
    optional("mask", Kind::Any),
];

pub(crate) struct WorkersAi;

fn error(status: u16, code: u32, message: &str) -> Reply {
    Reply::json(
        status,
        &json!({
            "result": null,
            "success": false,
            "errors": [{ "code": code, "message": message }],
            "messages": [],
        }),
    )
}

/// The path the binding posts to, under its own host (`workers-binding.ai`).
pub const BINDING_PATH: &str = "/run";

/// An error the binding reads from the `errors` list.
fn binding_error(status: u16, code: u32, message: &str) -> Reply {
    Reply::json(
        status,
        &json!({ "errors": [{ "code": code, "message": message }] }),
    )
}

/// An error of Cloudflare's table, as the binding reads it.
fn binding_internal(status: u16, code: u32, name: &str, description: &str) -> Reply {
    Reply::json(
        status,
        &json!({ "internalCode": code, "description": description, "name": name }),
    )
}

/// A scripted fault the binding's way.
fn binding_fault(fault: Fault) -> Reply {
    match fault {
        Fault::Unavailable => binding_error(503, 3043, "Internal server error"),
        Fault::QuotaExhausted => binding_internal(
            429,
            3036,
            "AccountLimited",
            "You have used up your daily free allocation of 10,000 neurons. Please upgrade to \
             Cloudflare's Workers Paid plan if you would like to continue usage.",
        ),
        Fault::RateLimited { retry_after_s } => binding_internal(
            429,
            3040,
            "OutOfCapacity",
            "No more data centers to forward the request to",
        )
        .with_header("retry-after", retry_after_s.to_string()),
        Fault::ServerError => binding_error(500, 3043, "Internal server error"),
    }
}

impl WorkersAi {
    /// `POST /run?version=3` from the binding.
    fn binding(&self, request: &Incoming, ex: &mut Exchange<'_>) -> Reply {
        if request.method != "POST" {
            ex.refuse(format!("the binding posts; got {}", request.method));
            return binding_error(405, 10405, "Method not allowed");
        }
        if request.query != "version=3" {
            ex.refuse(format!(
                "the binding's query is version=3 (inputs without a stream); got {:?}",
                request.query
            ));
            return binding_error(400, 3003, "Request is missing headers or body: version");
        }
        if request.header("content-type") != Some("application/json") {
            ex.refuse("the binding sends content-type: application/json");
            return binding_error(
                400,
                3003,
                "Request is missing headers or body: content-type",
            );
        }
        if request
            .header("cf-consn-sdk-version")
            .is_none_or(str::is_empty)
        {
            ex.refuse("no cf-consn-sdk-version header");
            return binding_error(
                400,
                3003,
                "Request is missing headers or body: cf-consn-sdk-version",
            );
        }
        if request.header("authorization").is_some() {
            ex.violation("a credential was sent to the binding, which needs none");
        }
        let model = request.header("cf-consn-model-id").unwrap_or("");
        let fields = match model {
            FLUX_SCHNELL => FLUX_FIELDS,
            SDXL_BASE => SDXL_FIELDS,
            other => {
                ex.refuse(format!("no such model: {other:?}"));
                return binding_internal(
                    400,
                    5007,
                    "NoSuchModel",
                    &format!("No such model {other} or task"),
                );
            }
        };
        let body = match schema::object(&request.body) {
            Ok(body) => body,
            Err(why) => {
                ex.refuse(why.clone());
                return binding_error(400, 5006, &format!("Error: {why}"));
            }
        };
        if let Some(name) = body
            .keys()
            .find(|k| !matches!(k.as_str(), "inputs" | "options"))
        {
            ex.refuse(format!(
                "the binding's body holds inputs and options; got {name:?}"
            ));
            return binding_error(400, 5006, &format!("Error: '/{name}' is not allowed"));
        }
        if !body.get("options").is_some_and(Value::is_object) {
            ex.refuse("the binding's body has no options object");
            return binding_error(400, 5006, "Error: '/options' must be an object");
        }
        let Some(inputs) = body.get("inputs").and_then(Value::as_object) else {
            ex.refuse("the binding's body has no inputs object");
            return binding_error(400, 5006, "Error: required properties at '/' are 'inputs'");
        };
        if let Some(prompt) = inputs.get("prompt").and_then(Value::as_str) {
            ex.note_prompt(prompt);
        }
        if let Some(problem) = schema::check(fields, inputs, false).into_iter().next() {
            let message = input_error(&problem);
            ex.refuse(message.clone());
            return binding_error(400, 5006, &message);
        }
        let (prompt, seed) = prompt_and_seed(inputs);
        let admission = match ex.admit_without_retry_after(&prompt, seed) {
            Ok(admission) => admission,
            Err(fault) => return binding_fault(fault),
        };
        if admission.moderated || admission.blocked {
            return binding_error(400, 3030, "AiError: Input prompt contains NSFW content.");
        }
        ex.hold(ex.config().latency_ms + admission.hang_ms);
        let image = picture_of(model, inputs, &prompt, seed, admission.truncated);
        if model == FLUX_SCHNELL {
            let image = base64::engine::general_purpose::STANDARD.encode(image);
            Reply::json(200, &json!({ "image": image }))
        } else {
            Reply::bytes(200, "image/png", image)
        }
    }
}

/// The prompt and the seed of a valid input.
fn prompt_and_seed(input: &serde_json::Map<String, Value>) -> (String, Option<u64>) {
    let prompt = input
        .get("prompt")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    (prompt, input.get("seed").and_then(Value::as_u64))
}

/// The model's picture: FLUX schnell draws 1024 x 1024 and answers a JPEG; SDXL a PNG of the
/// size asked for.
fn picture_of(
    model: &str,
    input: &serde_json::Map<String, Value>,
    prompt: &str,
    seed: Option<u64>,
    truncated: bool,
) -> Vec<u8> {
    let seed = seed.unwrap_or(0);
    let image = if model == FLUX_SCHNELL {
        picture::design(prompt, seed, 0, picture::small(1024, 1024), Format::Jpeg)
    } else {
        let side = |name: &str| input.get(name).and_then(Value::as_u64).unwrap_or(1024) as u32;
        let size = picture::small(side("width"), side("height"));
        picture::design(prompt, seed, 0, size, Format::Png)
    };
    if truncated {
        picture::truncated(image)
    } else {
        image
    }
}

impl Api for WorkersAi {
    fn fault_for(&self, request: &Incoming, fault: Fault) -> Reply {
        if request.path == BINDING_PATH {
            binding_fault(fault)
        } else {
            self.fault(fault)
        }
    }

    fn fault(&self, fault: Fault) -> Reply {
        match fault {
            Fault::Unavailable => error(503, 3043, "Internal server error"),
            Fault::QuotaExhausted => error(
                429,
                4006,
                "you have used up your daily free allocation of 10,000 neurons, please upgrade to \
                 Cloudflare's Workers Paid plan if you would like to continue usage.",
            ),
            Fault::RateLimited { retry_after_s } => error(
                429,
                3040,
                "Capacity temporarily exceeded, please try again.",
            )
            .with_header("retry-after", retry_after_s.to_string()),
            Fault::ServerError => error(500, 3043, "Internal server error"),
        }
    }

    fn answer(&self, request: &Incoming, ex: &mut Exchange<'_>) -> Reply {
        if request.path == BINDING_PATH {
            return self.binding(request, ex);
        }
        let route = request
            .path
            .strip_prefix("/client/v4/accounts/")
            .and_then(|rest| rest.split_once("/ai/run/"));
        let Some((account, model)) = route else {
            ex.refuse(format!("no such path: {} {}", request.method, request.path));
            return error(
                404,
                7003,
                &format!(
                    "Could not route to {}, perhaps your object identifier is invalid?",
                    request.path
                ),
            );
        };
        if request.method != "POST" {
            ex.refuse(format!(
                "{} is not allowed on {}",
                request.method, request.path
            ));
            return error(405, 10405, "Method not allowed");
        }
        if ex.credential(request, &["Bearer"]) != Credential::Right {
            ex.refuse("no valid API token in the authorization header");
            return error(401, 10000, "Authentication error");
        }
        if ex
            .config()
            .account_id
            .as_deref()
            .is_some_and(|a| a != account)
        {
            ex.refuse(format!("account {account} is not the token's account"));
            return error(403, 10000, "Authentication error");
        }
        let fields = match model {
            FLUX_SCHNELL => FLUX_FIELDS,
            SDXL_BASE => SDXL_FIELDS,
            other => {
                ex.refuse(format!("no such model: {other}"));
                return error(400, 5007, &format!("No such model {other} or task"));
            }
        };
        if request.media_type() != "application/json" {
            ex.refuse("content-type is not application/json");
            return error(
                400,
                5006,
                "Error: the body must be JSON (content-type: application/json)",
            );
        }
        let body = match schema::object(&request.body) {
            Ok(body) => body,
            Err(why) => {
                ex.refuse(why.clone());
                return error(400, 5006, &format!("Error: {why}"));
            }
        };
        if let Some(prompt) = body.get("prompt").and_then(Value::as_str) {
            ex.note_prompt(prompt);
        }
        if let Some(problem) = schema::check(fields, &body, false).into_iter().next() {
            let message = input_error(&problem);
            ex.refuse(message.clone());
            return error(400, 5006, &message);
        }
        let (prompt, seed) = prompt_and_seed(&body);
        let admission = match ex.admit(&prompt, seed) {
            Ok(admission) => admission,
            Err(fault) => return self.fault(fault),
        };
        if admission.moderated || admission.blocked {
            return error(400, 3030, "AiError: Input prompt contains NSFW content.");
        }
        ex.hold(ex.config().latency_ms + admission.hang_ms);
        let image = picture_of(model, &body, &prompt, seed, admission.truncated);
        if model == FLUX_SCHNELL {
            let image = base64::engine::general_purpose::STANDARD.encode(image);
            Reply::json(
                200,
                &json!({ "result": { "image": image }, "success": true, "errors": [], "messages": [] }),
            )
        } else {
            Reply::bytes(200, "image/png", image)
        }
    }
}

/// A problem in the words of Workers AI's input validation.
fn input_error(problem: &Problem) -> String {
    match problem {
        Problem::Unknown(name) => format!("Error: '/{name}' is not allowed (additional property)"),
        Problem::Missing(name) => format!("Error: required properties at '/' are '{name}'"),
        Problem::Invalid { field, why } => match why {
            Why::WrongType { expected, .. } => {
                format!("Error: Type mismatch of '/{field}', expected {expected}")
            }
            Why::TooShort { min, .. } => {
                format!("Error: '/{field}' must NOT have fewer than {min} characters")
            }
            Why::TooLong { max, .. } => {
                format!("Error: '/{field}' must NOT have more than {max} characters")
            }
            Why::Below { min, .. } => format!("Error: '/{field}' must be >= {min}"),
            Why::Above { max, .. } => format!("Error: '/{field}' must be <= {max}"),
            Why::NotOneOf { allowed, .. } => {
                format!(
                    "Error: '/{field}' must be one of {}",
                    schema::quoted(allowed)
                )
            }
        },
    }
}
