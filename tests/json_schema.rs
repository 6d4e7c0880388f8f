//! Every `-o json` the CLI prints on the shipped fixtures validates against the committed JSON
//! Schema (`schema/report.schema.json`, schemaVersion 1): `why` on every rule fixture with a
//! target, `scan` on every fixture and example, `preflight` on the manifest fixtures, and
//! `import-ebs` on the README's example. A small validator for the subset of JSON Schema the file
//! uses runs always (it refuses keywords it does not know, so the subset cannot drift); Python's
//! `jsonschema` checks the same documents too when it is installed.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn schema() -> Value {
    let p = root().join("schema/report.schema.json");
    serde_json::from_str(&std::fs::read_to_string(&p).expect("schema")).expect("schema is JSON")
}

/// Errors of `v` against `s`, with JSON-pointer-ish paths.
fn validate(root: &Value, s: &Value, v: &Value, at: &str, errs: &mut Vec<String>) {
    let Some(obj) = s.as_object() else {
        panic!("schema at {at} is not an object");
    };
    for (k, rule) in obj {
        match k.as_str() {
            "$schema" | "$id" | "$defs" | "title" | "description" => {}
            // Checked by Python's jsonschema when present; the values it guards are also typed.
            "pattern" => {}
            "$ref" => {
                let ptr = rule.as_str().expect("$ref").trim_start_matches('#');
                let target = root.pointer(ptr).unwrap_or_else(|| panic!("no {ptr}"));
                validate(root, target, v, at, errs);
            }
            "type" => {
                let types: Vec<&str> = match rule {
                    Value::String(t) => vec![t.as_str()],
                    Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                    _ => panic!("type at {at}"),
                };
                let ok = types.iter().any(|t| match *t {
                    "object" => v.is_object(),
                    "array" => v.is_array(),
                    "string" => v.is_string(),
                    "boolean" => v.is_boolean(),
                    "null" => v.is_null(),
                    "integer" => v.is_i64() || v.is_u64(),
                    "number" => v.is_number(),
                    other => panic!("type {other} at {at}"),
                });
                if !ok {
                    errs.push(format!("{at}: {v} is not of type {types:?}"));
                }
            }
            "enum" => {
                if !rule.as_array().expect("enum").contains(v) {
                    errs.push(format!("{at}: {v} not in {rule}"));
                }
            }
            "const" => {
                if rule != v {
                    errs.push(format!("{at}: {v} is not {rule}"));
                }
            }
            "minimum" => {
                if v.as_f64()
                    .is_some_and(|n| n < rule.as_f64().expect("minimum"))
                {
                    errs.push(format!("{at}: {v} < {rule}"));
                }
            }
            "maxItems" => {
                if v.as_array()
                    .is_some_and(|a| a.len() as u64 > rule.as_u64().unwrap())
                {
                    errs.push(format!("{at}: more than {rule} items"));
                }
            }
            "required" => {
                if let Some(o) = v.as_object() {
                    for r in rule.as_array().expect("required") {
                        let r = r.as_str().expect("required name");
                        if !o.contains_key(r) {
                            errs.push(format!("{at}: missing {r}"));
                        }
                    }
                }
            }
            "properties" => {
                if let Some(o) = v.as_object() {
                    for (name, sub) in rule.as_object().expect("properties") {
                        if let Some(x) = o.get(name) {
                            validate(root, sub, x, &format!("{at}/{name}"), errs);
                        }
                    }
                }
            }
            "additionalProperties" => {
                let Some(o) = v.as_object() else { continue };
                let known = obj.get("properties").and_then(Value::as_object);
                for (name, x) in o {
                    if known.is_some_and(|p| p.contains_key(name)) {
                        continue;
                    }
                    match rule {
                        Value::Bool(false) => errs.push(format!("{at}: unexpected {name}")),
                        Value::Bool(true) => {}
                        sub => validate(root, sub, x, &format!("{at}/{name}"), errs),
                    }
                }
            }
            "items" => {
                if let Some(a) = v.as_array() {
                    for (i, x) in a.iter().enumerate() {
                        validate(root, rule, x, &format!("{at}/{i}"), errs);
                    }
                }
            }
            "anyOf" => {
                let branches: Vec<Vec<String>> = rule
                    .as_array()
                    .expect("anyOf")
                    .iter()
                    .map(|b| {
                        let mut e = Vec::new();
                        validate(root, b, v, at, &mut e);
                        e
                    })
                    .collect();
                if branches.iter().all(|e| !e.is_empty()) {
                    // The closest branch's errors say most; a branch of another type (the
                    // multi-cluster list for an object) is not close.
                    let other_type = |e: &Vec<String>| {
                        e.len() == 1
                            && e[0].starts_with(&format!("{at}: "))
                            && e[0].contains("is not of type")
                    };
                    let best = branches
                        .iter()
                        .filter(|e| !other_type(e))
                        .min_by_key(|e| e.len())
                        .or_else(|| branches.iter().min_by_key(|e| e.len()))
                        .unwrap();
                    errs.push(format!("{at}: matches no anyOf branch; closest: {best:?}"));
                }
            }
            other => panic!("schema keyword {other} at {at} is outside the validated subset"),
        }
    }
}

