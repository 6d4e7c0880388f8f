//! Offline loading: `kubectl get … -o yaml|json` output (single objects, `List`s, multi-document
//! YAML) and kubelet stats summaries, into a [`Snapshot`].
//!
//! By concern: [`walk`] finds and reads the files, [`kube`] turns Kubernetes documents (lists,
//! objects, the capture file) into typed objects, [`json`] streams a JSON file's lists item by
//! item, [`head`] is what a filtered load reads of an object before building it, [`aws`] reads
//! the AWS CLI `describe-*` outputs and [`kubelet`] the kubelet stats summaries.

mod aws;
mod head;
mod json;
mod kube;
mod kubelet;
mod stream;
mod walk;
mod yaml;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use super::{Coverage, Kind, Scope, Snapshot};
use crate::error::{Error, Result};

pub use kube::{known_kind, parse_documents};
pub use kubelet::{add_node_stats, volume_stats_from_summary};
use walk::collect_files;
pub(crate) use walk::{data_entries, io_reason};
pub use walk::{max_file_size, read_file, set_max_file_size, DEFAULT_MAX_FILE_SIZE};

/// What a load saw besides the objects it kept: for `-v` notes.
#[derive(Debug, Default)]
pub struct LoadStats {
    pub files: usize,
    pub objects: usize,
    /// Objects of kinds the diagnosis does not use, by kind.
    pub ignored: BTreeMap<String, usize>,
    /// Objects given more than once (same kind, namespace and name; the last one is kept), by
    /// kind: for a `-v` note.
    pub duplicates: BTreeMap<String, usize>,
    /// Names of the Namespace objects the files held (`None`: none at all), for `import-ebs`.
    pub namespaces: Option<std::collections::BTreeSet<String>>,
    /// Objects passed over because they are in a namespace the [`LoadFilter`] does not keep.
    pub out_of_scope: usize,
}

/// Which objects a load keeps. The default keeps everything (`scan`, `dump` without a target).
/// With `namespaces`, the namespaced kinds (pods, claims, StatefulSets, and events about
/// namespaced objects) are kept only in those namespaces: the other namespaces' objects are
/// passed over before they are built (a JSON List item is only scanned for its kind and
/// namespace), and their kinds are recorded as read in those namespaces alone, so a rule asking
/// about another namespace is told it was not read. Cluster-scoped kinds are all kept. The
/// reference time stays the one the whole snapshot gives: the times of the objects passed over
/// still count ([`Snapshot::newest_timestamp`]).
#[derive(Debug, Clone, Default)]
pub struct LoadFilter {
    /// The namespaces whose objects are kept; `None`: all.
    pub namespaces: Option<BTreeSet<String>>,
    /// Also keep the namespace of the claim PersistentVolume NAME is bound to (read after the
    /// cluster-scoped objects, in a second pass over the files), as `why pv/NAME` needs.
    pub claim_of_pv: Option<String>,
    /// The second pass of `claim_of_pv`: only namespaced objects, the rest was kept already.
    skip_cluster_scoped: bool,
}

impl LoadFilter {
    /// What `why TARGET` (or `dump DIR TARGET`) reads of a snapshot in `namespace`: its
    /// namespace and, for a PV, its claim's; everything without a target.
    pub fn for_target(target: Option<&crate::chain::Target>, namespace: &str) -> LoadFilter {
        use crate::chain::Target;
        let Some(target) = target else {
            return LoadFilter::default();
        };
        LoadFilter {
            namespaces: Some(BTreeSet::from([namespace.to_string()])),
            claim_of_pv: match target {
                Target::Pv(name) => Some(name.clone()),
                Target::Pod(_) | Target::Pvc(_) | Target::Sts(_) => None,
            },
            skip_cluster_scoped: false,
        }
    }

    /// Whether an object whose namespace part is `namespace` is kept (`None`: it belongs with
    /// the cluster-scoped objects: a cluster-scoped kind, an event about one, or no namespace).
    fn keeps(&self, namespace: Option<&str>) -> bool {
        match (namespace, &self.namespaces) {
            (None, _) => !self.skip_cluster_scoped,
            (Some(_), None) => true,
            (Some(ns), Some(set)) => set.contains(ns),
        }
    }
}

/// Loads every path (files, or directories read recursively) into one snapshot, one file at a
/// time (only one file's text is held at once: the largest is a third of a dump), each List's
/// items on all cores.
pub fn load_paths(paths: &[PathBuf]) -> Result<(Snapshot, LoadStats)> {
    load_paths_filtered(paths, &LoadFilter::default())
}

