//! docs/compared-with-ksef2.md stays true: every scenario block of the `ksef2_*` examples is
//! measured, its count must match the table's "After" column, and no block may be longer than
//! the reference version it stands for.

use std::collections::BTreeMap;

const EXAMPLES: [(&str, &str); 3] = [
    (
        "ksef2_sessions",
        include_str!("../examples/ksef2_sessions.rs"),
    ),
    (
        "ksef2_overview",
        include_str!("../examples/ksef2_overview.rs"),
    ),
    (
        "ksef2_invoices",
        include_str!("../examples/ksef2_invoices.rs"),
    ),
];

/// The non-blank, non-comment lines of each `// [name]` … `// [/name]` block.
fn blocks(source: &str) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    let mut open: Option<(String, usize)> = None;
    for line in source.lines().map(str::trim) {
        let marker = line
            .strip_prefix("// [")
            .and_then(|rest| rest.strip_suffix(']'));
        match (marker, open.take()) {
            (Some(end), Some((name, count))) if end.strip_prefix('/') == Some(name.as_str()) => {
                out.insert(name, count);
            }
            (Some(start), None) if !start.starts_with('/') => open = Some((start.to_owned(), 0)),
            (Some(other), current) => panic!("unexpected marker {other:?} inside {current:?}"),
            (None, Some((name, count))) => {
                let counted = !line.is_empty() && !line.starts_with("//");
                open = Some((name, count + usize::from(counted)));
            }
            (None, None) => {}
        }
    }
    assert!(open.is_none(), "unclosed block {open:?}");
    out
}

#[test]
fn the_comparison_table_matches_the_examples() {
    let doc = include_str!("../../../docs/compared-with-ksef2.md");
    let mut measured: BTreeMap<(String, String), usize> = EXAMPLES
        .iter()
        .flat_map(|(example, source)| {
            blocks(source)
                .into_iter()
                .map(move |(block, n)| (((*example).to_owned(), block), n))
        })
        .collect();
    let rows = doc
        .lines()
        .filter(|l| l.starts_with("| ksef2_"))
        .map(|l| l.split('|').map(str::trim).collect::<Vec<_>>());
    for row in rows {
        let [_, example, block, _, reference, _, after, _] = row[..] else {
            panic!("bad table row {row:?}");
        };
        let key = (example.to_owned(), block.to_owned());
        let n = measured
            .remove(&key)
            .unwrap_or_else(|| panic!("no block {key:?} in the examples"));
        let reference: usize = reference.parse().expect("reference count");
        assert_eq!(
            after,
            n.to_string(),
            "{key:?}: the table says {after}, the block has {n}"
        );
        assert!(
            n <= reference,
            "{key:?}: {n} lines, the reference needs {reference}"
        );
    }
    assert!(
        measured.is_empty(),
        "blocks missing from the table: {measured:?}"
    );
}
