//! `rotated` (benches/common.sh), the order of compare.sh's clients in each
//! round: every client takes every place once over as many rounds as
//! there are clients, so no client always runs first or last.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/script.rs"]
mod script;

/// The clients of round `round` for the list `clients`, one a line.
fn rotated(round: u32, clients: &[&str]) -> Vec<String> {
    let out = script::common(r#"rotated "${@:2}""#)
        .arg(round.to_string())
        .args(clients)
        .output()
        .expect("run bash");
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_first_round_keeps_the_order_and_each_next_starts_one_on() {
    let clients = ["floor", "work", "ours", "again"];
    assert_eq!(rotated(1, &clients), clients);
    assert_eq!(rotated(2, &clients), ["work", "ours", "again", "floor"]);
    assert_eq!(rotated(4, &clients), ["again", "floor", "work", "ours"]);
    // The fifth round starts over.
    assert_eq!(rotated(5, &clients), clients);
}

#[test]
fn over_as_many_rounds_as_clients_each_takes_every_place_once() {
    let clients = ["a", "b", "c"];
    for place in 0..clients.len() {
        let mut seen: Vec<String> = (1..=3)
            .map(|r| rotated(r, &clients)[place].clone())
            .collect();
        seen.sort();
        assert_eq!(seen, clients, "place {place}");
    }
    // One client is one client in every round.
    assert_eq!(rotated(7, &["ours"]), ["ours"]);
}
