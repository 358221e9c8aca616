//! Foreground segmentation: the garment is whatever differs from the backdrop and is not connected
//! to the image border through backdrop-coloured pixels.
//!
//! Sketches and product shots sit on a plain sheet, so the backdrop colour is estimated from the
//! border (per-channel median), pixels close to it and reachable from the border are background,
//! and everything else, including pale stripes or dots enclosed by the garment, is foreground.

use crate::decode::Raster;

/// Minimum distance (RGB in [0, 1], Euclidean) from the backdrop for a pixel to count as different.
const BASE_THRESHOLD: f32 = 0.09;
/// Radius of the closing that seals outlines before the flood fill: gaps narrower than about
/// 2 × radius + 1 working pixels (JPEG ringing, pale pattern touching the outline) do not leak.
const SEAL_RADIUS: usize = 2;
/// Erosion from the silhouette to the interior whose texture is measured, so that the outline's
/// own edge does not read as pattern.
const INTERIOR_RADIUS: usize = 3;
/// Share of the foreground trimmed from each side of the bounding box (stray specks).
const BBOX_TRIM: f32 = 0.001;

/// Inclusive-exclusive bounding box in working pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BBox {
    pub x0: usize,
    pub y0: usize,
    pub x1: usize,
    pub y1: usize,
}

