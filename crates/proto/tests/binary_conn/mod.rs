//! A blocking binary-protocol connection to a real memcached for the
//! tests: requests out, responses parsed as they arrive and copied out.

use std::io::{IoSlice, Read, Write};
use std::net::TcpStream;

use memaslap_proto::binary::{
    Opcode, Parser, Response, Status, encode_counter, encode_get, encode_noop, encode_stat,
    encode_store,
};

/// A response copied out of the receive buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub opcode: Opcode,
    pub status: Status,
    pub opaque: u32,
    pub cas: u64,
    pub key: Vec<u8>,
    pub flags: Option<u32>,
    pub counter: Option<u64>,
    pub hit: Option<Vec<u8>>,
    pub message: Option<Vec<u8>>,
}

impl Reply {
    pub fn from(r: &Response<'_>) -> Reply {
        Reply {
            opcode: r.opcode().unwrap(),
            status: r.status().unwrap(),
            opaque: r.opaque(),
            cas: r.cas(),
            key: r.key.to_vec(),
            flags: r.flags(),
            counter: r.counter(),
            hit: r.value_if_hit().map(<[u8]>::to_vec),
            message: r.error_message().map(<[u8]>::to_vec),
        }
    }

    pub fn ok(self) -> Reply {
        assert_eq!(self.status, Status::NoError, "{self:?}");
        self
    }
}

/// A blocking connection: requests out, responses parsed as they arrive.
pub struct Conn {
    pub stream: TcpStream,
    pub received: Vec<u8>,
    pub parser: Parser,
    pub out: Vec<u8>,
}

impl Conn {
    pub fn new(server: &crate::support::Memcached) -> Conn {
        Conn {
            stream: server.connect(),
            received: Vec::new(),
            parser: Parser::default(),
            out: Vec::new(),
        }
    }

    /// Sends the encoded bytes in `self.out`, then `value` as its own slice.
    pub fn flush_out(&mut self, value: &[u8]) {
        let mut slices = [IoSlice::new(&self.out), IoSlice::new(value)];
        let mut slices = &mut slices[..];
        while !slices.is_empty() {
            let n = self.stream.write_vectored(slices).unwrap();
            assert!(n > 0, "memcached closed the connection");
            IoSlice::advance_slices(&mut slices, n);
        }
        self.out.clear();
    }

    pub fn recv(&mut self) -> Reply {
        loop {
            if let Some((r, consumed)) = self.parser.parse(&self.received).unwrap() {
                let reply = Reply::from(&r);
                self.received.drain(..consumed);
                return reply;
            }
            let mut chunk = [0u8; 64 * 1024];
            let n = self.stream.read(&mut chunk).unwrap();
            assert!(n > 0, "EOF while waiting for a response");
            self.received.extend_from_slice(&chunk[..n]);
        }
    }

    pub fn assert_eof(&mut self) {
        assert!(self.received.is_empty(), "{:?}", self.received);
        let mut byte = [0u8; 1];
        assert_eq!(self.stream.read(&mut byte).unwrap(), 0);
    }

    pub fn set(&mut self, key: &[u8], value: &[u8], flags: u32) -> Reply {
        self.store(Opcode::Set, key, value, flags, 0)
    }

    pub fn store(
        &mut self,
        opcode: Opcode,
        key: &[u8],
        value: &[u8],
        flags: u32,
        cas: u64,
    ) -> Reply {
        encode_store(&mut self.out, opcode, key, flags, 0, value.len(), 0, cas).unwrap();
        self.flush_out(value);
        let reply = self.recv();
        assert_eq!(reply.opcode, opcode);
        reply
    }

    pub fn get(&mut self, opcode: Opcode, key: &[u8], opaque: u32) -> Reply {
        encode_get(&mut self.out, opcode, key, opaque).unwrap();
        self.flush_out(&[]);
        self.recv()
    }

    pub fn noop(&mut self, opaque: u32) -> Reply {
        encode_noop(&mut self.out, opaque);
        self.flush_out(&[]);
        self.recv()
    }

    /// Sends what is encoded, then a NOOP, and returns the replies up to and
    /// including the NOOP's.
    pub fn until_noop(&mut self) -> Vec<Reply> {
        encode_noop(&mut self.out, u32::MAX);
        self.flush_out(&[]);
        let mut replies = Vec::new();
        loop {
            let reply = self.recv();
            let done = reply.opcode == Opcode::Noop;
            replies.push(reply);
            if done {
                return replies;
            }
        }
    }

    pub fn counter(
        &mut self,
        opcode: Opcode,
        key: &[u8],
        delta: u64,
        initial: u64,
        exptime: u32,
    ) -> Reply {
        encode_counter(&mut self.out, opcode, key, delta, initial, exptime, 0).unwrap();
        self.flush_out(&[]);
        self.recv()
    }

    pub fn stats(&mut self, group: Option<&[u8]>, opaque: u32) -> Vec<(Vec<u8>, Vec<u8>)> {
        encode_stat(&mut self.out, group, opaque).unwrap();
        self.flush_out(&[]);
        let mut stats = Vec::new();
        loop {
            let reply = self.recv().ok();
            assert_eq!((reply.opcode, reply.opaque), (Opcode::Stat, opaque));
            if reply.key.is_empty() {
                assert_eq!(reply.hit, Some(Vec::new()));
                return stats;
            }
            stats.push((reply.key, reply.hit.unwrap()));
        }
    }
}
