//! Command-line definitions (clap) and dispatch. One file per command.

mod dump;
mod explain;
mod fleet;
mod import_ebs;
mod preflight;
mod scan;
mod why;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::error::Result;
use crate::render::human::Style;
use crate::render::Format;
use crate::rules::Severity;

/// `0.1.0 (abc123def456)`: the crate version and the git commit it was built from.
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("KSTOR_GIT_COMMIT"),
    ")"
);

const ABOUT: &str = "Explains why a stateful Pod's storage is stuck: Pod → PVC → PV → StorageClass → CSI driver → VolumeAttachment → Node, root cause first, with evidence and a fix.";

const AFTER_HELP: &str = "Examples:
  kubectl storage why pod/db-0 -n prod          diagnose one pod's volumes
  kubectl storage why sts/db -n prod            every replica of a StatefulSet
  kubectl storage why pvc/data-db-0 -o json     machine-readable
  kubectl storage why task-pod --snapshot examples/seed/   offline, no cluster
  kubectl storage dump ./bundle pod/db-0        save what `why` reads, for later or a bug report
  kubectl storage explain zone-mismatch         what a finding means and how to fix it

Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage error,
unreadable input, or the cluster could not be reached.

EC2 cross-checks use the standard AWS credential chain (--profile, --region); --no-aws skips them.
--snapshot reads EC2 only from AWS CLI JSON files in the snapshot; add --live-aws to read EC2 live
while Kubernetes comes from the files.";

const COMPLETION_HELP: &str =
    "For `kubectl storage <TAB>` (kubectl 1.26+), put the kubectl_complete-storage
executable shipped beside kubectl-storage on PATH: kubectl asks it for candidates, including
live pod, claim, volume and StatefulSet names.

For the standalone kubectl-storage command:
  bash:       source <(kubectl-storage completion bash)
  zsh:        kubectl-storage completion zsh > \"${fpath[1]}/_kubectl-storage\"
  fish:       kubectl-storage completion fish > ~/.config/fish/completions/kubectl-storage.fish
  powershell: kubectl-storage completion powershell | Out-String | Invoke-Expression";

