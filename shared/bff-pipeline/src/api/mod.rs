//! The HTTP API's request and response bodies, validated once at the edge.
//!
//! A request body is read by [`GenerationRequest::from_json`] (size limit, JSON, unknown fields
//! refused) and checked by [`GenerationRequest::validate`] into a [`ValidGeneration`], the only
//! form the prompt stage accepts. The gateway checks it before anything else; the prompt Worker,
//! which receives it in a [`PlanCall`], checks it again with the same pure function rather than
//! trust bytes it did not check. Every refusal is an [`ApiError`] that says which field was wrong
//! and serialises as the response body.
//!
//! Status codes: 400 for a body that is not the expected JSON (syntax, types, unknown fields),
//! 413 for a body over [`MAX_BODY_BYTES`], 422 for well-formed values that cannot be served (a
//! brief with nothing recognisable, 60 designs, a provider this deployment has no account for),
//! 404 for a job the user does not have, 409 for a job id reused with a different request, 503
//! when storage or a queue is unavailable (retry later).
//!
//! Response bodies are built from store rows by the `from_rows` constructors; [`crate::queries`]
//! loads the rows and builds them.

pub mod feedback;

use std::collections::BTreeMap;

use bff_domain::{parse_brief, Brief, BriefError, BriefWarning, Taxonomy};
use bff_math::auto_k::KCandidate;
use bff_math::coverage::{CategoryCoverage, Severity, UntargetedValue};
use bff_math::dpp::{PickReason, StopReason};
use serde::{Deserialize, Serialize};

use crate::adherence::{Route, RoutingMode};
use crate::ports::{
    AttributeGapRow, ClusterAssignmentRow, ClusterResultRow, CoverageReportRow, DominantAttribute,
    ImageRow, JobProgress, JobRow, JobStatus, PickRow, PortError, Provider, SelectionRow,
    StyleProfileRow, SuppressedImage, VariantRow, VariantStatus,
};
use crate::time::Timestamp;

/// Largest request body read, in bytes (a brief is at most 2000 characters).
pub const MAX_BODY_BYTES: usize = 16 * 1024;
/// Fewest and most designs one job may ask for.
pub const MIN_DESIGNS: u32 = 1;
pub const MAX_DESIGNS: u32 = 48;
/// Designs when neither the request nor the brief gives a number.
pub const DEFAULT_DESIGNS: u32 = 12;
pub const DEFAULT_THETA: f64 = 0.7;
pub const DEFAULT_OVER_GENERATION: f64 = 3.0;
pub const MIN_OVER_GENERATION: f64 = 2.0;
pub const MAX_OVER_GENERATION: f64 = 3.0;

/// An error response: `{"status": 422, "code": "unprocessable", "message": "...", "field": "brief"}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[error("{status} {code}: {message}")]
pub struct ApiError {
    pub status: u16,
    /// Stable, machine-readable name of the error class.
    pub code: &'static str,
    /// What was wrong, for people.
    pub message: String,
    /// The request field at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Figures behind the error, when it has some (a budget's sums).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
}

impl ApiError {
    fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            field: None,
            details: None,
        }
    }

    /// 402: the user's daily budget would be passed.
    pub fn payment_required(message: impl Into<String>) -> Self {
        Self::new(402, "budget_exceeded", message)
    }

    /// The figures behind the error.
    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = Some(details);
        self
    }

    /// 400: the body is not the expected JSON.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "bad_request", message)
    }

    /// 401: no valid credentials.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(401, "unauthorized", message)
    }

    /// 403: the request is understood and refused (an origin the deployment does not trust).
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(403, "forbidden", message)
    }

    /// 404: nothing of this user's under that id.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, "not_found", message)
    }

    /// 405: the path exists, not with this method.
    pub fn method_not_allowed(message: impl Into<String>) -> Self {
        Self::new(405, "method_not_allowed", message)
    }

    /// The answer for a request no route matches: 404, or 405 when `path_exists` with another
    /// method.
    pub fn no_route(method: &str, path: &str, path_exists: bool) -> Self {
        if path_exists {
            Self::method_not_allowed(format!("{method} is not supported on {path}"))
        } else {
            Self::not_found(format!("no route for {method} {path}"))
        }
    }

    /// 409: the id is taken by a different request.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(409, "conflict", message)
    }

    /// 413: the body exceeds [`MAX_BODY_BYTES`].
    pub fn payload_too_large(message: impl Into<String>) -> Self {
        Self::new(413, "payload_too_large", message)
    }

    /// 422: well-formed, but cannot be served.
    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(422, "unprocessable", message)
    }

    /// 429: past one of the user's rate limits ([`crate::limits`]).
    pub fn too_many_requests(message: impl Into<String>) -> Self {
        Self::new(429, "rate_limited", message)
    }

    /// 503: storage or a queue is unavailable; the client may retry.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(503, "unavailable", message)
    }

    /// Names the request field at fault.
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

impl From<PortError> for ApiError {
    fn from(e: PortError) -> Self {
        ApiError::unavailable(format!("{e}; try again shortly"))
    }
}

