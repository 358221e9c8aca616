//! The provider servers driven over real HTTP: the image providers with the product's own request
//! builders and readers (`bff_providers`), so that a difference between what the product sends
//! and what a server accepts fails here; Workers AI and the embeddings with hand-written requests
//! in their documented shapes.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use base64::Engine;
use bff_provider_servers::{
    Config, LogEntry, Provider, ProviderConfig, ProviderServer, ProviderServers, Rule, Violation,
};
use bff_providers::replicate::{Next, Shape};
use bff_providers::{openai, replicate, stability, Failure, Generated, HttpCall, HttpReply};
use serde_json::{json, Value};

const KEY: &str = "sk-test-0123456789abcdef";
const PROMPT: &str = "A linen midi dress in terracotta, standing figure. Avoid florals.";

fn start(provider: Provider, config: ProviderConfig) -> ProviderServer {
    ProviderServer::start(provider, &config).expect("starting a provider server")
}

fn keyed(change: impl FnOnce(&mut ProviderConfig)) -> ProviderConfig {
    let mut config = ProviderConfig::with_key(KEY);
    change(&mut config);
    config
}

fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(timeout))
        .build()
        .into()
}

/// Sends a call as the platforms do, or the transport error (a timeout).
fn try_send(call: &HttpCall, timeout: Duration) -> Result<HttpReply, ureq::Error> {
    let mut builder = ureq::http::Request::builder()
        .method(call.method)
        .uri(&call.url);
    for (name, value) in &call.headers {
        builder = builder.header(name, value);
    }
    let agent = agent(timeout);
    let mut response = if call.body.is_empty() {
        agent.run(builder.body(()).expect("a request"))?
    } else {
        agent.run(builder.body(call.body.clone()).expect("a request"))?
    };
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let body = response
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_vec()?;
    Ok(HttpReply {
        status: response.status().as_u16(),
        headers,
        body,
    })
}

fn send(call: &HttpCall) -> HttpReply {
    try_send(call, Duration::from_secs(30)).expect("an answer")
}

fn post_json(url: &str, key: Option<&str>, body: &Value) -> HttpReply {
    let mut headers = vec![("content-type".to_string(), "application/json".to_string())];
    if let Some(key) = key {
        headers.push(("authorization".into(), format!("Bearer {key}")));
    }
    send(&HttpCall {
        method: "POST",
        url: url.to_string(),
        headers,
        body: body.to_string().into_bytes(),
    })
}

fn json_of(reply: &HttpReply) -> Value {
    serde_json::from_slice(&reply.body).expect("a JSON body")
}

fn without_header(mut call: HttpCall, name: &str) -> HttpCall {
    call.headers.retain(|(n, _)| n != name);
    call
}

fn assert_no_violations(server: &ProviderServer) {
    assert_eq!(server.violations(), Vec::<Violation>::new());
}

// ---- OpenAI ------------------------------------------------------------------------------

fn openai_config(server: &ProviderServer, key: &str) -> openai::Config {
    openai_config_at(server.url(), key)
}

fn openai_config_at(base_url: &str, key: &str) -> openai::Config {
    openai::Config {
        base_url: base_url.to_string(),
        api_key: key.to_string(),
        model: "gpt-image-1".into(),
        quality: "medium".into(),
        moderation: "auto".into(),
    }
}

fn openai_ask(prompt: &str) -> openai::Ask<'_> {
    openai::Ask {
        prompt,
        width: 512,
        height: 768,
        seed: 42,
    }
}

fn openai_generate(server: &ProviderServer, prompt: &str) -> Result<Generated, Failure> {
    let config = openai_config(server, KEY);
    let ask = openai_ask(prompt);
    openai::read(&config, &ask, &send(&openai::call(&config, &ask)))
}

#[test]
fn openai_answers_the_products_request_with_a_whole_png_of_its_shape() {
    let server = start(Provider::Openai, ProviderConfig::with_key(KEY));
    let image = openai_generate(&server, PROMPT).expect("an image");
    assert_eq!(
        (image.width, image.height),
        (64, 96),
        "portrait 1024x1536, drawn small"
    );
    let other = openai_generate(&server, "A wool coat").expect("an image");
    assert_ne!(
        image.png, other.png,
        "different prompts give different images"
    );
    assert_no_violations(&server);
    let log = server.log();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].status, 200);
    assert_eq!(log[0].path, "/v1/images/generations");
    assert_eq!(log[0].prompt.as_deref(), Some(PROMPT));
    assert!(log[0].prompt_hash.is_some() && log[0].rules.is_empty());
}

#[test]
fn openai_scripted_rules_give_the_failures_the_product_expects() {
    let every = |change: fn(&mut ProviderConfig)| start(Provider::Openai, keyed(change));
    let moderated = every(|c| c.moderate_every = 1);
    assert!(matches!(
        openai_generate(&moderated, PROMPT),
        Err(Failure::Moderated { .. })
    ));
    let quota = every(|c| c.quota_exhausted = true);
    assert!(matches!(
        openai_generate(&quota, PROMPT),
        Err(Failure::Stop { .. })
    ));
    let truncated = every(|c| c.truncate_every = 1);
    assert!(matches!(
        openai_generate(&truncated, PROMPT),
        Err(Failure::Malformed { .. })
    ));
    let dead = every(|c| c.dead = true);
    assert!(matches!(
        openai_generate(&dead, PROMPT),
        Err(Failure::Retry { after_ms: None, .. })
    ));
    let failing = every(|c| c.server_error_first_attempt_every = 1);
    assert!(matches!(
        openai_generate(&failing, PROMPT),
        Err(Failure::Retry { after_ms: None, .. })
    ));
    assert!(
        openai_generate(&failing, PROMPT).is_ok(),
        "the retry gets through"
    );
    let blocked = every(|c| c.blocked_words = vec!["SHEER".into()]);
    assert!(matches!(
        openai_generate(&blocked, "a sheer blouse"),
        Err(Failure::Moderated { .. })
    ));
    assert!(openai_generate(&blocked, "a wool blouse").is_ok());
    for server in [&moderated, &quota, &truncated, &dead, &failing, &blocked] {
        assert_no_violations(server);
    }
    assert_eq!(dead.log()[0].rules, ["dead"]);
    assert_eq!(failing.log()[0].rules, ["server_error"]);
}

