//! Our own model of the EC2 data a diagnosis reads: EBS volumes, instances, availability zones.
//!
//! The types (de)serialise in the shape the AWS CLI prints (`aws ec2 describe-volumes` →
//! `{"Volumes": [...]}`, `describe-instances` → `{"Reservations": [{"Instances": [...]}]}`,
//! `describe-availability-zones` → `{"AvailabilityZones": [...]}`), so dumps are readable by
//! `aws` users and AWS CLI output loads as a snapshot. Unknown keys are ignored.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// A `{Key, Value}` tag as EC2 prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    pub key: String,
    #[serde(default)]
    pub value: String,
}

/// One attachment of an EBS volume to an instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct VolumeAttachment {
    #[serde(default)]
    pub instance_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// `attaching`, `attached`, `detaching`, `detached`, `busy`.
    #[serde(default)]
    pub state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delete_on_termination: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attach_time: Option<String>,
}

/// An EBS volume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Volume {
    #[serde(rename = "VolumeId")]
    pub id: String,
    #[serde(rename = "AvailabilityZone", default)]
    pub az: String,
    /// `creating`, `available`, `in-use`, `deleting`, `deleted`, `error`.
    #[serde(default)]
    pub state: String,
    #[serde(rename = "Size", default)]
    pub size_gib: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iops: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throughput: Option<i32>,
    #[serde(default)]
    pub encrypted: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    #[serde(rename = "MultiAttachEnabled", default)]
    pub multi_attach: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_time: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
    #[serde(default)]
    pub attachments: Vec<VolumeAttachment>,
}

impl Volume {
    /// The value of tag `key`, if set.
    pub fn tag(&self, key: &str) -> Option<&str> {
        tag(&self.tags, key)
    }

    /// Attachments that hold the volume (not `detached`).
    pub fn live_attachments(&self) -> impl Iterator<Item = &VolumeAttachment> {
        self.attachments.iter().filter(|a| a.state != "detached")
    }

    /// The creation time, parsed.
    pub fn created(&self) -> Option<jiff::Timestamp> {
        self.create_time.as_deref().and_then(parse_time)
    }

    /// `100Gi io1` (EBS sizes are GiB).
    pub fn short(&self) -> String {
        format!(
            "{}Gi {}",
            self.size_gib,
            self.volume_type.as_deref().unwrap_or("?")
        )
    }

    /// Whether the volume carries any tag the Kubernetes EBS provisioners set.
    pub fn has_kubernetes_tags(&self) -> bool {
        KUBERNETES_TAG_KEYS.iter().any(|k| self.tag(k).is_some())
            || self
                .tags
                .iter()
                .any(|t| t.key.starts_with(crate::k8s::TAG_CLUSTER_PREFIX))
    }
}

pub use crate::k8s::KUBERNETES_TAG_KEYS;

/// `Placement` of an instance (only the zone matters here).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Placement {
    #[serde(default)]
    pub availability_zone: String,
}

/// `State` of an instance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InstanceState {
    /// `pending`, `running`, `stopping`, `stopped`, `shutting-down`, `terminated`.
    #[serde(default)]
    pub name: String,
}

/// The `Ebs` part of a block device mapping.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EbsMapping {
    #[serde(default)]
    pub volume_id: String,
}

/// One block device mapping of an instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BlockDeviceMapping {
    #[serde(rename = "DeviceName", default)]
    pub device: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ebs: Option<EbsMapping>,
}

impl BlockDeviceMapping {
    /// The EBS volume id of this mapping, if it maps one.
    pub fn volume_id(&self) -> Option<&str> {
        self.ebs
            .as_ref()
            .map(|e| e.volume_id.as_str())
            .filter(|v| !v.is_empty())
    }
}

/// One network interface of an instance (only counted: ENIs share attachment slots with EBS).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NetworkInterface {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_interface_id: Option<String>,
}

/// An EC2 instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Instance {
    #[serde(rename = "InstanceId")]
    pub id: String,
    #[serde(default)]
    pub placement: Placement,
    #[serde(default)]
    pub instance_type: String,
    #[serde(default)]
    pub state: InstanceState,
    #[serde(default)]
    pub block_device_mappings: Vec<BlockDeviceMapping>,
    #[serde(default)]
    pub network_interfaces: Vec<NetworkInterface>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

impl Instance {
    /// The instance's availability zone.
    pub fn az(&self) -> &str {
        &self.placement.availability_zone
    }

    /// How many network interfaces are attached.
    pub fn network_interface_count(&self) -> usize {
        self.network_interfaces.len()
    }

    /// The value of tag `key`, if set.
    pub fn tag(&self, key: &str) -> Option<&str> {
        tag(&self.tags, key)
    }
}

/// An availability zone as `describe-availability-zones` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AvailabilityZone {
    pub zone_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region_name: Option<String>,
}

