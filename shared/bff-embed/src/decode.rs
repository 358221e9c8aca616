//! Bytes to a small working raster: format sniffing, bounded decoding, alpha over white, box-filter
//! downscaling.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits};

use crate::{EmbedError, Format, MAX_DECODED_BYTES, MAX_INPUT_BYTES, MAX_SIDE};

/// Pixel budget of the working raster (256 × 384): enough to keep stripes of 4 source pixels at
/// 512 × 768, small enough that every feature is a few linear passes.
pub(crate) const WORK_PIXELS: usize = 256 * 384;

/// Allocation ceiling handed to the decoders: the decoded buffer plus room for their own state.
const MAX_DECODER_ALLOC: u64 = MAX_DECODED_BYTES + 16 * 1024 * 1024;

/// Gamma-encoded RGB in [0, 1], row-major, alpha already composited over white.
#[derive(Debug, Clone)]
pub(crate) struct Raster {
    pub width: usize,
    pub height: usize,
    pub rgb: Vec<[f32; 3]>,
}

/// The decoded image's format and size, and its working raster.
pub(crate) struct Decoded {
    pub format: Format,
    pub width: u32,
    pub height: u32,
    pub raster: Raster,
}

pub(crate) fn decode(bytes: &[u8]) -> Result<Decoded, EmbedError> {
    if bytes.is_empty() {
        return Err(EmbedError::Empty);
    }
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(EmbedError::InputTooLarge {
            bytes: bytes.len(),
            limit: MAX_INPUT_BYTES,
        });
    }
    // Sniff the signature ourselves: file names and content types from a caller are not trusted.
    let (format, image_format) = match image::guess_format(bytes) {
        Ok(ImageFormat::Png) => (Format::Png, ImageFormat::Png),
        Ok(ImageFormat::Jpeg) => (Format::Jpeg, ImageFormat::Jpeg),
        Ok(ImageFormat::WebP) => (Format::Webp, ImageFormat::WebP),
        Ok(other) => {
            return Err(EmbedError::UnsupportedFormat {
                detected: Some(
                    other
                        .extensions_str()
                        .first()
                        .map_or_else(|| format!("{other:?}"), |e| (*e).to_owned()),
                ),
            })
        }
        Err(_) => return Err(EmbedError::UnsupportedFormat { detected: None }),
    };
    let fail = |e: ImageError| decode_error(e, format);
    if format == Format::Jpeg {
        jpeg_is_complete(bytes).map_err(|message| EmbedError::Corrupt { format, message })?;
    }

    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODER_ALLOC);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), image_format);
    reader.limits(limits);
    // Only the header is read here: the size is checked before a single pixel is allocated.
    let decoder = reader.into_decoder().map_err(fail)?;
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(EmbedError::Degenerate { width, height });
    }
    if width > MAX_SIDE || height > MAX_SIDE || decoder.total_bytes() > MAX_DECODED_BYTES {
        return Err(too_large(format!(
            "{width}×{height} pixels, {} decoded bytes",
            decoder.total_bytes()
        )));
    }
    let image = DynamicImage::from_decoder(decoder).map_err(fail)?;
    Ok(Decoded {
        format,
        width,
        height,
        raster: downscale(&image),
    })
}

/// A JPEG decoder fills a missing tail with grey and reports success; a cut-off upload must be
/// an error instead. Walks the marker segments to the first start of scan and requires an end of
/// image marker after it (entropy-coded data never contains one: its 0xFF bytes are followed by 0
/// or a restart marker). Trailing data after the end marker (motion photos) is allowed; a segment
/// structure this walk does not understand is left to the decoder.
fn jpeg_is_complete(bytes: &[u8]) -> Result<(), String> {
    const TRUNCATED: &str = "truncated JPEG: no end-of-image marker";
    let mut at = 2; // after the start-of-image marker
    loop {
        match (bytes.get(at), bytes.get(at + 1)) {
            (Some(0xff), Some(0xff)) => at += 1, // fill byte
            (Some(0xff), Some(0xda)) => {
                let scan = bytes.get(at + 2..).unwrap_or(&[]);
                return if scan.windows(2).any(|w| w == [0xff, 0xd9]) {
                    Ok(())
                } else {
                    Err(TRUNCATED.to_owned())
                };
            }
            (Some(0xff), Some(0xd9)) => return Err("JPEG ends before its first scan".to_owned()),
            (Some(0xff), Some(0x01 | 0xd0..=0xd7)) => at += 2, // markers without a length
            (Some(0xff), Some(_)) => match (bytes.get(at + 2), bytes.get(at + 3)) {
                (Some(&hi), Some(&lo)) => at += 2 + usize::from(u16::from_be_bytes([hi, lo])),
                _ => return Err(TRUNCATED.to_owned()),
            },
            (Some(0xff), None) | (None, _) => return Err(TRUNCATED.to_owned()),
            (Some(_), _) => return Ok(()),
        }
    }
}

