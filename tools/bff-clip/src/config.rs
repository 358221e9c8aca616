//! The model's `config.json` (Hugging Face `CLIPConfig`) read into candle's [`ClipConfig`].
//!
//! candle's constructors are fixed presets (`ClipConfig::vit_base_patch32`), so the sizes are
//! taken from the file instead: a FashionCLIP or any other CLIP checkpoint of the same layout
//! then loads without code changes. A missing field takes the default of Hugging Face
//! transformers' `CLIPTextConfig`/`CLIPVisionConfig`, because that is what the checkpoint's
//! authors got when they left it out. Fields candle cannot honour (another activation, another
//! layer-norm epsilon, other than three colour channels) are refused here rather than giving
//! silently wrong vectors later.

use candle_transformers::models::clip::{
    text_model::{Activation, ClipTextConfig},
    vision_model::ClipVisionConfig,
    ClipConfig,
};
use serde::Deserialize;

/// The largest image side accepted from a config: a bound on the memory one preprocessed image
/// takes (3 x side x side floats), far above any published CLIP (336).
const MAX_IMAGE_SIZE: usize = 4096;

/// candle's CLIP layers build their layer norms with this epsilon whatever the config says.
const CANDLE_LAYER_NORM_EPS: f64 = 1e-5;

/// The sizes of a CLIP model, as read from `config.json` and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelConfig {
    pub text: TextConfig,
    pub vision: VisionConfig,
    /// The length of both embeddings (`CLIPModel.projection_dim`).
    pub projection_dim: usize,
    pub logit_scale_init_value: f32,
}

/// The text tower's sizes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextConfig {
    pub vocab_size: usize,
    pub hidden_size: usize,
    pub intermediate_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    /// The longest token sequence, start and end tokens included (77 for CLIP).
    pub max_position_embeddings: usize,
    /// Informational only: the ids the text model actually uses come from `tokenizer.json`, since
    /// the original OpenAI configs carry placeholder ids (pad 1, bos 0, eos 2).
    pub pad_token_id: Option<u32>,
    pub bos_token_id: Option<u32>,
    pub eos_token_id: Option<u32>,
}

/// The vision tower's sizes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisionConfig {
    pub hidden_size: usize,
    pub intermediate_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    /// The side of the square input image, in pixels.
    pub image_size: usize,
    pub patch_size: usize,
}

impl VisionConfig {
    /// Patches plus the class token: the length of the vision sequence and of its position table.
    pub fn num_positions(&self) -> usize {
        (self.image_size / self.patch_size).pow(2) + 1
    }
}

/// A `config.json` that cannot be used, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

#[derive(Deserialize)]
struct HfConfig {
    #[serde(default)]
    model_type: Option<String>,
    #[serde(default = "default_projection_dim")]
    projection_dim: usize,
    #[serde(default = "default_logit_scale")]
    logit_scale_init_value: f32,
    text_config: Option<HfTextConfig>,
    vision_config: Option<HfVisionConfig>,
}

#[derive(Deserialize)]
struct HfTextConfig {
    #[serde(default = "default_vocab_size")]
    vocab_size: usize,
    #[serde(default = "default_text_hidden")]
    hidden_size: usize,
    #[serde(default = "default_text_intermediate")]
    intermediate_size: usize,
    #[serde(default = "default_layers")]
    num_hidden_layers: usize,
    #[serde(default = "default_text_heads")]
    num_attention_heads: usize,
    #[serde(default = "default_max_positions")]
    max_position_embeddings: usize,
    #[serde(default = "default_act")]
    hidden_act: String,
    #[serde(default = "default_eps")]
    layer_norm_eps: f64,
    #[serde(default)]
    pad_token_id: Option<u32>,
    #[serde(default)]
    bos_token_id: Option<u32>,
    #[serde(default)]
    eos_token_id: Option<u32>,
}

