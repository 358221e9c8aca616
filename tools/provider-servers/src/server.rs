//! What every provider's server shares: the loopback listener with one thread per connection
//! (so one per request in flight), the request and answer types, the per-request [`Exchange`]
//! (credential, script, log), the log and the violations, and the `/__bff/*` paths that show them
//! to another process.

use std::collections::HashMap;
use std::io::BufReader;
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::http::{self, Unread};
use crate::script::{self, label, Admission, Fault, Script};
use crate::{Provider, ProviderConfig};

/// How long a kept-alive connection may sit idle before its thread closes it.
const IDLE: Duration = Duration::from_secs(600);
/// Keys shorter than this are not searched for in requests: they would match ordinary text.
const MIN_KEY_SEARCHED: usize = 8;

/// One request as the server received it and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    /// When the request arrived, in milliseconds since the server started.
    pub started_ms: u64,
    /// When its answer was ready (after any scripted latency or hang).
    pub finished_ms: u64,
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The prompt, when the request carried one that could be read.
    pub prompt: Option<String>,
    /// The prompt's stable hash (FNV-1a, hex), to match the attempts at one prompt.
    pub prompt_hash: Option<String>,
    pub status: u16,
    /// The scripted rules applied (`rate_limited`, `moderated`, ...) or `refused` for a request
    /// the real API would refuse.
    pub rules: Vec<String>,
    /// Why the real API would have refused the request, if it would.
    pub violations: Vec<String>,
}

/// A request the real API would refuse (or one that leaked the key), with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// Milliseconds since the server started.
    pub at_ms: u64,
    pub method: String,
    pub path: String,
    pub prompt: Option<String>,
    pub reason: String,
}

/// A request, read whole.
#[derive(Debug, Clone)]
pub(crate) struct Incoming {
    pub method: String,
    /// Without the query.
    pub path: String,
    pub query: String,
    /// Names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Incoming {
    /// A header's value by lower-case name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The media type of the body, lower case, without parameters.
    pub fn media_type(&self) -> String {
        self.header("content-type")
            .and_then(|t| t.split(';').next())
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    }
}

/// An answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(status: u16, body: &Value) -> Reply {
        Reply::bytes(status, "application/json", body.to_string().into_bytes())
    }

    pub fn bytes(status: u16, content_type: &str, body: Vec<u8>) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body,
        }
    }

    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// One provider's wire format.
pub(crate) trait Api: Send + Sync {
    /// The answer to a request, `dead` aside. It records in `exchange` what the real API would
    /// refuse and calls [`Exchange::admit`] once the request is valid.
    fn answer(&self, request: &Incoming, exchange: &mut Exchange<'_>) -> Reply;
    /// The provider's own form of a scripted fault.
    fn fault(&self, fault: Fault) -> Reply;
    /// The form of a scripted fault for `request` (a provider reached by two protocols answers
    /// each in its own).
    fn fault_for(&self, request: &Incoming, fault: Fault) -> Reply {
        let _ = request;
        self.fault(fault)
    }
}

/// The credential a request carried, compared with the configured key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Credential {
    /// No `authorization` header, or not with an accepted scheme.
    Missing,
    /// A token other than the configured key (never echo it whole).
    Wrong(String),
    Right,
}

struct Shared {
    provider: Provider,
    base_url: String,
    started: Instant,
    stopping: AtomicBool,
    /// Open connections, shut down when the server stops so that their threads end.
    connections: Mutex<HashMap<u64, TcpStream>>,
    next_connection: AtomicU64,
    script: Script,
    api: Box<dyn Api>,
    log: Mutex<Vec<LogEntry>>,
    violations: Mutex<Vec<Violation>>,
}

impl Shared {
    fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }
}

/// What one request did, gathered while it is answered and logged when the answer is ready.
pub(crate) struct Exchange<'a> {
    shared: &'a Shared,
    prompt: Option<String>,
    rules: Vec<&'static str>,
    violations: Vec<String>,
}

