//! Print and weave patterns, generated over a rectangle of the reference frame and clipped to
//! each fabric piece by the painter.
//!
//! Placement is tied to the frame, not to the piece: every motif cell takes its own RNG from a
//! hash of the seed and the cell index, so a print lines up across the bodice and the sleeves,
//! and the seed moves motifs and stripe phases without changing the pattern.

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use tiny_skia::{Path, PathBuilder, Rect, Transform};

use crate::design::Colours;
use crate::geom::{p, Run, P};
use crate::palette::Rgb;
use crate::vocabulary::Pattern;

/// Filled (or, with `stroke`, stroked) marks of one colour.
#[derive(Debug, Clone)]
pub(crate) struct Mark {
    pub path: Path,
    pub colour: Rgb,
    pub alpha: f32,
    pub stroke: Option<f32>,
}

/// SplitMix64 finaliser: decorrelates seeds and cell indices.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The RNG of one motif cell.
pub(crate) fn cell_rng(seed: u64, salt: u64, i: i64, j: i64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(mix(seed ^ mix(salt ^ mix(i as u64 ^ mix(j as u64)))))
}

/// A seeded offset in `[0, period)`.
pub(crate) fn phase(seed: u64, salt: u64, period: f32) -> f32 {
    (mix(seed ^ salt) % 10_000) as f32 / 10_000.0 * period
}

/// Indices of the cells of size `step` (offset by `phase`) that cover `lo..hi`, with a margin.
pub(crate) fn cells(lo: f32, hi: f32, step: f32, phase: f32) -> std::ops::RangeInclusive<i64> {
    let first = ((lo - phase) / step).floor() as i64 - 1;
    let last = ((hi - phase) / step).ceil() as i64 + 1;
    first..=last
}

/// Shapes per path: rasterising sorts a path's edges, so many moderate paths are cheaper than
/// one huge one.
const SHAPES_PER_PATH: usize = 200;

/// Collects shapes of one colour into a few paths.
pub(crate) struct Brush {
    pb: PathBuilder,
    shapes: usize,
    done: Vec<Path>,
    colour: Rgb,
    alpha: f32,
    stroke: Option<f32>,
}

impl Brush {
    pub(crate) fn fill(colour: Rgb, alpha: f32) -> Self {
        Self {
            pb: PathBuilder::new(),
            shapes: 0,
            done: Vec::new(),
            colour,
            alpha,
            stroke: None,
        }
    }

    /// Counts a shape, starting a new path when the current one is full.
    fn count(&mut self) {
        self.shapes += 1;
        if self.shapes >= SHAPES_PER_PATH {
            let full = std::mem::take(&mut self.pb);
            if let Some(path) = full.finish() {
                self.done.push(path);
            }
            self.shapes = 0;
        }
    }

    pub(crate) fn stroke(colour: Rgb, alpha: f32, width: f32) -> Self {
        Self {
            stroke: Some(width),
            ..Self::fill(colour, alpha)
        }
    }

    pub(crate) fn rect(&mut self, x: f32, y: f32, w: f32, h: f32) {
        if let Some(r) = Rect::from_xywh(x, y, w, h) {
            self.pb.push_rect(r);
            self.count();
        }
    }

    pub(crate) fn circle(&mut self, at: P, r: f32) {
        self.pb.push_circle(at.x, at.y, r);
        self.count();
    }

    pub(crate) fn seg(&mut self, a: P, b: P) {
        self.pb.move_to(a.x, a.y);
        self.pb.line_to(b.x, b.y);
        self.count();
    }

    pub(crate) fn path(&mut self, path: Option<Path>) {
        if let Some(path) = path {
            self.pb.push_path(&path);
            self.count();
        }
    }

    pub(crate) fn run(&mut self, run: &Run, closed: bool) {
        let path = if closed {
            run.closed_path()
        } else {
            run.open_path()
        };
        self.path(path);
    }

