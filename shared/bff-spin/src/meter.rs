//! Database work done by this instance, as `bff_cloudflare::d1::meter` counts it on Workers, so
//! that the `message` and `call` log records of both platforms can be compared.
//!
//! - `statements`: the statements the store asked for (one per `execute` or `query`, one per
//!   statement of a transaction).
//! - `round_trips`: calls to the database host, including what the connection adds (`BEGIN`,
//!   `COMMIT`, `ROLLBACK`, setting the Postgres scope). On D1 a batch is one round trip; here a
//!   transaction of n statements is n + 2.

use std::cell::Cell;

use bff_http::platform::Cost;

thread_local! {
    // One thread per instance; a difference of two readings is the work in between when one
    // message is handled at a time, as the consumer does.
    static METER: Cell<Cost> = const { Cell::new(Cost { statements: 0, round_trips: 0 }) };
}

/// The current reading; subtract two readings for the cost of what happened between them.
pub fn meter() -> Cost {
    METER.with(Cell::get)
}

/// Counts `statements` store statements and `round_trips` host calls.
pub fn count(statements: u64, round_trips: u64) {
    METER.with(|m| {
        let v = m.get();
        m.set(Cost {
            statements: v.statements + statements,
            round_trips: v.round_trips + round_trips,
        });
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readings_subtract() {
        let before = meter();
        count(3, 5);
        count(1, 1);
        assert_eq!(
            meter() - before,
            Cost {
                statements: 4,
                round_trips: 6
            }
        );
        assert_eq!(before - meter(), Cost::default());
    }
}
