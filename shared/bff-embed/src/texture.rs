//! Texture blocks over the garment's interior: local ternary patterns (what the neighbourhood of a
//! pixel looks like) and the spectra of the row and column luminance profiles (stripes and checks
//! are periodic along one or both axes).

use std::f32::consts::PI;

use crate::bins;
use crate::gradient::FLAT_SHARE;
use crate::mask::Mask;

/// Uniform rotation-invariant codes of 8 neighbours: 0..=8 set bits, plus one non-uniform code.
const CODES: usize = 10;
/// Upper and lower patterns of the ternary code.
pub(crate) const LTP_LEN: usize = 2 * CODES;
/// Neighbour distance in working pixels.
const LTP_RADIUS: isize = 2;
/// Luminance difference below which a neighbour counts as equal to the centre (JPEG noise).
const LTP_TOLERANCE: f32 = 0.04;

/// Log-spaced frequency bands per profile, plus the share of variance the profile does not explain.
const BANDS: usize = 11;
pub(crate) const PROFILE_LEN: usize = BANDS + 1;
pub(crate) const SPECTRA_LEN: usize = 2 * PROFILE_LEN;
/// Highest frequency of the bands, in cycles over the garment's height or width.
const MAX_CYCLES: f32 = 128.0;
/// Luminance variance added to the interior's so that a solid fabric (variance ≈ 0) reads as
/// "nothing periodic" rather than dividing noise by noise.
const VARIANCE_FLOOR: f32 = 1e-3;
/// Mass of the unexplained share relative to the bands, for the reason of [`FLAT_SHARE`].
const RESIDUAL_SHARE: f32 = 0.25;

/// Local ternary patterns at radius [`LTP_RADIUS`]: for each interior pixel, the neighbours brighter
/// than the centre by more than the tolerance form the upper pattern, the darker ones the lower.
pub(crate) fn ltp(luma: &[f32], w: usize, h: usize, m: &Mask, out: &mut [f32]) {
    const RING: [(isize, isize); 8] = [
        (1, 0),
        (1, 1),
        (0, 1),
        (-1, 1),
        (-1, 0),
        (-1, -1),
        (0, -1),
        (1, -1),
    ];
    let at = |x: isize, y: isize| {
        let x = x.clamp(0, w as isize - 1) as usize;
        let y = y.clamp(0, h as isize - 1) as usize;
        luma.get(y * w + x).copied().unwrap_or(0.0)
    };
    let pixels = (0..h).flat_map(|y| (0..w).map(move |x| (x, y)));
    for ((x, y), _) in pixels.zip(&m.interior).filter(|(_, &f)| f) {
        let (x, y) = (x as isize, y as isize);
        let c = at(x, y);
        let (mut upper, mut lower) = (0u8, 0u8);
        for (k, (dx, dy)) in RING.iter().enumerate() {
            let v = at(x + dx * LTP_RADIUS, y + dy * LTP_RADIUS);
            upper |= u8::from(v > c + LTP_TOLERANCE) << k;
            lower |= u8::from(v < c - LTP_TOLERANCE) << k;
        }
        // A flat neighbourhood is the common case of every fabric: counted at a reduced mass.
        let mass = if upper == 0 && lower == 0 {
            FLAT_SHARE
        } else {
            1.0
        };
        if let Some(o) = out.get_mut(uniform_code(upper)) {
            *o += mass;
        }
        if let Some(o) = out.get_mut(CODES + uniform_code(lower)) {
            *o += mass;
        }
    }
    bins::hellinger(out);
}

/// Number of set bits of a circular 8-bit pattern with at most two 0/1 transitions, else 9.
fn uniform_code(pattern: u8) -> usize {
    if (pattern ^ pattern.rotate_left(1)).count_ones() <= 2 {
        pattern.count_ones() as usize
    } else {
        CODES - 1
    }
}

