//! `import-ebs VOL_ID… | --tag K=V… | --all-orphaned`: PVs (and pre-bound claims) for existing
//! EBS volumes. Prints the plan (dry run) unless `--apply`.

use std::collections::BTreeSet;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use super::{print, runtime, GlobalArgs};
use crate::acquire::{Ec2Need, Need, Reach};
use crate::error::{Error, Result};
use crate::fetch::aws;
use crate::fetch::kube as kfetch;
use crate::import::apply::{self, Step};
use crate::import::plan::{self, ClaimName, Options, Outcome, Plan, Selection};
use crate::render::{to_json, to_yaml, Format};
use crate::rules::Severity;
use crate::snapshot::{Coverage, Kind, Scope, Snapshot};

pub const AFTER_HELP: &str =
    "Every PV is created with persistentVolumeReclaimPolicy Retain, node affinity to the volume's
zone and storageClassName \"\" (unless --storage-class), so no provisioner or reclaim ever
touches the data. Without --apply the plan is printed as YAML for `kubectl apply -f -`; a summary
(planned / skipped / refused, one line per volume) goes to stderr. Exit 1 if any volume was refused.

Examples:
  kubectl storage import-ebs vol-0abc… --claim prod/data-db-0          print the PV and claim
  kubectl storage import-ebs vol-0abc… --claim prod/data-db-0 --apply  create them (create-only)
  kubectl storage import-ebs --tag team=shop --claims-from-tags        every volume tagged team=shop
  kubectl storage import-ebs --all-orphaned -o json                    a kubectl List
  kubectl storage import-ebs vol-0abc… --snapshot ./dump/              plan offline from a dump";

/// `--dry-run`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DryRun {
    /// Print the plan, create nothing (the default without --apply).
    Client,
    /// Send the creates with dryRun=All: the API server validates and admits, nothing persists.
    Server,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// EBS volume ids (vol-…).
    #[arg(value_name = "VOL_ID")]
    pub volumes: Vec<String>,
    /// Select volumes carrying this tag (KEY=VALUE, repeatable: all must match).
    #[arg(long = "tag", value_name = "KEY=VALUE")]
    pub tags: Vec<String>,
    /// Select every available, Kubernetes-tagged volume that backs no PV (the orphaned-ebs-volume set).
    #[arg(long)]
    pub all_orphaned: bool,
    /// Filesystem type the volume holds (ignored with --block).
    #[arg(long, value_name = "TYPE", default_value = "ext4")]
    pub fs_type: String,
    /// volumeMode Block instead of Filesystem.
    #[arg(long)]
    pub block: bool,
    /// storageClassName of the PV and claim (default "": no provisioner interferes).
    #[arg(long, value_name = "NAME", default_value = "")]
    pub storage_class: String,
    /// Node affinity on topology.ebs.csi.aws.com/zone instead of topology.kubernetes.io/zone.
    #[arg(long)]
    pub legacy_topology_key: bool,
    /// Emit the in-tree awsElasticBlockStore source (volumeID aws://<zone>/vol-…) instead of CSI.
    #[arg(long)]
    pub legacy_in_tree: bool,
    /// CSI driver of the PVs: ebs.csi.aws.com, or ebs.csi.eks.amazonaws.com on EKS Auto Mode
    /// (default: the one the cluster runs).
    #[arg(long, value_name = "NAME", value_parser = crate::k8s::EBS_DRIVERS)]
    pub driver: Option<String>,
    /// Also create this claim (NAMESPACE/NAME, or NAME in -n), pre-bound to the PV. One volume only.
    #[arg(
        long,
        value_name = "NAMESPACE/NAME",
        conflicts_with = "claims_from_tags"
    )]
    pub claim: Option<String>,
    /// Also create the claim named by each volume's kubernetes.io/created-for/pvc/{namespace,name} tags.
    #[arg(long)]
    pub claims_from_tags: bool,
    /// PV name (one volume only; default: the volume's CSIVolumeName tag, else imported-<vol id>).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Create the objects (create-only: never updates, patches or deletes).
    #[arg(long)]
    pub apply: bool,
    /// `server`: ask the API server to validate the creates without persisting them.
    #[arg(long, value_enum, value_name = "MODE", num_args = 0..=1, default_missing_value = "client")]
    pub dry_run: Option<DryRun>,
}

