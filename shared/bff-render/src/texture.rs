//! Texture hints as subtle overlays (lines, stipple, sheen) over the fabric. Sheer fabric is
//! drawn by the painter (translucent fill) and the garment (a lining), not here.
//!
//! Regular and stipple textures are one small tile repeated over the fabric: thousands of tiny
//! marks would otherwise dominate the render time, and a repeat every few dozen units does not
//! show in a stipple. Textures that follow the garment (sheen, pleats, ruching) are marks laid
//! over the whole figure.

use rand::Rng;
use tiny_skia::Rect;

use crate::figure::Fan;
use crate::geom::{p, x_at, Run};
use crate::palette::Rgb;
use crate::pattern::{cell_rng, cells, Brush, Mark};
use crate::vocabulary::Texture;

const WHITE: Rgb = Rgb(255, 255, 255);

/// What a texture lays over the fabric.
#[derive(Debug, Clone)]
pub(crate) enum Overlay {
    None,
    /// Marks in the reference frame.
    Marks(Vec<Mark>),
    /// Marks inside a `width` × `height` tile (reference units) that repeats from the origin;
    /// marks crossing an edge wrap round.
    Tile {
        width: f32,
        height: f32,
        marks: Vec<Mark>,
    },
}

fn tile(width: f32, height: f32, brushes: Vec<Brush>) -> Overlay {
    let mut marks = Vec::new();
    for b in brushes {
        b.finish(&mut marks);
    }
    Overlay::Tile {
        width,
        height,
        marks,
    }
}

/// The overlay of `texture` over `area` (the figure's fabric), in shades of `base`.
pub(crate) fn overlay(
    texture: Texture,
    base: Rgb,
    area: Rect,
    fan: Option<&Fan>,
    seed: u64,
) -> Overlay {
    let (l, t, r, b) = (area.left(), area.top(), area.right(), area.bottom());
    let w = r - l;
    let line = base.seam();
    let mut out = Vec::new();
    match texture {
        Texture::Sheer => return Overlay::None,
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
        Texture::Pleated => {
            let fallback = Fan {
                top_y: t,
                bottom_y: b,
                profile: vec![p(w * 0.5, t), p(w * 0.5, b)],
            };
            let fan = fan.unwrap_or(&fallback);
            // Pleats about 9 units apart where they start, fanning out below.
            let n = ((x_at(&fan.profile, fan.top_y) / 9.0).round() as i64).clamp(5, 40);
            // Each pleat is a fold line with a soft shadow beside it, both filled bands (cheaper
            // to rasterise than strokes).
            let mut lines = Brush::fill(line, 0.55);
            let mut shadows = Brush::fill(line, 0.14);
            let steps = 16;
            for k in -n..=n {
                let u = k as f32 / n as f32;
                let at = |i: usize, dx: f32| {
                    let y = fan.top_y + (fan.bottom_y + 20.0 - fan.top_y) * i as f32 / steps as f32;
                    p(
                        u * x_at(&fan.profile, y) + dx * (0.4 + 0.6 * i as f32 / steps as f32),
                        y,
                    )
                };
                let band = |from: f32, to: f32| {
                    let mut run = Run::new(at(0, from));
                    for i in 1..=steps {
                        run.line(at(i, from));
                    }
                    for i in (0..=steps).rev() {
                        run.line(at(i, to));
                    }
                    run
                };
                lines.run(&band(-0.6, 0.6), true);
                shadows.run(&band(0.6, 4.5), true);
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
        Texture::Ribbed => {
            let mut rib = Brush::fill(line, 0.32);
            rib.rect(0.0, 0.0, 1.1, 5.0);
            return tile(5.0, 5.0, vec![rib]);
        }
        Texture::Knit => {
            let mut v = Brush::stroke(line, 0.38, 0.9);
            let mut run = Run::new(p(0.6, 1.0));
            run.line(p(3.0, 4.2)).line(p(5.4, 1.0));
            v.run(&run, false);
            return tile(6.0, 6.0, vec![v]);
        }
        Texture::Quilted => {
            let mut stitch = Brush::stroke(line, 0.6, 1.0);
            stitch.seg(p(0.0, 0.0), p(30.0, 30.0));
            stitch.seg(p(30.0, 0.0), p(0.0, 30.0));
            let mut puff = Brush::fill(WHITE, 0.12);
            puff.circle(p(15.0, 6.0), 6.0);
            puff.circle(p(15.0, 24.0), 6.0);
            return tile(30.0, 30.0, vec![stitch, puff]);
        }
        Texture::Embossed => {
            let mut light = Brush::stroke(WHITE, 0.45, 1.4);
            let mut dark = Brush::stroke(line, 0.4, 1.4);
            for c in [p(11.0, 11.0), p(0.0, 33.0), p(22.0, 33.0)] {
                let mut up = Run::new(c + p(-6.0, 0.0));
                up.line(c + p(0.0, -6.0)).line(c + p(6.0, 0.0));
                light.run(&up, false);
                let mut down = Run::new(c + p(-6.0, 0.0));
                down.line(c + p(0.0, 6.0)).line(c + p(6.0, 0.0));
                dark.run(&down, false);
            }
            return tile(22.0, 44.0, vec![light, dark]);
        }
        Texture::Crinkled => {
            let size = 66.0;
            let mut brush = Brush::stroke(line, 0.38, 0.9);
            for j in 0..3 {
                for i in 0..3 {
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
            return tile(size, size, vec![brush]);
        }
        Texture::Boucle => {
            let mut dark = Brush::stroke(line, 0.5, 0.9);
            let mut light = Brush::stroke(WHITE, 0.4, 0.9);
            for j in 0..6 {
                for i in 0..6 {
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
            return tile(54.0, 54.0, vec![dark, light]);
        }
        Texture::Brushed => {
            let mut light = Brush::stroke(WHITE, 0.22, 0.9);
            let mut shade = Brush::stroke(line, 0.18, 0.9);
            for j in 0..8 {
                for i in 0..8 {
                    let mut rng = cell_rng(seed, 25, i, j);
                    let at = p(i as f32 * 7.0, j as f32 * 7.0)
                        + p(rng.random_range(0.0..7.0), rng.random_range(0.0..7.0));
                    let len = rng.random_range(4.0..8.0);
                    let target = if rng.random::<bool>() {
                        &mut light
                    } else {
                        &mut shade
                    };
                    target.seg(at, at + p(len * 0.5, len * 0.86));
                }
            }
            return tile(56.0, 56.0, vec![light, shade]);
        }
    }
    Overlay::Marks(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_texture_but_sheer_lays_something() {
        let area = Rect::from_ltrb(-100.0, 100.0, 100.0, 400.0).unwrap();
        for texture in Texture::ALL {
            let empty = match overlay(*texture, Rgb(120, 60, 40), area, None, 3) {
                Overlay::None => true,
                Overlay::Marks(m) => m.is_empty(),
                Overlay::Tile {
                    width,
                    height,
                    marks,
                } => {
                    assert!(width > 0.0 && height > 0.0);
                    marks.is_empty()
                }
            };
            assert_eq!(empty, *texture == Texture::Sheer, "{texture:?}");
        }
    }
}
