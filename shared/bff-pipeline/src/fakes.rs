//! In-memory implementations of every port, for tests (this crate's and the Worker shells').
//!
//! Each fake behaves as its contract in [`crate::ports`] says the real adapter must: insert-or-
//! ignore by id, guarded status moves, the fan-in as one check-and-set, user scoping on every read.
//! Tables are `BTreeMap`s, so iteration order and [`MemoryStore::snapshot`] are deterministic and
//! two snapshots compare with `==`. Every fake can be switched to "unavailable" to exercise the
//! retry path. Single-threaded, like the runtimes: state sits in `RefCell`s and no borrow is held
//! across an `.await`.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, VecDeque};

use bff_domain::AttributeValue;

use crate::budget::{self, DailyLimit};
use crate::ids::JobKey;
use crate::messages::Message;
use bff_learn::feedback::{FeedbackSignal, RatedImage};
use bff_learn::success::{AttributeSuccess, ProfileSuccess};

use crate::ports::{
    AttributeGapRow, BlobStore, ClusterAssignmentRow, ClusterResultRow, CoverageReportRow,
    Dispatcher, EmbeddingRow, FeedbackRow, FeedbackStore, ImageProvider, ImageRequest, ImageRow,
    JobCreation, JobProgress, JobRow, JobStatus, JobStore, Learned, LearningUpdateRow, OutlierRow,
    PickRow, PortError, PreferenceRow, Provider, ProviderError, ProviderImage, Reroute,
    SelectionRow, StyleProfileRow, UnlearnedFeedback, UserBoostRow, VariantRow, VariantStatus,
};
use crate::time::Timestamp;

type UserValue = (String, String, String);

/// Every table of the store, keyed by its primary key.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tables {
    pub jobs: BTreeMap<String, JobRow>,
    pub variants: BTreeMap<(String, u32), VariantRow>,
    pub images: BTreeMap<String, ImageRow>,
    pub embeddings: BTreeMap<String, EmbeddingRow>,
    pub cluster_results: BTreeMap<String, ClusterResultRow>,
    pub style_profiles: BTreeMap<String, StyleProfileRow>,
    pub cluster_assignments: BTreeMap<String, ClusterAssignmentRow>,
    pub selections: BTreeMap<String, SelectionRow>,
    pub picks: BTreeMap<(String, u32), PickRow>,
    pub coverage_reports: BTreeMap<String, CoverageReportRow>,
    pub attribute_gaps: BTreeMap<(String, u32), AttributeGapRow>,
    /// Keyed by (user, category, value).
    pub user_boosts: BTreeMap<UserValue, UserBoostRow>,
    pub user_preferences: BTreeMap<UserValue, PreferenceRow>,
    /// Keyed by feedback id.
    pub feedback: BTreeMap<String, FeedbackRow>,
    pub outliers: BTreeMap<String, OutlierRow>,
    /// Keyed by (feedback id, revision, category, value).
    pub learning_updates: BTreeMap<(String, u32, String, String), LearningUpdateRow>,
    pub attribute_success: BTreeMap<UserValue, AttributeSuccess>,
    /// Keyed by (user, profile id).
    pub profile_success: BTreeMap<(String, String), ProfileSuccess>,
    pub analytics_versions: BTreeMap<String, u64>,
}

impl Tables {
    fn variants_of<'a>(&'a self, key: &'a JobKey) -> impl Iterator<Item = &'a VariantRow> + 'a {
        self.variants
            .values()
            .filter(move |v| v.job_id == key.job_id && v.user_id == key.user_id)
    }

    fn variant_mut(&mut self, key: &JobKey, variant: u32) -> Option<&mut VariantRow> {
        self.variants
            .get_mut(&(key.job_id.clone(), variant))
            .filter(|v| v.user_id == key.user_id)
    }

    fn job_mut(&mut self, key: &JobKey) -> Option<&mut JobRow> {
        self.jobs
            .get_mut(&key.job_id)
            .filter(|j| j.user_id == key.user_id)
    }
}

/// [`JobStore`] in memory.
#[derive(Debug, Default)]
pub struct MemoryStore {
    tables: RefCell<Tables>,
    unavailable: Cell<bool>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// A copy of every table, for comparing states.
    pub fn snapshot(&self) -> Tables {
        self.tables.borrow().clone()
    }

