use super::*;
use crate::KeyError;

fn storage(command: StorageCommand, noreply: bool) -> Storage<'static> {
    Storage {
        command,
        key: b"key",
        flags: 4_294_967_295,
        exptime: 3600,
        value_len: 1_048_576,
        noreply,
    }
}

#[test]
fn retrieval_commands() {
    let mut out = Vec::new();
    encode_get(&mut out, [b"k1"]).unwrap();
    assert_eq!(out, b"get k1\r\n");
    out.clear();
    encode_get(&mut out, ["k1", "k2", "k3"]).unwrap();
    assert_eq!(out, b"get k1 k2 k3\r\n");
    out.clear();
    encode_gets(&mut out, vec![b"a".to_vec(), b"b".to_vec()]).unwrap();
    assert_eq!(out, b"gets a b\r\n");
    out.clear();
    encode_gat(&mut out, 0, [b"a"]).unwrap();
    assert_eq!(out, b"gat 0 a\r\n");
    out.clear();
    encode_gats(&mut out, u32::MAX, [&b"a"[..], b"bb"]).unwrap();
    assert_eq!(out, b"gats 4294967295 a bb\r\n");
}

/// A key kept in two pieces.
struct Pieces<'a>(&'a [u8], &'a [u8]);

impl WriteKey for Pieces<'_> {
    fn write_key(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.0);
        out.extend_from_slice(self.1);
    }
}

#[test]
fn keys_written_in_pieces_are_checked_where_they_are_written() {
    let mut out = b"prefix".to_vec();
    encode_gat(&mut out, 9, [Pieces(b"ab", b"cd"), Pieces(b"e", b"")]).unwrap();
    assert_eq!(out, b"prefixgat 9 abcd e\r\n");
    let mut out = b"prefix".to_vec();
    assert_eq!(
        encode_get(&mut out, [Pieces(b"ok", b""), Pieces(b"a", b" b")]),
        Err(EncodeError::Key(KeyError::InvalidByte {
            position: 1,
            byte: b' '
        }))
    );
    assert_eq!(
        encode_gets(&mut out, [Pieces(b"", b"")]),
        Err(EncodeError::Key(KeyError::Empty))
    );
    let long = [b'x'; 200];
    assert_eq!(
        encode_get(&mut out, [Pieces(&long, &long[..51])]),
        Err(EncodeError::Key(KeyError::TooLong { len: 251 }))
    );
    assert_eq!(out, b"prefix");
}

/// A key that says its bytes are printable, whether or not they are.
struct Claimed<'a>(&'a [u8]);

impl WriteKey for Claimed<'_> {
    fn write_key(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.0);
    }

    fn is_printable(&self) -> bool {
        true
    }
}

#[test]
fn keys_claimed_printable_have_only_their_length_checked() {
    let mut out = b"prefix".to_vec();
    encode_gets(&mut out, [Claimed(b"ab"), Claimed(b"c")]).unwrap();
    assert_eq!(out, b"prefixgets ab c\r\n");
    // The claim is believed: the bytes go as written.
    let mut out = Vec::new();
    encode_get(&mut out, [Claimed(b"a b")]).unwrap();
    assert_eq!(out, b"get a b\r\n");
    // Length is still checked, and a refusal takes every byte back.
    let mut out = b"prefix".to_vec();
    assert_eq!(
        encode_gat(&mut out, 1, [Claimed(b"ok"), Claimed(b"")]),
        Err(EncodeError::Key(KeyError::Empty))
    );
    let long = [b'x'; 251];
    assert_eq!(
        encode_get(&mut out, [Claimed(&long)]),
        Err(EncodeError::Key(KeyError::TooLong { len: 251 }))
    );
    assert_eq!(encode_get(&mut out, [Claimed(&long[..250])]), Ok(()));
    assert_eq!(out.len(), b"prefix".len() + b"get ".len() + 250 + 2);
}

