//! R2: whole objects in and out (images, JSON documents).

use worker::{Bucket, Env, HttpMetadata, Result};

/// The bucket bound as `binding` (normally [`crate::bindings::BLOBS`]).
pub fn bucket(env: &Env, binding: &str) -> Result<Bucket> {
    env.bucket(binding)
}

/// Stores `bytes` under `key` with a `Content-Type`; returns the stored size.
pub async fn put(bucket: &Bucket, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<u64> {
    let object = bucket
        .put(key, bytes)
        .http_metadata(HttpMetadata {
            content_type: Some(content_type.to_string()),
            ..HttpMetadata::default()
        })
        .execute()
        .await?;
    Ok(object.map_or(0, |o| o.size()))
}

/// The object's bytes, or `None` when there is no object under `key`.
pub async fn get(bucket: &Bucket, key: &str) -> Result<Option<Vec<u8>>> {
    match bucket.get(key).execute().await? {
        Some(object) => match object.body() {
            Some(body) => Ok(Some(body.bytes().await?)),
            None => Ok(Some(Vec::new())),
        },
        None => Ok(None),
    }
}

/// Deletes every object under `prefix`, a listed page (up to 1000 keys) at a time; returns how
/// many there were.
pub async fn delete_prefix(bucket: &Bucket, prefix: &str) -> Result<u64> {
    let mut deleted = 0;
    loop {
        // Each page is listed after the previous one's deletion, so the listing starts over
        // rather than follow a cursor into deleted keys.
        let page = bucket.list().prefix(prefix).execute().await?;
        let keys: Vec<String> = page.objects().iter().map(|o| o.key()).collect();
        if keys.is_empty() {
            return Ok(deleted);
        }
        deleted += keys.len() as u64;
        bucket.delete_multiple(keys).await?;
        if !page.truncated() {
            return Ok(deleted);
        }
    }
}
