//! The HTTP server: `tiny_http` with a small pool of worker threads, each taking the next request,
//! reading its body up to [`MAX_BODY_BYTES`], and answering with [`Api::handle`].
//!
//! A pool rather than one thread so that `/health` answers while a batch is being embedded (a
//! batch of 64 images takes seconds on a CPU), and small rather than large because every
//! embedding is CPU-bound: more concurrent batches only add their activations' memory.

use std::io::Read;
use std::net::SocketAddr;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::thread::JoinHandle;

use tiny_http::{Header, Response, Server};

use crate::api::{Api, Reply, Request, MAX_BODY_BYTES};

/// The worker threads a server runs unless told otherwise.
pub const DEFAULT_WORKERS: usize = 4;

/// A running server; dropping it does not stop it, [`RunningServer::shutdown`] does.
pub struct RunningServer {
    server: Arc<Server>,
    addr: SocketAddr,
    workers: Vec<JoinHandle<()>>,
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
        for worker in self.workers {
            let _ = worker.join();
        }
    }

    /// Stops taking requests, lets each worker finish the request it is answering, and waits
    /// for them.
    pub fn shutdown(self) {
        for _ in &self.workers {
            self.server.unblock();
        }
        self.wait();
    }
}

/// Binds `listen` (e.g. `127.0.0.1:0`) and serves `api` with `workers` threads.
pub fn serve(api: Arc<Api>, listen: &str, workers: usize) -> Result<RunningServer, String> {
    let server = Server::http(listen).map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let addr = server
        .server_addr()
        .to_ip()
        .ok_or_else(|| format!("{listen} is not an IP address"))?;
    let server = Arc::new(server);
    let workers = (0..workers.max(1))
        .map(|i| {
            let server = Arc::clone(&server);
            let api = Arc::clone(&api);
            std::thread::Builder::new()
                .name(format!("bff-clip-http-{i}"))
                .spawn(move || work(&server, &api))
                .map_err(|e| format!("cannot start a worker thread: {e}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(RunningServer {
        server,
        addr,
        workers,
    })
}

/// One worker: answers requests until the server is unblocked.
fn work(server: &Server, api: &Api) {
    // `recv` fails only when the server is unblocked (shutdown) or its listener is gone.
    while let Ok(mut request) = server.recv() {
        let reply = read_body(&mut request).and_then(|body| {
            let authorization = request
                .headers()
                .iter()
                .find(|h| h.field.equiv("Authorization"))
                .map(|h| h.value.as_str().to_owned());
            let method = request.method().as_str().to_owned();
            // A panic in the model (a candle bug, say) answers 500 and leaves the worker
            // serving; the model is only read, so nothing is left half-changed.
            catch_unwind(AssertUnwindSafe(|| {
                api.handle(&Request {
                    method: &method,
                    path: request.url(),
                    authorization: authorization.as_deref(),
                    body: &body,
                })
            }))
            .map_err(|_| Reply::error(500, "the server failed on this request"))
        });
        let reply = reply.unwrap_or_else(|error| error);
        let body = serde_json::to_vec(&reply.body).unwrap_or_default();
        let response = Response::from_data(body)
            .with_status_code(reply.status)
            .with_header(json_header());
        // The client may be gone; there is no one to tell.
        let _ = request.respond(response);
    }
}

/// The body, or a 413 without reading it when the declared length is over the limit (or a
/// chunked body turns out to be).
fn read_body(request: &mut tiny_http::Request) -> Result<Vec<u8>, Reply> {
    let too_large = || {
        Reply::error(
            413,
            format!("the request body is over {MAX_BODY_BYTES} bytes"),
        )
    };
    if request.body_length().is_some_and(|n| n > MAX_BODY_BYTES) {
        return Err(too_large());
    }
    let mut body = Vec::with_capacity(request.body_length().unwrap_or(0));
    request
        .as_reader()
        .take(MAX_BODY_BYTES as u64 + 1)
        .read_to_end(&mut body)
        .map_err(|e| Reply::error(400, format!("cannot read the request body: {e}")))?;
    if body.len() > MAX_BODY_BYTES {
        return Err(too_large());
    }
    Ok(body)
}

fn json_header() -> Header {
    Header::from_bytes(&b"Content-Type"[..], &b"application/json"[..])
        .expect("a constant, valid header")
}
