//! Replicate predictions: create, poll, cancel, and the output files.
//!
//! - `POST /v1/models/{owner}/{name}/predictions` with `{"input": {...}}` (and optionally
//!   `webhook`, `webhook_events_filter`); `POST /v1/predictions` with `version` as well
//!   (`owner/name:hash`, or SDXL's version hash). `authorization: Bearer <token>` (or the older
//!   `Token <token>`), else 401. Answered 201 with the prediction: `starting` at once, or, with
//!   `prefer: wait` (`wait=N`, 1 to 60 s; 60 by default), held until it is done (`latency_ms`)
//!   or the wait is over.
//! - `GET /v1/predictions/{id}`: the prediction, done once `polls_before_done` polls were made
//!   and `latency_ms` has passed. `POST /v1/predictions/{id}/cancel` cancels a running one.
//! - `GET /files/{id}/out-{i}.{ext}`: an output, served without authentication (Replicate's file
//!   host), 404 once `output_expiry_ms` has passed since the prediction finished (the prediction
//!   then says `data_removed: true`). A token sent there is a violation: it would leak to
//!   another host.
//!
//! Inputs are checked against the models' Cog schemas, with additional properties refused
//! (422 `Input validation failed`, every problem listed in `detail` and `invalid_fields`):
//! FLUX schnell (`black-forest-labs/flux-schnell`: `prompt` required, `aspect_ratio`,
//! `num_outputs` 1 to 4, `num_inference_steps` 1 to 4, `seed`, `output_format` `webp` (default),
//! `jpg` or `png`, `output_quality`, `go_fast`, `megapixels`, `disable_safety_checker`) and SDXL
//! (`stability-ai/sdxl`, from its `predict.py`: `prompt`, `negative_prompt`, `width`, `height`,
//! `num_outputs` 1 to 4, `scheduler`, `num_inference_steps` 1 to 500, `guidance_scale` 1 to 50,
//! `seed`, `refine`, ... `disable_safety_checker`). SDXL's `width` and `height` are plain
//! integers in the schema, with no bounds; the pipeline needs multiples of 8, so another size
//! creates the prediction and fails it with diffusers' error, and is recorded as a violation.
//! FLUX's aspect ratios include `3:4` and `4:3`, which Stability's do not.
//!
//! Moderation and blocked words fail the prediction with `NSFW content detected ...`, as the
//! models' safety checker does, unless the input disabled the checker.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use serde_json::{json, Map, Value};

use crate::picture::{self, Format};
use crate::schema::{self, optional, required, Kind, Problem, Why, INT, TEXT};
use crate::script::{fnv1a, Fault};
use crate::server::{Api, Credential, Exchange, Incoming, Reply};

/// SDXL's version on Replicate, taken by `POST /v1/predictions` without an owner and name.
pub const SDXL_VERSION: &str = "39ed52f2a78e934b3ba6e2a89f5b1c712de7dfea535525255b1aa35c5565e08b";
/// What a prediction fails with when the safety checker flags every output.
pub const NSFW_ERROR: &str =
    "NSFW content detected. Try running it again, or try a different prompt.";
const MAX_WAIT_S: u64 = 60;

const FLUX_RATIOS: &[&str] = &[
    "1:1", "16:9", "21:9", "3:2", "2:3", "4:5", "5:4", "3:4", "4:3", "9:16", "9:21",
];

const FLUX_SCHNELL: &[schema::Field] = &[
    required("prompt", TEXT),
    optional("aspect_ratio", Kind::OneOf(FLUX_RATIOS)),
    optional("num_outputs", Kind::Int { min: 1, max: 4 }),
    optional("num_inference_steps", Kind::Int { min: 1, max: 4 }),
    optional("seed", INT),
    optional("output_format", Kind::OneOf(&["webp", "jpg", "png"])),
    optional("output_quality", Kind::Int { min: 0, max: 100 }),
    optional("disable_safety_checker", Kind::Bool),
    optional("go_fast", Kind::Bool),
    optional("megapixels", Kind::OneOf(&["1", "0.25"])),
];

