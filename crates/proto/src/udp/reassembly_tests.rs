//! Byte-vector tests of [`Reassembler`].

use super::*;
use zerocopy::IntoBytes;

/// A datagram: frame header for `id`, `sequence` of `total`, then `data`.
fn datagram(id: u16, sequence: u16, total: u16, data: &[u8]) -> Vec<u8> {
    let mut out = FrameHeader::new(id, sequence, total).as_bytes().to_vec();
    out.extend_from_slice(data);
    out
}

const PARTS: [&[u8]; 4] = [b"VALUE k 0 9\r\n", b"012345", b"678\r\n", b"END\r\n"];
const WHOLE: &[u8] = b"VALUE k 0 9\r\n012345678\r\nEND\r\n";

fn parts(id: u16) -> Vec<Vec<u8>> {
    (0u16..)
        .zip(PARTS)
        .map(|(sequence, data)| datagram(id, sequence, 4, data))
        .collect()
}

/// Pushes the parts of request `id` in `order`, expecting `Complete` on the
/// last one only, and returns the reassembler.
fn push_in_order(order: [usize; 4]) -> Reassembler {
    let mut r = Reassembler::default();
    r.start(9);
    let parts = parts(9);
    for (i, &index) in order.iter().enumerate() {
        assert_eq!(r.payload(), None);
        // Before the first datagram the count is unknown: at least 1.
        let missing = if i == 0 { 1 } else { 4 - i };
        assert_eq!(usize::from(r.missing()), missing);
        let expected = if i == 3 {
            Push::Complete
        } else {
            Push::Accepted
        };
        assert_eq!(r.push(&parts[index]), expected, "push #{i}");
    }
    assert_eq!(r.payload(), Some(WHOLE));
    assert_eq!(r.missing(), 0);
    r
}

#[test]
fn in_order_has_no_disorder() {
    let r = push_in_order([0, 1, 2, 3]);
    assert_eq!(
        *r.counters(),
        Counters {
            datagrams: 4,
            ..Counters::default()
        }
    );
}

#[test]
fn reversed_counts_every_early_datagram_as_disorder() {
    let r = push_in_order([3, 2, 1, 0]);
    assert_eq!(r.counters().disorder, 3);
    assert_eq!(r.counters().datagrams, 4);
}

#[test]
fn shuffled_counts_only_datagrams_ahead_of_a_gap() {
    // 1 is early; 0 fills the gap and releases 1; 3 is early; 2 releases 3.
    let r = push_in_order([1, 0, 3, 2]);
    assert_eq!(r.counters().disorder, 2);
    let r = push_in_order([0, 2, 1, 3]);
    assert_eq!(r.counters().disorder, 1);
}

#[test]
fn single_datagram_response() {
    let mut r = Reassembler::default();
    r.start(0);
    assert_eq!(r.total(), None);
    assert_eq!(r.push(&datagram(0, 0, 1, b"END\r\n")), Push::Complete);
    assert_eq!(r.total(), Some(1));
    assert_eq!(r.payload(), Some(&b"END\r\n"[..]));
}

#[test]
fn empty_payloads_are_datagrams_like_any_other() {
    let mut r = Reassembler::default();
    r.start(1);
    assert_eq!(r.push(&datagram(1, 1, 3, b"")), Push::Accepted);
    assert_eq!(r.push(&datagram(1, 0, 3, b"ab")), Push::Accepted);
    assert_eq!(r.push(&datagram(1, 2, 3, b"c")), Push::Complete);
    assert_eq!(r.payload(), Some(&b"abc"[..]));
}

#[test]
fn duplicates_are_ignored_and_counted_even_after_completion() {
    let mut r = Reassembler::default();
    r.start(9);
    let parts = parts(9);
    assert_eq!(r.push(&parts[2]), Push::Accepted);
    assert_eq!(r.push(&parts[2]), Push::Duplicate { sequence: 2 });
    assert_eq!(r.push(&parts[0]), Push::Accepted);
    assert_eq!(r.push(&parts[0]), Push::Duplicate { sequence: 0 });
    assert_eq!(r.push(&parts[1]), Push::Accepted);
    assert_eq!(r.push(&parts[3]), Push::Complete);
    assert_eq!(r.push(&parts[3]), Push::Duplicate { sequence: 3 });
    assert_eq!(r.payload(), Some(WHOLE));
    let c = r.counters();
    assert_eq!((c.datagrams, c.duplicates, c.disorder), (7, 3, 1));
}

#[test]
fn foreign_ids_interleaved_are_ignored_and_counted() {
    let mut r = Reassembler::default();
    r.start(9);
    let stale = parts(8);
    let parts = parts(9);
    assert_eq!(r.push(&stale[0]), Push::Foreign { request_id: 8 });
    assert_eq!(r.push(&parts[0]), Push::Accepted);
    assert_eq!(r.push(&stale[1]), Push::Foreign { request_id: 8 });
    assert_eq!(r.push(&parts[1]), Push::Accepted);
    assert_eq!(r.push(&parts[2]), Push::Accepted);
    assert_eq!(
        r.push(&datagram(0xffff, 3, 4, b"XXXX")),
        Push::Foreign { request_id: 0xffff }
    );
    assert_eq!(r.push(&parts[3]), Push::Complete);
    assert_eq!(r.payload(), Some(WHOLE));
    let c = r.counters();
    assert_eq!((c.datagrams, c.foreign, c.disorder), (7, 3, 0));
}

