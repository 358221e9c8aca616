//! What the gateway and the queue consumers need beyond the pipeline's ports: bearer tokens
//! (stored as SHA-256 hashes, never in clear), users, the dead-letter record, the sweep's list of
//! stalled jobs and the health check.

use bff_pipeline::ports::PortError;
use bff_pipeline::{JobKey, Timestamp};
use serde::{Deserialize, Serialize};
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

/// Whether an `Authorization` header carries `secret` as its bearer token, compared in constant
/// time (of the two SHA-256 digests, so neither length nor content leaks through timing). An
/// empty secret matches nothing: an unset secret closes what it guards.
pub fn bearer_is(header: Option<&str>, secret: &str) -> bool {
    if secret.trim().is_empty() {
        return false;
    }
    let given = bearer(header).unwrap_or("");
    let (a, b) = (
        Sha256::digest(secret.as_bytes()),
        Sha256::digest(given.as_bytes()),
    );
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
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

/// A preference weight learning moved for a piece of feedback.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct WeightChange {
    pub category: String,
    pub value: String,
    /// The value's sampling-weight multiplier before and after this feedback was learned.
    pub weight_before: f64,
    pub weight_after: f64,
}

/// One job in the user's history (`GET /api/generation`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct JobSummary {
    pub job_id: String,
    pub status: bff_pipeline::ports::JobStatus,
    pub brief: String,
    pub designs: u32,
    /// The first provider of the job.
    pub provider: String,
    /// The values the brief asked for.
    pub requested: Vec<bff_domain::AttributeValue>,
    pub created_at: String,
}

/// A bearer token as its user sees it (never the token, never its hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct TokenInfo {
    /// The token's public id: the first 16 hex digits of its SHA-256.
    pub id: String,
    pub label: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
}

impl TokenInfo {
    /// The public id of `token`.
    pub fn id_of(token: &str) -> String {
        token_hash(token)[..16].to_string()
    }
}

/// `GET /api/admin/metrics`: figures across users over a window.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct Metrics {
    pub since: String,
    /// Jobs created in the window, by status.
    pub jobs: std::collections::BTreeMap<String, u64>,
    /// Generation by provider (variants of the window's finished jobs).
    pub providers: Vec<ProviderMetrics>,
    /// The DPP selections' mean pairwise cosine distance.
    pub diversity: MeanOf,
    /// The coverage reports' mean overall score.
    pub coverage: MeanOf,
    pub feedback: u64,
    pub standouts: u64,
    /// Standouts per piece of feedback (user satisfaction).
    pub standout_rate: f64,
}

/// One provider's generation figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct ProviderMetrics {
    pub provider: String,
    pub variants: u64,
    pub failed: u64,
    /// Variants drawn of those asked for.
    pub success_rate: f64,
}

/// A mean over the window's jobs (`None` without any).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct MeanOf {
    pub jobs: u64,
    pub mean: Option<f64>,
}

/// `part / whole` to four decimals, 0 for nothing.
fn rate(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        (part as f64 / whole as f64 * 10_000.0).round() / 10_000.0
    }
}

#[derive(Deserialize)]
struct Count {
    n: i64,
}

/// The `n` of a `SELECT COUNT(*) AS n` answer (0 when it has none).
fn count_of(rows: Vec<serde_json::Value>) -> u32 {
    rows.into_iter()
        .next()
        .and_then(|row| serde_json::from_value::<Count>(row).ok())
        .map_or(0, |c| c.n.clamp(0, i64::from(u32::MAX)) as u32)
}

#[derive(Deserialize)]
struct StaleJob {
    job_id: String,
    user_id: String,
}

