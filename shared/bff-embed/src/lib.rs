//! The offline descriptor embedder of Designer BFF: a hand-crafted, deterministic 512-dimensional
//! image descriptor (`bff-descriptor/1`), the pipeline's default when no learned image-embedding
//! service is configured.
//!
//! [`embed_image`] decodes PNG, JPEG or WebP bytes, reduces the picture to a working raster of at
//! most 256 × 384 pixels (box filter, alpha over white), separates the garment from its backdrop,
//! and describes what a designer sorts sketches by: the garment's colours, its outline and
//! proportions, and its pattern. It needs no model weights, reads no clock, asks for no entropy and
//! does no I/O, so the same bytes give the same vector on every call, and it builds for
//! `wasm32-unknown-unknown` (Workers) and `wasm32-wasip2` (Spin).
//!
//! # Foreground
//!
//! The backdrop colour is the per-channel median of the border pixels. Pixels within a distance of
//! it (0.09 in RGB, raised by the border's own noise) that are connected to the border are
//! background; the rest, with enclosed holes filled and gaps of up to four working pixels sealed,
//! is the garment (pale stripes or dots inside it included). Without a distinct object (fewer than
//! 0.2 % of the pixels), the whole frame is described.
//!
//! # Vector layout
//!
//! Ten blocks, each normalised on its own, multiplied by the square root of its weight, then the
//! whole vector is L2-normalised. Histogram blocks are Hellinger-normalised (divided by their sum,
//! square-rooted: unit norm, and the dot product of two blocks is the Bhattacharyya coefficient),
//! so the cosine similarity of two descriptors is close to the weighted mean of the blocks'
//! similarities and no block can dominate it. [`BLOCKS`] holds the same table.
//!
//! | offset | len | block | weight | content |
//! |---:|---:|---|---:|---|
//! | 0 | 120 | `colour_histogram` | 0.22 | garment pixels: 12 hues × 3 saturations × 3 values at 0..108 (index `(hue·3 + sat)·3 + value`, hue 0 = red), then 12 grey levels (luma) at 108..120; a pixel of chroma below 0.08 is grey, above 0.2 chromatic, shared in between; smooth cubic B-spline kernels (hue ≈ ±22°); Hellinger |
//! | 120 | 96 | `colour_layout` | 0.10 | bounding box of the garment as 6 rows × 4 columns, row-major; per cell the sums of red, green, blue and darkness (1 − max) over its garment pixels divided by the cell area; L2 |
//! | 216 | 108 | `edge_grid` | 0.12 | HOG-like: bounding box as 4 rows × 3 columns (bilinear), 9 unsigned orientation bins of 20° each, weighted by luminance gradient magnitude (noise floor 0.03, clipped at 0.5); Hellinger |
//! | 324 | 20 | `local_patterns` | 0.08 | interior, local ternary patterns at radius 2 (tolerance 0.04): 10 uniform rotation-invariant codes of the brighter neighbours, then 10 of the darker ones; flat neighbourhoods at mass 0.1; Hellinger |
//! | 344 | 16 | `interior_orientation` | 0.08 | interior, 15 orientation bins of 12° weighted by how much a pixel is an edge, then a flat bin (the rest, at mass 0.1); Hellinger |
//! | 360 | 8 | `edge_strength` | 0.05 | interior, gradient magnitude above the noise floor on a log scale, 8 bins (flat pixels in the first at mass 0.1); Hellinger |
//! | 368 | 24 | `stripe_spectra` | 0.07 | interior, power spectrum of the mean luminance per row (368..380) and per column (380..392): 11 log-spaced bands from 1 to 128 cycles per garment height or width as shares of the interior's luminance variance, then the unexplained share at mass 0.25; each half Hellinger, block L2 |
//! | 392 | 72 | `silhouette_rows` | 0.12 | 24 row bands of the bounding box, per band (coverage, span, gap) of the garment as shares of the box width, coverage and span as 2x − 1, gap as min(2x, 1), divided by √72 (norm ≤ 1, not raised) |
//! | 464 | 16 | `silhouette_columns` | 0.06 | 16 column bands, share of the box height covered, 2x − 1, divided by 4 (norm ≤ 1, not raised) |
//! | 480 | 32 | `proportions` | 0.10 | soft histograms: log2 aspect (box height / width) over [−1.5, 2.5] in 8 bins, then 6 bins each over [0, 1] for box height / image height, box width / image width, solidity (garment share of the box), centroid height in the box (mapped from [¼, ¾]); Hellinger |
//!
//! "Interior" is the garment eroded by 3 pixels, so that its outline does not read as pattern;
//! "flat" means no neighbour or gradient above the noise tolerance. Flat areas are counted at a
//! reduced mass because every fabric is mostly flat between its motifs: at full mass they would
//! make every pattern look alike, while a solid fabric still reads as all flat.
//!
//! # Limits
//!
//! Inputs over [`MAX_INPUT_BYTES`] are refused before decoding; images over [`MAX_SIDE`] pixels on
//! a side or [`MAX_DECODED_BYTES`] decoded bytes are refused from their header, before any pixel
//! buffer is allocated (a decompression bomb is a few kilobytes that claim gigapixels).

