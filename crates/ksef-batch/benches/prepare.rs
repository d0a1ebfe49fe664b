//! Benchmark of package preparation (read files, check, ZIP/deflate, split, encrypt, every
//! hash), run with `cargo bench -p ksef-batch --bench prepare [-- MODE]`:
//!
//! - `invoices`: 10,000 FA(3) invoices of about 7.4 KB (73.8 MB), generated once from
//!   `fixtures/invoices/fa3-basic.xml` into `target/bench-invoices/fa3-10000/` and read from
//!   there as a real batch is; ZIP. Reports MB/s of invoice XML, the package size and peak RSS.
//! - `invoices-tar`: the same as tar.gz.
//! - `synthetic`: about 2.7 GB of invoices carrying incompressible payload (limits raised
//!   accordingly), generated into `target/` and removed afterwards; peak RSS must not grow with
//!   the size.
//! - `generate [DIR]`: only writes the 10,000 invoices (to DIR or the default directory).
//! - `dir DIR [zip|tar]`: packages every `*.xml` of DIR (used by `ksef2_compare.sh`).
//! - `stages [COUNT]`: the per-invoice steps of a ZIP package measured one by one on one
//!   thread over the first COUNT (default all) of the 10,000 invoices: reading the files, the
//!   checks (UTF-8, well-formed XML, size), SHA-256, CRC-32 and libdeflate's level 6. Each step
//!   runs over all the invoices before the next starts, so its CPU time is its own (and under
//!   `valgrind --tool=callgrind` each step is one function in the profile).
//! - `unpack [COUNT]`: the first COUNT (default all) of the 10,000 invoices in a plain ZIP
//!   (deflate level 6) unpacked with `unpack_zip` as an export is: inflate, CRC-32, write,
//!   one flush of the file system (`syncfs`), rename. Reports MB/s of XML and CPU seconds.
//!
//! Without a mode, `invoices`, `invoices-tar` and `synthetic` run, each in its own child
//! process so that each peak RSS is its own. Every run also measures `openssl speed` for
//! AES-256-CBC and SHA-256 and prints the result as a share of that limit.

// A benchmark reports on stdout.
#![allow(clippy::print_stdout)]

#[path = "support/fa3.rs"]
mod fa3;
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use ksef_batch::{BatchLimits, Compression, InvoiceSource, PackageBuilder};
use ksef_crypto::symmetric::SymmetricKey;
use support::{CryptoLimits, cpu_seconds, peak_rss_mb};

fn run(name: &str, paths: Vec<PathBuf>, limits: BatchLimits, compression: Compression) {
    let total: u64 = paths
        .iter()
        .map(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
        .sum();
    let key = SymmetricKey::generate();
    let cpu_before = cpu_seconds();
    let work = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-spool");
    let start = Instant::now();
    let package = PackageBuilder::new()
        .extend(paths.into_iter().map(InvoiceSource::from_file))
        .limits(limits)
        .compression(compression)
        .work_dir(&work)
        .build(&key)
        .expect("package builds");
    let secs = start.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu_before;
    let mb_per_s = total as f64 / 1e6 / secs;
    let rss = peak_rss_mb();
    let zip_mb = package.package_digest().size as f64 / 1e6;
    println!(
        "{name}: {} invoices, {:.1} MB of XML → package {zip_mb:.2} MB in {} parts; {secs:.2} s, {mb_per_s:.1} MB/s of XML, {cpu:.2} CPU-s ({:.0} MB per CPU-second), peak RSS {rss:.1} MB",
        package.invoices().len(),
        total as f64 / 1e6,
        package.parts().len(),
        total as f64 / 1e6 / cpu,
    );
    println!(
        "{}",
        CryptoLimits::report(CryptoLimits::measure(), "preparation", mb_per_s)
    );
    println!(
        "RESULT mb_per_s={mb_per_s:.2} rss_mb={rss:.1} package_mb={zip_mb:.3} secs={secs:.3} cpu_s={cpu:.3}"
    );
    drop(package);
    let _ = std::fs::remove_dir(&work);
}

fn xml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    files.sort();
    files
}

fn bench_invoices(compression: Compression) {
    let paths = fa3::generate(&fa3::default_dir(10_000), 10_000);
    let name = match compression {
        Compression::Zip => "10,000 FA(3) invoices, ZIP",
        Compression::TarGz => "10,000 FA(3) invoices, tar.gz",
    };
    run(name, paths, BatchLimits::default(), compression);
}

/// CPU seconds of `step` over every invoice of `invoices`, and what it returned summed.
fn stage(name: &str, invoices: &[Vec<u8>], step: impl Fn(&[u8]) -> usize) -> f64 {
    let before = cpu_seconds();
    let sum: usize = invoices.iter().map(|bytes| step(bytes)).sum();
    let cpu = cpu_seconds() - before;
    let mb = invoices.iter().map(Vec::len).sum::<usize>() as f64 / 1e6;
    println!(
        "  {name:<28} {cpu:6.3} CPU-s  {:7.0} MB per CPU-second  (result {sum})",
        mb / cpu
    );
    cpu
}

