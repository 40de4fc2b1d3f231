//! The flags a server returns in a meta reply: a letter, then an optional
//! token, separated by single spaces.

use crate::parse_decimal;

/// One returned flag, typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReturnFlag<'a> {
    /// `b`: the returned key (`k`) is base64-encoded.
    Base64,
    /// `c<cas>`: the item's compare-and-swap token.
    Cas(u64),
    /// `f<flags>`: the item's client flags.
    ClientFlags(u32),
    /// `h0`/`h1`: whether the item was hit before.
    Hit(bool),
    /// `k<key>`: the key.
    Key(&'a [u8]),
    /// `l<seconds>`: time since the item was last accessed.
    LastAccess(u64),
    /// `O<opaque>`: the opaque token, copied from the request.
    Opaque(&'a [u8]),
    /// `s<size>`: the item's size.
    Size(u64),
    /// `t<seconds>`: remaining TTL, `None` for unlimited (`t-1`).
    Ttl(Option<u64>),
    /// `W`: this client won the right to recache the item.
    Won,
    /// `X`: the item is stale.
    Stale,
    /// `Z`: a winning flag was already sent for this item.
    AlreadyWon,
    /// Any other letter and its token, as sent.
    Other(u8, &'a [u8]),
}

impl<'a> ReturnFlag<'a> {
    /// The flag a token (`c42`, `W`, `kfoo`) is, or `None` when it is not a
    /// flag: empty, not starting with a letter, or a known flag whose value
    /// is not what it must be.
    pub fn parse(token: &'a [u8]) -> Option<ReturnFlag<'a>> {
        let (&letter, value) = token.split_first()?;
        if !letter.is_ascii_alphabetic() {
            return None;
        }
        let number = || parse_decimal(value);
        Some(match letter {
            b'b' if value.is_empty() => ReturnFlag::Base64,
            b'c' => ReturnFlag::Cas(number()?),
            b'f' => ReturnFlag::ClientFlags(u32::try_from(number()?).ok()?),
            b'h' => match value {
                b"0" => ReturnFlag::Hit(false),
                b"1" => ReturnFlag::Hit(true),
                _ => return None,
            },
            b'k' if !value.is_empty() => ReturnFlag::Key(value),
            b'l' => ReturnFlag::LastAccess(number()?),
            b'O' => ReturnFlag::Opaque(value),
            b's' => ReturnFlag::Size(number()?),
            b't' if value == b"-1" => ReturnFlag::Ttl(None),
            b't' => ReturnFlag::Ttl(Some(number()?)),
            b'W' if value.is_empty() => ReturnFlag::Won,
            b'X' if value.is_empty() => ReturnFlag::Stale,
            b'Z' if value.is_empty() => ReturnFlag::AlreadyWon,
            b'b' | b'k' | b'W' | b'X' | b'Z' => return None,
            _ => ReturnFlag::Other(letter, value),
        })
    }
}

/// The flags of a reply, as sent (space-separated tokens), every one
/// checked to be a [`ReturnFlag`] when the reply was parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Flags<'a> {
    raw: &'a [u8],
}

impl<'a> Flags<'a> {
    /// The flags in `raw`, or `None` when a token is not a flag (or two
    /// spaces leave an empty one).
    pub fn new(raw: &'a [u8]) -> Option<Flags<'a>> {
        if !raw.is_empty() && !tokens(raw).all(|t| ReturnFlag::parse(t).is_some()) {
            return None;
        }
        Some(Flags { raw })
    }

    /// Flags whose tokens the caller has checked as [`Flags::new`] does.
    pub(super) fn checked(raw: &'a [u8]) -> Flags<'a> {
        Flags { raw }
    }

    /// The tokens as sent.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.raw
    }

    /// Whether no flag was returned.
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// The flags, typed, in order.
    pub fn iter(&self) -> impl Iterator<Item = ReturnFlag<'a>> + 'a {
        tokens(self.raw)
            .filter(|t| !t.is_empty())
            .filter_map(ReturnFlag::parse)
    }

    /// The tokens of the first flags of each of `letters` (`None` for a
    /// letter not returned), found in one walk over the flags rather than
    /// one walk per [`Flags::token`].
    ///
    /// ```
    /// use memaslap_proto::meta::Flags;
    /// let flags = Flags::new(b"kfoo O12 c99").unwrap();
    /// let [opaque, key, ttl] = flags.tokens_of([b'O', b'k', b't']);
    /// assert_eq!((opaque, key, ttl), (Some(&b"12"[..]), Some(&b"foo"[..]), None));
    /// ```
    pub fn tokens_of<const N: usize>(&self, letters: [u8; N]) -> [Option<&'a [u8]>; N] {
        let mut found = [None; N];
        for token in tokens(self.raw) {
            let Some((letter, value)) = token.split_first() else {
                continue;
            };
            for (slot, wanted) in found.iter_mut().zip(letters) {
                if slot.is_none() && *letter == wanted {
                    *slot = Some(value);
                }
            }
        }
        found
    }

    /// The token of the first flag `letter`, if returned.
    ///
    /// ```
    /// use memaslap_proto::meta::Flags;
    /// let flags = Flags::new(b"kfoo O12").unwrap();
    /// assert_eq!(flags.token(b'O'), Some(&b"12"[..]));
    /// assert_eq!(flags.token(b'c'), None);
    /// ```
    pub fn token(&self, letter: u8) -> Option<&'a [u8]> {
        tokens(self.raw).find_map(|t| {
            t.split_first()
                .filter(|(l, _)| **l == letter)
                .map(|(_, v)| v)
        })
    }
}

/// The space-separated tokens of `raw`, exactly as `raw.split(|&b| b ==
/// b' ')` gives them (an empty one between two spaces and at either end),
/// each space found sixteen bytes a step: a returned key (`k`) is long,
/// the other tokens short.
fn tokens(raw: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = Some(raw);
    std::iter::from_fn(move || {
        let r = rest?;
        match crate::scan::find_byte(r, b' ') {
            Some(at) => {
                rest = r.get(at + 1..);
                r.get(..at)
            }
            None => {
                rest = None;
                Some(r)
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn tokens_are_those_split_gives(raw in "[ ab]{0,40}") {
            let raw = raw.as_bytes();
            let split: Vec<&[u8]> = raw.split(|&b| b == b' ').collect();
            proptest::prop_assert_eq!(tokens(raw).collect::<Vec<_>>(), split);
        }

        /// The first token starting with the letter, as a plain split
        /// finds it.
        #[test]
        fn token_is_the_first_with_its_letter(raw in "[ abk]{0,40}", letter in "[abk]") {
            let (raw, letter) = (raw.as_bytes(), letter.as_bytes()[0]);
            let split = raw
                .split(|&b| b == b' ')
                .find_map(|t| t.split_first().filter(|(l, _)| **l == letter).map(|(_, v)| v));
            proptest::prop_assert_eq!(Flags { raw }.token(letter), split);
        }

        /// Each of the tokens found in one walk is the one `token` finds.
        #[test]
        fn tokens_of_are_each_letters_token(raw in "[ abkO1]{0,40}", letters in "[abkO]{3}") {
            let (flags, l) = (Flags { raw: raw.as_bytes() }, letters.as_bytes());
            let letters = [l[0], l[1], l[2]];
            let want = letters.map(|letter| flags.token(letter));
            proptest::prop_assert_eq!(flags.tokens_of(letters), want);
        }
    }
}
