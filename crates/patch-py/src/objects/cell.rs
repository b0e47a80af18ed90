//! Cells built from a morphology: the Cell class (its sections, by group) and Cells, many
//! of them, with biophysics set across all their sections in one call.

use std::ptr::NonNull;
use std::sync::Arc;

use nrn::{Neuron, SectionHandle, SegmentName, SymbolKind};
use pyo3::exceptions::{PyAttributeError, PyIndexError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PySlice, PyString};
use pyo3::{PyTraverseError, PyVisit};

use crate::neuron::attach::attach;
use crate::neuron::errors::PatchResult;
use crate::neuron::handles::{live_section_pointer, section_handle};
use crate::neuron::hints::not_a_mechanism;
use crate::objects::base::PythonHocObject;
use crate::objects::registry::wrap;

/// NEURON's sections behind `sections` (`nrn.Section` objects), and the handles that hold
/// those read without Patch's fast path; the pointers are valid while both live.
pub fn section_pointers(
    sections: &[Bound<'_, PyAny>],
) -> PatchResult<(Vec<NonNull<nrn::ffi::Section>>, Vec<SectionHandle>)> {
    let mut pointers = Vec::with_capacity(sections.len());
    let mut held = Vec::new();
    for section in sections {
        let pointer = match live_section_pointer(section)? {
            Some(pointer) => pointer,
            None => {
                let handle = section_handle(section)?;
                let pointer = NonNull::new(handle.live_ptr()?).expect("a live section");
                held.push(handle);
                pointer
            }
        };
        pointers.push(pointer);
    }
    Ok((pointers, held))
}

/// One cell built from a morphology. Its sections are NEURON's, named after the cell
/// (`GranuleCell[0].dend[3]`); a section you hold keeps the whole cell.
#[pyclass(module = "patch.objects", weakref)]
pub struct Cell {
    /// The Morphology it was built from, and what that read.
    morphology: Option<Py<PyAny>>,
    parsed: Arc<nrn::morphology::Morphology>,
    /// As NEURON asks for it (`str(cell)`) for every section made.
    name: Py<PyString>,
    /// NEURON's `nrn.Section` objects, in the morphology's section order.
    sections: Vec<Py<PyAny>>,
    /// Patch's Sections handed out, kept with the cell (with what was made on them:
    /// clamps, synapses, recordings); empty until the first is asked for.
    wrappers: Vec<Option<Py<PyAny>>>,
}

impl Cell {
    pub fn new(
        morphology: Py<PyAny>,
        parsed: Arc<nrn::morphology::Morphology>,
        name: Py<PyString>,
    ) -> Cell {
        Cell {
            morphology: Some(morphology),
            parsed,
            name,
            sections: Vec::new(),
            wrappers: Vec::new(),
        }
    }

    pub fn set_sections(&mut self, sections: Vec<Bound<'_, PyAny>>) {
        self.sections = sections.into_iter().map(Bound::unbind).collect();
    }

    /// The indices of the sections in `group`: "all", a group name ("soma", "dend",
    /// "dend_16"), an SWC type, or a list of those.
    fn group_indices(&self, group: &Bound<'_, PyAny>) -> PyResult<Vec<usize>> {
        let shapes = &self.parsed.geometry.sections;
        let names = &self.parsed.groups;
        let selected = |wanted: &Bound<'_, PyAny>| -> PyResult<Vec<bool>> {
            if let Ok(name) = wanted.cast::<PyString>() {
                let name = name.to_cow()?;
                if name == "all" {
                    return Ok(vec![true; shapes.len()]);
                }
                if !names.iter().any(|group| group == &name) {
                    let mut known: Vec<&str> = names.iter().map(String::as_str).collect();
                    known.sort_unstable();
                    known.dedup();
                    return Err(PyValueError::new_err(format!(
                        "this cell has no group {name:?}: use \"all\" or one of {}",
                        known.join(", ")
                    )));
                }
                return Ok(names.iter().map(|group| group == &name).collect());
            }
            if let Ok(swc_type) = wanted.extract::<i32>() {
                return Ok(shapes
                    .iter()
                    .map(|shape| shape.swc_type == swc_type)
                    .collect());
            }
            Err(PyTypeError::new_err(format!(
                "a group is \"all\", a group name such as \"dend\", an SWC type, or a list of \
                 those, not {}",
                wanted.repr()?
            )))
        };
        let mut chosen = vec![false; shapes.len()];
        let wanted: Vec<Bound<'_, PyAny>> =
            if group.is_instance_of::<PyList>() || group.is_instance_of::<pyo3::types::PyTuple>() {
                group.try_iter()?.collect::<PyResult<_>>()?
            } else {
                vec![group.clone()]
            };
        for one in &wanted {
            for (index, yes) in selected(one)?.into_iter().enumerate() {
                chosen[index] |= yes;
            }
        }
        Ok((0..shapes.len()).filter(|index| chosen[*index]).collect())
    }

    /// Patch's Section for section `index`: made once, then kept by the cell, and
    /// holding the cell (a section you hold keeps its cell).
    fn section<'py>(slf: &Bound<'py, Self>, index: usize) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        if let Some(Some(section)) = slf.borrow().wrappers.get(index) {
            return Ok(section.bind(py).clone());
        }
        let raw = slf.borrow().sections[index].bind(py).clone();
        let section = wrap(raw)?;
        if let Ok(wrapper) = section.cast::<PythonHocObject>() {
            wrapper.borrow_mut().keep(slf.as_any());
        }
        let mut cell = slf.borrow_mut();
        let count = cell.sections.len();
        if cell.wrappers.is_empty() {
            cell.wrappers.resize_with(count, || None);
        }
        cell.wrappers[index] = Some(section.clone().unbind());
        Ok(section)
    }

    fn sections_at<'py>(slf: &Bound<'py, Self>, indices: &[usize]) -> PyResult<Bound<'py, PyList>> {
        let sections = indices
            .iter()
            .map(|index| Cell::section(slf, *index))
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(slf.py(), sections)
    }

    /// NEURON's sections of `group` in `cells`, ready for a bulk call.
    fn raw_sections<'py>(
        cells: &[Bound<'py, Cell>],
        group: &Bound<'py, PyAny>,
    ) -> PyResult<Vec<Bound<'py, PyAny>>> {
        let mut sections = Vec::new();
        for cell in cells {
            let indices = cell.borrow().group_indices(group)?;
            let cell = cell.borrow();
            sections.extend(
                indices
                    .into_iter()
                    .map(|index| cell.sections[index].bind(group.py()).clone()),
            );
        }
        Ok(sections)
    }
}

