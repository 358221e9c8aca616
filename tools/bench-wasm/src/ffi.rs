//! Plain C-ABI exports for a wasm host (no wasm-bindgen, no imports).
//!
//! Protocol: the host reserves input buffers with [`alloc`], writes little-endian `f32` rows into
//! them, calls a `bench_*` or `profile_*` function, then reads the results through the `result_*`
//! exports (pointers into linear memory, valid until the next call). A failed call returns its
//! documented error value and leaves a UTF-8 message at [`last_error_ptr`] / [`last_error_len`];
//! a successful call empties it. Invalid pointers or sizes are reported, never a panic.

use std::alloc::Layout;
use std::sync::{Mutex, MutexGuard};

use crate::Phases;

/// Alignment of every buffer handed out by [`alloc`]: enough for `f32`, `f64` and SIMD loads.
const ALIGN: usize = 16;

struct State {
    best_k: u32,
    k_min: u32,
    silhouettes: Vec<f64>,
    picks: Vec<u32>,
    iterations: u32,
    error: String,
    phases: Option<Phases>,
}

static STATE: Mutex<State> = Mutex::new(State {
    best_k: 0,
    k_min: 0,
    silhouettes: Vec::new(),
    picks: Vec::new(),
    iterations: 0,
    error: String::new(),
    phases: None,
});

fn state() -> MutexGuard<'static, State> {
    // A poisoned lock only means an earlier call panicked; the data is plain and still usable.
    STATE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Records the outcome of a call: clears the error on success, stores the message on failure.
fn finish<T>(result: Result<T, String>, on_error: T) -> T {
    let mut state = state();
    match result {
        Ok(value) => {
            state.error.clear();
            value
        }
        Err(message) => {
            state.error = message;
            on_error
        }
    }
}

