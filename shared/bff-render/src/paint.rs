//! Rasterises a figure with tiny-skia and encodes it as PNG.

use tiny_skia::{
    Color, FillRule, GradientStop, LineCap, LineJoin, LinearGradient, Mask, Paint, Path,
    PathBuilder, Pixmap, Point, Rect, SpreadMode, Stroke, StrokeDash, Transform,
};

use crate::design::Design;
use crate::figure::{Figure, Ink, Part, OUTLINE};
use crate::geom::{p, P, REF_HEIGHT, REF_WIDTH};
use crate::palette::{Rgb, PAPER};
use crate::pattern::{self, Mark};
use crate::texture::{self, Overlay};
use crate::vocabulary::{Pattern, Texture};
use crate::RenderError;

/// Fraction of the canvas the figure may fill when it is larger than the reference frame.
const FIT: f32 = 0.95;

fn paint_of(c: Rgb, alpha: f32) -> Paint<'static> {
    let mut paint = Paint::default();
    let a = (alpha.clamp(0.0, 1.0) * 255.0).round() as u8;
    paint.set_color_rgba8(c.0, c.1, c.2, a);
    paint.anti_alias = true;
    paint
}

fn stroke_of(width: f32, dashed: bool) -> Stroke {
    Stroke {
        width,
        line_cap: LineCap::Round,
        line_join: LineJoin::Round,
        dash: if dashed {
            StrokeDash::new(vec![width * 3.5 + 1.0, width * 2.5 + 1.0], 0.0)
        } else {
            None
        },
        ..Stroke::default()
    }
}

fn ink(ink: Ink, d: &Design) -> Rgb {
    let c = &d.colours;
    let main = c.main;
    match ink {
        Ink::Main => main,
        Ink::Outline => main.outline(),
        Ink::Seam => main.seam(),
        Ink::Inside => main.inside(),
        Ink::Shade => {
            if main.luma() < 0.2 {
                main.lighter(0.12)
            } else {
                main.darker(0.14)
            }
        }
        Ink::Second => c.second.unwrap_or_else(|| c.motif()),
        Ink::Third => c.third.unwrap_or_else(|| c.accent()),
        Ink::Accent => c.accent(),
        Ink::Belt => {
            if main.luma() < 0.3 {
                Rgb(193, 154, 107)
            } else {
                Rgb(58, 40, 30)
            }
        }
        Ink::Metal => Rgb(190, 158, 80),
        Ink::Button => main.outline().mix(main, 0.35),
        Ink::Thread => Rgb(214, 152, 58),
        Ink::Light => Rgb(255, 255, 255),
    }
}

/// Reference-frame to canvas: the figure centred, at the scale of the canvas (reduced if the
/// figure would not fit).
fn placement(fig: &Figure, width: u32, height: u32) -> Transform {
    let (w, h) = (width as f32, height as f32);
    let bounds = fig
        .bounds()
        .or_else(|| Rect::from_ltrb(-150.0, 100.0, 150.0, 700.0));
    let base = (w / REF_WIDTH).min(h / REF_HEIGHT);
    let (cx, cy, s) = match bounds {
        Some(b) => {
            let fit = (w * FIT / b.width().max(1.0)).min(h * FIT / b.height().max(1.0));
            (
                (b.left() + b.right()) * 0.5,
                (b.top() + b.bottom()) * 0.5,
                base.min(fit),
            )
        }
        None => (0.0, REF_HEIGHT * 0.5, base),
    };
    Transform::from_row(s, 0.0, 0.0, s, w * 0.5 - s * cx, h * 0.5 - s * cy)
}

fn draw_mark(pixmap: &mut Pixmap, m: &Mark, ts: Transform, alpha: f32) {
    let paint = paint_of(m.colour, m.alpha * alpha);
    match m.stroke {
        Some(width) => {
            let stroke = Stroke {
                width,
                ..Stroke::default()
            };
            pixmap.stroke_path(&m.path, &paint, &stroke, ts, None)
        }
        None => pixmap.fill_path(&m.path, &paint, FillRule::Winding, ts, None),
    }
}

/// Pixel rectangle `(x0, y0, x1, y1)` (exclusive ends) of canvas-space bounds, clamped.
fn pixel_box(r: Rect, width: u32, height: u32) -> (usize, usize, usize, usize) {
    let clamp = |v: f32, hi: u32| (v.max(0.0) as usize).min(hi as usize);
    (
        clamp(r.left().floor() - 1.0, width),
        clamp(r.top().floor() - 1.0, height),
        clamp(r.right().ceil() + 1.0, width),
        clamp(r.bottom().ceil() + 1.0, height),
    )
}

