//! The OpenAPI 3.1 document of the public API, generated from the Rust types the handlers read and
//! write (feature `openapi`, which the deployed functions leave off).
//!
//! The paths, their parameters and their statuses are listed here once, beside the schemas that
//! `schemars` derives from the request and response types (requests as they deserialise, responses
//! as they serialise). `cargo xtask openapi` writes the document to `api/openapi.json`, which the
//! gateway serves at `GET /api/openapi.json`; this crate's tests fail when the committed document
//! differs from what the types give, or when a route of the router is missing from it, and the
//! end-to-end checks validate every answer they receive against it.

use std::collections::BTreeSet;

use bff_pipeline::adherence::ProvidersResponse;
use bff_pipeline::api::feedback::{FeedbackList, FeedbackRequest};
use bff_pipeline::api::{
    ApiError, BriefPreview, BriefRequest, CandidatesResponse, ClustersResponse, CoverageResponse,
    DiversityResponse, GenerationRequest, JobStatusResponse, SubmitResponse,
};
use bff_pipeline::stages::analytics::{
    CoverageView, EvolutionView, FeedbackSummaryView, RecommendationsView, StandoutsView,
    StylesView,
};
use schemars::generate::SchemaSettings;
use schemars::SchemaGenerator;
use serde_json::{json, Map, Value};

use crate::bodies::{
    AdminMetrics, CreatedToken, CreatedUser, Deleted, FeedbackSubmitted, FeedbackWithChanges,
    Health, Jobs, NewToken, NewUser, TokenInfo, Tokens,
};

/// Who may call an operation.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Auth {
    None,
    /// A user's bearer token.
    User,
    /// The deployment's admin token.
    Admin,
}

/// What a successful answer carries.
enum Body {
    Json(Value),
    Png,
}

/// One operation: a method on a path (in OpenAPI's `{name}` form).
struct Operation {
    method: &'static str,
    path: &'static str,
    id: &'static str,
    tag: &'static str,
    summary: &'static str,
    auth: Auth,
    parameters: Vec<Value>,
    request: Option<Value>,
    answers: Vec<(u16, &'static str, Body)>,
    errors: &'static [u16],
}

/// The errors every authenticated operation may answer besides its own.
const AUTHENTICATED: [u16; 2] = [401, 503];

/// The name of an error status's answer in `components/responses`.
fn error_name(status: u16) -> &'static str {
    match status {
        400 => "BadRequest",
        401 => "Unauthorized",
        402 => "BudgetExceeded",
        404 => "NotFound",
        409 => "Conflict",
        413 => "PayloadTooLarge",
        422 => "Unprocessable",
        429 => "TooManyRequests",
        503 => "Unavailable",
        _ => "Error",
    }
}

fn error_description(status: u16) -> &'static str {
    match status {
        400 => "The body is not the expected JSON (syntax, types, unknown fields).",
        401 => "No valid bearer token (missing, unknown, expired or revoked).",
        402 => "The job would pass the user's daily image budget; `details` has the figures.",
        404 => "Nothing of this user has this id (another user's data is a 404 too).",
        409 => "The request conflicts with what exists (a reused id, too many live tokens).",
        413 => "The body is larger than the API reads.",
        422 => "Well-formed values that cannot be served; `field` names the one at fault.",
        429 => "A rate limit or quota is reached; `Retry-After` says when to try again and `details` names the limit. Nothing was written.",
        503 => "Storage, a queue or a function behind the gateway is unavailable, or the deployment is misconfigured; try again later.",
        _ => "An error.",
    }
}

fn path_param(name: &str, description: &str) -> Value {
    json!({
        "name": name, "in": "path", "required": true, "description": description,
        "schema": { "type": "string" }
    })
}

fn query_param(name: &str, description: &str, schema: Value) -> Value {
    json!({ "name": name, "in": "query", "required": false, "description": description, "schema": schema })
}

