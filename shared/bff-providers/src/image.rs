//! Returned image bytes checked before they are stored: a whole PNG, read to its last row, so that
//! a truncated or corrupt download fails its variant instead of reaching the embedder. A provider
//! that answers JPEG (Workers AI's FLUX) has its image decoded whole and stored as PNG, since the
//! pipeline stores PNG only.

/// The most pixels an answer may decode to: 40 megapixels is far beyond any model's output, so a
/// larger header is refused before its buffer is allocated.
const MAX_PIXELS: u64 = 40_000_000;

/// The size of a PNG whose every row decodes; an error naming what is wrong otherwise.
pub fn png_size(bytes: &[u8]) -> Result<(u32, u32), String> {
    const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    if !bytes.starts_with(SIGNATURE) {
        return Err("not a PNG".into());
    }
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder
        .read_info()
        .map_err(|e| format!("PNG header: {e}"))?;
    let (width, height) = {
        let info = reader.info();
        (info.width, info.height)
    };
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(format!("PNG of {width} x {height} is too large"));
    }
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| "PNG too large to decode".to_string())?;
    let mut buffer = vec![0; size];
    reader
        .next_frame(&mut buffer)
        .map_err(|e| format!("PNG data: {e}"))?;
    Ok((width, height))
}

/// A JPEG decoded to its last block and encoded as a PNG of the same size: the PNG, its width
/// and height; an error naming what is wrong otherwise.
///
/// A truncated or corrupt image must fail its variant, not be stored half grey: by default
/// zune-jpeg, like a browser, paints what it could not read grey and succeeds. So the stream must
/// end with its end-of-image marker (`FF D9`, then at most zero padding): a download cut anywhere
/// has none (the tests cut a JPEG at every byte; strict mode alone passes a cut within the last
/// few dozen bytes). And the decoder runs in strict mode, which makes corrupt entropy-coded data
/// an error (measured on a 64 × 128 test JPEG: one byte flipped in its scan fails one time in
/// eight, against almost never otherwise; the rest decode to a changed but whole image). The PNG is written with `Compression::Fast`, as the renderer's sketches are: a
/// Worker's CPU time is the scarcer resource. Measured natively (opt-level "s") on a synthetic
/// 1024 × 1024 picture of 284 kB as JPEG: decoding takes 23 ms, `Fast` writes 2.0 MB in 59 ms,
/// `Balanced` 1.47 MB in 339 ms.
pub fn jpeg_to_png(bytes: &[u8]) -> Result<(Vec<u8>, u32, u32), String> {
    use zune_jpeg::zune_core::bytestream::ZCursor;
    use zune_jpeg::zune_core::colorspace::ColorSpace;
    use zune_jpeg::zune_core::options::DecoderOptions;

    if !bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Err("not a JPEG".into());
    }
    let end = bytes
        .iter()
        .rposition(|&b| b != 0)
        .map_or(0, |last| last + 1);
    if !bytes[..end].ends_with(&[0xFF, 0xD9]) {
        return Err("JPEG truncated: no end-of-image marker".into());
    }
    let options = DecoderOptions::default()
        .set_strict_mode(true)
        .set_max_width(usize::from(u16::MAX))
        .set_max_height(usize::from(u16::MAX))
        .jpeg_set_out_colorspace(ColorSpace::RGB);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(bytes), options);
    decoder
        .decode_headers()
        .map_err(|e| format!("JPEG header: {e}"))?;
    let (width, height) = decoder
        .dimensions()
        .ok_or_else(|| "JPEG without a size".to_string())?;
    let (width, height) = (
        u32::try_from(width).map_err(|_| "JPEG too wide".to_string())?,
        u32::try_from(height).map_err(|_| "JPEG too tall".to_string())?,
    );
    if width == 0 || height == 0 {
        return Err(format!("JPEG of {width} x {height}"));
    }
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(format!("JPEG of {width} x {height} is too large"));
    }
    let pixels = decoder.decode().map_err(|e| format!("JPEG data: {e}"))?;
    // RGB was asked for, but the decoder may keep a grey image grey: encode what it gave.
    let color = match decoder.output_colorspace() {
        Some(ColorSpace::RGB) => png::ColorType::Rgb,
        Some(ColorSpace::RGBA) => png::ColorType::Rgba,
        Some(ColorSpace::Luma) => png::ColorType::Grayscale,
        Some(ColorSpace::LumaA) => png::ColorType::GrayscaleAlpha,
        other => {
            return Err(format!(
                "JPEG decoded to an unsupported colour space {other:?}"
            ))
        }
    };
    let expected = u64::from(width) * u64::from(height) * color.samples() as u64;
    if pixels.len() as u64 != expected {
        return Err(format!(
            "JPEG decoded to {} bytes, not the {expected} of {width} x {height}",
            pixels.len()
        ));
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(color);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder
        .write_header()
        .map_err(|e| format!("PNG header: {e}"))?;
    writer
        .write_image_data(&pixels)
        .map_err(|e| format!("PNG data: {e}"))?;
    writer.finish().map_err(|e| format!("PNG end: {e}"))?;
    Ok((out, width, height))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::png;

    #[test]
    fn whole_pngs_pass_and_truncated_ones_fail() {
        let whole = png(16, 24);
        assert_eq!(png_size(&whole), Ok((16, 24)));
        assert!(png_size(&whole[..whole.len() - 20]).is_err());
        assert!(png_size(&whole[..40]).is_err());
        assert_eq!(png_size(b"GIF89a"), Err("not a PNG".to_string()));
        assert!(png_size(&[]).is_err());
    }

    #[test]
    fn a_whole_jpeg_becomes_a_whole_png_of_its_size() {
        let jpeg = crate::testing::jpeg(40, 24);
        let (png, width, height) = jpeg_to_png(&jpeg).unwrap();
        assert_eq!((width, height), (40, 24));
        assert_eq!(png_size(&png), Ok((40, 24)));
        // The pixels survive: the gradient's first pixel is near black, a later one is not.
        let mut reader = png::Decoder::new(std::io::Cursor::new(&png))
            .read_info()
            .unwrap();
        let mut rgb = vec![0; reader.output_buffer_size().unwrap()];
        reader.next_frame(&mut rgb).unwrap();
        assert_eq!(reader.info().color_type, png::ColorType::Rgb);
        assert!(rgb[..3].iter().all(|&v| v < 16), "{:?}", &rgb[..3]);
        let last = rgb.len() - 3;
        assert!(rgb[last..].iter().any(|&v| v > 64), "{:?}", &rgb[last..]);
    }

    #[test]
    fn a_grey_jpeg_becomes_a_png() {
        let grey: Vec<u8> = (0..16 * 16).map(|i| i as u8).collect();
        let mut jpeg = Vec::new();
        jpeg_encoder::Encoder::new(&mut jpeg, 90)
            .encode(&grey, 16, 16, jpeg_encoder::ColorType::Luma)
            .unwrap();
        let (png, width, height) = jpeg_to_png(&jpeg).unwrap();
        assert_eq!((width, height), (16, 16));
        assert_eq!(png_size(&png), Ok((16, 16)));
    }

    #[test]
    fn a_truncated_or_foreign_jpeg_fails_and_never_panics() {
        let jpeg = crate::testing::jpeg(40, 24);
        // Every cut short of the whole stream fails: a grey-filled design is no design.
        let passed: Vec<usize> = (0..jpeg.len())
            .filter(|&end| jpeg_to_png(&jpeg[..end]).is_ok())
            .collect();
        assert!(
            passed.is_empty(),
            "cuts at {passed:?} of {} passed",
            jpeg.len()
        );
        // Zero padding after the marker is no truncation.
        let mut padded = jpeg.clone();
        padded.extend_from_slice(&[0, 0, 0]);
        assert_eq!(jpeg_to_png(&padded).unwrap().1, 40);
        assert_eq!(jpeg_to_png(&png(4, 4)).unwrap_err(), "not a JPEG");
        assert!(jpeg_to_png(b"\xFF\xD8\xFF").is_err());
        // Flipped bytes anywhere give an image or an error, never a panic.
        for at in 2..jpeg.len() {
            let mut bad = jpeg.clone();
            bad[at] ^= 0x5A;
            let _ = jpeg_to_png(&bad);
        }
    }
}
