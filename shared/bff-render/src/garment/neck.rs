//! The top edge of a bodice (neckline, shoulders, armholes, straps) and what sits on it
//! (collars, lapels, turtlenecks, drapes, keyholes).

use crate::design::Class;
use crate::figure::{Figure, Ink, SEAM};
use crate::geom::{p, Run, P};
use crate::vocabulary::{Garment, Neckline, Silhouette, Sleeve};

use super::Frame;

/// Where a sleeve joins the bodice: the shared seam runs from `start` (the shoulder point, or
/// the neck for a raglan) down to the armpit.
#[derive(Debug, Clone)]
pub(crate) struct Anchor {
    pub start: P,
    pub shoulder: P,
    pub armpit: P,
    pub seam: Run,
}

/// The top edge of both halves of a bodice, in right-hand coordinates (the left half is
/// mirrored by the caller), from the centre front to the armpit.
#[derive(Debug, Clone)]
pub(crate) struct Top {
    pub right: Run,
    pub left: Run,
    pub right_anchor: Option<Anchor>,
    pub left_anchor: Option<Anchor>,
    /// Neckline edges from the centre front to the neck point (for bindings and trims).
    pub neck_right: Option<Run>,
    pub neck_left: Option<Run>,
    /// Strap runs (right-hand coordinates), drawn under the bodice.
    pub straps: Vec<Run>,
    /// Half width of the neck opening at the shoulder line.
    pub neck_half: f32,
    /// Lowest point of the neck opening on the centre front.
    pub neck_bottom: f32,
    /// The neck opening shows the inside of the back.
    pub back_visible: bool,
    /// A halter: a band round the neck, drawn under the bodice.
    pub halter_band: bool,
    /// A shirt collar or lapels cover the back neck.
    pub collared: bool,
}

/// The strap bodice necklines (spaghetti straps and strapless).
#[derive(Debug, Clone, Copy, PartialEq)]
enum StrapCut {
    Straight,
    V,
    Scoop,
    Square,
    Sweetheart,
    Cowl,
}

fn strap_cut(n: Neckline) -> StrapCut {
    match n {
        Neckline::VNeck => StrapCut::V,
        Neckline::Scoop => StrapCut::Scoop,
        Neckline::Square => StrapCut::Square,
        Neckline::Sweetheart => StrapCut::Sweetheart,
        Neckline::Cowl => StrapCut::Cowl,
        _ => StrapCut::Straight,
    }
}

/// Depth of the front opening of outerwear (the break point of the lapels).
pub(crate) fn break_y(neckline: Neckline, f: &Frame) -> f32 {
    match neckline {
        Neckline::Collared => f.waist_y.min(f.hem_y - 30.0) - 22.0,
        Neckline::VNeck => f.waist_y.min(f.hem_y - 30.0) - 40.0,
        Neckline::Scoop => f.neck_y + 58.0,
        Neckline::HighNeck | Neckline::Turtleneck => f.neck_y + 8.0,
        _ => f.neck_y + 24.0,
    }
}

