//! C-ABI export of the offline descriptor embedder (`bff-embed`) for timing in a wasm host.
//!
//! Protocol as in [`crate::ffi`]: the host reserves a buffer with `alloc`, copies the encoded
//! image (PNG, JPEG or WebP) into it and calls [`bench_embed`]; the whole descriptor of the last
//! successful call is then at [`result_embedding_ptr`] ([`result_embedding_len`] `f32`s).

use std::sync::{Mutex, MutexGuard};

use bff_embed::{embed_image, EmbedError};

static EMBEDDING: Mutex<Vec<f32>> = Mutex::new(Vec::new());

fn embedding() -> MutexGuard<'static, Vec<f32>> {
    // A poisoned lock only means an earlier call panicked; the data is plain and still usable.
    EMBEDDING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Negative code of each failure: -1 null pointer, -2 empty input, -3 unsupported format,
/// -4 corrupt or truncated data, -5 input or image too large, -6 degenerate image.
fn error_code(error: &EmbedError) -> f32 {
    match error {
        EmbedError::Empty => -2.0,
        EmbedError::UnsupportedFormat { .. } => -3.0,
        EmbedError::Corrupt { .. } => -4.0,
        EmbedError::InputTooLarge { .. } | EmbedError::ImageTooLarge { .. } => -5.0,
        EmbedError::Degenerate { .. } => -6.0,
    }
}

/// Embeds the `len` encoded image bytes at `ptr`. Returns the descriptor's first component (never
/// negative: it is a colour-histogram share) or a negative error code (see [`error_code`]).
///
/// # Safety
/// A non-null `ptr` must point to `len` readable bytes that stay untouched during the call.
#[no_mangle]
pub unsafe extern "C" fn bench_embed(ptr: *const u8, len: u32) -> f32 {
    if ptr.is_null() {
        return -1.0;
    }
    // SAFETY: non-null (checked above); bytes have no alignment requirement; length and
    // initialisation per the caller's contract.
    let bytes = unsafe { std::slice::from_raw_parts(ptr, len as usize) };
    match embed_image(bytes) {
        Ok(descriptor) => {
            let first = descriptor.vector.first().copied().unwrap_or(0.0);
            *embedding() = descriptor.vector;
            first
        }
        Err(error) => error_code(&error),
    }
}

/// The descriptor (`f32`, unit norm) of the last successful [`bench_embed`].
#[no_mangle]
pub extern "C" fn result_embedding_ptr() -> *const f32 {
    embedding().as_ptr()
}

/// Number of values at [`result_embedding_ptr`]: `bff_embed::DIM`, or 0 before any success.
#[no_mangle]
pub extern "C" fn result_embedding_len() -> u32 {
    embedding().len() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_negative_codes() {
        // SAFETY: a null pointer is refused before any read.
        assert_eq!(unsafe { bench_embed(std::ptr::null(), 4) }, -1.0);
        let bytes = b"not an image";
        // SAFETY: bytes holds `len` readable bytes.
        assert_eq!(unsafe { bench_embed(bytes.as_ptr(), 0) }, -2.0);
        // SAFETY: as above.
        assert_eq!(
            unsafe { bench_embed(bytes.as_ptr(), bytes.len() as u32) },
            -3.0
        );
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        // SAFETY: as above.
        assert_eq!(unsafe { bench_embed(png.as_ptr(), png.len() as u32) }, -4.0);
    }
}
