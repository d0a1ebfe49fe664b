//! SVG and PNG images of verification QR codes, with the label under the code (feature
//! `qr-render`).
//!
//! The label is the KSeF number for KOD I once the invoice has one, [`LABEL_OFFLINE`] before
//! that, and [`LABEL_CERTIFICATE`] for KOD II. The PNG draws it with an embedded 8×8 bitmap font
//! (printable ASCII; anything else shows as `?`); the SVG uses a `<text>` element.

use qrcode::{Color, EcLevel, QrCode};

use super::QrError;

/// Label of KOD I while the invoice has no KSeF number yet.
pub const LABEL_OFFLINE: &str = "OFFLINE";
/// Label of KOD II.
pub const LABEL_CERTIFICATE: &str = "CERTYFIKAT";

/// Largest accepted module size, in pixels.
const MAX_MODULE_PX: u32 = 64;
/// Largest accepted quiet zone, in modules.
const MAX_QUIET_ZONE: u32 = 16;
/// Longest accepted label, in characters.
const MAX_LABEL_CHARS: usize = 80;
/// Glyph cell of the bitmap font, in font pixels.
const GLYPH: usize = 8;

/// QR error-correction level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ErrorCorrection {
    /// ~7 % recovery.
    Low,
    /// ~15 % recovery (default).
    #[default]
    Medium,
    /// ~25 % recovery.
    Quartile,
    /// ~30 % recovery.
    High,
}

/// Image options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RenderOptions {
    /// Size of one QR module in pixels (1–64; default 5).
    pub module_px: u32,
    /// Quiet zone around the code, in modules (0–16; default 4, as ISO/IEC 18004 requires).
    pub quiet_zone: u32,
    /// Error-correction level.
    pub error_correction: ErrorCorrection,
}

impl Default for RenderOptions {
    fn default() -> Self {
        Self {
            module_px: 5,
            quiet_zone: 4,
            error_correction: ErrorCorrection::Medium,
        }
    }
}

/// A rendered layout: the module matrix and where everything goes, in pixels.
struct Layout {
    modules: Vec<bool>,
    qr_width: usize,
    module_px: usize,
    quiet: usize,
    /// Left edge of the QR square (including quiet zone).
    qr_x: usize,
    text_scale: usize,
    text_x: usize,
    text_y: usize,
    width: usize,
    height: usize,
    label: String,
}

fn layout(data: &str, label: Option<&str>, opts: &RenderOptions) -> Result<Layout, QrError> {
    if opts.module_px == 0 || opts.module_px > MAX_MODULE_PX {
        return Err(QrError::InvalidInput {
            what: "module size",
            reason: "it must be between 1 and 64 pixels",
        });
    }
    if opts.quiet_zone > MAX_QUIET_ZONE {
        return Err(QrError::InvalidInput {
            what: "quiet zone",
            reason: "it must be at most 16 modules",
        });
    }
    let ec = match opts.error_correction {
        ErrorCorrection::Low => EcLevel::L,
        ErrorCorrection::Medium => EcLevel::M,
        ErrorCorrection::Quartile => EcLevel::Q,
        ErrorCorrection::High => EcLevel::H,
    };
    let code = QrCode::with_error_correction_level(data.as_bytes(), ec)
        .map_err(|e| QrError::Render(e.to_string()))?;
    let qr_width = code.width();
    let modules: Vec<bool> = code
        .to_colors()
        .into_iter()
        .map(|c| c == Color::Dark)
        .collect();
    let module_px = opts.module_px as usize;
    let quiet = opts.quiet_zone as usize;
    let qr_px = (qr_width + 2 * quiet) * module_px;

    let label: String = label
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '?'
            }
        })
        .collect();
    let chars = label.chars().count();
    if chars > MAX_LABEL_CHARS {
        return Err(QrError::InvalidInput {
            what: "label",
            reason: "it must be at most 80 characters",
        });
    }
    let (text_scale, text_w, label_h) = if chars == 0 {
        (0, 0, 0)
    } else {
        let max_scale = (module_px / 2).max(1);
        let fit = (qr_px * 9 / 10) / (chars * GLYPH);
        let scale = fit.clamp(1, max_scale);
        (scale, chars * GLYPH * scale, GLYPH * scale + 2 * module_px)
    };
    let width = qr_px.max(text_w + 2 * module_px);
    let height = qr_px + label_h;
    Ok(Layout {
        modules,
        qr_width,
        module_px,
        quiet,
        qr_x: (width - qr_px) / 2,
        text_scale,
        text_x: (width - text_w) / 2,
        text_y: qr_px,
        width,
        height,
        label,
    })
}