/// kubectl-storage: debug stateful storage on Kubernetes and AWS EBS.
#[derive(Debug, Parser)]
#[command(name = "kubectl-storage", bin_name = "kubectl storage", version = VERSION, about = ABOUT, after_help = AFTER_HELP, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command accepts (kubectl passes none to plugins, so we define them).
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).
    #[arg(
        help_heading = "Cluster connection",
        long,
        global = true,
        value_name = "PATH"
    )]
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context to use (`scan` and `serve`: repeatable, one cluster each).
    #[arg(
        help_heading = "Cluster connection",
        long,
        global = true,
        value_name = "NAME"
    )]
    pub context: Vec<String>,
    /// The kubeconfig cluster to use.
    #[arg(
        help_heading = "Cluster connection",
        long,
        global = true,
        value_name = "NAME"
    )]
    pub cluster: Option<String>,
    /// The kubeconfig user to use.
    #[arg(
        help_heading = "Cluster connection",
        long,
        global = true,
        value_name = "NAME"
    )]
    pub user: Option<String>,
    /// Namespace of the target (default: the context's namespace, else "default").
    #[arg(
        help_heading = "Cluster connection",
        short = 'n',
        long,
        global = true,
        value_name = "NS"
    )]
    pub namespace: Option<String>,
    /// Impersonate this user or service account (system:serviceaccount:NS:NAME).
    #[arg(
        help_heading = "Cluster connection",
        long = "as",
        global = true,
        value_name = "USER"
    )]
    pub impersonate: Option<String>,
    /// Group to impersonate, with --as (repeatable).
    #[arg(
        help_heading = "Cluster connection",
        long = "as-group",
        global = true,
        value_name = "GROUP"
    )]
    pub impersonate_groups: Vec<String>,
    /// Bearer token for the API server (replaces the kubeconfig user's credentials).
    #[arg(
        help_heading = "Cluster connection",
        long,
        global = true,
        value_name = "TOKEN"
    )]
    pub token: Option<String>,
    /// The address and port of the Kubernetes API server.
    #[arg(
        help_heading = "Cluster connection",
        short = 's',
        long,
        global = true,
        value_name = "URL"
    )]
    pub server: Option<String>,
    /// Path to a PEM file of certificate authorities for the API server's certificate.
    #[arg(
        help_heading = "Cluster connection",
        long,
        global = true,
        value_name = "PATH"
    )]
    pub certificate_authority: Option<PathBuf>,
    /// Do not check the API server's certificate (insecure).
    #[arg(help_heading = "Cluster connection", long, global = true)]
    pub insecure_skip_tls_verify: bool,
    /// Server name to check the API server's certificate against (default: the server's host).
    #[arg(
        help_heading = "Cluster connection",
        long,
        global = true,
        value_name = "NAME"
    )]
    pub tls_server_name: Option<String>,
    /// Timeout for each API request and the AWS credential chain: a Go duration (1m30s, 500ms)
    /// or bare seconds (30); 0 means no timeout (capped at 5m) [default: 30s].
    #[arg(help_heading = "Cluster connection", long, global = true, value_name = "DURATION", value_parser = parse_duration)]
    pub request_timeout: Option<Duration>,
    /// Output format.
    #[arg(help_heading = "Output", short = 'o', long, global = true, value_enum, default_value_t = Format::Human)]
    pub output: Format,
    /// Never colour the output (same as --color=never).
    #[arg(help_heading = "Output", long, global = true)]
    pub no_color: bool,
    /// Colour: auto (a terminal, unless NO_COLOR is set), always or never.
    #[arg(help_heading = "Output", long, global = true, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,
    /// Verbosity: 1 prints what was read and how, 2 adds per-request counts; like kubectl, 6
    /// logs each request (method, URL, status, latency), 8 adds bodies (secrets redacted).
    /// RUST_LOG overrides.
    #[arg(
        help_heading = "Output",
        short = 'v',
        long = "verbosity",
        global = true,
        value_name = "N",
        default_value_t = 0
    )]
    pub verbosity: u8,
    /// Diagnose offline from files or directories of `kubectl get -o yaml|json` output (repeatable).
    #[arg(help_heading = "Input", long, global = true, value_name = "PATH")]
    pub snapshot: Vec<PathBuf>,
    /// AWS region for EC2 cross-checks (default: the nodes' providerID zone, then AWS_REGION, then the profile).
    #[arg(help_heading = "AWS", long, global = true, value_name = "REGION")]
    pub region: Option<String>,
    /// AWS profile (from ~/.aws/config) for EC2 cross-checks.
    #[arg(help_heading = "AWS", long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// How long the AWS credential chain may take (SSO, MFA, credential_process)
    /// [default: --request-timeout].
    #[arg(help_heading = "AWS", long, global = true, value_name = "DURATION", value_parser = parse_duration)]
    pub aws_timeout: Option<Duration>,
    /// Skip the EC2 cross-checks: EBS hops show as not checked.
    #[arg(help_heading = "AWS", long, global = true)]
    pub no_aws: bool,
    /// With --snapshot: read Kubernetes from the files but EC2 live (for reproducing EC2 state).
    #[arg(
        help_heading = "AWS",
        long,
        global = true,
        requires = "snapshot",
        conflicts_with = "no_aws"
    )]
    pub live_aws: bool,
    /// Also read volume usage from the kubelets (GET nodes/NAME/proxy/stats/summary) for the
    /// volume-full checks. Needs `get` on nodes/proxy, a powerful permission: opt-in.
    #[arg(help_heading = "Cluster connection", long, global = true)]
    pub kubelet_stats: bool,
    /// Exit 1 when a finding at or above this severity is found.
    #[arg(help_heading = "Output", long, global = true, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// The largest input file read (--snapshot, preflight -f): bytes or a quantity such as 4Gi
    /// [default: 2Gi for snapshots, 64Mi for manifests].
    #[arg(help_heading = "Input", long, global = true, value_name = "SIZE", value_parser = parse_size)]
    pub max_file_size: Option<u64>,
}

fn parse_size(s: &str) -> std::result::Result<u64, String> {
    crate::k8s::parse_quantity(s)
        .and_then(|b| u64::try_from(b).ok())
        .filter(|b| *b > 0)
        .ok_or_else(|| format!("{s:?} is not a size: use bytes or a quantity such as 4Gi"))
}

/// The exit codes of every command (README, "Exit codes"): kubectl's convention of 0 for
/// success, 1 for "ran, and found what the gate trips on", 2 for "could not run".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Nothing at or above `--fail-on` (or nothing to report).
    Clean = 0,
    /// Findings at or above `--fail-on`; a watch that timed out; a plan that failed in part.
    Findings = 1,
    /// Usage error, unreadable input, or no cluster could be reached (one line on stderr).
    Usage = 2,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        ExitCode::from(e as u8)
    }
}

/// The `--fail-on` threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

impl FailOn {
    /// Whether a finding of `severity` trips the gate.
    pub fn trips(self, severity: Severity) -> bool {
        match self {
            FailOn::Never => false,
            FailOn::Error => severity == Severity::Error,
            FailOn::Warning => severity <= Severity::Warning,
            FailOn::Info => true,
        }
    }