const UNIT: Kind = Kind::Number { min: 0.0, max: 1.0 };
const SDXL: &[schema::Field] = &[
    optional("prompt", TEXT),
    optional("negative_prompt", TEXT),
    optional("image", TEXT),
    optional("mask", TEXT),
    optional("width", INT),
    optional("height", INT),
    optional("num_outputs", Kind::Int { min: 1, max: 4 }),
    optional(
        "scheduler",
        Kind::OneOf(&[
            "DDIM",
            "DPMSolverMultistep",
            "HeunDiscrete",
            "KarrasDPM",
            "K_EULER_ANCESTRAL",
            "K_EULER",
            "PNDM",
        ]),
    ),
    optional("num_inference_steps", Kind::Int { min: 1, max: 500 }),
    optional(
        "guidance_scale",
        Kind::Number {
            min: 1.0,
            max: 50.0,
        },
    ),
    optional("prompt_strength", UNIT),
    optional("seed", INT),
    optional(
        "refine",
        Kind::OneOf(&[
            "no_refiner",
            "expert_ensemble_refiner",
            "base_image_refiner",
        ]),
    ),
    optional("high_noise_frac", UNIT),
    optional("refine_steps", INT),
    optional("apply_watermark", Kind::Bool),
    optional("lora_scale", UNIT),
    optional("replicate_weights", TEXT),
    optional("disable_safety_checker", Kind::Bool),
];

struct Model {
    name: &'static str,
    fields: &'static [schema::Field],
    /// The prompt when the input has none (SDXL's default).
    default_prompt: &'static str,
    /// The output format when the input names none.
    default_format: Format,
    /// Sized by `width` and `height` (SDXL), not by `aspect_ratio` (FLUX).
    sized_by_width: bool,
}

const MODELS: &[Model] = &[
    Model {
        name: "black-forest-labs/flux-schnell",
        fields: FLUX_SCHNELL,
        default_prompt: "",
        default_format: Format::Webp,
        sized_by_width: false,
    },
    Model {
        name: "stability-ai/sdxl",
        fields: SDXL,
        default_prompt: "An astronaut riding a rainbow unicorn",
        default_format: Format::Png,
        sized_by_width: true,
    },
];

#[derive(Debug, Clone, PartialEq)]
enum State {
    Running,
    /// Done at this time (ms since the server started; ms since the epoch).
    Finished {
        at_ms: u64,
        unix_ms: u64,
    },
    Canceled {
        at_ms: u64,
        unix_ms: u64,
    },
}

struct Prediction {
    id: String,
    model: &'static Model,
    version: String,
    input: Value,
    prompt: String,
    seed: u64,
    outputs: u32,
    format: Format,
    size: (u32, u32),
    created_unix_ms: u64,
    ready_at_ms: u64,
    polls: u32,
    /// `None`: succeeds; otherwise the error it fails with.
    failure: Option<String>,
    truncated: bool,
    state: State,
}

/// The Replicate server's predictions.
pub(crate) struct Replicate {
    predictions: Mutex<HashMap<String, Prediction>>,
    created: AtomicU64,
}

impl Replicate {
    pub fn new() -> Replicate {
        Replicate {
            predictions: Mutex::new(HashMap::new()),
            created: AtomicU64::new(0),
        }
    }

    fn predictions(&self) -> std::sync::MutexGuard<'_, HashMap<String, Prediction>> {
        self.predictions.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn problem(status: u16, title: &str, detail: &str) -> Reply {
    Reply::json(
        status,
        &json!({ "title": title, "detail": detail, "status": status }),
    )
}

fn not_found() -> Reply {
    problem(
        404,
        "Not found",
        "The requested resource could not be found.",
    )
}

impl Api for Replicate {
    fn fault(&self, fault: Fault) -> Reply {
        match fault {
            Fault::Unavailable => problem(
                503,
                "Service Unavailable",
                "Replicate is temporarily unavailable. Please try again later.",
            ),
            Fault::QuotaExhausted => problem(
                402,
                "Payment Required",
                "You have insufficient credit to run this model. Go to \
                 https://replicate.com/account/billing#billing to purchase credit. Once you \
                 purchase credit, please wait a few minutes before trying again.",
            ),
            Fault::RateLimited { retry_after_s } => {
                let unit = if retry_after_s == 1 {
                    "second"
                } else {
                    "seconds"
                };
                problem(
                    429,
                    "Request was throttled.",
                    &format!(
                        "Request was throttled. Expected available in {retry_after_s} {unit}."
                    ),
                )
                .with_header("retry-after", retry_after_s.to_string())
            }
            Fault::ServerError => problem(
                500,
                "Internal Server Error",
                "An internal error occurred. Please try again.",
            ),
        }
    }

