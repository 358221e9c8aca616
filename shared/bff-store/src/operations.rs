//! What the gateway and the queue consumers need beyond the pipeline's ports: bearer tokens
//! (stored as SHA-256 hashes, never in clear), users, the dead-letter record, the sweep's list of
//! stalled jobs and the health check.

use bff_pipeline::ports::PortError;
use bff_pipeline::{JobKey, Timestamp};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::connection::Connection;
use crate::rows::encode_hex;
use crate::{sql, SqlStore};

/// Hex SHA-256 of a token, as stored in `api_tokens.token_hash`.
pub fn token_hash(token: &str) -> String {
    encode_hex(&Sha256::digest(token.as_bytes()))
}

/// The token of an `Authorization` header value, if it is a well-formed bearer token.
pub fn bearer(header: Option<&str>) -> Option<&str> {
    let value = header?.trim();
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer")
        && (16..=256).contains(&token.len())
        && token.bytes().all(|b| b.is_ascii_graphic()))
    .then_some(token)
}

/// A message that could not be handled, as `dead_letters` records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter<'a> {
    pub message_id: &'a str,
    pub queue: &'a str,
    /// The job the message was about, when its body could be read.
    pub key: Option<&'a JobKey>,
    pub body: &'a str,
    /// JSON text: why it was given up.
    pub outcome: &'a str,
}

#[derive(Deserialize)]
struct UserId {
    user_id: String,
}

#[derive(Deserialize)]
struct StaleJob {
    job_id: String,
    user_id: String,
}

impl<C: Connection> SqlStore<C> {
    /// The user of a bearer `Authorization` header, or `None` (missing, malformed, unknown or
    /// revoked token).
    pub async fn authenticate(&self, header: Option<&str>) -> Result<Option<String>, PortError> {
        let Some(token) = bearer(header) else {
            return Ok(None);
        };
        self.scope_system().await?;
        let rows = self
            .raw(sql::USER_BY_TOKEN, &[token_hash(token).into()])
            .await?;
        Ok(rows
            .into_iter()
            .next()
            .and_then(|row| serde_json::from_value::<UserId>(row).ok())
            .map(|u| u.user_id))
    }

    /// Creates the user (if new) and a token for them, stored hashed, in one transaction.
    pub async fn create_user_token(
        &self,
        user_id: &str,
        name: &str,
        token: &str,
        label: &str,
        now: &Timestamp,
    ) -> Result<(), PortError> {
        self.scope(user_id).await?;
        let hash = token_hash(token);
        self.batch(vec![
            self.stmt(
                sql::INSERT_USER,
                &[user_id.into(), name.into(), now.as_str().into()],
            )?,
            self.stmt(
                sql::INSERT_TOKEN,
                &[
                    hash.into(),
                    user_id.into(),
                    label.into(),
                    now.as_str().into(),
                ],
            )?,
        ])
        .await
        .map(|_| ())
    }

    /// Records a message that was given up (insert-or-ignore by message id).
    pub async fn record_dead_letter(
        &self,
        letter: &DeadLetter<'_>,
        now: &Timestamp,
    ) -> Result<(), PortError> {
        match letter.key {
            Some(key) => self.scope(&key.user_id).await?,
            None => self.scope_system().await?,
        }
        self.exec(
            sql::INSERT_DEAD_LETTER,
            &[
                letter.message_id.into(),
                letter.queue.into(),
                letter.key.map(|k| k.user_id.as_str()).into(),
                letter.key.map(|k| k.job_id.as_str()).into(),
                letter.body.into(),
                letter.outcome.into(),
                now.as_str().into(),
            ],
        )
        .await
        .map(|_| ())
    }

    /// Unfinished jobs that have not moved since `before`, oldest first (at most 50).
    pub async fn stale_jobs(&self, before: &Timestamp) -> Result<Vec<JobKey>, PortError> {
        self.scope_system().await?;
        Ok(self
            .raw(sql::STALE_JOBS, &[before.as_str().into()])
            .await?
            .into_iter()
            .filter_map(|row| serde_json::from_value::<StaleJob>(row).ok())
            .map(|j| JobKey::new(&j.user_id, &j.job_id))
            .collect())
    }

    /// What the jobs `user_id` started since `since` may cost (USD): the daily budget's spending.
    pub async fn spent_since(&self, user_id: &str, since: &Timestamp) -> Result<f64, PortError> {
        self.scope(user_id).await?;
        let rows = self
            .raw(sql::SPENT_SINCE, &[user_id.into(), since.as_str().into()])
            .await?;
        Ok(rows
            .first()
            .and_then(|r| r["spent"].as_f64())
            .unwrap_or(0.0))
    }

    /// The `limit` most recent tagged images of the deployment, for the providers' adherence
    /// table (read under the system scope: the table shows figures, never one user's rows).
    pub async fn adherence_samples(
        &self,
        limit: u32,
    ) -> Result<Vec<bff_pipeline::adherence::AdherenceSample>, PortError> {
        self.scope_system().await?;
        let columns = crate::rows::Columns {
            json: &["requested", "tags"],
            ..Default::default()
        };
        self.raw(sql::ADHERENCE_SAMPLES, &[limit.into()])
            .await?
            .into_iter()
            .map(|row| crate::rows::decode("generated_images", &columns, row))
            .collect()
    }

    /// `SELECT 1` answers 1.
    pub async fn health(&self) -> Result<(), PortError> {
        let rows = self.raw(sql::SELECT_ONE, &[]).await?;
        match rows.first().and_then(|r| r["one"].as_i64()) {
            Some(1) => Ok(()),
            _ => Err(PortError::new("job store", "SELECT 1 gave no 1")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_tokens_are_parsed_strictly() {
        assert_eq!(
            bearer(Some("Bearer abcdefghijklmnop")),
            Some("abcdefghijklmnop")
        );
        assert_eq!(
            bearer(Some("bearer  abcdefghijklmnop ")),
            Some("abcdefghijklmnop")
        );
        assert_eq!(bearer(Some("Basic abcdefghijklmnop")), None);
        assert_eq!(bearer(Some("Bearer short")), None);
        assert_eq!(bearer(None), None);
    }

    #[test]
    fn token_hash_is_hex_sha256() {
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
