//! From requested attributes to one drawable design, with the record of what was drawn.
//!
//! Each category takes its first value the renderer knows; later values of the same category
//! conflict and are not drawn (colours take up to three distinct values, the waist one position
//! and one finish). A requested value that cannot be drawn on the chosen garment (a neckline on
//! trousers, sleeves on a strapless bodice, a hip length on a dress) is not drawn either and
//! the garment's default takes its place. Categories are settled in a fixed order, so the
//! earlier ones win a cross-category conflict: garment, length, silhouette, waist, neckline,
//! sleeve, then colour, palette, pattern and texture.
//!
//! Missing categories take defaults that suit the garment (a shirt is collared with long
//! sleeves, a gown is floor length); when no garment is named it is inferred from the
//! silhouette and length (`wide-leg` gives trousers, `cropped` a top), else a dress.

use bff_math::coverage::AttributeValue;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::palette::{Rgb, DEFAULT_MAIN};
use crate::vocabulary::{
    Colour, Garment, Length, Neckline, Palette, Pattern, Silhouette, Sleeve, Texture, Waist,
    MAX_COLOURS,
};

/// Broad shape families: they decide which values apply and how the outline is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    /// Dress, gown, kaftan.
    OnePiece,
    /// Tops to hip length.
    Top,
    /// Jacket, blazer, coat: open front with lapels.
    Outerwear,
    Skirt,
    /// Trousers, jeans, shorts.
    Legs,
    Jumpsuit,
}

impl Garment {
    pub(crate) fn class(self) -> Class {
        match self {
            Garment::Dress | Garment::Gown | Garment::Kaftan => Class::OnePiece,
            Garment::Top
            | Garment::Blouse
            | Garment::Shirt
            | Garment::TShirt
            | Garment::Sweater
            | Garment::Cardigan => Class::Top,
            Garment::Jacket | Garment::Blazer | Garment::Coat => Class::Outerwear,
            Garment::Skirt => Class::Skirt,
            Garment::Trousers | Garment::Jeans | Garment::Shorts => Class::Legs,
            Garment::Jumpsuit => Class::Jumpsuit,
        }
    }

    fn default_silhouette(self) -> Silhouette {
        match self {
            Garment::Dress | Garment::Gown | Garment::Skirt => Silhouette::ALine,
            Garment::Blazer => Silhouette::Sheath,
            Garment::Jumpsuit => Silhouette::WideLeg,
            _ => Silhouette::Straight,
        }
    }

    fn default_length(self) -> Length {
        match self.class() {
            Class::OnePiece if self == Garment::Gown => Length::Floor,
            Class::OnePiece if self == Garment::Kaftan => Length::Maxi,
            Class::OnePiece | Class::Skirt => Length::Knee,
            Class::Top => Length::Hip,
            Class::Outerwear if self == Garment::Coat => Length::Knee,
            Class::Outerwear => Length::Hip,
            Class::Legs if self == Garment::Shorts => Length::Mini,
            Class::Legs | Class::Jumpsuit => Length::Ankle,
        }
    }

    fn default_neckline(self) -> Neckline {
        match self {
            Garment::Gown
            | Garment::Kaftan
            | Garment::Blouse
            | Garment::Cardigan
            | Garment::Jumpsuit => Neckline::VNeck,
            Garment::Shirt | Garment::Jacket | Garment::Blazer | Garment::Coat => {
                Neckline::Collared
            }
            _ => Neckline::Crew,
        }
    }

    fn default_sleeve(self) -> Sleeve {
        match self {
            Garment::Gown | Garment::Jumpsuit => Sleeve::Sleeveless,
            Garment::Kaftan => Sleeve::Bell,
            Garment::Blouse
            | Garment::Shirt
            | Garment::Sweater
            | Garment::Cardigan
            | Garment::Jacket
            | Garment::Blazer
            | Garment::Coat => Sleeve::Long,
            _ => Sleeve::Short,
        }
    }
}

