//! The Section class: NEURON's section with Patch's sugar (connect, insert, synapses,
//! clamps, recordings), and the fast paths through the C API for the everyday calls.

use std::ptr::NonNull;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};
use pyo3::{PyTraverseError, PyVisit};

use super::base::{class_attribute, generic_attribute, PythonHocObject};
use super::clamp_arguments::{check_amplitude_order, check_position, either};
use super::netcon::wiring::{self, Settings};
use super::registry::wrap;
use super::section_stack;
use super::segment::Segment;
use crate::neuron::attach::attach;
use crate::neuron::capture::neuron_call;
use crate::neuron::errors::typed_neuron_error;
use crate::neuron::errors::warn;
use crate::neuron::exceptions::{HocConnectError, HocError};
use crate::neuron::handles::check_parent_layout;
use crate::neuron::handles::check_section_alive;
use crate::neuron::handles::live_section_pointer;
use crate::neuron::handles::parent_pointer;
use crate::neuron::hints::not_a_mechanism;
use crate::neuron::types::neuron_kind;
use crate::neuron::types::NeuronKind;
use crate::neuron::types::{has_type, neuron_types};
use crate::objects::protocol::{call_unwrapped, unwrap, unwrap_args, unwrap_kwargs};
use crate::objects::segment::neuron;
use crate::objects::time::time_vector;

/// A NEURON section with Patch's sugar. Sections connected to each other, and the
/// segments, clamps, synapses and recordings made on them, keep each other alive.
#[pyclass(module = "patch.objects", extends = PythonHocObject, subclass)]
pub struct Section {
    recordings: Option<Py<PyDict>>,
}

/// The NEURON section, refused with `DeletedSectionError` once NEURON deleted it.
fn neuron_section<'py>(slf: &Bound<'py, Section>) -> PyResult<Bound<'py, PyAny>> {
    let section = slf.borrow().as_super().neuron_object(slf.py())?;
    check_section_alive(&section)?;
    Ok(section)
}

/// The mutual strong references between two Patch objects.
pub fn keep_each_other(first: &Bound<'_, PyAny>, second: &Bound<'_, PyAny>) -> PyResult<()> {
    for (holder, held) in [(first, second), (second, first)] {
        if let Ok(holder) = holder.cast::<PythonHocObject>() {
            holder.borrow_mut().keep(held);
        }
    }
    Ok(())
}

/// The mutual strong references between a section and a point process just made on it.
pub fn keep_new_process(section: &Bound<'_, PyAny>, process: &Bound<'_, PyAny>) -> PyResult<()> {
    for (holder, held) in [(section, process), (process, section)] {
        if let Ok(holder) = holder.cast::<PythonHocObject>() {
            holder.borrow_mut().keep_new(held);
        }
    }
    Ok(())
}

impl Section {
    /// `insert("hh")`: through the Rust core for a density mechanism; other names are
    /// refused with what they are, or the closest mechanisms.
    fn insert_named(slf: &Bound<'_, Self>, name: &str) -> PyResult<()> {
        let neuron = attach(slf.py())?;
        let section = neuron_section(slf)?;
        if neuron.kind_of(name) != Some(nrn::SymbolKind::Mechanism) {
            // KSChan channels become mechanisms when first inserted: NEURON knows best.
            return match section.call_method1(pyo3::intern!(slf.py(), "insert"), (name,)) {
                Ok(_) => Ok(()),
                Err(_) => Err(not_a_mechanism(neuron, name)),
            };
        }
        if let Some(pointer) = live_section_pointer(&section)? {
            // SAFETY: `section` holds NEURON's section for the call.
            let inserted = neuron.quietly(|neuron| unsafe { neuron.insert_into(pointer, name) });
            if inserted.is_ok() {
                return Ok(());
            }
        }
        section.call_method1(pyo3::intern!(slf.py(), "insert"), (name,))?;
        Ok(())
    }

