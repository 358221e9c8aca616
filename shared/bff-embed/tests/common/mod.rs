//! Synthetic garment sketches for the tests: a flat garment shape on a pale sheet, filled with a
//! colour and a pattern, outlined, with seeded small variations of placement, size, colour and
//! pattern, plus encoders and similarity helpers.

#![allow(dead_code)]

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::codecs::webp::WebPEncoder;
use image::{ExtendedColorType, ImageEncoder, Rgb, RgbImage};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shape {
    /// Sleeveless, fitted bodice, flared to the hem: tall.
    ALineDress,
    /// Straight body with short sleeves: wide.
    TShirt,
    /// Waistband and two legs: tall, split.
    Trousers,
    /// Short trapezoid: wide, low.
    Skirt,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pattern {
    Solid,
    Stripes,
    Checks,
    Dots,
    Floral,
}

#[derive(Debug, Clone, Copy)]
pub struct Garment {
    pub shape: Shape,
    pub colour: [u8; 3],
    pub pattern: Pattern,
}

fn inside(shape: Shape, u: f32, v: f32) -> bool {
    if !(0.0..=1.0).contains(&v) || u.abs() > 1.0 {
        return false;
    }
    let a = u.abs();
    match shape {
        Shape::ALineDress => {
            let half = if v < 0.35 {
                0.34 + 0.06 * (v / 0.35)
            } else {
                0.4 + 0.6 * (v - 0.35) / 0.65
            };
            a <= half && !(v < 0.06 && a < 0.18)
        }
        Shape::TShirt => {
            let body = a <= 0.62;
            let sleeve = v < 0.38 && a <= 0.62 + 0.38 * (1.0 - v / 0.38).min(1.0) && v > 0.04;
            (body || sleeve) && !(v < 0.08 && a < 0.2)
        }
        Shape::Trousers => {
            if v < 0.14 {
                a <= 0.8
            } else {
                a <= 0.8 - 0.12 * v && a >= 0.04 + 0.12 * (v - 0.14)
            }
        }
        Shape::Skirt => a <= 0.55 + 0.45 * v,
    }
}

/// Height / width of the shape's box in the canvas, and its width as a share of the canvas width.
fn proportions(shape: Shape) -> (f32, f32) {
    match shape {
        Shape::ALineDress => (2.3, 0.52),
        Shape::TShirt => (0.95, 0.82),
        Shape::Trousers => (2.4, 0.5),
        Shape::Skirt => (0.8, 0.66),
    }
}

/// How much the seeded variants of a garment differ, and the sheet they are drawn on.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Largest relative change of size; placement moves by up to half of it (share of the canvas).
    pub size_jitter: f32,
    /// Largest change of each colour channel.
    pub colour_jitter: f32,
    pub sheet: [f32; 3],
    /// Largest per-pixel noise added to the sheet (paper grain).
    pub sheet_noise: f32,
}

pub const PLAIN: Style = Style {
    size_jitter: 0.08,
    colour_jitter: 10.0,
    sheet: [250.0, 249.0, 246.0],
    sheet_noise: 0.0,
};

/// Renders `garment` on a `width` × `height` sheet; `seed` varies placement (±4 % of the canvas),
/// size (±8 %), colour (±10 per channel), pattern scale (±12 %) and phase.
pub fn render(garment: Garment, width: u32, height: u32, seed: u64) -> RgbImage {
    render_with(garment, width, height, seed, &PLAIN)
}

