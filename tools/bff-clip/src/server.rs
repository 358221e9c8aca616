//! The HTTP/1.1 server: a thread per connection (at most [`MAX_CONNECTIONS`]), requests parsed
//! with `httparse`, bodies read up to [`MAX_BODY_BYTES`], one request per connection, and at most
//! `workers` embedding batches computed at once.
//!
//! Why not `tiny_http`: when a request declares a body it does not send, tiny_http 0.12 (the
//! newest) allocates a zeroed buffer of the whole declared length when the request is dropped,
//! so `Content-Length: 100000000000` aborts the process (memory allocation failure) and a
//! length near `u64::MAX` panics the worker, whatever the handler answered. A server that one
//! unauthenticated request can stop is not acceptable, and the fix needs control of the socket,
//! which tiny_http does not give. What this server needs of HTTP is small: a request head, a
//! body of known length, and a JSON answer.
//!
//! Why a thread per connection and a separate limit on embeddings: a slow client (an upload on
//! a bad link, or one that connects and says nothing until the read timeout) holds only its own
//! thread, `/health` answers while batches are being embedded, and since every embedding is
//! CPU-bound, more concurrent batches than cores would only add their activations' memory.
//!
//! Every answer closes its connection (`Connection: close`): there is no idle keep-alive
//! connection to hold a thread, and a TCP handshake on a local network is nothing next to a
//! forward pass.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::api::{Api, Reply, Request, MAX_BODY_BYTES};

/// How many embedding batches are computed at once unless told otherwise.
pub const DEFAULT_WORKERS: usize = 2;

/// The most connections served at once; past it a connection is answered 503 and closed.
pub const MAX_CONNECTIONS: usize = 32;

/// The largest request line plus headers.
const MAX_HEAD_BYTES: usize = 16 * 1024;
const MAX_HEADERS: usize = 64;
/// How long a client may stay silent while sending its request, or take to accept the answer.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a client may take to send its whole request: a client trickling a byte now and
/// then would otherwise hold its connection (one of [`MAX_CONNECTIONS`]) for ever. 16 MiB in two
/// minutes is a link of about 1 Mbit/s.
pub const REQUEST_TIME: Duration = Duration::from_secs(120);

/// How a server runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeOptions {
    /// The most embedding batches computed at once.
    pub workers: usize,
    /// See [`IDLE_TIMEOUT`].
    pub idle_timeout: Duration,
    /// See [`REQUEST_TIME`].
    pub request_time: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            workers: DEFAULT_WORKERS,
            idle_timeout: IDLE_TIMEOUT,
            request_time: REQUEST_TIME,
        }
    }
}
/// After an early answer (413), the unread body is read and thrown away, up to these bounds,
/// so that closing does not reset the connection before the client has read the answer.
const DRAIN_BYTES: u64 = 64 * 1024 * 1024;
const DRAIN_TIME: Duration = Duration::from_secs(5);

/// A running server; dropping it does not stop it, [`RunningServer::shutdown`] does.
pub struct RunningServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    acceptor: JoinHandle<()>,
    connections: Arc<Counter>,
}

impl RunningServer {
    /// The address bound (with the port the system chose for port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<addr>`: the base URL clients are configured with.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Blocks until the server stops (it stops only on [`RunningServer::shutdown`]).
    pub fn wait(self) {
        let _ = self.acceptor.join();
    }

    /// Stops taking connections, and waits for those being answered.
    pub fn shutdown(self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocked `accept` with a connection of our own.
        let mut wake = self.addr;
        if wake.ip().is_unspecified() {
            wake.set_ip(match wake {
                SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
                SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
            });
        }
        let _ = TcpStream::connect_timeout(&wake, Duration::from_secs(1));
        let _ = self.acceptor.join();
        self.connections.wait_for_zero();
    }
}

/// A count that can be waited on: the open connections, or the embedding batches running.
struct Counter {
    count: Mutex<usize>,
    changed: Condvar,
}

