//! A worker thread's own descriptor table.
//!
//! The kernel looks up the descriptor of every system call that names one
//! (each `send`, `recv` and `epoll_wait`). While a process's threads share
//! one table, each lookup takes a reference on the file and drops it when
//! the call returns: two atomic updates per call, which a table with a
//! single user skips. With the reporter thread beside a worker the table
//! is always shared; under `perf`, the lookups and the reference drops
//! (`fdget`, `fput`) took about 0.05 µs of the worker's ~5 µs per request
//! at one request in flight, against half of that for a single-threaded
//! client.
//!
//! A worker opens its sockets and its poller itself, uses them alone and
//! closes them before it ends, so it can have a table of its own.

/// Gives the calling thread a descriptor table of its own (Linux:
/// `unshare(CLONE_FILES)`); elsewhere, or where the kernel refuses, the
/// table stays shared, which changes nothing but the cost of each call.
///
/// The new table starts as a copy of the shared one: every descriptor
/// open now stays open, and valid, in both, each copy closed where it is
/// closed. What the thread opens afterwards is in its table alone, and
/// what other threads open afterwards is not in it.
///
/// # Contract
///
/// A descriptor opened by either side after this call is never handed to
/// the other: a thread that calls it opens, uses and closes its own
/// sockets and pollers, and exchanges only plain data with other threads.
/// (A descriptor opened before the call and closed only in this thread
/// stays open in the others' table until they close it too.) The engine's
/// workers call it first thing on their thread, before they connect.
pub fn confine_descriptors() {
    #[cfg(target_os = "linux")]
    // SAFETY: unsharing the table invalidates no descriptor this process
    // owns: the thread's new table is a copy, so every descriptor open now
    // names the same file in both tables. The only hazard is a descriptor
    // opened later by one thread and used by another, which the contract
    // above rules out for every caller (the engine's worker threads, which
    // build their connections after this call and keep them).
    unsafe {
        // A refusal (a seccomp filter, say) leaves the table shared.
        let _ = rustix::thread::unshare_unsafe(rustix::thread::UnshareFlags::FILES);
    }
}

#[cfg(test)]
#[cfg(target_os = "linux")]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::os::fd::AsRawFd;
    use std::sync::mpsc;

    /// What each of the calling thread's descriptors names ("socket:[…]").
    fn open_here() -> Vec<String> {
        std::fs::read_dir("/proc/thread-self/fd")
            .unwrap()
            .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
            .map(|p| p.display().to_string())
            .collect()
    }

    /// Opens a socket on a new thread (confined or not) and returns what
    /// the socket is named in that thread's table and whether this
    /// thread's table has it too; a descriptor opened before the thread
    /// started is written from it.
    fn socket_seen_outside(confine: bool) -> (String, bool) {
        let (mut reader, mut writer) = std::os::unix::net::UnixStream::pair().unwrap();
        let (name_tx, name_rx) = mpsc::channel();
        let (done_tx, done_rx) = mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            if confine {
                confine_descriptors();
            }
            writer.write_all(b"x").unwrap();
            let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
            let path = format!("/proc/thread-self/fd/{}", socket.as_raw_fd());
            let name = std::fs::read_link(path).unwrap().display().to_string();
            name_tx.send(name).unwrap();
            // The socket stays open until the other side has looked.
            let _ = done_rx.recv();
        });
        let name = name_rx.recv().unwrap();
        let seen = open_here().contains(&name);
        done_tx.send(()).unwrap();
        thread.join().unwrap();
        let mut byte = [0u8; 1];
        reader.read_exact(&mut byte).unwrap();
        assert_eq!(&byte, b"x");
        (name, seen)
    }

    #[test]
    fn a_confined_threads_sockets_are_in_its_table_alone() {
        let (name, seen) = socket_seen_outside(false);
        assert!(name.starts_with("socket:"), "{name}");
        assert!(seen, "an unconfined thread shares the table");
        let (name, seen) = socket_seen_outside(true);
        assert!(name.starts_with("socket:"), "{name}");
        assert!(
            !seen,
            "{name} opened in a confined thread is in the shared table"
        );
    }
}
