//! Small dense kernels shared by the algorithms.
//!
//! Written by hand rather than through ndarray because the hot loops are tiny (dot products of rows)
//! and must vectorise on wasm32: on wasm they use `simd128` intrinsics explicitly (V8 runs them as
//! SSE), elsewhere eight independent accumulators that LLVM vectorises by itself. No `unsafe`.

const LANES: usize = 8;

/// Dot product of two equally long slices; lanes accumulate in `f32`, the lane sum in `f64`.
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f64 {
    debug_assert_eq!(a.len(), b.len());
    simd::dot(a, b)
}

/// Dot products of four rows with one row, reading `b` once: the Gram and assignment loops use it
/// to do four times the arithmetic per load.
#[inline]
pub fn dot4(a: [&[f32]; 4], b: &[f32]) -> [f64; 4] {
    simd::dot4(a, b)
}

/// Sum of the eight lane accumulators in `f64` (lane order), then the tail in `f64`.
#[inline]
fn finish(lanes: [f32; LANES], a_tail: &[f32], b_tail: &[f32]) -> f64 {
    let mut sum: f64 = lanes.iter().map(|&v| v as f64).sum();
    for (x, y) in a_tail.iter().zip(b_tail) {
        sum += (*x as f64) * (*y as f64);
    }
    sum
}

/// wasm simd128: lanes 0..4 and 4..8 in two `f32x4` accumulators, the same arithmetic in the same
/// order as the portable code (hence bit-identical results), but in vector registers: LLVM does not
/// vectorise the portable loops well for wasm (about 3 times slower).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd {
    use super::{finish, LANES};
    use core::arch::wasm32::{f32x4, f32x4_add, f32x4_extract_lane, f32x4_mul, f32x4_splat, v128};

    #[inline(always)]
    fn load(x: &[f32]) -> v128 {
        f32x4(x[0], x[1], x[2], x[3])
    }

    #[inline(always)]
    fn lanes(lo: v128, hi: v128) -> [f32; LANES] {
        [
            f32x4_extract_lane::<0>(lo),
            f32x4_extract_lane::<1>(lo),
            f32x4_extract_lane::<2>(lo),
            f32x4_extract_lane::<3>(lo),
            f32x4_extract_lane::<0>(hi),
            f32x4_extract_lane::<1>(hi),
            f32x4_extract_lane::<2>(hi),
            f32x4_extract_lane::<3>(hi),
        ]
    }

    #[inline]
    pub fn dot(a: &[f32], b: &[f32]) -> f64 {
        let full = a.len().min(b.len()) / LANES * LANES;
        let (mut lo, mut hi) = (f32x4_splat(0.0), f32x4_splat(0.0));
        for (x, y) in a[..full]
            .chunks_exact(LANES)
            .zip(b[..full].chunks_exact(LANES))
        {
            lo = f32x4_add(lo, f32x4_mul(load(&x[..4]), load(&y[..4])));
            hi = f32x4_add(hi, f32x4_mul(load(&x[4..]), load(&y[4..])));
        }
        finish(lanes(lo, hi), &a[full..], &b[full..])
    }

    #[inline]
    pub fn dot4(a: [&[f32]; 4], b: &[f32]) -> [f64; 4] {
        let n = b.len();
        let full = n - n % LANES;
        let rows = [&a[0][..full], &a[1][..full], &a[2][..full], &a[3][..full]];
        let mut lo = [f32x4_splat(0.0); 4];
        let mut hi = [f32x4_splat(0.0); 4];
        for (c, y) in b[..full].chunks_exact(LANES).enumerate() {
            let (y0, y1) = (load(&y[..4]), load(&y[4..]));
            let start = c * LANES;
            for r in 0..4 {
                let x = &rows[r][start..start + LANES];
                lo[r] = f32x4_add(lo[r], f32x4_mul(load(&x[..4]), y0));
                hi[r] = f32x4_add(hi[r], f32x4_mul(load(&x[4..]), y1));
            }
        }
        std::array::from_fn(|r| finish(lanes(lo[r], hi[r]), &a[r][full..n], &b[full..]))
    }
}

/// Portable code: eight independent accumulators.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
mod simd {
    use super::{finish, LANES};