/// Hem height in the reference frame (512 × 768, shoulders near y = 120), or `None` when the
/// length does not apply to the garment.
pub(crate) fn hem_y(garment: Garment, length: Length) -> Option<f32> {
    use Length::*;
    let class = garment.class();
    let y = match (class, length) {
        (Class::Top | Class::Outerwear, Cropped) => 262.0,
        (Class::Top, Hip) => 380.0,
        (Class::Outerwear, Hip) => 392.0,
        (Class::Top, Micro) => 415.0,
        (Class::Top, Mini) => 440.0,
        (Class::Top, _) => return None,
        (Class::Legs, Micro | Mini | AboveKnee) if garment != Garment::Shorts => return None,
        (Class::Legs, Midi | Cropped | Ankle | Maxi | Floor) if garment == Garment::Shorts => {
            return None
        }
        (Class::Legs | Class::Jumpsuit, Micro) => 432.0,
        (Class::Legs | Class::Jumpsuit, Mini) => 455.0,
        (Class::Legs | Class::Jumpsuit, Cropped) => 650.0,
        (Class::Legs | Class::Jumpsuit, Ankle) => 705.0,
        (Class::Legs | Class::Jumpsuit, Maxi) => 722.0,
        (_, Hip | Cropped) => return None,
        (_, Micro) => 425.0,
        (_, Mini) => 452.0,
        (_, AboveKnee) => 485.0,
        (_, Knee) => 520.0,
        (_, Midi) => 600.0,
        (_, Maxi) => 695.0,
        (_, Ankle) => 712.0,
        (_, Floor) => 738.0,
    };
    Some(y)
}

/// Waist line height for a waist position, in the reference frame.
pub(crate) fn waist_y(position: Waist) -> f32 {
    match position {
        Waist::High => 266.0,
        Waist::Low => 322.0,
        Waist::Dropped => 362.0,
        Waist::EmpireWaist => 222.0,
        _ => 292.0,
    }
}

fn is_position(w: Waist) -> bool {
    matches!(
        w,
        Waist::Natural | Waist::High | Waist::Low | Waist::Dropped | Waist::EmpireWaist
    )
}

fn silhouette_applies(garment: Garment, s: Silhouette, hem: f32) -> bool {
    use Silhouette::*;
    let waist_covered = hem > waist_y(Waist::Natural) + 40.0;
    match garment.class() {
        Class::OnePiece => !matches!(s, WideLeg | Tapered),
        Class::Top => match s {
            Ballgown | Mermaid | WideLeg | Tapered => false,
            Peplum | FitAndFlare => waist_covered,
            _ => true,
        },
        Class::Outerwear => match s {
            Ballgown | Mermaid | Slip | WideLeg | Tapered => false,
            Peplum | FitAndFlare => waist_covered,
            _ => true,
        },
        Class::Skirt => !matches!(s, Shift | Empire | Trapeze | WideLeg | Tapered),
        Class::Legs => matches!(
            s,
            Straight | WideLeg | Tapered | Bodycon | Sheath | ALine | FitAndFlare
        ),
        Class::Jumpsuit => matches!(
            s,
            Straight
                | WideLeg
                | Tapered
                | Bodycon
                | Sheath
                | ALine
                | FitAndFlare
                | Wrap
                | Peplum
                | Empire
        ),
    }
}

fn neckline_applies(class: Class, n: Neckline) -> bool {
    use Neckline::*;
    match class {
        Class::Skirt | Class::Legs => false,
        Class::Outerwear => matches!(n, Collared | VNeck | Crew | Scoop | HighNeck | Turtleneck),
        _ => true,
    }
}

/// Necklines that a strap bodice (spaghetti straps) can have.
pub(crate) fn strap_neckline(n: Neckline) -> bool {
    use Neckline::*;
    matches!(n, VNeck | Scoop | Square | Sweetheart | Cowl | Boat)
}

