//! One conformance suite for the store ports, run against the in-memory fakes (the reference), a
//! real SQLite and a real PostgreSQL: a whole job through every stage, then every port method's
//! idempotency and user scoping, feedback and learning, and (SQL stores) the analytics tables.
//! Each SQL store must end with exactly the reference's results.

#![allow(dead_code)]

use bff_learn::rollup::DayRollup;
use bff_pipeline::api::feedback::FeedbackRequest;
use bff_pipeline::api::GenerationRequest;
use bff_pipeline::budget::DailyLimit;
use bff_pipeline::fakes::{MemoryBlobs, MemoryQueue};
use bff_pipeline::messages::Message;
use bff_pipeline::offline::{DescriptorEmbedder, SketchProvider};
use bff_pipeline::ports::{
    AnalyticsStore, FeedbackStore, JobCreation, JobRow, JobStatus, JobStore, Provider, Reroute,
    VariantRow, VariantStatus,
};
use bff_pipeline::stages::{feedback, learn, prompt, Ports};
use bff_pipeline::{JobKey, Timestamp};

pub const T0: i64 = 1_764_000_000_000;
pub const BRIEF: &str = "relaxed linen midi dress in earthy tones, no florals";

/// What a store ends a job with; equal across stores.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub status: JobStatus,
    pub variants: usize,
    pub images: usize,
    pub embeddings: usize,
    pub k: u32,
    pub picks: Vec<String>,
    pub coverage_score: String,
    pub gaps: usize,
    pub boosts: usize,
    pub feedback_revision: u32,
    pub preferences: usize,
}

fn at(ms: i64) -> Timestamp {
    Timestamp::from_unix_ms(ms)
}

/// Runs a job of `designs` for `user` through every stage on `store`, delivering every message
/// once in order, then redelivers every message and checks that nothing changes.
pub async fn run_job<S: JobStore>(store: &S, user: &str, job: &str, designs: u32) {
    let blobs = MemoryBlobs::new();
    let queue = MemoryQueue::new();
    let ports = Ports {
        store,
        blobs: &blobs,
        dispatch: &queue,
        provider: &SketchProvider,
        embedder: &DescriptorEmbedder,
    };
    let body = format!(r#"{{"brief": "{BRIEF}", "designs": {designs}}}"#);
    let request = GenerationRequest::from_json(body.as_bytes())
        .and_then(|r| r.validate())
        .expect("valid request");
    prompt::submit(store, &queue, user, &request, job, &at(T0))
        .await
        .expect("submitted");
    let mut clock = T0;
    while let Some(message) = queue.pop() {
        clock += 1_000;
        ports
            .handle(&message, &at(clock))
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", message.queue()));
    }
    // Every message again (an at-least-once queue may): the outcome stays.
    let before = summary_of(store, user, job).await;
    for message in queue.sent() {
        clock += 1_000;
        if !matches!(message, Message::LearnFromFeedback(_)) {
            ports
                .handle(&message, &at(clock))
                .await
                .expect("redelivery");
        }
    }
    while queue.pop().is_some() {}
    assert_eq!(
        summary_of(store, user, job).await,
        before,
        "redelivery changed the job"
    );
}

async fn summary_of<S: JobStore>(store: &S, user: &str, job: &str) -> Summary {
    let key = JobKey::new(user, job);
    let row = store.job(&key).await.unwrap().expect("the job");
    let coverage = store.coverage_report(&key).await.unwrap();
    Summary {
        status: row.status,
        variants: store.variants(&key).await.unwrap().len(),
        images: store.images(&key).await.unwrap().len(),
        embeddings: store.embeddings(&key).await.unwrap().len(),
        k: store.cluster_result(&key).await.unwrap().map_or(0, |c| c.k),
        picks: store
            .picks(&key)
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.image_id)
            .collect(),
        coverage_score: coverage.map_or(String::new(), |c| format!("{:.9}", c.overall_score)),
        gaps: store.attribute_gaps(&key).await.unwrap().len(),
        boosts: store.user_boosts(user).await.unwrap().len(),
        feedback_revision: 0,
        preferences: store.user_preferences(user).await.unwrap().len(),
    }
}

