//! Queue messages: the one place their schemas live.
//!
//! Stages are chained by queues, one queue per consuming stage, each carrying one message type.
//! A message names work, never carries it: ids only (the job, its user, a variant or an image),
//! so that it stays small, a redelivery finds the rows its first delivery wrote, and nothing a
//! later stage needs can go stale in a queue.
//!
//! # Versioning
//!
//! Every body has a version `"v"`, and each message type lists the versions it reads
//! ([`QueueMessage::VERSIONS`], oldest first; producers send the last). A consumer refuses any
//! other version with [`MessageError::UnsupportedVersion`] (a permanent error: the message goes to
//! its dead-letter queue instead of being misread). Fields are never added to or removed from a
//! version: a schema change is a new version, and consumers are deployed reading both before
//! producers send it. Each version has its own schema, and fields it does not have are refused
//! (a misrouted message, or a field of another version, fails loudly).
//!
//! | message | reads | sends | what the newest version adds |
//! |---|---|---|---|
//! | [`GenerateImage`] | 1, 2 | 2 ([`GENERATE_IMAGE_VERSION`]) | `provider`: the provider the variant was on when the message was sent |
//! | every other message | 1 | 1 ([`MESSAGE_VERSION`]) | — |
//!
//! `GenerateImage` v2 names its provider so that a message meant for a provider the variant has
//! since moved away from is recognised as stale: its delivery draws nothing and its give-up moves
//! nothing ([`crate::stages::generate`]). A v1 body (sent before v2 existed) is read as it always
//! was: for whatever provider the variant is on.
//!
//! # Queues
//!
//! | message | queue | dead-letter queue | consumer |
//! |---|---|---|---|
//! | [`GenerateImage`] | [`GENERATE_QUEUE`] | [`GENERATE_DLQ`] | `stages::generate` |
//! | [`EmbedImage`] | [`EMBED_QUEUE`] | [`EMBED_DLQ`] | `stages::embed` |
//! | [`ClusterJob`] | [`CLUSTER_QUEUE`] | [`CLUSTER_DLQ`] | `stages::cluster` |
//! | [`SelectDesigns`] | [`SELECT_QUEUE`] | [`SELECT_DLQ`] | `stages::select` |
//! | [`MeasureCoverage`] | [`COVERAGE_QUEUE`] | [`COVERAGE_DLQ`] | `stages::coverage` |
//! | [`LearnFromFeedback`] | [`LEARN_QUEUE`] | [`LEARN_DLQ`] | `stages::learn` |

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::ids::{validate_id, IdError, JobKey};
use crate::ports::Provider;

/// The version of every message type that has had one schema so far: the one it carries and
/// the only one it reads.
pub const MESSAGE_VERSION: u32 = 1;

/// The version of [`GenerateImage`] this build sends; it reads this one and v1.
pub const GENERATE_IMAGE_VERSION: u32 = 2;

pub const GENERATE_QUEUE: &str = "bff-generate";
pub const EMBED_QUEUE: &str = "bff-embed";
pub const CLUSTER_QUEUE: &str = "bff-cluster";
pub const SELECT_QUEUE: &str = "bff-select";
pub const COVERAGE_QUEUE: &str = "bff-coverage";
pub const LEARN_QUEUE: &str = "bff-learn";

/// Where a message goes after its last failed attempt; its consumer calls
/// [`stages::give_up`](crate::stages::give_up) so that the job completes (partially) or fails
/// instead of waiting forever.
pub const GENERATE_DLQ: &str = "bff-generate-dlq";
pub const EMBED_DLQ: &str = "bff-embed-dlq";
pub const CLUSTER_DLQ: &str = "bff-cluster-dlq";
pub const SELECT_DLQ: &str = "bff-select-dlq";
pub const COVERAGE_DLQ: &str = "bff-coverage-dlq";
pub const LEARN_DLQ: &str = "bff-learn-dlq";

