//! `preflight -f PATH…`: check manifests for storage mistakes before they are applied.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::{print, GlobalArgs};
use crate::acquire::{acquire, Ec2Need, Need, Reach};
use crate::error::{Error, Result};
use crate::manifest;
use crate::preflight::{self, PreflightReport};
use crate::render::{self, Format, Item, Subject};
use crate::snapshot::{Coverage, Kind};

pub const AFTER_HELP: &str =
    "Reads files, directories and `-` (stdin): multi-document YAML (read as Kubernetes reads it:
YAML 1.1 octals such as 0755), JSON, Lists, `helm template` and `kustomize build` output.
Directories are walked as CI linters do: .gitignore honoured, hidden entries skipped, symlinks
followed once, --exclude GLOB left out. Files there that are not Kubernetes objects (Chart.yaml,
values*.yaml, compose files, package.json, kustomizations) are skipped (-v lists them), and
unrendered Helm templates too, with a hint to pipe `helm template` in instead. Findings in
`helm template` output point at the template named by its `# Source:` comment.
Workloads stand in for the pods and StatefulSet claims they will create.

Offline by default: objects the manifests do not hold (classes, PVs, CSI drivers, nodes) are not
checked rather than reported missing. Add cluster data with --snapshot DIR (kubectl get -o yaml
output or a `kubectl storage dump`), or read it live with --cluster-check (the kubeconfig's
cluster; exit 2 when it cannot be reached).

Silence a code everywhere with --ignore CODE, or on one object with the annotation
  storage.kubectl.io/ignore: \"code1,code2\"

Examples:
  helm template ./chart | kubectl storage preflight -f -
  kubectl storage preflight -f . --exclude 'testdata/**' -o sarif > storage.sarif
  kubectl storage preflight -f deploy/ --kustomize
  kubectl storage preflight -f . -o github --sarif-file storage.sarif --junit-file storage.xml
  kubectl storage preflight -f k8s/ --cluster-check --fail-on warning
  kubectl storage preflight -f k8s/ --snapshot ./cluster-dump -o junit > storage-junit.xml";

#[derive(Debug, Args)]
pub struct PreflightArgs {
    /// A manifest file, a directory (read recursively), or `-` for stdin (repeatable).
    #[arg(short = 'f', long = "filename", value_name = "PATH", required = true)]
    pub files: Vec<PathBuf>,
    /// Leave out paths matching this glob when walking a directory (repeatable; gitignore syntax,
    /// e.g. `--exclude 'charts/*/templates/**' --exclude '*.test.yaml'`).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Render each directory holding a kustomization.yaml with `kubectl kustomize` and check the
    /// result (without it, or without kubectl on PATH, kustomizations are skipped with a hint).
    #[arg(long)]
    pub kustomize: bool,
    /// Also write SARIF 2.1.0 to this file, whatever -o prints (e.g. `-o github --sarif-file
    /// storage.sarif` for annotations and code scanning from one run).
    #[arg(long, value_name = "PATH")]
    pub sarif_file: Option<PathBuf>,
    /// Also write JUnit XML to this file, whatever -o prints.
    #[arg(long, value_name = "PATH")]
    pub junit_file: Option<PathBuf>,
    /// Do not report this finding code (repeatable; see `kubectl storage explain`).
    #[arg(long, value_name = "CODE")]
    pub ignore: Vec<String>,
    /// Also read StorageClasses, PVs, CSIDrivers, CSINodes and Nodes from the kubeconfig's cluster.
    #[arg(long, conflicts_with = "snapshot")]
    pub cluster_check: bool,
}