/// [`load_paths`], keeping only what `filter` keeps.
pub fn load_paths_filtered(
    paths: &[PathBuf],
    filter: &LoadFilter,
) -> Result<(Snapshot, LoadStats)> {
    let mut files = Vec::new();
    for path in paths {
        collect_files(path, &mut files)?;
    }
    if files.is_empty() {
        let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        return Err(Error::input(
            shown.join(", "),
            "no .yaml, .yml or .json files found",
        ));
    }
    let mut all = Loader::with(filter.clone());
    for file in &files {
        all.load_file(file)?;
    }
    // `why pv/NAME`: its claim's namespace, once the PV has been read.
    let claim_ns = filter.claim_of_pv.as_deref().and_then(|name| {
        let pv = all
            .snapshot
            .pvs
            .iter()
            .rfind(|pv| pv.metadata.name.as_deref() == Some(name))?;
        let ns = pv.spec.as_ref()?.claim_ref.as_ref()?.namespace.clone()?;
        (!filter.keeps(Some(&ns))).then_some(ns)
    });
    if let Some(ns) = claim_ns {
        let mut more = Loader::with(LoadFilter {
            namespaces: Some(BTreeSet::from([ns])),
            claim_of_pv: None,
            skip_cluster_scoped: true,
        });
        for file in &files {
            more.load_file(file)?;
        }
        // The first pass counted the files, the version skips and these objects as passed over.
        all.stats.out_of_scope = all.stats.out_of_scope.saturating_sub(more.stats.objects);
        all.stats.objects += more.stats.objects;
        all.snapshot.absorb(more.snapshot);
    }
    Ok(all.finish())
}

/// Loads one document set from text (used for stdin and tests); `origin` names it in errors.
pub fn load_str(origin: &Path, text: &str) -> Result<(Snapshot, LoadStats)> {
    let mut loader = Loader::default();
    loader.load_text(origin, text)?;
    loader.stats.files = 1;
    Ok(loader.finish())
}