fn bench_stages(count: usize) {
    let mut paths = fa3::generate(&fa3::default_dir(10_000), 10_000);
    paths.truncate(count);
    let limits = BatchLimits::default();
    let before = cpu_seconds();
    let invoices: Vec<Vec<u8>> = paths
        .iter()
        .map(|p| {
            ksef_batch::read_bounded(p, limits.max_invoice_with_attachments_size).expect("read")
        })
        .collect();
    let read = cpu_seconds() - before;
    let mb = invoices.iter().map(Vec::len).sum::<usize>() as f64 / 1e6;
    println!("{} invoices, {mb:.1} MB, one thread:", invoices.len());
    println!("  {:<28} {read:6.3} CPU-s", "read the files");
    let check = stage("check (UTF-8, XML, size)", &invoices, |b| {
        usize::from(ksef_batch::check_invoice(b, &limits).is_ok())
    });
    let sha = stage("SHA-256", &invoices, |b| {
        ksef_crypto::symmetric::sha256_base64(b).len()
    });
    let crc = stage("CRC-32", &invoices, |b| libdeflater::crc32(b) as usize & 1);
    let level = libdeflater::CompressionLvl::new(6).expect("level 6");
    let compressor = std::cell::RefCell::new(libdeflater::Compressor::new(level));
    let deflate = stage("deflate (libdeflate 6)", &invoices, |b| {
        let mut c = compressor.borrow_mut();
        let mut out = vec![0u8; c.deflate_compress_bound(b.len())];
        c.deflate_compress(b, &mut out).expect("deflate")
    });
    let total = read + check + sha + crc + deflate;
    println!(
        "RESULT read_s={read:.3} check_s={check:.3} sha_s={sha:.3} crc_s={crc:.3} deflate_s={deflate:.3} total_s={total:.3}"
    );
}

fn bench_unpack(count: usize) {
    use std::io::Write as _;
    let mut paths = fa3::generate(&fa3::default_dir(10_000), 10_000);
    paths.truncate(count);
    let work = tempfile::Builder::new()
        .prefix("bench-unpack-")
        .tempdir_in(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"))
        .expect("work dir");
    let archive = work.path().join("package.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&archive).expect("zip file"));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(6));
    let mut total = 0u64;
    for path in &paths {
        let bytes = std::fs::read(path).expect("invoice");
        total += bytes.len() as u64;
        let name = path.file_name().expect("name").to_string_lossy();
        zip.start_file(name.as_ref(), options).expect("entry");
        zip.write_all(&bytes).expect("entry data");
    }
    zip.finish().expect("zip");
    let cpu_before = cpu_seconds();
    let start = Instant::now();
    let files = ksef_batch::unpack::unpack_zip(
        &archive,
        &work.path().join("out"),
        &ksef_batch::unpack::UnpackLimits::default(),
    )
    .expect("unpacks");
    let secs = start.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu_before;
    let mb = total as f64 / 1e6;
    println!(
        "unpacked {} invoices, {mb:.1} MB of XML: {secs:.2} s, {:.1} MB/s, {cpu:.2} CPU-s, peak RSS {:.1} MB",
        files.len(),
        mb / secs,
        peak_rss_mb()
    );
    println!(
        "RESULT mb_per_s={:.2} secs={secs:.3} cpu_s={cpu:.3} rss_mb={:.1}",
        mb / secs,
        peak_rss_mb()
    );
}

fn bench_synthetic() {
    // 27,000 invoices of 100 KB whose payload is incompressible (xorshift → base64 alphabet),
    // so that the package really is about 2.7 GB. Written as files: the builder reads them one
    // at a time, as it would a real batch.
    let template = fa3::template();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-synthetic");
    std::fs::create_dir_all(&dir).expect("synthetic dir");
    let per_invoice = 100_000usize;
    let count = 27_000usize;
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let close = template.rfind("</Faktura>").expect("Faktura root");
    let mut paths = Vec::with_capacity(count);
    for n in 0..count {
        let mut xml = String::with_capacity(per_invoice);
        xml.push_str(&template[..close]);
        xml.push_str(&format!("<!-- {n} "));
        while xml.len() < per_invoice - 20 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            xml.push(char::from(
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
                    [(seed % 64) as usize],
            ));
        }
        xml.push_str(" -->");
        xml.push_str(&template[close..]);
        let path = dir.join(format!("S-{n:05}.xml"));
        std::fs::write(&path, xml).expect("write");
        paths.push(path);
    }
    let limits = BatchLimits {
        max_invoices: count,
        max_package_size: 5_000_000_000,
        ..BatchLimits::default()
    };
    run("synthetic ~2.7 GB, ZIP", paths, limits, Compression::Zip);
    let _ = std::fs::remove_dir_all(&dir);
}

fn main() {
    let args = support::args();
    match args.first().map(String::as_str) {
        Some("invoices") => bench_invoices(Compression::Zip),
        Some("invoices-tar") => bench_invoices(Compression::TarGz),
        Some("synthetic") => bench_synthetic(),
        Some("unpack") => bench_unpack(
            args.get(1)
                .map(|n| n.parse().expect("unpack [COUNT]"))
                .unwrap_or(10_000),
        ),
        Some("stages") => bench_stages(
            args.get(1)
                .map(|n| n.parse().expect("stages [COUNT]"))
                .unwrap_or(10_000),
        ),
        Some("generate") => {
            let dir = args
                .get(1)
                .map(PathBuf::from)
                .unwrap_or_else(|| fa3::default_dir(10_000));
            fa3::generate(&dir, 10_000);
            println!("INVOICES {}", dir.display());
        }
        Some("dir") => {
            let dir = PathBuf::from(args.get(1).expect("dir DIR [zip|tar]"));
            let compression = match args.get(2).map(String::as_str) {
                Some("tar") => Compression::TarGz,
                _ => Compression::Zip,
            };
            let files = xml_files(&dir);
            let limits = BatchLimits {
                max_invoices: files.len().max(1),
                ..BatchLimits::default()
            };
            run(
                &format!("{} ({:?})", dir.display(), compression),
                files,
                limits,
                compression,
            );
        }
        _ => {
            let exe = std::env::current_exe().expect("own path");
            for mode in ["invoices", "invoices-tar", "synthetic"] {
                let status = Command::new(&exe).arg(mode).status().expect("child runs");
                assert!(status.success(), "{mode} failed");
            }
        }
    }
}