pub fn run(global: &GlobalArgs, args: &PreflightArgs) -> Result<ExitCode> {
    for code in &args.ignore {
        if crate::rules::find(code).is_none() {
            return Err(Error::Usage(format!(
                "--ignore {code:?}: unknown finding code; `kubectl storage explain` lists them all"
            )));
        }
    }
    let started = std::time::Instant::now();
    let m = manifest::read(
        &args.files,
        &manifest::ReadOptions {
            exclude: args.exclude.clone(),
            kustomize: args.kustomize,
            stdin_name: String::new(),
        },
    )?;
    global.note(2, format!("read: {} ms", started.elapsed().as_millis()));
    global.note(
        1,
        format!(
            "read {} objects from {} documents in {} files",
            m.objects.len(),
            m.documents,
            m.files
        ),
    );
    for w in &m.warnings {
        eprintln!("warning: {w}");
    }
    for n in &m.notes {
        global.note(1, n);
    }
    if !m.not_manifests.is_empty() {
        global.note(
            1,
            format!(
                "skipped {} file(s) that are not Kubernetes manifests",
                m.not_manifests.len()
            ),
        );
        for (file, why) in &m.not_manifests {
            global.note(1, format!("  {file}: {why}"));
        }
    }
    if !m.templates.is_empty() {
        eprintln!(
            "note: skipped {} unrendered Helm template file(s) (first: {}); check the rendered chart with: helm template RELEASE CHART | kubectl storage preflight -f -",
            m.templates.len(),
            m.templates[0]
        );
    }
    for (kind, n) in &m.skipped {
        global.note(
            1,
            format!("skipped {n} {kind} object(s): not storage-related"),
        );
    }
    for o in &m.objects {
        for code in o.ignored_codes() {
            if crate::rules::find(&code).is_none() {
                return Err(Error::input(
                    format!("{}:{}", o.file, o.start.line),
                    format!(
                        "{} {}: annotation {} names unknown finding code {code:?}",
                        o.kind,
                        o.name,
                        manifest::IGNORE_ANNOTATION
                    ),
                ));
            }
        }
    }
    let ns = global.namespace.clone().unwrap_or_else(|| "default".into());
    let (mut snap, origins) = manifest::to_snapshot(&m, &ns)?;
    global.note(
        2,
        format!("converted: {} ms", started.elapsed().as_millis()),
    );
    if !global.snapshot.is_empty() || args.cluster_check {
        // Namespaces whose claims the manifests name but do not hold (`existingClaim`).
        let mut namespaces: Vec<String> = snap
            .pods
            .iter()
            .filter(|pod| {
                let ns = pod.metadata.namespace.as_deref();
                crate::k8s::pod_claims(pod).iter().any(|(_, c)| {
                    !snap.pvcs.iter().any(|p| {
                        p.metadata.namespace.as_deref() == ns
                            && p.metadata.name.as_deref() == Some(c.as_str())
                    })
                })
            })
            .filter_map(|pod| pod.metadata.namespace.clone())
            .collect();
        namespaces.sort();
        namespaces.dedup();
        let mut need = Need::new(Reach::Namespaces(Some(namespaces)));
        need.ec2 = Ec2Need::None;
        let got = acquire(&global.source(), &need)?;
        global.notes(&got.notes);
        manifest::merge_cluster(&mut snap, got.snap);
    } else {
        // Say why classes are not checked, rather than leaving an anonymous gap.
        let reason = "no cluster data (add --snapshot DIR or --cluster-check)".to_string();
        for kind in [Kind::StorageClass, Kind::CSIDriver, Kind::Node] {
            snap.mark_unread(kind, Coverage::NotChecked(reason.clone()));
        }
    }
    let report = preflight::check(
        &m,
        &snap,
        &origins,
        &args.ignore,
        crate::acquire::as_of(&snap).at,
    );
    global.note(2, format!("rules: {} ms", started.elapsed().as_millis()));
    for (path, format) in [
        (&args.sarif_file, Format::Sarif),
        (&args.junit_file, Format::Junit),
    ] {
        if let Some(path) = path {
            let text = render_report(&report, global, format)?;
            std::fs::write(path, text).map_err(|e| {
                Error::input(
                    path,
                    format!("cannot write: {}", crate::snapshot::load::io_reason(&e)),
                )
            })?;
            global.note(1, format!("wrote {}", path.display()));
        }
    }
    print(&render_report(&report, global, global.output)?);
    Ok(global
        .fail_on
        .exit_code(report.findings.iter().map(|f| f.finding.severity)))
}

fn render_report(r: &PreflightReport, global: &GlobalArgs, format: Format) -> Result<String> {
    match format {
        Format::Human => Ok(render::preflight::human(r, &global.style())),
        Format::Json => render::to_json(r).map(|s| s + "\n"),
        Format::Yaml => render::to_yaml(r),
        Format::Prometheus => Err(render::not_metrics("preflight")),
        format => {
            let items: Vec<Item> = r
                .findings
                .iter()
                .map(|f| Item {
                    finding: &f.finding,
                    subject: f.source.clone(),
                    location: f.location.as_ref(),
                })
                .collect();
            let subjects: Vec<Subject> = r
                .subjects
                .iter()
                .map(|(o, l)| Subject {
                    object: o.clone(),
                    location: Some(l.clone()),
                })
                .collect();
            Ok(
                render::render_ci(format, "kubectl storage preflight", &subjects, &items)
                    .unwrap_or_default(),
            )
        }
    }
}
