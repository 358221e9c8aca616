//! Outline geometry of a fashion flat: the garment seen from the front, laid flat, in the
//! reference frame (512 × 768, centre front at x = 0, shoulders near y = 120).
//!
//! A body is built as its right half (top edge, side seam, hem) and mirrored. The side seam
//! follows key points (half widths at the armpit, waist, hip, knee and hem) that the
//! silhouette sets; the seed moves them by a few per cent, never enough to change the design.

mod details;
mod neck;
mod sleeve;

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::design::{Class, Design};
use crate::figure::{Fan, Figure, Ink, Trims, OUTLINE};
use crate::geom::{p, x_at, Run, P};
use crate::vocabulary::{Garment, Neckline, Pattern, Silhouette, Texture, Waist};

use sleeve::Finish;

/// Seeded small variations of proportions.
pub(crate) struct Jitter(Xoshiro256PlusPlus);

impl Jitter {
    pub(crate) fn new(seed: u64) -> Self {
        Self(Xoshiro256PlusPlus::seed_from_u64(seed))
    }

    /// Uniform in `[-amount, amount]`.
    fn amount(&mut self, amount: f32) -> f32 {
        (self.0.random::<f32>() * 2.0 - 1.0) * amount
    }
}

/// Body landmarks of the garment in the reference frame (half widths from the centre front).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Frame {
    pub neck_y: f32,
    pub shoulder: P,
    pub armpit_y: f32,
    pub bust: f32,
    pub waist_y: f32,
    pub waist: f32,
    pub hip_y: f32,
    pub hip: f32,
    pub crotch_y: f32,
    pub knee_y: f32,
    pub hem_y: f32,
    /// Multiplies flare amounts (seeded, about ±5 %).
    pub flare: f32,
    /// Extra room of outerwear and knits over the body.
    pub ease: f32,
}

/// Half width of a body at height `y`, which a garment follows where it is fitted.
fn natural_half(y: f32) -> f32 {
    x_at(
        &[
            p(84.0, 205.0),
            p(68.0, 292.0),
            p(94.0, 372.0),
            p(96.0, 480.0),
        ],
        y,
    )
}

impl Frame {
    fn new(d: &Design, j: &mut Jitter) -> Self {
        let class = d.garment.class();
        let ease = match (class, d.garment) {
            (Class::Outerwear, _) => 1.08,
            (_, Garment::Sweater | Garment::Cardigan) => 1.04,
            _ => 1.0,
        };
        let mut shoulder = p(92.0 + j.amount(2.5), 132.0);
        let mut armpit_y = 205.0;
        if class == Class::Outerwear {
            shoulder.x += 8.0;
            armpit_y += 8.0;
        }
        let waist_y = d.waist_y + j.amount(2.0);
        let mut waist = (natural_half(waist_y) + j.amount(2.0)) * ease;
        if d.waist_finish == Some(Waist::Cinched) {
            waist *= 0.9;
        }
        if matches!(class, Class::Skirt | Class::Legs) {
            waist += 3.0;
        }
        let mut bust = (84.0 + j.amount(2.0)) * ease;
        let mut hip = (94.0 + j.amount(2.5)) * ease;
        if d.garment == Garment::Kaftan {
            bust += 16.0;
            hip += 24.0;
            waist = bust + 2.0;
        }
        Frame {
            neck_y: 118.0,
            shoulder,
            armpit_y,
            bust,
            waist_y,
            waist,
            hip_y: 372.0,
            hip,
            crotch_y: 408.0,
            knee_y: 520.0,
            hem_y: d.hem_y + j.amount(3.0),
            flare: 1.0 + j.amount(0.05),
            ease,
        }
    }
}

/// A key point of the side seam: `(half width, y)`; a sharp key is a corner.
#[derive(Debug, Clone, Copy)]
struct Key {
    at: P,
    sharp: bool,
}

fn key(x: f32, y: f32) -> Key {
    Key {
        at: p(x, y),
        sharp: false,
    }
}