#[derive(Deserialize)]
struct HfVisionConfig {
    #[serde(default = "default_vision_hidden")]
    hidden_size: usize,
    #[serde(default = "default_vision_intermediate")]
    intermediate_size: usize,
    #[serde(default = "default_layers")]
    num_hidden_layers: usize,
    #[serde(default = "default_vision_heads")]
    num_attention_heads: usize,
    #[serde(default = "default_channels")]
    num_channels: usize,
    #[serde(default = "default_image_size")]
    image_size: usize,
    #[serde(default = "default_patch_size")]
    patch_size: usize,
    #[serde(default = "default_act")]
    hidden_act: String,
    #[serde(default = "default_eps")]
    layer_norm_eps: f64,
}

// Hugging Face transformers' defaults (CLIPConfig, CLIPTextConfig, CLIPVisionConfig).
fn default_projection_dim() -> usize {
    512
}
fn default_logit_scale() -> f32 {
    2.6592
}
fn default_vocab_size() -> usize {
    49408
}
fn default_text_hidden() -> usize {
    512
}
fn default_text_intermediate() -> usize {
    2048
}
fn default_layers() -> usize {
    12
}
fn default_text_heads() -> usize {
    8
}
fn default_max_positions() -> usize {
    77
}
fn default_act() -> String {
    "quick_gelu".into()
}
fn default_eps() -> f64 {
    1e-5
}
fn default_vision_hidden() -> usize {
    768
}
fn default_vision_intermediate() -> usize {
    3072
}
fn default_vision_heads() -> usize {
    12
}
fn default_channels() -> usize {
    3
}
fn default_image_size() -> usize {
    224
}
fn default_patch_size() -> usize {
    32
}

impl ModelConfig {
    /// Reads and checks the text of a `config.json`.
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        let hf: HfConfig = serde_json::from_str(text)
            .map_err(|e| ConfigError(format!("not a CLIP config: {e}")))?;
        if let Some(kind) = hf.model_type.as_deref() {
            if kind != "clip" {
                return Err(ConfigError(format!(
                    "model_type is \"{kind}\", not \"clip\" (a whole CLIPModel with both towers is needed)"
                )));
            }
        }
        let text = hf
            .text_config
            .ok_or_else(|| ConfigError("no \"text_config\"".into()))?;
        let vision = hf
            .vision_config
            .ok_or_else(|| ConfigError("no \"vision_config\"".into()))?;

