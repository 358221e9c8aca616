//! The image providers end to end: a job spread over OpenAI, Stability and Replicate, each stood
//! in for by a local server that speaks its wire format strictly (`bff-provider-servers`),
//! reached by the deployment through its configuration only (base URLs, keys, prices, budget).
//!
//! The servers' scripts make every kind of answer happen: OpenAI rate-limits the first attempt
//! of every prompt (429 with `retry-after: 2`), Stability filters every image for content (200
//! with `finish-reason: CONTENT_FILTERED`), Replicate is down (503 on every request). The checks:
//! - the job completes as `partial`: OpenAI's images stored (each retrievable as a PNG), every
//!   Stability variant failed with the reason `moderated`, every Replicate variant moved to the
//!   next provider (OpenAI) after its retries and drawn there, the move recorded;
//! - every retry after a 429 came no sooner than its `retry-after` (the server refuses and records
//!   one that does not), and no server saw a request the real API would refuse;
//! - each image's cost is the configured price of the provider that made it, the job's estimate
//!   is the plan's, and a job that would pass the daily budget is refused with 402 and the
//!   figures, creating nothing;
//! - no key appears in the database or in the deployment's log;
//! - the images are embedded by `bff-clip` (a real CLIP on a tiny random checkpoint), the job is
//!   clustered in that one space, and each model image is tagged zero-shot: its drawn values are
//!   its tags, and coverage counts them.
//!
//! These checks run on a deployment of their own (the embedder is a deployment's setting, and
//! the main checks are about the offline descriptor).
//!
//! On Workers only, [`workers_ai_binding`]: a job over Workers AI goes through the generate
//! Worker's `AI` binding (workerd's own binding code, bound to the stand-in by
//! `tools/provider-servers/miniflare/local-ai-plugin.mjs`), although the REST settings are set
//! too: its images stored as PNG with the model and the price, no REST request, and the first
//! prompt moderated (code 3030) failing its variant while the job goes on.

use std::time::Instant;

use anyhow::{ensure, Context, Result};
use bff_pipeline::api::image_url;
use bff_provider_servers::{Config, Provider, ProviderConfig, ProviderServers};
use serde_json::{json, Value};

use std::path::Path;

use crate::clip::{self, ClipServer};
use crate::deployment::{json_column, Deployment};
use crate::pipeline::{self, text, Api};

const OPENAI_KEY: &str = "sk-e2e-openai-7c1d9a44b2";
const STABILITY_KEY: &str = "sk-e2e-stability-3f8e21d0";
const REPLICATE_TOKEN: &str = "r8_e2e_replicate_91ab5c77";
const WORKERS_AI_TOKEN: &str = "cf_e2e_workers_ai_5d2c7e18";
const WORKERS_AI_ACCOUNT: &str = "e2e-account";
const WORKERS_AI_PRICE: f64 = 0.002;
const PRICES: &str = "openai=0.04,stability=0.03,replicate=0.01,workers-ai=0.002";
const DAILY_BUDGET_USD: f64 = 1.0;
const RETRY_AFTER_S: u32 = 2;

/// The provider servers and the CLIP server, and the settings that point a deployment at them.
pub struct ProviderRig {
    pub servers: ProviderServers,
    pub clip: ClipServer,
}

impl ProviderRig {
    /// Starts the servers; `state` holds the CLIP checkpoint and log.
    pub fn start(root: &Path, state: &Path) -> Result<ProviderRig> {
        let config = Config {
            openai: Some(ProviderConfig {
                rate_limit_first_attempt_every: 1,
                retry_after_s: RETRY_AFTER_S,
                ..ProviderConfig::with_key(OPENAI_KEY)
            }),
            stability: Some(ProviderConfig {
                moderate_every: 1,
                ..ProviderConfig::with_key(STABILITY_KEY)
            }),
            replicate: Some(ProviderConfig {
                dead: true,
                ..ProviderConfig::with_key(REPLICATE_TOKEN)
            }),
            workers_ai: Some(ProviderConfig {
                moderate_first: 1,
                account_id: Some(WORKERS_AI_ACCOUNT.into()),
                ..ProviderConfig::with_key(WORKERS_AI_TOKEN)
            }),
            ..Config::default()
        };
        Ok(ProviderRig {
            servers: ProviderServers::start(&config).context("starting the provider servers")?,
            clip: ClipServer::start(root, state)?,
        })
    }

