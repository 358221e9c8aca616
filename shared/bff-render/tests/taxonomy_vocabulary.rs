//! The renderer speaks the taxonomy's language: every id it draws is a taxonomy value, and most
//! values of the taxonomy's renderable categories are drawn.

use bff_domain::Taxonomy;
use bff_render::{drawable_id, APPROXIMATIONS, VOCABULARY};

#[test]
fn every_drawable_id_is_a_taxonomy_value() {
    let taxonomy = Taxonomy::embedded();
    for (category, ids) in VOCABULARY {
        let known = taxonomy
            .category(category)
            .unwrap_or_else(|| panic!("{category} is a taxonomy category"));
        for id in ids {
            assert!(
                known.value(id).is_some(),
                "{category}/{id} is not in the taxonomy"
            );
        }
    }
}

#[test]
fn approximations_map_taxonomy_values_to_drawable_ones() {
    let taxonomy = Taxonomy::embedded();
    for (category, id, drawn) in APPROXIMATIONS {
        assert!(
            taxonomy.value(category, id).is_some(),
            "{category}/{id} is not in the taxonomy"
        );
        let ids = VOCABULARY
            .iter()
            .find(|(c, _)| c == category)
            .map(|(_, ids)| *ids);
        assert!(
            ids.is_some_and(|ids| ids.contains(drawn)),
            "{category}/{drawn} is not drawable"
        );
    }
}

#[test]
fn renderable_taxonomy_values_are_drawn() {
    let taxonomy = Taxonomy::embedded();
    let mut missing = Vec::new();
    let mut total = 0;
    for category in taxonomy.categories().iter().filter(|c| c.renderable) {
        let drawable = VOCABULARY
            .iter()
            .find(|(c, _)| *c == category.id)
            .map_or(&[][..], |(_, ids)| *ids);
        for value in &category.values {
            total += 1;
            if !drawable.contains(&drawable_id(&category.id, &value.id)) {
                missing.push(format!("{}/{}", category.id, value.id));
            }
        }
    }
    let drawn = total - missing.len();
    println!("drawn {drawn} of {total} renderable values; not drawn: {missing:?}");
    // What is left has no visible counterpart in a flat sketch (glossy, matte, multicolour, ...).
    assert!(
        drawn * 100 >= total * 95,
        "only {drawn} of {total} drawn; missing {missing:?}"
    );
}
