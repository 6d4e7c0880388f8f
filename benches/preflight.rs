//! Benchmark of `preflight` on a large monorepo: 10,000 manifests in 1,000 files (Deployments,
//! StatefulSets with claim templates, PVCs, PVs, StorageClasses, and unrelated kinds that are
//! skipped). Target (issue 7): under 1 s on 2 cores, under 200 MB. Prints the figures; run with
//! `cargo bench --bench preflight`.
//!
//! Two measurements: the library in-process (read + convert + rules), and the release binary end
//! to end, with its peak RSS from `/usr/bin/time -f %M` (or, without it, /proc VmHWM polling).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use kubectl_storage::manifest;
use kubectl_storage::preflight;

const FILES: usize = 1000;
const PER_FILE: usize = 10;

/// Writes FILES files of PER_FILE documents each; a few objects carry mistakes.
fn generate(dir: &Path) -> usize {
    let mut objects = 0;
    let mut classes = String::new();
    for c in 0..20 {
        let _ = write!(
            classes,
            "---\napiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: class-{c}\nprovisioner: ebs.csi.aws.com\nvolumeBindingMode: WaitForFirstConsumer\nparameters:\n  type: {}\n  iopsPerGB: \"{}\"\n",
            if c % 2 == 0 { "io1" } else { "io2" },
            if c == 7 { 60 } else { 40 }
        );
        objects += 1;
    }
    let _ = std::fs::write(dir.join("classes.yaml"), classes);
    for f in 0..FILES {
        let team = format!("team-{}", f % 50);
        let sub = dir.join(&team);
        let _ = std::fs::create_dir_all(&sub);
        let mut text = String::new();
        for d in 0..PER_FILE {
            let n = f * PER_FILE + d;
            let class = format!("class-{}", n % 20);
            let doc = match d % 5 {
                0 => format!(
                    "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db-{n}\n  namespace: {team}\n  labels: {{app: db-{n}, team: {team}}}\nspec:\n  serviceName: db-{n}\n  replicas: 3\n  selector:\n    matchLabels: {{app: db-{n}}}\n  template:\n    metadata:\n      labels: {{app: db-{n}}}\n    spec:\n      containers:\n      - name: db\n        image: postgres:16\n        ports: [{{containerPort: 5432}}]\n        env: [{{name: PGDATA, value: /var/lib/postgresql/data/pgdata}}]\n        volumeMounts:\n        - {{name: data, mountPath: /var/lib/postgresql/data}}\n  volumeClaimTemplates:\n  - metadata:\n      name: data\n    spec:\n      storageClassName: {class}\n      accessModes: [{}]\n      resources:\n        requests:\n          storage: {}\n",
                    if n % 97 == 0 { "ReadWriteMany" } else { "ReadWriteOnce" },
                    if n % 89 == 0 { "2Gi" } else { "20Gi" }
                ),
                1 => format!(
                    "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: uploads-{n}\n  namespace: {team}\nspec:\n  storageClassName: {class}\n  accessModes: [ReadWriteOnce]\n  resources:\n    requests:\n      storage: 10Gi\n"
                ),
                2 => format!(
                    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-{n}\n  namespace: {team}\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {{app: web-{n}}}\n  template:\n    metadata:\n      labels: {{app: web-{n}}}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n        resources: {{requests: {{cpu: 100m, memory: 128Mi}}}}\n        volumeMounts: [{{name: uploads, mountPath: /srv}}]\n      volumes:\n      - name: uploads\n        persistentVolumeClaim: {{claimName: uploads-{}}}\n",
                    n - 1
                ),
                3 => format!(
                    "apiVersion: v1\nkind: Service\nmetadata:\n  name: web-{n}\n  namespace: {team}\nspec:\n  selector: {{app: web-{n}}}\n  ports: [{{port: 80, targetPort: 8080}}]\n"
                ),
                _ => format!(
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg-{n}\n  namespace: {team}\ndata:\n  app.yaml: |\n    log_level: info\n    listen: 0.0.0.0:8080\n"
                ),
            };
            text.push_str("---\n");
            text.push_str(&doc);
            objects += 1;
        }
        let _ = std::fs::write(sub.join(format!("app-{f}.yaml")), text);
    }
    objects
}

fn in_process(dir: &Path) -> (Duration, usize) {
    let t = Instant::now();
    let m = manifest::read(&[dir.to_path_buf()], &Default::default()).expect("reads");
    let (snap, origins) = manifest::to_snapshot(&m, "default").expect("converts");
    let r = preflight::check(
        &m,
        &snap,
        &origins,
        &[],
        kubectl_storage::acquire::as_of(&snap).at,
    );
    (t.elapsed(), r.findings.len())
}

/// Runs the binary; returns wall time and peak RSS in KiB.
fn binary(exe: &str, dir: &Path) -> (Duration, Option<u64>) {
    let args = [
        "preflight",
        "-f",
        &dir.display().to_string(),
        "-o",
        "json",
        "--fail-on",
        "never",
    ]
    .map(str::to_string);
    let time = Path::new("/usr/bin/time");
    let t = Instant::now();
    if time.exists() {
        let out = Command::new(time)
            .args(["-f", "%M"])
            .arg(exe)
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .expect("runs");
        let elapsed = t.elapsed();
        let rss = String::from_utf8_lossy(&out.stderr)
            .lines()
            .last()
            .and_then(|l| l.trim().parse().ok());
        return (elapsed, rss);
    }
    let mut child = Command::new(exe)
        .args(&args)
        .stdout(Stdio::null())
        .spawn()
        .expect("runs");
    let status = format!("/proc/{}/status", child.id());
    let mut peak = None;
    while child.try_wait().ok().flatten().is_none() {
        if let Ok(s) = std::fs::read_to_string(&status) {
            peak = s
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
                .or(peak);
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    (t.elapsed(), peak)
}

fn main() {
    let dir = std::env::temp_dir().join(format!("kstor-preflight-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let objects = generate(&dir);
    let bytes: u64 = walk(&dir);
    println!(
        "preflight bench: {objects} manifests in {} files, {:.1} MiB",
        FILES + 1,
        bytes as f64 / (1024.0 * 1024.0)
    );
    let mut best = Duration::MAX;
    let mut findings = 0;
    for _ in 0..3 {
        let (d, n) = in_process(&dir);
        best = best.min(d);
        findings = n;
    }
    println!(
        "in-process read + rules:          best {:>7.0} ms of 3   ({findings} findings)",
        best.as_secs_f64() * 1e3
    );
    let exe = env!("CARGO_BIN_EXE_kubectl-storage");
    let mut best = (Duration::MAX, None);
    for _ in 0..3 {
        let (d, rss) = binary(exe, &dir);
        if d < best.0 {
            best = (d, rss);
        }
    }
    println!(
        "binary end to end (-o json):      best {:>7.0} ms of 3   peak RSS {}",
        best.0.as_secs_f64() * 1e3,
        best.1
            .map(|k| format!("{:.1} MB", k as f64 / 1024.0))
            .unwrap_or_else(|| "unknown".into())
    );
    println!("targets: < 1000 ms, < 200 MB");
    let _ = std::fs::remove_dir_all(&dir);
}

fn walk(dir: &PathBuf) -> u64 {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| {
                    let p = e.path();
                    if p.is_dir() {
                        walk(&p)
                    } else {
                        e.metadata().map(|m| m.len()).unwrap_or(0)
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}