    fn url(&self, provider: Provider) -> String {
        self.servers
            .get(provider)
            .map(|s| s.url().to_string())
            .unwrap_or_default()
    }

    /// The Workers AI stand-in's `127.0.0.1:port`, where a Worker's `AI` binding is sent.
    pub fn workers_ai_address(&self) -> String {
        self.url(Provider::WorkersAi)
            .trim_start_matches("http://")
            .to_string()
    }

    /// The settings by canonical name (Spin variables; `BFF_<NAME>` on Workers). Workers AI's
    /// REST settings are set on both platforms; on Workers the `AI` binding wins over them.
    pub fn settings(&self) -> Vec<(&'static str, String)> {
        vec![
            (
                "providers",
                "sketch,openai,stability,replicate,workers-ai".into(),
            ),
            ("prices", PRICES.into()),
            ("daily_budget_usd", DAILY_BUDGET_USD.to_string()),
            ("openai_api_key", OPENAI_KEY.into()),
            ("openai_base_url", self.url(Provider::Openai)),
            ("stability_api_key", STABILITY_KEY.into()),
            ("stability_base_url", self.url(Provider::Stability)),
            ("replicate_api_token", REPLICATE_TOKEN.into()),
            ("replicate_base_url", self.url(Provider::Replicate)),
            ("replicate_poll_ms", "200".into()),
            ("workers_ai_api_token", WORKERS_AI_TOKEN.into()),
            ("workers_ai_account_id", WORKERS_AI_ACCOUNT.into()),
            ("workers_ai_base_url", self.url(Provider::WorkersAi)),
            ("provider_timeout_ms", "20000".into()),
            ("embedder", "openai-style".into()),
            ("embedder_base_url", self.clip.url.clone()),
            ("embedder_model", clip::MODEL.into()),
            ("embedder_dimensions", clip::DIMENSION.to_string()),
            crate::e2e_tokens::admin_setting(),
            ("rate_limits", crate::e2e_limits::RATE_LIMITS.into()),
        ]
    }

    /// [`ProviderRig::settings`] as Workers variables, with the development routes off (this
    /// file is read after the checkout's `.dev.vars`, which turns them on).
    pub fn env_file(&self) -> String {
        let mut settings = self.settings();
        settings.push(("dev_routes", "disabled".into()));
        workers_vars(&settings)
    }
}