impl ImportArgs {
    fn selection(&self) -> Result<Selection> {
        let given = [
            !self.volumes.is_empty(),
            !self.tags.is_empty(),
            self.all_orphaned,
        ]
        .iter()
        .filter(|b| **b)
        .count();
        if given != 1 {
            return Err(Error::Usage(
                "name the volumes to import: volume ids, or --tag KEY=VALUE, or --all-orphaned (exactly one of them)".into(),
            ));
        }
        if !self.volumes.is_empty() {
            if let Some(bad) = self
                .volumes
                .iter()
                .find(|v| !crate::snapshot::ec2::is_volume_id(v))
            {
                return Err(Error::Usage(format!(
                    "{bad:?} is not an EBS volume id (vol- followed by hex digits)"
                )));
            }
            return Ok(Selection::Ids(self.volumes.clone()));
        }
        if !self.tags.is_empty() {
            let tags = self
                .tags
                .iter()
                .map(|t| plan::parse_tag(t))
                .collect::<Result<Vec<_>>>()?;
            return Ok(Selection::Tags(tags));
        }
        Ok(Selection::AllOrphaned)
    }

    fn options(&self, global: &GlobalArgs) -> Result<Options> {
        let ns = global.namespace.as_deref().unwrap_or("default");
        let claim = self
            .claim
            .as_deref()
            .map(|c| ClaimName::parse(c, ns))
            .transpose()?;
        if let Some(n) = self.name.as_deref().filter(|n| !plan::is_dns_subdomain(n)) {
            return Err(Error::Usage(format!(
                "invalid --name {n:?}: a PV name is a DNS-1123 subdomain (lowercase letters, digits, '-' and '.')"
            )));
        }
        if self.block && self.fs_type != "ext4" {
            return Err(Error::Usage(
                "--fs-type and --block exclude each other: a Block volume has no filesystem".into(),
            ));
        }
        Ok(Options {
            fs_type: self.fs_type.clone(),
            block: self.block,
            storage_class: self.storage_class.clone(),
            legacy_topology_key: self.legacy_topology_key,
            legacy_in_tree: self.legacy_in_tree,
            driver: self.driver.clone(),
            claim,
            claims_from_tags: self.claims_from_tags,
            name: self.name.clone(),
            now: jiff::Timestamp::now(),
            tool: format!("kubectl-storage/{} import-ebs", env!("CARGO_PKG_VERSION")),
        })
    }
}

/// What the run reads: the snapshot and the namespaces known to exist (`None`: not known).
struct Input {
    snap: Snapshot,
    namespaces: Option<BTreeSet<String>>,
}

pub fn run(global: &GlobalArgs, args: &ImportArgs) -> Result<ExitCode> {
    let selection = args.selection()?;
    let opts = args.options(global)?;
    if let Selection::Ids(ids) = &selection {
        if ids.len() > 1 && (opts.claim.is_some() || opts.name.is_some()) {
            return Err(Error::Usage(
                "--claim and --name apply to one volume: import the volumes one at a time, or use --claims-from-tags".into(),
            ));
        }
    }
    let server_dry_run = args.dry_run == Some(DryRun::Server);
    let writes = args.apply || server_dry_run;
    if writes && args.dry_run == Some(DryRun::Client) {
        return Err(Error::Usage(
            "--apply and --dry-run=client exclude each other: drop --apply to print the plan"
                .into(),
        ));
    }
    if writes && !global.snapshot.is_empty() {
        return Err(Error::Usage(
            "--apply and --dry-run=server write to a cluster: they cannot be combined with --snapshot (print the plan offline, apply it with kubectl)".into(),
        ));
    }

    let rt = runtime()?;
    let (input, conn) = if global.snapshot.is_empty() {
        let (input, conn) = rt.block_on(live(global, &selection, &opts))?;
        (input, Some(conn))
    } else {
        (rt.block_on(offline(global, &selection))?, None)
    };
    let volumes = plan::select(&input.snap, &selection)?;
    if volumes.len() > 1 && (opts.claim.is_some() || opts.name.is_some()) {
        return Err(Error::Usage(format!(
            "--claim and --name apply to one volume, but {} volumes were selected",
            volumes.len()
        )));
    }
    if let (Some(c), Some(known)) = (&opts.claim, &input.namespaces) {
        if !known.contains(&c.namespace) {
            return Err(Error::NotFound(format!(
                "namespace {} does not exist: create it first (kubectl create namespace {0}); nothing was created",
                c.namespace
            )));
        }
    }
    if volumes.is_empty() {
        eprintln!("{}", nothing_selected(&selection));
        return Ok(ExitCode::from(super::Exit::Clean));
    }
    let plan = plan::plan(&input.snap, &volumes, &opts, input.namespaces.as_ref());
    for w in &plan.warnings {
        eprintln!("warning: {w}");
    }
    let steps = match (&conn, writes) {
        (Some(conn), true) => {
            let steps = rt.block_on(apply::apply(
                &conn.client,
                &plan,
                server_dry_run,
                conn.timeout,
            ));
            let cluster =
                crate::identity::Identity::of(&input.snap, crate::acquire::as_of(&input.snap).at);
            print(&render_steps(
                &steps,
                global.output,
                server_dry_run,
                &cluster,
            )?);
            Some(steps)
        }
        _ => {
            print(&render_plan(&plan, global.output)?);
            None
        }
    };
    summarize(&plan, steps.as_deref(), server_dry_run);
    let failed = plan.refused() > 0
        || steps
            .iter()
            .flatten()
            .any(|s| matches!(s.result, apply::Result::NotCreated(_)));
    Ok(if failed {
        ExitCode::from(super::Exit::Findings)
    } else {
        ExitCode::from(super::Exit::Clean)
    })
}