pub fn render_with(
    garment: Garment,
    width: u32,
    height: u32,
    seed: u64,
    style: &Style,
) -> RgbImage {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let (fw, fh) = (width as f32, height as f32);
    let (aspect, share) = proportions(garment.shape);
    let j = style.size_jitter;
    let size = rng.random_range(1.0 - j..1.0 + j);
    let mut gw = share * fw * size;
    let mut gh = gw * aspect;
    if gh > 0.9 * fh {
        gw *= 0.9 * fh / gh;
        gh = 0.9 * fh;
    }
    let cx = fw / 2.0 + rng.random_range(-j / 2.0..j / 2.0) * fw;
    let top = ((fh - gh) / 2.0 + rng.random_range(-j / 2.0..j / 2.0) * fh).max(0.0);
    let cj = style.colour_jitter;
    let jitter = |c: u8, r: &mut Xoshiro256PlusPlus| {
        (f32::from(c) + r.random_range(-cj..=cj)).clamp(0.0, 255.0)
    };
    let base = [
        jitter(garment.colour[0], &mut rng),
        jitter(garment.colour[1], &mut rng),
        jitter(garment.colour[2], &mut rng),
    ];
    let unit = fw / 512.0;
    let period = rng.random_range(0.88..1.12f32) * unit;
    let (px, py) = (
        rng.random_range(0.0..40.0f32) * unit,
        rng.random_range(0.0..40.0f32) * unit,
    );
    // Flowers on a jittered grid, each drawn only into the cells it can reach.
    let petal = 14.0 * period;
    let cell = 3.0 * petal;
    let (cols, rows) = (
        (fw / cell).ceil() as usize + 1,
        (fh / cell).ceil() as usize + 1,
    );
    let flowers: Vec<(f32, f32)> = (0..cols * rows)
        .map(|i| {
            let (c, r) = ((i % cols) as f32, (i / cols) as f32);
            (
                (c + rng.random_range(0.15..0.85f32)) * cell,
                (r + rng.random_range(0.15..0.85f32)) * cell,
            )
        })
        .collect();
    let grain = style.sheet_noise;
    let mut noise = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x5eed);
    let stroke = 2.5 * unit;
    let is_in = |x: f32, y: f32| inside(garment.shape, (x - cx) / (gw / 2.0), (y - top) / gh);

    RgbImage::from_fn(width, height, |x, y| {
        let (x, y) = (x as f32 + 0.5, y as f32 + 0.5);
        if !is_in(x, y) {
            let n = if grain > 0.0 {
                noise.random_range(-grain..=grain)
            } else {
                0.0
            };
            return Rgb(style.sheet.map(|c| (c + n).clamp(0.0, 255.0) as u8));
        }
        let outline = !is_in(x - stroke, y)
            || !is_in(x + stroke, y)
            || !is_in(x, y - stroke)
            || !is_in(x, y + stroke);
        if outline {
            return Rgb([40, 36, 34]);
        }
        let (lx, ly) = (x - cx + px, y - top + py);
        let white = [245.0, 245.0, 240.0];
        let c = match garment.pattern {
            Pattern::Solid => base,
            Pattern::Stripes => {
                if (ly / (26.0 * period)).rem_euclid(1.0) < 0.45 {
                    white
                } else {
                    base
                }
            }
            Pattern::Checks => {
                let a = (lx / (36.0 * period)).rem_euclid(1.0) < 0.5;
                let b = (ly / (36.0 * period)).rem_euclid(1.0) < 0.5;
                match (a, b) {
                    (true, true) => base.map(|c| c * 0.55),
                    (false, false) => white,
                    _ => base,
                }
            }
            Pattern::Dots => {
                let p = 40.0 * period;
                let row = (ly / p).floor();
                let shift = if row.rem_euclid(2.0) == 0.0 {
                    0.0
                } else {
                    p / 2.0
                };
                let dx = (lx + shift).rem_euclid(p) - p / 2.0;
                let dy = ly.rem_euclid(p) - p / 2.0;
                if dx * dx + dy * dy < (8.0 * period).powi(2) {
                    white
                } else {
                    base
                }
            }
            Pattern::Floral => {
                let (c, r) = ((x / cell) as usize, (y / cell) as usize);
                // A petal is shorter than a cell: only the 3 × 3 cells around can reach here.
                let near = (0..9).filter_map(|k: usize| {
                    let (c, r) = ((c + k % 3).checked_sub(1)?, (r + k / 3).checked_sub(1)?);
                    (c < cols && r < rows).then(|| flowers[r * cols + c])
                });
                let mut colour = base;
                for (fx, fy) in near {
                    let (dx, dy) = (x - fx, y - fy);
                    let r2 = dx * dx + dy * dy;
                    if r2 < (4.0 * period).powi(2) {
                        colour = [240.0, 200.0, 40.0];
                        break;
                    }
                    if r2 < petal * petal {
                        // Five petals: the angle's fifth harmonic.
                        let angle = dy.atan2(dx);
                        if (5.0 * angle).cos() > -0.4 * (r2.sqrt() / petal) {
                            colour = [250.0, 250.0, 250.0];
                            break;
                        }
                    }
                }
                colour
            }
        };
        Rgb(c.map(|v| v as u8))
    })
}

