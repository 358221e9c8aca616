//! Rasterises a figure with tiny-skia and encodes it as PNG.

use tiny_skia::{
    Color, FillRule, GradientStop, LineCap, LineJoin, LinearGradient, Mask, Paint, Path,
    PathBuilder, Pixmap, Point, Rect, SpreadMode, Stroke, StrokeDash, Transform,
};

use crate::design::Design;
use crate::figure::{Figure, Ink, Part, OUTLINE};
use crate::geom::{REF_HEIGHT, REF_WIDTH};
use crate::palette::{Rgb, PAPER};
use crate::pattern::{self, Mark};
use crate::texture;
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

fn draw_marks(pixmap: &mut Pixmap, marks: &[Mark], ts: Transform, mask: &Mask, fade: f32) {
    for m in marks {
        let paint = paint_of(m.colour, m.alpha * fade);
        match m.stroke {
            Some(width) => {
                pixmap.stroke_path(&m.path, &paint, &stroke_of(width, false), ts, Some(mask))
            }
            None => pixmap.fill_path(&m.path, &paint, FillRule::Winding, ts, Some(mask)),
        }
    }
}

/// A diagonal metallic sheen over `area`.
fn sheen(pixmap: &mut Pixmap, area: Rect, ts: Transform, mask: &Mask) {
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
    let rect = PathBuilder::from_rect(area);
    pixmap.fill_path(&rect, &paint, FillRule::Winding, ts, Some(mask));
}

fn mask_of(path: &Path, width: u32, height: u32, ts: Transform) -> Result<Mask, RenderError> {
    let mut mask = Mask::new(width, height).ok_or(RenderError::Canvas { width, height })?;
    mask.fill_path(path, FillRule::Winding, true, ts);
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
    for part in &fig.parts {
        if let Part::Fabric { path } = part {
            shadow.push_path(path);
        }
    }
    if let Some(path) = shadow.finish() {
        pixmap.fill_path(
            &path,
            &paint_of(Rgb(70, 58, 46), 0.1),
            FillRule::Winding,
            ts.pre_translate(4.0, 5.0),
            None,
        );
    }

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

    let sheer = d.texture == Texture::Sheer;
    let fade = if sheer { 0.6 } else { 1.0 };
    let main = d.colours.main;
    for (i, part) in fig.parts.iter().enumerate() {
        match part {
            Part::Fabric { path } => {
                let mask = mask_of(path, width, height, ts)?;
                let area = path.bounds();
                pixmap.fill_path(
                    path,
                    &paint_of(main, if sheer { 0.45 } else { 1.0 }),
                    FillRule::Winding,
                    ts,
                    None,
                );
                if d.pattern != Pattern::Solid {
                    let marks = pattern::marks(d.pattern, &d.colours, area, seed);
                    draw_marks(&mut pixmap, &marks, ts, &mask, fade);
                }
                let marks = texture::marks(d.texture, main, area, fig.fan.as_ref(), seed);
                draw_marks(&mut pixmap, &marks, ts, &mask, 1.0);
                if d.colours.metallic {
                    sheen(&mut pixmap, area, ts, &mask);
                }
                pixmap.stroke_path(
                    path,
                    &paint_of(main.outline(), 1.0),
                    &stroke_of(OUTLINE, false),
                    ts,
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