#[test]
fn openai_rate_limit_asks_for_a_wait_that_the_retry_must_respect() {
    let server = start(
        Provider::Openai,
        keyed(|c| {
            c.rate_limit_first_attempt_every = 1;
            c.retry_after_s = 1;
        }),
    );
    let first = openai_generate(&server, PROMPT);
    assert!(
        matches!(
            first,
            Err(Failure::Retry {
                after_ms: Some(1000),
                ..
            })
        ),
        "{first:?}"
    );
    // Too soon: refused again, and recorded.
    assert!(matches!(
        openai_generate(&server, PROMPT),
        Err(Failure::Retry { .. })
    ));
    assert_eq!(server.violations().len(), 1);
    assert!(server.violations()[0].reason.contains("retry-after"));
    thread::sleep(Duration::from_millis(1050));
    assert!(openai_generate(&server, PROMPT).is_ok());
    let log = server.log();
    let rules: Vec<&[String]> = log.iter().map(|e| e.rules.as_slice()).collect();
    assert_eq!(
        rules,
        [
            &["rate_limited".to_string()][..],
            &["retried_too_soon".to_string()],
            &[]
        ]
    );
    assert!(
        log[2].started_ms >= log[0].started_ms + 1000,
        "the log holds the times to check"
    );
}

#[test]
fn openai_every_nth_prompt_is_chosen_by_its_hash_not_by_arrival_order() {
    let server = start(Provider::Openai, keyed(|c| c.moderate_every = 3));
    let prompts: Vec<String> = (0..12).map(|i| format!("dress number {i}")).collect();
    let expected: Vec<bool> = prompts.iter().map(|p| Rule::Moderate.picks(3, p)).collect();
    assert!(expected.iter().any(|&m| m) && expected.iter().any(|&m| !m));
    for prompt in prompts.iter().rev() {
        let moderated = matches!(
            openai_generate(&server, prompt),
            Err(Failure::Moderated { .. })
        );
        assert_eq!(moderated, Rule::Moderate.picks(3, prompt), "{prompt}");
    }
}

#[test]
fn openai_refuses_what_the_api_refuses_and_records_it() {
    let server = start(Provider::Openai, ProviderConfig::with_key(KEY));
    let url = format!("{}/v1/images/generations", server.url());
    let good = json!({ "model": "gpt-image-1", "prompt": PROMPT, "n": 1, "size": "1024x1536" });
    let with = |field: &str, value: Value| {
        let mut body = good.clone();
        body[field] = value;
        body
    };
    let cases = [
        (with("seed", json!(7)), "unknown_parameter", Some("seed")),
        (
            with("response_format", json!("b64_json")),
            "unknown_parameter",
            Some("response_format"),
        ),
        (
            with("size", json!("512x512")),
            "invalid_value",
            Some("size"),
        ),
        (with("n", json!("1")), "invalid_type", Some("n")),
        (with("n", json!(11)), "invalid_value", Some("n")),
        (with("prompt", json!("")), "invalid_value", Some("prompt")),
        (
            with("model", json!("dall-e-3")),
            "invalid_value",
            Some("model"),
        ),
        (
            json!({ "model": "gpt-image-1" }),
            "missing_required_parameter",
            Some("prompt"),
        ),
    ];
    for (body, code, param) in &cases {
        let reply = post_json(&url, Some(KEY), body);
        assert_eq!(reply.status, 400, "{body}");
        let error = &json_of(&reply)["error"];
        assert_eq!(error["code"], *code, "{body}");
        assert_eq!(error["param"].as_str(), *param);
        assert_eq!(error["type"], "invalid_request_error");
    }
    let wrong_key = "sk-wrong-key-that-must-not-be-echoed";
    let reply = post_json(&url, Some(wrong_key), &good);
    assert_eq!(reply.status, 401);
    let message = json_of(&reply)["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.starts_with("Incorrect API key provided: sk-"),
        "{message}"
    );
    assert!(!message.contains(wrong_key) && message.contains("oed."));
    assert_eq!(post_json(&url, None, &good).status, 401);
    assert_eq!(
        post_json(
            &format!("{}/v1/images/edits", server.url()),
            Some(KEY),
            &good
        )
        .status,
        404
    );
    assert_eq!(server.violations().len(), cases.len() + 3);
    assert!(server.log().iter().all(|e| e.rules == ["refused"]));
    // The product's failure classes for these answers.
    let config = openai_config(&server, wrong_key);
    let ask = openai_ask(PROMPT);
    assert!(matches!(
        openai::read(&config, &ask, &send(&openai::call(&config, &ask))),
        Err(Failure::Stop { .. })
    ));
    let reply = post_json(&url, Some(KEY), &with("seed", json!(7)));
    assert!(matches!(
        openai::read(&config, &ask, &reply),
        Err(Failure::Rejected { .. })
    ));
}

#[test]
fn a_key_anywhere_but_the_authorization_header_is_a_violation() {
    let server = start(Provider::Openai, ProviderConfig::with_key(KEY));
    let prompt = format!("a dress {KEY}");
    assert!(
        openai_generate(&server, &prompt).is_ok(),
        "the API itself would not notice"
    );
    let violations = server.violations();
    assert_eq!(violations.len(), 1);
    assert_eq!(violations[0].reason, "the key was sent in the body");
}

#[test]
fn slow_answers_overlap() {
    let server = start(Provider::Openai, keyed(|c| c.latency_ms = 300));
    thread::scope(|scope| {
        for i in 0..8 {
            let server = &server;
            scope.spawn(move || {
                openai_generate(server, &format!("concurrent dress {i}")).expect("an image")
            });
        }
    });
    let log = server.log();
    assert_eq!(log.len(), 8);
    let last_start = log.iter().map(|e| e.started_ms).max().unwrap();
    let first_end = log.iter().map(|e| e.finished_ms).min().unwrap();
    assert!(
        last_start < first_end,
        "all eight were in flight together: {log:?}"
    );
    assert!(log.iter().all(|e| e.finished_ms - e.started_ms >= 300));
}

