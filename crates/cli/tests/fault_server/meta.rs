//! The meta protocol's side of the fault server: `ms`, `mg` and a batch of
//! quiet `mg` closed by `mn`, answered as memcached answers them (`HD`,
//! `VA`, `EN`, `MN`, with the `k` and `O` flags echoed), with the reply
//! spoiled as the fault says.
//!
//! A batch is read whole, up to its `mn`, and answered as one reply, so
//! that a fault falls on the batch and not on one of its lines.

use super::{Fault, Reply, Shape, Shared};
use std::io::{self, BufRead};

/// One `mg` or `ms` line: its key, the flags it asked to see echoed, and
/// whether it is quiet.
struct Line<'a> {
    key: &'a [u8],
    opaque: Option<&'a [u8]>,
    quiet: bool,
}

fn parse<'a>(words: &[&'a [u8]]) -> Option<Line<'a>> {
    let key = *words.get(1)?;
    let flags = words.get(2..)?;
    Some(Line {
        key,
        opaque: flags.iter().find_map(|f| f.strip_prefix(b"O")),
        quiet: flags.iter().any(|f| *f == b"q"),
    })
}

/// The flags a reply to `line` carries: `k<key> O<opaque>`.
fn echo(out: &mut Vec<u8>, line: &Line<'_>, key: &[u8], opaque: Option<&[u8]>) {
    out.push(b' ');
    out.push(b'k');
    out.extend_from_slice(key);
    if let Some(opaque) = opaque.or(line.opaque) {
        out.extend_from_slice(b" O");
        out.extend_from_slice(opaque);
    }
    out.extend_from_slice(b"\r\n");
}

/// Answers the meta command in `words` (its first line already read);
/// `None` when it is not one.
pub(crate) fn serve(
    words: &[&[u8]],
    reader: &mut impl BufRead,
    shared: &Shared,
) -> io::Result<Option<Reply>> {
    let reply = match words.first().copied() {
        Some(b"ms") => set(words, reader, shared)?,
        Some(b"mg") => match parse(words) {
            Some(line) if line.quiet => batch(line, reader, shared)?,
            Some(line) => get(&line, shared),
            None => error(),
        },
        Some(b"mn") => Reply {
            bytes: b"MN\r\n".to_vec(),
            fault: None,
        },
        _ => return Ok(None),
    };
    Ok(Some(reply))
}

fn error() -> Reply {
    Reply {
        bytes: b"ERROR\r\n".to_vec(),
        fault: None,
    }
}

/// `ms <key> <len> <flags>*` and its data.
fn set(words: &[&[u8]], reader: &mut impl BufRead, shared: &Shared) -> io::Result<Reply> {
    let (Some(line), Some(len)) = (parse(words), words.get(2).and_then(|w| number(w))) else {
        return Ok(error());
    };
    let flags = words
        .iter()
        .find_map(|w| w.strip_prefix(b"F").and_then(number))
        .unwrap_or(0);
    let mut data = vec![0; len + 2];
    reader.read_exact(&mut data)?;
    data.truncate(len);
    shared
        .store
        .lock()
        .unwrap()
        .insert(line.key.to_vec(), (flags as u32, data));
    let fault = shared.decide_for(Shape::default());
    let mut out = b"HD".to_vec();
    echo(
        &mut out,
        &line,
        line.key,
        spoiled_opaque(fault, &line).as_deref(),
    );
    Ok(whole(out, fault))
}

fn number(word: &[u8]) -> Option<usize> {
    std::str::from_utf8(word).ok()?.parse().ok()
}

/// An opaque other than the one asked, when the fault wants it.
fn spoiled_opaque(fault: Option<Fault>, line: &Line<'_>) -> Option<Vec<u8>> {
    if fault != Some(Fault::WrongOpaque) {
        return None;
    }
    let asked = line.opaque.and_then(number).unwrap_or(0);
    Some(((asked as u32) ^ 0x4000_0000).to_string().into_bytes())
}

/// The item stored under `key`.
fn lookup(shared: &Shared, key: &[u8]) -> Option<Vec<u8>> {
    shared
        .store
        .lock()
        .unwrap()
        .get(key)
        .map(|(_, v)| v.clone())
}

/// `mg <key> v k O<n>`: `VA` or `EN`.
fn get(line: &Line<'_>, shared: &Shared) -> Reply {
    let value = lookup(shared, line.key);
    let fault = shared.decide_for(Shape {
        hit: value.is_some(),
        ..Shape::default()
    });
    let opaque = spoiled_opaque(fault, line);
    let mut out = Vec::new();
    match value {
        Some(data) => value_reply(&mut out, line, data, fault, opaque.as_deref()),
        None => {
            out.extend_from_slice(b"EN");
            echo(&mut out, line, line.key, opaque.as_deref());
        }
    }
    whole(out, fault)
}

