//! The only code that writes to the cluster: create-only (`import-ebs --apply`). An object that
//! exists already is reported as such, never updated, patched or deleted; reading it back (to
//! compare it with what was meant) is the caller's next step.

use std::time::Duration;

use kube::api::{Api, PostParams};
use kube::core::{ClusterResourceScope, NamespaceResourceScope};
use kube::Client;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// The field manager recorded on created objects.
pub const FIELD_MANAGER: &str = "kubectl-storage";

/// What one create did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Create {
    /// Created (or, with a server dry run, accepted without being persisted).
    Created,
    /// `409 AlreadyExists`: an object of that name is there.
    Exists,
    /// Not created; one line saying why (`forbidden: …`, `422 Invalid: …`, a timeout).
    Failed(String),
}

/// Create-only writes and the reads that compare what exists, each bounded by a timeout.
pub struct Writer {
    client: Client,
    dry_run: bool,
    timeout: Duration,
}

impl Writer {
    /// Writes through `client`; `dry_run` asks the server to validate without persisting.
    pub fn new(client: &Client, dry_run: bool, timeout: Duration) -> Self {
        Self {
            client: client.clone(),
            dry_run,
            timeout,
        }
    }

    /// Creates a cluster-scoped object.
    pub async fn create<K>(&self, obj: &K) -> Create
    where
        K: kube::Resource<Scope = ClusterResourceScope> + Object,
        K::DynamicType: Default,
    {
        self.create_with(&Api::all(self.client.clone()), obj).await
    }

    /// Creates an object in `namespace`.
    pub async fn create_in<K>(&self, namespace: &str, obj: &K) -> Create
    where
        K: kube::Resource<Scope = NamespaceResourceScope> + Object,
        K::DynamicType: Default,
    {
        self.create_with(&Api::namespaced(self.client.clone(), namespace), obj)
            .await
    }

    /// Reads a cluster-scoped object that exists (after [`Create::Exists`]).
    pub async fn existing<K>(&self, name: &str) -> Result<K, String>
    where
        K: kube::Resource<Scope = ClusterResourceScope> + Readable,
        K::DynamicType: Default,
    {
        self.get_with(&Api::all(self.client.clone()), name).await
    }

    /// Reads an object of `namespace` that exists (after [`Create::Exists`]).
    pub async fn existing_in<K>(&self, namespace: &str, name: &str) -> Result<K, String>
    where
        K: kube::Resource<Scope = NamespaceResourceScope> + Readable,
        K::DynamicType: Default,
    {
        self.get_with(&Api::namespaced(self.client.clone(), namespace), name)
            .await
    }

    async fn create_with<K: kube::Resource + Object>(&self, api: &Api<K>, obj: &K) -> Create {
        let pp = PostParams {
            dry_run: self.dry_run,
            field_manager: Some(FIELD_MANAGER.to_string()),
        };
        match tokio::time::timeout(self.timeout, api.create(&pp, obj)).await {
            Err(_) => Create::Failed(self.timed_out()),
            Ok(Ok(_)) => Create::Created,
            Ok(Err(kube::Error::Api(s))) if s.is_already_exists() => Create::Exists,
            Ok(Err(kube::Error::Api(s))) if s.is_forbidden() => {
                Create::Failed(format!("forbidden: {}", s.message))
            }
            Ok(Err(kube::Error::Api(s))) => {
                Create::Failed(format!("{} {}: {}", s.code, s.reason, s.message))
            }
            Ok(Err(e)) => Create::Failed(crate::snapshot::load::one_line(&e.to_string())),
        }
    }

    async fn get_with<K: kube::Resource + Readable>(
        &self,
        api: &Api<K>,
        name: &str,
    ) -> Result<K, String> {
        match tokio::time::timeout(self.timeout, api.get(name)).await {
            Err(_) => Err(self.timed_out()),
            Ok(Ok(o)) => Ok(o),
            Ok(Err(kube::Error::Api(s))) => Err(format!(
                "it exists, but reading it to compare failed: {} {}",
                s.code, s.message
            )),
            Ok(Err(e)) => Err(crate::snapshot::load::one_line(&e.to_string())),
        }
    }

    fn timed_out(&self) -> String {
        format!("timed out after {}s", self.timeout.as_secs())
    }
}

/// What an object type needs to be read.
pub trait Readable: Clone + DeserializeOwned + std::fmt::Debug {}

impl<K: Clone + DeserializeOwned + std::fmt::Debug> Readable for K {}

/// What an object type needs to be sent (and its answer read).
pub trait Object: Readable + Serialize {}

impl<K: Readable + Serialize> Object for K {}
