//! Properties over arbitrary requests: never a panic, every attribute accounted for once.

use bff_math::coverage::AttributeValue;
use bff_render::{render_sketch, SketchRequest, RENDERER, VOCABULARY};
use proptest::prelude::*;

/// Attribute pairs from the vocabulary, with some unknown categories and values mixed in.
fn attribute() -> impl Strategy<Value = AttributeValue> {
    let known = (0..VOCABULARY.len()).prop_flat_map(|c| {
        let (category, ids) = VOCABULARY[c];
        (0..ids.len()).prop_map(move |i| AttributeValue::new(category, ids[i]))
    });
    let unknown = ("[a-z_]{0,8}", "[a-z-]{0,8}").prop_map(|(c, v)| AttributeValue::new(c, v));
    prop_oneof![4 => known, 1 => unknown]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn any_request_renders_and_splits_its_attributes(
        attributes in prop::collection::vec(attribute(), 0..14),
        seed in any::<u64>(),
        width in 64u32..=160,
        height in 64u32..=200,
    ) {
        let request = SketchRequest { attributes: attributes.clone(), seed, width, height };
        let sketch = render_sketch(&request).unwrap();
        prop_assert!(sketch.png.starts_with(b"\x89PNG\r\n\x1a\n"));
        prop_assert_eq!((sketch.width, sketch.height), (width, height));
        prop_assert_eq!(sketch.renderer, RENDERER);
        // drawn and not_drawn partition the request, each in request order.
        prop_assert_eq!(sketch.drawn.len() + sketch.not_drawn.len(), attributes.len());
        let (mut d, mut n) = (0, 0);
        for a in &attributes {
            if d < sketch.drawn.len() && &sketch.drawn[d] == a {
                d += 1;
            } else {
                prop_assert_eq!(&sketch.not_drawn[n], a);
                n += 1;
            }
        }
        // At most one value per single-valued category is drawn.
        for (category, _) in VOCABULARY {
            let count = sketch.drawn.iter().filter(|a| a.category == category).count();
            let limit = match category {
                "colour" => 3,
                "waist" => 2,
                _ => 1,
            };
            prop_assert!(count <= limit, "{} values of {}", count, category);
        }
    }
}