/// `POST /api/generation`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct GenerationRequest {
    /// The designer's brief in plain words.
    pub brief: String,
    /// Designs to select, 1 to 48; default: the number the brief asks for, else 12.
    #[serde(default)]
    pub designs: Option<u32>,
    /// Image provider; default `"sketch"` (the offline renderer).
    #[serde(default)]
    pub provider: Option<String>,
    /// Several image providers to spread the variants over, instead of `provider`; a provider
    /// that keeps failing hands its remaining variants to the next in this order.
    #[serde(default)]
    pub providers: Option<Vec<String>>,
    /// How the variants are spread over `providers`: `"adherence"` (default) gives each provider
    /// a share that follows how well it draws the brief's visible categories on this deployment
    /// ([`crate::adherence::route`]); `"even"` is round robin in the listed order.
    #[serde(default)]
    pub routing: Option<String>,
    /// Quality/diversity trade-off in [0, 1): 0 explores, towards 1 stays close to the brief's
    /// best-scoring designs; default 0.7.
    #[serde(default)]
    pub theta: Option<f64>,
    /// Variants generated per design, in [2, 3]; default 3.
    #[serde(default)]
    pub over_generation: Option<f64>,
}

/// A checked generation request: the brief read against the taxonomy, every default applied.
/// Only [`GenerationRequest::validate`] makes one.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidGeneration {
    brief: String,
    parsed: Brief,
    designs: u32,
    providers: Vec<Provider>,
    route: Route,
    theta: f64,
    over_generation: f64,
    cost_estimate: f64,
    daily_limit: Option<crate::budget::DailyLimit>,
}

impl ValidGeneration {
    /// How many variants the plan will draw: `ceil(designs × over_generation)`.
    pub fn variant_count(&self) -> u32 {
        (f64::from(self.designs) * self.over_generation).ceil() as u32
    }

    /// What the job may cost at `prices`: its variants priced by the provider each is routed to.
    pub fn estimate(&self, prices: &crate::budget::Prices) -> f64 {
        crate::budget::price(&self.route.assignment, prices)
    }

    /// How the variants are spread over the providers: round robin until [`Self::with_route`].
    pub fn route(&self) -> &Route {
        &self.route
    }

    /// The request spread by `route` (made by [`crate::adherence::route`] for this request).
    /// Refused (400) when the route is not for this request's providers, variant count and mode.
    pub fn with_route(mut self, route: Route) -> Result<Self, ApiError> {
        if route.mode != self.route.mode || !route.fits(&self.providers, self.variant_count()) {
            return Err(ApiError::bad_request(
                "the route does not fit the request (its providers, variants or routing mode)",
            )
            .with_field("route"));
        }
        self.route = route;
        Ok(self)
    }

    /// The request with the cost estimate the gateway accepted it at (stored with the job).
    pub fn with_cost_estimate(mut self, cost_estimate: f64) -> Self {
        self.cost_estimate = if cost_estimate.is_finite() {
            cost_estimate.max(0.0)
        } else {
            0.0
        };
        self
    }

    pub fn cost_estimate(&self) -> f64 {
        self.cost_estimate
    }

    /// The request with the user's daily budget the job must fit in when it is stored (`None`: no
    /// limit); the store refuses the job if it does not ([`crate::budget`]).
    pub fn with_daily_limit(mut self, limit: Option<crate::budget::DailyLimit>) -> Self {
        self.daily_limit = limit;
        self
    }

    pub fn daily_limit(&self) -> Option<&crate::budget::DailyLimit> {
        self.daily_limit.as_ref()
    }

    pub fn brief(&self) -> &str {
        &self.brief
    }

    /// The brief as read: requested and excluded values, count, unknown words, warnings.
    pub fn parsed(&self) -> &Brief {
        &self.parsed
    }

    pub fn designs(&self) -> u32 {
        self.designs
    }

    /// The first provider.
    pub fn provider(&self) -> Provider {
        self.providers[0]
    }

    /// Every provider the variants are spread over, at least one, each once.
    pub fn providers(&self) -> &[Provider] {
        &self.providers
    }

    pub fn theta(&self) -> f64 {
        self.theta
    }

    pub fn over_generation(&self) -> f64 {
        self.over_generation
    }

    /// The brief's warnings in words, for the response.
    pub fn warnings(&self) -> Vec<String> {
        self.parsed.warnings.iter().map(describe_warning).collect()
    }
}

impl GenerationRequest {
    /// Reads a request body: at most [`MAX_BODY_BYTES`], JSON, no unknown fields.
    pub fn from_json(body: &[u8]) -> Result<Self, ApiError> {
        read_json(body, "request body")
    }

    /// Checks the request for a deployment with only the offline sketch renderer configured.
    pub fn validate(&self) -> Result<ValidGeneration, ApiError> {
        self.validate_with(&[Provider::Sketch])
    }

    /// The providers a development deployment (`wrangler dev` with the development routes on)
    /// accepts: the sketch renderer and its flaky twin.
    pub const DEVELOPMENT_PROVIDERS: [Provider; 2] = [Provider::Sketch, Provider::FlakySketch];

