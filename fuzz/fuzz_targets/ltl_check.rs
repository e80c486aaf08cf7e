//! `cargo +nightly fuzz run ltl_check`: see `faultline_fuzz::ltl_check` for the property checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| faultline_fuzz::ltl_check(data));
