//! Hashes and trace compression.

use std::io::{Read, Write};

use flate2::Compression;
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;

use crate::StoreError;

/// A 256-bit BLAKE3 hash of `parts`, each length-prefixed so that no two lists collide, as
/// 64 hex digits.
pub fn hash_parts(parts: &[&[u8]]) -> String {
    let mut hasher = blake3::Hasher::new();
    for part in parts {
        hasher.update(&(part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    hasher.finalize().to_hex().to_string()
}

/// The hash of a trace's bytes (what nondeterminism detection compares).
pub fn trace_hash(jsonl: &[u8]) -> String {
    blake3::hash(jsonl).to_hex().to_string()
}

/// Deflate, fast setting: traces are repetitive JSON and compress 5–10×.
pub fn compress(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = DeflateEncoder::new(Vec::with_capacity(bytes.len() / 4), Compression::fast());
    encoder
        .write_all(bytes)
        .expect("writing to memory cannot fail");
    encoder.finish().expect("writing to memory cannot fail")
}

/// Inflates a stored trace; a corrupt blob is an error naming the run.
pub fn decompress(blob: &[u8], run_id: &str) -> Result<Vec<u8>, StoreError> {
    let mut bytes = Vec::with_capacity(blob.len() * 6);
    DeflateDecoder::new(blob)
        .read_to_end(&mut bytes)
        .map_err(|err| StoreError::Corrupt {
            what: format!("run {run_id}: trace blob"),
            problem: err.to_string(),
        })?;
    Ok(bytes)
}
