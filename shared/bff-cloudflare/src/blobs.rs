//! [`R2Blobs`]: `bff_pipeline::ports::BlobStore` on the R2 bucket bound as `BLOBS`.

use bff_pipeline::ports::{BlobStore, PortError};
use worker::Bucket;

use crate::r2;

pub struct R2Blobs {
    bucket: Result<Bucket, String>,
}

fn port(e: worker::Error) -> PortError {
    PortError::new("blob store", e.to_string())
}

impl R2Blobs {
    pub fn new(bucket: Bucket) -> Self {
        Self { bucket: Ok(bucket) }
    }

    pub fn from_env(env: &worker::Env) -> worker::Result<Self> {
        Ok(Self::new(r2::bucket(env, crate::bindings::BLOBS)?))
    }

    /// The bucket bound as `BLOBS`, or, when the binding is missing, a store whose every call fails
    /// with that error (for a Worker that needs the bucket on some requests only: the gateway).
    pub fn from_env_or_unavailable(env: &worker::Env) -> Self {
        Self {
            bucket: r2::bucket(env, crate::bindings::BLOBS).map_err(|e| e.to_string()),
        }
    }

    fn bucket(&self) -> Result<&Bucket, PortError> {
        self.bucket
            .as_ref()
            .map_err(|e| PortError::new("blob store", e.clone()))
    }
}

impl BlobStore for R2Blobs {
    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<(), PortError> {
        r2::put(self.bucket()?, key, bytes, content_type)
            .await
            .map(|_| ())
            .map_err(port)
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, PortError> {
        r2::get(self.bucket()?, key).await.map_err(port)
    }

    async fn delete_prefix(&self, prefix: &str) -> Result<u64, PortError> {
        r2::delete_prefix(self.bucket()?, prefix)
            .await
            .map_err(port)
    }
}
