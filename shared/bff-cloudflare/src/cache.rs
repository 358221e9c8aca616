//! [`EdgeCache`]: `bff_http::ResponseCache` on the Workers Cache API (the data centre's cache;
//! under `wrangler dev`, workerd's local one).

use bff_http::ResponseCache;
use worker::{Cache, Headers, Response};

/// The default cache of the zone. Keys are URLs.
#[derive(Default)]
pub struct EdgeCache {
    cache: Cache,
}

impl ResponseCache for EdgeCache {
    async fn get(&self, key: &str) -> Option<String> {
        // A cached response's headers are immutable: only its body is used.
        let mut cached = self.cache.get(key, false).await.ok()??;
        cached.text().await.ok()
    }

    async fn put(&self, key: &str, body: &str, max_age_seconds: u32) -> Result<(), String> {
        let stored = cacheable(body, max_age_seconds).map_err(|e| e.to_string())?;
        self.cache.put(key, stored).await.map_err(|e| e.to_string())
    }
}

/// The response the cache keeps: JSON, public for `max_age_seconds`.
fn cacheable(body: &str, max_age_seconds: u32) -> worker::Result<Response> {
    let headers = Headers::new();
    headers.set("Content-Type", "application/json")?;
    headers.set(
        "Cache-Control",
        &format!("public, max-age={max_age_seconds}"),
    )?;
    Ok(Response::ok(body)?.with_headers(headers))
}