fn corner(x: f32, y: f32) -> Key {
    Key {
        at: p(x, y),
        sharp: true,
    }
}

/// Follows keys from the run's end: smooth between corners.
fn follow(run: &mut Run, keys: &[Key]) {
    let mut group: Vec<P> = Vec::new();
    for k in keys {
        group.push(k.at);
        if k.sharp {
            run.smooth(&group);
            group.clear();
        }
    }
    if !group.is_empty() {
        run.smooth(&group);
    }
}

/// Side seam keys of a one-piece, top or coat from below the armpit to the hem (or of a skirt
/// from below the waistband when `skirt`).
fn side_keys(s: Silhouette, f: &Frame, skirt: bool) -> Vec<Key> {
    use Silhouette::*;
    let (b, ay, wy, ww, hy, hip, hem) = (
        f.bust, f.armpit_y, f.waist_y, f.waist, f.hip_y, f.hip, f.hem_y,
    );
    let k = f.flare;
    let below = (hem - wy).max(0.0);
    let mut keys = match s {
        Sheath | Peplum => vec![key(ww + 5.0, wy), key(hip - 2.0, hy), key(hip * 0.95, hem)],
        Bodycon => vec![key(ww, wy), key(hip - 4.0, hy), key(hip * 0.86, hem)],
        Straight | WideLeg | Tapered => {
            vec![key(ww + 12.0, wy), key(hip + 1.0, hy), key(hip + 1.0, hem)]
        }
        Shift => vec![key(b + 3.0, wy), key(hip + 3.0, hy), key(hip + 6.0, hem)],
        ALine => vec![corner(ww, wy), key(ww + below * 0.38 * k, hem)],
        FitAndFlare => vec![
            corner(ww - 2.0, wy),
            key(ww + 34.0 * k, wy + 44.0),
            key(ww + (40.0 + (below - 46.0).max(0.0) * 0.4) * k, hem),
        ],
        Wrap => vec![corner(ww, wy), key(ww + below * 0.3 * k, hem)],
        Empire => vec![corner(b - 5.0, wy), key(b - 5.0 + below * 0.24 * k, hem)],
        Trapeze => vec![key(b + (hem - ay) * 0.36 * k, hem)],
        Ballgown => vec![
            corner(ww - 3.0, wy),
            key(ww + 40.0 * k, wy + 26.0),
            key(ww + 98.0 * k, wy + 100.0),
            key(ww + 128.0 * k, wy + 200.0),
            key(ww + (135.0 + (below - 200.0) * 0.1) * k, hem),
        ],
        Mermaid => {
            let knee = f.knee_y.min(hem - 80.0);
            if knee > hy + 20.0 {
                vec![
                    key(ww, wy),
                    key(hip, hy),
                    corner(hip * 0.72, knee),
                    key(hip * 0.86, knee + (hem - knee) * 0.45),
                    key(hip * 1.6 * k, hem),
                ]
            } else {
                vec![
                    key(ww, wy),
                    corner(hip * 0.88, hem - 36.0),
                    key(hip * 1.3 * k, hem),
                ]
            }
        }
        Slip => vec![
            key(ww + 6.0, wy),
            key(hip - 2.0, hy),
            key(hip + 10.0 * k, hem),
        ],
    };
    for k in &mut keys {
        k.at.x = k.at.x.min(228.0);
    }
    let start_y = if skirt { wy + 1.0 } else { ay + 1.0 };
    let hem_key = keys.last().copied().unwrap_or(key(hip, hem));
    // Keep the keys strictly between the start and the hem; a hem above the waist (a cropped
    // top) follows the body instead of the silhouette's skirt.
    let mut out: Vec<Key> = keys
        .into_iter()
        .filter(|k| k.at.y > start_y + 4.0 && k.at.y < hem - 6.0)
        .collect();
    let hem_x = if hem < wy + 24.0 && !skirt {
        match s {
            Shift | Trapeze | Empire => hem_key.at.x,
            _ => natural_half(hem) * f.ease + 2.0,
        }
    } else {
        hem_key.at.x
    };
    out.push(key(hem_x, hem));
    out
}