/// Refuses, with the names meant, a mechanism that is not one or a parameter it lacks.
fn check_mechanism(neuron: &Neuron, mechanism: &str, parameters: &[(String, f64)]) -> PyResult<()> {
    if neuron.kind_of(mechanism) != Some(SymbolKind::Mechanism) {
        return Err(not_a_mechanism(neuron, mechanism));
    }
    let suffix = format!("_{mechanism}");
    for (name, _) in parameters {
        if neuron.mechanism_variable(mechanism, name).is_some() {
            continue;
        }
        let own: Vec<String> = neuron
            .names_of_kind(SymbolKind::RangeVariable)
            .into_iter()
            .filter_map(|variable| variable.strip_suffix(&suffix).map(str::to_string))
            .collect();
        let close = nrn::suggest::closest(name, own.iter().map(String::as_str));
        let hint = match close.as_slice() {
            [] => format!("; its parameters: {}", own.join(", ")),
            names => format!(". Did you mean: {}?", names.join(", ")),
        };
        return Err(PyAttributeError::new_err(format!(
            "{mechanism} has no parameter {name:?}{hint}"
        )));
    }
    Ok(())
}

/// Refuses, with the names meant, a name `set` cannot set on every segment.
fn check_settable(neuron: &Neuron, values: &[(String, f64)]) -> PyResult<()> {
    for (name, _) in values {
        if name == "Ra" || matches!(neuron.segment_name(name), SegmentName::Variable(_)) {
            continue;
        }
        if name == "nseg" || name == "L" || name == "diam" {
            return Err(PyValueError::new_err(format!(
                "{name} comes from the morphology's 3-D points (nseg: use set_nseg); set Ra \
                 and range variables such as cm or g_pas"
            )));
        }
        let mut known = neuron.names_of_kind(SymbolKind::RangeVariable);
        known.push("Ra".to_string());
        let close = nrn::suggest::closest(name, known.iter().map(String::as_str));
        let hint = match close.as_slice() {
            [] => String::new(),
            names => format!(". Did you mean: {}?", names.join(", ")),
        };
        return Err(PyAttributeError::new_err(format!(
            "{name:?} is not Ra or a range variable{hint}"
        )));
    }
    Ok(())
}

