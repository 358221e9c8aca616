//! What the garment geometry hands to the painter: an ordered list of parts in the reference
//! frame. Fabric parts are filled, patterned, textured and outlined by the painter; the rest
//! are fills and lines in a named ink, optionally clipped to an earlier fabric part.

use tiny_skia::{Path, Rect};

use crate::geom::{Run, P};

/// A colour role, resolved by the painter from the design's colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ink {
    /// The main colour (straps, ties).
    Main,
    /// Outlines: a darker shade of the main colour.
    Outline,
    /// Seams, folds and stitching on the fabric.
    Seam,
    /// The inside of the garment seen through an opening.
    Inside,
    /// A slightly deeper main colour (elastic bands, shadows in folds).
    Shade,
    /// The second colour as a trim on a solid garment.
    Second,
    /// The third colour as a piping on a solid garment.
    Third,
    /// The accent of a pattern (kaftan embroidery uses it too).
    Accent,
    /// A leather belt.
    Belt,
    /// Metal: buckles, rivets.
    Metal,
    /// Buttons.
    Button,
    /// Contrast topstitching on denim.
    Thread,
    /// A highlight (sheen on metal buttons).
    Light,
}

/// One drawing step.
#[derive(Debug, Clone)]
pub(crate) enum Part {
    /// A piece of fabric: fill, pattern, texture, outline.
    Fabric { path: Path },
    Fill {
        path: Path,
        ink: Ink,
        alpha: f32,
        /// Index of an earlier fabric part to clip to.
        clip: Option<usize>,
    },
    Line {
        path: Path,
        ink: Ink,
        width: f32,
        dashed: bool,
        alpha: f32,
        clip: Option<usize>,
    },
}

/// Where pleats fall: from `top_y` to `bottom_y`, following the half widths of the side seam
/// (`profile`, sorted by y), so that they fan out with the skirt.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fan {
    pub top_y: f32,
    pub bottom_y: f32,
    pub profile: Vec<P>,
}

/// Trim colours drawn along edges of a solid garment (second and third colours).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Trims {
    pub second: bool,
    pub third: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Figure {
    pub parts: Vec<Part>,
    /// The pleat fan of the main body, for the `pleated` texture.
    pub fan: Option<Fan>,
    /// Index of the main body piece (the one pleats fall on).
    pub body: Option<usize>,
    trims: Trims,
}

/// Width of outlines, seams and stitching in reference units.
pub(crate) const OUTLINE: f32 = 2.3;
pub(crate) const SEAM: f32 = 1.3;
pub(crate) const STITCH: f32 = 1.0;

impl Figure {
    pub(crate) fn new(trims: Trims) -> Self {
        Self {
            parts: Vec::new(),
            fan: None,
            body: None,
            trims,
        }
    }

    /// Adds a fabric piece; returns its index for clipping (None when the path is empty).
    pub(crate) fn fabric(&mut self, path: Option<Path>) -> Option<usize> {
        let path = path?;
        self.parts.push(Part::Fabric { path });
        Some(self.parts.len() - 1)
    }

    /// Adds the main body piece.
    pub(crate) fn body(&mut self, path: Option<Path>) -> Option<usize> {
        self.body = self.fabric(path);
        self.body
    }

    pub(crate) fn fill(&mut self, path: Option<Path>, ink: Ink, alpha: f32, clip: Option<usize>) {
        if let Some(path) = path {
            self.parts.push(Part::Fill {
                path,
                ink,
                alpha,
                clip,
            });
        }
    }

    pub(crate) fn line(&mut self, path: Option<Path>, ink: Ink, width: f32, clip: Option<usize>) {
        self.stroke(path, ink, width, false, 1.0, clip);
    }

    pub(crate) fn stroke(
        &mut self,
        path: Option<Path>,
        ink: Ink,
        width: f32,
        dashed: bool,
        alpha: f32,
        clip: Option<usize>,
    ) {
        if let Some(path) = path {
            self.parts.push(Part::Line {
                path,
                ink,
                width,
                dashed,
                alpha,
                clip,
            });
        }
    }

    /// A seam line clipped to a piece.
    pub(crate) fn seam(&mut self, run: &Run, clip: Option<usize>) {
        self.line(run.open_path(), Ink::Seam, SEAM, clip);
    }

    /// Dashed topstitching clipped to a piece.
    pub(crate) fn stitch(&mut self, run: &Run, clip: Option<usize>) {
        self.stroke(run.open_path(), Ink::Seam, STITCH, true, 0.9, clip);
    }

    /// A narrow band of fabric (strap, tie): an outline under a main-colour stroke.
    pub(crate) fn strap(&mut self, run: &Run, width: f32) {
        self.line(run.open_path(), Ink::Outline, width + OUTLINE * 1.6, None);
        self.line(run.open_path(), Ink::Main, width, None);
    }

    /// The trim bands of a solid garment along an edge of the piece `clip` (hem, neckline, cuff).
    pub(crate) fn trim(&mut self, edge: &Run, clip: Option<usize>) {
        if clip.is_none() {
            return;
        }
        if self.trims.third {
            self.line(edge.open_path(), Ink::Third, 30.0, clip);
        }
        if self.trims.second {
            self.line(edge.open_path(), Ink::Second, 18.0, clip);
        }
    }

    /// The smallest rectangle holding every part (strokes included), in the reference frame.
    pub(crate) fn bounds(&self) -> Option<Rect> {
        let mut acc: Option<(f32, f32, f32, f32)> = None;
        for part in &self.parts {
            // Clipped parts lie inside the piece they are clipped to.
            let (path, pad) = match part {
                Part::Fabric { path } => (path, OUTLINE),
                Part::Fill { clip: Some(_), .. } | Part::Line { clip: Some(_), .. } => continue,
                Part::Fill { path, .. } => (path, 0.0),
                Part::Line { path, width, .. } => (path, width * 0.5),
            };
            let b = path.bounds();
            let r = (
                b.left() - pad,
                b.top() - pad,
                b.right() + pad,
                b.bottom() + pad,
            );
            acc = Some(match acc {
                None => r,
                Some(a) => (a.0.min(r.0), a.1.min(r.1), a.2.max(r.2), a.3.max(r.3)),
            });
        }
        let (l, t, r, b) = acc?;
        Rect::from_ltrb(l, t, r, b)
    }
}
