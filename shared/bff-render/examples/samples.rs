//! Writes sample sketches as PNG files, to look at the drawing.
//!
//! `cargo run --release -p bff-render --example samples -- [DIR]` (default `/tmp/render-samples`).

use std::path::PathBuf;
use std::time::Instant;

use bff_math::coverage::AttributeValue;
use bff_render::{render_sketch, SketchRequest};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "/tmp/render-samples".to_owned()),
    );
    std::fs::create_dir_all(&dir)?;
    let samples: &[(&str, &[(&str, &str)])] = &[
        ("default", &[]),
        (
            "red-a-line-dress",
            &[("garment_type", "dress"), ("colour", "red")],
        ),
        (
            "navy-polka-wrap-dress",
            &[
                ("garment_type", "dress"),
                ("silhouette", "wrap"),
                ("length", "midi"),
                ("colour", "navy"),
                ("pattern", "polka-dots"),
                ("sleeve", "three-quarter"),
            ],
        ),
        (
            "emerald-ballgown",
            &[
                ("garment_type", "gown"),
                ("silhouette", "ballgown"),
                ("neckline", "sweetheart"),
                ("sleeve", "sleeveless"),
                ("colour", "emerald"),
                ("texture", "pleated"),
            ],
        ),
        (
            "mermaid-strapless-gold",
            &[
                ("garment_type", "gown"),
                ("silhouette", "mermaid"),
                ("neckline", "strapless"),
                ("colour", "gold"),
            ],
        ),
        (
            "floral-fit-and-flare-puff",
            &[
                ("silhouette", "fit-and-flare"),
                ("sleeve", "puff"),
                ("neckline", "square"),
                ("pattern", "floral"),
                ("colour", "blush"),
                ("colour", "burgundy"),
                ("length", "mini"),
            ],
        ),
        (
            "striped-tshirt",
            &[
                ("garment_type", "t-shirt"),
                ("colour", "white"),
                ("colour", "navy"),
                ("pattern", "stripes"),
            ],
        ),
        (
            "shirt-gingham",
            &[
                ("garment_type", "shirt"),
                ("colour", "sky-blue"),
                ("pattern", "gingham"),
            ],
        ),
        (
            "camel-coat",
            &[
                ("garment_type", "coat"),
                ("colour", "camel"),
                ("waist", "belted"),
            ],
        ),
        (
            "houndstooth-blazer",
            &[
                ("garment_type", "blazer"),
                ("colour", "cream"),
                ("colour", "black"),
                ("pattern", "houndstooth"),
            ],
        ),
        (
            "wide-leg-trousers",
            &[
                ("garment_type", "trousers"),
                ("silhouette", "wide-leg"),
                ("colour", "charcoal"),
                ("pattern", "pinstripe"),
                ("waist", "high"),
            ],
        ),
        (
            "jeans",
            &[
                ("garment_type", "jeans"),
                ("colour", "blue"),
                ("silhouette", "tapered"),
            ],
        ),
        (
            "plaid-skirt",
            &[
                ("garment_type", "skirt"),
                ("length", "mini"),
                ("pattern", "plaid"),
                ("colour", "red"),
                ("colour", "navy"),
                ("texture", "pleated"),
            ],
        ),
        (
            "turtleneck-sweater-knit",
            &[
                ("garment_type", "sweater"),
                ("colour", "mustard"),
                ("neckline", "turtleneck"),
                ("texture", "knit"),
            ],
        ),
        (
            "slip-dress",
            &[
                ("silhouette", "slip"),
                ("colour", "silver"),
                ("length", "midi"),
                ("neckline", "cowl"),
            ],
        ),
        (
            "halter-jumpsuit",
            &[
                ("garment_type", "jumpsuit"),
                ("neckline", "halter"),
                ("palette", "jewel-tone"),
            ],
        ),
        (
            "kaftan-paisley",
            &[
                ("garment_type", "kaftan"),
                ("pattern", "paisley"),
                ("palette", "earthy"),
            ],
        ),
        (
            "leopard-bodycon",
            &[
                ("silhouette", "bodycon"),
                ("pattern", "animal-print"),
                ("colour", "camel"),
                ("neckline", "one-shoulder"),
                ("sleeve", "long"),
                ("length", "above-knee"),
            ],
        ),
        (
            "tie-dye-top",
            &[
                ("garment_type", "top"),
                ("pattern", "tie-dye"),
                ("palette", "neon"),
                ("sleeve", "raglan"),
                ("length", "cropped"),
            ],
        ),
        (
            "cardigan",
            &[
                ("garment_type", "cardigan"),
                ("colour", "sage"),
                ("texture", "boucle"),
            ],
        ),
        (
            "off-shoulder-empire",
            &[
                ("silhouette", "empire"),
                ("neckline", "off-shoulder"),
                ("sleeve", "bishop"),
                ("colour", "lavender"),
                ("length", "maxi"),
                ("texture", "sheer"),
            ],
        ),
        (
            "peplum-top-geometric",
            &[
                ("garment_type", "blouse"),
                ("silhouette", "peplum"),
                ("pattern", "geometric"),
                ("colour", "teal"),
                ("sleeve", "bell"),
                ("neckline", "keyhole"),
            ],
        ),
        (
            "shorts-checks",
            &[
                ("garment_type", "shorts"),
                ("pattern", "checks"),
                ("colour", "white"),
                ("colour", "black"),
                ("waist", "elasticated"),
            ],
        ),
        (
            "trapeze-abstract",
            &[
                ("silhouette", "trapeze"),
                ("pattern", "abstract"),
                ("palette", "brights"),
                ("sleeve", "flutter"),
                ("neckline", "boat"),
            ],
        ),
    ];
    for (name, attrs) in samples {
        let attributes = attrs
            .iter()
            .map(|(c, v)| AttributeValue::new(*c, *v))
            .collect();
        let request = SketchRequest::new(attributes, 11);
        let start = Instant::now();
        let sketch = render_sketch(&request)?;
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, &sketch.png)?;
        let not_drawn: Vec<String> = sketch
            .not_drawn
            .iter()
            .map(|a| format!("{}/{}", a.category, a.value))
            .collect();
        println!(
            "{:<32} {:>7} bytes {:>6.1} ms  not drawn: {:?}",
            path.display(),
            sketch.png.len(),
            ms,
            not_drawn
        );
    }
    Ok(())
}
