//! What images cost and how much a user may spend a day.
//!
//! A deployment sets a price per image for each provider (USD; the setting `prices`, e.g.
//! `openai=0.042,stability=0.03`) and optionally a daily budget per user (`daily_budget_usd`).
//! A job is priced when it is accepted, from its planned variants and the providers they are
//! spread over ([`estimate`]); each generated image records the price of the provider that
//! made it. The budget counts the estimates of the jobs a user started that day (UTC), so that
//! jobs submitted together cannot overrun it by running at once; a job that would pass it is
//! refused before anything is planned or spent ([`check`]).
//!
//! The gateway checks first, from a read of the day's spending, and passes the budget on with
//! the job ([`DailyLimit`], in the `PlanCall`). That read alone would let two submissions at the
//! same instant both pass, so the store's insert of the job enforces the budget itself
//! ([`JobStore::create_job`](crate::ports::JobStore::create_job)): the job row is written only if the day's estimates plus this one
//! still fit ([`fits`]), in the same transaction as the sum. On SQLite (D1, Spin's SQLite) that is
//! one `INSERT ... SELECT ... WHERE` statement, atomic because SQLite has one writer at a time; on
//! PostgreSQL, where two READ COMMITTED transactions could both read the old sum, the transaction
//! first takes a lock per user (`pg_advisory_xact_lock`), so a user's job inserts run one after
//! another. A job the insert refuses gets the same 402 as the gateway's check ([`refusal`]),
//! with nothing written and nothing sent.

use std::collections::BTreeMap;

use crate::api::ApiError;
use crate::ports::Provider;
use crate::time::Timestamp;

/// How far past the budget a sum may read and still fit (USD): sums of prices in floating point
/// are not exact.
pub const TOLERANCE_USD: f64 = 1e-9;

/// A deployment's prices and its daily budget per user.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Budget {
    pub prices: Prices,
    /// USD per user and day (UTC); `None`: no limit.
    pub daily_usd: Option<f64>,
}

/// Price per image (USD) by provider; a provider without a price costs nothing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Prices(BTreeMap<Provider, f64>);

impl Prices {
    /// Reads `provider=price` pairs separated by commas. Unknown providers and unreadable or
    /// negative prices are errors, so that a typo does not make images free.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut prices = BTreeMap::new();
        for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, price) = pair
                .split_once('=')
                .ok_or_else(|| format!("price {pair:?} is not provider=price"))?;
            let provider: Provider = name
                .trim()
                .parse()
                .map_err(|_| format!("price for unknown provider {:?}", name.trim()))?;
            let price: f64 = price
                .trim()
                .parse()
                .ok()
                .filter(|p: &f64| p.is_finite() && *p >= 0.0)
                .ok_or_else(|| format!("price {:?} for {provider} is not a sum", price.trim()))?;
            prices.insert(provider, price);
        }
        Ok(Prices(prices))
    }

    pub fn of(&self, provider: Provider) -> f64 {
        self.0.get(&provider).copied().unwrap_or(0.0)
    }
}

/// The cost of `variants` images spread round robin over `providers`.
pub fn estimate(providers: &[Provider], variants: u32, prices: &Prices) -> f64 {
    if providers.is_empty() {
        return 0.0;
    }
    let assignment: Vec<Provider> = (0..variants as usize)
        .map(|i| providers[i % providers.len()])
        .collect();
    price(&assignment, prices)
}

/// The cost of one image from each provider of `assignment` (a job's route).
pub fn price(assignment: &[Provider], prices: &Prices) -> f64 {
    cents(assignment.iter().map(|&p| prices.of(p)).sum())
}

/// Whether a job of `estimate` fits in `budget` after the day's `spent_today` (within
/// [`TOLERANCE_USD`]). The stores apply the same rule in SQL.
pub fn fits(budget: f64, spent_today: f64, estimate: f64) -> bool {
    spent_today + estimate <= budget + TOLERANCE_USD
}

/// Refuses a job whose `estimate` would take the day's spending past `budget`: 402 with the
/// figures (in the message and in `details`, see [`refusal`]).
pub fn check(budget: Option<f64>, spent_today: f64, estimate: f64) -> Result<(), ApiError> {
    match budget {
        Some(budget) if !fits(budget, spent_today, estimate) => {
            Err(refusal(budget, spent_today, estimate))
        }
        _ => Ok(()),
    }
}

