//! `cargo +nightly fuzz run elle_readers`: see `faultline_fuzz::elle_readers` for the property checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| faultline_fuzz::elle_readers(data));
