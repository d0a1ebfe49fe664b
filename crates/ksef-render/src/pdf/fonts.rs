//! The embedded fonts (Liberation Sans Regular and Bold, SIL Open Font License 1.1 — see
//! `fonts/LICENSE-OFL.txt`): metrics for layout, glyph subsets and the PDF font objects.

use std::sync::OnceLock;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Filter, Finish, Name, Pdf, Rect, Ref, Str};
use subsetter::GlyphRemapper;
use ttf_parser::{Face, GlyphId};

use crate::RenderError;

static REGULAR_TTF: &[u8] = include_bytes!("../../fonts/LiberationSans-Regular.ttf");
static BOLD_TTF: &[u8] = include_bytes!("../../fonts/LiberationSans-Bold.ttf");

/// Which face.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Weight {
    Regular,
    Bold,
}

/// A parsed face with its advance widths cached per character.
pub(crate) struct FontFace {
    data: &'static [u8],
    face: Face<'static>,
    units_per_em: f32,
    /// Glyph and advance (font units) of the characters below U+0800, looked up once.
    basic: Vec<(u16, u16)>,
}

impl FontFace {
    fn load(data: &'static [u8]) -> Result<Self, RenderError> {
        let face = Face::parse(data, 0).map_err(|e| RenderError::Font(e.to_string()))?;
        let units_per_em = f32::from(face.units_per_em());
        let basic = (0u32..0x800)
            .map(|c| {
                let glyph = char::from_u32(c)
                    .and_then(|c| face.glyph_index(c))
                    .unwrap_or(GlyphId(0));
                (glyph.0, face.glyph_hor_advance(glyph).unwrap_or(0))
            })
            .collect();
        Ok(Self {
            data,
            face,
            units_per_em,
            basic,
        })
    }

    /// The glyph of `c` and its advance in font units; a character the font lacks becomes `?`.
    fn glyph(&self, c: char) -> (u16, u16) {
        let c = if c == '\t' { ' ' } else { c };
        if let Some(&hit) = self.basic.get(c as usize) {
            if hit.0 != 0 || c == '\0' {
                return hit;
            }
        } else if let Some(g) = self.face.glyph_index(c) {
            return (g.0, self.face.glyph_hor_advance(g).unwrap_or(0));
        }
        self.basic.get('?' as usize).copied().unwrap_or((0, 0))
    }

    /// Width of `text` at `size` points.
    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        let units: u32 = text.chars().map(|c| u32::from(self.glyph(c).1)).sum();
        units as f32 * size / self.units_per_em
    }

    /// Ascender at `size` points.
    pub(crate) fn ascent(&self, size: f32) -> f32 {
        f32::from(self.face.ascender()) * size / self.units_per_em
    }
}

/// Both faces, parsed once per process.
pub(crate) struct Fonts {
    pub(crate) regular: FontFace,
    pub(crate) bold: FontFace,
}

impl Fonts {
    /// The shared fonts.
    pub(crate) fn get() -> Result<&'static Fonts, RenderError> {
        static FONTS: OnceLock<Result<Fonts, RenderError>> = OnceLock::new();
        FONTS
            .get_or_init(|| {
                Ok(Fonts {
                    regular: FontFace::load(REGULAR_TTF)?,
                    bold: FontFace::load(BOLD_TTF)?,
                })
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The face of a weight.
    pub(crate) fn face(&self, weight: Weight) -> &FontFace {
        match weight {
            Weight::Regular => &self.regular,
            Weight::Bold => &self.bold,
        }
    }
}

/// The glyphs one document uses of one face, renumbered for the subset.
pub(crate) struct FontUse {
    face: &'static FontFace,
    remapper: GlyphRemapper,
    /// The character of each new glyph id (for the ToUnicode map).
    chars: Vec<Option<char>>,
}

impl FontUse {
    pub(crate) fn new(face: &'static FontFace) -> Self {
        let mut remapper = GlyphRemapper::new();
        remapper.remap(0);
        Self {
            face,
            remapper,
            chars: vec![None],
        }
    }

    /// The text as 2-byte glyph ids of the subset (Identity-H).
    pub(crate) fn encode(&mut self, text: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(text.len() * 2);
        for c in text.chars() {
            let (glyph, _) = self.face.glyph(c);
            let new = self.remapper.remap(glyph);
            let index = usize::from(new);
            if index >= self.chars.len() {
                self.chars.resize(index + 1, None);
            }
            if let Some(slot) = self.chars.get_mut(index)
                && slot.is_none()
                && glyph != 0
            {
                *slot = Some(if c == '\t' { ' ' } else { c });
            }
            out.extend_from_slice(&new.to_be_bytes());
        }
        out
    }

    /// Writes the Type0 font with its CID font, descriptor, subset font file and ToUnicode map.
    pub(crate) fn write(
        &self,
        pdf: &mut Pdf,
        alloc: &mut impl FnMut() -> Ref,
        font_ref: Ref,
        base_name: &str,
    ) -> Result<(), RenderError> {
        let (cid_ref, descriptor_ref, file_ref, cmap_ref) = (alloc(), alloc(), alloc(), alloc());
        let subset = subsetter::subset(self.face.data, 0, &self.remapper)
            .map_err(|e| RenderError::Font(format!("subsetting failed: {e:?}")))?;
        let name = format!("KSEFRS+{base_name}");
        let system_info = SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        };
        pdf.type0_font(font_ref)
            .base_font(Name(name.as_bytes()))
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid_ref)
            .to_unicode(cmap_ref);
        let scale = 1000.0 / self.face.units_per_em;
        let widths: Vec<f32> = self
            .remapper
            .remapped_gids()
            .map(|old| {
                f32::from(self.face.face.glyph_hor_advance(GlyphId(old)).unwrap_or(0)) * scale
            })
            .collect();
        let mut cid = pdf.cid_font(cid_ref);
        cid.subtype(CidFontType::Type2)
            .base_font(Name(name.as_bytes()))
            .system_info(system_info)
            .font_descriptor(descriptor_ref)
            .default_width(0.0)
            .cid_to_gid_map_predefined(Name(b"Identity"));
        cid.widths().consecutive(0, widths);
        cid.finish();
        let face = &self.face.face;
        let bbox = face.global_bounding_box();
        pdf.font_descriptor(descriptor_ref)
            .name(Name(name.as_bytes()))
            .flags(FontFlags::NON_SYMBOLIC)
            .bbox(Rect::new(
                f32::from(bbox.x_min) * scale,
                f32::from(bbox.y_min) * scale,
                f32::from(bbox.x_max) * scale,
                f32::from(bbox.y_max) * scale,
            ))
            .italic_angle(0.0)
            .ascent(f32::from(face.ascender()) * scale)
            .descent(f32::from(face.descender()) * scale)
            .cap_height(f32::from(face.capital_height().unwrap_or(face.ascender())) * scale)
            .stem_v(80.0)
            .font_file2(file_ref);
        let compressed = crate::pdf::deflate(&subset);
        pdf.stream(file_ref, &compressed)
            .filter(Filter::FlateDecode)
            .pair(
                Name(b"Length1"),
                i32::try_from(subset.len()).unwrap_or(i32::MAX),
            );
        let mut cmap = UnicodeCmap::<u16>::new(Name(b"Custom"), system_info);
        for (gid, c) in self.chars.iter().enumerate() {
            if let (Some(c), Ok(gid)) = (c, u16::try_from(gid)) {
                cmap.pair(gid, *c);
            }
        }
        let cmap = cmap.finish();
        pdf.cmap(cmap_ref, &cmap);
        Ok(())
    }
}
