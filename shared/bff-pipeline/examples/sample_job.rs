//! Runs one job through every stage on in-memory ports with the offline renderer and embedder,
//! then prints what a designer would look at: each image's quality, the styles and the picks.
//!
//! `cargo run -p bff-pipeline --example sample_job -- [brief] [designs] [job id]`

use bff_pipeline::api::GenerationRequest;
use bff_pipeline::fakes::{MemoryBlobs, MemoryQueue, MemoryStore};
use bff_pipeline::offline::{DescriptorEmbedder, SketchProvider};
use bff_pipeline::stages::prompt::submit;
use bff_pipeline::stages::Ports;
use bff_pipeline::Timestamp;
use pollster::block_on;

fn main() {
    let mut args = std::env::args().skip(1);
    let brief = args
        .next()
        .unwrap_or_else(|| "relaxed linen resort dress, earthy tones, no florals".into());
    let designs: u32 = args
        .next()
        .map_or(12, |d| d.parse().expect("a design count"));
    let job = args.next().unwrap_or_else(|| "sample".into());

    let (store, blobs, queue) = (MemoryStore::new(), MemoryBlobs::new(), MemoryQueue::new());
    let ports = Ports {
        store: &store,
        blobs: &blobs,
        dispatch: &queue,
        provider: &SketchProvider,
        embedder: &DescriptorEmbedder,
    };
    let now = Timestamp::from_unix_ms(1_756_695_600_000);
    let body = serde_json::json!({ "brief": brief, "designs": designs }).to_string();
    let submitted = GenerationRequest::from_json(body.as_bytes())
        .and_then(|r| r.validate())
        .and_then(|request| block_on(submit(&store, &queue, "designer", &request, &job, &now)));
    if let Err(e) = submitted {
        eprintln!("the brief cannot be submitted: {}", e.message);
        std::process::exit(2);
    }
    while let Some(message) = queue.pop() {
        if let Err(e) = block_on(ports.handle(&message, &now)) {
            block_on(ports.give_up(&message, &e.to_string(), &now)).expect("given up");
        }
    }

    let t = store.snapshot();
    println!("brief: {brief}\njob: {job}, status {}", t.jobs[&job].status);
    let mut images: Vec<_> = t.images.values().collect();
    images.sort_by_key(|i| i.variant);
    println!("\nimage, quality, style, drawn values:");
    for i in &images {
        let style = t
            .cluster_assignments
            .get(&i.image_id)
            .map_or_else(|| "-".to_string(), |a| a.cluster.to_string());
        let drawn: Vec<&str> = i.drawn.iter().map(|a| a.value.as_str()).collect();
        println!(
            "  {:>2}  {:.3}  {style}  {}",
            i.variant,
            i.quality,
            drawn.join(", ")
        );
    }
    let mut q: Vec<f64> = images.iter().map(|i| i.quality).collect();
    q.sort_by(f64::total_cmp);
    if !q.is_empty() {
        let median = if q.len() % 2 == 0 {
            (q[q.len() / 2 - 1] + q[q.len() / 2]) / 2.0
        } else {
            q[q.len() / 2]
        };
        let high = q.iter().filter(|q| **q >= 0.75).count();
        println!(
            "quality over {} images: min {:.3}, median {:.3}, max {:.3}; {high} at 0.75 or more",
            q.len(),
            q[0],
            median,
            q[q.len() - 1]
        );
    }
    println!("\nstyles:");
    for p in t.style_profiles.values() {
        println!("  {}  {:>2} images  {}", p.cluster, p.size, p.name);
    }
    println!("\npicks:");
    for p in t.picks.values() {
        println!(
            "  {:>2}. image {:>2}  style {}  quality {:.3}  {:?}",
            p.rank, p.variant, p.cluster, p.quality, p.reason
        );
    }
}
