//! The exchange in the binary protocol: replies matched by opaque and key.

use super::tests::{asked_keys, bin_reply, ended, feed, next_get, store_one, t0, wire, workload};
use super::*;
use memaslap_workload::{Command, GetKeys, Source, Task};

#[test]
fn binary_set_get_hit_and_miss() {
    let w = workload(1);
    let mut g = w.source(0).unwrap();
    let mut c = Counters::default();
    let mut x = Exchange::new(Protocol::Binary, 1, 1 << 20);
    let (key, value) = store_one(
        &mut x,
        &mut g,
        &mut c,
        &bin_reply(0x01, 0, 0, &[], &[], &[]),
    );
    next_get(&mut x, &mut g);
    assert_eq!(wire(&mut x).len(), 24 + key.len());
    assert_eq!(&wire(&mut x)[24..], key);
    let hit = bin_reply(0x00, 0, 0, &[0, 0, 0, 0], &[], &value);
    assert_eq!(
        feed(&mut x, &hit, &mut g, &mut c),
        Ok(Some(ended(Kind::Get, Command::Get, false)))
    );
    next_get(&mut x, &mut g);
    let miss = bin_reply(0x00, 1, 0, &[], &[], b"Not found");
    feed(&mut x, &miss, &mut g, &mut c).unwrap();
    assert_eq!(
        (c.cmd_get, c.get_misses, c.verify_misses, c.verify_failed),
        (2, 1, 1, 0)
    );

    next_get(&mut x, &mut g);
    let busy = bin_reply(0x00, 0x85, 0, &[], &[], b"busy");
    assert_eq!(
        feed(&mut x, &busy, &mut g, &mut c),
        Ok(Some(ended(Kind::Get, Command::Get, true)))
    );
    assert_eq!((c.errors.server_error, c.get_misses), (1, 1));

    next_get(&mut x, &mut g);
    let wrong_opcode = bin_reply(0x01, 0, 0, &[], &[], &[]);
    assert_eq!(feed(&mut x, &wrong_opcode, &mut g, &mut c), Err(Desync));
}

#[test]
fn binary_multi_get_matches_by_opaque_and_key() {
    let w = workload(3);
    let mut g = w.source(0).unwrap();
    let mut c = Counters::default();
    let mut x = Exchange::new(Protocol::Binary, 3, 1 << 20);
    let stored_reply = bin_reply(0x01, 0, 0, &[], &[], &[]);
    let mut stored = Vec::new();
    let (get, batch_len) = loop {
        match g.issue().unwrap() {
            (id, Task::Set(set)) => {
                let mut key = Vec::new();
                set.key.append_to(&mut key);
                stored.push((key, set.value.to_vec()));
                x.begin_set(id, &set, t0()).unwrap();
                feed(&mut x, &stored_reply, &mut g, &mut c).unwrap();
            }
            (id, Task::Get(batch)) => {
                let n = batch.len();
                x.begin_get(id, &batch, t0()).unwrap();
                if n == 3 {
                    break (id, n);
                }
                // Answer smaller batches with misses only.
                let reply = if n == 1 {
                    bin_reply(0x00, 1, 0, &[], &[], b"Not found")
                } else {
                    bin_reply(0x0a, 0, n as u32, &[], &[], &[])
                };
                feed(&mut x, &reply, &mut g, &mut c).unwrap();
            }
            (_, Task::Key(_)) => panic!("the window model issues no key tasks"),
        }
    };
    assert_eq!(
        wire(&mut x).len() - 24 * (batch_len + 1),
        stored[0].0.len() * batch_len
    );
    let before = c;
    let asked = asked_keys(&g, get);
    let value_of = |k: &Vec<u8>| stored.iter().find(|(s, _)| s == k).unwrap().1.clone();
    let mut reply = bin_reply(0x0d, 0, 2, &[0; 4], &asked[2], &value_of(&asked[2]));
    // A hit whose key does not match its opaque: a protocol error.
    reply.extend_from_slice(&bin_reply(
        0x0d,
        0,
        0,
        &[0; 4],
        &asked[1],
        &value_of(&asked[1]),
    ));
    reply.extend_from_slice(&bin_reply(0x0a, 0, 3, &[], &[], &[]));
    let done = feed(&mut x, &reply, &mut g, &mut c).unwrap();
    assert_eq!(done, Some(ended(Kind::Get, Command::Get, false)));
    assert_eq!(c.cmd_get - before.cmd_get, 3);
    assert_eq!(c.get_misses - before.get_misses, 2);
    assert_eq!(c.errors.protocol_error, 1);
    assert_eq!(c.verify_failed, 0);
}