fn run(args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_kubectl-storage"))
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("KUBECONFIG")
        .env_remove("AWS_ENDPOINT_URL_EC2")
        .output()
        .expect("runs");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{args:?}: exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{args:?} printed no JSON: {e}"))
}

/// A rule fixture's header value (`# target: pod/db-0`).
fn header(text: &str, key: &str) -> Option<String> {
    text.lines()
        .take_while(|l| l.starts_with('#'))
        .find_map(|l| {
            l.trim_start_matches('#')
                .trim()
                .strip_prefix(key)
                .map(|v| v.trim().to_string())
        })
}

fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == ext) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Every JSON document the CLI prints on the fixtures, with the command that printed it.
fn documents() -> Vec<(String, Value)> {
    let mut docs = Vec::new();
    let mut add = |args: Vec<String>| {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        docs.push((args.join(" "), run(&a)));
    };
    for f in files(&root().join("tests/fixtures/rules"), "yaml") {
        let text = std::fs::read_to_string(&f).expect("fixture");
        let path = f.display().to_string();
        if let Some(target) = header(&text, "target:") {
            let ns = header(&text, "namespace:").unwrap_or_else(|| "default".into());
            add(vec![
                "why".into(),
                target,
                "-n".into(),
                ns,
                "--snapshot".into(),
                path.clone(),
                "-o".into(),
                "json".into(),
            ]);
        }
        add(vec![
            "scan".into(),
            "--snapshot".into(),
            path,
            "-o".into(),
            "json".into(),
        ]);
    }
    for ex in ["seed", "healthy"] {
        let dir = root().join("examples").join(ex).display().to_string();
        add(vec![
            "scan".into(),
            "--snapshot".into(),
            dir.clone(),
            "-o".into(),
            "json".into(),
        ]);
    }
    add(vec![
        "why".into(),
        "pod/task-pod".into(),
        "--snapshot".into(),
        root().join("examples/seed").display().to_string(),
        "-o".into(),
        "json".into(),
    ]);
    for dir in ["good", "bad", "static-ebs", "charts"] {
        add(vec![
            "preflight".into(),
            "-f".into(),
            root()
                .join("tests/fixtures/preflight")
                .join(dir)
                .display()
                .to_string(),
            "--fail-on".into(),
            "never".into(),
            "-o".into(),
            "json".into(),
        ]);
    }
    add(vec![
        "import-ebs".into(),
        "vol-0a3a3a3a3a3a3a3a3".into(),
        "--claim".into(),
        "default/mysql-data".into(),
        "--snapshot".into(),
        root()
            .join("tests/fixtures/import/cluster.yaml")
            .display()
            .to_string(),
        "-o".into(),
        "json".into(),
    ]);
    docs
}

#[test]
fn every_json_the_cli_prints_validates_against_the_schema() {
    let schema = schema();
    let docs = documents();
    assert!(docs.len() > 100, "only {} documents", docs.len());
    let mut failures = Vec::new();
    for (cmd, doc) in &docs {
        let mut errs = Vec::new();
        validate(&schema, &schema, doc, "", &mut errs);
        if !errs.is_empty() {
            failures.push(format!("{cmd}:\n  {}", errs.join("\n  ")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The same documents through a full implementation of the draft, when there is one.
    let dir = tempfile::tempdir().expect("tmp");
    for (i, (_, doc)) in docs.iter().enumerate() {
        std::fs::write(dir.path().join(format!("{i:04}.json")), doc.to_string()).expect("write");
    }
    let py = Command::new("python3")
        .arg("-c")
        .arg(
            "import json,sys,glob\n\
             try:\n    import jsonschema\nexcept ImportError:\n    print('no jsonschema'); sys.exit(0)\n\
             s=json.load(open(sys.argv[1]))\n\
             v=jsonschema.Draft202012Validator(s)\n\
             bad=[(f,e.message) for f in sorted(glob.glob(sys.argv[2]+'/*.json')) for e in v.iter_errors(json.load(open(f)))]\n\
             print(bad[:5]); sys.exit(1 if bad else 0)",
        )
        .arg(root().join("schema/report.schema.json"))
        .arg(dir.path())
        .output();
    if let Ok(out) = py {
        assert!(
            out.status.success(),
            "jsonschema: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn the_validator_rejects_what_the_schema_forbids() {
    let schema = schema();
    let mut doc = run(&[
        "why",
        "pod/task-pod",
        "--snapshot",
        root().join("examples/seed").to_str().unwrap(),
        "-o",
        "json",
    ]);
    let mut errs = Vec::new();
    validate(&schema, &schema, &doc, "", &mut errs);
    assert!(errs.is_empty(), "{errs:?}");
    doc["cluster"]["durationMs"] = Value::String("fast".into());
    doc["findings"][0]["severity"] = Value::String("fatal".into());
    validate(&schema, &schema, &doc, "", &mut errs);
    let all = errs.join("\n");
    assert!(all.contains("/cluster/durationMs"), "{all}");
    assert!(all.contains("/findings/0/severity"), "{all}");
}
