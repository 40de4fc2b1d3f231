//! Property tests of the response parser against a model of the responses
//! and a reference encoder of that model.

use proptest::collection::vec;
use proptest::prelude::*;

use crate::ascii::{CRLF, Limits, ParseError, Parser, Response, Value};
use crate::push_decimal;

/// An owned response, from which the borrowed [`Response`] is taken.
#[derive(Debug, Clone)]
enum Model {
    Value {
        key: Vec<u8>,
        flags: u32,
        cas: Option<u64>,
        data: Vec<u8>,
    },
    End,
    Stored,
    NotStored,
    Exists,
    NotFound,
    Deleted,
    Touched,
    Ok,
    Error(Option<Vec<u8>>),
    ClientError(Vec<u8>),
    ServerError(Vec<u8>),
    Version(Vec<u8>),
    Stat {
        name: Vec<u8>,
        value: Vec<u8>,
    },
    Number(u64),
}

impl Model {
    fn response(&self) -> Response<'_> {
        match self {
            Model::Value {
                key,
                flags,
                cas,
                data,
            } => Response::Value(Value {
                key,
                flags: *flags,
                cas: *cas,
                data,
            }),
            Model::End => Response::End,
            Model::Stored => Response::Stored,
            Model::NotStored => Response::NotStored,
            Model::Exists => Response::Exists,
            Model::NotFound => Response::NotFound,
            Model::Deleted => Response::Deleted,
            Model::Touched => Response::Touched,
            Model::Ok => Response::Ok,
            Model::Error(_) => Response::Error,
            Model::ClientError(m) => Response::ClientError(m),
            Model::ServerError(m) => Response::ServerError(m),
            Model::Version(v) => Response::Version(v),
            Model::Stat { name, value } => Response::Stat { name, value },
            Model::Number(n) => Response::Number(*n),
        }
    }

    /// The bytes memcached would send for this response.
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Model::Value {
                key,
                flags,
                cas,
                data,
            } => {
                out.extend_from_slice(b"VALUE ");
                out.extend_from_slice(key);
                out.push(b' ');
                push_decimal(out, u64::from(*flags));
                out.push(b' ');
                push_decimal(out, data.len() as u64);
                if let Some(cas) = cas {
                    out.push(b' ');
                    push_decimal(out, *cas);
                }
                out.extend_from_slice(CRLF);
                out.extend_from_slice(data);
            }
            Model::End => out.extend_from_slice(b"END"),
            Model::Stored => out.extend_from_slice(b"STORED"),
            Model::NotStored => out.extend_from_slice(b"NOT_STORED"),
            Model::Exists => out.extend_from_slice(b"EXISTS"),
            Model::NotFound => out.extend_from_slice(b"NOT_FOUND"),
            Model::Deleted => out.extend_from_slice(b"DELETED"),
            Model::Touched => out.extend_from_slice(b"TOUCHED"),
            Model::Ok => out.extend_from_slice(b"OK"),
            Model::Error(None) => out.extend_from_slice(b"ERROR"),
            Model::Error(Some(m)) => with_text(out, b"ERROR ", m),
            Model::ClientError(m) => with_text(out, b"CLIENT_ERROR ", m),
            Model::ServerError(m) => with_text(out, b"SERVER_ERROR ", m),
            Model::Version(v) => with_text(out, b"VERSION ", v),
            Model::Stat { name, value } => {
                with_text(out, b"STAT ", name);
                out.push(b' ');
                out.extend_from_slice(value);
            }
            Model::Number(n) => push_decimal(out, *n),
        }
        out.extend_from_slice(CRLF);
    }
}

fn with_text(out: &mut Vec<u8>, token: &[u8], text: &[u8]) {
    out.extend_from_slice(token);
    out.extend_from_slice(text);
}

fn encoded(models: &[Model]) -> Vec<u8> {
    let mut out = Vec::new();
    for model in models {
        model.encode(&mut out);
    }
    out
}

/// A valid text-protocol key: no space, control byte or DEL.
fn key() -> impl Strategy<Value = Vec<u8>> {
    vec(prop_oneof![0x21u8..=0x7e, 0x80u8..=0xff], 1..=250)
}

/// Free text as found in messages and stat values: anything but a line end.
fn text() -> impl Strategy<Value = Vec<u8>> {
    vec(
        any::<u8>().prop_filter("no line end", |b| !b"\r\n".contains(b)),
        0..40,
    )
}

/// One word: non-empty, no space or line end.
fn word() -> impl Strategy<Value = Vec<u8>> {
    vec(
        any::<u8>().prop_filter("no separator", |b| !b" \r\n".contains(b)),
        1..30,
    )
}

