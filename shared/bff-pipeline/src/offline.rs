//! The offline implementations of the provider and embedder ports: what runs when no account,
//! key or network is configured, and what the tests run.
//!
//! - [`SketchProvider`] draws the variant's attributes with the sketch renderer (`bff-render`).
//!   It is a renderer, not an AI model, and says so in every image row (`model`). For the
//!   development provider [`Provider::FlakySketch`] it fails every third image (by image id,
//!   [`simulated_outage`]) as an unavailable provider would, on every attempt, so that those
//!   messages exhaust their retries and reach the dead-letter queue.
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
        match request.provider {
            Provider::Sketch => {}
            Provider::FlakySketch if simulated_outage(request.image_id) => {
                return Err(ProviderError::Unavailable {
                    message: format!(
                        "simulated outage for {} (development provider flaky-sketch)",
                        request.image_id
                    ),
                    retry_after_ms: None,
                })
            }
            Provider::FlakySketch => {}
            other => return Err(ProviderError::NotConfigured { provider: other }),
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
            // Drawn here, offline: free.
            cost: 0.0,
            png: sketch.png,
        })
    }
}

/// Whether the development provider fails this image: every third one, by a stable hash of the
/// image id (so every attempt of the same image fails alike).
pub fn simulated_outage(image_id: &str) -> bool {
    let hash = image_id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    hash % 3 == 0
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

    fn space(&self) -> String {
        format!("{}@{}", bff_embed::EMBEDDER, bff_embed::DIM)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bff_domain::prompt::{ModelFamily, QualityParameters};
    use bff_domain::AttributeValue;

    #[test]
    fn the_flaky_provider_fails_a_third_of_the_images_on_every_attempt() {
        let ids: Vec<String> = (0..600).map(|v| crate::ids::image_id("job-x", v)).collect();
        let failing = ids.iter().filter(|id| simulated_outage(id)).count();
        assert!((160..=240).contains(&failing), "{failing} of 600");

        let attributes = [AttributeValue::new("garment_type", "dress")];
        let parameters = QualityParameters {
            width: 256,
            height: 384,
            steps: None,
            guidance: None,
            sampler: None,
            quality: None,
            style: None,
        };
        let request = |image_id: &'static str, provider| ImageRequest {
            image_id,
            provider,
            model: ModelFamily::Sketch,
            prompt: "dress",
            negative_prompt: "",
            attributes: &attributes,
            seed: 7,
            parameters: &parameters,
        };
        let ids: Vec<&'static str> = ids.into_iter().map(|s| &*s.leak()).collect();
        let bad = *ids.iter().find(|id| simulated_outage(id)).unwrap();
        let good = *ids.iter().find(|id| !simulated_outage(id)).unwrap();
        for _ in 0..3 {
            let r =
                pollster::block_on(SketchProvider.generate(&request(bad, Provider::FlakySketch)));
            assert!(matches!(r, Err(ProviderError::Unavailable { .. })), "{r:?}");
        }
        let ok = pollster::block_on(SketchProvider.generate(&request(good, Provider::FlakySketch)));
        assert!(ok.is_ok_and(|i| i.png.starts_with(b"\x89PNG")));
        // The plain renderer never fails them.
        assert!(
            pollster::block_on(SketchProvider.generate(&request(bad, Provider::Sketch))).is_ok()
        );
        assert!(matches!(
            pollster::block_on(SketchProvider.generate(&request(bad, Provider::OpenAi))),
            Err(ProviderError::NotConfigured { .. })
        ));
    }
}
