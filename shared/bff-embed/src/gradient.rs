//! Edge blocks from luminance gradients (central differences): a HOG-like grid of orientation
//! histograms over the bounding box (outline and construction lines), and the orientation and
//! strength of the edges inside the garment (its pattern).

use std::f32::consts::PI;

use crate::bins;
use crate::mask::Mask;

pub(crate) const HOG_COLS: usize = 3;
pub(crate) const HOG_ROWS: usize = 4;
/// Unsigned orientations (0–180°) in 20° bins.
pub(crate) const HOG_BINS: usize = 9;
pub(crate) const HOG_LEN: usize = HOG_COLS * HOG_ROWS * HOG_BINS;

/// Interior orientations in 12° bins, then one bin for flat (edge-free) pixels.
pub(crate) const ORIENTATION_BINS: usize = 15;
pub(crate) const ORIENTATION_LEN: usize = ORIENTATION_BINS + 1;
pub(crate) const MAGNITUDE_LEN: usize = 8;

/// Gradient magnitude (luminance in [0, 1], difference over two pixels) treated as noise: JPEG
/// ringing and dithering stay below it.
const NOISE: f32 = 0.03;
/// Magnitude at which an edge stops counting more: the garment's outline against the backdrop is
/// the strongest edge and would otherwise outweigh its pattern.
const CLIP: f32 = 0.5;
/// Magnitude at which a pixel counts half as an edge and half as flat in the interior histogram.
const EDGE_HALF: f32 = 0.08;
/// Largest magnitude of the magnitude histogram (a black/white step).
const MAGNITUDE_MAX: f32 = 1.5;
/// Mass of a flat pixel relative to an edge pixel in the interior histograms: most of a patterned
/// fabric is flat between its motifs, and at full mass the flat bin would make every pattern look
/// alike. A solid fabric still reads as all flat.
pub(crate) const FLAT_SHARE: f32 = 0.1;

/// Luminance gradient of every pixel: magnitude, and unsigned orientation in [0, 1) (× 180°).
pub(crate) struct Gradients {
    pub magnitude: Vec<f32>,
    pub orientation: Vec<f32>,
}

pub(crate) fn gradients(luma: &[f32], w: usize, h: usize) -> Gradients {
    let n = w * h;
    let mut magnitude = vec![0.0; n];
    let mut orientation = vec![0.0; n];
    let at = |x: usize, y: usize| luma.get(y * w + x).copied().unwrap_or(0.0);
    for y in 0..h {
        let (up, down) = (y.saturating_sub(1), (y + 1).min(h.saturating_sub(1)));
        for x in 0..w {
            let (left, right) = (x.saturating_sub(1), (x + 1).min(w.saturating_sub(1)));
            let gx = at(right, y) - at(left, y);
            let gy = at(x, down) - at(x, up);
            let i = y * w + x;
            magnitude[i] = (gx * gx + gy * gy).sqrt();
            orientation[i] = unsigned_orientation(gx, gy);
        }
    }
    Gradients {
        magnitude,
        orientation,
    }
}

/// Direction of the vector (gx, gy) modulo 180°, in [0, 1). A polynomial arctangent (error below
/// 2e-5 of a turn, far below a bin): the same arithmetic on every target, and no libm call per pixel.
pub(crate) fn unsigned_orientation(gx: f32, gy: f32) -> f32 {
    // Opposite vectors have the same orientation: take the one in the upper half-plane.
    let (gx, gy) = if gy < 0.0 { (-gx, -gy) } else { (gx, gy) };
    let ax = gx.abs();
    if ax == 0.0 && gy == 0.0 {
        return 0.0;
    }
    let (num, den) = if ax >= gy { (gy, ax) } else { (ax, gy) };
    let z = num / den;
    let z2 = z * z;
    let atan = z
        * (0.999_866
            + z2 * (-0.330_299_5 + z2 * (0.180_141 + z2 * (-0.085_133 + z2 * 0.020_835_1))));
    let first_octant = if ax >= gy { atan } else { PI / 2.0 - atan };
    let angle = if gx < 0.0 {
        PI - first_octant
    } else {
        first_octant
    };
    (angle / PI).rem_euclid(1.0)
}