    pub(crate) fn finish(mut self, out: &mut Vec<Mark>) {
        if let Some(path) = self.pb.finish() {
            self.done.push(path);
        }
        for path in self.done {
            out.push(Mark {
                path,
                colour: self.colour,
                alpha: self.alpha,
                stroke: self.stroke,
            });
        }
    }
}

/// A transform placing a motif drawn around the origin at `at`, rotated and scaled.
fn place(at: P, angle: f32, scale: f32) -> Transform {
    let (s, c) = angle.sin_cos();
    Transform::from_row(c * scale, s * scale, -s * scale, c * scale, at.x, at.y)
}

/// A closed smooth blob through points at the given radii around `at`.
fn blob(at: P, radii: &[f32], turn: f32) -> Run {
    let n = radii.len().max(3);
    let point = |i: usize| {
        let a = turn + i as f32 / n as f32 * std::f32::consts::TAU;
        let r = radii.get(i % radii.len()).copied().unwrap_or(1.0);
        at + p(a.cos() * r, a.sin() * r)
    };
    let mut run = Run::new(point(0));
    // Closed Catmull-Rom: wrap the neighbours around.
    for i in 0..n {
        let (p0, p1, p2, p3) = (point(i + n - 1), point(i), point(i + 1), point(i + 2));
        run.cubic(
            p1 + (p2 - p0) * (1.0 / 6.0),
            p2 - (p3 - p1) * (1.0 / 6.0),
            p2,
        );
    }
    run
}

/// Whether a motif at a point, with a radius, would touch any fabric; motifs that would not are
/// skipped (their cells draw their own random numbers, so skipping changes no other motif).
pub(crate) type Near<'a> = &'a dyn Fn(P, f32) -> bool;