/// A neck opening from the centre front `(0, depth)` to the neck point; returns it and its
/// half width.
fn neck_curve(n: Neckline, f: &Frame, outerwear: bool) -> (Run, f32) {
    let ny = f.neck_y;
    let curve = |nh: f32, depth: f32, round: f32| {
        let mut run = Run::new(p(0.0, ny + depth));
        run.cubic(
            p(nh * round, ny + depth),
            p(nh, ny + depth * (1.0 - round)),
            p(nh, ny),
        );
        (run, nh)
    };
    if outerwear {
        let by = break_y(n, f);
        return match n {
            Neckline::Collared | Neckline::VNeck => {
                let nh = 32.0;
                let mut run = Run::new(p(0.0, by));
                run.line(p(nh, ny));
                (run, nh)
            }
            Neckline::Scoop => curve(44.0, by - ny, 0.6),
            _ => curve(30.0, by - ny, 0.55),
        };
    }
    match n {
        Neckline::Crew | Neckline::Collared | Neckline::Keyhole => curve(30.0, 22.0, 0.55),
        Neckline::HighNeck | Neckline::Turtleneck => curve(28.0, 9.0, 0.5),
        Neckline::Scoop => curve(46.0, 64.0, 0.65),
        Neckline::Cowl => curve(48.0, 58.0, 0.6),
        Neckline::Boat => curve(66.0, 12.0, 0.5),
        Neckline::VNeck => {
            let nh = 34.0;
            let mut run = Run::new(p(0.0, ny + 84.0));
            run.cubic(p(8.0, ny + 68.0), p(nh - 3.0, ny + 14.0), p(nh, ny));
            (run, nh)
        }
        Neckline::Square => {
            let nh = 44.0;
            let mut run = Run::new(p(0.0, ny + 56.0));
            run.line(p(nh - 3.0, ny + 56.0))
                .quad(p(nh, ny + 56.0), p(nh, ny + 52.0))
                .line(p(nh, ny));
            (run, nh)
        }
        Neckline::Sweetheart => {
            let nh = 42.0;
            let mut run = Run::new(p(0.0, ny + 66.0));
            run.cubic(p(4.0, ny + 52.0), p(14.0, ny + 44.0), p(24.0, ny + 46.0))
                .cubic(p(34.0, ny + 48.0), p(40.0, ny + 56.0), p(nh, ny + 60.0))
                .line(p(nh, ny));
            (run, nh)
        }
        // Not shoulder necklines; a crew keeps the geometry total.
        _ => curve(30.0, 22.0, 0.55),
    }
}

/// Shoulder line and armhole from the neck point; returns the half top and the sleeve anchor.
fn shoulders(neck: Run, f: &Frame, sleeve: Option<Sleeve>) -> (Run, Anchor) {
    let n = neck.end();
    let cut_in = matches!(sleeve, Some(Sleeve::Sleeveless));
    let s = if cut_in {
        p(f.shoulder.x - 9.0, f.shoulder.y - 1.0)
    } else {
        f.shoulder
    };
    let a = p(f.bust, f.armpit_y);
    let mut half = neck;
    if sleeve == Some(Sleeve::Raglan) {
        let r = n + p(7.0, 5.0);
        half.line(r);
        let mut seam = Run::new(r);
        seam.cubic(r + p(6.0, 30.0), a + p(-6.0, -34.0), a);
        half.extend(&seam);
        return (
            half,
            Anchor {
                start: r,
                shoulder: s,
                armpit: a,
                seam,
            },
        );
    }
    half.line(s);
    let mut seam = Run::new(s);
    if cut_in {
        // A scooped armhole.
        seam.cubic(s + p(-6.0, 30.0), a + p(-4.0, -18.0), a);
    } else {
        seam.cubic(p(s.x - 4.0, s.y + 40.0), p(a.x + 5.0, a.y - 24.0), a);
    }
    half.extend(&seam);
    (
        half,
        Anchor {
            start: s,
            shoulder: s,
            armpit: a,
            seam,
        },
    )
}

