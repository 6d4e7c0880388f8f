//! Every bad input is one short line (≤ 200 characters: file, line, column, what is wrong),
//! exit 2, with no parser internals; EC2 5xx and garbage answers are one short line too.

use assert_cmd::Command;
use std::io::{Read, Write};
use std::path::PathBuf;

fn run(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kubectl-storage"));
    c.args(args)
        .env("NO_COLOR", "1")
        .env_remove("KUBECONFIG")
        .env_remove("AWS_ENDPOINT_URL_EC2")
        .env_remove("AWS_PROFILE");
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn fixtures() -> Vec<PathBuf> {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/bad-input"
    ));
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("fixtures")
        .map(|e| e.expect("entry").path())
        .collect();
    v.sort();
    v
}

#[test]
fn every_bad_input_fixture_is_one_short_line_in_every_loader() {
    let files = fixtures();
    assert!(files.len() >= 10, "{files:?}");
    for f in &files {
        let p = f.to_str().expect("utf-8");
        for args in [
            vec!["why", "pod/x", "--snapshot", p],
            vec!["scan", "--snapshot", p],
            vec!["preflight", "-f", p],
        ] {
            let (code, _, err) = run(&args, &[]);
            // preflight reads manifests as the API server's decoder does: a repeated key keeps
            // its later value, with a one-line warning instead of a refusal.
            let warns = args[0] == "preflight" && p.ends_with("duplicate-key.yaml");
            assert_eq!(code, if warns { 0 } else { 2 }, "{args:?}: {err}");
            let line = err.trim_end();
            assert_eq!(line.lines().count(), 1, "{args:?}: {err}");
            assert!(
                line.chars().count() <= 200,
                "{args:?}: {} chars: {line}",
                line.chars().count()
            );
            for internal in [
                "Options",
                "Budget",
                "breached",
                "Nodes {",
                "DuplicateKeyPolicy",
            ] {
                assert!(!line.contains(internal), "{args:?}: {line}");
            }
        }
    }
    // The YAML errors name file, line and column.
    let (_, _, err) = run(
        &[
            "scan",
            "--snapshot",
            files
                .iter()
                .find(|f| f.ends_with("duplicate-key.yaml"))
                .and_then(|f| f.to_str())
                .expect("fixture"),
        ],
        &[],
    );
    assert!(
        err.contains("duplicate-key.yaml:5:3: invalid YAML: duplicate key \"name\" in one map"),
        "{err}"
    );
}

/// A one-shot HTTP server answering every request with `response`.
fn serve(response: &'static str) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut buf = [0u8; 65536];
            let _ = s.read(&mut buf);
            let _ = s.write_all(response.as_bytes());
        }
    });
    format!("http://{addr}")
}

#[test]
fn ec2_5xx_and_garbage_answers_are_one_short_line() {
    let seed = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/seed");
    for (response, want) in [
        (
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/html\r\nContent-Length: 38\r\nConnection: close\r\n\r\n<html><body>upstream down</body></html>",
            "HTTP 503",
        ),
        (
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 19\r\nConnection: close\r\n\r\nthis is not xml {{{",
            "is not an EC2 response",
        ),
    ] {
        let url = serve(response);
        let (_, out, err) = run(
            &["why", "pod/task-pod", "--snapshot", seed, "--live-aws", "--region", "us-east-1"],
            &[
                ("AWS_ENDPOINT_URL_EC2", &url),
                ("AWS_ACCESS_KEY_ID", "testing"),
                ("AWS_SECRET_ACCESS_KEY", "testing"),
                ("AWS_EC2_METADATA_DISABLED", "true"),
            ],
        );
        let all = format!("{out}{err}");
        let line = all
            .lines()
            .find(|l| l.contains("Describe"))
            .unwrap_or_else(|| panic!("no EC2 line: {all}"));
        assert!(line.contains(want), "{line}");
        assert!(line.chars().count() <= 200, "{} chars: {line}", line.chars().count());
        assert!(!all.contains("DispatchFailure") && !all.contains("raw:"), "{all}");
    }
}
