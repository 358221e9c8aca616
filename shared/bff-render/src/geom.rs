//! Points and open runs of curves in the reference frame (512 × 768, x = 0 on the centre front).
//!
//! Garments are symmetric about the centre front, so outlines are built as the right half
//! (x ≥ 0) and mirrored; a run keeps its segments so that it can be reversed and mirrored.

use std::ops::{Add, Mul, Sub};

use tiny_skia::{Path, PathBuilder};

/// Width and height of the reference frame every drawing is made in, then scaled to the canvas.
pub(crate) const REF_WIDTH: f32 = 512.0;
pub(crate) const REF_HEIGHT: f32 = 768.0;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct P {
    pub x: f32,
    pub y: f32,
}

pub(crate) const fn p(x: f32, y: f32) -> P {
    P { x, y }
}

impl Add for P {
    type Output = P;
    fn add(self, o: P) -> P {
        p(self.x + o.x, self.y + o.y)
    }
}

impl Sub for P {
    type Output = P;
    fn sub(self, o: P) -> P {
        p(self.x - o.x, self.y - o.y)
    }
}

impl Mul<f32> for P {
    type Output = P;
    fn mul(self, k: f32) -> P {
        p(self.x * k, self.y * k)
    }
}

impl P {
    pub(crate) fn mirror(self) -> P {
        p(-self.x, self.y)
    }

    pub(crate) fn lerp(self, o: P, t: f32) -> P {
        self + (o - self) * t
    }

    pub(crate) fn len(self) -> f32 {
        self.x.hypot(self.y)
    }

    /// Unit vector in the same direction (zero stays zero).
    pub(crate) fn unit(self) -> P {
        let l = self.len();
        if l > 1e-6 {
            self * (1.0 / l)
        } else {
            p(0.0, 0.0)
        }
    }

    /// Rotated a quarter turn (y down: from +x towards +y).
    pub(crate) fn perp(self) -> P {
        p(-self.y, self.x)
    }

    pub(crate) fn dot(self, o: P) -> f32 {
        self.x * o.x + self.y * o.y
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Cubic {
    c1: P,
    c2: P,
    to: P,
}

/// An open run of cubic segments from `start`; straight lines are cubics with collinear controls.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Run {
    start: P,
    segs: Vec<Cubic>,
}

impl Run {
    pub(crate) fn new(start: P) -> Self {
        Self {
            start,
            segs: Vec::new(),
        }
    }

    pub(crate) fn start(&self) -> P {
        self.start
    }

    pub(crate) fn end(&self) -> P {
        self.segs.last().map_or(self.start, |s| s.to)
    }

    pub(crate) fn line(&mut self, to: P) -> &mut Self {
        let from = self.end();
        self.segs.push(Cubic {
            c1: from.lerp(to, 1.0 / 3.0),
            c2: from.lerp(to, 2.0 / 3.0),
            to,
        });
        self
    }

    pub(crate) fn cubic(&mut self, c1: P, c2: P, to: P) -> &mut Self {
        self.segs.push(Cubic { c1, c2, to });
        self
    }

    pub(crate) fn quad(&mut self, c: P, to: P) -> &mut Self {
        let from = self.end();
        self.cubic(from.lerp(c, 2.0 / 3.0), to.lerp(c, 2.0 / 3.0), to)
    }

    /// A Catmull-Rom curve from the current end through `points` (tangents are one-sided at
    /// both ends, so consecutive calls meet at a corner).
    pub(crate) fn smooth(&mut self, points: &[P]) -> &mut Self {
        let mut all = Vec::with_capacity(points.len() + 1);
        all.push(self.end());
        all.extend_from_slice(points);
        for i in 0..all.len().saturating_sub(1) {
            let p1 = all[i];
            let p2 = all[i + 1];
            let p0 = if i > 0 { all[i - 1] } else { p1 };
            let p3 = all.get(i + 2).copied().unwrap_or(p2);
            self.cubic(
                p1 + (p2 - p0) * (1.0 / 6.0),
                p2 - (p3 - p1) * (1.0 / 6.0),
                p2,
            );
        }
        self
    }

    /// `n` scallops from the current end to `to`, each bulging by `depth` towards `towards`
    /// (a flounced hem, a ruffle).
    pub(crate) fn waves(&mut self, to: P, n: usize, depth: f32, towards: P) -> &mut Self {
        let from = self.end();
        let n = n.max(1);
        let mut normal = (to - from).perp().unit();
        if normal.dot(towards) < 0.0 {
            normal = normal * -1.0;
        }
        for i in 0..n {
            let a = from.lerp(to, i as f32 / n as f32);
            let b = from.lerp(to, (i + 1) as f32 / n as f32);
            let bulge = normal * (depth * 1.35);
            self.cubic(a.lerp(b, 0.2) + bulge, a.lerp(b, 0.8) + bulge, b);
        }
        self
    }

