//! Feeds arbitrary datagrams to the UDP reassembler: the first two bytes of
//! the input choose the request id, the rest is cut into datagrams by
//! length prefixes. Nothing may panic, and a complete response's payload
//! must be exactly the in-order concatenation of its datagrams' payloads.
//! A second reassembler takes each datagram through `whole` first: what
//! it returns must be what `push` completes, its counts the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use memaslap_proto::udp::{Push, Reassembler, split_datagram};

fuzz_target!(|data: &[u8]| {
    let Some((id, mut rest)) = data.split_first_chunk::<2>() else {
        return;
    };
    let id = u16::from_be_bytes(*id);
    let mut reassembler = Reassembler::new(64);
    reassembler.start(id);
    let mut fast = reassembler.clone();
    let mut stored: Vec<(u16, Vec<u8>)> = Vec::new();
    while let Some((&len, tail)) = rest.split_first() {
        let (datagram, tail) = tail.split_at(usize::from(len).min(tail.len()));
        rest = tail;
        let whole = fast.whole(datagram).map(<[u8]>::to_vec);
        let push = reassembler.push(datagram);
        match &whole {
            Some(payload) => {
                assert_eq!(push, Push::Complete);
                assert_eq!(reassembler.payload(), Some(payload.as_slice()));
            }
            None => assert_eq!(fast.push(datagram), push),
        }
        assert_eq!(fast.counters(), reassembler.counters());
        if let (Push::Accepted | Push::Complete, Ok((header, payload))) =
            (push, split_datagram(datagram))
        {
            stored.push((header.sequence.get(), payload.to_vec()));
        }
        if push == Push::Complete {
            stored.sort_by_key(|(sequence, _)| *sequence);
            let expected: Vec<u8> = stored.iter().flat_map(|(_, p)| p.clone()).collect();
            assert_eq!(reassembler.payload(), Some(expected.as_slice()));
            assert_eq!(reassembler.missing(), 0);
            // Both wait for the request's next message from here.
            if whole.is_some() {
                reassembler.start(id);
                stored.clear();
            }
        }
    }
});
