//! Colour blocks: a joint hue × saturation × value histogram of the garment, and a coarse grid of
//! its colours over its bounding box.

use crate::bins;
use crate::decode::Raster;
use crate::mask::Mask;

pub(crate) const HUES: usize = 12;
pub(crate) const SATURATIONS: usize = 3;
pub(crate) const VALUES: usize = 3;
pub(crate) const GREYS: usize = 12;
/// 12 hues × 3 saturations × 3 values, then 12 grey levels.
pub(crate) const HISTOGRAM_LEN: usize = HUES * SATURATIONS * VALUES + GREYS;

pub(crate) const LAYOUT_COLS: usize = 4;
pub(crate) const LAYOUT_ROWS: usize = 6;
/// Red, green, blue and darkness (1 − max channel), so that black cells are not the zero vector.
pub(crate) const LAYOUT_CHANNELS: usize = 4;
pub(crate) const LAYOUT_LEN: usize = LAYOUT_COLS * LAYOUT_ROWS * LAYOUT_CHANNELS;

/// Chroma (max − min channel) below which a pixel is grey, and above which it is fully chromatic;
/// between the two its mass is shared, so near-greys do not jump between hue bins.
const GREY_CHROMA: f32 = 0.08;
const FULL_CHROMA: f32 = 0.2;

/// Width of the hue kernel in bins (standard deviation ≈ 26°): a sketch's "red" varies by a few
/// degrees between renderings, and red, orange and yellow should still differ.
const HUE_KERNEL: f32 = 1.25;

pub(crate) fn luma(p: &[f32; 3]) -> f32 {
    0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2]
}

/// Bits per channel of the colour table that groups the garment's pixels before binning: a
/// garment has few distinct colours, so the smooth kernels run per colour, not per pixel.
const TABLE_BITS: u32 = 4;

/// Colour histogram over the foreground, Hellinger-normalised.
pub(crate) fn histogram(r: &Raster, m: &Mask, out: &mut [f32]) {
    let levels = 1usize << TABLE_BITS;
    // Per cell of the table: summed red, green, blue and the pixel count.
    let mut table = vec![[0.0f32; 4]; levels * levels * levels];
    let quantise = |v: f32| ((v * levels as f32) as usize).min(levels - 1);
    for (p, _) in r.rgb.iter().zip(&m.fg).filter(|(_, &f)| f) {
        let cell = (quantise(p[0]) * levels + quantise(p[1])) * levels + quantise(p[2]);
        if let Some(c) = table.get_mut(cell) {
            c[0] += p[0];
            c[1] += p[1];
            c[2] += p[2];
            c[3] += 1.0;
        }
    }
    for c in table.iter().filter(|c| c[3] > 0.0) {
        let mean = [c[0] / c[3], c[1] / c[3], c[2] / c[3]];
        add_colour(&mean, c[3], out);
    }
    bins::hellinger(out);
}

/// Spreads `mass` of colour `p` over the histogram with smooth kernels along hue, saturation,
/// value and grey level.
fn add_colour(p: &[f32; 3], mass: f32, out: &mut [f32]) {
    let chromatic = HUES * SATURATIONS * VALUES;
    let max = p[0].max(p[1]).max(p[2]);
    let min = p[0].min(p[1]).min(p[2]);
    let chroma = max - min;
    let wc = ((chroma - GREY_CHROMA) / (FULL_CHROMA - GREY_CHROMA)).clamp(0.0, 1.0);
    if wc < 1.0 {
        if let Some(greys) = out.get_mut(chromatic..) {
            bins::add(
                greys,
                bins::spline(luma(p), GREYS, false, 1.0),
                mass * (1.0 - wc),
            );
        }
    }
    if wc > 0.0 {
        let hue = hue(p, max, chroma);
        let sat = if max > 0.0 { chroma / max } else { 0.0 };
        let mut sats = [0.0f32; SATURATIONS];
        bins::add(&mut sats, bins::spline(sat, SATURATIONS, false, 1.0), 1.0);
        let mut values = [0.0f32; VALUES];
        bins::add(&mut values, bins::spline(max, VALUES, false, 1.0), 1.0);
        for (h, wh) in bins::spline(hue, HUES, true, HUE_KERNEL) {
            for (s, ws) in sats.iter().enumerate() {
                let base = (h * SATURATIONS + s) * VALUES;
                if let Some(cell) = out.get_mut(base..base + VALUES) {
                    for (o, wv) in cell.iter_mut().zip(&values) {
                        *o += mass * wc * wh * ws * wv;
                    }
                }
            }
        }
    }
}

/// Hue in [0, 1) (red 0, green ⅓, blue ⅔) of a pixel with the given max and chroma > 0.
fn hue(p: &[f32; 3], max: f32, chroma: f32) -> f32 {
    if chroma <= 0.0 {
        return 0.0;
    }
    let h = if max == p[0] {
        ((p[1] - p[2]) / chroma).rem_euclid(6.0)
    } else if max == p[1] {
        (p[2] - p[0]) / chroma + 2.0
    } else {
        (p[0] - p[1]) / chroma + 4.0
    };
    (h / 6.0).rem_euclid(1.0)
}

/// Sum of the foreground colours of each grid cell over the bounding box, divided by the cell
/// area (so a half-empty cell counts half), then L2-normalised.
pub(crate) fn layout(r: &Raster, m: &Mask, out: &mut [f32]) {
    let b = m.bbox;
    let (bw, bh) = (b.width().max(1), b.height().max(1));
    for y in b.y0..b.y1 {
        let cy = ((y - b.y0) * LAYOUT_ROWS / bh).min(LAYOUT_ROWS - 1);
        for x in b.x0..b.x1 {
            let i = y * r.width + x;
            if !m.fg[i] {
                continue;
            }
            let cx = ((x - b.x0) * LAYOUT_COLS / bw).min(LAYOUT_COLS - 1);
            let p = &r.rgb[i];
            let dark = 1.0 - p[0].max(p[1]).max(p[2]);
            let base = (cy * LAYOUT_COLS + cx) * LAYOUT_CHANNELS;
            if let Some(cell) = out.get_mut(base..base + LAYOUT_CHANNELS) {
                cell[0] += p[0];
                cell[1] += p[1];
                cell[2] += p[2];
                cell[3] += dark;
            }
        }
    }
    let area = (bw * bh) as f32 / (LAYOUT_COLS * LAYOUT_ROWS) as f32;
    for v in out.iter_mut() {
        *v /= area;
    }
    bins::unit(out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hues_of_primaries() {
        let h = |p: [f32; 3]| {
            let max = p[0].max(p[1]).max(p[2]);
            let min = p[0].min(p[1]).min(p[2]);
            hue(&p, max, max - min)
        };
        assert!(h([1.0, 0.0, 0.0]).abs() < 1e-6);
        assert!((h([0.0, 1.0, 0.0]) - 1.0 / 3.0).abs() < 1e-6);
        assert!((h([0.0, 0.0, 1.0]) - 2.0 / 3.0).abs() < 1e-6);
        assert!((h([1.0, 0.0, 0.5]) - 11.0 / 12.0).abs() < 1e-6);
    }
}