/// The keyword arguments as (name, number) pairs.
fn numbers(values: Option<&Bound<'_, PyDict>>) -> PyResult<Vec<(String, f64)>> {
    let Some(values) = values else {
        return Ok(Vec::new());
    };
    values
        .iter()
        .map(|(name, value)| {
            let name: String = name.extract()?;
            let Ok(value) = value.extract::<f64>() else {
                return Err(PyTypeError::new_err(format!(
                    "{name} takes a number, got {}",
                    value.repr()?
                )));
            };
            Ok((name, value))
        })
        .collect::<PyResult<_>>()
}

fn borrowed(values: &[(String, f64)]) -> Vec<(&str, f64)> {
    values
        .iter()
        .map(|(name, value)| (name.as_str(), *value))
        .collect()
}

/// `insert` for any number of cells.
fn insert_in(
    cells: &[Bound<'_, Cell>],
    mechanism: &str,
    group: &Bound<'_, PyAny>,
    parameters: Option<&Bound<'_, PyDict>>,
) -> PatchResult<()> {
    let py = group.py();
    let parameters = numbers(parameters)?;
    let neuron = attach(py)?;
    check_mechanism(neuron, mechanism, &parameters)?;
    let sections = Cell::raw_sections(cells, group)?;
    let (pointers, _held) = section_pointers(&sections)?;
    // SAFETY: `sections` holds every section for the call.
    unsafe { neuron.insert_mechanism(&pointers, mechanism, &borrowed(&parameters))? };
    Ok(())
}

/// `set` for any number of cells.
fn set_in(
    cells: &[Bound<'_, Cell>],
    group: &Bound<'_, PyAny>,
    values: Option<&Bound<'_, PyDict>>,
) -> PatchResult<()> {
    let py = group.py();
    let values = numbers(values)?;
    let neuron = attach(py)?;
    check_settable(neuron, &values)?;
    let sections = Cell::raw_sections(cells, group)?;
    let (pointers, _held) = section_pointers(&sections)?;
    // SAFETY: `sections` holds every section for the call.
    unsafe { neuron.set_on_sections(&pointers, &borrowed(&values))? };
    Ok(())
}

/// `set_nseg` for any number of cells.
fn set_nseg_in(
    cells: &[Bound<'_, Cell>],
    group: &Bound<'_, PyAny>,
    d_lambda: f64,
    frequency: f64,
) -> PatchResult<()> {
    let py = group.py();
    let neuron = attach(py)?;
    for cell in cells {
        let indices = cell.borrow().group_indices(group)?;
        let sections: Vec<Bound<'_, PyAny>> = indices
            .iter()
            .map(|index| cell.borrow().sections[*index].bind(py).clone())
            .collect();
        let (pointers, _held) = section_pointers(&sections)?;
        let parsed = Arc::clone(&cell.borrow().parsed);
        // SAFETY: `sections` holds every section for the call.
        unsafe {
            neuron.set_nseg_by_d_lambda(
                &pointers,
                &parsed.geometry,
                |position| indices[position],
                d_lambda,
                frequency,
            )?;
        }
    }
    Ok(())
}

#[pymethods]
impl Cell {
    /// Every section, in the morphology's order (`Morphology.section_names`).
    #[getter]
    fn sections<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyList>> {
        let all: Vec<usize> = (0..slf.borrow().sections.len()).collect();
        Cell::sections_at(slf, &all)
    }

    /// The first soma section (SWC type 1), or None.
    #[getter]
    fn soma<'py>(slf: &Bound<'py, Self>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let indices = slf
            .borrow()
            .group_indices(&1_i32.into_pyobject(slf.py())?.into_any())?;
        indices
            .first()
            .map(|index| Cell::section(slf, *index))
            .transpose()
    }

    /// The axon's sections (SWC type 2).
    #[getter]
    fn axon<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyList>> {
        Cell::group(slf, &2_i32.into_pyobject(slf.py())?.into_any())
    }

    /// The basal dendrites' sections (SWC type 3).
    #[getter]
    fn dend<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyList>> {
        Cell::group(slf, &3_i32.into_pyobject(slf.py())?.into_any())
    }

    /// The apical dendrites' sections (SWC type 4).
    #[getter]
    fn apic<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyList>> {
        Cell::group(slf, &4_i32.into_pyobject(slf.py())?.into_any())
    }

    /// Every group by name (`soma`, `axon`, `dend`, `apic`, `dend_16` for SWC type 16):
    /// lists of sections.
    #[getter]
    fn groups<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyDict>> {
        let py = slf.py();
        let names = slf.borrow().parsed.groups.clone();
        let groups = PyDict::new(py);
        for (index, name) in names.iter().enumerate() {
            let section = Cell::section(slf, index)?;
            match groups.get_item(name)? {
                Some(list) => list.cast::<PyList>()?.append(section)?,
                None => groups.set_item(name, PyList::new(py, [section])?)?,
            }
        }
        Ok(groups)
    }

    /// The sections of `group`: "all", a group name, an SWC type, or a list of those.
    fn group<'py>(
        slf: &Bound<'py, Self>,
        group: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let indices = slf.borrow().group_indices(group)?;
        Cell::sections_at(slf, &indices)
    }

    /// The morphology the cell was built from.
    #[getter]
    fn morphology(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.morphology
            .as_ref()
            .map(|morphology| morphology.clone_ref(py))
            .ok_or_else(|| PyValueError::new_err("this cell was cleared"))
    }

    /// Inserts `mechanism` in the sections of `group` and sets its parameters, named
    /// without the suffix (`cell.insert("hh", "soma", gnabar=0.12)`). Returns the cell.
    #[pyo3(signature = (mechanism, group = None, **parameters))]
    fn insert<'py>(
        slf: &Bound<'py, Self>,
        mechanism: &str,
        group: Option<Bound<'py, PyAny>>,
        parameters: Option<&Bound<'py, PyDict>>,
    ) -> PatchResult<Bound<'py, Self>> {
        let group = group_or_all(slf.py(), group);
        insert_in(std::slice::from_ref(slf), mechanism, &group, parameters)?;
        Ok(slf.clone())
    }

    /// Sets `Ra` and range variables by their full names (`cm=1`, `g_pas=1e-4`) on every
    /// segment of the sections of `group`. Returns the cell.
    #[pyo3(signature = (group = None, **values))]
    fn set<'py>(
        slf: &Bound<'py, Self>,
        group: Option<Bound<'py, PyAny>>,
        values: Option<&Bound<'py, PyDict>>,
    ) -> PatchResult<Bound<'py, Self>> {
        let group = group_or_all(slf.py(), group);
        set_in(std::slice::from_ref(slf), &group, values)?;
        Ok(slf.clone())
    }

    /// Sets each section's nseg by NEURON's d_lambda rule (odd, at most `d_lambda` of the
    /// length constant at `frequency` Hz); set Ra and cm first. Returns the cell.
    #[pyo3(signature = (d_lambda = 0.1, frequency = 100.0, group = None))]
    fn set_nseg<'py>(
        slf: &Bound<'py, Self>,
        d_lambda: f64,
        frequency: f64,
        group: Option<Bound<'py, PyAny>>,
    ) -> PatchResult<Bound<'py, Self>> {
        let group = group_or_all(slf.py(), group);
        set_nseg_in(std::slice::from_ref(slf), &group, d_lambda, frequency)?;
        Ok(slf.clone())
    }

    fn __len__(&self) -> usize {
        self.sections.len()
    }

    fn __iter__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        Cell::sections(slf)?.try_iter().map(Bound::into_any)
    }

    /// The name NEURON puts before the sections' names.
    fn __str__(&self, py: Python<'_>) -> Py<PyString> {
        self.name.clone_ref(py)
    }

    fn __repr__(&self) -> String {
        format!("<Cell {}: {} sections>", self.name, self.sections.len())
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        visit.call(&self.morphology)?;
        visit.call(&self.name)?;
        self.sections
            .iter()
            .try_for_each(|section| visit.call(section))?;
        self.wrappers
            .iter()
            .flatten()
            .try_for_each(|section| visit.call(section))
    }

    fn __clear__(&mut self) {
        self.morphology = None;
        self.sections.clear();
        self.wrappers.clear();
    }
}