impl<C: Connection> SqlStore<C> {
    /// The user of a bearer `Authorization` header at `now`, or `None` (missing, malformed,
    /// unknown, revoked or expired token).
    pub async fn authenticate(
        &self,
        header: Option<&str>,
        now: &Timestamp,
    ) -> Result<Option<String>, PortError> {
        let Some(token) = bearer(header) else {
            return Ok(None);
        };
        self.scope_system().await?;
        let rows = self
            .raw(
                sql::USER_BY_TOKEN,
                &[token_hash(token).into(), now.as_str().into()],
            )
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
        expires_at: Option<&Timestamp>,
        now: &Timestamp,
    ) -> Result<(), PortError> {
        self.scope(user_id).await?;
        self.batch(vec![
            self.stmt(
                sql::INSERT_USER,
                &[user_id.into(), name.into(), now.as_str().into()],
            )?,
            self.token_statement(user_id, token, label, expires_at, now)?,
        ])
        .await
        .map(|_| ())
    }

    /// Adds a token for an existing user, stored hashed.
    pub async fn create_token(
        &self,
        user_id: &str,
        token: &str,
        label: &str,
        expires_at: Option<&Timestamp>,
        now: &Timestamp,
    ) -> Result<TokenInfo, PortError> {
        self.scope(user_id).await?;
        let statement = self.token_statement(user_id, token, label, expires_at, now)?;
        self.batch(vec![statement]).await?;
        self.token(user_id, &TokenInfo::id_of(token))
            .await?
            .ok_or_else(|| PortError::new("token store", "a stored token reads back as missing"))
    }

    fn token_statement(
        &self,
        user_id: &str,
        token: &str,
        label: &str,
        expires_at: Option<&Timestamp>,
        now: &Timestamp,
    ) -> Result<crate::connection::Statement, PortError> {
        self.stmt(
            sql::INSERT_TOKEN,
            &[
                token_hash(token).into(),
                user_id.into(),
                label.into(),
                now.as_str().into(),
                expires_at.map(Timestamp::as_str).into(),
            ],
        )
    }

    /// The weights learning moved for `revision` of the user's feedback `feedback_id`, largest
    /// move first (none before learning has run).
    pub async fn learning_changes(
        &self,
        user_id: &str,
        feedback_id: &str,
        revision: u32,
    ) -> Result<Vec<WeightChange>, PortError> {
        self.scope(user_id).await?;
        self.raw(
            sql::LEARNING_CHANGES,
            &[user_id.into(), feedback_id.into(), revision.into()],
        )
        .await?
        .into_iter()
        .map(|row| crate::rows::decode("learning_updates", &crate::rows::Columns::default(), row))
        .collect()
    }

    /// The user's `limit` newest jobs, newest first.
    pub async fn jobs(&self, user_id: &str, limit: u32) -> Result<Vec<JobSummary>, PortError> {
        self.scope(user_id).await?;
        // Decoded as the job's own rows are: D1 answers numbers as doubles, JSON columns as text.
        self.raw(sql::USER_JOBS, &[user_id.into(), limit.into()])
            .await?
            .into_iter()
            .map(|row| crate::rows::decode("generation_jobs", &crate::rows::JOB, row))
            .collect()
    }

    /// The user's tokens, oldest first, revoked and expired ones included.
    pub async fn tokens(&self, user_id: &str) -> Result<Vec<TokenInfo>, PortError> {
        self.scope(user_id).await?;
        self.raw(&sql::select_tokens(), &[user_id.into()])
            .await?
            .into_iter()
            .map(|row| {
                serde_json::from_value(row)
                    .map_err(|e| PortError::new("token store", format!("unreadable token: {e}")))
            })
            .collect()
    }

    /// The user's token `id`, if it is theirs.
    pub async fn token(&self, user_id: &str, id: &str) -> Result<Option<TokenInfo>, PortError> {
        self.scope(user_id).await?;
        Ok(self
            .raw(&sql::select_token(), &[user_id.into(), id.into()])
            .await?
            .into_iter()
            .next()
            .and_then(|row| serde_json::from_value(row).ok()))
    }

    /// How many of the user's tokens still work at `now`.
    pub async fn live_tokens(&self, user_id: &str, now: &Timestamp) -> Result<u32, PortError> {
        self.scope(user_id).await?;
        let rows = self
            .raw(sql::LIVE_TOKENS, &[user_id.into(), now.as_str().into()])
            .await?;
        Ok(count_of(rows))
    }