    fn answer(&self, request: &Incoming, ex: &mut Exchange<'_>) -> Reply {
        let segments: Vec<&str> = request.path.trim_matches('/').split('/').collect();
        let method = request.method.as_str();
        match (method, segments.as_slice()) {
            ("GET", ["files", id, file]) => return self.file(request, ex, id, file),
            (_, ["files", ..]) => {
                ex.refuse(format!("{method} {}", request.path));
                return problem(405, "Method Not Allowed", "Method not allowed.");
            }
            _ => {}
        }
        match ex.credential(request, &["Bearer", "Token"]) {
            Credential::Right => {}
            Credential::Missing | Credential::Wrong(_) => {
                ex.refuse("no valid API token in the authorization header");
                return problem(
                    401,
                    "Unauthenticated",
                    "You did not pass a valid authentication token",
                );
            }
        }
        match (method, segments.as_slice()) {
            ("POST", ["v1", "models", owner, name, "predictions"]) => {
                self.create(request, ex, Some(format!("{owner}/{name}")))
            }
            ("POST", ["v1", "predictions"]) => self.create(request, ex, None),
            ("GET", ["v1", "predictions", id]) => self.poll(ex, id),
            ("POST", ["v1", "predictions", id, "cancel"]) => self.cancel(ex, id),
            _ => {
                ex.refuse(format!("no such endpoint: {method} {}", request.path));
                not_found()
            }
        }
    }
}

impl Replicate {
    fn create(
        &self,
        request: &Incoming,
        ex: &mut Exchange<'_>,
        path_model: Option<String>,
    ) -> Reply {
        let (model, version, input) = match checked_request(request, ex, path_model) {
            Ok(checked) => checked,
            Err(refusal) => return refusal,
        };
        let prompt = input
            .get("prompt")
            .and_then(Value::as_str)
            .unwrap_or(model.default_prompt)
            .to_string();
        let asked_seed = input.get("seed").and_then(Value::as_i64);
        let admission = match ex.admit(&prompt, asked_seed.map(|s| s as u64)) {
            Ok(admission) => admission,
            Err(fault) => return self.fault(fault),
        };
        let int =
            |name: &str, default: i64| input.get(name).and_then(Value::as_i64).unwrap_or(default);
        let checker_on = input.get("disable_safety_checker").and_then(Value::as_bool) != Some(true);
        let mut failure = ((admission.moderated || admission.blocked) && checker_on)
            .then(|| NSFW_ERROR.to_string());
        let size = if model.sized_by_width {
            let (width, height) = (int("width", 1024), int("height", 1024));
            if width <= 0 || height <= 0 || width % 8 != 0 || height % 8 != 0 {
                ex.violation(format!(
                    "SDXL needs a width and height divisible by 8, got {width} x {height}"
                ));
                failure = Some(format!(
                    "`height` and `width` have to be divisible by 8 but are {height} and {width}."
                ));
            }
            picture::small(width.clamp(1, 4096) as u32, height.clamp(1, 4096) as u32)
        } else {
            picture::for_ratio(
                input
                    .get("aspect_ratio")
                    .and_then(Value::as_str)
                    .unwrap_or("1:1"),
            )
        };
        let format = input
            .get("output_format")
            .and_then(Value::as_str)
            .and_then(Format::named)
            .unwrap_or(model.default_format);
        ex.hold(admission.hang_ms);
        let number = self.created.fetch_add(1, Ordering::Relaxed);
        let id = prediction_id(&prompt, number, ex.unix_ms());
        let created_ms = ex.now_ms();
        let prediction = Prediction {
            id: id.clone(),
            model,
            version,
            input: Value::Object(input.clone()),
            prompt: prompt.clone(),
            seed: asked_seed.map_or_else(|| fnv1a(&[prompt.as_bytes()]) >> 32, |s| s as u64),
            outputs: int("num_outputs", 1).clamp(1, 4) as u32,
            format,
            size,
            created_unix_ms: ex.unix_ms(),
            ready_at_ms: created_ms + ex.config().latency_ms,
            polls: 0,
            failure,
            truncated: admission.truncated,
            state: State::Running,
        };
        self.predictions().insert(id.clone(), prediction);
        if let Some(wait_ms) = prefer_wait_ms(request) {
            let latency_ms = ex.config().latency_ms;
            ex.hold(latency_ms.min(wait_ms));
            if latency_ms <= wait_ms {
                let (now, unix) = (ex.now_ms(), ex.unix_ms());
                let mut predictions = self.predictions();
                if let Some(p) = predictions
                    .get_mut(&id)
                    .filter(|p| p.state == State::Running)
                {
                    p.state = State::Finished {
                        at_ms: now,
                        unix_ms: unix,
                    };
                }
            }
        }
        let predictions = self.predictions();
        match predictions.get(&id) {
            Some(p) => Reply::json(201, &self.render(ex, p)),
            None => not_found(),
        }
    }

