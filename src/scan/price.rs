//! Monthly cost estimates for orphaned EBS volumes.
//!
//! Source: the Amazon EBS pricing page (aws.amazon.com/ebs/pricing), US East (N. Virginia)
//! list prices per GB-month of provisioned storage. These values were published unchanged from
//! gp3's launch (December 2020) through 2025; they were written down here on 2026-11-25 without
//! re-checking the page (this tool's machines have no access to it). Other regions cost more
//! (often 10–20 %): override with `--price-per-gb TYPE=USD`. Provisioned performance is priced
//! at the same page's us-east-1 rates (io1/io2 IOPS, gp3 IOPS above 3,000 and throughput above
//! 125 MiB/s); snapshots, I/O requests of `standard` volumes and taxes are not included.

use std::collections::BTreeMap;

use crate::snapshot::ec2::Volume;

/// USD per GB-month of storage, us-east-1 list prices (see the module doc for the source).
pub const US_EAST_1_PER_GB: [(&str, f64); 7] = [
    ("gp3", 0.08),
    ("gp2", 0.10),
    ("io1", 0.125),
    ("io2", 0.125),
    ("st1", 0.045),
    ("sc1", 0.015),
    ("standard", 0.05),
];

/// USD per provisioned IOPS-month for io1 (and io2 up to 32,000 IOPS).
const PIOPS: f64 = 0.065;
/// io2 tiers: 32,001–64,000 IOPS, and above 64,000.
const IO2_TIER2: f64 = 0.0455;
const IO2_TIER3: f64 = 0.032;
/// gp3: USD per IOPS-month above the free 3,000, and per MiB/s-month above the free 125.
const GP3_IOPS: f64 = 0.005;
const GP3_THROUGHPUT: f64 = 0.04;

/// A price table: us-east-1 list prices, with per-type overrides.
#[derive(Debug, Clone)]
pub struct Prices {
    per_gb: BTreeMap<String, f64>,
    /// Types whose price the user set (named in the evidence).
    overridden: Vec<String>,
}

impl Default for Prices {
    fn default() -> Self {
        Prices {
            per_gb: US_EAST_1_PER_GB
                .iter()
                .map(|(t, p)| (t.to_string(), *p))
                .collect(),
            overridden: Vec::new(),
        }
    }
}

/// One volume's estimate, with how it was computed.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// USD per month.
    pub monthly_usd: f64,
    /// "50 GiB × $0.08/GB-month (gp3, us-east-1 list price)".
    pub basis: String,
}

impl Prices {
    /// Applies `TYPE=USD` overrides (from `--price-per-gb`).
    pub fn with_overrides(mut self, overrides: &[String]) -> Result<Self, String> {
        for o in overrides {
            let (ty, usd) = o.split_once('=').ok_or_else(|| {
                format!("invalid --price-per-gb {o:?}: expected TYPE=USD, e.g. gp3=0.0952")
            })?;
            let ty = ty.trim().to_ascii_lowercase();
            let usd: f64 = usd
                .trim()
                .trim_start_matches('$')
                .parse()
                .ok()
                .filter(|p: &f64| p.is_finite() && *p >= 0.0)
                .ok_or_else(|| format!("invalid price in --price-per-gb {o:?}: expected a non-negative number of US dollars"))?;
            if ty.is_empty() {
                return Err(format!(
                    "invalid --price-per-gb {o:?}: the volume type is empty"
                ));
            }
            self.per_gb.insert(ty.clone(), usd);
            self.overridden.push(ty);
        }
        Ok(self)
    }