/// Every public operation. Development and internal routes are not part of the API.
fn operations(responses: &mut SchemaGenerator, requests: &mut SchemaGenerator) -> Vec<Operation> {
    let job_id = || path_param("id", "The job id `POST /api/generation` answered.");
    let mut out = vec![
        Operation {
            method: "get",
            path: "/api/health-check",
            id: "health",
            tag: "service",
            summary: "Whether the store, the platform's bindings, the functions behind the gateway and the configured providers answer.",
            auth: Auth::None,
            parameters: vec![],
            request: None,
            answers: vec![
                (200, "Everything the pipeline needs answers.", Body::Json(responses.subschema_for::<Health>().into())),
                (503, "Something the pipeline needs does not answer; `checks` says what.", Body::Json(responses.subschema_for::<Health>().into())),
            ],
            errors: &[],
        },
        Operation {
            method: "get",
            path: "/api/openapi.json",
            id: "openapi",
            tag: "service",
            summary: "This document.",
            auth: Auth::None,
            parameters: vec![],
            request: None,
            answers: vec![(200, "The OpenAPI 3.1 document of the API.", Body::Json(json!({ "type": "object" })))],
            errors: &[],
        },
        Operation {
            method: "post",
            path: "/api/brief",
            id: "readBrief",
            tag: "generation",
            summary: "Reads a brief as a job would, without starting one: the values asked for and ruled out, the count, the words not understood, the warnings.",
            auth: Auth::User,
            parameters: vec![],
            request: Some(requests.subschema_for::<BriefRequest>().into()),
            answers: vec![(200, "What the brief says.", Body::Json(responses.subschema_for::<BriefPreview>().into()))],
            errors: &[400, 413, 422],
        },
        Operation {
            method: "get",
            path: "/api/generation",
            id: "listGenerations",
            tag: "generation",
            summary: "The user's jobs, newest first (at most 200).",
            auth: Auth::User,
            parameters: vec![],
            request: None,
            answers: vec![(200, "The jobs.", Body::Json(responses.subschema_for::<Jobs>().into()))],
            errors: &[],
        },
        Operation {
            method: "post",
            path: "/api/generation",
            id: "createGeneration",
            tag: "generation",
            summary: "Starts a job: the brief is parsed and planned, and its variants are queued for generation.",
            auth: Auth::User,
            parameters: vec![],
            request: Some(requests.subschema_for::<GenerationRequest>().into()),
            answers: vec![(202, "The job is planned and its images are being made; poll `status_url`.", Body::Json(responses.subschema_for::<SubmitResponse>().into()))],
            errors: &[400, 402, 409, 413, 422, 429],
        },
        Operation {
            method: "get",
            path: "/api/generation/{id}",
            id: "getGeneration",
            tag: "generation",
            summary: "A job's status, each stage's progress, each variant's outcome and, once chosen, the designs with why each was picked.",
            auth: Auth::User,
            parameters: vec![job_id()],
            request: None,
            answers: vec![(200, "The job.", Body::Json(responses.subschema_for::<JobStatusResponse>().into()))],
            errors: &[404],
        },
        Operation {
            method: "delete",
            path: "/api/generation/{id}",
            id: "deleteGeneration",
            tag: "generation",
            summary: "Deletes a job with its images, embeddings, picks and feedback. Idempotent: again, it deletes nothing and says so.",
            auth: Auth::User,
            parameters: vec![job_id()],
            request: None,
            answers: vec![(200, "What was deleted, by table, and the images removed from the blob store.", Body::Json(responses.subschema_for::<Deleted>().into()))],
            errors: &[404],
        },
        Operation {
            method: "get",
            path: "/api/generation/{id}/images",
            id: "listCandidates",
            tag: "generation",
            summary: "Every image the job has made so far, picked or not, with its prompt, negative prompt, model, seed, parameters, quality and the values it shows.",
            auth: Auth::User,
            parameters: vec![job_id()],
            request: None,
            answers: vec![(200, "The images, in variant order.", Body::Json(responses.subschema_for::<CandidatesResponse>().into()))],
            errors: &[404],
        },
        Operation {
            method: "get",
            path: "/api/generation/{id}/images/{image}",
            id: "getImage",
            tag: "generation",
            summary: "One generated image.",
            auth: Auth::User,
            parameters: vec![job_id(), path_param("image", "The image id, with or without `.png`.")],
            request: None,
            answers: vec![(200, "The PNG.", Body::Png)],
            errors: &[404],
        },
        Operation {
            method: "get",
            path: "/api/clusters/{id}",
            id: "getClusters",
            tag: "generation",
            summary: "The job's style clusters: K with its silhouette against the other candidates, each cluster's name, size and dominant attributes.",
            auth: Auth::User,
            parameters: vec![job_id()],
            request: None,
            answers: vec![(200, "The clustering.", Body::Json(responses.subschema_for::<ClustersResponse>().into()))],
            errors: &[404],
        },
        Operation {
            method: "get",
            path: "/api/diversity/{id}",
            id: "getDiversity",
            tag: "generation",
            summary: "The job's selection: each pick with its gain, novelty and quality, the near-duplicates left out, and the set's diversity.",
            auth: Auth::User,
            parameters: vec![job_id()],
            request: None,
            answers: vec![(200, "The selection.", Body::Json(responses.subschema_for::<DiversityResponse>().into()))],
            errors: &[404],
        },
        Operation {
            method: "get",
            path: "/api/coverage/{id}",
            id: "getCoverage",
            tag: "generation",
            summary: "The chosen set's coverage of the taxonomy by category, the gaps, and the boosts the user's next job will apply.",
            auth: Auth::User,
            parameters: vec![job_id()],
            request: None,
            answers: vec![(200, "The coverage report.", Body::Json(responses.subschema_for::<CoverageResponse>().into()))],
            errors: &[404],
        },
        Operation {
            method: "post",
            path: "/api/feedback",
            id: "createFeedback",
            tag: "feedback",
            summary: "Rates, likes or dislikes, comments or tags one of the user's designs; a later call on the same image is a new revision. Learning is queued.",
            auth: Auth::User,
            parameters: vec![],
            request: Some(requests.subschema_for::<FeedbackRequest>().into()),
            answers: vec![
                (201, "The first feedback on this image.", Body::Json(responses.subschema_for::<FeedbackSubmitted>().into())),
                (200, "A new revision of the feedback on this image.", Body::Json(responses.subschema_for::<FeedbackSubmitted>().into())),
            ],
            errors: &[400, 404, 413, 422, 429],
        },
        Operation {
            method: "get",
            path: "/api/feedback",
            id: "listFeedback",
            tag: "feedback",
            summary: "The user's feedback, newest first.",
            auth: Auth::User,
            parameters: vec![query_param("job_id", "Only the feedback on this job's designs.", json!({ "type": "string" }))],
            request: None,
            answers: vec![(200, "The feedback.", Body::Json(responses.subschema_for::<FeedbackList>().into()))],
            errors: &[422],
        },
        Operation {
            method: "get",
            path: "/api/feedback/{image}",
            id: "getFeedback",
            tag: "feedback",
            summary: "The user's feedback on one design, and the preference weights learning moved for its current revision.",
            auth: Auth::User,
            parameters: vec![path_param("image", "The image id.")],
            request: None,
            answers: vec![(200, "The feedback and what it changed.", Body::Json(responses.subschema_for::<FeedbackWithChanges>().into()))],
            errors: &[404],
        },
    ];
    let analytics: [(&'static str, &'static str, &'static str, Value); 6] = [
        ("/api/analytics/evolution", "getStyleEvolution", "The share of each attribute value in the user's picks, week by week over 90 days.", responses.subschema_for::<EvolutionView>().into()),
        ("/api/analytics/styles", "getStyleProfiles", "The user's style profiles (clusters) and how they perform: mean rating, standout rate.", responses.subschema_for::<StylesView>().into()),
        ("/api/analytics/standouts", "getStandouts", "Standout rates by attribute value.", responses.subschema_for::<StandoutsView>().into()),
        ("/api/analytics/feedback", "getFeedbackSummary", "The last 7 days of feedback.", responses.subschema_for::<FeedbackSummaryView>().into()),
        ("/api/analytics/coverage", "getCoverageSummary", "Coverage of the user's picks over the last 30 days.", responses.subschema_for::<CoverageView>().into()),
        ("/api/analytics/recommendations", "getRecommendations", "Recommendations for the next briefs, each with its evidence.", responses.subschema_for::<RecommendationsView>().into()),
    ];
    for (path, id, summary, schema) in analytics {
        out.push(Operation {
            method: "get",
            path,
            id,
            tag: "analytics",
            summary,
            auth: Auth::User,
            parameters: vec![],
            request: None,
            answers: vec![(
                200,
                "The view, from the daily rollups and the raw feedback of today.",
                Body::Json(schema),
            )],
            errors: &[],
        });
    }
    out.extend([
        Operation {
            method: "get",
            path: "/api/providers",
            id: "listProviders",
            tag: "generation",
            summary: "The image providers this deployment has, and their measured prompt adherence by category (what routing reads).",
            auth: Auth::User,
            parameters: vec![],
            request: None,
            answers: vec![(200, "The providers.", Body::Json(responses.subschema_for::<ProvidersResponse>().into()))],
            errors: &[],
        },
        Operation {
            method: "get",
            path: "/api/tokens",
            id: "listTokens",
            tag: "tokens",
            summary: "The user's tokens (never the tokens themselves).",
            auth: Auth::User,
            parameters: vec![],
            request: None,
            answers: vec![(200, "The tokens.", Body::Json(responses.subschema_for::<Tokens>().into()))],
            errors: &[],
        },
        Operation {
            method: "post",
            path: "/api/tokens",
            id: "createToken",
            tag: "tokens",
            summary: "A new token for the user, with a label and an optional expiry; the answer is the only time the token is shown.",
            auth: Auth::User,
            parameters: vec![],
            request: Some(requests.subschema_for::<NewToken>().into()),
            answers: vec![(201, "The token.", Body::Json(responses.subschema_for::<CreatedToken>().into()))],
            errors: &[400, 409, 413, 422],
        },
        Operation {
            method: "delete",
            path: "/api/tokens/{id}",
            id: "revokeToken",
            tag: "tokens",
            summary: "Revokes one of the user's tokens; it is refused from the next request on. Idempotent.",
            auth: Auth::User,
            parameters: vec![path_param("id", "The token's public id (16 hex digits).")],
            request: None,
            answers: vec![(200, "The revoked token.", Body::Json(responses.subschema_for::<TokenInfo>().into()))],
            errors: &[404],
        },
        Operation {
            method: "delete",
            path: "/api/me",
            id: "deleteMe",
            tag: "tokens",
            summary: "Deletes everything of the user: jobs, images, feedback, preferences, analytics rows and tokens. Idempotent.",
            auth: Auth::User,
            parameters: vec![],
            request: None,
            answers: vec![(200, "What was deleted, by table, and the images removed from the blob store.", Body::Json(responses.subschema_for::<Deleted>().into()))],
            errors: &[],
        },
        Operation {
            method: "post",
            path: "/api/admin/users",
            id: "createUser",
            tag: "admin",
            summary: "A new user and their first token. 404 while the deployment has no admin token.",
            auth: Auth::Admin,
            parameters: vec![],
            request: Some(requests.subschema_for::<NewUser>().into()),
            answers: vec![(201, "The user and their token (shown this once).", Body::Json(responses.subschema_for::<CreatedUser>().into()))],
            errors: &[400, 404, 413, 422],
        },
        Operation {
            method: "get",
            path: "/api/admin/metrics",
            id: "getMetrics",
            tag: "admin",
            summary: "Operator metrics across users over a window: jobs by status, generation success by provider, diversity, coverage, standout rate. 404 while the deployment has no admin token.",
            auth: Auth::Admin,
            parameters: vec![query_param("days", "The window in days (1 to 90; 7 when absent).", json!({ "type": "integer", "minimum": 1, "maximum": 90 }))],
            request: None,
            answers: vec![(200, "The metrics.", Body::Json(responses.subschema_for::<AdminMetrics>().into()))],
            errors: &[404, 422],
        },
    ]);
    out
}

fn headers(status: u16) -> Value {
    let mut headers = json!({
        "X-Request-Id": {
            "description": "This request's id, also in the structured log record and in every error body.",
            "schema": { "type": "string" }
        }
    });
    if status == 429 {
        headers["Retry-After"] = json!({
            "description": "Seconds until the limit lets this request through.",
            "required": true,
            "schema": { "type": "integer", "minimum": 0 }
        });
    }
    headers
}

fn operation_object(op: &Operation) -> Value {
    let mut answers = Map::new();
    for (status, description, body) in &op.answers {
        let content = match body {
            Body::Json(schema) => json!({ "application/json": { "schema": schema } }),
            Body::Png => {
                json!({ "image/png": { "schema": { "type": "string", "contentMediaType": "image/png" } } })
            }
        };
        answers.insert(
            status.to_string(),
            json!({ "description": description, "headers": headers(*status), "content": content }),
        );
    }
    let mut errors: BTreeSet<u16> = op.errors.iter().copied().collect();
    if op.auth != Auth::None {
        errors.extend(AUTHENTICATED);
    }
    for status in errors {
        answers.insert(
            status.to_string(),
            json!({ "$ref": format!("#/components/responses/{}", error_name(status)) }),
        );
    }
    let mut object = json!({
        "operationId": op.id,
        "tags": [op.tag],
        "summary": op.summary,
        "responses": answers,
    });
    if !op.parameters.is_empty() {
        object["parameters"] = Value::Array(op.parameters.clone());
    }
    if let Some(schema) = &op.request {
        object["requestBody"] = json!({
            "required": true,
            "content": { "application/json": { "schema": schema } }
        });
    }
    object["security"] = match op.auth {
        Auth::None => json!([]),
        Auth::User => json!([{ "userToken": [] }]),
        Auth::Admin => json!([{ "adminToken": [] }]),
    };
    object
}

fn generator(settings: SchemaSettings) -> SchemaGenerator {
    let mut settings = settings;
    settings.definitions_path = "/components/schemas".into();
    settings.meta_schema = None;
    settings.into_generator()
}

/// The document, as `api/openapi.json` holds it.
pub fn document() -> Value {
    let mut responses = generator(SchemaSettings::draft2020_12().for_serialize());
    let mut requests = generator(SchemaSettings::draft2020_12().for_deserialize());
    let api_error: Value = responses.subschema_for::<ApiError>().into();
    let operations = operations(&mut responses, &mut requests);
    let mut paths = Map::new();
    let mut statuses = BTreeSet::new();
    for op in &operations {
        let item = paths
            .entry(op.path)
            .or_insert_with(|| Value::Object(Map::new()));
        item[op.method] = operation_object(op);
        statuses.extend(op.errors.iter().copied());
        if op.auth != Auth::None {
            statuses.extend(AUTHENTICATED);
        }
    }
    let error_answers: Map<String, Value> = statuses
        .into_iter()
        .map(|status| {
            let answer = json!({
                "description": error_description(status),
                "headers": headers(status),
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } }
            });
            (error_name(status).to_string(), answer)
        })
        .collect();
    let mut schemas = responses.take_definitions(true);
    for (name, schema) in requests.take_definitions(true) {
        match schemas.get(&name) {
            Some(existing) if *existing != schema => {
                panic!("{name} has one schema as a request and another as a response; rename one")
            }
            _ => {
                schemas.insert(name, schema);
            }
        }
    }
    // The edge adds the request id to every error body.
    schemas.insert(
        "Error".into(),
        json!({
            "description": "Every error's body.",
            "allOf": [api_error],
            "properties": { "request_id": { "type": "string", "description": "The request's id, as in the X-Request-Id header." } },
            "required": ["request_id"]
        }),
    );
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Designer BFF",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The design-exploration pipeline's HTTP API: a brief in, a small diverse set of designs out, grouped by style, with coverage of the fashion taxonomy, feedback, learning and analytics. Every error is a JSON body with `code`, `message`, the field at fault when there is one, and the request id. Generated from the types the handlers use (`cargo xtask openapi`)."
        },
        "tags": [
            { "name": "service", "description": "What the service is and whether it is healthy." },
            { "name": "generation", "description": "Jobs: from a brief to the chosen designs, their styles, diversity and coverage." },
            { "name": "feedback", "description": "Ratings, likes, comments and tags on designs; learning follows." },
            { "name": "analytics", "description": "How the designer's style evolves and what to try next." },
            { "name": "tokens", "description": "The user's own tokens and data." },
            { "name": "admin", "description": "The operator's routes, behind the deployment's admin token." }
        ],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": error_answers,
            "securitySchemes": {
                "userToken": { "type": "http", "scheme": "bearer", "description": "A user's token, from `POST /api/admin/users`, `bff admin create-user` or `POST /api/tokens`." },
                "adminToken": { "type": "http", "scheme": "bearer", "description": "The deployment's admin token (setting `admin_token`, a secret)." }
            }
        }
    })
}