    /// The exit code for a run that found these severities: 1 when one trips the gate.
    pub fn exit_code(self, mut severities: impl Iterator<Item = Severity>) -> ExitCode {
        if severities.any(|s| self.trips(s)) {
            ExitCode::from(Exit::Findings)
        } else {
            ExitCode::from(Exit::Clean)
        }
    }
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Walk one chain and explain why it is (or is not) healthy.
    #[command(after_help = why::AFTER_HELP)]
    Why(why::WhyArgs),
    /// Write everything `why` reads to a directory, for offline diagnosis and bug reports.
    #[command(after_help = dump::AFTER_HELP)]
    Dump(dump::DumpArgs),
    /// Print a finding's What / Why / Fix text (or list every code).
    #[command(after_help = "Examples:
  kubectl storage explain                       list every finding code, by category
  kubectl storage explain zone-mismatch         what it means, why it happens, how to fix it
  kubectl storage explain -o json               the whole catalog, for tools")]
    Explain(explain::ExplainArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell).
    #[command(after_help = COMPLETION_HELP)]
    Completion {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Check manifests (files, directories, stdin, Helm output) for storage mistakes before they are applied.
    #[command(after_help = preflight::AFTER_HELP)]
    Preflight(preflight::PreflightArgs),
    /// Every claim and volume in scope at once, plus orphaned EBS volumes: a summary table.
    #[command(after_help = scan::AFTER_HELP)]
    Scan(scan::ScanArgs),
    /// Build PVs (and pre-bound claims) for existing EBS volumes; print them, or create with --apply.
    #[command(after_help = import_ebs::AFTER_HELP)]
    ImportEbs(import_ebs::ImportArgs),
    /// Scan on an interval and serve the last scan's metrics (`/metrics`, `/healthz`) over HTTP.
    #[command(after_help = fleet::SERVE_HELP)]
    Serve(fleet::ServeArgs),
}

/// A Go duration (`1m30s`, `500ms`, `1.5h`, `2h45m`; units ns, us, µs, ms, s, m, h) or bare
/// seconds (`30`), as kubectl's `--request-timeout` takes. `0` is kubectl's "no timeout": we
/// keep a 5-minute ceiling so a dead server cannot hang us.
pub fn parse_duration(s: &str) -> std::result::Result<Duration, String> {
    let bad = || format!("invalid duration {s:?}: use e.g. 30s, 1m30s, 500ms or bare seconds");
    let t = s.trim();
    if t.is_empty() || t.starts_with('-') {
        return Err(bad());
    }
    let t = t.strip_prefix('+').unwrap_or(t);
    let secs = if let Ok(n) = t.parse::<f64>() {
        if !n.is_finite() {
            return Err(bad());
        }
        n
    } else {
        let mut total = 0.0;
        let mut rest = t;
        while !rest.is_empty() {
            let num_len = rest
                .find(|c: char| !c.is_ascii_digit() && c != '.')
                .unwrap_or(rest.len());
            let n: f64 = rest[..num_len].parse().map_err(|_| bad())?;
            rest = &rest[num_len..];
            let unit_len = rest
                .find(|c: char| c.is_ascii_digit() || c == '.')
                .unwrap_or(rest.len());
            let factor = match &rest[..unit_len] {
                "ns" => 1e-9,
                "us" | "µs" | "μs" => 1e-6,
                "ms" => 1e-3,
                "s" => 1.0,
                "m" => 60.0,
                "h" => 3600.0,
                _ => return Err(bad()),
            };
            rest = &rest[unit_len..];
            total += n * factor;
        }
        total
    };
    if secs <= 0.0 {
        return Ok(Duration::from_secs(300));
    }
    Duration::try_from_secs_f64(secs).map_err(|_| bad())
}

impl GlobalArgs {
    /// Output styling from flags, NO_COLOR and whether stdout is a terminal.
    pub fn style(&self) -> Style {
        let tty = std::io::stdout().is_terminal();
        let no_color_env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = match self.color {
            _ if self.no_color => false,
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => tty && !no_color_env,
        };
        Style {
            color,
            width: tty.then(terminal_width).flatten(),
        }
    }

    /// Prints a note on stderr at or above verbosity `level`.
    pub fn note(&self, level: u8, msg: impl AsRef<str>) {
        if self.verbosity >= level {
            eprintln!("{}", msg.as_ref());
        }
    }

    /// AWS flags for the EC2 fetch.
    pub fn aws_options(&self) -> crate::fetch::aws::AwsOptions {
        crate::fetch::aws::AwsOptions {
            region: self.region.clone(),
            profile: self.profile.clone(),
            request_timeout: self.request_timeout,
            credentials_timeout: self.aws_timeout.or(self.request_timeout),
        }
    }

