//! The 24-byte header that starts every binary-protocol packet.
//!
//! Both headers are plain views over network-order bytes: every multi-byte
//! field is big-endian, there is no padding and no alignment requirement, so
//! a header is read in place from a receive buffer and written with
//! [`IntoBytes::as_bytes`].

use zerocopy::byteorder::network_endian::{U16, U32, U64};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

/// The length of a request or response header in bytes.
pub const HEADER_LEN: usize = 24;

/// The magic byte that opens every request.
pub const REQUEST_MAGIC: u8 = 0x80;

/// The magic byte that opens every response.
pub const RESPONSE_MAGIC: u8 = 0x81;

/// The only data type memcached defines: raw bytes.
pub const DATA_TYPE_RAW: u8 = 0x00;

/// The header of a request, as it stands on the wire.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned,
)]
#[repr(C)]
pub struct RequestHeader {
    /// Always [`REQUEST_MAGIC`].
    pub magic: u8,
    /// The command, an [`Opcode`](super::Opcode) byte.
    pub opcode: u8,
    /// The length of the key in bytes.
    pub key_len: U16,
    /// The length of the extras in bytes.
    pub extras_len: u8,
    /// The body's data type; always [`DATA_TYPE_RAW`].
    pub data_type: u8,
    /// The virtual bucket the key belongs to; 0 for plain memcached.
    pub vbucket: U16,
    /// The length of extras, key and value together.
    pub body_len: U32,
    /// An opaque value the server copies into the response.
    pub opaque: U32,
    /// The compare-and-swap token to check, or 0 for none.
    pub cas: U64,
}

/// The header of a response, as it stands on the wire.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned,
)]
#[repr(C)]
pub struct ResponseHeader {
    /// Always [`RESPONSE_MAGIC`].
    pub magic: u8,
    /// The opcode of the request this answers.
    pub opcode: u8,
    /// The length of the key in bytes.
    pub key_len: U16,
    /// The length of the extras in bytes.
    pub extras_len: u8,
    /// The body's data type; always [`DATA_TYPE_RAW`].
    pub data_type: u8,
    /// The outcome, a [`Status`](super::Status) code.
    pub status: U16,
    /// The length of extras, key and value together.
    pub body_len: U32,
    /// The opaque value of the request this answers.
    pub opaque: U32,
    /// The item's compare-and-swap token, or 0.
    pub cas: U64,
}

const _: () = assert!(size_of::<RequestHeader>() == HEADER_LEN);
const _: () = assert!(size_of::<ResponseHeader>() == HEADER_LEN);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_header_layout() {
        let header = RequestHeader {
            magic: REQUEST_MAGIC,
            opcode: 0x01,
            key_len: U16::new(0x0102),
            extras_len: 8,
            data_type: DATA_TYPE_RAW,
            vbucket: U16::new(0x0304),
            body_len: U32::new(0x0506_0708),
            opaque: U32::new(0x090a_0b0c),
            cas: U64::new(0x0d0e_0f10_1112_1314),
        };
        assert_eq!(
            header.as_bytes(),
            [
                0x80, 0x01, 0x01, 0x02, 0x08, 0x00, 0x03, 0x04, //
                0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, //
                0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14,
            ]
        );
    }

    #[test]
    fn response_header_reads_in_place() {
        let bytes: [u8; 26] = [
            0x81, 0x00, 0x00, 0x03, 0x04, 0x00, 0x00, 0x01, //
            0x00, 0x00, 0x00, 0x09, 0xde, 0xad, 0xbe, 0xef, //
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a, //
            0xaa, 0xbb,
        ];
        let (header, rest) = ResponseHeader::ref_from_prefix(&bytes).unwrap();
        assert_eq!(header.magic, RESPONSE_MAGIC);
        assert_eq!(header.key_len.get(), 3);
        assert_eq!(header.extras_len, 4);
        assert_eq!(header.status.get(), 1);
        assert_eq!(header.body_len.get(), 9);
        assert_eq!(header.opaque.get(), 0xdead_beef);
        assert_eq!(header.cas.get(), 42);
        assert_eq!(rest, [0xaa, 0xbb]);
        assert!(ResponseHeader::ref_from_prefix(&bytes[..23]).is_err());
    }
}
