//! Texture hints as subtle overlays (lines, stipple, sheen) over a fabric piece. Sheer fabric
//! is drawn by the painter (translucent fill) and the garment (a lining), not here.

use rand::Rng;
use tiny_skia::Rect;

use crate::figure::Fan;
use crate::geom::{p, x_at, Run};
use crate::palette::Rgb;
use crate::pattern::{cell_rng, cells, phase, Brush, Mark};
use crate::vocabulary::Texture;

const WHITE: Rgb = Rgb(255, 255, 255);

/// The overlay marks of `texture` over `area`, in shades of `base` (the fabric colour).
pub(crate) fn marks(
    texture: Texture,
    base: Rgb,
    area: Rect,
    fan: Option<&Fan>,
    seed: u64,
) -> Vec<Mark> {
    let mut out = Vec::new();
    let (l, t, r, b) = (area.left(), area.top(), area.right(), area.bottom());
    let (w, h) = (r - l, b - t);
    let line = base.seam();
    match texture {
        Texture::Sheer => {}
        Texture::Smooth => {
            // A soft vertical sheen.
            let x = l + w * 0.32;
            let mut wide = Brush::stroke(WHITE, 0.08, (w * 0.09).max(4.0));
            wide.seg(p(x, t), p(x + w * 0.04, b));
            wide.finish(&mut out);
            let mut narrow = Brush::stroke(WHITE, 0.1, (w * 0.025).max(1.5));
            narrow.seg(p(x + w * 0.08, t), p(x + w * 0.11, b));
            narrow.finish(&mut out);
        }
        Texture::Ribbed => {
            let mut brush = Brush::stroke(line, 0.32, 1.1);
            for i in cells(l, r, 5.0, 0.0) {
                let x = i as f32 * 5.0;
                brush.seg(p(x, t), p(x, b));
            }
            brush.finish(&mut out);
        }
        Texture::Quilted => {
            let step = 30.0;
            let ph = phase(seed, 21, step);
            let mut brush = Brush::stroke(line, 0.6, 1.0);
            let span = w + h;
            for i in cells(-span, span, step, ph) {
                let c = ph + i as f32 * step;
                brush.seg(p(l + c, t), p(l + c + h, b));
                brush.seg(p(l + c, t), p(l + c - h, b));
            }
            brush.finish(&mut out);
            let mut dots = Brush::fill(WHITE, 0.12);
            for j in cells(t, b, step, ph) {
                for i in cells(l, r, step, ph) {
                    dots.circle(
                        p(ph + i as f32 * step + step * 0.5, ph + j as f32 * step),
                        6.0,
                    );
                }
            }
            dots.finish(&mut out);
        }
        Texture::Pleated => {
            let fallback = Fan {
                top_y: t,
                bottom_y: b,
                profile: vec![p(w * 0.5, t), p(w * 0.5, b)],
            };
            let fan = fan.unwrap_or(&fallback);
            let widest = fan.profile.iter().fold(1.0f32, |m, q| m.max(q.x));
            let n = ((widest * 2.0 / 12.0).round() as i64).max(6);
            let mut lines = Brush::stroke(line, 0.55, 1.1);
            let mut shadows = Brush::stroke(line, 0.14, 4.0);
            let steps = 16;
            for k in -n..=n {
                let u = k as f32 / n as f32;
                let at = |i: usize| {
                    let y = fan.top_y + (fan.bottom_y + 20.0 - fan.top_y) * i as f32 / steps as f32;
                    p(u * x_at(&fan.profile, y), y)
                };
                let mut pleat = Run::new(at(0));
                let mut shadow = Run::new(at(0) + p(2.5, 0.0));
                for i in 1..=steps {
                    pleat.line(at(i));
                    shadow.line(at(i) + p(2.5 + 1.5 * i as f32 / steps as f32, 0.0));
                }
                lines.run(&pleat, false);
                shadows.run(&shadow, false);
            }
            shadows.finish(&mut out);
            lines.finish(&mut out);
        }
        Texture::Ruched => {
            let mut brush = Brush::stroke(line, 0.45, 1.1);
            for j in cells(t, b, 9.0, 0.0) {
                for i in cells(l, r, 26.0, 0.0) {
                    let mut rng = cell_rng(seed, 22, i, j);
                    let x = i as f32 * 26.0 + rng.random_range(0.0..10.0);
                    let y = j as f32 * 9.0 + rng.random_range(-2.0..2.0);
                    let len = rng.random_range(14.0..26.0);
                    let mut arc = Run::new(p(x, y));
                    arc.quad(
                        p(x + len * 0.5, y + rng.random_range(3.0..6.0)),
                        p(x + len, y),
                    );
                    brush.run(&arc, false);
                }
            }
            brush.finish(&mut out);
        }
        Texture::Crinkled => {
            let mut brush = Brush::stroke(line, 0.38, 0.9);
            for j in cells(t, b, 22.0, 0.0) {
                for i in cells(l, r, 22.0, 0.0) {
                    let mut rng = cell_rng(seed, 23, i, j);
                    let mut at = p(i as f32 * 22.0, j as f32 * 22.0)
                        + p(rng.random_range(0.0..22.0), rng.random_range(0.0..22.0));
                    let mut zig = Run::new(at);
                    for _ in 0..4 {
                        at = at + p(rng.random_range(2.0..6.0), rng.random_range(-5.0..5.0));
                        zig.line(at);
                    }
                    brush.run(&zig, false);
                }
            }
            brush.finish(&mut out);
        }
        Texture::Knit => {
            let mut brush = Brush::stroke(line, 0.38, 0.9);
            for j in cells(t, b, 6.0, 0.0) {
                for i in cells(l, r, 6.0, 0.0) {
                    let (x, y) = (i as f32 * 6.0, j as f32 * 6.0);
                    let mut v = Run::new(p(x - 2.4, y));
                    v.line(p(x, y + 3.2)).line(p(x + 2.4, y));
                    brush.run(&v, false);
                }
            }
            brush.finish(&mut out);
        }
        Texture::Boucle => {
            let mut dark = Brush::stroke(line, 0.5, 0.9);
            let mut light = Brush::stroke(WHITE, 0.4, 0.9);
            for j in cells(t, b, 9.0, 0.0) {
                for i in cells(l, r, 9.0, 0.0) {
                    let mut rng = cell_rng(seed, 24, i, j);
                    let at = p(i as f32 * 9.0, j as f32 * 9.0)
                        + p(rng.random_range(0.0..9.0), rng.random_range(0.0..9.0));
                    let brush = if rng.random::<bool>() {
                        &mut dark
                    } else {
                        &mut light
                    };
                    brush.circle(at, rng.random_range(1.4..2.6));
                }
            }
            dark.finish(&mut out);
            light.finish(&mut out);
        }
        Texture::Brushed => {
            let mut brush = Brush::stroke(WHITE, 0.22, 0.9);
            let mut shade = Brush::stroke(line, 0.18, 0.9);
            for j in cells(t, b, 7.0, 0.0) {
                for i in cells(l, r, 7.0, 0.0) {
                    let mut rng = cell_rng(seed, 25, i, j);
                    let at = p(i as f32 * 7.0, j as f32 * 7.0)
                        + p(rng.random_range(0.0..7.0), rng.random_range(0.0..7.0));
                    let len = rng.random_range(4.0..8.0);
                    let target = if rng.random::<bool>() {
                        &mut brush
                    } else {
                        &mut shade
                    };
                    target.seg(at, at + p(len * 0.5, len * 0.86));
                }
            }
            brush.finish(&mut out);
            shade.finish(&mut out);
        }
        Texture::Embossed => {
            let step = 22.0;
            let mut light = Brush::stroke(WHITE, 0.45, 1.4);
            let mut dark = Brush::stroke(line, 0.4, 1.4);
            for j in cells(t, b, step, 0.0) {
                let shift = if j.rem_euclid(2) == 1 {
                    step * 0.5
                } else {
                    0.0
                };
                for i in cells(l, r, step, shift) {
                    let c = p(shift + i as f32 * step, j as f32 * step);
                    let mut up = Run::new(c + p(-6.0, 0.0));
                    up.line(c + p(0.0, -6.0)).line(c + p(6.0, 0.0));
                    light.run(&up, false);
                    let mut down = Run::new(c + p(-6.0, 0.0));
                    down.line(c + p(0.0, 6.0)).line(c + p(6.0, 0.0));
                    dark.run(&down, false);
                }
            }
            light.finish(&mut out);
            dark.finish(&mut out);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_texture_but_sheer_makes_marks() {
        let area = Rect::from_ltrb(-100.0, 100.0, 100.0, 400.0).unwrap();
        for texture in Texture::ALL {
            let marks = marks(*texture, Rgb(120, 60, 40), area, None, 3);
            assert_eq!(marks.is_empty(), *texture == Texture::Sheer, "{texture:?}");
        }
    }
}
