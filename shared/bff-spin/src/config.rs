//! Which database a component uses, from the application variables `database` (`sqlite`, the
//! default, or `postgres`) and `postgres_url`.

/// The database of the deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseChoice {
    /// Spin's SQLite database `default` (`sqlite_databases = ["default"]`; its file is set in the
    /// runtime config).
    Sqlite,
    /// PostgreSQL at this address (`postgres://user:password@host:port/db`), which must be in
    /// the component's `allowed_outbound_hosts`.
    Postgres { url: String },
}

impl DatabaseChoice {
    /// Reads the variables' values (`None` when a variable is not set for the component).
    pub fn from_variables(
        database: Option<&str>,
        postgres_url: Option<&str>,
    ) -> Result<Self, String> {
        match database.map(str::trim).unwrap_or("") {
            "" | "sqlite" => Ok(DatabaseChoice::Sqlite),
            "postgres" | "postgresql" => match postgres_url.map(str::trim) {
                Some(url) if !url.is_empty() => Ok(DatabaseChoice::Postgres {
                    url: url.to_string(),
                }),
                _ => Err("database = \"postgres\" needs the variable postgres_url".into()),
            },
            other => Err(format!(
                "unknown database {other:?} (the variable database is \"sqlite\" or \"postgres\")"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_is_the_default() {
        assert_eq!(
            DatabaseChoice::from_variables(None, None),
            Ok(DatabaseChoice::Sqlite)
        );
        assert_eq!(
            DatabaseChoice::from_variables(Some("sqlite"), Some("postgres://x")),
            Ok(DatabaseChoice::Sqlite)
        );
    }

    #[test]
    fn postgres_needs_its_url() {
        assert_eq!(
            DatabaseChoice::from_variables(Some("postgres"), Some(" postgres://u@127.0.0.1/bff ")),
            Ok(DatabaseChoice::Postgres {
                url: "postgres://u@127.0.0.1/bff".into()
            })
        );
        assert!(DatabaseChoice::from_variables(Some("postgres"), Some("")).is_err());
        assert!(DatabaseChoice::from_variables(Some("postgres"), None).is_err());
        assert!(DatabaseChoice::from_variables(Some("mysql"), None).is_err());
    }
}
