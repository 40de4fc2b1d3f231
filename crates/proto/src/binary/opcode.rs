//! Command opcodes.

use core::fmt;

macro_rules! opcodes {
    ($($(#[$doc:meta])* $name:ident = $byte:literal,)*) => {
        /// A binary-protocol command, the second byte of every header.
        ///
        /// A quiet variant (`…Q`) answers only when it fails, or — for the
        /// GET family — only on a hit; a `…K` variant returns the key with the
        /// value.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(u8)]
        pub enum Opcode {
            $($(#[$doc])* $name = $byte,)*
        }

        impl Opcode {
            /// Every opcode, in byte order.
            pub const ALL: &'static [Opcode] = &[$(Opcode::$name,)*];
        }

        impl TryFrom<u8> for Opcode {
            type Error = UnknownOpcode;

            fn try_from(byte: u8) -> Result<Self, UnknownOpcode> {
                match byte {
                    $($byte => Ok(Opcode::$name),)*
                    other => Err(UnknownOpcode(other)),
                }
            }
        }
    };
}

opcodes! {
    /// Fetch a value.
    Get = 0x00,
    /// Store a value unconditionally.
    Set = 0x01,
    /// Store a value only if the key is absent.
    Add = 0x02,
    /// Store a value only if the key is present.
    Replace = 0x03,
    /// Remove an item.
    Delete = 0x04,
    /// Add to a counter.
    Increment = 0x05,
    /// Subtract from a counter.
    Decrement = 0x06,
    /// Close the connection after answering.
    Quit = 0x07,
    /// Invalidate every item, now or after a delay.
    Flush = 0x08,
    /// [`Opcode::Get`], answering only on a hit.
    GetQ = 0x09,
    /// Do nothing but answer; ends a pipeline of quiet commands.
    Noop = 0x0a,
    /// Ask for the server's version string.
    Version = 0x0b,
    /// [`Opcode::Get`], returning the key too.
    GetK = 0x0c,
    /// [`Opcode::GetK`], answering only on a hit.
    GetKQ = 0x0d,
    /// Add bytes after an item's value.
    Append = 0x0e,
    /// Add bytes before an item's value.
    Prepend = 0x0f,
    /// Ask for statistics, answered by a series ending with an empty key.
    Stat = 0x10,
    /// Quiet [`Opcode::Set`].
    SetQ = 0x11,
    /// Quiet [`Opcode::Add`].
    AddQ = 0x12,
    /// Quiet [`Opcode::Replace`].
    ReplaceQ = 0x13,
    /// Quiet [`Opcode::Delete`].
    DeleteQ = 0x14,
    /// Quiet [`Opcode::Increment`].
    IncrementQ = 0x15,
    /// Quiet [`Opcode::Decrement`].
    DecrementQ = 0x16,
    /// Quiet [`Opcode::Quit`]: close without answering.
    QuitQ = 0x17,
    /// Quiet [`Opcode::Flush`].
    FlushQ = 0x18,
    /// Quiet [`Opcode::Append`].
    AppendQ = 0x19,
    /// Quiet [`Opcode::Prepend`].
    PrependQ = 0x1a,
    /// Set the server's logging verbosity.
    Verbosity = 0x1b,
    /// Set an item's expiration time.
    Touch = 0x1c,
    /// Get and touch: fetch a value and set its expiration time.
    Gat = 0x1d,
    /// Quiet [`Opcode::Gat`].
    GatQ = 0x1e,
    /// List the SASL mechanisms the server offers.
    SaslListMechs = 0x20,
    /// Start SASL authentication.
    SaslAuth = 0x21,
    /// Continue SASL authentication.
    SaslStep = 0x22,
    /// [`Opcode::Gat`], returning the key too.
    GatK = 0x23,
    /// Quiet [`Opcode::GatK`].
    GatKQ = 0x24,
}

impl Opcode {
    /// Whether the server stays silent on success (or, for the GET family,
    /// on a miss).
    pub const fn is_quiet(self) -> bool {
        matches!(
            self,
            Opcode::GetQ
                | Opcode::GetKQ
                | Opcode::SetQ
                | Opcode::AddQ
                | Opcode::ReplaceQ
                | Opcode::DeleteQ
                | Opcode::IncrementQ
                | Opcode::DecrementQ
                | Opcode::QuitQ
                | Opcode::FlushQ
                | Opcode::AppendQ
                | Opcode::PrependQ
                | Opcode::GatQ
                | Opcode::GatKQ
        )
    }

    /// Whether a hit returns the item's value: the GET and GAT families.
    pub const fn is_retrieval(self) -> bool {
        matches!(
            self,
            Opcode::Get
                | Opcode::GetQ
                | Opcode::GetK
                | Opcode::GetKQ
                | Opcode::Gat
                | Opcode::GatQ
                | Opcode::GatK
                | Opcode::GatKQ
        )
    }

    /// Whether a hit returns the key alongside the value.
    pub const fn returns_key(self) -> bool {
        matches!(
            self,
            Opcode::GetK | Opcode::GetKQ | Opcode::GatK | Opcode::GatKQ
        )
    }

    /// Whether the command is an increment or decrement, answered with the
    /// counter's new value.
    pub const fn is_counter(self) -> bool {
        matches!(
            self,
            Opcode::Increment | Opcode::Decrement | Opcode::IncrementQ | Opcode::DecrementQ
        )
    }

    /// The opcode's byte.
    pub const fn to_u8(self) -> u8 {
        self as u8
    }
}

impl From<Opcode> for u8 {
    fn from(opcode: Opcode) -> u8 {
        opcode.to_u8()
    }
}

/// A byte that names no known opcode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownOpcode(pub u8);

impl fmt::Display for UnknownOpcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown binary-protocol opcode 0x{:02x}", self.0)
    }
}

impl core::error::Error for UnknownOpcode {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_round_trip() {
        for &opcode in Opcode::ALL {
            assert_eq!(Opcode::try_from(opcode.to_u8()), Ok(opcode));
        }
        let known = (0..=u8::MAX)
            .filter(|&b| Opcode::try_from(b).is_ok())
            .count();
        assert_eq!(known, Opcode::ALL.len());
        assert_eq!(known, 0x25 - 1, "every byte up to 0x24 except 0x1f");
        assert_eq!(Opcode::try_from(0x1f), Err(UnknownOpcode(0x1f)));
        assert_eq!(Opcode::try_from(0xff), Err(UnknownOpcode(0xff)));
    }

    #[test]
    fn spec_bytes() {
        assert_eq!(Opcode::Get as u8, 0x00);
        assert_eq!(Opcode::Noop as u8, 0x0a);
        assert_eq!(Opcode::Stat as u8, 0x10);
        assert_eq!(Opcode::Verbosity as u8, 0x1b);
        assert_eq!(Opcode::GatQ as u8, 0x1e);
        assert_eq!(Opcode::SaslListMechs as u8, 0x20);
        assert_eq!(Opcode::GatKQ as u8, 0x24);
    }

    #[test]
    fn quiet_variants() {
        let quiet: Vec<Opcode> = Opcode::ALL
            .iter()
            .copied()
            .filter(|o| o.is_quiet())
            .collect();
        assert_eq!(quiet.len(), 14);
        assert!(!Opcode::Get.is_quiet());
        assert!(Opcode::GetKQ.is_quiet() && Opcode::GetKQ.returns_key());
        assert!(Opcode::GatQ.is_retrieval() && !Opcode::Touch.is_retrieval());
        assert!(Opcode::DecrementQ.is_counter() && !Opcode::Delete.is_counter());
        assert_eq!(
            UnknownOpcode(0x1f).to_string(),
            "unknown binary-protocol opcode 0x1f"
        );
    }
}