fn sleeve_applies(class: Class, neckline: Option<Neckline>, s: Sleeve) -> bool {
    use Neckline::*;
    match class {
        Class::Skirt | Class::Legs => return false,
        Class::Outerwear if s == Sleeve::SpaghettiStrap => return false,
        _ => {}
    }
    match neckline {
        Some(Strapless | Halter) => s == Sleeve::Sleeveless,
        Some(OneShoulder | OffShoulder) => !matches!(s, Sleeve::SpaghettiStrap | Sleeve::Raglan),
        Some(n) if s == Sleeve::SpaghettiStrap => strap_neckline(n),
        _ => true,
    }
}

fn default_sleeve(garment: Garment, silhouette: Silhouette, neckline: Option<Neckline>) -> Sleeve {
    use Neckline::*;
    match neckline {
        Some(Strapless | Halter | OneShoulder) => Sleeve::Sleeveless,
        Some(OffShoulder) => Sleeve::Short,
        Some(n) if silhouette == Silhouette::Slip && garment.class() != Class::Outerwear => {
            if strap_neckline(n) {
                Sleeve::SpaghettiStrap
            } else {
                Sleeve::Sleeveless
            }
        }
        _ => garment.default_sleeve(),
    }
}

/// The colours of a design.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Colours {
    pub main: Rgb,
    /// The second colour asked for (or picked from a palette).
    pub second: Option<Rgb>,
    pub third: Option<Rgb>,
    /// Gold, silver or the metallic palette: drawn with a sheen.
    pub metallic: bool,
}

impl Colours {
    /// The motif colour of a pattern: the second colour, or a contrast derived from the main.
    pub(crate) fn motif(&self) -> Rgb {
        self.second.unwrap_or_else(|| self.main.contrast())
    }

    /// The accent of a pattern (alternate motifs, flower centres): the third colour, else a
    /// shade of the main colour on the other side of it from the motif (a three-tone print).
    pub(crate) fn accent(&self) -> Rgb {
        self.third.unwrap_or_else(|| {
            if self.motif().luma() >= self.main.luma() {
                self.main.darker(0.45)
            } else {
                self.main.lighter(0.5)
            }
        })
    }
}

/// Everything the drawing needs, settled.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Design {
    pub garment: Garment,
    pub silhouette: Silhouette,
    pub hem_y: f32,
    /// `None` for skirts and trousers.
    pub neckline: Option<Neckline>,
    /// `None` for skirts and trousers.
    pub sleeve: Option<Sleeve>,
    pub waist_y: f32,
    /// A waist position was asked for (so a seam is drawn even on an unshaped silhouette).
    pub waist_requested: bool,
    pub waist_finish: Option<Waist>,
    pub colours: Colours,
    pub pattern: Pattern,
    pub texture: Texture,
}

/// The settled design and the split of the request into drawn and not drawn.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Resolved {
    pub design: Design,
    pub drawn: Vec<AttributeValue>,
    pub not_drawn: Vec<AttributeValue>,
}

/// One recognised attribute, with its index in the request.
#[derive(Debug, Clone, Copy)]
struct Pick<T> {
    index: usize,
    value: T,
}

fn first<T: Copy>(slot: &mut Option<Pick<T>>, index: usize, value: T) -> bool {
    if slot.is_some() {
        return false;
    }
    *slot = Some(Pick { index, value });
    true
}

#[derive(Default)]
struct Picks {
    garment: Option<Pick<Garment>>,
    silhouette: Option<Pick<Silhouette>>,
    length: Option<Pick<Length>>,
    neckline: Option<Pick<Neckline>>,
    sleeve: Option<Pick<Sleeve>>,
    position: Option<Pick<Waist>>,
    finish: Option<Pick<Waist>>,
    colours: Vec<Pick<Colour>>,
    palette: Option<Pick<Palette>>,
    pattern: Option<Pick<Pattern>>,
    texture: Option<Pick<Texture>>,
}

