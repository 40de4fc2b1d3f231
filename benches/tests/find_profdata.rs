//! `find_profdata` (benches/common.sh), which picks the llvm-profdata that
//! scripts/pgo.sh merges its training counts with: only one of rustc's own
//! LLVM version reads them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

#[path = "support/script.rs"]
mod script;

/// A directory of its own under the system's temporary one.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("find-profdata-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// An executable script at `path` that prints `version` when asked.
fn fake_tool(path: &Path, version: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, format!("#!/bin/sh\necho '{version}'\n")).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// `find_profdata MAJOR SYSROOT` with only `path_dir` on PATH (and the
/// directories of `sh` and the tools the function calls).
fn find_profdata(major: &str, sysroot: &Path, path_dir: &Path) -> String {
    let out = script::common(r#"find_profdata "$2" "$3""#)
        .arg(major)
        .arg(sysroot)
        .env("PATH", format!("{}:/usr/bin:/bin", path_dir.display()))
        .output()
        .expect("run bash");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
fn rustups_llvm_tools_come_first() {
    let dir = scratch("rustup");
    let tool = dir.join("sysroot/lib/rustlib/x86_64-unknown-linux-gnu/bin/llvm-profdata");
    fake_tool(&tool, "LLVM version 97.0.1");
    fake_tool(&dir.join("bin/llvm-profdata-97"), "LLVM version 97.0.1");
    let got = find_profdata("97", &dir.join("sysroot"), &dir.join("bin"));
    assert_eq!(got, tool.display().to_string());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_versioned_tool_on_path_is_taken_without_asking_its_version() {
    let dir = scratch("versioned");
    let tool = dir.join("bin/llvm-profdata-97");
    fake_tool(&tool, "something else");
    let got = find_profdata("97", &dir.join("sysroot"), &dir.join("bin"));
    assert_eq!(got, tool.display().to_string());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_plain_tool_on_path_is_taken_only_at_rustcs_version() {
    let dir = scratch("plain");
    let tool = dir.join("bin/llvm-profdata");
    fake_tool(&tool, "Debian LLVM version 97.0.3\n  Optimized build.");
    let sysroot = dir.join("sysroot");
    assert_eq!(
        find_profdata("97", &sysroot, &dir.join("bin")),
        tool.display().to_string()
    );
    // Another major version, and one that only starts alike.
    assert_eq!(find_profdata("96", &sysroot, &dir.join("bin")), "");
    assert_eq!(find_profdata("9", &sysroot, &dir.join("bin")), "");
    fake_tool(&tool, "LLVM version 970.1");
    assert_eq!(find_profdata("97", &sysroot, &dir.join("bin")), "");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn nothing_is_found_where_there_is_none() {
    let dir = scratch("none");
    std::fs::create_dir_all(dir.join("bin")).unwrap();
    assert_eq!(
        find_profdata("97", &dir.join("sysroot"), &dir.join("bin")),
        ""
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
