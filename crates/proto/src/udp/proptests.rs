//! Property tests of the UDP framing and [`Reassembler`].

use super::*;
use proptest::prelude::*;
use proptest::sample::Index;
use zerocopy::IntoBytes;

fn datagram(id: u16, sequence: u16, total: u16, data: &[u8]) -> Vec<u8> {
    let mut out = FrameHeader::new(id, sequence, total).as_bytes().to_vec();
    out.extend_from_slice(data);
    out
}

/// A payload and the lengths of the 1 to 40 (possibly empty) pieces it is
/// cut into.
fn message() -> impl Strategy<Value = (Vec<u8>, Vec<usize>)> {
    (prop::collection::vec(any::<u8>(), 0..6000), 1usize..=40).prop_flat_map(|(payload, n)| {
        let len = payload.len();
        prop::collection::vec(0..=len, n - 1).prop_map(move |mut cuts| {
            cuts.sort_unstable();
            cuts.push(len);
            let mut start = 0;
            let sizes = cuts
                .iter()
                .map(|&end| {
                    let size = end - start;
                    start = end;
                    size
                })
                .collect();
            (payload.clone(), sizes)
        })
    })
}

/// One datagram of the test stream.
#[derive(Debug, Clone, Copy)]
enum Item {
    /// First copy of a piece.
    Piece(usize),
    /// Another copy of a piece.
    Copy(usize),
    /// A datagram of another request: id offset and sequence number.
    Stray(u16, u16),
}

/// A message, its pieces in shuffled order, and duplicates and foreign
/// datagrams inserted at random positions.
fn stream() -> impl Strategy<Value = (Vec<u8>, Vec<usize>, Vec<Item>)> {
    message().prop_flat_map(|(payload, sizes)| {
        let order = Just((0..sizes.len()).collect::<Vec<_>>()).prop_shuffle();
        let copies = prop::collection::vec((any::<Index>(), any::<Index>()), 0..10);
        let strays = prop::collection::vec((1..=u16::MAX, any::<Index>(), any::<Index>()), 0..10);
        (Just(payload), Just(sizes), order, copies, strays).prop_map(
            |(payload, sizes, order, copies, strays)| {
                let mut items: Vec<Item> = order.into_iter().map(Item::Piece).collect();
                for (piece, at) in copies {
                    let at = at.index(items.len() + 1);
                    items.insert(at, Item::Copy(piece.index(sizes.len())));
                }
                for (offset, sequence, at) in strays {
                    let at = at.index(items.len() + 1);
                    let sequence = u16::try_from(sequence.index(sizes.len())).unwrap();
                    items.insert(at, Item::Stray(offset, sequence));
                }
                (payload, sizes, items)
            },
        )
    })
}

/// The datagrams of request `id` carrying the pieces of `payload`.
fn pieces(id: u16, payload: &[u8], sizes: &[usize]) -> Vec<Vec<u8>> {
    let total = u16::try_from(sizes.len()).unwrap();
    let mut start = 0;
    (0u16..)
        .zip(sizes)
        .map(|(sequence, &size)| {
            let piece = datagram(id, sequence, total, &payload[start..start + size]);
            start += size;
            piece
        })
        .collect()
}

/// Pushes `items` for request `id`, checking every outcome against a simple
/// model, and returns the expected change of the counters.
fn push_stream(r: &mut Reassembler, id: u16, pieces: &[Vec<u8>], items: &[Item]) -> Counters {
    let total = pieces.len();
    let mut seen = vec![false; total];
    let mut lowest_missing = 0;
    let mut expected = Counters::default();
    for &item in items {
        expected.datagrams += 1;
        let (index, outcome) = match item {
            Item::Stray(offset, sequence) => {
                let other = id.wrapping_add(offset);
                let total = u16::try_from(total).unwrap();
                expected.foreign += 1;
                let outcome = r.push(&datagram(other, sequence, total, b"stray"));
                assert_eq!(outcome, Push::Foreign { request_id: other });
                continue;
            }
            Item::Piece(index) | Item::Copy(index) => (index, r.push(&pieces[index])),
        };
        if seen[index] {
            expected.duplicates += 1;
            let sequence = u16::try_from(index).unwrap();
            assert_eq!(outcome, Push::Duplicate { sequence });
            continue;
        }
        seen[index] = true;
        if index != lowest_missing {
            expected.disorder += 1;
        }
        while lowest_missing < total && seen[lowest_missing] {
            lowest_missing += 1;
        }
        let missing = seen.iter().filter(|&&s| !s).count();
        assert_eq!(usize::from(r.missing()), missing);
        if missing == 0 {
            assert_eq!(outcome, Push::Complete);
        } else {
            assert_eq!(outcome, Push::Accepted);
            assert_eq!(r.payload(), None);
        }
    }
    expected
}

fn difference(after: &Counters, before: &Counters) -> Counters {
    Counters {
        datagrams: after.datagrams - before.datagrams,
        duplicates: after.duplicates - before.duplicates,
        foreign: after.foreign - before.foreign,
        disorder: after.disorder - before.disorder,
        malformed: after.malformed - before.malformed,
    }
}

