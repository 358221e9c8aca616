//! The scripted behaviour, decided in one place for every provider: which prompts a rule selects,
//! how many times a prompt was tried, and whether a retry came too soon. Each provider only turns
//! the decision ([`Fault`] or [`Admission`]) into its own wire format.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::ProviderConfig;

/// The rules that select "every Nth prompt".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    RateLimit,
    ServerError,
    Moderate,
    Truncate,
    Hang,
}

impl Rule {
    fn salt(self) -> &'static str {
        match self {
            Rule::RateLimit => "rate_limit",
            Rule::ServerError => "server_error",
            Rule::Moderate => "moderate",
            Rule::Truncate => "truncate",
            Rule::Hang => "hang",
        }
    }

    /// Whether the rule, set to `every` N (0 is off), selects `prompt`: a stable hash of the rule's
    /// name and the prompt, modulo N, is 0. It depends on the prompt alone, so the same prompts
    /// are selected whatever the order and the concurrency of the requests, in every run; about
    /// one prompt in N is selected. The rule's name is hashed in so that two rules set to the same
    /// N select different prompts. A harness picks its prompts with this function.
    pub fn picks(self, every: u32, prompt: &str) -> bool {
        every != 0
            && fnv1a(&[self.salt().as_bytes(), b"\0", prompt.as_bytes()]) % u64::from(every) == 0
    }
}

/// FNV-1a, 64 bits: stable across processes, platforms and Rust versions (std's `DefaultHasher`
/// promises none of that), which the rules and the images need.
pub(crate) fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &byte in *part {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash
}

/// A prompt's hash as the log shows it.
pub(crate) fn prompt_hash(prompt: &str) -> String {
    format!("{:016x}", fnv1a(&[prompt.as_bytes()]))
}

/// Why a request gets a scripted error instead of an answer, in each provider's own form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    /// The provider is down (`dead`): 503.
    Unavailable,
    /// Out of credit (`quota_exhausted`).
    QuotaExhausted,
    /// 429, to be retried no sooner than `retry_after_s`.
    RateLimited { retry_after_s: u32 },
    /// 500 on a first attempt.
    ServerError,
}

/// What the script does to a request that it lets through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Admission {
    /// Refuse the content (`moderate_every`).
    pub moderated: bool,
    /// The prompt holds a blocked word (`blocked_words`).
    pub blocked: bool,
    /// Cut the image in half (`truncate_every`).
    pub truncated: bool,
    /// Hold the answer this long past the latency (`hang_every`, first attempt).
    pub hang_ms: u64,
}

/// Labels of the rules applied, as the log shows them.
pub(crate) mod label {
    pub const DEAD: &str = "dead";
    pub const ROOT: &str = "root_probe";
    pub const QUOTA: &str = "quota_exhausted";
    pub const RATE_LIMITED: &str = "rate_limited";
    pub const TOO_SOON: &str = "retried_too_soon";
    pub const SERVER_ERROR: &str = "server_error";
    pub const MODERATED: &str = "moderated";
    pub const BLOCKED: &str = "blocked_word";
    pub const TRUNCATED: &str = "truncated";
    pub const HANG: &str = "hang";
    pub const REFUSED: &str = "refused";
}

#[derive(Default)]
struct Attempts {
    count: u32,
    /// Set by a scripted 429: no retry before this time (ms since the server started).
    not_before_ms: Option<u64>,
}

/// The script of one server and its memory of attempts.
pub(crate) struct Script {
    pub config: ProviderConfig,
    attempts: Mutex<HashMap<u64, Attempts>>,
    /// The prompts `moderate_first` took, by hash, in arrival order.
    moderated_first: Mutex<Vec<u64>>,
}

/// The outcome of [`Script::admit`]: the decision, the labels of the rules applied, and a
/// violation when the client retried too soon.
pub(crate) struct Screening {
    pub decision: Result<Admission, Fault>,
    pub labels: Vec<&'static str>,
    pub violation: Option<String>,
}