fn model() -> impl Strategy<Value = Model> {
    prop_oneof![
        4 => (key(), any::<u32>(), any::<Option<u64>>(), vec(any::<u8>(), 0..300))
            .prop_map(|(key, flags, cas, data)| Model::Value { key, flags, cas, data }),
        1 => Just(Model::End),
        1 => Just(Model::Stored),
        1 => Just(Model::NotStored),
        1 => Just(Model::Exists),
        1 => Just(Model::NotFound),
        1 => Just(Model::Deleted),
        1 => Just(Model::Touched),
        1 => Just(Model::Ok),
        1 => proptest::option::of(text()).prop_map(Model::Error),
        1 => text().prop_map(Model::ClientError),
        1 => text().prop_map(Model::ServerError),
        1 => text().prop_map(Model::Version),
        1 => (word(), text()).prop_map(|(name, value)| Model::Stat { name, value }),
        1 => any::<u64>().prop_map(Model::Number),
    ]
}

/// Byte soup biased towards the protocol's tokens and separators, so the
/// parser's deeper paths are reached.
fn soup() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"VALUE ".to_vec()),
        Just(b"STAT ".to_vec()),
        Just(b"END".to_vec()),
        Just(b"STORED".to_vec()),
        Just(b"ERROR".to_vec()),
        Just(b"CLIENT_ERROR ".to_vec()),
        Just(b"VERSION ".to_vec()),
        Just(b" ".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\r".to_vec()),
        Just(b"\n".to_vec()),
        any::<u64>().prop_map(|n| n.to_string().into_bytes()),
        vec(any::<u8>(), 0..8),
    ];
    vec(piece, 0..24).prop_map(|pieces| pieces.concat())
}

fn limits() -> impl Strategy<Value = Limits> {
    (0usize..64, 0usize..64).prop_map(|(max_line, max_value)| Limits {
        max_line,
        max_value,
    })
}

fn check_no_overrun(parser: &Parser, buf: &[u8]) -> Result<(), TestCaseError> {
    if let Ok(Some((_, consumed))) = parser.parse(buf) {
        prop_assert!(consumed > 0 && consumed <= buf.len());
    }
    Ok(())
}

proptest! {
    #[test]
    fn a_model_round_trips(model in model()) {
        let bytes = encoded(std::slice::from_ref(&model));
        prop_assert_eq!(
            Parser::default().parse(&bytes),
            Ok(Some((model.response(), bytes.len())))
        );
    }

    #[test]
    fn every_strict_prefix_needs_more(model in model()) {
        let bytes = encoded(std::slice::from_ref(&model));
        let parser = Parser::default();
        for end in 0..bytes.len() {
            prop_assert_eq!(parser.parse(&bytes[..end]), Ok(None), "prefix {}", end);
        }
    }

    #[test]
    fn a_stream_parses_back_one_by_one(models in vec(model(), 1..10)) {
        let bytes = encoded(&models);
        let parser = Parser::default();
        let mut at = 0;
        for model in &models {
            let parsed = parser.parse(&bytes[at..]);
            let Ok(Some((response, consumed))) = parsed else {
                return Err(TestCaseError::fail(format!("{parsed:?} at {at}")));
            };
            prop_assert_eq!(response, model.response());
            at += consumed;
        }
        prop_assert_eq!(at, bytes.len());
        prop_assert_eq!(parser.parse(&bytes[at..]), Ok(None));
    }

    #[test]
    fn random_bytes_never_overrun(bytes in vec(any::<u8>(), 0..512)) {
        check_no_overrun(&Parser::default(), &bytes)?;
    }

    #[test]
    fn protocol_soup_never_overruns(bytes in soup(), limits in limits()) {
        check_no_overrun(&Parser::default(), &bytes)?;
        check_no_overrun(&Parser::new(limits), &bytes)?;
    }

    #[test]
    fn mutated_responses_never_overrun(
        model in model(),
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let mut bytes = encoded(std::slice::from_ref(&model));
        let i = at.index(bytes.len());
        bytes[i] = byte;
        check_no_overrun(&Parser::default(), &bytes)?;
        bytes.insert(i, byte);
        check_no_overrun(&Parser::default(), &bytes)?;
    }

    #[test]
    fn a_line_without_an_end_is_bounded(
        max_line in 1usize..300,
        filler in vec(any::<u8>().prop_filter("no line end", |b| !b"\r\n".contains(b)), 0..600),
    ) {
        let parser = Parser::new(Limits { max_line, max_value: 0 });
        let expected = if filler.len() >= max_line {
            Err(ParseError::LineTooLong)
        } else {
            Ok(None)
        };
        prop_assert_eq!(parser.parse(&filler), expected);
    }

    #[test]
    fn declared_lengths_above_the_limit_are_refused_early(
        key in key(),
        len in 0u64..2000,
        max_value in 0usize..1000,
    ) {
        let mut line = b"VALUE ".to_vec();
        line.extend_from_slice(&key);
        line.extend_from_slice(b" 0 ");
        push_decimal(&mut line, len);
        line.extend_from_slice(CRLF);
        let parser = Parser::new(Limits { max_line: 8192, max_value });
        let expected = if len > max_value as u64 {
            Err(ParseError::ValueTooLarge { len })
        } else {
            Ok(None)
        };
        prop_assert_eq!(parser.parse(&line), expected);
    }
}