/// The `(method, path)` of every operation, the path in the router's `:name` form.
pub fn routes() -> Vec<(String, String)> {
    let mut responses = generator(SchemaSettings::draft2020_12());
    let mut requests = generator(SchemaSettings::draft2020_12());
    operations(&mut responses, &mut requests)
        .into_iter()
        .map(|op| {
            let path = op
                .path
                .split('/')
                .map(
                    |part| match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                        Some(name) => format!(":{name}"),
                        None => part.to_string(),
                    },
                )
                .collect::<Vec<_>>()
                .join("/");
            (op.method.to_uppercase(), path)
        })
        .collect()
}

/// The document as committed: pretty-printed JSON with a final newline.
pub fn document_text() -> String {
    let mut text = serde_json::to_string_pretty(&document()).unwrap_or_default();
    text.push('\n');
    text
}

/// A schema's type in a few words: `string`, `integer | null`, `array of WeekShare`, the name
/// of a referenced schema, or the values of an enumeration.
fn type_words(schema: &Value) -> String {
    if let Some(target) = schema["$ref"].as_str() {
        let name = target.rsplit('/').next().unwrap_or(target);
        return format!("[{name}](#{})", name.to_lowercase());
    }
    if let Some(values) = schema["enum"].as_array() {
        let values: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
        return values.join(" \\| ");
    }
    if let Some(value) = schema.get("const") {
        return format!("`{value}`");
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(options) = schema[key].as_array() {
            let words: Vec<String> = options.iter().map(type_words).collect();
            return words.join(" \\| ");
        }
    }
    let single = |t: &str| match t {
        "array" => format!("array of {}", type_words(&schema["items"])),
        "object" if schema["additionalProperties"].is_object() => {
            format!("map to {}", type_words(&schema["additionalProperties"]))
        }
        other => other.to_string(),
    };
    match &schema["type"] {
        Value::String(t) => single(t),
        Value::Array(types) => types
            .iter()
            .filter_map(Value::as_str)
            .map(single)
            .collect::<Vec<_>>()
            .join(" \\| "),
        _ => "any".to_string(),
    }
}

