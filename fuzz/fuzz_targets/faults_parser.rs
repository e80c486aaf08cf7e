//! `cargo +nightly fuzz run faults_parser`: see `faultline_fuzz::faults_parser` for the property checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| faultline_fuzz::faults_parser(data));
