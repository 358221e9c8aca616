//! Trousers and the construction details that make a flat read as a particular garment:
//! waistbands, waist finishes, plackets, pockets, buttons, ribbing, peplums and wrap ties.

use crate::design::{Class, Design};
use crate::figure::{Fan, Figure, Ink, OUTLINE, SEAM};
use crate::geom::{p, polygon, segments, x_at, Run, P};
use crate::vocabulary::{Garment, Neckline, Silhouette, Texture, Waist};

use super::neck::{button, Top};
use super::{follow, key, Frame};

/// The right leg, appended to a side seam by [`legs`].
pub(crate) struct Legs {
    /// The right leg's hem, outer corner to inner corner.
    pub hem: Run,
    /// Centre line of the right leg (pressed crease).
    pub crease: Run,
}

/// Outer knee, inner knee, outer hem and inner hem half widths of a leg shape.
fn leg_widths(s: Silhouette) -> (f32, f32, f32, f32) {
    match s {
        Silhouette::WideLeg | Silhouette::Wrap | Silhouette::Empire => (108.0, 5.0, 118.0, 4.0),
        Silhouette::Tapered => (84.0, 18.0, 72.0, 30.0),
        Silhouette::Bodycon => (74.0, 26.0, 64.0, 34.0),
        Silhouette::Sheath => (80.0, 20.0, 76.0, 26.0),
        Silhouette::ALine => (96.0, 9.0, 106.0, 5.0),
        Silhouette::FitAndFlare => (82.0, 20.0, 110.0, 3.0),
        _ => (92.0, 14.0, 90.0, 16.0),
    }
}

/// Continues the side seam in `run` through `lead` (points above the hip), the hip and down
/// the outer leg, across the hem and up the inside leg to the crotch.
pub(crate) fn legs(s: Silhouette, f: &Frame, run: &mut Run, lead: &[P]) -> Legs {
    let (ok, ik, oh, ih) = leg_widths(s);
    let (hy, cy, knee, hem) = (f.hip_y, f.crotch_y, f.knee_y, f.hem_y);
    let hip = f.hip;
    let outer_keys = [p(hip, hy), p(ok, knee), p(oh, hem)];
    let inner_keys = [p(4.0, cy + 8.0), p(ik, knee), p(ih, hem)];
    let long = hem > knee + 30.0;
    let (outer_hem, inner_hem) = if long {
        (p(oh, hem), p(ih, hem))
    } else {
        // Shorts: the leg cut off above the knee, a little flared.
        (
            p(x_at(&outer_keys, hem) + 4.0, hem),
            p((x_at(&inner_keys, hem) - 3.0).max(3.0), hem),
        )
    };
    let mut outer: Vec<P> = lead.to_vec();
    outer.push(p(hip, hy));
    if long {
        outer.push(p(ok, knee));
    }
    outer.push(outer_hem);
    run.smooth(&outer);
    let mut hem_run = Run::new(outer_hem);
    hem_run.quad(outer_hem.lerp(inner_hem, 0.5) + p(0.0, 3.0), inner_hem);
    run.extend(&hem_run);
    if long {
        follow(run, &[key(ik, knee), key(4.0, cy + 8.0)]);
    } else {
        run.line(p(4.0, cy + 8.0));
    }
    run.quad(p(2.0, cy), p(0.0, cy - 3.0));
    let mid = |y: f32| {
        let o = if long {
            x_at(&outer_keys, y)
        } else {
            outer_hem.x
        };
        let i = if long {
            x_at(&inner_keys, y)
        } else {
            inner_hem.x
        };
        (o + i) * 0.5
    };
    let mut crease = Run::new(p(mid(hy + 30.0), hy + 30.0));
    crease.line(p(mid(hem - 6.0), hem - 6.0));
    Legs {
        hem: hem_run,
        crease,
    }
}

/// Both leg hems as one edge (for trims); the gap between the legs is off the fabric anyway.
pub(crate) fn leg_hems(legs: &Legs) -> Run {
    let mut edge = legs.hem.mirrored();
    edge.extend(&legs.hem.reversed());
    edge
}

