//! Feeds arbitrary bytes to the login reply checks (SASL and the text
//! auth file scheme). Nothing may panic; an accepted login consumes at
//! least one byte and no more than it was given, and the same bytes cut
//! before that are never accepted.
#![no_main]

use libfuzzer_sys::fuzz_target;
use memaslap_proto::auth::{LoginReply, check_sasl, check_text};

fuzz_target!(|data: &[u8]| {
    for check in [check_sasl, check_text] {
        if let LoginReply::Accepted { consumed } = check(data) {
            assert!(consumed > 0 && consumed <= data.len());
            let cut = &data[..consumed - 1];
            assert!(!matches!(check(cut), LoginReply::Accepted { .. }));
        }
    }
});
