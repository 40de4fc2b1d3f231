//! The 8-byte frame header that starts every memcached UDP datagram.

use core::fmt;

use zerocopy::byteorder::network_endian::U16;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

/// Length of the frame header in bytes.
pub const FRAME_HEADER_LEN: usize = 8;

/// The most payload bytes memcached puts in one response datagram
/// (`UDP_MAX_PAYLOAD_SIZE`); every datagram of a response but the last
/// carries exactly this many.
pub const MAX_PAYLOAD: usize = 1400;

/// The frame header, every field a big-endian `u16`.
///
/// Read it from a datagram with [`split_datagram`], which also checks it;
/// write a request's header with [`encode_request_header`].
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned,
)]
#[repr(C)]
pub struct FrameHeader {
    /// Chosen by the client per request and echoed in every datagram of the
    /// response.
    pub request_id: U16,
    /// Position of this datagram in its message, from 0.
    pub sequence: U16,
    /// Number of datagrams in the message; at least 1.
    pub total: U16,
    /// Reserved; sent as 0, not checked on receipt.
    pub reserved: U16,
}

const _: () = assert!(size_of::<FrameHeader>() == FRAME_HEADER_LEN);

impl FrameHeader {
    /// A header with the given fields and `reserved` set to 0.
    pub fn new(request_id: u16, sequence: u16, total: u16) -> FrameHeader {
        FrameHeader {
            request_id: U16::new(request_id),
            sequence: U16::new(sequence),
            total: U16::new(total),
            reserved: U16::new(0),
        }
    }
}

/// Appends the header of a request datagram: `request_id`, sequence 0,
/// total 1, reserved 0. A request must fit in that one datagram.
///
/// ```
/// let mut out = Vec::new();
/// memaslap_proto::udp::encode_request_header(&mut out, 0x1234);
/// assert_eq!(out, [0x12, 0x34, 0, 0, 0, 1, 0, 0]);
/// ```
pub fn encode_request_header(out: &mut Vec<u8>, request_id: u16) {
    out.extend_from_slice(FrameHeader::new(request_id, 0, 1).as_bytes());
}

/// Why a datagram's frame header was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameError {
    /// The datagram is shorter than [`FRAME_HEADER_LEN`].
    TooShort {
        /// The datagram's length in bytes.
        len: usize,
    },
    /// The header says the message has no datagrams.
    ZeroTotal,
    /// The sequence number is not below the number of datagrams.
    SequenceOutOfRange {
        /// The datagram's sequence number.
        sequence: u16,
        /// The number of datagrams the header declares.
        total: u16,
    },
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::TooShort { len } => write!(
                f,
                "datagram of {len} bytes is shorter than the {FRAME_HEADER_LEN}-byte frame header"
            ),
            FrameError::ZeroTotal => f.write_str("frame header declares 0 datagrams"),
            FrameError::SequenceOutOfRange { sequence, total } => write!(
                f,
                "frame sequence number {sequence} is not below the datagram count {total}"
            ),
        }
    }
}

impl core::error::Error for FrameError {}

/// Splits a datagram into its checked frame header and its payload, without
/// copying.
///
/// ```
/// use memaslap_proto::udp::{split_datagram, FrameError};
/// let (header, payload) = split_datagram(b"\x00\x07\x00\x01\x00\x02\x00\x00END\r\n")?;
/// assert_eq!((header.request_id.get(), header.sequence.get(), header.total.get()), (7, 1, 2));
/// assert_eq!(payload, b"END\r\n");
/// assert_eq!(split_datagram(b"\x00\x07").unwrap_err(), FrameError::TooShort { len: 2 });
/// # Ok::<(), FrameError>(())
/// ```
pub fn split_datagram(datagram: &[u8]) -> Result<(&FrameHeader, &[u8]), FrameError> {
    let (header, payload) =
        FrameHeader::ref_from_prefix(datagram).map_err(|_| FrameError::TooShort {
            len: datagram.len(),
        })?;
    let sequence = header.sequence.get();
    let total = header.total.get();
    if total == 0 {
        return Err(FrameError::ZeroTotal);
    }
    if sequence >= total {
        return Err(FrameError::SequenceOutOfRange { sequence, total });
    }
    Ok((header, payload))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_bytes_are_big_endian_in_field_order() {
        let header = FrameHeader::new(0x0102, 0x0304, 0x0506);
        assert_eq!(header.as_bytes(), [1, 2, 3, 4, 5, 6, 0, 0]);
    }

    #[test]
    fn request_header_appends_sequence_0_of_1() {
        let mut out = b"prefix".to_vec();
        encode_request_header(&mut out, 0xfffe);
        assert_eq!(out, b"prefix\xff\xfe\x00\x00\x00\x01\x00\x00");
    }

    #[test]
    fn split_reads_header_and_borrows_payload() {
        let datagram = b"\xab\xcd\x00\x02\x00\x03\x00\x00VALUE";
        let (header, payload) = split_datagram(datagram).unwrap();
        assert_eq!(header.request_id.get(), 0xabcd);
        assert_eq!(header.sequence.get(), 2);
        assert_eq!(header.total.get(), 3);
        assert_eq!(header.reserved.get(), 0);
        assert_eq!(payload, b"VALUE");
        assert!(core::ptr::eq(payload.as_ptr(), datagram[8..].as_ptr()));
    }

    #[test]
    fn split_accepts_an_empty_payload_and_ignores_reserved() {
        let (header, payload) = split_datagram(b"\x00\x01\x00\x00\x00\x01\x01\x00").unwrap();
        assert_eq!(header.reserved.get(), 0x0100);
        assert!(payload.is_empty());
    }

    #[test]
    fn split_refuses_short_datagrams() {
        for len in 0..FRAME_HEADER_LEN {
            let datagram = [0u8, 1, 0, 0, 0, 1, 0, 0];
            assert_eq!(
                split_datagram(&datagram[..len]),
                Err(FrameError::TooShort { len })
            );
        }
    }

    #[test]
    fn split_refuses_zero_total() {
        assert_eq!(
            split_datagram(b"\x00\x01\x00\x00\x00\x00\x00\x00x"),
            Err(FrameError::ZeroTotal)
        );
    }

    #[test]
    fn split_refuses_sequence_at_or_above_total() {
        assert_eq!(
            split_datagram(b"\x00\x01\x00\x02\x00\x02\x00\x00x"),
            Err(FrameError::SequenceOutOfRange {
                sequence: 2,
                total: 2
            })
        );
        assert_eq!(
            split_datagram(b"\x00\x01\xff\xff\x00\x01\x00\x00"),
            Err(FrameError::SequenceOutOfRange {
                sequence: 0xffff,
                total: 1
            })
        );
    }

    #[test]
    fn errors_display_their_numbers() {
        let text = FrameError::SequenceOutOfRange {
            sequence: 5,
            total: 3,
        }
        .to_string();
        assert!(text.contains('5') && text.contains('3'), "{text}");
    }
}