        positive("projection_dim", hf.projection_dim)?;
        for (name, value) in [
            ("text_config.vocab_size", text.vocab_size),
            ("text_config.hidden_size", text.hidden_size),
            ("text_config.intermediate_size", text.intermediate_size),
            ("text_config.num_hidden_layers", text.num_hidden_layers),
            ("text_config.num_attention_heads", text.num_attention_heads),
            (
                "text_config.max_position_embeddings",
                text.max_position_embeddings,
            ),
            ("vision_config.hidden_size", vision.hidden_size),
            ("vision_config.intermediate_size", vision.intermediate_size),
            ("vision_config.num_hidden_layers", vision.num_hidden_layers),
            (
                "vision_config.num_attention_heads",
                vision.num_attention_heads,
            ),
            ("vision_config.image_size", vision.image_size),
            ("vision_config.patch_size", vision.patch_size),
        ] {
            positive(name, value)?;
        }
        divides("text_config", text.hidden_size, text.num_attention_heads)?;
        divides(
            "vision_config",
            vision.hidden_size,
            vision.num_attention_heads,
        )?;
        if text.max_position_embeddings < 2 {
            return Err(ConfigError(
                "text_config.max_position_embeddings must hold at least the start and end tokens"
                    .into(),
            ));
        }
        if vision.patch_size > vision.image_size {
            return Err(ConfigError(format!(
                "vision_config.patch_size {} is larger than image_size {}",
                vision.patch_size, vision.image_size
            )));
        }
        if vision.image_size > MAX_IMAGE_SIZE {
            return Err(ConfigError(format!(
                "vision_config.image_size {} is above {MAX_IMAGE_SIZE}",
                vision.image_size
            )));
        }
        if vision.num_channels != 3 {
            return Err(ConfigError(format!(
                "vision_config.num_channels is {}; only RGB (3) images are served",
                vision.num_channels
            )));
        }
        for (tower, act, eps) in [
            ("text_config", &text.hidden_act, text.layer_norm_eps),
            ("vision_config", &vision.hidden_act, vision.layer_norm_eps),
        ] {
            if act != "quick_gelu" {
                return Err(ConfigError(format!(
                    "{tower}.hidden_act is \"{act}\"; candle's CLIP implements \"quick_gelu\" only"
                )));
            }
            if (eps - CANDLE_LAYER_NORM_EPS).abs() > 1e-12 {
                return Err(ConfigError(format!(
                    "{tower}.layer_norm_eps is {eps}; candle's CLIP uses {CANDLE_LAYER_NORM_EPS}"
                )));
            }
        }
        Ok(Self {
            text: TextConfig {
                vocab_size: text.vocab_size,
                hidden_size: text.hidden_size,
                intermediate_size: text.intermediate_size,
                num_hidden_layers: text.num_hidden_layers,
                num_attention_heads: text.num_attention_heads,
                max_position_embeddings: text.max_position_embeddings,
                pad_token_id: text.pad_token_id,
                bos_token_id: text.bos_token_id,
                eos_token_id: text.eos_token_id,
            },
            vision: VisionConfig {
                hidden_size: vision.hidden_size,
                intermediate_size: vision.intermediate_size,
                num_hidden_layers: vision.num_hidden_layers,
                num_attention_heads: vision.num_attention_heads,
                image_size: vision.image_size,
                patch_size: vision.patch_size,
            },
            projection_dim: hf.projection_dim,
            logit_scale_init_value: hf.logit_scale_init_value,
        })
    }

    /// candle's configuration for the same sizes. `pad_with` is left unset: it only matters to
    /// candle's Stable Diffusion text encoder, and padding is done by [`crate::ClipEmbedder`].
    pub fn to_candle(&self) -> ClipConfig {
        ClipConfig {
            text_config: ClipTextConfig {
                vocab_size: self.text.vocab_size,
                embed_dim: self.text.hidden_size,
                activation: Activation::QuickGelu,
                intermediate_size: self.text.intermediate_size,
                max_position_embeddings: self.text.max_position_embeddings,
                pad_with: None,
                num_hidden_layers: self.text.num_hidden_layers,
                num_attention_heads: self.text.num_attention_heads,
                projection_dim: self.projection_dim,
            },
            vision_config: ClipVisionConfig {
                embed_dim: self.vision.hidden_size,
                activation: Activation::QuickGelu,
                intermediate_size: self.vision.intermediate_size,
                num_hidden_layers: self.vision.num_hidden_layers,
                num_attention_heads: self.vision.num_attention_heads,
                projection_dim: self.projection_dim,
                num_channels: 3,
                image_size: self.vision.image_size,
                patch_size: self.vision.patch_size,
            },
            logit_scale_init_value: self.logit_scale_init_value,
            image_size: self.vision.image_size,
        }
    }
}

fn positive(name: &str, value: usize) -> Result<(), ConfigError> {
    if value == 0 {
        return Err(ConfigError(format!("{name} is 0")));
    }
    Ok(())
}

