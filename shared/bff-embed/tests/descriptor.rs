//! What the descriptor must do for the pipeline: fixed length and norm, determinism, agreement
//! across encodings and sizes, and similar garments closer than different ones, clearly enough
//! for automatic-K clustering to recover the groups.

mod common;

use bff_embed::{embed_image, Format, BLOCKS, DIM, EMBEDDER};
use bff_math::auto_k::{choose_k, AutoKParams};
use bff_math::Embeddings;
use common::{
    adjusted_rand_index, cosine, jpeg, png, render, render_with, separation, webp, Garment,
    Pattern, Separation, Shape, Style,
};
use image::{ImageEncoder, RgbImage};
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

fn vector(bytes: &[u8]) -> Vec<f32> {
    match embed_image(bytes) {
        Ok(d) => d.vector,
        Err(e) => panic!("embedding failed: {e}"),
    }
}

fn garment(shape: Shape, colour: [u8; 3], pattern: Pattern) -> Garment {
    Garment {
        shape,
        colour,
        pattern,
    }
}

/// Four clearly different kinds, as the pipeline's integration test will draw them.
fn kinds() -> [Garment; 4] {
    [
        garment(Shape::ALineDress, [200, 30, 40], Pattern::Solid),
        garment(Shape::TShirt, [30, 50, 150], Pattern::Stripes),
        garment(Shape::Trousers, [40, 130, 60], Pattern::Checks),
        garment(Shape::Skirt, [230, 190, 40], Pattern::Dots),
    ]
}

/// `per_group` seeded variants of every garment at 256 × 384, embedded from PNG.
fn embed_groups(groups: &[Garment], per_group: u64) -> (Vec<Vec<f32>>, Vec<usize>) {
    let mut vectors = Vec::new();
    let mut labels = Vec::new();
    for (label, g) in groups.iter().enumerate() {
        for seed in 0..per_group {
            let image = render(*g, 256, 384, 1000 * label as u64 + seed);
            vectors.push(vector(&png(&image)));
            labels.push(label);
        }
    }
    (vectors, labels)
}

/// Automatic K over 2..=8 as the pipeline runs it; returns (K, ARI against `labels`).
fn cluster(vectors: &[Vec<f32>], labels: &[usize], seed: u64) -> (usize, f64) {
    let data = Embeddings::from_rows(vectors).expect("finite rows of equal length");
    let params = AutoKParams {
        k_min: 2,
        k_max: 8,
        ..Default::default()
    };
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let result = choose_k(&data, &params, &mut rng).expect("clustering");
    (
        result.best_k,
        adjusted_rand_index(labels, &result.model.labels),
    )
}

fn report(name: &str, s: &Separation) {
    println!(
        "{name}: within mean {:.3} min {:.3}, between mean {:.3} max {:.3}",
        s.within_mean, s.within_min, s.between_mean, s.between_max
    );
}

#[test]
fn the_vector_has_512_unit_values_and_the_image_metadata() {
    let image = render(kinds()[1], 200, 300, 3);
    for (bytes, format) in [
        (png(&image), Format::Png),
        (jpeg(&image, 90), Format::Jpeg),
        (webp(&image), Format::Webp),
    ] {
        let d = embed_image(&bytes).expect("a valid image");
        assert_eq!(d.vector.len(), DIM);
        let norm: f32 = d.vector.iter().map(|v| v * v).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-5, "{format:?}: norm {norm}");
        assert!(d.vector.iter().all(|v| v.is_finite()));
        assert_eq!((d.width, d.height, d.format), (200, 300, format));
        assert_eq!(d.embedder, "bff-descriptor/1");
        assert_eq!(d.embedder, EMBEDDER);
    }
}

#[test]
fn the_descriptor_serialises_for_the_pipeline() {
    let d = embed_image(&png(&render(kinds()[0], 64, 96, 1))).expect("a valid image");
    let json = serde_json::to_value(&d).expect("serialisable");
    assert_eq!(json["embedder"], "bff-descriptor/1");
    assert_eq!(json["format"], "png");
    assert_eq!(json["vector"].as_array().map(Vec::len), Some(DIM));
}

