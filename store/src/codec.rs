//! Hashes and trace compression.

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

/// LZ4 with the length in front: traces are repetitive JSON (4–6× smaller), and LZ4 keeps up
/// with a search's runs on one core where deflate did not.
pub fn compress(bytes: &[u8]) -> Vec<u8> {
    lz4_flex::compress_prepend_size(bytes)
}

/// The largest trace a stored blob may claim to hold: a damaged length prefix must not make
/// us allocate it.
const TRACE_BYTES_MAX: u32 = 1 << 31;

/// Inflates a stored trace; a corrupt blob is an error naming the run.
pub fn decompress(blob: &[u8], run_id: &str) -> Result<Vec<u8>, StoreError> {
    let corrupt = |problem: String| StoreError::Corrupt {
        what: format!("run {run_id}: trace blob"),
        problem,
    };
    let prefix: [u8; 4] = blob
        .get(..4)
        .and_then(|head| head.try_into().ok())
        .ok_or_else(|| corrupt("shorter than its length prefix".into()))?;
    let claimed = u32::from_le_bytes(prefix);
    if claimed > TRACE_BYTES_MAX {
        return Err(corrupt(format!("claims {claimed} bytes")));
    }
    lz4_flex::decompress_size_prepended(blob).map_err(|err| corrupt(err.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn compress_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
            prop_assert_eq!(decompress(&compress(&bytes), "t").unwrap(), bytes);
        }

        #[test]
        fn damaged_blobs_are_errors_not_panics(blob in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = decompress(&blob, "t");
        }
    }

    #[test]
    fn a_huge_length_prefix_is_refused_before_allocating() {
        let err = decompress(&[0xff, 0xff, 0xff, 0xff, 0], "r1").unwrap_err();
        assert!(
            err.to_string().contains("run r1: trace blob: claims"),
            "{err}"
        );
    }

    #[test]
    fn hash_parts_does_not_confuse_boundaries() {
        assert_ne!(hash_parts(&[b"ab", b"c"]), hash_parts(&[b"a", b"bc"]));
    }
}
