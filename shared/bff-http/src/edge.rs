//! What every answer of the public API carries, whatever route made it: security headers, the
//! request id (a header, and a field of every error body), and cross-origin access, closed
//! unless the deployment names the origins it trusts.

use bff_pipeline::api::ApiError;

use crate::message::{HttpRequest, HttpResponse, Method};

/// The response header that carries the request id.
pub const REQUEST_ID_HEADER: &str = "X-Request-Id";

/// Headers every answer gets. The API answers JSON and PNG only, so the content-security policy
/// allows nothing at all: a response that a browser were tricked into rendering could run no
/// script, load nothing and be framed by no page.
const SECURITY_HEADERS: [(&str, &str); 6] = [
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    (
        "Content-Security-Policy",
        "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    ),
    ("Referrer-Policy", "no-referrer"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    (
        "Strict-Transport-Security",
        "max-age=63072000; includeSubDomains",
    ),
];

/// Methods and request headers a trusted origin may use.
const CORS_METHODS: &str = "GET, POST, DELETE";
const CORS_HEADERS: &str = "Authorization, Content-Type";
/// Response headers a trusted origin's script may read.
const CORS_EXPOSED: &str = "X-Request-Id, Retry-After, X-Bff-Cache";

/// The origins a deployment trusts (setting `cors_origins`: exact origins separated by commas,
/// such as `https://studio.example.com`); none by default. `*` is refused: a bearer-token API
/// open to every origin would let any page a designer visits spend their budget.
pub fn cors_origins(setting: &str) -> Result<Vec<String>, String> {
    setting
        .split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(|origin| {
            let well_formed = (origin.starts_with("https://") || origin.starts_with("http://"))
                && !origin.ends_with('/')
                && origin.split("://").nth(1).is_some_and(|host| {
                    !host.is_empty() && !host.contains('/') && !host.contains('*')
                });
            if well_formed {
                Ok(origin.to_string())
            } else {
                Err(format!(
                    "cors_origins: {origin:?} is not an origin like https://studio.example.com"
                ))
            }
        })
        .collect()
}

fn trusted<'a>(request: &'a HttpRequest, origins: &[String]) -> Option<&'a str> {
    request
        .header("Origin")
        .filter(|origin| origins.iter().any(|o| o == origin))
}

/// The answer to a CORS preflight (`OPTIONS` with `Origin` and
/// `Access-Control-Request-Method`): 204 with what the origin may do when it is trusted, else a
/// 403 the browser turns into a refused request. `None`: not a preflight.
pub fn preflight(request: &HttpRequest, origins: &[String]) -> Option<HttpResponse> {
    if request.method != Method::Options
        || request.header("Origin").is_none()
        || request.header("Access-Control-Request-Method").is_none()
    {
        return None;
    }
    Some(match trusted(request, origins) {
        Some(_) => HttpResponse::new(204, Vec::new())
            .with_header("Access-Control-Allow-Methods", CORS_METHODS)
            .with_header("Access-Control-Allow-Headers", CORS_HEADERS)
            .with_header("Access-Control-Max-Age", "600"),
        None => HttpResponse::error(&ApiError::forbidden(
            "this deployment does not accept requests from that origin",
        )),
    })
}

