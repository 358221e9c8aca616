//! `bff-clip --model-dir DIR [--name NAME] [--listen 127.0.0.1:0] [--api-key KEY] [--workers N]`
//!
//! Loads the model, starts the server, prints one JSON line
//! `{"url": "http://127.0.0.1:PORT", "model": NAME, "dimension": D}` on stdout once it answers
//! (a supervisor or test reads the port from it when it asked for port 0), and runs until killed.
//! The key may come from `BFF_CLIP_API_KEY` instead of the command line, where other users of
//! the machine could read it. Errors go to stderr with exit code 2 (usage) or 1 (start-up).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use bff_clip::{serve, Api, ClipEmbedder, DEFAULT_WORKERS};

const USAGE: &str =
    "usage: bff-clip --model-dir DIR [--name NAME] [--listen ADDR] [--api-key KEY] [--workers N]

Serves CLIP image and text embeddings from a Hugging Face model folder (config.json,
model.safetensors, tokenizer.json) over an OpenAI-style API (POST /embeddings, GET /models,
GET /health).

  --model-dir DIR  the model folder
  --name NAME      the model id clients send and see (default: the folder's name)
  --listen ADDR    the address to bind (default: 127.0.0.1:0, a free port)
  --api-key KEY    require `Authorization: Bearer KEY` (default: $BFF_CLIP_API_KEY, or none)
  --workers N      embedding batches computed at once (default: 2)";

struct Options {
    model_dir: PathBuf,
    name: Option<String>,
    listen: String,
    api_key: Option<String>,
    workers: usize,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut model_dir = None;
    let mut name = None;
    let mut listen = "127.0.0.1:0".to_string();
    let mut api_key = None;
    let mut workers = DEFAULT_WORKERS;
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
            "--listen" => listen = value()?,
            "--api-key" => api_key = Some(value()?),
            "--workers" => {
                let text = value()?;
                workers = text
                    .parse()
                    .ok()
                    .filter(|n| (1..=64).contains(n))
                    .ok_or_else(|| format!("--workers {text}: a number from 1 to 64"))?;
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(Options {
        model_dir: model_dir.ok_or("--model-dir is required")?,
        name,
        listen,
        api_key,
        workers,
    })
}

fn main() -> ExitCode {
    let options = match parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) if message.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("bff-clip: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
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

    #[test]
    fn flags_take_values_after_a_space_or_an_equals_sign() {
        let options = parse(args(&[
            "--model-dir",
            "/m/fashion-clip",
            "--listen=0.0.0.0:7997",
            "--api-key",
            "k",
            "--workers=2",
        ]))
        .unwrap();
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
}
