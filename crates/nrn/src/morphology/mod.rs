//! Morphologies: reconstructed cells read from files (SWC, by the crate itself), turned
//! into sections the way NEURON's Import3d does, and built in NEURON many at a time.

mod biophysics;
mod build;
mod import3d;
pub mod swc;

use std::path::Path;

pub use biophysics::d_lambda_nseg;
pub use build::{Geometry, PointVectors, SectionShape};
pub use import3d::{group_name, sections_of};
pub use swc::{parse_swc, read_swc, Swc};

use crate::{NrnError, Result};

/// A morphology ready to build: its points as read, and its sections as Import3d makes
/// them, with the names Import3d gives them (`soma[0]`, `dend[3]`, `dend_16[0]`).
#[derive(Clone, Debug, PartialEq)]
pub struct Morphology {
    pub swc: Swc,
    pub geometry: Geometry,
    /// Each section's name.
    pub names: Vec<String>,
    /// Each section's group: its name without the index (`dend`, `dend_16`).
    pub groups: Vec<String>,
}

impl Morphology {
    /// Reads the SWC file at `path`.
    pub fn read(path: &Path) -> Result<Morphology> {
        Morphology::from_swc(path, read_swc(path)?)
    }

    /// The sections of `swc` (read from `path`, named in messages).
    pub fn from_swc(path: &Path, swc: Swc) -> Result<Morphology> {
        if swc.is_empty() {
            return Err(NrnError::Morphology {
                path: path.to_path_buf(),
                line: 0,
                reason: "has no points".to_string(),
            });
        }
        let geometry = sections_of(&swc);
        let groups: Vec<String> = geometry
            .sections
            .iter()
            .map(|shape| group_name(shape.swc_type))
            .collect();
        let mut counts = std::collections::HashMap::new();
        let names = groups
            .iter()
            .map(|group| {
                let count = counts.entry(group.clone()).or_insert(0_usize);
                *count += 1;
                format!("{group}[{}]", *count - 1)
            })
            .collect();
        Ok(Morphology {
            swc,
            geometry,
            names,
            groups,
        })
    }
}