impl Exchange<'_> {
    pub fn config(&self) -> &ProviderConfig {
        &self.shared.script.config
    }

    /// `http://127.0.0.1:<port>`, for URLs the answer names (Replicate's).
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// Milliseconds since the server started.
    pub fn now_ms(&self) -> u64 {
        self.shared.now_ms()
    }

    /// Milliseconds since the Unix epoch, for the `created` fields of answers.
    pub fn unix_ms(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64)
    }

    /// Logs the prompt of a request (before it is known to be valid).
    pub fn note_prompt(&mut self, prompt: &str) {
        self.prompt = Some(prompt.to_string());
    }

    /// Records a request the real API would refuse; the caller answers with the API's error.
    pub fn refuse(&mut self, reason: impl Into<String>) {
        if !self.rules.contains(&label::REFUSED) {
            self.rules.push(label::REFUSED);
        }
        self.violations.push(reason.into());
    }

    /// Records a violation that the real API would not notice (a key leaked to a file host).
    pub fn violation(&mut self, reason: impl Into<String>) {
        self.violations.push(reason.into());
    }

    /// The `authorization` header's token, for one of `schemes` (`Bearer`, or Replicate's older
    /// `Token`), compared with the configured key.
    pub fn credential(&self, request: &Incoming, schemes: &[&str]) -> Credential {
        let token = request.header("authorization").and_then(|value| {
            let (scheme, token) = value.trim().split_once(' ')?;
            schemes
                .iter()
                .any(|s| s.eq_ignore_ascii_case(scheme))
                .then(|| token.trim())
                .filter(|t| !t.is_empty())
        });
        match (token, &self.config().key) {
            (None, _) => Credential::Missing,
            (Some(token), Some(key)) if token != key => Credential::Wrong(token.to_string()),
            (Some(_), _) => Credential::Right,
        }
    }

    /// Runs the script for a valid request for `prompt` (and `seed`, where the provider takes
    /// one): the fault to answer with, or what to do to the answer.
    pub fn admit(&mut self, prompt: &str, seed: Option<u64>) -> Result<Admission, Fault> {
        self.screen(prompt, seed, true)
    }

    /// [`Exchange::admit`] for a client that cannot read a 429's `retry-after` (the Workers AI
    /// binding keeps only the body of an error): a retry sooner than it is no violation.
    pub fn admit_without_retry_after(
        &mut self,
        prompt: &str,
        seed: Option<u64>,
    ) -> Result<Admission, Fault> {
        self.screen(prompt, seed, false)
    }

    fn screen(
        &mut self,
        prompt: &str,
        seed: Option<u64>,
        retry_after_seen: bool,
    ) -> Result<Admission, Fault> {
        self.note_prompt(prompt);
        let screening = self
            .shared
            .script
            .admit(prompt, seed, self.now_ms(), retry_after_seen);
        self.rules.extend(screening.labels);
        self.violations.extend(screening.violation);
        screening.decision
    }

    /// Waits `ms` (scripted latency or hang), or less if the server is being stopped.
    pub fn hold(&self, ms: u64) {
        let until = Instant::now() + Duration::from_millis(ms);
        while !self.shared.stopping.load(Ordering::Relaxed) {
            let now = Instant::now();
            if now >= until {
                break;
            }
            thread::sleep((until - now).min(Duration::from_millis(50)));
        }
    }
}

/// One provider's server on a free loopback port; dropping it stops it (open connections are
/// shut down, a scripted hang is cut short).
pub struct ProviderServer {
    shared: Arc<Shared>,
    port: u16,
    acceptor: Option<JoinHandle<()>>,
}

impl ProviderServer {
    /// Starts the server for `provider` with `config` on 127.0.0.1 and a port the system picks.
    pub fn start(provider: Provider, config: &ProviderConfig) -> Result<ProviderServer> {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .with_context(|| format!("listening on a loopback port for {}", provider.name()))?;
        let port = listener.local_addr()?.port();
        let shared = Arc::new(Shared {
            provider,
            base_url: format!("http://127.0.0.1:{port}"),
            started: Instant::now(),
            stopping: AtomicBool::new(false),
            connections: Mutex::new(HashMap::new()),
            next_connection: AtomicU64::new(0),
            script: Script::new(config.clone()),
            api: crate::api(provider),
            log: Mutex::new(Vec::new()),
            violations: Mutex::new(Vec::new()),
        });
        let acceptor = {
            let shared = shared.clone();
            thread::Builder::new()
                .name(format!("{}-accept", provider.name()))
                .spawn(move || accept(&shared, &listener))
                .context("starting the accept thread")?
        };
        Ok(ProviderServer {
            shared,
            port,
            acceptor: Some(acceptor),
        })
    }

    pub fn provider(&self) -> Provider {
        self.shared.provider
    }

    /// `http://127.0.0.1:<port>`: the base URL a client is configured with.
    pub fn url(&self) -> &str {
        &self.shared.base_url
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Every request answered so far, in the order the answers were ready.
    pub fn log(&self) -> Vec<LogEntry> {
        lock(&self.shared.log).clone()
    }

    /// Every request the real API would have refused, and every leaked key, so far.
    pub fn violations(&self) -> Vec<Violation> {
        lock(&self.shared.violations).clone()
    }
}

impl Drop for ProviderServer {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::Relaxed);
        // Wakes the accept loop, which then sees `stopping`.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(acceptor) = self.acceptor.take() {
            acceptor.join().ok();
        }
        for connection in lock(&self.shared.connections).values() {
            let _ = connection.shutdown(Shutdown::Both);
        }
    }
}

fn accept(shared: &Arc<Shared>, listener: &TcpListener) {
    for stream in listener.incoming() {
        if shared.stopping.load(Ordering::Relaxed) {
            return;
        }
        let Ok(stream) = stream else { continue };
        let shared = shared.clone();
        // A connection whose thread cannot start is dropped: the client sees it closed.
        let _ = thread::Builder::new()
            .name(format!("{}-connection", shared.provider.name()))
            .spawn(move || connection(&shared, stream));
    }
}