impl Picks {
    /// Records the attribute if it is the first usable value of its category.
    fn offer(&mut self, index: usize, a: &AttributeValue) -> bool {
        let v = crate::vocabulary::drawable_id(&a.category, &a.value);
        match a.category.as_str() {
            "garment_type" => Garment::parse(v).is_some_and(|x| first(&mut self.garment, index, x)),
            "silhouette" => {
                Silhouette::parse(v).is_some_and(|x| first(&mut self.silhouette, index, x))
            }
            "length" => Length::parse(v).is_some_and(|x| first(&mut self.length, index, x)),
            "neckline" => Neckline::parse(v).is_some_and(|x| first(&mut self.neckline, index, x)),
            "sleeve" => Sleeve::parse(v).is_some_and(|x| first(&mut self.sleeve, index, x)),
            "waist" => Waist::parse(v).is_some_and(|x| {
                if is_position(x) {
                    first(&mut self.position, index, x)
                } else {
                    first(&mut self.finish, index, x)
                }
            }),
            "colour" => Colour::parse(v).is_some_and(|x| {
                let fresh = self.colours.iter().all(|c| c.value != x);
                if fresh && self.colours.len() < MAX_COLOURS {
                    self.colours.push(Pick { index, value: x });
                    true
                } else {
                    false
                }
            }),
            "palette" => Palette::parse(v).is_some_and(|x| first(&mut self.palette, index, x)),
            "pattern" => Pattern::parse(v).is_some_and(|x| first(&mut self.pattern, index, x)),
            "texture" => Texture::parse(v).is_some_and(|x| first(&mut self.texture, index, x)),
            _ => false,
        }
    }
}

/// Takes a picked value when `applies` says it can be drawn; otherwise un-accepts it.
fn settle<T: Copy>(
    pick: Option<Pick<T>>,
    accepted: &mut [bool],
    applies: impl Fn(T) -> bool,
) -> Option<T> {
    let pick = pick?;
    if applies(pick.value) {
        Some(pick.value)
    } else {
        accepted[pick.index] = false;
        None
    }
}

