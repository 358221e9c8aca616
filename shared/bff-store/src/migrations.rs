//! Schema migrations for Spin's SQLite and for PostgreSQL, embedded in the binary.
//!
//! [`migrate`] creates `schema_migrations (name, applied_at)` when it is missing and applies, in
//! order, every file of the connection's dialect not recorded there: each file's statements and
//! its `schema_migrations` row in one [`Connection::transaction`], so a failing file leaves
//! nothing half-applied (both SQLite and PostgreSQL roll DDL back with the transaction) and the
//! next run tries it again. A second run applies nothing.
//!
//! Files (in `migrations/` at the top of the repository):
//! - SQLite: `0002_pipeline.sql`, `0003_taxonomy.sql`, `0004_feedback.sql`, `0005_queue.sql`, `0007_providers.sql`,
//!   `0008_tokens.sql`, `0009_rate_limits.sql`;
//! - PostgreSQL: `postgres/0002_pipeline.sql`, the shared `0003_taxonomy.sql` (plain INSERTs that
//!   run unchanged on both), `postgres/0004_feedback.sql`, `postgres/0005_queue.sql`,
//!   `postgres/0006_row_security.sql`, `postgres/0007_providers.sql`, `postgres/0008_tokens.sql`,
//!   `postgres/0009_rate_limits.sql`.
//!
//! D1 does not use this runner: `wrangler d1 migrations apply` applies the SQLite files there and
//! records them in its own table, `d1_migrations`.
//!
//! On PostgreSQL the runner connects as the schema's owner (not the product's role, which may not
//! create tables) and acts under [`Scope::System`], because row-level security is forced on the
//! owner too. Files are lists of plain statements (see [`split_statements`]): Spin's Postgres
//! host runs one statement per call.

use std::collections::BTreeSet;

use crate::connection::{Connection, Dialect, Scope, SqlError, Statement};

/// One migration file: its name (recorded in `schema_migrations`) and its SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Migration {
    pub name: &'static str,
    pub sql: &'static str,
}

/// The SQLite migrations (Spin's SQLite; the same files D1 applies with wrangler).
pub const SQLITE: &[Migration] = &[
    Migration {
        name: "0002_pipeline.sql",
        sql: include_str!("../../../migrations/0002_pipeline.sql"),
    },
    Migration {
        name: "0003_taxonomy.sql",
        sql: include_str!("../../../migrations/0003_taxonomy.sql"),
    },
    Migration {
        name: "0004_feedback.sql",
        sql: include_str!("../../../migrations/0004_feedback.sql"),
    },
    Migration {
        name: "0005_queue.sql",
        sql: include_str!("../../../migrations/0005_queue.sql"),
    },
    Migration {
        name: "0007_providers.sql",
        sql: include_str!("../../../migrations/0007_providers.sql"),
    },
    Migration {
        name: "0008_tokens.sql",
        sql: include_str!("../../../migrations/0008_tokens.sql"),
    },
    Migration {
        name: "0009_rate_limits.sql",
        sql: include_str!("../../../migrations/0009_rate_limits.sql"),
    },
];

/// The PostgreSQL migrations: `migrations/postgres/*` with the shared taxonomy seed in its place.
pub const POSTGRES: &[Migration] = &[
    Migration {
        name: "0002_pipeline.sql",
        sql: include_str!("../../../migrations/postgres/0002_pipeline.sql"),
    },
    Migration {
        name: "0003_taxonomy.sql",
        sql: include_str!("../../../migrations/0003_taxonomy.sql"),
    },
    Migration {
        name: "0004_feedback.sql",
        sql: include_str!("../../../migrations/postgres/0004_feedback.sql"),
    },
    Migration {
        name: "0005_queue.sql",
        sql: include_str!("../../../migrations/postgres/0005_queue.sql"),
    },
    Migration {
        name: "0006_row_security.sql",
        sql: include_str!("../../../migrations/postgres/0006_row_security.sql"),
    },
    Migration {
        name: "0007_providers.sql",
        sql: include_str!("../../../migrations/postgres/0007_providers.sql"),
    },
    Migration {
        name: "0008_tokens.sql",
        sql: include_str!("../../../migrations/postgres/0008_tokens.sql"),
    },
    Migration {
        name: "0009_rate_limits.sql",
        sql: include_str!("../../../migrations/postgres/0009_rate_limits.sql"),
    },
];