/// Where the folds of a flared skirt start: `(y, half width at y)`.
fn fold_start(s: Silhouette, f: &Frame, profile: &[P]) -> (f32, f32) {
    let y = match s {
        Silhouette::Mermaid => f.knee_y.min(f.hem_y - 80.0).max(f.hip_y),
        _ if shaped_waist(s) => f.waist_y + (f.hem_y - f.waist_y) * 0.28,
        _ => f.armpit_y + (f.hem_y - f.armpit_y) * 0.3,
    };
    (y, x_at(profile, y))
}

/// The right half of a hem from the side corner to the centre front; returns it and the fold
/// lines of a flared skirt, which start at `fold_top` (height, half width of the skirt there).
fn hem(corner_pt: P, hip: f32, shirttail: bool, fold_top: (f32, f32)) -> (Run, Vec<Run>) {
    let (hx, hy) = (corner_pt.x, corner_pt.y);
    let mut folds = Vec::new();
    if shirttail {
        let mut run = Run::new(corner_pt);
        run.cubic(
            p(hx - 6.0, hy + 14.0),
            p(hx * 0.5, hy + 22.0),
            p(0.0, hy + 22.0),
        );
        return (run, folds);
    }
    let dip = ((hx - hip) * 0.12).clamp(0.0, 16.0);
    let flare = hx / hip.max(1.0);
    let mut run = Run::new(corner_pt);
    if flare > 1.4 {
        // A full skirt: a fold rising from each trough; scallops along a shallow arc when
        // the skirt is very full.
        let n = ((hx / 30.0).round() as usize).clamp(3, 8);
        let (top_y, top_half) = fold_top;
        let arc = |t: f32| p(hx * (1.0 - t), hy + dip * (1.0 - (1.0 - t) * (1.0 - t)));
        for i in 1..n {
            let q = arc(i as f32 / n as f32);
            let top = p(q.x * top_half / hx.max(1.0), top_y);
            // Staggered starts, so that the folds do not read as a seam.
            let start = top.lerp(q, [0.0, 0.12, 0.05][i % 3]);
            let mut fold = Run::new(start);
            fold.line(q);
            folds.push(fold);
        }
        if flare > 1.75 {
            for i in 1..=n {
                run.waves(arc(i as f32 / n as f32), 1, 4.5, p(0.0, 1.0));
            }
            return (run, folds);
        }
    }
    run.cubic(
        p(hx * 0.7, hy + dip),
        p(hx * 0.3, hy + dip),
        p(0.0, hy + dip),
    );
    (run, folds)
}

/// Whether the garment's silhouette defines a waist (then a waist seam is drawn).
fn shaped_waist(s: Silhouette) -> bool {
    matches!(
        s,
        Silhouette::ALine
            | Silhouette::FitAndFlare
            | Silhouette::Wrap
            | Silhouette::Ballgown
            | Silhouette::Peplum
            | Silhouette::Empire
    )
}

/// Builds the flat for a settled design; `seed` varies proportions and detail placement.
pub(crate) fn build(d: &Design, seed: u64) -> Figure {
    let mut j = Jitter::new(seed);
    let f = Frame::new(d, &mut j);
    let trims = Trims {
        second: d.pattern == Pattern::Solid && d.colours.second.is_some(),
        third: d.pattern == Pattern::Solid && d.colours.third.is_some(),
    };
    let mut fig = Figure::new(trims);
    match d.garment.class() {
        Class::Skirt => skirt(&mut fig, d, &f),
        Class::Legs => details::trousers(&mut fig, d, &f),
        _ => bodice(&mut fig, d, &f),
    }
    fig
}

