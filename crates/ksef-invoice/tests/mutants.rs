//! Cross-check of our schema validation against xmllint: mutants of every official sample
//! (dropped, duplicated, reordered and unknown elements; broken values: empty, too long, wrong
//! type or enumeration, wrong decimal scale, out of range, bad dates; changed attributes) are
//! judged by both; every verdict must agree (business checks aside).

mod common;

use std::collections::BTreeMap;

use ksef_invoice::Invoice;

/// Replacement texts tried in every text-only element.
const VALUES: &[&str] = &[
    "",
    "abc",
    "-5",
    "1.123456789",
    "12345678901234567890.5",
    "2026-13-45",
    "2026-02-30",
    "  padded  ",
    "0",
    "100.5",
    "PL",
    "1",
    "2",
    "23",
    "5",
    "np I",
    "2026-01-01T10:00:00Z",
];

fn long_text() -> String {
    "x".repeat(300)
}

struct Mutant {
    name: String,
    xml: String,
}

fn splice(src: &str, range: std::ops::Range<usize>, with: &str) -> String {
    format!("{}{}{}", &src[..range.start], with, &src[range.end..])
}

fn mutants_of(sample: &str, src: &str) -> Vec<Mutant> {
    let doc = roxmltree::Document::parse(src).unwrap();
    let mut out = Vec::new();
    let mut push = |kind: String, xml: String| {
        out.push(Mutant {
            name: format!("{sample}:{kind}"),
            xml,
        })
    };
    let long = long_text();
    for (i, node) in doc.descendants().filter(|n| n.is_element()).enumerate() {
        let name = node.tag_name().name();
        let r = node.range();
        if node.parent_element().is_some() {
            push(format!("{i}-drop-{name}"), splice(src, r.clone(), ""));
            push(
                format!("{i}-dup-{name}"),
                splice(src, r.end..r.end, &src[r.clone()]),
            );
            push(
                format!("{i}-unknown-after-{name}"),
                splice(
                    src,
                    r.end..r.end,
                    &format!(
                        "<Nieznany xmlns=\"{}\">1</Nieznany>",
                        ksef_invoice::fa3::NAMESPACE
                    ),
                ),
            );
            if let Some(next) = node.next_sibling_element()
                && next.tag_name().name() != name
            {
                let nr = next.range();
                let swapped = format!(
                    "{}{}{}",
                    &src[nr.clone()],
                    &src[r.end..nr.start],
                    &src[r.clone()]
                );
                push(
                    format!("{i}-swap-{name}"),
                    splice(src, r.start..nr.end, &swapped),
                );
            }
        }
        let leaf = node.children().all(|c| !c.is_element()) && node.parent_element().is_some();
        if leaf {
            let open_end = src[r.clone()].find('>').map(|p| r.start + p + 1).unwrap();
            let close_start = src[..r.end].rfind("</").unwrap_or(r.end);
            if close_start < open_end {
                continue;
            }
            for (k, v) in VALUES
                .iter()
                .copied()
                .chain(std::iter::once(long.as_str()))
                .enumerate()
            {
                push(
                    format!("{i}-value{k}-{name}"),
                    splice(src, open_end..close_start, v),
                );
            }
            // Wrong decimal scale: one more fraction digit than written.
            let text = node.text().unwrap_or_default();
            if text.contains('.')
                && text
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
            {
                push(
                    format!("{i}-scale-{name}"),
                    splice(src, open_end..close_start, &format!("{text}1")),
                );
            }
        }
        for a in node.attributes() {
            let ar = a.range_value();
            push(format!("{i}-attr-{}", a.name()), splice(src, ar, "zzz"));
        }
    }
    out
}

#[test]
fn xmllint_and_we_agree_on_mutants_of_the_official_samples() {
    let dir = tempfile::tempdir().unwrap();
    let mut mutants = Vec::new();
    for (name, xml) in common::samples() {
        mutants.extend(mutants_of(&name, std::str::from_utf8(&xml).unwrap()));
    }

    let mut files = Vec::new();
    for (i, m) in mutants.iter().enumerate() {
        let path = dir.path().join(format!("m{i:05}.xml"));
        std::fs::write(&path, &m.xml).unwrap();
        files.push(path);
    }
    // xmllint's verdicts, in chunks to keep command lines short.
    let mut theirs: BTreeMap<usize, bool> = BTreeMap::new();
    for chunk in files.chunks(500) {
        let refs: Vec<&std::path::Path> = chunk.iter().map(|p| p.as_path()).collect();
        let output = match common::xmllint(&refs) {
            Ok(()) => String::new(),
            Err(out) => out,
        };
        let failed: std::collections::BTreeSet<&str> = output
            .lines()
            .filter(|l| l.ends_with(" fails to validate"))
            .map(|l| l.trim_end_matches(" fails to validate"))
            .chain(
                output
                    .lines()
                    .filter(|l| l.contains(": parser error"))
                    .filter_map(|l| l.split(':').next()),
            )
            .collect();
        for p in chunk {
            let i: usize = p.file_stem().unwrap().to_string_lossy()[1..]
                .parse()
                .unwrap();
            theirs.insert(i, !failed.contains(&*p.to_string_lossy()));
        }
    }
    let (mut agree, mut accepted, mut rejected) = (0, 0, 0);
    let mut disagreements = Vec::new();
    for (i, m) in mutants.iter().enumerate() {
        let ours = match Invoice::from_xml(m.xml.as_bytes()) {
            Ok(inv) => {
                let errs = inv.schema_errors();
                if errs.is_empty() {
                    Ok(())
                } else {
                    Err(errs[0].to_string())
                }
            }
            Err(e) => Err(e.to_string()),
        };
        let xmllint_ok = theirs[&i];
        if ours.is_ok() == xmllint_ok {
            agree += 1;
            if xmllint_ok {
                accepted += 1;
            } else {
                rejected += 1;
            }
        } else {
            disagreements.push(format!(
                "{}: xmllint {}, we {:?}",
                m.name,
                if xmllint_ok { "accepts" } else { "rejects" },
                ours
            ));
        }
    }
    let total = mutants.len();
    eprintln!(
        "mutants: {total}; agreement {agree}/{total} ({:.2} %); both accept {accepted}, both reject {rejected}",
        agree as f64 * 100.0 / total as f64
    );
    assert!(total >= 1000, "only {total} mutants");
    assert!(
        disagreements.is_empty(),
        "{} disagreements:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}