    /// `child.connect(parent(x))` through the Rust core, for a Patch segment not made in
    /// NEURON's Python yet; whether it did (if not, NEURON's Python does it, or says what is
    /// wrong).
    fn connect_directly(child: &Bound<'_, Self>, target: &Bound<'_, PyAny>) -> PyResult<bool> {
        let (Some(neuron), Some((parent, parent_section))) =
            (neuron(), super::segment::segment_place(target)?)
        else {
            return Ok(false);
        };
        let Some(child_pointer) = live_section_pointer(&neuron_section(child)?)? else {
            return Ok(false);
        };
        // SAFETY: the wrappers hold both sections' NEURON objects for the call.
        let connected = no_loop_between(child_pointer, parent.section)
            && neuron
                .quietly(|neuron| unsafe {
                    neuron.connect_sections(child_pointer, parent.section, parent.x)
                })
                .is_ok();
        if connected {
            check_parent_layout(child_pointer, parent.section);
            keep_each_other(child.as_any(), &parent_section)?;
        }
        Ok(connected)
    }

    /// A new NEURON section (named, visible to HOC) and its Patch wrapper.
    pub fn create<'py>(
        py: Python<'py>,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let section = neuron_types(py)?
            .section
            .bind(py)
            .call(unwrap_args(args)?, unwrap_kwargs(kwargs)?.as_ref())?;
        let key = section.hash()?;
        let wrapper = Bound::new(
            py,
            PyClassInitializer::from(PythonHocObject::new(section))
                .add_subclass(Section { recordings: None }),
        )?
        .into_any();
        super::registry::remember(py, key, &wrapper)?;
        Ok(wrapper)
    }
}

/// NEURON's section that `target` (a section or a segment, Patch's or NEURON's) is or is
/// on; None for anything else (NEURON's connect says what is wrong with it).
fn section_of<'py>(target: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyAny>>> {
    let py = target.py();
    let section = match target.cast::<Segment>() {
        Ok(segment) => segment.borrow().section(py),
        Err(_) => Some(target.clone()),
    };
    if let Some(section) = section.as_ref().and_then(|s| s.cast::<Section>().ok()) {
        return Ok(Some(neuron_section(section)?));
    }
    let raw = unwrap(target)?;
    Ok(match neuron_kind(&raw)? {
        NeuronKind::Section => Some(raw),
        NeuronKind::Segment => Some(raw.getattr(pyo3::intern!(py, "sec"))?),
        _ => None,
    })
}

/// NEURON accepts a connection that closes a loop of sections and fails at the next run;
/// Patch says so at once, naming the loop. A warning, not an error: code written for
/// NEURON and nrn-patch makes loops it never simulates (nrn-patch's own tests do). `child`
/// closes one when it is `parent` or one of its ancestors; the first case, which NEURON
/// refuses too, is refused.
fn warn_of_loop(child: &Bound<'_, PyAny>, parent: &Bound<'_, PyAny>) -> PyResult<()> {
    let py = child.py();
    if closes_no_loop(child, parent)? {
        return Ok(());
    }
    let mut path = vec![parent.clone()];
    // Bounded: a loop already made must not hang this walk.
    while path.len() <= MAX_TREE_DEPTH {
        let current = path.last().cloned().unwrap_or_else(|| parent.clone());
        if current.eq(child)? {
            if path.len() == 1 {
                // NEURON refuses this one, printing on stderr besides: refused here.
                return Err(HocConnectError::new_err(format!(
                    "connecting {} to itself would make a loop: connect it to another \
                     section",
                    child.call_method0(pyo3::intern!(py, "name"))?
                )));
            }
            let names = path
                .iter()
                .rev()
                .map(|section| Ok(section.call_method0(pyo3::intern!(py, "name"))?.to_string()))
                .collect::<PyResult<Vec<_>>>()?;
            return warn(
                py,
                &format!(
                    "connecting {child} to {parent} closes a loop ({} -> {child}): NEURON \
                     will refuse to simulate or draw the cell. The sections of a cell form a \
                     tree: connect each one to its parent only (section.disconnect() undoes \
                     a connection)",
                    names.join(" -> "),
                    child = names[0],
                    parent = parent.call_method0(pyo3::intern!(py, "name"))?,
                ),
            );
        }
        let parent_segment = current.call_method0(pyo3::intern!(py, "parentseg"))?;
        if parent_segment.is_none() {
            return Ok(());
        }
        path.push(parent_segment.getattr(pyo3::intern!(py, "sec"))?);
    }
    Ok(())
}

