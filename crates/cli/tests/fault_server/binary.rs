//! The binary protocol's side of the fault server: SET, GET, and multi-gets
//! as GETKQ… NOOP, with the reply spoiled as the fault says. One request,
//! for the fault plan, is a SET, a GET, or a run of GETKQs with its NOOP.

use super::{Fault, Reply, Shared};
use std::io::{self, BufRead};

const GET: u8 = 0x00;
const SET: u8 = 0x01;
const NOOP: u8 = 0x0a;
const GETKQ: u8 = 0x0d;

/// One request packet.
struct Request {
    opcode: u8,
    opaque: u32,
    extras: Vec<u8>,
    key: Vec<u8>,
    value: Vec<u8>,
}

/// One response packet, with the header fields a fault may falsify.
struct Packet {
    magic: u8,
    opcode: u8,
    data_type: u8,
    status: u16,
    opaque: u32,
    extras: Vec<u8>,
    key: Vec<u8>,
    value: Vec<u8>,
    key_len: Option<u16>,
    body_len: Option<u32>,
}

impl Packet {
    fn new(opcode: u8, status: u16, opaque: u32) -> Packet {
        Packet {
            magic: 0x81,
            opcode,
            data_type: 0,
            status,
            opaque,
            extras: Vec::new(),
            key: Vec::new(),
            value: Vec::new(),
            key_len: None,
            body_len: None,
        }
    }

    fn body(&self) -> usize {
        self.extras.len() + self.key.len() + self.value.len()
    }

    fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.magic);
        out.push(self.opcode);
        let key_len = self.key_len.unwrap_or(self.key.len() as u16);
        out.extend_from_slice(&key_len.to_be_bytes());
        out.push(self.extras.len() as u8);
        out.push(self.data_type);
        out.extend_from_slice(&self.status.to_be_bytes());
        let body_len = self.body_len.unwrap_or(self.body() as u32);
        out.extend_from_slice(&body_len.to_be_bytes());
        out.extend_from_slice(&self.opaque.to_be_bytes());
        out.extend_from_slice(&1u64.to_be_bytes());
        out.extend_from_slice(&self.extras);
        out.extend_from_slice(&self.key);
        out.extend_from_slice(&self.value);
    }
}

fn read_request(reader: &mut impl BufRead) -> io::Result<Option<Request>> {
    let mut header = [0u8; 24];
    if reader.fill_buf()?.is_empty() {
        return Ok(None);
    }
    reader.read_exact(&mut header)?;
    assert_eq!(header[0], 0x80, "not a binary request");
    let key_len = usize::from(u16::from_be_bytes([header[2], header[3]]));
    let extras_len = usize::from(header[4]);
    let body_len = u32::from_be_bytes(header[8..12].try_into().unwrap()) as usize;
    let mut body = vec![0; body_len];
    reader.read_exact(&mut body)?;
    let value = body.split_off(extras_len + key_len);
    let key = body.split_off(extras_len);
    Ok(Some(Request {
        opcode: header[1],
        opaque: u32::from_be_bytes(header[12..16].try_into().unwrap()),
        extras: body,
        key,
        value,
    }))
}

/// Reads one request (a whole multi-get) and builds its reply; `None` at
/// the end of input.
pub(crate) fn serve(reader: &mut impl BufRead, shared: &Shared) -> io::Result<Option<Reply>> {
    let mut packets = Vec::new();
    let mut first: Option<(u8, u32)> = None;
    let mut closing = None;
    loop {
        let Some(request) = read_request(reader)? else {
            return Ok(None);
        };
        first.get_or_insert((request.opcode, request.opaque));
        match request.opcode {
            SET => {
                let flags = u32::from_be_bytes(request.extras[..4].try_into().unwrap());
                shared
                    .store
                    .lock()
                    .unwrap()
                    .insert(request.key, (flags, request.value));
                packets.push(Packet::new(SET, 0, request.opaque));
                break;
            }
            GET | GETKQ => {
                let found = shared.store.lock().unwrap().get(&request.key).cloned();
                match found {
                    Some((flags, value)) => {
                        let mut hit = Packet::new(request.opcode, 0, request.opaque);
                        hit.extras = flags.to_be_bytes().to_vec();
                        if request.opcode == GETKQ {
                            hit.key = request.key;
                        }
                        hit.value = value;
                        packets.push(hit);
                    }
                    None if request.opcode == GET => {
                        let mut miss = Packet::new(GET, 0x0001, request.opaque);
                        miss.value = b"Not found".to_vec();
                        packets.push(miss);
                    }
                    None => {}
                }
                if request.opcode == GET {
                    break;
                }
            }
            NOOP => {
                closing = Some(Packet::new(NOOP, 0, request.opaque));
                break;
            }
            other => {
                packets.push(Packet::new(other, 0x0081, request.opaque));
                break;
            }
        }
    }
    let hit = packets.iter().any(|p| p.status == 0 && !p.value.is_empty());
    let fault = shared.decide(hit);
    let (opcode, opaque) = first.unwrap_or((NOOP, 0));
    packets.extend(closing);
    spoil(&mut packets, fault, opcode, opaque);
    let mut bytes = Vec::new();
    for packet in &packets {
        packet.encode(&mut bytes);
    }
    if fault == Some(Fault::Extra) {
        Packet::new(NOOP, 0, 0xdead_beef).encode(&mut bytes);
    }
    Ok(Some(Reply { bytes, fault }))
}

/// Applies `fault` to the reply's packets (a multi-get's NOOP last);
/// `opcode` and `opaque` are the request's first.
fn spoil(packets: &mut Vec<Packet>, fault: Option<Fault>, opcode: u8, opaque: u32) {
    let error = |status: u16, text: &[u8]| {
        let mut packet = Packet::new(opcode, status, opaque);
        packet.value = text.to_vec();
        packet
    };
    let replacement = match fault {
        Some(Fault::ServerError) => Some(error(0x0082, b"Out of memory")),
        Some(Fault::ClientError) => Some(error(0x0004, b"Invalid arguments")),
        Some(Fault::Error) => Some(error(0x0081, b"Unknown command")),
        _ => None,
    };
    if let Some(replacement) = replacement {
        // A multi-get's closing NOOP stays: the error ends one key.
        let closing = match packets.last() {
            Some(last) if last.opcode == NOOP => packets.pop(),
            _ => None,
        };
        *packets = vec![replacement];
        packets.extend(closing);
    }
    if let Some(packet) = packets.first_mut() {
        match fault {
            Some(Fault::UnknownReply) => packet.opcode = 0xee,
            Some(Fault::Garbled) => packet.data_type = 0x55,
            Some(Fault::BadMagic) => packet.magic = 0x80,
            Some(Fault::BadLengths) => packet.key_len = Some(packet.body() as u16 + 1),
            _ => {}
        }
    }
    let Some(hit) = packets
        .iter_mut()
        .find(|p| p.status == 0 && !p.value.is_empty())
    else {
        return;
    };
    let body = hit.body() as u32;
    match fault {
        Some(Fault::ShortLength) => hit.body_len = Some(body - 1),
        Some(Fault::LongLength) => hit.body_len = Some(body + 3),
        Some(Fault::HugeLength) => hit.body_len = Some(0xffff_ff00),
        Some(Fault::WrongKey) => match hit.key.last_mut() {
            Some(last) => *last = if *last == b'z' { b'y' } else { b'z' },
            None => hit.opaque = hit.opaque.wrapping_add(1),
        },
        Some(Fault::CorruptValue) => hit.value[0] ^= 0x20,
        _ => {}
    }
}