/// Settles the design for a request; `seed` only chooses palette colours.
pub(crate) fn resolve(attributes: &[AttributeValue], seed: u64) -> Resolved {
    let mut picks = Picks::default();
    let mut accepted: Vec<bool> = attributes
        .iter()
        .enumerate()
        .map(|(i, a)| picks.offer(i, a))
        .collect();

    let garment = picks.garment.map(|p| p.value).unwrap_or_else(|| {
        let silhouette = picks.silhouette.map(|p| p.value);
        let length = picks.length.map(|p| p.value);
        if matches!(silhouette, Some(Silhouette::WideLeg | Silhouette::Tapered)) {
            if matches!(
                length,
                Some(Length::Micro | Length::Mini | Length::AboveKnee)
            ) {
                Garment::Shorts
            } else {
                Garment::Trousers
            }
        } else if matches!(length, Some(Length::Cropped | Length::Hip)) {
            Garment::Top
        } else {
            Garment::Dress
        }
    });
    let class = garment.class();

    // A mermaid flares below the knee, so it defaults to a long length.
    let default_length = match (class, picks.silhouette.map(|p| p.value)) {
        (Class::OnePiece | Class::Skirt, Some(Silhouette::Mermaid)) => Length::Maxi,
        _ => garment.default_length(),
    };
    let hem = settle(picks.length, &mut accepted, |l| hem_y(garment, l).is_some())
        .and_then(|l| hem_y(garment, l))
        .or_else(|| hem_y(garment, default_length))
        .unwrap_or(520.0);

    let silhouette = settle(picks.silhouette, &mut accepted, |s| {
        silhouette_applies(garment, s, hem)
    })
    .unwrap_or_else(|| garment.default_silhouette());

    // Empire silhouettes put the waist under the bust; skirts and trousers have no bodice.
    let position = settle(picks.position, &mut accepted, |w| {
        let y = waist_y(w);
        match class {
            Class::Skirt => w != Waist::EmpireWaist,
            Class::Legs => matches!(w, Waist::Natural | Waist::High | Waist::Low),
            _ if silhouette == Silhouette::Empire => w == Waist::EmpireWaist,
            _ => hem > y + 24.0,
        }
    });
    let default_position = if silhouette == Silhouette::Empire {
        Waist::EmpireWaist
    } else {
        Waist::Natural
    };
    let waist = waist_y(position.unwrap_or(default_position));
    let waist_finish = settle(picks.finish, &mut accepted, |_| hem > waist + 24.0);

    let neckline = if neckline_applies(class, Neckline::Crew) {
        let default = if matches!(silhouette, Silhouette::Wrap | Silhouette::Slip)
            && class != Class::Outerwear
        {
            Neckline::VNeck
        } else {
            garment.default_neckline()
        };
        // A neckline that needs no sleeves of its own beats a default sleeve; a requested
        // sleeve that cannot go with the requested neckline is the one not drawn.
        Some(
            settle(picks.neckline, &mut accepted, |n| {
                neckline_applies(class, n)
            })
            .unwrap_or(match picks.sleeve.map(|p| p.value) {
                Some(Sleeve::SpaghettiStrap) if !strap_neckline(default) => Neckline::VNeck,
                _ => default,
            }),
        )
    } else {
        if let Some(p) = picks.neckline {
            accepted[p.index] = false;
        }
        None
    };

    let sleeve = match neckline {
        Some(n) => Some(
            settle(picks.sleeve, &mut accepted, |s| {
                sleeve_applies(class, Some(n), s)
            })
            .unwrap_or_else(|| default_sleeve(garment, silhouette, Some(n))),
        ),
        None => {
            if let Some(p) = picks.sleeve {
                accepted[p.index] = false;
            }
            None
        }
    };

    let mut palette_rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x5ca1_ab1e_c010_0125);
    let colours = if let Some(first) = picks.colours.first() {
        if let Some(p) = picks.palette {
            accepted[p.index] = false;
        }
        Colours {
            main: first.value.rgb(),
            second: picks.colours.get(1).map(|p| p.value.rgb()),
            third: picks.colours.get(2).map(|p| p.value.rgb()),
            metallic: first.value.is_metallic(),
        }
    } else if let Some(p) = picks.palette {
        let [main, second, third] = p.value.pick(&mut palette_rng);
        Colours {
            main,
            second: Some(second),
            third: Some(third),
            metallic: p.value == Palette::Metallic,
        }
    } else {
        Colours {
            main: DEFAULT_MAIN,
            second: None,
            third: None,
            metallic: false,
        }
    };

    let design = Design {
        garment,
        silhouette,
        hem_y: hem,
        neckline,
        sleeve,
        waist_y: waist,
        waist_requested: position.is_some(),
        waist_finish,
        colours,
        pattern: picks.pattern.map_or(Pattern::Solid, |p| p.value),
        texture: picks.texture.map_or(Texture::Smooth, |p| p.value),
    };

    let mut drawn = Vec::new();
    let mut not_drawn = Vec::new();
    for (a, ok) in attributes.iter().zip(&accepted) {
        if *ok {
            drawn.push(a.clone());
        } else {
            not_drawn.push(a.clone());
        }
    }
    Resolved {
        design,
        drawn,
        not_drawn,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(pairs: &[(&str, &str)]) -> Vec<AttributeValue> {
        pairs
            .iter()
            .map(|(c, v)| AttributeValue::new(*c, *v))
            .collect()
    }

    fn values(list: &[AttributeValue]) -> Vec<String> {
        list.iter().map(|a| a.value.clone()).collect()
    }

    #[test]
    fn empty_request_is_a_grey_knee_length_a_line_dress() {
        let r = resolve(&[], 0);
        assert_eq!(r.design.garment, Garment::Dress);
        assert_eq!(r.design.silhouette, Silhouette::ALine);
        assert_eq!(r.design.hem_y, 520.0);
        assert_eq!(r.design.neckline, Some(Neckline::Crew));
        assert_eq!(r.design.sleeve, Some(Sleeve::Short));
        assert_eq!(r.design.colours.main, DEFAULT_MAIN);
        assert!(r.drawn.is_empty() && r.not_drawn.is_empty());
    }

    #[test]
    fn conflicts_keep_the_first_value() {
        let r = resolve(
            &attrs(&[
                ("garment_type", "skirt"),
                ("garment_type", "dress"),
                ("colour", "red"),
                ("colour", "red"),
                ("colour", "navy"),
                ("colour", "white"),
                ("colour", "black"),
                ("fabric", "linen"),
                ("colour", "mauve"),
            ]),
            0,
        );
        assert_eq!(r.design.garment, Garment::Skirt);
        assert_eq!(values(&r.drawn), ["skirt", "red", "navy", "white"]);
        assert_eq!(
            values(&r.not_drawn),
            ["dress", "red", "black", "linen", "mauve"]
        );
    }

    #[test]
    fn values_that_do_not_apply_to_the_garment_are_not_drawn() {
        let r = resolve(
            &attrs(&[
                ("garment_type", "trousers"),
                ("neckline", "v-neck"),
                ("sleeve", "long"),
                ("length", "mini"),
                ("silhouette", "ballgown"),
                ("silhouette", "wide-leg"),
            ]),
            0,
        );
        assert_eq!(values(&r.drawn), ["trousers"]);
        assert_eq!(r.design.neckline, None);
        assert_eq!(r.design.silhouette, Silhouette::Straight);
    }

    #[test]
    fn strapless_drops_requested_sleeves_and_keeps_sleeveless() {
        let r = resolve(&attrs(&[("neckline", "strapless"), ("sleeve", "long")]), 0);
        assert_eq!(values(&r.not_drawn), ["long"]);
        assert_eq!(r.design.sleeve, Some(Sleeve::Sleeveless));
        let r = resolve(
            &attrs(&[("neckline", "strapless"), ("sleeve", "sleeveless")]),
            0,
        );
        assert!(r.not_drawn.is_empty());
    }

    #[test]
    fn garment_is_inferred_from_silhouette_and_length() {
        let r = resolve(&attrs(&[("silhouette", "wide-leg")]), 0);
        assert_eq!(r.design.garment, Garment::Trousers);
        let r = resolve(&attrs(&[("length", "cropped")]), 0);
        assert_eq!(r.design.garment, Garment::Top);
        assert_eq!(values(&r.drawn), ["cropped"]);
    }

    #[test]
    fn palette_is_used_only_without_colours() {
        let r = resolve(&attrs(&[("palette", "neon")]), 3);
        assert_eq!(values(&r.drawn), ["neon"]);
        assert!(r.design.colours.second.is_some());
        let r = resolve(&attrs(&[("palette", "neon"), ("colour", "red")]), 3);
        assert_eq!(values(&r.not_drawn), ["neon"]);
        assert_eq!(r.design.colours.main, Colour::Red.rgb());
    }

    #[test]
    fn waist_takes_one_position_and_one_finish() {
        let r = resolve(
            &attrs(&[
                ("waist", "high"),
                ("waist", "belted"),
                ("waist", "low"),
                ("waist", "cinched"),
            ]),
            0,
        );
        assert_eq!(values(&r.drawn), ["high", "belted"]);
        assert_eq!(r.design.waist_finish, Some(Waist::Belted));
        assert_eq!(r.design.waist_y, waist_y(Waist::High));
    }
}
