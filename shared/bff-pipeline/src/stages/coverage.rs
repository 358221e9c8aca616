//! Stage 9, coverage: what the selected designs cover, the gaps, and the user's boosts.
//!
//! Targets: every value the brief asked for (`requested`, share 1.0: every design should show
//! it) and every other value planned in the job's variants (share 1/designs: at least one design
//! should show it), both restricted to renderable categories: the observations are what the
//! pictures show (each selected image's drawn values), and a fabric or an occasion can never be
//! seen in a sketch, so targeting it would report a permanent gap and boost it for nothing.
//! `bff_math::coverage::analyse_coverage` scores each value and ranks the gaps, each with a boost
//! of 0.15 to 0.25.
//!
//! Boosts are per user: each gap sets that user's boost on the value (replacing the previous one),
//! and a targeted value this job covered fully has its boost removed, so that boosts track the
//! latest gaps rather than pile up. The user's next plans read them (`prompt::submit`); no other
//! user's plans ever do.
//!
//! Runs only while the job is `measuring`; stores the report and gaps (replacing any earlier
//! attempt's), updates the boosts, then moves the job to `complete`, or to `partial` when some
//! variants failed. Later deliveries do nothing.

use std::collections::BTreeSet;

use bff_domain::{AttributeValue, Taxonomy};
use bff_math::coverage::{
    analyse_coverage, CoverageConfig, CoverageReport, CoverageTarget, ObservedImage,
};

use super::{load_job, StageError, StageOutcome};
use crate::ids::JobKey;
use crate::messages::{MeasureCoverage, QueueMessage};
use crate::ports::{
    AttributeGapRow, CoverageReportRow, ImageRow, JobRow, JobStatus, JobStore, PickRow,
    UserBoostRow, VariantRow,
};
use crate::quality::renderable;
use crate::time::Timestamp;

/// Measures coverage, stores it, boosts the user's gaps and finishes the job; see the module docs.
pub async fn handle(
    store: &impl JobStore,
    message: &MeasureCoverage,
    now: &Timestamp,
) -> Result<StageOutcome, StageError> {
    let key = message.key();
    let job = load_job(store, &key).await?;
    // No successor message to re-send: the job's next status is terminal.
    if job.status != JobStatus::Measuring {
        return Ok(StageOutcome::Skipped {
            reason: format!("the job is {}, not measuring", job.status),
        });
    }

    let variants = store.variants(&key).await?;
    let picks = store.picks(&key).await?;
    let images = store.images(&key).await?;
    let measured = measure(&key, &job, &variants, &picks, &images, now)?;
    store
        .save_coverage(&measured.report, &measured.gaps)
        .await?;
    store
        .upsert_user_boosts(&key.user_id, &measured.boosts, &measured.cleared)
        .await?;
    let progress = store.job_progress(&key).await?;
    let status = if progress.failed > 0 {
        JobStatus::Partial
    } else {
        JobStatus::Complete
    };
    store
        .advance_job(&key, JobStatus::Measuring, status, now)
        .await?;
    Ok(StageOutcome::JobFinished { status })
}

/// The rows of one coverage measurement.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    pub report: CoverageReportRow,
    pub gaps: Vec<AttributeGapRow>,
    /// The user's boosts to set.
    pub boosts: Vec<UserBoostRow>,
    /// Values whose boost this job's coverage makes unnecessary.
    pub cleared: Vec<AttributeValue>,
}

/// The coverage targets of a job; see the module docs.
pub fn targets(job: &JobRow, variants: &[VariantRow], taxonomy: &Taxonomy) -> Vec<CoverageTarget> {
    let mut seen: BTreeSet<&AttributeValue> = BTreeSet::new();
    let mut targets = Vec::new();
    for a in job.requested.iter().filter(|a| renderable(taxonomy, a)) {
        if seen.insert(a) {
            targets.push(CoverageTarget::new(&a.category, &a.value, 1.0, true));
        }
    }
    let share = 1.0 / f64::from(job.designs.max(1));
    let mut planned: Vec<AttributeValue> = variants
        .iter()
        .flat_map(VariantRow::attribute_values)
        .filter(|a| renderable(taxonomy, a))
        .collect();
    planned.sort();
    planned.dedup();
    for a in &planned {
        if seen.insert(a) {
            targets.push(CoverageTarget::new(&a.category, &a.value, share, false));
        }
    }
    targets
}

/// Analyses the coverage of the picked images. Pure.
pub fn measure(
    key: &JobKey,
    job: &JobRow,
    variants: &[VariantRow],
    picks: &[PickRow],
    images: &[ImageRow],
    now: &Timestamp,
) -> Result<Measured, StageError> {
    let taxonomy = Taxonomy::embedded();
    let targets = targets(job, variants, taxonomy);
    let observed: Vec<ObservedImage> = picks
        .iter()
        .filter_map(|p| images.iter().find(|i| i.image_id == p.image_id))
        .map(|i| ObservedImage::new(i.drawn.clone()))
        .collect();
    let report: CoverageReport = analyse_coverage(
        &targets,
        &observed,
        &CoverageConfig::new(job.designs as usize),
    )
    .map_err(|e| StageError::invalid(key, format!("coverage: {e}")))?;

    let gaps: Vec<AttributeGapRow> = report
        .gaps
        .iter()
        .enumerate()
        .map(|(i, g)| AttributeGapRow {
            job_id: key.job_id.clone(),
            user_id: key.user_id.clone(),
            rank: i as u32 + 1,
            category: g.category.clone(),
            value: g.value.clone(),
            requested: g.requested,
            coverage: g.coverage,
            count: g.count as u32,
            target_count: g.target_count as u32,
            missing: g.missing as u32,
            severity: g.severity,
            severity_score: g.severity_score,
            boost: g.boost,
        })
        .collect();
    let boosts = gaps
        .iter()
        .map(|g| UserBoostRow {
            user_id: key.user_id.clone(),
            category: g.category.clone(),
            value: g.value.clone(),
            boost: g.boost,
            source_job_id: key.job_id.clone(),
            updated_at: now.clone(),
        })
        .collect();
    let cleared = report
        .per_value
        .iter()
        .filter(|v| v.coverage >= 1.0)
        .map(|v| AttributeValue::new(&v.category, &v.value))
        .collect();
    Ok(Measured {
        report: CoverageReportRow {
            job_id: key.job_id.clone(),
            user_id: key.user_id.clone(),
            overall_score: report.overall_score,
            overall_evenness: report.overall_evenness,
            set_size: report.set_size as u32,
            image_count: report.image_count as u32,
            report,
            created_at: now.clone(),
        },
        gaps,
        boosts,
        cleared,
    })
}