    /// Revokes the user's token `id` (from the next request on); `None` when it is not theirs.
    /// Revoking twice keeps the first time.
    pub async fn revoke_token(
        &self,
        user_id: &str,
        id: &str,
        now: &Timestamp,
    ) -> Result<Option<TokenInfo>, PortError> {
        self.scope(user_id).await?;
        self.exec(
            sql::REVOKE_TOKEN,
            &[user_id.into(), id.into(), now.as_str().into()],
        )
        .await?;
        self.token(user_id, id).await
    }

    /// Deletes the job and everything of it (variants, images' rows, embeddings, clusters,
    /// picks, coverage, feedback and its learning records, dead letters, queued messages) in one
    /// transaction; returns the rows deleted by table. Deleting again deletes nothing; another
    /// user's job id deletes nothing.
    pub async fn delete_job(&self, key: &JobKey) -> Result<Vec<(String, u64)>, PortError> {
        self.scope(&key.user_id).await?;
        let params = [key.job_id.as_str().into(), key.user_id.as_str().into()];
        let mut names = vec!["learning_updates".to_string()];
        let mut statements = vec![self.stmt(sql::DELETE_JOB_LEARNING_UPDATES, &params)?];
        for table in sql::JOB_TABLES {
            names.push(table.to_string());
            statements.push(self.stmt(&sql::delete_job_rows(table), &params)?);
        }
        names.push("queue_messages".into());
        let job = format!("\"job_id\":\"{}\"", key.job_id);
        let user = format!("\"user_id\":\"{}\"", key.user_id);
        statements.push(self.stmt(
            self.pick(&sql::DELETE_QUEUED_MESSAGES),
            &[job.as_str().into(), user.as_str().into()],
        )?);
        let changes = self.batch(statements).await?;
        Ok(names.into_iter().zip(changes).collect())
    }

    /// Deletes everything of the user: their jobs as [`Self::delete_job`] does, their learned
    /// preferences, boosts, analytics, counters, tokens and the user; one transaction. Deleting
    /// again deletes nothing.
    pub async fn delete_user(&self, user_id: &str) -> Result<Vec<(String, u64)>, PortError> {
        self.scope(user_id).await?;
        let params = [user_id.into()];
        let mut names = Vec::new();
        let mut statements = Vec::new();
        for table in sql::JOB_TABLES.iter().chain(sql::USER_TABLES.iter()) {
            names.push(table.to_string());
            statements.push(self.stmt(&sql::delete_user_rows(table), &params)?);
        }
        names.push("queue_messages".into());
        let user = format!("\"user_id\":\"{user_id}\"");
        statements.push(self.stmt(
            self.pick(&sql::DELETE_QUEUED_MESSAGES),
            &[user.as_str().into(), user.as_str().into()],
        )?);
        let changes = self.batch(statements).await?;
        Ok(names.into_iter().zip(changes).collect())
    }

    /// Counts `amount` against the user's counter `name` in the window starting at
    /// `window_start`, if the count stays within `max`; false (and nothing written) otherwise.
    pub async fn count_within_limit(
        &self,
        user_id: &str,
        name: &str,
        window_start: &Timestamp,
        amount: u32,
        max: u32,
    ) -> Result<bool, PortError> {
        self.scope(user_id).await?;
        let changed = self
            .exec(
                sql::COUNT_WITHIN_LIMIT,
                &[
                    user_id.into(),
                    name.into(),
                    window_start.as_str().into(),
                    amount.into(),
                    max.into(),
                ],
            )
            .await?;
        Ok(changed == 1)
    }

    /// Takes back `amount` counted by [`Self::count_within_limit`].
    pub async fn uncount(
        &self,
        user_id: &str,
        name: &str,
        window_start: &Timestamp,
        amount: u32,
    ) -> Result<(), PortError> {
        self.scope(user_id).await?;
        self.exec(
            sql::UNCOUNT,
            &[
                user_id.into(),
                name.into(),
                window_start.as_str().into(),
                amount.into(),
            ],
        )
        .await
        .map(|_| ())
    }

