//! SDK types into the snapshot's model ([`crate::snapshot::ec2`]).

use aws_sdk_ec2::primitives::{DateTime, DateTimeFormat};

use crate::snapshot::ec2;

fn time(t: Option<&DateTime>) -> Option<String> {
    t.and_then(|t| t.fmt(DateTimeFormat::DateTime).ok())
}

fn tags(t: &[aws_sdk_ec2::types::Tag]) -> Vec<ec2::Tag> {
    t.iter()
        .map(|t| ec2::Tag {
            key: t.key().unwrap_or_default().to_string(),
            value: t.value().unwrap_or_default().to_string(),
        })
        .collect()
}

/// Converts an SDK volume into our model.
pub fn volume_from_sdk(v: &aws_sdk_ec2::types::Volume) -> ec2::Volume {
    ec2::Volume {
        id: v.volume_id().unwrap_or_default().to_string(),
        az: v.availability_zone().unwrap_or_default().to_string(),
        state: v
            .state()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        size_gib: v.size().map(i64::from).unwrap_or_default(),
        volume_type: v.volume_type().map(|t| t.as_str().to_string()),
        iops: v.iops(),
        throughput: v.throughput(),
        encrypted: v.encrypted().unwrap_or(false),
        kms_key_id: v.kms_key_id().map(str::to_string),
        multi_attach: v.multi_attach_enabled().unwrap_or(false),
        create_time: time(v.create_time()),
        tags: tags(v.tags()),
        attachments: v
            .attachments()
            .iter()
            .map(|a| ec2::VolumeAttachment {
                instance_id: a.instance_id().unwrap_or_default().to_string(),
                device: a.device().map(str::to_string),
                state: a
                    .state()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
                delete_on_termination: a.delete_on_termination(),
                attach_time: time(a.attach_time()),
            })
            .collect(),
    }
}

/// Converts an SDK instance into our model.
pub fn instance_from_sdk(i: &aws_sdk_ec2::types::Instance) -> ec2::Instance {
    ec2::Instance {
        id: i.instance_id().unwrap_or_default().to_string(),
        placement: ec2::Placement {
            availability_zone: i
                .placement()
                .and_then(|p| p.availability_zone())
                .unwrap_or_default()
                .to_string(),
        },
        instance_type: i
            .instance_type()
            .map(|t| t.as_str().to_string())
            .unwrap_or_default(),
        state: ec2::InstanceState {
            name: i
                .state()
                .and_then(|s| s.name())
                .map(|n| n.as_str().to_string())
                .unwrap_or_default(),
        },
        block_device_mappings: i
            .block_device_mappings()
            .iter()
            .map(|b| ec2::BlockDeviceMapping {
                device: b.device_name().unwrap_or_default().to_string(),
                ebs: b.ebs().map(|e| ec2::EbsMapping {
                    volume_id: e.volume_id().unwrap_or_default().to_string(),
                }),
            })
            .collect(),
        network_interfaces: i
            .network_interfaces()
            .iter()
            .map(|n| ec2::NetworkInterface {
                network_interface_id: n.network_interface_id().map(str::to_string),
            })
            .collect(),
        tags: tags(i.tags()),
    }
}

/// Converts an SDK availability zone into our model.
pub fn zone_from_sdk(z: &aws_sdk_ec2::types::AvailabilityZone) -> ec2::AvailabilityZone {
    ec2::AvailabilityZone {
        zone_name: z.zone_name().unwrap_or_default().to_string(),
        zone_id: z.zone_id().map(str::to_string),
        state: z.state().map(|s| s.as_str().to_string()),
        region_name: z.region_name().map(str::to_string),
    }
}
