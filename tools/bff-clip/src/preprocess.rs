//! CLIP's image preprocessing, as Hugging Face's `CLIPImageProcessor` does it: RGB, shortest side
//! resized to the model's image size with a bicubic filter, centre crop to a square, scaled to
//! [0, 1], normalised with the mean and deviation of CLIP's training images, channels first.
//!
//! The vectors are only comparable with those of other CLIP deployments (and with text vectors)
//! when the pixels reach the model exactly as in training, so each step follows the reference:
//! the resize truncates the long side as `int(size * long / short)` does, the crop offset rounds
//! down, alpha is dropped rather than blended (PIL's `convert("RGB")`), and the filter is
//! Catmull-Rom, which is PIL's bicubic (a = -0.5) and, like PIL, widens with the scale when
//! shrinking.

use std::io::Cursor;

use image::{imageops::FilterType, ImageFormat, ImageReader, Limits};

// The digits are those of CLIP's preprocessor_config.json, kept whole so they can be checked
// against it by eye; f32 rounds the last one.
/// CLIP's per-channel mean (RGB) of its training images.
#[allow(clippy::excessive_precision)]
pub const CLIP_MEAN: [f32; 3] = [0.48145466, 0.4578275, 0.40821073];
/// CLIP's per-channel standard deviation (RGB).
#[allow(clippy::excessive_precision)]
pub const CLIP_STD: [f32; 3] = [0.26862954, 0.26130258, 0.27577711];

/// The widest and tallest image decoded: larger ones are refused before their pixels are
/// allocated, so a small file that declares a huge image cannot exhaust memory.
pub const MAX_SIDE: u32 = 8192;
/// The most memory one decode may allocate (an 8192-pixel square RGB image fits, RGBA does not).
const MAX_DECODE_BYTES: u64 = 320 * 1024 * 1024;
/// The longest side kept, as a multiple of the shortest, before resizing. Resizing a 1 x 8000
/// strip as it is would make a 224 x 1792000 image (1.2 GB) only to crop its centre; cutting the
/// source's centre to this ratio first bounds that, and changes nothing for any image within it
/// (fashion images are 2:3 or 3:4).
const MAX_ASPECT: u32 = 4;

/// Why an input is not an image this server reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ImageInputError(pub String);

/// Decodes a PNG or JPEG and returns its `3 x size x size` CHW floats, ready for the model.
pub fn preprocess(bytes: &[u8], size: usize) -> Result<Vec<f32>, ImageInputError> {
    let size = u32::try_from(size).map_err(|_| ImageInputError("image size too large".into()))?;
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| ImageInputError(format!("unreadable image: {e}")))?;
    match reader.format() {
        Some(ImageFormat::Png | ImageFormat::Jpeg) => {}
        Some(other) => {
            return Err(ImageInputError(format!(
                "{other:?} images are not read; send PNG or JPEG"
            )))
        }
        None => return Err(ImageInputError("not a PNG or JPEG image".into())),
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let decoded = reader
        .decode()
        .map_err(|e| ImageInputError(format!("undecodable image: {e}")))?;
    let mut rgb = decoded.to_rgb8();
    let (width, height) = rgb.dimensions();
    if width == 0 || height == 0 {
        return Err(ImageInputError("an empty image".into()));
    }
    let short = width.min(height);
    let long_kept = short.saturating_mul(MAX_ASPECT);
    if width > long_kept {
        rgb = image::imageops::crop_imm(&rgb, (width - long_kept) / 2, 0, long_kept, height)
            .to_image();
    } else if height > long_kept {
        rgb = image::imageops::crop_imm(&rgb, 0, (height - long_kept) / 2, width, long_kept)
            .to_image();
    }
    let (width, height) = rgb.dimensions();
    let (new_width, new_height) = shortest_side_to(width, height, size);
    let resized = if (new_width, new_height) == (width, height) {
        rgb
    } else {
        image::imageops::resize(&rgb, new_width, new_height, FilterType::CatmullRom)
    };
    let left = (new_width - size) / 2;
    let top = (new_height - size) / 2;
    let side = size as usize;
    let plane = side * side;
    let mut chw = vec![0f32; 3 * plane];
    for y in 0..size {
        for x in 0..size {
            let pixel = resized.get_pixel(left + x, top + y).0;
            let at = y as usize * side + x as usize;
            for c in 0..3 {
                chw[c * plane + at] = (f32::from(pixel[c]) / 255.0 - CLIP_MEAN[c]) / CLIP_STD[c];
            }
        }
    }
    Ok(chw)
}