    /// Checks the request for a deployment where the `configured` providers are available.
    pub fn validate_with(&self, configured: &[Provider]) -> Result<ValidGeneration, ApiError> {
        let names: Vec<&str> = match (self.provider.as_deref(), &self.providers) {
            (Some(_), Some(_)) => {
                return Err(
                    ApiError::bad_request("give either provider or providers, not both")
                        .with_field("providers"),
                )
            }
            (None, None) => vec![Provider::Sketch.as_str()],
            (Some(name), None) => vec![name],
            (None, Some(names)) => names.iter().map(String::as_str).collect(),
        };
        let field = if self.providers.is_some() {
            "providers"
        } else {
            "provider"
        };
        if names.is_empty() || names.len() > Provider::ALL.len() {
            return Err(ApiError::unprocessable(format!(
                "providers lists 1 to {} providers, got {}",
                Provider::ALL.len(),
                names.len()
            ))
            .with_field(field));
        }
        let mut providers = Vec::with_capacity(names.len());
        for name in names {
            let provider = checked_provider(name, configured, field)?;
            if providers.contains(&provider) {
                return Err(ApiError::unprocessable(format!(
                    "provider {provider} is listed twice"
                ))
                .with_field(field));
            }
            providers.push(provider);
        }
        let routing = match self.routing.as_deref() {
            None => RoutingMode::default(),
            Some(name) => RoutingMode::parse(name).ok_or_else(|| {
                ApiError::unprocessable(format!(
                    "routing {name:?} is not one of \"adherence\", \"even\""
                ))
                .with_field("routing")
            })?,
        };
        let theta = self.theta.unwrap_or(DEFAULT_THETA);
        if !(0.0..1.0).contains(&theta) {
            return Err(ApiError::unprocessable(format!(
                "theta must be at least 0 and below 1, got {theta}"
            ))
            .with_field("theta"));
        }
        let over_generation = self.over_generation.unwrap_or(DEFAULT_OVER_GENERATION);
        if !(MIN_OVER_GENERATION..=MAX_OVER_GENERATION).contains(&over_generation) {
            return Err(ApiError::unprocessable(format!(
                "over_generation must be between {MIN_OVER_GENERATION} and \
                 {MAX_OVER_GENERATION}, got {over_generation}"
            ))
            .with_field("over_generation"));
        }
        if let Some(designs) = self.designs {
            check_designs(designs, "designs")?;
        }
        let parsed = read_brief(&self.brief)?;
        let designs = match (self.designs, parsed.count) {
            (Some(d), _) => d,
            (None, Some(count)) => check_designs(count, "brief")?,
            (None, None) => DEFAULT_DESIGNS,
        };
        let variants = (f64::from(designs) * over_generation).ceil() as u32;
        let route = Route {
            mode: routing,
            ..Route::even(&providers, variants)
        };
        Ok(ValidGeneration {
            brief: self.brief.clone(),
            parsed,
            designs,
            route,
            providers,
            theta,
            over_generation,
            cost_estimate: 0.0,
            daily_limit: None,
        })
    }
}

/// A provider named in a request: known, and configured on this deployment.
fn checked_provider(
    name: &str,
    configured: &[Provider],
    field: &str,
) -> Result<Provider, ApiError> {
    let known = Provider::ALL.iter().map(|p| p.as_str()).collect::<Vec<_>>();
    let provider: Provider = name.parse().map_err(|_| {
        ApiError::bad_request(format!(
            "unknown provider {name:?}; known providers: {}",
            known.join(", ")
        ))
        .with_field(field)
    })?;
    if !configured.contains(&provider) {
        let available: Vec<&str> = configured.iter().map(|p| p.as_str()).collect();
        return Err(ApiError::unprocessable(format!(
            "provider {provider} is not configured on this deployment \
             (it needs an account and an API key); available: {}",
            available.join(", ")
        ))
        .with_field(field));
    }
    Ok(provider)
}

fn check_designs(designs: u32, field: &str) -> Result<u32, ApiError> {
    if (MIN_DESIGNS..=MAX_DESIGNS).contains(&designs) {
        return Ok(designs);
    }
    let whose = if field == "brief" {
        "the brief asks for"
    } else {
        "designs asks for"
    };
    Err(ApiError::unprocessable(format!(
        "{whose} {designs} designs; one job makes {MIN_DESIGNS} to {MAX_DESIGNS}"
    ))
    .with_field(field))
}

/// Reads a request body: 413 over [`MAX_BODY_BYTES`], 400 when it is not the JSON of `T`
/// (syntax, types, unknown fields), naming `what` in the message.
pub fn read_json<T: serde::de::DeserializeOwned>(body: &[u8], what: &str) -> Result<T, ApiError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(ApiError::payload_too_large(format!(
            "the request body has {} bytes; at most {MAX_BODY_BYTES} are accepted",
            body.len()
        )));
    }
    serde_json::from_slice(body).map_err(|e| ApiError::bad_request(format!("invalid {what}: {e}")))
}