#[test]
fn retrieval_appends_after_existing_bytes() {
    let mut out = b"version\r\n".to_vec();
    encode_get(&mut out, [b"k"]).unwrap();
    assert_eq!(out, b"version\r\nget k\r\n");
}

#[test]
fn retrieval_errors_leave_the_buffer_untouched() {
    let mut out = b"prefix".to_vec();
    let none: [&[u8]; 0] = [];
    assert_eq!(encode_get(&mut out, none), Err(EncodeError::NoKeys));
    assert_eq!(encode_gat(&mut out, 5, none), Err(EncodeError::NoKeys));
    assert_eq!(
        encode_gets(&mut out, [&b"good"[..], b"bad key"]),
        Err(EncodeError::Key(KeyError::InvalidByte {
            position: 3,
            byte: b' '
        }))
    );
    assert_eq!(
        encode_gats(&mut out, 1, [&b"ok"[..], b""]),
        Err(EncodeError::Key(KeyError::Empty))
    );
    let long = [b'x'; 251];
    assert_eq!(
        encode_get(&mut out, [&long[..]]),
        Err(EncodeError::Key(KeyError::TooLong { len: 251 }))
    );
    assert_eq!(out, b"prefix");
}

#[test]
fn storage_commands() {
    let cases: [(StorageCommand, &[u8]); 6] = [
        (StorageCommand::Set, b"set key 4294967295 3600 1048576\r\n"),
        (StorageCommand::Add, b"add key 4294967295 3600 1048576\r\n"),
        (
            StorageCommand::Replace,
            b"replace key 4294967295 3600 1048576\r\n",
        ),
        (
            StorageCommand::Append,
            b"append key 4294967295 3600 1048576\r\n",
        ),
        (
            StorageCommand::Prepend,
            b"prepend key 4294967295 3600 1048576\r\n",
        ),
        (
            StorageCommand::Cas(u64::MAX),
            b"cas key 4294967295 3600 1048576 18446744073709551615\r\n",
        ),
    ];
    for (command, expected) in cases {
        let mut out = Vec::new();
        encode_storage(&mut out, &storage(command, false)).unwrap();
        assert_eq!(out, expected);
        out.clear();
        encode_storage(&mut out, &storage(command, true)).unwrap();
        let mut with_noreply = expected.strip_suffix(b"\r\n").unwrap().to_vec();
        with_noreply.extend_from_slice(b" noreply\r\n");
        assert_eq!(out, with_noreply);
    }
}

#[test]
fn storage_zero_fields() {
    let mut out = Vec::new();
    let req = Storage {
        command: StorageCommand::Cas(0),
        key: b"k",
        flags: 0,
        exptime: 0,
        value_len: 0,
        noreply: false,
    };
    encode_storage(&mut out, &req).unwrap();
    assert_eq!(out, b"cas k 0 0 0 0\r\n");
}

#[test]
fn storage_rejects_bad_keys() {
    let mut out = b"x".to_vec();
    let mut req = storage(StorageCommand::Set, false);
    req.key = b"a\r\nb";
    assert_eq!(
        encode_storage(&mut out, &req),
        Err(EncodeError::Key(KeyError::InvalidByte {
            position: 1,
            byte: b'\r'
        }))
    );
    req.key = b"";
    assert_eq!(
        encode_storage(&mut out, &req),
        Err(EncodeError::Key(KeyError::Empty))
    );
    assert_eq!(out, b"x");
}

#[test]
fn key_commands() {
    let mut out = Vec::new();
    encode_delete(&mut out, b"k", false).unwrap();
    encode_delete(&mut out, b"k", true).unwrap();
    assert_eq!(out, b"delete k\r\ndelete k noreply\r\n");
    out.clear();
    encode_incr(&mut out, b"n", u64::MAX, false).unwrap();
    encode_incr(&mut out, b"n", 1, true).unwrap();
    assert_eq!(out, b"incr n 18446744073709551615\r\nincr n 1 noreply\r\n");
    out.clear();
    encode_decr(&mut out, b"n", 0, false).unwrap();
    encode_decr(&mut out, b"n", 7, true).unwrap();
    assert_eq!(out, b"decr n 0\r\ndecr n 7 noreply\r\n");
    out.clear();
    encode_touch(&mut out, b"t", 30, false).unwrap();
    encode_touch(&mut out, b"t", 0, true).unwrap();
    assert_eq!(out, b"touch t 30\r\ntouch t 0 noreply\r\n");
}