    /// The monthly estimate of one volume, or `None` for an unknown type without an override.
    pub fn estimate(&self, v: &Volume) -> Option<Estimate> {
        let ty = v.volume_type.as_deref().unwrap_or("standard");
        let per_gb = *self.per_gb.get(ty)?;
        let gib = v.size_gib.max(0) as f64;
        let source = if self.overridden.iter().any(|t| t == ty) {
            "--price-per-gb"
        } else {
            "us-east-1 list price"
        };
        let mut usd = gib * per_gb;
        let mut basis = format!("{} GiB × ${per_gb}/GB-month ({ty}, {source})", v.size_gib);
        let iops = f64::from(v.iops.unwrap_or(0).max(0));
        let extra_iops = match ty {
            "io1" => iops * PIOPS,
            "io2" => {
                let t1 = iops.min(32_000.0);
                let t2 = (iops - 32_000.0).clamp(0.0, 32_000.0);
                let t3 = (iops - 64_000.0).max(0.0);
                t1 * PIOPS + t2 * IO2_TIER2 + t3 * IO2_TIER3
            }
            "gp3" => (iops - 3000.0).max(0.0) * GP3_IOPS,
            _ => 0.0,
        };
        if extra_iops > 0.0 {
            usd += extra_iops;
            basis.push_str(&format!(" + {iops} provisioned IOPS (${extra_iops:.2})"));
        }
        if ty == "gp3" {
            let tp = f64::from(v.throughput.unwrap_or(125).max(0));
            let extra = (tp - 125.0).max(0.0) * GP3_THROUGHPUT;
            if extra > 0.0 {
                usd += extra;
                basis.push_str(&format!(" + {tp} MiB/s throughput (${extra:.2})"));
            }
        }
        Some(Estimate {
            monthly_usd: usd,
            basis,
        })
    }
}

/// "$1,234.56".
pub fn format_usd(usd: f64) -> String {
    let cents = (usd * 100.0).round() as i64;
    let (whole, frac) = (cents / 100, (cents % 100).abs());
    let digits = whole.abs().to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if whole < 0 { "-" } else { "" };
    format!("{sign}${grouped}.{frac:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vol(ty: &str, gib: i64, iops: Option<i32>, tp: Option<i32>) -> Volume {
        serde_json::from_value(serde_json::json!({
            "VolumeId": "vol-0abc", "AvailabilityZone": "us-east-1a", "State": "available",
            "Size": gib, "VolumeType": ty, "Iops": iops, "Throughput": tp
        }))
        .expect("volume")
    }

    #[test]
    fn storage_only_types_cost_size_times_price() {
        let p = Prices::default();
        let e = p.estimate(&vol("gp2", 100, Some(300), None)).expect("gp2");
        assert!((e.monthly_usd - 10.0).abs() < 1e-9);
        assert_eq!(
            e.basis,
            "100 GiB × $0.1/GB-month (gp2, us-east-1 list price)"
        );
        let e = p.estimate(&vol("sc1", 1000, None, None)).expect("sc1");
        assert_eq!(format_usd(e.monthly_usd), "$15.00");
    }

    #[test]
    fn provisioned_iops_and_throughput_are_added() {
        let p = Prices::default();
        // gp3 at the free baseline: storage only.
        let e = p
            .estimate(&vol("gp3", 50, Some(3000), Some(125)))
            .expect("gp3");
        assert_eq!(format_usd(e.monthly_usd), "$4.00");
        // 100 GiB io1 with 1,000 IOPS: 12.50 + 65.00.
        let e = p.estimate(&vol("io1", 100, Some(1000), None)).expect("io1");
        assert_eq!(format_usd(e.monthly_usd), "$77.50");
        // gp3 with 4,000 IOPS and 250 MiB/s: 8.00 + 5.00 + 5.00.
        let e = p
            .estimate(&vol("gp3", 100, Some(4000), Some(250)))
            .expect("gp3");
        assert_eq!(format_usd(e.monthly_usd), "$18.00");
    }

    #[test]
    fn overrides_replace_the_per_gb_price_and_are_named() {
        let p = Prices::default()
            .with_overrides(&["gp3=0.0952".into()])
            .expect("valid");
        let e = p.estimate(&vol("gp3", 100, None, None)).expect("gp3");
        assert_eq!(format_usd(e.monthly_usd), "$9.52");
        assert!(e.basis.contains("--price-per-gb"), "{}", e.basis);
        assert!(Prices::default().with_overrides(&["gp3".into()]).is_err());
        assert!(Prices::default()
            .with_overrides(&["gp3=-1".into()])
            .is_err());
        assert!(Prices::default()
            .estimate(&vol("gp9", 10, None, None))
            .is_none());
    }

    #[test]
    fn dollars_are_grouped() {
        assert_eq!(format_usd(1234567.891), "$1,234,567.89");
        assert_eq!(format_usd(0.0), "$0.00");
    }
}