/// Borrows `len` values of type `T` at `ptr`, refusing a null or misaligned pointer.
///
/// # Safety
/// A non-null, aligned `ptr` must point to `len` initialised values that stay untouched for `'a`.
unsafe fn slice<'a, T>(ptr: *const T, len: usize, what: &str) -> Result<&'a [T], String> {
    if ptr.is_null() {
        return Err(format!("{what}: null pointer"));
    }
    if ptr.cast::<u8>().align_offset(std::mem::align_of::<T>()) != 0 {
        return Err(format!("{what}: misaligned pointer"));
    }
    if len
        .checked_mul(std::mem::size_of::<T>())
        .is_none_or(|bytes| bytes > isize::MAX as usize)
    {
        return Err(format!("{what}: {len} values do not fit in memory"));
    }
    // SAFETY: non-null and aligned (checked above), size within isize (checked above),
    // initialised and unaliased per the caller's contract.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

fn matrix_len(n: u32, dim: u32) -> Result<usize, String> {
    (n as usize)
        .checked_mul(dim as usize)
        .ok_or_else(|| format!("{n} × {dim} values overflow"))
}

/// Reserves `bytes` bytes (16-byte aligned) in linear memory; null when impossible.
#[no_mangle]
pub extern "C" fn alloc(bytes: usize) -> *mut u8 {
    match Layout::from_size_align(bytes.max(1), ALIGN) {
        // SAFETY: the layout has a non-zero size.
        Ok(layout) => unsafe { std::alloc::alloc(layout) },
        Err(_) => std::ptr::null_mut(),
    }
}

/// Releases a buffer from [`alloc`].
///
/// # Safety
/// `ptr` must come from [`alloc`] with the same `bytes`, and not be used afterwards (null is ignored).
#[no_mangle]
pub unsafe extern "C" fn dealloc(ptr: *mut u8, bytes: usize) {
    if ptr.is_null() {
        return;
    }
    if let Ok(layout) = Layout::from_size_align(bytes.max(1), ALIGN) {
        // SAFETY: per the caller's contract, ptr was allocated with this very layout.
        unsafe { std::alloc::dealloc(ptr, layout) }
    }
}

/// Automatic K over `n` points of dimension `dim` (row-major `f32` at `points`), seeded by `seed`.
/// Returns the best silhouette, or -1 on error (then [`last_error_len`] is non-zero).
///
/// # Safety
/// `points` must point to `n × dim` readable `f32` (null or misaligned pointers are reported).
#[no_mangle]
pub unsafe extern "C" fn bench_auto_k(points: *const f32, n: u32, dim: u32, seed: u64) -> f64 {
    let run = || {
        // SAFETY: forwarded from this function's contract.
        let points = unsafe { slice(points, matrix_len(n, dim)?, "points")? };
        crate::auto_k(points, dim as usize, seed)
    };
    let outcome = run();
    if let Ok(o) = &outcome {
        let mut state = state();
        state.best_k = o.best_k as u32;
        state.k_min = o.silhouettes.first().map_or(0, |(k, _)| *k as u32);
        state.silhouettes = o
            .silhouettes
            .iter()
            .map(|(_, s)| s.unwrap_or(f64::NAN))
            .collect();
    }
    finish(outcome.map(|o| o.silhouette), -1.0)
}

/// Best K of the last successful [`bench_auto_k`].
#[no_mangle]
pub extern "C" fn result_best_k() -> u32 {
    state().best_k
}

/// Smallest K tried by the last successful [`bench_auto_k`]: the K of the first silhouette.
#[no_mangle]
pub extern "C" fn result_k_min() -> u32 {
    state().k_min
}

/// Silhouettes (`f64`, NaN where undefined) of the last successful [`bench_auto_k`], one per K.
#[no_mangle]
pub extern "C" fn result_silhouettes_ptr() -> *const f64 {
    state().silhouettes.as_ptr()
}

/// Number of values at [`result_silhouettes_ptr`].
#[no_mangle]
pub extern "C" fn result_silhouettes_len() -> u32 {
    state().silhouettes.len() as u32
}

/// DPP selection of `picks` of the `n` candidates at `points` (row-major `f32`, width `dim`) with
/// qualities at `quality` (`n` values in [0, 1]) and trade-off `theta`. Returns the number of picks,
/// 0 on error; the indices are at [`result_picks_ptr`].
///
/// # Safety
/// `points` must point to `n × dim` readable `f32` and `quality` to `n` (null or misaligned
/// pointers are reported).
#[no_mangle]
pub unsafe extern "C" fn bench_dpp(
    points: *const f32,
    quality: *const f32,
    n: u32,
    dim: u32,
    picks: u32,
    theta: f64,
) -> u32 {
    let run = || {
        // SAFETY: forwarded from this function's contract.
        let points = unsafe { slice(points, matrix_len(n, dim)?, "points")? };
        // SAFETY: forwarded from this function's contract.
        let quality = unsafe { slice(quality, n as usize, "quality")? };
        crate::dpp(points, quality, dim as usize, picks as usize, theta)
    };
    let outcome = run();
    if let Ok(indices) = &outcome {
        state().picks = indices.iter().map(|&i| i as u32).collect();
    }
    finish(outcome.map(|p| p.len() as u32), 0)
}

/// Picked indices (`u32`, in selection order) of the last successful [`bench_dpp`].
#[no_mangle]
pub extern "C" fn result_picks_ptr() -> *const u32 {
    state().picks.as_ptr()
}

/// Number of values at [`result_picks_ptr`].
#[no_mangle]
pub extern "C" fn result_picks_len() -> u32 {
    state().picks.len() as u32
}

/// Message of the last failed call (UTF-8, [`last_error_len`] bytes).
#[no_mangle]
pub extern "C" fn last_error_ptr() -> *const u8 {
    state().error.as_ptr()
}

/// Length in bytes of the last error message; 0 after a successful call.
#[no_mangle]
pub extern "C" fn last_error_len() -> u32 {
    state().error.len() as u32
}

/// Loads data for the `profile_*` phases. Returns 0, or -1 on error.
///
/// # Safety
/// `points` must point to `n × dim` readable `f32` and `quality` to `n` (null or misaligned
/// pointers are reported).
#[no_mangle]
pub unsafe extern "C" fn profile_load(
    points: *const f32,
    quality: *const f32,
    n: u32,
    dim: u32,
) -> i32 {
    let run = || {
        // SAFETY: forwarded from this function's contract.
        let points = unsafe { slice(points, matrix_len(n, dim)?, "points")? };
        // SAFETY: forwarded from this function's contract.
        let quality = unsafe { slice(quality, n as usize, "quality")? };
        Phases::new(points, quality, dim as usize)
    };
    match run() {
        Ok(phases) => {
            state().phases = Some(phases);
            finish(Ok(0), -1)
        }
        Err(e) => finish(Err(e), -1),
    }
}

fn with_phases<T>(on_error: T, f: impl FnOnce(&mut Phases) -> Result<T, String>) -> T {
    let result = {
        let mut state = state();
        match state.phases.as_mut() {
            Some(phases) => f(phases),
            None => Err("profile_load was not called".to_owned()),
        }
    };
    finish(result, on_error)
}

/// Duplicate scan of the loaded data; returns the number of distinct rows (0 on error).
#[no_mangle]
pub extern "C" fn profile_distinct_rows() -> u32 {
    with_phases(0, |p| Ok(p.distinct_rows() as u32))
}

/// Distance matrix of the first `min(n, limit)` loaded points; returns its rows (0 on error).
#[no_mangle]
pub extern "C" fn profile_distance_matrix(limit: u32) -> u32 {
    with_phases(0, |p| Ok(p.distance_matrix(limit as usize) as u32))
}

/// Silhouette of a `k`-cluster labelling over the last distance matrix; NaN on error.
#[no_mangle]
pub extern "C" fn profile_silhouette(k: u32) -> f64 {
    with_phases(f64::NAN, |p| p.silhouette(k as usize))
}

/// One k-means fit of the loaded data; returns its inertia (NaN on error) and leaves the
/// iterations of the best run at [`result_iterations`].
#[no_mangle]
pub extern "C" fn profile_kmeans(k: u32, n_runs: u32, max_iterations: u32, seed: u64) -> f64 {
    let fit = with_phases(None, |p| {
        p.kmeans(k as usize, n_runs as usize, max_iterations as usize, seed)
            .map(Some)
    });
    match fit {
        Some((inertia, iterations)) => {
            state().iterations = iterations as u32;
            inertia
        }
        None => f64::NAN,
    }
}

/// Dot products of every loaded point with the first `rows` points; returns their sum (NaN on error).
#[no_mangle]
pub extern "C" fn profile_dot_rows(rows: u32) -> f64 {
    with_phases(f64::NAN, |p| Ok(p.dot_rows(rows as usize)))
}

/// DPP selection of `picks` loaded points at `theta`; returns the number of picks (0 on error).
#[no_mangle]
pub extern "C" fn profile_dpp(picks: u32, theta: f64) -> u32 {
    with_phases(0, |p| p.dpp(picks as usize, theta).map(|c| c as u32))
}

/// Lloyd iterations of the best run of the last [`profile_kmeans`].
#[no_mangle]
pub extern "C" fn result_iterations() -> u32 {
    state().iterations
}

/// Frees the data and the distance matrix of the `profile_*` phases.
#[no_mangle]
pub extern "C" fn profile_clear() {
    state().phases = None;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The exports share one state: tests that read it must not interleave.
    static SERIAL: Mutex<()> = Mutex::new(());

    #[test]
    fn round_trip_through_the_exports() {
        let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
        let points: Vec<f32> = (0..40).map(|i| ((i * 13 % 17) as f32) + 1.0).collect();
        let quality: Vec<f32> = (0..10).map(|i| i as f32 / 10.0).collect();
        // SAFETY: the vectors hold 10 × 4 and 10 values and outlive the calls.
        let count = unsafe { bench_dpp(points.as_ptr(), quality.as_ptr(), 10, 4, 3, 0.7) };
        assert_eq!(count, result_picks_len());
        assert_eq!(last_error_len(), 0);
        // SAFETY: as above.
        let s = unsafe { bench_auto_k(points.as_ptr(), 10, 4, 1) };
        assert!(s > -1.0, "{}", state().error);
        assert!((3..=8).contains(&result_best_k()));
    }

    #[test]
    fn bad_pointers_and_sizes_are_errors() {
        let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
        // SAFETY: null pointers are checked before any read.
        let s = unsafe { bench_auto_k(std::ptr::null(), 10, 4, 1) };
        assert_eq!(s, -1.0);
        assert!(last_error_len() > 0);
        let points = [1.0f32; 8];
        // SAFETY: points holds 2 × 4 values; the null quality pointer is refused before any read.
        let count = unsafe { bench_dpp(points.as_ptr(), std::ptr::null(), 2, 4, 1, 0.7) };
        assert_eq!(count, 0);
        // SAFETY: the sizes overflow and are refused before any read.
        let s = unsafe { bench_auto_k(points.as_ptr(), u32::MAX, u32::MAX, 1) };
        assert_eq!(s, -1.0);
        let ptr = alloc(64);
        assert!(!ptr.is_null());
        // SAFETY: ptr comes from alloc(64).
        unsafe { dealloc(ptr, 64) };
    }
}
