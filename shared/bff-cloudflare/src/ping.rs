//! The gateway → pong proof: what travels on the `bff-ping` queue, where the object lives in R2,
//! and the SQL both workers run. Pure, so it is tested natively.
//!
//! Flow: `POST /api/ping` inserts a row into `pings`, puts `pings/<id>.json` to R2 and sends a
//! [`PingMessage`]; the consumer reads the object back and marks the row processed once, however
//! often the message is delivered (queues deliver at least once).

use serde::{Deserialize, Serialize};

/// The queue the gateway produces to and the pong worker consumes.
pub const QUEUE: &str = "bff-ping";
/// Where `bff-ping` messages go after `max_retries` failed deliveries.
pub const DEAD_LETTER_QUEUE: &str = "bff-ping-dlq";
/// Longest accepted ping body, in bytes.
pub const MAX_BODY_BYTES: usize = 4096;

/// The queue message: everything the consumer needs, nothing it could read from D1 instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PingMessage {
    pub id: String,
    pub object_key: String,
    pub sent_at: String,
}

impl PingMessage {
    pub fn new(id: &str, sent_at: &str) -> Self {
        PingMessage {
            id: id.to_string(),
            object_key: object_key(id),
            sent_at: sent_at.to_string(),
        }
    }
}

/// The R2 object stored for a ping: its body and when the gateway accepted it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PingObject {
    pub id: String,
    pub body: String,
    pub created_at: String,
}

/// A row of `pings` as D1 returns it (SQLite integers arrive as JavaScript numbers).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PingRow {
    pub id: String,
    pub body: String,
    pub created_at: String,
    pub processed: i64,
    pub processed_at: Option<String>,
    pub deliveries: i64,
    pub object_bytes: Option<i64>,
}

/// The R2 key of a ping's object.
pub fn object_key(id: &str) -> String {
    format!("pings/{id}.json")
}

/// Ids are what `crypto.randomUUID()` makes, or any 1 to 64 ASCII letters, digits, `-` and `_`:
/// safe in a URL path and an R2 key.
pub fn valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Why a delivered message cannot be processed (the consumer retries it, then dead-letters it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PingError {
    InvalidId(String),
    ObjectKeyMismatch { expected: String, found: String },
    ObjectMissing(String),
    ObjectInvalid(String),
    RowMissing(String),
}

impl std::fmt::Display for PingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PingError::InvalidId(id) => write!(f, "invalid ping id {id:?}"),
            PingError::ObjectKeyMismatch { expected, found } => {
                write!(f, "object key {found:?} is not the ping's key {expected:?}")
            }
            PingError::ObjectMissing(key) => write!(f, "no R2 object under {key:?}"),
            PingError::ObjectInvalid(why) => write!(f, "R2 object is not a ping: {why}"),
            PingError::RowMissing(id) => write!(f, "no pings row with id {id:?}"),
        }
    }
}

impl std::error::Error for PingError {}

/// Checks a delivered message before anything is read: a valid id and the key derived from it.
pub fn check_message(message: &PingMessage) -> Result<(), PingError> {
    if !valid_id(&message.id) {
        return Err(PingError::InvalidId(message.id.clone()));
    }
    let expected = object_key(&message.id);
    if message.object_key != expected {
        return Err(PingError::ObjectKeyMismatch {
            expected,
            found: message.object_key.clone(),
        });
    }
    Ok(())
}

/// Parses the R2 object of `message` and checks that it belongs to it.
pub fn check_object(message: &PingMessage, bytes: &[u8]) -> Result<PingObject, PingError> {
    let object: PingObject =
        serde_json::from_slice(bytes).map_err(|e| PingError::ObjectInvalid(e.to_string()))?;
    if object.id != message.id {
        return Err(PingError::ObjectInvalid(format!(
            "object is for ping {:?}",
            object.id
        )));
    }
    Ok(object)
}