impl Script {
    pub fn new(config: ProviderConfig) -> Script {
        Script {
            config,
            attempts: Mutex::new(HashMap::new()),
            moderated_first: Mutex::new(Vec::new()),
        }
    }

    /// Screens a valid request for `prompt` (with `seed`, where the provider takes one) arriving
    /// at `now_ms`. Order: out of credit; a retry sooner than a scripted 429 allowed; the first
    /// attempt's 429, 500 and hang; then moderation, blocked words and truncation, which hold on
    /// every attempt (the same prompt is refused again; the same image is cut again).
    ///
    /// `retry_after_seen` says whether the client can read a 429's `retry-after` (not through
    /// the Workers AI binding, which keeps only the error's body): when it cannot, a sooner retry
    /// is no violation.
    pub fn admit(
        &self,
        prompt: &str,
        seed: Option<u64>,
        now_ms: u64,
        retry_after_seen: bool,
    ) -> Screening {
        let c = &self.config;
        let mut labels = Vec::new();
        let screening = |decision, labels, violation| Screening {
            decision,
            labels,
            violation,
        };
        if c.quota_exhausted {
            labels.push(label::QUOTA);
            return screening(Err(Fault::QuotaExhausted), labels, None);
        }
        let attempt_key = fnv1a(&[prompt.as_bytes(), &seed.unwrap_or(u64::MAX).to_le_bytes()]);
        let first_attempt = {
            let mut attempts = self.attempts.lock().unwrap_or_else(|p| p.into_inner());
            let entry = attempts.entry(attempt_key).or_default();
            if let Some(not_before) = entry.not_before_ms.filter(|&t| now_ms < t) {
                labels.push(label::TOO_SOON);
                let violation = format!(
                    "retried {} ms before the retry-after of {} s had passed",
                    not_before - now_ms,
                    c.retry_after_s
                );
                let retry_after_s = (not_before - now_ms).div_ceil(1000).max(1) as u32;
                return screening(
                    Err(Fault::RateLimited { retry_after_s }),
                    labels,
                    Some(violation),
                );
            }
            entry.count += 1;
            let first = entry.count == 1;
            if first
                && retry_after_seen
                && Rule::RateLimit.picks(c.rate_limit_first_attempt_every, prompt)
            {
                entry.not_before_ms = Some(now_ms + u64::from(c.retry_after_s) * 1000);
            }
            first
        };
        if first_attempt && Rule::RateLimit.picks(c.rate_limit_first_attempt_every, prompt) {
            labels.push(label::RATE_LIMITED);
            let retry_after_s = c.retry_after_s;
            return screening(Err(Fault::RateLimited { retry_after_s }), labels, None);
        }
        if first_attempt && Rule::ServerError.picks(c.server_error_first_attempt_every, prompt) {
            labels.push(label::SERVER_ERROR);
            return screening(Err(Fault::ServerError), labels, None);
        }
        let mut admission = Admission::default();
        if first_attempt && Rule::Hang.picks(c.hang_every, prompt) {
            labels.push(label::HANG);
            admission.hang_ms = c.hang_ms;
        }
        let lower = prompt.to_lowercase();
        if c.blocked_words
            .iter()
            .any(|w| !w.is_empty() && lower.contains(&w.to_lowercase()))
        {
            labels.push(label::BLOCKED);
            admission.blocked = true;
        }
        if Rule::Moderate.picks(c.moderate_every, prompt) || self.among_first(prompt) {
            labels.push(label::MODERATED);
            admission.moderated = true;
        }
        if Rule::Truncate.picks(c.truncate_every, prompt) {
            labels.push(label::TRUNCATED);
            admission.truncated = true;
        }
        screening(Ok(admission), labels, None)
    }
}

