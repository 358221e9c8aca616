//! Soft binning and block normalisation shared by the feature blocks.
//!
//! Every value is spread over the two nearest bin centres (linear interpolation), so that a small
//! change of colour, angle or size moves mass gradually instead of flipping a bin.

/// Bins of `t` in [0, 1] split into `n` equal bins (centres at (i + ½)/n), clamped at both ends.
pub(crate) fn linear(t: f32, n: usize) -> [(usize, f32); 2] {
    let last = n.saturating_sub(1);
    let x = (t * n as f32 - 0.5).clamp(0.0, last as f32);
    let x = if x.is_finite() { x } else { 0.0 };
    let i = (x as usize).min(last);
    let f = x - i as f32;
    [(i, 1.0 - f), ((i + 1).min(last), f)]
}

/// Bins of a periodic `t` (period 1) in `n` bins around the circle.
pub(crate) fn circular(t: f32, n: usize) -> [(usize, f32); 2] {
    let n = n.max(1);
    let x = t.rem_euclid(1.0) * n as f32 - 0.5;
    let x = if x.is_finite() { x } else { 0.0 };
    let x = if x < 0.0 { x + n as f32 } else { x };
    let i = (x as usize).min(n - 1);
    let f = (x - i as f32).clamp(0.0, 1.0);
    [(i, 1.0 - f), ((i + 1) % n, f)]
}

/// Cubic B-spline spreading of `t` (in [0, 1] across `n` bins) over the bins within two `width`s
/// of it: a smooth kernel (standard deviation ≈ 0.58 `width` bins), so that a shift of half a bin
/// keeps most of the overlap and a shift of several bins almost none. `width` is clamped to
/// [1, 1.5]; circular wraps around, otherwise the tails fold into the end bins.
pub(crate) fn spline(t: f32, n: usize, circular: bool, width: f32) -> [(usize, f32); 6] {
    let n = n.max(1);
    let width = width.clamp(1.0, 1.5);
    let x = t * n as f32 - 0.5;
    let x = if x.is_finite() { x } else { 0.0 };
    let base = x.floor() as i64;
    let mut out = [(0, 0.0); 6];
    let mut total = 0.0;
    for (k, o) in out.iter_mut().enumerate() {
        let i = base - 2 + k as i64;
        let d = ((i as f32 - x) / width).abs();
        let w = if d < 1.0 {
            (4.0 - 6.0 * d * d + 3.0 * d * d * d) / 6.0
        } else if d < 2.0 {
            (2.0 - d).powi(3) / 6.0
        } else {
            0.0
        };
        total += w;
        let i = if circular {
            i.rem_euclid(n as i64)
        } else {
            i.clamp(0, n as i64 - 1)
        };
        *o = (i as usize, w);
    }
    if total > 0.0 {
        for o in out.iter_mut() {
            o.1 /= total;
        }
    }
    out
}

/// Adds `mass` spread by `bins` into `hist`, ignoring out-of-range indices.
pub(crate) fn add<const K: usize>(hist: &mut [f32], bins: [(usize, f32); K], mass: f32) {
    for (i, w) in bins {
        if let Some(h) = hist.get_mut(i) {
            *h += w * mass;
        }
    }
}

/// Hellinger normalisation of a histogram: divide by its sum, take square roots. The result has unit
/// L2 norm, and the dot product of two such blocks is the Bhattacharyya coefficient of the
/// distributions, where one heavy bin cannot swamp the rest. An empty histogram stays zero.
pub(crate) fn hellinger(hist: &mut [f32]) {
    let sum: f32 = hist.iter().sum();
    if sum > 0.0 && sum.is_finite() {
        for v in hist.iter_mut() {
            *v = (v.max(0.0) / sum).sqrt();
        }
    } else {
        hist.fill(0.0);
    }
}

/// Scales a block to unit L2 norm; a zero block stays zero.
pub(crate) fn unit(block: &mut [f32]) {
    let norm = block.iter().map(|v| v * v).sum::<f32>().sqrt();
    if norm > 0.0 && norm.is_finite() {
        for v in block.iter_mut() {
            *v /= norm;
        }
    } else {
        block.fill(0.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_bins_interpolate_between_centres_and_clamp() {
        assert_eq!(linear(0.0, 4), [(0, 1.0), (1, 0.0)]);
        assert_eq!(linear(1.0, 4), [(3, 1.0), (3, 0.0)]);
        let [(i, a), (j, b)] = linear(0.25, 4);
        assert_eq!((i, j), (0, 1));
        assert!((a - 0.5).abs() < 1e-6 && (b - 0.5).abs() < 1e-6);
        assert_eq!(linear(f32::NAN, 4)[0].0, 0);
    }

    #[test]
    fn circular_bins_wrap() {
        let [(i, a), (j, b)] = circular(0.99, 10);
        assert_eq!((i, j), (9, 0));
        assert!((a + b - 1.0).abs() < 1e-6);
        assert_eq!(circular(-0.05, 10)[0].0, 9);
    }

    #[test]
    fn spline_bins_sum_to_one_wrap_and_fold() {
        for t in [0.0, 0.01, 0.3, 0.5, 0.99, 1.0] {
            for width in [1.0, 1.5] {
                let bins = spline(t, 12, true, width);
                assert!((bins.iter().map(|b| b.1).sum::<f32>() - 1.0).abs() < 1e-5);
                assert!(bins.iter().all(|&(i, w)| i < 12 && w >= 0.0));
            }
        }
        assert_eq!(spline(0.0, 12, true, 1.0)[1].0, 10);
        assert_eq!(spline(0.0, 12, false, 1.0)[1].0, 0);
        // At width 1 the centre of bin 3 keeps 2/3 of its mass there, 1/6 on each side.
        let bins = spline(3.5 / 12.0, 12, false, 1.0);
        assert_eq!(bins[2].0, 3);
        assert!((bins[2].1 - 2.0 / 3.0).abs() < 1e-5);
        assert!((bins[3].1 - 1.0 / 6.0).abs() < 1e-5);
    }

    #[test]
    fn hellinger_gives_unit_norm() {
        let mut h = [1.0, 3.0, 0.0];
        hellinger(&mut h);
        assert!((h.iter().map(|v| v * v).sum::<f32>() - 1.0).abs() < 1e-6);
        let mut z = [0.0; 3];
        hellinger(&mut z);
        assert_eq!(z, [0.0; 3]);
    }
}
