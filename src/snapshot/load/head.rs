//! What a filtered load reads of an object before deciding to build it.

use std::borrow::Cow;

use crate::snapshot::Kind;

/// What a filtered load reads of an object before deciding to keep it: its kind, its
/// namespace (for an event, its object's) and the times
/// [`Snapshot::newest_timestamp`](crate::snapshot::Snapshot::newest_timestamp) counts.
#[derive(Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ScopedHead<'a> {
    #[serde(borrow, default)]
    pub(super) kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub(super) api_version: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub(super) metadata: Option<ScopedMeta<'a>>,
    #[serde(borrow, default)]
    status: Option<StampedStatus<'a>>,
    #[serde(borrow, default)]
    involved_object: Option<Involved<'a>>,
    #[serde(borrow, default)]
    regarding: Option<Involved<'a>>,
    #[serde(borrow, default)]
    series: Option<Series<'a>>,
    #[serde(borrow, default)]
    first_timestamp: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    last_timestamp: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    event_time: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    deprecated_first_timestamp: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    deprecated_last_timestamp: Option<Cow<'a, str>>,
}

#[derive(Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ScopedMeta<'a> {
    #[serde(borrow, default)]
    pub(super) name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub(super) namespace: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    creation_timestamp: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    deletion_timestamp: Option<Cow<'a, str>>,
}

#[derive(Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct StampedStatus<'a> {
    #[serde(borrow, default)]
    conditions: Option<Vec<StampedCondition<'a>>>,
    #[serde(borrow, default)]
    container_statuses: Option<Vec<StampedContainer<'a>>>,
}

#[derive(Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct StampedCondition<'a> {
    #[serde(borrow, default)]
    last_transition_time: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    last_probe_time: Option<Cow<'a, str>>,
}

#[derive(Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct StampedContainer<'a> {
    #[serde(borrow, default)]
    state: Option<StampedState<'a>>,
    #[serde(borrow, default)]
    last_state: Option<StampedState<'a>>,
}

#[derive(Default, serde::Deserialize)]
struct StampedState<'a> {
    #[serde(borrow, default)]
    running: Option<Started<'a>>,
    #[serde(borrow, default)]
    terminated: Option<Started<'a>>,
}

#[derive(Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Started<'a> {
    #[serde(borrow, default)]
    started_at: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    finished_at: Option<Cow<'a, str>>,
}

#[derive(Default, serde::Deserialize)]
struct Involved<'a> {
    #[serde(borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    namespace: Option<Cow<'a, str>>,
}

#[derive(Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Series<'a> {
    #[serde(borrow, default)]
    last_observed_time: Option<Cow<'a, str>>,
}

impl ScopedHead<'_> {
    /// The namespace that decides whether a filtered load keeps the object (`None`: it goes
    /// with the cluster-scoped objects): its own; for an event, its object's, as
    /// [`EventRecord`](crate::snapshot::EventRecord) records it.
    pub(super) fn namespace_part(&self, k: Kind) -> Option<String> {
        let own = self.metadata.as_ref().and_then(|m| m.namespace.as_deref());
        if k != Kind::Event {
            return own.filter(|n| !n.is_empty()).map(str::to_string);
        }
        let object = self.involved_object.as_ref().or(self.regarding.as_ref());
        crate::snapshot::events::involved_namespace(
            object.and_then(|o| o.kind.as_deref()),
            object.and_then(|o| o.namespace.as_deref()),
            own,
        )
    }

    /// The newest of the times
    /// [`Snapshot::newest_timestamp`](crate::snapshot::Snapshot::newest_timestamp) would read
    /// from this object.
    pub(super) fn newest(&self, k: Kind, api_version: &str) -> Option<jiff::Timestamp> {
        fn t(s: &Option<Cow<'_, str>>) -> Option<jiff::Timestamp> {
            s.as_deref()?.parse().ok()
        }
        let meta = self.metadata.as_ref();
        let mut all = vec![
            meta.and_then(|m| t(&m.creation_timestamp)),
            meta.and_then(|m| t(&m.deletion_timestamp)),
        ];
        let status = self.status.as_ref();
        match k {
            Kind::Pod | Kind::PersistentVolumeClaim => {
                for c in status
                    .and_then(|s| s.conditions.as_deref())
                    .unwrap_or_default()
                {
                    all.push(t(&c.last_transition_time));
                    all.push(t(&c.last_probe_time));
                }
            }
            Kind::Event => {
                // As `EventRecord` takes `first` and `last`.
                let series = self.series.as_ref().and_then(|s| t(&s.last_observed_time));
                let (last, first) = if api_version.starts_with("events.k8s.io/") {
                    let last = series
                        .or_else(|| t(&self.deprecated_last_timestamp))
                        .or_else(|| t(&self.event_time));
                    let first = t(&self.deprecated_first_timestamp)
                        .or_else(|| t(&self.event_time))
                        .or(last);
                    (last, first)
                } else {
                    let last = series
                        .or_else(|| t(&self.last_timestamp))
                        .or_else(|| t(&self.event_time))
                        .or_else(|| meta.and_then(|m| t(&m.creation_timestamp)));
                    let first = t(&self.first_timestamp)
                        .or_else(|| t(&self.event_time))
                        .or(last);
                    (last, first)
                };
                return first.max(last);
            }
            _ => {}
        }
        if k == Kind::Pod {
            for c in status
                .and_then(|s| s.container_statuses.as_deref())
                .unwrap_or_default()
            {
                for s in [&c.state, &c.last_state].into_iter().flatten() {
                    all.push(s.running.as_ref().and_then(|r| t(&r.started_at)));
                    all.push(s.terminated.as_ref().and_then(|r| t(&r.started_at)));
                    all.push(s.terminated.as_ref().and_then(|r| t(&r.finished_at)));
                }
            }
        }
        all.into_iter().flatten().max()
    }
}
