//! The invoices of a soak: FA(3) files with unique numbers, and a few that reuse a number
//! with other content.

use std::path::{Path, PathBuf};

/// The seller of every soak invoice (the context the clients log in to).
pub const NIP: &str = "5265877635";

const TEMPLATE: &str = include_str!("../../../fixtures/invoices/fa3-basic.xml");

/// The template with invoice number (`P_2`) `number` and an optional comment that changes
/// the content but not the business identity.
pub fn invoice(number: &str, comment: Option<&str>) -> Result<String, String> {
    let start = TEMPLATE.find("<P_2>").ok_or("the fixture has no <P_2>")? + "<P_2>".len();
    let end = start
        + TEMPLATE[start..]
            .find("</P_2>")
            .ok_or("the fixture has no </P_2>")?;
    let mut xml = format!("{}{number}{}", &TEMPLATE[..start], &TEMPLATE[end..]);
    if let Some(comment) = comment {
        xml = xml.replace("</Faktura>", &format!("<!-- {comment} -->\n</Faktura>"));
    }
    Ok(xml)
}

/// One group of generated files.
#[derive(Debug, Clone)]
pub struct Group {
    /// The files, in order.
    pub files: Vec<PathBuf>,
}

/// Writes `count` invoices numbered `SOAK/{tag}/{run}/{n}` into `dir`.
pub fn write_group(dir: &Path, tag: &str, run: u64, count: usize) -> Result<Group, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut files = Vec::with_capacity(count);
    for n in 0..count {
        let path = dir.join(format!("{tag}-{n:06}.xml"));
        let xml = invoice(&number(tag, run, n), None)?;
        std::fs::write(&path, xml).map_err(|e| format!("{}: {e}", path.display()))?;
        files.push(path);
    }
    Ok(Group { files })
}

/// The invoice number of file `n` of group `tag`.
pub fn number(tag: &str, run: u64, n: usize) -> String {
    format!("SOAK/{tag}/{run:x}/{n:06}")
}

/// Writes `count` files reusing the numbers of the first invoices of group `tag` with other
/// content (a corrected version sent under the same number).
pub fn write_reused(
    dir: &Path,
    tag: &str,
    run: u64,
    count: usize,
    prefix: &str,
) -> Result<Group, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut files = Vec::with_capacity(count);
    for n in 0..count {
        let path = dir.join(format!("{prefix}-reuse-{n:06}.xml"));
        let xml = invoice(
            &number(tag, run, n),
            Some("poprawiona treść, ten sam numer"),
        )?;
        std::fs::write(&path, xml).map_err(|e| format!("{}: {e}", path.display()))?;
        files.push(path);
    }
    Ok(Group { files })
}
