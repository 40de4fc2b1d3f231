//! Reassembly of the datagrams of one response into contiguous bytes.

use super::frame::{FrameError, split_datagram};

/// The [`Reassembler::default`] limit on datagrams per response: about
/// 1.4 MB of payload at memcached's 1400 bytes per datagram.
pub const DEFAULT_MAX_DATAGRAMS: u16 = 1024;

/// Cumulative counts over every datagram given to [`Reassembler::push`],
/// across all requests.
///
/// Every datagram counts in `datagrams`; a refused one also counts in exactly
/// one of `duplicates`, `foreign` or `malformed`, so the stored ones number
/// `datagrams - duplicates - foreign - malformed`. Stored datagrams that
/// arrived out of order also count in `disorder`. Lost datagrams are not
/// counted here: the caller reads [`Reassembler::missing`] when it gives up
/// on a request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// Datagrams given to [`Reassembler::push`].
    pub datagrams: u64,
    /// Datagrams whose sequence number had already been stored.
    pub duplicates: u64,
    /// Datagrams for a request other than the current one, or while there
    /// is no current request (late answers to abandoned requests).
    pub foreign: u64,
    /// Stored datagrams that were not the lowest sequence number still
    /// missing when they arrived.
    pub disorder: u64,
    /// Datagrams with a bad frame header, a datagram count that disagrees
    /// with the first datagram of the response, or more datagrams than the
    /// reassembler accepts.
    pub malformed: u64,
}

/// What [`Reassembler::push`] did with a datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum Push {
    /// Stored; datagrams of the response are still missing.
    Accepted,
    /// Stored, and it was the last missing one: [`Reassembler::payload`]
    /// now returns the whole response.
    Complete,
    /// Ignored: this sequence number was already stored.
    Duplicate {
        /// The datagram's sequence number.
        sequence: u16,
    },
    /// Ignored: it belongs to another request.
    Foreign {
        /// The datagram's request id.
        request_id: u16,
    },
    /// Ignored: no request is outstanding.
    NoRequest {
        /// The datagram's request id.
        request_id: u16,
    },
    /// Ignored: the frame header is unusable.
    Malformed(FrameError),
    /// Ignored: the datagram count differs from the one the first datagram
    /// of this response declared.
    TotalMismatch {
        /// The count the first datagram declared.
        expected: u16,
        /// The count this datagram declares.
        got: u16,
    },
    /// Ignored: the response claims more datagrams than the reassembler
    /// accepts.
    TooManyDatagrams {
        /// The count the datagram declares.
        total: u16,
        /// The most the reassembler accepts.
        max: u16,
    },
}

/// Where the payload of one sequence number is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    /// Not received yet.
    Missing,
    /// Appended to the output.
    Placed,
    /// Received early, waiting in the side buffer at `start..start + len`.
    Parked { start: usize, len: usize },
}

/// Collects the datagrams of one outstanding request's response, in any
/// order, into one contiguous payload.
///
/// A datagram that continues the payload in order is appended straight to
/// the output; one that arrives early waits in a side buffer until the
/// datagrams before it are in. All buffers are kept across requests, so once
/// they have grown to the largest response seen, pushing allocates nothing.
#[derive(Debug, Clone)]
pub struct Reassembler {
    max_datagrams: u16,
    request_id: Option<u16>,
    /// The datagram count of the response; 0 until its first datagram.
    total: u16,
    /// Distinct sequence numbers stored.
    received: u16,
    /// The lowest sequence number not yet appended to `payload`.
    next: u16,
    slots: Vec<Slot>,
    payload: Vec<u8>,
    parked: Vec<u8>,
    counters: Counters,
}

impl Default for Reassembler {
    /// A reassembler accepting up to [`DEFAULT_MAX_DATAGRAMS`] per response.
    fn default() -> Reassembler {
        Reassembler::new(DEFAULT_MAX_DATAGRAMS)
    }
}

impl Reassembler {
    /// A reassembler that refuses responses of more than `max_datagrams`
    /// datagrams (a limit of 0 is taken as 1). No request is outstanding
    /// until [`Reassembler::start`].
    pub fn new(max_datagrams: u16) -> Reassembler {
        Reassembler {
            max_datagrams: max_datagrams.max(1),
            request_id: None,
            total: 0,
            received: 0,
            next: 0,
            slots: Vec::new(),
            payload: Vec::new(),
            parked: Vec::new(),
            counters: Counters::default(),
        }
    }

    /// Begins waiting for the response to `request_id`, forgetting any
    /// previous request, complete or not. Read [`Reassembler::missing`]
    /// first to count what the previous one lost.
    pub fn start(&mut self, request_id: u16) {
        self.reset();
        self.request_id = Some(request_id);
    }

    /// Forgets the current request; datagrams pushed from now until the
    /// next [`Reassembler::start`] are [`Push::NoRequest`].
    pub fn clear(&mut self) {
        self.reset();
        self.request_id = None;
    }

    fn reset(&mut self) {
        self.total = 0;
        self.received = 0;
        self.next = 0;
        self.slots.clear();
        self.payload.clear();
        self.parked.clear();
    }

