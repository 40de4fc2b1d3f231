//! Unit tests of a slot's connecting through its addresses.

use super::*;
use polling::Events;
use std::net::TcpListener;
use std::time::Duration;

/// Drives `slot` until it is up or has failed.
fn settle(slot: &mut Slot, poller: &Poller, events: &mut VecDeque<TransportEvent>) {
    let mut ready = Events::new();
    while matches!(slot.state, State::Connecting { .. }) {
        ready.clear();
        poller
            .wait(&mut ready, Some(Duration::from_millis(100)))
            .unwrap();
        let now = Instant::now();
        for event in ready.iter() {
            slot.handle_event(&event, now, events);
        }
        slot.handle_timeout(now, events);
    }
}

fn slot(addrs: Vec<SocketAddr>, retry: Retry, poller: &Arc<Poller>) -> Slot {
    let server = Server::new("test.invalid", 1);
    Slot::new(
        0,
        5,
        server,
        addrs.into_iter().map(Endpoint::Inet).collect(),
        TcpConfig::default(),
        retry,
        poller,
    )
}

/// An address nothing listens on: a listener's, closed again.
fn refused_address() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

#[test]
fn tries_every_address_in_turn() {
    let live = TcpListener::bind("[::1]:0").unwrap();
    let refused = refused_address();
    let poller = Arc::new(Poller::new().unwrap());
    let mut events = VecDeque::new();
    let addrs = vec![refused, live.local_addr().unwrap()];
    let mut s = slot(addrs, Retry::Never, &poller).connected(Instant::now(), &mut events);
    settle(&mut s, &poller, &mut events);
    assert!(s.is_up(), "{events:?}");
    assert!(events.is_empty(), "a later address connected: {events:?}");
}

#[test]
fn the_last_address_error_is_reported_and_retry_scheduled() {
    let refused = refused_address();
    let poller = Arc::new(Poller::new().unwrap());
    let mut events = VecDeque::new();
    let t0 = Instant::now();
    let mut s =
        slot(vec![refused, refused], Retry::REPLICATION, &poller).connected(t0, &mut events);
    settle(&mut s, &poller, &mut events);
    assert!(!s.is_up() && s.is_pending() && !s.has_socket());
    let Some(TransportEvent::Disconnected {
        error, retry_at, ..
    }) = events.pop_front()
    else {
        panic!("{events:?}")
    };
    assert!(
        matches!(&error, TransportError::Connect { addr, .. } if *addr == Endpoint::Inet(refused)),
        "{error}"
    );
    assert_eq!(retry_at, s.poll_deadline());
    assert!(retry_at.unwrap() >= t0 + Duration::from_secs(5));
    // Nothing happens before the retry is due; at the deadline the
    // attempt fails again and is reported as such.
    s.handle_timeout(retry_at.unwrap() - Duration::from_millis(1), &mut events);
    assert!(events.is_empty() && !s.has_socket());
    s.handle_timeout(retry_at.unwrap(), &mut events);
    settle(&mut s, &poller, &mut events);
    assert!(matches!(
        events.pop_front(),
        Some(TransportEvent::RetryFailed { .. })
    ));
    s.close();
    assert!(!s.is_pending() && s.poll_deadline().is_none());
}
