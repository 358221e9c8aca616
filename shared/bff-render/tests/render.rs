//! Behaviour of the sketch renderer seen from outside: determinism, PNG output, what is
//! reported as drawn, errors, and pixel checks that the drawing follows the attributes.

use bff_math::coverage::AttributeValue;
use bff_render::{
    render_sketch, RenderError, Sketch, SketchRequest, MAX_ATTRIBUTES, RENDERER, VOCABULARY,
};

fn attrs(pairs: &[(&str, &str)]) -> Vec<AttributeValue> {
    pairs
        .iter()
        .map(|(c, v)| AttributeValue::new(*c, *v))
        .collect()
}

fn render(pairs: &[(&str, &str)], seed: u64) -> Sketch {
    render_sketch(&SketchRequest::new(attrs(pairs), seed)).expect("a valid request renders")
}

/// A decoded RGB image.
struct Image {
    width: usize,
    height: usize,
    rgb: Vec<u8>,
}

impl Image {
    fn decode(png_bytes: &[u8]) -> Image {
        let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
        let mut reader = decoder.read_info().expect("a PNG header");
        let mut buf = vec![0; reader.output_buffer_size().expect("a known size")];
        let info = reader.next_frame(&mut buf).expect("PNG data");
        assert_eq!(info.color_type, png::ColorType::Rgb);
        assert_eq!(info.bit_depth, png::BitDepth::Eight);
        buf.truncate(info.buffer_size());
        Image {
            width: info.width as usize,
            height: info.height as usize,
            rgb: buf,
        }
    }