/// The top edge of a strap bodice: at bust height, rising to the strap point.
fn strap_top(cut: StrapCut, f: &Frame, with_straps: bool) -> (Run, Option<Run>) {
    let ty = f.armpit_y - 30.0;
    let side = p(f.bust + 1.0, ty + 4.0);
    let q = p(40.0, if with_straps { ty - 10.0 } else { ty - 2.0 });
    let mut run = match cut {
        StrapCut::Straight => {
            let mut r = Run::new(p(0.0, ty + 2.0));
            r.cubic(p(14.0, ty + 2.0), p(30.0, q.y), q);
            r
        }
        StrapCut::V => {
            let mut r = Run::new(p(0.0, ty + 34.0));
            r.cubic(p(10.0, ty + 22.0), p(30.0, q.y + 4.0), q);
            r
        }
        StrapCut::Scoop | StrapCut::Cowl => {
            let mut r = Run::new(p(0.0, ty + 24.0));
            r.cubic(p(20.0, ty + 24.0), p(36.0, q.y + 8.0), q);
            r
        }
        StrapCut::Square => {
            let mut r = Run::new(p(0.0, ty + 16.0));
            r.line(p(q.x - 4.0, ty + 16.0)).line(q);
            r
        }
        StrapCut::Sweetheart => {
            let mut r = Run::new(p(0.0, ty + 20.0));
            r.cubic(p(4.0, ty + 4.0), p(14.0, ty - 10.0), p(26.0, ty - 8.0))
                .cubic(p(34.0, ty - 6.0), p(38.0, q.y + 2.0), q);
            r
        }
    };
    let neck = run.clone();
    run.cubic(q + p(12.0, 2.0), side + p(-10.0, 0.0), side)
        .line(p(f.bust, f.armpit_y));
    (run, Some(neck))
}

/// The top edge of a bodice for the design's neckline and sleeves.
pub(crate) fn top(garment: Garment, neckline: Neckline, sleeve: Option<Sleeve>, f: &Frame) -> Top {
    let outerwear = garment.class() == Class::Outerwear;
    let ny = f.neck_y;
    let a = p(f.bust, f.armpit_y);
    let with_sleeves = !matches!(sleeve, None | Some(Sleeve::Sleeveless));
    let symmetric = |right: Run, anchor: Option<Anchor>, neck: Option<Run>, nh, bottom, back| Top {
        left: right.clone(),
        right,
        left_anchor: anchor.clone(),
        right_anchor: anchor,
        neck_left: neck.clone(),
        neck_right: neck,
        straps: Vec::new(),
        neck_half: nh,
        neck_bottom: bottom,
        back_visible: back,
        halter_band: false,
        collared: neckline == Neckline::Collared,
    };

    if sleeve == Some(Sleeve::SpaghettiStrap) || neckline == Neckline::Strapless {
        let straps = sleeve == Some(Sleeve::SpaghettiStrap);
        let cut = if straps {
            strap_cut(neckline)
        } else {
            StrapCut::Straight
        };
        let (half, neck) = strap_top(cut, f, straps);
        let bottom = half.start().y;
        let mut t = symmetric(half, None, neck, 40.0, bottom, false);
        if straps {
            let q = p(40.0, f.armpit_y - 40.0);
            let mut strap = Run::new(q + p(0.0, 3.0));
            strap.line(p(46.0, ny + 8.0));
            t.straps.push(strap);
        }
        return t;
    }

    match neckline {
        Neckline::Halter => {
            let mut half = Run::new(p(0.0, ny + 8.0));
            half.line(p(20.0, ny + 6.0))
                .cubic(p(22.0, ny + 40.0), p(48.0, a.y - 22.0), a + p(-3.0, -12.0))
                .line(a);
            let neck = {
                let mut r = Run::new(p(0.0, ny + 8.0));
                r.line(p(20.0, ny + 6.0));
                r
            };
            let mut t = symmetric(half, None, Some(neck), 20.0, ny + 8.0, false);
            t.halter_band = true;
            t
        }
        Neckline::OffShoulder => {
            let ty = f.armpit_y - 36.0;
            let t_pt = if with_sleeves {
                p(f.bust + 12.0, ty - 2.0)
            } else {
                p(f.bust + 2.0, ty + 2.0)
            };
            let mut neck = Run::new(p(0.0, ty + 6.0));
            neck.cubic(p(30.0, ty + 6.0), p(t_pt.x - 24.0, t_pt.y), t_pt);
            let mut half = neck.clone();
            let mut seam = Run::new(t_pt);
            seam.cubic(t_pt + p(-2.0, 14.0), a + p(4.0, -12.0), a);
            half.extend(&seam);
            let anchor = with_sleeves.then_some(Anchor {
                start: t_pt,
                shoulder: t_pt,
                armpit: a,
                seam,
            });
            symmetric(half, anchor, Some(neck), 0.0, ty + 6.0, false)
        }
        Neckline::OneShoulder => {
            // The diagonal runs from the covered (left) neck point to the bare (right) underarm.
            let nh = 26.0;
            let side = p(f.bust + 1.0, f.armpit_y - 26.0);
            let yc = ny + (side.y - ny) * nh / (nh + side.x);
            let mut bare = Run::new(p(0.0, yc));
            bare.cubic(
                p(side.x * 0.4, yc + (side.y - yc) * 0.45),
                side + p(-14.0, -2.0),
                side,
            )
            .line(a);
            let mut neck_bare = Run::new(p(0.0, yc));
            neck_bare.cubic(
                p(side.x * 0.4, yc + (side.y - yc) * 0.45),
                side + p(-14.0, -2.0),
                side,
            );
            let mut neck_covered = Run::new(p(0.0, yc));
            neck_covered.line(p(nh, ny));
            let (covered, anchor) = shoulders(neck_covered.clone(), f, sleeve);
            Top {
                right: bare,
                left: covered,
                right_anchor: None,
                left_anchor: with_sleeves.then_some(anchor),
                neck_right: Some(neck_bare),
                neck_left: Some(neck_covered),
                straps: Vec::new(),
                neck_half: nh,
                neck_bottom: yc,
                back_visible: false,
                halter_band: false,
                collared: false,
            }
        }
        _ => {
            let (neck, nh) = neck_curve(neckline, f, outerwear);
            let bottom = neck.start().y;
            let (half, anchor) = shoulders(neck.clone(), f, sleeve);
            let back = !matches!(neckline, Neckline::HighNeck | Neckline::Turtleneck);
            symmetric(
                half,
                with_sleeves.then_some(anchor),
                Some(neck),
                nh,
                bottom,
                back,
            )
        }
    }
}

