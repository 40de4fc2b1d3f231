//! Feeds arbitrary bytes to the meta-protocol parser, with limits chosen by
//! the first bytes of the input. Nothing may panic; every parsed response
//! consumes at least one byte and no more than it was given; the same bytes
//! cut just before the end of a response are "need more bytes" or an error,
//! never a different response; every returned flag of a reply is typed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use memaslap_proto::meta::{Limits, Parser, Response};

fuzz_target!(|data: &[u8]| {
    let Some(([line, value], mut buf)) = data.split_first_chunk::<2>() else {
        return;
    };
    let parser = Parser::new(Limits {
        max_line: usize::from(*line) * 8,
        max_value: usize::from(*value) * 64,
    });
    while let Ok(Some((response, consumed))) = parser.parse(buf) {
        assert!(consumed > 0 && consumed <= buf.len());
        let whole = &buf[..consumed];
        assert_eq!(parser.parse(whole), Ok(Some((response, consumed))));
        assert!(!matches!(parser.parse(&whole[..consumed - 1]), Ok(Some(_))));
        if let Response::Meta(reply) = response {
            let tokens = reply.flags.as_bytes().split(|&b| b == b' ').filter(|t| !t.is_empty());
            assert_eq!(reply.flags().count(), tokens.count());
        }
        buf = &buf[consumed..];
    }
});
