//! Feeds arbitrary bytes to the meta protocol's one-step hit reader, with
//! limits, the asked key's length and the opaque chosen by the first bytes
//! of the input and the key taken from the next. Nothing may panic;
//! whenever it reads a hit, the general parser reads the same bytes as a
//! value with that data, that key in its `k` flag, that opaque's number in
//! its `O` flag and no cas unique.
#![no_main]

use libfuzzer_sys::fuzz_target;
use memaslap_proto::{check_text_key, parse_decimal};
use memaslap_proto::meta::{Code, Limits, Parser, Response};

fuzz_target!(|data: &[u8]| {
    let Some(([line, value, key_len, opaque], rest)) = data.split_first_chunk::<4>() else {
        return;
    };
    let Some((key, buf)) = rest.split_at_checked(usize::from(*key_len)) else {
        return;
    };
    if check_text_key(key).is_err() {
        return;
    }
    let opaque = u32::from(*opaque);
    let parser = Parser::new(Limits {
        max_line: usize::from(*line) * 8,
        max_value: usize::from(*value) * 64,
    });
    let Some((hit, len)) = parser.read_hit(buf, key.len(), |field| field == key, opaque) else {
        return;
    };
    let Ok(Some((Response::Meta(reply), used))) = parser.parse(buf) else {
        panic!("a hit the parser does not read as a reply");
    };
    assert_eq!((reply.code, reply.data, used), (Code::Value, Some(hit), len));
    let [k, o, c] = reply.flags.tokens_of([b'k', b'O', b'c']);
    assert_eq!((k, c), (Some(key), None));
    assert_eq!(o.and_then(parse_decimal), Some(u64::from(opaque)));
});