/// The inside of the back neck, seen through the front opening, and a halter's neck band;
/// drawn before the bodice.
pub(crate) fn back_neck(fig: &mut Figure, t: &Top, f: &Frame) {
    if t.halter_band {
        let ny = f.neck_y;
        let mut band = Run::new(p(-22.0, ny + 12.0));
        band.line(p(-21.0, ny - 8.0))
            .quad(p(0.0, ny - 13.0), p(21.0, ny - 8.0))
            .line(p(22.0, ny + 12.0))
            .quad(p(0.0, ny + 2.0), p(-22.0, ny + 12.0));
        fig.fabric(band.closed_path());
    }
    if !t.back_visible {
        return;
    }
    let nh = t.neck_half;
    let ny = f.neck_y;
    // Under a collar the back neck is hidden by the stand: no gap may show between them.
    let dip = if t.collared { -8.0 } else { 16.0 };
    let mut run = Run::new(p(-nh, ny));
    run.quad(p(0.0, ny + dip), p(nh, ny))
        .line(p(nh + 2.0, t.neck_bottom + 6.0))
        .line(p(-nh - 2.0, t.neck_bottom + 6.0));
    fig.fill(run.closed_path(), Ink::Inside, 1.0, None);
}

/// Everything drawn on top of the bodice at the neck.
pub(crate) fn overlays(
    fig: &mut Figure,
    garment: Garment,
    neckline: Neckline,
    silhouette: Silhouette,
    t: &Top,
    f: &Frame,
    body: Option<usize>,
) {
    let ny = f.neck_y;
    let nh = t.neck_half;
    let class = garment.class();
    // Knit bindings and facings follow the neck edge just inside the opening.
    if let (Some(nr), Some(nl)) = (&t.neck_right, &t.neck_left) {
        let binding = matches!(
            neckline,
            Neckline::Crew | Neckline::Scoop | Neckline::VNeck | Neckline::Boat | Neckline::Keyhole
        ) && class != Class::Outerwear
            && silhouette != Silhouette::Wrap;
        if binding {
            let mut edge = nr.mirrored().reversed();
            edge.extend(nr);
            let down = if neckline == Neckline::VNeck {
                p(0.0, 7.0)
            } else {
                p(0.0, 6.0)
            };
            fig.seam(&edge.translated(down), body);
            if garment == Garment::Kaftan {
                kaftan_embroidery(fig, &edge, body);
            }
        } else if class != Class::Outerwear {
            fig.seam(&nr.translated(p(0.0, 5.0)), body);
            fig.seam(&nl.mirrored().translated(p(0.0, 5.0)), body);
        }
    }

    match neckline {
        Neckline::Turtleneck | Neckline::HighNeck => {
            let tall = if neckline == Neckline::Turtleneck {
                36.0
            } else {
                17.0
            };
            let w = nh + 2.0;
            let mut run = Run::new(p(-w, ny + 7.0));
            run.line(p(-w + 3.0, ny - tall))
                .quad(p(0.0, ny - tall - 5.0), p(w - 3.0, ny - tall))
                .line(p(w, ny + 7.0))
                .quad(p(0.0, ny + 14.0), p(-w, ny + 7.0));
            let collar = fig.fabric(run.closed_path());
            if neckline == Neckline::Turtleneck {
                let mut fold = Run::new(p(-w - 1.0, ny - tall * 0.42));
                fold.quad(p(0.0, ny - tall * 0.42 + 6.0), p(w + 1.0, ny - tall * 0.42));
                fig.line(fold.open_path(), Ink::Outline, SEAM * 1.2, collar);
            }
            let mut x = -w + 4.0;
            while x < w - 2.0 {
                let mut rib = Run::new(p(x, ny - tall - 6.0));
                rib.line(p(x, ny + 16.0));
                fig.stroke(rib.open_path(), Ink::Seam, 0.9, false, 0.45, collar);
                x += 5.0;
            }
        }
        Neckline::Cowl => {
            let nb = t.neck_bottom;
            for k in 1..=3 {
                let k = k as f32;
                let half = nh - 2.0 - 7.0 * k;
                let y = nb - 36.0 + 8.0 * k;
                let mut drape = Run::new(p(-half, y));
                drape.quad(p(0.0, nb + 28.0 + 20.0 * k), p(half, y));
                fig.stroke(drape.open_path(), Ink::Seam, SEAM, false, 0.8, body);
            }
        }
        Neckline::Keyhole => {
            let top_y = ny + 24.0;
            let mut hole = Run::new(p(0.0, top_y));
            hole.cubic(
                p(6.0, top_y + 10.0),
                p(12.0, top_y + 22.0),
                p(0.0, top_y + 38.0),
            )
            .cubic(p(-12.0, top_y + 22.0), p(-6.0, top_y + 10.0), p(0.0, top_y));
            fig.fill(hole.closed_path(), Ink::Inside, 1.0, None);
            fig.line(hole.closed_path(), Ink::Outline, SEAM * 1.3, None);
            button(fig, p(0.0, ny + 19.0), 3.0);
        }
        Neckline::Collared if class == Class::Outerwear => lapels(fig, t, f),
        Neckline::Collared => shirt_collar(fig, t, f),
        _ => {}
    }
}