impl Script {
    /// Whether `prompt` is one of the first `moderate_first` distinct prompts to reach
    /// moderation (taking it when there is room).
    fn among_first(&self, prompt: &str) -> bool {
        let limit = self.config.moderate_first as usize;
        if limit == 0 {
            return false;
        }
        let hash = fnv1a(&[prompt.as_bytes()]);
        let mut taken = self
            .moderated_first
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if taken.contains(&hash) {
            return true;
        }
        if taken.len() < limit {
            taken.push(hash);
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script(config: ProviderConfig) -> Script {
        Script::new(config)
    }

    #[test]
    fn rules_pick_about_one_prompt_in_n_and_differ_between_rules() {
        let prompts: Vec<String> = (0..3000).map(|i| format!("dress {i}")).collect();
        let count = |rule: Rule| prompts.iter().filter(|p| rule.picks(3, p)).count();
        for rule in [Rule::RateLimit, Rule::Moderate, Rule::Truncate] {
            assert!(
                (850..1150).contains(&count(rule)),
                "{rule:?}: {}",
                count(rule)
            );
        }
        let same = prompts
            .iter()
            .filter(|p| Rule::RateLimit.picks(3, p) && Rule::Moderate.picks(3, p))
            .count();
        assert!(same < 500, "rules must not select the same prompts: {same}");
        assert!(!Rule::Moderate.picks(0, "anything"));
        assert!(Rule::Moderate.picks(1, "anything"));
    }

    #[test]
    fn a_rate_limited_prompt_passes_on_a_retry_after_the_wait_only() {
        let s = script(ProviderConfig {
            rate_limit_first_attempt_every: 1,
            retry_after_s: 2,
            ..ProviderConfig::default()
        });
        let first = s.admit("p", None, 100, true);
        assert_eq!(first.decision, Err(Fault::RateLimited { retry_after_s: 2 }));
        let early = s.admit("p", None, 1500, true);
        assert_eq!(early.decision, Err(Fault::RateLimited { retry_after_s: 1 }));
        assert!(early.violation.is_some());
        let late = s.admit("p", None, 2100, true);
        assert!(late.decision.is_ok() && late.violation.is_none());
        // Another seed is another request stream.
        assert!(s.admit("p", Some(7), 2200, true).decision.is_err());
    }

    #[test]
    fn server_errors_and_hangs_hit_the_first_attempt_and_moderation_every_attempt() {
        let s = script(ProviderConfig {
            server_error_first_attempt_every: 1,
            moderate_every: 1,
            blocked_words: vec!["Sheer".into()],
            ..ProviderConfig::default()
        });
        assert_eq!(
            s.admit("a sheer top", None, 0, true).decision,
            Err(Fault::ServerError)
        );
        let second = s.admit("a sheer top", None, 1, true).decision.unwrap();
        assert!(second.moderated && second.blocked && second.hang_ms == 0);
        let hang = script(ProviderConfig {
            hang_every: 1,
            hang_ms: 5,
            ..ProviderConfig::default()
        });
        assert_eq!(hang.admit("x", None, 0, true).decision.unwrap().hang_ms, 5);
        assert_eq!(hang.admit("x", None, 1, true).decision.unwrap().hang_ms, 0);
    }

    #[test]
    fn the_first_prompts_are_moderated_on_every_attempt_and_no_others() {
        let s = script(ProviderConfig {
            moderate_first: 2,
            ..ProviderConfig::default()
        });
        let moderated = |p: &str| s.admit(p, None, 0, true).decision.unwrap().moderated;
        assert!(moderated("b"));
        assert!(moderated("a"));
        assert!(!moderated("c"), "two prompts only");
        assert!(moderated("b"), "a taken prompt again");
        assert!(!moderated("d"));
    }

    #[test]
    fn a_sooner_retry_is_no_violation_when_the_client_cannot_see_retry_after() {
        let s = script(ProviderConfig {
            rate_limit_first_attempt_every: 1,
            retry_after_s: 5,
            ..ProviderConfig::default()
        });
        assert_eq!(
            s.admit("p", None, 0, false).decision,
            Err(Fault::RateLimited { retry_after_s: 5 })
        );
        let again = s.admit("p", None, 10, false);
        assert!(again.decision.is_ok() && again.violation.is_none());
    }
}