/// The SQL of the proof (table in `migrations/0001_proof.sql`).
pub mod sql {
    /// `?1` id, `?2` body, `?3` created_at.
    pub const INSERT_PING: &str = "INSERT INTO pings (id, body, created_at) VALUES (?1, ?2, ?3)";
    /// `?1` id.
    pub const SELECT_PING: &str = "SELECT id, body, created_at, processed, processed_at, \
         deliveries, object_bytes FROM pings WHERE id = ?1";
    /// Counts every delivery, duplicates included. `?1` id.
    pub const COUNT_DELIVERY: &str = "UPDATE pings SET deliveries = deliveries + 1 WHERE id = ?1";
    /// Marks the row processed the first time only: a duplicate delivery changes nothing.
    /// `?1` id, `?2` processed_at, `?3` object_bytes.
    pub const MARK_PROCESSED: &str = "UPDATE pings SET processed = 1, processed_at = ?2, \
         object_bytes = ?3 WHERE id = ?1 AND processed = 0";
    /// Records a message that reached the dead-letter queue; a redelivery is ignored.
    /// `?1` message id, `?2` queue, `?3` body, `?4` received_at.
    pub const INSERT_DEAD_LETTER: &str = "INSERT INTO dead_letters (message_id, queue, body, \
         received_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (message_id) DO NOTHING";
    /// `?1` cron, `?2` scheduled_time (ms since the epoch), `?3` ran_at.
    pub const INSERT_CRON_RUN: &str =
        "INSERT INTO cron_runs (cron, scheduled_time, ran_at) VALUES (?1, ?2, ?3)";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_ids_are_valid_and_odd_ones_are_not() {
        assert!(valid_id("0f8fad5b-d9cb-469f-a165-70867728950e"));
        assert!(valid_id("a"));
        assert!(valid_id(&"x".repeat(64)));
        for bad in ["", "a/b", "../x", "a b", "é", &"x".repeat(65)] {
            assert!(!valid_id(bad), "{bad:?} accepted");
        }
    }

    #[test]
    fn message_round_trips_as_json_with_stable_field_names() {
        let m = PingMessage::new("abc", "2025-09-01T03:00:00.000Z");
        let text = serde_json::to_string(&m).unwrap();
        assert_eq!(
            text,
            r#"{"id":"abc","object_key":"pings/abc.json","sent_at":"2025-09-01T03:00:00.000Z"}"#
        );
        assert_eq!(serde_json::from_str::<PingMessage>(&text).unwrap(), m);
        assert_eq!(check_message(&m), Ok(()));
    }

    #[test]
    fn message_with_foreign_key_or_bad_id_is_rejected() {
        let mut m = PingMessage::new("abc", "t");
        m.object_key = "pings/other.json".into();
        assert!(matches!(
            check_message(&m),
            Err(PingError::ObjectKeyMismatch { .. })
        ));
        let m = PingMessage::new("../etc", "t");
        assert_eq!(
            check_message(&m),
            Err(PingError::InvalidId("../etc".into()))
        );
    }

    #[test]
    fn object_must_parse_and_belong_to_the_message() {
        let m = PingMessage::new("abc", "t");
        let ok = serde_json::to_vec(&PingObject {
            id: "abc".into(),
            body: "hi".into(),
            created_at: "t".into(),
        })
        .unwrap();
        assert_eq!(check_object(&m, &ok).unwrap().body, "hi");
        let other = serde_json::to_vec(&PingObject {
            id: "xyz".into(),
            body: "hi".into(),
            created_at: "t".into(),
        })
        .unwrap();
        assert!(matches!(
            check_object(&m, &other),
            Err(PingError::ObjectInvalid(_))
        ));
        assert!(matches!(
            check_object(&m, b"not json"),
            Err(PingError::ObjectInvalid(_))
        ));
    }

    #[test]
    fn row_deserialises_from_d1_shaped_json() {
        // D1 gives integers as numbers and NULL as null.
        let row: PingRow = serde_json::from_str(
            r#"{"id":"a","body":"b","created_at":"t","processed":0,"processed_at":null,"deliveries":0,"object_bytes":null}"#,
        )
        .unwrap();
        assert_eq!(row.processed, 0);
        assert_eq!(row.processed_at, None);
    }
}