fn nothing_selected(selection: &Selection) -> String {
    match selection {
        Selection::Tags(tags) => format!(
            "no EBS volume carries {}: nothing to import",
            tags.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(" and ")
        ),
        Selection::AllOrphaned => {
            "no orphaned EBS volume (available, Kubernetes-tagged, backing no PV): nothing to import"
                .into()
        }
        Selection::Ids(_) => "no volume selected: nothing to import".into(),
    }
}

/// Reads the snapshot files; EC2 from them, or live with `--live-aws`.
async fn offline(global: &GlobalArgs, selection: &Selection) -> Result<Input> {
    let mut need = Need::new(Reach::ClusterScoped);
    need.ec2 = Ec2Need::Files;
    let got = crate::acquire::acquire(&global.source(), &need)?;
    global.notes(&got.notes);
    let mut snap = got.snap;
    if global.live_aws {
        snap.ec2 = Default::default();
        snap.coverage.remove(&Kind::EbsVolume);
        let ec2 = connect_ec2(global, &snap).await?;
        read_volumes(&ec2, selection, &mut snap).await?;
    } else if !snap.coverage.contains_key(&Kind::EbsVolume) {
        return Err(Error::Usage(
            "the snapshot holds no EC2 volumes: add `aws ec2 describe-volumes` JSON to it, or pass --live-aws".into(),
        ));
    }
    Ok(Input {
        snap,
        namespaces: got.namespaces,
    })
}

async fn connect_ec2(global: &GlobalArgs, snap: &Snapshot) -> Result<aws::Ec2> {
    aws::connect(&global.aws_options(), &snap.nodes)
        .await
        .map_err(|aws::Unavailable(cov)| Error::Cluster {
            message: format!("cannot read EC2: {}", coverage_reason(&cov)),
            hint: Some(
                "pass --region/--profile, or plan offline with --snapshot (aws ec2 describe-volumes JSON)"
                    .into(),
            ),
        })
}

fn coverage_reason(cov: &Coverage) -> String {
    match cov {
        Coverage::Read(_) => "read".into(),
        Coverage::Forbidden(r) | Coverage::Failed(r) | Coverage::NotChecked(r) => r.clone(),
    }
}

/// Reads the selected volumes from EC2: by id in batches, or by tag / orphan search paginated.
async fn read_volumes(ec2: &aws::Ec2, selection: &Selection, snap: &mut Snapshot) -> Result<()> {
    let fail = |cov: Coverage| Error::Cluster {
        message: format!("cannot read EBS volumes: {}", coverage_reason(&cov)),
        hint: None,
    };
    match selection {
        Selection::Ids(ids) => {
            let got = aws::volumes_by_id(ec2, ids).await.map_err(fail)?;
            snap.ec2.volumes = got.volumes;
            snap.ec2.not_found = got.not_found;
        }
        Selection::Tags(tags) => {
            snap.ec2.volumes = aws::volumes_by_tags(ec2, tags).await.map_err(fail)?;
        }
        Selection::AllOrphaned => {
            snap.ec2.volumes = aws::kubernetes_volumes(ec2).await.map_err(fail)?;
        }
    }
    snap.ec2.region = Some(ec2.region.clone());
    snap.mark_read(Kind::EbsVolume, Scope::All);
    Ok(())
}

