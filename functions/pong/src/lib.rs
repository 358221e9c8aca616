//! `bff-pong`: consumer of the `bff-ping` queue and of its dead-letter queue.
//!
//! For each ping message it reads the R2 object the gateway stored, then in one D1 transaction
//! counts the delivery and marks the row processed if it is not yet (`WHERE processed = 0`), so a
//! duplicate delivery changes nothing but the delivery count. Each message is settled on its own:
//! acknowledged when done, retried on error; after `max_retries` the queue moves it to
//! `bff-ping-dlq`, whose messages this worker records in `dead_letters`.

use bff_cloudflare::d1::{self, Param};
use bff_cloudflare::ping::{self, PingError, PingMessage};
use bff_cloudflare::{bindings, now_iso, queue, r2};
use worker::{event, Bucket, Context, D1Database, Env, MessageBatch, MessageExt, Result};

#[event(queue)]
async fn consume(batch: MessageBatch<PingMessage>, env: Env, _ctx: Context) -> Result<()> {
    let db = d1::database(&env, bindings::DB)?;
    let name = batch.queue();
    if name == ping::DEAD_LETTER_QUEUE {
        for message in batch.raw_iter() {
            let outcome = record_dead_letter(&db, &name, &message).await;
            queue::settle(&message, outcome);
        }
        return Ok(());
    }
    let bucket = r2::bucket(&env, bindings::BLOBS)?;
    for message in batch.raw_iter() {
        let outcome = match queue::decode::<PingMessage>(&message) {
            Ok(ping) => process(&db, &bucket, &ping).await,
            Err(error) => Err(error),
        };
        queue::settle(&message, outcome);
    }
    Ok(())
}

async fn process(db: &D1Database, bucket: &Bucket, message: &PingMessage) -> Result<()> {
    ping::check_message(message).map_err(to_error)?;
    let bytes = r2::get(bucket, &message.object_key)
        .await?
        .ok_or_else(|| to_error(PingError::ObjectMissing(message.object_key.clone())))?;
    ping::check_object(message, &bytes).map_err(to_error)?;
    let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    let processed_at = now_iso();
    let changes = d1::batch(
        db,
        vec![
            d1::statement(db, ping::sql::COUNT_DELIVERY, &[Param::Text(&message.id)])?,
            d1::statement(
                db,
                ping::sql::MARK_PROCESSED,
                &[
                    Param::Text(&message.id),
                    Param::Text(&processed_at),
                    Param::Int(size),
                ],
            )?,
        ],
    )
    .await?;
    match changes.as_slice() {
        [0, ..] => return Err(to_error(PingError::RowMissing(message.id.clone()))),
        [_, 0] => {
            worker::console_log!("ping {}: duplicate delivery, already processed", message.id)
        }
        _ => worker::console_log!("ping {} processed ({size} bytes)", message.id),
    }
    Ok(())
}

async fn record_dead_letter(
    db: &D1Database,
    queue_name: &str,
    message: &worker::RawMessage,
) -> Result<()> {
    let body = queue::body_json(message)?;
    let message_id = message.id();
    worker::console_error!("dead letter {message_id} from {queue_name}: {body}");
    d1::execute(
        db,
        ping::sql::INSERT_DEAD_LETTER,
        &[
            Param::Text(&message_id),
            Param::Text(queue_name),
            Param::Text(&body),
            Param::Text(&now_iso()),
        ],
    )
    .await?;
    Ok(())
}

fn to_error(error: PingError) -> worker::Error {
    worker::Error::RustError(error.to_string())
}
