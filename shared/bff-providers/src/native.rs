//! [`HttpSend`] for native processes (the command line, tests, benchmarks): `ureq`, a blocking
//! client without an async runtime. Blocking is right here: the native runners drive the ports
//! one message at a time on their own thread, and an async client would bring a runtime with it.

use std::time::Duration;

use crate::client::{HttpSend, TransportError};
use crate::{HttpCall, HttpReply};

/// A blocking HTTP client; answers of every status are returned, not turned into errors.
#[derive(Debug, Default, Clone, Copy)]
pub struct NativeHttp;

impl HttpSend for NativeHttp {
    async fn send(&self, call: &HttpCall, timeout_ms: u64) -> Result<HttpReply, TransportError> {
        let agent = ureq::AgentBuilder::new()
            .timeout(Duration::from_millis(timeout_ms))
            .build();
        let mut request = agent.request(call.method, &call.url);
        for (name, value) in &call.headers {
            request = request.set(name, value);
        }
        let response = match request.send_bytes(&call.body) {
            Ok(response) | Err(ureq::Error::Status(_, response)) => response,
            // The error names the address and the cause, never the headers (the key).
            Err(ureq::Error::Transport(e)) => {
                return Err(TransportError {
                    message: e.to_string(),
                })
            }
        };
        let status = response.status();
        let headers = response
            .headers_names()
            .into_iter()
            .filter_map(|name| {
                let value = response.header(&name)?.to_string();
                Some((name, value))
            })
            .collect();
        let mut body = Vec::new();
        std::io::Read::read_to_end(&mut response.into_reader(), &mut body).map_err(|e| {
            TransportError {
                message: format!("the answer was cut off: {e}"),
            }
        })?;
        Ok(HttpReply {
            status,
            headers,
            body,
        })
    }

    async fn sleep(&self, ms: u64) {
        std::thread::sleep(Duration::from_millis(ms));
    }
}
