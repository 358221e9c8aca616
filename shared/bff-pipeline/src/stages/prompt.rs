//! Stage 1-2, prompt: from a validated request to a stored plan and one `GenerateImage` per
//! variant. Run by the prompt Worker for the gateway's `POST /api/generation`, so its errors are [`ApiError`]s.
//!
//! The plan is drawn by `bff_domain::prompt::plan_designs` with the user's learned preference
//! weights and coverage-gap boosts, seeded from the job id: the same job id, request and user
//! state always give the same variants, prompts and seeds. Everything that shaped a variant is
//! stored with it (each value's source, prior, preference and boost), so that a designer can see
//! why a design looks as it does and which boosts a job applied.
//!
//! The job id is the idempotency key. A second `submit` with the same id and the same request
//! creates nothing (the first call's rows win) and re-sends only what is still pending (a first
//! call may have stored the job and stopped before sending); with a different request it is a
//! 409.
//!
//! The daily budget the request carries ([`ValidGeneration::daily_limit`], from the gateway) is
//! enforced by the store's insert of the job ([`JobStore::create_job`]), atomically: a job that
//! does not fit is the gateway's 402 ([`crate::budget::refusal`]), with nothing stored and no
//! message sent. A retried submission of a stored job is answered as above, never refused.

use bff_domain::prompt::{
    plan_designs, AttributeWeight, DesignRequest, Personalisation, Plan, PlanConfig,
};
use bff_domain::Taxonomy;
use bff_learn::preference::Posterior;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

use super::resume;
use crate::adherence::Route;
use crate::api::{job_url, ApiError, SubmitResponse, ValidGeneration};
use crate::budget;
use crate::ids::{image_id, job_seed, stage_seed, validate_id, JobKey};
use crate::messages::{GenerateImage, Message};
use crate::ports::{
    Dispatcher, JobCreation, JobRow, JobStatus, JobStore, PreferenceRow, UserBoostRow, VariantRow,
    VariantStatus,
};
use crate::time::Timestamp;

/// What a submission did.
#[derive(Debug, Clone, PartialEq)]
pub struct Submitted {
    pub job_id: String,
    /// False when the job already existed (a retried submission).
    pub created: bool,
    pub status: JobStatus,
    pub designs: u32,
    pub variants: u32,
    /// Messages sent by this call.
    pub sent: usize,
    pub warnings: Vec<String>,
    /// How the variants were spread over the providers (a new job only).
    pub routing: Option<Route>,
}

impl Submitted {
    /// The `202 Accepted` body.
    pub fn response(&self) -> SubmitResponse {
        SubmitResponse {
            job_id: self.job_id.clone(),
            status: self.status,
            designs: self.designs,
            variants: self.variants,
            status_url: job_url(&self.job_id),
            created: self.created,
            warnings: self.warnings.clone(),
            routing: self.routing.clone(),
        }
    }
}

/// Plans and stores the job, then sends one `GenerateImage` per variant; see the module docs.
pub async fn submit(
    store: &impl JobStore,
    dispatch: &impl Dispatcher,
    user_id: &str,
    request: &ValidGeneration,
    job_id: &str,
    now: &Timestamp,
) -> Result<Submitted, ApiError> {
    validate_id("user_id", user_id)
        .map_err(|e| ApiError::bad_request(e.to_string()).with_field("user_id"))?;
    validate_id("job_id", job_id)
        .map_err(|e| ApiError::bad_request(e.to_string()).with_field("job_id"))?;
    let key = JobKey::new(user_id, job_id);
    let taxonomy = Taxonomy::embedded();

    let personal = personalisation(
        &store.user_preferences(user_id).await?,
        &store.user_boosts(user_id).await?,
        request,
        taxonomy,
        now,
        stage_seed(job_id, "preferences"),
    );
    let plan = plan(request, &personal, job_id, taxonomy)?;
    let (job, variants) = rows(&key, request, &personal, &plan, now)?;

    let limit = request.daily_limit();
    match store.create_job(&job, &variants, limit).await? {
        JobCreation::Created => {}
        JobCreation::OverBudget { spent_today } => {
            // Nothing was written: the same 402 as the gateway's check, with the day's figures.
            let daily_usd = limit.map_or(0.0, |l| l.daily_usd);
            return Err(budget::refusal(daily_usd, spent_today, job.cost_estimate));
        }
        JobCreation::AlreadyExisted => return resubmitted(store, dispatch, &key, &job, now).await,
    }
    let messages: Vec<Message> = variants
        .iter()
        .map(|v| GenerateImage::new(&key, v.variant, v.provider).into())
        .collect();
    dispatch.send_all(&messages).await?;
    Ok(Submitted {
        job_id: job_id.to_string(),
        created: true,
        status: job.status,
        designs: job.designs,
        variants: variants.len() as u32,
        sent: messages.len(),
        warnings: job.warnings,
        routing: Some(request.route().clone()),
    })
}