/// Power spectra of the interior's mean luminance per row and per column, as shares of the
/// interior's luminance variance in log-spaced bands of cycles per garment height (width), plus
/// the unexplained share. Horizontal stripes load the row spectrum at their frequency, vertical
/// ones the column spectrum, checks both, dots and florals mostly the unexplained share.
pub(crate) fn spectra(luma: &[f32], w: usize, h: usize, m: &Mask, out: &mut [f32]) {
    let mut count = 0usize;
    let (mut sum, mut sum2) = (0.0f64, 0.0f64);
    let mut rows = vec![(0.0f32, 0usize); h];
    let mut cols = vec![(0.0f32, 0usize); w];
    let lines = luma
        .chunks_exact(w.max(1))
        .zip(m.interior.chunks_exact(w.max(1)));
    for ((values, inside), r) in lines.zip(rows.iter_mut()) {
        for ((&v, &f), c) in values.iter().zip(inside).zip(cols.iter_mut()) {
            if f {
                count += 1;
                sum += f64::from(v);
                sum2 += f64::from(v) * f64::from(v);
                r.0 += v;
                r.1 += 1;
                c.0 += v;
                c.1 += 1;
            }
        }
    }
    let variance = if count > 0 {
        let mean = sum / count as f64;
        (sum2 / count as f64 - mean * mean).max(0.0) as f32
    } else {
        0.0
    };
    let (row_part, col_part) = out.split_at_mut(PROFILE_LEN.min(out.len()));
    profile_spectrum(&rows, variance, row_part);
    profile_spectrum(&cols, variance, col_part);
    bins::unit(out);
}

fn profile_spectrum(lines: &[(f32, usize)], variance: f32, out: &mut [f32]) {
    out.fill(0.0);
    // Lines crossing the interior in at least two pixels, in order (gaps closed up).
    let profile: Vec<f32> = lines
        .iter()
        .filter(|(_, n)| *n >= 2)
        .map(|(s, n)| s / *n as f32)
        .collect();
    let n = profile.len();
    let mut explained = 0.0;
    if n >= 4 {
        let mean = profile.iter().sum::<f32>() / n as f32;
        let cos: Vec<f32> = (0..n)
            .map(|j| (2.0 * PI * j as f32 / n as f32).cos())
            .collect();
        let sin: Vec<f32> = (0..n)
            .map(|j| (2.0 * PI * j as f32 / n as f32).sin())
            .collect();
        let denominator = variance + VARIANCE_FLOOR;
        let log_max = MAX_CYCLES.ln();
        for k in 1..=(n - 1) / 2 {
            let (mut re, mut im) = (0.0f32, 0.0f32);
            let mut phase = 0usize;
            for &v in &profile {
                let d = v - mean;
                re += d * cos[phase];
                im += d * sin[phase];
                phase += k;
                if phase >= n {
                    phase -= n;
                }
            }
            // One-sided power: over all k these add up to the variance of the profile.
            let power = 2.0 * (re * re + im * im) / (n * n) as f32;
            let share = power / denominator;
            explained += share;
            bins::add(out, bins::linear((k as f32).ln() / log_max, BANDS), share);
        }
    }
    if explained > 1.0 {
        for v in out.iter_mut().take(BANDS) {
            *v /= explained;
        }
        explained = 1.0;
    }
    if let Some(rest) = out.get_mut(BANDS) {
        *rest = (1.0 - explained) * RESIDUAL_SHARE;
    }
    bins::hellinger(out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_codes() {
        assert_eq!(uniform_code(0), 0);
        assert_eq!(uniform_code(0xff), 8);
        assert_eq!(uniform_code(0b0000_0111), 3);
        assert_eq!(uniform_code(0b1000_0011), 3);
        assert_eq!(uniform_code(0b0101_0101), 9);
    }

    #[test]
    fn a_periodic_profile_loads_its_band_and_a_flat_one_the_rest() {
        let lines: Vec<(f32, usize)> = (0..96)
            .map(|i| (if (i / 4) % 2 == 0 { 0.0 } else { 2.0 }, 2))
            .collect();
        let mut out = [0.0; PROFILE_LEN];
        profile_spectrum(&lines, 0.25, &mut out);
        // 12 cycles over 96 lines; ln 12 / ln 128 ≈ 0.51 lies in band 5.
        let top = (0..BANDS).max_by(|&a, &b| out[a].total_cmp(&out[b]));
        assert_eq!(top, Some(5));
        assert!(out[BANDS] < 0.5);
        let flat = vec![(1.0f32, 2usize); 50];
        profile_spectrum(&flat, 0.0, &mut out);
        assert!((out[BANDS] - 1.0).abs() < 1e-6);
    }
}
