//! The workload flags beyond memaslap's: `--preset`, `--key-size`,
//! `--value-size`, `--keys` and `--key-dist`, applied to a workload
//! configuration and shown in the banner.

use crate::options::{Options, Preset};
use crate::setup::SetupError;
use memaslap_workload::{
    CommandMix, KeyDist, KeyspaceConfig, MAX_KEY_LEN, MAX_VALUE_LEN, MIN_KEY_LEN, SizeDist,
    SizeRange, WorkloadConfig,
};

/// ETC's gets per set (Atikoglu et al., SIGMETRICS 2012).
const ETC_GETS_PER_SET: f64 = 30.0;

/// Applies the preset, then the explicit sizes and mix over it, then the
/// keyspace.
pub fn apply(options: &Options, config: &mut WorkloadConfig) -> Result<(), SetupError> {
    if options.preset == Some(Preset::Etc) {
        config.key_sizes = Some(SizeDist::ETC_KEYS);
        config.value_sizes = Some(SizeDist::ETC_VALUES);
        let total = ETC_GETS_PER_SET + 1.0;
        config.mix = CommandMix {
            set: 1.0 / total,
            get: ETC_GETS_PER_SET / total,
        };
    }
    if let Some((set, get)) = options.ratio {
        config.mix = CommandMix { set, get };
    }
    if let Some(dist) = &options.key_size {
        key_sizes(config, dist)?;
    }
    if let Some(dist) = &options.value_size {
        if options.fixed_size.is_some() {
            return Err(SetupError::Usage(
                "--value-size and --fixed_size both set the value length; give one".into(),
            ));
        }
        value_sizes(config, dist)?;
    }
    config.commands = options.mix;
    if let Some(keys) = options.keys {
        config.keyspace = Some(KeyspaceConfig {
            keys,
            dist: options.key_dist.unwrap_or(KeyDist::Uniform),
            prefill: false,
        });
    }
    Ok(())
}

fn key_sizes(config: &mut WorkloadConfig, dist: &SizeDist) -> Result<(), SetupError> {
    let Some((low, high)) = bounds(dist) else {
        config.key_sizes = Some(dist.clone());
        return Ok(());
    };
    if low < MIN_KEY_LEN || high > MAX_KEY_LEN {
        return Err(SetupError::Usage(format!(
            "--key-size {dist}: keys are {MIN_KEY_LEN} to {MAX_KEY_LEN} bytes (the 8-byte unique part included)"
        )));
    }
    config.key_sizes = None;
    config.keys = vec![SizeRange::new(low, high, 1.0)];
    Ok(())
}

fn value_sizes(config: &mut WorkloadConfig, dist: &SizeDist) -> Result<(), SetupError> {
    let Some((low, high)) = bounds(dist) else {
        config.value_sizes = Some(dist.clone());
        return Ok(());
    };
    if low == 0 || high > MAX_VALUE_LEN {
        return Err(SetupError::Usage(format!(
            "--value-size {dist}: values are 1 to {MAX_VALUE_LEN} bytes"
        )));
    }
    config.value_sizes = None;
    config.values = vec![SizeRange::new(low, high, 1.0)];
    Ok(())
}

/// The bounds of a fixed size or uniform range; `None` for a named
/// distribution.
fn bounds(dist: &SizeDist) -> Option<(u32, u32)> {
    match dist {
        SizeDist::Fixed(n) => Some((*n, *n)),
        SizeDist::Uniform { min, max } => Some((*min, *max)),
        _ => None,
    }
}

/// Banner lines for these flags, when given: the keyspace, and each size
/// with the share of it clamped to memcached's limits.
pub fn banner(out: &mut String, options: &Options, config: &WorkloadConfig) {
    if let Some(preset) = options.preset {
        out.push_str(&format!("preset: {}\n", preset_name(preset)));
    }
    if let Some(space) = config.keyspace {
        out.push_str(&format!("keyspace: {} keys, {}\n", space.keys, space.dist));
    }
    let key_room = MAX_KEY_LEN.saturating_sub(config.key_prefix.len() as u32);
    match (&config.key_sizes, &options.key_size) {
        (Some(dist), _) => sized(out, "key size", dist, MIN_KEY_LEN, key_room),
        (None, Some(dist)) => out.push_str(&format!("key size: {dist}\n")),
        (None, None) => {}
    }
    match (
        config.fixed_value_len,
        &config.value_sizes,
        &options.value_size,
    ) {
        (Some(_), _, _) => {}
        (None, Some(dist), _) => sized(out, "value size", dist, 1, MAX_VALUE_LEN),
        (None, None, Some(dist)) => out.push_str(&format!("value size: {dist}\n")),
        (None, None, None) => {}
    }
}

fn sized(out: &mut String, what: &str, dist: &SizeDist, min: u32, max: u32) {
    let share = dist.clamped_share(min, max) * 100.0;
    out.push_str(&format!(
        "{what}: {dist} (median {:.0}, p99 {:.0}; {share:.3}% clamped to {min}-{max})\n",
        dist.quantile(0.5).clamp(f64::from(min), f64::from(max)),
        dist.quantile(0.99).clamp(f64::from(min), f64::from(max)),
    ));
}

/// The preset's name as `--preset` takes it.
pub fn preset_name(preset: Preset) -> &'static str {
    match preset {
        Preset::Etc => "etc",
    }
}
