//! Identity flags never fall back silently, and what a snapshot did not hold is said plainly.

use assert_cmd::Command;

fn run(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kubectl-storage"));
    c.args(args)
        .env("NO_COLOR", "1")
        .env_remove("KUBECONFIG")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_CONFIG_FILE")
        .env_remove("AWS_SHARED_CREDENTIALS_FILE");
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

const KUBECONFIG: &str = "apiVersion: v1\nkind: Config\nclusters: [{name: c1, cluster: {server: \"https://127.0.0.1:9\"}}]\nusers: [{name: alice, user: {token: x}}, {name: bob, user: {token: y}}]\ncontexts: [{name: prod, context: {cluster: c1, user: alice}}]\ncurrent-context: prod\n";

#[test]
fn unknown_user_context_and_cluster_fail_naming_what_exists() {
    let dir = tempfile::tempdir().expect("tmp");
    let kc = dir.path().join("config");
    std::fs::write(&kc, KUBECONFIG).expect("write");
    let kc = kc.to_str().expect("utf-8");
    for (args, env, want) in [
        (
            vec!["why", "pod/x", "--kubeconfig", kc, "--user", "nope"],
            vec![],
            "error: --user \"nope\": no such user in ".to_string()
                + kc
                + " (users there: alice, bob)",
        ),
        (
            vec!["why", "pod/x", "--context", "nope"],
            vec![("KUBECONFIG", kc)],
            "error: --context \"nope\": no such context in the kubeconfig (contexts there: prod)"
                .into(),
        ),
        (
            vec!["scan", "--cluster", "nope"],
            vec![("KUBECONFIG", kc)],
            "error: --cluster \"nope\": no such cluster in the kubeconfig (clusters there: c1)"
                .into(),
        ),
    ] {
        let (code, _, err) = run(&args, &env);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert_eq!(err.trim_end(), want, "{args:?}");
    }
}

#[test]
fn unknown_aws_profile_fails_naming_the_profiles() {
    let dir = tempfile::tempdir().expect("tmp");
    let config = dir.path().join("config");
    std::fs::write(&config, "[default]\nregion = us-east-1\n[profile prod]\nregion = eu-west-1\n[sso-session corp]\nsso_region = us-east-1\n").expect("write");
    let creds = dir.path().join("credentials");
    std::fs::write(&creds, "[ci]\naws_access_key_id = x\n").expect("write");
    let env = [
        ("AWS_CONFIG_FILE", config.to_str().expect("utf-8")),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            creds.to_str().expect("utf-8"),
        ),
    ];
    let seed = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/seed");
    let (code, _, err) = run(
        &[
            "why",
            "pod/task-pod",
            "--snapshot",
            seed,
            "--profile",
            "nope",
        ],
        &env,
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.trim_end()
            .ends_with("(profiles there: ci, default, prod)")
            && err.contains("--profile \"nope\": no such AWS profile in"),
        "{err}"
    );
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    // An existing profile (from either file) passes the check.
    for p in ["prod", "ci"] {
        let (code, _, err) = run(
            &["why", "pod/task-pod", "--snapshot", seed, "--profile", p],
            &env,
        );
        assert_ne!(code, 2, "{p}: {err}");
    }
}

#[test]
fn an_empty_snapshot_says_nothing_was_scanned() {
    let dir = tempfile::tempdir().expect("tmp");
    let f = dir.path().join("empty.yaml");
    std::fs::write(&f, "apiVersion: v1\nkind: List\nitems: []\n").expect("write");
    let (code, out, err) = run(&["scan", "--snapshot", f.to_str().expect("utf-8")], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("Nothing to scan in all namespaces: no claims, volumes or pods were found"),
        "{out}"
    );
    assert!(!out.contains("No problems found"), "{out}");
}

#[test]
fn duplicate_objects_are_noted_at_v1() {
    let dir = tempfile::tempdir().expect("tmp");
    let seed = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/seed");
    let twice = dir.path().join("twice");
    std::fs::create_dir(&twice).expect("dir");
    for entry in std::fs::read_dir(seed).expect("seed") {
        let p = entry.expect("entry").path();
        if p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n == "pvs.json" || n == "nodes.json")
        {
            std::fs::copy(
                &p,
                twice.join(format!(
                    "copy-{}",
                    p.file_name().and_then(|n| n.to_str()).unwrap_or("x")
                )),
            )
            .expect("copy");
        }
    }
    let (_, _, err) = run(
        &[
            "scan",
            "--snapshot",
            seed,
            "--snapshot",
            twice.to_str().expect("utf-8"),
            "-v",
            "1",
        ],
        &[],
    );
    assert!(
        err.contains("Node object(s) were given more than once (same namespace and name): the last one read is used"),
        "{err}"
    );
    let (_, _, err) = run(&["scan", "--snapshot", seed, "-v", "1"], &[]);
    assert!(!err.contains("more than once"), "{err}");
}
