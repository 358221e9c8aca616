//! Users and their bearer tokens, without any development route.
//!
//! - `GET /api/tokens`: the user's tokens (public id, label, creation, expiry, revocation), never
//!   a token or its hash.
//! - `POST /api/tokens` `{"label": "...", "expires_at": "2027-01-31T00:00:00Z"}` (expiry
//!   optional): a new token, shown once in the 201 answer and stored as its SHA-256.
//! - `DELETE /api/tokens/:id`: revokes it; the next request with it is a 401. Revoking again
//!   answers the same (the first revocation time); another user's id is a 404.
//! - `POST /api/admin/users` `{"name": "...", "label": "...", "expires_at": ...}` with
//!   `Authorization: Bearer <admin token>`: a new user and their first token. The admin API
//!   answers 404 while the deployment has no admin token (setting `admin_token`), 401 to a wrong
//!   one (compared in constant time).
//! - `GET /api/admin/metrics?days=7`, behind the same token: jobs by status, generation success
//!   by provider, diversity, coverage and standout rate over the window, across users.

use bff_pipeline::api::{read_json, ApiError};
use bff_pipeline::Timestamp;
use bff_store::operations::{bearer_is, TokenInfo};

use super::answer_with as answer;
use crate::bodies::{AdminMetrics, CreatedToken, CreatedUser, NewToken, NewUser, Tokens};
use bff_store::Connection;

use super::{new_user, GatewayContext};
use crate::message::{HttpRequest, HttpResponse};
use crate::router::Params;

/// Tokens a user may hold that still work; more is a 409 (revoke one first).
pub const MAX_LIVE_TOKENS: u32 = 20;
/// The longest expiry a token may be given.
const MAX_LIFETIME_MS: i64 = 10 * 366 * 86_400_000;
const MAX_LABEL_CHARS: usize = 100;

/// A label: trimmed, 1 to 100 characters, no control characters.
fn label(text: &str, field: &str) -> Result<String, ApiError> {
    let text = text.trim();
    if text.is_empty()
        || text.chars().count() > MAX_LABEL_CHARS
        || text.chars().any(char::is_control)
    {
        return Err(ApiError::unprocessable(format!(
            "{field} must be 1 to {MAX_LABEL_CHARS} characters without control characters"
        ))
        .with_field(field));
    }
    Ok(text.to_string())
}

/// An expiry: an RFC 3339 time after `now` and within ten years.
fn expiry(text: Option<&str>, now: &Timestamp) -> Result<Option<Timestamp>, ApiError> {
    let Some(text) = text else {
        return Ok(None);
    };
    let at = Timestamp::parse(text).map_err(|e| {
        ApiError::unprocessable(format!("expires_at is not an RFC 3339 time: {e}"))
            .with_field("expires_at")
    })?;
    let ahead = at.unix_ms() - now.unix_ms();
    if ahead <= 0 || ahead > MAX_LIFETIME_MS {
        return Err(ApiError::unprocessable(format!(
            "expires_at must be after {} and within ten years",
            now.as_str()
        ))
        .with_field("expires_at"));
    }
    // Stored in the store's one format, so that expiry compares as text.
    Ok(Some(Timestamp::from_unix_ms(at.unix_ms())))
}

pub(super) async fn list<C, B, D, S>(
    request: &HttpRequest,
    ctx: &GatewayContext<'_, C, B, D, S>,
) -> HttpResponse
where
    C: Connection,
{
    let user_id = authed!(request, ctx);
    answer(
        200,
        ctx.store
            .tokens(&user_id)
            .await
            .map(|tokens| Tokens { tokens })
            .map_err(ApiError::from),
    )
}

pub(super) async fn create<C, B, D, S>(
    request: &HttpRequest,
    ctx: &GatewayContext<'_, C, B, D, S>,
) -> HttpResponse
where
    C: Connection,
{
    let user_id = authed!(request, ctx);
    answer(201, create_for(&user_id, request, ctx).await)
}

async fn create_for<C, B, D, S>(
    user_id: &str,
    request: &HttpRequest,
    ctx: &GatewayContext<'_, C, B, D, S>,
) -> Result<CreatedToken, ApiError>
where
    C: Connection,
{
    let asked: NewToken = read_json(&request.body, "request body")?;
    let label = label(&asked.label, "label")?;
    let expires_at = expiry(asked.expires_at.as_deref(), &ctx.now)?;
    if ctx.store.live_tokens(user_id, &ctx.now).await? >= MAX_LIVE_TOKENS {
        return Err(ApiError::conflict(format!(
            "{MAX_LIVE_TOKENS} tokens already work; revoke one before creating another"
        )));
    }
    let (_, token) = new_user(ctx.ids)?;
    let info = ctx
        .store
        .create_token(user_id, &token, &label, expires_at.as_ref(), &ctx.now)
        .await?;
    Ok(CreatedToken { info, token })
}