/// `VA <len> k<key> O<n>` and the data, spoiled by a value fault.
fn value_reply(
    out: &mut Vec<u8>,
    line: &Line<'_>,
    mut data: Vec<u8>,
    fault: Option<Fault>,
    opaque: Option<&[u8]>,
) {
    let mut key = line.key.to_vec();
    let (declared, terminator) = super::spoil_value(fault, &mut key, &mut data);
    out.extend_from_slice(format!("VA {declared}").as_bytes());
    echo(out, line, &key, opaque);
    out.extend_from_slice(&data);
    out.extend_from_slice(terminator);
}

/// Quiet gets up to and including `mn`: a `VA` per hit, nothing per miss,
/// then `MN`; a value fault falls on the first hit, the others on the
/// first key or the batch.
fn batch(first: Line<'_>, reader: &mut impl BufRead, shared: &Shared) -> io::Result<Reply> {
    let mut lines = vec![(
        first.key.to_vec(),
        first.opaque.map(<[u8]>::to_vec),
        lookup(shared, first.key),
    )];
    loop {
        let mut raw = Vec::new();
        if reader.read_until(b'\n', &mut raw)? == 0 {
            break;
        }
        let text = raw.strip_suffix(b"\r\n").unwrap_or(&raw);
        let words: Vec<&[u8]> = text
            .split(|&b| b == b' ')
            .filter(|w| !w.is_empty())
            .collect();
        match parse(&words) {
            Some(line) if words.first() == Some(&&b"mg"[..]) => {
                let value = lookup(shared, line.key);
                lines.push((line.key.to_vec(), line.opaque.map(<[u8]>::to_vec), value));
            }
            _ => break,
        }
    }
    let shape = Shape {
        hit: lines.iter().any(|(_, _, v)| v.is_some()),
        batch: true,
    };
    let fault = shared.decide_for(shape);
    let (mut out, mut spoiled_hit) = (Vec::new(), false);
    if fault == Some(Fault::EarlyNoop) {
        out.extend_from_slice(b"MN\r\n");
    }
    for (i, (key, opaque, value)) in lines.into_iter().enumerate() {
        let line = Line {
            key: &key,
            opaque: opaque.as_deref(),
            quiet: true,
        };
        if i == 0 && is_error(fault) {
            // An error stands in for the first quiet get; MN still follows.
            out.extend_from_slice(error_line(fault));
            continue;
        }
        if i == 0 && fault == Some(Fault::QuietMissAnswered) {
            // Answered as a miss, out loud.
            out.extend_from_slice(b"EN");
            echo(&mut out, &line, &key, None);
            continue;
        }
        match value {
            Some(data) if !spoiled_hit => {
                spoiled_hit = true;
                let opaque = spoiled_opaque(fault, &line);
                value_reply(&mut out, &line, data, fault, opaque.as_deref());
            }
            Some(data) => value_reply(&mut out, &line, data, None, None),
            None => {}
        }
    }
    if !matches!(fault, Some(Fault::MissingNoop | Fault::EarlyNoop)) {
        out.extend_from_slice(b"MN\r\n");
    }
    if is_error(fault) {
        return Ok(Reply { bytes: out, fault });
    }
    Ok(whole(out, fault))
}

fn is_error(fault: Option<Fault>) -> bool {
    matches!(
        fault,
        Some(Fault::ServerError | Fault::ClientError | Fault::Error)
    )
}

fn error_line(fault: Option<Fault>) -> &'static [u8] {
    match fault {
        Some(Fault::ServerError) => b"SERVER_ERROR out of memory storing object\r\n",
        Some(Fault::ClientError) => b"CLIENT_ERROR bad command line format\r\n",
        _ => b"ERROR\r\n",
    }
}

/// Applies the faults that replace or extend a whole reply.
fn whole(bytes: Vec<u8>, fault: Option<Fault>) -> Reply {
    let bytes = match fault {
        Some(Fault::UnknownReply) => b"XY O1\r\n".to_vec(),
        Some(Fault::Extra) => {
            let mut longer = bytes;
            longer.extend_from_slice(b"MN\r\n");
            longer
        }
        Some(Fault::ServerError | Fault::ClientError | Fault::Error) => error_line(fault).to_vec(),
        _ => return super::ascii::whole(bytes, fault),
    };
    Reply { bytes, fault }
}
