//! Invoices and archives for the bad-input table: block-aligned content (for padding
//! errors), ZIPs, and tar.gz files written from raw headers (zip-slip names, links, header
//! bombs).

use std::io::Write as _;

use crate::sending::*;

pub fn valid_invoice(nip: &str) -> Vec<u8> {
    invoice(nip, &unique_number("FV/BAD"), &today()).into_bytes()
}

/// A valid invoice padded with trailing spaces to a whole number of AES blocks.
pub fn block_aligned_invoice(nip: &str) -> Vec<u8> {
    let mut xml = valid_invoice(nip);
    while !xml.len().is_multiple_of(16) {
        xml.push(b' ');
    }
    xml
}

pub fn zip_of(files: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, bytes) in files {
        w.start_file(*name, opts).expect("zip entry");
        w.write_all(bytes).expect("zip write");
    }
    w.finish().expect("zip finish").into_inner()
}

/// A tar.gz from raw headers: `(name, entry type, link target, content)`. Names are written
/// byte for byte (so `../` and absolute names are possible).
pub fn tar_gz_raw(entries: &[(&str, tar::EntryType, &str, Vec<u8>)]) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut b = tar::Builder::new(gz);
    for (name, kind, link, bytes) in entries {
        let mut header = tar::Header::new_old();
        header.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
        header.as_old_mut().linkname[..link.len()].copy_from_slice(link.as_bytes());
        header.set_entry_type(*kind);
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        b.append(&header, bytes.as_slice()).expect("tar entry");
    }
    b.into_inner().expect("tar").finish().expect("gz")
}

/// A tar.gz whose first entry is an extension header of `kind` with `size` bytes.
pub fn tar_gz_header_bomb(nip: &str, kind: tar::EntryType, size: u64) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut b = tar::Builder::new(gz);
    let mut ext = tar::Header::new_gnu();
    ext.set_entry_type(kind);
    ext.set_size(size);
    ext.set_cksum();
    b.append(&ext, std::io::Read::take(std::io::repeat(b'a'), size))
        .expect("bomb header");
    let xml = valid_invoice(nip);
    let mut file = tar::Header::new_gnu();
    file.set_size(xml.len() as u64);
    file.set_mode(0o644);
    file.set_cksum();
    b.append_data(&mut file, "a.xml", xml.as_slice())
        .expect("entry");
    b.into_inner().expect("tar").finish().expect("gz")
}

/// A ZIP with one stored invoice whose size is a whole number of AES blocks (a ZIP ends with a
/// zero comment length, so its last byte is 0: invalid as PKCS#7 padding).
pub fn block_aligned_zip(nip: &str) -> Vec<u8> {
    let xml = valid_invoice(nip);
    for extra in 0..16 {
        let mut padded = xml.clone();
        padded.extend(std::iter::repeat_n(b' ', extra));
        let zip = zip_of(&[("a.xml", padded)]);
        if zip.len().is_multiple_of(16) {
            return zip;
        }
    }
    unreachable!("one of 16 lengths is aligned")
}