    /// While set, every method fails with a [`PortError`].
    pub fn set_unavailable(&self, unavailable: bool) {
        self.unavailable.set(unavailable);
    }

    /// Stores a learned preference weight (what the learning stage would write).
    pub fn set_preference(&self, row: PreferenceRow) {
        let key = (row.user_id.clone(), row.category.clone(), row.value.clone());
        self.tables.borrow_mut().user_preferences.insert(key, row);
    }

    fn read<T>(&self, f: impl FnOnce(&Tables) -> T) -> Result<T, PortError> {
        self.check()?;
        Ok(f(&self.tables.borrow()))
    }

    fn write<T>(&self, f: impl FnOnce(&mut Tables) -> T) -> Result<T, PortError> {
        self.check()?;
        Ok(f(&mut self.tables.borrow_mut()))
    }

    fn check(&self) -> Result<(), PortError> {
        if self.unavailable.get() {
            Err(PortError::new("job store", "unavailable (fake)"))
        } else {
            Ok(())
        }
    }
}

fn sorted_by_variant<T: Clone>(
    rows: impl Iterator<Item = T>,
    variant: impl Fn(&T) -> u32,
) -> Vec<T> {
    let mut rows: Vec<T> = rows.collect();
    rows.sort_by_key(|r| variant(r));
    rows
}

/// The feedback port as the D1 adapter implements it (one row per user and image, revisions,
/// standouts replaced, learning never lowering the learned revision).
impl FeedbackStore for MemoryStore {
    async fn owned_image(
        &self,
        user_id: &str,
        image_id: &str,
    ) -> Result<Option<ImageRow>, PortError> {
        self.read(|t| {
            t.images
                .get(image_id)
                .filter(|i| i.user_id == user_id)
                .cloned()
        })
    }

    async fn rating_history(
        &self,
        user_id: &str,
        except_image_id: &str,
        limit: u32,
    ) -> Result<Vec<u8>, PortError> {
        self.read(|t| {
            let mut rows: Vec<&FeedbackRow> = t
                .feedback
                .values()
                .filter(|f| f.user_id == user_id && f.image_id != except_image_id)
                .filter(|f| f.rating.is_some())
                .collect();
            rows.sort_by(|a, b| b.updated_at.as_str().cmp(a.updated_at.as_str()));
            rows.iter()
                .take(limit as usize)
                .filter_map(|f| f.rating)
                .collect()
        })
    }

    async fn save_feedback(
        &self,
        feedback: &FeedbackRow,
        standout: Option<&OutlierRow>,
    ) -> Result<FeedbackRow, PortError> {
        self.write(|t| {
            let stored = match t.feedback.get(&feedback.feedback_id) {
                Some(old) if old.user_id == feedback.user_id => FeedbackRow {
                    revision: old.revision + 1,
                    learned_revision: old.learned_revision,
                    created_at: old.created_at.clone(),
                    ..feedback.clone()
                },
                Some(_) => return Err(PortError::new("job store", "feedback of another user")),
                None => FeedbackRow {
                    revision: 1,
                    learned_revision: 0,
                    ..feedback.clone()
                },
            };
            t.feedback
                .insert(stored.feedback_id.clone(), stored.clone());
            t.outliers.remove(&stored.feedback_id);
            if let Some(o) = standout {
                t.outliers.insert(o.feedback_id.clone(), o.clone());
            }
            *t.analytics_versions
                .entry(stored.user_id.clone())
                .or_default() += 1;
            Ok(stored)
        })?
    }

    async fn feedback(
        &self,
        user_id: &str,
        feedback_id: &str,
    ) -> Result<Option<(FeedbackRow, Option<OutlierRow>)>, PortError> {
        self.read(|t| {
            t.feedback
                .get(feedback_id)
                .filter(|f| f.user_id == user_id)
                .map(|f| (f.clone(), t.outliers.get(feedback_id).cloned()))
        })
    }

    async fn list_feedback(
        &self,
        user_id: &str,
        job_id: Option<&str>,
        limit: u32,
    ) -> Result<Vec<(FeedbackRow, Option<OutlierRow>)>, PortError> {
        self.read(|t| {
            let mut rows: Vec<(FeedbackRow, Option<OutlierRow>)> = t
                .feedback
                .values()
                .filter(|f| f.user_id == user_id && job_id.is_none_or(|j| f.job_id == j))
                .map(|f| (f.clone(), t.outliers.get(&f.feedback_id).cloned()))
                .collect();
            rows.sort_by(|(a, _), (b, _)| {
                b.updated_at
                    .as_str()
                    .cmp(a.updated_at.as_str())
                    .then_with(|| a.feedback_id.cmp(&b.feedback_id))
            });
            rows.truncate(limit as usize);
            rows
        })
    }

