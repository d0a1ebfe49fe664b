//! Unpacking a ZIP package while its parts arrive (out of order, slowly, or never): the same
//! files as unpacking it whole, and nothing named when the package is inconsistent or
//! incomplete.

use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use ksef_batch::arrival::Arrivals;
use ksef_batch::unpack::{StagedUnpack, UnpackError, UnpackLimits, stage_zip_arriving, unpack_zip};
use zip::write::SimpleFileOptions;

/// Bytes that deflate hardly shrinks.
fn noise(len: usize, mut x: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// A package with deflated and stored entries, a directory, and one entry too large to be
/// inflated in memory.
fn package(options: SimpleFileOptions) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..40 {
        zip.start_file(format!("{i:03}.xml"), options).unwrap();
        let text = format!("<Faktura><P_2>FV/{i}</P_2></Faktura>").repeat(50 + i);
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.add_directory("sub/", options).unwrap();
    let stored = options.compression_method(zip::CompressionMethod::Stored);
    zip.start_file("sub/stored.bin", stored).unwrap();
    zip.write_all(&noise(70_000, 7)).unwrap();
    zip.start_file("large.bin", options).unwrap();
    zip.write_all(&noise(5 << 20, 11)).unwrap();
    zip.start_file("_metadata.json", options).unwrap();
    zip.write_all(br#"{"invoices":[]}"#).unwrap();
    zip.finish().unwrap().into_inner()
}

/// The files below `dir` (relative names, sorted) with their contents.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let name = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.push((name, std::fs::read(&path).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    if dir.exists() {
        walk(dir, dir, &mut out);
    }
    out.sort();
    out
}

/// Writes `bytes`, cut into `parts` parts, into `archive` part by part in the order `order`,
/// in chunks of `chunk` bytes with a pause after each, while another thread unpacks it into
/// `target`; `fail_at` abandons the download before that part is written.
fn arrive(
    bytes: &[u8],
    archive: &Path,
    target: &Path,
    order: &[usize],
    chunk: usize,
    fail_at: Option<usize>,
) -> Result<StagedUnpack, UnpackError> {
    let parts = order.len();
    let size = bytes.len().div_ceil(parts);
    let sizes: Vec<u64> = bytes.chunks(size).map(|c| c.len() as u64).collect();
    assert_eq!(sizes.len(), parts);
    std::fs::File::create(archive).unwrap();
    let arrivals = Arrivals::new(&sizes);
    let unpacker = std::thread::spawn({
        let reader = arrivals.reader(std::fs::File::open(archive).unwrap());
        let (archive, target) = (archive.to_path_buf(), target.to_path_buf());
        move || stage_zip_arriving(reader, &archive, &target, &UnpackLimits::default())
    });
    for &part in order {
        if fail_at == Some(part) {
            arrivals.abandon();
            break;
        }
        write_part(&arrivals, archive, bytes, part, size, chunk);
    }
    unpacker.join().unwrap()
}

fn write_part(
    arrivals: &Arc<Arrivals>,
    archive: &Path,
    bytes: &[u8],
    part: usize,
    size: usize,
    chunk: usize,
) {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .open(archive)
        .unwrap();
    file.seek(SeekFrom::Start(arrivals.start(part))).unwrap();
    let mut writer = arrivals.writer(part, file);
    let end = (part * size + size).min(bytes.len());
    for piece in bytes[part * size..end].chunks(chunk) {
        writer.write_all(piece).unwrap();
        std::thread::sleep(Duration::from_micros(200));
    }
}

struct Dirs {
    _root: tempfile::TempDir,
    archive: PathBuf,
    target: PathBuf,
}

fn dirs() -> Dirs {
    let root = tempfile::tempdir().unwrap();
    Dirs {
        archive: root.path().join("package"),
        target: root.path().join("target"),
        _root: root,
    }
}