/// `GET /api/generation/{job}/images`: every image the job made so far, picked or not, in
/// variant order, with what made it and what it shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct CandidatesResponse {
    pub job_id: String,
    pub images: Vec<Candidate>,
}

/// One generated image of a job.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Candidate {
    pub image_id: String,
    pub variant: u32,
    pub image_url: String,
    pub provider: Provider,
    pub model: String,
    pub prompt: String,
    pub negative_prompt: String,
    pub seed: u64,
    /// Generation parameters as the provider used them.
    pub parameters: serde_json::Value,
    pub quality: f64,
    /// The values the picture shows.
    pub drawn: Vec<bff_domain::AttributeValue>,
    pub cost: f64,
}

impl CandidatesResponse {
    pub fn from_rows(job_id: &str, images: &[ImageRow]) -> Self {
        let mut images: Vec<&ImageRow> = images.iter().collect();
        images.sort_by_key(|i| i.variant);
        Self {
            job_id: job_id.to_string(),
            images: images
                .into_iter()
                .map(|i| Candidate {
                    image_id: i.image_id.clone(),
                    variant: i.variant,
                    image_url: image_url(job_id, &i.image_id),
                    provider: i.provider,
                    model: i.model.clone(),
                    prompt: i.prompt.clone(),
                    negative_prompt: i.negative_prompt.clone(),
                    seed: i.seed,
                    parameters: i.parameters.clone(),
                    quality: i.quality,
                    drawn: i.drawn.clone(),
                    cost: i.cost,
                })
                .collect(),
        }
    }
}

/// `POST /api/brief`: a brief to read without starting a job (the studio shows what it understood
/// while the designer types).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct BriefRequest {
    /// The designer's brief in plain words.
    pub brief: String,
}

/// What the parser read in a brief, and how many designs a job of it would choose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct BriefPreview {
    pub brief: Brief,
    /// The brief's count of designs, else the default.
    pub designs: u32,
    /// The brief's warnings in words.
    pub warnings: Vec<String>,
}

impl BriefRequest {
    /// Reads a body (400 / 413) and the brief in it (422 naming `brief`, as a job would).
    pub fn preview(body: &[u8]) -> Result<BriefPreview, ApiError> {
        let request: BriefRequest = read_json(body, "brief body")?;
        let parsed = read_brief(&request.brief)?;
        let designs = match parsed.count {
            Some(count) => check_designs(count, "brief")?,
            None => DEFAULT_DESIGNS,
        };
        let warnings = parsed.warnings.iter().map(describe_warning).collect();
        Ok(BriefPreview {
            brief: parsed,
            designs,
            warnings,
        })
    }
}

/// Refuses text with control characters other than tabs and line breaks (422 on `field`): they
/// mean nothing in a brief or a comment, and PostgreSQL cannot store a NUL in text at all.
pub fn plain_text(field: &str, text: &str) -> Result<(), ApiError> {
    match text
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        Some(c) => Err(ApiError::unprocessable(format!(
            "{field} contains the control character U+{:04X}; only text, tabs and line breaks are accepted",
            u32::from(c)
        ))
        .with_field(field)),
        None => Ok(()),
    }
}

/// A brief read against the embedded taxonomy, as a job and a preview read it (422 on `brief`).
fn read_brief(text: &str) -> Result<Brief, ApiError> {
    plain_text("brief", text)?;
    parse_brief(text, Taxonomy::embedded()).map_err(brief_error)
}

/// A brief the parser refused, as a 422 on the `brief` field.
pub fn brief_error(e: BriefError) -> ApiError {
    let message = match &e {
        BriefError::NothingRecognised { unknown } if !unknown.is_empty() => format!(
            "{e} (not recognised: {}); name a garment, colour, length, fabric, ... or a number of designs",
            unknown.join(", ")
        ),
        _ => e.to_string(),
    };
    ApiError::unprocessable(message).with_field("brief")
}

/// A brief warning in words.
pub fn describe_warning(w: &BriefWarning) -> String {
    match w {
        BriefWarning::Contradiction { a, b, rule } if a == b => format!(
            "{}/{} is both asked for and ruled out ({rule})",
            a.category, a.value
        ),
        BriefWarning::Contradiction { a, b, rule } => format!(
            "{}/{} and {}/{} cannot go together in one design ({rule})",
            a.category, a.value, b.category, b.value
        ),
        BriefWarning::CountOutOfRange {
            requested,
            min,
            max,
            used,
        } => match used {
            Some(used) => {
                format!("the brief asks for {requested} designs; {used} used ({min} to {max})")
            }
            None => format!("the brief asks for {requested} designs; ignored ({min} to {max})"),
        },
        BriefWarning::ConflictingCounts { kept, ignored } => {
            format!("the brief gives two counts; {kept} kept, {ignored} ignored")
        }
    }
}

/// The URL the gateway serves an image at.
pub fn image_url(job_id: &str, image_id: &str) -> String {
    format!("/api/generation/{job_id}/images/{image_id}")
}