#[test]
fn a_hung_answer_outlasts_the_client_and_its_retry_gets_through() {
    let server = start(
        Provider::Openai,
        keyed(|c| {
            c.hang_every = 1;
            c.hang_ms = 5_000;
        }),
    );
    let config = openai_config(&server, KEY);
    let ask = openai_ask(PROMPT);
    let call = openai::call(&config, &ask);
    let started = Instant::now();
    assert!(
        try_send(&call, Duration::from_millis(300)).is_err(),
        "the client timed out"
    );
    assert!(started.elapsed() < Duration::from_secs(4));
    let reply = try_send(&call, Duration::from_secs(10)).expect("the retry is answered");
    assert!(openai::read(&config, &ask, &reply).is_ok());
    let retry = server
        .log()
        .into_iter()
        .find(|e| e.rules.is_empty())
        .expect("the retry's entry");
    assert_eq!(retry.status, 200);
}

// ---- Stability ---------------------------------------------------------------------------

fn stability_config(server: &ProviderServer, service: &str) -> stability::Config {
    stability::Config {
        base_url: server.url().to_string(),
        api_key: KEY.to_string(),
        service: service.to_string(),
        model: (service == "sd3").then(|| "sd3.5-large".to_string()),
        style_preset: Some("photographic".into()),
    }
}

fn stability_ask(prompt: &str) -> stability::Ask<'_> {
    stability::Ask {
        prompt,
        negative_prompt: "florals, blurry",
        width: 512,
        height: 768,
        seed: 1234,
    }
}

fn stability_generate(
    server: &ProviderServer,
    service: &str,
    prompt: &str,
) -> Result<Generated, Failure> {
    let config = stability_config(server, service);
    let ask = stability_ask(prompt);
    let call = stability::call(&config, &ask, "bff-form-boundary-7f3a");
    stability::read(&config, &ask, &send(&call))
}

#[test]
fn stability_answers_the_products_form_with_image_bytes_or_json() {
    let server = start(Provider::Stability, ProviderConfig::with_key(KEY));
    for service in ["core", "ultra", "sd3"] {
        let image = stability_generate(&server, service, PROMPT).expect("an image");
        assert_eq!((image.width, image.height), (64, 96), "2:3");
        assert_eq!(image.parameters["seed"], 1234);
    }
    let config = stability_config(&server, "core");
    let ask = stability_ask(PROMPT);
    let mut call = without_header(stability::call(&config, &ask, "b0undary"), "accept");
    call.headers
        .push(("accept".into(), "application/json".into()));
    let reply = send(&call);
    assert_eq!(json_of(&reply)["finish_reason"], "SUCCESS");
    assert!(stability::read(&config, &ask, &reply).is_ok());
    assert_no_violations(&server);
}

#[test]
fn stability_scripted_rules_give_the_failures_the_product_expects() {
    let every = |change: fn(&mut ProviderConfig)| start(Provider::Stability, keyed(change));
    let filtered = every(|c| c.moderate_every = 1);
    assert!(matches!(
        stability_generate(&filtered, "core", PROMPT),
        Err(Failure::Moderated { .. })
    ));
    let blocked = every(|c| c.blocked_words = vec!["linen".into()]);
    assert!(matches!(
        stability_generate(&blocked, "core", PROMPT),
        Err(Failure::Moderated { .. })
    ));
    assert_eq!(blocked.log()[0].status, 403);
    let broke = every(|c| c.quota_exhausted = true);
    assert!(matches!(
        stability_generate(&broke, "sd3", PROMPT),
        Err(Failure::Stop { .. })
    ));
    assert_eq!(broke.log()[0].status, 402);
    let limited = every(|c| c.rate_limit_first_attempt_every = 1);
    assert!(matches!(
        stability_generate(&limited, "core", PROMPT),
        Err(Failure::Retry {
            after_ms: Some(1000),
            ..
        })
    ));
    let truncated = every(|c| c.truncate_every = 1);
    assert!(matches!(
        stability_generate(&truncated, "ultra", PROMPT),
        Err(Failure::Malformed { .. })
    ));
    let failing = every(|c| c.server_error_first_attempt_every = 1);
    assert!(matches!(
        stability_generate(&failing, "core", PROMPT),
        Err(Failure::Retry { .. })
    ));
    assert!(stability_generate(&failing, "core", PROMPT).is_ok());
    for server in [&filtered, &blocked, &broke, &limited, &truncated, &failing] {
        assert_no_violations(server);
    }
}

#[test]
fn stability_refuses_what_the_api_refuses_and_records_it() {
    let server = start(Provider::Stability, ProviderConfig::with_key(KEY));
    let config = stability_config(&server, "sd3");
    let ask = stability_ask(PROMPT);
    let call = stability::call(&config, &ask, "XyZ");
    let replaced = |from: &str, to: &str| {
        let mut call = call.clone();
        call.body = String::from_utf8(call.body)
            .unwrap()
            .replace(from, to)
            .into_bytes();
        call
    };
    let with_part = |name: &str, value: &str| {
        let mut call = call.clone();
        let body = String::from_utf8(call.body).unwrap();
        let extra = format!("--XyZ\r\ncontent-disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n--XyZ--\r\n");
        call.body = body.replace("--XyZ--\r\n", &extra).into_bytes();
        call
    };
    let cases = [
        with_part("cfg_scal", "5"),
        with_part("prompt", "again"),
        replaced("\r\n\r\npng\r\n", "\r\n\r\nwebp\r\n"),
        replaced("\r\n\r\n1234\r\n", "\r\n\r\n4294967295\r\n"),
        replaced("\r\n\r\nsd3.5-large\r\n", "\r\n\r\nsd3-large\r\n"),
        {
            let mut json_body = without_header(call.clone(), "content-type");
            json_body
                .headers
                .push(("content-type".into(), "application/json".into()));
            json_body.body = json!({ "prompt": PROMPT }).to_string().into_bytes();
            json_body
        },
    ];
    for case in &cases {
        let reply = send(case);
        assert_eq!(reply.status, 400);
        assert_eq!(json_of(&reply)["name"], "bad_request");
        assert!(matches!(
            stability::read(&config, &ask, &reply),
            Err(Failure::Rejected { .. })
        ));
    }
    let mut wrong_key = stability_config(&server, "core");
    wrong_key.api_key = "sk-someone-elses".into();
    let reply = send(&stability::call(&wrong_key, &ask, "XyZ"));
    assert_eq!(
        (reply.status, json_of(&reply)["name"].as_str()),
        (401, Some("unauthorized"))
    );
    let mut unknown_service = call.clone();
    unknown_service.url = unknown_service.url.replace("/sd3", "/sdxl");
    assert_eq!(send(&unknown_service).status, 404);
    assert_eq!(server.violations().len(), cases.len() + 2);
}

