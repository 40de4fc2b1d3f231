//! The usual reply read in one step: a hit of a one-key `get`, whole in
//! the buffer (in the text protocol `VALUE`, its data and `END`; in the
//! binary protocol the GET's reply with its value; in the meta protocol
//! `VA` with the key and the request's opaque), when the source checks no
//! answer. Whatever else comes (a miss, an error, a part
//! of a reply, another key than the one asked for) is left to the codec's
//! reader, which counts it; what this counts is what the reader counts for
//! the same bytes, to the counter.

use super::codec::AnyCodec;
use super::{Done, Exchange, Kind, Pending, Received, tag};
use crate::stats::Counters;
use memaslap_workload::{Command, GetKeys, Retrieve, Source};

impl Exchange<'_> {
    /// Reads the oldest request's reply from the start of `buf` when it
    /// is the usual one (see the module's doc); `None` leaves `buf` to the
    /// codec's reader.
    #[inline]
    pub(super) fn receive_hit<'g>(
        &mut self,
        buf: &[u8],
        generator: &mut impl Source<'g>,
        counters: &mut Counters,
    ) -> Option<Received> {
        let request = self.outstanding.front()?;
        let Pending::Get {
            keys: 1,
            blame: None,
            retrieve: Retrieve::Get,
        } = request.pending
        else {
            return None;
        };
        if self.checks || self.answered.first() != Some(&false) {
            return None;
        }
        let end = match &self.codec {
            AnyCodec::Text(text) => {
                // The key was written by the text encoder, which takes no
                // space or control byte: the reply's key field is where
                // `read_hit` looks.
                let key = generator.batch(request.id).key(0)?;
                text.read_hit(buf, key.len(), |field| key.matches(field))?
            }
            AnyCodec::Binary(binary) => binary.read_hit(buf, tag(request.id))?,
            AnyCodec::Meta(meta) => {
                let key = generator.batch(request.id).key(0)?;
                meta.read_hit(buf, tag(request.id), key.len(), |field| key.matches(field))?
            }
        };
        generator.finish_get(request.id);
        counters.cmd_get += 1;
        counters.requests_completed += 1;
        let counts = counters.command(Command::Get);
        counts.hits += 1;
        counts.keys += 1;
        counts.completed += 1;
        let done = Done {
            kind: Kind::Get,
            command: Command::Get,
            failed: false,
            started: request.started,
            intended: request.intended,
        };
        self.outstanding.pop_front();
        self.prepare_oldest();
        Some(Received {
            consumed: end,
            done: Some(done),
        })
    }
}