fn too_large(detail: String) -> EmbedError {
    EmbedError::ImageTooLarge {
        detail,
        max_side: MAX_SIDE,
        max_decoded_bytes: MAX_DECODED_BYTES,
    }
}

fn decode_error(error: ImageError, format: Format) -> EmbedError {
    match error {
        ImageError::Limits(e) => too_large(e.to_string()),
        other => EmbedError::Corrupt {
            format,
            message: other.to_string(),
        },
    }
}

/// Size of the working raster: the source size scaled down (never up) to [`WORK_PIXELS`],
/// keeping the aspect ratio.
pub(crate) fn working_size(width: usize, height: usize) -> (usize, usize) {
    let pixels = width.saturating_mul(height);
    if pixels <= WORK_PIXELS {
        return (width.max(1), height.max(1));
    }
    let scale = (WORK_PIXELS as f64 / pixels as f64).sqrt();
    let w = ((width as f64 * scale).floor() as usize).clamp(1, width);
    let h = ((height as f64 * scale).floor() as usize).clamp(1, height);
    (w, h)
}

/// Reads the decoded buffer directly in its own sample type (no full-size 8-bit copy).
fn downscale(image: &DynamicImage) -> Raster {
    let (w, h) = (image.width() as usize, image.height() as usize);
    let u8f = |v: u8| f32::from(v) / 255.0;
    let u16f = |v: u16| f32::from(v) / 65535.0;
    let f32f = |v: f32| {
        if v.is_finite() {
            v.clamp(0.0, 1.0)
        } else {
            0.0
        }
    };
    match image {
        DynamicImage::ImageLuma8(b) => area_average(b.as_raw(), 1, w, h, u8f),
        DynamicImage::ImageLumaA8(b) => area_average(b.as_raw(), 2, w, h, u8f),
        DynamicImage::ImageRgb8(b) => area_average(b.as_raw(), 3, w, h, u8f),
        DynamicImage::ImageRgba8(b) => area_average(b.as_raw(), 4, w, h, u8f),
        DynamicImage::ImageLuma16(b) => area_average(b.as_raw(), 1, w, h, u16f),
        DynamicImage::ImageLumaA16(b) => area_average(b.as_raw(), 2, w, h, u16f),
        DynamicImage::ImageRgb16(b) => area_average(b.as_raw(), 3, w, h, u16f),
        DynamicImage::ImageRgba16(b) => area_average(b.as_raw(), 4, w, h, u16f),
        DynamicImage::ImageRgb32F(b) => area_average(b.as_raw(), 3, w, h, f32f),
        DynamicImage::ImageRgba32F(b) => area_average(b.as_raw(), 4, w, h, f32f),
        other => area_average(other.to_rgba8().as_raw(), 4, w, h, u8f),
    }
}

fn area_average<T: Copy>(
    samples: &[T],
    channels: usize,
    width: usize,
    height: usize,
    unit: impl Fn(T) -> f32 + Copy,
) -> Raster {
    match channels {
        1 => accumulate(samples, 1, width, height, move |p: &[T]| {
            let v = p.first().map_or(0.0, |&v| unit(v));
            [v, v, v]
        }),
        2 => accumulate(samples, 2, width, height, move |p: &[T]| match p {
            [l, a] => {
                let (l, a) = (unit(*l), unit(*a));
                let v = l * a + (1.0 - a);
                [v, v, v]
            }
            _ => [1.0; 3],
        }),
        3 => accumulate(samples, 3, width, height, move |p: &[T]| match p {
            [r, g, b] => [unit(*r), unit(*g), unit(*b)],
            _ => [1.0; 3],
        }),
        _ => accumulate(samples, 4, width, height, move |p: &[T]| match p {
            [r, g, b, a] => {
                // Transparent areas read as a white sheet, the usual backdrop of a garment sketch.
                let a = unit(*a);
                let over = 1.0 - a;
                [
                    unit(*r) * a + over,
                    unit(*g) * a + over,
                    unit(*b) * a + over,
                ]
            }
            _ => [1.0; 3],
        }),
    }
}

