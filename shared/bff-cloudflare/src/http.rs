//! `worker` requests and responses to and from `bff_http`'s plain ones.

use bff_http::{HttpRequest, HttpResponse, Method, MAX_READ_BYTES};
use worker::{Headers, Request, Response, Result};

/// Headers that describe a body's framing on the wire rather than its content: the runtime sets
/// them again for the body it sends.
const FRAMING: [&str; 3] = ["content-length", "transfer-encoding", "content-encoding"];

/// The request as `bff_http` sees it. A body declared longer than [`MAX_READ_BYTES`] is not read
/// (every handler refuses it from its `Content-Length`).
pub async fn read_request(req: &mut Request) -> Result<HttpRequest> {
    let url = req.url()?;
    let path_and_query = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    };
    let headers: Vec<(String, String)> = req.headers().entries().collect();
    let mut request = HttpRequest {
        method: Method::parse(req.method().as_ref()),
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