fn kaftan_embroidery(fig: &mut Figure, edge: &Run, body: Option<usize>) {
    for (offset, width) in [(p(0.0, 12.0), 5.0), (p(0.0, 20.0), 2.0)] {
        fig.stroke(
            edge.translated(offset).open_path(),
            Ink::Accent,
            width,
            offset.y > 15.0,
            0.95,
            body,
        );
    }
}

/// A round button with a highlight.
pub(crate) fn button(fig: &mut Figure, at: P, r: f32) {
    let mut pb = tiny_skia::PathBuilder::new();
    pb.push_circle(at.x, at.y, r);
    let path = pb.finish();
    fig.fill(path.clone(), Ink::Button, 1.0, None);
    fig.line(path, Ink::Outline, 1.0, None);
    let mut hl = tiny_skia::PathBuilder::new();
    hl.push_circle(at.x - r * 0.3, at.y - r * 0.3, r * 0.3);
    fig.fill(hl.finish(), Ink::Light, 0.5, None);
}

/// A pointed shirt collar: the stand behind the neck and two leaves meeting at the centre.
fn shirt_collar(fig: &mut Figure, t: &Top, f: &Frame) {
    let ny = f.neck_y;
    let nh = t.neck_half;
    let mut stand = Run::new(p(-nh - 3.0, ny - 2.0));
    stand
        .line(p(-nh - 1.0, ny - 12.0))
        .quad(p(0.0, ny - 20.0), p(nh + 1.0, ny - 12.0))
        .line(p(nh + 3.0, ny - 2.0))
        .quad(p(0.0, ny + 6.0), p(-nh - 3.0, ny - 2.0));
    fig.fabric(stand.closed_path());
    let mut leaf = Run::new(p(nh + 1.0, ny - 11.0));
    leaf.quad(p(nh + 16.0, ny - 4.0), p(nh + 19.0, ny + 16.0))
        .line(p(25.0, ny + 52.0))
        .line(p(2.0, ny + 27.0))
        .cubic(
            p(8.0, ny + 12.0),
            p(nh - 6.0, ny - 2.0),
            p(nh + 1.0, ny - 11.0),
        );
    for side in [leaf.clone(), leaf.mirrored()] {
        let piece = fig.fabric(side.closed_path());
        let mut stitch = Run::new(p(nh + 14.0, ny + 6.0));
        stitch.line(p(24.0, ny + 45.0)).line(p(6.0, ny + 27.0));
        let stitch = if side.start().x < 0.0 {
            stitch.mirrored()
        } else {
            stitch
        };
        fig.stitch(&stitch, piece);
    }
}