/// Dresses, tops, outerwear and jumpsuits: everything with a bodice.
fn bodice(fig: &mut Figure, d: &Design, f: &Frame) {
    let class = d.garment.class();
    let neckline = d.neckline.unwrap_or(Neckline::Crew);
    let top = neck::top(d.garment, neckline, d.sleeve, f);
    let a = p(f.bust, f.armpit_y);

    // Side seam and hem (or legs).
    let body_silhouette = match (class, d.silhouette) {
        (Class::Top | Class::Outerwear, Silhouette::Peplum) => Silhouette::Sheath,
        (Class::Jumpsuit, _) => Silhouette::Sheath,
        (_, s) => s,
    };
    let mut frame = *f;
    if class == Class::Top && d.silhouette == Silhouette::Peplum {
        // The peplum is the lower part of a peplum top.
        frame.hem_y = f.waist_y + 10.0;
    }
    let mut side = Run::new(a);
    let mut legs = None;
    let mut profile = vec![a];
    let (bottom, folds, hem_corner) = if class == Class::Jumpsuit {
        let l = details::legs(d.silhouette, f, &mut side, &[p(f.waist, f.waist_y)]);
        profile.extend([p(f.waist, f.waist_y), p(f.hip, f.hip_y), l.hem.start()]);
        legs = Some(l);
        (Run::new(side.end()), Vec::new(), None)
    } else {
        let keys = side_keys(body_silhouette, &frame, false);
        follow(&mut side, &keys);
        profile.extend(keys.iter().map(|k| k.at));
        let corner_pt = side.end();
        let shirttail = d.garment == Garment::Shirt;
        let (h, folds) = hem(
            corner_pt,
            f.hip,
            shirttail,
            fold_start(d.silhouette, f, &profile),
        );
        (h, folds, Some(corner_pt))
    };
    let mut right = top.right.clone();
    right.extend(&side).extend(&bottom);
    let mut left = top.left.clone();
    left.extend(&side).extend(&bottom);
    let mut whole = right;
    whole.extend(&left.mirrored().reversed());

    fig.fan = Some(Fan {
        top_y: if shaped_waist(d.silhouette) || class == Class::Jumpsuit {
            f.waist_y
        } else {
            f.armpit_y
        },
        bottom_y: profile.last().map_or(f.hem_y, |q| q.y),
        profile,
    });

    // Back neck, straps, sleeves, then the body over them.
    neck::back_neck(fig, &top, f);
    for strap in &top.straps {
        fig.strap(
            strap,
            if neckline == Neckline::Halter {
                7.0
            } else {
                4.5
            },
        );
        fig.strap(
            &strap.mirrored(),
            if neckline == Neckline::Halter {
                7.0
            } else {
                4.5
            },
        );
    }
    let finish = match d.garment {
        Garment::Sweater | Garment::Cardigan => Finish::Rib,
        Garment::Shirt | Garment::Blouse | Garment::Jacket | Garment::Blazer | Garment::Coat => {
            Finish::Cuff
        }
        _ => Finish::Hem,
    };
    if let Some(kind) = d.sleeve {
        let ease = if class == Class::Outerwear {
            1.1
        } else {
            f.ease
        };
        if let Some(anchor) = &top.right_anchor {
            sleeve::draw(fig, kind, anchor, false, ease, finish);
        }
        if let Some(anchor) = &top.left_anchor {
            sleeve::draw(fig, kind, anchor, true, ease, finish);
        }
    }
    let body = fig.body(whole.closed_path());

    // Trims of a solid garment along the hem and neckline.
    if let Some(l) = &legs {
        fig.trim(&details::leg_hems(l), body);
    } else {
        let mut hem_edge = bottom.clone();
        hem_edge.extend(&bottom.mirrored().reversed());
        fig.trim(&hem_edge, body);
    }
    if let (Some(nr), Some(nl)) = (&top.neck_right, &top.neck_left) {
        let mut neck_edge = nl.mirrored().reversed();
        neck_edge.extend(nr);
        fig.trim(&neck_edge, body);
    }

    if d.texture == Texture::Sheer {
        let bottom_y = if class == Class::Jumpsuit {
            f.crotch_y + 60.0
        } else {
            frame.hem_y - 60.0
        };
        details::lining(fig, f.armpit_y - 8.0, bottom_y, body);
    }

    for fold in &folds {
        fig.stroke(fold.open_path(), Ink::Seam, 1.1, false, 0.6, body);
        fig.stroke(
            fold.mirrored().open_path(),
            Ink::Seam,
            1.1,
            false,
            0.6,
            body,
        );
    }

    // Waist line.
    let waist_seam = d.waist_requested
        || match class {
            Class::OnePiece => shaped_waist(d.silhouette) && d.garment != Garment::Kaftan,
            Class::Jumpsuit => true,
            _ => class == Class::Top && d.silhouette == Silhouette::Peplum,
        };
    details::waist(fig, d, f, body, waist_seam);

    if d.silhouette == Silhouette::Wrap {
        details::wrap(fig, &top, f, hem_corner, body);
    }
    if matches!(
        class,
        Class::OnePiece | Class::Top | Class::Outerwear | Class::Jumpsuit
    ) && d.silhouette == Silhouette::Peplum
    {
        let length = if class == Class::Top {
            (f.hem_y - f.waist_y).max(40.0)
        } else {
            58.0
        };
        details::peplum(fig, f, length);
    }
    if class == Class::Jumpsuit {
        details::jumpsuit_lines(fig, f, body);
    }

    neck::overlays(fig, d.garment, neckline, d.silhouette, &top, f, body);
    details::garment_details(fig, d, f, &top, body, hem_corner);
}

