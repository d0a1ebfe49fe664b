//! The embedded fonts (Liberation Sans Regular and Bold, SIL Open Font License 1.1 — see
//! `fonts/LICENSE-OFL.txt`): metrics for layout, glyph subsets and the PDF font objects.

use std::sync::OnceLock;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Filter, Finish, Name, Pdf, Rect, Ref, Str};
use skrifa::charmap::Charmap;
use skrifa::metrics::Metrics;
use skrifa::prelude::{FontRef, LocationRef, MetadataProvider, Size};
use subsetter::GlyphRemapper;

use crate::RenderError;

static REGULAR_TTF: &[u8] = include_bytes!("../../fonts/LiberationSans-Regular.ttf");
static BOLD_TTF: &[u8] = include_bytes!("../../fonts/LiberationSans-Bold.ttf");

/// Which face.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Weight {
    Regular,
    Bold,
}

/// A parsed face: its metrics, the advance of every glyph, and the glyphs of the common
/// characters looked up once.
pub(crate) struct FontFace {
    data: &'static [u8],
    charmap: Charmap<'static>,
    metrics: Metrics,
    /// Advance width of each glyph, in font units.
    advances: Vec<u16>,
    /// Glyph and advance (font units) of the characters below U+0800.
    basic: Vec<(u16, u16)>,
}

impl FontFace {
    fn load(data: &'static [u8]) -> Result<Self, RenderError> {
        let font = FontRef::new(data).map_err(|e| RenderError::Font(e.to_string()))?;
        let metrics = font.metrics(Size::unscaled(), LocationRef::default());
        let glyph_metrics = font.glyph_metrics(Size::unscaled(), LocationRef::default());
        let advances: Vec<u16> = (0..u32::from(metrics.glyph_count))
            .map(|g| {
                let w = glyph_metrics
                    .advance_width(skrifa::GlyphId::new(g))
                    .unwrap_or(0.0);
                w.round().clamp(0.0, f32::from(u16::MAX)) as u16
            })
            .collect();
        let charmap = font.charmap();
        let glyph_of = |c: u32| {
            charmap
                .map(c)
                .and_then(|g| u16::try_from(g.to_u32()).ok())
                .unwrap_or(0)
        };
        let basic = (0u32..0x800)
            .map(|c| {
                let g = glyph_of(c);
                (g, advances.get(usize::from(g)).copied().unwrap_or(0))
            })
            .collect();
        Ok(Self {
            data,
            charmap,
            metrics,
            advances,
            basic,
        })
    }

    fn units_per_em(&self) -> f32 {
        f32::from(self.metrics.units_per_em.max(1))
    }

    fn advance(&self, glyph: u16) -> u16 {
        self.advances.get(usize::from(glyph)).copied().unwrap_or(0)
    }

    /// The glyph of `c` and its advance in font units; a character the font lacks becomes `?`.
    fn glyph(&self, c: char) -> (u16, u16) {
        let c = if c == '\t' { ' ' } else { c };
        if let Some(&hit) = self.basic.get(c as usize) {
            if hit.0 != 0 || c == '\0' {
                return hit;
            }
        } else if let Some(g) = self
            .charmap
            .map(c)
            .and_then(|g| u16::try_from(g.to_u32()).ok())
        {
            return (g, self.advance(g));
        }
        self.basic.get('?' as usize).copied().unwrap_or((0, 0))
    }

    /// Width of `text` at `size` points.
    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        let units: u32 = text.chars().map(|c| u32::from(self.glyph(c).1)).sum();
        units as f32 * size / self.units_per_em()
    }

    /// Ascender at `size` points.
    pub(crate) fn ascent(&self, size: f32) -> f32 {
        self.metrics.ascent * size / self.units_per_em()
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
        let scale = 1000.0 / self.face.units_per_em();
        let widths: Vec<f32> = self
            .remapper
            .remapped_gids()
            .map(|old| f32::from(self.face.advance(old)) * scale)
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
        let m = &self.face.metrics;
        let bbox = m.bounds.unwrap_or_default();
        pdf.font_descriptor(descriptor_ref)
            .name(Name(name.as_bytes()))
            .flags(FontFlags::NON_SYMBOLIC)
            .bbox(Rect::new(
                bbox.x_min * scale,
                bbox.y_min * scale,
                bbox.x_max * scale,
                bbox.y_max * scale,
            ))
            .italic_angle(0.0)
            .ascent(m.ascent * scale)
            .descent(m.descent * scale)
            .cap_height(m.cap_height.unwrap_or(m.ascent) * scale)
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