/// The whole suite of the job and feedback ports; returns what the store ended with.
/// A job over two providers: its provider list and cost estimate read back; an image's tags
/// read back; a planned variant moves from the
/// first to the second once (the same move again changes nothing), and the move reads back.
pub async fn reroute_port<S: JobStore>(store: &S) {
    run_job(store, "carol", "job-src", 1).await;
    let source = JobKey::new("carol", "job-src");
    let mut job = store.job(&source).await.unwrap().unwrap();
    job.job_id = "job-r".into();
    job.status = JobStatus::Generating;
    job.provider = Provider::OpenAi;
    job.providers = vec![Provider::OpenAi, Provider::Sketch];
    job.cost_estimate = 0.042;
    let mut variant = store.variants(&source).await.unwrap().remove(0);
    variant.job_id = "job-r".into();
    variant.image_id = "job-r-000".into();
    variant.status = VariantStatus::Planned;
    variant.provider = Provider::OpenAi;
    variant.reroutes = Vec::new();
    assert_eq!(
        store
            .create_job(&job, &[variant.clone()], None)
            .await
            .unwrap(),
        JobCreation::Created
    );
    let key = JobKey::new("carol", "job-r");
    let read = store.job(&key).await.unwrap().unwrap();
    assert_eq!((read.providers, read.cost_estimate), (job.providers, 0.042));
    let reroute = Reroute {
        from: Provider::OpenAi,
        to: Provider::Sketch,
        reason: "provider openai stopped: openai answered 401".into(),
    };
    let mut prompt = variant.prompt.clone();
    prompt.family = bff_domain::prompt::ModelFamily::Sketch;
    prompt.positive = "a sketch of the same design".into();
    assert!(store
        .reroute_variant(&key, 0, &reroute, &prompt, &at(T0))
        .await
        .unwrap());
    assert!(
        !store
            .reroute_variant(&key, 0, &reroute, &prompt, &at(T0))
            .await
            .unwrap(),
        "the same move twice"
    );
    let moved = store.variant(&key, 0).await.unwrap().unwrap();
    assert_eq!(
        (moved.provider, moved.reroutes, moved.model, moved.prompt),
        (
            Provider::Sketch,
            vec![reroute],
            bff_domain::prompt::ModelFamily::Sketch,
            prompt.clone()
        )
    );
    assert!(
        !store
            .reroute_variant(
                &JobKey::new("mallory", "job-r"),
                0,
                &Reroute {
                    from: Provider::Sketch,
                    to: Provider::OpenAi,
                    reason: "another user's key".into(),
                },
                &prompt,
                &at(T0)
            )
            .await
            .unwrap(),
        "another user's key moves nothing"
    );

    // A tagger's reading of an image reads back: drawn values, tags with scores, quality.
    let mut image = store.images(&source).await.unwrap().remove(0);
    image.job_id = "job-r".into();
    image.image_id = "job-r-000".into();
    image.provider = Provider::Sketch;
    image.cost = 0.0;
    assert!(store.insert_image(&image, &at(T0)).await.unwrap());
    let tags = vec![bff_pipeline::zero_shot::Tag {
        category: "colour".into(),
        value: "black".into(),
        score: 0.8125,
    }];
    assert!(store
        .retag_image(&key, "job-r-000", &tags, 0.5, &at(T0))
        .await
        .unwrap());
    let read = store.image(&key, "job-r-000").await.unwrap().unwrap();
    assert_eq!(
        (read.tags, read.drawn, read.quality),
        (tags.clone(), vec![tags[0].attribute()], 0.5)
    );
    assert!(
        !store
            .retag_image(
                &JobKey::new("mallory", "job-r"),
                "job-r-000",
                &[],
                0.0,
                &at(T0)
            )
            .await
            .unwrap(),
        "another user's key tags nothing"
    );
}

