//! A user's system under test, written on faultline's public API only: a register replicated
//! from a primary to two backups (see [`register`]). `tests/register.rs` searches its fault
//! space the way you would search yours; the GUIDE's "Test your own Rust system" walks
//! through both files.

pub mod register;
