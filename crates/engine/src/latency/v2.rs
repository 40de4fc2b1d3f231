//! A histogram in HdrHistogram's V2 format read from bytes a file holds:
//! its declared lengths and bounds checked against the bytes and against
//! the records this crate keeps before anything is allocated for them.
//! `hdrhistogram`'s own reader sizes its buffers by the lengths the bytes
//! declare (4 GiB for a length field of all ones).

use super::saved::RestoreError;
use flate2::read::ZlibDecoder;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::Deserializer;
use std::io::Read;

/// The plain V2 format's cookie, and the compressed one's.
const V2: u32 = 0x1c84_9313;
const V2_COMPRESSED: u32 = 0x1c84_9314;
/// A plain V2 header: cookie, payload length, normalizing offset,
/// significant digits, lowest, highest, integer-to-double ratio.
const HEADER: usize = 40;
/// The longest payload read: a record's counts (33 × 1024 of them, at most
/// 9 bytes each as V2 writes them) fit several times over.
const MAX_PAYLOAD: usize = 1 << 20;
/// The most significant digits and the highest value accepted: at these
/// bounds a histogram's counts take some 40 MB, and every record this
/// crate saves is well inside them.
const MAX_DIGITS: u32 = 5;
const MAX_HIGHEST: u64 = 1 << 53;

/// The histogram `bytes` hold, in the V2 format, compressed or not.
///
/// # Errors
/// [`RestoreError::Histogram`] naming what does not fit.
pub(super) fn decode(bytes: &[u8]) -> Result<Histogram<u64>, RestoreError> {
    let plain = match be32(bytes, 0) {
        Some(V2_COMPRESSED) => &inflate(bytes)?[..],
        Some(V2) => bytes,
        _ => return Err(bad("not a V2 cookie")),
    };
    check_header(plain)?;
    Deserializer::new()
        .deserialize(&mut &plain[..])
        .map_err(|e| RestoreError::Histogram(format!("{e:?}")))
}

/// The plain V2 bytes of compressed V2 `bytes`, at most a header and
/// [`MAX_PAYLOAD`].
fn inflate(bytes: &[u8]) -> Result<Vec<u8>, RestoreError> {
    let declared = be32(bytes, 4).ok_or_else(|| bad("cut short"))? as usize;
    let compressed = bytes
        .get(8..)
        .and_then(|rest| rest.get(..declared))
        .ok_or_else(|| bad("its compressed length is past its end"))?;
    let limit = HEADER + MAX_PAYLOAD;
    let mut plain = Vec::new();
    ZlibDecoder::new(compressed)
        .take(limit as u64 + 1)
        .read_to_end(&mut plain)
        .map_err(|e| bad(&format!("not zlib: {e}")))?;
    if plain.len() > limit {
        return Err(bad("it inflates past the longest record"));
    }
    Ok(plain)
}

/// Checks a plain V2 header: its payload within the bytes, its digits
/// and highest value within a record's.
fn check_header(plain: &[u8]) -> Result<(), RestoreError> {
    if be32(plain, 0) != Some(V2) || plain.len() < HEADER {
        return Err(bad("its header is cut short"));
    }
    let payload = be32(plain, 4).map_or(usize::MAX, |n| n as usize);
    if payload > plain.len() - HEADER {
        return Err(bad("its payload length is past its end"));
    }
    if be32(plain, 12).is_none_or(|d| d > MAX_DIGITS) {
        return Err(bad("more significant digits than a record has"));
    }
    if be64(plain, 24).is_none_or(|h| h > MAX_HIGHEST) {
        return Err(bad("a highest value past a record's"));
    }
    Ok(())
}

fn bad(what: &str) -> RestoreError {
    RestoreError::Histogram(what.to_owned())
}

fn be32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn be64(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(bytes.get(at..at + 8)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use hdrhistogram::serialization::{Serializer, V2DeflateSerializer, V2Serializer};

    fn record() -> Histogram<u64> {
        let mut h = Histogram::<u64>::new_with_bounds(1, 3_600_000_000_000, 3).unwrap();
        for v in [1, 500, 70_000, 3_000_000_000] {
            h.record(v).unwrap();
        }
        h
    }

    /// `h` written plain and compressed.
    fn both_forms(h: &Histogram<u64>) -> (Vec<u8>, Vec<u8>) {
        let (mut plain, mut deflated) = (Vec::new(), Vec::new());
        V2Serializer::new().serialize(h, &mut plain).unwrap();
        V2DeflateSerializer::new()
            .serialize(h, &mut deflated)
            .unwrap();
        (plain, deflated)
    }

    #[test]
    fn both_forms_read_back_the_same_histogram() {
        let h = record();
        let (plain, deflated) = both_forms(&h);
        assert_eq!(decode(&plain).unwrap(), h);
        assert_eq!(decode(&deflated).unwrap(), h);
    }

    #[test]
    fn lengths_past_the_bytes_are_refused_before_anything_is_made() {
        let (plain, deflated) = both_forms(&record());
        let mut long = plain.clone();
        long[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(decode(&long).is_err());
        let mut long = deflated.clone();
        long[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(decode(&long).is_err());
        // A compressed payload whose inner header claims 4 GiB.
        let mut inner = plain.clone();
        inner[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut z, &inner).unwrap();
        let z = z.finish().unwrap();
        let mut wrapped = V2_COMPRESSED.to_be_bytes().to_vec();
        wrapped.extend_from_slice(&(z.len() as u32).to_be_bytes());
        wrapped.extend_from_slice(&z);
        assert!(decode(&wrapped).is_err());
        assert!(decode(&plain[..20]).is_err() && decode(&[]).is_err());
    }

    #[test]
    fn bounds_past_a_records_are_refused() {
        let (plain, _) = both_forms(&record());
        let mut digits = plain.clone();
        digits[12..16].copy_from_slice(&9u32.to_be_bytes());
        assert!(decode(&digits).is_err());
        let mut highest = plain.clone();
        highest[24..32].copy_from_slice(&(i64::MAX as u64).to_be_bytes());
        assert!(decode(&highest).is_err());
    }
}