mod bins;
mod colour;
mod decode;
mod error;
mod gradient;
mod mask;
mod shape;
mod texture;

use serde::Serialize;

pub use error::EmbedError;

/// Dimension of every descriptor.
pub const DIM: usize = 512;
/// Name and version of the descriptor, stored with every vector: vectors of different versions are
/// not comparable.
pub const EMBEDDER: &str = "bff-descriptor/1";
/// Largest accepted input (32 MiB): more than any PNG of the largest accepted image needs in practice.
pub const MAX_INPUT_BYTES: usize = 32 * 1024 * 1024;
/// Largest accepted width and height, in pixels.
pub const MAX_SIDE: u32 = 4096;
/// Largest accepted decoded buffer (64 MiB: 4096 × 4096 at 8-bit RGBA), so that a 16-bit image is
/// held to a quarter of the pixels and a Worker's 128 MB are never at risk.
pub const MAX_DECODED_BYTES: u64 = 64 * 1024 * 1024;

/// The encodings [`embed_image`] decodes, recognised by their signature bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Png,
    Jpeg,
    Webp,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Jpeg => "jpeg",
            Format::Webp => "webp",
        }
    }
}

/// The descriptor of one image.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Descriptor {
    /// [`DIM`] values with unit L2 norm, laid out as documented at the crate root.
    pub vector: Vec<f32>,
    /// Size of the decoded image, before downscaling.
    pub width: u32,
    pub height: u32,
    pub format: Format,
    /// Always [`EMBEDDER`].
    pub embedder: &'static str,
}

/// One block of the vector.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Block {
    pub name: &'static str,
    pub offset: usize,
    pub len: usize,
    /// Share of the cosine similarity the block carries: its values are multiplied by √weight.
    pub weight: f32,
}

/// The blocks in vector order; they tile `0..DIM` and their weights add up to 1.
pub const BLOCKS: [Block; 10] = [
    Block {
        name: "colour_histogram",
        offset: 0,
        len: colour::HISTOGRAM_LEN,
        weight: 0.22,
    },
    Block {
        name: "colour_layout",
        offset: 120,
        len: colour::LAYOUT_LEN,
        weight: 0.10,
    },
    Block {
        name: "edge_grid",
        offset: 216,
        len: gradient::HOG_LEN,
        weight: 0.12,
    },
    Block {
        name: "local_patterns",
        offset: 324,
        len: texture::LTP_LEN,
        weight: 0.08,
    },
    Block {
        name: "interior_orientation",
        offset: 344,
        len: gradient::ORIENTATION_LEN,
        weight: 0.08,
    },
    Block {
        name: "edge_strength",
        offset: 360,
        len: gradient::MAGNITUDE_LEN,
        weight: 0.05,
    },
    Block {
        name: "stripe_spectra",
        offset: 368,
        len: texture::SPECTRA_LEN,
        weight: 0.07,
    },
    Block {
        name: "silhouette_rows",
        offset: 392,
        len: shape::ROWS_LEN,
        weight: 0.12,
    },
    Block {
        name: "silhouette_columns",
        offset: 464,
        len: shape::COLUMNS_LEN,
        weight: 0.06,
    },
    Block {
        name: "proportions",
        offset: 480,
        len: shape::PROPORTIONS_LEN,
        weight: 0.10,
    },
];

// The documented offsets are the running sums of the lengths, ending at DIM.
const _: () = {
    let mut end = 0;
    let mut i = 0;
    while i < BLOCKS.len() {
        assert!(BLOCKS[i].offset == end);
        end += BLOCKS[i].len;
        i += 1;
    }
    assert!(end == DIM);
};

