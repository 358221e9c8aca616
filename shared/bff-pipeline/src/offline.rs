//! The offline implementations of the provider and embedder ports: what runs when no account,
//! key or network is configured, and what the tests run.
//!
//! - [`SketchProvider`] draws the variant's attributes with the sketch renderer (`bff-render`).
//!   It is a renderer, not an AI model, and says so in every image row (`model`).
//! - [`DescriptorEmbedder`] computes the hand-crafted 512-dimensional descriptor (`bff-embed`),
//!   not a learned embedding such as CLIP.
//!
//! Both are pure and synchronous; they implement the async ports so that a Worker can swap in a
//! network client without touching the stages.

use bff_render::{render_sketch, SketchRequest};

use crate::ports::{
    EmbedderError, ImageEmbedder, ImageEmbedding, ImageProvider, ImageRequest, Provider,
    ProviderError, ProviderImage,
};

/// [`ImageProvider`] for [`Provider::Sketch`] with the offline sketch renderer.
#[derive(Debug, Clone, Copy, Default)]
pub struct SketchProvider;

impl ImageProvider for SketchProvider {
    async fn generate(&self, request: &ImageRequest<'_>) -> Result<ProviderImage, ProviderError> {
        if request.provider != Provider::Sketch {
            return Err(ProviderError::NotConfigured {
                provider: request.provider,
            });
        }
        let sketch_request = SketchRequest {
            attributes: request.attributes.to_vec(),
            seed: request.seed,
            width: request.parameters.width,
            height: request.parameters.height,
        };
        // Render errors are about the request itself (size, attribute count): not retryable.
        let sketch = render_sketch(&sketch_request).map_err(|e| ProviderError::Rejected {
            message: e.to_string(),
        })?;
        Ok(ProviderImage {
            width: sketch.width,
            height: sketch.height,
            model: sketch.renderer.to_string(),
            parameters: serde_json::json!({
                "width": sketch.width,
                "height": sketch.height,
                "seed": request.seed.to_string(),
            }),
            drawn: Some(sketch.drawn),
            approximated: sketch.approximated,
            quality: None,
            png: sketch.png,
        })
    }
}

/// [`ImageEmbedder`] with the offline descriptor (`bff-descriptor/1`).
#[derive(Debug, Clone, Copy, Default)]
pub struct DescriptorEmbedder;

impl ImageEmbedder for DescriptorEmbedder {
    async fn embed(&self, bytes: &[u8]) -> Result<ImageEmbedding, EmbedderError> {
        let descriptor = bff_embed::embed_image(bytes).map_err(|e| EmbedderError::Unreadable {
            message: e.to_string(),
        })?;
        Ok(ImageEmbedding {
            vector: descriptor.vector,
            embedder: descriptor.embedder.to_string(),
        })
    }
}
