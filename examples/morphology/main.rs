//! Cells from a reconstructed morphology, built by NEURON without Python: the SWC file is
//! read and sectioned as NEURON's Import3d would, then built many times in bulk.
//!
//! ```text
//! make venv
//! PATCH_LIBNRNIV=$(.venv/bin/python -m patch --libnrniv) \
//!     cargo run --release -p nrn --example morphology -- cell.swc 100
//! ```
//! Prints the sections of one copy, and how long building the copies took.
use std::path::PathBuf;
use std::ptr::NonNull;
use std::time::Instant;

use nrn::morphology::{group_name, Morphology};
use nrn::{Neuron, Result, SectionHandle, Standalone};

nrn::export_modl_reg!();

fn main() {
    let mut arguments = std::env::args().skip(1);
    let Some(path) = arguments.next().map(PathBuf::from) else {
        eprintln!("usage: morphology FILE.swc [COPIES]");
        std::process::exit(2);
    };
    let copies = arguments.next().and_then(|n| n.parse().ok()).unwrap_or(10);
    if let Err(error) =
        Neuron::standalone(&Standalone::default()).and_then(|neuron| build(neuron, &path, copies))
    {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}

fn build(neuron: &'static Neuron, path: &std::path::Path, copies: usize) -> Result<()> {
    let morphology = Morphology::read(path)?;
    let started = Instant::now();
    let mut cells: Vec<Vec<SectionHandle>> = Vec::with_capacity(copies);
    for copy in 0..copies {
        // Standalone sections are HOC's: a prefix per copy keeps their names apart.
        let sections = neuron.build_geometry(&morphology.geometry, |index, _| {
            format!(
                "cell{copy}_{}",
                morphology.names[index].replace(['[', ']'], "_")
            )
        })?;
        let pointers: Vec<NonNull<nrn::ffi::Section>> = sections
            .iter()
            .map(|section| NonNull::new(section.live_ptr()?).ok_or(nrn::NrnError::DeletedSection))
            .collect::<Result<_>>()?;
        // SAFETY: `sections` holds every section while these calls run.
        unsafe {
            neuron.insert_mechanism(&pointers, "pas", &[("g", 1e-4), ("e", -65.0)])?;
            neuron.set_on_sections(&pointers, &[("Ra", 100.0), ("cm", 1.0)])?;
            neuron.set_nseg_by_d_lambda(&pointers, &morphology.geometry, |i| i, 0.1, 100.0)?;
        }
        cells.push(sections);
    }
    let took = started.elapsed();
    for (index, section) in cells[0].iter().enumerate() {
        let shape = &morphology.geometry.sections[index];
        println!(
            "{:12} {:8} L = {:9.3} um, nseg = {}",
            morphology.names[index],
            group_name(shape.swc_type),
            neuron.length(section)?,
            neuron.segment_count(section)?
        );
    }
    eprintln!(
        "{copies} copies of {} sections in {:.1} ms ({:.3} ms per cell)",
        morphology.names.len(),
        took.as_secs_f64() * 1e3,
        took.as_secs_f64() * 1e3 / copies as f64
    );
    Ok(())
}
