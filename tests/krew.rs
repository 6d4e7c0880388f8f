//! The krew manifest follows krew's rules (the ones its validator enforces), and the release
//! script wrote it consistently.

use std::collections::HashSet;

use serde_json::Value;

fn manifest() -> Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/krew-manifest.yaml"))
        .expect("krew-manifest.yaml");
    serde_saphyr::from_str(&text).expect("valid YAML")
}

fn is_sha256(s: &str) -> bool {
    s.len() == 64
        && s.chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
}

#[test]
fn manifest_follows_krew_rules() {
    follows_krew_rules(&manifest());
}

/// `.krew.yaml` as krew-release-bot renders it for tag `tag`: `{{ .TagName }}` replaced, and each
/// `{{ addURIAndSha "URI" .TagName }}` becomes the archive's `uri:` and `sha256:` lines (here a
/// stand-in digest: the archives exist only on a release).
fn render_krew_template(tag: &str) -> String {
    // The sha256 of nothing: a well-formed digest (all digits would read as a YAML number).
    const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.krew.yaml"))
        .expect(".krew.yaml");
    let mut out = String::new();
    for line in text.lines() {
        let line = line.replace("{{ .TagName }}", tag);
        match line.trim_start().strip_prefix("{{ addURIAndSha \"") {
            Some(rest) => {
                let indent = &line[..line.len() - line.trim_start().len()];
                let uri = rest
                    .split_once('"')
                    .map(|(u, _)| u)
                    .expect("addURIAndSha \"URI\"");
                assert!(rest.trim_end().ends_with("\" .TagName }}"), "{line}");
                out.push_str(&format!(
                    "{indent}uri: {uri}\n{indent}sha256: {EMPTY_SHA256}\n"
                ));
            }
            None => {
                assert!(!line.contains("{{"), "unrendered template in {line}");
                out.push_str(&line);
                out.push('\n');
            }
        }
    }
    out
}

#[test]
fn krew_release_bot_template_lists_all_five_platforms() {
    let tag = format!("v{}", env!("CARGO_PKG_VERSION"));
    let rendered: Value = serde_saphyr::from_str(&render_krew_template(&tag)).expect("YAML");
    follows_krew_rules(&rendered);
    let mut platforms: Vec<String> = rendered["spec"]["platforms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let l = &p["selector"]["matchLabels"];
            format!(
                "{}/{}",
                l["os"].as_str().unwrap(),
                l["arch"].as_str().unwrap()
            )
        })
        .collect();
    platforms.sort();
    assert_eq!(
        platforms,
        [
            "darwin/amd64",
            "darwin/arm64",
            "linux/amd64",
            "linux/arm64",
            "windows/amd64"
        ]
    );
    // The template says what the release script's manifest says, but for the platforms.
    let committed = manifest();
    for key in ["shortDescription", "description", "caveats", "homepage"] {
        assert_eq!(rendered["spec"][key], committed["spec"][key], "{key}");
    }
    let Some(validator) = std::env::var_os("KREW_VALIDATOR") else {
        eprintln!("KREW_VALIDATOR unset: krew's validator not run on the template");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("storage.yaml");
    std::fs::write(&copy, render_krew_template(&tag)).unwrap();
    let out = std::process::Command::new(validator)
        .arg("-manifest")
        .arg(&copy)
        .arg("-skip-install")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "validate-krew-manifest on the rendered .krew.yaml: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn follows_krew_rules(m: &Value) {
    assert_eq!(
        m["apiVersion"],
        "krew.googlecontainertools.github.com/v1alpha2"
    );
    assert_eq!(m["kind"], "Plugin");
    let name = m["metadata"]["name"].as_str().unwrap();
    assert!(
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
        "{name}"
    );
    let spec = &m["spec"];
    let version = spec["version"].as_str().unwrap();
    assert_eq!(
        version,
        format!("v{}", env!("CARGO_PKG_VERSION")),
        "manifest version follows Cargo.toml"
    );
    assert!(spec["homepage"].as_str().unwrap().starts_with("https://"));
    let short = spec["shortDescription"].as_str().unwrap();
    assert!(!short.is_empty() && short.len() <= 80, "{short}");
    let description = spec["description"].as_str().unwrap();
    assert!(
        description.contains("Permissions"),
        "the description names the permissions it needs"
    );
    let platforms = spec["platforms"].as_array().unwrap();
    assert!(!platforms.is_empty());
    let mut selectors = HashSet::new();
    for p in platforms {
        let labels = &p["selector"]["matchLabels"];
        let (os, arch) = (
            labels["os"].as_str().unwrap(),
            labels["arch"].as_str().unwrap(),
        );
        assert!(["linux", "darwin", "windows"].contains(&os), "{os}");
        assert!(["amd64", "arm64"].contains(&arch), "{arch}");
        assert!(
            selectors.insert((os, arch)),
            "duplicate selector {os}/{arch}"
        );
        let uri = p["uri"].as_str().unwrap();
        assert!(
            uri.starts_with("https://") && (uri.ends_with(".tar.gz") || uri.ends_with(".zip")),
            "{uri}"
        );
        assert!(
            uri.contains(version) && uri.contains(&format!("-{os}-{arch}.")),
            "{uri}"
        );
        assert!(is_sha256(p["sha256"].as_str().unwrap()), "{p}");
        let bin = p["bin"].as_str().unwrap();
        let files = p["files"].as_array().unwrap();
        assert!(
            files.iter().any(|f| f["from"] == bin && f["to"] == "."),
            "bin {bin} is installed by files"
        );
        assert!(
            files.iter().any(|f| f["from"] == "LICENSE"),
            "the license ships"
        );
        if os == "windows" {
            assert!(bin.ends_with(".exe"));
        }
    }
}

/// krew's own validator (`validate-krew-manifest` from sigs.k8s.io/krew, which `scripts/test`
/// installs and names in `KREW_VALIDATOR`), on a copy named as the index wants (`storage.yaml`).
#[test]
fn krew_validator_accepts_the_manifest() {
    let Some(validator) = std::env::var_os("KREW_VALIDATOR") else {
        eprintln!("KREW_VALIDATOR unset: krew's validator not run (scripts/test installs it)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("storage.yaml");
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/krew-manifest.yaml"),
        &copy,
    )
    .unwrap();
    let out = std::process::Command::new(validator)
        .arg("-manifest")
        .arg(&copy)
        .arg("-skip-install")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "validate-krew-manifest: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
