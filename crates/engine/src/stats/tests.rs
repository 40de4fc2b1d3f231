//! The counters' and statistics' merges and differences.

use super::*;
use std::time::Duration;

#[test]
fn merge_adds_every_field() {
    let mut a = Stats::default();
    a.counters.cmd_get = 3;
    a.counters.errors.timeout = 1;
    a.counters.requests_sent = 5;
    a.counters.requests_completed = 4;
    a.get.record(Duration::from_micros(10));
    let mut b = Stats::default();
    b.counters.cmd_get = 4;
    b.counters.errors.timeout = 2;
    b.counters.requests_sent = 2;
    b.counters.requests_timed_out = 2;
    b.set.record(Duration::from_micros(30));
    a.merge(&b);
    assert_eq!(a.counters.cmd_get, 7);
    assert_eq!(a.counters.errors.timeout, 3);
    assert_eq!(a.counters.in_flight(), 1);
    assert_eq!(a.total().count(), 2);
    assert_eq!(a.total().max(), Duration::from_micros(30));
    a.reset();
    assert_eq!(a.counters, Counters::default());
    assert_eq!(a.get.count(), 0);
}

#[test]
fn since_is_the_difference_field_by_field() {
    let mut earlier = Counters {
        requests_sent: 10,
        ..Counters::default()
    };
    earlier.errors.disconnect = 1;
    let mut later = earlier;
    later.requests_sent = 15;
    later.requests_failed = 2;
    later.errors.disconnect = 3;
    later.packet_foreign = 4;
    let d = later.since(&earlier);
    assert_eq!(d.requests_sent, 5);
    assert_eq!(d.requests_failed, 2);
    assert_eq!(d.errors.disconnect, 2);
    assert_eq!(d.packet_foreign, 4);
    assert_eq!(earlier.since(&later), Counters::default());
    let mut back = earlier;
    back.merge(&d);
    assert_eq!(back, later);
}