/// A canvas-sized transparent layer and the pixel box its marks can touch.
struct Layer {
    pixmap: Pixmap,
    used: (usize, usize, usize, usize),
}

/// Rasterises pattern or texture marks once onto a transparent canvas-sized layer, which each
/// fabric piece then shows through its own outline (so the marks are drawn once, not per piece).
fn layer(
    marks: &[Mark],
    width: u32,
    height: u32,
    ts: Transform,
    fade: f32,
) -> Result<Option<Layer>, RenderError> {
    let mut pixmap = Pixmap::new(width, height).ok_or(RenderError::Canvas { width, height })?;
    let mut used: Option<Rect> = None;
    for m in marks {
        draw_mark(&mut pixmap, m, ts, fade);
        let pad = m.stroke.unwrap_or(0.0);
        let b = m.path.bounds();
        let r = Rect::from_ltrb(
            b.left() - pad,
            b.top() - pad,
            b.right() + pad,
            b.bottom() + pad,
        );
        used = match (used, r) {
            (None, r) => r,
            (Some(u), Some(r)) => Rect::from_ltrb(
                u.left().min(r.left()),
                u.top().min(r.top()),
                u.right().max(r.right()),
                u.bottom().max(r.bottom()),
            ),
            (u, None) => u,
        };
    }
    Ok(used.map(|u| Layer {
        pixmap,
        used: pixel_box(ts_rect(u, ts), width, height),
    }))
}

/// A texture tile rendered at the canvas scale (rounded to whole pixels, its marks wrapped round
/// the edges so that the repeat is seamless) and repeated over `area` of a canvas-sized layer
/// from the canvas position of the reference origin.
fn tiled_layer(
    tile_size: (f32, f32),
    marks: &[Mark],
    width: u32,
    height: u32,
    ts: Transform,
    area: Rect,
) -> Result<Option<Layer>, RenderError> {
    let (tw, th) = tile_size;
    if marks.is_empty() || tw <= 0.0 || th <= 0.0 {
        return Ok(None);
    }
    let pw = (tw * ts.sx).round().max(1.0) as u32;
    let ph = (th * ts.sy).round().max(1.0) as u32;
    let mut tile = Pixmap::new(pw, ph).ok_or(RenderError::Canvas {
        width: pw,
        height: ph,
    })?;
    let (kx, ky) = (pw as f32 / tw, ph as f32 / th);
    for dy in [-th, 0.0, th] {
        for dx in [-tw, 0.0, tw] {
            let at = Transform::from_row(kx, 0.0, 0.0, ky, dx * kx, dy * ky);
            for m in marks {
                draw_mark(&mut tile, m, at, 1.0);
            }
        }
    }
    let mut out = Pixmap::new(width, height).ok_or(RenderError::Canvas { width, height })?;
    let (x0, y0, x1, y1) = pixel_box(area, width, height);
    let (pw, ph) = (pw as i64, ph as i64);
    let (ox, oy) = (ts.tx.round() as i64, ts.ty.round() as i64);
    let src = tile.data();
    let stride = width as usize * 4;
    let dst = out.data_mut();
    for y in y0..y1 {
        let ty = (y as i64 - oy).rem_euclid(ph) as usize;
        let row = &src[ty * pw as usize * 4..][..pw as usize * 4];
        for x in x0..x1 {
            let tx = (x as i64 - ox).rem_euclid(pw) as usize;
            let d = y * stride + x * 4;
            dst[d..d + 4].copy_from_slice(&row[tx * 4..tx * 4 + 4]);
        }
    }
    Ok(Some(Layer {
        pixmap: out,
        used: (x0, y0, x1, y1),
    }))
}

/// `a × b / 255`, rounded, for 8-bit channels.
fn mul255(a: u32, b: u32) -> u32 {
    let t = a * b + 128;
    (t + (t >> 8)) >> 8
}

/// Composites a premultiplied layer over `dst` where `mask` covers (anti-aliased coverage),
/// within the pixel box of the piece.
fn blend(dst: &mut Pixmap, layer: &Layer, mask: &Mask, area: (usize, usize, usize, usize)) {
    let width = dst.width() as usize;
    let (lx0, ly0, lx1, ly1) = layer.used;
    let (x0, y0) = (area.0.max(lx0), area.1.max(ly0));
    let (x1, y1) = (area.2.min(lx1), area.3.min(ly1));
    if x0 >= x1 || y0 >= y1 {
        return;
    }
    let coverage = mask.data();
    let src = layer.pixmap.data();
    let out = dst.data_mut();
    for y in y0..y1 {
        let (a, b) = (y * width + x0, y * width + x1);
        let pixels = coverage[a..b]
            .iter()
            .zip(src[a * 4..b * 4].chunks_exact(4))
            .zip(out[a * 4..b * 4].chunks_exact_mut(4));
        for ((&m, s), d) in pixels {
            if m == 0 || s[3] == 0 {
                continue;
            }
            let m = u32::from(m);
            let keep = 255 - mul255(u32::from(s[3]), m);
            for (dc, &sc) in d.iter_mut().zip(s) {
                let v = mul255(u32::from(sc), m) + mul255(u32::from(*dc), keep);
                *dc = v.min(255) as u8;
            }
        }
    }
}