/// The id exists: a retried submission (answered as the first was, re-sending what is still
/// pending), or an id already taken (409).
async fn resubmitted(
    store: &impl JobStore,
    dispatch: &impl Dispatcher,
    key: &JobKey,
    job: &JobRow,
    now: &Timestamp,
) -> Result<Submitted, ApiError> {
    let job_id = &key.job_id;
    let existing = store.job(key).await?.ok_or_else(|| {
        ApiError::conflict(format!("job id {job_id} is already in use")).with_field("job_id")
    })?;
    if !same_request(&existing, job) {
        return Err(ApiError::conflict(format!(
            "job {job_id} exists with a different request; use a new job id"
        ))
        .with_field("job_id"));
    }
    let sent = resume(store, dispatch, key, now)
        .await
        .map_err(|e| ApiError::unavailable(e.to_string()))?;
    let variants = store.variants(key).await?.len() as u32;
    Ok(Submitted {
        job_id: job_id.to_string(),
        created: false,
        status: existing.status,
        designs: existing.designs,
        variants,
        sent,
        warnings: existing.warnings,
        routing: None,
    })
}

/// The user's learned weights and boosts as the planner takes them. Boosts on values the brief
/// rules out, or that the taxonomy no longer has, are left out: they could only force a category
/// into every variant for nothing.
///
/// Learned preferences are Beta posteriors (`bff_learn::preference`) stored as of their last
/// update: each is decayed to `now` (a taste nobody has confirmed for months fades back to
/// neutral) and then one weight is drawn from it for this job, Thompson sampling: a value with
/// little evidence gets widely varying weights from job to job, so the planner keeps exploring
/// it, while a value with much evidence gets weights close to its mean. The draw is seeded
/// (`seed`, from the job id), so a replayed job gets the same weights.
pub fn personalisation(
    preferences: &[PreferenceRow],
    boosts: &[UserBoostRow],
    request: &ValidGeneration,
    taxonomy: &Taxonomy,
    now: &Timestamp,
    seed: u64,
) -> Personalisation {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let now_ms = now.unix_ms();
    let excluded = request.parsed().excluded();
    let usable = |category: &str, value: &str| {
        let a = bff_domain::AttributeValue::new(category, value);
        taxonomy.contains(&a) && !excluded.contains(&a)
    };
    Personalisation {
        preferences: preferences
            .iter()
            .filter(|p| usable(&p.category, &p.value))
            .map(|p| {
                let posterior = Posterior {
                    alpha: p.alpha,
                    beta: p.beta,
                    evidence: p.evidence,
                };
                let current = posterior.decayed(now_ms - p.updated_at.unix_ms());
                AttributeWeight {
                    category: p.category.clone(),
                    value: p.value.clone(),
                    weight: current.sample_weight(&mut rng),
                }
            })
            .collect(),
        boosts: boosts
            .iter()
            .filter(|b| usable(&b.category, &b.value))
            .map(|b| AttributeWeight {
                category: b.category.clone(),
                value: b.value.clone(),
                weight: b.boost,
            })
            .collect(),
        negatives: Vec::new(),
    }
}

