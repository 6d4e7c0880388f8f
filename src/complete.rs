//! Shell completion: static scripts (`completion SHELL`, from the clap definition) and the
//! dynamic protocol kubectl ≥ 1.26 speaks to a plugin's `kubectl_complete-storage` executable.
//!
//! kubectl runs `kubectl_complete-storage ARG…` with the words after `kubectl storage`, the last
//! being the word under the cursor (possibly empty), and reads cobra's `__complete` answer: one
//! candidate per line (`value\tdescription`), then `:DIRECTIVE`. Candidates come from the clap
//! definition (subcommands, flags, enumerated values), the finding catalog, snapshot files, and —
//! for resource names — the cluster, bounded by a short timeout and silent on any failure.

use std::time::Duration;

use clap::CommandFactory;

use crate::cli::Cli;

/// cobra's ShellCompDirective bits.
pub mod directive {
    /// Complete normally (files allowed).
    pub const DEFAULT: u32 = 0;
    /// Do not add a space after the completion (`pod/` then a name).
    pub const NO_SPACE: u32 = 2;
    /// Do not fall back to file names.
    pub const NO_FILE: u32 = 4;
}

/// How long a completion may wait for the cluster.
const LIVE_TIMEOUT: Duration = Duration::from_secs(2);

/// Candidates (with descriptions) and the directive for the words after `kubectl storage`.
pub fn complete(words: &[String]) -> (Vec<(String, String)>, u32) {
    let (current, before) = match words.split_last() {
        Some((c, b)) => (c.as_str(), b),
        None => ("", &[][..]),
    };
    let root = Cli::command();
    let sub_name = before
        .iter()
        .find(|w| !w.starts_with('-') && root.find_subcommand(w.as_str()).is_some());
    let cmd = sub_name
        .and_then(|s| root.find_subcommand(s.as_str()))
        .unwrap_or(&root);

    // A flag's value: `--output j`, `-n pro`, `--ignore zone`.
    if let Some(flag) = before.last().filter(|w| w.starts_with('-')) {
        if let Some(arg) = find_arg(cmd, &root, flag).filter(|a| a.get_action().takes_values()) {
            return flag_values(arg.get_id().as_str(), arg, current, before);
        }
    }
    if current.starts_with('-') {
        let mut out = Vec::new();
        for arg in cmd
            .get_arguments()
            .chain(root.get_arguments().filter(|a| a.is_global_set()))
        {
            if let Some(long) = arg.get_long() {
                out.push((format!("--{long}"), help(arg)));
            }
        }
        out.push(("--help".into(), "Print help".into()));
        return (filter(out, current), directive::NO_FILE);
    }
    let Some(sub) = sub_name else {
        let subs = root
            .get_subcommands()
            .filter(|c| !c.is_hide_set() && c.get_name() != "help")
            .map(|c| {
                (
                    c.get_name().to_string(),
                    c.get_about().map(|a| a.to_string()).unwrap_or_default(),
                )
            })
            .collect();
        return (filter(subs, current), directive::NO_FILE);
    };
    match sub.as_str() {
        "why" | "dump" => (
            targets(current, before),
            if current.contains('/') {
                directive::NO_FILE
            } else {
                directive::NO_FILE | directive::NO_SPACE
            },
        ),
        "explain" => (codes(current), directive::NO_FILE),
        "completion" => (
            filter(
                ["bash", "zsh", "fish", "powershell"]
                    .map(|s| (s.to_string(), String::new()))
                    .to_vec(),
                current,
            ),
            directive::NO_FILE,
        ),
        "import-ebs" => (volume_ids(current, before), directive::NO_FILE),
        _ => (Vec::new(), directive::DEFAULT),
    }
}

fn help(arg: &clap::Arg) -> String {
    arg.get_help()
        .map(|h| h.to_string().lines().next().unwrap_or_default().to_string())
        .unwrap_or_default()
}

fn find_arg<'a>(
    cmd: &'a clap::Command,
    root: &'a clap::Command,
    flag: &str,
) -> Option<&'a clap::Arg> {
    let matches = |a: &&clap::Arg| {
        flag.strip_prefix("--")
            .is_some_and(|l| a.get_long() == Some(l))
            || flag
                .strip_prefix('-')
                .and_then(|s| s.chars().next())
                .filter(|_| flag.len() == 2)
                .is_some_and(|c| a.get_short() == Some(c))
    };
    cmd.get_arguments()
        .find(matches)
        .or_else(|| root.get_arguments().find(matches))
}

fn flag_values(
    id: &str,
    arg: &clap::Arg,
    current: &str,
    before: &[String],
) -> (Vec<(String, String)>, u32) {
    let values: Vec<(String, String)> = arg
        .get_possible_values()
        .iter()
        .map(|v| {
            (
                v.get_name().to_string(),
                v.get_help().map(|h| h.to_string()).unwrap_or_default(),
            )
        })
        .collect();
    if !values.is_empty() {
        return (filter(values, current), directive::NO_FILE);
    }
    match id {
        "ignore" => (codes(current), directive::NO_FILE),
        "namespace" => (
            live_names("namespaces", current, before),
            directive::NO_FILE,
        ),
        "context" => (contexts(current), directive::NO_FILE),
        // Paths: let the shell complete files.
        _ => (Vec::new(), directive::DEFAULT),
    }
}

fn filter(items: Vec<(String, String)>, prefix: &str) -> Vec<(String, String)> {
    items
        .into_iter()
        .filter(|(v, _)| v.starts_with(prefix))
        .collect()
}