pub async fn job_and_feedback_ports<S: JobStore + FeedbackStore>(store: &S) -> Summary {
    run_job(store, "alice", "job-1", 6).await;
    let key = JobKey::new("alice", "job-1");
    let mut summary = summary_of(store, "alice", "job-1").await;
    assert_eq!(summary.status, JobStatus::Complete);
    assert_eq!(summary.variants, 18);
    assert_eq!(summary.images, 18);
    assert_eq!(summary.embeddings, 18);
    assert!((3..=8).contains(&summary.k), "K = {}", summary.k);
    assert_eq!(summary.picks.len(), 6);

    // Idempotency of the inserts and status moves, method by method.
    let job = store.job(&key).await.unwrap().unwrap();
    let variants = store.variants(&key).await.unwrap();
    assert_eq!(
        store.create_job(&job, &variants, None).await.unwrap(),
        JobCreation::AlreadyExisted,
        "create_job twice"
    );
    let image = store.images(&key).await.unwrap().remove(0);
    assert!(
        !store.insert_image(&image, &at(T0)).await.unwrap(),
        "insert_image twice"
    );
    let embedding = store.embeddings(&key).await.unwrap().remove(0);
    assert!(
        !store.insert_embedding(&embedding, &at(T0)).await.unwrap(),
        "insert_embedding twice"
    );
    assert!(!store
        .complete_embedding_fan_in(&key, &at(T0))
        .await
        .unwrap());
    assert!(
        !store
            .advance_job(&key, JobStatus::Generating, JobStatus::Clustering, &at(T0))
            .await
            .unwrap(),
        "a finished job does not move back"
    );
    assert!(!store.fail_job(&key, "late", &at(T0)).await.unwrap());
    assert!(!store
        .mark_variant_failed(&key, image.variant, "late", &at(T0))
        .await
        .unwrap());
    let (result, profiles, assignments) = (
        store.cluster_result(&key).await.unwrap().unwrap(),
        store.style_profiles(&key).await.unwrap(),
        store.cluster_assignments(&key).await.unwrap(),
    );
    store
        .save_clusters(&result, &profiles, &assignments)
        .await
        .unwrap();
    assert_eq!(store.style_profiles(&key).await.unwrap(), profiles);
    assert_eq!(store.cluster_assignments(&key).await.unwrap(), assignments);
    let (selection, picks) = (
        store.selection(&key).await.unwrap().unwrap(),
        store.picks(&key).await.unwrap(),
    );
    store.save_selection(&selection, &picks).await.unwrap();
    assert_eq!(store.picks(&key).await.unwrap(), picks);
    let (report, gaps) = (
        store.coverage_report(&key).await.unwrap().unwrap(),
        store.attribute_gaps(&key).await.unwrap(),
    );
    store.save_coverage(&report, &gaps).await.unwrap();
    assert_eq!(store.attribute_gaps(&key).await.unwrap(), gaps);
    let boosts = store.user_boosts("alice").await.unwrap();
    store
        .upsert_user_boosts("alice", &boosts, &[])
        .await
        .unwrap();
    assert_eq!(store.user_boosts("alice").await.unwrap(), boosts);

    // The single-row reads agree with the lists.
    let progress = store.job_progress(&key).await.unwrap();
    assert_eq!(
        progress,
        bff_pipeline::ports::JobProgress::from_statuses(variants.iter().map(|v| v.status),)
    );
    assert_eq!(
        store
            .variant(&key, variants[3].variant)
            .await
            .unwrap()
            .as_ref(),
        Some(&variants[3])
    );
    assert_eq!(
        store.image(&key, &image.image_id).await.unwrap().as_ref(),
        Some(&image)
    );
    assert_eq!(
        store
            .owned_image("alice", &image.image_id)
            .await
            .unwrap()
            .as_ref(),
        Some(&image)
    );

    // User scoping: another user's key reads nothing, their writes touch nothing of alice's.
    let foreign = JobKey::new("bob", "job-1");
    assert!(store.job(&foreign).await.unwrap().is_none());
    assert!(store.variants(&foreign).await.unwrap().is_empty());
    assert!(store.images(&foreign).await.unwrap().is_empty());
    assert!(store
        .image(&foreign, &image.image_id)
        .await
        .unwrap()
        .is_none());
    assert!(store.embeddings(&foreign).await.unwrap().is_empty());
    assert!(store.picks(&foreign).await.unwrap().is_empty());
    assert!(store.coverage_report(&foreign).await.unwrap().is_none());
    assert!(!store
        .advance_job(&foreign, JobStatus::Complete, JobStatus::Failed, &at(T0))
        .await
        .unwrap());
    assert!(store.user_boosts("bob").await.unwrap().is_empty());
    assert!(store
        .owned_image("bob", &image.image_id)
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        store.job(&key).await.unwrap().unwrap().status,
        JobStatus::Complete
    );

    // Feedback: stored, re-rated (revision 2), listed, learned once.
    let queue = MemoryQueue::new();
    let now = at(T0 + 3_600_000);
    let rate = |rating: u8| {
        let json = format!(
            r#"{{"image_id": "{}", "rating": {rating}}}"#,
            summary.picks[0]
        );
        FeedbackRequest::from_json(json.as_bytes())
            .and_then(|r| r.validate())
            .expect("valid feedback")
    };
    feedback::submit(store, &queue, "alice", &rate(5), &now)
        .await
        .expect("rated");
    let later = at(T0 + 3_700_000);
    feedback::submit(store, &queue, "alice", &rate(4), &later)
        .await
        .expect("re-rated");
    assert!(
        feedback::submit(store, &queue, "bob", &rate(1), &later)
            .await
            .is_err(),
        "another user's image"
    );
    let listed = store.list_feedback("alice", None, 10).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].0.revision, 2);
    assert_eq!(listed[0].0.rating, Some(4));
    assert!(store
        .list_feedback("bob", None, 10)
        .await
        .unwrap()
        .is_empty());
    summary.feedback_revision = listed[0].0.revision;
    let feedback_id = listed[0].0.feedback_id.clone();
    assert_eq!(
        store
            .feedback("alice", &feedback_id)
            .await
            .unwrap()
            .map(|(f, _)| f),
        Some(listed[0].0.clone())
    );
    assert!(store.feedback("bob", &feedback_id).await.unwrap().is_none());
    assert_eq!(
        store
            .rating_history("alice", "some-other-image", 10)
            .await
            .unwrap(),
        vec![4]
    );
    assert!(store
        .rating_history("alice", &summary.picks[0], 10)
        .await
        .unwrap()
        .is_empty());
    let rated = store.rated_images("alice", &at(T0)).await.unwrap();
    assert_eq!(rated.len(), 1);
    assert_eq!(rated[0].image_id, summary.picks[0]);
    assert!(store.rated_images("bob", &at(T0)).await.unwrap().is_empty());
    // A picked design belongs to a cluster, hence to a style profile.
    let profile = rated[0]
        .profile_id
        .as_deref()
        .expect("the rated pick's style profile");
    assert!(store.profile_generations("alice", profile).await.unwrap() >= 1);
    assert_eq!(store.profile_generations("bob", profile).await.unwrap(), 0);
    assert_eq!(
        store
            .unlearned_feedback(&at(T0 + 4_000_000), 10)
            .await
            .unwrap()
            .len(),
        1
    );
    let mut learned = 0;
    while let Some(message) = queue.pop() {
        if let Message::LearnFromFeedback(m) = message {
            learn::handle(store, &m, &at(T0 + 3_800_000))
                .await
                .expect("learned");
            learned += 1;
        }
    }
    assert!(learned >= 1);
    let preferences = store.user_preferences("alice").await.unwrap();
    assert!(!preferences.is_empty(), "learning wrote preferences");
    assert!(store
        .unlearned_feedback(&at(T0 + 4_000_000), 10)
        .await
        .unwrap()
        .is_empty());
    summary.preferences = preferences.len();
    summary
}