    /// The user's unfinished jobs.
    pub async fn active_jobs(&self, user_id: &str) -> Result<u32, PortError> {
        self.scope(user_id).await?;
        let rows = self.raw(sql::ACTIVE_JOBS, &[user_id.into()]).await?;
        Ok(count_of(rows))
    }

    /// Deletes the rate-limit windows that started before `before` (every user's).
    pub async fn delete_old_counters(&self, before: &Timestamp) -> Result<u64, PortError> {
        self.scope_system().await?;
        self.exec(sql::DELETE_OLD_COUNTERS, &[before.as_str().into()])
            .await
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
        self.job_keys(sql::STALE_JOBS, before).await
    }

    /// The jobs a cross-user `query` of `job_id, user_id` finds for `before`.
    async fn job_keys(&self, query: &str, before: &Timestamp) -> Result<Vec<JobKey>, PortError> {
        self.scope_system().await?;
        Ok(self
            .raw(query, &[before.as_str().into()])
            .await?
            .into_iter()
            .filter_map(|row| serde_json::from_value::<StaleJob>(row).ok())
            .map(|j| JobKey::new(&j.user_id, &j.job_id))
            .collect())
    }

    /// The operator's figures since `since`, across users (figures only, never a user's rows):
    /// jobs by status, generation by provider, diversity, coverage and satisfaction.
    pub async fn metrics(&self, since: &Timestamp) -> Result<Metrics, PortError> {
        self.scope_system().await?;
        let at = [since.as_str().into()];
        let number = |v: &serde_json::Value| {
            v.as_f64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        };
        let count = |v: &serde_json::Value| number(v).unwrap_or(0.0).max(0.0) as u64;
        let mut jobs = std::collections::BTreeMap::new();
        for row in self.raw(sql::METRICS_JOBS, &at).await? {
            jobs.insert(
                row["status"].as_str().unwrap_or("-").to_string(),
                count(&row["n"]),
            );
        }
        let mut providers: Vec<ProviderMetrics> = Vec::new();
        for row in self.raw(sql::METRICS_PROVIDERS, &at).await? {
            let provider = row["provider"].as_str().unwrap_or("-").to_string();
            let n = count(&row["n"]);
            let failed = row["status"] == "failed";
            match providers.iter_mut().find(|p| p.provider == provider) {
                Some(p) => {
                    p.variants += n;
                    p.failed += if failed { n } else { 0 };
                }
                None => providers.push(ProviderMetrics {
                    provider,
                    variants: n,
                    failed: if failed { n } else { 0 },
                    success_rate: 0.0,
                }),
            }
        }
        for p in &mut providers {
            p.success_rate = rate(p.variants - p.failed, p.variants);
        }
        let one = |rows: Vec<serde_json::Value>| rows.into_iter().next().unwrap_or_default();
        let diversity = one(self.raw(sql::METRICS_DIVERSITY, &at).await?);
        let coverage = one(self.raw(sql::METRICS_COVERAGE, &at).await?);
        let satisfaction = one(self.raw(sql::METRICS_SATISFACTION, &at).await?);
        let (feedback, standouts) = (
            count(&satisfaction["feedback"]),
            count(&satisfaction["standouts"]),
        );
        Ok(Metrics {
            since: since.as_str().to_string(),
            jobs,
            providers,
            diversity: MeanOf {
                jobs: count(&diversity["jobs"]),
                mean: number(&diversity["mean"]),
            },
            coverage: MeanOf {
                jobs: count(&coverage["jobs"]),
                mean: number(&coverage["mean"]),
            },
            feedback,
            standouts,
            standout_rate: rate(standouts, feedback),
        })
    }

    /// Jobs created before `before`, oldest first, at most 100 (every user's): what the
    /// retention period deletes.
    pub async fn expired_jobs(&self, before: &Timestamp) -> Result<Vec<JobKey>, PortError> {
        self.job_keys(sql::EXPIRED_JOBS, before).await
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