// ---- Replicate ---------------------------------------------------------------------------

fn replicate_config(server: &ProviderServer, shape: Shape) -> replicate::Config {
    replicate::Config {
        base_url: server.url().to_string(),
        api_token: KEY.to_string(),
        model: match shape {
            Shape::FluxSchnell => "black-forest-labs/flux-schnell",
            Shape::Sdxl => "stability-ai/sdxl",
        }
        .into(),
        shape,
    }
}

fn replicate_ask(prompt: &str) -> replicate::Ask<'_> {
    replicate::Ask {
        prompt,
        negative_prompt: "florals",
        width: 500,
        height: 750,
        seed: 7,
    }
}

/// The product's flow: create, poll until done, download; `wait` keeps the `prefer: wait`
/// header the product sends.
fn replicate_generate(
    server: &ProviderServer,
    shape: Shape,
    prompt: &str,
    wait: bool,
) -> Result<Generated, Failure> {
    let config = replicate_config(server, shape);
    let ask = replicate_ask(prompt);
    let mut call = replicate::create(&config, &ask);
    if !wait {
        call = without_header(call, "prefer");
    }
    for _ in 0..50 {
        match replicate::next(&config, &send(&call))? {
            Next::Poll(poll) => {
                thread::sleep(Duration::from_millis(10));
                call = poll;
            }
            Next::Download(download) => {
                return replicate::read_image(&config, &ask, &send(&download));
            }
        }
    }
    panic!("the prediction never finished");
}

#[test]
fn replicate_predictions_are_created_polled_and_downloaded() {
    let server = start(Provider::Replicate, keyed(|c| c.polls_before_done = 3));
    let flux = replicate_generate(&server, Shape::FluxSchnell, PROMPT, true).expect("an image");
    assert_eq!((flux.width, flux.height), (64, 96));
    let polled =
        replicate_generate(&server, Shape::FluxSchnell, "a wool coat", false).expect("an image");
    assert_ne!(flux.png, polled.png);
    let sdxl = replicate_generate(&server, Shape::Sdxl, PROMPT, false).expect("an image");
    assert_eq!(
        (sdxl.width, sdxl.height),
        (64, 96),
        "504 x 752, drawn small"
    );
    assert_no_violations(&server);
    let log = server.log();
    let polls = log
        .iter()
        .filter(|e| e.method == "GET" && e.path.starts_with("/v1/predictions/"))
        .count();
    assert_eq!(
        polls, 6,
        "three polls for each of the two created without a wait"
    );
    let created: Vec<&LogEntry> = log
        .iter()
        .filter(|e| e.path.ends_with("/predictions"))
        .collect();
    assert!(created.iter().all(|e| e.status == 201));
}

#[test]
fn replicate_prediction_json_has_the_documented_fields() {
    let server = start(Provider::Replicate, ProviderConfig::with_key(KEY));
    let config = replicate_config(&server, Shape::FluxSchnell);
    let call = without_header(replicate::create(&config, &replicate_ask(PROMPT)), "prefer");
    let created = json_of(&send(&call));
    for field in [
        "id",
        "model",
        "version",
        "input",
        "logs",
        "output",
        "data_removed",
        "error",
        "status",
        "created_at",
        "urls",
    ] {
        assert!(created.get(field).is_some(), "{field} in {created}");
    }
    assert_eq!(created["status"], "starting");
    assert_eq!(created["output"], Value::Null);
    assert_eq!(created["model"], "black-forest-labs/flux-schnell");
    let get = created["urls"]["get"].as_str().unwrap();
    assert_eq!(
        get,
        format!(
            "{}/v1/predictions/{}",
            server.url(),
            created["id"].as_str().unwrap()
        )
    );
    let cancel = HttpCall {
        method: "POST",
        url: created["urls"]["cancel"].as_str().unwrap().to_string(),
        headers: vec![("authorization".into(), format!("Bearer {KEY}"))],
        body: Vec::new(),
    };
    assert_eq!(json_of(&send(&cancel))["status"], "canceled");
}

#[test]
fn replicate_scripted_rules_give_the_failures_the_product_expects() {
    let every = |change: fn(&mut ProviderConfig)| start(Provider::Replicate, keyed(change));
    let nsfw = every(|c| c.moderate_every = 1);
    let failure = replicate_generate(&nsfw, Shape::FluxSchnell, PROMPT, true);
    assert!(
        matches!(failure, Err(Failure::Moderated { .. })),
        "{failure:?}"
    );
    let broke = every(|c| c.quota_exhausted = true);
    assert!(matches!(
        replicate_generate(&broke, Shape::Sdxl, PROMPT, true),
        Err(Failure::Stop { .. })
    ));
    let throttled = every(|c| c.rate_limit_first_attempt_every = 1);
    assert!(matches!(
        replicate_generate(&throttled, Shape::FluxSchnell, PROMPT, true),
        Err(Failure::Retry {
            after_ms: Some(1000),
            ..
        })
    ));
    let config = replicate_config(&throttled, Shape::FluxSchnell);
    let reply = send(&replicate::create(
        &config,
        &replicate_ask("another prompt"),
    ));
    assert_eq!(
        (reply.status, reply.header("retry-after")),
        (429, Some("1"))
    );
    assert_eq!(json_of(&reply)["title"], "Request was throttled.");
    let truncated = every(|c| c.truncate_every = 1);
    assert!(matches!(
        replicate_generate(&truncated, Shape::FluxSchnell, PROMPT, false),
        Err(Failure::Malformed { .. })
    ));
    let expiring = every(|c| c.output_expiry_ms = 50);
    let config = replicate_config(&expiring, Shape::FluxSchnell);
    let ask = replicate_ask(PROMPT);
    let Next::Download(download) =
        replicate::next(&config, &send(&replicate::create(&config, &ask))).unwrap()
    else {
        panic!("done at once with prefer: wait");
    };
    thread::sleep(Duration::from_millis(120));
    assert!(matches!(
        replicate::read_image(&config, &ask, &send(&download)),
        Err(Failure::Rejected { .. })
    ));
    for server in [&nsfw, &broke, &throttled, &truncated, &expiring] {
        assert_no_violations(server);
    }
}

