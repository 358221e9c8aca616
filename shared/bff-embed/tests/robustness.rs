//! Hostile and broken inputs: every one must come back as a typed error (or, where a decoder
//! legitimately recovers, as a valid descriptor), never as a panic.

mod common;

use bff_embed::{embed_image, EmbedError, Format, DIM, MAX_INPUT_BYTES};
use common::{jpeg, png, render, webp, Garment, Pattern, Shape};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

fn sample() -> image::RgbImage {
    let garment = Garment {
        shape: Shape::TShirt,
        colour: [30, 60, 160],
        pattern: Pattern::Stripes,
    };
    render(garment, 128, 192, 1)
}

/// A result is acceptable when it is an error or a unit-norm descriptor of the right length.
fn check(result: &Result<bff_embed::Descriptor, EmbedError>) {
    if let Ok(d) = result {
        assert_eq!(d.vector.len(), DIM);
        let norm: f32 = d.vector.iter().map(|v| v * v).sum();
        assert!((norm - 1.0).abs() < 1e-4, "norm² {norm}");
    }
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A PNG made of its signature and an IHDR chunk (correct CRC) claiming `width` × `height`,
/// followed by a tiny IDAT and IEND.
fn png_header(width: u32, height: u32, bit_depth: u8, colour_type: u8) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], data: &[u8]| {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
    };
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[bit_depth, colour_type, 0, 0, 0]);
    chunk(b"IHDR", &ihdr);
    chunk(b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    chunk(b"IEND", &[]);
    out
}

#[test]
fn empty_input_is_an_error() {
    assert_eq!(embed_image(&[]), Err(EmbedError::Empty));
}

#[test]
fn oversized_input_is_refused_before_decoding() {
    let mut bytes = png(&sample());
    bytes.resize(MAX_INPUT_BYTES + 1, 0);
    assert_eq!(
        embed_image(&bytes),
        Err(EmbedError::InputTooLarge {
            bytes: MAX_INPUT_BYTES + 1,
            limit: MAX_INPUT_BYTES
        })
    );
}

#[test]
fn unknown_and_unsupported_formats_are_named() {
    assert_eq!(
        embed_image(b"hello, world"),
        Err(EmbedError::UnsupportedFormat { detected: None })
    );
    assert_eq!(
        embed_image(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"),
        Err(EmbedError::UnsupportedFormat {
            detected: Some("gif".to_owned())
        })
    );
    let bmp = b"BM\x3a\0\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0";
    assert!(matches!(
        embed_image(bmp),
        Err(EmbedError::UnsupportedFormat { detected: Some(_) })
    ));
}

#[test]
fn png_headers_claiming_huge_sizes_are_refused() {
    for (w, h, depth, colour) in [
        (100_000, 100_000, 8, 2),
        (4097, 16, 8, 2),
        (16, 4097, 8, 6),
        (0x7fff_ffff, 0x7fff_ffff, 8, 6),
        // Within the side limit, but 128 MiB decoded at 16 bits per channel.
        (4096, 4096, 16, 6),
    ] {
        let result = embed_image(&png_header(w, h, depth, colour));
        assert!(
            matches!(result, Err(EmbedError::ImageTooLarge { .. })),
            "{w}×{h}: {result:?}"
        );
    }
    // Zero sizes are invalid PNG.
    let result = embed_image(&png_header(0, 10, 8, 2));
    assert!(matches!(
        result,
        Err(EmbedError::Corrupt { .. } | EmbedError::Degenerate { .. })
    ));
}

#[test]
fn jpeg_frame_headers_claiming_huge_sizes_are_refused() {
    let mut bytes = jpeg(&sample(), 90);
    // The start-of-frame segment (baseline or progressive) holds the height then the width.
    let sof = bytes
        .windows(2)
        .position(|w| w[0] == 0xff && (w[1] == 0xc0 || w[1] == 0xc2))
        .expect("a frame header");
    bytes[sof + 5..sof + 9].copy_from_slice(&[0xea, 0x60, 0xea, 0x60]); // 60000 × 60000
    let result = embed_image(&bytes);
    assert!(
        matches!(result, Err(EmbedError::ImageTooLarge { .. })),
        "{result:?}"
    );
}

#[test]
fn webp_headers_claiming_huge_sizes_are_refused() {
    // Lossless bitstream: after "VP8L", the chunk size and the signature byte 0x2f come 14 bits of
    // width − 1 and 14 bits of height − 1, little-endian.
    let claim = |width: u32, height: u32| {
        let mut bytes = webp(&sample());
        let at = bytes
            .windows(4)
            .position(|w| w == b"VP8L")
            .expect("a lossless chunk")
            + 9;
        let packed = (width - 1) | ((height - 1) << 14) | (u32::from(bytes[at + 3] >> 4) << 28);
        bytes[at..at + 4].copy_from_slice(&packed.to_le_bytes());
        embed_image(&bytes)
    };
    for (w, h) in [(9999, 9999), (5000, 10), (10, 4097)] {
        let result = claim(w, h);
        assert!(
            matches!(result, Err(EmbedError::ImageTooLarge { .. })),
            "{w}×{h}: {result:?}"
        );
    }
    // The decoder reads the largest lossless size, 16384, as 0 (its 14-bit field wraps).
    let result = claim(16384, 16384);
    assert!(
        matches!(
            result,
            Err(EmbedError::ImageTooLarge { .. } | EmbedError::Degenerate { .. })
        ),
        "{result:?}"
    );
}

#[test]
fn random_bytes_are_errors() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
    let prefixes: [&[u8]; 4] = [
        b"",
        b"\x89PNG\r\n\x1a\n",
        b"\xff\xd8\xff",
        b"RIFF\x00\x10\x00\x00WEBPVP8 ",
    ];
    for case in 0..400 {
        let len = rng.random_range(1..3000);
        let mut bytes = prefixes[case % prefixes.len()].to_vec();
        bytes.extend((0..len).map(|_| rng.random::<u8>()));
        let result = embed_image(&bytes);
        assert!(result.is_err(), "case {case} decoded: {result:?}");
    }
}