    fn poll(&self, ex: &mut Exchange<'_>, id: &str) -> Reply {
        let polls_needed = ex.config().polls_before_done;
        let (now, unix) = (ex.now_ms(), ex.unix_ms());
        let mut predictions = self.predictions();
        let Some(p) = predictions.get_mut(id) else {
            ex.refuse(format!("no prediction {id}"));
            return not_found();
        };
        ex.note_prompt(&p.prompt);
        p.polls += 1;
        if p.state == State::Running && p.polls >= polls_needed && now >= p.ready_at_ms {
            p.state = State::Finished {
                at_ms: now,
                unix_ms: unix,
            };
        }
        Reply::json(200, &self.render(ex, p))
    }

    fn cancel(&self, ex: &mut Exchange<'_>, id: &str) -> Reply {
        let (now, unix) = (ex.now_ms(), ex.unix_ms());
        let mut predictions = self.predictions();
        let Some(p) = predictions.get_mut(id) else {
            ex.refuse(format!("no prediction {id}"));
            return not_found();
        };
        ex.note_prompt(&p.prompt);
        if p.state == State::Running {
            p.state = State::Canceled {
                at_ms: now,
                unix_ms: unix,
            };
        }
        Reply::json(200, &self.render(ex, p))
    }

    fn file(&self, request: &Incoming, ex: &mut Exchange<'_>, id: &str, file: &str) -> Reply {
        if let Some(key) = ex.config().key.clone() {
            if request
                .header("authorization")
                .is_some_and(|v| v.contains(&key))
            {
                ex.violation("the API token was sent to the file host");
            }
        }
        let predictions = self.predictions();
        let Some(p) = predictions.get(id) else {
            return not_found();
        };
        ex.note_prompt(&p.prompt);
        let index = file
            .strip_prefix("out-")
            .and_then(|rest| rest.strip_suffix(&format!(".{}", p.format.extension())))
            .and_then(|i| i.parse::<u32>().ok())
            .filter(|&i| i < p.outputs);
        match (&p.state, &p.failure, index) {
            (State::Finished { at_ms, .. }, None, Some(index))
                if ex.now_ms() <= at_ms + ex.config().output_expiry_ms =>
            {
                let mut image = picture::design(&p.prompt, p.seed, index, p.size, p.format);
                if p.truncated {
                    image = picture::truncated(image);
                }
                Reply::bytes(200, p.format.content_type(), image)
            }
            _ => not_found(),
        }
    }

