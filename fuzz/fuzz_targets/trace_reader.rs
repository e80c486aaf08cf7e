//! `cargo +nightly fuzz run trace_reader`: see `faultline_fuzz::trace_reader` for the property checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| faultline_fuzz::trace_reader(data));