proptest! {
    #[test]
    fn any_arrival_order_reassembles_exactly((payload, sizes, items) in stream(), id: u16) {
        let mut r = Reassembler::default();
        r.start(id);
        let pieces = pieces(id, &payload, &sizes);
        let expected = push_stream(&mut r, id, &pieces, &items);
        prop_assert_eq!(r.payload(), Some(payload.as_slice()));
        prop_assert_eq!(r.missing(), 0);
        prop_assert_eq!(*r.counters(), expected);
    }

    #[test]
    fn a_warmed_up_reassembler_does_not_grow(
        (payload, sizes, items) in stream(),
        id: u16,
    ) {
        let mut r = Reassembler::default();
        // Reversed order parks every piece but the first: the most any
        // order needs.
        let warm_up = pieces(id.wrapping_add(1), &payload, &sizes);
        r.start(id.wrapping_add(1));
        for piece in warm_up.iter().rev() {
            let _ = r.push(piece);
        }
        prop_assert_eq!(r.payload(), Some(payload.as_slice()));
        let capacities = r.capacities();
        let before = *r.counters();
        r.start(id);
        let pieces = pieces(id, &payload, &sizes);
        let expected = push_stream(&mut r, id, &pieces, &items);
        prop_assert_eq!(r.payload(), Some(payload.as_slice()));
        prop_assert_eq!(difference(r.counters(), &before), expected);
        prop_assert_eq!(r.capacities(), capacities);
    }

    #[test]
    fn split_datagram_accepts_exactly_the_valid_headers(bytes in prop::collection::vec(any::<u8>(), 0..20)) {
        match split_datagram(&bytes) {
            Ok((header, payload)) => {
                prop_assert!(header.sequence.get() < header.total.get());
                prop_assert_eq!(header.as_bytes(), &bytes[..FRAME_HEADER_LEN]);
                prop_assert_eq!(payload, &bytes[FRAME_HEADER_LEN..]);
            }
            Err(FrameError::TooShort { len }) => prop_assert!(len == bytes.len() && len < FRAME_HEADER_LEN),
            Err(FrameError::ZeroTotal) => prop_assert_eq!(&bytes[4..6], &[0, 0]),
            Err(FrameError::SequenceOutOfRange { sequence, total }) => prop_assert!(sequence >= total),
        }
    }

    #[test]
    fn random_datagrams_never_panic_and_are_all_counted(actions in prop::collection::vec(action(), 0..200)) {
        let mut r = Reassembler::new(8);
        let mut tally = Counters::default();
        for action in actions {
            let datagram = match action {
                Action::Start(id) => { r.start(id); continue; }
                Action::Clear => { r.clear(); continue; }
                Action::Push(datagram) => datagram,
            };
            tally.datagrams += 1;
            match r.push(&datagram) {
                Push::Accepted | Push::Complete => {}
                Push::Duplicate { .. } => tally.duplicates += 1,
                Push::Foreign { .. } | Push::NoRequest { .. } => tally.foreign += 1,
                Push::Malformed(_) | Push::TotalMismatch { .. } | Push::TooManyDatagrams { .. } => {
                    tally.malformed += 1;
                }
            }
            prop_assert_eq!(r.payload().is_some(), r.is_complete());
            prop_assert!(r.missing() <= r.total().unwrap_or(1));
        }
        let counters = r.counters();
        prop_assert_eq!(
            (counters.datagrams, counters.duplicates, counters.foreign, counters.malformed),
            (tally.datagrams, tally.duplicates, tally.foreign, tally.malformed)
        );
    }
}

proptest! {
    /// `whole` then, when it declines, `push` leaves a reassembler as
    /// `push` alone and, after a whole response, `start` again would.
    #[test]
    fn whole_agrees_with_push_and_restart(actions in prop::collection::vec(action(), 0..200)) {
        let mut fast = Reassembler::new(8);
        let mut plain = Reassembler::new(8);
        for action in actions {
            let datagram = match action {
                Action::Start(id) => { fast.start(id); plain.start(id); continue; }
                Action::Clear => { fast.clear(); plain.clear(); continue; }
                Action::Push(datagram) => datagram,
            };
            match fast.whole(&datagram) {
                Some(payload) => {
                    prop_assert_eq!(plain.push(&datagram), Push::Complete);
                    prop_assert_eq!(plain.payload(), Some(payload));
                    let id = plain.request_id();
                    prop_assert!(id.is_some());
                    plain.start(id.unwrap_or_default());
                }
                None => prop_assert_eq!(fast.push(&datagram), plain.push(&datagram)),
            }
            prop_assert_eq!(fast.counters(), plain.counters());
            prop_assert_eq!(fast.payload(), plain.payload());
            prop_assert_eq!(
                (fast.request_id(), fast.total(), fast.missing()),
                (plain.request_id(), plain.total(), plain.missing())
            );
        }
    }
}

#[derive(Debug, Clone)]
enum Action {
    Start(u16),
    Clear,
    Push(Vec<u8>),
}

/// Mostly well-formed datagrams for a few ids, some raw bytes, some
/// request changes.
fn action() -> impl Strategy<Value = Action> {
    let framed = (
        0u16..3,
        0u16..12,
        0u16..12,
        prop::collection::vec(any::<u8>(), 0..8),
    )
        .prop_map(|(id, sequence, total, data)| Action::Push(datagram(id, sequence, total, &data)));
    prop_oneof![
        8 => framed,
        2 => prop::collection::vec(any::<u8>(), 0..16).prop_map(Action::Push),
        1 => (0u16..3).prop_map(Action::Start),
        1 => Just(Action::Clear),
    ]
}