/// The URL of a job's status.
pub fn job_url(job_id: &str) -> String {
    format!("/api/generation/{job_id}")
}

/// `202 Accepted` for `POST /api/generation`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct SubmitResponse {
    pub job_id: String,
    pub status: JobStatus,
    pub designs: u32,
    /// Images that will be generated (over-generation).
    pub variants: u32,
    /// Where to poll.
    pub status_url: String,
    /// False when the job id already existed (a retried submission): nothing new was started.
    pub created: bool,
    /// Brief and plan warnings.
    pub warnings: Vec<String>,
    /// How the variants were spread over the providers, and why (absent on a retried
    /// submission: the stored plan stands).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing: Option<Route>,
}

/// The gateway's call to the prompt Worker (over a service binding; the prompt Worker has no
/// public route): plan and store the job `job_id` of `user_id`, whom the gateway authenticated,
/// from `request`, which it validated. Answered with a [`SubmitResponse`] (202) or an
/// [`ApiError`] with its status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanCall {
    pub user_id: String,
    pub job_id: String,
    pub request: GenerationRequest,
    /// What the gateway priced the job at (USD), stored with it for the daily budget.
    #[serde(default)]
    pub cost_estimate: f64,
    /// How the gateway spread the variants over the providers; absent: round robin.
    #[serde(default)]
    pub route: Option<Route>,
    /// The user's daily budget (USD) the job must fit in when it is stored; `None`: no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub daily_budget_usd: Option<f64>,
    /// Where the budget's day starts: UTC midnight of the day the gateway accepted the job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_day_start: Option<Timestamp>,
}

impl PlanCall {
    /// The only route the prompt Worker answers.
    pub const PATH: &'static str = "/plan";

    /// The budget the job must fit in when it is stored: the call's daily budget over its day
    /// (over the UTC day of `now` if the call gives no day start).
    pub fn daily_limit(&self, now: &Timestamp) -> Option<crate::budget::DailyLimit> {
        let daily_usd = self.daily_budget_usd?;
        Some(match &self.budget_day_start {
            Some(day_start) => crate::budget::DailyLimit {
                daily_usd,
                day_start: day_start.clone(),
            },
            None => crate::budget::DailyLimit::of_day(daily_usd, now),
        })
    }
}

/// A stage of the chain, as progress reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Generate,
    Embed,
    Cluster,
    Select,
    Coverage,
}

/// How far one stage is: `done` of `total` (and `failed` of them, for generation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct StageProgress {
    pub stage: Stage,
    pub done: u32,
    pub failed: u32,
    pub total: u32,
}

/// One selected design as the designer sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct SelectedDesign {
    pub rank: u32,
    pub image_id: String,
    pub image_url: String,
    pub cluster: u32,
    /// The readable name of its cluster's style.
    pub style: Option<String>,
    /// Why the DPP picked it: `quality`, or `novelty` over a higher-quality candidate.
    pub reason: PickReason,
    /// Log-determinant gain of the pick.
    pub gain: f64,
    pub novelty: f64,
    pub quality: f64,
    pub prompt: Option<String>,
    /// What the prompt asked the model to avoid.
    pub negative_prompt: Option<String>,
    /// Generation parameters as the provider used them.
    pub parameters: Option<serde_json::Value>,
    pub seed: Option<u64>,
    pub model: Option<String>,
    /// The provider that made the image.
    pub provider: Option<Provider>,
    /// What the image cost (USD).
    pub cost: Option<f64>,
    /// The values the picture shows.
    pub attributes: Vec<bff_domain::AttributeValue>,
}

/// A variant that failed (its reason: `moderated: ...` when a provider refused the content) or
/// moved to another provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct VariantReport {
    pub variant: u32,
    pub image_id: String,
    pub status: VariantStatus,
    /// The provider asked last.
    pub provider: Provider,
    pub error: Option<String>,
    pub reroutes: Vec<crate::ports::Reroute>,
}

