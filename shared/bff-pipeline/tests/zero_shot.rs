//! A job whose model cannot say what it drew, embedded by a CLIP-style embedder that also reads
//! text: every image is tagged zero-shot, the tags stand for what it shows (quality, coverage),
//! the taxonomy's label vectors are embedded once, and identical bytes are embedded once.

mod common;

use std::cell::Cell;

use bff_pipeline::offline::{DescriptorEmbedder, SketchProvider};
use bff_pipeline::ports::{
    EmbedderError, ImageEmbedder, ImageEmbedding, ImageProvider, ImageRequest, JobStatus, Provider,
    ProviderError, ProviderImage,
};
use bff_pipeline::zero_shot;
use common::{Clock, Delivery, World};

const START_MS: i64 = 1_764_000_000_000;

/// A model that draws (with the sketch renderer) but cannot say what it drew.
struct SilentModel;

impl ImageProvider for SilentModel {
    async fn generate(&self, request: &ImageRequest<'_>) -> Result<ProviderImage, ProviderError> {
        let sketch = ImageRequest {
            provider: Provider::Sketch,
            ..request.clone()
        };
        let image = SketchProvider.generate(&sketch).await?;
        Ok(ProviderImage {
            drawn: None,
            approximated: Vec::new(),
            model: "silent-model".into(),
            ..image
        })
    }
}

/// Images by the descriptor; texts as the descriptor of a rendered swatch would not exist, so
/// each text gets a deterministic vector of its own. Counts its calls.
#[derive(Default)]
struct TextAware {
    image_calls: Cell<u32>,
    text_calls: Cell<u32>,
}

impl ImageEmbedder for TextAware {
    async fn embed(&self, bytes: &[u8]) -> Result<ImageEmbedding, EmbedderError> {
        self.image_calls.set(self.image_calls.get() + 1);
        DescriptorEmbedder.embed(bytes).await
    }

    fn space(&self) -> String {
        "text-aware@512".into()
    }

    async fn embed_texts(&self, texts: &[String]) -> Result<Option<Vec<Vec<f32>>>, EmbedderError> {
        self.text_calls.set(self.text_calls.get() + 1);
        Ok(Some(texts.iter().map(|t| text_vector(t)).collect()))
    }
}

fn text_vector(text: &str) -> Vec<f32> {
    let mut state = text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    (0..512)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % 2001) as f32 / 1000.0 - 1.0
        })
        .collect()
}

#[test]
fn a_models_images_are_tagged_zero_shot_and_the_tags_feed_quality_and_coverage() {
    let world = World::with_parts(SilentModel, TextAware::default());
    let mut clock = Clock::ticking(START_MS);
    world.submit_on(
        &[Provider::OpenAi],
        "u1",
        "j1",
        r#"{"brief": "black midi dress", "designs": 4, "provider": "openai"}"#,
        &clock.now(),
    );
    world.drain(&mut clock, Delivery::Fifo);
    let t = world.store.snapshot();
    assert_eq!(t.jobs["j1"].status, JobStatus::Complete);
    assert_eq!(t.images.len(), 12);
    let labels = zero_shot::label_texts(bff_domain::Taxonomy::embedded());
    let batches = labels.len().div_ceil(64) as u32;
    assert_eq!(
        world.embedder.text_calls.get(),
        batches,
        "the label vectors are embedded once, in batches of 64"
    );
    let mut tagged = 0;
    for image in t.images.values() {
        let drawn: Vec<_> = image.tags.iter().map(|t| t.attribute()).collect();
        assert_eq!(image.drawn, drawn, "the tags are what the picture shows");
        assert!(image
            .tags
            .iter()
            .all(|t| t.score >= zero_shot::MIN_PROBABILITY));
        tagged += usize::from(!image.tags.is_empty());
    }
    assert!(tagged > 0, "some image has tags");
    assert!(t
        .embeddings
        .values()
        .all(|e| e.embedder == "text-aware@512"));
    // Coverage counts what the tags say the picked pictures show, value by value.
    let report = &t.coverage_reports["j1"].report;
    let shown: usize = t
        .picks
        .values()
        .filter(|p| p.job_id == "j1")
        .map(|p| t.images[&p.image_id].drawn.len())
        .sum();
    let counted: usize = report.per_value.iter().map(|v| v.count).sum::<usize>()
        + report.untargeted.iter().map(|v| v.count).sum::<usize>();
    assert_eq!(counted, shown, "{report:?}");
    assert!(shown > 0);
}

/// A model that draws the same picture whatever it is asked.
struct OnePicture;

impl ImageProvider for OnePicture {
    async fn generate(&self, request: &ImageRequest<'_>) -> Result<ProviderImage, ProviderError> {
        let same = ImageRequest {
            image_id: "same",
            seed: 7,
            attributes: &request.attributes[..1],
            ..request.clone()
        };
        SilentModel.generate(&same).await
    }
}

#[test]
fn identical_bytes_are_embedded_once_per_space() {
    let world = World::with_parts(OnePicture, TextAware::default());
    let mut clock = Clock::ticking(START_MS);
    world.submit_on(
        &[Provider::OpenAi],
        "u1",
        "j1",
        r#"{"brief": "black midi dress", "designs": 2, "provider": "openai"}"#,
        &clock.now(),
    );
    world.drain(&mut clock, Delivery::Fifo);
    let t = world.store.snapshot();
    assert_eq!(t.embeddings.len(), 6, "every image has its embedding");
    assert_eq!(world.embedder.image_calls.get(), 1, "one picture, one call");
    let cached: Vec<String> = world
        .blobs
        .snapshot()
        .keys()
        .filter(|k| k.starts_with("cache/embeddings/text-aware_512/"))
        .cloned()
        .collect();
    assert_eq!(cached.len(), 1, "{cached:?}");
}
