//! Returned image bytes checked before they are stored: a whole PNG, read to its last row, so that
//! a truncated or corrupt download fails its variant instead of reaching the embedder.

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
    // 40 megapixels at 8 bytes each is far beyond any model's output: refuse before allocating.
    if u64::from(width) * u64::from(height) > 40_000_000 {
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
}