#[test]
fn a_package_unpacked_while_its_parts_arrive_gives_the_same_files() {
    let whole = dirs();
    for options in [
        SimpleFileOptions::default(),
        // ZIP64 extra fields in every local header.
        SimpleFileOptions::default().large_file(true),
    ] {
        let bytes = package(options);
        let zip64 = u32_at(&bytes, 22) == u32::MAX as usize;
        assert_eq!(
            zip64,
            options == SimpleFileOptions::default().large_file(true)
        );
        std::fs::write(&whole.archive, &bytes).unwrap();
        let expected_dir = whole.target.join(format!("{}", bytes.len()));
        let expected = unpack_zip(&whole.archive, &expected_dir, &UnpackLimits::default()).unwrap();
        for (order, chunk) in [
            (&[0usize][..], 1 << 20),
            (&[0, 1, 2][..], 64 * 1024),
            (&[2, 0, 1][..], 100_000),
            (&[3, 2, 1, 0][..], 333_333),
        ] {
            let d = dirs();
            let staged = arrive(&bytes, &d.archive, &d.target, order, chunk, None).unwrap();
            let names: Vec<_> = staged.files().iter().map(|f| f.name.clone()).collect();
            let files = staged.commit().unwrap();
            assert_eq!(
                names,
                expected.iter().map(|f| f.name.clone()).collect::<Vec<_>>()
            );
            let sizes: Vec<_> = files.iter().map(|f| f.size).collect();
            assert_eq!(sizes, expected.iter().map(|f| f.size).collect::<Vec<_>>());
            assert_eq!(tree(&d.target), tree(&expected_dir), "{order:?}");
        }
    }
}

#[test]
fn a_package_with_data_descriptors_is_unpacked_once_it_is_all_there() {
    let mut zip = zip::ZipWriter::new_stream(Vec::new());
    let options = SimpleFileOptions::default();
    for i in 0..5 {
        zip.start_file(format!("{i}.xml"), options).unwrap();
        zip.write_all(format!("<a>{i}</a>").repeat(1000).as_bytes())
            .unwrap();
    }
    let bytes = zip.finish().unwrap().into_inner();
    // The streaming writer announces sizes in a data descriptor after each entry (flag bit 3).
    assert_ne!(u16::from_le_bytes([bytes[6], bytes[7]]) & 8, 0);
    let d = dirs();
    let files = arrive(&bytes, &d.archive, &d.target, &[1, 0], 4096, None)
        .unwrap()
        .commit()
        .unwrap();
    assert_eq!(files.len(), 5);
    assert_eq!(
        std::fs::read(d.target.join("3.xml")).unwrap(),
        "<a>3</a>".repeat(1000).as_bytes()
    );
}

#[test]
fn a_failing_download_stops_the_unpacker_and_names_nothing() {
    let bytes = package(SimpleFileOptions::default());
    for (order, fail_at) in [([0usize, 1, 2], 1), ([0, 1, 2], 2), ([2, 1, 0], 0)] {
        let d = dirs();
        let err = arrive(
            &bytes,
            &d.archive,
            &d.target,
            &order,
            256 * 1024,
            Some(fail_at),
        )
        .unwrap_err();
        assert!(err.to_string().contains("stopped"), "{err}");
        assert_eq!(tree(&d.target), Vec::new());
    }
}

/// A package cut into its local entries and central directory records, reassembled at will.
struct Pieces {
    locals: Vec<Vec<u8>>,
    centrals: Vec<Vec<u8>>,
}

fn u16_at(b: &[u8], at: usize) -> usize {
    usize::from(u16::from_le_bytes([b[at], b[at + 1]]))
}

fn u32_at(b: &[u8], at: usize) -> usize {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap()) as usize
}