#[test]
fn identical_images_give_identical_vectors() {
    let image = render(kinds()[2], 256, 384, 9);
    let bytes = png(&image);
    let a = vector(&bytes);
    assert_eq!(a, vector(&bytes));
    // The same pixels in another container: the same working raster, the same vector.
    assert_eq!(a, vector(&webp(&image)));
    // A different variant of the same garment is close but not equal.
    let b = vector(&png(&render(kinds()[2], 256, 384, 10)));
    assert_ne!(a, b);
}

#[test]
fn png_and_jpeg_of_the_same_image_agree() {
    let mut worst = f32::INFINITY;
    for (i, g) in kinds()
        .into_iter()
        .chain([garment(Shape::ALineDress, [220, 120, 160], Pattern::Floral)])
        .enumerate()
    {
        let image = render(g, 512, 768, i as u64);
        let c = cosine(&vector(&png(&image)), &vector(&jpeg(&image, 90)));
        worst = worst.min(c);
        assert!(c >= 0.95, "{g:?}: cosine {c}");
    }
    println!("PNG vs JPEG q90, 512 × 768: worst cosine {worst:.4}");
}

#[test]
fn the_size_of_the_image_barely_matters() {
    for (i, g) in kinds().into_iter().enumerate() {
        let image = render(g, 512, 768, i as u64);
        let small =
            image::imageops::resize(&image, 256, 384, image::imageops::FilterType::Triangle);
        let c = cosine(&vector(&png(&image)), &vector(&png(&small)));
        assert!(c >= 0.95, "{g:?}: cosine {c}");
    }
}

#[test]
fn transparency_reads_as_a_white_sheet() {
    let image = render(kinds()[0], 128, 192, 4);
    // The same garment with the sheet made fully transparent (and black under it).
    let rgba = image::RgbaImage::from_fn(128, 192, |x, y| {
        let p = image.get_pixel(x, y).0;
        if p == [250, 249, 246] {
            image::Rgba([0, 0, 0, 0])
        } else {
            image::Rgba([p[0], p[1], p[2], 255])
        }
    });
    let mut bytes = Vec::new();
    image::codecs::png::PngEncoder::new(&mut bytes)
        .write_image(rgba.as_raw(), 128, 192, image::ExtendedColorType::Rgba8)
        .expect("PNG encoding");
    let c = cosine(&vector(&png(&image)), &vector(&bytes));
    assert!(c >= 0.99, "cosine {c}");
}

#[test]
fn grey_sixteen_bit_and_tiny_images_are_described() {
    let image = render(kinds()[3], 64, 96, 2);
    let grey = image::DynamicImage::ImageRgb8(image.clone()).to_luma16();
    let mut bytes = Vec::new();
    image::codecs::png::PngEncoder::new(&mut bytes)
        .write_image(
            &grey
                .as_raw()
                .iter()
                .flat_map(|v| v.to_be_bytes())
                .collect::<Vec<u8>>(),
            64,
            96,
            image::ExtendedColorType::L16,
        )
        .expect("PNG encoding");
    let d = embed_image(&bytes).expect("a 16-bit grey PNG");
    assert_eq!(d.vector.len(), DIM);
    for (w, h) in [(1, 1), (1, 7), (9, 1), (3, 2)] {
        let tiny = RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([(x * 40) as u8, (y * 30) as u8, 90])
        });
        let d = embed_image(&png(&tiny)).expect("a tiny image");
        let norm: f32 = d.vector.iter().map(|v| v * v).sum();
        assert!((norm - 1.0).abs() < 1e-4, "{w}×{h}");
    }
}

#[test]
fn different_kinds_are_further_apart_than_variants_of_one_kind() {
    let (vectors, labels) = embed_groups(&kinds(), 6);
    let s = separation(&vectors, &labels);
    report("four kinds", &s);
    assert!(s.within_min > s.between_max, "{s:?}");
    assert!(s.within_mean - s.between_mean > 0.25, "{s:?}");
    for block in BLOCKS {
        let part: Vec<Vec<f32>> = vectors
            .iter()
            .map(|v| v[block.offset..block.offset + block.len].to_vec())
            .collect();
        let b = separation(&part, &labels);
        println!(
            "  {:22} within {:.3} between {:.3}",
            block.name, b.within_mean, b.between_mean
        );
    }
}