/// `GET /api/generation/{job}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct JobStatusResponse {
    pub job_id: String,
    pub status: JobStatus,
    pub brief: String,
    pub designs: u32,
    pub provider: Provider,
    /// Every provider the variants are spread over.
    pub providers: Vec<Provider>,
    /// What the job may cost (USD), as accepted.
    pub cost_estimate: f64,
    pub theta: f64,
    pub over_generation: f64,
    /// Generate, embed, cluster, select, coverage, in chain order.
    pub progress: Vec<StageProgress>,
    /// The picks in rank order, once selection ran.
    pub selected: Vec<SelectedDesign>,
    /// The variants that failed or moved to another provider, with why.
    pub variant_reports: Vec<VariantReport>,
    pub warnings: Vec<String>,
    pub error: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl JobStatusResponse {
    pub fn from_rows(
        job: &JobRow,
        progress: JobProgress,
        variants: &[VariantRow],
        picks: &[PickRow],
        images: &[ImageRow],
        profiles: &[StyleProfileRow],
    ) -> Self {
        let past = |s: JobStatus| job.status.order() > s.order() && job.status != JobStatus::Failed;
        let images: BTreeMap<&str, &ImageRow> =
            images.iter().map(|i| (i.image_id.as_str(), i)).collect();
        let styles: BTreeMap<u32, &str> = profiles
            .iter()
            .map(|p| (p.cluster, p.name.as_str()))
            .collect();
        let selected = picks
            .iter()
            .map(|p| {
                let image = images.get(p.image_id.as_str());
                SelectedDesign {
                    rank: p.rank,
                    image_id: p.image_id.clone(),
                    image_url: image_url(&job.job_id, &p.image_id),
                    cluster: p.cluster,
                    style: styles.get(&p.cluster).map(|s| s.to_string()),
                    reason: p.reason,
                    gain: p.log_gain,
                    novelty: p.novelty,
                    quality: p.quality,
                    prompt: image.map(|i| i.prompt.clone()),
                    negative_prompt: image.map(|i| i.negative_prompt.clone()),
                    parameters: image.map(|i| i.parameters.clone()),
                    seed: image.map(|i| i.seed),
                    model: image.map(|i| i.model.clone()),
                    provider: image.map(|i| i.provider),
                    cost: image.map(|i| i.cost),
                    attributes: image.map(|i| i.drawn.clone()).unwrap_or_default(),
                }
            })
            .collect();
        let flag = |done: bool| u32::from(done);
        Self {
            job_id: job.job_id.clone(),
            status: job.status,
            brief: job.brief.clone(),
            designs: job.designs,
            provider: job.provider,
            providers: job.providers.clone(),
            cost_estimate: job.cost_estimate,
            theta: job.theta,
            over_generation: job.over_generation,
            progress: vec![
                StageProgress {
                    stage: Stage::Generate,
                    done: progress.generated + progress.embedded,
                    failed: progress.failed,
                    total: progress.variants,
                },
                StageProgress {
                    stage: Stage::Embed,
                    done: progress.embedded,
                    failed: 0,
                    total: progress.variants.saturating_sub(progress.failed),
                },
                StageProgress {
                    stage: Stage::Cluster,
                    done: flag(past(JobStatus::Clustering)),
                    failed: 0,
                    total: 1,
                },
                StageProgress {
                    stage: Stage::Select,
                    done: picks.len() as u32,
                    failed: 0,
                    total: job.designs,
                },
                StageProgress {
                    stage: Stage::Coverage,
                    done: flag(past(JobStatus::Measuring)),
                    failed: 0,
                    total: 1,
                },
            ],
            selected,
            variant_reports: variants
                .iter()
                .filter(|v| v.status == VariantStatus::Failed || !v.reroutes.is_empty())
                .map(|v| VariantReport {
                    variant: v.variant,
                    image_id: v.image_id.clone(),
                    status: v.status,
                    provider: v.provider,
                    error: v.error.clone(),
                    reroutes: v.reroutes.clone(),
                })
                .collect(),
            warnings: job.warnings.clone(),
            error: job.error.clone(),
            created_at: job.created_at.clone(),
            updated_at: job.updated_at.clone(),
        }
    }
}

/// One cluster (style) of a job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ClusterSummary {
    pub cluster: u32,
    pub profile_id: String,
    pub name: String,
    pub size: u32,
    pub dominant: Vec<DominantAttribute>,
    pub image_ids: Vec<String>,
}

/// `GET /api/clusters/{job}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ClustersResponse {
    pub job_id: String,
    pub k: u32,
    pub silhouette: Option<f64>,
    /// Silhouette and inertia of every K tried.
    pub candidates: Vec<KCandidate>,
    pub clusters: Vec<ClusterSummary>,
}

impl ClustersResponse {
    pub fn from_rows(
        result: &ClusterResultRow,
        profiles: &[StyleProfileRow],
        assignments: &[ClusterAssignmentRow],
    ) -> Self {
        let clusters = profiles
            .iter()
            .map(|p| ClusterSummary {
                cluster: p.cluster,
                profile_id: p.profile_id.clone(),
                name: p.name.clone(),
                size: p.size,
                dominant: p.dominant.clone(),
                image_ids: assignments
                    .iter()
                    .filter(|a| a.cluster == p.cluster)
                    .map(|a| a.image_id.clone())
                    .collect(),
            })
            .collect();
        Self {
            job_id: result.job_id.clone(),
            k: result.k,
            silhouette: result.silhouette,
            candidates: result.candidates.clone(),
            clusters,
        }
    }
}

/// One pick, as the diversity view shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct DiversityPick {
    pub rank: u32,
    pub image_id: String,
    pub cluster: u32,
    pub reason: PickReason,
    pub gain: f64,
    pub novelty: f64,
    pub quality: f64,
}