    async fn rated_images(
        &self,
        user_id: &str,
        since: &Timestamp,
    ) -> Result<Vec<RatedImage>, PortError> {
        self.read(|t| {
            let mut rows: Vec<&FeedbackRow> = t
                .feedback
                .values()
                .filter(|f| f.user_id == user_id && f.updated_at.unix_ms() >= since.unix_ms())
                .collect();
            rows.sort_by(|a, b| {
                a.updated_at
                    .as_str()
                    .cmp(b.updated_at.as_str())
                    .then_with(|| a.feedback_id.cmp(&b.feedback_id))
            });
            rows.into_iter()
                .filter_map(|f| {
                    let image = t.images.get(&f.image_id).filter(|i| i.user_id == user_id)?;
                    let profile_id = t
                        .cluster_assignments
                        .get(&f.image_id)
                        .map(|a| crate::ids::style_profile_id(&a.job_id, a.cluster));
                    Some(RatedImage {
                        feedback_id: f.feedback_id.clone(),
                        job_id: f.job_id.clone(),
                        image_id: f.image_id.clone(),
                        profile_id,
                        attributes: image.requested.clone(),
                        quality: image.quality,
                        signal: FeedbackSignal {
                            rating: f.rating,
                            liked: f.liked,
                        },
                        standout: t.outliers.contains_key(&f.feedback_id),
                        at_ms: f.updated_at.unix_ms(),
                    })
                })
                .collect()
        })
    }

    async fn profile_generations(&self, user_id: &str, profile_id: &str) -> Result<u32, PortError> {
        self.read(|t| {
            t.style_profiles
                .get(profile_id)
                .filter(|p| p.user_id == user_id)
                .map_or(0, |p| p.size)
        })
    }

    async fn save_learning(&self, l: &Learned) -> Result<(), PortError> {
        self.write(|t| {
            for p in &l.preferences {
                let key = (l.user_id.clone(), p.category.clone(), p.value.clone());
                t.user_preferences.insert(key, p.clone());
            }
            for u in &l.updates {
                let key = (
                    u.feedback_id.clone(),
                    u.revision,
                    u.category.clone(),
                    u.value.clone(),
                );
                t.learning_updates.entry(key).or_insert_with(|| u.clone());
            }
            for s in &l.attribute_success {
                let key = (
                    l.user_id.clone(),
                    s.attribute.category.clone(),
                    s.attribute.value.clone(),
                );
                t.attribute_success.insert(key, s.clone());
            }
            if let Some(p) = &l.profile_success {
                t.profile_success
                    .insert((l.user_id.clone(), p.profile_id.clone()), p.clone());
            }
            if let Some(f) = t
                .feedback
                .get_mut(&l.feedback_id)
                .filter(|f| f.user_id == l.user_id)
            {
                f.learned_revision = f.learned_revision.max(l.revision);
            }
            *t.analytics_versions.entry(l.user_id.clone()).or_default() += 1;
        })
    }

    async fn unlearned_feedback(
        &self,
        before: &Timestamp,
        limit: u32,
    ) -> Result<Vec<UnlearnedFeedback>, PortError> {
        self.read(|t| {
            t.feedback
                .values()
                .filter(|f| {
                    f.learned_revision < f.revision && f.updated_at.unix_ms() < before.unix_ms()
                })
                .take(limit as usize)
                .map(|f| UnlearnedFeedback {
                    user_id: f.user_id.clone(),
                    job_id: f.job_id.clone(),
                    feedback_id: f.feedback_id.clone(),
                    revision: f.revision,
                })
                .collect()
        })
    }
}

impl JobStore for MemoryStore {
    async fn user_boosts(&self, user_id: &str) -> Result<Vec<UserBoostRow>, PortError> {
        self.read(|t| {
            t.user_boosts
                .values()
                .filter(|b| b.user_id == user_id)
                .cloned()
                .collect()
        })
    }