#[test]
fn key_commands_reject_bad_keys() {
    let mut out = Vec::new();
    let tab = Err(EncodeError::Key(KeyError::InvalidByte {
        position: 0,
        byte: b'\t',
    }));
    assert_eq!(encode_delete(&mut out, b"\tk", false), tab);
    assert_eq!(encode_incr(&mut out, b"\tk", 1, false), tab);
    assert_eq!(encode_decr(&mut out, b"\tk", 1, true), tab);
    assert_eq!(encode_touch(&mut out, b"\tk", 1, false), tab);
    assert!(out.is_empty());
}

#[test]
fn keyless_commands() {
    let mut out = Vec::new();
    encode_version(&mut out);
    encode_quit(&mut out);
    assert_eq!(out, b"version\r\nquit\r\n");
    out.clear();
    encode_flush_all(&mut out, None, false);
    encode_flush_all(&mut out, Some(10), false);
    encode_flush_all(&mut out, None, true);
    encode_flush_all(&mut out, Some(0), true);
    assert_eq!(
        out,
        b"flush_all\r\nflush_all 10\r\nflush_all noreply\r\nflush_all 0 noreply\r\n"
    );
    out.clear();
    encode_verbosity(&mut out, 1, false);
    encode_verbosity(&mut out, 0, true);
    assert_eq!(out, b"verbosity 1\r\nverbosity 0 noreply\r\n");
}

#[test]
fn stats_groups() {
    let mut out = Vec::new();
    encode_stats(&mut out, None).unwrap();
    encode_stats(&mut out, Some(b"settings")).unwrap();
    assert_eq!(out, b"stats\r\nstats settings\r\n");
    for bad in [&b""[..], b"a b", b"slabs\r\n", b"\x00", &[b's'; 251]] {
        assert_eq!(
            encode_stats(&mut out, Some(bad)),
            Err(EncodeError::InvalidStatsGroup)
        );
    }
    assert_eq!(out, b"stats\r\nstats settings\r\n");
}

#[test]
fn one_key_gets_are_written_and_checked_as_encode_get_does() {
    let mut out = b"prefix".to_vec();
    encode_get_key(&mut out, b"k1").unwrap();
    encode_get_key(&mut out, &Pieces(b"ab", b"cd")).unwrap();
    encode_get_key(&mut out, &Claimed(b"a b")).unwrap();
    assert_eq!(out, b"prefixget k1\r\nget abcd\r\nget a b\r\n");
    let mut out = b"prefix".to_vec();
    let long = [b'x'; 251];
    for (key, error) in [
        (
            &Pieces(b"a", b" b") as &dyn WriteKey,
            KeyError::InvalidByte {
                position: 1,
                byte: b' ',
            },
        ),
        (&Pieces(b"", b""), KeyError::Empty),
        (&Claimed(b""), KeyError::Empty),
        (&Claimed(&long), KeyError::TooLong { len: 251 }),
        (
            &Pieces(&long[..200], &long[..51]),
            KeyError::TooLong { len: 251 },
        ),
    ] {
        assert_eq!(encode_get_key(&mut out, key), Err(EncodeError::Key(error)));
    }
    assert_eq!(out, b"prefix");
}

proptest::proptest! {
    #[test]
    fn one_key_gets_equal_encode_get_of_one_key(
        start in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..8),
        key in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..260),
    ) {
        let (mut one, mut general) = (start.clone(), start);
        let a = encode_get_key(&mut one, &key);
        let b = encode_get(&mut general, [&key]);
        proptest::prop_assert_eq!(a, b);
        proptest::prop_assert_eq!(one, general);
    }
}
