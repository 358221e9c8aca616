//! Test doubles for the handlers' unit tests.
//!
//! [`TestDb`] is a scripted connection, not a database: it knows the bearer tokens of its users,
//! answers `SELECT 1`, answers any other query with rows scripted for its SQL text (none by
//! default), counts the rows a transaction's statement changed as scripted for its text (1 by
//! default), and records every statement. It is enough for the routes that only authenticate,
//! validate, forward or read nothing; the routes whose answers come from stored rows (job status
//! and views, images, feedback, analytics, prompt submissions, the rollup) are covered by
//! `bff-pipeline`'s tests on its in-memory ports, `bff-store`'s conformance suite and the
//! end-to-end run on D1; `bff-store`'s `native-sqlite` connection could run them here (not a
//! dependency of this crate yet).

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use bff_pipeline::ports::PortError;
use bff_pipeline::Timestamp;
use bff_store::operations::token_hash;
use bff_store::{sql, Connection, Dialect, Param, Row, Scope, SqlError, SqlStore, Statement};

use crate::analytics::ResponseCache;
use crate::message::{HttpRequest, HttpResponse, Method};
use crate::platform::{Service, Services};

pub const TOKEN: &str = "bff_test_token_0123456789abcdef";
pub const USER: &str = "user-1";

pub fn now() -> Timestamp {
    Timestamp::parse("2026-04-02T10:00:00Z").unwrap()
}

#[derive(Default)]
pub struct TestDb {
    /// Every query and execution fails (the database is down).
    pub down: Cell<bool>,
    scripted: RefCell<BTreeMap<String, Vec<Row>>>,
    /// Rows changed by the statements of a transaction, by SQL text (1 when not scripted).
    changes: RefCell<BTreeMap<String, u64>>,
    /// Every statement run, in order.
    pub statements: RefCell<Vec<(String, Vec<Param>)>>,
}

impl TestDb {
    pub fn store() -> SqlStore<TestDb> {
        SqlStore::new(TestDb::default())
    }

    /// Rows the query `sql` answers with.
    pub fn script(&self, sql: &str, rows: Vec<serde_json::Value>) {
        let rows = rows
            .into_iter()
            .map(|r| match r {
                serde_json::Value::Object(o) => o,
                other => panic!("not a row: {other}"),
            })
            .collect();
        self.scripted.borrow_mut().insert(sql.to_string(), rows);
    }

    /// How many rows the statement `sql` changes in a transaction (0: an insert-or-ignore or a
    /// conditional insert that inserted nothing).
    pub fn script_changes(&self, sql: &str, changed: u64) {
        self.changes.borrow_mut().insert(sql.to_string(), changed);
    }

    /// The statements run so far that may write (every one but a `SELECT`).
    pub fn writes(&self) -> Vec<String> {
        self.statements
            .borrow()
            .iter()
            .map(|(s, _)| s.clone())
            .filter(|s| !s.trim_start().starts_with("SELECT"))
            .collect()
    }

    fn run(&self, sql: &str, params: &[Param]) -> Result<(), SqlError> {
        self.statements
            .borrow_mut()
            .push((sql.to_string(), params.to_vec()));
        if self.down.get() {
            Err(SqlError("the test database is down".into()))
        } else {
            Ok(())
        }
    }
}

impl Connection for TestDb {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    async fn scope(&self, _scope: Scope<'_>) -> Result<(), SqlError> {
        Ok(())
    }

    async fn execute(&self, sql: &str, params: &[Param]) -> Result<u64, SqlError> {
        self.run(sql, params)?;
        Ok(1)
    }

    async fn query(&self, sql: &str, params: &[Param]) -> Result<Vec<Row>, SqlError> {
        self.run(sql, params)?;
        let row = |v: serde_json::Value| v.as_object().cloned().unwrap_or_default();
        if sql == sql::USER_BY_TOKEN {
            let known = params.first() == Some(&Param::Text(token_hash(TOKEN)));
            return Ok(if known {
                vec![row(serde_json::json!({ "user_id": USER }))]
            } else {
                Vec::new()
            });
        }
        if sql == sql::SELECT_ONE {
            return Ok(vec![row(serde_json::json!({ "one": 1 }))]);
        }
        Ok(self.scripted.borrow().get(sql).cloned().unwrap_or_default())
    }

    async fn transaction(&self, statements: &[Statement]) -> Result<Vec<u64>, SqlError> {
        let mut changed = Vec::with_capacity(statements.len());
        for s in statements {
            self.run(&s.sql, &s.params)?;
            changed.push(self.changes.borrow().get(&s.sql).copied().unwrap_or(1));
        }
        Ok(changed)
    }
}

/// One call a [`FakeServices`] received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub service: Service,
    pub method: Method,
    pub path_and_query: String,
    pub user_id: Option<String>,
    pub body: Option<Vec<u8>>,
}

/// Services that record each call and answer with `answer` (or fail when `down`).
pub struct FakeServices {
    pub calls: RefCell<Vec<Call>>,
    pub answer: RefCell<HttpResponse>,
    pub down: Cell<bool>,
    pub unbound: Option<Service>,
}

impl Default for FakeServices {
    fn default() -> Self {
        Self {
            calls: RefCell::default(),
            answer: RefCell::new(HttpResponse::json(200, &serde_json::json!({ "ok": true }))),
            down: Cell::new(false),
            unbound: None,
        }
    }
}

impl Services for FakeServices {
    async fn call(
        &self,
        service: Service,
        method: Method,
        path_and_query: &str,
        user_id: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> Result<HttpResponse, PortError> {
        self.calls.borrow_mut().push(Call {
            service,
            method,
            path_and_query: path_and_query.to_string(),
            user_id: user_id.map(String::from),
            body,
        });
        if self.down.get() {
            return Err(PortError::new("service", "connection refused"));
        }
        Ok(self.answer.borrow().clone())
    }

    fn check(&self, service: Service) -> Result<(), String> {
        if self.unbound == Some(service) {
            Err(format!("no binding {}", service.binding()))
        } else {
            Ok(())
        }
    }
}

/// Ids `00000000-0000-4000-8000-000000000001`, `...2`, ... in turn.
pub fn counter_ids() -> impl Fn() -> Result<String, PortError> {
    let next = Cell::new(0u64);
    move || {
        next.set(next.get() + 1);
        Ok(format!("00000000-0000-4000-8000-{:012}", next.get()))
    }
}

/// A cache in a map; records what was put.
#[derive(Default)]
pub struct MapCache {
    pub entries: RefCell<BTreeMap<String, String>>,
    pub failing: bool,
}

impl ResponseCache for MapCache {
    async fn get(&self, key: &str) -> Option<String> {
        self.entries.borrow().get(key).cloned()
    }

    async fn put(&self, key: &str, body: &str, _max_age_seconds: u32) -> Result<(), String> {
        if self.failing {
            return Err("the cache is full".into());
        }
        self.entries
            .borrow_mut()
            .insert(key.to_string(), body.to_string());
        Ok(())
    }
}

/// A request with the test user's bearer token.
pub fn authed(method: Method, path: &str) -> HttpRequest {
    HttpRequest::new(method, path).with_header("Authorization", format!("Bearer {TOKEN}"))
}

/// A request from the gateway for the test user.
pub fn from_gateway(method: Method, path: &str) -> HttpRequest {
    HttpRequest::new(method, path).with_header(crate::platform::USER_HEADER, USER)
}

pub fn run<F: std::future::Future>(f: F) -> F::Output {
    pollster::block_on(f)
}
