//! One request of a trace, and the two formats it is read from: the open
//! Twitter cache trace's CSV lines and libCacheSim's `oracleGeneral`
//! binary records.

use bytemuck::{Pod, Zeroable};

use memaslap_proto::parse_decimal;

use crate::command::Command;
use crate::seed::mix64;

/// One request of a trace.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Record {
    /// When it was sent, in seconds on the trace's clock.
    pub time: f64,
    /// The object: its key (a hash of an anonymized key, or an object id).
    pub object: u64,
    /// The key's size in bytes, as the trace gives it.
    pub key_size: u32,
    /// The value's size in bytes (0 for a request without a value).
    pub value_size: u32,
    /// Which client sent it (the object id for `oracleGeneral`): requests
    /// of one client stay on one connection, in order.
    pub client: u64,
    /// The command.
    pub command: Command,
    /// The expiry the request sets, in seconds (0: none).
    pub ttl: u32,
}

/// The fields of a Twitter trace line, for errors.
pub(crate) const CSV_FIELDS: &str = "timestamp,key,key size,value size,client id,operation,TTL";

/// Timestamps are below this many seconds (2^53, some 285 million years):
/// whole seconds are exact as `f64` below it, and any offset within a
/// trace is a `Duration`.
pub(crate) const MAX_TIME: f64 = 9_007_199_254_740_992.0;

/// Parses one line of the open Twitter cache trace format:
/// `timestamp,key,key size,value size,client id,operation,TTL`. The
/// timestamp is in seconds (a fraction is allowed); the anonymized key may
/// hold commas (the five fields after it are read from the right).
pub(crate) fn parse_csv(line: &[u8]) -> Result<Record, String> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let fields = split_csv(line).map_err(|found| {
        format!("expected 7 comma-separated fields ({CSV_FIELDS}), found {found}")
    })?;
    quick_csv(&fields).map_or_else(|| general_csv(fields), Ok)
}

/// The common line, read without building errors: whole seconds, plain
/// digits, an operation spelt exactly. `None` sends the line the general
/// way, which reads what else is allowed or says what is wrong.
#[inline]
fn quick_csv(&[time, key, key_size, value, client, op, ttl]: &[&[u8]; 7]) -> Option<Record> {
    let small = |field: &[u8]| u32::try_from(parse_decimal(field)?).ok();
    let time = parse_decimal(time).filter(|&t| t < 1 << 53)?;
    if key.is_empty() {
        return None;
    }
    Some(Record {
        time: time as f64,
        object: key_hash(key),
        key_size: small(key_size)?,
        value_size: small(value)?,
        client: parse_decimal(client)?,
        command: Command::from_name(op)?,
        ttl: small(ttl)?,
    })
}

/// A line read with everything the format allows (spaces around fields,
/// fractional timestamps), or what is wrong with it.
fn general_csv(
    [time, key, key_size, value, client, op, ttl]: [&[u8]; 7],
) -> Result<Record, String> {
    let text = |field: &[u8]| String::from_utf8_lossy(field).into_owned();
    let number = |field: &[u8], what: &str| {
        digits(field)
            .or_else(|| {
                std::str::from_utf8(field)
                    .ok()
                    .and_then(|s| s.trim().parse::<u64>().ok())
            })
            .ok_or_else(|| format!("'{}' is not a {what} (a whole number)", text(field)))
    };
    // Whole seconds (most traces) are exact as f64 below 2^53.
    let whole = digits(time).filter(|&t| t < 1 << 53).map(|t| t as f64);
    let time = whole
        .or_else(|| {
            std::str::from_utf8(time)
                .ok()
                .and_then(|s| s.trim().parse::<f64>().ok())
        })
        .filter(|t| (0.0..MAX_TIME).contains(t))
        .ok_or_else(|| {
            format!(
                "'{}' is not a timestamp (seconds, not negative, below 2^53)",
                text(time)
            )
        })?;
    if key.is_empty() {
        return Err("the key is empty".into());
    }
    let command = Command::from_name(op.trim_ascii())
        .or_else(|| {
            let op = std::str::from_utf8(op).ok()?;
            Command::from_name(op.trim().as_bytes())
        })
        .ok_or_else(|| {
            let names: Vec<&str> = Command::ALL.iter().map(|c| c.name()).collect();
            format!(
                "'{}' is not an operation; accepted: {}",
                text(op).trim(),
                names.join(" ")
            )
        })?;
    let small = |n: u64, what: &str| {
        u32::try_from(n).map_err(|_| format!("{what} {n} is larger than {}", u32::MAX))
    };
    Ok(Record {
        time,
        object: key_hash(key),
        key_size: small(number(key_size, "key size")?, "key size")?,
        value_size: small(number(value, "value size")?, "value size")?,
        client: number(client, "client id")?,
        command,
        ttl: small(number(ttl, "TTL")?, "TTL")?,
    })
}

