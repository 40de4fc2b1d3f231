//! The reply to a datagram request, as both UDP transports receive it: its
//! datagrams reassembled, then handed out, and what an abandoned request
//! lost counted.

use memaslap_proto::udp::{Counters, Push, Reassembler};

use crate::udp::MAX_REQUEST;
use crate::{Server, TransportError};

/// The length of a request made of `bufs`, refused when it does not fit in
/// one datagram.
pub(crate) fn request_len(server: &Server, bufs: &[&[u8]]) -> Result<usize, TransportError> {
    let len: usize = bufs.iter().map(|b| b.len()).sum();
    if len > MAX_REQUEST {
        return Err(TransportError::RequestTooLarge {
            server: server.clone(),
            len,
            max: MAX_REQUEST,
        });
    }
    Ok(len)
}

/// The reply to the request in progress.
#[derive(Debug)]
pub(crate) struct Reply {
    reassembler: Reassembler,
    /// A request is waiting for this reply.
    active: bool,
    /// Bytes of the complete message already copied out.
    delivered: usize,
    /// The last message was handed out in place ([`Reply::whole`]): the
    /// reassembler already waits for the next, where a [`Reply::take`]
    /// would have had it wait once the message was read, and a request
    /// given up before that take has lost nothing.
    handed: bool,
    /// Datagrams missing from replies that were given up.
    lost: u64,
}

impl Reply {
    /// No request yet; a reply may have up to `max_datagrams` datagrams.
    pub(crate) fn new(max_datagrams: u16) -> Reply {
        Reply {
            reassembler: Reassembler::new(max_datagrams),
            active: false,
            delivered: 0,
            handed: false,
            lost: 0,
        }
    }

    /// Gives up the request in progress (counting what its reply lost)
    /// and waits for the reply to request `id`.
    pub(crate) fn start(&mut self, id: u16) {
        self.abandon();
        self.reassembler.start(id);
        self.delivered = 0;
        self.active = true;
    }

    /// Gives up the request in progress, counting the datagrams its reply
    /// still missed.
    pub(crate) fn abandon(&mut self) {
        if self.active && !self.handed && !self.reassembler.is_complete() {
            self.lost += u64::from(self.reassembler.missing());
        }
        self.active = false;
        self.handed = false;
        self.reassembler.clear();
    }

    /// Whether a request is waiting for its reply.
    pub(crate) fn is_active(&self) -> bool {
        self.active
    }

    /// Takes in a datagram (the reassembler counts every outcome).
    pub(crate) fn push(&mut self, datagram: &[u8]) -> Push {
        let push = self.reassembler.push(datagram);
        if matches!(push, Push::Accepted | Push::Complete) {
            // A new message is under way: what it misses is lost.
            self.handed = false;
        }
        push
    }

