//! The text protocol's side of the fault server: `set` and `get` (one key
//! or many), with the reply's content spoiled as the fault says; the meta
//! commands go to [`super::meta`].

use super::{Fault, Reply, Shared};
use std::io::{self, BufRead};

/// Reads one request and builds its reply; `None` at the end of input.
pub(crate) fn serve(reader: &mut impl BufRead, shared: &Shared) -> io::Result<Option<Reply>> {
    let mut line = Vec::new();
    if reader.read_until(b'\n', &mut line)? == 0 {
        return Ok(None);
    }
    let text = line.strip_suffix(b"\r\n").unwrap_or(&line);
    let words: Vec<&[u8]> = text
        .split(|&b| b == b' ')
        .filter(|w| !w.is_empty())
        .collect();
    if let Some(reply) = super::meta::serve(&words, reader, shared)? {
        return Ok(Some(reply));
    }
    let reply = match words.first().copied() {
        Some(b"set") if words.len() >= 5 => {
            let flags: u32 = number(words[2]);
            let len: usize = number(words[4]);
            let mut data = vec![0; len + 2];
            reader.read_exact(&mut data)?;
            data.truncate(len);
            let key = words[1].to_vec();
            shared.store.lock().unwrap().insert(key, (flags, data));
            let fault = shared.decide(false);
            whole(b"STORED\r\n".to_vec(), fault)
        }
        Some(b"get") => get(&words[1..], shared),
        _ => Reply {
            bytes: b"ERROR\r\n".to_vec(),
            fault: None,
        },
    };
    Ok(Some(reply))
}

fn number<T: std::str::FromStr>(word: &[u8]) -> T {
    std::str::from_utf8(word)
        .ok()
        .and_then(|w| w.parse().ok())
        .unwrap_or_else(|| panic!("not a number: {word:?}"))
}

/// The reply to `get <keys>`, the first value spoiled by a value fault.
fn get(keys: &[&[u8]], shared: &Shared) -> Reply {
    let hits: Vec<(Vec<u8>, u32, Vec<u8>)> = {
        let store = shared.store.lock().unwrap();
        keys.iter()
            .filter_map(|k| store.get(*k).map(|(f, v)| (k.to_vec(), *f, v.clone())))
            .collect()
    };
    let fault = shared.decide(!hits.is_empty());
    let mut out = Vec::new();
    for (i, (mut key, flags, mut data)) in hits.into_iter().enumerate() {
        let (declared, terminator) =
            super::spoil_value(fault.filter(|_| i == 0), &mut key, &mut data);
        out.extend_from_slice(b"VALUE ");
        out.extend_from_slice(&key);
        out.extend_from_slice(format!(" {flags} {declared}\r\n").as_bytes());
        out.extend_from_slice(&data);
        out.extend_from_slice(terminator);
    }
    out.extend_from_slice(b"END\r\n");
    whole(out, fault)
}

/// Applies the faults that replace or extend a whole reply.
pub(crate) fn whole(bytes: Vec<u8>, fault: Option<Fault>) -> Reply {
    let bytes = match fault {
        Some(Fault::UnknownReply) => b"WHATEVER\r\n".to_vec(),
        Some(Fault::Garbled) => {
            let mut spoiled = bytes;
            spoiled.insert(2, b'\n');
            spoiled
        }
        Some(Fault::EndlessLine) => vec![b'x'; 64 << 10],
        Some(Fault::ServerError) => b"SERVER_ERROR out of memory storing object\r\n".to_vec(),
        Some(Fault::ClientError) => b"CLIENT_ERROR bad command line format\r\n".to_vec(),
        Some(Fault::Error) => b"ERROR\r\n".to_vec(),
        Some(Fault::Extra) => {
            let mut longer = bytes;
            longer.extend_from_slice(b"END\r\n");
            longer
        }
        _ => bytes,
    };
    Reply { bytes, fault }
}
