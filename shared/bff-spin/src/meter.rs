//! Database work done by this instance, as `bff_cloudflare::d1::meter` counts it on Workers, so
//! that the `bff-handled` lines of both platforms can be compared.
//!
//! - `statements`: the statements the store asked for (one per `execute` or `query`, one per
//!   statement of a transaction).
//! - `round_trips`: calls to the database host, including what the connection adds (`BEGIN`,
//!   `COMMIT`, `ROLLBACK`, setting the Postgres scope). On D1 a batch is one round trip; here a
//!   transaction of n statements is n + 2.

use std::cell::Cell;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DbMeter {
    pub statements: u64,
    pub round_trips: u64,
}

impl std::ops::Sub for DbMeter {
    type Output = DbMeter;
    fn sub(self, earlier: DbMeter) -> DbMeter {
        DbMeter {
            statements: self.statements.saturating_sub(earlier.statements),
            round_trips: self.round_trips.saturating_sub(earlier.round_trips),
        }
    }
}

thread_local! {
    // One thread per instance; a difference of two readings is the work in between when one
    // message is handled at a time, as the consumer does.
    static METER: Cell<DbMeter> = const { Cell::new(DbMeter { statements: 0, round_trips: 0 }) };
}

/// The current reading; subtract two readings for the cost of what happened between them.
pub fn meter() -> DbMeter {
    METER.with(Cell::get)
}

/// Counts `statements` store statements and `round_trips` host calls.
pub fn count(statements: u64, round_trips: u64) {
    METER.with(|m| {
        let v = m.get();
        m.set(DbMeter {
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
            DbMeter {
                statements: 4,
                round_trips: 6
            }
        );
        assert_eq!(before - meter(), DbMeter::default());
    }
}