/// Fast compression: the tests run unoptimised, and the bytes decode to the same pixels.
pub fn png(image: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::NoFilter)
        .write_image(
            image.as_raw(),
            image.width(),
            image.height(),
            ExtendedColorType::Rgb8,
        )
        .expect("PNG encoding");
    out
}

pub fn jpeg(image: &RgbImage, quality: u8) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    JpegEncoder::new_with_quality(&mut out, quality)
        .write_image(
            image.as_raw(),
            image.width(),
            image.height(),
            ExtendedColorType::Rgb8,
        )
        .expect("JPEG encoding");
    out.into_inner()
}

pub fn webp(image: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    WebPEncoder::new_lossless(&mut out)
        .write_image(
            image.as_raw(),
            image.width(),
            image.height(),
            ExtendedColorType::Rgb8,
        )
        .expect("WebP encoding");
    out
}

pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb: f32 = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (na * nb)
}

/// Mean, minimum and maximum cosine within groups and between groups.
#[derive(Debug, Clone, Copy)]
pub struct Separation {
    pub within_mean: f32,
    pub within_min: f32,
    pub between_mean: f32,
    pub between_max: f32,
}

pub fn separation(vectors: &[Vec<f32>], labels: &[usize]) -> Separation {
    let (mut within, mut between) = (Vec::new(), Vec::new());
    for i in 0..vectors.len() {
        for j in i + 1..vectors.len() {
            let c = cosine(&vectors[i], &vectors[j]);
            if labels[i] == labels[j] {
                within.push(c);
            } else {
                between.push(c);
            }
        }
    }
    let mean = |v: &[f32]| v.iter().sum::<f32>() / v.len().max(1) as f32;
    Separation {
        within_mean: mean(&within),
        within_min: within.iter().copied().fold(f32::INFINITY, f32::min),
        between_mean: mean(&between),
        between_max: between.iter().copied().fold(f32::NEG_INFINITY, f32::max),
    }
}

/// Adjusted Rand index of two labellings of the same items (Hubert and Arabie, 1985).
pub fn adjusted_rand_index(a: &[usize], b: &[usize]) -> f64 {
    assert_eq!(a.len(), b.len());
    let n = a.len();
    let ka = a.iter().max().map_or(0, |m| m + 1);
    let kb = b.iter().max().map_or(0, |m| m + 1);
    let mut table = vec![vec![0u64; kb]; ka];
    for (&x, &y) in a.iter().zip(b) {
        table[x][y] += 1;
    }
    let pairs = |m: u64| (m * m.saturating_sub(1)) as f64 / 2.0;
    let index: f64 = table.iter().flatten().map(|&m| pairs(m)).sum();
    let rows: f64 = table.iter().map(|r| pairs(r.iter().sum())).sum();
    let cols: f64 = (0..kb)
        .map(|j| pairs(table.iter().map(|r| r[j]).sum()))
        .sum();
    let total = pairs(n as u64);
    let expected = rows * cols / total;
    let max = (rows + cols) / 2.0;
    if (max - expected).abs() < f64::EPSILON {
        return 1.0;
    }
    (index - expected) / (max - expected)
}
