//! The output files a run writes (`--json`, `--report`, `--hdr-log`),
//! checked before the run rather than after it, where a mistake would lose
//! the results.

use crate::options::Options;
use crate::setup::SetupError;
use std::path::{Path, PathBuf};

/// Refuses the run's output files when one cannot be written where it is
/// named (see [`check_output`]) or two name the same file, where the last
/// written would replace the other.
pub fn check_outputs(options: &Options) -> Result<(), SetupError> {
    let named: Vec<(&str, &PathBuf)> = [
        ("--json", &options.json),
        ("--report", &options.report),
        ("--hdr-log", &options.hdr_log),
    ]
    .into_iter()
    .filter_map(|(flag, path)| path.as_ref().map(|p| (flag, p)))
    .collect();
    for (i, &(flag, path)) in named.iter().enumerate() {
        check_output(flag, path)?;
        let earlier = named.get(..i).unwrap_or_default();
        if let Some((other, _)) = earlier.iter().find(|(_, p)| same_file(p, path)) {
            return Err(SetupError::Usage(format!(
                "{flag} {}: the file {other} writes too; name another",
                path.display()
            )));
        }
    }
    Ok(())
}

/// Refuses an output file (`flag`'s `path`) that cannot be written where
/// it is named: its directory missing, or the path a directory.
pub fn check_output(flag: &str, path: &Path) -> Result<(), SetupError> {
    let name = path.display();
    if path.is_dir() {
        return Err(SetupError::Usage(format!(
            "{flag} {name}: a directory; name a file"
        )));
    }
    let dir = directory(path);
    if !dir.is_dir() {
        return Err(SetupError::Usage(format!(
            "{flag} {name}: no directory {} to write it in",
            dir.display()
        )));
    }
    Ok(())
}

/// The directory `path` names its file in (`.` for a bare name).
fn directory(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// Whether `a` and `b` name one file: the same name in the same directory,
/// however the directory is spelled (`run.json` and `./run.json`).
fn same_file(a: &Path, b: &Path) -> bool {
    if a == b {
        return true;
    }
    let real = |p: &Path| directory(p).canonicalize().ok();
    a.file_name() == b.file_name() && real(a).is_some_and(|d| Some(d) == real(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn refused(args: &[&str]) -> String {
        let options =
            Options::try_parse_from(std::iter::once("memaslap").chain(args.iter().copied()))
                .unwrap();
        match check_outputs(&options) {
            Err(SetupError::Usage(m)) => m,
            other => panic!("{args:?}: expected a usage error, got {other:?}"),
        }
    }

    #[test]
    fn outputs_that_cannot_be_written_are_refused_before_the_run() {
        let m = refused(&["-s", "h:1", "--json", "/nonexistent/dir/run.json"]);
        assert!(
            m.contains("--json /nonexistent/dir/run.json: no directory"),
            "{m}"
        );
        let dir = std::env::temp_dir();
        let m = refused(&["-s", "h:1", "--report", dir.to_str().unwrap()]);
        assert!(m.contains("a directory"), "{m}");
        let m = refused(&["-s", "h:1", "--hdr-log", "/nonexistent/h.hlog"]);
        assert!(m.contains("--hdr-log"), "{m}");
        assert!(check_output("--json", Path::new("run.json")).is_ok());
    }

    #[test]
    fn two_outputs_naming_one_file_are_refused() {
        let m = refused(&["-s", "h:1", "--json", "out", "--report", "./out"]);
        assert!(
            m.contains("--report ./out: the file --json writes too"),
            "{m}"
        );
        let m = refused(&[
            "-s",
            "h:1",
            "--json",
            "a",
            "--report",
            "b",
            "--hdr-log",
            "a",
        ]);
        assert!(m.contains("--hdr-log a: the file --json writes"), "{m}");
        let options = Options::try_parse_from([
            "memaslap", "-s", "h:1", "--json", "a.json", "--report", "a.html",
        ])
        .unwrap();
        assert!(check_outputs(&options).is_ok());
        assert!(!same_file(Path::new("/tmp/a"), Path::new("/var/a")));
        assert!(same_file(Path::new("/tmp/a"), Path::new("/tmp/../tmp/a")));
    }
}