    /// The payload of `datagram` when it is by itself the whole message
    /// awaited next ([`Reassembler::whole`]): counted and handed back in
    /// place. The request stands as after [`Reply::push`] completed the
    /// message and [`Reply::take`] copied it out whole: given up now, it
    /// lost nothing; the next `take` says the message is over, and the
    /// request's next message may begin. `None`, and nothing counted, for
    /// any other datagram (give it to `push`).
    pub(crate) fn whole<'d>(&mut self, datagram: &'d [u8]) -> Option<&'d [u8]> {
        if !self.active || self.delivered != 0 {
            return None;
        }
        let payload = self.reassembler.whole(datagram)?;
        self.handed = true;
        Some(payload)
    }

    /// Copies the next part of the complete message into `buf`. `None`
    /// while no message is complete; once one is handed out whole, also
    /// `None`, and the next datagram of request `id` may begin another
    /// message (memcached answers a multi-get with one message per item
    /// under the same request id, each numbered from 0).
    pub(crate) fn take(&mut self, buf: &mut [u8], id: u16) -> Option<usize> {
        self.handed = false;
        let payload = self.reassembler.payload()?;
        let rest = payload.get(self.delivered..).unwrap_or_default();
        let n = rest.len().min(buf.len());
        let more = n > 0 || buf.is_empty();
        if let (true, Some(to), Some(from)) = (more, buf.get_mut(..n), rest.get(..n)) {
            to.copy_from_slice(from);
            self.delivered += n;
            return Some(n);
        }
        self.reassembler.start(id);
        self.delivered = 0;
        None
    }

    /// The reassembler's counts.
    pub(crate) fn counters(&self) -> &Counters {
        self.reassembler.counters()
    }

    /// Datagrams missing from replies that were given up.
    pub(crate) fn lost(&self) -> u64 {
        self.lost
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn datagram(id: u16, seq: u16, total: u16, payload: &[u8]) -> Vec<u8> {
        let mut d = Vec::new();
        for field in [id, seq, total, 0] {
            d.extend_from_slice(&field.to_be_bytes());
        }
        d.extend_from_slice(payload);
        d
    }

    #[test]
    fn a_complete_message_is_handed_out_in_parts_then_the_next_may_begin() {
        let mut r = Reply::new(8);
        r.start(7);
        let mut buf = [0u8; 4];
        assert_eq!(r.take(&mut buf, 7), None);
        assert_eq!(r.push(&datagram(7, 1, 2, b"def")), Push::Accepted);
        assert_eq!(r.push(&datagram(7, 0, 2, b"abc")), Push::Complete);
        assert_eq!(r.take(&mut buf, 7), Some(4));
        assert_eq!(&buf, b"abcd");
        assert_eq!(r.take(&mut buf, 7), Some(2));
        assert_eq!(&buf[..2], b"ef");
        assert_eq!(r.take(&mut [], 7), Some(0));
        // Handed out whole: the next message of the same request begins.
        assert_eq!(r.take(&mut buf, 7), None);
        assert_eq!(r.push(&datagram(7, 0, 1, b"xy")), Push::Complete);
        assert_eq!(r.take(&mut buf, 7), Some(2));
        assert_eq!(r.lost(), 0);
    }

    #[test]
    fn a_whole_datagram_is_handed_back_in_place_and_the_next_message_may_begin() {
        let mut r = Reply::new(8);
        let whole = datagram(7, 0, 1, b"ab");
        // No request waits: left to push, which counts it foreign.
        assert_eq!(r.whole(&whole), None);
        r.start(7);
        assert_eq!(r.whole(&datagram(8, 0, 1, b"ab")), None);
        assert_eq!(r.whole(&datagram(7, 0, 2, b"ab")), None);
        assert_eq!(r.counters().datagrams, 0);
        assert_eq!(r.whole(&whole), Some(&b"ab"[..]));
        assert_eq!(r.counters().datagrams, 1);
        // Nothing was stored: the message is over, the next may begin.
        assert_eq!(r.take(&mut [0u8; 4], 7), None);
        assert_eq!(r.whole(&whole), Some(&b"ab"[..]));
        // Given up right after a message handed out, as after one copied
        // out whole, the request lost nothing.
        r.abandon();
        assert_eq!(r.lost(), 0);
        r.start(7);
        assert_eq!(r.whole(&whole), Some(&b"ab"[..]));
        // Once the take that ends it came, the next message's loss counts.
        assert_eq!(r.take(&mut [0u8; 4], 7), None);
        r.start(8);
        assert_eq!(r.lost(), 1);
        // A message being copied out is finished by take first.
        let whole = datagram(8, 0, 1, b"ab");
        assert_eq!(r.push(&whole), Push::Complete);
        assert_eq!(r.take(&mut [0u8; 1], 8), Some(1));
        assert_eq!(r.whole(&whole), None);
        assert!(r.is_active());
        assert_eq!(r.lost(), 1);
    }

    #[test]
    fn an_abandoned_reply_counts_what_it_missed() {
        let mut r = Reply::new(8);
        r.start(1);
        assert_eq!(r.push(&datagram(1, 0, 3, b"a")), Push::Accepted);
        assert!(r.is_active());
        r.start(2);
        assert_eq!(r.lost(), 2);
        r.abandon();
        assert!(!r.is_active());
        assert_eq!(r.lost(), 2 + 1);
        // Nothing was waiting: nothing more is lost.
        r.abandon();
        assert_eq!(r.lost(), 3);
    }
}
