//! `worker` requests and responses to and from `bff_http`'s plain ones.

use bff_http::{HttpRequest, HttpResponse, Method, MAX_READ_BYTES};
use worker::{Headers, Request, Response, Result};

/// Headers that describe a body's framing on the wire rather than its content: the runtime sets
/// them again for the body it sends.
const FRAMING: [&str; 3] = ["content-length", "transfer-encoding", "content-encoding"];

/// The request as `bff_http` sees it. A body declared longer than [`MAX_READ_BYTES`] is not read
/// (every handler refuses it from its `Content-Length`).
pub async fn read_request(req: &mut Request) -> Result<HttpRequest> {
    // The path as `worker::Request::path` reads it and the query from the same URL text, without
    // parsing the URL again (`Request::url` would link the `url` crate and its IDNA tables, about
    // 80 KiB of gzipped wasm, into Workers that need neither).
    let url = req.inner().url();
    let path_and_query = match query(&url) {
        Some(q) => format!("{}?{q}", req.path()),
        None => req.path(),
    };
    let headers: Vec<(String, String)> = req.headers().entries().collect();
    let mut request = HttpRequest {
        // The method as sent: `worker::Method` reads a method it does not know (`QUERY`) as GET.
        method: Method::parse(&req.inner().method()),
        path_and_query,
        headers,
        body: Vec::new(),
    };
    if request
        .declared_length()
        .is_none_or(|n| n <= MAX_READ_BYTES)
    {
        request.body = req.bytes().await?;
    }
    Ok(request)
}

/// The query of a URL (after `?`, before any `#`), when it has one.
fn query(url: &str) -> Option<&str> {
    let without_fragment = url.split('#').next().unwrap_or(url);
    without_fragment.split_once('?').map(|(_, q)| q)
}

/// The response to send.
pub fn into_response(response: HttpResponse) -> Result<Response> {
    let headers = Headers::new();
    for (name, value) in &response.headers {
        if !FRAMING.iter().any(|f| name.eq_ignore_ascii_case(f)) {
            headers.append(name, value)?;
        }
    }
    Ok(Response::builder()
        .with_status(response.status)
        .with_headers(headers)
        .fixed(response.body))
}

/// A response received (from a service binding), read whole.
pub async fn from_response(mut response: Response) -> Result<HttpResponse> {
    let headers = response
        .headers()
        .entries()
        .filter(|(name, _)| !FRAMING.iter().any(|f| name.eq_ignore_ascii_case(f)))
        .collect();
    Ok(HttpResponse {
        status: response.status_code(),
        headers,
        body: response.bytes().await?,
    })
}

#[cfg(test)]
mod tests {
    use super::query;

    #[test]
    fn queries_of_urls() {
        assert_eq!(
            query("https://x.dev/api/feedback?job_id=j-1"),
            Some("job_id=j-1")
        );
        assert_eq!(query("https://x.dev/a?b=1&c=/d#e?f"), Some("b=1&c=/d"));
        assert_eq!(query("https://x.dev/a#b?c"), None);
        assert_eq!(query("https://x.dev/a?"), Some(""));
        assert_eq!(query("https://x.dev/a"), None);
    }
}
