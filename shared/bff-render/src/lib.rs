//! The offline sketch renderer of Designer BFF.
//!
//! When no AI image model is configured, the pipeline still needs a picture per design: this
//! crate draws one. [`render_sketch`] turns taxonomy attributes (garment type, silhouette,
//! length, neckline, sleeve, waist, colours or palette, pattern, texture) into a fashion flat:
//! the garment from the front, laid flat, centred on light paper, outlined in a darker shade
//! with its seams, and returns it as a PNG. It is a sketch renderer (`bff-sketch-renderer/1`),
//! not a generative model: it draws only what its vocabulary ([`VOCABULARY`]) covers and says
//! so, listing every requested attribute either in [`Sketch::drawn`] or in
//! [`Sketch::not_drawn`], so that coverage is measured on what the picture really shows. Drawn
//! values it has no shape of its own for are drawn as the nearest one it knows ([`APPROXIMATIONS`])
//! and listed again in [`Sketch::approximated`].
//!
//! Like `bff-math`, it is pure: no clock, entropy, network or file system. The same request
//! gives the same PNG bytes; the seed varies details (proportions by a few per cent, motif
//! placement, stripe phase), never the identity of the design.
//!
//! ```
//! use bff_math::coverage::AttributeValue;
//! use bff_render::{render_sketch, SketchRequest};
//!
//! let request = SketchRequest::new(
//!     vec![
//!         AttributeValue::new("garment_type", "dress"),
//!         AttributeValue::new("colour", "navy"),
//!         AttributeValue::new("pattern", "polka-dots"),
//!         AttributeValue::new("fabric", "linen"),
//!     ],
//!     7,
//! );
//! let sketch = render_sketch(&request).unwrap();
//! assert!(sketch.png.starts_with(b"\x89PNG"));
//! assert_eq!(sketch.drawn.len(), 3);
//! assert_eq!(sketch.not_drawn[0].value, "linen");
//! ```

mod design;
mod figure;
mod garment;
mod geom;
mod paint;
mod palette;
mod pattern;
mod texture;
mod vocabulary;

use bff_math::coverage::AttributeValue;
use serde::{Deserialize, Serialize};

pub use vocabulary::{drawable_id, APPROXIMATIONS, MAX_COLOURS, VOCABULARY};

/// Name and version of the renderer, recorded with every picture it makes.
pub const RENDERER: &str = "bff-sketch-renderer/1";

/// Smallest and largest accepted width or height, in pixels.
pub const MIN_SIZE: u32 = 64;
pub const MAX_SIZE: u32 = 2048;

/// Most attributes accepted in one request (a brief has a few dozen at most).
pub const MAX_ATTRIBUTES: usize = 256;

pub const DEFAULT_WIDTH: u32 = 512;
pub const DEFAULT_HEIGHT: u32 = 768;

fn default_width() -> u32 {
    DEFAULT_WIDTH
}

fn default_height() -> u32 {
    DEFAULT_HEIGHT
}

/// What to draw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SketchRequest {
    /// Attributes in order of importance: within a category the first drawable value wins.
    pub attributes: Vec<AttributeValue>,
    /// Varies details (proportions, motif placement); the same seed gives the same bytes.
    #[serde(default)]
    pub seed: u64,
    #[serde(default = "default_width")]
    pub width: u32,
    #[serde(default = "default_height")]
    pub height: u32,
}

impl SketchRequest {
    /// A request at the default size, 512 × 768.
    pub fn new(attributes: Vec<AttributeValue>, seed: u64) -> Self {
        Self {
            attributes,
            seed,
            width: DEFAULT_WIDTH,
            height: DEFAULT_HEIGHT,
        }
    }
}

impl Default for SketchRequest {
    fn default() -> Self {
        Self::new(Vec::new(), 0)
    }
}

/// A drawn sketch and the record of what it shows.
///
/// Serialises as metadata only: the image bytes travel separately (as the PNG itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sketch {
    #[serde(skip_serializing)]
    pub png: Vec<u8>,
    pub width: u32,
    pub height: u32,
    /// The requested attributes that visibly shaped the picture, in request order. Defaults
    /// chosen for missing categories are not listed.
    pub drawn: Vec<AttributeValue>,
    /// The requested attributes the picture does not show: categories the renderer does not
    /// draw (fabric, occasion, ...), unknown values, values that conflict with an earlier one or
    /// do not apply to the garment; in request order.
    pub not_drawn: Vec<AttributeValue>,
    /// The values of [`Sketch::drawn`] shown only as a stand-in (a leopard print drawn as a
    /// generic animal print), in request order.
    pub approximated: Vec<Approximation>,
    /// Always [`RENDERER`].
    pub renderer: &'static str,
}

/// A drawn value the renderer has no shape of its own for, and the value it drew instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Approximation {
    /// The requested value, as listed in [`Sketch::drawn`].
    pub value: AttributeValue,
    /// The id of the value of the same category that the picture shows ([`drawable_id`]).
    pub drawn_as: String,
}

/// Why a sketch could not be drawn.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RenderError {
    #[error("image size {width} x {height} is outside {min}..={max} pixels per side")]
    SizeOutOfRange {
        width: u32,
        height: u32,
        min: u32,
        max: u32,
    },
    #[error("{count} attributes given, at most {max} are accepted")]
    TooManyAttributes { count: usize, max: usize },
    #[error("could not allocate a {width} x {height} canvas")]
    Canvas { width: u32, height: u32 },
    #[error("could not encode the PNG: {message}")]
    Encode { message: String },
}

/// Draws the sketch of a design.
///
/// Unknown categories and values are not errors: they are reported in [`Sketch::not_drawn`].
/// Errors are reserved for requests that cannot be drawn at all (size, attribute count).
pub fn render_sketch(request: &SketchRequest) -> Result<Sketch, RenderError> {
    let (width, height) = (request.width, request.height);
    let in_range = |v: u32| (MIN_SIZE..=MAX_SIZE).contains(&v);
    if !in_range(width) || !in_range(height) {
        return Err(RenderError::SizeOutOfRange {
            width,
            height,
            min: MIN_SIZE,
            max: MAX_SIZE,
        });
    }
    if request.attributes.len() > MAX_ATTRIBUTES {
        return Err(RenderError::TooManyAttributes {
            count: request.attributes.len(),
            max: MAX_ATTRIBUTES,
        });
    }
    let resolved = design::resolve(&request.attributes, request.seed);
    let figure = garment::build(&resolved.design, request.seed);
    let pixmap = paint::paint(&figure, &resolved.design, width, height, request.seed)?;
    let png = paint::encode_png(&pixmap)?;
    let approximated = resolved
        .drawn
        .iter()
        .filter_map(|a| {
            let drawn_as = drawable_id(&a.category, &a.value);
            (drawn_as != a.value).then(|| Approximation {
                value: a.clone(),
                drawn_as: drawn_as.to_string(),
            })
        })
        .collect();
    Ok(Sketch {
        png,
        width,
        height,
        drawn: resolved.drawn,
        not_drawn: resolved.not_drawn,
        approximated,
        renderer: RENDERER,
    })
}
