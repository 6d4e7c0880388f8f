//! Text for messages: ages as kubectl prints them, the informative part of event and driver
//! messages (AWS error codes, gRPC codes, the driver's own words), and truncation.

/// Formats a duration as kubectl does (`45s`, `12m`, `3h12m`, `4d5h`).
pub fn format_age(seconds: i64) -> String {
    let s = seconds.max(0);
    match s {
        0..=119 => format!("{s}s"),
        120..=3599 => format!("{}m", s / 60),
        3600..=86_399 => {
            let m = (s % 3600) / 60;
            if m == 0 {
                format!("{}h", s / 3600)
            } else {
                format!("{}h{m}m", s / 3600)
            }
        }
        _ => {
            let h = (s % 86_400) / 3600;
            if h == 0 {
                format!("{}d", s / 86_400)
            } else {
                format!("{}d{h}h", s / 86_400)
            }
        }
    }
}

/// The informative part of an event message: without the scheduler's preemption tail, its
/// 1.36 DRA filler ("no new claims to deallocate,") and the bare " not found" a PreFilter
/// rejection leaves at the end.
pub fn event_gist(message: &str) -> String {
    let head = message.split(" preemption: ").next().unwrap_or(message);
    let mut s = head
        .replace(" no new claims to deallocate,", "")
        .trim_end()
        .trim_end_matches(',')
        .to_string();
    if s.ends_with(". not found") {
        s.truncate(s.len() - " not found".len());
    }
    s
}

/// A scheduler message without its "0/3 nodes are available: " lead and its tails.
pub fn scheduler_gist(message: &str) -> String {
    let gist = event_gist(message);
    let body = gist
        .split_once("are available: ")
        .map(|(_, r)| r)
        .unwrap_or(&gist);
    body.trim().trim_end_matches('.').to_string()
}

/// Shortens long text to `max` characters with `…`, on a char boundary.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// EC2 error codes the rules recognise inside driver messages, most specific first.
pub const AWS_ERROR_CODES: [&str; 18] = [
    "VolumeModificationRateExceeded",
    "AttachmentLimitExceeded",
    "InvalidVolume.ZoneMismatch",
    "InvalidVolume.NotFound",
    "VolumeInUse",
    "IncorrectState",
    "UnauthorizedOperation",
    "AccessDenied",
    "InvalidKMSKey.InvalidState",
    "KMSKeyNotAccessibleFault",
    "InsufficientVolumeCapacity",
    "VolumeLimitExceeded",
    "MaxIOPSLimitExceeded",
    "InvalidParameterValue",
    "InvalidParameterCombination",
    "InvalidParameter",
    "RequestLimitExceeded",
    "OptInRequired",
];

/// The AWS API error code inside a driver message: `api error CODE:` (AWS SDK v2 wording), else
/// the first known code of [`AWS_ERROR_CODES`] anywhere in the text (SDK v1: `CODE: …`).
pub fn aws_error_code(message: &str) -> Option<&str> {
    if let Some(i) = message.find("api error ") {
        let rest = message.get(i + "api error ".len()..).unwrap_or_default();
        let code = rest
            .split(|c: char| c == ':' || c.is_whitespace())
            .next()
            .unwrap_or_default();
        if !code.is_empty() && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '.') {
            return Some(code);
        }
    }
    AWS_ERROR_CODES
        .iter()
        .filter_map(|c| message.find(c).map(|i| (i, *c)))
        .min_by_key(|(i, _)| *i)
        .and_then(|(i, c)| message.get(i..i + c.len()))
}

/// The gRPC status code in a CSI error (`rpc error: code = NotFound desc = …` → `NotFound`).
pub fn grpc_code(message: &str) -> Option<&str> {
    let i = message.find("rpc error: code = ")?;
    let rest = message.get(i + "rpc error: code = ".len()..)?;
    rest.split_whitespace().next().filter(|c| !c.is_empty())
}

/// The driver's own words in a wrapped CSI error: the text after the last `desc = `, or the
/// whole message when there is no gRPC wrapper.
pub fn error_gist(message: &str) -> &str {
    message
        .rfind("desc = ")
        .and_then(|i| message.get(i + "desc = ".len()..))
        .unwrap_or(message)
        .trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_codes() {
        let v2 = "rpc error: code = Internal desc = Could not modify volume \"vol-1\": operation error EC2: ModifyVolume, https response error StatusCode: 400, RequestID: x, api error VolumeModificationRateExceeded: You've reached the maximum";
        assert_eq!(aws_error_code(v2), Some("VolumeModificationRateExceeded"));
        assert_eq!(grpc_code(v2), Some("Internal"));
        assert!(error_gist(v2).starts_with("Could not modify volume"));
        let v1 = "could not create volume in EC2: UnauthorizedOperation: You are not authorized";
        assert_eq!(aws_error_code(v1), Some("UnauthorizedOperation"));
        assert_eq!(aws_error_code("plain text"), None);
        assert_eq!(error_gist("plain text"), "plain text");
    }

    #[test]
    fn scheduler_tails_of_1_36_are_dropped() {
        let m =
            "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. not found";
        assert_eq!(
            scheduler_gist(m),
            "pod has unbound immediate PersistentVolumeClaims"
        );
        let m = "0/3 nodes are available: 3 node(s) didn't match PersistentVolume's node affinity. no new claims to deallocate, preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.";
        assert_eq!(
            event_gist(m),
            "0/3 nodes are available: 3 node(s) didn't match PersistentVolume's node affinity."
        );
        let m = "0/3 nodes are available: persistentvolumeclaim \"x\" not found. not found";
        assert_eq!(scheduler_gist(m), "persistentvolumeclaim \"x\" not found");
    }

    #[test]
    fn ages() {
        assert_eq!(format_age(59), "59s");
        assert_eq!(format_age(11_520), "3h12m");
        assert_eq!(format_age(2 * 86_400 + 3600), "2d1h");
    }
}
