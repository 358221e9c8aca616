//! Colours: the named hues a brief may ask for, the palettes used when it names none, and the
//! shades derived from them (outline, seams, contrast for two-colour patterns).

use rand::Rng;

use crate::vocabulary::{Colour, Palette};

/// An opaque sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rgb(pub u8, pub u8, pub u8);

/// The light paper the flat is drawn on.
pub(crate) const PAPER: Rgb = Rgb(247, 243, 234);

/// Used when neither a colour nor a palette is given.
pub(crate) const DEFAULT_MAIN: Rgb = Rgb(150, 150, 150);

impl Colour {
    /// The one table of named colours.
    pub(crate) fn rgb(self) -> Rgb {
        match self {
            Colour::Red => Rgb(196, 30, 48),
            Colour::Burgundy => Rgb(118, 22, 44),
            Colour::Pink => Rgb(236, 120, 162),
            Colour::Blush => Rgb(240, 196, 194),
            Colour::Orange => Rgb(238, 122, 32),
            Colour::Rust => Rgb(172, 72, 32),
            Colour::Terracotta => Rgb(201, 104, 74),
            Colour::Mustard => Rgb(214, 166, 42),
            Colour::Yellow => Rgb(248, 214, 52),
            Colour::Olive => Rgb(122, 124, 52),
            Colour::Sage => Rgb(160, 178, 142),
            Colour::Green => Rgb(46, 140, 72),
            Colour::Emerald => Rgb(0, 122, 86),
            Colour::Teal => Rgb(0, 118, 126),
            Colour::Turquoise => Rgb(48, 196, 200),
            Colour::SkyBlue => Rgb(135, 190, 235),
            Colour::Blue => Rgb(40, 92, 200),
            Colour::Navy => Rgb(28, 38, 82),
            Colour::Lavender => Rgb(186, 166, 222),
            Colour::Purple => Rgb(112, 52, 152),
            Colour::Plum => Rgb(102, 40, 82),
            Colour::Brown => Rgb(112, 72, 42),
            Colour::Camel => Rgb(193, 154, 107),
            Colour::Beige => Rgb(222, 205, 176),
            Colour::Cream => Rgb(245, 236, 210),
            Colour::Ivory => Rgb(251, 247, 233),
            Colour::White => Rgb(253, 253, 251),
            Colour::Grey => Rgb(150, 150, 152),
            Colour::Charcoal => Rgb(62, 64, 68),
            Colour::Black => Rgb(24, 24, 26),
            Colour::Gold => Rgb(212, 175, 55),
            Colour::Silver => Rgb(192, 193, 200),
        }
    }

    /// Gold and silver get a sheen so that they read as metal rather than as mustard and grey.
    pub(crate) fn is_metallic(self) -> bool {
        matches!(self, Colour::Gold | Colour::Silver)
    }
}

impl Palette {
    /// The colours a palette draws from; the seed picks which of them a design uses.
    fn swatches(self) -> &'static [Rgb] {
        match self {
            Palette::Earthy => &[
                Rgb(172, 72, 32),
                Rgb(201, 104, 74),
                Rgb(122, 124, 52),
                Rgb(193, 154, 107),
                Rgb(112, 72, 42),
                Rgb(214, 166, 42),
                Rgb(160, 178, 142),
            ],
            Palette::Pastel => &[
                Rgb(240, 196, 194),
                Rgb(186, 166, 222),
                Rgb(160, 200, 236),
                Rgb(196, 232, 210),
                Rgb(250, 238, 168),
                Rgb(250, 206, 180),
            ],
            Palette::JewelTone => &[
                Rgb(0, 122, 86),
                Rgb(18, 72, 170),
                Rgb(150, 18, 44),
                Rgb(112, 52, 152),
                Rgb(0, 118, 126),
                Rgb(102, 40, 82),
            ],
            Palette::Neutral => &[
                Rgb(222, 205, 176),
                Rgb(193, 154, 107),
                Rgb(245, 236, 210),
                Rgb(150, 150, 152),
                Rgb(62, 64, 68),
                Rgb(251, 247, 233),
            ],
            Palette::Monochrome => &[
                Rgb(24, 24, 26),
                Rgb(253, 253, 251),
                Rgb(62, 64, 68),
                Rgb(150, 150, 152),
            ],
            Palette::Brights => &[
                Rgb(226, 28, 52),
                Rgb(255, 128, 0),
                Rgb(255, 214, 0),
                Rgb(30, 170, 70),
                Rgb(20, 90, 230),
                Rgb(240, 60, 160),
                Rgb(0, 190, 210),
            ],
            Palette::Muted => &[
                Rgb(190, 140, 140),
                Rgb(160, 178, 142),
                Rgb(112, 126, 152),
                Rgb(160, 122, 142),
                Rgb(150, 136, 120),
                Rgb(130, 134, 110),
            ],
            Palette::Metallic => &[
                Rgb(212, 175, 55),
                Rgb(192, 193, 200),
                Rgb(176, 118, 62),
                Rgb(206, 146, 134),
                Rgb(84, 88, 98),
            ],
            Palette::Neon => &[
                Rgb(255, 40, 160),
                Rgb(70, 255, 60),
                Rgb(232, 255, 30),
                Rgb(255, 112, 20),
                Rgb(30, 124, 255),
            ],
        }
    }

    /// Up to three distinct swatches in a seeded order: the main colour first.
    pub(crate) fn pick(self, rng: &mut impl Rng) -> [Rgb; 3] {
        let swatches = self.swatches();
        let n = swatches.len();
        let first = rng.random_range(0..n);
        let step = rng.random_range(1..n);
        let third_step = if step + 1 < n { step + 1 } else { 1 };
        [
            swatches[first],
            swatches[(first + step) % n],
            swatches[(first + third_step) % n],
        ]
    }
}