    async fn user_preferences(&self, user_id: &str) -> Result<Vec<PreferenceRow>, PortError> {
        self.read(|t| {
            t.user_preferences
                .values()
                .filter(|p| p.user_id == user_id)
                .cloned()
                .collect()
        })
    }

    async fn upsert_user_boosts(
        &self,
        user_id: &str,
        set: &[UserBoostRow],
        cleared: &[AttributeValue],
    ) -> Result<(), PortError> {
        if set.iter().any(|b| b.user_id != user_id) {
            return Err(PortError::new("job store", "a boost row of another user"));
        }
        self.write(|t| {
            for a in cleared {
                t.user_boosts
                    .remove(&(user_id.to_string(), a.category.clone(), a.value.clone()));
            }
            for b in set {
                let key = (user_id.to_string(), b.category.clone(), b.value.clone());
                t.user_boosts.insert(key, b.clone());
            }
        })
    }

    async fn create_job(
        &self,
        job: &JobRow,
        variants: &[VariantRow],
        limit: Option<&DailyLimit>,
    ) -> Result<JobCreation, PortError> {
        // One `write`: the check and the insert are one step, as the SQL stores make them.
        self.write(|t| {
            if t.jobs.contains_key(&job.job_id) {
                return JobCreation::AlreadyExisted;
            }
            if let Some(limit) = limit {
                let since = limit.day_start.unix_ms();
                let spent_today: f64 = t
                    .jobs
                    .values()
                    .filter(|j| j.user_id == job.user_id && j.created_at.unix_ms() >= since)
                    .map(|j| j.cost_estimate)
                    .sum();
                if !budget::fits(limit.daily_usd, spent_today, job.cost_estimate) {
                    return JobCreation::OverBudget { spent_today };
                }
            }
            t.jobs.insert(job.job_id.clone(), job.clone());
            for v in variants {
                t.variants
                    .entry((v.job_id.clone(), v.variant))
                    .or_insert_with(|| v.clone());
            }
            JobCreation::Created
        })
    }

    async fn job(&self, key: &JobKey) -> Result<Option<JobRow>, PortError> {
        self.read(|t| {
            t.jobs
                .get(&key.job_id)
                .filter(|j| j.user_id == key.user_id)
                .cloned()
        })
    }

    async fn advance_job(
        &self,
        key: &JobKey,
        from: JobStatus,
        to: JobStatus,
        now: &Timestamp,
    ) -> Result<bool, PortError> {
        self.write(|t| match t.job_mut(key) {
            Some(job) if job.status == from => {
                job.status = to;
                job.updated_at = now.clone();
                true
            }
            _ => false,
        })
    }

    async fn fail_job(
        &self,
        key: &JobKey,
        reason: &str,
        now: &Timestamp,
    ) -> Result<bool, PortError> {
        self.write(|t| match t.job_mut(key) {
            Some(job) if !job.status.is_terminal() => {
                job.status = JobStatus::Failed;
                job.error = Some(reason.to_string());
                job.updated_at = now.clone();
                true
            }
            _ => false,
        })
    }

    async fn job_progress(&self, key: &JobKey) -> Result<JobProgress, PortError> {
        self.read(|t| JobProgress::from_statuses(t.variants_of(key).map(|v| v.status)))
    }

    async fn variant(&self, key: &JobKey, variant: u32) -> Result<Option<VariantRow>, PortError> {
        self.read(|t| {
            t.variants
                .get(&(key.job_id.clone(), variant))
                .filter(|v| v.user_id == key.user_id)
                .cloned()
        })
    }

    async fn variants(&self, key: &JobKey) -> Result<Vec<VariantRow>, PortError> {
        self.read(|t| sorted_by_variant(t.variants_of(key).cloned(), |v| v.variant))
    }

    async fn mark_variant_failed(
        &self,
        key: &JobKey,
        variant: u32,
        reason: &str,
        now: &Timestamp,
    ) -> Result<bool, PortError> {
        self.write(|t| match t.variant_mut(key, variant) {
            Some(v) if !v.status.is_terminal() => {
                v.status = VariantStatus::Failed;
                v.error = Some(reason.to_string());
                v.updated_at = now.clone();
                true
            }
            _ => false,
        })
    }

