//! Bearer-token authentication: `Authorization: Bearer <token>` → the token's SHA-256 (hex) →
//! the user in `api_tokens`. Tokens are never stored, only their hashes.

use serde::Deserialize;
use sha2::{Digest, Sha256};
use worker::D1Database;

use crate::d1::{self, Param};
use crate::sql;

/// Hex SHA-256 of a token, as stored in `api_tokens.token_hash`.
pub fn token_hash(token: &str) -> String {
    crate::rows::encode_hex(&Sha256::digest(token.as_bytes()))
}

/// The token of an `Authorization` header value, if it is a well-formed bearer token.
pub fn bearer(header: Option<&str>) -> Option<&str> {
    let value = header?.trim();
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer")
        && (16..=256).contains(&token.len())
        && token.bytes().all(|b| b.is_ascii_graphic()))
    .then_some(token)
}

#[derive(Deserialize)]
struct UserId {
    user_id: String,
}

/// The user the request's bearer token belongs to, or `None` (missing, malformed, unknown or
/// revoked token).
pub async fn authenticate(db: &D1Database, header: Option<&str>) -> worker::Result<Option<String>> {
    let Some(token) = bearer(header) else {
        return Ok(None);
    };
    let hash = token_hash(token);
    Ok(
        d1::first::<UserId>(db, sql::USER_BY_TOKEN, &[Param::Text(&hash)])
            .await?
            .map(|u| u.user_id),
    )
}

/// Creates a user (if new) and a token for them; returns the token. Used by the development
/// route that `cargo xtask run` and the end-to-end test call.
pub async fn create_user_token(
    db: &D1Database,
    user_id: &str,
    name: &str,
    token: &str,
    now: &str,
) -> worker::Result<()> {
    let hash = token_hash(token);
    d1::batch(
        db,
        vec![
            d1::statement(
                db,
                sql::INSERT_USER,
                &[user_id.into(), name.into(), now.into()],
            )?,
            d1::statement(
                db,
                sql::INSERT_TOKEN,
                &[
                    hash.as_str().into(),
                    user_id.into(),
                    "development".into(),
                    now.into(),
                ],
            )?,
        ],
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_tokens_are_parsed_strictly() {
        assert_eq!(
            bearer(Some("Bearer abcdefghijklmnop")),
            Some("abcdefghijklmnop")
        );
        assert_eq!(
            bearer(Some("bearer  abcdefghijklmnop ")),
            Some("abcdefghijklmnop")
        );
        assert_eq!(bearer(Some("Basic abcdefghijklmnop")), None);
        assert_eq!(bearer(Some("Bearer short")), None);
        assert_eq!(bearer(None), None);
    }

    #[test]
    fn token_hash_is_hex_sha256() {
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