/// Settings by canonical name as Workers variables (`BFF_OPENAI_API_KEY=...`), one per line.
pub fn workers_vars(settings: &[(&'static str, String)]) -> String {
    settings
        .iter()
        .map(|(name, value)| format!("BFF_{}={value}\n", name.to_ascii_uppercase()))
        .collect()
}

fn ok(name: &str) {
    println!("  ok  {name}");
}

/// Every provider check against `deployment`, configured by [`ProviderRig::settings`].
pub fn checks(deployment: &dyn Deployment, rig: &ProviderRig) -> Result<()> {
    let api = &Api { deployment };
    println!(
        "  ..  providers: OpenAI, Stability and Replicate at {:?}",
        rig.servers.urls()
    );
    let carol = crate::e2e_tokens::checks(deployment)?;

    let health = api.json("GET", "/api/health-check", None, None, 200)?;
    let reached = &health["checks"]["providers"];
    ensure!(
        ["openai", "stability", "replicate", "embedder"]
            .iter()
            .all(|name| reached[name]["ok"] == true),
        "the health answer's providers: {health}"
    );
    let requests_before = rig.servers.iter().map(|s| s.log().len()).sum::<usize>();
    api.json("GET", "/api/generation/health-check", None, None, 200)?;
    let requests_after = rig.servers.iter().map(|s| s.log().len()).sum::<usize>();
    ensure!(
        requests_after == requests_before,
        "a second health check within the minute probed again"
    );
    ok("the health answer reports OpenAI, Stability, Replicate (down, but it answers) and bff-clip reachable, probed once a minute at no cost");

    // 4 designs at 3x: 12 variants, 4 per provider, round robin in the listed order (asked for:
    // by default a job's shares follow the providers' measured adherence).
    let request = json!({
        "brief": "a tailored black wool coat with wide lapels",
        "designs": 4,
        "over_generation": 3,
        "providers": ["openai", "stability", "replicate"],
        "routing": "even",
    });
    let start = Instant::now();
    let submitted = api.json(
        "POST",
        "/api/generation",
        Some(&carol),
        Some(&request.to_string()),
        202,
    )?;
    let job_id = text(&submitted, "job_id")?;
    let routing = &submitted["routing"];
    let round_robin: Vec<&str> = ["openai", "stability", "replicate"]
        .iter()
        .cycle()
        .take(12)
        .copied()
        .collect();
    ensure!(
        routing["mode"] == "even"
            && routing["assignment"] == json!(round_robin)
            && routing["shares"]
                .as_array()
                .is_some_and(|shares| shares.iter().all(|s| s["variants"] == 4)),
        "the job's routing: {submitted}"
    );
    let (job, _) = pipeline::follow(api, &carol, &job_id, true)?;
    let seconds = start.elapsed().as_secs_f64();
    ensure!(
        job["status"] == "partial",
        "the job finished as {}: {job}",
        job["status"]
    );

    let variants = deployment.query(&format!(
        "SELECT variant, provider, status, error, reroutes FROM variants \
         WHERE job_id = '{job_id}' ORDER BY variant"
    ))?;
    ensure!(variants.len() == 12, "{} variants", variants.len());
    for v in &variants {
        let index = v["variant"].as_i64().unwrap_or(-1);
        let reroutes = json_column(&v["reroutes"])?;
        let moves: Vec<(String, String)> = reroutes
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|r| (r["from"].to_string(), r["to"].to_string()))
                    .collect()
            })
            .unwrap_or_default();
        match index % 3 {
            0 => ensure!(
                v["provider"] == "openai" && v["status"] == "embedded" && moves.is_empty(),
                "an OpenAI variant: {v}"
            ),
            1 => ensure!(
                v["provider"] == "stability"
                    && v["status"] == "failed"
                    && v["error"]
                        .as_str()
                        .is_some_and(|e| e.starts_with("moderated: stability")),
                "a Stability variant: {v}"
            ),
            _ => ensure!(
                v["provider"] == "openai"
                    && v["status"] == "embedded"
                    && moves == [("\"replicate\"".to_string(), "\"openai\"".to_string())],
                "a Replicate variant: {v}"
            ),
        }
    }
    ok(&format!(
        "a job over three providers: 4 OpenAI images, 4 Stability variants moderated with their reason, 4 Replicate variants moved to OpenAI after their retries and drawn there ({seconds:.1} s)"
    ));

    let images = deployment.query(&format!(
        "SELECT image_id, provider, model, cost, parameters FROM generated_images \
         WHERE job_id = '{job_id}' ORDER BY image_id"
    ))?;
    ensure!(images.len() == 8, "{} images", images.len());
    for image in &images {
        let id = image["image_id"].as_str().unwrap_or_default();
        ensure!(
            image["provider"] == "openai"
                && image["model"] == "openai/gpt-image-1"
                && (image["cost"].as_f64().unwrap_or(-1.0) - 0.04).abs() < 1e-9,
            "image {id}: {image}"
        );
        let parameters = json_column(&image["parameters"])?;
        ensure!(parameters["seed_honoured"] == false, "{id}: {parameters}");
        let png = api.call("GET", &image_url(&job_id, id), Some(&carol), None)?;
        ensure!(
            png.status == 200 && png.bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
            "image {id}: {} ({} bytes)",
            png.status,
            png.bytes.len()
        );
    }
    let estimate = deployment.query(&format!(
        "SELECT cost_estimate FROM generation_jobs WHERE job_id = '{job_id}'"
    ))?;
    let estimate = estimate
        .first()
        .and_then(|r| r["cost_estimate"].as_f64())
        .context("no estimate")?;
    ensure!(
        (estimate - 0.32).abs() < 1e-9,
        "the estimate of 4 OpenAI, 4 Stability and 4 Replicate images: {estimate}"
    );
    ok("8 images stored, each a PNG at $0.04 (OpenAI's price); the job estimated at $0.32");

    let openai = rig
        .servers
        .get(Provider::Openai)
        .context("no OpenAI server")?;
    let log = openai.log();
    let limited: Vec<_> = log
        .iter()
        .filter(|e| e.rules.iter().any(|r| r == "rate_limited"))
        .collect();
    ensure!(
        limited.len() >= 8,
        "every OpenAI prompt's first attempt is rate limited: {} of {}",
        limited.len(),
        log.len()
    );
    for first in &limited {
        let retry = log
            .iter()
            .find(|e| e.prompt_hash == first.prompt_hash && e.status == 200)
            .with_context(|| format!("no successful retry of {:?}", first.prompt))?;
        ensure!(
            retry.started_ms >= first.finished_ms + u64::from(RETRY_AFTER_S) * 1000 - 50,
            "a retry {} ms after its 429, which asked for {RETRY_AFTER_S} s",
            retry.started_ms - first.finished_ms
        );
    }
    let violations = rig.servers.violations();
    ensure!(
        violations.is_empty(),
        "requests the real APIs would refuse: {violations:?}"
    );
    let replicate_calls = rig
        .servers
        .get(Provider::Replicate)
        .map(|s| s.log().len())
        .unwrap_or(0);
    ensure!(
        replicate_calls >= 4,
        "the dead provider was tried: {replicate_calls} requests"
    );
    ok(&format!(
        "every retry after a 429 waited its retry-after ({RETRY_AFTER_S} s); Replicate tried {replicate_calls} times before the move; no request any real API would refuse"
    ));

    // The budget: $0.32 spent today; 12 designs at 3x over OpenAI alone would cost $1.44.
    let jobs_before = deployment
        .query("SELECT job_id FROM generation_jobs")?
        .len();
    let costly = json!({
        "brief": "a tailored black wool coat", "designs": 12, "provider": "openai"
    });
    let refused = api.call(
        "POST",
        "/api/generation",
        Some(&carol),
        Some(&costly.to_string()),
    )?;
    let error: Value = refused.json()?;
    ensure!(
        refused.status == 402
            && error["code"] == "budget_exceeded"
            && error["details"]["job_estimate_usd"] == 1.44
            && error["details"]["spent_today_usd"] == 0.32
            && error["details"]["daily_budget_usd"] == DAILY_BUDGET_USD,
        "over the budget: {} {}",
        refused.status,
        refused.body
    );
    let jobs_after = deployment
        .query("SELECT job_id FROM generation_jobs")?
        .len();
    ensure!(jobs_after == jobs_before, "a refused job was written");
    ok("a job past the daily budget ($0.32 + $1.44 > $1.00) → 402 with the figures, nothing written");

    no_key_anywhere(deployment)?;
    ok("no provider key in any table or in the deployment's log");

    let tagged = clip_space_and_tags(deployment, &job_id)?;

    let table = api.json("GET", "/api/providers", Some(&carol), None, 200)?;
    let rows = table["adherence"].as_array().cloned().unwrap_or_default();
    ensure!(
        table["sampled_images"].as_u64() == Some(tagged as u64)
            && !rows.is_empty()
            && rows.iter().all(|r| r["provider"] == "openai"
                && r["images"].as_u64().is_some_and(|n| n > 0)
                && r["adherence"]
                    .as_f64()
                    .is_some_and(|a| (0.0..=1.0).contains(&a))),
        "GET /api/providers: {table}"
    );
    ok(&format!(
        "GET /api/providers: OpenAI's adherence in {} categories over the {tagged} tagged images",
        rows.len()
    ));

    // The operator's metrics: figures across users, behind the admin token.
    let r = api.call("GET", "/api/admin/metrics", Some(&carol), None)?;
    ensure!(
        r.status == 401,
        "a user's token on the metrics: {}",
        r.status
    );
    let admin = crate::pipeline::User {
        user_id: "admin".into(),
        token: crate::e2e_tokens::ADMIN_TOKEN.into(),
    };
    let metrics = api.json("GET", "/api/admin/metrics?days=1", Some(&admin), None, 200)?;
    let by = |name: &str| {
        metrics["metrics"]["providers"]
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["provider"] == name).cloned())
            .unwrap_or(Value::Null)
    };
    ensure!(
        by("openai")["variants"] == 8
            && by("openai")["success_rate"] == 1.0
            && by("stability")["failed"] == 4
            && by("stability")["success_rate"] == 0.0
            && metrics["metrics"]["jobs"]["partial"].as_u64() >= Some(1)
            && metrics["metrics"]["diversity"]["jobs"].as_u64() >= Some(1),
        "the metrics: {metrics}"
    );
    ok("GET /api/admin/metrics (admin token only): OpenAI 8 of 8 drawn, Stability 0 of 4 (moderated), the jobs, diversity and coverage of the day");

    crate::e2e_limits::checks(deployment)
}