/// Live: cluster-scoped objects (PVs, nodes, CSIDrivers) in one wave, the selected volumes from
/// EC2, then exactly the claims and namespaces the plan may touch.
async fn live(
    global: &GlobalArgs,
    selection: &Selection,
    opts: &Options,
) -> Result<(Input, kfetch::Connection)> {
    let mut need = Need::new(Reach::ClusterScoped);
    need.ec2 = Ec2Need::None;
    let got = crate::acquire::acquire_live(&global.source(), &need).await?;
    global.notes(&got.notes);
    let mut snap = got.snap;
    let conn = got
        .connection
        .ok_or_else(|| Error::Usage("import-ebs: no live connection".into()))?;
    let ec2 = connect_ec2(global, &snap).await?;
    read_volumes(&ec2, selection, &mut snap).await?;
    global.note(
        1,
        format!(
            "EC2 region {} (from {}): {}",
            ec2.region,
            ec2.region_source,
            ec2.stats.summary()
        ),
    );
    let claims = match plan::select(&snap, selection) {
        Ok(vols) => plan::claims_needed(&vols, opts),
        Err(_) => Vec::new(), // select reports it again, after this
    };
    let wanted_ns: BTreeSet<String> = claims.iter().map(|c| c.namespace.clone()).collect();
    let (namespaces, notes) = kfetch::existing_namespaces(&conn, &wanted_ns).await;
    global.notes(&notes);
    // One paginated LIST per namespace (not one GET per claim: --claims-from-tags may name
    // hundreds). A namespace we cannot read is left unknown: create-only still compares on
    // AlreadyExists, so nothing is overwritten.
    let mut read_in = BTreeSet::new();
    for ns in &wanted_ns {
        if namespaces.as_ref().is_some_and(|known| !known.contains(ns)) {
            read_in.insert(ns.to_string());
            continue;
        }
        match kfetch::list_claims(&conn, ns).await {
            Ok(items) => {
                snap.pvcs.extend(items);
                read_in.insert(ns.to_string());
            }
            Err(e) => global.note(1, format!("cannot list PVCs in {ns}: {e}")),
        }
    }
    snap.mark_read(Kind::PersistentVolumeClaim, Scope::Namespaces(read_in));
    Ok((Input { snap, namespaces }, conn))
}

/// The plan as multi-document YAML (default) or a kubectl `List` (`-o json`).
fn render_plan(plan: &Plan, format: Format) -> Result<String> {
    let objects = plan.objects();
    match format {
        Format::Json => to_json(&serde_json::json!({
            "apiVersion": "v1",
            "kind": "List",
            "metadata": {},
            "items": objects,
        }))
        .map(|s| s + "\n"),
        Format::Prometheus => Err(crate::render::not_metrics("import-ebs")),
        f @ (Format::Sarif | Format::Junit | Format::Github) => Err(not_for_plans(f)),
        Format::Human | Format::Yaml => {
            let mut out = String::new();
            for o in &objects {
                out.push_str("---\n");
                out.push_str(&to_yaml(o)?);
            }
            Ok(out)
        }
    }
}

fn render_steps(
    steps: &[Step],
    format: Format,
    dry_run: bool,
    cluster: &crate::identity::Identity,
) -> Result<String> {
    let report = serde_json::json!({
        "schemaVersion": 1,
        "cluster": cluster,
        "dryRun": dry_run,
        "results": steps,
    });
    match format {
        Format::Json => to_json(&report).map(|s| s + "\n"),
        Format::Yaml => to_yaml(&report),
        Format::Human => Ok(steps.iter().map(|s| s.line(dry_run) + "\n").collect()),
        Format::Prometheus => Err(crate::render::not_metrics("import-ebs")),
        f @ (Format::Sarif | Format::Junit | Format::Github) => Err(not_for_plans(f)),
    }
}

/// The CI formats report findings; an import prints objects.
fn not_for_plans(format: Format) -> crate::error::Error {
    crate::error::Error::Usage(format!(
        "-o {format:?} reports findings; import-ebs prints manifests: use -o yaml (default) or -o json"
    ).to_lowercase())
}

/// The stderr summary: one line per volume, the fix for each refusal, then the totals.
fn summarize(plan: &Plan, steps: Option<&[Step]>, dry_run: bool) {
    for item in &plan.items {
        eprintln!("{}", item.summary_line());
        if let Outcome::Refused { .. } = item.outcome {
            for f in item
                .findings
                .iter()
                .filter(|f| f.severity == Severity::Error)
            {
                for e in &f.evidence {
                    eprintln!("    evidence  {e}");
                }
                eprintln!("    fix       {}", f.fix);
            }
        }
    }
    let count = |pred: fn(&Outcome) -> bool| plan.items.iter().filter(|i| pred(&i.outcome)).count();
    let planned = count(|o| matches!(o, Outcome::Planned { .. }));
    let skipped = count(|o| matches!(o, Outcome::Skipped { .. }));
    let refused = plan.refused();
    let mut total =
        format!("{planned} planned, {skipped} skipped (already imported), {refused} refused");
    if let Some(steps) = steps {
        let created = steps
            .iter()
            .filter(|s| s.result == apply::Result::Created)
            .count();
        let existing = steps
            .iter()
            .filter(|s| s.result == apply::Result::AlreadyImported)
            .count();
        let failed = steps.len() - created - existing;
        total.push_str(&format!(
            " · {created} object(s) {}, {existing} already there, {failed} not created",
            if dry_run {
                "accepted by a server dry run"
            } else {
                "created"
            }
        ));
    } else if planned > 0 {
        total.push_str(
            " · dry run: nothing created (pipe to `kubectl apply -f -`, or pass --apply)",
        );
    }
    eprintln!("{total}");
}