/// The analytics tables: a day's rollup written twice gives the same rows.
pub async fn analytics_ports<S: JobStore + FeedbackStore + AnalyticsStore>(store: &S) {
    let day = at(T0).day();
    let users = store.active_users(&day).await.unwrap();
    assert_eq!(users, vec!["alice".to_string()]);
    let input = store.day_input("alice", &day).await.unwrap();
    let rollup: DayRollup = bff_learn::rollup::roll_up(&input);
    store
        .save_rollup("alice", &rollup, &at(T0 + 5_000_000))
        .await
        .unwrap();
    let version = store.analytics_version("alice").await.unwrap();
    store
        .save_rollup("alice", &rollup, &at(T0 + 5_000_000))
        .await
        .unwrap();
    assert_eq!(store.analytics_version("alice").await.unwrap(), version + 1);
    let totals = store.daily_totals("alice", &day, &day).await.unwrap();
    assert_eq!(totals.len(), 1);
    assert_eq!(totals[0].jobs, 1);
    assert_eq!(totals[0].picks, 6);
    assert!(!store
        .daily_attributes("alice", &day, &day)
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .daily_totals("bob", &day, &day)
        .await
        .unwrap()
        .is_empty());
    assert!(!store.attribute_success("alice").await.unwrap().is_empty());
    assert!(store.attribute_success("bob").await.unwrap().is_empty());
    assert!(!store
        .daily_categories("alice", &day, &day)
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .daily_categories("bob", &day, &day)
        .await
        .unwrap()
        .is_empty());
    let profiles = store.profile_success("alice").await.unwrap();
    assert!(profiles
        .iter()
        .all(|(p, name)| p.ratings <= 1 && !name.is_empty()));
    assert!(store.profile_success("bob").await.unwrap().is_empty());
    let (ratings, _standouts) = store.standout_totals("alice").await.unwrap();
    assert_eq!(ratings, 1);
}

/// A new job of `user` named `job`, estimated at `cost` and created at `created_at`, with the
/// variants of `template`'s job (renamed, planned): rows for `create_job`.
pub fn job_like(
    template: &(JobRow, Vec<VariantRow>),
    user: &str,
    job: &str,
    cost: f64,
    created_at: i64,
) -> (JobRow, Vec<VariantRow>) {
    let mut row = template.0.clone();
    row.job_id = job.into();
    row.user_id = user.into();
    row.status = JobStatus::Generating;
    row.cost_estimate = cost;
    row.created_at = at(created_at);
    row.updated_at = at(created_at);
    let variants = template
        .1
        .iter()
        .map(|v| {
            let mut v = v.clone();
            v.job_id = job.into();
            v.user_id = user.into();
            v.image_id = bff_pipeline::ids::image_id(job, v.variant);
            v.status = VariantStatus::Planned;
            v.created_at = at(created_at);
            v.updated_at = at(created_at);
            v
        })
        .collect();
    (row, variants)
}

