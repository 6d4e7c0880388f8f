//! One event shape for both APIs: core `v1` Events and `events.k8s.io/v1` Events.

use k8s_openapi::api::core::v1::Event as CoreEvent;
use k8s_openapi::api::events::v1::Event as NewEvent;
use serde::{Deserialize, Serialize};

/// An event about one object, whichever API it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventRecord {
    /// Kind of the object the event is about (`Pod`, `PersistentVolumeClaim`, …).
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    pub uid: Option<String>,
    pub reason: String,
    pub message: String,
    /// `Normal` or `Warning`.
    pub event_type: String,
    /// How many times it happened (at least 1).
    pub count: u32,
    pub first: Option<jiff::Timestamp>,
    pub last: Option<jiff::Timestamp>,
    /// The component that reported it (`persistentvolume-controller`, `default-scheduler`, …).
    pub source: String,
}

/// The namespace of the object an event is about. Events about cluster-scoped objects (a PV, a
/// Node) are stored in some namespace ("default") but their object has none.
pub(super) fn involved_namespace(
    kind: Option<&str>,
    object_ns: Option<&str>,
    event_ns: Option<&str>,
) -> Option<String> {
    let cluster_scoped = kind
        .and_then(super::load::known_kind)
        .is_some_and(|k| !k.namespaced());
    if cluster_scoped {
        return None;
    }
    object_ns
        .filter(|n| !n.is_empty())
        .or(event_ns)
        .map(str::to_string)
}

impl EventRecord {
    /// Whether this event is about the object `kind`/`namespace`/`name`.
    pub fn is_about(&self, kind: &str, namespace: Option<&str>, name: &str) -> bool {
        self.kind == kind && self.name == name && self.namespace.as_deref() == namespace
    }
}

impl From<&CoreEvent> for EventRecord {
    fn from(e: &CoreEvent) -> Self {
        let o = &e.involved_object;
        let series = e.series.as_ref();
        let last = series
            .and_then(|s| s.last_observed_time.as_ref().map(|t| t.0))
            .or_else(|| e.last_timestamp.as_ref().map(|t| t.0))
            .or_else(|| e.event_time.as_ref().map(|t| t.0))
            .or_else(|| e.metadata.creation_timestamp.as_ref().map(|t| t.0));
        let count = series.and_then(|s| s.count).or(e.count).unwrap_or(1).max(1);
        EventRecord {
            kind: o.kind.clone().unwrap_or_default(),
            namespace: involved_namespace(
                o.kind.as_deref(),
                o.namespace.as_deref(),
                e.metadata.namespace.as_deref(),
            ),
            name: o.name.clone().unwrap_or_default(),
            uid: o.uid.clone(),
            reason: e.reason.clone().unwrap_or_default(),
            message: e.message.clone().unwrap_or_default(),
            event_type: e.type_.clone().unwrap_or_else(|| "Normal".into()),
            count: u32::try_from(count).unwrap_or(1),
            first: e
                .first_timestamp
                .as_ref()
                .map(|t| t.0)
                .or_else(|| e.event_time.as_ref().map(|t| t.0))
                .or(last),
            last,
            source: e
                .reporting_component
                .clone()
                .filter(|s| !s.is_empty())
                .or_else(|| e.source.as_ref().and_then(|s| s.component.clone()))
                .unwrap_or_default(),
        }
    }
}

impl From<&NewEvent> for EventRecord {
    fn from(e: &NewEvent) -> Self {
        let o = e.regarding.as_ref();
        let series = e.series.as_ref();
        let last = series
            .map(|s| s.last_observed_time.0)
            .or_else(|| e.deprecated_last_timestamp.as_ref().map(|t| t.0))
            .or(e.event_time.as_ref().map(|t| t.0));
        let count = series
            .map(|s| s.count)
            .or(e.deprecated_count)
            .unwrap_or(1)
            .max(1);
        EventRecord {
            kind: o.and_then(|o| o.kind.clone()).unwrap_or_default(),
            namespace: involved_namespace(
                o.and_then(|o| o.kind.as_deref()),
                o.and_then(|o| o.namespace.as_deref()),
                e.metadata.namespace.as_deref(),
            ),
            name: o.and_then(|o| o.name.clone()).unwrap_or_default(),
            uid: o.and_then(|o| o.uid.clone()),
            reason: e.reason.clone().unwrap_or_default(),
            message: e.note.clone().unwrap_or_default(),
            event_type: e.type_.clone().unwrap_or_else(|| "Normal".into()),
            count: u32::try_from(count).unwrap_or(1),
            first: e
                .deprecated_first_timestamp
                .as_ref()
                .map(|t| t.0)
                .or(e.event_time.as_ref().map(|t| t.0)),
            last,
            source: e
                .reporting_controller
                .clone()
                .or_else(|| {
                    e.deprecated_source
                        .as_ref()
                        .and_then(|s| s.component.clone())
                })
                .unwrap_or_default(),
        }
    }
}

impl EventRecord {
    /// The core `v1` Event this record stands for, as `dump` writes it (kubectl's format).
    pub fn to_core(&self, index: usize) -> CoreEvent {
        use k8s_openapi::api::core::v1::{EventSource, ObjectReference};
        use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
        CoreEvent {
            metadata: ObjectMeta {
                name: Some(format!("{}.{index:x}", self.name)),
                namespace: self.namespace.clone().or_else(|| Some("default".into())),
                ..Default::default()
            },
            involved_object: ObjectReference {
                kind: Some(self.kind.clone()),
                namespace: self.namespace.clone(),
                name: Some(self.name.clone()),
                uid: self.uid.clone(),
                ..Default::default()
            },
            reason: Some(self.reason.clone()),
            message: Some(self.message.clone()),
            type_: Some(self.event_type.clone()),
            count: Some(i32::try_from(self.count).unwrap_or(i32::MAX)),
            first_timestamp: self.first.map(Time),
            last_timestamp: self.last.map(Time),
            source: Some(EventSource {
                component: Some(self.source.clone()),
                host: None,
            }),
            ..Default::default()
        }
    }
}