    /// Appends `other`, joining with a straight line when it does not start at this end.
    pub(crate) fn extend(&mut self, other: &Run) -> &mut Self {
        if (other.start - self.end()).len() > 1e-3 {
            self.line(other.start);
        }
        self.segs.extend_from_slice(&other.segs);
        self
    }

    pub(crate) fn reversed(&self) -> Run {
        let mut out = Run::new(self.end());
        let mut from = self.start;
        let mut reversed = Vec::with_capacity(self.segs.len());
        for s in &self.segs {
            reversed.push(Cubic {
                c1: s.c2,
                c2: s.c1,
                to: from,
            });
            from = s.to;
        }
        reversed.reverse();
        out.segs = reversed;
        out
    }

    pub(crate) fn mirrored(&self) -> Run {
        Run {
            start: self.start.mirror(),
            segs: self
                .segs
                .iter()
                .map(|s| Cubic {
                    c1: s.c1.mirror(),
                    c2: s.c2.mirror(),
                    to: s.to.mirror(),
                })
                .collect(),
        }
    }

    pub(crate) fn translated(&self, d: P) -> Run {
        Run {
            start: self.start + d,
            segs: self
                .segs
                .iter()
                .map(|s| Cubic {
                    c1: s.c1 + d,
                    c2: s.c2 + d,
                    to: s.to + d,
                })
                .collect(),
        }
    }

    fn push_into(&self, pb: &mut PathBuilder) {
        pb.move_to(self.start.x, self.start.y);
        for s in &self.segs {
            pb.cubic_to(s.c1.x, s.c1.y, s.c2.x, s.c2.y, s.to.x, s.to.y);
        }
    }

    pub(crate) fn open_path(&self) -> Option<Path> {
        let mut pb = PathBuilder::new();
        self.push_into(&mut pb);
        pb.finish()
    }

    pub(crate) fn closed_path(&self) -> Option<Path> {
        let mut pb = PathBuilder::new();
        self.push_into(&mut pb);
        pb.close();
        pb.finish()
    }

    /// The right half followed by its mirror image back to the start: a symmetric closed outline.
    pub(crate) fn symmetric_path(&self) -> Option<Path> {
        let mut whole = self.clone();
        whole.extend(&self.mirrored().reversed());
        whole.closed_path()
    }
}

/// A closed polygon through `points`.
pub(crate) fn polygon(points: &[P]) -> Option<Path> {
    let (first, rest) = points.split_first()?;
    let mut run = Run::new(*first);
    for &q in rest {
        run.line(q);
    }
    run.closed_path()
}

/// Separate straight segments in one path (hatching, ribs, gathers).
pub(crate) fn segments(pairs: &[(P, P)]) -> Option<Path> {
    let mut pb = PathBuilder::new();
    for (a, b) in pairs {
        pb.move_to(a.x, a.y);
        pb.line_to(b.x, b.y);
    }
    pb.finish()
}

/// Linear interpolation of `x` over `keys` sorted by `y` (clamped at both ends).
pub(crate) fn x_at(keys: &[P], y: f32) -> f32 {
    let Some(first) = keys.first() else {
        return 0.0;
    };
    if y <= first.y {
        return first.x;
    }
    for w in keys.windows(2) {
        let (a, b) = (w[0], w[1]);
        if y <= b.y {
            let t = if b.y - a.y > 1e-6 {
                (y - a.y) / (b.y - a.y)
            } else {
                1.0
            };
            return a.x + (b.x - a.x) * t;
        }
    }
    keys.last().map_or(0.0, |k| k.x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reversing_twice_gives_the_run_back() {
        let mut run = Run::new(p(0.0, 0.0));
        run.line(p(10.0, 0.0))
            .cubic(p(12.0, 2.0), p(14.0, 8.0), p(10.0, 10.0))
            .smooth(&[p(5.0, 14.0), p(0.0, 20.0)]);
        assert_eq!(run.reversed().start(), run.end());
        assert_eq!(run.reversed().end(), run.start());
        assert_eq!(run.reversed().reversed(), run);
        assert_eq!(run.mirrored().end(), p(0.0, 20.0));
        assert!(run.symmetric_path().is_some());
    }

    #[test]
    fn interpolation_clamps_at_the_ends() {
        let keys = [p(10.0, 0.0), p(20.0, 10.0), p(20.0, 20.0)];
        assert_eq!(x_at(&keys, -5.0), 10.0);
        assert_eq!(x_at(&keys, 5.0), 15.0);
        assert_eq!(x_at(&keys, 30.0), 20.0);
        assert_eq!(x_at(&[], 3.0), 0.0);
    }
}
