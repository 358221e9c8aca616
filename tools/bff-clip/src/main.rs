//! `bff-clip --model-dir DIR [--name NAME] [--listen 127.0.0.1:0] [--api-key KEY] [--workers N]`
//!
//! Loads the model, starts the server, prints one JSON line
//! `{"url": "http://127.0.0.1:PORT", "model": NAME, "dimension": D}` on stdout once it answers
//! (a supervisor or test reads the port from it when it asked for port 0), and runs until killed.
//! The key may come from `BFF_CLIP_API_KEY` instead of the command line, where other users of
//! the machine could read it.
//!
//! `bff-clip --write-tiny-model DIR [--seed N] [--dimension D]`
//!
//! Writes the tiny random-weight checkpoint of [`bff_clip::tiny`] into `DIR` (created if
//! missing; a folder holding another model is refused), prints one JSON line
//! `{"model_dir": "/absolute/DIR", "dimension": D}` and exits, so a harness that does not link
//! candle can then serve it with `bff-clip --model-dir DIR`.
//!
//! Errors go to stderr with exit code 2 (usage) or 1 (start-up, or writing the folder).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use bff_clip::{serve, tiny, Api, ClipEmbedder, DEFAULT_WORKERS};

const USAGE: &str =
    "usage: bff-clip --model-dir DIR [--name NAME] [--listen ADDR] [--api-key KEY] [--workers N]
       bff-clip --write-tiny-model DIR [--seed N] [--dimension D]

Serves CLIP image and text embeddings from a Hugging Face model folder (config.json,
model.safetensors, tokenizer.json) over an OpenAI-style API (POST /embeddings, GET /models,
GET /health).

  --model-dir DIR  the model folder
  --name NAME      the model id clients send and see (default: the folder's name)
  --listen ADDR    the address to bind (default: 127.0.0.1:0, a free port)
  --api-key KEY    require `Authorization: Bearer KEY` (default: $BFF_CLIP_API_KEY, or none)
  --workers N      embedding batches computed at once (default: 2)

--write-tiny-model writes a tiny CLIP checkpoint with seeded random weights (not a model: for
tests and demos) into DIR, created if missing, prints {\"model_dir\": .., \"dimension\": D}
and exits. DIR may be empty or hold an earlier tiny checkpoint, never another model.

  --seed N         the weights' seed (default: 7)
  --dimension D    the embeddings' length, 1 to 4096 (default: 16)";

/// What the command line asks for.
#[derive(Debug, PartialEq)]
enum Command {
    Serve(Options),
    WriteTinyModel {
        dir: PathBuf,
        seed: u64,
        dimension: usize,
    },
}

#[derive(Debug, PartialEq)]
struct Options {
    model_dir: PathBuf,
    name: Option<String>,
    listen: String,
    api_key: Option<String>,
    workers: usize,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Command, String> {
    let mut model_dir = None;
    let mut name = None;
    let mut listen = None;
    let mut api_key = None;
    let mut workers = None;
    let mut tiny_dir = None;
    let mut seed = None;
    let mut dimension = None;
    // The flags given, to say which ones do not go with the mode.
    let mut given = Vec::new();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag.to_string(), Some(value.into())),
            _ => (arg, None),
        };
        if flag == "--help" || flag == "-h" {
            return Err(String::new());
        }
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--model-dir" => model_dir = Some(PathBuf::from(value()?)),
            "--name" => name = Some(value()?),
            "--listen" => listen = Some(value()?),
            "--api-key" => api_key = Some(value()?),
            "--workers" => {
                let text = value()?;
                workers = Some(
                    text.parse()
                        .ok()
                        .filter(|n| (1..=64).contains(n))
                        .ok_or_else(|| format!("--workers {text}: a number from 1 to 64"))?,
                );
            }
            "--write-tiny-model" => tiny_dir = Some(PathBuf::from(value()?)),
            "--seed" => {
                let text = value()?;
                seed = Some(
                    text.parse::<u64>()
                        .map_err(|_| format!("--seed {text}: a whole number from 0"))?,
                );
            }
            "--dimension" => {
                let text = value()?;
                dimension = Some(
                    text.parse::<usize>()
                        .ok()
                        .filter(|d| (1..=tiny::MAX_DIMENSION).contains(d))
                        .ok_or_else(|| {
                            format!(
                                "--dimension {text}: a number from 1 to {}",
                                tiny::MAX_DIMENSION
                            )
                        })?,
                );
            }
            other => return Err(format!("unknown argument {other}")),
        }
        given.push(flag);
    }
    let mismatched = |allowed: &[&str]| {
        given
            .iter()
            .find(|flag| !allowed.contains(&flag.as_str()))
            .cloned()
    };
    if let Some(dir) = tiny_dir {
        if let Some(flag) = mismatched(&["--write-tiny-model", "--seed", "--dimension"]) {
            return Err(format!("{flag} does not go with --write-tiny-model"));
        }
        return Ok(Command::WriteTinyModel {
            dir,
            seed: seed.unwrap_or(tiny::DEFAULT_SEED),
            dimension: dimension.unwrap_or(tiny::DEFAULT_DIMENSION),
        });
    }
    if let Some(flag) = mismatched(&[
        "--model-dir",
        "--name",
        "--listen",
        "--api-key",
        "--workers",
    ]) {
        return Err(format!("{flag} goes only with --write-tiny-model"));
    }
    Ok(Command::Serve(Options {
        model_dir: model_dir.ok_or("--model-dir is required")?,
        name,
        listen: listen.unwrap_or_else(|| "127.0.0.1:0".into()),
        api_key,
        workers: workers.unwrap_or(DEFAULT_WORKERS),
    }))
}

