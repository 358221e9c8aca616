//! Silhouette blocks: the garment's width band by band from top to bottom (neckline, sleeves,
//! waist, hem), its height column band by column band, and its overall proportions.

use crate::bins;
use crate::mask::Mask;

pub(crate) const ROW_BANDS: usize = 24;
/// Per row band: coverage, span and gap (see [`rows`]).
pub(crate) const ROWS_LEN: usize = 3 * ROW_BANDS;
pub(crate) const COLUMN_BANDS: usize = 16;
pub(crate) const COLUMNS_LEN: usize = COLUMN_BANDS;

const ASPECT_BINS: usize = 8;
const EXTENT_BINS: usize = 6;
/// Aspect (height / width of the bounding box), both extents, solidity and vertical centroid,
/// each as a soft histogram.
pub(crate) const PROPORTIONS_LEN: usize = ASPECT_BINS + 4 * EXTENT_BINS;
/// log2 of the aspect ratios at the ends of the aspect histogram (1:2.8 wide to 5.7:1 tall).
const LOG2_ASPECT_RANGE: (f32, f32) = (-1.5, 2.5);

/// For each row band of the bounding box, averaged over its rows: the garment's coverage (share of
/// the box width it fills), its span (from its leftmost to its rightmost pixel) and the gap between
/// the two (the space between sleeves and body or between trouser legs). Coverage and span are
/// centred on ½ and all three scaled to [-1, 1], then the block is divided by √len: its norm is at
/// most 1 and is not raised, so a profile near ½ stays small instead of amplifying noise.
pub(crate) fn rows(fg: &[bool], w: usize, m: &Mask, out: &mut [f32]) {
    let b = m.bbox;
    let bw = b.width().max(1) as f32;
    let per_row: Vec<[f32; 3]> = (b.y0..b.y1)
        .map(|y| {
            let line = fg.get(y * w + b.x0..y * w + b.x1).unwrap_or(&[]);
            let count = line.iter().filter(|&&f| f).count();
            let first = line.iter().position(|&f| f);
            let last = line.iter().rposition(|&f| f);
            let span = match (first, last) {
                (Some(a), Some(z)) => (z - a + 1) as f32,
                _ => 0.0,
            };
            let coverage = count as f32 / bw;
            let span = span / bw;
            [coverage, span, span - coverage]
        })
        .collect();
    for (band, cell) in out.chunks_exact_mut(3).enumerate().take(ROW_BANDS) {
        let mean = band_mean(&per_row, band, ROW_BANDS);
        cell[0] = 2.0 * mean[0] - 1.0;
        cell[1] = 2.0 * mean[1] - 1.0;
        cell[2] = (2.0 * mean[2]).min(1.0);
    }
    scale(out);
}

/// For each column band of the bounding box, the share of the box height the garment fills,
/// centred and scaled as [`rows`].
pub(crate) fn columns(fg: &[bool], w: usize, m: &Mask, out: &mut [f32]) {
    let b = m.bbox;
    let bh = b.height().max(1) as f32;
    let mut per_col = vec![[0.0f32; 3]; b.width()];
    for y in b.y0..b.y1 {
        let line = fg.get(y * w + b.x0..y * w + b.x1).unwrap_or(&[]);
        for (c, &f) in per_col.iter_mut().zip(line) {
            c[0] += f32::from(u8::from(f)) / bh;
        }
    }
    for (band, v) in out.iter_mut().enumerate().take(COLUMN_BANDS) {
        *v = 2.0 * band_mean(&per_col, band, COLUMN_BANDS)[0] - 1.0;
    }
    scale(out);
}

/// Mean of the lines that fall in `band` of `bands` (the nearest line when the box has fewer lines
/// than bands).
fn band_mean(lines: &[[f32; 3]], band: usize, bands: usize) -> [f32; 3] {
    let n = lines.len();
    if n == 0 {
        return [0.0; 3];
    }
    let lo = (band * n / bands).min(n - 1);
    let hi = ((band + 1) * n / bands).clamp(lo + 1, n);
    let mut mean = [0.0; 3];
    for line in &lines[lo..hi] {
        for (m, v) in mean.iter_mut().zip(line) {
            *m += v;
        }
    }
    mean.map(|m| m / (hi - lo) as f32)
}

fn scale(block: &mut [f32]) {
    let k = 1.0 / (block.len().max(1) as f32).sqrt();
    for v in block.iter_mut() {
        *v = v.clamp(-1.0, 1.0) * k;
    }
}

/// Proportions as soft histograms (so that cosine similarity compares them bin by bin):
/// aspect ratio of the bounding box on a log scale, its height and width as shares of the image's
/// (garment length when the framing is fixed), solidity (share of the box the garment fills) and
/// the height of the garment's centroid in the box (top-heavy sleeves or bottom-heavy skirts).
/// Hellinger-normalised.
pub(crate) fn proportions(fg: &[bool], w: usize, h: usize, m: &Mask, out: &mut [f32]) {
    let b = m.bbox;
    let (bw, bh) = (b.width().max(1) as f32, b.height().max(1) as f32);
    let (mut inside, mut ysum) = (0usize, 0.0f32);
    for y in b.y0..b.y1 {
        let line = fg.get(y * w + b.x0..y * w + b.x1).unwrap_or(&[]);
        let count = line.iter().filter(|&&f| f).count();
        inside += count;
        ysum += count as f32 * ((y - b.y0) as f32 + 0.5);
    }
    let (lo, hi) = LOG2_ASPECT_RANGE;
    let aspect = ((bh / bw).log2() - lo) / (hi - lo);
    let solidity = inside as f32 / (bw * bh);
    let centroid = if inside > 0 {
        ysum / inside as f32 / bh
    } else {
        0.5
    };
    let (aspect_part, rest) = out.split_at_mut(ASPECT_BINS.min(out.len()));
    bins::add(aspect_part, bins::linear(aspect, ASPECT_BINS), 1.0);
    let features = [
        bh / h.max(1) as f32,
        bw / w.max(1) as f32,
        solidity,
        // Centroids of garments lie in the middle half of their box.
        (centroid - 0.25) * 2.0,
    ];
    for (part, t) in rest.chunks_exact_mut(EXTENT_BINS).zip(features) {
        bins::add(part, bins::linear(t, EXTENT_BINS), 1.0);
    }
    bins::hellinger(out);
}