#[test]
fn each_attribute_alone_separates_its_groups() {
    let blue = [40, 60, 160];
    let cases: [(&str, Vec<Garment>); 3] = [
        (
            "pattern only (blue A-line dress)",
            [
                Pattern::Solid,
                Pattern::Stripes,
                Pattern::Checks,
                Pattern::Dots,
                Pattern::Floral,
            ]
            .map(|p| garment(Shape::ALineDress, blue, p))
            .to_vec(),
        ),
        (
            "outline only (solid red)",
            [
                Shape::ALineDress,
                Shape::TShirt,
                Shape::Trousers,
                Shape::Skirt,
            ]
            .map(|s| garment(s, [200, 30, 40], Pattern::Solid))
            .to_vec(),
        ),
        (
            "colour only (solid T-shirt)",
            [
                [200, 30, 40],
                [30, 50, 150],
                [40, 130, 60],
                [230, 190, 40],
                [20, 20, 20],
                [235, 235, 235],
            ]
            .map(|c| garment(Shape::TShirt, c, Pattern::Solid))
            .to_vec(),
        ),
    ];
    for (name, groups) in cases {
        let (vectors, labels) = embed_groups(&groups, 4);
        let s = separation(&vectors, &labels);
        report(name, &s);
        assert!(s.within_min > s.between_mean, "{name}: {s:?}");
        assert!(s.within_mean - s.between_mean > 0.08, "{name}: {s:?}");
    }
}

#[test]
fn automatic_k_recovers_the_kinds() {
    let mut groups = kinds().to_vec();
    groups.push(garment(Shape::ALineDress, [220, 120, 160], Pattern::Floral));
    let (vectors, labels) = embed_groups(&groups, 6);
    let (k, ari) = cluster(&vectors, &labels, 42);
    println!(
        "auto K on {} kinds × 6: K = {k}, ARI {ari:.3}",
        groups.len()
    );
    assert!(ari >= 0.9, "ARI {ari}, K {k}");
}

/// Looser variants than the renderer's defaults: size ±20 %, placement ±10 %, colour ±25 per
/// channel, on a tinted, grainy sheet, as JPEG at quality 75.
#[test]
fn automatic_k_recovers_the_kinds_under_harder_variation() {
    let style = Style {
        size_jitter: 0.2,
        colour_jitter: 25.0,
        sheet: [236.0, 230.0, 218.0],
        sheet_noise: 6.0,
    };
    let groups = kinds();
    let mut vectors = Vec::new();
    let mut labels = Vec::new();
    for (label, g) in groups.iter().enumerate() {
        for seed in 0..6 {
            let image = render_with(*g, 256, 384, 77 + 1000 * label as u64 + seed, &style);
            vectors.push(vector(&jpeg(&image, 75)));
            labels.push(label);
        }
    }
    let s = separation(&vectors, &labels);
    report("four kinds, harder variation", &s);
    assert!(s.within_min > s.between_max, "{s:?}");
    let (k, ari) = cluster(&vectors, &labels, 7);
    println!("auto K on 4 kinds × 6, harder variation: K = {k}, ARI {ari:.3}");
    assert!(ari >= 0.9, "ARI {ari}, K {k}");
}

#[test]
fn adjusted_rand_index_helper() {
    assert!((adjusted_rand_index(&[0, 0, 1, 1], &[1, 1, 0, 0]) - 1.0).abs() < 1e-12);
    assert!(adjusted_rand_index(&[0, 0, 1, 1], &[0, 1, 0, 1]) < 0.0);
    // scikit-learn: adjusted_rand_score([0, 0, 1, 2], [0, 0, 1, 1]) = 0.5714285714285715
    assert!(
        (adjusted_rand_index(&[0, 0, 1, 2], &[0, 0, 1, 1]) - 0.571_428_571_428_571_5).abs() < 1e-12
    );
}
