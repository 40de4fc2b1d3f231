//! Properties of the meta parser over generated replies and bytes.

use super::*;
use proptest::prelude::*;

/// A well-formed reply and what it holds.
fn reply() -> impl Strategy<Value = (Vec<u8>, Code, Option<Vec<u8>>)> {
    let code = prop_oneof![
        Just(Code::Stored),
        Just(Code::Value),
        Just(Code::Miss),
        Just(Code::NotFound),
        Just(Code::NotStored),
        Just(Code::Exists),
        Just(Code::NoOp),
    ];
    let flag = prop_oneof![
        any::<u64>().prop_map(|c| format!("c{c}")),
        any::<u32>().prop_map(|f| format!("f{f}")),
        "[a-zA-Z0-9]{1,20}".prop_map(|k| format!("k{k}")),
        "[a-zA-Z0-9]{0,8}".prop_map(|o| format!("O{o}")),
        Just("W".to_owned()),
        Just("t-1".to_owned()),
    ];
    (
        code,
        proptest::collection::vec(flag, 0..5),
        proptest::collection::vec(any::<u8>(), 0..64),
    )
        .prop_map(|(code, flags, data)| {
            let mut out = code.as_bytes().to_vec();
            if code == Code::Value {
                out.extend_from_slice(format!(" {}", data.len()).as_bytes());
            }
            for flag in &flags {
                out.push(b' ');
                out.extend_from_slice(flag.as_bytes());
            }
            out.extend_from_slice(b"\r\n");
            let data = (code == Code::Value).then_some(data);
            if let Some(data) = &data {
                out.extend_from_slice(data);
                out.extend_from_slice(b"\r\n");
            }
            (out, code, data)
        })
}

proptest! {
    #[test]
    fn replies_parse_whole_and_every_strict_prefix_needs_more((bytes, code, data) in reply()) {
        let parser = Parser::default();
        let Ok(Some((Response::Meta(r), used))) = parser.parse(&bytes) else {
            panic!("{}", bytes.escape_ascii());
        };
        prop_assert_eq!(used, bytes.len());
        prop_assert_eq!(r.code, code);
        prop_assert_eq!(r.data, data.as_deref());
        for cut in 0..bytes.len() {
            prop_assert_eq!(parser.parse(&bytes[..cut]), Ok(None));
        }
    }

    #[test]
    fn concatenated_replies_parse_in_order(replies in proptest::collection::vec(reply(), 1..8)) {
        let all: Vec<u8> = replies.iter().flat_map(|(b, _, _)| b.clone()).collect();
        let parser = Parser::default();
        let mut at = 0;
        for (bytes, code, _) in &replies {
            let Ok(Some((Response::Meta(r), used))) = parser.parse(&all[at..]) else {
                panic!("at {at}");
            };
            prop_assert_eq!(used, bytes.len());
            prop_assert_eq!(r.code, *code);
            at += used;
        }
        prop_assert_eq!(at, all.len());
    }

    #[test]
    fn any_bytes_never_panic_or_over_consume(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        if let Ok(Some((response, used))) = Parser::default().parse(&bytes) {
            prop_assert!(used <= bytes.len());
            if let Response::Meta(r) = response {
                prop_assert!(r.flags().count() <= bytes.len());
            }
        }
    }
}

/// A model of memcached answering one encoded `mg` or `ms` line: it reads
/// the command, key and flags back from the request and echoes the key
/// (`k`) and opaque (`O`) asked for, as memcached does.
fn model_reply(request: &[u8], stored: &[u8]) -> Vec<u8> {
    let line = request.strip_suffix(b"\r\n").unwrap();
    let mut words = line.split(|&b| b == b' ');
    let command = words.next().unwrap();
    let key = words.next().unwrap();
    let mut flags: Vec<&[u8]> = words.collect();
    if command == b"ms" {
        flags.remove(0); // the value's length
    }
    let mut echoed = Vec::new();
    for flag in &flags {
        match flag.first() {
            Some(b'k') => echoed.push([&b"k"[..], key].concat()),
            Some(b'O') => echoed.push(flag.to_vec()),
            _ => {}
        }
    }
    let mut out = if command == b"mg" {
        format!("VA {}", stored.len()).into_bytes()
    } else {
        b"HD".to_vec()
    };
    for token in echoed {
        out.push(b' ');
        out.extend_from_slice(&token);
    }
    out.extend_from_slice(b"\r\n");
    if command == b"mg" {
        out.extend_from_slice(stored);
        out.extend_from_slice(b"\r\n");
    }
    out
}

proptest! {
    #[test]
    fn encoded_requests_round_trip_through_a_server_model(
        key in "[!-~]{1,64}",
        opaque in "[a-zA-Z0-9]{1,32}",
        value in proptest::collection::vec(any::<u8>(), 0..64),
        base64 in any::<bool>(),
        set in any::<bool>(),
    ) {
        let mut flags = vec![Flag::ReturnKey, Flag::Opaque(opaque.as_bytes())];
        if base64 {
            flags.push(Flag::Base64);
        }
        let mut request = Vec::new();
        if set {
            flags.push(Flag::Ttl(60));
            encode_set(&mut request, key.as_bytes(), value.len(), &flags).unwrap();
        } else {
            flags.push(Flag::ReturnValue);
            encode_get(&mut request, key.as_bytes(), &flags).unwrap();
        }
        let reply = model_reply(&request, &value);
        let Ok(Some((Response::Meta(r), used))) = Parser::default().parse(&reply) else {
            panic!("{}", reply.escape_ascii());
        };
        prop_assert_eq!(used, reply.len());
        prop_assert_eq!(r.opaque(), Some(opaque.as_bytes()));
        // The key comes back as sent on the wire: base64-encoded when asked.
        let sent_key = request.split(|&b| b == b' ').nth(1).unwrap();
        prop_assert_eq!(r.key(), Some(sent_key));
        if !base64 {
            prop_assert_eq!(sent_key, key.as_bytes());
        }
        if set {
            prop_assert_eq!((r.code, r.data), (Code::Stored, None));
        } else {
            prop_assert_eq!((r.code, r.data), (Code::Value, Some(value.as_slice())));
        }
    }
}
