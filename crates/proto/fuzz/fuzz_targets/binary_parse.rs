//! Feeds arbitrary bytes to the binary-protocol parser, with the body limit
//! chosen by the first byte of the input. Nothing may panic; a parsed
//! response consumes exactly its header and declared body; extras, key and
//! value lie inside it; a strict prefix is never a complete response.
#![no_main]

use libfuzzer_sys::fuzz_target;
use memaslap_proto::binary::{HEADER_LEN, Limits, Parser};

fuzz_target!(|data: &[u8]| {
    let Some((limit, mut buf)) = data.split_first() else {
        return;
    };
    let parser = Parser::new(Limits {
        max_body: usize::from(*limit) * 16,
    });
    while let Ok(Some((response, consumed))) = parser.parse(buf) {
        assert!(consumed >= HEADER_LEN && consumed <= buf.len());
        let body = response.extras.len() + response.key.len() + response.value.len();
        assert_eq!(HEADER_LEN + body, consumed);
        assert_eq!(body, response.header.body_len.get() as usize);
        assert!(!matches!(parser.parse(&buf[..consumed - 1]), Ok(Some(_))));
        buf = &buf[consumed..];
    }
});
