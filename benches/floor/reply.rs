//! Finding where a memcached ASCII reply ends, and nothing more.

/// Length of the complete reply at the start of `buf`, `Ok(None)` while it
/// is incomplete, or an error for a reply the probe never expects.
///
/// Only the replies of `get` and `set` are known: `VALUE <key> <flags>
/// <bytes>\r\n<data>\r\nEND\r\n`, `END\r\n` (a miss) and `STORED\r\n`.
pub fn reply_end(buf: &[u8]) -> Result<Option<usize>, String> {
    let Some(newline) = buf.iter().position(|&b| b == b'\n') else {
        return Ok(None);
    };
    let line = buf.get(..newline).unwrap_or_default();
    if line == b"END\r" || line == b"STORED\r" {
        return Ok(Some(newline + 1));
    }
    let Some(fields) = line.strip_prefix(b"VALUE ") else {
        return Err(unexpected(line));
    };
    let bytes = fields
        .strip_suffix(b"\r")
        .and_then(|f| f.rsplit(|&b| b == b' ').next())
        .and_then(|f| std::str::from_utf8(f).ok())
        .and_then(|f| f.parse::<usize>().ok())
        .ok_or_else(|| unexpected(line))?;
    let end = newline + 1 + bytes + b"\r\nEND\r\n".len();
    match buf.get(end - b"END\r\n".len()..end) {
        None => Ok(None),
        Some(b"END\r\n") => Ok(Some(end)),
        Some(_) => Err(unexpected(line)),
    }
}

/// As [`reply_end`], for the binary protocol: a 24-byte header whose
/// body length says where the reply ends; only success is expected.
pub fn binary_reply_end(buf: &[u8]) -> Result<Option<usize>, String> {
    let Some(header) = buf.first_chunk::<24>() else {
        return Ok(None);
    };
    let [
        magic,
        opcode,
        _,
        _,
        _,
        _,
        status_hi,
        status_lo,
        b0,
        b1,
        b2,
        b3,
        ..,
    ] = *header;
    if magic != 0x81 || (status_hi, status_lo) != (0, 0) {
        return Err(format!(
            "unexpected binary reply: magic {magic:#04x} opcode {opcode:#04x} status {:#06x}",
            u16::from_be_bytes([status_hi, status_lo])
        ));
    }
    let end = 24 + u32::from_be_bytes([b0, b1, b2, b3]) as usize;
    Ok((buf.len() >= end).then_some(end))
}

fn unexpected(line: &[u8]) -> String {
    format!("unexpected reply: {:?}", String::from_utf8_lossy(line))
}

#[cfg(test)]
mod tests {
    use super::{binary_reply_end, reply_end};

    #[test]
    fn finds_the_end_of_a_binary_reply() {
        let mut hit = vec![0x81, 0x00, 0, 0, 4, 0, 0, 0, 0, 0, 0, 7];
        hit.extend([0; 12]);
        hit.extend([0, 0, 0, 0, b'a', b'b', b'c']);
        assert_eq!(binary_reply_end(&hit), Ok(Some(31)));
        assert_eq!(binary_reply_end(&hit[..30]), Ok(None));
        assert_eq!(binary_reply_end(&hit[..10]), Ok(None));
        let mut miss = hit.clone();
        miss[7] = 1;
        assert!(binary_reply_end(&miss).is_err());
    }

    #[test]
    fn finds_the_end_of_each_reply_kind() {
        assert_eq!(reply_end(b"STORED\r\nEND"), Ok(Some(8)));
        assert_eq!(reply_end(b"END\r\n"), Ok(Some(5)));
        let hit = b"VALUE k 0 3\r\nabc\r\nEND\r\nSTORED\r\n";
        assert_eq!(reply_end(hit), Ok(Some(23)));
        assert_eq!(reply_end(&hit[..22]), Ok(None));
        assert_eq!(reply_end(b"VALUE k 0 3"), Ok(None));
        assert!(reply_end(b"SERVER_ERROR out of memory\r\n").is_err());
        assert!(reply_end(b"VALUE k 0 3\r\nabcde\r\nEND\r\n").is_err());
    }
}