/// Trousers, jeans and shorts.
pub(crate) fn trousers(fig: &mut Figure, d: &Design, f: &Frame) {
    let wy = f.waist_y;
    let mut right = Run::new(p(0.0, wy));
    right.line(p(f.waist, wy));
    let legs = legs(d.silhouette, f, &mut right, &[]);
    fig.fan = Some(Fan {
        top_y: wy + 14.0,
        bottom_y: f.hem_y,
        profile: vec![p(f.waist, wy), p(f.hip, f.hip_y), legs.hem.start()],
    });
    let body = fig.body(right.symmetric_path());
    fig.trim(&leg_hems(&legs), body);
    if d.texture == Texture::Sheer {
        lining(
            fig,
            wy + 14.0,
            (f.hem_y - 60.0).min(f.crotch_y + 110.0),
            body,
        );
    }
    let jeans = d.garment == Garment::Jeans;
    let thread = if jeans { Ink::Thread } else { Ink::Seam };
    let elastic = d.waist_finish == Some(Waist::Elasticated);
    waistband(fig, f, body, !elastic, !elastic);
    if jeans {
        for y in [wy + 3.5, wy + 10.5] {
            let mut r = Run::new(p(-f.waist, y));
            r.line(p(f.waist, y));
            fig.stroke(r.open_path(), thread, 1.0, true, 1.0, body);
        }
    }

    // Fly: centre seam and J-stitch.
    let cy = f.crotch_y;
    let mut centre = Run::new(p(0.0, wy + 14.0));
    centre.line(p(0.0, cy - 4.0));
    fig.line(centre.open_path(), Ink::Outline, SEAM * 1.1, body);
    let mut fly = Run::new(p(10.0, wy + 14.0));
    fly.line(p(10.0, cy - 30.0))
        .quad(p(10.0, cy - 12.0), p(0.0, cy - 10.0));
    fig.stroke(fly.open_path(), thread, 1.1, true, 1.0, body);

    // Pockets.
    let side_x = |y: f32| x_at(&[p(f.waist, wy), p(f.hip, f.hip_y)], y);
    for sign in [1.0f32, -1.0] {
        let m = |q: P| p(q.x * sign, q.y);
        if jeans {
            let end = p(side_x(wy + 52.0) - 0.5, wy + 52.0);
            let mut pocket = Run::new(m(p(f.waist - 36.0, wy + 14.0)));
            pocket.cubic(
                m(p(f.waist - 34.0, wy + 40.0)),
                m(p(end.x - 18.0, end.y - 2.0)),
                m(end),
            );
            fig.line(pocket.open_path(), Ink::Outline, SEAM, body);
            fig.stroke(
                pocket.translated(p(-3.0 * sign, 3.5)).open_path(),
                thread,
                1.0,
                true,
                1.0,
                body,
            );
            rivet(fig, m(p(f.waist - 35.0, wy + 17.0)));
            rivet(fig, m(p(end.x - 3.0, end.y - 1.0)));
        } else {
            let end = p(side_x(wy + 62.0) - 0.5, wy + 62.0);
            let mut pocket = Run::new(m(p(f.waist - 26.0, wy + 14.0)));
            pocket.line(m(end));
            fig.seam(&pocket, body);
        }
    }
    if jeans {
        let coin = polygon(&[
            p(f.waist - 31.0, wy + 15.0),
            p(f.waist - 13.0, wy + 15.0),
            p(f.waist - 13.0, wy + 34.0),
            p(f.waist - 31.0, wy + 34.0),
        ]);
        fig.stroke(coin, thread, 1.0, true, 1.0, body);
    }

    // Leg finishes.
    for hem in [legs.hem.clone(), legs.hem.mirrored()] {
        if d.garment == Garment::Shorts {
            fig.line(
                hem.translated(p(0.0, -15.0)).open_path(),
                Ink::Outline,
                SEAM,
                body,
            );
        }
        fig.stroke(
            hem.translated(p(0.0, -7.0)).open_path(),
            thread,
            1.0,
            true,
            1.0,
            body,
        );
    }
    if d.garment == Garment::Trousers && f.hem_y > f.knee_y {
        for crease in [legs.crease.clone(), legs.crease.mirrored()] {
            fig.stroke(crease.open_path(), Ink::Seam, 1.0, false, 0.55, body);
        }
    }
    waist(fig, d, f, body, false);
}

