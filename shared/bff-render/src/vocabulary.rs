//! The attribute values the sketch renderer knows how to draw, by category.
//!
//! Ids are matched exactly (lowercase, hyphenated), as the taxonomy spells them; callers
//! normalise case and synonyms beforehand, as for coverage.

/// Declares a vocabulary enum with its exact ids, in the order they are listed.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $id:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[allow(clippy::enum_variant_names)] // `empire-waist` is the taxonomy's id.
        pub(crate) enum $name {
            $($variant),+
        }

        impl $name {
            /// Every value, in the order of [`Self::IDS`].
            #[allow(dead_code)]
            pub(crate) const ALL: &'static [Self] = &[$(Self::$variant),+];
            /// The exact ids of the values.
            pub(crate) const IDS: &'static [&'static str] = &[$($id),+];

            pub(crate) fn parse(id: &str) -> Option<Self> {
                match id {
                    $($id => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

vocabulary!(
    /// `garment_type`.
    Garment {
        Dress = "dress",
        Gown = "gown",
        Kaftan = "kaftan",
        Top = "top",
        Blouse = "blouse",
        Shirt = "shirt",
        TShirt = "t-shirt",
        Sweater = "sweater",
        Cardigan = "cardigan",
        Skirt = "skirt",
        Trousers = "trousers",
        Jeans = "jeans",
        Shorts = "shorts",
        Jumpsuit = "jumpsuit",
        Jacket = "jacket",
        Blazer = "blazer",
        Coat = "coat",
    }
);

vocabulary!(
    /// `silhouette`.
    Silhouette {
        ALine = "a-line",
        Sheath = "sheath",
        Shift = "shift",
        FitAndFlare = "fit-and-flare",
        Wrap = "wrap",
        Empire = "empire",
        Bodycon = "bodycon",
        Trapeze = "trapeze",
        Ballgown = "ballgown",
        Mermaid = "mermaid",
        Slip = "slip",
        Peplum = "peplum",
        Straight = "straight",
        WideLeg = "wide-leg",
        Tapered = "tapered",
    }
);

vocabulary!(
    /// `length`.
    Length {
        Micro = "micro",
        Mini = "mini",
        AboveKnee = "above-knee",
        Knee = "knee",
        Midi = "midi",
        Maxi = "maxi",
        Floor = "floor",
        Cropped = "cropped",
        Hip = "hip",
        Ankle = "ankle",
    }
);

vocabulary!(
    /// `neckline`.
    Neckline {
        VNeck = "v-neck",
        Crew = "crew",
        Scoop = "scoop",
        Square = "square",
        Sweetheart = "sweetheart",
        Halter = "halter",
        OffShoulder = "off-shoulder",
        OneShoulder = "one-shoulder",
        Strapless = "strapless",
        Boat = "boat",
        HighNeck = "high-neck",
        Turtleneck = "turtleneck",
        Cowl = "cowl",
        Collared = "collared",
        Keyhole = "keyhole",
    }
);

vocabulary!(
    /// `sleeve`.
    Sleeve {
        Sleeveless = "sleeveless",
        SpaghettiStrap = "spaghetti-strap",
        Cap = "cap",
        Short = "short",
        Elbow = "elbow",
        ThreeQuarter = "three-quarter",
        Long = "long",
        Puff = "puff",
        Bishop = "bishop",
        Bell = "bell",
        Flutter = "flutter",
        Raglan = "raglan",
    }
);

vocabulary!(
    /// `waist`: where the waist line sits and how it is finished; one of each may be drawn.
    Waist {
        Natural = "natural",
        High = "high",
        Low = "low",
        Dropped = "dropped",
        EmpireWaist = "empire-waist",
        Belted = "belted",
        Cinched = "cinched",
        Elasticated = "elasticated",
    }
);

vocabulary!(
    /// `colour`.
    Colour {
        Red = "red",
        Burgundy = "burgundy",
        Pink = "pink",
        Blush = "blush",
        Orange = "orange",
        Rust = "rust",
        Terracotta = "terracotta",
        Mustard = "mustard",
        Yellow = "yellow",
        Olive = "olive",
        Sage = "sage",
        Green = "green",
        Emerald = "emerald",
        Teal = "teal",
        Turquoise = "turquoise",
        SkyBlue = "sky-blue",
        Blue = "blue",
        Navy = "navy",
        Lavender = "lavender",
        Purple = "purple",
        Plum = "plum",
        Brown = "brown",
        Camel = "camel",
        Beige = "beige",
        Cream = "cream",
        Ivory = "ivory",
        White = "white",
        Grey = "grey",
        Charcoal = "charcoal",
        Black = "black",
        Gold = "gold",
        Silver = "silver",
    }
);

vocabulary!(
    /// `palette`: chooses the colours when the brief names none.
    Palette {
        Earthy = "earthy",
        Pastel = "pastel",
        JewelTone = "jewel-tone",
        Neutral = "neutral",
        Monochrome = "monochrome",
        Brights = "brights",
        Muted = "muted",
        Metallic = "metallic",
        Neon = "neon",
    }
);

vocabulary!(
    /// `pattern`.
    Pattern {
        Solid = "solid",
        Stripes = "stripes",
        Pinstripe = "pinstripe",
        Checks = "checks",
        Gingham = "gingham",
        Plaid = "plaid",
        Houndstooth = "houndstooth",
        PolkaDots = "polka-dots",
        Floral = "floral",
        Abstract = "abstract",
        Geometric = "geometric",
        AnimalPrint = "animal-print",
        Paisley = "paisley",
        TieDye = "tie-dye",
    }
);

vocabulary!(
    /// `texture`: drawn as a subtle overlay.
    Texture {
        Smooth = "smooth",
        Ribbed = "ribbed",
        Quilted = "quilted",
        Pleated = "pleated",
        Ruched = "ruched",
        Crinkled = "crinkled",
        Knit = "knit",
        Sheer = "sheer",
        Boucle = "boucle",
        Brushed = "brushed",
        Embossed = "embossed",
    }
);

/// Every category the renderer draws, with its value ids. Other categories (fabric, occasion,
/// era, ...) are accepted and reported as not drawn.
pub const VOCABULARY: [(&str, &[&str]); 10] = [
    ("garment_type", Garment::IDS),
    ("silhouette", Silhouette::IDS),
    ("length", Length::IDS),
    ("neckline", Neckline::IDS),
    ("sleeve", Sleeve::IDS),
    ("waist", Waist::IDS),
    ("colour", Colour::IDS),
    ("palette", Palette::IDS),
    ("pattern", Pattern::IDS),
    ("texture", Texture::IDS),
];

/// How many colours a design uses: the first is the main colour, the others go to the pattern
/// (or to the trims of a solid garment).
pub const MAX_COLOURS: usize = 3;

/// Taxonomy values the renderer draws as the nearest shape, print or colour it knows, as
/// `(category, taxonomy id, drawn as)`. They are reported as drawn: the sketch shows an
/// approximation of them (a leopard print as an animal print, cobalt as blue). Values with no
/// visible counterpart (glossy, matte, stretchy) are left out and reported as not drawn.
pub const APPROXIMATIONS: &[(&str, &str, &str)] = &[
    ("garment_type", "playsuit", "jumpsuit"),
    ("garment_type", "culottes", "trousers"),
    ("garment_type", "leggings", "trousers"),
    ("garment_type", "crop-top", "top"),
    ("garment_type", "tank-top", "top"),
    ("garment_type", "camisole", "top"),
    ("garment_type", "hoodie", "sweater"),
    ("garment_type", "trench-coat", "coat"),
    ("garment_type", "waistcoat", "jacket"),
    ("garment_type", "cape", "coat"),
    ("garment_type", "corset", "top"),
    ("garment_type", "bodysuit", "top"),
    ("garment_type", "kimono", "jacket"),
    ("garment_type", "co-ord", "top"),
    ("garment_type", "suit", "blazer"),
    ("garment_type", "shirt-dress", "dress"),
    ("garment_type", "sundress", "dress"),
    ("silhouette", "column", "sheath"),
    ("silhouette", "cocoon", "shift"),
    ("silhouette", "tiered", "a-line"),
    ("silhouette", "flared", "wide-leg"),
    ("silhouette", "bootcut", "straight"),
    ("silhouette", "pencil", "sheath"),
    ("silhouette", "bubble", "fit-and-flare"),
    ("length", "tea-length", "midi"),
    ("length", "longline", "hip"),
    ("length", "high-low", "maxi"),
    ("neckline", "mandarin-collar", "high-neck"),
    ("neckline", "peter-pan-collar", "collared"),
    ("neckline", "plunging", "v-neck"),
    ("sleeve", "balloon", "puff"),
    ("sleeve", "cold-shoulder", "short"),
    ("sleeve", "dolman", "bell"),
    ("sleeve", "lantern", "bishop"),
    ("sleeve", "leg-of-mutton", "puff"),
    ("sleeve", "kimono-sleeve", "bell"),
    ("waist", "mid-rise", "natural"),
    ("waist", "paperbag", "cinched"),
    ("waist", "corseted", "cinched"),
    ("waist", "yoke", "low"),
    ("pattern", "botanical", "floral"),
    ("pattern", "leopard", "animal-print"),
    ("pattern", "zebra", "animal-print"),
    ("pattern", "snakeskin", "animal-print"),
    ("pattern", "camouflage", "abstract"),
    ("pattern", "colour-block", "geometric"),
    ("pattern", "ombre", "tie-dye"),
    ("pattern", "toile", "floral"),
    ("pattern", "herringbone", "houndstooth"),
    ("pattern", "argyle", "checks"),
    ("pattern", "chevron", "geometric"),
    ("pattern", "graphic", "abstract"),
    ("pattern", "batik", "paisley"),
    ("pattern", "marble", "tie-dye"),
    ("colour", "cobalt", "blue"),
    ("colour", "khaki", "beige"),
    ("colour", "mint", "sage"),
    ("colour", "forest-green", "green"),
    ("colour", "lime", "yellow"),
    ("colour", "coral", "orange"),
    ("colour", "peach", "blush"),
    ("colour", "hot-pink", "pink"),
    ("colour", "mauve", "lavender"),
    ("texture", "draped", "ruched"),
    ("texture", "smocked", "ruched"),
    ("texture", "fluffy", "brushed"),
    ("texture", "distressed", "crinkled"),
    ("texture", "flowy", "pleated"),
];

/// The id the renderer draws for a taxonomy value: itself, or its approximation.
pub fn drawable_id<'a>(category: &str, value: &'a str) -> &'a str {
    APPROXIMATIONS
        .iter()
        .find(|(c, id, _)| *c == category && *id == value)
        .map_or(value, |(_, _, drawn)| drawn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_back_to_their_values() {
        for (i, id) in Garment::IDS.iter().enumerate() {
            assert_eq!(Garment::parse(id), Some(Garment::ALL[i]));
        }
        for (i, id) in Colour::IDS.iter().enumerate() {
            assert_eq!(Colour::parse(id), Some(Colour::ALL[i]));
        }
        assert_eq!(Colour::parse("Red"), None);
        assert_eq!(Texture::parse(""), None);
    }

    #[test]
    fn ids_are_lowercase_hyphenated_and_unique_per_category() {
        for (category, ids) in VOCABULARY {
            for (i, id) in ids.iter().enumerate() {
                assert!(
                    id.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                    "{category}/{id}"
                );
                assert!(!ids[i + 1..].contains(id), "{category}/{id} twice");
            }
        }
    }
}
