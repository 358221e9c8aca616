//! A validated matrix of embeddings: `n` rows of dimension `dim`, all values finite.

use serde::Serialize;

use crate::linalg;

/// Why a set of vectors was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EmbeddingsError {
    #[error("no embeddings were given")]
    Empty,
    #[error("embeddings must have at least one dimension")]
    ZeroDimension,
    #[error("row {row} has {found} values, expected {expected}")]
    RaggedRow {
        row: usize,
        expected: usize,
        found: usize,
    },
    #[error("row {row}, column {col} is not a finite number")]
    NonFinite { row: usize, col: usize },
    #[error("row {row} is the zero vector and cannot be L2-normalised")]
    ZeroVector { row: usize },
}

/// Row-major `n × dim` matrix of `f32` with every value finite.
///
/// `f32` because embeddings are produced and stored in single precision;
/// accumulations that need more precision are done in `f64` by the algorithms.
#[derive(Debug, Clone, PartialEq)]
pub struct Embeddings {
    data: Vec<f32>,
    dim: usize,
}

impl Embeddings {
    /// Builds from rows, checking that all rows have the same length and all values are finite.
    pub fn from_rows<R: AsRef<[f32]>>(rows: &[R]) -> Result<Self, EmbeddingsError> {
        let first = rows.first().ok_or(EmbeddingsError::Empty)?;
        let dim = first.as_ref().len();
        let mut data = Vec::with_capacity(rows.len() * dim);
        for (row, values) in rows.iter().enumerate() {
            let values = values.as_ref();
            if values.len() != dim {
                return Err(EmbeddingsError::RaggedRow {
                    row,
                    expected: dim,
                    found: values.len(),
                });
            }
            data.extend_from_slice(values);
        }
        Self::from_flat(data, dim)
    }

    /// Builds from a flat row-major buffer whose length is a multiple of `dim`.
    pub fn from_flat(data: Vec<f32>, dim: usize) -> Result<Self, EmbeddingsError> {
        if dim == 0 {
            return Err(EmbeddingsError::ZeroDimension);
        }
        if data.is_empty() {
            return Err(EmbeddingsError::Empty);
        }
        if data.len() % dim != 0 {
            return Err(EmbeddingsError::RaggedRow {
                row: data.len() / dim,
                expected: dim,
                found: data.len() % dim,
            });
        }
        if let Some(pos) = data.iter().position(|v| !v.is_finite()) {
            return Err(EmbeddingsError::NonFinite {
                row: pos / dim,
                col: pos % dim,
            });
        }
        Ok(Self { data, dim })
    }

    /// Returns a copy with every row scaled to unit L2 norm; a zero row is an error.
    pub fn l2_normalised(&self) -> Result<Self, EmbeddingsError> {
        let mut data = self.data.clone();
        for (row, values) in data.chunks_exact_mut(self.dim).enumerate() {
            let norm = linalg::sq_norm(values).sqrt();
            if norm == 0.0 || !norm.is_finite() {
                return Err(EmbeddingsError::ZeroVector { row });
            }
            let inv = (1.0 / norm) as f32;
            values.iter_mut().for_each(|v| *v *= inv);
        }
        Ok(Self {
            data,
            dim: self.dim,
        })
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.data.len() / self.dim
    }

    /// Always false: an `Embeddings` has at least one row.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Dimension of every row.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Row `i`. Panics when `i >= len()`, like slice indexing.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.data[i * self.dim..(i + 1) * self.dim]
    }

    /// Iterator over rows.
    pub fn rows(&self) -> impl ExactSizeIterator<Item = &[f32]> + '_ {
        self.data.chunks_exact(self.dim)
    }

    /// The flat row-major buffer.
    pub fn as_flat(&self) -> &[f32] {
        &self.data
    }

    /// A new matrix made of the given rows, in that order.
    pub fn select_rows(&self, indices: &[usize]) -> Self {
        let mut data = Vec::with_capacity(indices.len() * self.dim);
        for &i in indices {
            data.extend_from_slice(self.row(i));
        }
        Self {
            data,
            dim: self.dim,
        }
    }

    /// Number of distinct rows (`-0.0` and `0.0` count as equal).
    ///
    /// Sorts row indices lexicographically instead of hashing copies of the rows: no per-row
    /// allocation, which matters in a Worker's 128 MB where wasm memory never shrinks.
    pub fn distinct_rows(&self) -> usize {
        let mut order: Vec<usize> = (0..self.len()).collect();
        let compare = |a: &usize, b: &usize| {
            self.row(*a)
                .iter()
                .zip(self.row(*b))
                .map(|(x, y)| (x + 0.0).total_cmp(&(y + 0.0)))
                .find(|o| o.is_ne())
                .unwrap_or(std::cmp::Ordering::Equal)
        };
        order.sort_unstable_by(compare);
        1 + order
            .windows(2)
            .filter(|w| compare(&w[0], &w[1]).is_ne())
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_empty_ragged_and_non_finite_input() {
        let empty: [Vec<f32>; 0] = [];
        assert_eq!(Embeddings::from_rows(&empty), Err(EmbeddingsError::Empty));
        assert_eq!(
            Embeddings::from_rows(&[vec![1.0, 2.0], vec![1.0]]),
            Err(EmbeddingsError::RaggedRow {
                row: 1,
                expected: 2,
                found: 1
            })
        );
        assert_eq!(
            Embeddings::from_rows(&[vec![1.0, f32::NAN]]),
            Err(EmbeddingsError::NonFinite { row: 0, col: 1 })
        );
        assert_eq!(
            Embeddings::from_rows(&[vec![f32::INFINITY]]),
            Err(EmbeddingsError::NonFinite { row: 0, col: 0 })
        );
        assert_eq!(
            Embeddings::from_flat(vec![], 3),
            Err(EmbeddingsError::Empty)
        );
        assert_eq!(
            Embeddings::from_flat(vec![1.0], 0),
            Err(EmbeddingsError::ZeroDimension)
        );
    }

    #[test]
    fn normalising_gives_unit_rows_and_refuses_zero_vectors() {
        let e = Embeddings::from_rows(&[vec![3.0, 4.0], vec![0.0, 2.0]]).unwrap();
        let n = e.l2_normalised().unwrap();
        assert_eq!(n.row(0), &[0.6, 0.8]);
        assert_eq!(n.row(1), &[0.0, 1.0]);
        let z = Embeddings::from_rows(&[vec![1.0, 0.0], vec![0.0, 0.0]]).unwrap();
        assert_eq!(
            z.l2_normalised(),
            Err(EmbeddingsError::ZeroVector { row: 1 })
        );
    }

    #[test]
    fn counts_distinct_rows() {
        let e = Embeddings::from_rows(&[
            vec![1.0, 0.0],
            vec![1.0, 0.0],
            vec![-0.0, 1.0],
            vec![0.0, 1.0],
        ])
        .unwrap();
        assert_eq!(e.distinct_rows(), 2);
    }
}