    async fn retag_image(
        &self,
        key: &JobKey,
        image_id: &str,
        tags: &[crate::zero_shot::Tag],
        quality: f64,
        _now: &Timestamp,
    ) -> Result<bool, PortError> {
        self.write(|t| match t.images.get_mut(image_id) {
            Some(image) if image.job_id == key.job_id && image.user_id == key.user_id => {
                image.drawn = tags.iter().map(|t| t.attribute()).collect();
                image.tags = tags.to_vec();
                image.quality = quality;
                true
            }
            _ => false,
        })
    }

    async fn reroute_variant(
        &self,
        key: &JobKey,
        variant: u32,
        reroute: &Reroute,
        prompt: &bff_domain::prompt::ModelPrompt,
        now: &Timestamp,
    ) -> Result<bool, PortError> {
        self.write(|t| match t.variant_mut(key, variant) {
            Some(v) if v.status == VariantStatus::Planned && v.provider == reroute.from => {
                v.provider = reroute.to;
                v.model = prompt.family;
                v.prompt = prompt.clone();
                v.reroutes.push(reroute.clone());
                v.updated_at = now.clone();
                true
            }
            _ => false,
        })
    }

    async fn insert_image(&self, image: &ImageRow, now: &Timestamp) -> Result<bool, PortError> {
        self.write(|t| {
            if t.images.contains_key(&image.image_id) {
                return false;
            }
            t.images.insert(image.image_id.clone(), image.clone());
            let key = JobKey::new(&image.user_id, &image.job_id);
            if let Some(v) = t.variant_mut(&key, image.variant) {
                if v.status == VariantStatus::Planned {
                    v.status = VariantStatus::Generated;
                    v.updated_at = now.clone();
                }
            }
            true
        })
    }

    async fn image(&self, key: &JobKey, image_id: &str) -> Result<Option<ImageRow>, PortError> {
        self.read(|t| {
            t.images
                .get(image_id)
                .filter(|i| i.job_id == key.job_id && i.user_id == key.user_id)
                .cloned()
        })
    }

    async fn images(&self, key: &JobKey) -> Result<Vec<ImageRow>, PortError> {
        self.read(|t| {
            sorted_by_variant(
                t.images
                    .values()
                    .filter(|i| i.job_id == key.job_id && i.user_id == key.user_id)
                    .cloned(),
                |i| i.variant,
            )
        })
    }

    async fn insert_embedding(
        &self,
        embedding: &EmbeddingRow,
        now: &Timestamp,
    ) -> Result<bool, PortError> {
        self.write(|t| {
            if t.embeddings.contains_key(&embedding.image_id) {
                return false;
            }
            t.embeddings
                .insert(embedding.image_id.clone(), embedding.clone());
            let key = JobKey::new(&embedding.user_id, &embedding.job_id);
            if let Some(v) = t.variant_mut(&key, embedding.variant) {
                if v.status == VariantStatus::Generated {
                    v.status = VariantStatus::Embedded;
                    v.updated_at = now.clone();
                }
            }
            true
        })
    }

    async fn embeddings(&self, key: &JobKey) -> Result<Vec<EmbeddingRow>, PortError> {
        self.read(|t| {
            sorted_by_variant(
                t.embeddings
                    .values()
                    .filter(|e| e.job_id == key.job_id && e.user_id == key.user_id)
                    .filter(|e| {
                        t.variants
                            .get(&(e.job_id.clone(), e.variant))
                            .is_some_and(|v| v.status == VariantStatus::Embedded)
                    })
                    .cloned(),
                |e| e.variant,
            )
        })
    }

    async fn complete_embedding_fan_in(
        &self,
        key: &JobKey,
        now: &Timestamp,
    ) -> Result<bool, PortError> {
        // One borrow for the check and the set: the in-memory equivalent of one UPDATE.
        self.write(|t| {
            let pending = t.variants_of(key).any(|v| !v.status.is_terminal());
            match t.job_mut(key) {
                Some(job) if job.status == JobStatus::Generating && !pending => {
                    job.status = JobStatus::Clustering;
                    job.updated_at = now.clone();
                    true
                }
                _ => false,
            }
        })
    }

