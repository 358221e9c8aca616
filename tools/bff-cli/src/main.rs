//! `bff`: the Designer BFF math on JSON input, for people who bring their own embeddings and for
//! cross-checking the pipeline. Every command reads a file (or `-` for standard input) and writes
//! JSON to standard output; bad input gives a message on standard error and exit code 2.

mod input;
mod sample;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use bff_math::auto_k::{choose_k, AutoKParams, AutoKResult};
use bff_math::dpp::{select, ClusterConstraint, DppParams, Selection};
use clap::{Parser, Subcommand};
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::Deserialize;

use input::{read_json, EmbeddingsInput};

#[derive(Parser)]
#[command(
    name = "bff",
    version,
    about = "Designer BFF math: cluster, select and coverage on JSON input"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// k-means with K chosen by the silhouette. Input: `[[f32]]` or `{"embeddings": [[f32]]}`.
    Cluster {
        /// Input file, or `-` for standard input.
        #[arg(default_value = "-")]
        input: PathBuf,
        #[arg(long, default_value_t = 3)]
        k_min: usize,
        #[arg(long, default_value_t = 8)]
        k_max: usize,
        /// k-means++ restarts per K.
        #[arg(long, default_value_t = 3)]
        runs: usize,
        #[arg(long, default_value_t = 100)]
        max_iterations: usize,
        #[arg(long, default_value_t = 1e-4)]
        tolerance: f64,
        /// Above this many points the silhouette is computed on a seeded sample of this size.
        #[arg(long, default_value_t = 2000)]
        silhouette_exact_limit: usize,
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// DPP selection of a diverse, high-quality subset.
    /// Input: `{"embeddings": [[f32]], "quality": [f64 in 0..1], "clusters"?: [usize]}`.
    Select {
        #[arg(default_value = "-")]
        input: PathBuf,
        /// Number of designs to pick.
        #[arg(long)]
        picks: usize,
        /// Quality/diversity trade-off in [0, 1).
        #[arg(long, default_value_t = 0.7)]
        theta: f64,
        #[arg(long, default_value_t = 1e-6)]
        epsilon: f64,
        /// Drop candidates at least this cosine-similar to a pick; `off` disables it.
        #[arg(long, default_value = "0.98")]
        near_duplicate_cosine: String,
        /// Take cluster labels from the output of `bff cluster` (cluster-aware selection).
        #[arg(long)]
        clusters_from: Option<PathBuf>,
        /// Largest share of the picks one cluster may take (cluster-aware selection).
        #[arg(long, default_value_t = 0.5)]
        max_cluster_share: f64,
    },
    /// Coverage of attribute values by a set of designs, with ranked gaps and prompt boosts.
    /// Input: `{"targets": [..], "images": [{"attributes": [{"category", "value"}]}], "set_size": n}`.
    Coverage {
        #[arg(default_value = "-")]
        input: PathBuf,
        /// Only count the images picked in this output of `bff select`.
        #[arg(long)]
        selection: Option<PathBuf>,
    },
    /// Reads a designer's brief into requested and excluded attribute values, a count and warnings.
    Brief {
        /// The brief, in quotes.
        text: String,
    },
    /// Plans over-generated design variants for a brief, with prompts for each model family.
    Plan {
        /// The brief, in quotes.
        text: String,
        /// Designs wanted (default: the brief's count, else 12).
        #[arg(long)]
        designs: Option<u32>,
        /// Variants per design, between 2 and 3.
        #[arg(long, default_value_t = 3.0)]
        over_generation: f64,
        /// Model families, comma-separated: stable_diffusion, dalle, sketch.
        #[arg(long, default_value = "sketch,stable_diffusion,dalle")]
        models: String,
        /// Learned weights and boosts as JSON (`{"preferences": [..], "boosts": [..], "negatives": [..]}`).
        #[arg(long)]
        personalisation: Option<PathBuf>,
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Applies the schema's migrations that are missing to a Spin deployment's database, each in
    /// one transaction, recorded in `schema_migrations` (a second run applies nothing). DATABASE is
    /// `postgres://<schema owner>@host:port/db` or a SQLite file path (`sqlite:<path>` or `<path>`).
    Migrate { database: String },
    /// Administers a deployment through its admin API (Workers and Spin alike), with the admin
    /// token from the environment variable `BFF_ADMIN_TOKEN` (never an argument: arguments show
    /// in process lists and shell history).
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Writes a seeded synthetic sample (clustered unit vectors, quality scores, attributes, targets).
    Sample {
        #[arg(long, default_value_t = 60)]
        n: usize,
        #[arg(long, default_value_t = 512)]
        dim: usize,
        #[arg(long, default_value_t = 5)]
        clusters: usize,
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Creates a user and their first token; prints the user id and the token (shown once).
    CreateUser {
        /// The deployment's URL, e.g. `https://bff-gateway.example.workers.dev`.
        #[arg(long)]
        url: String,
        #[arg(long)]
        name: String,
        /// The first token's label.
        #[arg(long)]
        label: Option<String>,
        /// When the first token stops working (RFC 3339); default: never.
        #[arg(long)]
        expires_at: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn run(command: Command) -> Result<String> {
    let value = match command {
        Command::Migrate { database } => migrate(&database)?,
        Command::Admin { command } => admin(command)?,
        Command::Cluster {
            input,
            k_min,
            k_max,
            runs,
            max_iterations,
            tolerance,
            silhouette_exact_limit,
            seed,
        } => {
            let data = read_json::<EmbeddingsInput>(&input)?.into_embeddings()?;
            let params = AutoKParams {
                k_min,
                k_max,
                n_runs: runs,
                max_iterations,
                tolerance,
                silhouette_exact_limit,
            };
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
            let result = choose_k(&data, &params, &mut rng).context("cannot cluster")?;
            serde_json::to_value(result)?
        }
        Command::Select {
            input,
            picks,
            theta,
            epsilon,
            near_duplicate_cosine,
            clusters_from,
            max_cluster_share,
        } => {
            let request: SelectInput = read_json(&input)?;
            let data = EmbeddingsInput::Rows(request.embeddings).into_embeddings()?;
            let labels = match clusters_from {
                Some(path) => Some(read_json::<AutoKResult>(&path)?.model.labels),
                None => request.clusters,
            };
            let threshold = match near_duplicate_cosine.as_str() {
                "off" | "none" => None,
                text => Some(text.parse::<f64>().with_context(|| {
                    format!("--near-duplicate-cosine must be a number or `off`, got `{text}`")
                })?),
            };
            let params = DppParams::new(picks)
                .theta(theta)
                .epsilon(epsilon)
                .near_duplicate_cosine(threshold)
                .clusters(labels.map(|labels| ClusterConstraint {
                    labels,
                    max_share: max_cluster_share,
                }));
            let selection = select(&data, &request.quality, &params).context("cannot select")?;
            serde_json::to_value(selection)?
        }
        Command::Coverage { input, selection } => {
            let request: CoverageInput = read_json(&input)?;
            let mut images = request.images;
            if let Some(path) = selection {
                let selection: Selection = read_json(&path)?;
                let mut picked = Vec::with_capacity(selection.picks.len());
                for pick in &selection.picks {
                    let image = images.get(pick.index).with_context(|| {
                        format!(
                            "the selection picks image {} but the input has {} images",
                            pick.index,
                            images.len()
                        )
                    })?;
                    picked.push(image.clone());
                }
                images = picked;
            }
            let config = bff_math::coverage::CoverageConfig::new(request.set_size);
            let report = bff_math::coverage::analyse_coverage(&request.targets, &images, &config)
                .context("cannot compute coverage")?;
            serde_json::to_value(report)?
        }
        Command::Brief { text } => {
            let brief = bff_domain::parse_brief(&text, bff_domain::Taxonomy::embedded())
                .context("cannot read the brief")?;
            serde_json::to_value(brief)?
        }
        Command::Plan {
            text,
            designs,
            over_generation,
            models,
            personalisation,
            seed,
        } => {
            use bff_domain::prompt::{plan_designs, DesignRequest, ModelFamily, PlanConfig};
            let taxonomy = bff_domain::Taxonomy::embedded();
            let brief =
                bff_domain::parse_brief(&text, taxonomy).context("cannot read the brief")?;
            let models = models
                .split(',')
                .map(|m| {
                    serde_json::from_value::<ModelFamily>(serde_json::Value::String(
                        m.trim().into(),
                    ))
                    .with_context(|| format!("unknown model family `{m}`"))
                })
                .collect::<Result<Vec<_>>>()?;
            let personal = match personalisation {
                Some(path) => read_json(&path)?,
                None => Default::default(),
            };
            let config = PlanConfig {
                over_generation,
                models,
                ..PlanConfig::default()
            };
            let designs = designs.or(brief.count).unwrap_or(12);
            let plan = plan_designs(
                &DesignRequest::from(&brief),
                designs,
                &config,
                &personal,
                taxonomy,
                seed,
            )
            .context("cannot plan")?;
            serde_json::json!({ "brief": brief, "plan": plan })
        }
        Command::Sample {
            n,
            dim,
            clusters,
            seed,
        } => serde_json::to_value(sample::generate(n, dim, clusters, seed)?)?,
    };
    Ok(serde_json::to_string(&value)?)
}

/// Other fields (such as those of a `bff sample` file) are ignored.
#[derive(Deserialize)]
struct SelectInput {
    embeddings: Vec<Vec<f32>>,
    quality: Vec<f64>,
    #[serde(default)]
    clusters: Option<Vec<usize>>,
}

/// Other fields of a `bff sample` file are ignored, so a sample can be fed as it is.
#[derive(Deserialize)]
struct CoverageInput {
    targets: Vec<bff_math::coverage::CoverageTarget>,
    images: Vec<bff_math::coverage::ObservedImage>,
    set_size: usize,
}

/// `bff migrate`: the product's migration runner (`bff_store::migrations`) on a native connection.
fn migrate(database: &str) -> Result<serde_json::Value> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let now = bff_pipeline::Timestamp::from_unix_ms(now);
    let applied = if database.starts_with("postgres://") || database.starts_with("postgresql://") {
        let conn = bff_store::native::PostgresConnection::connect(database)?;
        pollster::block_on(bff_store::migrations::migrate(&conn, now.as_str()))?
    } else {
        let path = std::path::Path::new(database.strip_prefix("sqlite:").unwrap_or(database));
        // A new deployment's folder (`.spin/data/` of the runtime config) may not exist yet.
        if let Some(folder) = path.parent().filter(|f| !f.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder)?;
        }
        let conn = bff_store::native::SqliteConnection::open(path)?;
        pollster::block_on(bff_store::migrations::migrate(&conn, now.as_str()))?
    };
    Ok(serde_json::json!({ "applied": applied }))
}

/// Calls the admin API. The answer is printed as the deployment gave it; an error answer's body
/// is a JSON error that names no secret.
fn admin(command: AdminCommand) -> Result<serde_json::Value> {
    let token = std::env::var("BFF_ADMIN_TOKEN").unwrap_or_default();
    if token.trim().is_empty() {
        bail!("set BFF_ADMIN_TOKEN to the deployment's admin token");
    }
    let AdminCommand::CreateUser {
        url,
        name,
        label,
        expires_at,
    } = command;
    let mut body = serde_json::json!({ "name": name });
    if let Some(label) = label {
        body["label"] = label.into();
    }
    if let Some(expires_at) = expires_at {
        body["expires_at"] = expires_at.into();
    }
    let endpoint = format!("{}/api/admin/users", url.trim_end_matches('/'));
    let answer = ureq::post(&endpoint)
        .set("Authorization", &format!("Bearer {}", token.trim()))
        .set("Content-Type", "application/json")
        .send_string(&body.to_string());
    match answer {
        Ok(reply) => Ok(reply.into_json()?),
        Err(ureq::Error::Status(status, reply)) => {
            let text = reply.into_string().unwrap_or_default();
            bail!("{endpoint} answered {status}: {text}")
        }
        Err(e) => bail!("{endpoint} could not be reached: {e}"),
    }
}
