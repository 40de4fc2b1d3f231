//! Feeds arbitrary bytes to the text protocol's one-step hit reader, with
//! limits and the asked key's length chosen by the first bytes of the input
//! and the key taken from the next. Nothing may panic; whenever it reads a
//! hit, the general parser reads the same bytes as a value of that key with
//! that data, followed by `END`, and no further.
#![no_main]

use libfuzzer_sys::fuzz_target;
use memaslap_proto::ascii::{Limits, Parser, Response};
use memaslap_proto::check_text_key;

fuzz_target!(|data: &[u8]| {
    let Some(([line, value, key_len], rest)) = data.split_first_chunk::<3>() else {
        return;
    };
    let Some((key, buf)) = rest.split_at_checked(usize::from(*key_len)) else {
        return;
    };
    if check_text_key(key).is_err() {
        return;
    }
    let parser = Parser::new(Limits {
        max_line: usize::from(*line) * 8,
        max_value: usize::from(*value) * 64,
    });
    let Some((hit, len)) = parser.read_hit(buf, key.len(), |field| field == key) else {
        return;
    };
    assert!(len <= buf.len());
    let Ok(Some((Response::Value(v), used))) = parser.parse(buf) else {
        panic!("a hit the parser does not read as a value");
    };
    assert_eq!((v.key, v.cas, v.data), (key, None, hit));
    assert_eq!(parser.parse(&buf[used..]), Ok(Some((Response::End, 5))));
    assert_eq!(used + 5, len);
});
