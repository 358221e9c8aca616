//! The `bff` binary as a user runs it: JSON in, JSON out, clear errors with exit code 2.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn bff(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bff"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bff starts");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(stdin.as_bytes())
        .expect("stdin accepts input");
    child.wait_with_output().expect("bff finishes")
}

fn json(output: &Output) -> serde_json::Value {
    assert!(
        output.status.success(),
        "bff failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("stdout is JSON")
}

fn sample_file(dir: &std::path::Path) -> std::path::PathBuf {
    let out = bff(
        &[
            "sample",
            "--n",
            "48",
            "--dim",
            "32",
            "--clusters",
            "4",
            "--seed",
            "3",
        ],
        "",
    );
    let path = dir.join("sample.json");
    std::fs::write(&path, &out.stdout).unwrap();
    json(&out);
    path
}

#[test]
fn sample_cluster_select_coverage_chain() {
    let dir = std::env::temp_dir().join(format!("bff-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sample = sample_file(&dir);

    let clusters = bff(&["cluster", sample.to_str().unwrap(), "--seed", "1"], "");
    let clusters_path = dir.join("clusters.json");
    std::fs::write(&clusters_path, &clusters.stdout).unwrap();
    let clusters = json(&clusters);
    // Four well-separated synthetic clusters: the silhouette finds them (K is clipped to 3..8).
    assert_eq!(clusters["best_k"], 4);
    assert_eq!(clusters["candidates"].as_array().unwrap().len(), 6);

    let selection = bff(
        &[
            "select",
            sample.to_str().unwrap(),
            "--picks",
            "8",
            "--clusters-from",
            clusters_path.to_str().unwrap(),
        ],
        "",
    );
    let selection_path = dir.join("selection.json");
    std::fs::write(&selection_path, &selection.stdout).unwrap();
    let selection = json(&selection);
    let picks = selection["picks"].as_array().unwrap();
    assert_eq!(picks.len(), 8);
    let clusters_picked: std::collections::BTreeSet<u64> = picks
        .iter()
        .map(|p| p["cluster"].as_u64().unwrap())
        .collect();
    assert_eq!(clusters_picked.len(), 4, "every cluster is represented");

    let coverage = json(&bff(
        &[
            "coverage",
            sample.to_str().unwrap(),
            "--selection",
            selection_path.to_str().unwrap(),
        ],
        "",
    ));
    assert_eq!(coverage["image_count"], 8);
    let score = coverage["overall_score"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&score));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn reads_standard_input_and_bare_arrays() {
    let out = json(&bff(
        &["cluster", "-", "--k-min", "2", "--k-max", "2"],
        "[[0,0],[0,0.1],[5,5],[5,5.1]]",
    ));
    assert_eq!(out["best_k"], 2);
    let labels = out["model"]["labels"].as_array().unwrap();
    assert_eq!(labels[0], labels[1]);
    assert_ne!(labels[0], labels[2]);
}

#[test]
fn bad_input_gives_a_message_and_exit_code_2() {
    let cases: &[(&[&str], &str, &str)] = &[
        (&["cluster"], "not json", "is not valid input"),
        (
            &["cluster"],
            "[[1,2],[3]]",
            "row 1 has 1 values, expected 2",
        ),
        (&["cluster"], "[]", "no embeddings"),
        (
            &["cluster"],
            "[[1,1],[1,1],[1,1]]",
            "cannot form 2 or more clusters",
        ),
        (
            &["cluster", "--k-min", "5", "--k-max", "4"],
            "[[1],[2],[3]]",
            "k_min",
        ),
        (
            &["select", "--picks", "1"],
            r#"{"embeddings":[[1,0]],"quality":[1.5]}"#,
            "quality of candidate 0",
        ),
        (
            &["select", "--picks", "1"],
            r#"{"embeddings":[[0,0]],"quality":[0.5]}"#,
            "zero vector",
        ),
        (
            &["select", "--picks", "1", "--theta", "1"],
            r#"{"embeddings":[[1,0]],"quality":[0.5]}"#,
            "theta",
        ),
        (
            &["select", "--picks", "1", "--near-duplicate-cosine", "x"],
            r#"{"embeddings":[[1,0]],"quality":[0.5]}"#,
            "near-duplicate-cosine",
        ),
        (
            &["coverage"],
            r#"{"targets":[],"images":[],"set_size":3}"#,
            "target",
        ),
        (
            &["cluster", "/nonexistent/file.json"],
            "",
            "cannot read /nonexistent/file.json",
        ),
    ];
    for (args, stdin, expected) in cases {
        let out = bff(args, stdin);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?} {stdin}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}: nothing on stdout");
        assert!(
            stderr.contains(expected),
            "{args:?} {stdin}: `{stderr}` lacks `{expected}`"
        );
    }
}

#[test]
fn brief_and_plan_commands() {
    let brief = json(&bff(
        &["brief", "linen midi dress, no florals, 6 looks"],
        "",
    ));
    assert_eq!(brief["count"], 6);
    assert_eq!(brief["exclusions"][0]["attribute"]["value"], "floral");
    let out = json(&bff(
        &[
            "plan",
            "linen midi dress, no florals",
            "--designs",
            "4",
            "--seed",
            "3",
        ],
        "",
    ));
    let variants = out["plan"]["variants"].as_array().unwrap();
    assert_eq!(variants.len(), 12);
    assert_eq!(variants[0]["prompts"].as_array().unwrap().len(), 3);
    let bad = bff(&["plan", "linen dress", "--models", "midjourney"], "");
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown model family `midjourney`"));
    let empty = bff(&["brief", "   "], "");
    assert_eq!(empty.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&empty.stderr).contains("empty"));
}

#[test]
fn migrate_applies_the_schema_once_and_refuses_a_bad_address() {
    let dir = std::env::temp_dir().join(format!("bff-cli-migrate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // A folder that does not exist yet, as a new deployment's `.spin/data/`.
    let _ = std::fs::remove_dir_all(dir.join("data"));
    let db = dir.join("data/bff.sqlite");
    let target = format!("sqlite:{}", db.display());
    let first = json(&bff(&["migrate", &target], ""));
    let applied: Vec<&str> = first["applied"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert_eq!(applied.first(), Some(&"0002_pipeline.sql"));
    assert!(applied.contains(&"0005_queue.sql"));
    let second = json(&bff(&["migrate", &target], ""));
    assert_eq!(second["applied"], serde_json::json!([]));
    let refused = bff(&["migrate", "postgres://nobody@127.0.0.1:1/bff"], "");
    assert_eq!(refused.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&refused.stderr).is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}