    async fn save_clusters(
        &self,
        result: &ClusterResultRow,
        profiles: &[StyleProfileRow],
        assignments: &[ClusterAssignmentRow],
    ) -> Result<(), PortError> {
        self.write(|t| {
            let job = &result.job_id;
            t.cluster_results.insert(job.clone(), result.clone());
            t.style_profiles.retain(|_, p| p.job_id != *job);
            t.cluster_assignments.retain(|_, a| a.job_id != *job);
            for p in profiles {
                t.style_profiles.insert(p.profile_id.clone(), p.clone());
            }
            for a in assignments {
                t.cluster_assignments.insert(a.image_id.clone(), a.clone());
            }
        })
    }

    async fn cluster_result(&self, key: &JobKey) -> Result<Option<ClusterResultRow>, PortError> {
        self.read(|t| {
            t.cluster_results
                .get(&key.job_id)
                .filter(|r| r.user_id == key.user_id)
                .cloned()
        })
    }

    async fn style_profiles(&self, key: &JobKey) -> Result<Vec<StyleProfileRow>, PortError> {
        self.read(|t| {
            sorted_by_variant(
                t.style_profiles
                    .values()
                    .filter(|p| p.job_id == key.job_id && p.user_id == key.user_id)
                    .cloned(),
                |p| p.cluster,
            )
        })
    }

    async fn cluster_assignments(
        &self,
        key: &JobKey,
    ) -> Result<Vec<ClusterAssignmentRow>, PortError> {
        self.read(|t| {
            t.cluster_assignments
                .values()
                .filter(|a| a.job_id == key.job_id && a.user_id == key.user_id)
                .cloned()
                .collect()
        })
    }

    async fn save_selection(
        &self,
        selection: &SelectionRow,
        picks: &[PickRow],
    ) -> Result<(), PortError> {
        self.write(|t| {
            let job = &selection.job_id;
            t.selections.insert(job.clone(), selection.clone());
            t.picks.retain(|(j, _), _| j != job);
            for p in picks {
                t.picks.insert((p.job_id.clone(), p.rank), p.clone());
            }
        })
    }

    async fn selection(&self, key: &JobKey) -> Result<Option<SelectionRow>, PortError> {
        self.read(|t| {
            t.selections
                .get(&key.job_id)
                .filter(|s| s.user_id == key.user_id)
                .cloned()
        })
    }

    async fn picks(&self, key: &JobKey) -> Result<Vec<PickRow>, PortError> {
        self.read(|t| {
            t.picks
                .values()
                .filter(|p| p.job_id == key.job_id && p.user_id == key.user_id)
                .cloned()
                .collect()
        })
    }

    async fn save_coverage(
        &self,
        report: &CoverageReportRow,
        gaps: &[AttributeGapRow],
    ) -> Result<(), PortError> {
        self.write(|t| {
            let job = &report.job_id;
            t.coverage_reports.insert(job.clone(), report.clone());
            t.attribute_gaps.retain(|(j, _), _| j != job);
            for g in gaps {
                t.attribute_gaps
                    .insert((g.job_id.clone(), g.rank), g.clone());
            }
        })
    }

    async fn coverage_report(&self, key: &JobKey) -> Result<Option<CoverageReportRow>, PortError> {
        self.read(|t| {
            t.coverage_reports
                .get(&key.job_id)
                .filter(|r| r.user_id == key.user_id)
                .cloned()
        })
    }

    async fn attribute_gaps(&self, key: &JobKey) -> Result<Vec<AttributeGapRow>, PortError> {
        self.read(|t| {
            t.attribute_gaps
                .values()
                .filter(|g| g.job_id == key.job_id && g.user_id == key.user_id)
                .cloned()
                .collect()
        })
    }
}

/// [`BlobStore`] in memory: key → (bytes, content type).
#[derive(Debug, Default)]
pub struct MemoryBlobs {
    objects: RefCell<BTreeMap<String, (Vec<u8>, String)>>,
    unavailable: Cell<bool>,
}

impl MemoryBlobs {
    pub fn new() -> Self {
        Self::default()
    }

    /// A copy of every object.
    pub fn snapshot(&self) -> BTreeMap<String, (Vec<u8>, String)> {
        self.objects.borrow().clone()
    }

    /// Replaces an object's bytes directly (to corrupt or remove one in a test).
    pub fn replace(&self, key: &str, bytes: Option<Vec<u8>>) {
        let mut objects = self.objects.borrow_mut();
        match bytes {
            Some(b) => {
                objects.insert(key.to_string(), (b, "application/octet-stream".into()));
            }
            None => {
                objects.remove(key);
            }
        }
    }

