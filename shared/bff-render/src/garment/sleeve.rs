//! Sleeves, built on the right side from the armhole they share with the bodice.
//!
//! A sleeve leaves the shoulder at an angle from the vertical (short sleeves stand out more,
//! long ones hang closer to the body, as in a flat drawing) and closes along the same armhole
//! curve as the bodice, so the two pieces meet without overlap.

use crate::figure::{Figure, Ink, SEAM};
use crate::geom::{p, Run, P};
use crate::vocabulary::Sleeve;

use super::neck::{button, Anchor};

/// Runs of one sleeve (right-hand side).
struct Shape {
    outline: Run,
    /// A separate cuff piece drawn over the sleeve.
    cuff: Option<Run>,
    /// Seam lines (clipped to the sleeve).
    seams: Vec<Run>,
    /// Dashed hem stitching.
    stitches: Vec<Run>,
    /// Gathers and folds, lighter than seams.
    folds: Vec<Run>,
    /// The sleeve end, for trims.
    edge: Run,
    /// A cuff button.
    button: Option<P>,
}

struct Axis {
    /// Down the arm.
    d: P,
    /// Across the arm, towards the body (and down).
    n: P,
}

fn axis(degrees: f32) -> Axis {
    let t = degrees.to_radians();
    Axis {
        d: p(t.sin(), t.cos()),
        n: p(-t.cos(), t.sin()),
    }
}

/// How the sleeve ends: ribbed (knits), a shirt cuff with a button, or a plain hem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Finish {
    Hem,
    Rib,
    Cuff,
}

