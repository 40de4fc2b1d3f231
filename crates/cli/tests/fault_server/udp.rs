//! The UDP side of the fault server: one request per datagram, behind
//! memcached's 8-byte frame header; the reply framed the same way, in one
//! datagram or, for the datagram faults, in three.

use super::{Fault, Reply, Shared, ascii, binary};
use std::net::{SocketAddr, UdpSocket};

/// Answers datagrams until the socket fails.
pub(crate) fn serve(socket: &UdpSocket, shared: &Shared) {
    let mut buf = vec![0u8; 65536];
    loop {
        let Ok((n, peer)) = socket.recv_from(&mut buf) else {
            return;
        };
        let Some((header, mut payload)) = buf[..n].split_at_checked(8) else {
            continue;
        };
        let request_id = u16::from_be_bytes([header[0], header[1]]);
        let reply = if payload.first() == Some(&0x80) {
            binary::serve(&mut payload, shared)
        } else {
            ascii::serve(&mut payload, shared)
        };
        if let Ok(Some(reply)) = reply {
            shared.hold();
            send(socket, peer, request_id, &reply);
        }
    }
}

/// Sends `reply` to `peer` as its fault says.
fn send(socket: &UdpSocket, peer: SocketAddr, request_id: u16, reply: &Reply) {
    let bytes = &reply.bytes;
    let pieces: Vec<&[u8]> = match reply.fault {
        Some(Fault::Lose | Fault::Reorder | Fault::Duplicate) => {
            let third = bytes.len().div_ceil(3);
            bytes.chunks(third).collect()
        }
        _ => vec![bytes.as_slice()],
    };
    let total = pieces.len() as u16;
    let datagram = |id: u16, sequence: usize| {
        let mut out = Vec::with_capacity(8 + pieces[sequence].len());
        out.extend_from_slice(&id.to_be_bytes());
        out.extend_from_slice(&(sequence as u16).to_be_bytes());
        out.extend_from_slice(&total.to_be_bytes());
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(pieces[sequence]);
        out
    };
    let order: Vec<(u16, usize)> = match reply.fault {
        Some(Fault::NoReply) => Vec::new(),
        Some(Fault::Lose) => (0..pieces.len())
            .filter(|&s| s != 1)
            .map(|s| (request_id, s))
            .collect(),
        Some(Fault::Reorder) => (0..pieces.len()).rev().map(|s| (request_id, s)).collect(),
        Some(Fault::Duplicate) => (0..pieces.len())
            .flat_map(|s| [(request_id, s), (request_id, s)])
            .collect(),
        Some(Fault::ForeignId) => vec![(request_id ^ 0x8000, 0), (request_id, 0)],
        _ => (0..pieces.len()).map(|s| (request_id, s)).collect(),
    };
    for (id, sequence) in order {
        let _ = socket.send_to(&datagram(id, sequence), peer);
    }
}
