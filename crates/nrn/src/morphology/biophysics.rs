//! Biophysics for many sections at once: inserting mechanisms, setting parameters on every
//! segment, and `nseg` by NEURON's d_lambda rule. Every name is checked before anything
//! changes, so a typo changes nothing.

use std::ptr::NonNull;

use crate::ffi::Section;
use crate::morphology::Geometry;
use crate::segment::{RangeVariable, SegmentName};
use crate::symbols::SymbolKind;
use crate::{Neuron, NrnError, Result};

/// NEURON's largest nseg.
const MAX_NSEG: i32 = 32767;

/// What a name set on sections means.
#[derive(Clone, Copy)]
enum Target {
    AxialResistance,
    Range(RangeVariable),
}

impl Neuron {
    /// Inserts `mechanism` in every section of `sections`, then sets its `parameters`
    /// (names without the suffix: `gnabar` for `gnabar_hh`) on every segment.
    ///
    /// # Safety
    /// Every pointer is a live NEURON section that stays live during the call.
    pub unsafe fn insert_mechanism(
        &'static self,
        sections: &[NonNull<Section>],
        mechanism: &str,
        parameters: &[(&str, f64)],
    ) -> Result<()> {
        self.symbol_of_kind(mechanism, SymbolKind::Mechanism)?;
        let variables = parameters
            .iter()
            .map(|(name, value)| {
                let variable = self.mechanism_variable(mechanism, name).ok_or_else(|| {
                    NrnError::UnknownName {
                        kind: "parameter",
                        name: format!("{name} of {mechanism}"),
                        hint: String::new(),
                    }
                })?;
                Ok((Target::Range(variable), *value, *name))
            })
            .collect::<Result<Vec<_>>>()?;
        for section in sections {
            // SAFETY: the caller keeps every section live.
            unsafe { self.insert_into(*section, mechanism)? };
        }
        // SAFETY: as above.
        unsafe { self.set_targets(sections, &variables) }
    }

    /// Sets `values` on every segment of every section: `Ra`, or range variables by their
    /// full names (`cm`, `g_pas`, `gnabar_hh`) of mechanisms inserted there.
    ///
    /// # Safety
    /// Every pointer is a live NEURON section that stays live during the call.
    pub unsafe fn set_on_sections(
        &'static self,
        sections: &[NonNull<Section>],
        values: &[(&str, f64)],
    ) -> Result<()> {
        let targets = values
            .iter()
            .map(|(name, value)| {
                if !value.is_finite() {
                    return Err(NrnError::InvalidArgument(format!(
                        "{name} = {value}: values are finite numbers"
                    )));
                }
                let target = match (*name, self.segment_name(name)) {
                    ("Ra", _) if *value > 0.0 => Target::AxialResistance,
                    ("Ra", _) => {
                        return Err(NrnError::InvalidArgument(format!(
                            "Ra = {value}: the axial resistance is a positive number of ohm cm"
                        )))
                    }
                    (_, SegmentName::Variable(variable)) => Target::Range(variable),
                    _ => {
                        return Err(NrnError::UnknownName {
                            kind: "range variable",
                            name: (*name).to_string(),
                            hint: String::new(),
                        })
                    }
                };
                Ok((target, *value, *name))
            })
            .collect::<Result<Vec<_>>>()?;
        // SAFETY: the caller keeps every section live.
        unsafe { self.set_targets(sections, &targets) }
    }

    /// Sets each target on every segment; refuses, before setting any, a variable of a
    /// mechanism a section lacks.
    ///
    /// # Safety
    /// As for [`Neuron::set_on_sections`].
    unsafe fn set_targets(
        &'static self,
        sections: &[NonNull<Section>],
        targets: &[(Target, f64, &str)],
    ) -> Result<()> {
        for section in sections {
            for (target, _, name) in targets {
                if let Target::Range(variable) = target {
                    // SAFETY: the section is live (the caller's promise); 0.5 is inside it.
                    if unsafe { self.segment_value(*section, 0.5, *variable) }.is_none() {
                        return Err(NrnError::UnknownName {
                            kind: "variable in every one of these sections",
                            name: (*name).to_string(),
                            hint: ": insert its mechanism in them first".to_string(),
                        });
                    }
                }
            }
        }
        for section in sections {
            let section = section.as_ptr();
            // SAFETY: inside the guard; the section is live and every range variable exists
            // in it (checked above); positions are segment centres, inside (0, 1).
            self.guarded(|api| unsafe {
                let segments = (api.nrn_nseg_get)(section);
                for (target, value, _) in targets {
                    match target {
                        Target::AxialResistance => (api.nrn_section_Ra_set)(section, *value),
                        Target::Range(variable) => {
                            for index in 0..segments {
                                let x = (f64::from(index) + 0.5) / f64::from(segments);
                                (api.nrn_rangevar_set)(variable.0 .0, section, x, *value);
                            }
                        }
                    }
                }
            })?;
        }
        Ok(())
    }

