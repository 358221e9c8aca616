//! The studio's static files for a platform that has no static-asset server of its own (Spin):
//! the files the studio build wrote (`target/studio/`), answered with the headers of its `_headers`
//! file, the same rules Cloudflare's static assets apply on Workers, so that both platforms send
//! one content-security policy written in one place.

use crate::message::{HttpRequest, HttpResponse, Method};

/// The headers file of the build (Cloudflare's format), never served itself.
const HEADERS_FILE: &str = "/_headers";

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        "map" => "application/json",
        _ => "application/octet-stream",
    }
}

/// The header lines `_headers` gives `path`: each rule is a path pattern (exact, or ending in
/// `*`) on its own line, followed by indented `Name: value` lines.
pub fn header_rules(file: &str, path: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut applies = false;
    for line in file.lines() {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        if !line.starts_with(char::is_whitespace) {
            let pattern = line.trim();
            applies = match pattern.strip_suffix('*') {
                Some(prefix) => path.starts_with(prefix),
                None => path == pattern,
            };
        } else if applies {
            if let Some((name, value)) = line.trim().split_once(':') {
                out.push((name.trim().to_string(), value.trim().to_string()));
            }
        }
    }
    out
}

/// The answer for a studio file, or `None` when `request` is not for one (another method, a path
/// with `..`, or no such file). `read` gives a file's bytes by its path in the build (`/app.js`).
pub fn serve(
    request: &HttpRequest,
    read: impl Fn(&str) -> Option<Vec<u8>>,
) -> Option<HttpResponse> {
    if !matches!(request.method, Method::Get | Method::Head) {
        return None;
    }
    let path = match request.path() {
        "/" | "" => "/index.html",
        p => p,
    };
    if path == HEADERS_FILE || path.split('/').any(|part| part == ".." || part == ".") {
        return None;
    }
    let body = read(path)?;
    let rules = read(HEADERS_FILE)
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default();
    let body = if request.method == Method::Head {
        Vec::new()
    } else {
        body
    };
    let mut response = HttpResponse::new(200, body).with_header("Content-Type", content_type(path));
    // The page names its bundle; a browser must ask again for each.
    response = response.with_header("Cache-Control", "no-cache");
    for (name, value) in header_rules(&rules, request.path()) {
        response = response.with_header(name, value);
    }
    Some(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADERS: &str = "/*\n  Content-Security-Policy: default-src 'self'\n  X-Frame-Options: DENY\n\n/app.js\n  X-Extra: yes\n";

    fn files(path: &str) -> Option<Vec<u8>> {
        match path {
            "/index.html" => Some(b"<!doctype html>".to_vec()),
            "/app.js" => Some(b"console.log(1)".to_vec()),
            "/_headers" => Some(HEADERS.as_bytes().to_vec()),
            _ => None,
        }
    }

    #[test]
    fn serves_the_build_with_its_headers() {
        let r = serve(&HttpRequest::new(Method::Get, "/"), files).unwrap();
        assert_eq!(r.body, b"<!doctype html>");
        assert_eq!(r.header("Content-Type"), Some("text/html; charset=utf-8"));
        assert_eq!(
            r.header("Content-Security-Policy"),
            Some("default-src 'self'")
        );
        assert_eq!(r.header("X-Extra"), None);
        let r = serve(&HttpRequest::new(Method::Get, "/app.js"), files).unwrap();
        assert_eq!(r.header("X-Extra"), Some("yes"));
        assert_eq!(r.header("X-Frame-Options"), Some("DENY"));
        let r = serve(&HttpRequest::new(Method::Head, "/app.js"), files).unwrap();
        assert!(r.body.is_empty());
    }

    #[test]
    fn serves_nothing_else() {
        for (method, path) in [
            (Method::Get, "/_headers"),
            (Method::Get, "/missing.js"),
            (Method::Get, "/../etc/passwd"),
            (Method::Post, "/"),
        ] {
            assert!(serve(&HttpRequest::new(method, path), files).is_none());
        }
    }
}
