//! Calls between Workers over service bindings ([`ServiceBindings`], `bff_http::Services`): the
//! gateway authenticates a request and hands it to the Worker of its stage (prompt, feedback,
//! analytics) with the user it authenticated in [`USER_HEADER`].
//!
//! Those Workers have no public route (`workers_dev = false` and no `routes`): only a Worker bound
//! to them can call them, so they take the user from the header, which the gateway sets after
//! checking the bearer token (and which it never passes through from a client).

pub use bff_http::USER_HEADER;
use bff_http::{HttpResponse, Method, Service, Services};
use bff_pipeline::ports::PortError;
use worker::{Env, Headers, RequestInit};

use crate::http;

/// The gateway's service bindings (`[[services]]` in its `wrangler.toml`, named by
/// [`Service::binding`]).
pub struct ServiceBindings {
    env: Env,
}

impl ServiceBindings {
    pub fn new(env: Env) -> Self {
        Self { env }
    }
}

fn port(e: worker::Error) -> PortError {
    PortError::new("service", e.to_string())
}

impl Services for ServiceBindings {
    async fn call(
        &self,
        service: Service,
        method: Method,
        path_and_query: &str,
        user_id: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> Result<HttpResponse, PortError> {
        let headers = Headers::new();
        headers
            .set("Content-Type", "application/json")
            .map_err(port)?;
        if let Some(user) = user_id {
            headers.set(USER_HEADER, user).map_err(port)?;
        }
        let init = RequestInit {
            method: worker::Method::from(method.to_string()),
            headers,
            body: body.map(|b| worker::js_sys::Uint8Array::from(b.as_slice()).into()),
            ..RequestInit::default()
        };
        let binding = service.binding();
        let url = format!(
            "https://{}.internal{path_and_query}",
            binding.to_lowercase()
        );
        let fetcher = self.env.service(binding).map_err(port)?;
        let answer = fetcher.fetch(url, Some(init)).await.map_err(port)?;
        http::from_response(answer).await.map_err(port)
    }

    fn check(&self, service: Service) -> Result<(), String> {
        self.env
            .service(service.binding())
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}