    /// Prints `-v` notes (level, line) from a read.
    pub fn notes(&self, notes: &[(u8, String)]) {
        for (level, line) in notes {
            self.note(*level, line);
        }
    }

    /// Where and how commands read, for [`crate::acquire`].
    pub fn source(&self) -> crate::acquire::Source {
        crate::acquire::Source {
            snapshot: self.snapshot.clone(),
            connect: self.connect_options(),
            aws: self.aws_options(),
            namespace: self.namespace.clone(),
            no_aws: self.no_aws,
            live_aws: self.live_aws,
            kubelet_stats: self.kubelet_stats,
        }
    }

    fn connect_options(&self) -> crate::fetch::kube::ConnectOptions {
        crate::fetch::kube::ConnectOptions {
            kubeconfig: self.kubeconfig.clone(),
            context: self.context.first().cloned(),
            cluster: self.cluster.clone(),
            user: self.user.clone(),
            impersonate: self.impersonate.clone(),
            impersonate_groups: self.impersonate_groups.clone(),
            token: self.token.clone(),
            server: self.server.clone(),
            certificate_authority: self.certificate_authority.clone(),
            insecure_skip_tls_verify: self.insecure_skip_tls_verify,
            tls_server_name: self.tls_server_name.clone(),
            request_timeout: self.request_timeout,
            transports: None,
        }
    }
}

/// The terminal's width (asked of the terminal on stdout, else stderr), else `$COLUMNS`,
/// else 100; never under 40.
fn terminal_width() -> Option<usize> {
    let asked = terminal_size::terminal_size_of(std::io::stdout())
        .or_else(|| terminal_size::terminal_size_of(std::io::stderr()))
        .map(|(w, _)| usize::from(w.0));
    asked
        .or_else(|| std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()))
        .filter(|w| *w >= 40)
        .or(Some(100))
}

/// Parses the command line, runs the command, prints errors as one line, returns the exit code.
pub fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        eprintln!("error: internal error: {info}. Please report it with `kubectl storage dump`.");
        std::process::exit(Exit::Usage as i32);
    }));
    let cli = Cli::parse();
    crate::fetch::redact::init(cli.global.verbosity);
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            if let Some(h) = e.hint() {
                eprintln!("hint: {h}");
            }
            ExitCode::from(Exit::Usage)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    if let (Some(p), false) = (&cli.global.profile, cli.global.no_aws) {
        crate::fetch::aws::check_profile(p)?;
    }
    if let Some(max) = cli.global.max_file_size {
        crate::snapshot::load::set_max_file_size(max);
    }
    if cli.global.context.len() > 1 && !matches!(cli.command, Command::Scan(_) | Command::Serve(_))
    {
        return Err(crate::error::Error::Usage(
            "--context may be given more than once only with scan and serve".into(),
        ));
    }
    match &cli.command {
        Command::Why(args) => why::run(&cli.global, args),
        Command::Dump(args) => dump::run(&cli.global, args),
        Command::Explain(args) => explain::run(&cli.global, args),
        Command::Completion { shell } => {
            print(&crate::complete::script(*shell));
            Ok(ExitCode::from(Exit::Clean))
        }
        Command::Preflight(args) => preflight::run(&cli.global, args),
        Command::Scan(args) => scan::run(&cli.global, args),
        Command::ImportEbs(args) => import_ebs::run(&cli.global, args),
        Command::Serve(args) => fleet::serve(&cli.global, args),
    }
}

/// A Tokio runtime for the live commands.
fn runtime() -> Result<tokio::runtime::Runtime> {
    crate::acquire::runtime()
}

/// Writes to stdout, treating a closed pipe (`| head`) as success.
fn print(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|_| out.flush());
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn request_timeout_reads_go_durations_and_bare_seconds() {
        let ok = |s: &str| parse_duration(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        assert_eq!(ok("1m30s"), Duration::from_secs(90));
        assert_eq!(ok("500ms"), Duration::from_millis(500));
        assert_eq!(ok("30"), Duration::from_secs(30));
        assert_eq!(ok("1.5s"), Duration::from_millis(1500));
        assert_eq!(ok("2h45m"), Duration::from_secs(2 * 3600 + 45 * 60));
        assert_eq!(ok("1h"), Duration::from_secs(3600));
        assert_eq!(ok("250us"), Duration::from_micros(250));
        // kubectl's 0: no timeout; we cap it.
        assert_eq!(ok("0"), Duration::from_secs(300));
        for bad in ["", "1x", "m", "-5s", "abc", "1m30", "s10"] {
            assert!(parse_duration(bad).is_err(), "{bad:?} accepted");
        }
    }
}