/// Box filter: each source pixel falls in exactly one working pixel, which averages its share.
fn accumulate<T: Copy>(
    samples: &[T],
    channels: usize,
    width: usize,
    height: usize,
    pixel: impl Fn(&[T]) -> [f32; 3],
) -> Raster {
    let (tw, th) = working_size(width, height);
    let column: Vec<usize> = (0..width).map(|x| x * tw / width.max(1)).collect();
    let mut sums = vec![[0.0f32; 3]; tw * th];
    let mut counts = vec![0u32; tw * th];
    let row_len = width * channels;
    if row_len > 0 {
        for (y, row) in samples.chunks_exact(row_len).take(height).enumerate() {
            let base = (y * th / height) * tw;
            let out = &mut sums[base..base + tw];
            let n = &mut counts[base..base + tw];
            for (px, &tx) in row.chunks_exact(channels).zip(&column) {
                let [r, g, b] = pixel(px);
                let acc = &mut out[tx];
                acc[0] += r;
                acc[1] += g;
                acc[2] += b;
                n[tx] += 1;
            }
        }
    }
    let rgb = sums
        .into_iter()
        .zip(counts)
        .map(|(s, n)| {
            if n == 0 {
                [1.0; 3]
            } else {
                let k = 1.0 / n as f32;
                [s[0] * k, s[1] * k, s[2] * k]
            }
        })
        .collect();
    Raster {
        width: tw,
        height: th,
        rgb,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn working_size_keeps_small_images_and_halves_512_by_768() {
        assert_eq!(working_size(100, 50), (100, 50));
        assert_eq!(working_size(512, 768), (256, 384));
        assert_eq!(working_size(4096, 1), (4096, 1));
        let (w, h) = working_size(4096, 4096);
        assert!(w * h <= WORK_PIXELS && w == h);
    }

    #[test]
    fn jpeg_completeness_walks_segments_to_the_scan() {
        // SOI, APP0 of length 4 (holding a stray FF D9), SOS of length 2, data, EOI, trailer.
        let whole = [
            0xff, 0xd8, 0xff, 0xe0, 0, 4, 0xff, 0xd9, 0xff, 0xda, 0, 2, 1, 2, 0xff, 0, 0xff, 0xd9,
            9,
        ];
        assert_eq!(jpeg_is_complete(&whole), Ok(()));
        for cut in 2..17 {
            assert!(jpeg_is_complete(&whole[..cut]).is_err(), "{cut}");
        }
        // Not a marker where one is expected: left to the decoder.
        assert_eq!(jpeg_is_complete(&[0xff, 0xd8, 0x00]), Ok(()));
    }

    #[test]
    fn box_filter_averages_blocks_and_composites_alpha_over_white() {
        // 2×2 RGBA: opaque black, transparent black, opaque white, half-transparent red.
        let px: Vec<u8> = vec![0, 0, 0, 255, 0, 0, 0, 0, 255, 255, 255, 255, 255, 0, 0, 128];
        let r = area_average(&px, 4, 2, 2, |v: u8| f32::from(v) / 255.0);
        assert_eq!((r.width, r.height), (2, 2));
        assert_eq!(r.rgb[0], [0.0; 3]);
        assert_eq!(r.rgb[1], [1.0; 3]);
        assert!((r.rgb[3][1] - (1.0 - 128.0 / 255.0)).abs() < 1e-6);
        // A short buffer is read as far as it goes, never past its end.
        let r = area_average(&px[..5], 4, 2, 2, |v: u8| f32::from(v) / 255.0);
        assert_eq!(r.rgb.len(), 4);
    }
}
