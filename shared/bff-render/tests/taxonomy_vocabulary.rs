//! The renderer speaks the taxonomy's language: every id it draws is a taxonomy value, and most
//! values of the taxonomy's renderable categories are drawn.

use bff_domain::Taxonomy;
use bff_render::VOCABULARY;

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
            if !drawable.contains(&value.id.as_str()) {
                missing.push(format!("{}/{}", category.id, value.id));
            }
        }
    }
    let drawn = total - missing.len();
    println!("drawn {drawn} of {total} renderable values; not drawn: {missing:?}");
    assert!(
        drawn * 10 >= total * 7,
        "only {drawn} of {total} drawn; missing {missing:?}"
    );
}