#[test]
fn replicate_refuses_what_the_api_refuses_and_records_it() {
    let server = start(Provider::Replicate, ProviderConfig::with_key(KEY));
    let url = format!(
        "{}/v1/models/black-forest-labs/flux-schnell/predictions",
        server.url()
    );
    let reply = post_json(
        &url,
        Some(KEY),
        &json!({ "input": { "prompt": PROMPT, "foo": 1, "num_outputs": 5, "seed": "7" } }),
    );
    assert_eq!(reply.status, 422);
    let body = json_of(&reply);
    assert_eq!(body["title"], "Input validation failed");
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.contains("- input: Additional property foo is not allowed\n"),
        "{detail}"
    );
    assert!(
        detail.contains("- input.num_outputs: Must be less than or equal to 4\n"),
        "{detail}"
    );
    assert!(
        detail.contains("- input.seed: Invalid type. Expected: integer, given: string\n"),
        "{detail}"
    );
    assert_eq!(body["invalid_fields"].as_array().unwrap().len(), 3);
    assert_eq!(
        post_json(&url, Some(KEY), &json!({ "input": {} })).status,
        422,
        "prompt is required"
    );
    assert_eq!(
        post_json(&url, Some(KEY), &json!({ "inputs": { "prompt": "x" } })).status,
        422
    );
    let reply = post_json(
        &url,
        Some("r8_wrong"),
        &json!({ "input": { "prompt": PROMPT } }),
    );
    assert_eq!(
        json_of(&reply),
        json!({ "title": "Unauthenticated", "detail": "You did not pass a valid authentication token", "status": 401 })
    );
    let unknown = format!("{}/v1/models/nobody/nothing/predictions", server.url());
    assert_eq!(
        post_json(&unknown, Some(KEY), &json!({ "input": { "prompt": "x" } })).status,
        404
    );
    assert_eq!(server.violations().len(), 5);
    // SDXL takes any integer size, but the pipeline fails on one not divisible by 8.
    let sdxl = format!("{}/v1/models/stability-ai/sdxl/predictions", server.url());
    let mut call = HttpCall {
        method: "POST",
        url: sdxl,
        headers: vec![
            ("authorization".into(), format!("Bearer {KEY}")),
            ("content-type".into(), "application/json".into()),
            ("prefer".into(), "wait".into()),
        ],
        body: json!({ "input": { "prompt": PROMPT, "width": 500, "height": 750 } })
            .to_string()
            .into_bytes(),
    };
    let reply = send(&call);
    assert_eq!(json_of(&reply)["status"], "failed");
    assert!(json_of(&reply)["error"]
        .as_str()
        .unwrap()
        .contains("divisible by 8"));
    assert_eq!(server.violations().len(), 6);
    // The product's own SDXL request rounds to multiples of 8 and downloads without the token;
    // sending the token to the file host is a violation.
    call.body = json!({ "input": { "prompt": PROMPT, "width": 504, "height": 752 } })
        .to_string()
        .into_bytes();
    let done = json_of(&send(&call));
    let file = done["output"][0].as_str().unwrap().to_string();
    let download = |headers: Vec<(String, String)>| {
        send(&HttpCall {
            method: "GET",
            url: file.clone(),
            headers,
            body: vec![],
        })
    };
    assert_eq!(download(vec![]).status, 200);
    assert_eq!(server.violations().len(), 6);
    assert_eq!(
        download(vec![("authorization".into(), format!("Bearer {KEY}"))]).status,
        200
    );
    assert_eq!(
        server.violations().last().unwrap().reason,
        "the API token was sent to the file host"
    );
}

// ---- Workers AI --------------------------------------------------------------------------

#[test]
fn workers_ai_draws_a_jpeg_with_flux_and_a_png_with_sdxl() {
    let server = start(
        Provider::WorkersAi,
        keyed(|c| c.account_id = Some("acc123".into())),
    );
    let run = |model: &str| format!("{}/client/v4/accounts/acc123/ai/run/{model}", server.url());
    let reply = post_json(
        &run("@cf/black-forest-labs/flux-1-schnell"),
        Some(KEY),
        &json!({ "prompt": PROMPT, "steps": 4, "seed": 9 }),
    );
    assert_eq!(reply.status, 200);
    let body = json_of(&reply);
    assert_eq!(
        (body["success"].clone(), body["errors"].clone()),
        (json!(true), json!([]))
    );
    let jpeg = base64::engine::general_purpose::STANDARD
        .decode(body["result"]["image"].as_str().unwrap())
        .unwrap();
    assert!(jpeg.starts_with(&[0xff, 0xd8, 0xff]) && jpeg.ends_with(&[0xff, 0xd9]));
    let reply = post_json(
        &run("@cf/stabilityai/stable-diffusion-xl-base-1.0"),
        Some(KEY),
        &json!({ "prompt": PROMPT, "negative_prompt": "florals", "width": 512, "height": 768, "num_steps": 20, "guidance": 7.5, "seed": 1 }),
    );
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("image/png"));
    assert_eq!(bff_providers::image::png_size(&reply.body), Ok((64, 96)));
    assert_no_violations(&server);
}

