//! Replicate: create a prediction (`POST {base}/v1/models/{owner}/{name}/predictions` with
//! `prefer: wait`, which may answer finished), poll `GET {base}/v1/predictions/{id}` until it is
//! `succeeded`, `failed` or `canceled`, then download the output URL at once (it expires after an
//! hour; the caller copies the image to the blob store). Input shapes: FLUX schnell (`prompt`,
//! `aspect_ratio`, `seed`, `output_format`, `num_outputs`) and SDXL (`prompt`, `negative_prompt`,
//! `width`, `height`, `seed`, `num_outputs`). A failed prediction whose error names NSFW content is
//! a moderated variant.
//!
//! The flow is a small state machine so that the caller owns the waiting: [`create`] → [`next`]
//! on each answer (poll again, or download) → [`read_image`].

use serde::Deserialize;
use serde_json::{json, Value};

use crate::failure::{self, Failure};
use crate::{Generated, HttpCall, HttpReply};

/// The input shape a model takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    FluxSchnell,
    Sdxl,
}

impl Shape {
    /// The shape of a model by its name: SDXL models by name, FLUX schnell otherwise.
    pub fn of_model(model: &str) -> Shape {
        if model.to_ascii_lowercase().contains("sdxl") {
            Shape::Sdxl
        } else {
            Shape::FluxSchnell
        }
    }
}

/// A deployment's Replicate settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `https://api.replicate.com`, or a compatible server.
    pub base_url: String,
    pub api_token: String,
    /// `black-forest-labs/flux-schnell`, ...
    pub model: String,
    pub shape: Shape,
}

/// What one variant asks of the model.
#[derive(Debug, Clone, PartialEq)]
pub struct Ask<'a> {
    pub prompt: &'a str,
    pub negative_prompt: &'a str,
    pub width: u32,
    pub height: u32,
    pub seed: u64,
}

/// What to do after an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Not finished: ask again (after a short wait the caller chooses).
    Poll(HttpCall),
    /// Finished: fetch the image.
    Download(HttpCall),
}

fn auth(config: &Config) -> (String, String) {
    (
        "authorization".into(),
        format!("Bearer {}", config.api_token),
    )
}

/// The input of a prediction, in the model's shape.
pub fn input(config: &Config, ask: &Ask<'_>) -> Value {
    let seed = ask.seed % (1 << 32);
    match config.shape {
        Shape::FluxSchnell => json!({
            "prompt": ask.prompt,
            "aspect_ratio": crate::stability::aspect_ratio(ask.width, ask.height),
            "seed": seed,
            "output_format": "png",
            "num_outputs": 1,
        }),
        Shape::Sdxl => json!({
            "prompt": ask.prompt,
            "negative_prompt": ask.negative_prompt,
            "width": ask.width.div_ceil(8) * 8,
            "height": ask.height.div_ceil(8) * 8,
            "seed": seed,
            "num_outputs": 1,
        }),
    }
}

/// The request that creates the prediction.
pub fn create(config: &Config, ask: &Ask<'_>) -> HttpCall {
    HttpCall {
        method: "POST",
        url: format!(
            "{}/v1/models/{}/predictions",
            config.base_url.trim_end_matches('/'),
            config.model
        ),
        headers: vec![
            auth(config),
            ("content-type".into(), "application/json".into()),
            ("prefer".into(), "wait".into()),
        ],
        body: json!({ "input": input(config, ask) })
            .to_string()
            .into_bytes(),
    }
}

#[derive(Deserialize)]
struct Prediction {
    id: String,
    status: String,
    #[serde(default)]
    output: Value,
    #[serde(default)]
    error: Value,
}

/// What to do after the answer to [`create`] or to a poll.
pub fn next(config: &Config, reply: &HttpReply) -> Result<Next, Failure> {
    if !(200..300).contains(&reply.status) {
        let detail = serde_json::from_slice::<Value>(&reply.body)
            .ok()
            .and_then(|v| v["detail"].as_str().map(String::from))
            .unwrap_or_default();
        return Err(match reply.status {
            402 => Failure::Stop {
                message: format!("replicate: billing required ({detail}); set up billing"),
            },
            _ => failure::by_status(reply, "replicate", &detail),
        });
    }
    let p: Prediction = serde_json::from_slice(&reply.body).map_err(|e| Failure::Malformed {
        message: format!("replicate: unreadable prediction: {e}"),
    })?;
    match p.status.as_str() {
        "starting" | "processing" => Ok(Next::Poll(HttpCall {
            method: "GET",
            url: format!(
                "{}/v1/predictions/{}",
                config.base_url.trim_end_matches('/'),
                p.id
            ),
            headers: vec![auth(config)],
            body: Vec::new(),
        })),
        "succeeded" => {
            let url = match &p.output {
                Value::String(url) => Some(url.clone()),
                Value::Array(urls) => urls.first().and_then(|u| u.as_str().map(String::from)),
                _ => None,
            }
            .ok_or_else(|| Failure::Malformed {
                message: format!("replicate: prediction {} has no output URL", p.id),
            })?;
            Ok(Next::Download(HttpCall {
                method: "GET",
                url,
                headers: Vec::new(),
                body: Vec::new(),
            }))
        }
        "failed" | "canceled" => {
            let error = p.error.as_str().unwrap_or("no reason given").to_string();
            if error.to_ascii_lowercase().contains("nsfw") {
                Err(Failure::Moderated {
                    reason: format!("replicate: {error}"),
                })
            } else {
                Err(Failure::Rejected {
                    message: format!("replicate: prediction {} {}: {error}", p.id, p.status),
                })
            }
        }
        other => Err(Failure::Malformed {
            message: format!("replicate: unknown prediction status {other:?}"),
        }),
    }
}

