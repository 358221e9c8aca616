//! Every answer the end-to-end checks receive from a deployment's public API is validated against
//! the OpenAPI document (`api/openapi.json`): its status must be one the operation lists, and a
//! JSON body must match the schema listed for that status. A difference fails the check that made
//! the request, so the document cannot drift from what the functions answer.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use anyhow::{anyhow, bail, Result};
use serde_json::{json, Value};

const DOCUMENT: &str = include_str!("../../api/openapi.json");

fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| serde_json::from_str(DOCUMENT).expect("api/openapi.json is JSON"))
}

/// The document's path template that `path` (without its query) is an instance of: a literal
/// template before one with parameters.
fn template(path: &str) -> Option<&'static str> {
    let paths = document()["paths"].as_object()?;
    if paths.contains_key(path) {
        return paths.keys().find(|k| *k == path).map(String::as_str);
    }
    let parts: Vec<&str> = path.split('/').collect();
    paths.keys().map(String::as_str).find(|template| {
        let pattern: Vec<&str> = template.split('/').collect();
        pattern.len() == parts.len()
            && pattern.iter().zip(&parts).all(|(p, part)| {
                (p.starts_with('{') && p.ends_with('}') && !part.is_empty()) || p == part
            })
    })
}

/// A JSON pointer token (`/` and `~` escaped).
fn token(text: &str) -> String {
    text.replace('~', "~0").replace('/', "~1")
}

/// Checks one answer; undocumented paths (development and internal routes) and methods (405s)
/// are not the document's to judge.
pub fn check(method: &str, path: &str, status: u16, content_type: &str, body: &str) -> Result<()> {
    let path = path.split('?').next().unwrap_or(path);
    // Every function answers its own health check under its prefix: the same answer as
    // `/api/health-check`, which the document lists.
    let path = if path.ends_with("/health-check") {
        "/api/health-check"
    } else {
        path
    };
    let Some(template) = template(path) else {
        return Ok(());
    };
    let method = method.to_ascii_lowercase();
    let operation = &document()["paths"][template][&method];
    if operation.is_null() {
        return Ok(());
    }
    let mut pointer = format!("/paths/{}/{method}/responses/{status}", token(template));
    let mut answer = document().pointer(&pointer).ok_or_else(|| {
        anyhow!(
            "{} {template} answered {status}, which the OpenAPI document does not list for it: {}",
            method.to_uppercase(),
            body.chars().take(300).collect::<String>()
        )
    })?;
    if let Some(reference) = answer["$ref"].as_str() {
        pointer = reference.trim_start_matches('#').to_string();
        answer = document()
            .pointer(&pointer)
            .ok_or_else(|| anyhow!("{reference} is not in the document"))?;
    }
    if !content_type.starts_with("application/json") {
        if answer["content"].get(content_type).is_none() {
            bail!(
                "{} {template} {status}: content type {content_type:?} is not the document's",
                method.to_uppercase()
            );
        }
        return Ok(());
    }
    if answer["content"].get("application/json").is_none() {
        bail!(
            "{} {template} {status}: JSON, which the document does not list",
            method.to_uppercase()
        );
    }
    let instance: Value = serde_json::from_str(body).map_err(|e| {
        anyhow!(
            "{} {template} {status}: the body is not JSON ({e})",
            method.to_uppercase()
        )
    })?;
    let schema_pointer = format!("{pointer}/content/application~1json/schema");
    let errors = validate(&schema_pointer, &instance)?;
    if !errors.is_empty() {
        bail!(
            "{} {template} {status}: the body does not match the OpenAPI document:\n  {}\nbody: {}",
            method.to_uppercase(),
            errors.join("\n  "),
            body.chars().take(600).collect::<String>()
        );
    }
    Ok(())
}

fn validate(schema_pointer: &str, instance: &Value) -> Result<Vec<String>> {
    static VALIDATORS: OnceLock<Mutex<HashMap<String, jsonschema::Validator>>> = OnceLock::new();
    let mut validators = VALIDATORS
        .get_or_init(Default::default)
        .lock()
        .map_err(|_| anyhow!("validator cache poisoned"))?;
    if !validators.contains_key(schema_pointer) {
        // The document itself is the schema, with a reference to the answer's schema at its root:
        // its `#/components/schemas/...` references then resolve in place, and the rest of the
        // document is keywords JSON Schema ignores.
        let mut schema = document().clone();
        // A fragment is a URI part: the path templates' braces must be percent-encoded there.
        let fragment = schema_pointer.replace('{', "%7B").replace('}', "%7D");
        schema["$ref"] = json!(format!("#{fragment}"));
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .build(&schema)
            .map_err(|e| anyhow!("the schema at {schema_pointer}: {e}"))?;
        validators.insert(schema_pointer.to_string(), validator);
    }
    Ok(validators[schema_pointer]
        .iter_errors(instance)
        .take(5)
        .map(|e| format!("at {:?}: {e}", e.instance_path().to_string()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_templates() {
        assert_eq!(
            template("/api/generation/j-1"),
            Some("/api/generation/{id}")
        );
        assert_eq!(
            template("/api/analytics/styles"),
            Some("/api/analytics/styles")
        );
        assert_eq!(template("/api/dev/users"), None);
        assert_eq!(template("/api/generation/"), None);
    }

    #[test]
    fn judges_answers() {
        let error = r#"{"status":404,"code":"not_found","message":"no job","request_id":"r-1"}"#;
        check("GET", "/api/generation/j-1", 404, "application/json", error).unwrap();
        // A status the operation does not list, a body missing a required field or with a
        // field of the wrong type are refused.
        assert!(check("GET", "/api/generation/j-1", 418, "application/json", error).is_err());
        let no_id = r#"{"status":404,"code":"not_found","message":"no job"}"#;
        assert!(check("GET", "/api/generation/j-1", 404, "application/json", no_id).is_err());
        let health = r#"{"status":"ok","checks":{}}"#;
        check("GET", "/api/health-check", 200, "application/json", health).unwrap();
        let unknown_status = r#"{"status":"fine","checks":{}}"#;
        assert!(check(
            "GET",
            "/api/health-check",
            200,
            "application/json",
            unknown_status
        )
        .is_err());
        // A path with a parameter, whose schema sits under a template with braces.
        let token = r#"{"id":"0123456789abcdef","label":"laptop","created_at":"2026-12-05T00:00:00.000Z","expires_at":null,"revoked_at":"2026-12-05T01:00:00.000Z"}"#;
        check(
            "DELETE",
            "/api/tokens/0123456789abcdef",
            200,
            "application/json",
            token,
        )
        .unwrap();
        let no_label =
            r#"{"id":"0123456789abcdef","created_at":"x","expires_at":null,"revoked_at":null}"#;
        assert!(check(
            "DELETE",
            "/api/tokens/0123456789abcdef",
            200,
            "application/json",
            no_label
        )
        .is_err());
        check(
            "GET",
            "/api/generation/j/images/i.png",
            200,
            "image/png",
            "",
        )
        .unwrap();
        assert!(check(
            "GET",
            "/api/generation/j/images/i.png",
            200,
            "text/html",
            ""
        )
        .is_err());
        // Development routes are not the document's.
        check("POST", "/api/dev/users", 200, "application/json", "{}").unwrap();
    }
}