/// The job in one CLIP space, its model images tagged zero-shot and coverage counting the tags;
/// returns how many images have tags.
fn clip_space_and_tags(deployment: &dyn Deployment, job_id: &str) -> Result<usize> {
    let space = format!("{}@{}", clip::MODEL, clip::DIMENSION);
    let embeddings = deployment.query(&format!(
        "SELECT image_id, embedder FROM image_embeddings WHERE job_id = '{job_id}'"
    ))?;
    ensure!(
        embeddings.len() == 8
            && embeddings
                .iter()
                .all(|e| e.get("embedder").and_then(Value::as_str) == Some(space.as_str())),
        "every embedding in {space}: {embeddings:?}"
    );
    let images = deployment.query(&format!(
        "SELECT image_id, drawn, tags FROM generated_images WHERE job_id = '{job_id}' ORDER BY image_id"
    ))?;
    let mut tagged = 0;
    let mut drawn_by_image = std::collections::BTreeMap::new();
    for image in &images {
        let id = image["image_id"].as_str().unwrap_or_default().to_string();
        let drawn = json_column(&image["drawn"])?;
        let tags = json_column(&image["tags"])?;
        let tags = tags.as_array().cloned().unwrap_or_default();
        let from_tags: Vec<Value> = tags
            .iter()
            .map(|t| json!({ "category": t["category"], "value": t["value"] }))
            .collect();
        ensure!(
            drawn.as_array().map(Vec::as_slice) == Some(from_tags.as_slice()),
            "image {id}: drawn {drawn} is not its tags {tags:?}"
        );
        ensure!(
            tags.iter().all(|t| t["score"]
                .as_f64()
                .is_some_and(|s| (0.35..=1.0).contains(&s))),
            "image {id}: {tags:?}"
        );
        tagged += usize::from(!tags.is_empty());
        drawn_by_image.insert(id, from_tags.len());
    }
    ensure!(tagged > 0, "no image was tagged");
    let picks = deployment.query(&format!(
        "SELECT image_id FROM dpp_picks WHERE job_id = '{job_id}'"
    ))?;
    let shown: usize = picks
        .iter()
        .filter_map(|p| drawn_by_image.get(p["image_id"].as_str().unwrap_or_default()))
        .sum();
    let report = deployment.query(&format!(
        "SELECT report FROM coverage_reports WHERE job_id = '{job_id}'"
    ))?;
    let report = json_column(&report.first().context("no coverage report")?["report"])?;
    let counted: u64 = ["per_value", "untargeted"]
        .iter()
        .flat_map(|k| report[k].as_array().cloned().unwrap_or_default())
        .filter_map(|v| v["count"].as_u64())
        .sum();
    ensure!(
        counted as usize == shown,
        "coverage counts {counted} values, the picked images' tags {shown}"
    );
    ok(&format!(
        "the job embedded by bff-clip in one space ({space}); {tagged} of 8 model images tagged zero-shot, their tags their drawn values, coverage counting them ({shown} values over the picks)"
    ));
    Ok(tagged)
}