/// The seven fields of a line: the five after the key found from the
/// right, the timestamp from the left, the key (commas and all) between.
/// On a line with fewer than seven, the number of fields it has.
fn split_csv(line: &[u8]) -> Result<[&[u8]; 7], usize> {
    let commas = Commas::of(line);
    if commas.count < 6 {
        return Err(commas.count + 1);
    }
    let field = |from: usize, to: usize| line.get(from + 1..to).unwrap_or_default();
    let [c1, c2, c3, c4, c5] = commas.last();
    Ok([
        line.get(..commas.first).unwrap_or_default(),
        field(commas.first, c1),
        field(c1, c2),
        field(c2, c3),
        field(c3, c4),
        field(c4, c5),
        line.get(c5 + 1..).unwrap_or_default(),
    ])
}

/// Where a line's commas are: the first, and the last few.
struct Commas {
    count: usize,
    first: usize,
    /// Comma `i` at `ring[i % 8]`: the last eight.
    ring: [usize; 8],
}

impl Commas {
    /// Finds them eight bytes at a time.
    fn of(line: &[u8]) -> Commas {
        let mut commas = Commas {
            count: 0,
            first: 0,
            ring: [0; 8],
        };
        let mut words = line.chunks_exact(8);
        let mut base = 0;
        for word in words.by_ref() {
            let mut bits =
                <[u8; 8]>::try_from(word).map_or(0, |w| comma_bits(u64::from_le_bytes(w)));
            while bits != 0 {
                commas.push(base + bits.trailing_zeros() as usize / 8);
                bits &= bits - 1;
            }
            base += 8;
        }
        for (i, &b) in words.remainder().iter().enumerate() {
            if b == b',' {
                commas.push(base + i);
            }
        }
        commas
    }

    fn push(&mut self, at: usize) {
        if self.count == 0 {
            self.first = at;
        }
        if let Some(slot) = self.ring.get_mut(self.count % 8) {
            *slot = at;
        }
        self.count += 1;
    }

    /// The last five, in order (with at least five found).
    fn last(&self) -> [usize; 5] {
        let from = self.count.wrapping_sub(5);
        std::array::from_fn(|i| {
            self.ring
                .get(from.wrapping_add(i) % 8)
                .copied()
                .unwrap_or_default()
        })
    }
}

/// The high bit of each byte of `word` (little-endian) that is a comma.
fn comma_bits(word: u64) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let x = word ^ 0x2c2c_2c2c_2c2c_2c2c;
    // A byte's high bit ends up set exactly when the byte of x is zero; no
    // carry crosses bytes, as (b & 0x7f) + 0x7f < 0x100.
    !(((x & LOW7).wrapping_add(LOW7)) | x | LOW7)
}

/// The value of a field of ASCII digits, with ASCII spaces around it
/// allowed: the common case, read without UTF-8 checks. `None` for
/// anything else (a sign, other whitespace, an overflow), which the caller
/// reads the general way.
fn digits(field: &[u8]) -> Option<u64> {
    parse_decimal(field.trim_ascii())
}

/// A 64-bit hash of an anonymized key (FNV-1a, then mixed).
fn key_hash(key: &[u8]) -> u64 {
    let fnv = key.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    mix64(fnv)
}

/// One `oracleGeneral` record as stored: 24 bytes, little-endian, packed.
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
#[repr(C, packed)]
pub(crate) struct OracleRecord {
    /// Time in seconds.
    time: u32,
    /// The object's id.
    id: u64,
    /// The object's size in bytes (0: skip the record).
    size: u32,
    /// The virtual time of the object's next access (unused here).
    next: i64,
}

/// Bytes of one `oracleGeneral` record.
pub(crate) const ORACLE_LEN: usize = size_of::<OracleRecord>();

impl OracleRecord {
    /// The request the record stands for: a get of its object, `None` for
    /// a record of size 0 (skipped).
    pub(crate) fn record(&self) -> Option<Record> {
        let (time, id, size) = (self.time, self.id, self.size);
        let (time, id, size) = (u32::from_le(time), u64::from_le(id), u32::from_le(size));
        (size > 0).then_some(Record {
            time: f64::from(time),
            object: id,
            key_size: 0,
            value_size: size,
            client: id,
            command: Command::Get,
            ttl: 0,
        })
    }

