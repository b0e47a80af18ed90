//! What Patch says when a membrane name is used where NEURON does not have it: a density
//! mechanism that is not inserted there, or the closest names NEURON does have.

use pyo3::exceptions::{PyAttributeError, PyValueError};
use pyo3::prelude::*;

use nrn::{Neuron, SymbolKind};

use crate::neuron::types::{neuron_kind, NeuronKind};

/// The error for `name` used on `place` (NEURON's section or segment) when `name` belongs
/// to a density mechanism `place` does not have: the mechanism itself (`hh`), one of its
/// variables (`gnabar_hh`), or a pointer to one (`_ref_ina`). None for other names.
pub fn not_inserted(
    neuron: &Neuron,
    place: &Bound<'_, PyAny>,
    name: &str,
) -> PyResult<Option<PyErr>> {
    let section = match neuron_kind(place)? {
        NeuronKind::Section => place.clone(),
        NeuronKind::Segment => place.getattr(pyo3::intern!(place.py(), "sec"))?,
        _ => return Ok(None),
    };
    let section_name = section.call_method0(pyo3::intern!(place.py(), "name"))?;
    let variable = name.strip_prefix("_ref_").unwrap_or(name);
    let message = match (neuron.kind_of(variable), mechanism_of(neuron, variable)) {
        (Some(SymbolKind::Mechanism), _) => format!(
            "the mechanism {variable} is not inserted in section {section_name}: insert it \
             first with section.insert(\"{variable}\")"
        ),
        (Some(SymbolKind::RangeVariable), Some(mechanism)) => format!(
            "{variable} belongs to the mechanism {mechanism}, which is not inserted in \
             section {section_name}: insert it first with section.insert(\"{mechanism}\")"
        ),
        (Some(SymbolKind::RangeVariable), None) => format!(
            "{variable} is not present in section {section_name}{at}: no mechanism inserted \
             there has it (an ion's variables, such as ina, come with a mechanism that uses \
             the ion, such as hh)",
            at = location(place)?,
        ),
        _ => return Ok(None),
    };
    Ok(Some(PyAttributeError::new_err(message)))
}

/// The mechanism a variable name ends in (`gnabar_hh` → `hh`, `tau_my_syn` → `my_syn`).
fn mechanism_of(neuron: &Neuron, variable: &str) -> Option<String> {
    variable
        .match_indices('_')
        .map(|(index, _)| &variable[index + 1..])
        .find(|suffix| neuron.kind_of(suffix) == Some(SymbolKind::Mechanism))
        .map(str::to_string)
}

fn location(place: &Bound<'_, PyAny>) -> PyResult<String> {
    Ok(match neuron_kind(place)? {
        NeuronKind::Segment => format!(" at {}", place.str()?),
        _ => String::new(),
    })
}

/// The error for `insert(name)` of a name that is not a density mechanism: what it is
/// instead, or the closest mechanism names.
pub fn not_a_mechanism(neuron: &Neuron, name: &str) -> PyErr {
    let message = match neuron.kind_of(name) {
        Some(SymbolKind::Class) => format!(
            "{name} is not a density mechanism but a class (a point process such as ExpSyn \
             goes on a segment: p.{name}(section(0.5)))"
        ),
        Some(SymbolKind::RangeVariable) => format!(
            "{name} is a range variable, not a mechanism: insert its mechanism and set it \
             (section.{name} = value)"
        ),
        _ => {
            let mechanisms = neuron.names_of_kind(SymbolKind::Mechanism);
            let close = nrn::suggest::closest(name, mechanisms.iter().map(String::as_str));
            let hint = match close.as_slice() {
                [] => " (load compiled mechanisms with p.load_mechanisms(folder))".to_string(),
                names => format!(". Did you mean: {}?", names.join(", ")),
            };
            format!("{name:?} is not a density mechanism{hint}")
        }
    };
    PyValueError::new_err(message)
}

/// NEURON's membrane names that a name used on a section or segment could have meant:
/// range variables and density mechanisms (empty for any other object).
pub fn membrane_names(neuron: &Neuron, place: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    if !is_membrane(place)? {
        return Ok(Vec::new());
    }
    let mut names = neuron.names_of_kind(SymbolKind::RangeVariable);
    names.extend(neuron.names_of_kind(SymbolKind::Mechanism));
    Ok(names)
}

/// The mechanism variables (`gnabar_hh`) a new attribute of a section or segment may be a
/// typo of. Only suffixed names: a short name of the user's (`gid`, `labels`) should not be
/// refused for looking like one of NEURON's thousand short ones.
pub fn mechanism_variable_names(
    neuron: &Neuron,
    place: &Bound<'_, PyAny>,
) -> PyResult<Vec<String>> {
    if !is_membrane(place)? {
        return Ok(Vec::new());
    }
    let mut names = neuron.names_of_kind(SymbolKind::RangeVariable);
    names.retain(|name| name.trim_start_matches('_').contains('_'));
    Ok(names)
}

fn is_membrane(place: &Bound<'_, PyAny>) -> PyResult<bool> {
    Ok(matches!(
        neuron_kind(place)?,
        NeuronKind::Section | NeuronKind::Segment
    ))
}