impl Pieces {
    fn of(bytes: &[u8]) -> Self {
        let eocd = bytes.len() - 22;
        assert_eq!(u32_at(bytes, eocd), 0x0605_4b50);
        let (count, cd) = (u16_at(bytes, eocd + 10), u32_at(bytes, eocd + 16));
        let mut centrals = Vec::new();
        let mut at = cd;
        for _ in 0..count {
            let len = 46 + u16_at(bytes, at + 28) + u16_at(bytes, at + 30) + u16_at(bytes, at + 32);
            centrals.push(bytes[at..at + len].to_vec());
            at += len;
        }
        let mut starts: Vec<usize> = centrals.iter().map(|c| u32_at(c, 42)).collect();
        starts.push(cd);
        let locals = starts
            .windows(2)
            .map(|w| bytes[w[0]..w[1]].to_vec())
            .collect();
        Self { locals, centrals }
    }

    /// `locals` in order, then `centrals` (indexes), each pointing at the local of the same
    /// index if there is one.
    fn join(&self, prefix: &[u8], locals: &[&[u8]], centrals: &[usize]) -> Vec<u8> {
        let mut out = prefix.to_vec();
        let mut offsets = Vec::new();
        for local in locals {
            offsets.push(out.len() as u32);
            out.extend_from_slice(local);
        }
        let cd = out.len();
        for &i in centrals {
            let mut record = self.centrals[i].clone();
            let offset = offsets.get(i).copied().unwrap_or(0);
            record[42..46].copy_from_slice(&offset.to_le_bytes());
            out.extend_from_slice(&record);
        }
        let cd_size = (out.len() - cd) as u32;
        let n = centrals.len() as u16;
        out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(&n.to_le_bytes());
        out.extend_from_slice(&n.to_le_bytes());
        out.extend_from_slice(&cd_size.to_le_bytes());
        out.extend_from_slice(&(cd as u32).to_le_bytes());
        out.extend_from_slice(&[0; 2]);
        out
    }
}

#[test]
fn local_headers_that_disagree_with_the_central_directory_are_refused() {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for name in ["a.xml", "b.xml", "c.xml"] {
        zip.start_file(name, SimpleFileOptions::default()).unwrap();
        zip.write_all(format!("<{name}/>").repeat(100).as_bytes())
            .unwrap();
    }
    let bytes = zip.finish().unwrap().into_inner();
    let pieces = Pieces::of(&bytes);
    let l: Vec<&[u8]> = pieces.locals.iter().map(Vec::as_slice).collect();
    assert_eq!(pieces.join(&[], &l, &[0, 1, 2]), bytes);

    let edit = |piece: &[u8], at: usize, to: &[u8]| {
        let mut piece = piece.to_vec();
        piece[at..at + to.len()].copy_from_slice(to);
        piece
    };
    // The local header names another file (same length).
    let renamed = edit(l[1], 30, b"x");
    // The central directory announces another plain size, another CRC-32.
    let mut other_size = Pieces::of(&bytes);
    other_size.centrals[2] = edit(&pieces.centrals[2], 24, &1u32.to_le_bytes());
    let mut other_crc = Pieces::of(&bytes);
    other_crc.centrals[0] = edit(&pieces.centrals[0], 16, &7u32.to_le_bytes());
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "name",
            pieces.join(&[], &[l[0], &renamed, l[2]], &[0, 1, 2]),
        ),
        ("size", other_size.join(&[], &l, &[0, 1, 2])),
        ("crc", other_crc.join(&[], &l, &[0, 1, 2])),
        ("only local", pieces.join(&[], &l, &[0, 1])),
        ("only central", pieces.join(&[], &l[..2], &[0, 1, 2])),
        (
            "junk between",
            pieces.join(&[], &[l[0], b"junk", l[1], l[2]], &[0, 1, 2]),
        ),
        ("junk before", pieces.join(b"MZ-prefix", &l, &[0, 1, 2])),
    ];
    for (case, package) in cases {
        let d = dirs();
        let err = arrive(&package, &d.archive, &d.target, &[1, 0], 97, None).unwrap_err();
        assert!(
            matches!(err, UnpackError::Inconsistent(_)),
            "{case}: {err:?}"
        );
        assert_eq!(tree(&d.target), Vec::new(), "{case}");
    }
}