/// The migrations of a dialect, in the order they apply.
pub fn migrations(dialect: Dialect) -> &'static [Migration] {
    match dialect {
        Dialect::Sqlite => SQLITE,
        Dialect::Postgres => POSTGRES,
    }
}

/// The table that records applied migrations (the same statement on both dialects).
pub const CREATE_SCHEMA_MIGRATIONS: &str =
    "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)";

const APPLIED: &str = "SELECT name FROM schema_migrations";
const RECORD: &str = "INSERT INTO schema_migrations (name, applied_at) VALUES (?1, ?2)";

/// Applies the missing migrations of the connection's dialect; returns the names it applied, in
/// order (empty when the schema is current). `now` (RFC 3339) is recorded as `applied_at`.
pub async fn migrate<C: Connection>(conn: &C, now: &str) -> Result<Vec<&'static str>, SqlError> {
    apply(conn, migrations(conn.dialect()), now).await
}

/// [`migrate`] with a given list of migrations (tests pass their own).
pub async fn apply<C: Connection>(
    conn: &C,
    migrations: &'static [Migration],
    now: &str,
) -> Result<Vec<&'static str>, SqlError> {
    conn.scope(Scope::System).await?;
    conn.execute(CREATE_SCHEMA_MIGRATIONS, &[]).await?;
    let applied: BTreeSet<String> = conn
        .query(APPLIED, &[])
        .await?
        .iter()
        .filter_map(|row| row.get("name")?.as_str().map(str::to_owned))
        .collect();
    let mut done = Vec::new();
    for migration in migrations {
        if applied.contains(migration.name) {
            continue;
        }
        let in_error = |e: SqlError| SqlError(format!("migration {}: {e}", migration.name));
        let mut batch: Vec<Statement> = split_statements(migration.sql)
            .map_err(in_error)?
            .into_iter()
            .map(|sql| Statement {
                sql,
                params: Vec::new(),
            })
            .collect();
        batch.push(Statement {
            sql: RECORD.to_owned(),
            params: vec![migration.name.into(), now.into()],
        });
        conn.transaction(&batch).await.map_err(in_error)?;
        done.push(migration.name);
    }
    Ok(done)
}

/// Splits a migration file into its statements: on `;` outside string literals (`'…'`, with
/// `''` for a quote), quoted identifiers (`"…"`) and comments (`-- …` to the end of the line,
/// `/* … */`). Comments are dropped (so that a statement holds no apostrophe of a comment's
/// prose) and each statement is trimmed; empty ones are skipped.
///
/// Not supported, and refused with an error rather than split wrongly: dollar-quoted bodies
/// (`$$ … $$`; Spin runs one plain statement per call, so migrations hold none) and unterminated
/// literals or comments. Backslash escapes (`E'…\'…'`) and SQLite trigger bodies (`BEGIN …; END`)
/// are not understood either: migrations use neither.
pub fn split_statements(sql: &str) -> Result<Vec<String>, SqlError> {
    #[derive(PartialEq)]
    enum State {
        Code,
        Quoted(char),
        LineComment,
        BlockComment,
    }
    let mut statements = Vec::new();
    let mut current = String::new();
    let mut state = State::Code;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match state {
            State::Quoted(q) => {
                current.push(c);
                if c == q {
                    state = State::Code;
                }
            }
            State::LineComment => {
                if c == '\n' {
                    current.push('\n');
                    state = State::Code;
                }
            }
            State::BlockComment => {
                if c == '*' && chars.peek() == Some(&'/') {
                    chars.next();
                    current.push(' ');
                    state = State::Code;
                }
            }
            State::Code => match c {
                '\'' | '"' => {
                    current.push(c);
                    state = State::Quoted(c);
                }
                '-' if chars.peek() == Some(&'-') => {
                    chars.next();
                    state = State::LineComment;
                }
                '/' if chars.peek() == Some(&'*') => {
                    chars.next();
                    state = State::BlockComment;
                }
                '$' if chars.peek() == Some(&'$') => {
                    return Err(SqlError(
                        "dollar-quoted bodies ($$) are not supported in migrations".into(),
                    ));
                }
                ';' => {
                    push_statement(&mut statements, &current);
                    current.clear();
                }
                _ => current.push(c),
            },
        }
    }
    match state {
        State::Quoted(q) => Err(SqlError(format!("unterminated {q}-quoted text"))),
        State::BlockComment => Err(SqlError("unterminated /* comment".into())),
        State::Code | State::LineComment => {
            push_statement(&mut statements, &current);
            Ok(statements)
        }
    }
}