impl Counter {
    fn new() -> Self {
        Self {
            count: Mutex::new(0),
            changed: Condvar::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, usize> {
        // The count is a plain number, valid whatever a panicking holder was doing.
        self.count.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes one unit if fewer than `limit` are taken.
    fn try_take(self: &Arc<Self>, limit: usize) -> Option<Taken> {
        let mut count = self.lock();
        if *count >= limit {
            return None;
        }
        *count += 1;
        Some(Taken(Arc::clone(self)))
    }

    /// Takes one unit, waiting while `limit` are taken.
    fn take(self: &Arc<Self>, limit: usize) -> Taken {
        let mut count = self.lock();
        while *count >= limit {
            count = self
                .changed
                .wait(count)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *count += 1;
        Taken(Arc::clone(self))
    }

    fn wait_for_zero(&self) {
        let mut count = self.lock();
        while *count > 0 {
            count = self
                .changed
                .wait(count)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// One unit of a [`Counter`], given back when dropped (also when its thread panics).
struct Taken(Arc<Counter>);

impl Drop for Taken {
    fn drop(&mut self) {
        *self.0.lock() -= 1;
        self.0.changed.notify_all();
    }
}

struct Shared {
    api: Arc<Api>,
    options: ServeOptions,
    batches: Arc<Counter>,
}

/// Binds `listen` (e.g. `127.0.0.1:0`) and serves `api`, computing at most `workers` embedding
/// batches at once.
pub fn serve(api: Arc<Api>, listen: &str, workers: usize) -> Result<RunningServer, String> {
    serve_with(
        api,
        listen,
        ServeOptions {
            workers,
            ..ServeOptions::default()
        },
    )
}

/// [`serve`] with every option.
pub fn serve_with(
    api: Arc<Api>,
    listen: &str,
    options: ServeOptions,
) -> Result<RunningServer, String> {
    let listener =
        TcpListener::bind(listen).map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot read the bound address: {e}"))?;
    let stop = Arc::new(AtomicBool::new(false));
    let connections = Arc::new(Counter::new());
    let shared = Arc::new(Shared {
        api,
        options: ServeOptions {
            workers: options.workers.max(1),
            ..options
        },
        batches: Arc::new(Counter::new()),
    });
    let acceptor = {
        let stop = Arc::clone(&stop);
        let connections = Arc::clone(&connections);
        std::thread::Builder::new()
            .name("bff-clip-accept".into())
            .spawn(move || accept(&listener, &stop, &connections, &shared))
            .map_err(|e| format!("cannot start the server thread: {e}"))?
    };
    Ok(RunningServer {
        addr,
        stop,
        acceptor,
        connections,
    })
}

fn accept(
    listener: &TcpListener,
    stop: &AtomicBool,
    connections: &Arc<Counter>,
    shared: &Arc<Shared>,
) {
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let mut stream = match stream {
            Ok(stream) => stream,
            Err(_) => {
                // Out of file descriptors, say: wait for connections to close instead of
                // spinning on the error.
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
        };
        let Some(slot) = connections.try_take(MAX_CONNECTIONS) else {
            // Answered here, briefly: a thread per refused connection would undo the limit.
            let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
            let reply = Reply::error(503, "too many connections; retry");
            if write_reply(&mut stream, &reply).is_ok() {
                linger(&mut stream, 64 * 1024, Duration::from_millis(100));
            }
            continue;
        };
        let shared = Arc::clone(shared);
        let spawned = std::thread::Builder::new()
            .name("bff-clip-conn".into())
            .spawn(move || {
                let _slot = slot;
                serve_connection(stream, &shared);
            });
        // A thread that cannot start drops its closure: the stream closes and the slot returns.
        drop(spawned);
    }
}

/// What reading a request gave.
enum Incoming {
    Request(Parsed),
    /// Answer this and close, after reading and dropping up to `drain` more bytes.
    Refused {
        reply: Reply,
        drain: u64,
    },
    /// The client went away or stalled: there is no one to answer.
    Gone,
}

struct Parsed {
    method: String,
    path: String,
    authorization: Option<String>,
    body: Vec<u8>,
}

fn serve_connection(mut stream: TcpStream, shared: &Shared) {
    let _ = stream.set_write_timeout(Some(shared.options.idle_timeout));
    let _ = stream.set_nodelay(true);
    let (reply, drain) = match read_request(&mut stream, &shared.options) {
        Incoming::Request(request) => (answer(&request, shared), 0),
        Incoming::Refused { reply, drain } => (reply, drain),
        Incoming::Gone => return,
    };
    if write_reply(&mut stream, &reply).is_err() {
        return;
    }
    linger(&mut stream, drain.min(DRAIN_BYTES), DRAIN_TIME);
}

/// A lingering close: ends our side, then reads and drops what the client still sends (up to
/// `bytes` more, for at most `time`), so that the kernel does not reset a connection with unread
/// data before the client has read the answer.
fn linger(stream: &mut TcpStream, bytes: u64, time: Duration) {
    let _ = stream.shutdown(Shutdown::Write);
    let started = Instant::now();
    let _ = stream.set_read_timeout(Some(time.min(Duration::from_millis(500))));
    let mut left = bytes + 1;
    let mut chunk = [0u8; 16 * 1024];
    while left > 0 && started.elapsed() < time {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => left = left.saturating_sub(n as u64),
        }
    }
}

fn answer(request: &Parsed, shared: &Shared) -> Reply {
    // Only embedding is heavy; everything else answers at once.
    let _batch = (request.method == "POST").then(|| shared.batches.take(shared.options.workers));
    // A panic in the model (a candle bug, say) answers 500 and the server goes on: the model
    // is only read, so nothing is left half-changed.
    catch_unwind(AssertUnwindSafe(|| {
        shared.api.handle(&Request {
            method: &request.method,
            path: &request.path,
            authorization: request.authorization.as_deref(),
            body: &request.body,
        })
    }))
    .unwrap_or_else(|_| Reply::error(500, "the server failed on this request"))
}

/// A connection read within an overall deadline: each read waits at most until the deadline
/// (and at most `idle` each), and none starts after it.
struct Deadline<'a> {
    stream: &'a mut TcpStream,
    until: Instant,
    idle: Duration,
}

impl Read for Deadline<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        self.stream.set_read_timeout(Some(left.min(self.idle)))?;
        self.stream.read(buf)
    }
}

fn read_request(stream: &mut TcpStream, options: &ServeOptions) -> Incoming {
    let mut connection = Deadline {
        stream,
        until: Instant::now() + options.request_time,
        idle: options.idle_timeout,
    };
    let mut buffer = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    let (head_len, parsed, content_length, expects_continue) = loop {
        match connection.read(&mut chunk) {
            Ok(0) | Err(_) => return Incoming::Gone,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut head = httparse::Request::new(&mut headers);
        match head.parse(&buffer) {
            Ok(httparse::Status::Complete(head_len)) if head_len > MAX_HEAD_BYTES => {
                return Incoming::Refused {
                    reply: Reply::error(431, "the request head is too large"),
                    drain: 0,
                }
            }
            Ok(httparse::Status::Complete(head_len)) => match read_head(&head) {
                Ok((parsed, length, expects_continue)) => {
                    break (head_len, parsed, length, expects_continue)
                }
                Err(reply) => return Incoming::Refused { reply, drain: 0 },
            },
            Ok(httparse::Status::Partial) if buffer.len() <= MAX_HEAD_BYTES => {}
            Ok(httparse::Status::Partial) | Err(httparse::Error::TooManyHeaders) => {
                return Incoming::Refused {
                    reply: Reply::error(431, "the request head is too large"),
                    drain: 0,
                }
            }
            Err(e) => {
                return Incoming::Refused {
                    reply: Reply::error(400, format!("not an HTTP/1.1 request: {e}")),
                    drain: 0,
                }
            }
        }
    };
    if content_length > MAX_BODY_BYTES as u64 {
        // Answered from the header alone: the body is never held in memory.
        return Incoming::Refused {
            reply: Reply::error(
                413,
                format!("the request body is over {MAX_BODY_BYTES} bytes"),
            ),
            drain: if expects_continue { 0 } else { content_length },
        };
    }
    let length = content_length as usize;
    if expects_continue
        && buffer.len() - head_len < length
        && connection
            .stream
            .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
            .is_err()
    {
        return Incoming::Gone;
    }
    let mut body = buffer.split_off(head_len);
    // Bytes past the body (a pipelined request) are dropped: each connection serves one.
    body.truncate(length);
    if body.len() < length {
        let have = body.len();
        body.resize(length, 0);
        if connection.read_exact(&mut body[have..]).is_err() {
            return Incoming::Gone;
        }
    }
    Incoming::Request(Parsed { body, ..parsed })
}

/// The method, path and key of a parsed head, its body's length, and whether the client waits
/// for `100 Continue`; or the reason the request is refused.
fn read_head(head: &httparse::Request<'_, '_>) -> Result<(Parsed, u64, bool), Reply> {
    let method = head.method.unwrap_or_default().to_string();
    let path = head.path.unwrap_or_default().to_string();
    let mut content_length: Option<u64> = None;
    let mut authorization = None;
    let mut expects_continue = false;
    for header in head.headers.iter() {
        let value = std::str::from_utf8(header.value)
            .map_err(|_| Reply::error(400, format!("the {} header is not text", header.name)))?;
        let name = header.name;
        if name.eq_ignore_ascii_case("content-length") {
            let length: u64 = value.trim().parse().map_err(|_| {
                Reply::error(400, format!("Content-Length \"{value}\" is not a length"))
            })?;
            if content_length.is_some_and(|seen| seen != length) {
                return Err(Reply::error(400, "two different Content-Length headers"));
            }
            content_length = Some(length);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(Reply::error(
                411,
                "chunked bodies are not read; send a Content-Length",
            ));
        } else if name.eq_ignore_ascii_case("authorization") {
            authorization = Some(value.to_string());
        } else if name.eq_ignore_ascii_case("expect") {
            if !value.trim().eq_ignore_ascii_case("100-continue") {
                return Err(Reply::error(417, format!("Expect \"{value}\" is not met")));
            }
            expects_continue = true;
        }
    }
    let parsed = Parsed {
        method,
        path,
        authorization,
        body: Vec::new(),
    };
    Ok((parsed, content_length.unwrap_or(0), expects_continue))
}

fn write_reply(stream: &mut TcpStream, reply: &Reply) -> io::Result<()> {
    let body = reply.body.as_bytes();
    let head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\nServer: bff-clip\r\n\r\n",
        reply.status,
        reason(reply.status),
        body.len()
    );
    let mut message = head.into_bytes();
    message.extend_from_slice(body);
    stream.write_all(&message)?;
    stream.flush()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        411 => "Length Required",
        413 => "Content Too Large",
        417 => "Expectation Failed",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "Internal Server Error",
    }
}