impl Layout {
    fn is_dark(&self, x: usize, y: usize) -> bool {
        self.modules
            .get(y * self.qr_width + x)
            .copied()
            .unwrap_or(false)
    }

    /// Grayscale pixels (0 black, 255 white), row by row.
    fn pixels(&self) -> Vec<u8> {
        let mut px = vec![255u8; self.width * self.height];
        let mut fill = |x0: usize, y0: usize, size: usize| {
            for y in y0..y0 + size {
                let row = y * self.width;
                if let Some(line) = px.get_mut(row + x0..row + x0 + size) {
                    line.fill(0);
                }
            }
        };
        let origin = self.quiet * self.module_px;
        for y in 0..self.qr_width {
            for x in 0..self.qr_width {
                if self.is_dark(x, y) {
                    fill(
                        self.qr_x + origin + x * self.module_px,
                        origin + y * self.module_px,
                        self.module_px,
                    );
                }
            }
        }
        for (i, c) in self.label.chars().enumerate() {
            let glyph = font8x8::legacy::BASIC_LEGACY
                .get(c as usize)
                .copied()
                .unwrap_or_default();
            let gx = self.text_x + i * GLYPH * self.text_scale;
            for (row, bits) in glyph.iter().enumerate() {
                for col in 0..GLYPH {
                    if bits >> col & 1 == 1 {
                        fill(
                            gx + col * self.text_scale,
                            self.text_y + row * self.text_scale,
                            self.text_scale,
                        );
                    }
                }
            }
        }
        px
    }
}

/// Draws `data` (a verification link) as a PNG (8-bit grayscale) with `label` under the code.
pub fn render_png(
    data: &str,
    label: Option<&str>,
    opts: &RenderOptions,
) -> Result<Vec<u8>, QrError> {
    let layout = layout(data, label, opts)?;
    let (w, h) = (
        u32::try_from(layout.width).map_err(|e| QrError::Render(e.to_string()))?,
        u32::try_from(layout.height).map_err(|e| QrError::Render(e.to_string()))?,
    );
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, w, h);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder
        .write_header()
        .map_err(|e| QrError::Render(e.to_string()))?;
    writer
        .write_image_data(&layout.pixels())
        .map_err(|e| QrError::Render(e.to_string()))?;
    writer
        .finish()
        .map_err(|e| QrError::Render(e.to_string()))?;
    Ok(out)
}

/// Draws `data` (a verification link) as an SVG document with `label` under the code.
pub fn render_svg(
    data: &str,
    label: Option<&str>,
    opts: &RenderOptions,
) -> Result<String, QrError> {
    use std::fmt::Write as _;
    let l = layout(data, label, opts)?;
    let m = l.module_px;
    let origin = l.quiet * m;
    let mut path = String::new();
    for y in 0..l.qr_width {
        let mut x = 0;
        while x < l.qr_width {
            if l.is_dark(x, y) {
                let start = x;
                while x < l.qr_width && l.is_dark(x, y) {
                    x += 1;
                }
                let _ = write!(
                    path,
                    "M{} {}h{}v{}h-{}z",
                    l.qr_x + origin + start * m,
                    origin + y * m,
                    (x - start) * m,
                    m,
                    (x - start) * m
                );
            } else {
                x += 1;
            }
        }
    }
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" shape-rendering=\"crispEdges\">\
         <rect width=\"{w}\" height=\"{h}\" fill=\"#fff\"/><path fill=\"#000\" d=\"{path}\"/>",
        w = l.width,
        h = l.height,
    );
    if !l.label.is_empty() {
        let size = GLYPH * l.text_scale;
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" font-family=\"monospace\" font-size=\"{size}\" text-anchor=\"middle\">{}</text>",
            l.width / 2,
            l.text_y + size,
            crate::markup::escape_markup(&l.label)
        );
    }
    svg.push_str("</svg>");
    Ok(svg)
}

