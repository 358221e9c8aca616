//! Bearer tokens on a real SQLite (rusqlite) and a real PostgreSQL server (as the product's role,
//! row security on): created hashed, listed by public id, expiring, revoked from the next check
//! on, and never reachable by another user.

mod common;

use bff_pipeline::Timestamp;
use bff_store::operations::{token_hash, TokenInfo};
use bff_store::{Connection, SqlStore};
use common::block_on;

const T0: i64 = 1_780_000_000_000;
const HOUR: i64 = 3_600_000;

fn at(ms: i64) -> Timestamp {
    Timestamp::from_unix_ms(ms)
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

fn lifecycle<C: Connection>(store: &SqlStore<C>) {
    let first = "bff_first_token_of_ada_0123456789abcdef";
    let second = "bff_second_token_of_ada_0123456789abcdef";
    let bob = "bff_only_token_of_bob_0123456789abcdef";
    let expires = at(T0 + 2 * HOUR);
    block_on(store.create_user_token("user-ada", "Ada", first, "laptop", None, &at(T0))).unwrap();
    block_on(store.create_user_token("user-bob", "Bob", bob, "phone", None, &at(T0))).unwrap();
    let made =
        block_on(store.create_token("user-ada", second, "script", Some(&expires), &at(T0 + HOUR)))
            .unwrap();
    assert_eq!(
        made,
        TokenInfo {
            id: token_hash(second)[..16].to_string(),
            label: "script".into(),
            created_at: at(T0 + HOUR).as_str().into(),
            expires_at: Some(expires.as_str().into()),
            revoked_at: None,
        }
    );
    assert_eq!(made.id, TokenInfo::id_of(second));

    let who =
        |token: &str, ms: i64| block_on(store.authenticate(Some(&bearer(token)), &at(ms))).unwrap();
    // The expiring token works until its expiry, not at it.
    assert_eq!(who(second, T0 + HOUR).as_deref(), Some("user-ada"));
    assert_eq!(who(second, T0 + 2 * HOUR - 1).as_deref(), Some("user-ada"));
    assert_eq!(who(second, T0 + 2 * HOUR), None);
    assert_eq!(who(first, T0 + 100 * HOUR).as_deref(), Some("user-ada"));
    assert_eq!(who("bff_never_issued_0123456789abcdef", T0), None);

    let listed = block_on(store.tokens("user-ada")).unwrap();
    assert_eq!(
        listed.iter().map(|t| t.label.as_str()).collect::<Vec<_>>(),
        ["laptop", "script"]
    );
    assert!(listed.iter().all(|t| t.id.len() == 16));
    assert_eq!(
        block_on(store.live_tokens("user-ada", &at(T0 + HOUR))).unwrap(),
        2
    );
    assert_eq!(
        block_on(store.live_tokens("user-ada", &at(T0 + 3 * HOUR))).unwrap(),
        1
    );

    // Another user's token id reads and revokes nothing.
    let bobs = TokenInfo::id_of(bob);
    assert_eq!(block_on(store.token("user-ada", &bobs)).unwrap(), None);
    assert_eq!(
        block_on(store.revoke_token("user-ada", &bobs, &at(T0 + HOUR))).unwrap(),
        None
    );
    assert_eq!(who(bob, T0 + HOUR).as_deref(), Some("user-bob"));

    // Revoked: refused from the next check on; revoking again keeps the first time.
    let first_id = TokenInfo::id_of(first);
    let revoked = block_on(store.revoke_token("user-ada", &first_id, &at(T0 + HOUR)))
        .unwrap()
        .unwrap();
    assert_eq!(revoked.revoked_at.as_deref(), Some(at(T0 + HOUR).as_str()));
    assert_eq!(who(first, T0 + HOUR), None);
    let again = block_on(store.revoke_token("user-ada", &first_id, &at(T0 + 5 * HOUR)))
        .unwrap()
        .unwrap();
    assert_eq!(again, revoked);
    assert_eq!(
        block_on(store.live_tokens("user-ada", &at(T0 + HOUR))).unwrap(),
        1
    );
    assert_eq!(block_on(store.tokens("user-bob")).unwrap().len(), 1);
}

#[test]
fn tokens_live_expire_and_are_revoked_on_sqlite() {
    lifecycle(&SqlStore::new(common::migrated_sqlite()));
}

#[test]
fn tokens_live_expire_and_are_revoked_on_postgres() {
    let (_server, app) = common::migrated_postgres();
    lifecycle(&SqlStore::new(app));
}
