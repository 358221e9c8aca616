//! Checks `model.safetensors` against the sizes in `config.json` before candle reads it.
//!
//! candle checks shapes too, but one tensor at a time and deep inside the model's constructor,
//! and it quietly makes up two tensors when they are absent (a random class embedding and a
//! default logit scale): a checkpoint missing `class_embedding` would load and serve vectors that
//! change at every start. Checking the header first refuses such a file at start, naming every
//! tensor that is missing or of the wrong shape at once, instead of the first one candle meets.

use safetensors::{Dtype, SafeTensorError, SafeTensors};

use crate::config::ModelConfig;

/// How many problems one message lists before summing up the rest.
const LISTED: usize = 8;

/// A tensor the loader reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedTensor {
    /// Its name in Hugging Face transformers' `CLIPModel` state dict.
    pub name: String,
    pub shape: Vec<usize>,
    /// `logit_scale` only scales similarity scores, never an embedding: a checkpoint without it
    /// is still served.
    pub required: bool,
}

/// Every tensor a CLIP model of these sizes reads, with its shape. Other tensors in the file
/// (e.g. the `position_ids` buffers older checkpoints carry) are ignored.
pub fn expected_tensors(config: &ModelConfig) -> Vec<ExpectedTensor> {
    let mut out = Vec::new();
    let mut add = |name: String, shape: Vec<usize>| {
        out.push(ExpectedTensor {
            name,
            shape,
            required: true,
        })
    };
    let t = &config.text;
    let v = &config.vision;
    add(
        "text_model.embeddings.token_embedding.weight".into(),
        vec![t.vocab_size, t.hidden_size],
    );
    add(
        "text_model.embeddings.position_embedding.weight".into(),
        vec![t.max_position_embeddings, t.hidden_size],
    );
    encoder_layers(
        &mut add,
        "text_model",
        t.num_hidden_layers,
        t.hidden_size,
        t.intermediate_size,
    );
    norm(&mut add, "text_model.final_layer_norm", t.hidden_size);
    add(
        "vision_model.embeddings.class_embedding".into(),
        vec![v.hidden_size],
    );
    add(
        "vision_model.embeddings.patch_embedding.weight".into(),
        vec![v.hidden_size, 3, v.patch_size, v.patch_size],
    );
    add(
        "vision_model.embeddings.position_embedding.weight".into(),
        vec![v.num_positions(), v.hidden_size],
    );
    // Hugging Face's spelling, kept from the original OpenAI code.
    norm(&mut add, "vision_model.pre_layrnorm", v.hidden_size);
    encoder_layers(
        &mut add,
        "vision_model",
        v.num_hidden_layers,
        v.hidden_size,
        v.intermediate_size,
    );
    norm(&mut add, "vision_model.post_layernorm", v.hidden_size);
    add(
        "visual_projection.weight".into(),
        vec![config.projection_dim, v.hidden_size],
    );
    add(
        "text_projection.weight".into(),
        vec![config.projection_dim, t.hidden_size],
    );
    out.push(ExpectedTensor {
        name: "logit_scale".into(),
        shape: vec![],
        required: false,
    });
    out
}

fn norm(add: &mut impl FnMut(String, Vec<usize>), prefix: &str, size: usize) {
    add(format!("{prefix}.weight"), vec![size]);
    add(format!("{prefix}.bias"), vec![size]);
}

fn encoder_layers(
    add: &mut impl FnMut(String, Vec<usize>),
    tower: &str,
    layers: usize,
    hidden: usize,
    intermediate: usize,
) {
    for i in 0..layers {
        let layer = format!("{tower}.encoder.layers.{i}");
        for proj in ["q_proj", "k_proj", "v_proj", "out_proj"] {
            add(
                format!("{layer}.self_attn.{proj}.weight"),
                vec![hidden, hidden],
            );
            add(format!("{layer}.self_attn.{proj}.bias"), vec![hidden]);
        }
        norm(add, &format!("{layer}.layer_norm1"), hidden);
        norm(add, &format!("{layer}.layer_norm2"), hidden);
        add(
            format!("{layer}.mlp.fc1.weight"),
            vec![intermediate, hidden],
        );
        add(format!("{layer}.mlp.fc1.bias"), vec![intermediate]);
        add(
            format!("{layer}.mlp.fc2.weight"),
            vec![hidden, intermediate],
        );
        add(format!("{layer}.mlp.fc2.bias"), vec![hidden]);
    }
}

