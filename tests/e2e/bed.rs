//! Driving the test bed: kubectl, the stand-in scripts, waiting, and `kubectl storage` itself
//! (found by kubectl's own plugin discovery on PATH).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub type Res<T = ()> = Result<T, String>;

/// One bed node, as `testbed/seed` recorded it in `$KSTOR_BED_DIR/nodes.json`.
#[derive(Debug, Clone)]
pub struct BedNode {
    pub zone: String,
    pub name: String,
    pub instance_id: String,
}

/// The running bed.
pub struct Bed {
    pub nodes: Vec<BedNode>,
    /// kubelet-sim serves the nodes' /stats/summary (the host has an address to serve it on).
    pub kubelet_stats: bool,
    pub testbed: PathBuf,
}

impl Bed {
    /// The bed named by `KSTOR_BED_DIR`, or `None` when it is not running.
    pub fn from_env() -> Option<Bed> {
        let dir = PathBuf::from(std::env::var_os("KSTOR_BED_DIR")?);
        let text = std::fs::read_to_string(dir.join("nodes.json")).ok()?;
        let v: Value = serde_json::from_str(&text).ok()?;
        let kubelet_stats = v.as_array()?.iter().all(|n| n["kubeletPort"].is_u64());
        let nodes = v
            .as_array()?
            .iter()
            .map(|n| BedNode {
                zone: n["zone"].as_str().unwrap_or_default().into(),
                name: n["node"].as_str().unwrap_or_default().into(),
                instance_id: n["instanceId"].as_str().unwrap_or_default().into(),
            })
            .collect();
        Some(Bed {
            nodes,
            kubelet_stats,
            testbed: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testbed"),
        })
    }

    /// The node in `zone`.
    pub fn node(&self, zone: &str) -> &BedNode {
        self.nodes
            .iter()
            .find(|n| n.zone == zone)
            .expect("the bed has a node in each of us-east-1a/b/c")
    }

    /// Runs one of the stand-ins (`kubelet-sim`, `attacher-sim`, `provisioner-sim`, `resizer-sim`).
    pub fn sim(&self, which: &str, args: &[&str]) -> Res<String> {
        self.sim_env(which, args, &[])
    }

    /// [`Bed::sim`] with extra environment variables (e.g. `KSTOR_BED_DRIVER`).
    pub fn sim_env(&self, which: &str, args: &[&str], env: &[(&str, &str)]) -> Res<String> {
        run(
            Command::new(self.testbed.join(which))
                .args(args)
                .envs(env.iter().copied()),
            None,
        )
    }
}

