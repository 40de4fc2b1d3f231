//! The recipes in `deploy/`: the Dockerfile's shape, the Kubernetes
//! manifests as `run.sh --render` fills them in (they parse, name what an
//! Indexed Job needs, and their command lines run and merge for real), and
//! the ssh recipe run end to end with `ssh` and `scp` that stay on this
//! machine.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "../../proto/tests/support/mod.rs"]
mod support;

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use support::Memcached;
use yaml_rust2::{Yaml, YamlLoader};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A fresh scratch directory.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("memaslap-deploy-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The Dockerfile's instructions, continuation lines joined.
fn instructions(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || (line.is_empty() && current.is_empty()) {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(head) => current.push_str(head),
            None => {
                current.push_str(line);
                let (word, rest) = current.split_once(' ').unwrap_or((&current, ""));
                out.push((word.to_string(), rest.trim().to_string()));
                current.clear();
            }
        }
    }
    assert!(current.is_empty(), "a continuation runs off the end");
    out
}

#[test]
fn the_dockerfile_builds_in_one_stage_and_ships_the_binary_alone() {
    let text = std::fs::read_to_string(repo().join("deploy/Dockerfile")).unwrap();
    let steps = instructions(&text);
    let known = [
        "FROM",
        "WORKDIR",
        "COPY",
        "RUN",
        "USER",
        "ENTRYPOINT",
        "ENV",
        "ARG",
    ];
    for (word, _) in &steps {
        assert!(known.contains(&word.as_str()), "unknown instruction {word}");
    }
    let froms: Vec<&String> = steps
        .iter()
        .filter(|(w, _)| w == "FROM")
        .map(|(_, r)| r)
        .collect();
    assert_eq!(froms.len(), 2, "{froms:?}");
    assert!(froms[0].ends_with(" AS build"), "{}", froms[0]);
    assert!(froms[1].contains("distroless"), "{}", froms[1]);
    let last = steps.iter().rposition(|(w, _)| w == "FROM").unwrap();
    let (build, ship) = steps.split_at(last);
    assert!(
        build
            .iter()
            .any(|(w, r)| w == "RUN" && r.contains("cargo build --release --locked"))
    );
    let copies: Vec<&String> = ship
        .iter()
        .filter(|(w, _)| w == "COPY")
        .map(|(_, r)| r)
        .collect();
    assert_eq!(copies.len(), 1, "the final image holds the binary only");
    assert!(copies[0].starts_with("--from=build /src/target/release/memaslap "));
    let (_, entry) = ship.iter().find(|(w, _)| w == "ENTRYPOINT").unwrap();
    let entry: Vec<String> = serde_json::from_str(entry).unwrap();
    assert_eq!(entry, ["/usr/local/bin/memaslap"]);
    let ignored = std::fs::read_to_string(repo().join(".dockerignore")).unwrap();
    assert!(ignored.lines().any(|l| l == "target"));
}

/// The string items of `args`.
fn strings(args: &Yaml) -> Vec<String> {
    args.as_vec()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect()
}

/// `args` as the container runs them for pod `index`, the volume mounted at
/// `dir` (Kubernetes expands `$(JOB_COMPLETION_INDEX)`).
fn as_run(args: &[String], index: usize, dir: &Path) -> Vec<String> {
    let dir = dir.to_str().unwrap();
    args.iter()
        .map(|a| {
            a.replace("$(JOB_COMPLETION_INDEX)", &index.to_string())
                .replace("/results", dir)
                .replace("/merged", &format!("{dir}/merged"))
        })
        .collect()
}