fn rivet(fig: &mut Figure, at: P) {
    let mut pb = tiny_skia::PathBuilder::new();
    pb.push_circle(at.x, at.y, 2.2);
    fig.fill(pb.finish(), Ink::Metal, 1.0, None);
}

/// A waistband 14 units deep at the top of a skirt or trousers, with belt loops on trousers.
pub(crate) fn waistband(
    fig: &mut Figure,
    f: &Frame,
    body: Option<usize>,
    loops: bool,
    fastening: bool,
) {
    let wy = f.waist_y;
    let mut band = Run::new(p(-f.waist - 4.0, wy + 14.0));
    band.line(p(f.waist + 4.0, wy + 14.0));
    fig.line(band.open_path(), Ink::Outline, SEAM, body);
    if loops {
        for x in [f.waist - 12.0, f.waist * 0.45] {
            for sign in [1.0, -1.0] {
                let cx = x * sign;
                let piece = polygon(&[
                    p(cx - 3.0, wy - 2.0),
                    p(cx + 3.0, wy - 2.0),
                    p(cx + 3.0, wy + 17.0),
                    p(cx - 3.0, wy + 17.0),
                ]);
                fig.fill(piece.clone(), Ink::Main, 1.0, None);
                fig.line(piece, Ink::Outline, 1.1, None);
            }
        }
    }
    if fastening {
        if loops {
            button(fig, p(0.0, wy + 7.0), 3.4);
        } else {
            button(fig, p(f.waist - 12.0, wy + 7.0), 3.0);
        }
    }
}

/// The waist line: a seam, or the requested finish (belt, gathers, elastic).
pub(crate) fn waist(fig: &mut Figure, d: &Design, f: &Frame, body: Option<usize>, seam: bool) {
    let banded = matches!(d.garment.class(), Class::Skirt | Class::Legs);
    let y = if banded { f.waist_y + 7.0 } else { f.waist_y };
    let across = |y: f32, sag: f32| {
        let mut r = Run::new(p(-300.0, y));
        r.quad(p(0.0, y + sag), p(300.0, y));
        r
    };
    match d.waist_finish {
        Some(Waist::Belted) => {
            let band = polygon(&[
                p(-300.0, y - 8.0),
                p(300.0, y - 8.0),
                p(300.0, y + 8.0),
                p(-300.0, y + 8.0),
            ]);
            fig.fill(band, Ink::Belt, 1.0, body);
            for edge in [y - 8.0, y + 8.0] {
                fig.line(across(edge, 0.0).open_path(), Ink::Outline, SEAM, body);
            }
            let holes: Vec<(P, P)> = (0..3)
                .map(|i| {
                    let x = 24.0 + 9.0 * i as f32;
                    (p(x - 1.2, y), p(x + 1.2, y))
                })
                .collect();
            fig.line(segments(&holes), Ink::Outline, 2.0, body);
            let buckle = polygon(&[
                p(-11.0, y - 11.0),
                p(11.0, y - 11.0),
                p(11.0, y + 11.0),
                p(-11.0, y + 11.0),
            ]);
            fig.line(buckle, Ink::Metal, 3.0, None);
            fig.line(segments(&[(p(-11.0, y), p(5.0, y))]), Ink::Metal, 2.0, None);
        }
        Some(Waist::Cinched) => {
            fig.line(across(y, 4.0).open_path(), Ink::Seam, SEAM, body);
            let mut gathers = Vec::new();
            for i in -6..=6 {
                let x = i as f32 * f.waist / 7.0;
                gathers.push((p(x * 1.2, y - 26.0), p(x, y - 3.0)));
                gathers.push((p(x, y + 3.0), p(x * 1.25, y + 30.0)));
            }
            fig.stroke(segments(&gathers), Ink::Seam, 1.0, false, 0.6, body);
            // A drawstring bow at the centre.
            let k = p(0.0, y + 1.0);
            for sign in [1.0f32, -1.0] {
                let m = |q: P| p(k.x + q.x * sign, k.y + q.y);
                let mut lp = Run::new(k);
                lp.cubic(m(p(6.0, -14.0)), m(p(20.0, -12.0)), m(p(18.0, 0.0)))
                    .cubic(m(p(16.0, 8.0)), m(p(6.0, 6.0)), k);
                fig.strap(&lp, 2.6);
                let mut tail = Run::new(k);
                tail.cubic(m(p(3.0, 10.0)), m(p(8.0, 22.0)), m(p(7.0, 34.0)));
                fig.strap(&tail, 2.6);
            }
        }
        Some(Waist::Elasticated) => {
            let band = polygon(&[
                p(-300.0, y - 7.0),
                p(300.0, y - 7.0),
                p(300.0, y + 7.0),
                p(-300.0, y + 7.0),
            ]);
            fig.fill(band, Ink::Shade, 0.9, body);
            for edge in [y - 7.0, y + 7.0] {
                fig.line(across(edge, 0.0).open_path(), Ink::Seam, SEAM, body);
            }
            let shirring: Vec<(P, P)> = (0..110)
                .map(|i| {
                    let x = -f.waist * 1.3 + i as f32 * 3.2;
                    (p(x, y - 6.0), p(x + 0.8, y + 6.0))
                })
                .collect();
            fig.stroke(segments(&shirring), Ink::Seam, 0.8, false, 0.6, body);
        }
        _ => {
            if seam {
                fig.line(across(y, 5.0).open_path(), Ink::Seam, SEAM * 1.1, body);
            }
        }
    }
}