/// `aws ec2 describe-volumes` output.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct VolumesDoc {
    pub volumes: Vec<Volume>,
}

/// One reservation of `aws ec2 describe-instances` output.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Reservation {
    #[serde(default)]
    pub instances: Vec<Instance>,
}

/// `aws ec2 describe-instances` output.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReservationsDoc {
    pub reservations: Vec<Reservation>,
}

/// `aws ec2 describe-availability-zones` output.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ZonesDoc {
    pub availability_zones: Vec<AvailabilityZone>,
}

/// Everything read from EC2 (live or from AWS CLI JSON files).
#[derive(Debug, Clone, Default)]
pub struct Ec2Data {
    pub volumes: Vec<Volume>,
    pub instances: Vec<Instance>,
    pub zones: Vec<AvailabilityZone>,
    /// Volume ids EC2 said do not exist (`InvalidVolume.NotFound`), or that are not EBS ids.
    pub not_found: BTreeSet<String>,
    /// The region the data came from, when known.
    pub region: Option<String>,
}

impl Ec2Data {
    /// The volume with this id, if read.
    pub fn volume(&self, id: &str) -> Option<&Volume> {
        self.volumes.iter().find(|v| v.id == id)
    }

    /// The instance with this id, if read.
    pub fn instance(&self, id: &str) -> Option<&Instance> {
        self.instances.iter().find(|i| i.id == id)
    }

    /// Drops repeated volumes and instances (last wins), keeping first-seen order.
    pub fn dedup(&mut self) {
        fn last_wins<T: Clone>(items: &mut Vec<T>, key: impl Fn(&T) -> String) {
            let mut idx: BTreeMap<String, usize> = BTreeMap::new();
            let mut out: Vec<T> = Vec::new();
            for it in items.drain(..) {
                match idx.get(&key(&it)) {
                    Some(&i) => out[i] = it,
                    None => {
                        idx.insert(key(&it), out.len());
                        out.push(it);
                    }
                }
            }
            *items = out;
        }
        last_wins(&mut self.volumes, |v| v.id.clone());
        last_wins(&mut self.instances, |i| i.id.clone());
        last_wins(&mut self.zones, |z| z.zone_name.clone());
        let found: BTreeSet<String> = self.volumes.iter().map(|v| v.id.clone()).collect();
        self.not_found.retain(|id| !found.contains(id));
    }
}

fn tag<'a>(tags: &'a [Tag], key: &str) -> Option<&'a str> {
    tags.iter().find(|t| t.key == key).map(|t| t.value.as_str())
}

/// Parses an EC2 time (`2026-11-25T12:00:00.000Z`, `…+00:00`).
pub fn parse_time(s: &str) -> Option<jiff::Timestamp> {
    s.parse().ok()
}

/// Whether `id` looks like an EBS volume id (`vol-` and hex).
pub fn is_volume_id(id: &str) -> bool {
    id.strip_prefix("vol-")
        .is_some_and(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit()))
}