/// Why a message body was refused. Always permanent: retrying the same bytes cannot help.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MessageError {
    /// `found` is the body's `"v"` as written; `supported`, the versions this build reads.
    #[error(
        "message version {found} is not supported (this build reads {})",
        versions(.supported)
    )]
    UnsupportedVersion { found: String, supported: Vec<u32> },
    #[error("message has no version field \"v\"")]
    MissingVersion,
    #[error("malformed {queue} message: {detail}")]
    Malformed { queue: &'static str, detail: String },
    #[error("invalid message: {0}")]
    InvalidId(#[from] IdError),
    #[error("no message type is consumed from queue {queue:?}")]
    UnknownQueue { queue: String },
}

/// "v1", "v1 or v2", "v1, v2 or v3".
fn versions(supported: &[u32]) -> String {
    let names: Vec<String> = supported.iter().map(|v| format!("v{v}")).collect();
    match names.split_last() {
        None => "no version".into(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

/// What every message type shares.
pub trait QueueMessage: Serialize + DeserializeOwned + Clone + Into<Message> {
    /// The queue the message is sent to.
    const QUEUE: &'static str;
    /// The queue it lands in after its last failed attempt.
    const DEAD_LETTER_QUEUE: &'static str;
    /// The versions a consumer reads, oldest first; producers send the last one.
    const VERSIONS: &'static [u32] = &[MESSAGE_VERSION];

    /// The job (and user) the message is about.
    fn key(&self) -> JobKey;

    /// Reads the fields of a body whose `"v"` is `version`, one of [`Self::VERSIONS`]. Each
    /// version has its own schema and refuses fields it does not have. The default is the type's
    /// one serde schema, for types with a single version.
    fn from_fields(version: u32, value: serde_json::Value) -> Result<Self, serde_json::Error> {
        let _ = version;
        serde_json::from_value(value)
    }

    /// Reads a body: version first (so that a future version is reported as such, not as
    /// malformed), then the fields of that version, then the ids.
    fn from_value(value: serde_json::Value) -> Result<Self, MessageError> {
        let version = match value.get("v") {
            None => return Err(MessageError::MissingVersion),
            Some(v) => v
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .filter(|n| Self::VERSIONS.contains(n))
                .ok_or_else(|| MessageError::UnsupportedVersion {
                    found: v.to_string().chars().take(64).collect(),
                    supported: Self::VERSIONS.to_vec(),
                })?,
        };
        let message = Self::from_fields(version, value).map_err(|e| MessageError::Malformed {
            queue: Self::QUEUE,
            detail: e.to_string(),
        })?;
        let key = message.key();
        validate_id("user_id", &key.user_id)?;
        validate_id("job_id", &key.job_id)?;
        Ok(message)
    }

    /// Reads a JSON body.
    fn decode(json: &str) -> Result<Self, MessageError> {
        let value = serde_json::from_str(json).map_err(|e| MessageError::Malformed {
            queue: Self::QUEUE,
            detail: e.to_string(),
        })?;
        Self::from_value(value)
    }

    /// The JSON body.
    fn encode(&self) -> String {
        // Plain structs of strings and integers always serialise.
        serde_json::to_string(self).unwrap_or_default()
    }
}

macro_rules! job_message {
    ($(#[$meta:meta])* $name:ident, $queue:ident, $dlq:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            /// Always [`MESSAGE_VERSION`].
            pub v: u32,
            pub job_id: String,
            pub user_id: String,
        }

        impl $name {
            pub fn new(key: &JobKey) -> Self {
                Self {
                    v: MESSAGE_VERSION,
                    job_id: key.job_id.clone(),
                    user_id: key.user_id.clone(),
                }
            }
        }

        impl QueueMessage for $name {
            const QUEUE: &'static str = $queue;
            const DEAD_LETTER_QUEUE: &'static str = $dlq;

            fn key(&self) -> JobKey {
                JobKey::new(&self.user_id, &self.job_id)
            }
        }

        impl From<$name> for Message {
            fn from(m: $name) -> Self {
                Message::$name(m)
            }
        }
    };
}

/// Generate the image of one planned variant with the provider it is on. Sent by
/// `prompt::submit`, one per variant, and again when the variant moves to another provider.
///
/// Versions: v1 `{v, job_id, user_id, variant}`; v2 adds `provider`, the provider the variant
/// was on when the message was sent (for a move, the one it moved to), by its canonical name.
/// Producers send v2 ([`GenerateImage::new`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "serde_json::Value")]
pub struct GenerateImage {
    /// 1 or [`GENERATE_IMAGE_VERSION`].
    pub v: u32,
    pub job_id: String,
    pub user_id: String,
    /// Index of the variant in the job's plan.
    pub variant: u32,
    /// The provider the message was sent for: `Some` exactly in v2. `None` (v1) means whatever
    /// provider the variant is on when the message is read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<Provider>,
}

impl GenerateImage {
    /// The message for `variant` on `provider`, at the version producers send.
    pub fn new(key: &JobKey, variant: u32, provider: Provider) -> Self {
        Self {
            v: GENERATE_IMAGE_VERSION,
            job_id: key.job_id.clone(),
            user_id: key.user_id.clone(),
            variant,
            provider: Some(provider),
        }
    }
}

/// A v1 `GenerateImage` body: exactly these fields.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GenerateImageV1 {
    v: u32,
    job_id: String,
    user_id: String,
    variant: u32,
}

/// A v2 `GenerateImage` body: v1's fields and `provider`, exactly.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GenerateImageV2 {
    v: u32,
    job_id: String,
    user_id: String,
    variant: u32,
    provider: Provider,
}

impl QueueMessage for GenerateImage {
    const QUEUE: &'static str = GENERATE_QUEUE;
    const DEAD_LETTER_QUEUE: &'static str = GENERATE_DLQ;
    const VERSIONS: &'static [u32] = &[1, GENERATE_IMAGE_VERSION];

    fn key(&self) -> JobKey {
        JobKey::new(&self.user_id, &self.job_id)
    }

    fn from_fields(version: u32, value: serde_json::Value) -> Result<Self, serde_json::Error> {
        if version == 1 {
            let b: GenerateImageV1 = serde_json::from_value(value)?;
            Ok(Self {
                v: b.v,
                job_id: b.job_id,
                user_id: b.user_id,
                variant: b.variant,
                provider: None,
            })
        } else {
            let b: GenerateImageV2 = serde_json::from_value(value)?;
            Ok(Self {
                v: b.v,
                job_id: b.job_id,
                user_id: b.user_id,
                variant: b.variant,
                provider: Some(b.provider),
            })
        }
    }
}

/// Plain serde reads a body as strictly as [`QueueMessage::decode`] does (the ids aside): the
/// schema of its version, and only a version this build reads.
impl TryFrom<serde_json::Value> for GenerateImage {
    type Error = String;

    fn try_from(value: serde_json::Value) -> Result<Self, String> {
        let version = value
            .get("v")
            .and_then(serde_json::Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
            .filter(|n| Self::VERSIONS.contains(n))
            .ok_or_else(|| {
                format!(
                    "missing or unsupported \"v\" (this build reads {})",
                    versions(Self::VERSIONS)
                )
            })?;
        Self::from_fields(version, value).map_err(|e| e.to_string())
    }
}

impl From<GenerateImage> for Message {
    fn from(m: GenerateImage) -> Self {
        Message::GenerateImage(m)
    }
}

/// Embed one stored image. Sent by `generate::handle` once the image is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmbedImage {
    /// Always [`MESSAGE_VERSION`].
    pub v: u32,
    pub job_id: String,
    pub user_id: String,
    pub image_id: String,
}

impl EmbedImage {
    pub fn new(key: &JobKey, image_id: impl Into<String>) -> Self {
        Self {
            v: MESSAGE_VERSION,
            job_id: key.job_id.clone(),
            user_id: key.user_id.clone(),
            image_id: image_id.into(),
        }
    }
}

impl QueueMessage for EmbedImage {
    const QUEUE: &'static str = EMBED_QUEUE;
    const DEAD_LETTER_QUEUE: &'static str = EMBED_DLQ;

    fn key(&self) -> JobKey {
        JobKey::new(&self.user_id, &self.job_id)
    }
}

impl From<EmbedImage> for Message {
    fn from(m: EmbedImage) -> Self {
        Message::EmbedImage(m)
    }
}

job_message!(
    /// Cluster a job's embeddings into styles. Sent once every variant is embedded or failed
    /// (the fan-in).
    ClusterJob,
    CLUSTER_QUEUE,
    CLUSTER_DLQ
);

job_message!(
    /// Select the job's designs with the DPP. Sent by `cluster::handle`.
    SelectDesigns,
    SELECT_QUEUE,
    SELECT_DLQ
);

job_message!(
    /// Measure the attribute coverage of the selected designs and boost the gaps. Sent by
    /// `select::handle`.
    MeasureCoverage,
    COVERAGE_QUEUE,
    COVERAGE_DLQ
);

/// Learn from one revision of a piece of feedback. Sent by `feedback::submit` after the feedback
/// is stored, and again by the sweep for feedback whose revision has not been learned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LearnFromFeedback {
    /// Always [`MESSAGE_VERSION`].
    pub v: u32,
    pub job_id: String,
    pub user_id: String,
    pub feedback_id: String,
    /// The feedback's revision when it was sent (re-rating raises it).
    pub revision: u32,
}

impl LearnFromFeedback {
    pub fn new(key: &JobKey, feedback_id: impl Into<String>, revision: u32) -> Self {
        Self {
            v: MESSAGE_VERSION,
            job_id: key.job_id.clone(),
            user_id: key.user_id.clone(),
            feedback_id: feedback_id.into(),
            revision,
        }
    }
}

impl QueueMessage for LearnFromFeedback {
    const QUEUE: &'static str = LEARN_QUEUE;
    const DEAD_LETTER_QUEUE: &'static str = LEARN_DLQ;

    fn key(&self) -> JobKey {
        JobKey::new(&self.user_id, &self.job_id)
    }
}

impl From<LearnFromFeedback> for Message {
    fn from(m: LearnFromFeedback) -> Self {
        Message::LearnFromFeedback(m)
    }
}

/// Any message, for code that sends or dead-letters several kinds (the [`Dispatcher`] port, the
/// dead-letter consumer). Serialises as the bare body of its variant: the queue, not a tag, says
/// what it is.
///
/// [`Dispatcher`]: crate::ports::Dispatcher
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Message {
    GenerateImage(GenerateImage),
    EmbedImage(EmbedImage),
    ClusterJob(ClusterJob),
    SelectDesigns(SelectDesigns),
    MeasureCoverage(MeasureCoverage),
    LearnFromFeedback(LearnFromFeedback),
}

impl Message {
    /// The queue the message is sent to.
    pub fn queue(&self) -> &'static str {
        match self {
            Message::GenerateImage(_) => GenerateImage::QUEUE,
            Message::EmbedImage(_) => EmbedImage::QUEUE,
            Message::ClusterJob(_) => ClusterJob::QUEUE,
            Message::SelectDesigns(_) => SelectDesigns::QUEUE,
            Message::MeasureCoverage(_) => MeasureCoverage::QUEUE,
            Message::LearnFromFeedback(_) => LearnFromFeedback::QUEUE,
        }
    }

    /// The queue it lands in after its last failed attempt.
    pub fn dead_letter_queue(&self) -> &'static str {
        match self {
            Message::GenerateImage(_) => GenerateImage::DEAD_LETTER_QUEUE,
            Message::EmbedImage(_) => EmbedImage::DEAD_LETTER_QUEUE,
            Message::ClusterJob(_) => ClusterJob::DEAD_LETTER_QUEUE,
            Message::SelectDesigns(_) => SelectDesigns::DEAD_LETTER_QUEUE,
            Message::MeasureCoverage(_) => MeasureCoverage::DEAD_LETTER_QUEUE,
            Message::LearnFromFeedback(_) => LearnFromFeedback::DEAD_LETTER_QUEUE,
        }
    }

    pub fn key(&self) -> JobKey {
        match self {
            Message::GenerateImage(m) => m.key(),
            Message::EmbedImage(m) => m.key(),
            Message::ClusterJob(m) => m.key(),
            Message::SelectDesigns(m) => m.key(),
            Message::MeasureCoverage(m) => m.key(),
            Message::LearnFromFeedback(m) => m.key(),
        }
    }

    /// The JSON body.
    pub fn encode(&self) -> String {
        match self {
            Message::GenerateImage(m) => m.encode(),
            Message::EmbedImage(m) => m.encode(),
            Message::ClusterJob(m) => m.encode(),
            Message::SelectDesigns(m) => m.encode(),
            Message::MeasureCoverage(m) => m.encode(),
            Message::LearnFromFeedback(m) => m.encode(),
        }
    }

    /// Reads a body taken from `queue` (a stage queue or its dead-letter queue).
    pub fn decode(queue: &str, json: &str) -> Result<Message, MessageError> {
        Ok(match queue {
            GENERATE_QUEUE | GENERATE_DLQ => GenerateImage::decode(json)?.into(),
            EMBED_QUEUE | EMBED_DLQ => EmbedImage::decode(json)?.into(),
            CLUSTER_QUEUE | CLUSTER_DLQ => ClusterJob::decode(json)?.into(),
            SELECT_QUEUE | SELECT_DLQ => SelectDesigns::decode(json)?.into(),
            COVERAGE_QUEUE | COVERAGE_DLQ => MeasureCoverage::decode(json)?.into(),
            LEARN_QUEUE | LEARN_DLQ => LearnFromFeedback::decode(json)?.into(),
            _ => {
                return Err(MessageError::UnknownQueue {
                    queue: queue.chars().take(64).collect(),
                })
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> JobKey {
        JobKey::new("user-1", "job-1")
    }

    #[test]
    fn bodies_are_flat_and_versioned() {
        assert_eq!(
            GenerateImage::new(&key(), 4, Provider::WorkersAi).encode(),
            r#"{"v":2,"job_id":"job-1","user_id":"user-1","variant":4,"provider":"workers-ai"}"#
        );
        assert_eq!(
            EmbedImage::new(&key(), "job-1-004").encode(),
            r#"{"v":1,"job_id":"job-1","user_id":"user-1","image_id":"job-1-004"}"#
        );
        let cluster: Message = ClusterJob::new(&key()).into();
        assert_eq!(
            cluster.encode(),
            r#"{"v":1,"job_id":"job-1","user_id":"user-1"}"#
        );
        assert_eq!(
            serde_json::to_string(&cluster).unwrap(),
            cluster.encode(),
            "the enum serialises as the bare body"
        );
    }

    #[test]
    fn every_message_round_trips_through_its_queue() {
        let messages: Vec<Message> = vec![
            GenerateImage::new(&key(), 0, Provider::Sketch).into(),
            EmbedImage::new(&key(), "job-1-000").into(),
            ClusterJob::new(&key()).into(),
            SelectDesigns::new(&key()).into(),
            MeasureCoverage::new(&key()).into(),
            LearnFromFeedback::new(&key(), "fb-1", 2).into(),
        ];
        let mut queues: Vec<&str> = messages.iter().map(Message::queue).collect();
        queues.dedup();
        assert_eq!(queues.len(), 6, "one queue per message type");
        for m in &messages {
            assert_eq!(Message::decode(m.queue(), &m.encode()).as_ref(), Ok(m));
            assert_eq!(
                Message::decode(m.dead_letter_queue(), &m.encode()).as_ref(),
                Ok(m)
            );
            assert_eq!(m.dead_letter_queue(), format!("{}-dlq", m.queue()));
            assert_eq!(m.key(), key());
        }
    }

    #[test]
    fn other_versions_are_refused_with_a_typed_error() {
        assert_eq!(
            ClusterJob::decode(r#"{"v":2,"job_id":"j","user_id":"u"}"#),
            Err(MessageError::UnsupportedVersion {
                found: "2".into(),
                supported: vec![1]
            })
        );
        assert_eq!(
            ClusterJob::decode(r#"{"v":"1","job_id":"j","user_id":"u"}"#),
            Err(MessageError::UnsupportedVersion {
                found: "\"1\"".into(),
                supported: vec![1]
            })
        );
        assert_eq!(
            ClusterJob::decode(r#"{"job_id":"j","user_id":"u"}"#),
            Err(MessageError::MissingVersion)
        );
    }

    #[test]
    fn malformed_bodies_are_refused() {
        assert!(matches!(
            GenerateImage::decode(r#"{"v":1,"job_id":"j","user_id":"u"}"#),
            Err(MessageError::Malformed { queue: GENERATE_QUEUE, detail }) if detail.contains("variant")
        ));
        assert!(matches!(
            GenerateImage::decode(r#"{"v":2,"job_id":"j","user_id":"u","variant":0,"provider":"dall-e"}"#),
            Err(MessageError::Malformed { queue: GENERATE_QUEUE, detail }) if detail.contains("dall-e")
        ));
        assert!(matches!(
            ClusterJob::decode(r#"{"v":1,"job_id":"j","user_id":"u","variant":1}"#),
            Err(MessageError::Malformed { detail, .. }) if detail.contains("unknown field")
        ));
        assert!(matches!(
            EmbedImage::decode("not json"),
            Err(MessageError::Malformed { .. })
        ));
        assert_eq!(
            SelectDesigns::decode(r#"{"v":1,"job_id":"../etc","user_id":"u"}"#),
            Err(MessageError::InvalidId(IdError { field: "job_id" }))
        );
        assert_eq!(
            Message::decode("bff-other", "{}"),
            Err(MessageError::UnknownQueue {
                queue: "bff-other".into()
            })
        );
    }

    #[test]
    fn generate_image_reads_v1_and_v2() {
        let v1 =
            GenerateImage::decode(r#"{"v":1,"job_id":"job-1","user_id":"user-1","variant":3}"#);
        assert_eq!(
            v1,
            Ok(GenerateImage {
                v: 1,
                job_id: "job-1".into(),
                user_id: "user-1".into(),
                variant: 3,
                provider: None,
            })
        );
        let v1 = v1.unwrap();
        assert_eq!(
            v1.encode(),
            r#"{"v":1,"job_id":"job-1","user_id":"user-1","variant":3}"#,
            "a v1 message re-encodes as the v1 body it was read from"
        );
        let v2 = GenerateImage::decode(
            r#"{"v":2,"job_id":"job-1","user_id":"user-1","variant":3,"provider":"openai"}"#,
        );
        assert_eq!(v2, Ok(GenerateImage::new(&key(), 3, Provider::OpenAi)));
        for p in Provider::ALL {
            let m: Message = GenerateImage::new(&key(), 1, *p).into();
            assert_eq!(Message::decode(GENERATE_DLQ, &m.encode()).as_ref(), Ok(&m));
        }
        // Plain serde reads as strictly.
        let read: Result<GenerateImage, _> = serde_json::from_str(
            r#"{"v":1,"job_id":"j","user_id":"u","variant":0,"provider":"sketch"}"#,
        );
        assert!(read.is_err());
        let read: GenerateImage = serde_json::from_str(&v1.encode()).unwrap();
        assert_eq!(read, v1);
    }

    #[test]
    fn each_generate_image_version_has_exactly_its_fields() {
        // A v1 body has no provider; a v2 body must have one.
        assert!(matches!(
            GenerateImage::decode(r#"{"v":1,"job_id":"j","user_id":"u","variant":0,"provider":"sketch"}"#),
            Err(MessageError::Malformed { queue: GENERATE_QUEUE, detail })
                if detail.contains("unknown field `provider`")
        ));
        assert!(matches!(
            GenerateImage::decode(r#"{"v":2,"job_id":"j","user_id":"u","variant":0}"#),
            Err(MessageError::Malformed { queue: GENERATE_QUEUE, detail })
                if detail.contains("missing field `provider`")
        ));
        assert!(matches!(
            GenerateImage::decode(r#"{"v":2,"job_id":"j","user_id":"u","variant":0,"provider":"sketch","seed":1}"#),
            Err(MessageError::Malformed { detail, .. }) if detail.contains("unknown field `seed`")
        ));
        assert!(matches!(
            GenerateImage::decode(
                r#"{"v":2,"job_id":"j","user_id":"u","variant":0,"provider":null}"#
            ),
            Err(MessageError::Malformed { .. })
        ));
    }

    #[test]
    fn a_later_generate_image_version_is_refused_as_such() {
        let refused = GenerateImage::decode(
            r#"{"v":3,"job_id":"j","user_id":"u","variant":0,"provider":"sketch","x":1}"#,
        );
        assert_eq!(
            refused,
            Err(MessageError::UnsupportedVersion {
                found: "3".into(),
                supported: vec![1, 2]
            })
        );
        assert_eq!(
            refused.unwrap_err().to_string(),
            "message version 3 is not supported (this build reads v1 or v2)"
        );
        assert_eq!(
            GenerateImage::decode(r#"{"v":0,"job_id":"j","user_id":"u","variant":0}"#),
            Err(MessageError::UnsupportedVersion {
                found: "0".into(),
                supported: vec![1, 2]
            })
        );
        assert_eq!(
            Message::decode(
                GENERATE_QUEUE,
                r#"{"job_id":"j","user_id":"u","variant":0}"#
            ),
            Err(MessageError::MissingVersion)
        );
        // The other messages still read v1 only.
        assert_eq!(
            EmbedImage::decode(r#"{"v":2,"job_id":"j","user_id":"u","image_id":"j-000"}"#)
                .unwrap_err()
                .to_string(),
            "message version 2 is not supported (this build reads v1)"
        );
        assert_eq!(
            SelectDesigns::decode(r#"{"v":4294967297,"job_id":"j","user_id":"u"}"#),
            Err(MessageError::UnsupportedVersion {
                found: "4294967297".into(),
                supported: vec![1]
            }),
            "a version beyond u32 is not read as a smaller one"
        );
    }
}
