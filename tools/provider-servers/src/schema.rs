//! Request fields checked against a provider's parameter table: unknown names, missing required
//! ones, wrong types, values out of range or not among the allowed ones. The providers share the
//! checking and word the problems their own way.

use serde_json::{Map, Value};

/// What a field takes.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    /// A string of `min..=max` characters.
    Text {
        min: usize,
        max: usize,
    },
    Int {
        min: i64,
        max: i64,
    },
    Number {
        min: f64,
        max: f64,
    },
    Bool,
    /// One of these strings.
    OneOf(&'static [&'static str]),
    /// Anything (a file part, an image array): accepted unchecked.
    Any,
}

/// Any string.
pub(crate) const TEXT: Kind = Kind::Text {
    min: 0,
    max: usize::MAX,
};
/// Any integer.
pub(crate) const INT: Kind = Kind::Int {
    min: i64::MIN,
    max: i64::MAX,
};

#[derive(Debug, Clone, Copy)]
pub(crate) struct Field {
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
}

pub(crate) const fn optional(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        kind,
        required: false,
    }
}

pub(crate) const fn required(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        kind,
        required: true,
    }
}

/// What is wrong with a value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Why {
    WrongType {
        expected: &'static str,
        got: &'static str,
    },
    TooShort {
        min: usize,
        length: usize,
    },
    TooLong {
        max: usize,
        length: usize,
    },
    Below {
        min: String,
        value: String,
    },
    Above {
        max: String,
        value: String,
    },
    NotOneOf {
        allowed: &'static [&'static str],
        value: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Problem {
    Unknown(String),
    Missing(&'static str),
    Invalid { field: &'static str, why: Why },
}

impl Problem {
    /// The field the problem is about.
    pub fn field(&self) -> &str {
        match self {
            Problem::Unknown(name) => name,
            Problem::Missing(name) | Problem::Invalid { field: name, .. } => name,
        }
    }

    /// OpenAI's wording, which reads well for any provider.
    pub fn message(&self) -> String {
        match self {
            Problem::Unknown(name) => format!("Unknown parameter: '{name}'."),
            Problem::Missing(name) => format!("Missing required parameter: '{name}'."),
            Problem::Invalid { field, why } => match why {
                Why::WrongType { expected, got } => format!(
                    "Invalid type for '{field}': expected {expected}, but got {got} instead."
                ),
                Why::TooShort { min, length } => format!(
                    "Invalid '{field}': string too short. Expected a string with minimum length \
                     {min}, but got a string with length {length} instead."
                ),
                Why::TooLong { max, length } => format!(
                    "Invalid '{field}': string too long. Expected a string with maximum length \
                     {max}, but got a string with length {length} instead."
                ),
                Why::Below { min, value } => format!(
                    "Invalid '{field}': value below minimum. Expected a value >= {min}, but got \
                     {value} instead."
                ),
                Why::Above { max, value } => format!(
                    "Invalid '{field}': value above maximum. Expected a value <= {max}, but got \
                     {value} instead."
                ),
                Why::NotOneOf { allowed, value } => format!(
                    "Invalid value: '{value}'. Supported values are: {}.",
                    quoted(allowed)
                ),
            },
        }
    }
}

/// `'a', 'b' and 'c'`-style list for messages.
pub(crate) fn quoted(values: &[&str]) -> String {
    values
        .iter()
        .map(|v| format!("'{v}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every problem of `object` against `fields`: unknown names first, then each field in the
/// table's order. A `null` counts as absent. With `textual`, values are form fields (strings)
/// whose numbers and booleans are read from the text.
pub(crate) fn check(fields: &[Field], object: &Map<String, Value>, textual: bool) -> Vec<Problem> {
    let mut problems: Vec<Problem> = object
        .keys()
        .filter(|name| !fields.iter().any(|f| f.name == name.as_str()))
        .map(|name| Problem::Unknown(name.clone()))
        .collect();
    for field in fields {
        match object.get(field.name) {
            None | Some(Value::Null) => {
                if field.required {
                    problems.push(Problem::Missing(field.name));
                }
            }
            Some(value) => {
                if let Err(why) = check_value(field.kind, value, textual) {
                    problems.push(Problem::Invalid {
                        field: field.name,
                        why,
                    });
                }
            }
        }
    }
    problems
}

fn check_value(kind: Kind, value: &Value, textual: bool) -> Result<(), Why> {
    let wrong = |expected| Why::WrongType {
        expected,
        got: type_name(value),
    };
    match kind {
        Kind::Any => Ok(()),
        Kind::Text { min, max } => {
            let text = value.as_str().ok_or_else(|| wrong("a string"))?;
            let length = text.chars().count();
            if length < min {
                Err(Why::TooShort { min, length })
            } else if length > max {
                Err(Why::TooLong { max, length })
            } else {
                Ok(())
            }
        }
        Kind::OneOf(allowed) => {
            let text = value.as_str().ok_or_else(|| wrong("a string"))?;
            if allowed.contains(&text) {
                Ok(())
            } else {
                Err(Why::NotOneOf {
                    allowed,
                    value: text.to_string(),
                })
            }
        }
        Kind::Bool => match (value, textual) {
            (Value::Bool(_), _) => Ok(()),
            (Value::String(s), true) if s == "true" || s == "false" => Ok(()),
            _ => Err(wrong("a boolean")),
        },
        Kind::Int { min, max } => {
            let number = match (value, textual) {
                (Value::String(s), true) => s.trim().parse::<i128>().ok(),
                (Value::Number(n), _) => n
                    .as_i64()
                    .map(i128::from)
                    .or_else(|| n.as_u64().map(i128::from)),
                _ => None,
            }
            .ok_or_else(|| wrong("an integer"))?;
            if number < i128::from(min) {
                Err(Why::Below {
                    min: min.to_string(),
                    value: number.to_string(),
                })
            } else if number > i128::from(max) {
                Err(Why::Above {
                    max: max.to_string(),
                    value: number.to_string(),
                })
            } else {
                Ok(())
            }
        }
        Kind::Number { min, max } => {
            let number = match (value, textual) {
                (Value::String(s), true) => s.trim().parse::<f64>().ok(),
                (Value::Number(n), _) => n.as_f64(),
                _ => None,
            }
            .filter(|n| n.is_finite())
            .ok_or_else(|| wrong("a number"))?;
            if number < min {
                Err(Why::Below {
                    min: min.to_string(),
                    value: number.to_string(),
                })
            } else if number > max {
                Err(Why::Above {
                    max: max.to_string(),
                    value: number.to_string(),
                })
            } else {
                Ok(())
            }
        }
    }
}

/// A JSON value's type as the providers' messages name it.
pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a decimal",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The body as a JSON object, or why it is not one.
pub(crate) fn object(body: &[u8]) -> Result<Map<String, Value>, String> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(format!("the body is {}, not an object", type_name(&other))),
        Err(e) => Err(format!("the body is not JSON: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const FIELDS: [Field; 4] = [
        required("prompt", Kind::Text { min: 1, max: 5 }),
        optional("n", Kind::Int { min: 1, max: 4 }),
        optional("size", Kind::OneOf(&["a", "b"])),
        optional("fast", Kind::Bool),
    ];

    fn problems(value: Value, textual: bool) -> Vec<Problem> {
        check(&FIELDS, value.as_object().unwrap(), textual)
    }

    #[test]
    fn every_kind_of_problem_is_found() {
        assert!(problems(
            json!({ "prompt": "ab", "n": 2, "size": "a", "fast": true }),
            false
        )
        .is_empty());
        assert_eq!(
            problems(json!({ "foo": 1, "n": null }), false),
            vec![Problem::Unknown("foo".into()), Problem::Missing("prompt")]
        );
        let p = problems(
            json!({ "prompt": "", "n": "2", "size": "c", "fast": 1 }),
            false,
        );
        assert_eq!(p.len(), 4);
        assert!(p[0].message().contains("minimum length 1"));
        assert!(p[1]
            .message()
            .contains("expected an integer, but got a string"));
        assert!(p[2].message().contains("Supported values are: 'a', 'b'"));
        assert_eq!(
            problems(json!({ "prompt": "abcdef", "n": 5 }), false).len(),
            2
        );
        assert!(matches!(
            &problems(json!({ "prompt": "a", "n": 1.0 }), false)[0],
            Problem::Invalid {
                why: Why::WrongType {
                    got: "a decimal",
                    ..
                },
                ..
            }
        ));
    }

    #[test]
    fn form_fields_are_read_from_text() {
        assert!(problems(json!({ "prompt": "ab", "n": "3", "fast": "false" }), true).is_empty());
        assert_eq!(
            problems(json!({ "prompt": "ab", "n": "three" }), true).len(),
            1
        );
        assert_eq!(
            problems(json!({ "prompt": "ab", "n": "3" }), false).len(),
            1
        );
    }
}