/// Whether NEURON's sections say at once that `parent` does not descend from `child`
/// (a walk over pointers, without NEURON's Python); false when they cannot tell.
fn closes_no_loop(child: &Bound<'_, PyAny>, parent: &Bound<'_, PyAny>) -> PyResult<bool> {
    let pointers = live_section_pointer(child)?.zip(live_section_pointer(parent)?);
    Ok(pointers.is_some_and(|(child, parent)| no_loop_between(child, parent)))
}

/// [`closes_no_loop`] for live sections.
fn no_loop_between(child: NonNull<nrn::ffi::Section>, parent: NonNull<nrn::ffi::Section>) -> bool {
    let mut current = parent;
    for _ in 0..MAX_TREE_DEPTH {
        if current == child {
            return false;
        }
        // SAFETY: `current` is the parent section or one of its ancestors: live sections
        // (NEURON unlinks the children of a section it deletes).
        match unsafe { parent_pointer(current) } {
            Some(Some(above)) => current = above,
            Some(None) => return true,
            None => return false,
        }
    }
    false
}

/// More sections between a cell's root and a tip than any reconstruction has.
const MAX_TREE_DEPTH: usize = 100_000;

/// NEURON's own numbers of every section, and range variables: read and set on NEURON's
/// section directly (not first looked for among Patch's and the user's attributes).
fn is_neuron_number(name: &str) -> bool {
    matches!(name, "L" | "diam" | "nseg" | "Ra" | "cm" | "rallbranch")
        || super::segment::neuron().is_some_and(|neuron| {
            matches!(neuron.segment_name(name), nrn::SegmentName::Variable(_))
        })
}

