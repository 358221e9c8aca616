//! Small, whole, valid images to answer with: a figure-like shape on a background whose colours
//! come from the prompt's hash (and the seed's), so that different prompts give different images
//! and the same request the same bytes. At most [`LONG_SIDE`] pixels on the long side, whatever
//! size was asked for: a client checks that the file is whole, not that it is large.

use crate::script::fnv1a;

/// The long side of every image drawn, in pixels.
pub(crate) const LONG_SIDE: u32 = 96;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Png,
    Jpeg,
    Webp,
}

impl Format {
    /// `png`, `jpeg` or `jpg`, `webp`.
    pub fn named(name: &str) -> Option<Format> {
        match name {
            "png" => Some(Format::Png),
            "jpeg" | "jpg" => Some(Format::Jpeg),
            "webp" => Some(Format::Webp),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Png => "image/png",
            Format::Jpeg => "image/jpeg",
            Format::Webp => "image/webp",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Jpeg => "jpg",
            Format::Webp => "webp",
        }
    }
}

/// The drawn size of an image asked for at `width` × `height`: the same shape, shrunk to
/// [`LONG_SIDE`] on the long side.
pub(crate) fn small(width: u32, height: u32) -> (u32, u32) {
    let (w, h) = (f64::from(width.max(1)), f64::from(height.max(1)));
    let scale = (f64::from(LONG_SIDE) / w.max(h)).min(1.0);
    (
        ((w * scale).round() as u32).max(1),
        ((h * scale).round() as u32).max(1),
    )
}

/// The drawn size for an aspect ratio such as `2:3` (64 × 96); a square for anything else.
pub(crate) fn for_ratio(ratio: &str) -> (u32, u32) {
    let parsed = ratio
        .split_once(':')
        .and_then(|(w, h)| Some((w.parse::<u32>().ok()?, h.parse::<u32>().ok()?)));
    match parsed {
        Some((w, h)) if w > 0 && h > 0 => small(w * 100, h * 100),
        _ => (LONG_SIDE, LONG_SIDE),
    }
}

/// The image for `prompt`, `seed` and output `index`, `size` pixels, as `format`.
pub(crate) fn design(
    prompt: &str,
    seed: u64,
    index: u32,
    size: (u32, u32),
    format: Format,
) -> Vec<u8> {
    let ground = colour(fnv1a(&[prompt.as_bytes()]));
    let figure = colour(
        fnv1a(&[prompt.as_bytes(), &seed.to_le_bytes(), &index.to_le_bytes()]) ^ 0x00ff_ff00_ff00,
    );
    let (w, h) = size;
    let (top, bottom) = (h / 8, h - h / 8);
    let mut rgb = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h {
        // An A-line silhouette: narrow at the shoulders, wide at the hem.
        let along = f64::from(y.saturating_sub(top)) / f64::from((bottom - top).max(1));
        let half = f64::from(w) * (0.08 + 0.3 * along);
        for x in 0..w {
            let inside =
                (top..bottom).contains(&y) && (f64::from(x) - f64::from(w) / 2.0).abs() < half;
            rgb.extend_from_slice(if inside { &figure } else { &ground });
        }
    }
    encode(&rgb, size, format)
}

/// A featureless grey image: what a content filter answers instead of the design.
pub(crate) fn blurred(size: (u32, u32), format: Format) -> Vec<u8> {
    encode(&vec![128; (size.0 * size.1 * 3) as usize], size, format)
}

/// The first half of an image's bytes: a file that claims to be an image and is cut short.
pub(crate) fn truncated(mut bytes: Vec<u8>) -> Vec<u8> {
    bytes.truncate(bytes.len() / 2);
    bytes
}

fn colour(hash: u64) -> [u8; 3] {
    let [r, g, b, ..] = hash.to_le_bytes();
    [r, g, b]
}

fn encode(rgb: &[u8], (width, height): (u32, u32), format: Format) -> Vec<u8> {
    // Encoding a few kilobytes in memory fails only on a size mismatch, which `design` and
    // `blurred` cannot produce.
    const SMALL: &str = "encoding a small image in memory";
    let mut out = Vec::new();
    match format {
        Format::Png => {
            let mut encoder = png::Encoder::new(&mut out, width, height);
            encoder.set_color(png::ColorType::Rgb);
            encoder.set_depth(png::BitDepth::Eight);
            let mut writer = encoder.write_header().expect(SMALL);
            writer.write_image_data(rgb).expect(SMALL);
            writer.finish().expect(SMALL);
        }
        Format::Jpeg => {
            jpeg_encoder::Encoder::new(&mut out, 85)
                .encode(
                    rgb,
                    width as u16,
                    height as u16,
                    jpeg_encoder::ColorType::Rgb,
                )
                .expect(SMALL);
        }
        Format::Webp => {
            image_webp::WebPEncoder::new(&mut out)
                .encode(rgb, width, height, image_webp::ColorType::Rgb8)
                .expect(SMALL);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_keep_the_shape_within_the_long_side() {
        assert_eq!(small(1024, 1536), (64, 96));
        assert_eq!(small(1536, 1024), (96, 64));
        assert_eq!(small(20, 30), (20, 30));
        assert_eq!(for_ratio("2:3"), (64, 96));
        assert_eq!(for_ratio("21:9"), (96, 41));
        assert_eq!(for_ratio("nonsense"), (96, 96));
    }

    #[test]
    fn images_are_whole_files_that_differ_by_prompt() {
        let a = design("linen dress", 1, 0, (64, 96), Format::Png);
        let b = design("wool coat", 1, 0, (64, 96), Format::Png);
        assert_ne!(a, b);
        assert_eq!(a, design("linen dress", 1, 0, (64, 96), Format::Png));
        let decoder = png::Decoder::new(std::io::Cursor::new(&a));
        let mut reader = decoder.read_info().unwrap();
        let mut buffer = vec![0; reader.output_buffer_size().unwrap()];
        reader.next_frame(&mut buffer).unwrap();
        assert_eq!((reader.info().width, reader.info().height), (64, 96));
        let jpeg = design("x", 0, 0, (96, 96), Format::Jpeg);
        assert!(jpeg.starts_with(&[0xff, 0xd8]) && jpeg.ends_with(&[0xff, 0xd9]));
        let webp = design("x", 0, 0, (8, 8), Format::Webp);
        assert!(webp.starts_with(b"RIFF") && &webp[8..12] == b"WEBP");
        assert_eq!(truncated(a.clone()).len(), a.len() / 2);
    }
}
