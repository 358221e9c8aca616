//! Deterministic identifiers, storage keys and seeds.
//!
//! Everything a stage creates is named from what it was created for, never drawn at random: the
//! image of variant 7 of job `j` is always `j-007`. A redelivered message therefore finds the row
//! its first delivery wrote (insert-or-ignore by id), and a replayed job draws the same plan, the
//! same k-means initialisation and the same picks. Seeds come from ids for the same reason: the
//! core asks the platform for no entropy.

use serde::{Deserialize, Serialize};

/// Longest user or job id accepted.
pub const MAX_ID_LEN: usize = 64;

/// The user and job a message or row belongs to. Every store query is scoped by both, so that a
/// message naming another user's job finds nothing.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct JobKey {
    pub user_id: String,
    pub job_id: String,
}

impl JobKey {
    pub fn new(user_id: impl Into<String>, job_id: impl Into<String>) -> Self {
        Self {
            user_id: user_id.into(),
            job_id: job_id.into(),
        }
    }
}

/// Why an id was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[error("{field} must be 1 to {MAX_ID_LEN} characters of A-Z, a-z, 0-9, '-' or '_'")]
pub struct IdError {
    pub field: &'static str,
}

/// Checks that an id is safe in a URL path segment, a storage key and a log line.
pub fn validate_id(field: &'static str, id: &str) -> Result<(), IdError> {
    let ok = !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(IdError { field })
    }
}

/// The image of a variant: `{job_id}-{variant:03}` (one image per variant).
pub fn image_id(job_id: &str, variant: u32) -> String {
    format!("{job_id}-{variant:03}")
}

/// Object-store key of an image's PNG bytes.
pub fn image_blob_key(user_id: &str, job_id: &str, image_id: &str) -> String {
    format!("images/{user_id}/{job_id}/{image_id}.png")
}

/// The object-store prefix of a job's images (what deleting the job removes).
pub fn job_blob_prefix(user_id: &str, job_id: &str) -> String {
    format!("images/{user_id}/{job_id}/")
}

/// The object-store prefix of all of a user's images.
pub fn user_blob_prefix(user_id: &str) -> String {
    format!("images/{user_id}/")
}

/// Id of the style profile of one cluster of a job.
pub fn style_profile_id(job_id: &str, cluster: u32) -> String {
    format!("{job_id}-c{cluster}")
}

/// The plan seed of a job: FNV-1a of the id, mixed by SplitMix64. Changing this function changes
/// every replayed plan, so it is fixed.
pub fn job_seed(job_id: &str) -> u64 {
    split_mix(fnv1a(job_id.as_bytes()))
}

/// A seed for one stage of a job (`"cluster"`, ...), independent of the plan seed.
pub fn stage_seed(job_id: &str, stage: &str) -> u64 {
    split_mix(job_seed(job_id) ^ fnv1a(stage.as_bytes()))
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn split_mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_checked() {
        assert!(validate_id("job_id", "0b8f-41c2_A").is_ok());
        for bad in ["", "a/b", "a b", "é", &"x".repeat(65)] {
            assert_eq!(validate_id("job_id", bad), Err(IdError { field: "job_id" }));
        }
    }

    #[test]
    fn derived_names_are_stable() {
        assert_eq!(image_id("job1", 7), "job1-007");
        assert_eq!(
            image_blob_key("u1", "job1", "job1-007"),
            "images/u1/job1/job1-007.png"
        );
        assert_eq!(style_profile_id("job1", 2), "job1-c2");
        // Pinned: a change here would silently change every replayed plan.
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(job_seed("job1"), job_seed("job1"));
        assert_ne!(job_seed("job1"), job_seed("job2"));
        assert_ne!(stage_seed("job1", "cluster"), job_seed("job1"));
    }
}
