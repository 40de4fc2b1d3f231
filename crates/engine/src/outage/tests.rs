use super::test_events::{back, lost, refused, server};
use super::*;
use memaslap_transport::ResetReason;

/// A worker's sighting on server `port` with `failed` failures and one
/// latency of `us` microseconds.
fn sighting(port: u16, begin: Instant, end: Option<Instant>, failed: u64, us: u64) -> Sighting {
    let mut w = Sighting {
        server: server(port),
        begin,
        end,
        counters: Counters::default(),
        latency: Box::default(),
    };
    w.counters.requests_failed = failed;
    w.latency.record(Duration::from_micros(us));
    w
}

#[test]
fn an_outage_adds_up_the_windows_of_every_worker() {
    let t0 = Instant::now();
    let ms = |n| t0 + Duration::from_millis(n);
    let mut o = Outages::new(t0);
    o.event(&lost(1, ms(1000)));
    o.event(&lost(1, ms(1100)));
    o.event(&refused(1, ms(1200)));
    o.event(&back(1, ms(1000), ms(1500)));
    o.sighting(&sighting(1, ms(1000), Some(ms(1500)), 2, 40));
    o.event(&refused(1, ms(1900)));
    o.event(&back(1, ms(1100), ms(2200)));
    o.sighting(&sighting(1, ms(1100), Some(ms(2200)), 3, 90));
    // Another server's sighting and one from before the outage are not its.
    o.sighting(&sighting(2, ms(1100), Some(ms(2200)), 100, 1000));
    o.sighting(&sighting(1, ms(900), Some(ms(950)), 100, 1000));
    let (outages, more) = o.finish(ms(4000));
    assert_eq!((outages.len(), more), (1, 0));
    let a = &outages[0];
    assert_eq!((a.start, a.length), (ms(1000) - t0, ms(1200) - t0));
    assert!(a.back);
    assert_eq!(a.sockets, 2);
    assert_eq!(a.noticed_within, Some(Duration::from_millis(300)));
    assert_eq!(a.during.counters.requests_failed, 5);
    assert_eq!(a.during.max, Duration::from_micros(90));
}

#[test]
fn late_windows_keep_their_counters_only() {
    let t0 = Instant::now();
    let ms = |n| t0 + Duration::from_millis(n);
    let mut o = Outages::new(t0);
    o.event(&lost(1, ms(0)));
    o.event(&refused(1, ms(10)));
    o.event(&back(1, ms(0), ms(100)));
    o.sighting(&sighting(1, ms(0), Some(ms(100)), 1, 50));
    o.age(ms(100) + LATE_WINDOWS);
    o.sighting(&sighting(1, ms(5), Some(ms(100)), 1, 5000));
    let (outages, _) = o.finish(ms(5000));
    let a = &outages[0];
    assert_eq!(a.during.counters.requests_failed, 2);
    assert_eq!(a.during.max, Duration::from_micros(50));
}

#[test]
fn resets_and_sockets_back_at_once_are_not_outages() {
    let t0 = Instant::now();
    let ms = |n| t0 + Duration::from_millis(n);
    let mut o = Outages::new(t0);
    o.event(&TransportEvent::Disconnected {
        socket: 0,
        server: server(1),
        at: ms(10),
        error: TransportError::Reset {
            server: server(1),
            reason: ResetReason::Protocol,
        },
        retry_at: None,
    });
    o.event(&back(1, ms(10), ms(20)));
    o.event(&lost(2, ms(500)));
    o.event(&lost(1, ms(600)));
    o.event(&back(1, ms(600), ms(600)));
    o.sighting(&sighting(1, ms(600), Some(ms(600)), 1, 1));
    o.age(ms(1600));
    o.event(&lost(1, ms(1700)));
    o.event(&refused(1, ms(1800)));
    o.event(&back(1, ms(1700), ms(1900)));
    o.event(&lost(1, ms(2500)));
    let (outages, _) = o.finish(ms(3000));
    let view: Vec<_> = outages
        .iter()
        .map(|o| (o.server.to_string(), o.start, o.length, o.back))
        .collect();
    let d = Duration::from_millis;
    assert_eq!(
        view,
        vec![
            ("127.0.0.1:2".into(), d(500), d(2500), false),
            ("127.0.0.1:1".into(), d(1700), d(200), true),
            ("127.0.0.1:1".into(), d(2500), d(500), false),
        ]
    );
    assert!(
        outages
            .iter()
            .all(|o| o.during.counters.requests_failed == 0)
    );
    assert_eq!(outages[0].noticed_within, None);
}

#[test]
fn a_socket_lost_again_at_once_continues_the_outage() {
    let t0 = Instant::now();
    let ms = |n| t0 + Duration::from_millis(n);
    let mut o = Outages::new(t0);
    o.event(&lost(1, ms(100)));
    // Reconnected to the dying server, then lost again.
    o.event(&back(1, ms(100), ms(101)));
    o.sighting(&sighting(1, ms(100), Some(ms(101)), 3, 10));
    o.age(ms(500));
    o.event(&lost(1, ms(600)));
    o.event(&refused(1, ms(700)));
    o.event(&back(1, ms(600), ms(900)));
    o.sighting(&sighting(1, ms(600), Some(ms(900)), 1, 10));
    // Back at once, and not lost again soon: no outage.
    o.event(&lost(1, ms(3000)));
    o.event(&back(1, ms(3000), ms(3001)));
    o.age(ms(4500));
    let (outages, _) = o.finish(ms(5000));
    assert_eq!(outages.len(), 1);
    let a = &outages[0];
    assert_eq!((a.start, a.length), (ms(100) - t0, ms(800) - t0));
    assert_eq!(a.sockets, 2);
    assert_eq!(a.during.counters.requests_failed, 4);
}

#[test]
fn outages_past_the_limit_are_counted() {
    let t0 = Instant::now();
    let mut o = Outages::new(t0);
    for i in 0..MAX_OUTAGES as u64 + 5 {
        let at = t0 + Duration::from_millis(i);
        o.event(&lost(1, at));
        o.event(&refused(1, at));
        o.event(&back(1, at, at));
        o.sighting(&sighting(1, at, Some(at), 1, 1));
        o.age(at + LATE_WINDOWS);
    }
    let (outages, more) = o.finish(t0 + Duration::from_secs(2));
    assert_eq!((outages.len(), more), (MAX_OUTAGES, 5));
}
