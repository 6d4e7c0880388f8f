//! Shell completion: the committed static scripts are current, and kubectl's own plugin
//! completion (kubectl ≥ 1.26 runs `kubectl_complete-storage`) gets the right candidates.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const SHELLS: [(&str, &str); 4] = [
    ("bash", "kubectl-storage.bash"),
    ("zsh", "_kubectl-storage"),
    ("fish", "kubectl-storage.fish"),
    ("powershell", "kubectl-storage.ps1"),
];

#[test]
fn committed_scripts_are_current() {
    for (shell, file) in SHELLS {
        let out = Command::new(env!("CARGO_BIN_EXE_kubectl-storage"))
            .args(["completion", shell])
            .output()
            .unwrap();
        assert!(out.status.success());
        let path = root().join("completions").join(file);
        let committed = std::fs::read(&path).unwrap_or_default();
        if std::env::var_os("UPDATE_COMPLETIONS").is_some() {
            std::fs::write(&path, &out.stdout).unwrap();
            continue;
        }
        assert!(
            committed == out.stdout,
            "{} is stale: regenerate with `UPDATE_COMPLETIONS=1 cargo test --test completion`",
            path.display()
        );
    }
}

#[test]
fn unknown_shell_is_a_usage_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_kubectl-storage"))
        .args(["completion", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("invalid value 'tcsh'"), "{err}");
}

/// A PATH holding only our two executables, as krew or an install would place them.
fn plugin_path(dir: &Path) -> String {
    for (name, exe) in [
        ("kubectl-storage", env!("CARGO_BIN_EXE_kubectl-storage")),
        (
            "kubectl_complete-storage",
            env!("CARGO_BIN_EXE_kubectl_complete-storage"),
        ),
    ] {
        std::os::unix::fs::symlink(exe, dir.join(name)).unwrap();
    }
    format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// `kubectl __complete storage WORDS…`: exactly what a shell's kubectl completion runs.
fn kubectl_complete(words: &[&str], kubeconfig: &str) -> (Vec<String>, String, Duration) {
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let out = Command::new("kubectl")
        .arg("__complete")
        .arg("storage")
        .args(words)
        .env("PATH", plugin_path(dir.path()))
        .env("KUBECONFIG", kubeconfig)
        .output()
        .expect("kubectl is installed");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let lines: Vec<String> = stdout.lines().map(str::to_string).collect();
    (
        lines,
        String::from_utf8_lossy(&out.stderr).into_owned(),
        started.elapsed(),
    )
}

#[test]
fn kubectl_completes_subcommands_codes_and_snapshot_names() {
    let (lines, _, _) = kubectl_complete(&["ex"], "/nonexistent");
    assert!(
        lines.iter().any(|l| l.starts_with("explain\t")),
        "{lines:?}"
    );
    let (lines, _, _) = kubectl_complete(&["explain", "zone"], "/nonexistent");
    assert_eq!(
        lines
            .first()
            .map(|l| l.split('\t').next().unwrap_or_default()),
        Some("zone-mismatch"),
        "{lines:?}"
    );
    assert_eq!(lines.last().map(String::as_str), Some(":4"));
    let healthy = root().join("examples/healthy").display().to_string();
    let (lines, _, _) = kubectl_complete(&["why", "--snapshot", &healthy, "pvc/"], "/nonexistent");
    assert_eq!(lines, vec!["pvc/task-pvc".to_string(), ":4".to_string()]);
    let (lines, _, _) = kubectl_complete(&["why", ""], "/nonexistent");
    assert!(
        lines.contains(&"pod/\ta pod and every volume it uses".to_string()),
        "{lines:?}"
    );
    assert_eq!(
        lines.last().map(String::as_str),
        Some(":6"),
        "no space after pod/"
    );
    let (lines, _, _) = kubectl_complete(&["why", "-o", "j"], "/nonexistent");
    assert!(lines[0].starts_with("json"), "{lines:?}");
    let (lines, _, _) = kubectl_complete(&["preflight", "--ignore", "multi"], "/nonexistent");
    assert!(
        lines.iter().any(|l| l.starts_with("multi-attach\t"))
            && lines
                .iter()
                .any(|l| l.starts_with("multiple-default-storageclasses\t")),
        "{lines:?}"
    );
    let (lines, _, _) = kubectl_complete(
        &["import-ebs", "--snapshot", &healthy, "vol-"],
        "/nonexistent",
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("vol-0c3f5a7b9d1e2f4a6\t100 GiB gp3 us-east-1a in-use")),
        "{lines:?}"
    );
}