#[test]
fn datagrams_before_any_request_are_counted_as_foreign() {
    let mut r = Reassembler::default();
    assert_eq!(r.missing(), 0);
    assert_eq!(
        r.push(&datagram(3, 0, 1, b"END\r\n")),
        Push::NoRequest { request_id: 3 }
    );
    r.start(3);
    r.clear();
    assert_eq!(r.request_id(), None);
    assert_eq!(
        r.push(&datagram(3, 0, 1, b"END\r\n")),
        Push::NoRequest { request_id: 3 }
    );
    assert_eq!(r.counters().foreign, 2);
    assert_eq!(r.payload(), None);
}

#[test]
fn total_mismatch_is_malformed_and_ignored() {
    let mut r = Reassembler::default();
    r.start(9);
    let parts = parts(9);
    assert_eq!(r.push(&parts[1]), Push::Accepted);
    assert_eq!(
        r.push(&datagram(9, 0, 3, b"zzz")),
        Push::TotalMismatch {
            expected: 4,
            got: 3
        }
    );
    assert_eq!(r.missing(), 3);
    for part in [&parts[0], &parts[2]] {
        assert_eq!(r.push(part), Push::Accepted);
    }
    assert_eq!(r.push(&parts[3]), Push::Complete);
    assert_eq!(r.payload(), Some(WHOLE));
    assert_eq!(r.counters().malformed, 1);
}

#[test]
fn bad_headers_are_malformed() {
    let mut r = Reassembler::default();
    r.start(9);
    assert_eq!(
        r.push(&datagram(9, 0, 0, b"x")),
        Push::Malformed(FrameError::ZeroTotal)
    );
    assert_eq!(
        r.push(&datagram(9, 4, 4, b"x")),
        Push::Malformed(FrameError::SequenceOutOfRange {
            sequence: 4,
            total: 4
        })
    );
    assert_eq!(
        r.push(b"\x00\x09\x00"),
        Push::Malformed(FrameError::TooShort { len: 3 })
    );
    assert_eq!(
        r.push(b""),
        Push::Malformed(FrameError::TooShort { len: 0 })
    );
    assert_eq!(r.counters().malformed, 4);
    assert_eq!(r.counters().datagrams, 4);
    assert_eq!(r.total(), None);
    assert_eq!(r.missing(), 1);
}

#[test]
fn too_many_datagrams_are_refused() {
    let mut r = Reassembler::new(3);
    assert_eq!(r.max_datagrams(), 3);
    r.start(9);
    assert_eq!(
        r.push(&parts(9)[0]),
        Push::TooManyDatagrams { total: 4, max: 3 }
    );
    assert_eq!(
        r.push(&datagram(9, 0, u16::MAX, b"x")),
        Push::TooManyDatagrams {
            total: u16::MAX,
            max: 3
        }
    );
    assert_eq!(r.total(), None);
    assert_eq!(r.capacities()[0], 0);
    assert_eq!(r.push(&datagram(9, 2, 3, b"c")), Push::Accepted);
    assert_eq!(r.counters().malformed, 2);
    assert_eq!(Reassembler::new(0).max_datagrams(), 1);
}

#[test]
fn start_forgets_a_partial_request() {
    let mut r = Reassembler::default();
    r.start(9);
    let old = parts(9);
    assert_eq!(r.push(&old[2]), Push::Accepted);
    assert_eq!(r.push(&old[0]), Push::Accepted);
    assert_eq!(r.missing(), 2);
    r.start(10);
    assert_eq!(r.request_id(), Some(10));
    assert_eq!(r.missing(), 1);
    assert_eq!(r.total(), None);
    assert_eq!(r.push(&old[1]), Push::Foreign { request_id: 9 });
    assert_eq!(r.push(&datagram(10, 1, 2, b"d\r\n")), Push::Accepted);
    assert_eq!(r.missing(), 1);
    assert_eq!(r.push(&datagram(10, 0, 2, b"ol")), Push::Complete);
    assert_eq!(r.payload(), Some(&b"old\r\n"[..]));
}

#[test]
fn start_may_reuse_the_same_id() {
    let mut r = push_in_order([2, 0, 3, 1]);
    r.start(9);
    assert_eq!(r.payload(), None);
    assert_eq!(r.push(&parts(9)[0]), Push::Accepted);
    assert_eq!(r.missing(), 3);
}

#[test]
fn missing_counts_down_per_distinct_datagram() {
    let mut r = Reassembler::default();
    assert_eq!(r.missing(), 0);
    r.start(5);
    assert_eq!(r.missing(), 1);
    let expected = [4, 3, 3, 2, 1, 0];
    let sequences = [4, 0, 0, 2, 1, 3];
    for (sequence, missing) in sequences.into_iter().zip(expected) {
        let _ = r.push(&datagram(5, sequence, 5, b"."));
        assert_eq!(r.missing(), missing);
    }
    assert!(r.is_complete());
    r.clear();
    assert_eq!(r.missing(), 0);
}
