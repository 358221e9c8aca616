//! Why an image could not be embedded.

use serde::Serialize;

use crate::Format;

/// Every way [`embed_image`](crate::embed_image) can refuse its input.
///
/// Serialised with a `kind` tag so that an HTTP layer can return it as JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EmbedError {
    #[error("no image bytes were given")]
    Empty,
    #[error("{bytes} bytes exceed the input limit of {limit} bytes")]
    InputTooLarge { bytes: usize, limit: usize },
    /// `detected` names a format that was recognised but is not decoded here (e.g. `gif`);
    /// `None` when the bytes match no known image signature.
    #[error("unsupported image format ({}): expected PNG, JPEG or WebP", detected.as_deref().unwrap_or("unknown"))]
    UnsupportedFormat { detected: Option<String> },
    /// The decoder's own message says what was wrong (bad checksum, unexpected end of data, ...).
    #[error("corrupt or truncated {} image: {message}", format.name())]
    Corrupt { format: Format, message: String },
    /// The header announces more pixels than an edge function should decode (a decompression bomb
    /// is a few kilobytes that claim gigapixels).
    #[error("image too large ({detail}): at most {max_side}×{max_side} pixels and {max_decoded_bytes} decoded bytes")]
    ImageTooLarge {
        detail: String,
        max_side: u32,
        max_decoded_bytes: u64,
    },
    #[error("degenerate {width}×{height} image: nothing to describe")]
    Degenerate { width: u32, height: u32 },
}
