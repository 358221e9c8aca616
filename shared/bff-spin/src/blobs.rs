//! [`KvBlobs`]: `bff_pipeline::ports::BlobStore` on Spin's key-value store `default`
//! (`key_value_stores = ["default"]`; its file is set in the runtime config). The key is the
//! blob's key; the store keeps bytes only, so the content type is not kept (the pipeline's blobs
//! are PNG images, named `….png`).

use bff_pipeline::ports::{BlobStore, PortError};
use spin_sdk::key_value::Store;

pub struct KvBlobs {
    store: Store,
}

fn port(e: spin_sdk::key_value::Error) -> PortError {
    PortError::new("blob store", format!("key-value: {e:?}"))
}

impl KvBlobs {
    pub async fn open_default() -> Result<Self, PortError> {
        Ok(Self {
            store: Store::open_default().await.map_err(port)?,
        })
    }
}

impl BlobStore for KvBlobs {
    async fn put(&self, key: &str, bytes: Vec<u8>, _content_type: &str) -> Result<(), PortError> {
        self.store.set(key, bytes).await.map_err(port)
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, PortError> {
        self.store.get(key).await.map_err(port)
    }

    /// The key-value store lists every key (no prefix query): fine for the store of one
    /// deployment's images, which a deletion reads once.
    async fn delete_prefix(&self, prefix: &str) -> Result<u64, PortError> {
        let keys = self.store.get_keys().await.collect().await.map_err(port)?;
        let mut deleted = 0;
        for key in keys.iter().filter(|k| k.starts_with(prefix)) {
            self.store.delete(key).await.map_err(port)?;
            deleted += 1;
        }
        Ok(deleted)
    }
}