fn divides(tower: &str, hidden: usize, heads: usize) -> Result<(), ConfigError> {
    if !hidden.is_multiple_of(heads) {
        return Err(ConfigError(format!(
            "{tower}.hidden_size {hidden} is not a multiple of num_attention_heads {heads}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fields of `openai/clip-vit-base-patch32`'s config.json that matter here (the real file
    /// carries dozens more, which are ignored).
    const VIT_B32: &str = r#"{
        "architectures": ["CLIPModel"], "model_type": "clip", "projection_dim": 512,
        "logit_scale_init_value": 2.6592, "initializer_factor": 1.0,
        "text_config": {"hidden_size": 512, "intermediate_size": 2048, "num_attention_heads": 8,
            "num_hidden_layers": 12, "max_position_embeddings": 77, "vocab_size": 49408,
            "hidden_act": "quick_gelu", "layer_norm_eps": 1e-05, "bos_token_id": 0,
            "eos_token_id": 2, "pad_token_id": 1, "projection_dim": 512, "model_type": "clip_text_model"},
        "vision_config": {"hidden_size": 768, "intermediate_size": 3072, "num_attention_heads": 12,
            "num_hidden_layers": 12, "image_size": 224, "patch_size": 32, "hidden_act": "quick_gelu",
            "layer_norm_eps": 1e-05, "projection_dim": 512, "num_channels": 3}
    }"#;

    #[test]
    fn the_openai_base_config_maps_to_candles_preset() {
        let config = ModelConfig::from_json(VIT_B32).unwrap();
        assert_eq!(config.projection_dim, 512);
        assert_eq!(config.vision.num_positions(), 50);
        let ours = config.to_candle();
        let preset = ClipConfig::vit_base_patch32();
        // candle's configs implement neither PartialEq nor Serialize: compare their debug forms.
        assert_eq!(
            format!("{:?}", ours.text_config),
            format!("{:?}", preset.text_config)
        );
        assert_eq!(
            format!("{:?}", ours.vision_config),
            format!("{:?}", preset.vision_config)
        );
        assert_eq!(ours.image_size, preset.image_size);
    }

    #[test]
    fn missing_fields_take_hugging_faces_defaults() {
        let config = ModelConfig::from_json(r#"{"text_config": {}, "vision_config": {}}"#).unwrap();
        assert_eq!(
            config,
            ModelConfig::from_json(VIT_B32)
                .map(|mut c| {
                    c.text.pad_token_id = None;
                    c.text.bos_token_id = None;
                    c.text.eos_token_id = None;
                    c
                })
                .unwrap()
        );
    }

    #[test]
    fn configs_candle_cannot_run_are_refused_with_the_reason() {
        let cases = [
            ("{", "not a CLIP config"),
            (r#"{"vision_config": {}}"#, "no \"text_config\""),
            (r#"{"text_config": {}}"#, "no \"vision_config\""),
            (
                r#"{"model_type": "siglip", "text_config": {}, "vision_config": {}}"#,
                "model_type is \"siglip\"",
            ),
            (
                r#"{"text_config": {"hidden_act": "gelu"}, "vision_config": {}}"#,
                "text_config.hidden_act is \"gelu\"",
            ),
            (
                r#"{"text_config": {}, "vision_config": {"layer_norm_eps": 1e-6}}"#,
                "vision_config.layer_norm_eps",
            ),
            (
                r#"{"text_config": {"num_attention_heads": 0}, "vision_config": {}}"#,
                "text_config.num_attention_heads is 0",
            ),
            (
                r#"{"text_config": {"hidden_size": 30, "num_attention_heads": 4}, "vision_config": {}}"#,
                "not a multiple",
            ),
            (
                r#"{"text_config": {}, "vision_config": {"patch_size": 300}}"#,
                "larger than image_size",
            ),
            (
                r#"{"text_config": {}, "vision_config": {"num_channels": 1}}"#,
                "num_channels is 1",
            ),
            (
                r#"{"projection_dim": 0, "text_config": {}, "vision_config": {}}"#,
                "projection_dim is 0",
            ),
            (
                r#"{"text_config": {"hidden_size": -1}, "vision_config": {}}"#,
                "not a CLIP config",
            ),
        ];
        for (json, expected) in cases {
            let error = ModelConfig::from_json(json).unwrap_err();
            assert!(
                error.0.contains(expected),
                "{json}: {error} does not mention {expected}"
            );
        }
    }
}
