//! The periodic tasks: the sweep of stalled jobs and unlearned feedback (every ten minutes) and the
//! daily analytics rollup. The platform's scheduler calls them with the time.

use bff_pipeline::messages::LearnFromFeedback;
use bff_pipeline::ports::{Dispatcher, FeedbackStore, PortError};
use bff_pipeline::stages::analytics::{self, RollupReport};
use bff_pipeline::stages::resume;
use bff_pipeline::{JobKey, Timestamp};
use bff_store::{Connection, SqlStore};
use serde::Serialize;

use crate::platform::Log;

/// How long a job or a piece of feedback may sit still before the sweep sends its message again.
pub const STALL_MS: i64 = 10 * 60 * 1000;
/// Most unlearned pieces of feedback one sweep re-sends.
pub const UNLEARNED_LIMIT: u32 = 500;

/// What a sweep found and did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    /// Unfinished jobs that had not moved for [`STALL_MS`].
    pub stalled_jobs: usize,
    /// Of them, jobs whose messages were sent again.
    pub resumed: usize,
    /// Messages sent for them.
    pub messages: usize,
    /// Feedback whose learning had not been applied after [`STALL_MS`].
    pub unlearned: usize,
    /// Learning messages sent for it.
    pub learning_sent: usize,
    /// Rate-limit windows deleted (started more than two days ago).
    pub old_counters: u64,
}

/// Jobs that have not moved for ten minutes get the message they wait for again
/// (`stages::resume`), in case one was lost between a write and its send; feedback whose learning
/// message was lost or given up on gets it again. Each failure is logged and the sweep goes on;
/// `Err` only when the store cannot list what stalled.
pub async fn sweep<C, D>(
    store: &SqlStore<C>,
    dispatch: &D,
    now: &Timestamp,
    log: &dyn Log,
) -> Result<SweepReport, PortError>
where
    C: Connection,
    D: Dispatcher,
{
    let before = Timestamp::from_unix_ms(now.unix_ms() - STALL_MS);
    let mut report = SweepReport::default();
    let stale = store.stale_jobs(&before).await?;
    report.stalled_jobs = stale.len();
    for key in &stale {
        match resume(store, dispatch, key, now).await {
            Ok(sent) => {
                report.resumed += 1;
                report.messages += sent;
                log.info(&format!("sweep: job {} resumed, {sent} sent", key.job_id));
            }
            Err(e) => log.error(&format!("sweep: job {}: {e}", key.job_id)),
        }
    }
    let unlearned = store.unlearned_feedback(&before, UNLEARNED_LIMIT).await?;
    report.unlearned = unlearned.len();
    for f in &unlearned {
        let key = JobKey::new(&f.user_id, &f.job_id);
        let message = LearnFromFeedback::new(&key, &f.feedback_id, f.revision).into();
        match dispatch.send(&message).await {
            Ok(()) => report.learning_sent += 1,
            Err(e) => log.error(&format!("sweep: feedback {}: {e}", f.feedback_id)),
        }
    }
    // Rate-limit windows older than two days count nothing any more.
    let old = Timestamp::from_unix_ms(now.unix_ms() - 2 * 86_400_000);
    match store.delete_old_counters(&old).await {
        Ok(n) => report.old_counters = n,
        Err(e) => log.error(&format!("sweep: old rate-limit windows: {e}")),
    }
    Ok(report)
}

/// Yesterday and today at `now` (UTC): the days the daily rollup covers, so that a run after
/// midnight completes the day before.
pub fn rollup_days(now: &Timestamp) -> Vec<String> {
    analytics::cron_days(now)
}

/// Rolls up `days` for every user active on each of them (idempotent: a day is replaced whole)
/// and logs the report (`rollup: <json>`).
pub async fn rollup<C: Connection>(
    store: &SqlStore<C>,
    days: &[String],
    now: &Timestamp,
    log: &dyn Log,
) -> Result<RollupReport, PortError> {
    let report = analytics::roll_up(store, days, now).await?;
    log.info(&format!(
        "rollup: {}",
        serde_json::to_string(&report).unwrap_or_default()
    ));
    Ok(report)
}

/// What one retention run deleted.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct RetentionReport {
    /// Jobs older than the retention period, deleted with their images, embeddings and
    /// feedback.
    pub jobs: usize,
    /// Rows deleted, all tables together.
    pub rows: u64,
    /// Images deleted from the blob store.
    pub images: u64,
}

/// Deletes the jobs created more than `days` days before `now` (at most 100 a run, oldest
/// first), each as `DELETE /api/generation/:id` does: its images first, then its rows. The
/// daily rollups stay: they hold counts by user, day and attribute value, nothing that names a
/// design. A job that fails is logged and tried again by the next run.
pub async fn retain<C, B>(
    store: &SqlStore<C>,
    blobs: &B,
    now: &Timestamp,
    days: u32,
    log: &dyn Log,
) -> Result<RetentionReport, PortError>
where
    C: Connection,
    B: bff_pipeline::ports::BlobStore,
{
    let before = Timestamp::from_unix_ms(now.unix_ms() - i64::from(days) * 86_400_000);
    let mut report = RetentionReport::default();
    for key in store.expired_jobs(&before).await? {
        let prefix = bff_pipeline::ids::job_blob_prefix(&key.user_id, &key.job_id);
        let deleted = match blobs.delete_prefix(&prefix).await {
            Ok(images) => store.delete_job(&key).await.map(|rows| (images, rows)),
            Err(e) => Err(e),
        };
        match deleted {
            Ok((images, rows)) => {
                report.jobs += 1;
                report.images += images;
                report.rows += rows.iter().map(|(_, n)| n).sum::<u64>();
            }
            Err(e) => log.error(&format!("retention: job {}: {e}", key.job_id)),
        }
    }
    Ok(report)
}

/// The setting `retention_days`: empty (or `off`) keeps jobs until their user deletes them;
/// otherwise a whole number of days from 1 to 36,500.
pub fn retention_days(setting: &str) -> Result<Option<u32>, String> {
    match setting.trim() {
        "" | "off" => Ok(None),
        days => days
            .parse::<u32>()
            .ok()
            .filter(|d| (1..=36_500).contains(d))
            .map(Some)
            .ok_or_else(|| {
                format!("retention_days {days:?} is not a number of days from 1 to 36500 or off")
            }),
    }
}