/// `response` as the API sends it: security headers, the request id (and `request_id` in a JSON
/// error body), `Cache-Control: no-store` unless the route chose a policy, and the CORS headers
/// for a trusted origin.
pub fn finish(
    mut response: HttpResponse,
    request: &HttpRequest,
    request_id: &str,
    origins: &[String],
) -> HttpResponse {
    if response.status >= 400 && response.is_json() {
        if let Ok(serde_json::Value::Object(mut body)) =
            serde_json::from_slice::<serde_json::Value>(&response.body)
        {
            body.insert("request_id".into(), request_id.into());
            response.body = serde_json::Value::Object(body).to_string().into_bytes();
        }
    }
    for (name, value) in SECURITY_HEADERS {
        response = response.with_header(name, value);
    }
    if response.header("Cache-Control").is_none() {
        response = response.with_header("Cache-Control", "no-store");
    }
    response = response.with_header(REQUEST_ID_HEADER, request_id);
    if let Some(origin) = trusted(request, origins) {
        response = response
            .with_header("Access-Control-Allow-Origin", origin)
            .with_header("Access-Control-Expose-Headers", CORS_EXPOSED)
            .with_header("Vary", "Origin");
    } else if !origins.is_empty() {
        // The answer depends on the origin: caches must not give one origin's to another.
        response = response.with_header("Vary", "Origin");
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origins() -> Vec<String> {
        cors_origins("https://studio.example.com, http://localhost:5173").unwrap()
    }

    #[test]
    fn origins_are_exact_and_never_a_wildcard() {
        assert_eq!(origins().len(), 2);
        assert!(cors_origins("").unwrap().is_empty());
        for bad in [
            "*",
            "https://*.example.com",
            "studio.example.com",
            "https://a.com/",
        ] {
            assert!(cors_origins(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_answer_is_secured_and_carries_its_request_id() {
        let request = HttpRequest::new(Method::Get, "/api/generation/x");
        let error = HttpResponse::error(&ApiError::not_found("no generation job x"));
        let r = finish(error, &request, "req-1", &[]);
        assert_eq!(r.header("X-Request-Id"), Some("req-1"));
        assert_eq!(r.header("X-Content-Type-Options"), Some("nosniff"));
        assert_eq!(r.header("X-Frame-Options"), Some("DENY"));
        assert!(r
            .header("Content-Security-Policy")
            .is_some_and(|p| p.starts_with("default-src 'none'")));
        assert_eq!(r.header("Cache-Control"), Some("no-store"));
        let body = r.json_body().unwrap();
        assert_eq!(
            (body["request_id"].as_str(), body["code"].as_str()),
            (Some("req-1"), Some("not_found"))
        );
        // No origin is trusted by default: no CORS header at all.
        let from_page = request
            .clone()
            .with_header("Origin", "https://evil.example");
        let r = finish(HttpResponse::json(200, &1), &from_page, "req-2", &[]);
        assert!(r.header("Access-Control-Allow-Origin").is_none());
        assert_eq!(r.body, b"1");
        // A route's own cache policy stands.
        let png = HttpResponse::new(200, vec![1]).with_header("Cache-Control", "private");
        let r = finish(png, &request, "req-3", &[]);
        assert_eq!(r.header("Cache-Control"), Some("private"));
    }

    #[test]
    fn a_trusted_origin_is_answered_and_others_are_not() {
        let get = HttpRequest::new(Method::Get, "/api/tokens")
            .with_header("Origin", "https://studio.example.com");
        let r = finish(HttpResponse::json(200, &1), &get, "req-1", &origins());
        assert_eq!(
            r.header("Access-Control-Allow-Origin"),
            Some("https://studio.example.com")
        );
        assert_eq!(r.header("Vary"), Some("Origin"));
        let other = HttpRequest::new(Method::Get, "/api/tokens")
            .with_header("Origin", "https://studio.example.com.evil.example");
        let r = finish(HttpResponse::json(200, &1), &other, "req-2", &origins());
        assert!(r.header("Access-Control-Allow-Origin").is_none());

        let ask = |origin: &str| {
            HttpRequest::new(Method::Options, "/api/generation")
                .with_header("Origin", origin)
                .with_header("Access-Control-Request-Method", "POST")
        };
        let yes = preflight(&ask("http://localhost:5173"), &origins()).unwrap();
        assert_eq!(yes.status, 204);
        assert_eq!(
            yes.header("Access-Control-Allow-Headers"),
            Some("Authorization, Content-Type")
        );
        let no = preflight(&ask("https://evil.example"), &origins()).unwrap();
        assert_eq!(no.status, 403);
        assert!(
            preflight(&ask("http://localhost:5173"), &[])
                .unwrap()
                .status
                == 403
        );
        assert!(preflight(&HttpRequest::new(Method::Options, "/"), &origins()).is_none());
    }
}