/// `GET /api/diversity/{job}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct DiversityResponse {
    pub job_id: String,
    pub theta: f64,
    pub target: u32,
    pub picked: u32,
    pub candidates: u32,
    pub stop: StopReason,
    pub log_det_kernel: f64,
    pub log_det_similarity: f64,
    pub mean_pairwise_cosine_distance: f64,
    /// Distinct clusters among the picks.
    pub clusters_represented: u32,
    pub cluster_cap_relaxed: bool,
    pub suppressed: Vec<SuppressedImage>,
    pub picks: Vec<DiversityPick>,
}

impl DiversityResponse {
    pub fn from_rows(selection: &SelectionRow, picks: &[PickRow]) -> Self {
        let mut clusters: Vec<u32> = picks.iter().map(|p| p.cluster).collect();
        clusters.sort_unstable();
        clusters.dedup();
        Self {
            job_id: selection.job_id.clone(),
            theta: selection.theta,
            target: selection.target,
            picked: selection.picked,
            candidates: selection.candidates,
            stop: selection.stop,
            log_det_kernel: selection.log_det_kernel,
            log_det_similarity: selection.log_det_similarity,
            mean_pairwise_cosine_distance: selection.mean_pairwise_cosine_distance,
            clusters_represented: clusters.len() as u32,
            cluster_cap_relaxed: selection.cluster_cap_relaxed,
            suppressed: selection.suppressed.clone(),
            picks: picks
                .iter()
                .map(|p| DiversityPick {
                    rank: p.rank,
                    image_id: p.image_id.clone(),
                    cluster: p.cluster,
                    reason: p.reason,
                    gain: p.log_gain,
                    novelty: p.novelty,
                    quality: p.quality,
                })
                .collect(),
        }
    }
}

/// One gap, as the coverage view shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct GapSummary {
    pub rank: u32,
    pub category: String,
    pub value: String,
    pub requested: bool,
    pub coverage: f64,
    pub missing: u32,
    pub severity: Severity,
    pub severity_score: f64,
    /// The boost the user's next plans give this value.
    pub boost: f64,
}

/// `GET /api/coverage/{job}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct CoverageResponse {
    pub job_id: String,
    pub overall_score: f64,
    pub overall_evenness: f64,
    pub set_size: u32,
    pub categories: Vec<CategoryCoverage>,
    pub gaps: Vec<GapSummary>,
    /// Values the designs show that nothing targeted.
    pub untargeted: Vec<UntargetedValue>,
}

