//! The sketch renderer (`bff-render`) as a benchmark workload, behind a plain C ABI.
//!
//! Protocol, as in [`crate::ffi`]: [`bench_render`] draws one of a few representative designs
//! at 512 × 768 and returns the length of the PNG, or 0 on failure. The PNG stays readable at
//! [`result_render_ptr`] / [`result_render_len`] until the next call. The renderer keeps its own
//! error message ([`render_error_ptr`] / [`render_error_len`], empty after a success) so that this
//! module shares no state with the math exports.

use std::sync::{Mutex, MutexGuard};

use bff_math::coverage::AttributeValue;
use bff_render::{render_sketch, SketchRequest};

/// The designs timed, from plain to heavy: attribute sets as the pipeline sends them.
const VARIANTS: &[&[(&str, &str)]] = &[
    // A plain default-like dress.
    &[("garment_type", "dress"), ("colour", "navy")],
    // A printed wrap dress: floral motifs on every piece.
    &[
        ("garment_type", "dress"),
        ("silhouette", "wrap"),
        ("length", "midi"),
        ("sleeve", "puff"),
        ("pattern", "floral"),
        ("colour", "blush"),
        ("colour", "burgundy"),
    ],
    // A houndstooth blazer: thousands of woven cells, lapels, pockets.
    &[
        ("garment_type", "blazer"),
        ("pattern", "houndstooth"),
        ("colour", "cream"),
        ("colour", "black"),
    ],
    // A floor-length pleated ballgown: the largest area, with a texture overlay.
    &[
        ("garment_type", "gown"),
        ("silhouette", "ballgown"),
        ("neckline", "sweetheart"),
        ("texture", "pleated"),
        ("palette", "jewel-tone"),
    ],
    // A worst case: an animal print and a knit texture on a floor-length gown with full sleeves.
    &[
        ("garment_type", "gown"),
        ("silhouette", "ballgown"),
        ("sleeve", "bishop"),
        ("pattern", "animal-print"),
        ("texture", "knit"),
        ("colour", "camel"),
    ],
];

/// Number of designs [`bench_render`] cycles through.
pub const VARIANT_COUNT: u32 = VARIANTS.len() as u32;

/// Draws design `variant % VARIANT_COUNT` with `seed` and returns the PNG bytes.
pub fn render_variant(seed: u64, variant: u32) -> Result<Vec<u8>, String> {
    let pairs = VARIANTS[(variant % VARIANT_COUNT) as usize];
    let attributes = pairs
        .iter()
        .map(|(c, v)| AttributeValue::new(*c, *v))
        .collect();
    render_sketch(&SketchRequest::new(attributes, seed))
        .map(|sketch| sketch.png)
        .map_err(|e| e.to_string())
}

struct State {
    png: Vec<u8>,
    error: String,
}

static STATE: Mutex<State> = Mutex::new(State {
    png: Vec::new(),
    error: String::new(),
});

fn state() -> MutexGuard<'static, State> {
    // A poisoned lock only means an earlier call panicked; the data is plain and still usable.
    STATE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Renders design `variant` (taken modulo [`bench_render_variants`]) at 512 × 768 with `seed`.
/// Returns the PNG length in bytes, 0 on error (then [`render_error_len`] is non-zero).
#[no_mangle]
pub extern "C" fn bench_render(seed: u64, variant: u32) -> u32 {
    let outcome = render_variant(seed, variant);
    let mut state = state();
    match outcome {
        Ok(png) => {
            state.error.clear();
            state.png = png;
            u32::try_from(state.png.len()).unwrap_or(0)
        }
        Err(message) => {
            state.error = message;
            state.png.clear();
            0
        }
    }
}

/// Number of designs [`bench_render`] cycles through.
#[no_mangle]
pub extern "C" fn bench_render_variants() -> u32 {
    VARIANT_COUNT
}

/// The PNG of the last successful [`bench_render`].
#[no_mangle]
pub extern "C" fn result_render_ptr() -> *const u8 {
    state().png.as_ptr()
}

/// Length in bytes of the PNG at [`result_render_ptr`].
#[no_mangle]
pub extern "C" fn result_render_len() -> u32 {
    u32::try_from(state().png.len()).unwrap_or(0)
}

/// Message of the last failed [`bench_render`] (UTF-8, [`render_error_len`] bytes).
#[no_mangle]
pub extern "C" fn render_error_ptr() -> *const u8 {
    state().error.as_ptr()
}

/// Length in bytes of the last render error; 0 after a successful call.
#[no_mangle]
pub extern "C" fn render_error_len() -> u32 {
    u32::try_from(state().error.len()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_renders_a_png() {
        for variant in 0..VARIANT_COUNT + 1 {
            let len = bench_render(7, variant);
            assert!(len > 1000, "variant {variant}: {len} bytes");
            assert_eq!(result_render_len(), len);
            assert_eq!(render_error_len(), 0);
            let png = render_variant(7, variant).unwrap();
            assert!(png.starts_with(b"\x89PNG"));
            assert_eq!(png.len() as u32, len);
        }
    }
}