/// The region of an availability zone (`us-east-1a` → `us-east-1`; local zones
/// `us-west-2-lax-1a` → `us-west-2`).
pub fn region_of_zone(zone: &str) -> Option<String> {
    let z = zone.trim();
    let parts: Vec<&str> = z.split('-').collect();
    // Standard zones: <geo>-<dir>-<n><letter>; GovCloud, ISO and others put a partition word
    // before the direction (us-gov-west-1a, us-isob-east-1a); local and wavelength zones add
    // parts after the number (us-west-2-lax-1a). The region ends at the first numbered part.
    let (i, numbered) = parts
        .iter()
        .enumerate()
        .skip(2)
        .find(|(_, p)| p.starts_with(|c: char| c.is_ascii_digit()))?;
    let digits: String = numbered
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    Some(format!("{}-{digits}", parts[..i].join("-")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_aws_cli_describe_volumes() {
        let json = r#"{"Volumes": [{"Attachments": [{"AttachTime": "2026-11-20T10:00:00.000Z",
            "Device": "/dev/xvdba", "InstanceId": "i-0abc", "State": "attached",
            "VolumeId": "vol-0123", "DeleteOnTermination": false}],
            "AvailabilityZone": "us-east-1a", "CreateTime": "2026-11-20T09:59:00.000Z",
            "Encrypted": true, "KmsKeyId": "arn:aws:kms:us-east-1:1:key/x", "Size": 100,
            "SnapshotId": "", "State": "in-use", "VolumeId": "vol-0123", "Iops": 3000,
            "Tags": [{"Key": "CSIVolumeName", "Value": "pvc-1"}], "VolumeType": "gp3",
            "MultiAttachEnabled": false, "Throughput": 125}]}"#;
        let doc: VolumesDoc = serde_json::from_str(json).expect("parses");
        let v = &doc.volumes[0];
        assert_eq!(v.id, "vol-0123");
        assert_eq!(v.az, "us-east-1a");
        assert_eq!(v.size_gib, 100);
        assert_eq!(v.short(), "100Gi gp3");
        assert_eq!(v.tag("CSIVolumeName"), Some("pvc-1"));
        assert!(v.has_kubernetes_tags());
        assert_eq!(v.attachments[0].instance_id, "i-0abc");
        assert!(v.created().is_some());
        let back = serde_json::to_value(&doc).expect("serialises");
        assert_eq!(back["Volumes"][0]["VolumeId"], "vol-0123");
        assert_eq!(back["Volumes"][0]["Size"], 100);
    }

    #[test]
    fn reads_aws_cli_describe_instances() {
        let json = r#"{"Reservations": [{"Instances": [{"InstanceId": "i-0abc",
            "InstanceType": "m5.large", "Placement": {"AvailabilityZone": "us-east-1a"},
            "State": {"Code": 16, "Name": "running"},
            "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {"VolumeId": "vol-1", "Status": "attached"}}],
            "NetworkInterfaces": [{"NetworkInterfaceId": "eni-1"}, {"NetworkInterfaceId": "eni-2"}]}]}]}"#;
        let doc: ReservationsDoc = serde_json::from_str(json).expect("parses");
        let i = &doc.reservations[0].instances[0];
        assert_eq!(i.az(), "us-east-1a");
        assert_eq!(i.state.name, "running");
        assert_eq!(i.block_device_mappings[0].volume_id(), Some("vol-1"));
        assert_eq!(i.network_interface_count(), 2);
    }

    #[test]
    fn zone_to_region() {
        assert_eq!(region_of_zone("us-east-1d").as_deref(), Some("us-east-1"));
        assert_eq!(
            region_of_zone("us-west-2-lax-1a").as_deref(),
            Some("us-west-2")
        );
        assert_eq!(
            region_of_zone("ap-southeast-2b").as_deref(),
            Some("ap-southeast-2")
        );
        assert_eq!(region_of_zone("zone-a"), None);
        assert_eq!(
            region_of_zone("us-gov-west-1a").as_deref(),
            Some("us-gov-west-1")
        );
        assert_eq!(region_of_zone("cn-north-1a").as_deref(), Some("cn-north-1"));
        assert_eq!(
            region_of_zone("cn-northwest-1b").as_deref(),
            Some("cn-northwest-1")
        );
        assert_eq!(
            region_of_zone("us-iso-east-1a").as_deref(),
            Some("us-iso-east-1")
        );
        assert_eq!(
            region_of_zone("us-isob-east-1c").as_deref(),
            Some("us-isob-east-1")
        );
        assert_eq!(
            region_of_zone("eu-isoe-west-1a").as_deref(),
            Some("eu-isoe-west-1")
        );
        assert!(is_volume_id("vol-0aaaaaaaaaaaaaaa1"));
        assert!(!is_volume_id("pvc-123"));
        assert!(!is_volume_id("vol-"));
    }

    #[test]
    fn dump_writes_aws_cli_json_that_loads_back() {
        let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/rules/ebs-volume-not-found/fires.yaml");
        let (snap, _) = crate::snapshot::load::load_paths(&[fixture]).expect("fixture loads");
        assert_eq!(snap.ec2.volumes.len(), 1);
        assert_eq!(snap.ec2.instances.len(), 1);
        let dir = tempfile::tempdir().expect("tempdir");
        let files = crate::snapshot::write::write_dir(&snap, dir.path()).expect("dump");
        assert!(files.iter().any(|f| f == "ec2-volumes.json"), "{files:?}");
        assert!(files.iter().any(|f| f == "ec2-instances.json"), "{files:?}");
        let text = std::fs::read_to_string(dir.path().join("ec2-volumes.json")).expect("read");
        assert!(text.contains("\"Volumes\""), "{text}");
        assert!(
            text.contains("\"VolumeId\": \"vol-0aaaaaaaaaaaaaaa1\""),
            "{text}"
        );
        let (back, _) =
            crate::snapshot::load::load_paths(&[dir.path().to_path_buf()]).expect("dump loads");
        assert_eq!(back.ec2.volumes, snap.ec2.volumes);
        assert_eq!(back.ec2.instances, snap.ec2.instances);
        assert!(matches!(
            back.ebs_volume("vol-0dddddddddddddd01"),
            crate::snapshot::Lookup::Missing
        ));
    }

    #[test]
    fn malformed_aws_cli_json_is_one_clear_line() {
        let err = crate::snapshot::load::load_str(
            std::path::Path::new("vols.json"),
            r#"{"Volumes": [{"VolumeId": 5}]}"#,
        )
        .expect_err("refused");
        let msg = err.to_string();
        assert!(
            msg.starts_with("vols.json: document 1: invalid AWS CLI describe-volumes output"),
            "{msg}"
        );
        assert!(!msg.contains('\n'));
    }
}
