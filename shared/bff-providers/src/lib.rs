//! Image providers' wire formats, free of any platform and of any HTTP client: a provider module
//! turns what the pipeline wants drawn into an [`HttpCall`] and reads the [`HttpReply`] back into
//! an image or a [`Failure`]. The platforms send the call (Workers `fetch`, Spin's outbound HTTP,
//! `reqwest` natively); the mapping is tested here on the providers' documented shapes.
//!
//! - [`failure`]: one classification of a provider's failure for all providers: retry no sooner
//!   than a `retry-after`, retry with back-off, stop the job (bad key, exhausted quota), the
//!   variant was moderated, the image is malformed.
//! - [`openai`]: OpenAI Images (`POST /v1/images/generations`).
//! - [`replicate`]: Replicate predictions (create, poll, download; FLUX schnell and SDXL inputs).
//! - [`stability`]: Stability AI's Stable Image v2beta (`core`, `ultra`, `sd3`; multipart form).
//! - [`workers_ai`]: Cloudflare Workers AI (FLUX schnell and SDXL), over REST or, on Workers, the
//!   `AI` binding whose input and output it builds and reads; FLUX's JPEG is stored as PNG.
//! - [`embeddings`]: CLIP image and text embeddings over HTTP (Jina's API, or an OpenAI-style
//!   server such as Infinity), read back in input order and checked whole.
//! - [`image`]: checks that returned bytes are a whole PNG and reads its size; turns a whole JPEG
//!   into a PNG.
//! - [`settings`]: the providers' configuration names (keys are secrets), one list for every
//!   platform.
//! - [`client`]: the providers behind the pipeline's `ImageProvider` port, over an [`HttpSend`]
//!   the platform supplies (and Workers AI through an [`AiBinding`] where the platform has one).
//! - [`health`]: whether the configured providers and the embedding service can be reached, at
//!   no cost.
//! - [`embedder`]: a CLIP embedding service behind the `ImageEmbedder` port (images, and the
//!   texts of zero-shot tagging), or the offline descriptor.

pub mod client;
pub mod embedder;
pub mod embeddings;
pub mod failure;
pub mod health;
pub mod image;
#[cfg(feature = "native")]
pub mod native;
pub mod openai;
pub mod replicate;
pub mod settings;
pub mod stability;
#[cfg(test)]
mod testing;
pub mod workers_ai;

pub use client::{AiBinding, AiOutput, HttpSend, Providers, TransportError};
pub use failure::Failure;
pub use settings::ProviderSettings;

/// A generated image, checked to be a whole PNG, and the parameters the provider used (recorded
/// with the image; never the key).
#[derive(Debug, Clone, PartialEq)]
pub struct Generated {
    pub png: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub parameters: serde_json::Value,
}

/// An HTTP request to a provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpCall {
    pub method: &'static str,
    pub url: String,
    /// Header names in lower case. Holds the provider key: never log a call.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// A provider's answer, read whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpReply {
    pub status: u16,
    /// Header names in any case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpReply {
    /// A header's value, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}
