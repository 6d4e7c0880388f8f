//! The `--snapshot` loader on arbitrary text: an error is fine, a panic or a hang is not.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = kubectl_storage::snapshot::load::load_str(std::path::Path::new("fuzz.yaml"), text);
    }
});