#[test]
fn an_unreachable_cluster_neither_hangs_nor_prints_noise() {
    // A server that accepts the connection and never answers: the worst case for a shell.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let kc = dir.path().join("kubeconfig");
    std::fs::write(
        &kc,
        format!("apiVersion: v1\nkind: Config\nclusters: [{{name: c, cluster: {{server: 'https://127.0.0.1:{port}', insecure-skip-tls-verify: true}}}}]\nusers: [{{name: u, user: {{token: t}}}}]\ncontexts: [{{name: x, context: {{cluster: c, user: u}}}}]\ncurrent-context: x\n"),
    )
    .unwrap();
    // Through kubectl: no candidates, no noise (kubectl itself waits on the server a while
    // before it calls any plugin, so its total time is not ours to bound).
    let (lines, stderr, _) = kubectl_complete(&["why", "pod/"], kc.to_str().unwrap());
    assert_eq!(lines, vec![":4".to_string()]);
    assert!(
        !stderr.contains("error") && !stderr.contains("panicked"),
        "{stderr}"
    );
    // Our part is bounded by the 2 s completion timeout.
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_kubectl_complete-storage"))
        .args(["why", "pod/"])
        .env("KUBECONFIG", &kc)
        .output()
        .unwrap();
    let took = started.elapsed();
    assert_eq!(String::from_utf8_lossy(&out.stdout), ":4\n");
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(took < Duration::from_secs(3), "completion took {took:?}");
    drop(listener);
}

/// The committed bash script, run by a real bash, completes flags after a subcommand (the
/// function and case names once disagreed and nothing completed); zsh and fish load theirs.
#[test]
fn static_scripts_work_in_real_shells() {
    let dir = root().join("completions");
    let bash = format!(
        "source {}; COMP_WORDS=(kubectl-storage scan --fa); COMP_CWORD=2; _kubectl__storage kubectl-storage --fa scan; echo \"${{COMPREPLY[@]}}\"",
        dir.join("kubectl-storage.bash").display()
    );
    let out = Command::new("bash")
        .args(["-c", &bash])
        .output()
        .expect("bash runs");
    let got = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        got.trim(),
        "--fail-on",
        "{got} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    for (shell, script) in [
        (
            "zsh",
            format!(
                "autoload -U compinit; compinit -u; source {}",
                dir.join("_kubectl-storage").display()
            ),
        ),
        (
            "fish",
            format!(
                "source {}; complete -C 'kubectl-storage scan --fa'",
                dir.join("kubectl-storage.fish").display()
            ),
        ),
    ] {
        let Ok(out) = Command::new(shell).args(["-c", &script]).output() else {
            println!("{shell} not installed: skipped (scripts/test installs it with apt)");
            continue;
        };
        assert!(
            out.status.success(),
            "{shell}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        if shell == "fish" {
            assert!(
                String::from_utf8_lossy(&out.stdout).contains("--fail-on"),
                "fish: {out:?}"
            );
        }
    }
}

#[test]
fn krew_caveat_glob_is_outside_the_quotes() {
    let manifest = std::fs::read_to_string(root().join("krew-manifest.yaml")).expect("manifest");
    let line = manifest
        .lines()
        .find(|l| l.contains("ln -s"))
        .expect("ln -s line");
    assert!(
        line.contains("\")\"/../store/storage/*/kubectl_complete-storage"),
        "{line}"
    );
    assert!(
        !line.contains("*/kubectl_complete-storage\""),
        "the * must not be quoted: {line}"
    );
}