/// Notched lapels and the collar of a jacket or coat.
fn lapels(fig: &mut Figure, t: &Top, f: &Frame) {
    let ny = f.neck_y;
    let nh = t.neck_half;
    let by = t.neck_bottom;
    let mut stand = Run::new(p(-nh - 4.0, ny - 2.0));
    stand
        .line(p(-nh - 2.0, ny - 10.0))
        .quad(p(0.0, ny - 18.0), p(nh + 2.0, ny - 10.0))
        .line(p(nh + 4.0, ny - 2.0))
        .quad(p(0.0, ny + 4.0), p(-nh - 4.0, ny - 2.0));
    fig.fabric(stand.closed_path());
    let mut lapel = Run::new(p(nh - 1.0, ny - 9.0));
    lapel
        .line(p(nh + 20.0, ny + 24.0))
        .line(p(nh + 11.0, ny + 33.0))
        .line(p(nh + 36.0, ny + 50.0))
        .cubic(p(nh + 30.0, ny + 90.0), p(14.0, by - 40.0), p(1.0, by))
        .line(p(nh - 12.0, ny + 18.0))
        .quad(p(nh - 10.0, ny - 2.0), p(nh - 1.0, ny - 9.0));
    for side in [lapel.clone(), lapel.mirrored()] {
        let piece = fig.fabric(side.closed_path());
        let sign = if side.start().x < 0.0 { -1.0 } else { 1.0 };
        let mut gorge = Run::new(p(sign * (nh + 11.0), ny + 33.0));
        gorge.line(p(sign * (nh - 6.0), ny + 20.0));
        fig.line(gorge.open_path(), Ink::Outline, SEAM, piece);
    }
}