/// The lining under a sheer fabric: an opaque band of the main colour with its edge showing.
pub(crate) fn lining(fig: &mut Figure, top: f32, bottom: f32, body: Option<usize>) {
    if bottom <= top + 10.0 {
        return;
    }
    let band = polygon(&[
        p(-300.0, top),
        p(300.0, top),
        p(300.0, bottom),
        p(-300.0, bottom),
    ]);
    fig.fill(band, Ink::Main, 0.6, body);
    let mut edge = Run::new(p(-300.0, bottom));
    edge.quad(p(0.0, bottom + 8.0), p(300.0, bottom));
    fig.stroke(edge.open_path(), Ink::Seam, SEAM, false, 0.7, body);
}

/// The crossover of a wrap: the overlapping front edge (down to the hem of a skirt, none on
/// legs) and the tie at the side.
pub(crate) fn wrap(
    fig: &mut Figure,
    t: &Top,
    f: &Frame,
    hem_corner: Option<P>,
    body: Option<usize>,
) {
    let (wy, ww) = (f.waist_y, f.waist);
    let mut edge = Run::new(p(0.0, t.neck_bottom));
    edge.cubic(
        p(-10.0, t.neck_bottom + 40.0),
        p(-ww * 0.65, wy - 24.0),
        p(-ww + 1.0, wy),
    );
    fig.line(edge.open_path(), Ink::Outline, OUTLINE * 0.8, body);
    if let Some(hem_corner) = hem_corner.filter(|c| c.y > wy + 40.0) {
        let mut skirt = Run::new(p(-ww * 0.8, wy));
        skirt.cubic(
            p(-ww * 0.7, wy + 80.0),
            p(-hem_corner.x * 0.25, hem_corner.y - 90.0),
            p(-hem_corner.x * 0.42, hem_corner.y + 6.0),
        );
        fig.line(skirt.open_path(), Ink::Outline, OUTLINE * 0.8, body);
    }
    let k = p(-ww - 4.0, wy);
    let mut lp = Run::new(k);
    lp.cubic(k + p(-8.0, -18.0), k + p(-30.0, -16.0), k + p(-28.0, -2.0))
        .cubic(k + p(-26.0, 8.0), k + p(-10.0, 6.0), k);
    fig.strap(&lp, 5.0);
    let mut tail = Run::new(k);
    tail.cubic(k + p(-6.0, 20.0), k + p(-16.0, 40.0), k + p(-12.0, 72.0));
    fig.strap(&tail, 5.0);
    let mut tail = Run::new(k);
    tail.cubic(k + p(2.0, 22.0), k + p(4.0, 44.0), k + p(-1.0, 62.0));
    fig.strap(&tail, 5.0);
    let mut pb = tiny_skia::PathBuilder::new();
    pb.push_circle(k.x, k.y, 5.0);
    let knot = pb.finish();
    fig.fill(knot.clone(), Ink::Main, 1.0, None);
    fig.line(knot, Ink::Outline, SEAM, None);
}