/// Workers only (the deployment runs the generate Worker with its `AI` binding bound to the
/// stand-in, [`ProviderRig::workers_ai_address`]): a small job over Workers AI goes through the
/// binding, not over REST, although REST is configured too.
pub fn workers_ai_binding(deployment: &dyn Deployment, rig: &ProviderRig) -> Result<()> {
    let api = &Api { deployment };
    let server = rig
        .servers
        .get(Provider::WorkersAi)
        .context("no Workers AI server")?;
    let dana = crate::e2e_tokens::admin_user(api, "Dana")?;
    let health = api.json("GET", "/api/health-check", None, None, 200)?;
    let check = &health["checks"]["providers"]["workers-ai"];
    ensure!(
        check["ok"] == true && check["not_probed"].is_string(),
        "Workers AI in the health answer: {health}"
    );

    // 1 design at 3x: 3 variants, the first prompt to arrive moderated.
    let request = json!({
        "brief": "a relaxed linen shirt dress in sage green",
        "designs": 1,
        "over_generation": 3,
        "provider": "workers-ai",
    });
    let start = Instant::now();
    let submitted = api.json(
        "POST",
        "/api/generation",
        Some(&dana),
        Some(&request.to_string()),
        202,
    )?;
    let job_id = text(&submitted, "job_id")?;
    let (job, _) = pipeline::follow(api, &dana, &job_id, false)?;
    let seconds = start.elapsed().as_secs_f64();
    ensure!(
        job["status"] == "partial",
        "the job finished as {}: {job}",
        job["status"]
    );
    let variants = deployment.query(&format!(
        "SELECT variant, provider, status, error FROM variants \
         WHERE job_id = '{job_id}' ORDER BY variant"
    ))?;
    let moderated: Vec<&Value> = variants
        .iter()
        .filter(|v| {
            v["status"] == "failed"
                && v["error"]
                    .as_str()
                    .is_some_and(|e| e.starts_with("moderated: workers-ai") && e.contains("3030"))
        })
        .collect();
    ensure!(
        variants.len() == 3
            && moderated.len() == 1
            && variants.iter().all(|v| v["provider"] == "workers-ai"
                && (v["status"] == "embedded" || moderated.contains(&v))),
        "the variants: {variants:?}"
    );

    let images = deployment.query(&format!(
        "SELECT image_id, provider, model, cost, parameters FROM generated_images \
         WHERE job_id = '{job_id}' ORDER BY image_id"
    ))?;
    ensure!(images.len() == 2, "{} images", images.len());
    for image in &images {
        let id = image["image_id"].as_str().unwrap_or_default();
        let parameters = json_column(&image["parameters"])?;
        ensure!(
            image["provider"] == "workers-ai"
                && image["model"] == "workers-ai/@cf/black-forest-labs/flux-1-schnell"
                && (image["cost"].as_f64().unwrap_or(-1.0) - WORKERS_AI_PRICE).abs() < 1e-9
                && parameters["converted_from"] == "jpeg"
                && parameters["seed_honoured"] == true,
            "image {id}: {image}"
        );
        let png = api.call("GET", &image_url(&job_id, id), Some(&dana), None)?;
        ensure!(
            png.status == 200 && png.bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
            "image {id}: {} ({} bytes)",
            png.status,
            png.bytes.len()
        );
    }

    let log = server.log();
    let runs: Vec<_> = log.iter().filter(|e| e.path == "/run").collect();
    let rest = log
        .iter()
        .filter(|e| e.path.starts_with("/client/v4/"))
        .count();
    let moderated_prompts: std::collections::BTreeSet<_> = runs
        .iter()
        .filter(|e| e.rules.iter().any(|r| r == "moderated"))
        .filter_map(|e| e.prompt_hash.clone())
        .collect();
    ensure!(
        runs.len() >= 3 && rest == 0 && moderated_prompts.len() == 1,
        "the Workers AI stand-in saw {} binding calls, {rest} REST calls, {} moderated prompts",
        runs.len(),
        moderated_prompts.len()
    );
    let violations = rig.servers.violations();
    ensure!(
        violations.is_empty(),
        "requests the real APIs would refuse: {violations:?}"
    );
    ok(&format!(
        "Workers AI through the AI binding (REST configured too, never called): {} binding calls, 2 images stored as PNG (FLUX's JPEG converted) with the model and ${WORKERS_AI_PRICE}, 1 variant moderated (3030) and the job partial ({seconds:.1} s); the health answer says it is not probed",
        runs.len()
    ));
    Ok(())
}

/// Every row of every table, as text, and the log: none holds a key.
fn no_key_anywhere(deployment: &dyn Deployment) -> Result<()> {
    let keys = [
        OPENAI_KEY,
        STABILITY_KEY,
        REPLICATE_TOKEN,
        WORKERS_AI_TOKEN,
        crate::e2e_tokens::ADMIN_TOKEN,
    ];
    for table in [
        "generation_jobs",
        "variants",
        "generated_images",
        "dead_letters",
        "queue_messages",
        "users",
        "api_tokens",
    ] {
        let rows = deployment.query(&format!("SELECT * FROM {table}"))?;
        let text = serde_json::to_string(&rows)?;
        for key in keys {
            ensure!(!text.contains(key), "a provider key in table {table}");
        }
    }
    let log = deployment.log();
    for key in keys {
        ensure!(!log.contains(key), "a provider key in the deployment's log");
    }
    Ok(())
}
