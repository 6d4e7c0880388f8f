//! The shared vocabulary of a diagnosis, below the rules and the renderers: how bad a finding is
//! ([`Severity`]), what it is about ([`ObjectRef`]), the finding itself ([`Finding`]), where a
//! manifest finding points ([`SourceLocation`]) and the counts every report carries
//! ([`Summary`]). Rules build findings (`Finding::new` takes a rule and lives with them);
//! everything else only reads these types.

use serde::Serialize;

/// How bad a finding is. Ordered: `Error` < `Warning` < `Info` (errors sort first).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The workload cannot start, or data is at risk.
    Error,
    /// It works now but will break, or leaks money.
    Warning,
    /// Normal, but easily mistaken for a fault.
    Info,
}

impl Severity {
    /// The lowercase name used in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// What a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ObjectRef {
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
}

impl ObjectRef {
    /// A reference to a Kubernetes object.
    pub fn of<T: kube::Resource<DynamicType = ()>>(o: &T) -> Self {
        ObjectRef {
            kind: T::kind(&()).to_string(),
            namespace: o.meta().namespace.clone(),
            name: o.meta().name.clone().unwrap_or_default(),
        }
    }

    /// A reference built from parts.
    pub fn new(kind: &str, namespace: Option<&str>, name: &str) -> Self {
        ObjectRef {
            kind: kind.to_string(),
            namespace: namespace.map(str::to_string),
            name: name.to_string(),
        }
    }

    /// `ns/name` or `name`.
    pub fn display_name(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{ns}/{}", self.name),
            None => self.name.clone(),
        }
    }
}

/// One problem found, with the values and evidence that show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub code: &'static str,
    pub severity: Severity,
    pub object: ObjectRef,
    pub message: String,
    pub evidence: Vec<String>,
    pub fix: String,
}

impl Finding {
    /// Adds one line of evidence.
    pub fn evidence(mut self, line: impl Into<String>) -> Self {
        self.evidence.push(line.into());
        self
    }

    /// Sets the concrete fix.
    pub fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = fix.into();
        self
    }

    /// Overrides the severity (documented per rule).
    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }
}

/// Where in a source file a finding points (manifests checked by `preflight`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct SourceLocation {
    pub file: String,
    pub line: u32,
    pub column: u32,
}

/// Counts of findings by severity, and what could not be checked.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// Kinds that were forbidden, failed or not checked, with the reason.
    pub not_checked: Vec<String>,
}

impl Summary {
    /// The counts of `findings` by severity, with what could not be checked.
    pub fn of<'a>(
        findings: impl IntoIterator<Item = &'a Finding>,
        not_checked: Vec<String>,
    ) -> Summary {
        let mut s = Summary {
            not_checked,
            ..Summary::default()
        };
        for f in findings {
            *match f.severity {
                Severity::Error => &mut s.errors,
                Severity::Warning => &mut s.warnings,
                Severity::Info => &mut s.infos,
            } += 1;
        }
        s
    }
}
