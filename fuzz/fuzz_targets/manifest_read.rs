//! The `preflight` manifest reader (positions, Lists, templates) on arbitrary text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = kubectl_storage::manifest::read_str("fuzz.yaml", text);
    }
});
