//! A CLIP embedding service behind the pipeline's [`ImageEmbedder`] port (Jina's API, or an
//! OpenAI-style server such as Infinity or `bff-clip`), over the platform's [`HttpSend`]; or the
//! offline descriptor, when none is configured ([`Embedders`]).
//!
//! A service failure that may pass (429, 5xx, a timeout) is retryable; one that cannot (a bad
//! key, a refused image, an answer that is not vectors) makes the image unreadable for this
//! embedder, failing its variant.

use bff_pipeline::offline::DescriptorEmbedder;
use bff_pipeline::ports::{EmbedderError, ImageEmbedder, ImageEmbedding};

use crate::client::HttpSend;
use crate::embeddings::{self, Config};
use crate::Failure;

/// An embedding service.
pub struct HttpEmbedder<H> {
    http: H,
    config: Config,
    timeout_ms: u64,
}

impl<H: HttpSend> HttpEmbedder<H> {
    pub fn new(http: H, config: Config, timeout_ms: u64) -> Self {
        Self {
            http,
            config,
            timeout_ms,
        }
    }

    async fn vectors(
        &self,
        call: crate::HttpCall,
        expected: usize,
    ) -> Result<Vec<Vec<f32>>, EmbedderError> {
        let reply = self.http.send(&call, self.timeout_ms).await.map_err(|e| {
            EmbedderError::Unavailable {
                message: format!("embedding service: {}", e.message),
            }
        })?;
        embeddings::read(&self.config, &reply, expected)
            .map(|e| e.vectors)
            .map_err(error)
    }
}

fn error(failure: Failure) -> EmbedderError {
    match failure {
        Failure::Retry { message, .. } => EmbedderError::Unavailable { message },
        Failure::Stop { message }
        | Failure::Rejected { message }
        | Failure::Malformed { message } => EmbedderError::Unreadable { message },
        Failure::Moderated { reason } => EmbedderError::Unreadable { message: reason },
    }
}

impl<H: HttpSend> ImageEmbedder for HttpEmbedder<H> {
    async fn embed(&self, bytes: &[u8]) -> Result<ImageEmbedding, EmbedderError> {
        let vector = self
            .vectors(embeddings::image_call(&self.config, &[bytes]), 1)
            .await?
            .pop()
            .ok_or_else(|| EmbedderError::Unreadable {
                message: "the embedding service answered no vector".into(),
            })?;
        Ok(ImageEmbedding {
            vector,
            embedder: self.space(),
        })
    }

    fn space(&self) -> String {
        match self.config.dimensions {
            Some(d) => format!("{}@{d}", self.config.model),
            None => format!("{}@native", self.config.model),
        }
    }

    async fn embed_texts(&self, texts: &[String]) -> Result<Option<Vec<Vec<f32>>>, EmbedderError> {
        let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
        self.vectors(embeddings::text_call(&self.config, &texts), texts.len())
            .await
            .map(Some)
    }
}

/// The deployment's embedder: a CLIP service when configured, else the offline descriptor.
pub enum Embedders<H> {
    Descriptor,
    Service(HttpEmbedder<H>),
}

impl<H: HttpSend> Embedders<H> {
    /// The embedder the settings choose.
    pub fn new(http: H, settings: &crate::ProviderSettings) -> Self {
        match &settings.embedder {
            Some(config) => {
                Embedders::Service(HttpEmbedder::new(http, config.clone(), settings.timeout_ms))
            }
            None => Embedders::Descriptor,
        }
    }
}

impl<H: HttpSend> ImageEmbedder for Embedders<H> {
    async fn embed(&self, bytes: &[u8]) -> Result<ImageEmbedding, EmbedderError> {
        match self {
            Embedders::Descriptor => DescriptorEmbedder.embed(bytes).await,
            Embedders::Service(service) => service.embed(bytes).await,
        }
    }

    fn space(&self) -> String {
        match self {
            Embedders::Descriptor => DescriptorEmbedder.space(),
            Embedders::Service(service) => service.space(),
        }
    }