    /// A record of these fields, as a test writes one.
    #[cfg(test)]
    pub(crate) fn new(time: u32, id: u64, size: u32) -> OracleRecord {
        OracleRecord {
            time: time.to_le(),
            id: id.to_le(),
            size: size.to_le(),
            next: (-1i64).to_le(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The fast path reads a number exactly when the general way does,
        /// and the same number; where it declines, the general way decides.
        #[test]
        fn digits_agree_with_str_parsing(field in "[ 0-9+\\-x\u{a0}\t]{0,24}") {
            let general = field.trim().parse::<u64>().ok();
            if let Some(n) = digits(field.as_bytes()) {
                proptest::prop_assert_eq!(Some(n), general);
            }
        }
    }

    proptest::proptest! {
        /// The fields found eight bytes at a time are those a plain split
        /// finds: five from the right, the timestamp from the left.
        #[test]
        fn fields_agree_with_a_plain_split(line in "[a,1\r]{0,40}") {
            let line = line.as_bytes();
            let mut right: Vec<&[u8]> = line.rsplitn(6, |&b| b == b',').collect();
            let found = split_csv(line);
            if right.len() < 6 || !right[5].contains(&b',') {
                let count = line.iter().filter(|&&b| b == b',').count() + 1;
                proptest::prop_assert_eq!(found, Err(count));
            } else {
                let rest = right.pop().unwrap();
                let (time, key) = rest.split_at(rest.iter().position(|&b| b == b',').unwrap());
                right.reverse();
                let mut expected = vec![time, &key[1..]];
                expected.extend(right);
                proptest::prop_assert_eq!(found.unwrap().to_vec(), expected);
            }
        }
    }

    #[test]
    fn comma_bits_mark_commas_only() {
        for byte in 0..=255u8 {
            let word = u64::from_le_bytes([b'a', byte, b',', 0, 0xac, 0x2d, 0x2b, byte]);
            let expected = (1u64 << 23)
                | if byte == b',' {
                    (1 << 15) | (1 << 63)
                } else {
                    0
                };
            assert_eq!(comma_bits(word), expected, "{byte:#x}");
        }
    }

    #[test]
    fn csv_lines_parse() {
        let r = parse_csv(b"12.5,q:abc,20,300,7,set,3600").unwrap();
        assert_eq!(r.time, 12.5);
        assert_eq!((r.key_size, r.value_size, r.client), (20, 300, 7));
        assert_eq!((r.command, r.ttl), (Command::Set, 3600));
        // A key with commas; a line with CR LF.
        let c = parse_csv(b"0,a,b,c,3,0,1,get,0\r").unwrap();
        assert_eq!(c.command, Command::Get);
        assert_eq!(c.object, key_hash(b"a,b,c"));
        assert_ne!(
            parse_csv(b"0,k1,3,0,1,get,0").unwrap().object,
            parse_csv(b"0,k2,3,0,1,get,0").unwrap().object
        );
    }

    #[test]
    fn timestamps_are_read_up_to_2_to_the_53() {
        let last = parse_csv(b"9007199254740991,k,3,0,1,get,0").unwrap();
        assert_eq!(last.time, 9_007_199_254_740_991.0);
        let fraction = parse_csv(b"9007199254740990.5,k,3,0,1,get,0").unwrap();
        assert!(fraction.time < MAX_TIME);
    }

    #[test]
    fn bad_csv_lines_say_what_is_wrong() {
        for (line, needle) in [
            (&b"0,k,3,0,1,get"[..], "found 6"),
            (b"", "found 1"),
            (b"x,k,3,0,1,get,0", "timestamp"),
            (b"-1,k,3,0,1,get,0", "timestamp"),
            (b"1e300,k,3,0,1,get,0", "below 2^53"),
            (b"9007199254740992,k,3,0,1,get,0", "below 2^53"),
            (b"inf,k,3,0,1,get,0", "timestamp"),
            (b"0,,3,0,1,get,0", "key is empty"),
            (b"0,k,big,0,1,get,0", "key size"),
            (b"0,k,3,-2,1,get,0", "value size"),
            (b"0,k,3,0,x,get,0", "client id"),
            (b"0,k,3,0,1,fetch,0", "accepted: get gets"),
            (b"0,k,3,0,1,get,9999999999", "TTL"),
        ] {
            let e = parse_csv(line).unwrap_err();
            assert!(
                e.contains(needle),
                "{:?}: {e}",
                line.escape_ascii().to_string()
            );
        }
    }

    #[test]
    fn oracle_records_are_24_little_endian_bytes() {
        assert_eq!(ORACLE_LEN, 24);
        let r = OracleRecord::new(5, 0x0102_0304_0506_0708, 1000);
        let bytes = bytemuck::bytes_of(&r);
        assert_eq!(bytes[..4], 5u32.to_le_bytes());
        assert_eq!(bytes[4..12], 0x0102_0304_0506_0708u64.to_le_bytes());
        assert_eq!(bytes[12..16], 1000u32.to_le_bytes());
        let record = r.record().unwrap();
        assert_eq!((record.time, record.value_size), (5.0, 1000));
        assert_eq!(record.object, 0x0102_0304_0506_0708);
        assert!(OracleRecord::new(5, 1, 0).record().is_none());
    }
}
