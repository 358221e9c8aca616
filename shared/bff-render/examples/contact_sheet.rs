//! Writes one contact sheet per category: every value of the vocabulary drawn alone, in the
//! order of `VOCABULARY`, five to a row.
//!
//! `cargo run --release -p bff-render --example contact_sheet -- [DIR] [CONTEXT...]`, where each
//! CONTEXT is `category=value` added before the value under test (e.g. `garment_type=top`).

use std::path::PathBuf;

use bff_math::coverage::AttributeValue;
use bff_render::{render_sketch, SketchRequest, VOCABULARY};

const CELL_W: u32 = 256;
const CELL_H: u32 = 384;
const COLUMNS: u32 = 5;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(
        args.next()
            .unwrap_or_else(|| "/tmp/render-samples".to_owned()),
    );
    let context: Vec<AttributeValue> = args
        .filter_map(|a| a.split_once('=').map(|(c, v)| AttributeValue::new(c, v)))
        .collect();
    let suffix: String = context.iter().map(|a| format!("-{}", a.value)).collect();
    std::fs::create_dir_all(&dir)?;
    for (category, ids) in VOCABULARY {
        let rows = (ids.len() as u32).div_ceil(COLUMNS);
        let (w, h) = (CELL_W * COLUMNS, CELL_H * rows);
        let mut sheet = vec![255u8; (w * h * 3) as usize];
        for (i, id) in ids.iter().enumerate() {
            let mut attributes = context.clone();
            attributes.push(AttributeValue::new(category, *id));
            let request = SketchRequest {
                width: CELL_W,
                height: CELL_H,
                ..SketchRequest::new(attributes, 5)
            };
            let sketch = render_sketch(&request)?;
            let decoder = png::Decoder::new(std::io::Cursor::new(&sketch.png));
            let mut reader = decoder.read_info()?;
            let mut buf = vec![0; reader.output_buffer_size().unwrap_or(0)];
            let info = reader.next_frame(&mut buf)?;
            let (cx, cy) = ((i as u32 % COLUMNS) * CELL_W, (i as u32 / COLUMNS) * CELL_H);
            for y in 0..info.height {
                let src = &buf[(y * info.line_size as u32) as usize..][..(info.width * 3) as usize];
                let at = (((cy + y) * w + cx) * 3) as usize;
                sheet[at..at + src.len()].copy_from_slice(src);
            }
            if !sketch.not_drawn.is_empty() {
                println!("{category}/{id}: not drawn {:?}", sketch.not_drawn);
            }
        }
        let path = dir.join(format!("sheet-{category}{suffix}.png"));
        let file = std::fs::File::create(&path)?;
        let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), w, h);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.write_header()?.write_image_data(&sheet)?;
        println!("{}: {}", path.display(), ids.join(", "));
    }
    Ok(())
}