    fn px(&self, x: usize, y: usize) -> [u8; 3] {
        let i = (y * self.width + x) * 3;
        [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
    }

    /// Not the paper (nor the faint shadow on it).
    fn garment(&self, x: usize, y: usize) -> bool {
        const PAPER: [u8; 3] = [247, 243, 234];
        let p = self.px(x, y);
        (0..3).any(|c| p[c].abs_diff(PAPER[c]) > 30)
    }

    fn garment_rows(&self) -> (usize, usize) {
        let rows: Vec<usize> = (0..self.height)
            .filter(|&y| (0..self.width).any(|x| self.garment(x, y)))
            .collect();
        (rows[0], rows[rows.len() - 1])
    }

    fn garment_width(&self, y: usize) -> usize {
        (0..self.width).filter(|&x| self.garment(x, y)).count()
    }

    /// Colour changes along column `x` inside the garment.
    fn transitions(&self, x: usize) -> usize {
        let (top, bottom) = self.garment_rows();
        (top + 1..=bottom)
            .filter(|&y| {
                let (a, b) = (self.px(x, y - 1), self.px(x, y));
                (0..3).map(|c| u32::from(a[c].abs_diff(b[c]))).sum::<u32>() > 90
            })
            .count()
    }
}

#[test]
fn same_request_gives_the_same_bytes_and_another_seed_other_bytes() {
    let pairs = [
        ("garment_type", "dress"),
        ("pattern", "floral"),
        ("colour", "navy"),
        ("texture", "boucle"),
        ("occasion", "wedding"),
    ];
    let a = render(&pairs, 42);
    let b = render(&pairs, 42);
    assert_eq!(a.png, b.png);
    let c = render(&pairs, 43);
    assert_ne!(a.png, c.png);
    assert_eq!(a.drawn, c.drawn);
    assert_eq!(a.not_drawn, c.not_drawn);
}

#[test]
fn the_png_decodes_at_the_requested_size() {
    let sketch = render(&[("garment_type", "coat")], 1);
    assert_eq!((sketch.width, sketch.height), (512, 768));
    assert_eq!(sketch.renderer, RENDERER);
    let image = Image::decode(&sketch.png);
    assert_eq!((image.width, image.height), (512, 768));

    let request = SketchRequest {
        width: 300,
        height: 200,
        ..SketchRequest::new(attrs(&[("garment_type", "gown")]), 1)
    };
    let sketch = render_sketch(&request).unwrap();
    let image = Image::decode(&sketch.png);
    assert_eq!((image.width, image.height), (300, 200));
    // The floor-length gown is scaled down to fit the short canvas.
    let (top, bottom) = image.garment_rows();
    assert!(top > 0 && bottom < 199, "{top}..{bottom}");
}

#[test]
fn every_value_of_the_vocabulary_is_drawn_when_requested_alone() {
    for (category, ids) in VOCABULARY {
        for id in ids {
            let request = SketchRequest {
                width: 128,
                height: 192,
                ..SketchRequest::new(attrs(&[(category, id)]), 3)
            };
            let sketch = render_sketch(&request).unwrap();
            assert_eq!(
                sketch.drawn,
                attrs(&[(category, id)]),
                "{category}/{id} not drawn"
            );
            assert!(sketch.not_drawn.is_empty());
            assert!(
                sketch.approximated.is_empty(),
                "{category}/{id} drawn as itself"
            );
        }
    }
}

#[test]
fn values_drawn_as_a_stand_in_are_reported() {
    let sketch = render(
        &[
            ("garment_type", "dress"),
            ("pattern", "leopard"),
            ("colour", "cobalt"),
            ("colour", "navy"),
            ("fabric", "linen"),
        ],
        0,
    );
    assert_eq!(sketch.drawn.len(), 4);
    let approximated: Vec<(&str, &str)> = sketch
        .approximated
        .iter()
        .map(|a| (a.value.value.as_str(), a.drawn_as.as_str()))
        .collect();
    assert_eq!(
        approximated,
        [("leopard", "animal-print"), ("cobalt", "blue")]
    );
    assert!(sketch
        .approximated
        .iter()
        .all(|a| sketch.drawn.contains(&a.value)));
}

#[test]
fn attributes_the_renderer_does_not_draw_are_reported() {
    let sketch = render(
        &[
            ("fabric", "linen"),
            ("garment_type", "trousers"),
            ("garment_type", "dress"),
            ("neckline", "v-neck"),
            ("colour", "multicolour"),
            ("colour", "red"),
            ("era", "1970s"),
            ("", ""),
        ],
        0,
    );
    assert_eq!(
        sketch.drawn,
        attrs(&[("garment_type", "trousers"), ("colour", "red")])
    );
    assert_eq!(
        sketch.not_drawn,
        attrs(&[
            ("fabric", "linen"),
            ("garment_type", "dress"),
            ("neckline", "v-neck"),
            ("colour", "multicolour"),
            ("era", "1970s"),
            ("", ""),
        ])
    );
}

#[test]
fn defaults_are_not_listed_as_drawn() {
    let sketch = render(&[], 0);
    assert!(sketch.drawn.is_empty() && sketch.not_drawn.is_empty());
    assert_eq!(
        render(&[("garment_type", "dress")], 0).png,
        sketch.png,
        "an empty request draws the default dress"
    );
}

#[test]
fn bad_sizes_and_too_many_attributes_are_errors() {
    for (width, height) in [(63, 768), (512, 2049), (0, 0), (4096, 4096)] {
        let request = SketchRequest {
            width,
            height,
            ..SketchRequest::default()
        };
        assert_eq!(
            render_sketch(&request),
            Err(RenderError::SizeOutOfRange {
                width,
                height,
                min: 64,
                max: 2048
            })
        );
    }
    let many = vec![AttributeValue::new("colour", "red"); MAX_ATTRIBUTES + 1];
    let error = render_sketch(&SketchRequest::new(many, 0)).unwrap_err();
    assert_eq!(
        error,
        RenderError::TooManyAttributes {
            count: MAX_ATTRIBUTES + 1,
            max: MAX_ATTRIBUTES
        }
    );
    let json = serde_json::to_value(&error).unwrap();
    assert_eq!(json["kind"], "too_many_attributes");
    assert!(error.to_string().contains("257"));
}

#[test]
fn requests_read_from_json_take_the_default_size() {
    let request: SketchRequest = serde_json::from_str(
        r#"{"attributes": [{"category": "colour", "value": "teal"}], "seed": 9}"#,
    )
    .unwrap();
    assert_eq!((request.width, request.height), (512, 768));
    let sketch = render_sketch(&request).unwrap();
    let json = serde_json::to_value(&sketch).unwrap();
    assert_eq!(json["renderer"], RENDERER);
    assert!(json.get("png").is_none());
}

#[test]
fn a_maxi_hem_is_lower_than_a_mini_hem() {
    let mini = Image::decode(&render(&[("length", "mini")], 5).png);
    let maxi = Image::decode(&render(&[("length", "maxi")], 5).png);
    let (mini_top, mini_bottom) = mini.garment_rows();
    let (maxi_top, maxi_bottom) = maxi.garment_rows();
    assert!(
        maxi_bottom > mini_bottom + 50,
        "{maxi_bottom} vs {mini_bottom}"
    );
    assert!(maxi_bottom - maxi_top > mini_bottom - mini_top + 150);
}

#[test]
fn long_sleeves_are_wider_at_the_shoulders_than_sleeveless() {
    let widest_upper = |image: &Image| {
        let (top, bottom) = image.garment_rows();
        (top..top + (bottom - top) * 2 / 5)
            .map(|y| image.garment_width(y))
            .max()
            .unwrap_or(0)
    };
    let sleeveless =
        Image::decode(&render(&[("garment_type", "top"), ("sleeve", "sleeveless")], 5).png);
    let long = Image::decode(&render(&[("garment_type", "top"), ("sleeve", "long")], 5).png);
    let (s, l) = (widest_upper(&sleeveless), widest_upper(&long));
    assert!(l > s + 80, "long {l} vs sleeveless {s}");
}

#[test]
fn a_red_dress_is_mostly_red() {
    let image = Image::decode(&render(&[("colour", "red")], 5).png);
    let mut garment = 0;
    let mut red = 0;
    for y in 0..image.height {
        for x in 0..image.width {
            if image.garment(x, y) {
                garment += 1;
                let [r, g, b] = image.px(x, y);
                if u16::from(r) > u16::from(g) + 60 && u16::from(r) > u16::from(b) + 50 {
                    red += 1;
                }
            }
        }
    }
    assert!(garment > 40_000, "{garment} garment pixels");
    assert!(red * 10 > garment * 8, "{red} red of {garment}");
}

#[test]
fn stripes_change_colour_along_a_vertical_line_and_solid_does_not() {
    let at = |pattern: &str| {
        let image = Image::decode(&render(&[("pattern", pattern), ("colour", "navy")], 5).png);
        // A quarter of the way in from the left edge of the skirt, clear of the neckline.
        (image.transitions(image.width / 2 - 40), image)
    };
    let (striped, _) = at("stripes");
    let (solid, _) = at("solid");
    assert!(striped >= 20, "{striped} transitions in stripes");
    assert!(solid <= 6, "{solid} transitions in solid");
}

#[test]
fn silhouettes_change_the_hem_width() {
    let hem_width = |silhouette: &str| {
        let image = Image::decode(&render(&[("silhouette", silhouette)], 5).png);
        let (_, bottom) = image.garment_rows();
        image.garment_width(bottom - 12)
    };
    let (bodycon, a_line, ballgown) = (
        hem_width("bodycon"),
        hem_width("a-line"),
        hem_width("ballgown"),
    );
    assert!(bodycon + 60 < a_line, "bodycon {bodycon}, a-line {a_line}");
    assert!(
        a_line + 40 < ballgown,
        "a-line {a_line}, ballgown {ballgown}"
    );
}

#[test]
fn trousers_have_two_legs() {
    let image = Image::decode(&render(&[("garment_type", "trousers")], 5).png);
    let (top, bottom) = image.garment_rows();
    let x = image.width / 2;
    // Fabric at the waist on the centre front, paper between the legs near the hem.
    assert!(image.garment(x, top + 30));
    assert!(!image.garment(x, bottom - 20));
    assert!(image.garment(x - 50, bottom - 20) && image.garment(x + 50, bottom - 20));
}