/// Orientation histograms of a cell grid over the bounding box, each pixel shared bilinearly
/// between the four nearest cells, weighted by its (noise-floored, clipped) magnitude;
/// Hellinger-normalised as a whole.
pub(crate) fn hog(g: &Gradients, m: &Mask, w: usize, out: &mut [f32]) {
    let b = m.bbox;
    let (bw, bh) = (b.width().max(1) as f32, b.height().max(1) as f32);
    for y in b.y0..b.y1 {
        let v = ((y - b.y0) as f32 + 0.5) / bh;
        let rows = bins::linear(v, HOG_ROWS);
        for x in b.x0..b.x1 {
            let i = y * w + x;
            let weight = (g.magnitude[i].min(CLIP) - NOISE).max(0.0);
            if weight == 0.0 {
                continue;
            }
            let u = ((x - b.x0) as f32 + 0.5) / bw;
            let orientation = bins::circular(g.orientation[i], HOG_BINS);
            for (row, wr) in rows {
                for (col, wc) in bins::linear(u, HOG_COLS) {
                    let base = (row * HOG_COLS + col) * HOG_BINS;
                    if let Some(cell) = out.get_mut(base..base + HOG_BINS) {
                        bins::add(cell, orientation, weight * wr * wc);
                    }
                }
            }
        }
    }
    bins::hellinger(out);
}

/// Orientation histogram of the interior: each pixel's mass is shared between its orientation (as
/// much as it is an edge) and the flat bin (the rest, at [`FLAT_SHARE`]). Stripes fill one orientation, checks two, dots all,
/// a solid fabric the flat bin.
pub(crate) fn interior_orientation(g: &Gradients, m: &Mask, out: &mut [f32]) {
    let half2 = EDGE_HALF * EDGE_HALF;
    for (i, _) in m.interior.iter().enumerate().filter(|(_, &f)| f) {
        let mag = (g.magnitude[i] - NOISE).max(0.0);
        let edge = mag * mag / (mag * mag + half2);
        if let Some(flat) = out.get_mut(ORIENTATION_BINS) {
            *flat += (1.0 - edge) * FLAT_SHARE;
        }
        bins::add(
            out,
            bins::circular(g.orientation[i], ORIENTATION_BINS),
            edge,
        );
    }
    bins::hellinger(out);
}

/// Histogram of interior edge strength on a log scale above the noise floor (flat pixels in the
/// first bin at [`FLAT_SHARE`]): how much and how contrasted the pattern is.
pub(crate) fn magnitude(g: &Gradients, m: &Mask, out: &mut [f32]) {
    let scale = 1.0 / (1.0 + MAGNITUDE_MAX / NOISE).log2();
    for (i, _) in m.interior.iter().enumerate().filter(|(_, &f)| f) {
        let mag = g.magnitude[i] - NOISE;
        if mag <= 0.0 {
            if let Some(flat) = out.first_mut() {
                *flat += FLAT_SHARE;
            }
        } else {
            let t = (1.0 + mag / NOISE).log2() * scale;
            bins::add(out, bins::linear(t, MAGNITUDE_LEN), 1.0);
        }
    }
    bins::hellinger(out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polynomial_orientation_matches_atan2_modulo_half_a_turn() {
        let mut worst = 0.0f32;
        for i in 0..3600 {
            let a = i as f32 / 3600.0 * 2.0 * PI;
            for r in [0.01f32, 1.0, 40.0] {
                let (gx, gy) = (r * a.cos(), r * a.sin());
                let want = (gy.atan2(gx) / PI).rem_euclid(1.0);
                let got = unsigned_orientation(gx, gy);
                let d = (got - want).abs();
                worst = worst.max(d.min(1.0 - d));
            }
        }
        assert!(worst < 2e-5, "{worst}");
        assert_eq!(unsigned_orientation(0.0, 0.0), 0.0);
        assert!(unsigned_orientation(-1.0, 0.0) < 1e-6);
    }
}