/// A diagonal metallic sheen across `area` (canvas coordinates) inside `path`.
fn sheen(pixmap: &mut Pixmap, path: &Path, area: Rect) {
    let stops = vec![
        GradientStop::new(0.0, Color::from_rgba8(255, 255, 255, 0)),
        GradientStop::new(0.3, Color::from_rgba8(255, 255, 255, 110)),
        GradientStop::new(0.45, Color::from_rgba8(255, 255, 255, 0)),
        GradientStop::new(0.62, Color::from_rgba8(60, 50, 30, 40)),
        GradientStop::new(0.8, Color::from_rgba8(255, 255, 255, 80)),
        GradientStop::new(1.0, Color::from_rgba8(255, 255, 255, 0)),
    ];
    let Some(shader) = LinearGradient::new(
        Point::from_xy(area.left(), area.top()),
        Point::from_xy(area.right(), area.bottom()),
        stops,
        SpreadMode::Pad,
        Transform::identity(),
    ) else {
        return;
    };
    let paint = Paint {
        shader,
        anti_alias: true,
        ..Paint::default()
    };
    pixmap.fill_path(path, &paint, FillRule::Winding, Transform::identity(), None);
}

/// Canvas-space bounds of a reference-frame rectangle (scale and translation only).
fn ts_rect(r: Rect, ts: Transform) -> Rect {
    Rect::from_ltrb(
        r.left() * ts.sx + ts.tx,
        r.top() * ts.sy + ts.ty,
        r.right() * ts.sx + ts.tx,
        r.bottom() * ts.sy + ts.ty,
    )
    .unwrap_or(r)
}

fn mask_of(path: &Path, width: u32, height: u32) -> Result<Mask, RenderError> {
    let mut mask = Mask::new(width, height).ok_or(RenderError::Canvas { width, height })?;
    mask.fill_path(path, FillRule::Winding, true, Transform::identity());
    Ok(mask)
}