fn codes(current: &str) -> Vec<(String, String)> {
    filter(
        crate::rules::REGISTRY
            .iter()
            .map(|r| (r.code.to_string(), r.summary.to_string()))
            .collect(),
        current,
    )
}

/// `pod/`, `pvc/`, `pv/`, `sts/` and, after a prefix, the names of that kind.
fn targets(current: &str, before: &[String]) -> Vec<(String, String)> {
    const KINDS: [(&str, &str, &str); 4] = [
        ("pod", "pods", "a pod and every volume it uses"),
        (
            "pvc",
            "persistentvolumeclaims",
            "a claim, its volume and the pods using it",
        ),
        ("pv", "persistentvolumes", "a volume and its claim"),
        ("sts", "statefulsets", "every replica of a StatefulSet"),
    ];
    match current.split_once('/') {
        Some((kind, partial)) => {
            let Some((_, resource, _)) = KINDS.iter().find(|(k, _, _)| *k == kind) else {
                return Vec::new();
            };
            live_names(resource, partial, before)
                .into_iter()
                .map(|(n, d)| (format!("{kind}/{n}"), d))
                .collect()
        }
        None => filter(
            KINDS
                .iter()
                .map(|(k, _, d)| (format!("{k}/"), d.to_string()))
                .collect(),
            current,
        ),
    }
}

/// The value of `--flag VALUE` / `--flag=VALUE` / `-n VALUE` among the words typed so far.
fn flag_value(before: &[String], long: &str, short: Option<&str>) -> Option<String> {
    let eq = format!("--{long}=");
    before.iter().enumerate().find_map(|(i, w)| {
        if let Some(v) = w.strip_prefix(&eq) {
            return Some(v.to_string());
        }
        (w == &format!("--{long}") || short.is_some_and(|s| w == s))
            .then(|| before.get(i + 1).cloned())
            .flatten()
    })
}

/// Names of `resource` from the snapshot (when `--snapshot` was typed) or the cluster.
fn live_names(resource: &str, partial: &str, before: &[String]) -> Vec<(String, String)> {
    let names = match flag_value(before, "snapshot", None) {
        Some(path) => snapshot_names(&path, resource),
        None => cluster_names(resource, before),
    };
    let mut names: Vec<String> = names
        .into_iter()
        .filter(|n| n.starts_with(partial))
        .collect();
    names.sort();
    names.dedup();
    names.into_iter().map(|n| (n, String::new())).collect()
}

fn snapshot_names(path: &str, resource: &str) -> Vec<String> {
    let Ok((snap, _)) = crate::snapshot::load::load_paths(&[path.into()]) else {
        return Vec::new();
    };
    fn names<T: kube::Resource>(items: &[T]) -> Vec<String> {
        items.iter().filter_map(|o| o.meta().name.clone()).collect()
    }
    match resource {
        "pods" => names(&snap.pods),
        "persistentvolumeclaims" => names(&snap.pvcs),
        "persistentvolumes" => names(&snap.pvs),
        "statefulsets" => names(&snap.statefulsets),
        _ => Vec::new(),
    }
}

fn cluster_names(resource: &str, before: &[String]) -> Vec<String> {
    let opts = crate::fetch::kube::ConnectOptions {
        kubeconfig: flag_value(before, "kubeconfig", None).map(Into::into),
        context: flag_value(before, "context", None),
        request_timeout: Some(LIVE_TIMEOUT),
        ..Default::default()
    };
    let ns = flag_value(before, "namespace", Some("-n"));
    crate::acquire::names(&opts, resource, ns.as_deref(), LIVE_TIMEOUT)
}

fn contexts(current: &str) -> Vec<(String, String)> {
    let Ok(kc) = kube::config::Kubeconfig::read() else {
        return Vec::new();
    };
    filter(
        kc.contexts
            .into_iter()
            .map(|c| (c.name, String::new()))
            .collect(),
        current,
    )
}

/// EBS volume ids from the AWS CLI JSON given with `--snapshot`.
fn volume_ids(current: &str, before: &[String]) -> Vec<(String, String)> {
    let Some(path) = flag_value(before, "snapshot", None) else {
        return Vec::new();
    };
    let Ok((snap, _)) = crate::snapshot::load::load_paths(&[path.into()]) else {
        return Vec::new();
    };
    filter(
        snap.ec2
            .volumes
            .iter()
            .map(|v| {
                (
                    v.id.clone(),
                    format!(
                        "{} GiB {} {} {}",
                        v.size_gib,
                        v.volume_type.as_deref().unwrap_or("?"),
                        v.az,
                        v.state
                    ),
                )
            })
            .collect(),
        current,
    )
}

/// Prints the answer in cobra's format: candidates, then `:DIRECTIVE`.
pub fn print_answer(words: &[String]) {
    let (candidates, directive) = complete(words);
    let mut out = String::new();
    for (value, desc) in candidates {
        if desc.is_empty() {
            out.push_str(&value);
        } else {
            out.push_str(&format!("{value}\t{desc}"));
        }
        out.push('\n');
    }
    out.push_str(&format!(":{directive}\n"));
    print!("{out}");
}

/// The static completion script for `shell`.
pub fn script(shell: clap_complete::Shell) -> String {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "kubectl-storage", &mut buf);
    let text = String::from_utf8_lossy(&buf).into_owned();
    if shell == clap_complete::Shell::Bash {
        // clap names the subcommands' case labels after the display name `kubectl storage`
        // (kubectl__subcmd__storage__subcmd__scan) but the words it walks after the command
        // name `kubectl-storage` (kubectl__storage__subcmd__scan): nothing completed after a
        // subcommand. One spelling for both.
        return text.replace("kubectl__subcmd__storage", "kubectl__storage");
    }
    text
}