impl Rgb {
    /// Relative luminance in [0, 1] (Rec. 709 weights on the gamma-encoded values; close enough
    /// to decide between darkening and lightening).
    pub(crate) fn luma(self) -> f32 {
        (0.2126 * f32::from(self.0) + 0.7152 * f32::from(self.1) + 0.0722 * f32::from(self.2))
            / 255.0
    }

    /// `self` moved a fraction `t` of the way towards `other`.
    pub(crate) fn mix(self, other: Rgb, t: f32) -> Rgb {
        let t = t.clamp(0.0, 1.0);
        let channel = |a: u8, b: u8| {
            let v = f32::from(a) + (f32::from(b) - f32::from(a)) * t;
            v.round().clamp(0.0, 255.0) as u8
        };
        Rgb(
            channel(self.0, other.0),
            channel(self.1, other.1),
            channel(self.2, other.2),
        )
    }

    pub(crate) fn darker(self, t: f32) -> Rgb {
        self.mix(Rgb(0, 0, 0), t)
    }

    pub(crate) fn lighter(self, t: f32) -> Rgb {
        self.mix(Rgb(255, 255, 255), t)
    }

    /// The outline: a darker shade of the fabric, which stays visible on the paper even for white.
    pub(crate) fn outline(self) -> Rgb {
        if self.luma() < 0.2 {
            self.mix(Rgb(0, 0, 0), 0.5)
        } else {
            self.darker(0.55)
        }
    }

    /// Seams and folds: a shade that shows on the fabric itself (lighter on dark fabric).
    pub(crate) fn seam(self) -> Rgb {
        if self.luma() < 0.25 {
            self.lighter(0.35)
        } else {
            self.darker(0.35)
        }
    }

    /// The inside of the garment seen through an opening (back neck, lining): a deeper shade.
    pub(crate) fn inside(self) -> Rgb {
        if self.luma() < 0.15 {
            self.lighter(0.18)
        } else {
            self.darker(0.22)
        }
    }

    /// A second colour for two-colour patterns when the brief gives only one: a dark shade of a
    /// light colour, a cream tint of a dark or mid colour.
    pub(crate) fn contrast(self) -> Rgb {
        if self.luma() > 0.62 {
            self.darker(0.55)
        } else {
            self.mix(Rgb(250, 246, 236), 0.82)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    #[test]
    fn every_named_colour_is_distinct() {
        let rgbs: Vec<Rgb> = Colour::ALL.iter().map(|c| c.rgb()).collect();
        for (i, a) in rgbs.iter().enumerate() {
            for b in &rgbs[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }

    #[test]
    fn palette_picks_are_distinct_swatches_of_the_palette() {
        for palette in Palette::ALL {
            for seed in 0..20 {
                let [a, b, c] = palette.pick(&mut Xoshiro256PlusPlus::seed_from_u64(seed));
                assert_ne!(a, b);
                assert_ne!(a, c);
                assert!([a, b, c].iter().all(|x| palette.swatches().contains(x)));
            }
        }
    }

    #[test]
    fn derived_shades_differ_from_the_colour() {
        for colour in Colour::ALL {
            let c = colour.rgb();
            assert_ne!(c.contrast(), c);
            assert_ne!(c.seam(), c);
            assert_ne!(c.outline(), c);
        }
    }
}
