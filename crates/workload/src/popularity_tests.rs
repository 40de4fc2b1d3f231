use super::*;
use crate::seed::derive_rng;

fn ranks(dist: KeyDist, n: u64, draws: usize) -> Vec<u64> {
    let mut p = Popularity::new(dist, n, 0).unwrap();
    let mut rng = derive_rng(3, 9);
    (0..draws).map(|_| p.rank(&mut rng)).collect()
}

fn counts(ranks: &[u64], n: u64) -> Vec<f64> {
    let mut c = vec![0.0; n as usize];
    for &r in ranks {
        c[r as usize] += 1.0;
    }
    c
}

#[test]
fn names_parse_and_print_back() {
    for text in [
        "uniform",
        "sequential",
        "zipf:0.99",
        "gaussian:5000,250",
        "hotspot:0.2,0.8",
    ] {
        let dist: KeyDist = text.parse().unwrap();
        assert_eq!(dist.to_string(), text);
    }
    for bad in [
        "",
        "zipf",
        "zipf:0",
        "zipf:-1",
        "zipf:x",
        "uniform:1",
        "gaussian:1",
        "gaussian:1,0",
        "hotspot:0,0.5",
        "hotspot:1,0.5",
        "hotspot:0.2,1.5",
        "pareto:1",
        "zipf:inf",
    ] {
        let e = bad.parse::<KeyDist>().unwrap_err().to_string();
        assert!(
            e.contains(&format!("'{bad}'")) && e.contains("zipf:S"),
            "{bad}: {e}"
        );
    }
    assert!(Popularity::new(KeyDist::Uniform, 0, 0).is_err());
}

#[test]
fn the_scatter_is_a_permutation_that_moves_the_hot_ranks() {
    for n in [1u64, 2, 3, 7, 64, 1000, 1025, 4096] {
        let s = Scatter::new(n);
        let mut seen = vec![false; n as usize];
        for rank in 0..n {
            let id = s.apply(rank);
            assert!(id < n, "{n}: {rank} -> {id}");
            assert!(
                !std::mem::replace(&mut seen[id as usize], true),
                "{n}: {id} twice"
            );
        }
    }
    // The ten hottest ranks of a million keys do not land on the lowest
    // ids, and the same keyspace always scatters the same way.
    let s = Scatter::new(1_000_000);
    let hot: Vec<u64> = (0..10).map(|r| s.apply(r)).collect();
    assert!(hot.iter().filter(|&&id| id < 1000).count() <= 1, "{hot:?}");
    assert_eq!(
        hot,
        (0..10)
            .map(|r| Scatter::new(1_000_000).apply(r))
            .collect::<Vec<_>>()
    );
}

#[test]
fn zipf_ranks_follow_a_power_law() {
    let (n, s, draws) = (100u64, 1.0, 400_000);
    let c = counts(&ranks(KeyDist::Zipf { exponent: s }, n, draws), n);
    let h: f64 = (1..=n).map(|k| 1.0 / (k as f64).powf(s)).sum();
    for k in [1u64, 2, 5, 10, 50] {
        let want = draws as f64 / (k as f64).powf(s) / h;
        let got = c[(k - 1) as usize];
        assert!(
            (got / want - 1.0).abs() < 0.05,
            "rank {k}: {got} want {want:.0}"
        );
    }
    // A steeper exponent puts more on the hottest key.
    let steep = counts(&ranks(KeyDist::Zipf { exponent: 1.5 }, n, 100_000), n);
    let flat = counts(&ranks(KeyDist::Zipf { exponent: 0.6 }, n, 100_000), n);
    assert!(steep[0] > 2.0 * flat[0], "{} {}", steep[0], flat[0]);
}

#[test]
fn uniform_ranks_are_even() {
    let n = 20u64;
    let c = counts(&ranks(KeyDist::Uniform, n, 200_000), n);
    for (rank, got) in c.iter().enumerate() {
        assert!((got / 10_000.0 - 1.0).abs() < 0.05, "rank {rank}: {got}");
    }
}

#[test]
fn gaussian_ranks_have_their_mean_and_deviation() {
    let r = ranks(
        KeyDist::Gaussian {
            mean: 5000.0,
            stddev: 250.0,
        },
        10_000,
        100_000,
    );
    let mean = r.iter().sum::<u64>() as f64 / r.len() as f64;
    let var = r.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / r.len() as f64;
    assert!((mean - 5000.0).abs() < 5.0, "{mean}");
    assert!((var.sqrt() / 250.0 - 1.0).abs() < 0.01, "{}", var.sqrt());
    // Centred on the edge: every draw stays inside the keyspace.
    let edge = ranks(
        KeyDist::Gaussian {
            mean: 0.0,
            stddev: 10.0,
        },
        100,
        10_000,
    );
    assert!(edge.iter().all(|&x| x < 100));
}

#[test]
fn sequential_ranks_wrap_from_their_start() {
    let mut p = Popularity::new(KeyDist::Sequential, 5, 3).unwrap();
    let mut rng = derive_rng(1, 1);
    let got: Vec<u64> = (0..7).map(|_| p.rank(&mut rng)).collect();
    assert_eq!(got, [3, 4, 0, 1, 2, 3, 4]);
    // Its ids are the scatter of those ranks: every key once per lap.
    let mut p = Popularity::new(KeyDist::Sequential, 1000, 0).unwrap();
    let mut ids: Vec<u64> = (0..1000).map(|_| p.draw(&mut rng)).collect();
    ids.sort_unstable();
    assert_eq!(ids, (0..1000).collect::<Vec<_>>());
}

#[test]
fn a_hotspot_takes_its_share_of_the_traffic() {
    let (n, draws) = (1000u64, 200_000);
    let r = ranks(
        KeyDist::Hotspot {
            keys: 0.2,
            traffic: 0.8,
        },
        n,
        draws,
    );
    let hot = r.iter().filter(|&&x| x < 200).count() as f64 / draws as f64;
    assert!((hot - 0.8).abs() < 0.01, "{hot}");
    let c = counts(&r, n);
    // Uniform within each set: 0.8 / 200 and 0.2 / 800 of the draws.
    assert!(
        (c[7] / (draws as f64 * 0.004) - 1.0).abs() < 0.2,
        "{}",
        c[7]
    );
    assert!(
        (c[700] / (draws as f64 * 0.00025) - 1.0).abs() < 0.3,
        "{}",
        c[700]
    );
}

#[test]
fn draws_are_reproducible_and_in_range() {
    for dist in [
        "uniform",
        "zipf:1.2",
        "gaussian:50,20",
        "sequential",
        "hotspot:0.1,0.9",
    ] {
        let dist: KeyDist = dist.parse().unwrap();
        let draw = || {
            let mut p = Popularity::new(dist, 97, 5).unwrap();
            let mut rng = derive_rng(8, 2);
            (0..1000).map(|_| p.draw(&mut rng)).collect::<Vec<_>>()
        };
        let a = draw();
        assert!(a.iter().all(|&id| id < 97), "{dist}");
        assert_eq!(a, draw(), "{dist}");
    }
}