pub(super) async fn revoke<C, B, D, S>(
    request: &HttpRequest,
    params: &Params,
    ctx: &GatewayContext<'_, C, B, D, S>,
) -> HttpResponse
where
    C: Connection,
{
    let user_id = authed!(request, ctx);
    let id = params.get("id").unwrap_or_default();
    let well_formed = id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit());
    let found = if well_formed {
        ctx.store.revoke_token(&user_id, id, &ctx.now).await
    } else {
        Ok(None)
    };
    answer(
        200,
        found
            .map_err(ApiError::from)
            .and_then(|t| t.ok_or_else(|| ApiError::not_found(format!("no token {id}")))),
    )
}

/// The admin API's gate: `None` to go on, else the answer (404 while the deployment has no
/// admin token, 401 for a wrong one).
fn admin_refusal<C, B, D, S>(
    request: &HttpRequest,
    ctx: &GatewayContext<'_, C, B, D, S>,
) -> Option<HttpResponse> {
    let Some(admin_token) = ctx.admin_token.filter(|t| !t.trim().is_empty()) else {
        return Some(super::not_found());
    };
    (!bearer_is(request.header("Authorization"), admin_token)).then(|| {
        HttpResponse::error(&ApiError::unauthorized(
            "the admin API needs Authorization: Bearer <admin token>",
        ))
    })
}

pub(super) async fn admin_create_user<C, B, D, S>(
    request: &HttpRequest,
    ctx: &GatewayContext<'_, C, B, D, S>,
) -> HttpResponse
where
    C: Connection,
{
    if let Some(refused) = admin_refusal(request, ctx) {
        return refused;
    }
    answer(201, admin_user(request, ctx).await)
}

/// The longest metrics window.
const MAX_METRICS_DAYS: u32 = 90;

/// `GET /api/admin/metrics?days=7`: the operator's figures across users over the last `days`
/// days (1 to 90; 7 by default). Response times by route are in the gateway's `request` log
/// records (`duration_ms`), which the database does not hold.
pub(super) async fn admin_metrics<C, B, D, S>(
    request: &HttpRequest,
    ctx: &GatewayContext<'_, C, B, D, S>,
) -> HttpResponse
where
    C: Connection,
{
    if let Some(refused) = admin_refusal(request, ctx) {
        return refused;
    }
    let days = match request.query_param("days") {
        None => 7,
        Some(text) => match text.parse::<u32>() {
            Ok(days) if (1..=MAX_METRICS_DAYS).contains(&days) => days,
            _ => {
                return HttpResponse::error(
                    &ApiError::unprocessable(format!(
                        "days must be a whole number from 1 to {MAX_METRICS_DAYS}, got {text:?}"
                    ))
                    .with_field("days"),
                )
            }
        },
    };
    let since = Timestamp::from_unix_ms(ctx.now.unix_ms() - i64::from(days) * 86_400_000);
    answer(
        200,
        ctx.store
            .metrics(&since)
            .await
            .map_err(ApiError::from)
            .map(|metrics| AdminMetrics {
                window_days: days,
                metrics,
            }),
    )
}

async fn admin_user<C, B, D, S>(
    request: &HttpRequest,
    ctx: &GatewayContext<'_, C, B, D, S>,
) -> Result<CreatedUser, ApiError>
where
    C: Connection,
{
    let asked: NewUser = read_json(&request.body, "request body")?;
    let name = label(&asked.name, "name")?;
    let token_label = label(asked.label.as_deref().unwrap_or("first token"), "label")?;
    let expires_at = expiry(asked.expires_at.as_deref(), &ctx.now)?;
    let (user_id, token) = new_user(ctx.ids)?;
    ctx.store
        .create_user_token(
            &user_id,
            &name,
            &token,
            &token_label,
            expires_at.as_ref(),
            &ctx.now,
        )
        .await?;
    let info = ctx
        .store
        .token(&user_id, &TokenInfo::id_of(&token))
        .await?
        .ok_or_else(|| ApiError::unavailable("the new token did not read back; try again"))?;
    Ok(CreatedUser {
        user_id,
        name,
        token: CreatedToken { info, token },
    })
}
