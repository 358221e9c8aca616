//! HTTP/1.1 on one connection: a request read whole (a `content-length` or chunked body,
//! `expect: 100-continue` answered) and an answer written with its length.
//!
//! Written here rather than taken from `tiny_http`, which the crate first used: tiny_http hands
//! each connection to a pool that starts a thread only when it sees no idle one, and a burst of
//! connections arriving before the idle threads wake up is queued behind the connections already
//! open. Eight concurrent requests with 300 ms of latency ran four, then four; with a client that
//! keeps its connections alive, a queued one waits until another connection closes. Here every
//! connection has its own thread from the start, and HTTP/1.1 clients send one request at a time
//! on a connection, so every request in flight has its own thread.

use std::io::{self, BufRead, Read, Write};

/// Largest request head, in bytes.
const MAX_HEAD: u64 = 64 << 10;
/// Largest request body (an embedding request carries base64 images).
const MAX_BODY: usize = 64 << 20;

/// A request as it came off the connection.
#[derive(Debug)]
pub(crate) struct Request {
    pub method: String,
    /// The path and the query.
    pub target: String,
    /// Names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Whether the client will send another request on this connection.
    pub keep_alive: bool,
}

/// Why no request was read.
#[derive(Debug)]
pub(crate) enum Unread {
    /// The client closed the connection (or it failed) between requests.
    Closed,
    /// A malformed request, to be answered with this status before closing.
    Malformed(u16),
}

impl From<io::Error> for Unread {
    fn from(_: io::Error) -> Unread {
        Unread::Closed
    }
}

/// Reads the next request; `continue_to` receives `100 Continue` when the client waits for it.
pub(crate) fn read_request(
    reader: &mut impl BufRead,
    continue_to: &mut impl Write,
) -> Result<Request, Unread> {
    let mut head = reader.take(MAX_HEAD);
    let mut line = String::new();
    // A client may send empty lines between requests (RFC 9112, 2.2).
    while line.trim().is_empty() {
        line.clear();
        if head.read_line(&mut line)? == 0 {
            return Err(Unread::Closed);
        }
    }
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Unread::Malformed(400));
    };
    let http10 = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        _ => return Err(Unread::Malformed(505)),
    };
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if head.read_line(&mut line)? == 0 {
            return Err(Unread::Malformed(431));
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').ok_or(Unread::Malformed(400))?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.to_ascii_lowercase())
    };
    let connection = header("connection").unwrap_or_default();
    let keep_alive = if http10 {
        connection.contains("keep-alive")
    } else {
        !connection.contains("close")
    };
    if header("expect").is_some_and(|e| e == "100-continue") {
        continue_to.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        continue_to.flush()?;
    }
    let body = if header("transfer-encoding").is_some_and(|t| t.contains("chunked")) {
        read_chunked(reader)?
    } else {
        let length = match header("content-length") {
            Some(length) => length
                .trim()
                .parse::<usize>()
                .map_err(|_| Unread::Malformed(400))?,
            None => 0,
        };
        if length > MAX_BODY {
            return Err(Unread::Malformed(413));
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        body
    };
    Ok(Request {
        method: method.to_ascii_uppercase(),
        target: target.to_string(),
        headers,
        body,
        keep_alive,
    })
}

/// A chunked body (RFC 9112, 7.1): hex sizes, each chunk followed by CRLF, a zero size, then
/// trailers up to an empty line.
fn read_chunked(reader: &mut impl BufRead) -> Result<Vec<u8>, Unread> {
    let mut body = Vec::new();
    loop {
        let mut line = String::new();
        reader.take(1024).read_line(&mut line)?;
        let size = line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size, 16).map_err(|_| Unread::Malformed(400))?;
        if size == 0 {
            loop {
                let mut trailer = String::new();
                if reader.take(MAX_HEAD).read_line(&mut trailer)? == 0 || trailer.trim().is_empty()
                {
                    return Ok(body);
                }
            }
        }
        if body.len() + size > MAX_BODY {
            return Err(Unread::Malformed(413));
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..])?;
        let mut crlf = [0; 2];
        reader.read_exact(&mut crlf)?;
        if &crlf != b"\r\n" {
            return Err(Unread::Malformed(400));
        }
    }
}

/// Writes an answer with its `content-length`; for `HEAD`, without the body.
pub(crate) fn write_response(
    out: &mut impl Write,
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
    keep_alive: bool,
    head_only: bool,
) -> io::Result<()> {
    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("content-length: {}\r\n", body.len()));
    head.push_str(if keep_alive {
        "connection: keep-alive\r\n\r\n"
    } else {
        "connection: close\r\n\r\n"
    });
    out.write_all(head.as_bytes())?;
    if !head_only {
        out.write_all(body)?;
    }
    out.flush()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(raw: &str) -> (Result<Request, Unread>, Vec<u8>) {
        let mut sent = Vec::new();
        let request = read_request(&mut raw.as_bytes(), &mut sent);
        (request, sent)
    }

    #[test]
    fn requests_are_read_with_either_kind_of_body() {
        let (request, _) =
            read("POST /a?b=1 HTTP/1.1\r\nContent-Length: 5\r\nX-Y:  z \r\n\r\nhello");
        let request = request.unwrap();
        assert_eq!(
            (request.method.as_str(), request.target.as_str()),
            ("POST", "/a?b=1")
        );
        assert_eq!(request.headers[1], ("x-y".to_string(), "z".to_string()));
        assert_eq!(request.body, b"hello");
        assert!(request.keep_alive);
        let (request, sent) = read(
            "POST / HTTP/1.1\r\ntransfer-encoding: chunked\r\nexpect: 100-continue\r\n\
             connection: close\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n",
        );
        let request = request.unwrap();
        assert_eq!(request.body, b"abcde");
        assert!(!request.keep_alive);
        assert_eq!(sent, b"HTTP/1.1 100 Continue\r\n\r\n");
        assert!(matches!(read("").0, Err(Unread::Closed)));
        assert!(matches!(
            read("GARBAGE\r\n\r\n").0,
            Err(Unread::Malformed(400))
        ));
        assert!(matches!(
            read("GET / HTTP/2\r\n\r\n").0,
            Err(Unread::Malformed(505))
        ));
        assert!(!read("GET / HTTP/1.0\r\n\r\n").0.unwrap().keep_alive);
    }

    #[test]
    fn answers_carry_their_length() {
        let mut out = Vec::new();
        let headers = [("content-type".to_string(), "text/plain".to_string())];
        write_response(&mut out, 429, &headers, b"slow down", true, false).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "HTTP/1.1 429 Too Many Requests\r\ncontent-type: text/plain\r\ncontent-length: 9\r\n\
             connection: keep-alive\r\n\r\nslow down"
        );
    }
}