fn run(cmd: &mut Command, stdin: Option<&str>) -> Res<String> {
    let shown = format!("{cmd:?}");
    let mut child = cmd
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{shown}: {e}"))?;
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(text.as_bytes()).map_err(|e| e.to_string())?;
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "{shown} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `kubectl ARGS`.
pub fn kubectl(args: &[&str]) -> Res<String> {
    run(Command::new("kubectl").args(args), None)
}

/// `kubectl apply -f -` of `yaml`.
pub fn apply(yaml: &str) -> Res {
    run(
        Command::new("kubectl").args(["apply", "-f", "-"]),
        Some(yaml),
    )
    .map(|_| ())
}

/// `kubectl get ... -o json` as a value.
pub fn get(args: &[&str]) -> Res<Value> {
    let mut a = vec!["get"];
    a.extend_from_slice(args);
    a.extend_from_slice(&["-o", "json"]);
    serde_json::from_str(&kubectl(&a)?).map_err(|e| e.to_string())
}

/// Polls `check` until it returns `Some`, for at most `secs` seconds.
pub fn wait<T>(what: &str, secs: u64, mut check: impl FnMut() -> Option<T>) -> Res<T> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(t) = check() {
            return Ok(t);
        }
        if Instant::now() > deadline {
            return Err(format!("timed out after {secs}s waiting for {what}"));
        }
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// Waits until an event with `reason` (and `text` in its message) is recorded on `kind/name`.
pub fn wait_event(ns: &str, kind: &str, name: &str, reason: &str, text: &str) -> Res<String> {
    wait(&format!("{reason} on {kind} {ns}/{name}"), 90, || {
        let v = get(&["events", "-n", ns]).ok()?;
        v["items"].as_array()?.iter().find_map(|e| {
            let o = &e["involvedObject"];
            let msg = e["message"].as_str().unwrap_or_default();
            (o["kind"] == kind && o["name"] == name && e["reason"] == reason && msg.contains(text))
                .then(|| msg.to_string())
        })
    })
}

/// Waits until `jsonpath` on an object prints something non-empty, and returns it.
pub fn wait_field(args: &[&str], jsonpath: &str, what: &str) -> Res<String> {
    wait(what, 90, || {
        let mut a = vec!["get"];
        a.extend_from_slice(args);
        let jp = format!("jsonpath={jsonpath}");
        a.extend_from_slice(&["-o", &jp]);
        kubectl(&a)
            .ok()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    })
}

/// The VolumeAttachment the attach/detach controller made for `pv`, once it exists.
pub fn wait_va(pv: &str) -> Res<String> {
    wait(&format!("a VolumeAttachment for {pv}"), 90, || {
        let v = get(&["volumeattachments"]).ok()?;
        v["items"].as_array()?.iter().find_map(|va| {
            (va["spec"]["source"]["persistentVolumeName"] == pv).then(|| {
                va["metadata"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
        })
    })
}

/// Output of one `kubectl storage …` run.
pub struct Storage {
    pub code: i32,
    pub json: Value,
    pub stderr: String,
}

impl Storage {
    /// Finding codes, in order.
    pub fn codes(&self) -> Vec<String> {
        self.json["findings"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|f| f["code"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The first finding with `code`, or an error listing what was found.
    pub fn finding(&self, code: &str) -> Res<&Value> {
        self.json["findings"]
            .as_array()
            .and_then(|a| a.iter().find(|f| f["code"] == code))
            .ok_or_else(|| {
                format!(
                    "no {code} finding; got {:?} (exit {}): {}",
                    self.codes(),
                    self.code,
                    self.stderr.trim()
                )
            })
    }

    /// Findings that are errors or warnings.
    pub fn problems(&self) -> Vec<String> {
        self.json["findings"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter(|f| f["severity"] != "info")
                    .map(|f| format!("{}: {}", f["code"], f["message"]))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// `kubectl storage ARGS -o json`, through kubectl's plugin discovery.
pub fn storage(args: &[&str]) -> Res<Storage> {
    storage_env(args, &[])
}

/// [`storage`] with extra environment variables.
pub fn storage_env(args: &[&str], env: &[(&str, &str)]) -> Res<Storage> {
    let out = Command::new("kubectl")
        .arg("storage")
        .args(args)
        .args(["-o", "json"])
        .envs(env.iter().copied())
        .env_remove("NO_COLOR")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json = serde_json::from_str(&stdout)
        .map_err(|e| format!("kubectl storage {args:?}: not JSON ({e}): {stdout} {stderr}"))?;
    Ok(Storage {
        code: out.status.code().unwrap_or(-1),
        json,
        stderr,
    })
}

/// `kubectl storage ARGS` as typed (no `-o json` added): exit code, stdout, stderr.
pub fn storage_raw(args: &[&str]) -> Res<(i32, String, String)> {
    let out = Command::new("kubectl")
        .arg("storage")
        .args(args)
        .env_remove("NO_COLOR")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| e.to_string())?;
    Ok((
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

/// Runs a short boto3 script against moto (EC2 client `ec2` predefined) and returns its stdout.
pub fn moto(script: &str) -> Res<String> {
    let script = format!("import boto3; ec2 = boto3.client('ec2'); {script}");
    run(Command::new("python3").args(["-c", &script]), None).map(|s| s.trim().to_string())
}

/// Asserts `cond`, or fails with `msg`.
pub fn check(cond: bool, msg: impl FnOnce() -> String) -> Res {
    if cond {
        Ok(())
    } else {
        Err(msg())
    }
}

/// Asserts `haystack` contains each needle.
pub fn contains_all(what: &str, haystack: &str, needles: &[&str]) -> Res {
    for n in needles {
        check(haystack.contains(n), || {
            format!("{what} lacks {n:?}: {haystack}")
        })?;
    }
    Ok(())
}

/// Creates an EBS volume in moto (as a user or an old provisioner did) and returns its id.
pub fn create_volume(zone: &str, size_gib: u32, tags: &[(&str, &str)]) -> Res<String> {
    let tags: Vec<String> = tags
        .iter()
        .map(|(k, v)| format!("{{'Key': '{k}', 'Value': '{v}'}}"))
        .collect();
    let script = format!(
        "import boto3; ec2 = boto3.client('ec2'); \
         v = ec2.create_volume(AvailabilityZone='{zone}', Size={size_gib}, VolumeType='gp3', \
         TagSpecifications=[{{'ResourceType': 'volume', 'Tags': [{{'Key': 'e2e', 'Value': 'kubectl-storage'}}, {}]}}]); \
         print(v['VolumeId'])",
        tags.join(", ")
    );
    run(Command::new("python3").args(["-c", &script]), None).map(|s| s.trim().to_string())
}

/// A namespace for one scenario.
pub fn namespace(name: &str, id: &str) -> Res<String> {
    let ns = format!("e2e-{name}-{id}");
    kubectl(&["create", "namespace", &ns])?;
    Ok(ns)
}
