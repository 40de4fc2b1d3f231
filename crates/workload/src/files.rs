//! Files a user names (`-F`, and through the CLI its other inputs), read
//! whole but never past a bound: a path to something that never ends
//! (`/dev/zero`) or is absurdly large is an error naming the bound, not an
//! attempt to hold it all in memory.

use std::io::{self, Read};
use std::path::Path;

/// The bytes of the file at `path`, at most `max`.
///
/// # Errors
/// The file's own read errors, or [`io::ErrorKind::InvalidData`] saying
/// it is larger than `max` bytes.
///
/// ```
/// use memaslap_workload::read_capped;
/// let endless = read_capped(std::path::Path::new("/dev/zero"), 1 << 10);
/// assert!(endless.unwrap_err().to_string().contains("larger than 1024 bytes"));
/// ```
pub fn read_capped(path: &Path, max: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(max.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("larger than {max} bytes"),
        ));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_read_whole_up_to_the_bound_and_refused_past_it() {
        let path = std::env::temp_dir().join(format!("memaslap-files-{}", std::process::id()));
        std::fs::write(&path, b"0123456789").unwrap();
        assert_eq!(read_capped(&path, 10).unwrap(), b"0123456789");
        let past = read_capped(&path, 9).unwrap_err();
        assert!(past.to_string().contains("larger than 9 bytes"), "{past}");
        std::fs::remove_file(&path).unwrap();
        let endless = read_capped(Path::new("/dev/zero"), 1 << 16).unwrap_err();
        assert_eq!(endless.kind(), io::ErrorKind::InvalidData);
        assert!(read_capped(Path::new("/nonexistent/x"), 10).is_err());
    }
}