/// A flared peplum from the waist, `length` deep.
pub(crate) fn peplum(fig: &mut Figure, f: &Frame, length: f32) {
    let (wy, ww) = (f.waist_y, f.waist);
    let l = length;
    let mut half = Run::new(p(0.0, wy));
    half.line(p(ww + 1.0, wy)).cubic(
        p(ww + 6.0, wy + l * 0.35),
        p(ww + 24.0, wy + l * 0.7),
        p(ww + 36.0, wy + l),
    );
    half.waves(p(0.0, wy + l + 6.0), 4, 4.0, p(0.0, 1.0));
    let piece = fig.fabric(half.symmetric_path());
    for sign in [1.0f32, -1.0] {
        let folds: Vec<(P, P)> = [0.3f32, 0.7]
            .iter()
            .map(|t| {
                let x = ww * t * sign;
                (p(x, wy + 8.0), p(x * 1.35, wy + l))
            })
            .collect();
        fig.stroke(segments(&folds), Ink::Seam, 1.0, false, 0.6, piece);
    }
}

/// Jumpsuit: front seam down to the crotch, slant pockets, leg creases.
pub(crate) fn jumpsuit_lines(fig: &mut Figure, f: &Frame, body: Option<usize>) {
    let mut centre = Run::new(p(0.0, f.waist_y));
    centre.line(p(0.0, f.crotch_y - 4.0));
    fig.seam(&centre, body);
    for sign in [1.0f32, -1.0] {
        let mut pocket = Run::new(p(sign * (f.waist - 20.0), f.waist_y + 4.0));
        pocket.line(p(sign * (f.hip - 6.0), f.waist_y + 58.0));
        fig.seam(&pocket, body);
    }
}

/// Ribbing: a band `depth` deep above the hem.
fn rib_band(fig: &mut Figure, hem_y: f32, half: f32, depth: f32, body: Option<usize>) {
    let top = hem_y - depth;
    let mut line = Run::new(p(-half - 10.0, top));
    line.line(p(half + 10.0, top));
    fig.seam(&line, body);
    let n = ((half * 2.0) / 4.0) as usize;
    let ribs: Vec<(P, P)> = (0..=n)
        .map(|i| {
            let x = -half + i as f32 * 4.0;
            (p(x, top), p(x, hem_y + 6.0))
        })
        .collect();
    fig.stroke(segments(&ribs), Ink::Seam, 0.9, false, 0.5, body);
}

/// A placket down the centre front with buttons from `from` to `to`.
fn placket(fig: &mut Figure, from: f32, to: f32, body: Option<usize>) {
    for x in [-7.0, 7.0] {
        let mut r = Run::new(p(x, from));
        r.line(p(x, to));
        fig.seam(&r, body);
    }
    let mut y = from + 14.0;
    while y < to - 10.0 {
        button(fig, p(0.0, y), 3.2);
        y += 44.0;
    }
}

