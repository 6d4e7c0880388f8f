//! `import-ebs --apply`: creates the planned objects, create-only.
//!
//! Per volume the PV is created first, then its claim, so a run killed half-way leaves at most a
//! pre-bound PV that nothing else can take (its claimRef names our claim) and the next run only
//! adds the claim. `AlreadyExists` is answered by reading the object and comparing it with the
//! plan ([`plan::pv_differences`], [`plan::pvc_matches`]): exactly the planned object is "already
//! imported", anything else (another volume, or the same volume with another reclaim policy,
//! size, zone, fsType or class) a name conflict. Nothing is ever updated, patched or deleted.

use std::time::Duration;

use k8s_openapi::api::core::v1::PersistentVolumeClaim;
use kube::Client;
use serde::Serialize;

use super::plan::{self, ClaimName, Outcome, Plan};
use crate::fetch::write::{Create, Writer};

/// The field manager recorded on created objects.
pub use crate::fetch::write::FIELD_MANAGER;

/// What happened to one object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Result {
    /// Created (or, with `--dry-run=server`, accepted by the server without persisting).
    Created,
    /// It existed and is the planned one.
    AlreadyImported,
    /// Not created; the reason says why.
    NotCreated(String),
}

/// One object's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// `persistentvolume/NAME` or `persistentvolumeclaim/NS/NAME`.
    pub object: String,
    pub volume_id: String,
    pub result: Result,
}

impl Step {
    /// A kubectl-like line: `persistentvolume/x created`.
    pub fn line(&self, dry_run: bool) -> String {
        let dry = if dry_run { " (server dry run)" } else { "" };
        match &self.result {
            Result::Created => format!("{} created{dry}", self.object),
            Result::AlreadyImported => format!("{} unchanged: already imported", self.object),
            Result::NotCreated(why) => format!("{} NOT created: {why}", self.object),
        }
    }
}

/// Creates every planned object; never updates or deletes. Returns one step per object tried.
pub async fn apply(client: &Client, plan: &Plan, dry_run: bool, timeout: Duration) -> Vec<Step> {
    let writer = Writer::new(client, dry_run, timeout);
    let mut steps = Vec::new();
    for item in &plan.items {
        let (pv_name, pv, claim, pvc) = match &item.outcome {
            Outcome::Planned {
                pv_name,
                pv,
                claim,
                pvc,
            } => (pv_name, pv, claim, pvc),
            Outcome::Skipped { existing, .. } => {
                // Re-running is a no-op: say so for each object that stands for the volume.
                steps.extend(existing.iter().map(|object| Step {
                    object: object.clone(),
                    volume_id: item.volume_id.clone(),
                    result: Result::AlreadyImported,
                }));
                continue;
            }
            Outcome::Refused { .. } => continue,
        };
        let step = |object: String, result: Result| Step {
            object,
            volume_id: item.volume_id.clone(),
            result,
        };
        let pv_ref = format!("persistentvolume/{pv_name}");
        let claim_ref = |c: &ClaimName| format!("persistentvolumeclaim/{}/{}", c.namespace, c.name);
        if let Some(pv) = pv {
            let result = match writer.create(pv.as_ref()).await {
                Create::Created => Result::Created,
                // Read back in the compact form the snapshot uses, so the same checks apply to it.
                Create::Exists => match writer
                    .existing::<crate::model::PersistentVolume>(pv_name)
                    .await
                {
                    Ok(existing) if plan::pv_holds(&existing, &item.volume_id, claim.as_ref()) => {
                        let diffs = plan::pv_differences(&existing, pv);
                        if diffs.is_empty() {
                            Result::AlreadyImported
                        } else {
                            let f = crate::rules::import::import_name_conflict::pv_differs(
                                &item.volume_id,
                                pv_name,
                                &existing,
                                &diffs,
                            );
                            Result::NotCreated(format!(
                                "import-name-conflict: {} (fix: {})",
                                f.message, f.fix
                            ))
                        }
                    }
                    Ok(existing) => Result::NotCreated(format!(
                        "import-name-conflict: {}",
                        crate::rules::import::import_name_conflict::pv(
                            &item.volume_id,
                            pv_name,
                            &existing
                        )
                        .message
                    )),
                    Err(e) => Result::NotCreated(e),
                },
                Create::Failed(e) => Result::NotCreated(e),
            };
            let failed = matches!(result, Result::NotCreated(_));
            steps.push(step(pv_ref.clone(), result));
            if failed {
                // The claim would bind to nothing we made: leave it for the next run.
                if let Some(c) = claim.as_ref().filter(|_| pvc.is_some()) {
                    steps.push(step(
                        claim_ref(c),
                        Result::NotCreated(format!("its PV {pv_name} was not created")),
                    ));
                }
                continue;
            }
        }
        if let (Some(c), Some(pvc)) = (claim, pvc) {
            let result = match writer.create_in(&c.namespace, pvc.as_ref()).await {
                Create::Created => Result::Created,
                Create::Exists => match writer
                    .existing_in::<PersistentVolumeClaim>(&c.namespace, &c.name)
                    .await
                {
                    Ok(existing) if plan::pvc_matches(&existing, pv_name) => {
                        Result::AlreadyImported
                    }
                    Ok(existing) => Result::NotCreated(format!(
                        "import-name-conflict: {}",
                        crate::rules::import::import_name_conflict::pvc(
                            &item.volume_id,
                            pv_name,
                            &existing
                        )
                        .message
                    )),
                    Err(e) => Result::NotCreated(e),
                },
                Create::Failed(e) => Result::NotCreated(e),
            };
            steps.push(step(claim_ref(c), result));
        }
    }
    steps
}
