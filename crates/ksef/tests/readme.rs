//! The README's Rust quickstart is the `quickstart` example, word for word (CI runs the example).

#[test]
fn readme_quickstart_is_the_quickstart_example() {
    let readme = include_str!("../../../README.md");
    let example = include_str!("../examples/quickstart.rs");
    let start = example.find("// quickstart:start\n").expect("start marker")
        + "// quickstart:start\n".len();
    let end = example.find("// quickstart:end").expect("end marker");
    let code = &example[start..end];
    let section = &readme[readme
        .find("## Quickstart (Rust)")
        .expect("quickstart section")..];
    let block_start = section.find("```rust\n").expect("rust block") + "```rust\n".len();
    let block = &section[block_start..];
    let block = &block[..block.find("```").expect("block end")];
    assert_eq!(
        block, code,
        "README quickstart and examples/quickstart.rs differ"
    );
    assert!(code.lines().count() <= 25, "keep the quickstart short");
}