#[pymethods]
impl Section {
    /// `<patch Section soma>`; a section without a name and the cell of one made with
    /// `cell=` say so.
    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        Ok(format!(
            "<patch Section {}>",
            super::display::section_name(&neuron_section(slf)?)?
        ))
    }

    fn _repr_html_(slf: &Bound<'_, Self>) -> PyResult<String> {
        super::display::section_html(&neuron_section(slf)?)
    }

    /// Patch's own attributes first; NEURON's numbers straight from NEURON's section;
    /// everything else as `PythonHocObject` answers it.
    fn __getattribute__<'py>(
        slf: &Bound<'py, Self>,
        name: &Bound<'py, PyString>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if !slf.is_exact_instance_of::<Section>() {
            return generic_attribute(slf.as_any(), name);
        }
        if let Some(found) = class_attribute(slf.as_any(), name)? {
            return Ok(found);
        }
        if is_neuron_number(name.to_str()?) {
            // NEURON's refusal (a mechanism not inserted) is worded below, as for any name.
            if let Ok(value) = neuron_section(slf)?.getattr(name) {
                return Ok(value);
            }
        }
        PythonHocObject::__getattr__(slf.as_super(), name)
    }

    /// What Python's own lookup does not find, as `PythonHocObject` answers it.
    fn __getattr__<'py>(
        slf: &Bound<'py, Self>,
        name: &Bound<'py, PyString>,
    ) -> PyResult<Bound<'py, PyAny>> {
        PythonHocObject::__getattr__(slf.as_super(), name)
    }

    fn __setattr__(
        slf: &Bound<'_, Self>,
        name: &Bound<'_, PyString>,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        if slf.is_exact_instance_of::<Section>()
            && is_neuron_number(name.to_str()?)
            && super::base::set_on_neuron(&neuron_section(slf)?, name, value)?
        {
            return Ok(());
        }
        PythonHocObject::__setattr__(slf.as_super(), name, value)
    }

    fn __delattr__(slf: &Bound<'_, Self>, name: &Bound<'_, PyString>) -> PyResult<()> {
        PythonHocObject::__delattr__(slf.as_super(), name)
    }

    #[new]
    fn py_new(neuron: Bound<'_, PyAny>) -> PyResult<PyClassInitializer<Section>> {
        let py = neuron.py();
        let section = unwrap(&neuron)?;
        if !has_type(&section, neuron_types(py)?.section.bind(py)) {
            return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                "a Patch Section wraps a NEURON section, not {}",
                section.get_type().name()?
            )));
        }
        Ok(PyClassInitializer::from(PythonHocObject::new(section))
            .add_subclass(Section { recordings: None }))
    }

    /// The segment at `x` (0 to 1). `ephemeral` is accepted for nrn-patch code.
    #[pyo3(signature = (x, ephemeral = false))]
    fn __call__<'py>(
        slf: &Bound<'py, Self>,
        x: f64,
        ephemeral: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let _ = ephemeral;
        if !(0.0..=1.0).contains(&x) {
            return Err(PyValueError::new_err(format!(
                "x={x} is outside the section: use a position from 0 to 1"
            )));
        }
        Segment::at(slf.as_any(), neuron_section(slf)?, x)
    }

    /// The section's segments (`nseg` of them), as Patch segments.
    fn __iter__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let section = neuron_section(slf)?;
        let count: u32 = section
            .getattr(pyo3::intern!(slf.py(), "nseg"))?
            .extract()?;
        // NEURON's segments are the centres of `nseg` equal parts.
        let segments = (0..count)
            .map(|index| {
                let x = (f64::from(index) + 0.5) / f64::from(count);
                Segment::at(slf.as_any(), section.clone(), x)
            })
            .collect::<PyResult<Vec<_>>>()?;
        Ok(PyList::new(slf.py(), segments)?.try_iter()?.into_any())
    }

    /// Where point processes, NetCons and recordings go by default: the middle.
    #[pyo3(signature = (*_args, **_kwargs))]
    fn __arc__(&self, _args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>) -> f64 {
        0.5
    }

    /// A section used as a NetCon source means the membrane potential at its middle.
    fn __netcon__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        neuron_section(slf)?
            .call1((0.5,))?
            .getattr(pyo3::intern!(slf.py(), "_ref_v"))
    }

    /// Recording a section records the membrane potential at its middle.
    fn __record__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        Section::__netcon__(slf)
    }

    /// NEURON's `connect`, plus references both ways so neither section is lost.
    #[pyo3(signature = (target, *args, **kwargs))]
    fn connect<'py>(
        slf: &Bound<'py, Self>,
        target: &Bound<'py, PyAny>,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, Self>> {
        let py = slf.py();
        if args.is_empty() && kwargs.is_none() && Section::connect_directly(slf, target)? {
            return Ok(slf.clone());
        }
        let parent = section_of(target)?;
        if let Some(parent) = &parent {
            warn_of_loop(&neuron_section(slf)?, parent)?;
        }
        let mut all = vec![unwrap(target)?];
        all.extend(unwrap_args(args)?.iter());
        let connect = neuron_section(slf)?.getattr(pyo3::intern!(py, "connect"))?;
        let (all, kwargs) = (PyTuple::new(py, all)?, unwrap_kwargs(kwargs)?);
        neuron_call(py, || connect.call(all, kwargs.as_ref()))
            .map_err(|error| typed_neuron_error(py, error, &connect))?;
        let other = wrap(unwrap(target)?)?;
        let other = match other.getattr_opt(pyo3::intern!(py, "section"))? {
            Some(section) if !section.is_none() => section,
            _ => other,
        };
        keep_each_other(slf.as_any(), &other)?;
        if let (Some(parent), true) = (parent, args.is_empty() && kwargs.is_none()) {
            // A connection NEURON just made checks Patch's read of parents (once).
            let pointers =
                live_section_pointer(&neuron_section(slf)?)?.zip(live_section_pointer(&parent)?);
            if let Some((child, parent)) = pointers {
                check_parent_layout(child, parent);
            }
        }
        Ok(slf.clone())
    }

    /// Connects the membrane potential at `x` (default: the middle) to `target`, usually
    /// a synapse. Keywords are `p.NetCon`'s.
    #[pyo3(signature = (target, x = None, *, weight = None, delay = None, threshold = None, **attributes))]
    #[allow(clippy::too_many_arguments)]
    fn connect_points<'py>(
        slf: &Bound<'py, Self>,
        target: &Bound<'py, PyAny>,
        x: Option<f64>,
        weight: Option<Bound<'py, PyAny>>,
        delay: Option<f64>,
        threshold: Option<f64>,
        attributes: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let source = match x {
            Some(x) => Section::__call__(slf, x, false)?,
            None => slf.clone().into_any(),
        };
        let settings = Settings::new(py, &PyTuple::empty(py), threshold, delay, weight, false)?;
        wiring::connect(py, &source, target, settings, None, attributes)
    }

    /// nrn-patch 8's name of `connect_points` (always from the middle).
    #[pyo3(signature = (target, *, weight = None, delay = None, threshold = None, **attributes))]
    fn connect_synapse<'py>(
        slf: &Bound<'py, Self>,
        target: &Bound<'py, PyAny>,
        weight: Option<Bound<'py, PyAny>>,
        delay: Option<f64>,
        threshold: Option<f64>,
        attributes: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        Section::connect_points(slf, target, None, weight, delay, threshold, attributes)
    }

    /// The section this one is attached to, or None.
    #[getter]
    fn parent<'py>(slf: &Bound<'py, Self>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let parent_segment =
            neuron_section(slf)?.call_method0(pyo3::intern!(slf.py(), "parentseg"))?;
        if parent_segment.is_none() {
            return Ok(None);
        }
        Ok(Some(wrap(
            parent_segment.getattr(pyo3::intern!(slf.py(), "sec"))?,
        )?))
    }

    /// Inserts a mechanism and returns the section, so calls chain.
    #[pyo3(signature = (*args, **kwargs))]
    fn insert<'py>(
        slf: &Bound<'py, Self>,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, Self>> {
        let named = match (kwargs, args.len()) {
            (None, 1) => args.get_item(0)?.cast_into::<PyString>().ok(),
            _ => None,
        };
        match named {
            Some(name) => Section::insert_named(slf, name.to_str()?)?,
            None => {
                let insert = neuron_section(slf)?.getattr(pyo3::intern!(slf.py(), "insert"))?;
                call_unwrapped(&insert, args, kwargs)?;
            }
        }
        Ok(slf.clone())
    }

    /// Removes a mechanism and returns the section. NEURON cannot remove some (the
    /// extracellular mechanism) and only prints so: that is an error here.
    fn uninsert<'py>(slf: &Bound<'py, Self>, name: &str) -> PyResult<Bound<'py, Self>> {
        let py = slf.py();
        let section = neuron_section(slf)?;
        neuron_call(py, || {
            section.call_method1(pyo3::intern!(py, "uninsert"), (name,))
        })?;
        let still: f64 = section
            .call_method1(pyo3::intern!(py, "has_membrane"), (name,))?
            .extract()?;
        if still != 0.0 {
            return Err(HocError::new_err(format!(
                "NEURON cannot remove the {name} mechanism from a section once inserted: \
                 delete the section (or make the model again) instead"
            )));
        }
        Ok(slf.clone())
    }

    /// Sets the length `L` and diameter `diam` (µm).
    fn set_dimensions(slf: &Bound<'_, Self>, length: f64, diameter: f64) -> PyResult<()> {
        for (name, value) in [("length", length), ("diameter", diameter)] {
            if !(value.is_finite() && value > 0.0) {
                return Err(PyValueError::new_err(format!(
                    "the {name} must be a positive number of µm, got {value}"
                )));
            }
        }
        let section = neuron_section(slf)?;
        section.setattr("L", length)?;
        section.setattr("diam", diameter)
    }

    /// Sets the number of segments `nseg`.
    fn set_segments(slf: &Bound<'_, Self>, segments: i64) -> PyResult<()> {
        if !(1..=32767).contains(&segments) {
            return Err(PyValueError::new_err(format!(
                "nseg must be from 1 to 32767, got {segments}"
            )));
        }
        neuron_section(slf)?.setattr("nseg", segments)
    }

    /// Adds 3D points (an `(n, 3)` array) with a diameter each: one number for all, one
    /// per point, or by default the section's diameter.
    #[pyo3(signature = (points, diameters = None))]
    fn add_3d(
        slf: &Bound<'_, Self>,
        points: &Bound<'_, PyAny>,
        diameters: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let py = slf.py();
        let section = neuron_section(slf)?;
        let points: Vec<Vec<f64>> = points.extract()?;
        if let Some(bad) = points.iter().find(|point| point.len() != 3) {
            return Err(PyValueError::new_err(format!(
                "each 3D point needs x, y and z, got {bad:?}"
            )));
        }
        let diameters: Vec<f64> = match diameters {
            None => vec![section.getattr("diam")?.extract()?; points.len()],
            Some(value) => match value.extract::<f64>() {
                Ok(diameter) => vec![diameter; points.len()],
                Err(_) => value.extract()?,
            },
        };
        if diameters.len() != points.len() {
            return Err(PyValueError::new_err(format!(
                "{} points need {} diameters, got {}",
                points.len(),
                points.len(),
                diameters.len()
            )));
        }
        let pt3dadd = section.getattr(pyo3::intern!(py, "pt3dadd"))?;
        for (point, diameter) in points.iter().zip(diameters) {
            pt3dadd.call1((point[0], point[1], point[2], diameter))?;
        }
        Ok(())
    }

    /// The 3D points as an `(n, 3)` numpy array.
    #[getter]
    fn points<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let section = neuron_section(slf)?;
        let count: usize = section.call_method0("n3d")?.extract::<f64>()? as usize;
        let mut rows = Vec::with_capacity(count);
        for index in 0..count {
            rows.push([
                section.call_method1("x3d", (index,))?.extract::<f64>()?,
                section.call_method1("y3d", (index,))?.extract::<f64>()?,
                section.call_method1("z3d", (index,))?.extract::<f64>()?,
            ]);
        }
        let array = py
            .import("numpy")?
            .call_method1("array", (rows, "float64"))?;
        array.call_method1("reshape", ((count, 3),))
    }

    /// Pushes the section on NEURON's section stack; use as `with s.push(): ...` to pop
    /// it again automatically.
    fn push<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, section_stack::PushedSection>> {
        section_stack::push(slf.as_any(), &neuron_section(slf)?)
    }

    /// Pops the section off the section stack; it must be on top.
    fn pop(slf: &Bound<'_, Self>) -> PyResult<()> {
        section_stack::pop(&neuron_section(slf)?)
    }

    /// The point processes placed on this section (synapses, clamps), as Patch objects,
    /// from its 0 end to its 1 end.
    fn point_processes<'py>(slf: &Bound<'py, Self>) -> PyResult<Vec<Bound<'py, PyAny>>> {
        let py = slf.py();
        let mut found = Vec::new();
        for segment in neuron_section(slf)?
            .call_method0(pyo3::intern!(py, "allseg"))?
            .try_iter()?
        {
            for process in segment?
                .call_method0(pyo3::intern!(py, "point_processes"))?
                .try_iter()?
            {
                found.push(wrap(process?)?);
            }
        }
        Ok(found)
    }

    /// Records the membrane potential at `x` (default 0.5); the Vector is kept in
    /// `recordings[x]` and returned again for the same `x`.
    #[pyo3(signature = (x = None))]
    fn record<'py>(slf: &Bound<'py, Self>, x: Option<f64>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let x = x.unwrap_or(0.5);
        let recordings = slf.borrow_mut().recordings(py);
        if let Some(existing) = recordings.get_item(x)? {
            return Ok(existing);
        }
        let segment = Section::__call__(slf, x, false)?;
        let vector = wrap(neuron_types(py)?.h.bind(py).call_method0("Vector")?)?;
        vector.call_method1("record", (segment,))?;
        recordings.set_item(x, &vector)?;
        Ok(vector)
    }

    /// The recording Vectors made by `record`, by position (the dict is made on first use:
    /// most sections record nothing).
    #[getter]
    fn recordings<'py>(&mut self, py: Python<'py>) -> Bound<'py, PyDict> {
        self.recordings
            .get_or_insert_with(|| PyDict::new(py).unbind())
            .bind(py)
            .clone()
    }

    /// The recordings made by `record` and the time points, as numpy arrays (copies, safe
    /// to keep while the simulation goes on): `{"time": ..., 0.5: ..., ...}`.
    fn recorded<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let numpy = py.import("numpy")?;
        let recorded = PyDict::new(py);
        let time = time_vector(py)?;
        recorded.set_item("time", numpy.call_method1("array", (unwrap(&time)?,))?)?;
        let recordings = self.recordings.as_ref().map(|made| made.bind(py));
        for (x, vector) in recordings.into_iter().flatten() {
            recorded.set_item(x, numpy.call_method1("array", (unwrap(&vector)?,))?)?;
        }
        Ok(recorded)
    }

    /// Makes a synapse with `factory(section, *args, **kwargs)`, sets `attributes` on it,
    /// and, when `store` is true, appends it to the list `section.synapses` (made then; an
    /// attribute of yours, as in nrn-patch).
    #[pyo3(signature = (factory, *args, store = false, attributes = None, **kwargs))]
    fn synapse<'py>(
        slf: &Bound<'py, Self>,
        factory: &Bound<'py, PyAny>,
        args: &Bound<'py, PyTuple>,
        store: bool,
        attributes: Option<&Bound<'py, PyDict>>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let mut all = vec![slf.clone().into_any()];
        all.extend(args.iter());
        let synapse = factory.call(PyTuple::new(py, all)?, kwargs)?;
        if let Some(attributes) = attributes {
            for (name, value) in attributes {
                synapse.setattr(name.cast::<pyo3::types::PyString>()?, value)?;
            }
        }
        if store {
            let name = pyo3::intern!(py, "synapses");
            let stored = match slf.as_any().getattr_opt(name)? {
                Some(stored) => stored,
                None => {
                    let stored = PyList::empty(py).into_any();
                    slf.as_any().setattr(name, &stored)?;
                    stored
                }
            };
            stored.call_method1(pyo3::intern!(py, "append"), (&synapse,))?;
        }
        Ok(synapse)
    }

    /// A current clamp at `x`: `amplitude` (nA) from `delay` for `duration` ms; a list of
    /// amplitudes plays one value per time step from `delay`. NEURON's names `amp` and
    /// `dur` are accepted too.
    #[pyo3(signature = (x = 0.5, delay = 0.0, duration = None, amplitude = None, *, amp = None, dur = None))]
    #[allow(clippy::too_many_arguments)]
    fn iclamp<'py>(
        slf: &Bound<'py, Self>,
        x: f64,
        delay: f64,
        duration: Option<f64>,
        amplitude: Option<Bound<'py, PyAny>>,
        amp: Option<Bound<'py, PyAny>>,
        dur: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let duration = either(duration, dur, ("duration", "dur"))?.unwrap_or(100.0);
        let given: Vec<f64> = amplitude
            .iter()
            .filter_map(|value| value.extract().ok())
            .collect();
        check_position("iclamp", x, &[&[delay, duration][..], &given].concat())?;
        if let Some(amplitude) = &amplitude {
            check_amplitude_order(delay, duration, amplitude)?;
        }
        let amplitude = match either(amplitude, amp, ("amplitude", "amp"))? {
            Some(value) => value,
            None => 0.0_f64.into_pyobject(py)?.into_any(),
        };
        let clamp = super::point_process::new_point_process(
            py,
            "IClamp",
            Section::__call__(slf, x, false)?.as_any(),
            None,
        )?;
        clamp.setattr("delay", delay)?;
        clamp.setattr("duration", duration)?;
        clamp.setattr("amplitude", amplitude)?;
        Ok(clamp)
    }

    /// A voltage clamp at `x`: `holding` mV until `delay` (`before` also accepted), then
    /// `voltage` for `duration` ms (`dur` also accepted), then `holding` for `after` ms.
    /// `voltage` may also be the three levels.
    #[pyo3(signature = (x = 0.5, delay = None, duration = None, after = 0.0, voltage = None, holding = -70.0, *, before = None, dur = None))]
    #[allow(clippy::too_many_arguments)]
    fn vclamp<'py>(
        slf: &Bound<'py, Self>,
        x: f64,
        delay: Option<f64>,
        duration: Option<f64>,
        after: f64,
        voltage: Option<Bound<'py, PyAny>>,
        holding: f64,
        before: Option<f64>,
        dur: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let delay = either(delay, before, ("pre-step duration", "before"))?.unwrap_or(0.0);
        let duration = either(duration, dur, ("duration", "dur"))?.unwrap_or(100.0);
        check_position("vclamp", x, &[])?;
        let clamp = super::point_process::new_point_process(
            py,
            "SEClamp",
            Section::__call__(slf, x, false)?.as_any(),
            None,
        )?;
        clamp.setattr("delay", delay)?;
        clamp.setattr("duration", duration)?;
        clamp.setattr("after", after)?;
        clamp.setattr("holding", holding)?;
        let voltage = match voltage {
            Some(voltage) => voltage,
            None => (-70.0_f64).into_pyobject(py)?.into_any(),
        };
        clamp.setattr("voltage", voltage)?;
        Ok(clamp)
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        visit.call(&self.recordings)
    }

    fn __clear__(&mut self) {
        self.recordings = None;
    }
}