/// The marks of `pattern` over `area` (reference frame); empty for a solid.
pub(crate) fn marks(pattern: Pattern, c: &Colours, area: Rect, seed: u64, near: Near) -> Vec<Mark> {
    let mut out = Vec::new();
    let motif = c.motif();
    let accent = c.accent();
    // Alternating motifs use the third colour only when the brief gives one.
    let alternate = c.third.unwrap_or(motif);
    let (l, t, r, b) = (area.left(), area.top(), area.right(), area.bottom());
    let (w, h) = (r - l, b - t);
    match pattern {
        Pattern::Solid => {}
        Pattern::Stripes => {
            let period = 30.0;
            let ph = phase(seed, 1, period);
            let mut a = Brush::fill(motif, 1.0);
            let mut z = Brush::fill(alternate, 1.0);
            for j in cells(t, b, period, ph) {
                let y = ph + j as f32 * period;
                let brush = if j % 2 == 0 { &mut a } else { &mut z };
                brush.rect(l - 2.0, y, w + 4.0, 13.0);
            }
            a.finish(&mut out);
            z.finish(&mut out);
        }
        Pattern::Pinstripe => {
            let period = 13.0;
            let ph = phase(seed, 2, period);
            let mut a = Brush::fill(motif, 0.95);
            let mut z = Brush::fill(alternate, 0.95);
            for i in cells(l, r, period, ph) {
                let x = ph + i as f32 * period;
                let brush = if i.rem_euclid(4) == 0 { &mut z } else { &mut a };
                brush.rect(x, t - 2.0, 1.6, h + 4.0);
            }
            a.finish(&mut out);
            z.finish(&mut out);
        }
        Pattern::Checks | Pattern::Gingham => {
            let (band, period, alpha) = if pattern == Pattern::Checks {
                (24.0, 48.0, 0.55)
            } else {
                (7.0, 14.0, 0.45)
            };
            let ph = phase(seed, 3, period);
            let mut v = Brush::fill(motif, alpha);
            let mut hz = Brush::fill(motif, alpha);
            for i in cells(l, r, period, ph) {
                v.rect(ph + i as f32 * period, t - 2.0, band, h + 4.0);
            }
            for j in cells(t, b, period, ph) {
                hz.rect(l - 2.0, ph + j as f32 * period, w + 4.0, band);
            }
            v.finish(&mut out);
            hz.finish(&mut out);
            if let Some(third) = c.third {
                let mut lines = Brush::fill(third, 0.9);
                for i in cells(l, r, period, ph) {
                    lines.rect(
                        ph + i as f32 * period + band + (period - band) * 0.5 - 0.8,
                        t - 2.0,
                        1.6,
                        h + 4.0,
                    );
                }
                for j in cells(t, b, period, ph) {
                    lines.rect(
                        l - 2.0,
                        ph + j as f32 * period + band + (period - band) * 0.5 - 0.8,
                        w + 4.0,
                        1.6,
                    );
                }
                lines.finish(&mut out);
            }
        }
        Pattern::Plaid => {
            let period = 84.0;
            let ph = phase(seed, 4, period);
            let sett: [(f32, f32, Rgb, f32); 5] = [
                (0.0, 26.0, motif, 0.45),
                (34.0, 4.0, accent, 0.8),
                (46.0, 12.0, motif, 0.3),
                (66.0, 2.0, Rgb(255, 255, 255), 0.55),
                (74.0, 2.0, accent, 0.65),
            ];
            for (offset, width, colour, alpha) in sett {
                let mut brush = Brush::fill(colour, alpha);
                for i in cells(l, r, period, ph) {
                    brush.rect(ph + i as f32 * period + offset, t - 2.0, width, h + 4.0);
                }
                for j in cells(t, b, period, ph) {
                    brush.rect(l - 2.0, ph + j as f32 * period + offset, w + 4.0, width);
                }
                brush.finish(&mut out);
            }
        }
        Pattern::Houndstooth => {
            // A 2/2 twill woven with four dark and four light threads each way.
            let cell = 2.6;
            let ph = phase(seed, 5, cell * 8.0);
            let mut brush = Brush::fill(motif, 1.0);
            for row in cells(t, b, cell, ph) {
                let y = ph + row as f32 * cell;
                let weft_dark = row.rem_euclid(8) < 4;
                let mut run_start: Option<i64> = None;
                let cols = cells(l, r, cell, ph);
                let last = *cols.end();
                for col in cols {
                    let warp_dark = col.rem_euclid(8) < 4;
                    let warp_on_top = (col - row).rem_euclid(4) < 2;
                    let dark = if warp_on_top { warp_dark } else { weft_dark };
                    match (dark, run_start) {
                        (true, None) => run_start = Some(col),
                        (false, Some(s)) => {
                            brush.rect(ph + s as f32 * cell, y, (col - s) as f32 * cell, cell);
                            run_start = None;
                        }
                        _ => {}
                    }
                    if col == last {
                        if let Some(s) = run_start.take() {
                            brush.rect(ph + s as f32 * cell, y, (col + 1 - s) as f32 * cell, cell);
                        }
                    }
                }
            }
            brush.finish(&mut out);
        }
        Pattern::PolkaDots => {
            let step = 26.0;
            let row_h = step * 0.866;
            let ph = phase(seed, 6, step);
            let mut a = Brush::fill(motif, 1.0);
            let mut z = Brush::fill(alternate, 1.0);
            for j in cells(t, b, row_h, ph) {
                let y = ph + j as f32 * row_h;
                let shift = if j.rem_euclid(2) == 1 {
                    step * 0.5
                } else {
                    0.0
                };
                for i in cells(l, r, step, ph + shift) {
                    let x = ph + shift + i as f32 * step;
                    if !near(p(x, y), 6.0) {
                        continue;
                    }
                    let brush = if (i + j).rem_euclid(2) == 0 {
                        &mut a
                    } else {
                        &mut z
                    };
                    brush.circle(p(x, y), 5.5);
                }
            }
            a.finish(&mut out);
            z.finish(&mut out);
        }
        Pattern::Floral => floral(&mut out, c, area, seed, near),
        Pattern::Abstract => {
            let step = 78.0;
            let mut a = Brush::fill(motif, 0.9);
            let mut z = Brush::fill(accent, 0.85);
            let mut strokes = Brush::stroke(accent, 0.9, 4.5);
            for j in cells(t, b, step, 0.0) {
                for i in cells(l, r, step, 0.0) {
                    let mut rng = cell_rng(seed, 7, i, j);
                    let at = p(
                        i as f32 * step + rng.random_range(8.0..step - 8.0),
                        j as f32 * step + rng.random_range(8.0..step - 8.0),
                    );
                    if !near(at, 70.0) {
                        continue;
                    }
                    let radii: Vec<f32> = (0..6).map(|_| rng.random_range(9.0..24.0)).collect();
                    let brush = if rng.random::<bool>() { &mut a } else { &mut z };
                    brush.run(&blob(at, &radii, rng.random_range(0.0..3.0)), true);
                    let s = at + p(rng.random_range(-40.0..0.0), rng.random_range(10.0..40.0));
                    let mut curve = Run::new(s);
                    curve.cubic(
                        s + p(rng.random_range(0.0..30.0), rng.random_range(-30.0..0.0)),
                        s + p(rng.random_range(20.0..50.0), rng.random_range(0.0..30.0)),
                        s + p(rng.random_range(40.0..70.0), rng.random_range(-20.0..20.0)),
                    );
                    strokes.run(&curve, false);
                }
            }
            a.finish(&mut out);
            z.finish(&mut out);
            strokes.finish(&mut out);
        }
        Pattern::Geometric => {
            let (sx, sy) = (36.0, 26.0);
            let ph = phase(seed, 8, sx);
            let mut a = Brush::fill(motif, 1.0);
            let mut z = Brush::fill(accent, 1.0);
            for j in cells(t, b, sy, ph) {
                let y = ph + j as f32 * sy;
                let shift = if j.rem_euclid(2) == 1 { sx * 0.5 } else { 0.0 };
                for i in cells(l, r, sx, ph + shift) {
                    let x = ph + shift + i as f32 * sx;
                    if !near(p(x, y), 20.0) {
                        continue;
                    }
                    let mut d = Run::new(p(x, y - 11.0));
                    d.line(p(x + 9.0, y))
                        .line(p(x, y + 11.0))
                        .line(p(x - 9.0, y));
                    a.run(&d, true);
                    let tx = x + sx * 0.5;
                    let mut tri = Run::new(p(tx, y - 5.0));
                    tri.line(p(tx + 5.0, y + 4.0)).line(p(tx - 5.0, y + 4.0));
                    z.run(&tri, true);
                }
            }
            a.finish(&mut out);
            z.finish(&mut out);
        }
        Pattern::AnimalPrint => {
            // Leopard rosettes: broken dark rings round a deeper centre.
            let dark = c.second.unwrap_or_else(|| c.main.darker(0.62));
            let centre = c.third.unwrap_or_else(|| c.main.mix(dark, 0.35));
            let step = 38.0;
            let mut rings = Brush::fill(dark, 1.0);
            let mut spots = Brush::fill(dark, 1.0);
            let mut middles = Brush::fill(centre, 0.9);
            for j in cells(t, b, step, 0.0) {
                for i in cells(l, r, step, 0.0) {
                    let mut rng = cell_rng(seed, 9, i, j);
                    let at = p(
                        i as f32 * step + rng.random_range(6.0..step - 6.0),
                        j as f32 * step + rng.random_range(6.0..step - 6.0),
                    );
                    if !near(at, step) {
                        continue;
                    }
                    let radius = rng.random_range(8.0..12.0);
                    let radii: Vec<f32> = (0..5)
                        .map(|_| radius * rng.random_range(0.55..0.8))
                        .collect();
                    middles.run(&blob(at, &radii, rng.random_range(0.0..3.0)), true);
                    let arcs = rng.random_range(3..5);
                    let start = rng.random_range(0.0..std::f32::consts::TAU);
                    // Each broken ring is filled bands (an outer and an inner arc), cheaper to
                    // rasterise than stroked arcs.
                    for k in 0..arcs {
                        let a0 = start + k as f32 * std::f32::consts::TAU / arcs as f32;
                        let a1 = a0 + std::f32::consts::TAU / arcs as f32 * 0.62;
                        let radii: Vec<f32> = (0..=4)
                            .map(|_| radius * rng.random_range(0.92..1.1))
                            .collect();
                        let point = |s: usize, r: f32| {
                            let a = a0 + (a1 - a0) * s as f32 / 4.0;
                            at + p(a.cos(), a.sin()) * r
                        };
                        let mut band = Run::new(point(0, radii[0] + 1.9));
                        for (s, r) in radii.iter().enumerate().skip(1) {
                            band.line(point(s, r + 1.9));
                        }
                        for (s, r) in radii.iter().enumerate().rev() {
                            band.line(point(s, r - 1.9));
                        }
                        rings.run(&band, true);
                    }
                    let spot = at + p(step * 0.5, rng.random_range(-step * 0.4..step * 0.4));
                    spots.circle(spot, rng.random_range(1.5..3.0));
                }
            }
            middles.finish(&mut out);
            rings.finish(&mut out);
            spots.finish(&mut out);
        }
        Pattern::Paisley => paisley(&mut out, c, area, seed, near),
        Pattern::TieDye => {
            let mut rng = cell_rng(seed, 10, 0, 0);
            let centre = p(
                (l + r) * 0.5 + rng.random_range(-40.0..40.0),
                t + h * 0.42 + rng.random_range(-40.0..40.0),
            );
            // Rings out to the farthest corner of the area.
            let reach = [p(l, t), p(r, t), p(l, b), p(r, b)]
                .iter()
                .fold(60.0f32, |m, &q| m.max((q - centre).len()));
            let period = 15.0;
            let rings = (reach / period) as usize + 2;
            let turn = rng.random_range(0.0..3.0);
            let mut a = Brush::stroke(motif, 0.5, 8.0);
            let mut z = Brush::stroke(accent, 0.45, 6.0);
            for k in 0..rings {
                let radius = 10.0 + k as f32 * period;
                let radii: Vec<f32> = (0..18)
                    .map(|i| {
                        let wave = 5.0 * i as f32 / 18.0 * std::f32::consts::TAU + k as f32 * 0.7;
                        radius * (1.0 + 0.09 * wave.sin())
                    })
                    .collect();
                let brush = if k % 2 == 0 { &mut a } else { &mut z };
                brush.run(&blob(centre, &radii, turn), true);
            }
            let mut spokes = Brush::stroke(motif, 0.22, 3.0);
            for s in 0..16 {
                let ang = turn + s as f32 / 16.0 * std::f32::consts::TAU;
                spokes.seg(centre, centre + p(ang.cos(), ang.sin()) * reach);
            }
            a.finish(&mut out);
            z.finish(&mut out);
            spokes.finish(&mut out);
        }
    }
    out
}

