//! Plain HTTP requests and responses: what a platform's shell converts its own types to and from.
//! Bodies are whole byte vectors (every body of the API is small: requests at most
//! [`MAX_BODY_BYTES`](bff_pipeline::api::MAX_BODY_BYTES), images a few hundred KiB).

use std::fmt;

use bff_pipeline::api::ApiError;
use serde::Serialize;

/// An HTTP method. The API uses `GET` and `POST`; the others are kept so that a wrong method is a
/// 405 that names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Head,
    Post,
    Put,
    Patch,
    Delete,
    Options,
    Trace,
    Connect,
    Other(String),
}

impl Method {
    /// The method of a request line (case-sensitive, as HTTP methods are).
    pub fn parse(method: &str) -> Method {
        match method {
            "GET" => Method::Get,
            "HEAD" => Method::Head,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "PATCH" => Method::Patch,
            "DELETE" => Method::Delete,
            "OPTIONS" => Method::Options,
            "TRACE" => Method::Trace,
            "CONNECT" => Method::Connect,
            other => Method::Other(other.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Trace => "TRACE",
            Method::Connect => "CONNECT",
            Method::Other(m) => m,
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Header lines in order; names compare case-insensitively.
pub type Headers = Vec<(String, String)>;

fn find<'a>(headers: &'a Headers, name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// A request as the handlers see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: Method,
    /// The path as sent (percent escapes kept), with `?query` when there is one.
    pub path_and_query: String,
    pub headers: Headers,
    /// The whole body; empty when there is none. A shell may leave it empty when the declared
    /// `Content-Length` is over [`MAX_READ_BYTES`]: every handler refuses such a body from the
    /// header alone.
    pub body: Vec<u8>,
}

/// Bodies a shell need not read: every route refuses a request whose declared length is over
/// this (the largest accepted body is the prompt's plan call, twice
/// [`MAX_BODY_BYTES`](bff_pipeline::api::MAX_BODY_BYTES)).
pub const MAX_READ_BYTES: usize = 2 * bff_pipeline::api::MAX_BODY_BYTES;

impl HttpRequest {
    pub fn new(method: Method, path_and_query: impl Into<String>) -> Self {
        Self {
            method,
            path_and_query: path_and_query.into(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// Adds a header line.
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the body.
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// The path, without the query.
    pub fn path(&self) -> &str {
        match self.path_and_query.split_once('?') {
            Some((path, _)) => path,
            None => &self.path_and_query,
        }
    }

    /// The query, without `?`, when there is one.
    pub fn query(&self) -> Option<&str> {
        self.path_and_query.split_once('?').map(|(_, q)| q)
    }

    /// The first value of the query parameter `name`, decoded (`+` and percent escapes).
    pub fn query_param(&self, name: &str) -> Option<String> {
        form_urlencoded::parse(self.query()?.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    /// The first value of the header `name`.
    pub fn header(&self, name: &str) -> Option<&str> {
        find(&self.headers, name)
    }

    /// The body length the request declares (`Content-Length`), when it declares one.
    pub fn declared_length(&self) -> Option<usize> {
        self.header("Content-Length")
            .and_then(|v| v.trim().parse::<usize>().ok())
    }
}

/// A response as the handlers build it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Headers,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// `value` as JSON (`Content-Type: application/json`) with `status`.
    pub fn json<T: Serialize + ?Sized>(status: u16, value: &T) -> Self {
        match serde_json::to_vec(value) {
            Ok(body) => Self::new(status, body).with_header("Content-Type", "application/json"),
            // Only a map with non-string keys or a failing `Serialize` impl gets here.
            Err(e) => Self::error(&ApiError {
                status: 500,
                code: "internal",
                message: format!("the answer could not be written as JSON: {e}"),
                field: None,
                details: None,
            }),
        }
    }

    /// An error as its JSON body with its status.
    pub fn error(error: &ApiError) -> Self {
        Self::json(error.status, error)
    }

    /// Adds a header line.
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The first value of the header `name`.
    pub fn header(&self, name: &str) -> Option<&str> {
        find(&self.headers, name)
    }

    /// Whether the body is JSON by its `Content-Type`.
    pub fn is_json(&self) -> bool {
        self.header("Content-Type")
            .is_some_and(|t| t.starts_with("application/json"))
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON, for checks.
    pub fn json_body(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_queries_and_headers() {
        let req = HttpRequest::new(Method::Get, "/api/feedback?job_id=a+b%2Dc&x=1")
            .with_header("content-length", " 12 ");
        assert_eq!(req.path(), "/api/feedback");
        assert_eq!(req.query(), Some("job_id=a+b%2Dc&x=1"));
        assert_eq!(req.query_param("job_id").as_deref(), Some("a b-c"));
        assert_eq!(req.query_param("y"), None);
        assert_eq!(req.declared_length(), Some(12));
        assert_eq!(req.header("Content-Length"), Some(" 12 "));
        let bare = HttpRequest::new(Method::parse("PATCH"), "/");
        assert_eq!((bare.path(), bare.query()), ("/", None));
        assert_eq!(bare.method, Method::Patch);
        assert_eq!(Method::parse("BREW").as_str(), "BREW");
    }

    #[test]
    fn json_answers() {
        let r = HttpResponse::error(&ApiError::not_found("no"));
        assert_eq!(r.status, 404);
        assert!(r.is_json());
        assert_eq!(r.json_body().unwrap()["code"], "not_found");
        assert!(!HttpResponse::new(404, "Not Found").is_json());
    }
}