#[test]
fn workers_ai_refusals_and_scripted_failures_use_cloudflares_envelope() {
    let server = start(
        Provider::WorkersAi,
        keyed(|c| {
            c.account_id = Some("acc123".into());
            c.blocked_words = vec!["sheer".into()];
        }),
    );
    let flux = format!(
        "{}/client/v4/accounts/acc123/ai/run/@cf/black-forest-labs/flux-1-schnell",
        server.url()
    );
    let code = |reply: &HttpReply| {
        (
            reply.status,
            json_of(reply)["errors"][0]["code"].as_u64().unwrap(),
        )
    };
    assert_eq!(
        code(&post_json(
            &flux,
            Some("wrong-token"),
            &json!({ "prompt": "x" })
        )),
        (401, 10000)
    );
    assert_eq!(
        code(&post_json(
            &flux,
            Some(KEY),
            &json!({ "prompt": "x", "steps": 9 })
        )),
        (400, 5006)
    );
    assert_eq!(
        code(&post_json(&flux, Some(KEY), &json!({ "prompt": "" }))),
        (400, 5006)
    );
    assert_eq!(
        code(&post_json(
            &flux,
            Some(KEY),
            &json!({ "prompt": "x", "num_steps": 4 })
        )),
        (400, 5006)
    );
    let other_model = flux.replace("flux-1-schnell", "flux-2");
    assert_eq!(
        code(&post_json(
            &other_model,
            Some(KEY),
            &json!({ "prompt": "x" })
        )),
        (400, 5007)
    );
    let other_account = flux.replace("acc123", "acc999");
    assert_eq!(
        code(&post_json(
            &other_account,
            Some(KEY),
            &json!({ "prompt": "x" })
        )),
        (403, 10000)
    );
    assert_eq!(server.violations().len(), 6);
    assert_eq!(
        code(&post_json(
            &flux,
            Some(KEY),
            &json!({ "prompt": "a sheer top" })
        )),
        (400, 3030)
    );
    let limited = start(
        Provider::WorkersAi,
        keyed(|c| c.rate_limit_first_attempt_every = 1),
    );
    let url = flux.replace(server.url(), limited.url());
    let reply = post_json(&url, Some(KEY), &json!({ "prompt": PROMPT }));
    assert_eq!(
        (code(&reply), reply.header("retry-after")),
        ((429, 3040), Some("1"))
    );
    let broke = start(Provider::WorkersAi, keyed(|c| c.quota_exhausted = true));
    let url = flux.replace(server.url(), broke.url());
    assert_eq!(
        code(&post_json(&url, Some(KEY), &json!({ "prompt": PROMPT }))),
        (429, 4006)
    );
}

/// A request as the `AI` binding sends it: `POST /run?version=3`, the model in a header, the
/// inputs and options in the body.
fn binding_call(server: &ProviderServer, model: &str, body: &Value) -> HttpCall {
    HttpCall {
        method: "POST",
        url: format!("{}/run?version=3", server.url()),
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("cf-consn-sdk-version".into(), "2.0.0".into()),
            ("cf-consn-model-id".into(), model.into()),
        ],
        body: body.to_string().into_bytes(),
    }
}

#[test]
fn workers_ai_answers_the_bindings_protocol_without_the_rest_envelope() {
    let server = start(Provider::WorkersAi, keyed(|_| {}));
    let reply = send(&binding_call(
        &server,
        "@cf/black-forest-labs/flux-1-schnell",
        &json!({ "inputs": { "prompt": PROMPT, "steps": 4, "seed": 9 }, "options": {} }),
    ));
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("content-type"),
        Some("application/json"),
        "exactly: the binding parses only this type"
    );
    let body = json_of(&reply);
    let jpeg = base64::engine::general_purpose::STANDARD
        .decode(body["image"].as_str().unwrap())
        .unwrap();
    assert!(jpeg.starts_with(&[0xff, 0xd8, 0xff]) && jpeg.ends_with(&[0xff, 0xd9]));
    assert!(body.get("result").is_none() && body.get("success").is_none());
    let reply = send(&binding_call(
        &server,
        "@cf/stabilityai/stable-diffusion-xl-base-1.0",
        &json!({ "inputs": { "prompt": PROMPT, "negative_prompt": "florals", "width": 512, "height": 768, "num_steps": 20, "seed": 1 }, "options": {} }),
    ));
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("image/png"));
    assert_eq!(bff_providers::image::png_size(&reply.body), Ok((64, 96)));
    assert_no_violations(&server);
    let log = server.log();
    assert!(log.iter().all(|e| e.path == "/run" && e.status == 200));
    assert_eq!(log[0].prompt.as_deref(), Some(PROMPT));
}

#[test]
fn workers_ai_refuses_what_the_binding_would_not_send_in_the_bindings_error_forms() {
    let server = start(
        Provider::WorkersAi,
        keyed(|c| c.blocked_words = vec!["sheer".into()]),
    );
    let flux = "@cf/black-forest-labs/flux-1-schnell";
    let ok_body = json!({ "inputs": { "prompt": "x" }, "options": {} });
    // `errors[0]`, or `internalCode`: what the binding throws.
    let code = |reply: &HttpReply| {
        let body = json_of(reply);
        let code = body["errors"][0]["code"]
            .as_u64()
            .or_else(|| body["internalCode"].as_u64())
            .unwrap();
        (reply.status, code)
    };
    let refusals = [
        (
            binding_call(
                &server,
                flux,
                &json!({ "inputs": { "prompt": "x", "steps": 9 }, "options": {} }),
            ),
            (400, 5006),
        ),
        (
            binding_call(
                &server,
                flux,
                &json!({ "inputs": { "prompt": "x", "num_steps": 4 }, "options": {} }),
            ),
            (400, 5006),
        ),
        (
            binding_call(&server, flux, &json!({ "prompt": "x" })),
            (400, 5006),
        ),
        (
            binding_call(&server, flux, &json!({ "inputs": { "prompt": "x" } })),
            (400, 5006),
        ),
        (
            binding_call(
                &server,
                flux,
                &json!({ "inputs": { "prompt": "x" }, "options": {}, "model": flux }),
            ),
            (400, 5006),
        ),
        (
            binding_call(&server, "@cf/black-forest-labs/flux-2", &ok_body),
            (400, 5007),
        ),
        (
            without_header(binding_call(&server, flux, &ok_body), "cf-consn-model-id"),
            (400, 5007),
        ),
        (
            without_header(
                binding_call(&server, flux, &ok_body),
                "cf-consn-sdk-version",
            ),
            (400, 3003),
        ),
        (
            HttpCall {
                url: format!("{}/run", server.url()),
                ..binding_call(&server, flux, &ok_body)
            },
            (400, 3003),
        ),
    ];
    let count = refusals.len();
    for (call, expected) in refusals {
        assert_eq!(
            code(&send(&call)),
            expected,
            "{}",
            String::from_utf8_lossy(&call.body)
        );
    }
    assert_eq!(server.violations().len(), count);
    let unknown = json_of(&send(&binding_call(&server, "@cf/x/y", &ok_body)));
    assert_eq!(
        (unknown["name"].as_str(), unknown["description"].as_str()),
        (Some("NoSuchModel"), Some("No such model @cf/x/y or task"))
    );
    let mut typed = binding_call(&server, flux, &ok_body);
    typed.headers[0].1 = "application/json; charset=utf-8".into();
    assert_eq!(code(&send(&typed)), (400, 3003));
    // A credential is no refusal, but the binding never sends one.
    let before = server.violations().len();
    let mut keyed_call = binding_call(&server, flux, &ok_body);
    keyed_call
        .headers
        .push(("authorization".into(), format!("Bearer {KEY}")));
    assert_eq!(send(&keyed_call).status, 200);
    assert_eq!(server.violations().len(), before + 1);

    // Scripted failures, the binding's way.
    let moderated = send(&binding_call(
        &server,
        flux,
        &json!({ "inputs": { "prompt": "a sheer top" }, "options": {} }),
    ));
    assert_eq!(code(&moderated), (400, 3030));
    let limited = start(
        Provider::WorkersAi,
        keyed(|c| {
            c.rate_limit_first_attempt_every = 1;
            c.retry_after_s = 30;
        }),
    );
    let first = send(&binding_call(&limited, flux, &ok_body));
    let body = json_of(&first);
    assert_eq!(
        (first.status, &body["internalCode"], &body["name"]),
        (429, &json!(3040), &json!("OutOfCapacity"))
    );
    assert_eq!(send(&binding_call(&limited, flux, &ok_body)).status, 200);
    assert_no_violations(&limited);
    let broke = start(Provider::WorkersAi, keyed(|c| c.quota_exhausted = true));
    assert_eq!(
        code(&send(&binding_call(&broke, flux, &ok_body))),
        (429, 3036)
    );
    let dead = start(Provider::WorkersAi, keyed(|c| c.dead = true));
    assert_eq!(
        code(&send(&binding_call(&dead, flux, &ok_body))),
        (503, 3043)
    );
    // REST on the same server keeps its own envelope.
    let rest = post_json(
        &format!("{}/client/v4/accounts/a/ai/run/{flux}", dead.url()),
        Some(KEY),
        &json!({ "prompt": "x" }),
    );
    assert_eq!(json_of(&rest)["success"], json!(false));
}