fn push_statement(statements: &mut Vec<String>, text: &str) {
    let text = text.trim();
    if !text.is_empty() {
        statements.push(text.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_semicolons_outside_literals_identifiers_and_comments() {
        let sql = "-- a header; with a semicolon and the user's apostrophe\n\
                   CREATE TABLE \"odd;name\" (a TEXT DEFAULT 'x;y', b TEXT); -- trailing; comment\n\
                   INSERT INTO t VALUES ('it''s; fine', \"col\"\"q;\");\n\
                   /* block; comment 'with quote */ SELECT 1 /* inline */ + 2;\n\
                   -- only a comment after the last statement;\n";
        assert_eq!(
            split_statements(sql).unwrap(),
            vec![
                "CREATE TABLE \"odd;name\" (a TEXT DEFAULT 'x;y', b TEXT)",
                "INSERT INTO t VALUES ('it''s; fine', \"col\"\"q;\")",
                "SELECT 1   + 2",
            ]
        );
    }

    #[test]
    fn a_last_statement_without_semicolon_and_empty_statements() {
        assert_eq!(
            split_statements(";;\n SELECT 1;\n\n;SELECT 2 ").unwrap(),
            vec!["SELECT 1", "SELECT 2"]
        );
        assert!(split_statements("  -- nothing\n").unwrap().is_empty());
    }

    #[test]
    fn comments_inside_literals_stay_text() {
        assert_eq!(
            split_statements("SELECT '-- not a comment', '/* nor this */';").unwrap(),
            vec!["SELECT '-- not a comment', '/* nor this */'"]
        );
    }

    #[test]
    fn refuses_what_it_cannot_split() {
        assert!(split_statements("CREATE FUNCTION f() AS $$ SELECT 1; $$;").is_err());
        assert!(split_statements("SELECT 'open;").is_err());
        assert!(split_statements("SELECT 1 /* open;").is_err());
    }

    #[test]
    fn every_embedded_file_splits_into_plain_statements() {
        for migration in SQLITE.iter().chain(POSTGRES) {
            let statements = split_statements(migration.sql)
                .unwrap_or_else(|e| panic!("{}: {e}", migration.name));
            assert!(!statements.is_empty(), "{}", migration.name);
            for statement in &statements {
                assert!(!statement.contains("--"), "{}: {statement}", migration.name);
            }
        }
        // The taxonomy seed: one INSERT per value, the same file on both dialects.
        let seed = split_statements(SQLITE[1].sql).unwrap();
        assert!(seed
            .iter()
            .all(|s| s.starts_with("INSERT INTO vlt_attributes")));
        assert_eq!(SQLITE[1], POSTGRES[1]);
    }

    #[test]
    fn names_are_unique_and_in_order() {
        for list in [SQLITE, POSTGRES] {
            let names: Vec<_> = list.iter().map(|m| m.name).collect();
            let mut sorted = names.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(names, sorted);
        }
        // The files the dialects share a name for play the same part.
        for m in SQLITE {
            assert!(POSTGRES.iter().any(|p| p.name == m.name), "{}", m.name);
        }
    }
}