fn shape(kind: Sleeve, at: &Anchor, ease: f32, finish: Finish) -> Option<Shape> {
    let s = at.shoulder;
    let a = at.armpit;
    let mut outline = Run::new(at.start);
    if (at.start - s).len() > 0.5 {
        outline.line(s);
    }
    let close = |outline: &mut Run| {
        outline.line(a);
        outline.extend(&at.seam.reversed());
    };
    let mut seams = Vec::new();
    let mut stitches = Vec::new();
    let mut folds = Vec::new();
    let mut cuff = None;
    let mut button = None;
    let edge;
    match kind {
        Sleeve::Sleeveless | Sleeve::SpaghettiStrap => return None,
        Sleeve::Cap => {
            let ax = axis(58.0);
            let e = s + ax.d * 30.0;
            outline
                .line(e)
                .quad(e + ax.n * 30.0 + ax.d * 8.0, a + p(2.0, 2.0));
            outline.extend(&at.seam.reversed());
            edge = {
                let mut r = Run::new(e);
                r.quad(e + ax.n * 30.0 + ax.d * 8.0, a + p(2.0, 2.0));
                r
            };
            stitches.push(edge.translated(ax.d * -5.0));
        }
        Sleeve::Short | Sleeve::Elbow | Sleeve::ThreeQuarter | Sleeve::Long | Sleeve::Raglan => {
            let (deg, len, end) = match kind {
                Sleeve::Short => (44.0, 78.0, 60.0),
                Sleeve::Elbow => (36.0, 142.0, 50.0),
                Sleeve::ThreeQuarter => (32.0, 194.0, 44.0),
                _ => (29.0, 252.0, 38.0),
            };
            let ax = axis(deg);
            let eo = s + ax.d * (len * ease);
            let ei = eo + ax.n * (end * ease);
            outline.line(eo).line(ei);
            close(&mut outline);
            edge = {
                let mut r = Run::new(eo);
                r.line(ei);
                r
            };
            let long = matches!(kind, Sleeve::Long | Sleeve::Raglan);
            match finish {
                Finish::Rib | Finish::Cuff if long => {
                    let depth = if finish == Finish::Rib { 20.0 } else { 18.0 };
                    seams.push(edge.translated(ax.d * -depth));
                    if finish == Finish::Rib {
                        for i in 1..8 {
                            let t = i as f32 / 8.0;
                            let q = eo.lerp(ei, t);
                            let mut rib = Run::new(q - ax.d * depth);
                            rib.line(q);
                            folds.push(rib);
                        }
                    } else {
                        button = Some(eo.lerp(ei, 0.75) - ax.d * 9.0);
                    }
                }
                _ => {
                    stitches.push(edge.translated(ax.d * -7.0));
                }
            }
        }
        Sleeve::Puff => {
            let ax = axis(46.0);
            let len = 70.0 * ease;
            let eo = s + ax.d * len;
            let ei = eo + ax.n * (50.0 * ease);
            let out = ax.n * -1.0;
            outline.cubic(
                s + p(0.0, -20.0) + ax.d * 4.0 + out * 14.0,
                eo + out * 24.0 - ax.d * 18.0,
                eo,
            );
            outline.line(ei).cubic(
                ei + ax.n * 12.0 - ax.d * 14.0,
                a + ax.d * 14.0 + ax.n * 6.0,
                a,
            );
            outline.extend(&at.seam.reversed());
            edge = {
                let mut r = Run::new(eo);
                r.line(ei);
                r
            };
            seams.push(edge.translated(ax.d * -9.0));
            for i in 1..6 {
                let t = i as f32 / 6.0;
                let q = eo.lerp(ei, t) - ax.d * 9.0;
                let mut g = Run::new(q);
                g.line(q - ax.d * 16.0 + out * ((0.5 - t) * 6.0));
                folds.push(g);
            }
            for i in 0..3 {
                let q = s + ax.d * (6.0 + 7.0 * i as f32) + ax.n * 4.0;
                let mut g = Run::new(q);
                g.line(q + ax.d * 14.0 + ax.n * 6.0);
                folds.push(g);
            }
        }
        Sleeve::Bishop => {
            let ax = axis(29.0);
            let out = ax.n * -1.0;
            let len = 252.0 * ease;
            let eo = s + ax.d * len;
            let w = 34.0 * ease;
            let ko = eo - ax.d * 20.0;
            let ki = ko + ax.n * w;
            let ei = eo + ax.n * w;
            let bo = ko + out * 6.0;
            let bi = ki + ax.n * 6.0;
            outline.cubic(
                s + ax.d * 80.0 + out * 4.0,
                bo - ax.d * 60.0 + out * 32.0,
                bo,
            );
            outline.quad(bo.lerp(bi, 0.5) + ax.d * 10.0, bi);
            outline.cubic(
                bi - ax.d * 60.0 + ax.n * 28.0,
                a + ax.d * 60.0 + ax.n * 10.0,
                a,
            );
            outline.extend(&at.seam.reversed());
            let mut c = Run::new(ko - ax.d * 2.0);
            c.line(eo).line(ei).line(ki - ax.d * 2.0);
            cuff = Some(c);
            edge = {
                let mut r = Run::new(eo);
                r.line(ei);
                r
            };
            for i in 1..6 {
                let q = bo.lerp(bi, i as f32 / 6.0) + ax.d * 2.0;
                let mut g = Run::new(q);
                g.line(q - ax.d * 22.0);
                folds.push(g);
            }
            button = Some(eo.lerp(ei, 0.75) - ax.d * 10.0);
        }
        Sleeve::Bell => {
            let ax = axis(30.0);
            let out = ax.n * -1.0;
            let len = 236.0 * ease;
            let mo = s + ax.d * (118.0 * ease);
            let mi = mo + ax.n * (46.0 * ease);
            let eo = s + ax.d * len + out * 30.0;
            let ei = s + ax.d * (len - 6.0) + ax.n * (82.0 * ease);
            outline
                .line(mo)
                .cubic(mo + ax.d * 46.0, eo - ax.d * 40.0 + ax.n * 8.0, eo);
            let hem_mid = eo.lerp(ei, 0.5) + ax.d * 14.0;
            outline.quad(hem_mid, ei);
            outline
                .cubic(ei - ax.d * 46.0 - ax.n * 6.0, mi + ax.d * 40.0, mi)
                .line(a);
            outline.extend(&at.seam.reversed());
            edge = {
                let mut r = Run::new(eo);
                r.quad(hem_mid, ei);
                r
            };
            stitches.push(edge.translated(ax.d * -7.0));
            for t in [0.33, 0.66] {
                let start = mo.lerp(mi, t) + ax.d * 10.0;
                let end = eo.lerp(ei, t) + ax.d * 4.0;
                let mut g = Run::new(start);
                g.line(end - ax.d * 8.0);
                folds.push(g);
            }
        }
        Sleeve::Flutter => {
            let ax = axis(48.0);
            let out = ax.n * -1.0;
            let eo = s + ax.d * (62.0 * ease) + out * 14.0;
            let ei = a + ax.d * 30.0 + ax.n * 4.0;
            outline.line(eo).waves(ei, 4, 5.0, ax.d).line(a);
            outline.extend(&at.seam.reversed());
            edge = {
                let mut r = Run::new(eo);
                r.waves(ei, 4, 5.0, ax.d);
                r
            };
            for t in [0.25, 0.5, 0.75] {
                let start = s.lerp(a, t * 0.6) + ax.d * 8.0;
                let end = eo.lerp(ei, t);
                let mut g = Run::new(start);
                g.line(end);
                folds.push(g);
            }
        }
    }
    Some(Shape {
        outline,
        cuff,
        seams,
        stitches,
        folds,
        edge,
        button,
    })
}

/// Draws one sleeve on the given anchor; `mirror` puts it on the left side.
pub(crate) fn draw(
    fig: &mut Figure,
    kind: Sleeve,
    anchor: &Anchor,
    mirror: bool,
    ease: f32,
    finish: Finish,
) {
    let Some(shape) = shape(kind, anchor, ease, finish) else {
        return;
    };
    let side = |r: &Run| if mirror { r.mirrored() } else { r.clone() };
    let piece = fig.fabric(side(&shape.outline).closed_path());
    fig.trim(&side(&shape.edge), piece);
    for r in &shape.folds {
        fig.stroke(side(r).open_path(), Ink::Seam, 1.0, false, 0.55, piece);
    }
    for r in &shape.seams {
        fig.line(side(r).open_path(), Ink::Seam, SEAM, piece);
    }
    for r in &shape.stitches {
        fig.stitch(&side(r), piece);
    }
    if let Some(c) = &shape.cuff {
        let cuff = fig.fabric(side(c).closed_path());
        fig.trim(&side(&shape.edge), cuff);
    }
    if let Some(b) = shape.button {
        button(fig, if mirror { b.mirror() } else { b }, 3.0);
    }
}
