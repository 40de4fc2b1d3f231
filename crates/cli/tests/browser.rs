//! The report in a real browser: headless Chromium loads the page of a
//! run, its DOM has the title and the charts, and its screenshot is not
//! blank. Skipped, saying so, where Chromium is not installed
//! (`scripts/test.sh` installs Debian's `chromium` when it can).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "../../proto/tests/support/mod.rs"]
mod support;

mod common;

use std::process::Command;
use support::Memcached;

/// Runs Chromium headless on `url` with `args`; its standard output.
fn chromium(args: &[&str], url: &str) -> String {
    let out = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
        ])
        .args(args)
        .arg(url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_report_renders_in_chromium() {
    if Command::new("chromium").arg("--version").output().is_err() {
        eprintln!(
            "skipped: chromium is not installed (apt-get install -y chromium; scripts/test.sh does)"
        );
        return;
    }
    let server = Memcached::start();
    let addr = format!("127.0.0.1:{}", server.port());
    let dir = std::env::temp_dir().join(format!("memaslap-browser-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let page = dir.join("report.html");
    let run = common::memaslap(&[
        "-s",
        &addr,
        "-t",
        "2s",
        "-c",
        "4",
        "--report",
        page.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let url = format!("file://{}", page.display());
    let dom = chromium(&["--dump-dom"], &url);
    assert!(dom.contains("<title>memaslap report: run</title>"), "{dom}");
    // Throughput, errors, latency and client CPU over time; the spectrum.
    assert_eq!(dom.matches("<svg").count(), 5, "{dom}");
    let shot = dir.join("shot.png");
    chromium(
        &[
            "--window-size=1000,1600",
            &format!("--screenshot={}", shot.display()),
        ],
        &url,
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    let bytes = &pixels[..info.buffer_size()];
    let channels = info.color_type.samples();
    let inked = bytes
        .chunks(channels)
        .filter(|p| p.iter().take(3).any(|&c| c < 200))
        .count();
    let total = bytes.len() / channels;
    // Text, frames and lines: some of the page is drawn, most is white.
    assert!(
        inked * 100 > total && inked * 2 < total,
        "{inked} of {total} pixels drawn"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
