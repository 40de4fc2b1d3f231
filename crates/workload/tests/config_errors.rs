#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
//! Every kind of malformed `-F` file, each with its exact error message.

use memaslap_workload::{ConfigError, WorkloadConfig};

const CASES: &[(&str, &str)] = &[
    (
        "key\n64 64 1\nvalues\n1 2 1\n",
        "c.cnf:3: unknown section \"values\", expected \"key\", \"value\" or \"cmd\"",
    ),
    (
        "64 64 1\n",
        "c.cnf:1: expected a section name (\"key\", \"value\" or \"cmd\") before \"64\"",
    ),
    (
        "# sizes\nvalue\n1 2\n",
        "c.cnf:3: expected \"<min> <max> <proportion>\" in section \"value\", found 2 fields",
    ),
    (
        "key\n16 16 0.5 9\n",
        "c.cnf:2: expected \"<min> <max> <proportion>\" in section \"key\", found 4 fields",
    ),
    (
        "cmd\n0 0.1 1\n",
        "c.cnf:2: expected \"<cmd> <proportion>\" in section \"cmd\", found 3 fields",
    ),
    (
        "key\n16 x 1\n",
        "c.cnf:2: expected a whole number for <max> in section \"key\", found \"x\"",
    ),
    (
        "value\n1.5 8 1\n",
        "c.cnf:2: expected a whole number for <min> in section \"value\", found \"1.5\"",
    ),
    (
        "value\n1 8 half\n",
        "c.cnf:2: expected a number for <proportion> in section \"value\", found \"half\"",
    ),
    (
        "value\n300 200 1\n",
        "c.cnf:2: <min> 300 is greater than <max> 200 in section \"value\"",
    ),
    ("key\n8 64 1\n", "c.cnf:2: key length 8 outside 16..=250"),
    (
        "key\n16 251 1\n",
        "c.cnf:2: key length 251 outside 16..=250",
    ),
    (
        "value\n0 10 1\n",
        "c.cnf:2: value length 0 outside 1..=1048576",
    ),
    (
        "value\n1 1048577 1\n",
        "c.cnf:2: value length 1048577 outside 1..=1048576",
    ),
    (
        "value\n1 99999999999 1\n",
        "c.cnf:2: value length 99999999999 outside 1..=1048576",
    ),
    (
        "key\n16 16 0.5\n20 20 0.4\ncmd\n0 1\n",
        "c.cnf:1: proportions in section \"key\" sum to 0.9, expected 1 (±0.001)",
    ),
    (
        "cmd\n0 0.1\n1 0.8\n",
        "c.cnf:1: proportions in section \"cmd\" sum to 0.9, expected 1 (±0.001)",
    ),
    (
        "key\n16 16 1.5\n",
        "c.cnf:2: proportion 1.5 outside 0..=1 in section \"key\"",
    ),
    (
        "cmd\n0 -0.1\n1 1.1\n",
        "c.cnf:2: proportion -0.1 outside 0..=1 in section \"cmd\"",
    ),
    (
        "cmd\n2 0.1\n1 0.9\n",
        "c.cnf:2: unknown command type 2 in section \"cmd\", expected 0 (set) or 1 (get)",
    ),
    (
        "cmd\n1 0.5\n1 0.5\n",
        "c.cnf:3: command type 1 listed twice in section \"cmd\"",
    ),
    (
        "cmd\nset 0.1\n",
        "c.cnf:2: unknown section \"set\", expected \"key\", \"value\" or \"cmd\"",
    ),
    (
        "key\n# nothing yet\nvalue\n1 1 1\n",
        "c.cnf:1: section \"key\" has no entries",
    ),
    (
        "value\n1 1 1\ncmd\n",
        "c.cnf:3: section \"cmd\" has no entries",
    ),
    (
        "key\n16 16 1\nkey\n20 20 1\n",
        "c.cnf:3: section \"key\" appears twice (first on line 1)",
    ),
    (
        "key 16 16 1\n",
        "c.cnf:1: expected nothing after section name \"key\", found \"16\"",
    ),
    (
        "# only comments\n\n   \n",
        "c.cnf: no section found, expected \"key\", \"value\" or \"cmd\"",
    ),
    (
        "",
        "c.cnf: no section found, expected \"key\", \"value\" or \"cmd\"",
    ),
];

#[test]
fn malformed_files_name_file_line_and_expectation() {
    assert!(CASES.len() >= 15);
    for (text, expected) in CASES {
        let err = WorkloadConfig::parse_config(text, "c.cnf")
            .expect_err(&format!("accepted malformed file {text:?}"));
        assert_eq!(err.to_string(), *expected, "for file {text:?}");
    }
}

#[test]
fn file_errors_carry_structured_location() {
    let err =
        WorkloadConfig::parse_config("key\n16 16 1\nvalue\n1 x 1\n", "dir/f.cnf").unwrap_err();
    match err {
        ConfigError::File { file, line, .. } => assert_eq!((file.as_str(), line), ("dir/f.cnf", 4)),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn reads_a_file_from_disk() {
    let dir = std::env::temp_dir().join(format!("memaslap-workload-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("dist.cnf");
    std::fs::write(&path, "value\n100 200 1\ncmd\n0 0.3\n1 0.7\n").unwrap();
    let config = WorkloadConfig::from_config_file(&path).unwrap();
    assert_eq!(config.values[0].min, 100);
    assert_eq!(config.mix.set, 0.3);
    std::fs::write(&path, "value\n100 200 1\nbogus\n").unwrap();
    let err = WorkloadConfig::from_config_file(&path).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}:3: unknown section \"bogus\", expected \"key\", \"value\" or \"cmd\"",
            path.display()
        )
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