#[test]
fn the_first_prompts_are_moderated_whatever_they_are() {
    let server = start(Provider::WorkersAi, keyed(|c| c.moderate_first = 1));
    let flux = "@cf/black-forest-labs/flux-1-schnell";
    let status = |prompt: &str| {
        send(&binding_call(
            &server,
            flux,
            &json!({ "inputs": { "prompt": prompt }, "options": {} }),
        ))
        .status
    };
    assert_eq!(status("a wool coat"), 400);
    assert_eq!(status("a linen dress"), 200);
    assert_eq!(status("a wool coat"), 400, "every attempt at it");
    assert_eq!(status("a silk blouse"), 200);
    let moderated: Vec<LogEntry> = server
        .log()
        .into_iter()
        .filter(|e| e.rules.iter().any(|r| r == "moderated"))
        .collect();
    assert_eq!(moderated.len(), 2);
}

// ---- Embeddings --------------------------------------------------------------------------

fn tiny_png() -> Vec<u8> {
    let server = start(Provider::Openai, ProviderConfig::with_key(KEY));
    openai_generate(&server, "the image to embed").unwrap().png
}

#[test]
fn the_same_image_gets_the_same_vector_from_both_embedding_servers() {
    let servers = ProviderServers::start(&Config {
        jina: Some(ProviderConfig::with_key(KEY)),
        openai_embeddings: Some(ProviderConfig {
            model: Some("jinaai/jina-clip-v2".into()),
            ..ProviderConfig::default()
        }),
        ..Config::default()
    })
    .unwrap();
    let jina = servers.get(Provider::Jina).unwrap();
    let infinity = servers.get(Provider::OpenaiEmbeddings).unwrap();
    let png = tiny_png();
    let b64 = base64::engine::general_purpose::STANDARD.encode(&png);
    let reply = post_json(
        &format!("{}/v1/embeddings", jina.url()),
        Some(KEY),
        &json!({ "model": "jina-clip-v2", "input": [{ "image": b64 }, { "text": "linen dress" }], "dimensions": 64, "normalized": true, "embedding_type": "float" }),
    );
    assert_eq!(reply.status, 200);
    let body = json_of(&reply);
    assert_eq!(
        (body["object"].as_str(), body["model"].as_str()),
        (Some("list"), Some("jina-clip-v2"))
    );
    assert!(body["usage"]["total_tokens"].as_u64().unwrap() > 0);
    let vector = |v: &Value| -> Vec<f64> {
        v["embedding"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect()
    };
    let image = vector(&body["data"][0]);
    assert_eq!(image.len(), 64);
    assert!((image.iter().map(|x| x * x).sum::<f64>() - 1.0).abs() < 1e-4);
    assert_ne!(image, vector(&body["data"][1]));
    let reply = post_json(
        &format!("{}/embeddings", infinity.url()),
        None,
        &json!({ "model": "jinaai/jina-clip-v2", "input": [format!("data:image/png;base64,{b64}")], "modality": "image", "encoding_format": "float", "dimensions": 64 }),
    );
    let body = json_of(&reply);
    assert_eq!(reply.status, 200, "{body}");
    assert!(body["id"].as_str().unwrap().starts_with("infinity-"));
    let same = vector(&body["data"][0]);
    assert!(
        image.iter().zip(&same).all(|(a, b)| (a - b).abs() < 1e-6),
        "same bytes, same vector"
    );
    // The configured dimension when the request names none.
    let reply = post_json(
        &format!("{}/embeddings", infinity.url()),
        None,
        &json!({ "model": "jinaai/jina-clip-v2", "input": "linen dress" }),
    );
    assert_eq!(vector(&json_of(&reply)["data"][0]).len(), 512);
    assert_eq!(servers.violations(), []);
}

#[test]
fn embedding_servers_refuse_what_their_apis_refuse() {
    let servers = ProviderServers::start(&Config {
        jina: Some(keyed(|c| c.rate_limit_first_attempt_every = 1)),
        openai_embeddings: Some(ProviderConfig {
            key: Some(KEY.into()),
            model: Some("jinaai/jina-clip-v2".into()),
            ..ProviderConfig::default()
        }),
        ..Config::default()
    })
    .unwrap();
    let jina = format!(
        "{}/v1/embeddings",
        servers.get(Provider::Jina).unwrap().url()
    );
    let good = json!({ "model": "jina-clip-v2", "input": [{ "text": "coat" }] });
    assert_eq!(post_json(&jina, Some("jina_wrong"), &good).status, 401);
    let reply = post_json(
        &jina,
        Some(KEY),
        &json!({ "model": "jina-clip-v2", "input": [{ "text": "coat" }], "foo": 1 }),
    );
    assert_eq!(reply.status, 422);
    assert_eq!(json_of(&reply)["detail"][0]["type"], "extra_forbidden");
    assert_eq!(
        post_json(
            &jina,
            Some(KEY),
            &json!({ "model": "jina-clip-v2", "input": [{ "video": "x" }] })
        )
        .status,
        422
    );
    assert_eq!(
        post_json(
            &jina,
            Some(KEY),
            &json!({ "model": "jina-clip-v2", "input": [{ "text": "coat" }], "dimensions": 2048 })
        )
        .status,
        422
    );
    let first = post_json(&jina, Some(KEY), &good);
    assert_eq!(
        (first.status, first.header("retry-after")),
        (429, Some("1"))
    );
    assert_eq!(servers.get(Provider::Jina).unwrap().violations().len(), 4);
    let infinity = format!(
        "{}/embeddings",
        servers.get(Provider::OpenaiEmbeddings).unwrap().url()
    );
    let good = json!({ "model": "jinaai/jina-clip-v2", "input": ["coat"] });
    assert_eq!(post_json(&infinity, None, &good).status, 401);
    assert_eq!(
        post_json(
            &infinity,
            Some(KEY),
            &json!({ "model": "other", "input": ["coat"] })
        )
        .status,
        400
    );
    assert_eq!(
        post_json(
            &infinity,
            Some(KEY),
            &json!({ "model": "jinaai/jina-clip-v2", "input": ["coat"], "modality": "image" })
        )
        .status,
        422
    );
    assert_eq!(
        post_json(
            &infinity,
            Some(KEY),
            &json!({ "model": "jinaai/jina-clip-v2", "input": [] })
        )
        .status,
        422
    );
    assert_eq!(post_json(&infinity, Some(KEY), &good).status, 200);
    assert_eq!(
        servers
            .get(Provider::OpenaiEmbeddings)
            .unwrap()
            .violations()
            .len(),
        4
    );
}

// ---- Observability and the binary ----------------------------------------------------------

#[test]
fn the_log_and_the_violations_are_served_as_json() {
    let server = start(Provider::Openai, ProviderConfig::with_key(KEY));
    openai_generate(&server, PROMPT).unwrap();
    let config = openai_config(&server, "sk-wrong-key-0000");
    let ask = openai_ask(PROMPT);
    send(&openai::call(&config, &ask));
    let get = |path: &str| {
        send(&HttpCall {
            method: "GET",
            url: format!("{}{path}", server.url()),
            headers: vec![],
            body: vec![],
        })
    };
    let log: Vec<LogEntry> = serde_json::from_slice(&get("/__bff/log").body).unwrap();
    assert_eq!(log, server.log());
    assert_eq!(log.len(), 2, "reading the log is not logged");
    let violations: Vec<Violation> =
        serde_json::from_slice(&get("/__bff/violations").body).unwrap();
    assert_eq!(violations, server.violations());
    assert_eq!(violations.len(), 1);
    assert_eq!(violations[0].reason, "wrong API key");
}

#[test]
fn configs_are_read_from_json_with_every_field_optional_and_typos_refused() {
    let config: Config = serde_json::from_value(json!({
        "openai": { "key": "sk-x", "latency_ms": 2000, "rate_limit_first_attempt_every": 5, "retry_after_s": 2 },
        "replicate": { "polls_before_done": 3, "output_expiry_ms": 1000, "moderate_every": 4 },
        "workers_ai": { "account_id": "acc", "hang_every": 3, "hang_ms": 30000 },
        "jina": { "dimension": 1024 },
        "stability": {},
    }))
    .unwrap();
    assert_eq!(config.openai.as_ref().unwrap().latency_ms, 2000);
    assert_eq!(config.stability, Some(ProviderConfig::default()));
    assert!(config.openai_embeddings.is_none());
    assert!(serde_json::from_value::<Config>(json!({ "openai": { "latency": 1 } })).is_err());
    assert!(serde_json::from_value::<Config>(json!({ "dalle": {} })).is_err());
}

#[test]
fn the_binary_prints_one_line_of_urls_and_serves_until_killed() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bff-provider-servers"))
        .args([
            "--config",
            r#"{"openai": {"key": "sk-test-0123456789abcdef"}, "replicate": {}}"#,
        ])
        .stdout(Stdio::piped())
        .spawn()
        .expect("starting the binary");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let urls: BTreeMap<String, String> = serde_json::from_str(&line).expect("one JSON line");
    assert_eq!(urls.keys().collect::<Vec<_>>(), ["openai", "replicate"]);
    let config = openai_config_at(&urls["openai"], KEY);
    let ask = openai_ask(PROMPT);
    let generated = openai::read(&config, &ask, &send(&openai::call(&config, &ask)));
    child.kill().ok();
    child.wait().ok();
    assert!(generated.is_ok());
}

#[test]
fn a_keyless_look_at_the_root_is_answered_and_no_violation() {
    for provider in Provider::ALL {
        let server = start(provider, ProviderConfig::with_key(KEY));
        let call = HttpCall {
            method: "GET",
            url: format!("{}/", server.url()),
            headers: Vec::new(),
            body: Vec::new(),
        };
        let reply = try_send(&call, Duration::from_secs(5)).expect("an answer");
        assert_eq!(reply.status, 404, "{provider:?}");
        assert!(
            server.violations().is_empty(),
            "{provider:?}: {:?}",
            server.violations()
        );
        assert_eq!(server.log()[0].rules, ["root_probe"], "{provider:?}");
    }
}