/// Answers the requests of one connection, one after the other, until the client closes it.
fn connection(shared: &Shared, stream: TcpStream) {
    let id = shared.next_connection.fetch_add(1, Ordering::Relaxed);
    let (Ok(reading), Ok(registered)) = (stream.try_clone(), stream.try_clone()) else {
        return;
    };
    lock(&shared.connections).insert(id, registered);
    let _ = stream.set_read_timeout(Some(IDLE));
    let _ = stream.set_nodelay(true);
    let mut reader = BufReader::new(reading);
    let mut writer = stream;
    loop {
        let (reply, keep_alive, head_only) = match http::read_request(&mut reader, &mut writer) {
            Ok(request) => {
                let (keep_alive, head_only) = (request.keep_alive, request.method == "HEAD");
                (serve(shared, request), keep_alive, head_only)
            }
            Err(Unread::Closed) => break,
            Err(Unread::Malformed(status)) => {
                (Reply::bytes(status, "text/plain", Vec::new()), false, false)
            }
        };
        let keep_alive = keep_alive && !shared.stopping.load(Ordering::Relaxed);
        let written = http::write_response(
            &mut writer,
            reply.status,
            &reply.headers,
            &reply.body,
            keep_alive,
            head_only,
        );
        // The client may have given up already (a scripted hang past its timeout).
        if written.is_err() || !keep_alive {
            break;
        }
    }
    let _ = writer.shutdown(Shutdown::Both);
    lock(&shared.connections).remove(&id);
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A request thread that panicked leaves the data whole (each push is one step).
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

fn serve(shared: &Shared, request: http::Request) -> Reply {
    let started_ms = shared.now_ms();
    let (path, query) = request
        .target
        .split_once('?')
        .unwrap_or((&request.target, ""));
    let incoming = Incoming {
        method: request.method,
        path: path.to_string(),
        query: query.to_string(),
        headers: request.headers,
        body: request.body,
    };
    if let Some(reply) = observability(shared, &incoming) {
        return reply;
    }
    let mut exchange = Exchange {
        shared,
        prompt: None,
        rules: Vec::new(),
        violations: Vec::new(),
    };
    look_for_leaked_key(&incoming, &mut exchange);
    let reply = if shared.script.config.dead {
        exchange.rules.push(label::DEAD);
        shared.api.fault_for(&incoming, Fault::Unavailable)
    } else if incoming.method == "GET" && incoming.path == "/" {
        // A keyless look at the API's root, as a health probe makes: the real APIs answer it
        // (with a 404 or a short page) and refuse nothing, so it is no violation.
        exchange.rules.push(label::ROOT);
        Reply::json(404, &serde_json::json!({ "error": "not found" }))
    } else {
        shared.api.answer(&incoming, &mut exchange)
    };
    // Logged before the answer is sent, so that a client that has its answer finds it logged.
    let finished_ms = shared.now_ms();
    let Exchange {
        prompt,
        rules,
        violations,
        ..
    } = exchange;
    lock(&shared.violations).extend(violations.iter().map(|reason| Violation {
        at_ms: started_ms,
        method: incoming.method.clone(),
        path: incoming.path.clone(),
        prompt: prompt.clone(),
        reason: reason.clone(),
    }));
    lock(&shared.log).push(LogEntry {
        started_ms,
        finished_ms,
        method: incoming.method,
        path: incoming.path,
        prompt_hash: prompt.as_deref().map(script::prompt_hash),
        prompt,
        status: reply.status,
        rules: rules.into_iter().map(String::from).collect(),
        violations,
    });
    reply
}

/// `GET /__bff/log` and `GET /__bff/violations`: the log and the violations as JSON arrays.
fn observability(shared: &Shared, request: &Incoming) -> Option<Reply> {
    let rest = request.path.strip_prefix("/__bff/")?;
    let body = match (request.method.as_str(), rest) {
        ("GET", "log") => serde_json::to_value(&*lock(&shared.log)),
        ("GET", "violations") => serde_json::to_value(&*lock(&shared.violations)),
        _ => return Some(Reply::bytes(404, "text/plain", b"not found".to_vec())),
    };
    Some(match body {
        Ok(body) => Reply::json(200, &body),
        Err(e) => Reply::bytes(500, "text/plain", e.to_string().into_bytes()),
    })
}

/// A key belongs in the `authorization` header only: found in another header, the URL or the
/// body, it would leak into a provider's logs or a prompt.
fn look_for_leaked_key(request: &Incoming, exchange: &mut Exchange<'_>) {
    let Some(key) = exchange
        .config()
        .key
        .clone()
        .filter(|k| k.len() >= MIN_KEY_SEARCHED)
    else {
        return;
    };
    for (name, value) in &request.headers {
        if name != "authorization" && value.contains(&key) {
            exchange.violation(format!("the key was sent in the {name} header"));
        }
    }
    if request.path.contains(&key) || request.query.contains(&key) {
        exchange.violation("the key was sent in the URL");
    }
    if request.body.windows(key.len()).any(|w| w == key.as_bytes()) {
        exchange.violation("the key was sent in the body");
    }
}

/// The middle of a credential kept, for error messages that name it without revealing it
/// (`sk-...abcd`).
pub(crate) fn masked(token: &str) -> String {
    let chars: Vec<char> = token.chars().collect();
    if chars.len() < 12 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 7))
}