/// Paints the figure on paper; `seed` places pattern motifs and texture stipple.
pub(crate) fn paint(
    fig: &Figure,
    d: &Design,
    width: u32,
    height: u32,
    seed: u64,
) -> Result<Pixmap, RenderError> {
    let mut pixmap = Pixmap::new(width, height).ok_or(RenderError::Canvas { width, height })?;
    pixmap.fill(Color::from_rgba8(PAPER.0, PAPER.1, PAPER.2, 255));
    let ts = placement(fig, width, height);

    // A soft shadow under all the fabric lifts the flat off the paper.
    let mut shadow = PathBuilder::new();
    let mut fabric_area: Option<Rect> = None;
    for part in &fig.parts {
        if let Part::Fabric { path } = part {
            shadow.push_path(path);
            let b = path.bounds();
            fabric_area = match fabric_area {
                None => Some(b),
                Some(a) => Rect::from_ltrb(
                    a.left().min(b.left()),
                    a.top().min(b.top()),
                    a.right().max(b.right()),
                    a.bottom().max(b.bottom()),
                ),
            };
        }
    }
    let all_fabric = shadow.finish();
    if let Some(path) = &all_fabric {
        pixmap.fill_path(
            path,
            &paint_of(Rgb(70, 58, 46), 0.1),
            FillRule::Winding,
            ts.pre_translate(4.0, 5.0),
            None,
        );
    }

    let sheer = d.texture == Texture::Sheer;
    let main = d.colours.main;
    let (print, weave) = match fabric_area {
        Some(area) => {
            let print = if d.pattern == Pattern::Solid {
                None
            } else {
                // Where the fabric is, to skip motifs that would fall on the paper.
                let mut fabric =
                    Mask::new(width, height).ok_or(RenderError::Canvas { width, height })?;
                if let Some(path) = &all_fabric {
                    fabric.fill_path(path, FillRule::Winding, false, ts);
                }
                let covered = |q: P| {
                    let (x, y) = (q.x * ts.sx + ts.tx, q.y * ts.sy + ts.ty);
                    x >= 0.0
                        && y >= 0.0
                        && (x as u32) < width
                        && (y as u32) < height
                        && fabric.data()[y as usize * width as usize + x as usize] > 0
                };
                let near = |at: P, r: f32| {
                    [p(0.0, 0.0), p(r, 0.0), p(-r, 0.0), p(0.0, r), p(0.0, -r)]
                        .iter()
                        .any(|&o| covered(at + o))
                };
                let marks = pattern::marks(d.pattern, &d.colours, area, seed, &near);
                layer(&marks, width, height, ts, if sheer { 0.6 } else { 1.0 })?
            };
            let weave = match texture::overlay(d.texture, main, area, fig.fan.as_ref(), seed) {
                Overlay::None => None,
                Overlay::Marks(marks) => layer(&marks, width, height, ts, 1.0)?,
                Overlay::Tile {
                    width: tw,
                    height: th,
                    marks,
                } => {
                    let canvas_area = ts_rect(area, ts);
                    tiled_layer((tw, th), &marks, width, height, ts, canvas_area)?
                }
            };
            (print, weave)
        }
        None => (None, None),
    };

    // Masks of the pieces that later parts are clipped to.
    let mut kept: Vec<Option<Mask>> = (0..fig.parts.len()).map(|_| None).collect();
    let mut needed = vec![false; fig.parts.len()];
    for part in &fig.parts {
        if let Part::Fill { clip: Some(i), .. } | Part::Line { clip: Some(i), .. } = part {
            if let Some(n) = needed.get_mut(*i) {
                *n = true;
            }
        }
    }

    for (i, part) in fig.parts.iter().enumerate() {
        match part {
            Part::Fabric { path } => {
                let Some(path) = path.clone().transform(ts) else {
                    continue;
                };
                pixmap.fill_path(
                    &path,
                    &paint_of(main, if sheer { 0.45 } else { 1.0 }),
                    FillRule::Winding,
                    Transform::identity(),
                    None,
                );
                let mask = mask_of(&path, width, height)?;
                let pixels = pixel_box(path.bounds(), width, height);
                if let Some(print) = &print {
                    blend(&mut pixmap, print, &mask, pixels);
                }
                // Pleats fall from the waist of the body, not across sleeves and collars.
                if let Some(weave) = &weave {
                    if d.texture != Texture::Pleated || fig.body == Some(i) {
                        blend(&mut pixmap, weave, &mask, pixels);
                    }
                }
                if d.colours.metallic {
                    sheen(&mut pixmap, &path, path.bounds());
                }
                pixmap.stroke_path(
                    &path,
                    &paint_of(main.outline(), 1.0),
                    &stroke_of(OUTLINE * ts.sx, false),
                    Transform::identity(),
                    None,
                );
                if needed[i] {
                    kept[i] = Some(mask);
                }
            }
            Part::Fill {
                path,
                ink: which,
                alpha,
                clip,
            } => {
                let mask = match clip {
                    Some(c) => match kept.get(*c).and_then(Option::as_ref) {
                        Some(m) => Some(m),
                        None => continue,
                    },
                    None => None,
                };
                pixmap.fill_path(
                    path,
                    &paint_of(ink(*which, d), *alpha),
                    FillRule::Winding,
                    ts,
                    mask,
                );
            }
            Part::Line {
                path,
                ink: which,
                width: w,
                dashed,
                alpha,
                clip,
            } => {
                let mask = match clip {
                    Some(c) => match kept.get(*c).and_then(Option::as_ref) {
                        Some(m) => Some(m),
                        None => continue,
                    },
                    None => None,
                };
                pixmap.stroke_path(
                    path,
                    &paint_of(ink(*which, d), *alpha),
                    &stroke_of(*w, *dashed),
                    ts,
                    mask,
                );
            }
        }
    }
    Ok(pixmap)
}

/// Encodes an opaque pixmap as an 8-bit RGB PNG.
///
/// Everything is drawn over opaque paper, so every pixel has alpha 255 and tiny-skia's
/// premultiplied RGBA is plain RGB: the alpha byte is dropped.
pub(crate) fn encode_png(pixmap: &Pixmap) -> Result<Vec<u8>, RenderError> {
    let mut rgb = Vec::with_capacity(pixmap.data().len() / 4 * 3);
    for px in pixmap.data().chunks_exact(4) {
        rgb.extend_from_slice(&px[..3]);
    }
    let encode_error = |e: png::EncodingError| RenderError::Encode {
        message: e.to_string(),
    };
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, pixmap.width(), pixmap.height());
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header().map_err(encode_error)?;
    writer.write_image_data(&rgb).map_err(encode_error)?;
    writer.finish().map_err(encode_error)?;
    Ok(out)
}