/// Checks a safetensors file's bytes: readable, and holding every expected tensor in a float
/// type (candle converts F16 and BF16 to F32 on load) and of the expected shape.
pub fn check(bytes: &[u8], config: &ModelConfig) -> Result<(), String> {
    let file = SafeTensors::deserialize(bytes)
        .map_err(|e| format!("not a readable safetensors file ({e})"))?;
    let mut missing = Vec::new();
    let mut wrong = Vec::new();
    for expected in expected_tensors(config) {
        match file.tensor(&expected.name) {
            Ok(view) => {
                if view.shape() != expected.shape.as_slice() {
                    wrong.push(format!(
                        "{} has shape {:?}, expected {:?}",
                        expected.name,
                        view.shape(),
                        expected.shape
                    ));
                } else if !matches!(view.dtype(), Dtype::F32 | Dtype::F16 | Dtype::BF16) {
                    wrong.push(format!(
                        "{} is {:?}, not a float tensor (F32, F16 or BF16)",
                        expected.name,
                        view.dtype()
                    ));
                }
            }
            Err(SafeTensorError::TensorNotFound(_)) if !expected.required => {}
            Err(SafeTensorError::TensorNotFound(_)) => missing.push(expected.name),
            Err(e) => wrong.push(format!("{}: {e}", expected.name)),
        }
    }
    let mut problems = Vec::new();
    if !missing.is_empty() {
        problems.push(format!(
            "{} missing tensor(s): {}",
            missing.len(),
            listed(&missing)
        ));
    }
    if !wrong.is_empty() {
        problems.push(format!(
            "{} tensor(s) that do not fit config.json: {}",
            wrong.len(),
            listed(&wrong)
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

fn listed(items: &[String]) -> String {
    let mut text = items
        .iter()
        .take(LISTED)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > LISTED {
        text.push_str(&format!(" and {} more", items.len() - LISTED));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_base_model_reads_the_tensors_of_hugging_faces_state_dict() {
        let config = ModelConfig::from_json(r#"{"text_config": {}, "vision_config": {}}"#).unwrap();
        let tensors = expected_tensors(&config);
        // 16 tensors per encoder layer, 12 + 12 layers; 2 + 2 text embeddings and final norm;
        // 3 + 2 + 2 vision embeddings and norms; 2 projections; logit_scale.
        assert_eq!(tensors.len(), 16 * 24 + 4 + 7 + 2 + 1);
        let shape = |name: &str| {
            tensors
                .iter()
                .find(|t| t.name == name)
                .map(|t| t.shape.clone())
                .unwrap()
        };
        assert_eq!(
            shape("vision_model.embeddings.position_embedding.weight"),
            [50, 768]
        );
        assert_eq!(
            shape("vision_model.embeddings.patch_embedding.weight"),
            [768, 3, 32, 32]
        );
        assert_eq!(shape("text_projection.weight"), [512, 512]);
        assert_eq!(shape("visual_projection.weight"), [512, 768]);
        assert_eq!(
            shape("text_model.encoder.layers.11.mlp.fc1.weight"),
            [2048, 512]
        );
    }

    #[test]
    fn unreadable_bytes_are_refused() {
        let config = ModelConfig::from_json(r#"{"text_config": {}, "vision_config": {}}"#).unwrap();
        let error = check(b"definitely not safetensors", &config).unwrap_err();
        assert!(error.contains("not a readable safetensors file"), "{error}");
    }
}