/// Describes an encoded image (PNG, JPEG or WebP, recognised by its signature).
///
/// Every malformed, truncated, unsupported, oversized or empty input is a typed [`EmbedError`].
pub fn embed_image(bytes: &[u8]) -> Result<Descriptor, EmbedError> {
    let decoded = decode::decode(bytes)?;
    let vector = describe(&decoded.raster).ok_or(EmbedError::Degenerate {
        width: decoded.width,
        height: decoded.height,
    })?;
    Ok(Descriptor {
        vector,
        width: decoded.width,
        height: decoded.height,
        format: decoded.format,
        embedder: EMBEDDER,
    })
}

/// The descriptor of a working raster; `None` if it came out zero or not finite (which no raster
/// with a pixel should produce).
fn describe(r: &decode::Raster) -> Option<Vec<f32>> {
    let (w, h) = (r.width, r.height);
    if w == 0 || h == 0 || r.rgb.len() != w * h {
        return None;
    }
    let mask = mask::segment(r);
    let luma: Vec<f32> = r.rgb.iter().map(colour::luma).collect();
    let grad = gradient::gradients(&luma, w, h);

    let mut vector = vec![0.0f32; DIM];
    let [hist, layout, grid, patterns, orientation, strength, spectra, rows, columns, proportions] =
        split_blocks(&mut vector);
    colour::histogram(r, &mask, hist);
    colour::layout(r, &mask, layout);
    gradient::hog(&grad, &mask, w, grid);
    texture::ltp(&luma, w, h, &mask, patterns);
    gradient::interior_orientation(&grad, &mask, orientation);
    gradient::magnitude(&grad, &mask, strength);
    texture::spectra(&luma, w, h, &mask, spectra);
    shape::rows(&mask.fg, w, &mask, rows);
    shape::columns(&mask.fg, w, &mask, columns);
    shape::proportions(&mask.fg, w, h, &mask, proportions);

    for (block, weight) in split_blocks(&mut vector)
        .into_iter()
        .zip(BLOCKS.map(|b| b.weight))
    {
        let k = weight.sqrt();
        block.iter_mut().for_each(|v| *v *= k);
    }
    let norm = vector.iter().map(|v| v * v).sum::<f32>().sqrt();
    if !(norm > 0.0 && norm.is_finite()) {
        return None;
    }
    vector.iter_mut().for_each(|v| *v /= norm);
    Some(vector)
}

/// The vector cut into its blocks, in [`BLOCKS`] order (the const check above guarantees the
/// offsets, so the splits cannot fall outside the vector).
fn split_blocks(vector: &mut [f32]) -> [&mut [f32]; 10] {
    let (b0, rest) = vector.split_at_mut(BLOCKS[0].len);
    let (b1, rest) = rest.split_at_mut(BLOCKS[1].len);
    let (b2, rest) = rest.split_at_mut(BLOCKS[2].len);
    let (b3, rest) = rest.split_at_mut(BLOCKS[3].len);
    let (b4, rest) = rest.split_at_mut(BLOCKS[4].len);
    let (b5, rest) = rest.split_at_mut(BLOCKS[5].len);
    let (b6, rest) = rest.split_at_mut(BLOCKS[6].len);
    let (b7, rest) = rest.split_at_mut(BLOCKS[7].len);
    let (b8, b9) = rest.split_at_mut(BLOCKS[8].len);
    [b0, b1, b2, b3, b4, b5, b6, b7, b8, b9]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_tile_the_vector_and_weights_add_up_to_one() {
        let total: f32 = BLOCKS.iter().map(|b| b.weight).sum();
        assert!((total - 1.0).abs() < 1e-6);
        assert_eq!(BLOCKS.iter().map(|b| b.len).sum::<usize>(), DIM);
        assert!(BLOCKS.iter().all(|b| b.weight > 0.0 && b.len > 0));
    }

    #[test]
    fn a_uniform_raster_has_a_unit_descriptor() {
        let r = decode::Raster {
            width: 3,
            height: 2,
            rgb: vec![[0.2, 0.4, 0.9]; 6],
        };
        let v = describe(&r).unwrap_or_default();
        assert_eq!(v.len(), DIM);
        assert!((v.iter().map(|x| x * x).sum::<f32>() - 1.0).abs() < 1e-5);
        let empty = decode::Raster {
            width: 0,
            height: 0,
            rgb: vec![],
        };
        assert_eq!(describe(&empty), None);
    }
}
