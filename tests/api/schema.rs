//! `schema.graphql` is exactly what `muster schema` prints.

#[test]
fn schema_file_is_up_to_date() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema.graphql");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_muster")).arg("schema").output().unwrap();
    assert!(output.status.success());
    let printed = String::from_utf8(output.stdout).unwrap();
    assert!(
        committed == printed,
        "schema.graphql is out of date: run `cargo run -- schema > schema.graphql` and commit it"
    );
}