/// The module matrix of a QR code, for drawing it with other tools (e.g. as vector squares in a
/// PDF). Row-major, `true` for a dark module; no quiet zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrMatrix {
    width: usize,
    modules: Vec<bool>,
}

impl QrMatrix {
    /// Encodes `data` (a verification link) at the given error-correction level.
    pub fn encode(data: &str, error_correction: ErrorCorrection) -> Result<Self, QrError> {
        let l = layout(
            data,
            None,
            &RenderOptions {
                module_px: 1,
                quiet_zone: 0,
                error_correction,
            },
        )?;
        Ok(Self {
            width: l.qr_width,
            modules: l.modules,
        })
    }

    /// The number of modules per side.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Whether the module in column `x`, row `y` is dark (`false` outside the code).
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.width
            && self
                .modules
                .get(y * self.width + x)
                .copied()
                .unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://qr-test.ksef.mf.gov.pl/invoice/1111111111/01-02-2026/UtQp9Gpc51y-u3xApZjIjgkpZ01js-J8KflSPW8WzIE";

    fn decode(png_bytes: &[u8]) -> (png::OutputInfo, Vec<u8>) {
        let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![
            0;
            reader
                .output_buffer_size()
                .expect("the image size fits in memory")
        ];
        let info = reader.next_frame(&mut buf).unwrap();
        buf.truncate(info.buffer_size());
        (info, buf)
    }

    #[test]
    fn png_decodes_and_matches_the_matrix() {
        let opts = RenderOptions::default();
        for label in [
            Some("5265877635-20250826-0100001AF629-AF"),
            Some(LABEL_OFFLINE),
            Some(LABEL_CERTIFICATE),
            None,
        ] {
            let png_bytes = render_png(URL, label, &opts).unwrap();
            let (info, pixels) = decode(&png_bytes);
            let l = layout(URL, label, &opts).unwrap();
            assert_eq!(
                (info.width as usize, info.height as usize),
                (l.width, l.height)
            );
            assert_eq!(info.color_type, png::ColorType::Grayscale);
            assert!(l.width >= l.text_y && l.width < 400, "width {}", l.width);
            assert!(
                l.height >= l.text_y && l.height < 400,
                "height {}",
                l.height
            );
            // Every module centre has the module's colour.
            let origin = l.quiet * l.module_px;
            for y in 0..l.qr_width {
                for x in 0..l.qr_width {
                    let px = l.qr_x + origin + x * l.module_px + l.module_px / 2;
                    let py = origin + y * l.module_px + l.module_px / 2;
                    let v = pixels[py * l.width + px];
                    assert_eq!(v == 0, l.is_dark(x, y), "module ({x},{y})");
                }
            }
            // The label area has ink exactly when there is a label.
            let ink = pixels[l.text_y * l.width..]
                .iter()
                .filter(|&&v| v == 0)
                .count();
            assert_eq!(ink > 0, label.is_some());
        }
    }

    #[test]
    fn svg_has_modules_and_escaped_label() {
        let svg = render_svg(URL, Some("A&B"), &RenderOptions::default()).unwrap();
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.ends_with("</svg>"));
        assert!(svg.contains(">A&amp;B</text>"));
        assert!(svg.contains("<path fill=\"#000\" d=\"M"));
        let plain = render_svg(URL, None, &RenderOptions::default()).unwrap();
        assert!(!plain.contains("<text"));
    }

    #[test]
    fn bad_options_are_rejected() {
        let opts = RenderOptions {
            module_px: 0,
            ..RenderOptions::default()
        };
        assert!(render_png(URL, None, &opts).is_err());
        assert!(render_png(URL, Some(&"A".repeat(81)), &RenderOptions::default()).is_err());
        let too_long = "x".repeat(5000);
        assert!(matches!(
            render_svg(&too_long, None, &RenderOptions::default()),
            Err(QrError::Render(_))
        ));
    }
}