/// The rows of a finished one-design job of `user`, as a template for [`job_like`].
pub async fn template_job<S: JobStore>(
    store: &S,
    user: &str,
    job: &str,
) -> (JobRow, Vec<VariantRow>) {
    run_job(store, user, job, 1).await;
    let key = JobKey::new(user, job);
    (
        store.job(&key).await.unwrap().expect("the template job"),
        store.variants(&key).await.unwrap(),
    )
}

/// The daily budget at the insert: a job that would pass it is refused and writes nothing; jobs
/// of earlier days and of other users do not count; a retry of a stored job is `AlreadyExisted`
/// whatever the budget; a job that fits exactly is created.
pub async fn budget_port<S: JobStore>(store: &S) {
    const DAY: i64 = 86_400_000;
    let template = template_job(store, "dave", "job-b-template").await;
    // The template's day (T0) is over: the budget's day is the next one.
    let day_start = T0 - T0.rem_euclid(DAY) + DAY;
    let limit = DailyLimit {
        daily_usd: 1.0,
        day_start: at(day_start),
    };
    let create = |job: &(JobRow, Vec<VariantRow>), limit: Option<&DailyLimit>| {
        let (row, variants) = job.clone();
        let limit = limit.cloned();
        async move {
            store
                .create_job(&row, &variants, limit.as_ref())
                .await
                .unwrap()
        }
    };
    let stored = |job: &str| {
        let key = JobKey::new("dave", job);
        async move {
            (
                store.job(&key).await.unwrap().is_some(),
                store.variants(&key).await.unwrap().len(),
            )
        }
    };
    let variants = template.1.len();

    // Yesterday's spending, however large, does not count today; nor does another user's.
    let yesterday = job_like(&template, "dave", "job-b-old", 5.0, day_start - 1);
    assert_eq!(create(&yesterday, None).await, JobCreation::Created);
    let erin = job_like(&template, "erin", "job-b-erin", 0.75, day_start + 1_000);
    assert_eq!(create(&erin, Some(&limit)).await, JobCreation::Created);

    let first = job_like(&template, "dave", "job-b1", 0.5, day_start + 2_000);
    assert_eq!(create(&first, Some(&limit)).await, JobCreation::Created);
    assert_eq!(stored("job-b1").await, (true, variants));

    // $0.50 spent, $0.75 more would pass $1: refused, nothing written.
    let over = job_like(&template, "dave", "job-b2", 0.75, day_start + 3_000);
    assert_eq!(
        create(&over, Some(&limit)).await,
        JobCreation::OverBudget { spent_today: 0.5 }
    );
    assert_eq!(
        stored("job-b2").await,
        (false, 0),
        "a refused job writes nothing"
    );

    // A retry of the stored job is answered as a retry, although the day could not take it again.
    assert_eq!(
        create(&first, Some(&limit)).await,
        JobCreation::AlreadyExisted
    );
    assert_eq!(create(&first, None).await, JobCreation::AlreadyExisted);
    // Another user's job id is taken whatever that user's budget; it writes nothing of theirs.
    let taken = job_like(&template, "erin", "job-b1", 0.25, day_start + 3_500);
    assert_eq!(
        create(&taken, Some(&limit)).await,
        JobCreation::AlreadyExisted
    );
    assert!(store
        .job(&JobKey::new("erin", "job-b1"))
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        store.job(&JobKey::new("dave", "job-b1")).await.unwrap(),
        Some(first.0.clone())
    );

    // Exactly the budget fits; a cent more does not, and the day's figures come back.
    let rest = job_like(&template, "dave", "job-b3", 0.5, day_start + 4_000);
    assert_eq!(create(&rest, Some(&limit)).await, JobCreation::Created);
    let cent = job_like(&template, "dave", "job-b4", 0.01, day_start + 5_000);
    assert_eq!(
        create(&cent, Some(&limit)).await,
        JobCreation::OverBudget { spent_today: 1.0 }
    );
    assert_eq!(stored("job-b4").await, (false, 0));
    // Without a limit the same job is created.
    assert_eq!(create(&cent, None).await, JobCreation::Created);
    assert_eq!(stored("job-b4").await, (true, variants));
}