fn floral(out: &mut Vec<Mark>, c: &Colours, area: Rect, seed: u64, near: Near) {
    let step = 50.0;
    let petal_colour = c.motif();
    let centre_colour = c
        .third
        .unwrap_or_else(|| petal_colour.mix(Rgb(240, 200, 60), 0.6));
    let leaf_colour = petal_colour.mix(c.main, 0.35).darker(0.35);
    let mut petals = Brush::fill(petal_colour, 1.0);
    let mut centres = Brush::fill(centre_colour, 1.0);
    let mut leaves = Brush::fill(leaf_colour, 0.95);
    for j in cells(area.top(), area.bottom(), step, 0.0) {
        for i in cells(area.left(), area.right(), step, 0.0) {
            let mut rng = cell_rng(seed, 11, i, j);
            let at = p(
                i as f32 * step + rng.random_range(8.0..step - 8.0),
                j as f32 * step + rng.random_range(8.0..step - 8.0),
            );
            if !near(at, 26.0) {
                continue;
            }
            let size = rng.random_range(8.0..13.0);
            let turn = rng.random_range(0.0..std::f32::consts::TAU);
            for k in 0..2 {
                let a = turn + 2.2 + k as f32 * 1.3;
                let base = at + p(a.cos(), a.sin()) * (size * 0.9);
                let ts = place(base, a, size);
                let mut leaf = Run::new(p(0.0, 0.0));
                leaf.quad(p(0.7, -0.45), p(1.5, 0.0))
                    .quad(p(0.7, 0.45), p(0.0, 0.0));
                leaves.path(leaf.closed_path().and_then(|path| path.transform(ts)));
            }
            for k in 0..5 {
                let a = turn + k as f32 / 5.0 * std::f32::consts::TAU;
                petals.circle(at + p(a.cos(), a.sin()) * (size * 0.6), size * 0.48);
            }
            centres.circle(at, size * 0.3);
        }
    }
    leaves.finish(out);
    petals.finish(out);
    centres.finish(out);
}