fn main() -> ExitCode {
    match parse(std::env::args().skip(1)) {
        Ok(Command::Serve(options)) => run(options),
        Ok(Command::WriteTinyModel {
            dir,
            seed,
            dimension,
        }) => write_tiny_model(&dir, seed, dimension),
        Err(message) if message.is_empty() => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("bff-clip: {message}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn write_tiny_model(dir: &Path, seed: u64, dimension: usize) -> ExitCode {
    if let Err(e) = tiny::write_tiny_model(dir, seed, dimension) {
        eprintln!("bff-clip: cannot write the tiny model: {e}");
        return ExitCode::from(1);
    }
    // The absolute path, so the line means the same from any working directory.
    let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let written = serde_json::json!({
        "model_dir": dir.to_string_lossy(),
        "dimension": dimension,
    });
    let mut stdout = std::io::stdout().lock();
    match writeln!(stdout, "{written}").and_then(|()| stdout.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(1),
    }
}

fn run(options: Options) -> ExitCode {
    let api_key = options
        .api_key
        .or_else(|| std::env::var("BFF_CLIP_API_KEY").ok())
        .filter(|key| !key.is_empty());
    let name = options.name.unwrap_or_else(|| {
        options
            .model_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "clip".into())
    });
    let embedder = match ClipEmbedder::load(&options.model_dir) {
        Ok(embedder) => embedder,
        Err(e) => {
            eprintln!("bff-clip: cannot load the model: {e}");
            return ExitCode::from(1);
        }
    };
    let api = Arc::new(Api::new(Arc::new(embedder), name, api_key));
    let server = match serve(Arc::clone(&api), &options.listen, options.workers) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("bff-clip: {e}");
            return ExitCode::from(1);
        }
    };
    let ready = serde_json::json!({
        "url": server.url(),
        "model": api.name(),
        "dimension": api.dimension(),
    });
    let mut stdout = std::io::stdout().lock();
    if writeln!(stdout, "{ready}")
        .and_then(|()| stdout.flush())
        .is_err()
    {
        // Whoever started us is gone; serving on would be serving no one.
        return ExitCode::from(1);
    }
    drop(stdout);
    server.wait();
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> impl Iterator<Item = String> {
        list.iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .into_iter()
    }

    fn serve(list: &[&str]) -> Options {
        match parse(args(list)).unwrap() {
            Command::Serve(options) => options,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn flags_take_values_after_a_space_or_an_equals_sign() {
        let options = serve(&[
            "--model-dir",
            "/m/fashion-clip",
            "--listen=0.0.0.0:7997",
            "--api-key",
            "k",
            "--workers=2",
        ]);
        assert_eq!(options.model_dir, PathBuf::from("/m/fashion-clip"));
        assert_eq!(options.listen, "0.0.0.0:7997");
        assert_eq!(options.api_key.as_deref(), Some("k"));
        assert_eq!(options.workers, 2);
        assert_eq!(options.name, None);
    }

    #[test]
    fn bad_command_lines_are_explained() {
        assert_eq!(
            parse(args(&["--name", "x"])).err().unwrap(),
            "--model-dir is required"
        );
        assert_eq!(
            parse(args(&["--model-dir"])).err().unwrap(),
            "--model-dir needs a value"
        );
        assert!(parse(args(&["--model-dir", "m", "--port", "1"]))
            .err()
            .unwrap()
            .contains("unknown argument --port"));
        assert!(parse(args(&["--model-dir", "m", "--workers", "0"]))
            .err()
            .unwrap()
            .contains("1 to 64"));
        assert_eq!(parse(args(&["--help"])).err().unwrap(), "");
    }

    #[test]
    fn write_tiny_model_takes_a_seed_and_a_dimension_and_nothing_else() {
        assert_eq!(
            parse(args(&["--write-tiny-model", "/tmp/tiny"])).unwrap(),
            Command::WriteTinyModel {
                dir: PathBuf::from("/tmp/tiny"),
                seed: tiny::DEFAULT_SEED,
                dimension: tiny::DEFAULT_DIMENSION,
            }
        );
        assert_eq!(
            parse(args(&[
                "--dimension=32",
                "--write-tiny-model",
                "t",
                "--seed",
                "3"
            ]))
            .unwrap(),
            Command::WriteTinyModel {
                dir: PathBuf::from("t"),
                seed: 3,
                dimension: 32,
            }
        );
        let error = |list: &[&str]| parse(args(list)).err().unwrap();
        assert_eq!(
            error(&["--write-tiny-model", "t", "--model-dir", "m"]),
            "--model-dir does not go with --write-tiny-model"
        );
        assert_eq!(
            error(&["--model-dir", "m", "--dimension", "32"]),
            "--dimension goes only with --write-tiny-model"
        );
        assert_eq!(
            error(&["--seed", "1"]),
            "--seed goes only with --write-tiny-model"
        );
        assert!(error(&["--write-tiny-model", "t", "--dimension", "0"]).contains("1 to 4096"));
        assert!(error(&["--write-tiny-model", "t", "--dimension", "4097"]).contains("1 to 4096"));
        assert!(error(&["--write-tiny-model", "t", "--seed", "-1"]).contains("--seed -1"));
        assert_eq!(
            error(&["--write-tiny-model"]),
            "--write-tiny-model needs a value"
        );
    }
}
