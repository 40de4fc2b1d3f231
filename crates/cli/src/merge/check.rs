//! Whether result files come from one run: the same tool, seed and
//! configuration apart from the instance, distinct instances of the same
//! count, and one start.

use super::InstanceLine;
use super::input::Input;
use serde_json::Value;

/// How far apart the instances' measured runs may start: as far as
/// `--start-at` lets one instance start late.
const START_SPREAD_S: f64 = 1.0;

/// The instances of `inputs`, in order, once they are known to be of one
/// run.
///
/// # Errors
/// A message naming the file and the field that differs.
pub fn one_run(inputs: &[Input]) -> Result<Vec<InstanceLine>, String> {
    let Some(first) = inputs.first() else {
        return Err("give the result files to merge (memaslap --json FILE)".to_string());
    };
    let mut instances: Vec<(InstanceLine, &Input)> = Vec::new();
    for input in inputs {
        kind(input)?;
        if !std::ptr::eq(input, first) {
            same(input, first)?;
        }
        for line in input.instances()? {
            distinct(&line, input, &instances)?;
            instances.push((line, input));
        }
    }
    let mut lines: Vec<InstanceLine> = instances.into_iter().map(|(l, _)| l).collect();
    lines.sort_by_key(|l| l.index);
    Ok(lines)
}

/// Results that do not merge: scans and trace replays.
fn kind(input: &Input) -> Result<(), String> {
    let name = input.path.display();
    if input.run.scan.is_some() {
        return Err(format!(
            "{name}: a --scan result; scans do not merge (merge runs at one rate)"
        ));
    }
    if input.run.trace.is_some() {
        return Err(format!(
            "{name}: a --trace replay; each instance replays its own trace, so replays do not merge"
        ));
    }
    Ok(())
}

/// Whether `input` is of the run `first` is of.
fn same(input: &Input, first: &Input) -> Result<(), String> {
    let (a, b) = (&input.run, &first.run);
    let differs = |field: &str, mine: &dyn std::fmt::Display, theirs: &dyn std::fmt::Display| {
        format!(
            "{}: {field} is {mine} but {} has {theirs}: not one run",
            input.path.display(),
            first.path.display()
        )
    };
    if a.version != b.version {
        return Err(differs("version", &a.version, &b.version));
    }
    if a.seed != b.seed {
        let hint = " (give every instance the same --seed)";
        return Err(differs("seed", &a.seed, &b.seed) + hint);
    }
    if let Some((key, mine, theirs)) = config_difference(&a.config, &b.config) {
        return Err(differs(&format!("config.{key}"), &mine, &theirs));
    }
    if (a.run_start_unix_s - b.run_start_unix_s).abs() > START_SPREAD_S {
        return Err(format!(
            "{}: run_start_unix_s is {:.3} but {} has {:.3}: the runs started {:.3}s apart, not \
             one run (give every instance the same --start-at)",
            input.path.display(),
            a.run_start_unix_s,
            first.path.display(),
            b.run_start_unix_s,
            (a.run_start_unix_s - b.run_start_unix_s).abs()
        ));
    }
    Ok(())
}

/// The first configuration field, apart from the instance, in which `a`
/// and `b` differ: its name and both values.
fn config_difference(a: &Value, b: &Value) -> Option<(String, Value, Value)> {
    let (Value::Object(a), Value::Object(b)) = (a, b) else {
        return (a != b).then(|| ("".to_string(), a.clone(), b.clone()));
    };
    let keys = a.keys().chain(b.keys()).filter(|k| *k != "instance");
    // A field one lacks is null, as the document writes an absent value.
    let or_null = |v: Option<&Value>| v.cloned().unwrap_or(Value::Null);
    keys.map(|key| (key.clone(), or_null(a.get(key)), or_null(b.get(key))))
        .find(|(_, mine, theirs)| mine != theirs)
}

/// Whether the instance `line` of `input` is new among `seen`.
fn distinct(
    line: &InstanceLine,
    input: &Input,
    seen: &[(InstanceLine, &Input)],
) -> Result<(), String> {
    let name = input.path.display();
    for (other, from) in seen {
        if other.count != line.count {
            return Err(format!(
                "{name}: instance {}/{} but {} has instance {}/{}: not one run",
                line.index,
                line.count,
                from.path.display(),
                other.index,
                other.count
            ));
        }
        if other.index == line.index {
            return Err(format!(
                "{name}: instance {}/{} is also in {}: each instance merges once",
                line.index,
                line.count,
                from.path.display()
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_instance_is_the_only_field_that_may_differ() {
        let a = json!({"threads": 2, "instance": [0, 3], "rate": null});
        let b = json!({"threads": 2, "instance": [1, 3], "rate": null});
        assert_eq!(config_difference(&a, &b), None);
        let c = json!({"threads": 4, "instance": [1, 3], "rate": null});
        assert_eq!(
            config_difference(&c, &a),
            Some(("threads".into(), json!(4), json!(2)))
        );
        let d = json!({"threads": 2, "instance": [1, 3]});
        assert_eq!(config_difference(&a, &d), None);
        let e = json!({"threads": 2, "instance": [1, 3], "depth": 4});
        assert_eq!(
            config_difference(&e, &d),
            Some(("depth".into(), json!(4), Value::Null))
        );
    }
}