impl BBox {
    pub fn width(&self) -> usize {
        self.x1 - self.x0
    }
    pub fn height(&self) -> usize {
        self.y1 - self.y0
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Mask {
    /// The filled silhouette.
    pub fg: Vec<bool>,
    /// The silhouette eroded by [`INTERIOR_RADIUS`]; the whole silhouette when that leaves too little.
    pub interior: Vec<bool>,
    pub bbox: BBox,
}

pub(crate) fn segment(r: &Raster) -> Mask {
    let (w, h) = (r.width, r.height);
    let n = w * h;
    let backdrop = border_median(r);
    let dist: Vec<f32> = r.rgb.iter().map(|p| distance(p, &backdrop)).collect();
    // Noisy borders (JPEG, paper texture) raise the threshold with their own spread.
    let mut border_dist: Vec<f32> = border_indices(w, h).map(|i| dist[i]).collect();
    let spread = median(&mut border_dist);
    let threshold = (BASE_THRESHOLD + 2.0 * spread).min(0.35);

    let raw: Vec<bool> = dist.iter().map(|&d| d > threshold).collect();
    let sealed = dilate(&raw, w, h, SEAL_RADIUS);
    let background = flood_from_border(&sealed, w, h);
    let filled: Vec<bool> = background.iter().map(|&b| !b).collect();
    let mut fg = erode(&filled, w, h, SEAL_RADIUS);
    let mut fg_count = fg.iter().filter(|&&f| f).count();
    // No distinct object (a fabric swatch, a blank or full-bleed image): describe the whole frame.
    if fg_count < (n / 500).max(16).min(n) {
        fg = vec![true; n];
        fg_count = n;
    }
    let bbox = bounding_box(&fg, w, h, fg_count);
    let mut interior = erode(&fg, w, h, INTERIOR_RADIUS);
    if interior.iter().filter(|&&f| f).count() < 16 {
        interior.clone_from(&fg);
    }
    Mask { fg, interior, bbox }
}

fn distance(a: &[f32; 3], b: &[f32; 3]) -> f32 {
    let (dr, dg, db) = (a[0] - b[0], a[1] - b[1], a[2] - b[2]);
    (dr * dr + dg * dg + db * db).sqrt()
}

/// Indices of the border pixels (each once), row by row.
fn border_indices(w: usize, h: usize) -> impl Iterator<Item = usize> {
    (0..h).flat_map(move |y| {
        let inner = y > 0 && y + 1 < h && w > 1;
        // Inner rows contribute their first and last pixel, the top and bottom rows all of theirs.
        let (step, count) = if inner { (w - 1, 2) } else { (1, w) };
        (0..count).map(move |k| y * w + k * step)
    })
}

fn median(values: &mut [f32]) -> f32 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_unstable_by(f32::total_cmp);
    values[values.len() / 2]
}

fn border_median(r: &Raster) -> [f32; 3] {
    let mut out = [1.0; 3];
    for (c, o) in out.iter_mut().enumerate() {
        let mut v: Vec<f32> = border_indices(r.width, r.height)
            .map(|i| r.rgb[i][c])
            .collect();
        *o = median(&mut v);
    }
    out
}

/// Background = pixels not in `blocked` that are 4-connected to the border through such pixels.
fn flood_from_border(blocked: &[bool], w: usize, h: usize) -> Vec<bool> {
    let mut bg = vec![false; w * h];
    let mut stack: Vec<usize> = Vec::new();
    for i in border_indices(w, h) {
        if !blocked[i] && !bg[i] {
            bg[i] = true;
            stack.push(i);
        }
    }
    while let Some(i) = stack.pop() {
        let (x, y) = (i % w, i / w);
        let mut visit = |j: usize| {
            if !blocked[j] && !bg[j] {
                bg[j] = true;
                stack.push(j);
            }
        };
        if x > 0 {
            visit(i - 1);
        }
        if x + 1 < w {
            visit(i + 1);
        }
        if y > 0 {
            visit(i - w);
        }
        if y + 1 < h {
            visit(i + w);
        }
    }
    bg
}

/// Square dilation (any set pixel within `r` in both axes), separable, O(n) with running counts.
fn dilate(mask: &[bool], w: usize, h: usize, r: usize) -> Vec<bool> {
    let horizontal = horizontal_pass(mask, w, r, |count, _| count > 0);
    vertical_pass(&horizontal, w, h, r, |count, _| count > 0)
}

/// Square erosion (every pixel within `r`, clipped to the image, is set): the image edge does not
/// eat into a garment that touches it.
fn erode(mask: &[bool], w: usize, h: usize, r: usize) -> Vec<bool> {
    let horizontal = horizontal_pass(mask, w, r, |count, len| count == len);
    vertical_pass(&horizontal, w, h, r, |count, len| count == len)
}

/// For every pixel, counts the set pixels within `r` on its row (clipped to the image) and keeps
/// the pixel when `keep(count, window length)`.
fn horizontal_pass(
    mask: &[bool],
    w: usize,
    r: usize,
    keep: impl Fn(usize, usize) -> bool,
) -> Vec<bool> {
    let mut out = vec![false; mask.len()];
    let mut prefix = vec![0usize; w + 1];
    for (line, out_line) in mask
        .chunks_exact(w.max(1))
        .zip(out.chunks_exact_mut(w.max(1)))
    {
        for (k, &m) in line.iter().enumerate() {
            prefix[k + 1] = prefix[k] + usize::from(m);
        }
        for (k, o) in out_line.iter_mut().enumerate() {
            let lo = k.saturating_sub(r);
            let hi = (k + r + 1).min(w);
            *o = keep(prefix[hi] - prefix[lo], hi - lo);
        }
    }
    out
}

/// As [`horizontal_pass`] along columns, row by row with a running count per column (sequential
/// memory access).
fn vertical_pass(
    mask: &[bool],
    w: usize,
    h: usize,
    r: usize,
    keep: impl Fn(usize, usize) -> bool,
) -> Vec<bool> {
    let mut out = vec![false; mask.len()];
    let mut counts = vec![0usize; w];
    let row = |y: usize| mask.get(y * w..(y + 1) * w).unwrap_or(&[]);
    // Rows 0..=r-1 are in the window of row 0 before the loop adds row r.
    for y in 0..r.min(h) {
        for (c, &m) in counts.iter_mut().zip(row(y)) {
            *c += usize::from(m);
        }
    }
    for y in 0..h {
        if y + r < h {
            for (c, &m) in counts.iter_mut().zip(row(y + r)) {
                *c += usize::from(m);
            }
        }
        if y > r {
            for (c, &m) in counts.iter_mut().zip(row(y - r - 1)) {
                *c -= usize::from(m);
            }
        }
        let len = (y + r + 1).min(h) - y.saturating_sub(r);
        if let Some(out_line) = out.get_mut(y * w..(y + 1) * w) {
            for (o, &c) in out_line.iter_mut().zip(&counts) {
                *o = keep(c, len);
            }
        }
    }
    out
}

/// Bounding box of the foreground after trimming [`BBOX_TRIM`] of its pixels from each side.
fn bounding_box(fg: &[bool], w: usize, h: usize, count: usize) -> BBox {
    let mut rows = vec![0usize; h];
    let mut cols = vec![0usize; w];
    for (line, row) in fg.chunks_exact(w.max(1)).zip(rows.iter_mut()) {
        for (&f, col) in line.iter().zip(cols.iter_mut()) {
            *row += usize::from(f);
            *col += usize::from(f);
        }
    }
    let trim = (count as f32 * BBOX_TRIM) as usize;
    let (y0, y1) = trimmed_range(&rows, trim);
    let (x0, x1) = trimmed_range(&cols, trim);
    BBox { x0, y0, x1, y1 }
}

/// Smallest index range holding all but `trim` of the mass at each end; never empty.
fn trimmed_range(mass: &[usize], trim: usize) -> (usize, usize) {
    let mut seen = 0;
    let mut lo = 0;
    for (i, &m) in mass.iter().enumerate() {
        seen += m;
        if seen > trim {
            lo = i;
            break;
        }
    }
    let mut seen = 0;
    let mut hi = mass.len();
    for (i, &m) in mass.iter().enumerate().rev() {
        seen += m;
        if seen > trim {
            hi = i + 1;
            break;
        }
    }
    if hi <= lo {
        (0, mass.len().max(1))
    } else {
        (lo, hi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raster(w: usize, h: usize, f: impl Fn(usize, usize) -> [f32; 3]) -> Raster {
        let rgb = (0..w * h).map(|i| f(i % w, i / w)).collect();
        Raster {
            width: w,
            height: h,
            rgb,
        }
    }

    #[test]
    fn a_rectangle_on_white_is_the_foreground_with_its_pale_stripes() {
        // Red rectangle with white stripes enclosed by a red frame.
        let r = raster(40, 60, |x, y| {
            let inside = (10..30).contains(&x) && (10..50).contains(&y);
            let frame = x == 10 || x == 29 || y == 10 || y == 49;
            if inside && (frame || y % 4 < 2) {
                [0.9, 0.1, 0.1]
            } else {
                [1.0; 3]
            }
        });
        let m = segment(&r);
        assert_eq!(
            m.bbox,
            BBox {
                x0: 10,
                y0: 10,
                x1: 30,
                y1: 50
            }
        );
        assert_eq!(m.fg.iter().filter(|&&f| f).count(), 20 * 40);
        assert!(m.interior[25 * 40 + 20] && !m.interior[11 * 40 + 11]);
    }

    #[test]
    fn running_windows_match_a_direct_count() {
        let (w, h) = (9, 11);
        let mask: Vec<bool> = (0..w * h).map(|i| (i * 7919) % 5 < 2).collect();
        for r in 0..4 {
            let direct = |all: bool| -> Vec<bool> {
                (0..w * h)
                    .map(|i| {
                        let (x, y) = ((i % w) as isize, (i / w) as isize);
                        let r = r as isize;
                        let mut window = (-r..=r).flat_map(|dy| (-r..=r).map(move |dx| (dx, dy)));
                        let inside = |(dx, dy): (isize, isize)| {
                            let (x, y) = (x + dx, y + dy);
                            (x >= 0 && y >= 0 && x < w as isize && y < h as isize)
                                .then(|| mask[y as usize * w + x as usize])
                        };
                        if all {
                            window.all(|d| inside(d).unwrap_or(true))
                        } else {
                            window.any(|d| inside(d).unwrap_or(false))
                        }
                    })
                    .collect()
            };
            assert_eq!(erode(&mask, w, h, r), direct(true), "erode r = {r}");
            assert_eq!(dilate(&mask, w, h, r), direct(false), "dilate r = {r}");
        }
    }

    #[test]
    fn border_indices_visit_each_border_pixel_once() {
        for (w, h) in [(1, 1), (1, 5), (5, 1), (2, 2), (4, 3), (7, 9)] {
            let got: Vec<usize> = border_indices(w, h).collect();
            let want: Vec<usize> = (0..w * h)
                .filter(|i| {
                    let (x, y) = (i % w, i / w);
                    x == 0 || y == 0 || x + 1 == w || y + 1 == h
                })
                .collect();
            assert_eq!(got, want, "{w}×{h}");
        }
    }

    #[test]
    fn a_blank_or_tiny_image_is_all_foreground() {
        let m = segment(&raster(30, 30, |_, _| [0.5; 3]));
        assert!(m.fg.iter().all(|&f| f));
        assert_eq!(m.bbox.width(), 30);
        let m = segment(&raster(1, 1, |_, _| [0.0; 3]));
        assert_eq!((m.fg, m.bbox.width(), m.bbox.height()), (vec![true], 1, 1));
    }
}