    pub fn set_unavailable(&self, unavailable: bool) {
        self.unavailable.set(unavailable);
    }

    fn check(&self) -> Result<(), PortError> {
        if self.unavailable.get() {
            Err(PortError::new("blob store", "unavailable (fake)"))
        } else {
            Ok(())
        }
    }
}

impl BlobStore for MemoryBlobs {
    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<(), PortError> {
        self.check()?;
        self.objects
            .borrow_mut()
            .insert(key.to_string(), (bytes, content_type.to_string()));
        Ok(())
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, PortError> {
        self.check()?;
        Ok(self.objects.borrow().get(key).map(|(b, _)| b.clone()))
    }

    async fn delete_prefix(&self, prefix: &str) -> Result<u64, PortError> {
        self.check()?;
        let mut objects = self.objects.borrow_mut();
        let before = objects.len();
        objects.retain(|key, _| !key.starts_with(prefix));
        Ok((before - objects.len()) as u64)
    }
}

/// [`Dispatcher`] in memory: one FIFO for all queues (each message knows its queue), and a log of
/// everything ever sent.
#[derive(Debug, Default)]
pub struct MemoryQueue {
    pending: RefCell<VecDeque<Message>>,
    sent: RefCell<Vec<Message>>,
    unavailable: Cell<bool>,
}

impl MemoryQueue {
    pub fn new() -> Self {
        Self::default()
    }

    /// The oldest pending message.
    pub fn pop(&self) -> Option<Message> {
        self.pending.borrow_mut().pop_front()
    }

    /// Removes and returns every pending message, oldest first.
    pub fn take_all(&self) -> Vec<Message> {
        self.pending.borrow_mut().drain(..).collect()
    }

    /// Puts a message back (a redelivery), at the end.
    pub fn push(&self, message: Message) {
        self.pending.borrow_mut().push_back(message);
    }

    pub fn len(&self) -> usize {
        self.pending.borrow().len()
    }

    pub fn is_empty(&self) -> bool {
        self.pending.borrow().is_empty()
    }

    /// Every message ever sent, in order.
    pub fn sent(&self) -> Vec<Message> {
        self.sent.borrow().clone()
    }

    pub fn set_unavailable(&self, unavailable: bool) {
        self.unavailable.set(unavailable);
    }
}

impl Dispatcher for MemoryQueue {
    async fn send(&self, message: &Message) -> Result<(), PortError> {
        if self.unavailable.get() {
            return Err(PortError::new("queue", "unavailable (fake)"));
        }
        self.pending.borrow_mut().push_back(message.clone());
        self.sent.borrow_mut().push(message.clone());
        Ok(())
    }
}

/// An [`ImageProvider`] that fails chosen images with chosen errors and passes the rest to
/// `inner`; counts calls per image.
#[derive(Debug, Default)]
pub struct ScriptedProvider<P> {
    inner: P,
    failures: BTreeMap<String, ProviderError>,
    calls: RefCell<BTreeMap<String, u32>>,
}

impl<P> ScriptedProvider<P> {
    pub fn new(inner: P) -> Self {
        Self {
            inner,
            failures: BTreeMap::new(),
            calls: RefCell::new(BTreeMap::new()),
        }
    }

    /// Every request for `image_id` fails with `error`.
    pub fn fail(mut self, image_id: impl Into<String>, error: ProviderError) -> Self {
        self.failures.insert(image_id.into(), error);
        self
    }

    /// Every request to `provider` fails with `error`.
    pub fn fail_provider(mut self, provider: Provider, error: ProviderError) -> Self {
        self.failures.insert(format!("provider:{provider}"), error);
        self
    }

    /// Calls per image id.
    pub fn calls(&self) -> BTreeMap<String, u32> {
        self.calls.borrow().clone()
    }
}

impl<P: ImageProvider> ImageProvider for ScriptedProvider<P> {
    async fn generate(&self, request: &ImageRequest<'_>) -> Result<ProviderImage, ProviderError> {
        *self
            .calls
            .borrow_mut()
            .entry(request.image_id.to_string())
            .or_default() += 1;
        let by_provider = format!("provider:{}", request.provider);
        if let Some(error) = self
            .failures
            .get(request.image_id)
            .or_else(|| self.failures.get(&by_provider))
        {
            return Err(error.clone());
        }
        self.inner.generate(request).await
    }
}