    #[inline]
    pub fn dot(a: &[f32], b: &[f32]) -> f64 {
        let mut acc = [0.0f32; LANES];
        let (a_chunks, a_tail) = a.split_at(a.len() - a.len() % LANES);
        let (b_chunks, b_tail) = b.split_at(a_chunks.len());
        for (x, y) in a_chunks
            .chunks_exact(LANES)
            .zip(b_chunks.chunks_exact(LANES))
        {
            for k in 0..LANES {
                acc[k] += x[k] * y[k];
            }
        }
        finish(acc, a_tail, b_tail)
    }

    #[inline]
    pub fn dot4(a: [&[f32]; 4], b: &[f32]) -> [f64; 4] {
        let n = b.len();
        let full = n - n % LANES;
        let mut acc = [[0.0f32; LANES]; 4];
        let mut start = 0;
        while start < full {
            let y = &b[start..start + LANES];
            for (r, row) in a.iter().enumerate() {
                let x = &row[start..start + LANES];
                for k in 0..LANES {
                    acc[r][k] += x[k] * y[k];
                }
            }
            start += LANES;
        }
        std::array::from_fn(|r| finish(acc[r], &a[r][full..n], &b[full..]))
    }
}

/// Squared L2 norm.
#[inline]
pub fn sq_norm(a: &[f32]) -> f64 {
    dot(a, a)
}

/// Euclidean distance from a dot product and the two squared norms, clamped at zero against rounding.
#[inline]
pub fn distance_from_dot(sq_norm_a: f64, sq_norm_b: f64, dot_ab: f64) -> f64 {
    (sq_norm_a + sq_norm_b - 2.0 * dot_ab).max(0.0).sqrt()
}

/// The `n × n` matrix of Euclidean distances between the rows of a row-major `n × dim` buffer,
/// computed once through the Gram matrix (`‖a−b‖² = ‖a‖² + ‖b‖² − 2a·b`) in blocks of four rows.
///
/// Stored as `f32` to halve memory (2000 points: 16 MB); distances are computed in `f64` first.
pub fn pairwise_distances(data: &[f32], dim: usize) -> Vec<f32> {
    let n = data.len() / dim;
    let row = |i: usize| &data[i * dim..(i + 1) * dim];
    let norms: Vec<f64> = (0..n).map(|i| sq_norm(row(i))).collect();
    let mut out = vec![0.0f32; n * n];
    let mut i = 0;
    while i + 4 <= n {
        let block = [row(i), row(i + 1), row(i + 2), row(i + 3)];
        for j in i..n {
            let d = dot4(block, row(j));
            for (r, &dot_ar) in d.iter().enumerate() {
                let a = i + r;
                if j > a {
                    let dist = distance_from_dot(norms[a], norms[j], dot_ar) as f32;
                    out[a * n + j] = dist;
                    out[j * n + a] = dist;
                }
            }
        }
        i += 4;
    }
    for a in i..n {
        for j in a + 1..n {
            let dist = distance_from_dot(norms[a], norms[j], dot(row(a), row(j))) as f32;
            out[a * n + j] = dist;
            out[j * n + a] = dist;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_matches_naive_for_all_tail_lengths() {
        for len in 0..40 {
            let a: Vec<f32> = (0..len).map(|i| (i as f32 * 0.37).sin()).collect();
            let b: Vec<f32> = (0..len).map(|i| (i as f32 * 0.11).cos()).collect();
            let naive: f64 = a
                .iter()
                .zip(&b)
                .map(|(x, y)| (*x as f64) * (*y as f64))
                .sum();
            assert!((dot(&a, &b) - naive).abs() < 1e-5, "len {len}");
            let four = dot4([&a, &b, &a, &b], &b);
            assert!((four[0] - naive).abs() < 1e-5);
            assert!((four[1] - dot(&b, &b)).abs() < 1e-5);
        }
    }

    #[test]
    fn pairwise_distances_are_symmetric_with_zero_diagonal() {
        let dim = 3;
        let data: Vec<f32> = (0..7 * dim).map(|i| (i as f32 * 0.7).sin()).collect();
        let d = pairwise_distances(&data, dim);
        for a in 0..7 {
            assert_eq!(d[a * 7 + a], 0.0);
            for b in 0..7 {
                assert_eq!(d[a * 7 + b], d[b * 7 + a]);
                let naive: f32 = (0..dim)
                    .map(|k| (data[a * dim + k] - data[b * dim + k]).powi(2))
                    .sum::<f32>()
                    .sqrt();
                assert!((d[a * 7 + b] - naive).abs() < 1e-5);
            }
        }
    }
}
