//! Property tests: parsed responses match the model they were built from,
//! partial input is never an error, arbitrary bytes never panic, and the
//! general encoder never writes anything but a well-formed request.

use proptest::prelude::*;

use zerocopy::FromBytes;

use super::*;

/// A response described by its fields, written out by hand.
#[derive(Debug, Clone)]
struct Model {
    opcode: u8,
    status: u16,
    opaque: u32,
    cas: u64,
    extras: Vec<u8>,
    key: Vec<u8>,
    value: Vec<u8>,
}

impl Model {
    fn bytes(&self) -> Vec<u8> {
        let body = self.extras.len() + self.key.len() + self.value.len();
        let mut out = vec![RESPONSE_MAGIC, self.opcode];
        out.extend_from_slice(&(self.key.len() as u16).to_be_bytes());
        out.push(self.extras.len() as u8);
        out.push(0);
        out.extend_from_slice(&self.status.to_be_bytes());
        out.extend_from_slice(&(body as u32).to_be_bytes());
        out.extend_from_slice(&self.opaque.to_be_bytes());
        out.extend_from_slice(&self.cas.to_be_bytes());
        out.extend_from_slice(&self.extras);
        out.extend_from_slice(&self.key);
        out.extend_from_slice(&self.value);
        out
    }

    fn matches(&self, r: &Response<'_>) -> bool {
        r.header.opcode == self.opcode
            && r.header.status.get() == self.status
            && r.opaque() == self.opaque
            && r.cas() == self.cas
            && r.extras == self.extras.as_slice()
            && r.key == self.key.as_slice()
            && r.value == self.value.as_slice()
    }
}

fn model() -> impl Strategy<Value = Model> {
    (
        any::<u8>(),
        prop_oneof![Just(0u16), Just(1), any::<u16>()],
        any::<u32>(),
        any::<u64>(),
        prop_oneof![Just(vec![]), proptest::collection::vec(any::<u8>(), 0..=40)],
        proptest::collection::vec(any::<u8>(), 0..=300),
        proptest::collection::vec(any::<u8>(), 0..=1500),
    )
        .prop_map(|(opcode, status, opaque, cas, extras, key, value)| Model {
            opcode,
            status,
            opaque,
            cas,
            extras,
            key,
            value,
        })
}

proptest! {
    #[test]
    fn responses_round_trip(m in model()) {
        let bytes = m.bytes();
        let (r, consumed) = Parser::default().parse(&bytes).unwrap().unwrap();
        prop_assert_eq!(consumed, bytes.len());
        prop_assert!(m.matches(&r));
        prop_assert_eq!(r.value_if_hit().is_some(), m.status == 0);
        prop_assert_eq!(r.is_miss(), m.status == 1);
        prop_assert_eq!(r.flags().is_some(), m.status == 0 && m.extras.len() == 4);
    }

    #[test]
    fn strict_prefixes_need_more(m in model(), cut in any::<prop::sample::Index>()) {
        let bytes = m.bytes();
        let end = cut.index(bytes.len());
        prop_assert_eq!(Parser::default().parse(&bytes[..end]), Ok(None));
    }

    #[test]
    fn concatenated_responses_parse_one_by_one(models in proptest::collection::vec(model(), 1..6)) {
        let stream: Vec<u8> = models.iter().flat_map(Model::bytes).collect();
        let parser = Parser::default();
        let mut rest = stream.as_slice();
        for m in &models {
            let (r, consumed) = parser.parse(rest).unwrap().unwrap();
            prop_assert!(m.matches(&r));
            rest = &rest[consumed..];
        }
        prop_assert!(rest.is_empty());
        prop_assert_eq!(parser.parse(rest), Ok(None));
    }

    #[test]
    fn arbitrary_bytes_never_panic(
        magic in prop_oneof![Just(RESPONSE_MAGIC), any::<u8>()],
        mut bytes in proptest::collection::vec(any::<u8>(), 0..200),
        max_body in 0usize..300,
    ) {
        if let Some(first) = bytes.first_mut() {
            *first = magic;
        }
        if let Some(data_type) = bytes.get_mut(5) {
            *data_type = 0;
        }
        let parser = Parser::new(Limits { max_body });
        if let Ok(Some((r, consumed))) = parser.parse(&bytes) {
            prop_assert!(consumed <= bytes.len());
            prop_assert!(consumed >= HEADER_LEN);
            prop_assert_eq!(consumed, HEADER_LEN + r.extras.len() + r.key.len() + r.value.len());
            let _ = (r.flags(), r.counter(), r.opcode(), r.status(), r.is_stat_end());
        }
    }

    #[test]
    fn encoder_writes_well_formed_requests_or_nothing(
        opcode in proptest::sample::select(Opcode::ALL),
        extras in prop_oneof![
            Just(Extras::None),
            (any::<u32>(), any::<u32>()).prop_map(|(flags, exptime)| Extras::Store { flags, exptime }),
            (any::<u64>(), any::<u64>(), any::<u32>())
                .prop_map(|(delta, initial, exptime)| Extras::Counter { delta, initial, exptime }),
            any::<u32>().prop_map(Extras::Expiry),
            any::<u32>().prop_map(Extras::Verbosity),
        ],
        key in proptest::collection::vec(any::<u8>(), 0..260),
        value_len in prop_oneof![Just(0usize), 0usize..2000, Just(u32::MAX as usize)],
        opaque in any::<u32>(),
        cas in any::<u64>(),
    ) {
        let req = Request { opcode, key: &key, extras, value_len, opaque, cas, vbucket: 0 };
        let mut out = vec![0xaa];
        match encode_request(&mut out, &req) {
            Ok(()) => {
                let (header, rest) = RequestHeader::ref_from_prefix(&out[1..]).unwrap();
                prop_assert_eq!(header.magic, REQUEST_MAGIC);
                prop_assert_eq!(header.opcode, opcode as u8);
                prop_assert_eq!(usize::from(header.extras_len), extras.len());
                prop_assert_eq!(usize::from(header.key_len.get()), key.len());
                prop_assert_eq!(header.body_len.get() as usize, extras.len() + key.len() + value_len);
                prop_assert_eq!((header.opaque.get(), header.cas.get()), (opaque, cas));
                prop_assert_eq!(rest.len(), extras.len() + key.len());
                prop_assert_eq!(&rest[extras.len()..], key.as_slice());
            }
            Err(_) => prop_assert_eq!(out, vec![0xaa]),
        }
    }

    #[test]
    fn a_get_is_what_the_general_encoder_writes(
        opcode in proptest::sample::select(&[Opcode::Get, Opcode::GetQ, Opcode::GetK, Opcode::GetKQ][..]),
        key in proptest::collection::vec(any::<u8>(), 0..260),
        opaque in any::<u32>(),
    ) {
        let (mut fast, mut general) = (vec![0xaa], vec![0xaa]);
        let got = encode_get(&mut fast, opcode, &key, opaque);
        let req = Request { key: &key, opaque, ..Request::new(opcode) };
        let want = encode_request(&mut general, &req);
        prop_assert_eq!(got, want);
        prop_assert_eq!(fast, general);
    }
}