    fn render(&self, ex: &Exchange<'_>, p: &Prediction) -> Value {
        let base = ex.base_url();
        let get = format!("{base}/v1/predictions/{}", p.id);
        let mut out = json!({
            "id": p.id,
            "model": p.model.name,
            "version": p.version,
            "input": p.input,
            "logs": "",
            "output": null,
            "data_removed": false,
            "error": null,
            "source": "api",
            "status": if p.polls == 0 { "starting" } else { "processing" },
            "created_at": rfc3339(p.created_unix_ms),
            "urls": {
                "get": get,
                "cancel": format!("{get}/cancel"),
                "stream": format!("{base}/v1/predictions/{}/stream", p.id),
                "web": format!("{base}/p/{}", p.id),
            },
        });
        match &p.state {
            State::Running => {}
            State::Canceled { unix_ms, .. } => {
                out["status"] = json!("canceled");
                out["completed_at"] = json!(rfc3339(*unix_ms));
            }
            State::Finished { at_ms, unix_ms } => {
                out["started_at"] = json!(rfc3339(p.created_unix_ms));
                out["completed_at"] = json!(rfc3339(*unix_ms));
                out["logs"] = json!(format!("Using seed: {}\n", p.seed));
                out["metrics"] = json!({ "predict_time": ex.config().latency_ms as f64 / 1000.0 });
                match &p.failure {
                    Some(error) => {
                        out["status"] = json!("failed");
                        out["error"] = json!(error);
                    }
                    None if ex.now_ms() > at_ms + ex.config().output_expiry_ms => {
                        out["status"] = json!("succeeded");
                        out["data_removed"] = json!(true);
                    }
                    None => {
                        out["status"] = json!("succeeded");
                        out["output"] = (0..p.outputs)
                            .map(|i| {
                                format!("{base}/files/{}/out-{i}.{}", p.id, p.format.extension())
                            })
                            .collect();
                    }
                }
            }
        }
        out
    }
}

/// The model, version and input of a create request, or the API's refusal (recorded).
fn checked_request(
    request: &Incoming,
    ex: &mut Exchange<'_>,
    path_model: Option<String>,
) -> Result<(&'static Model, String, Map<String, Value>), Reply> {
    if request.media_type() != "application/json" {
        ex.refuse("content-type is not application/json");
        return Err(problem(
            415,
            "Unsupported Media Type",
            "Request body must be JSON (content-type: application/json).",
        ));
    }
    let body = schema::object(&request.body).map_err(|why| {
        ex.refuse(why.clone());
        problem(400, "Invalid JSON", &why)
    })?;
    let mut top = vec![
        required("input", Kind::Any),
        optional("webhook", TEXT),
        optional("webhook_events_filter", Kind::Any),
        optional("stream", Kind::Bool),
    ];
    if path_model.is_none() {
        top.push(required("version", TEXT));
    }
    let mut problems: Vec<(&str, Problem)> = schema::check(&top, &body, false)
        .into_iter()
        .map(|p| ("(root)", p))
        .collect();
    let input = body.get("input").and_then(Value::as_object);
    if body.get("input").is_some_and(|i| !i.is_null()) && input.is_none() {
        let got = schema::type_name(&body["input"]);
        let why = Why::WrongType {
            expected: "an object",
            got,
        };
        problems.push((
            "(root)",
            Problem::Invalid {
                field: "input",
                why,
            },
        ));
    }
    if !problems.is_empty() {
        return Err(unprocessable(ex, &problems));
    }
    let Some((model, version)) = model_and_version(path_model, &body) else {
        ex.refuse("no such model or version");
        return Err(problem(
            404,
            "Not found",
            "The requested model or version does not exist, or you do not have access to it.",
        ));
    };
    let input = input.cloned().unwrap_or_default();
    if let Some(prompt) = input.get("prompt").and_then(Value::as_str) {
        ex.note_prompt(prompt);
    }
    let problems: Vec<(&str, Problem)> = schema::check(model.fields, &input, false)
        .into_iter()
        .map(|p| ("input", p))
        .collect();
    if !problems.is_empty() {
        return Err(unprocessable(ex, &problems));
    }
    Ok((model, version, input))
}

/// The model and version a create request names: by the path, or by `version` (`owner/name:hash`
/// or SDXL's hash).
fn model_and_version(
    path_model: Option<String>,
    body: &Map<String, Value>,
) -> Option<(&'static Model, String)> {
    let (name, version) = match path_model {
        Some(name) => {
            let version = format!(
                "{:016x}{:016x}",
                fnv1a(&[name.as_bytes()]),
                fnv1a(&[b"v", name.as_bytes()])
            );
            (name, version)
        }
        None => {
            let version = body.get("version")?.as_str()?;
            match version.split_once(':') {
                Some((name, hash)) => (name.to_string(), hash.to_string()),
                None if version == SDXL_VERSION => {
                    ("stability-ai/sdxl".to_string(), version.to_string())
                }
                None => return None,
            }
        }
    };
    MODELS.iter().find(|m| m.name == name).map(|m| (m, version))
}

/// Replicate's 422: every problem as a `- field: description` line of `detail`, and in
/// `invalid_fields`, worded as its JSON Schema validator words them.
fn unprocessable(ex: &mut Exchange<'_>, problems: &[(&str, Problem)]) -> Reply {
    let fields: Vec<Value> = problems
        .iter()
        .map(|(scope, p)| {
            let (field, kind, description) = match p {
                Problem::Unknown(name) => (
                    scope.to_string(),
                    "additional_property_not_allowed",
                    format!("Additional property {name} is not allowed"),
                ),
                Problem::Missing(name) => {
                    (scope.to_string(), "required", format!("{name} is required"))
                }
                Problem::Invalid { field, why } => {
                    let path = if *scope == "(root)" {
                        field.to_string()
                    } else {
                        format!("{scope}.{field}")
                    };
                    let (kind, description) = match why {
                        Why::WrongType { expected, got } => (
                            "invalid_type",
                            format!(
                                "Invalid type. Expected: {}, given: {}",
                                bare(expected),
                                bare(got)
                            ),
                        ),
                        Why::TooShort { min, .. } => (
                            "string_gte",
                            format!("String length must be greater than or equal to {min}"),
                        ),
                        Why::TooLong { max, .. } => (
                            "string_lte",
                            format!("String length must be less than or equal to {max}"),
                        ),
                        Why::Below { min, .. } => (
                            "number_gte",
                            format!("Must be greater than or equal to {min}"),
                        ),
                        Why::Above { max, .. } => {
                            ("number_lte", format!("Must be less than or equal to {max}"))
                        }
                        Why::NotOneOf { allowed, .. } => (
                            "enum",
                            format!(
                                "{path} must be one of the following: {}",
                                allowed
                                    .iter()
                                    .map(|a| format!("\"{a}\""))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        ),
                    };
                    (path, kind, description)
                }
            };
            json!({ "type": kind, "field": field, "description": description })
        })
        .collect();
    let detail: String = fields
        .iter()
        .map(|f| {
            format!(
                "- {}: {}\n",
                f["field"].as_str().unwrap_or(""),
                f["description"].as_str().unwrap_or("")
            )
        })
        .collect();
    ex.refuse(detail.trim_end().replace('\n', "; "));
    Reply::json(
        422,
        &json!({
            "title": "Input validation failed",
            "detail": detail,
            "status": 422,
            "invalid_fields": fields,
        }),
    )
}

/// `an integer` → `integer`, `a decimal` → `number`.
fn bare(type_name: &str) -> &str {
    match type_name {
        "a decimal" => "number",
        other => other
            .strip_prefix("an ")
            .or_else(|| other.strip_prefix("a "))
            .unwrap_or(other),
    }
}

/// The wait `prefer: wait` or `prefer: wait=N` asks for, in milliseconds (N kept within 1 to 60
/// seconds); `None` without one.
fn prefer_wait_ms(request: &Incoming) -> Option<u64> {
    let prefer = request.header("prefer")?;
    prefer
        .split(',')
        .map(str::trim)
        .find_map(|p| match p.split_once('=') {
            None if p.eq_ignore_ascii_case("wait") => Some(MAX_WAIT_S * 1000),
            Some((name, seconds)) if name.trim().eq_ignore_ascii_case("wait") => Some(
                seconds
                    .trim()
                    .parse::<u64>()
                    .unwrap_or(MAX_WAIT_S)
                    .clamp(1, MAX_WAIT_S)
                    * 1000,
            ),
            _ => None,
        })
}

/// A 26-letter id in Replicate's alphabet (lower-case base32).
fn prediction_id(prompt: &str, number: u64, unix_ms: u64) -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let high = fnv1a(&[prompt.as_bytes(), &number.to_le_bytes()]);
    let low = fnv1a(&[
        &unix_ms.to_le_bytes(),
        &number.to_le_bytes(),
        prompt.as_bytes(),
    ]);
    let mut bits = (u128::from(high) << 64) | u128::from(low);
    (0..26)
        .map(|_| {
            let letter = ALPHABET[(bits & 31) as usize] as char;
            bits >>= 5;
            letter
        })
        .collect()
}

/// `2024-05-01T12:34:56.789000Z` for milliseconds since the epoch.
fn rfc3339(unix_ms: u64) -> String {
    let (days, ms_of_day) = (unix_ms / 86_400_000, unix_ms % 86_400_000);
    // Howard Hinnant's civil_from_days.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let s = ms_of_day / 1000;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}000Z",
        s / 3600,
        s / 60 % 60,
        s % 60,
        ms_of_day % 1000
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_ids_have_replicates_shapes() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000000Z");
        assert_eq!(rfc3339(1_709_294_400_123), "2024-03-01T12:00:00.123000Z");
        let id = prediction_id("dress", 1, 2);
        assert_eq!(id.len(), 26);
        assert_ne!(id, prediction_id("dress", 2, 2));
    }

    #[test]
    fn models_are_found_by_path_or_version() {
        let body = |v: &str| json!({ "version": v }).as_object().unwrap().clone();
        let path = Some("black-forest-labs/flux-schnell".to_string());
        assert!(model_and_version(path, &Map::new()).is_some());
        assert!(model_and_version(Some("a/b".into()), &Map::new()).is_none());
        assert_eq!(
            model_and_version(None, &body(SDXL_VERSION)).unwrap().0.name,
            "stability-ai/sdxl"
        );
        assert!(model_and_version(None, &body("stability-ai/sdxl:abc")).is_some());
        assert!(model_and_version(None, &body("abc")).is_none());
    }
}