/// A skirt: waistband at the waist, the silhouette below.
fn skirt(fig: &mut Figure, d: &Design, f: &Frame) {
    let wy = f.waist_y;
    let mut right = Run::new(p(0.0, wy));
    right.line(p(f.waist, wy));
    let keys = side_keys(d.silhouette, f, true);
    follow(&mut right, &keys);
    let corner_pt = right.end();
    let mut profile = vec![p(f.waist, wy)];
    profile.extend(keys.iter().map(|k| k.at));
    let (h, folds) = hem(
        corner_pt,
        f.hip,
        false,
        fold_start(d.silhouette, f, &profile),
    );
    right.extend(&h);
    fig.fan = Some(Fan {
        top_y: wy + 14.0,
        bottom_y: corner_pt.y,
        profile,
    });
    let body = fig.body(right.symmetric_path());
    let mut hem_edge = h.clone();
    hem_edge.extend(&h.mirrored().reversed());
    fig.trim(&hem_edge, body);
    if d.texture == Texture::Sheer {
        details::lining(fig, wy + 14.0, f.hem_y - 60.0, body);
    }
    for fold in &folds {
        fig.stroke(fold.open_path(), Ink::Seam, 1.1, false, 0.6, body);
        fig.stroke(
            fold.mirrored().open_path(),
            Ink::Seam,
            1.1,
            false,
            0.6,
            body,
        );
    }
    let elastic = d.waist_finish == Some(Waist::Elasticated);
    details::waistband(fig, f, body, false, !elastic);
    details::waist(fig, d, f, body, false);
    if d.silhouette == Silhouette::Wrap {
        let mut edge = Run::new(p(-f.waist * 0.2, wy + 14.0));
        edge.cubic(
            p(-f.waist * 0.25, wy + 120.0),
            p(-corner_pt.x * 0.2, f.hem_y - 80.0),
            p(-corner_pt.x * 0.38, f.hem_y + 2.0),
        );
        fig.line(edge.open_path(), Ink::Outline, OUTLINE * 0.8, body);
    }
    if d.silhouette == Silhouette::Peplum {
        details::peplum(fig, f, 54.0);
    }
    if matches!(
        d.silhouette,
        Silhouette::Sheath | Silhouette::Bodycon | Silhouette::Straight
    ) {
        for sign in [-1.0, 1.0] {
            let mut dart = Run::new(p(sign * f.waist * 0.5, wy + 14.0));
            dart.line(p(sign * f.waist * 0.52, wy + 58.0));
            fig.seam(&dart, body);
        }
    }
}