impl CoverageResponse {
    pub fn from_rows(report: &CoverageReportRow, gaps: &[AttributeGapRow]) -> Self {
        Self {
            job_id: report.job_id.clone(),
            overall_score: report.overall_score,
            overall_evenness: report.overall_evenness,
            set_size: report.set_size,
            categories: report.report.categories.clone(),
            gaps: gaps
                .iter()
                .map(|g| GapSummary {
                    rank: g.rank,
                    category: g.category.clone(),
                    value: g.value.clone(),
                    requested: g.requested,
                    coverage: g.coverage,
                    missing: g.missing,
                    severity: g.severity,
                    severity_score: g.severity_score,
                    boost: g.boost,
                })
                .collect(),
            untargeted: report.report.untargeted.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(json: &str) -> Result<ValidGeneration, ApiError> {
        GenerationRequest::from_json(json.as_bytes())?.validate()
    }

    #[test]
    fn control_characters_in_a_brief_are_refused() {
        // A NUL, which PostgreSQL cannot store: found by fuzzing as a 503.
        for brief in ["black dress\u{0}", "black \u{1b} dress"] {
            let body = serde_json::json!({ "brief": brief }).to_string();
            let e = request(&body).unwrap_err();
            assert_eq!(
                (e.status, e.field.as_deref()),
                (422, Some("brief")),
                "{brief:?}"
            );
            let e = BriefRequest::preview(body.as_bytes()).unwrap_err();
            assert_eq!((e.status, e.field.as_deref()), (422, Some("brief")));
        }
        assert!(request(r#"{"brief": "black dress,\n\tno florals"}"#).is_ok());
    }

    #[test]
    fn a_plan_call_carries_the_daily_budget_and_its_day_or_none() {
        let now = Timestamp::parse("2026-04-02T10:00:00Z").unwrap();
        // A call without the budget's fields (a gateway without a budget) reads as no limit.
        let old: PlanCall = serde_json::from_str(
            r#"{"user_id": "u", "job_id": "j", "request": {"brief": "dress"}, "cost_estimate": 0.5}"#,
        )
        .unwrap();
        assert_eq!(
            (old.daily_budget_usd, old.budget_day_start.clone()),
            (None, None)
        );
        assert_eq!(old.daily_limit(&now), None);
        let budgeted: PlanCall = serde_json::from_str(
            r#"{"user_id": "u", "job_id": "j", "request": {"brief": "dress"},
                "daily_budget_usd": 2.0, "budget_day_start": "2026-04-01T00:00:00.000Z"}"#,
        )
        .unwrap();
        let limit = budgeted.daily_limit(&now).unwrap();
        assert_eq!(
            (limit.daily_usd, limit.day_start.as_str()),
            (2.0, "2026-04-01T00:00:00.000Z")
        );
        // A budget without its day counts from the UTC midnight of `now`.
        let dayless = PlanCall {
            budget_day_start: None,
            ..budgeted.clone()
        };
        assert_eq!(
            dayless.daily_limit(&now).unwrap().day_start.as_str(),
            "2026-04-02T00:00:00.000Z"
        );
        // Round trip; unknown fields and malformed days are still refused.
        let text = serde_json::to_string(&budgeted).unwrap();
        assert_eq!(serde_json::from_str::<PlanCall>(&text).unwrap(), budgeted);
        assert!(serde_json::from_str::<PlanCall>(
            r#"{"user_id": "u", "job_id": "j", "request": {"brief": "dress"}, "budget": 1}"#
        )
        .is_err());
        assert!(serde_json::from_str::<PlanCall>(
            r#"{"user_id": "u", "job_id": "j", "request": {"brief": "dress"}, "budget_day_start": "today"}"#
        )
        .is_err());
    }

    #[test]
    fn defaults_apply() {
        let v =
            request(r#"{"brief": "relaxed linen midi dress, earthy tones, no florals"}"#).unwrap();
        assert_eq!(v.designs(), DEFAULT_DESIGNS);
        assert_eq!(v.provider(), Provider::Sketch);
        assert_eq!(v.theta(), DEFAULT_THETA);
        assert_eq!(v.over_generation(), DEFAULT_OVER_GENERATION);
        assert!(!v.parsed().attributes.is_empty());
        assert!(!v.parsed().exclusions.is_empty());
    }

    #[test]
    fn the_brief_count_is_the_default_and_the_field_wins() {
        let v = request(r#"{"brief": "give me 8 black midi dresses"}"#).unwrap();
        assert_eq!(v.designs(), 8);
        let v = request(r#"{"brief": "give me 8 black midi dresses", "designs": 5}"#).unwrap();
        assert_eq!(v.designs(), 5);
        let e = request(r#"{"brief": "give me 60 black midi dresses"}"#).unwrap_err();
        assert_eq!((e.status, e.field.as_deref()), (422, Some("brief")));
    }

    #[test]
    fn each_field_is_checked() {
        let cases = [
            (r#"{"brief": "black dress", "designs": 0}"#, 422, "designs"),
            (r#"{"brief": "black dress", "designs": 49}"#, 422, "designs"),
            (r#"{"brief": "black dress", "theta": 1.0}"#, 422, "theta"),
            (r#"{"brief": "black dress", "theta": -0.1}"#, 422, "theta"),
            (
                r#"{"brief": "black dress", "over_generation": 1.5}"#,
                422,
                "over_generation",
            ),
            (
                r#"{"brief": "black dress", "over_generation": 3.5}"#,
                422,
                "over_generation",
            ),
            (
                r#"{"brief": "black dress", "provider": "midjourney"}"#,
                400,
                "provider",
            ),
            (
                r#"{"brief": "black dress", "provider": "openai"}"#,
                422,
                "provider",
            ),
            (r#"{"brief": ""}"#, 422, "brief"),
            (r#"{"brief": "qwzx blorp"}"#, 422, "brief"),
        ];
        for (json, status, field) in cases {
            let e = request(json).unwrap_err();
            assert_eq!(
                (e.status, e.field.as_deref()),
                (status, Some(field)),
                "{json}: {e}"
            );
        }
        let e = request(r#"{"brief": "black dress", "provider": "openai"}"#).unwrap_err();
        assert!(e.message.contains("not configured"), "{}", e.message);
        let ok = GenerationRequest::from_json(br#"{"brief": "black dress", "provider": "openai"}"#)
            .unwrap()
            .validate_with(&[Provider::Sketch, Provider::OpenAi])
            .unwrap();
        assert_eq!(ok.provider(), Provider::OpenAi);
    }

    #[test]
    fn bodies_are_read_strictly() {
        let e =
            GenerationRequest::from_json(br#"{"brief": "black dress", "design": 4}"#).unwrap_err();
        assert_eq!(e.status, 400);
        assert!(e.message.contains("unknown field"), "{}", e.message);
        assert_eq!(GenerationRequest::from_json(b"{").unwrap_err().status, 400);
        assert_eq!(
            GenerationRequest::from_json(br#"{"brief": "x", "designs": -1}"#)
                .unwrap_err()
                .status,
            400
        );
        let big = format!(r#"{{"brief": "{}"}}"#, "a".repeat(MAX_BODY_BYTES));
        let e = GenerationRequest::from_json(big.as_bytes()).unwrap_err();
        assert_eq!((e.status, e.code), (413, "payload_too_large"));
    }

    #[test]
    fn errors_serialise_as_response_bodies() {
        let e = ApiError::not_found("no job j1").with_field("job_id");
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"status":404,"code":"not_found","message":"no job j1","field":"job_id"}"#
        );
        assert_eq!(ApiError::unauthorized("x").status, 401);
        let from_port: ApiError = PortError::new("job store", "D1 timeout").into();
        assert_eq!((from_port.status, from_port.code), (503, "unavailable"));
    }
}