/// The 402 of a job of `estimate` that does not fit in `budget` after `spent_today`:
/// `budget_exceeded`, with `details` {`daily_budget_usd`, `spent_today_usd`, `job_estimate_usd`,
/// `remaining_usd`}. The one refusal of both the gateway's check and the store's insert.
pub fn refusal(budget: f64, spent_today: f64, estimate: f64) -> ApiError {
    ApiError::payment_required(format!(
        "this job may cost ${estimate:.2}; with the ${spent_today:.2} of today's earlier jobs \
         it would pass the daily budget of ${budget:.2}"
    ))
    .with_details(serde_json::json!({
        "daily_budget_usd": budget,
        "spent_today_usd": cents(spent_today),
        "job_estimate_usd": estimate,
        "remaining_usd": cents((budget - spent_today).max(0.0)),
    }))
}

/// The budget a new job must fit in, as the prompt function passes it to the store: at most
/// `daily_usd` for the estimates of the user's jobs created since `day_start` (UTC midnight of
/// the day the gateway accepted the job), this one included.
#[derive(Debug, Clone, PartialEq)]
pub struct DailyLimit {
    pub daily_usd: f64,
    pub day_start: Timestamp,
}

impl DailyLimit {
    /// The limit of the UTC day of `now`.
    pub fn of_day(daily_usd: f64, now: &Timestamp) -> Self {
        Self {
            daily_usd,
            day_start: day_start(now),
        }
    }
}

/// UTC midnight of the day of `now`: where the budget's day starts.
pub fn day_start(now: &Timestamp) -> Timestamp {
    let ms = now.unix_ms();
    Timestamp::from_unix_ms(ms - ms.rem_euclid(86_400_000))
}

/// Rounded to a hundredth of a cent, so sums of prices read as written.
fn cents(amount: f64) -> f64 {
    (amount * 10_000.0).round() / 10_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_parse_strictly() {
        let p = Prices::parse(" openai=0.042, stability = 0.03 ,,").unwrap();
        assert_eq!(
            (p.of(Provider::OpenAi), p.of(Provider::Stability)),
            (0.042, 0.03)
        );
        assert_eq!(p.of(Provider::Sketch), 0.0);
        assert!(Prices::parse("midjourney=0.1")
            .unwrap_err()
            .contains("unknown provider"));
        assert!(Prices::parse("openai=-1").is_err());
        assert!(Prices::parse("openai=free").is_err());
        assert!(Prices::parse("openai").is_err());
        assert_eq!(Prices::parse("").unwrap(), Prices::default());
    }

    #[test]
    fn a_job_is_priced_as_its_variants_are_spread() {
        let p = Prices::parse("openai=0.04,stability=0.03").unwrap();
        // 7 variants over three providers: 3 openai, 2 stability, 2 sketch.
        let providers = [Provider::OpenAi, Provider::Stability, Provider::Sketch];
        assert_eq!(estimate(&providers, 7, &p), 0.18);
        assert_eq!(estimate(&[], 7, &p), 0.0);
    }

    #[test]
    fn the_budget_refuses_what_would_pass_it_with_the_figures() {
        assert!(check(None, 100.0, 100.0).is_ok());
        assert!(check(Some(1.0), 0.4, 0.6).is_ok());
        let e = check(Some(1.0), 0.5, 0.6).unwrap_err();
        assert_eq!((e.status, e.code), (402, "budget_exceeded"));
        assert!(
            e.message.contains("$0.60") && e.message.contains("$1.00"),
            "{e}"
        );
        let details = e.details.clone().unwrap();
        assert_eq!(details["remaining_usd"], 0.5);
        assert_eq!(details["job_estimate_usd"], 0.6);
        // The store's refusal is the same answer.
        assert_eq!(refusal(1.0, 0.5, 0.6), e);
        // Sums of prices fit within the tolerance.
        assert!(fits(0.3, 0.1 + 0.1, 0.1));
        assert!(!fits(0.3, 0.2, 0.1 + 1e-6));
    }

    #[test]
    fn the_budget_day_starts_at_utc_midnight() {
        let now = Timestamp::parse("2026-04-02T23:59:59.999Z").unwrap();
        assert_eq!(day_start(&now).as_str(), "2026-04-02T00:00:00.000Z");
        let limit =
            DailyLimit::of_day(2.5, &Timestamp::parse("2026-04-03T01:00:00+02:00").unwrap());
        assert_eq!(limit.day_start.as_str(), "2026-04-02T00:00:00.000Z");
        assert_eq!(limit.daily_usd, 2.5);
    }
}