    /// Sets each section's `nseg` by NEURON's d_lambda rule: the smallest odd number of
    /// segments no longer than `d_lambda` of the length constant at `frequency` Hz
    /// (`nseg = int((L / (d_lambda * lambda_f(frequency)) + 0.9) / 2) * 2 + 1`, with
    /// `lambda_f` of stdlib.hoc over the 3-D points). `sections[i]` has the shape of
    /// `geometry.sections[i % geometry.sections.len()]` (cells one after another).
    ///
    /// # Safety
    /// Every pointer is a live NEURON section that stays live during the call.
    pub unsafe fn set_nseg_by_d_lambda(
        &'static self,
        sections: &[NonNull<Section>],
        geometry: &Geometry,
        shape_of: impl Fn(usize) -> usize,
        d_lambda: f64,
        frequency: f64,
    ) -> Result<()> {
        if !(d_lambda.is_finite() && d_lambda > 0.0 && frequency.is_finite() && frequency > 0.0) {
            return Err(NrnError::InvalidArgument(format!(
                "d_lambda = {d_lambda} at {frequency} Hz: both are positive numbers"
            )));
        }
        let SegmentName::Variable(cm) = self.segment_name("cm") else {
            return Err(NrnError::Hoc("NEURON has no cm".to_string()));
        };
        for (index, section) in sections.iter().enumerate() {
            let shape = &geometry.sections[shape_of(index)];
            let points = &geometry.points[shape.points.clone()];
            let pointer = section.as_ptr();
            // SAFETY: inside the guard; the section is live (the caller's promise).
            let ra = self.guarded(|api| unsafe { (api.nrn_section_Ra_get)(pointer) })?;
            // SAFETY: as above; 0.5 is inside the section.
            let capacitance = unsafe { self.segment_value(*section, 0.5, cm) }.unwrap_or(1.0);
            let nseg = d_lambda_nseg(points, ra, capacitance, d_lambda, frequency);
            // SAFETY: inside the guard; the section is live and nseg within NEURON's range.
            self.guarded(|api| unsafe { (api.nrn_nseg_set)(pointer, nseg) })?;
        }
        Ok(())
    }
}

/// The d_lambda rule for one section with these 3-D points, computed as NEURON does:
/// points stored as `float`, arc lengths summed in double (`nrn_pt3dmodified`), then
/// stdlib.hoc's `lambda_f` and the rule's rounding.
#[expect(clippy::manual_midpoint, reason = "NEURON's rule, term for term")]
pub fn d_lambda_nseg(points: &[[f64; 4]], ra: f64, cm: f64, d_lambda: f64, frequency: f64) -> i32 {
    if points.len() < 2 || cm == 0.0 {
        return 1;
    }
    let stored: Vec<[f32; 4]> = points
        .iter()
        .map(|point| point.map(|value| value as f32))
        .collect();
    let mut arcs = Vec::with_capacity(stored.len());
    arcs.push(0.0_f64);
    for pair in stored.windows(2) {
        let [x1, y1, z1, _] = pair[0];
        let [x2, y2, z2, _] = pair[1];
        let (dx, dy, dz) = (f64::from(x2 - x1), f64::from(y2 - y1), f64::from(z2 - z1));
        let previous = arcs[arcs.len() - 1];
        arcs.push(previous + (dx * dx + dy * dy + dz * dz).sqrt());
    }
    let mut lam = 0.0_f64;
    for index in 1..stored.len() {
        let (d1, d2) = (f64::from(stored[index - 1][3]), f64::from(stored[index][3]));
        lam += (arcs[index] - arcs[index - 1]) / (d1 + d2).sqrt();
    }
    lam *= 2.0_f64.sqrt() * 1e-5 * (4.0 * std::f64::consts::PI * frequency * ra * cm).sqrt();
    let length = arcs[arcs.len() - 1];
    let lambda_f = length / lam;
    let nseg = ((length / (d_lambda * lambda_f) + 0.9) / 2.0).floor() * 2.0 + 1.0;
    if nseg.is_finite() {
        (nseg as i32).clamp(1, MAX_NSEG)
    } else {
        1
    }
}

#[cfg(test)]
mod tests {
    use super::d_lambda_nseg;

    #[test]
    fn d_lambda_gives_odd_segment_counts_growing_with_length() {
        let cable = |length: f64| [[0.0, 0.0, 0.0, 1.0], [length, 0.0, 0.0, 1.0]];
        let short = d_lambda_nseg(&cable(10.0), 100.0, 1.0, 0.1, 100.0);
        let long = d_lambda_nseg(&cable(2000.0), 100.0, 1.0, 0.1, 100.0);
        assert_eq!(short, 1);
        assert!(long > short && long % 2 == 1, "{long}");
        // A finer rule never gives fewer segments.
        assert!(d_lambda_nseg(&cable(2000.0), 100.0, 1.0, 0.05, 100.0) >= long);
        assert_eq!(d_lambda_nseg(&[[0.0; 4]], 100.0, 1.0, 0.1, 100.0), 1);
    }
}
