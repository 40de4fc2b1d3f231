//! Criterion benchmarks of memaslap-rs's hot path live in `benches/benches/`;
//! run them with `cargo bench -p memaslap-benches`.