    async fn embed_texts(&self, texts: &[String]) -> Result<Option<Vec<Vec<f32>>>, EmbedderError> {
        match self {
            Embedders::Descriptor => Ok(None),
            Embedders::Service(service) => service.embed_texts(texts).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;
    use crate::client::TransportError;
    use crate::embeddings::Shape;
    use crate::{testing, HttpCall, HttpReply};

    struct Replies(RefCell<Vec<HttpReply>>, RefCell<Vec<HttpCall>>);

    impl HttpSend for &Replies {
        async fn send(&self, call: &HttpCall, _: u64) -> Result<HttpReply, TransportError> {
            self.1.borrow_mut().push(call.clone());
            let mut replies = self.0.borrow_mut();
            if replies.is_empty() {
                return Err(TransportError {
                    message: "connection refused".into(),
                });
            }
            Ok(replies.remove(0))
        }
        async fn sleep(&self, _: u64) {}
    }

    fn embedder(replies: &Replies) -> HttpEmbedder<&Replies> {
        let config = Config {
            base_url: "http://clip.test".into(),
            api_key: None,
            model: "fashion-clip".into(),
            dimensions: Some(2),
            shape: Shape::OpenAiStyle,
        };
        HttpEmbedder::new(replies, config, 1000)
    }

    fn vectors(vectors: &[[f32; 2]]) -> HttpReply {
        let data: Vec<_> = vectors
            .iter()
            .enumerate()
            .map(|(i, v)| serde_json::json!({"object": "embedding", "index": i, "embedding": v}))
            .collect();
        let body = serde_json::json!({"object": "list", "model": "fashion-clip", "data": data});
        testing::reply(
            200,
            &[("content-type", "application/json")],
            body.to_string(),
        )
    }

    #[test]
    fn images_and_texts_become_vectors_of_one_named_space() {
        let replies = Replies(
            RefCell::new(vec![
                vectors(&[[0.6, 0.8]]),
                vectors(&[[1.0, 0.0], [0.0, 1.0]]),
            ]),
            RefCell::default(),
        );
        let clip = embedder(&replies);
        let image = pollster::block_on(clip.embed(&testing::png(4, 4))).unwrap();
        assert_eq!(
            (image.vector, image.embedder),
            (vec![0.6, 0.8], "fashion-clip@2".into())
        );
        let texts = ["a red dress".to_string(), "a blue dress".to_string()];
        let labels = pollster::block_on(clip.embed_texts(&texts))
            .unwrap()
            .unwrap();
        assert_eq!(labels, [vec![1.0, 0.0], vec![0.0, 1.0]]);
        let calls = replies.1.borrow();
        assert_eq!(calls[0].url, "http://clip.test/embeddings");
        assert!(String::from_utf8_lossy(&calls[1].body).contains("\"modality\":\"text\""));
    }

    #[test]
    fn a_busy_service_is_retried_and_a_refusal_fails_the_image() {
        let busy = testing::reply(503, &[], r#"{"detail": "overloaded"}"#);
        let refused = testing::reply(401, &[], r#"{"detail": "bad key"}"#);
        let replies = Replies(RefCell::new(vec![busy, refused]), RefCell::default());
        let clip = embedder(&replies);
        let png = testing::png(4, 4);
        assert!(matches!(
            pollster::block_on(clip.embed(&png)),
            Err(EmbedderError::Unavailable { .. })
        ));
        assert!(matches!(
            pollster::block_on(clip.embed(&png)),
            Err(EmbedderError::Unreadable { .. })
        ));
        assert!(
            matches!(
                pollster::block_on(clip.embed(&png)),
                Err(EmbedderError::Unavailable { .. })
            ),
            "a dropped connection is retried"
        );
        let descriptor: Embedders<&Replies> = Embedders::Descriptor;
        assert_eq!(
            pollster::block_on(descriptor.embed_texts(&["x".into()])).unwrap(),
            None,
            "the descriptor reads no text"
        );
    }
}