/// The size after scaling the shortest side to `size`, keeping the aspect ratio; the long side
/// is truncated, and never below `size`, so the centre crop always fits.
fn shortest_side_to(width: u32, height: u32, size: u32) -> (u32, u32) {
    let long_for = |long: u32, short: u32| -> u32 {
        let scaled = u64::from(size) * u64::from(long) / u64::from(short);
        u32::try_from(scaled).unwrap_or(u32::MAX).max(size)
    };
    if width <= height {
        (size, long_for(height, width))
    } else {
        (long_for(width, height), size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageBuffer, Rgb, Rgba};

    fn png<P: image::PixelWithColorType>(img: &ImageBuffer<P, Vec<P::Subpixel>>) -> Vec<u8>
    where
        [P::Subpixel]: image::EncodableLayout,
    {
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn the_shortest_side_becomes_the_model_size() {
        assert_eq!(shortest_side_to(640, 480, 224), (298, 224));
        assert_eq!(shortest_side_to(480, 640, 224), (224, 298));
        assert_eq!(shortest_side_to(100, 100, 224), (224, 224));
        assert_eq!(shortest_side_to(1, 100_000, 224), (224, 22_400_000));
    }

    #[test]
    fn a_flat_colour_is_normalised_per_channel_in_chw_order() {
        let img = ImageBuffer::from_pixel(40, 24, Rgb([255u8, 0, 128]));
        let chw = preprocess(&png(&img), 16).unwrap();
        assert_eq!(chw.len(), 3 * 16 * 16);
        let expect = [
            (1.0 - CLIP_MEAN[0]) / CLIP_STD[0],
            (0.0 - CLIP_MEAN[1]) / CLIP_STD[1],
            (128.0 / 255.0 - CLIP_MEAN[2]) / CLIP_STD[2],
        ];
        for (c, want) in expect.iter().enumerate() {
            for v in &chw[c * 256..(c + 1) * 256] {
                assert!((v - want).abs() < 1e-5, "channel {c}: {v} vs {want}");
            }
        }
    }

    #[test]
    fn the_crop_keeps_the_centre() {
        // A wide image: red left third, green middle third, blue right third. After the crop
        // of the square centre only green is left.
        let img = ImageBuffer::from_fn(96, 32, |x, _| match x {
            0..32 => Rgb([255u8, 0, 0]),
            32..64 => Rgb([0, 255, 0]),
            _ => Rgb([0, 0, 255]),
        });
        let chw = preprocess(&png(&img), 8).unwrap();
        let green = (1.0 - CLIP_MEAN[1]) / CLIP_STD[1];
        let centre = 4 * 8 + 4;
        assert!((chw[64 + centre] - green).abs() < 1e-3);
        let red_zero = (0.0 - CLIP_MEAN[0]) / CLIP_STD[0];
        assert!((chw[centre] - red_zero).abs() < 1e-3);
    }

    #[test]
    fn alpha_is_dropped_and_jpeg_is_read() {
        let rgba = ImageBuffer::from_pixel(16, 16, Rgba([10u8, 20, 30, 0]));
        let from_rgba = preprocess(&png(&rgba), 16).unwrap();
        let rgb = ImageBuffer::from_pixel(16, 16, Rgb([10u8, 20, 30]));
        assert_eq!(from_rgba, preprocess(&png(&rgb), 16).unwrap());

        let mut jpeg = Cursor::new(Vec::new());
        rgb.write_to(&mut jpeg, ImageFormat::Jpeg).unwrap();
        let from_jpeg = preprocess(jpeg.get_ref(), 16).unwrap();
        assert_eq!(from_jpeg.len(), 3 * 256);
    }

    #[test]
    fn non_images_and_other_formats_are_refused() {
        let error = preprocess(b"hello, not an image", 16).unwrap_err();
        assert!(error.0.contains("not a PNG or JPEG"), "{error}");
        let error = preprocess(b"GIF89a\x01\x00\x01\x00", 16).unwrap_err();
        assert!(error.0.contains("Gif images are not read"), "{error}");
        let mut truncated = png(&ImageBuffer::from_pixel(16, 16, Rgb([1u8, 2, 3])));
        truncated.truncate(40);
        let error = preprocess(&truncated, 16).unwrap_err();
        assert!(error.0.contains("undecodable image"), "{error}");
    }

    #[test]
    fn a_thin_strip_is_cut_to_its_centre_before_resizing() {
        // 1 x 6000: left as it is, the resize would allocate 16 x 96000 pixels; cut to 1 x 4
        // first. The strip is black but for its middle four pixels.
        let img = ImageBuffer::from_fn(1, 6000, |_, y| {
            if (2998..3002).contains(&y) {
                Rgb([255u8, 255, 255])
            } else {
                Rgb([0, 0, 0])
            }
        });
        let chw = preprocess(&png(&img), 16).unwrap();
        let white = (1.0 - CLIP_MEAN[0]) / CLIP_STD[0];
        assert!(chw[..256].iter().all(|v| (v - white).abs() < 1e-3));
    }

    #[test]
    fn a_huge_declared_size_is_refused_before_allocation() {
        // A valid PNG header (checksum included) claiming 9000 x 9000 pixels, with the pixel
        // data of one.
        let mut file = png(&ImageBuffer::from_pixel(1, 1, Rgb([0u8, 0, 0])));
        file[16..20].copy_from_slice(&9000u32.to_be_bytes());
        file[20..24].copy_from_slice(&9000u32.to_be_bytes());
        let crc = crc32(&file[12..29]);
        file[29..33].copy_from_slice(&crc.to_be_bytes());
        let error = preprocess(&file, 16).unwrap_err();
        assert!(error.0.contains("undecodable image"), "{error}");
        assert!(error.0.to_lowercase().contains("limit"), "{error}");
    }

    /// PNG's chunk checksum (CRC-32, reflected, polynomial 0xEDB88320).
    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &byte in data {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
}