/// Draws the plan: `ceil(designs × over_generation)` variants for the request's provider, seeded
/// from the job id. A brief the planner refuses (values that conflict) is a 422 on `brief`.
pub fn plan(
    request: &ValidGeneration,
    personal: &Personalisation,
    job_id: &str,
    taxonomy: &Taxonomy,
) -> Result<Plan, ApiError> {
    let config = PlanConfig {
        over_generation: request.over_generation(),
        models: request
            .providers()
            .iter()
            .map(|p| p.model_family())
            .collect(),
        ..PlanConfig::default()
    };
    plan_designs(
        &DesignRequest::from(request.parsed()),
        request.designs(),
        &config,
        personal,
        taxonomy,
        job_seed(job_id),
    )
    .map_err(|e| brief_error_from_plan(&e.to_string()))
}

fn brief_error_from_plan(message: &str) -> ApiError {
    ApiError::unprocessable(format!("the brief cannot be planned: {message}")).with_field("brief")
}

fn rows(
    key: &JobKey,
    request: &ValidGeneration,
    personal: &Personalisation,
    plan: &Plan,
    now: &Timestamp,
) -> Result<(JobRow, Vec<VariantRow>), ApiError> {
    let brief = request.parsed();
    let mut warnings = request.warnings();
    warnings.extend(plan.warnings.iter().cloned());
    let job = JobRow {
        job_id: key.job_id.clone(),
        user_id: key.user_id.clone(),
        status: JobStatus::Generating,
        brief: request.brief().to_string(),
        designs: request.designs(),
        provider: request.provider(),
        providers: request.providers().to_vec(),
        cost_estimate: request.cost_estimate(),
        theta: request.theta(),
        over_generation: request.over_generation(),
        seed: plan.seed,
        taxonomy_version: plan.taxonomy_version.clone(),
        requested: brief.requested(),
        excluded: brief.excluded(),
        modifiers: brief.modifiers.iter().map(|m| m.text.clone()).collect(),
        personalisation: personal.clone(),
        warnings,
        error: None,
        created_at: now.clone(),
        updated_at: now.clone(),
    };
    let variants = plan
        .variants
        .iter()
        .map(|v| {
            // The route says which provider draws the variant; the plan wrote a prompt for each
            // of the job's model families.
            let provider = request
                .route()
                .assignment
                .get(v.index as usize)
                .copied()
                .unwrap_or_else(|| request.provider());
            let model = provider.model_family();
            let prompt = v
                .prompts
                .iter()
                .find(|p| p.family == model)
                .cloned()
                .ok_or_else(|| {
                    ApiError::unprocessable(format!("variant {} has no prompt", v.index))
                })?;
            Ok(VariantRow {
                job_id: key.job_id.clone(),
                user_id: key.user_id.clone(),
                variant: v.index,
                image_id: image_id(&key.job_id, v.index),
                status: VariantStatus::Planned,
                seed: v.seed,
                provider,
                model,
                boosts_applied: v
                    .attributes
                    .iter()
                    .filter_map(|a| {
                        a.boost.map(|weight| AttributeWeight {
                            category: a.category.clone(),
                            value: a.value.clone(),
                            weight,
                        })
                    })
                    .collect(),
                attributes: v.attributes.clone(),
                prompt,
                error: None,
                reroutes: Vec::new(),
                created_at: now.clone(),
                updated_at: now.clone(),
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok((job, variants))
}

/// Whether a stored job was made from the same request (the personalisation may have moved on
/// since; the stored plan stands).
fn same_request(existing: &JobRow, new: &JobRow) -> bool {
    existing.brief == new.brief
        && existing.designs == new.designs
        && existing.provider == new.provider
        && existing.theta == new.theta
        && existing.over_generation == new.over_generation
}