fn group_or_all<'py>(py: Python<'py>, group: Option<Bound<'py, PyAny>>) -> Bound<'py, PyAny> {
    group.unwrap_or_else(|| pyo3::intern!(py, "all").clone().into_any())
}

/// Many cells from one morphology (what `instantiate(n)` returns): a list of Cells with
/// `insert`, `set` and `set_nseg` across all of them in one call.
#[pyclass(module = "patch.objects", sequence)]
pub struct Cells {
    cells: Vec<Py<Cell>>,
}

impl Cells {
    pub fn new(cells: Vec<Bound<'_, Cell>>) -> Cells {
        Cells {
            cells: cells.into_iter().map(Bound::unbind).collect(),
        }
    }

    fn bound<'py>(&self, py: Python<'py>) -> Vec<Bound<'py, Cell>> {
        self.cells
            .iter()
            .map(|cell| cell.bind(py).clone())
            .collect()
    }
}

#[pymethods]
impl Cells {
    fn __len__(&self) -> usize {
        self.cells.len()
    }

    fn __getitem__<'py>(
        &self,
        py: Python<'py>,
        index: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if let Ok(slice) = index.cast::<PySlice>() {
            let indices = slice.indices(self.cells.len() as isize)?;
            let picked: Vec<Bound<'py, Cell>> = (0..indices.slicelength)
                .map(|step| {
                    self.cells[(indices.start + step as isize * indices.step) as usize]
                        .bind(py)
                        .clone()
                })
                .collect();
            return Ok(Bound::new(py, Cells::new(picked))?.into_any());
        }
        let index: isize = index.extract()?;
        let length = self.cells.len() as isize;
        let position = if index < 0 { index + length } else { index };
        if !(0..length).contains(&position) {
            return Err(PyIndexError::new_err(format!(
                "cell {index} of {length}: there are {length} cells"
            )));
        }
        Ok(self.cells[position as usize].bind(py).clone().into_any())
    }

    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        PyList::new(py, self.bound(py))?
            .try_iter()
            .map(Bound::into_any)
    }

    /// `Cell.insert` on every cell, in one call.
    #[pyo3(signature = (mechanism, group = None, **parameters))]
    fn insert<'py>(
        slf: &Bound<'py, Self>,
        mechanism: &str,
        group: Option<Bound<'py, PyAny>>,
        parameters: Option<&Bound<'py, PyDict>>,
    ) -> PatchResult<Bound<'py, Self>> {
        let group = group_or_all(slf.py(), group);
        insert_in(&slf.borrow().bound(slf.py()), mechanism, &group, parameters)?;
        Ok(slf.clone())
    }

    /// `Cell.set` on every cell, in one call.
    #[pyo3(signature = (group = None, **values))]
    fn set<'py>(
        slf: &Bound<'py, Self>,
        group: Option<Bound<'py, PyAny>>,
        values: Option<&Bound<'py, PyDict>>,
    ) -> PatchResult<Bound<'py, Self>> {
        let group = group_or_all(slf.py(), group);
        set_in(&slf.borrow().bound(slf.py()), &group, values)?;
        Ok(slf.clone())
    }

    /// `Cell.set_nseg` on every cell.
    #[pyo3(signature = (d_lambda = 0.1, frequency = 100.0, group = None))]
    fn set_nseg<'py>(
        slf: &Bound<'py, Self>,
        d_lambda: f64,
        frequency: f64,
        group: Option<Bound<'py, PyAny>>,
    ) -> PatchResult<Bound<'py, Self>> {
        let group = group_or_all(slf.py(), group);
        set_nseg_in(&slf.borrow().bound(slf.py()), &group, d_lambda, frequency)?;
        Ok(slf.clone())
    }

    fn __repr__(&self) -> String {
        format!("<Cells: {} cells>", self.cells.len())
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        self.cells.iter().try_for_each(|cell| visit.call(cell))
    }

    fn __clear__(&mut self) {
        self.cells.clear();
    }
}