#[test]
fn the_kubernetes_manifests_name_an_indexed_job_whose_pods_run_and_merge() {
    let server = Memcached::start();
    let addr = format!("127.0.0.1:{}", server.port());
    let dir = scratch("k8s");
    let rendered = dir.join("manifests");
    let out = Command::new("bash")
        .arg(repo().join("deploy/kubernetes/run.sh"))
        .args([
            "-n",
            "3",
            "-s",
            &addr,
            "-i",
            "registry.example/memaslap:1",
            "-l",
            "2",
        ])
        .args([
            "--render",
            rendered.to_str().unwrap(),
            "--",
            "-t",
            "1s",
            "-c",
            "2",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let job =
        YamlLoader::load_from_str(&std::fs::read_to_string(rendered.join("job.yaml")).unwrap())
            .unwrap();
    let [claim, job] = &job[..] else {
        panic!("job.yaml holds {} documents", job.len())
    };
    assert_eq!(claim["kind"].as_str(), Some("PersistentVolumeClaim"));
    assert_eq!(
        claim["spec"]["accessModes"][0].as_str(),
        Some("ReadWriteMany")
    );
    let claim_name = claim["metadata"]["name"].as_str().unwrap();
    assert_eq!(job["kind"].as_str(), Some("Job"));
    let spec = &job["spec"];
    assert_eq!(spec["completionMode"].as_str(), Some("Indexed"));
    assert_eq!(spec["completions"].as_i64(), Some(3));
    assert_eq!(spec["parallelism"].as_i64(), Some(3));
    let pod = &spec["template"]["spec"];
    assert_eq!(pod["restartPolicy"].as_str(), Some("Never"));
    let volume = &pod["volumes"][0];
    assert_eq!(
        volume["persistentVolumeClaim"]["claimName"].as_str(),
        Some(claim_name)
    );
    let container = &pod["containers"][0];
    assert_eq!(
        container["image"].as_str(),
        Some("registry.example/memaslap:1")
    );
    assert_eq!(
        container["volumeMounts"][0]["mountPath"].as_str(),
        Some("/results")
    );
    let args = strings(&container["args"]);
    assert!(
        args.windows(2).any(|w| w == ["--instances", "3"]),
        "{args:?}"
    );

    let merge =
        YamlLoader::load_from_str(&std::fs::read_to_string(rendered.join("merge.yaml")).unwrap())
            .unwrap();
    let merge_pod = &merge[0]["spec"]["template"]["spec"];
    assert_eq!(
        merge_pod["volumes"][0]["persistentVolumeClaim"]["claimName"].as_str(),
        Some(claim_name)
    );
    let merge_args = strings(&merge_pod["containers"][0]["args"]);
    assert_eq!(merge_args[0], "merge");

    // The pods' command lines, run here: three instances, then the merge.
    let volume = dir.join("volume");
    std::fs::create_dir_all(volume.join("merged")).unwrap();
    let before = server.stats();
    let pods: Vec<_> = (0..3)
        .map(|i| {
            common::spawn(
                Command::new(env!("CARGO_BIN_EXE_memaslap"))
                    .args(as_run(&args, i, &volume))
                    .env("JOB_COMPLETION_INDEX", i.to_string()),
            )
        })
        .collect();
    common::all_succeed(pods);
    let after = server.stats();
    let run = common::memaslap(
        &as_run(&merge_args, 0, &volume)
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("instances 0, 1, 2 of 3 (all)"),
        "{}",
        run.stdout
    );
    let merged: serde_json::Value =
        serde_json::from_slice(&std::fs::read(volume.join("merged/run.json")).unwrap()).unwrap();
    for name in ["cmd_get", "cmd_set"] {
        assert_eq!(
            merged["counters"][name],
            after[name] - before[name],
            "{name}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_ssh_recipe_runs_an_instance_per_host_and_merges_them() {
    let server = Memcached::start();
    let addr = format!("127.0.0.1:{}", server.port());
    let dir = scratch("ssh");
    // ssh and scp that reach "hosts" on this machine: ssh runs the remote
    // command through a shell, as sshd does; scp drops the "host:".
    let ssh = dir.join("ssh");
    std::fs::write(&ssh, "#!/bin/sh\nshift\nexec sh -c \"$*\"\n").unwrap();
    let scp = dir.join("scp");
    std::fs::write(&scp, "#!/bin/sh\nexec cp \"${1#*:}\" \"${2#*:}\"\n").unwrap();
    let hosts = dir.join("hosts");
    std::fs::write(
        &hosts,
        "# the client machines\nclient-a\n\nclient-b  # rack 2\nclient-c\n",
    )
    .unwrap();
    let results = dir.join("results");
    let before = server.stats();
    let out = Command::new("bash")
        .arg(repo().join("deploy/ssh/run.sh"))
        .args([
            "-H",
            hosts.to_str().unwrap(),
            "-s",
            &addr,
            "-l",
            "2",
            "-S",
            "9",
        ])
        .args([
            "-b",
            env!("CARGO_BIN_EXE_memaslap"),
            "-o",
            results.to_str().unwrap(),
        ])
        .args(["--", "-t", "1s", "-c", "2"])
        .env("SSH", format!("sh {}", ssh.display()))
        .env("SCP", format!("sh {}", scp.display()))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = server.stats();
    assert!(stdout.contains("instances 0, 1, 2 of 3 (all)"), "{stdout}");
    let merged: serde_json::Value =
        serde_json::from_slice(&std::fs::read(results.join("run.json")).unwrap()).unwrap();
    assert_eq!(merged["seed"], 9);
    for name in ["cmd_get", "cmd_set"] {
        assert_eq!(
            merged["counters"][name],
            after[name] - before[name],
            "{name}"
        );
    }
    for i in 0..3 {
        assert!(results.join(format!("instance-{i}.json")).is_file());
    }
    assert!(
        std::fs::read_to_string(results.join("report.txt"))
            .unwrap()
            .contains("Instances:")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