/// Closures, pockets, hems and ribbing by garment.
pub(crate) fn garment_details(
    fig: &mut Figure,
    d: &Design,
    f: &Frame,
    t: &Top,
    body: Option<usize>,
    hem_corner: Option<P>,
) {
    let hem_y = hem_corner.map_or(f.hem_y, |c| c.y);
    let hem_x = hem_corner.map_or(f.hip, |c| c.x);
    let collared = d.neckline == Some(Neckline::Collared);
    let hem_stitch = |fig: &mut Figure, offset: f32| {
        let mut r = Run::new(p(-hem_x - 10.0, hem_y - offset));
        r.line(p(hem_x + 10.0, hem_y - offset));
        fig.stitch(&r, body);
    };
    match d.garment {
        Garment::Shirt => {
            placket(fig, t.neck_bottom + 6.0, hem_y + 22.0, body);
            if hem_y > f.armpit_y + 60.0 {
                let (x0, x1, y0) = (-74.0, -40.0, f.neck_y + 86.0);
                let pocket = polygon(&[
                    p(x0, y0),
                    p(x1, y0),
                    p(x1, y0 + 34.0),
                    p((x0 + x1) * 0.5, y0 + 40.0),
                    p(x0, y0 + 34.0),
                ]);
                fig.line(pocket, Ink::Seam, SEAM, body);
            }
        }
        Garment::Cardigan => {
            let mut edge = Run::new(p(0.0, t.neck_bottom));
            edge.line(p(0.0, hem_y + 2.0));
            fig.line(edge.open_path(), Ink::Outline, OUTLINE * 0.8, body);
            if let Some(nr) = &t.neck_right {
                for side in [nr.clone(), nr.mirrored()] {
                    let sign = if side.end().x < 0.0 { -1.0 } else { 1.0 };
                    let mut band = side.translated(p(8.0 * sign, 0.0));
                    band.line(p(8.0 * sign, hem_y));
                    fig.seam(&band, body);
                }
            }
            let mut y = t.neck_bottom + 14.0;
            while y < hem_y - 26.0 {
                button(fig, p(0.0, y), 3.2);
                y += 42.0;
            }
            rib_band(fig, hem_y, hem_x, 20.0, body);
        }
        Garment::Sweater => rib_band(fig, hem_y, hem_x, 22.0, body),
        Garment::TShirt => {
            hem_stitch(fig, 6.0);
            hem_stitch(fig, 10.0);
        }
        Garment::Top | Garment::Blouse => {
            if collared {
                placket(fig, t.neck_bottom + 6.0, hem_y, body);
            }
            hem_stitch(fig, 7.0);
        }
        Garment::Jacket | Garment::Blazer | Garment::Coat => {
            outerwear(fig, d, f, t, body, hem_y);
        }
        Garment::Dress | Garment::Gown | Garment::Jumpsuit if collared => {
            placket(fig, t.neck_bottom + 6.0, f.waist_y, body);
        }
        _ => {}
    }
}

fn outerwear(fig: &mut Figure, d: &Design, f: &Frame, t: &Top, body: Option<usize>, hem_y: f32) {
    let by = t.neck_bottom;
    let mut edge = Run::new(p(1.0, by));
    edge.line(p(5.0, by + 12.0)).line(p(5.0, hem_y + 1.0));
    fig.line(edge.open_path(), Ink::Outline, OUTLINE * 0.8, body);
    let (count, step) = match d.garment {
        Garment::Blazer => (2, 46.0),
        Garment::Coat => (5, 54.0),
        _ => (3, 48.0),
    };
    let belted = d.waist_finish == Some(Waist::Belted);
    let mut y = by + 16.0;
    for _ in 0..count {
        if y > hem_y - 24.0 {
            break;
        }
        if !(belted && (y - f.waist_y).abs() < 16.0) {
            button(fig, p(-1.0, y), 4.2);
        }
        y += step;
    }
    let pocket_y = if d.garment == Garment::Coat {
        f.hip_y + 14.0
    } else {
        f.hip_y - 8.0
    };
    if hem_y > pocket_y + 24.0 {
        for sign in [1.0f32, -1.0] {
            let flap = polygon(&[
                p(sign * 26.0, pocket_y),
                p(sign * 80.0, pocket_y - 2.0),
                p(sign * 81.0, pocket_y + 15.0),
                p(sign * 27.0, pocket_y + 17.0),
            ]);
            fig.fabric(flap);
        }
    }
    if d.garment == Garment::Blazer {
        let y = f.armpit_y + 10.0;
        let welt = polygon(&[
            p(-78.0, y + 4.0),
            p(-42.0, y),
            p(-42.0, y + 9.0),
            p(-78.0, y + 13.0),
        ]);
        fig.line(welt, Ink::Outline, SEAM, body);
    }
    let mut r = Run::new(p(-300.0, hem_y - 8.0));
    r.line(p(300.0, hem_y - 8.0));
    fig.stitch(&r, body);
}