/// Folds a multi-line parser message into one line.
pub fn one_line(s: &str) -> String {
    s.split('\n')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[derive(Default)]
struct Loader {
    snapshot: Snapshot,
    stats: LoadStats,
    /// Objects skipped because their API version is not one this tool reads: by kind, by
    /// version, their names.
    skipped: BTreeMap<Kind, BTreeMap<String, Vec<String>>>,
    /// Kinds the capture file says were read only in part (a targeted or one-namespace dump).
    partial: BTreeMap<Kind, Scope>,
    /// What to keep.
    filter: LoadFilter,
}

impl Loader {
    fn with(filter: LoadFilter) -> Loader {
        Loader {
            filter,
            ..Default::default()
        }
    }

    /// Records `kind` as read: in the kept namespaces when it is namespaced and filtered.
    fn mark(&mut self, kind: Kind) {
        if matches!(self.snapshot.coverage.get(&kind), Some(Coverage::Read(_))) {
            return; // the scope is the same for every object of a load
        }
        let scope = match &self.filter.namespaces {
            Some(set) if kind.namespaced() => Scope::Namespaces(set.clone()),
            _ => Scope::All,
        };
        self.snapshot.mark_read(kind, scope);
    }

    /// The snapshot read, repeated objects dropped; a kind with objects skipped for their
    /// version is not checked (an object it lacks may be one of them), saying which.
    fn finish(mut self) -> (Snapshot, LoadStats) {
        self.stats.duplicates = self.snapshot.dedup();
        for (kind, scope) in std::mem::take(&mut self.partial) {
            if matches!(self.snapshot.coverage.get(&kind), Some(Coverage::Read(_))) {
                self.snapshot.coverage.insert(kind, Coverage::Read(scope));
            }
        }
        for (kind, by_version) in self.skipped {
            let parts: Vec<String> = by_version
                .iter()
                .map(|(version, names)| {
                    let n = names.len();
                    let shown: Vec<&str> = names.iter().take(3).map(String::as_str).collect();
                    let more = if n > 3 { format!(", {} more", n - 3) } else { String::new() };
                    format!(
                        "{n} skipped, in {version}, an API version this tool does not read ({}{more})",
                        shown.join(", ")
                    )
                })
                .collect();
            self.snapshot.coverage.insert(
                kind,
                Coverage::NotChecked(format!(
                    "{}; it reads {}",
                    parts.join("; "),
                    super::versions::known(kind).join(", ")
                )),
            );
        }
        (self.snapshot, self.stats)
    }

    /// Adds what another loader read (a later file) after what this one holds.
    fn merge(&mut self, other: Loader) {
        self.snapshot.absorb(other.snapshot);
        let (t, o) = (&mut self.stats, other.stats);
        t.files += o.files;
        t.objects += o.objects;
        t.out_of_scope += o.out_of_scope;
        for (kind, n) in o.ignored {
            *t.ignored.entry(kind).or_default() += n;
        }
        if let Some(names) = o.namespaces {
            t.namespaces
                .get_or_insert_with(Default::default)
                .extend(names);
        }
        self.partial.extend(other.partial);
        for (kind, by_version) in other.skipped {
            for (version, names) in by_version {
                self.skipped
                    .entry(kind)
                    .or_default()
                    .entry(version)
                    .or_default()
                    .extend(names);
            }
        }
    }
}

/// `f` on `items` cut in `runs` runs (at most), each on a thread of its own; the results in
/// the items' order.
fn in_runs<T: Sync, R: Send>(items: &[T], runs: usize, f: impl Fn(&[T]) -> R + Sync) -> Vec<R> {
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(items.len().div_ceil(runs.max(1)).max(1))
            .map(|run| scope.spawn(move || f(run)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

impl Snapshot {
    /// Drops repeated objects (the same file given twice, a dir holding two dumps): last wins.
    /// Returns how many were dropped, by kind.
    pub(crate) fn dedup(&mut self) -> BTreeMap<String, usize> {
        fn by_key<T: ::kube::Resource<DynamicType = ()>>(
            items: &mut Vec<T>,
            dropped: &mut BTreeMap<String, usize>,
        ) {
            let mut seen = HashSet::new();
            let mut keep: Vec<bool> = items
                .iter()
                .rev()
                .map(|o| {
                    let m = o.meta();
                    seen.insert((m.namespace.clone(), m.name.clone()))
                })
                .collect();
            keep.reverse();
            let gone = keep.iter().filter(|k| !**k).count();
            if gone > 0 {
                *dropped.entry(T::kind(&()).to_string()).or_default() += gone;
            }
            let mut it = keep.into_iter();
            items.retain(|_| it.next().unwrap_or(true));
        }
        let mut dropped = BTreeMap::new();
        by_key(&mut self.pods, &mut dropped);
        by_key(&mut self.pvcs, &mut dropped);
        by_key(&mut self.pvs, &mut dropped);
        by_key(&mut self.storage_classes, &mut dropped);
        by_key(&mut self.csi_drivers, &mut dropped);
        by_key(&mut self.csi_nodes, &mut dropped);
        by_key(&mut self.volume_attachments, &mut dropped);
        by_key(&mut self.nodes, &mut dropped);
        by_key(&mut self.statefulsets, &mut dropped);
        by_key(&mut self.deployments, &mut dropped);
        by_key(&mut self.jobs, &mut dropped);
        by_key(&mut self.cron_jobs, &mut dropped);
        self.ec2.dedup();
        dropped
    }
}

#[cfg(test)]
mod filter_tests {
    use super::*;

    fn pod(ns: &str, name: &str, started: &str) -> String {
        format!(
            r#"{{"apiVersion":"v1","kind":"Pod","metadata":{{"name":"{name}","namespace":"{ns}","creationTimestamp":"2026-11-20T08:00:00Z"}},
            "spec":{{"containers":[]}},"status":{{"containerStatuses":[{{"name":"c","image":"i","imageID":"","ready":true,"restartCount":0,"state":{{"running":{{"startedAt":"{started}"}}}}}}]}}}}"#
        )
    }

    fn event(ns: &str, kind: &str, object_ns: Option<&str>, name: &str, last: &str) -> String {
        let object_ns = object_ns.map_or(String::new(), |n| format!(r#","namespace":"{n}""#));
        format!(
            r#"{{"apiVersion":"v1","kind":"Event","metadata":{{"name":"{name}.1","namespace":"{ns}"}},
            "involvedObject":{{"kind":"{kind}","name":"{name}"{object_ns}}},"reason":"R","message":"m","lastTimestamp":"{last}"}}"#
        )
    }

    const PV: &str = r#"{"apiVersion":"v1","kind":"PersistentVolume","metadata":{"name":"pv-1"},
        "spec":{"claimRef":{"namespace":"b","name":"data"}}}"#;

    fn files(dir: &Path) -> Vec<PathBuf> {
        let items = [
            pod("a", "p-a", "2026-11-21T00:00:00Z"),
            pod("b", "p-b", "2026-11-22T00:00:00Z"),
            event("a", "Pod", Some("a"), "p-a", "2026-11-21T00:00:00Z"),
            event("b", "Pod", Some("b"), "p-b", "2026-11-23T00:00:00Z"),
            event(
                "default",
                "PersistentVolume",
                None,
                "pv-1",
                "2026-11-20T09:00:00Z",
            ),
            PV.to_string(),
        ];
        let json = format!(
            r#"{{"apiVersion":"v1","kind":"List","items":[{}]}}"#,
            items.join(",")
        );
        std::fs::write(dir.join("all.json"), json).expect("write");
        let claims = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data, namespace: b}\n---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data, namespace: a}\n";
        std::fs::write(dir.join("pvcs.yaml"), claims).expect("write");
        vec![dir.to_path_buf()]
    }

    fn names<T: ::kube::Resource>(items: &[T]) -> Vec<String> {
        items
            .iter()
            .map(|o| {
                let m = o.meta();
                format!(
                    "{}/{}",
                    m.namespace.as_deref().unwrap_or("-"),
                    m.name.as_deref().unwrap_or("?")
                )
            })
            .collect()
    }

    #[test]
    fn a_namespace_filter_keeps_that_namespace_and_the_cluster_and_says_so() {
        let dir = tempfile::tempdir().expect("tempdir");
        let paths = files(dir.path());
        let (whole, _) = load_paths(&paths).expect("loads");
        let filter = LoadFilter {
            namespaces: Some(BTreeSet::from(["a".to_string()])),
            ..Default::default()
        };
        let (snap, stats) = load_paths_filtered(&paths, &filter).expect("loads");
        assert_eq!(names(&snap.pods), ["a/p-a"]);
        assert_eq!(names(&snap.pvcs), ["a/data"]);
        assert_eq!(names(&snap.pvs), ["-/pv-1"]);
        let events: Vec<&str> = snap.events.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(
            events,
            ["p-a", "pv-1"],
            "events about a's objects and the PV"
        );
        assert_eq!(stats.out_of_scope, 3, "b's pod, event and claim");
        assert_eq!(stats.objects, 5);
        // Read in a, not read in b: a rule asking about b is told so.
        assert_eq!(snap.unknown_reason(Kind::Pod, Some("a")), None);
        assert_eq!(
            snap.unknown_reason(Kind::PersistentVolumeClaim, Some("b"))
                .as_deref(),
            Some("persistentvolumeclaims in namespace b were not read")
        );
        assert_eq!(snap.unknown_reason(Kind::PersistentVolume, None), None);
        // b's event is the newest time of all: the snapshot is still dated by it.
        assert_eq!(snap.newest_timestamp(), whole.newest_timestamp());
        assert_eq!(
            snap.newest_timestamp().map(|t| t.to_string()).as_deref(),
            Some("2026-11-23T00:00:00Z")
        );
    }

    #[test]
    fn a_pv_target_also_reads_its_claims_namespace_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let paths = files(dir.path());
        let target = crate::chain::Target::Pv("pv-1".into());
        let filter = LoadFilter::for_target(Some(&target), "a");
        let (snap, stats) = load_paths_filtered(&paths, &filter).expect("loads");
        assert_eq!(names(&snap.pods), ["a/p-a", "b/p-b"]);
        // The claim's namespace is read in the second pass, after the target's.
        assert_eq!(names(&snap.pvcs), ["a/data", "b/data"]);
        assert_eq!(
            names(&snap.pvs),
            ["-/pv-1"],
            "cluster-scoped objects read once"
        );
        assert_eq!(snap.events.len(), 3, "{:?}", snap.events);
        assert_eq!((stats.objects, stats.out_of_scope, stats.files), (8, 0, 2));
        assert_eq!(snap.unknown_reason(Kind::Pod, Some("b")), None);
        assert!(snap.unknown_reason(Kind::Pod, Some("c")).is_some());
    }

    #[test]
    fn no_target_reads_everything() {
        let dir = tempfile::tempdir().expect("tempdir");
        let paths = files(dir.path());
        let (snap, stats) =
            load_paths_filtered(&paths, &LoadFilter::for_target(None, "a")).expect("loads");
        assert_eq!(snap.pods.len(), 2);
        assert_eq!(stats.out_of_scope, 0);
        assert_eq!(snap.unknown_reason(Kind::Pod, Some("zzz")), None);
    }
}
