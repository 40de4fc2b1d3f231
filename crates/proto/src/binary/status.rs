//! Response status codes.

use core::fmt;

macro_rules! statuses {
    ($($(#[$doc:meta])* $name:ident = $code:literal,)*) => {
        /// The outcome of a request, in every response header.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(u16)]
        pub enum Status {
            $($(#[$doc])* $name = $code,)*
        }

        impl Status {
            /// Every status, in code order.
            pub const ALL: &'static [Status] = &[$(Status::$name,)*];
        }

        impl TryFrom<u16> for Status {
            type Error = UnknownStatus;

            fn try_from(code: u16) -> Result<Self, UnknownStatus> {
                match code {
                    $($code => Ok(Status::$name),)*
                    other => Err(UnknownStatus(other)),
                }
            }
        }
    };
}

statuses! {
    /// The request succeeded.
    NoError = 0x0000,
    /// The key is not there: a miss.
    KeyNotFound = 0x0001,
    /// The key is there already (ADD), or its CAS token differs.
    KeyExists = 0x0002,
    /// The value is larger than the server accepts.
    ValueTooLarge = 0x0003,
    /// The request's lengths or extras are malformed.
    InvalidArguments = 0x0004,
    /// The item was not stored (APPEND/PREPEND to an absent key).
    ItemNotStored = 0x0005,
    /// INCR/DECR on a value that is not a decimal number.
    NonNumericValue = 0x0006,
    /// The virtual bucket belongs to another server.
    VbucketNotHere = 0x0007,
    /// Authentication failed.
    AuthError = 0x0020,
    /// Authentication needs another step.
    AuthContinue = 0x0021,
    /// The server does not know the opcode.
    UnknownCommand = 0x0081,
    /// The server is out of memory.
    OutOfMemory = 0x0082,
    /// The server knows the command but does not support it.
    NotSupported = 0x0083,
    /// The server failed internally.
    InternalError = 0x0084,
    /// The server is too busy to answer.
    Busy = 0x0085,
    /// A temporary failure; the request may be retried.
    TemporaryFailure = 0x0086,
}

impl Status {
    /// The status's code.
    pub const fn to_u16(self) -> u16 {
        self as u16
    }
}

impl From<Status> for u16 {
    fn from(status: Status) -> u16 {
        status.to_u16()
    }
}

/// A code that names no known status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownStatus(pub u16);

impl fmt::Display for UnknownStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown binary-protocol status 0x{:04x}", self.0)
    }
}

impl core::error::Error for UnknownStatus {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for &status in Status::ALL {
            assert_eq!(Status::try_from(status.to_u16()), Ok(status));
        }
        let known = (0..=u16::MAX)
            .filter(|&c| Status::try_from(c).is_ok())
            .count();
        assert_eq!(known, Status::ALL.len());
        assert_eq!(known, 16);
    }

    #[test]
    fn spec_codes() {
        assert_eq!(Status::KeyNotFound as u16, 1);
        assert_eq!(Status::VbucketNotHere as u16, 7);
        assert_eq!(Status::AuthContinue as u16, 0x21);
        assert_eq!(Status::UnknownCommand as u16, 0x81);
        assert_eq!(Status::TemporaryFailure as u16, 0x86);
        assert_eq!(Status::try_from(0x0008), Err(UnknownStatus(8)));
        assert_eq!(
            UnknownStatus(0x100).to_string(),
            "unknown binary-protocol status 0x0100"
        );
    }
}
