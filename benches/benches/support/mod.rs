//! What the criterion and the instruction-count benchmarks share.

/// A CSV trace of `lines` requests in a temporary file named by `tag`:
/// gets and sets 9:1 over 16 clients, keys of 20 to 59 bytes, `per_second`
/// requests per second of trace time.
pub fn trace_file(tag: &str, lines: u64, per_second: u64) -> std::path::PathBuf {
    let mut text = String::new();
    for i in 0..lines {
        let (op, value) = if i % 10 == 0 {
            ("set", 100 + i % 900)
        } else {
            ("get", 0)
        };
        text.push_str(&format!(
            "{},key:{},{},{value},{},{op},0\n",
            i / per_second,
            (i * 7919) % 100_000,
            20 + i % 40,
            i % 16
        ));
    }
    let name = format!("bench-{tag}-{}.csv", std::process::id());
    let path = std::env::temp_dir().join(name);
    std::fs::write(&path, text).expect("write the trace");
    path
}