/// One line of a table cell: line breaks and pipes would end it.
fn cell(text: &str) -> String {
    text.replace('\n', " ").replace('|', "\\|")
}

/// The document as a readable reference (`api/README.md`): each operation with its parameters,
/// body and answers, then each schema with its fields.
pub fn markdown(document: &Value) -> String {
    let mut out = String::new();
    let title = document["info"]["title"].as_str().unwrap_or_default();
    out.push_str(&format!("# The {title} HTTP API\n\n"));
    out.push_str("Generated from `api/openapi.json` (itself generated from the Rust types) by `cargo xtask openapi`; do not edit by hand. The document is served at `GET /api/openapi.json`.\n\n");
    out.push_str(&format!(
        "{}\n\n",
        document["info"]["description"].as_str().unwrap_or_default()
    ));
    out.push_str("Authentication: `Authorization: Bearer <token>`, a user's token unless an operation says *admin* (the deployment's admin token) or *none*.\n\n");
    let empty = Map::new();
    let paths = document["paths"].as_object().unwrap_or(&empty);
    out.push_str("## Operations\n\n| method | path | auth | what it does |\n|---|---|---|---|\n");
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap_or(&empty) {
            let auth = match op["security"][0].as_object().and_then(|o| o.keys().next()) {
                Some(scheme) if scheme == "adminToken" => "admin",
                Some(_) => "user",
                None => "none",
            };
            out.push_str(&format!(
                "| {} | [`{path}`](#{}) | {auth} | {} |\n",
                method.to_uppercase(),
                op["operationId"]
                    .as_str()
                    .unwrap_or_default()
                    .to_lowercase(),
                cell(op["summary"].as_str().unwrap_or_default())
            ));
        }
    }
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap_or(&empty) {
            out.push_str(&format!(
                "\n### {}\n\n`{} {path}`: {}\n\n",
                op["operationId"].as_str().unwrap_or_default(),
                method.to_uppercase(),
                op["summary"].as_str().unwrap_or_default()
            ));
            if let Some(parameters) = op["parameters"].as_array() {
                out.push_str("| parameter | in | type | |\n|---|---|---|---|\n");
                for p in parameters {
                    out.push_str(&format!(
                        "| `{}` | {} | {} | {} |\n",
                        p["name"].as_str().unwrap_or_default(),
                        p["in"].as_str().unwrap_or_default(),
                        type_words(&p["schema"]),
                        cell(p["description"].as_str().unwrap_or_default())
                    ));
                }
                out.push('\n');
            }
            if let Some(schema) = op.pointer("/requestBody/content/application~1json/schema") {
                out.push_str(&format!("Body: {}\n\n", type_words(schema)));
            }
            out.push_str("| status | | body |\n|---|---|---|\n");
            for (status, answer) in op["responses"].as_object().unwrap_or(&empty) {
                let answer = match answer["$ref"].as_str() {
                    Some(r) => document
                        .pointer(r.trim_start_matches('#'))
                        .unwrap_or(&Value::Null),
                    None => answer,
                };
                let body = match answer["content"].as_object().and_then(|c| c.iter().next()) {
                    Some((media, content)) if media == "application/json" => {
                        type_words(&content["schema"])
                    }
                    Some((media, _)) => format!("`{media}`"),
                    None => String::new(),
                };
                out.push_str(&format!(
                    "| {status} | {} | {body} |\n",
                    cell(answer["description"].as_str().unwrap_or_default())
                ));
            }
        }
    }
    out.push_str("\n## Schemas\n");
    for (name, schema) in document["components"]["schemas"]
        .as_object()
        .unwrap_or(&empty)
    {
        out.push_str(&format!("\n### {name}\n\n"));
        if let Some(text) = schema["description"].as_str() {
            out.push_str(&format!("{}\n\n", cell(text)));
        }
        let required: BTreeSet<&str> = schema["required"]
            .as_array()
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        match schema["properties"].as_object() {
            Some(properties) => {
                out.push_str("| field | type | |\n|---|---|---|\n");
                for (field, property) in properties {
                    let optional = if required.contains(field.as_str()) {
                        ""
                    } else {
                        " (optional)"
                    };
                    out.push_str(&format!(
                        "| `{field}`{optional} | {} | {} |\n",
                        type_words(property),
                        cell(property["description"].as_str().unwrap_or_default())
                    ));
                }
            }
            None => out.push_str(&format!("{}\n", type_words(schema))),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_document_is_what_the_types_give() {
        let committed = include_str!("../../../api/openapi.json");
        assert!(
            committed == document_text(),
            "api/openapi.json is not what the types give: run `cargo xtask openapi` and commit it"
        );
    }

    /// A pattern with its parameters unnamed: the document names them for what they are.
    fn shape((method, pattern): (String, String)) -> (String, String) {
        let unnamed = pattern
            .split('/')
            .map(|part| if part.starts_with(':') { ":" } else { part })
            .collect::<Vec<_>>()
            .join("/");
        (method, unnamed)
    }

    #[test]
    fn the_committed_reference_is_the_documents() {
        let committed = include_str!("../../../api/README.md");
        assert!(
            committed == markdown(&document()),
            "api/README.md is not what api/openapi.json gives: run `cargo xtask openapi` and commit it"
        );
    }

    #[test]
    fn every_public_route_is_documented_and_nothing_else() {
        let documented: BTreeSet<(String, String)> = routes().into_iter().map(shape).collect();
        let served: BTreeSet<(String, String)> = crate::gateway::public_routes()
            .into_iter()
            .flat_map(|(method, pattern)| {
                // One pattern, six views: each is its own operation with its own schema.
                if pattern == "/api/analytics/:id" {
                    bff_pipeline::stages::analytics::View::ALL
                        .iter()
                        .map(|view| (method.clone(), format!("/api/analytics/{}", view.name())))
                        .collect::<Vec<_>>()
                } else {
                    vec![(method, pattern)]
                }
            })
            .map(shape)
            .collect();
        assert_eq!(documented, served);
    }

    #[test]
    fn every_reference_resolves() {
        let document = document();
        let text = document.to_string();
        for reference in text.split("\"$ref\":\"").skip(1) {
            let target = reference.split('"').next().unwrap();
            let pointer = target
                .strip_prefix('#')
                .unwrap_or_else(|| panic!("unexpected reference {target}"));
            assert!(
                document.pointer(pointer).is_some(),
                "{target} is not defined"
            );
        }
    }
}