fn paisley(out: &mut Vec<Mark>, c: &Colours, area: Rect, seed: u64, near: Near) {
    let step = 60.0;
    let mut bodies = Brush::fill(c.motif(), 1.0);
    let mut inner = Brush::fill(c.accent(), 1.0);
    let mut dots = Brush::fill(c.main.mix(c.motif(), 0.2), 1.0);
    // A boteh around the origin: round at the bottom, the tip curling to the right.
    let mut boteh = Run::new(p(1.1, -1.9));
    boteh
        .cubic(p(0.6, -1.6), p(-1.0, -1.2), p(-1.0, 0.0))
        .cubic(p(-1.0, 0.8), p(-0.5, 1.0), p(0.0, 1.0))
        .cubic(p(0.7, 1.0), p(1.0, 0.5), p(1.0, 0.0))
        .cubic(p(1.0, -0.6), p(0.6, -0.9), p(0.75, -1.3))
        .cubic(p(0.85, -1.55), p(1.05, -1.7), p(1.1, -1.9));
    let shape = boteh.closed_path();
    for j in cells(area.top(), area.bottom(), step, 0.0) {
        let shift = if j.rem_euclid(2) == 1 {
            step * 0.5
        } else {
            0.0
        };
        for i in cells(area.left(), area.right(), step, shift) {
            let mut rng = cell_rng(seed, 12, i, j);
            let at = p(
                shift + i as f32 * step + rng.random_range(-6.0..6.0),
                j as f32 * step + rng.random_range(-6.0..6.0),
            );
            if !near(at, 32.0) {
                continue;
            }
            let size = rng.random_range(10.0..14.0);
            let turn =
                rng.random_range(-0.6..0.6) + if (i + j).rem_euclid(2) == 0 { 0.0 } else { 3.1 };
            if let Some(s) = &shape {
                bodies.path(s.clone().transform(place(at, turn, size)));
                inner.path(s.clone().transform(place(at, turn, size * 0.55)));
            }
            dots.circle(at, size * 0.18);
        }
    }
    bodies.finish(out);
    inner.finish(out);
    dots.finish(out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_but_solid_makes_marks() {
        let colours = Colours {
            main: Rgb(200, 30, 40),
            second: None,
            third: None,
            metallic: false,
        };
        let area = Rect::from_ltrb(-100.0, 100.0, 100.0, 400.0).unwrap();
        for pattern in Pattern::ALL {
            let marks = marks(*pattern, &colours, area, 1, &|_, _| true);
            assert_eq!(marks.is_empty(), *pattern == Pattern::Solid, "{pattern:?}");
        }
    }

    #[test]
    fn cells_cover_the_range() {
        let r = cells(-10.0, 100.0, 30.0, 5.0);
        assert!(5.0 + *r.start() as f32 * 30.0 <= -10.0);
        assert!(5.0 + *r.end() as f32 * 30.0 >= 100.0);
    }
}