    /// Takes one received datagram, frame header included, and reports
    /// what became of it. Refused datagrams change nothing but the counters.
    pub fn push(&mut self, datagram: &[u8]) -> Push {
        self.counters.datagrams += 1;
        let (header, data) = match split_datagram(datagram) {
            Ok(split) => split,
            Err(error) => {
                self.counters.malformed += 1;
                return Push::Malformed(error);
            }
        };
        let request_id = header.request_id.get();
        let Some(current) = self.request_id else {
            self.counters.foreign += 1;
            return Push::NoRequest { request_id };
        };
        if request_id != current {
            self.counters.foreign += 1;
            return Push::Foreign { request_id };
        }
        let total = header.total.get();
        if total > self.max_datagrams {
            self.counters.malformed += 1;
            return Push::TooManyDatagrams {
                total,
                max: self.max_datagrams,
            };
        }
        if self.total == 0 {
            self.total = total;
            self.slots.resize(usize::from(total), Slot::Missing);
        } else if total != self.total {
            self.counters.malformed += 1;
            return Push::TotalMismatch {
                expected: self.total,
                got: total,
            };
        }
        self.store(header.sequence.get(), data)
    }

    /// Takes a datagram that is by itself the whole response awaited: the
    /// first of the current request's response, numbered 0 of 1. It is
    /// counted as [`Reassembler::push`] counts it and its payload is
    /// returned in place, not stored, so the reassembler goes on waiting
    /// for the request's next message, as after a response handed out
    /// whole and [`Reassembler::start`] again. `None`, with nothing
    /// changed or counted, for any other datagram (give it to `push`).
    ///
    /// ```
    /// use memaslap_proto::udp::Reassembler;
    ///
    /// let mut r = Reassembler::default();
    /// r.start(7);
    /// let whole = [0, 7, 0, 0, 0, 1, 0, 0, b'h', b'i'];
    /// assert_eq!(r.whole(&whole), Some(&b"hi"[..]));
    /// assert_eq!(r.counters().datagrams, 1);
    /// // The first of two is left to `push`.
    /// assert_eq!(r.whole(&[0, 7, 0, 0, 0, 2, 0, 0, b'h']), None);
    /// assert_eq!(r.counters().datagrams, 1);
    /// ```
    pub fn whole<'d>(&mut self, datagram: &'d [u8]) -> Option<&'d [u8]> {
        if self.total != 0 || self.request_id.is_none() {
            return None;
        }
        let (header, data) = split_datagram(datagram).ok()?;
        if Some(header.request_id.get()) != self.request_id
            || header.total.get() != 1
            || header.sequence.get() != 0
        {
            return None;
        }
        self.counters.datagrams += 1;
        Some(data)
    }

    /// Stores the payload of a datagram of the current response whose
    /// header has been checked against it.
    fn store(&mut self, sequence: u16, data: &[u8]) -> Push {
        let Some(slot) = self.slots.get_mut(usize::from(sequence)) else {
            // `split_datagram` checked `sequence < total` and `slots` holds
            // `total` entries; kept as a refusal rather than a panic.
            self.counters.malformed += 1;
            return Push::Malformed(FrameError::SequenceOutOfRange {
                sequence,
                total: self.total,
            });
        };
        if *slot != Slot::Missing {
            self.counters.duplicates += 1;
            return Push::Duplicate { sequence };
        }
        self.received += 1;
        if sequence == self.next {
            *slot = Slot::Placed;
            self.payload.extend_from_slice(data);
            self.next += 1;
            self.place_parked();
        } else {
            self.counters.disorder += 1;
            *slot = Slot::Parked {
                start: self.parked.len(),
                len: data.len(),
            };
            self.parked.extend_from_slice(data);
        }
        if self.received == self.total {
            Push::Complete
        } else {
            Push::Accepted
        }
    }

    /// Appends the parked datagrams that now continue the payload.
    fn place_parked(&mut self) {
        while let Some(slot) = self.slots.get_mut(usize::from(self.next)) {
            let Slot::Parked { start, len } = *slot else {
                return;
            };
            *slot = Slot::Placed;
            let end = start.saturating_add(len);
            if let Some(bytes) = self.parked.get(start..end) {
                self.payload.extend_from_slice(bytes);
            }
            self.next += 1;
        }
    }

    /// The whole response payload, frame headers removed and datagrams in
    /// sequence order, once every datagram has arrived; `None` before.
    pub fn payload(&self) -> Option<&[u8]> {
        self.is_complete().then_some(self.payload.as_slice())
    }

    /// Whether every datagram of the current response has arrived.
    pub fn is_complete(&self) -> bool {
        self.request_id.is_some() && self.total != 0 && self.received == self.total
    }

    /// How many datagrams of the current response have not arrived.
    ///
    /// Before the first datagram the count is unknown and 1 is returned:
    /// every response is at least one datagram. With no request
    /// outstanding, or once complete, it is 0.
    pub fn missing(&self) -> u16 {
        match (self.request_id, self.total) {
            (None, _) => 0,
            (Some(_), 0) => 1,
            (Some(_), total) => total - self.received,
        }
    }

    /// The request whose response is being collected, if any.
    pub fn request_id(&self) -> Option<u16> {
        self.request_id
    }

    /// The datagram count of the current response, once a datagram of it
    /// has arrived.
    pub fn total(&self) -> Option<u16> {
        (self.request_id.is_some() && self.total != 0).then_some(self.total)
    }

    /// The most datagrams per response this reassembler accepts.
    pub fn max_datagrams(&self) -> u16 {
        self.max_datagrams
    }

    /// Counts of every datagram pushed so far, across requests.
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// Capacities of the internal buffers: slots, payload, parked bytes.
    #[cfg(test)]
    pub(super) fn capacities(&self) -> [usize; 3] {
        [
            self.slots.capacity(),
            self.payload.capacity(),
            self.parked.capacity(),
        ]
    }
}
