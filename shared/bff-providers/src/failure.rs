//! Why a provider gave no image, the same for every provider, and what the pipeline does about it.
//!
//! | answer | failure | what happens |
//! |---|---|---|
//! | 429 with `retry-after` (seconds or an HTTP date is not parsed: seconds) or `retry-after-ms` | `Retry { after_ms: Some(..) }` | retried no sooner than that |
//! | 429 without them, 5xx, 408, a timeout or a dropped connection | `Retry { after_ms: None }` | retried with the queue's back-off |
//! | 401, 403, or a quota that is used up (OpenAI's 429 `insufficient_quota`) | `Stop` | the job stops with a message a deployer understands; no retry |
//! | moderation (a provider's content refusal) | `Moderated` | the variant fails with the reason `moderated`; the job goes on |
//! | a success whose image is missing, truncated or not an image | `Malformed` | the variant fails |
//! | any other 4xx | `Rejected` | the variant fails (retrying the same request cannot help) |
//!
//! A failure's message never holds the provider key: it is built from the status and the
//! provider's own error text, which does not echo credentials.

/// Why a provider gave no image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Worth trying again, no sooner than `after_ms` when the provider said so.
    Retry {
        after_ms: Option<u64>,
        message: String,
    },
    /// Retrying cannot help and the next request would fail the same way: the deployment's key
    /// or quota. The job stops.
    Stop { message: String },
    /// The provider refused the content.
    Moderated { reason: String },
    /// The provider refused this request (invalid parameters): the variant fails.
    Rejected { message: String },
    /// The answer claims success but holds no usable image.
    Malformed { message: String },
}

/// Longest wait a `retry-after` is taken at its word; longer ones are capped (the queue's own
/// back-off takes over past it).
pub const MAX_RETRY_AFTER_MS: u64 = 300_000;

/// The wait a reply asks for: `retry-after-ms` (milliseconds) first, then `retry-after` (whole
/// or fractional seconds). `None` when neither is there or readable.
pub fn retry_after_ms(reply: &crate::HttpReply) -> Option<u64> {
    if let Some(ms) = reply
        .header("retry-after-ms")
        .and_then(|v| v.trim().parse::<f64>().ok())
    {
        return finite_ms(ms);
    }
    reply
        .header("retry-after")
        .and_then(|v| v.trim().parse::<f64>().ok())
        .and_then(|s| finite_ms(s * 1000.0))
}

fn finite_ms(ms: f64) -> Option<u64> {
    (ms.is_finite() && ms >= 0.0).then(|| (ms.ceil() as u64).min(MAX_RETRY_AFTER_MS))
}

/// The failure of a non-2xx reply whose body did not name a more precise one: by status alone.
pub fn by_status(reply: &crate::HttpReply, provider: &str, detail: &str) -> Failure {
    let message = if detail.is_empty() {
        format!("{provider} answered {}", reply.status)
    } else {
        format!("{provider} answered {}: {detail}", reply.status)
    };
    match reply.status {
        401 | 403 => Failure::Stop {
            message: format!("{message} (check the provider key configured for {provider})"),
        },
        408 | 429 | 500..=599 => Failure::Retry {
            after_ms: retry_after_ms(reply),
            message,
        },
        _ => Failure::Rejected { message },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;

    fn reply(status: u16, headers: &[(&str, &str)]) -> crate::HttpReply {
        testing::reply(status, headers, Vec::new())
    }

    #[test]
    fn retry_after_reads_milliseconds_first_then_seconds() {
        assert_eq!(
            retry_after_ms(&reply(429, &[("Retry-After", "2")])),
            Some(2000)
        );
        assert_eq!(
            retry_after_ms(&reply(
                429,
                &[("retry-after", "1.5"), ("retry-after-ms", "250")]
            )),
            Some(250)
        );
        assert_eq!(
            retry_after_ms(&reply(429, &[("retry-after", "soon")])),
            None
        );
        assert_eq!(retry_after_ms(&reply(429, &[("retry-after", "-3")])), None);
        assert_eq!(
            retry_after_ms(&reply(429, &[("retry-after", "86400")])),
            Some(MAX_RETRY_AFTER_MS)
        );
        assert_eq!(retry_after_ms(&reply(429, &[])), None);
    }

    #[test]
    fn statuses_map_to_retry_stop_or_rejected() {
        assert!(matches!(
            by_status(&reply(429, &[("retry-after", "3")]), "openai", ""),
            Failure::Retry {
                after_ms: Some(3000),
                ..
            }
        ));
        assert!(matches!(
            by_status(&reply(503, &[]), "openai", "overloaded"),
            Failure::Retry { after_ms: None, .. }
        ));
        match by_status(&reply(401, &[]), "openai", "Incorrect API key provided") {
            Failure::Stop { message } => {
                assert!(message.contains("401") && message.contains("provider key"))
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            by_status(&reply(403, &[]), "stability", ""),
            Failure::Stop { .. }
        ));
        assert!(matches!(
            by_status(&reply(400, &[]), "openai", "bad size"),
            Failure::Rejected { .. }
        ));
    }
}
