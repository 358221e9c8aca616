//! What the providers' tests share: a small whole PNG, a real JPEG (Workers AI's FLUX answers one)
//! and a reply as a provider sends it.

use crate::HttpReply;

/// A whole RGB PNG of `width` × `height`.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().expect("PNG header");
    let data: Vec<u8> = (0..width * height * 3).map(|i| (i % 251) as u8).collect();
    writer.write_image_data(&data).expect("PNG data");
    drop(writer);
    out
}

/// A baseline RGB JPEG of `width` × `height` (4:2:0, quality 90, as an encoder of a model's output
/// writes one), with a gradient so that every block holds data.
pub fn jpeg(width: u16, height: u16) -> Vec<u8> {
    let data: Vec<u8> = (0..u32::from(width) * u32::from(height))
        .flat_map(|i| {
            let (x, y) = (i % u32::from(width), i / u32::from(width));
            [
                (x * 7 % 256) as u8,
                (y * 5 % 256) as u8,
                ((x + y) % 256) as u8,
            ]
        })
        .collect();
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 90)
        .encode(&data, width, height, jpeg_encoder::ColorType::Rgb)
        .expect("JPEG");
    out
}

/// A reply with `status`, `headers` and `body`.
pub fn reply(status: u16, headers: &[(&str, &str)], body: impl Into<Vec<u8>>) -> HttpReply {
    HttpReply {
        status,
        headers: headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
        body: body.into(),
    }
}
