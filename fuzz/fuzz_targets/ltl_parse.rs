//! `cargo +nightly fuzz run ltl_parse`: see `faultline_fuzz::ltl_parse` for the property checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| faultline_fuzz::ltl_parse(data));