/// The downloaded image.
pub fn read_image(config: &Config, ask: &Ask<'_>, reply: &HttpReply) -> Result<Generated, Failure> {
    if !(200..300).contains(&reply.status) {
        // The output URL expired (an hour after the prediction) or the download failed.
        return Err(failure::by_status(reply, "replicate download", ""));
    }
    let (width, height) = crate::image::png_size(&reply.body).map_err(|e| Failure::Malformed {
        message: format!("replicate: {e}"),
    })?;
    Ok(Generated {
        png: reply.body.clone(),
        width,
        height,
        parameters: json!({
            "provider": "replicate",
            "model": config.model,
            "input": input(config, ask),
            "seed_honoured": true,
            "negative_prompt_honoured": config.shape == Shape::Sdxl,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;

    fn reply(status: u16, body: Value) -> HttpReply {
        testing::reply(status, &[], body.to_string())
    }

    fn config(shape: Shape) -> Config {
        Config {
            base_url: "http://127.0.0.1:9".into(),
            api_token: "r8_secret".into(),
            model: "black-forest-labs/flux-schnell".into(),
            shape,
        }
    }

    fn ask() -> Ask<'static> {
        Ask {
            prompt: "linen midi dress",
            negative_prompt: "florals",
            width: 500,
            height: 750,
            seed: 7,
        }
    }

    #[test]
    fn inputs_follow_each_models_shape() {
        let flux = input(&config(Shape::FluxSchnell), &ask());
        assert_eq!(flux["aspect_ratio"], "2:3");
        assert!(flux.get("negative_prompt").is_none());
        let sdxl = input(&config(Shape::Sdxl), &ask());
        assert_eq!(
            (sdxl["width"].as_u64(), sdxl["height"].as_u64()),
            (Some(504), Some(752))
        );
        assert_eq!(sdxl["negative_prompt"], "florals");
        let c = create(&config(Shape::FluxSchnell), &ask());
        assert_eq!(
            c.url,
            "http://127.0.0.1:9/v1/models/black-forest-labs/flux-schnell/predictions"
        );
        assert!(c.headers.contains(&("prefer".into(), "wait".into())));
        assert!(c
            .headers
            .contains(&("authorization".into(), "Bearer r8_secret".into())));
    }

    #[test]
    fn a_prediction_is_polled_until_it_names_its_image() {
        let c = config(Shape::FluxSchnell);
        match next(
            &c,
            &reply(201, json!({ "id": "p1", "status": "processing" })),
        )
        .unwrap()
        {
            Next::Poll(call) => {
                assert_eq!(call.url, "http://127.0.0.1:9/v1/predictions/p1");
                assert_eq!(call.method, "GET");
            }
            other => panic!("{other:?}"),
        }
        let done = json!({ "id": "p1", "status": "succeeded", "output": ["http://127.0.0.1:9/files/p1.png"] });
        assert_eq!(
            next(&c, &reply(200, done)).unwrap(),
            Next::Download(HttpCall {
                method: "GET",
                url: "http://127.0.0.1:9/files/p1.png".into(),
                headers: Vec::new(),
                body: Vec::new(),
            })
        );
        let nsfw = json!({ "id": "p2", "status": "failed", "error": "NSFW content detected. Try running it again, or try a different prompt." });
        assert!(matches!(
            next(&c, &reply(200, nsfw)),
            Err(Failure::Moderated { .. })
        ));
        let failed = json!({ "id": "p3", "status": "failed", "error": "CUDA out of memory" });
        assert!(matches!(
            next(&c, &reply(200, failed)),
            Err(Failure::Rejected { .. })
        ));
        let no_output = json!({ "id": "p4", "status": "succeeded", "output": null });
        assert!(matches!(
            next(&c, &reply(200, no_output)),
            Err(Failure::Malformed { .. })
        ));
        assert!(matches!(
            next(&c, &reply(402, json!({ "detail": "billing" }))),
            Err(Failure::Stop { .. })
        ));
        assert!(matches!(
            next(&c, &reply(401, json!({ "detail": "Unauthenticated" }))),
            Err(Failure::Stop { .. })
        ));
        assert!(matches!(
            next(&c, &reply(429, json!({ "detail": "throttled" }))),
            Err(Failure::Retry { .. })
        ));
    }

    #[test]
    fn the_download_must_be_a_whole_png() {
        let c = config(Shape::FluxSchnell);
        let png = testing::png(2, 3);
        let ok = HttpReply {
            status: 200,
            headers: Vec::new(),
            body: png.clone(),
        };
        assert_eq!(read_image(&c, &ask(), &ok).unwrap().width, 2);
        let cut = HttpReply {
            status: 200,
            headers: Vec::new(),
            body: png[..png.len() / 2].to_vec(),
        };
        assert!(matches!(
            read_image(&c, &ask(), &cut),
            Err(Failure::Malformed { .. })
        ));
        let expired = HttpReply {
            status: 404,
            headers: Vec::new(),
            body: Vec::new(),
        };
        assert!(matches!(
            read_image(&c, &ask(), &expired),
            Err(Failure::Rejected { .. })
        ));
    }
}