#[test]
fn truncated_images_are_errors() {
    let image = sample();
    for (name, bytes) in [
        ("png", png(&image)),
        ("jpeg", jpeg(&image, 90)),
        ("webp", webp(&image)),
    ] {
        assert!(embed_image(&bytes).is_ok(), "{name} whole");
        let cuts: Vec<usize> = (1..64)
            .chain((0..150).map(|i| 64 + i * (bytes.len() - 65) / 150))
            .filter(|&c| c < bytes.len())
            .collect();
        for &cut in &cuts {
            match embed_image(&bytes[..cut]) {
                Err(EmbedError::Corrupt { format, .. }) => assert_eq!(format.name(), name),
                // Too short to carry the signature.
                Err(EmbedError::UnsupportedFormat { .. }) => assert!(cut < 16, "{name} {cut}"),
                other => panic!("{name} cut at {cut} of {}: {other:?}", bytes.len()),
            }
        }
    }
}

#[test]
fn corrupted_bytes_never_panic() {
    let image = sample();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
    for bytes in [png(&image), jpeg(&image, 90), webp(&image)] {
        for _ in 0..150 {
            let mut broken = bytes.clone();
            for _ in 0..rng.random_range(1..6) {
                let i = rng.random_range(0..broken.len());
                broken[i] = rng.random();
            }
            check(&embed_image(&broken));
        }
    }
}

#[test]
fn errors_serialise_with_a_kind_tag() {
    let json = serde_json::to_value(EmbedError::UnsupportedFormat { detected: None })
        .expect("serialisable");
    assert_eq!(json["kind"], "unsupported_format");
    let json = serde_json::to_value(EmbedError::Empty).expect("serialisable");
    assert_eq!(json["kind"], "empty");
    let error = EmbedError::Corrupt {
        format: Format::Png,
        message: "unexpected end of file".into(),
    };
    assert_eq!(
        error.to_string(),
        "corrupt or truncated png image: unexpected end of file"
    );
    let json = serde_json::to_value(&error).expect("serialisable");
    assert_eq!(json["kind"], "corrupt");
    assert_eq!(json["format"], "png");
}
