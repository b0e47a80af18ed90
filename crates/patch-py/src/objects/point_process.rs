//! Point processes: the PointProcess class (synapses, clamps, artificial cells), the
//! factories `p.ExpSyn` with `.many`, and the IClamp/SEClamp/NetStim subclasses.

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple};
use pyo3::{PyTraverseError, PyVisit};

use super::base::PythonHocObject;
use super::batch::{given, Batch};
use super::collection::{apply_parameters, Collection};
use super::registry::wrap;
use super::section::keep_new_process;
use crate::neuron::attach::attach;
use crate::neuron::capture::neuron_call;
use crate::neuron::errors::PatchResult;
use crate::neuron::types::{has_type, neuron_types};
use crate::objects::protocol::section_handle;
use crate::objects::protocol::{unwrap, unwrap_args};
use crate::objects::section_stack::accessed_section;

/// `stimulate`'s connection, as in nrn-patch: strong enough to drive a synapse, at once.
pub const STIMULUS_WEIGHT: f64 = 0.04;
pub const STIMULUS_DELAY: f64 = 0.0;

/// A point process or artificial cell (ExpSyn, NetStim, IntFire1, your own mechanisms).
#[pyclass(module = "patch.objects", extends = PythonHocObject, subclass)]
pub struct PointProcess {}

impl PointProcess {
    pub fn of_handle(handle: nrn::ObjectHandle) -> PyClassInitializer<PointProcess> {
        PyClassInitializer::from(PythonHocObject::of_handle(handle)).add_subclass(PointProcess {})
    }

    pub fn initializer(object: Bound<'_, PyAny>) -> PyResult<PyClassInitializer<PointProcess>> {
        Ok(
            PyClassInitializer::from(PythonHocObject::with_events(unwrap(&object)?))
                .add_subclass(PointProcess {}),
        )
    }
}

#[pymethods]
impl PointProcess {
    #[new]
    fn py_new(neuron: Bound<'_, PyAny>) -> PyResult<PyClassInitializer<PointProcess>> {
        PointProcess::initializer(neuron)
    }

    /// NEURON's attributes; numbers come back as `SimulationValue`s, floats that can be
    /// recorded (`p.record(syn.g)`).
    fn __getattr__<'py>(
        slf: &Bound<'py, Self>,
        name: &Bound<'py, PyString>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        if let Some(value) = slf.as_super().borrow().user_attribute(name)? {
            return Ok(value);
        }
        let value = PythonHocObject::__getattr__(slf.as_super(), name)?;
        if !value.is_exact_instance_of::<pyo3::types::PyFloat>() {
            return Ok(value);
        }
        simulation_value_class(py)?.call1((value, slf, name))
    }

    /// The names of the process's range variables (parameters, assigned variables and
    /// states, such as `tau`, `e`, `g`, `i` of an ExpSyn), in alphabetical order.
    #[getter]
    fn parameters(slf: PyRef<'_, Self>) -> PyResult<Bound<'_, PyAny>> {
        static BY_CLASS: pyo3::sync::PyOnceLock<Py<PyDict>> = pyo3::sync::PyOnceLock::new();
        let py = slf.py();
        let class = slf.as_super().neuron_class_name(py)?;
        let known = BY_CLASS
            .get_or_init(py, || PyDict::new(py).unbind())
            .bind(py);
        if let Some(names) = known.get_item(&class)? {
            return names.call_method0(pyo3::intern!(py, "copy"));
        }
        let h = neuron_types(py)?.h.bind(py);
        // Variables of every kind: MechanismStandard's type 0.
        let standard = h.call_method1("MechanismStandard", (&class, 0))?;
        let name = h.call_method1("ref", ("",))?;
        let count: f64 = standard.call_method0("count")?.extract()?;
        let mut names = Vec::with_capacity(count as usize);
        for index in 0..count as usize {
            standard.call_method1("name", (&name, index))?;
            names.push(name.get_item(0)?.extract::<String>()?);
        }
        names.sort();
        let names = pyo3::types::PyList::new(py, names)?;
        known.set_item(&class, &names)?;
        names.call_method0(pyo3::intern!(py, "copy"))
    }

    /// Takes this point process away: its section and its NetCons let go of it (the
    /// NetCons stop delivering), and so does this wrapper, so NEURON frees it at once
    /// unless you hold NEURON's own object. For notebooks: a cell run again can replace
    /// the inputs it made (`for old in soma.point_processes(): old.remove()`). Using it
    /// afterwards raises `ReferenceError`; initialise before running on.
    fn remove(slf: &Bound<'_, Self>) -> PyResult<()> {
        let py = slf.py();
        let held = PythonHocObject::_references(&slf.as_super().borrow(), py);
        for other in held {
            if let Ok(netcon) = other.cast::<super::netcon::NetCon>() {
                super::netcon::NetCon::stop(netcon)?;
            } else if let Ok(other) = other.cast::<PythonHocObject>() {
                other.borrow_mut().__deref__(slf.as_any());
            }
        }
        let mut base = slf.as_super().borrow_mut();
        base.forget_references();
        base.release();
        Ok(())
    }

    /// Recording a point process records its current.
    fn __record__(slf: PyRef<'_, Self>) -> PyResult<Bound<'_, PyAny>> {
        let py = slf.py();
        slf.as_super()
            .neuron_object(py)?
            .getattr(pyo3::intern!(py, "_ref_i"))
    }

    /// Drives this process with a NetStim (keywords set its `start`, `number`,
    /// `interval`, `noise`) or, given a `pattern` of times, a VecStim; returns the stimulus.
    // Literals, so Python sees the defaults (STIMULUS_WEIGHT, STIMULUS_DELAY).
    #[pyo3(signature = (pattern = None, weight = 0.04, delay = 0.0, **netstim_attributes))]
    fn stimulate<'py>(
        slf: &Bound<'py, Self>,
        pattern: Option<Bound<'py, PyAny>>,
        weight: f64,
        delay: f64,
        netstim_attributes: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let stimulus = match &pattern {
            Some(pattern) => super::vecstim::new_vecstim(py, Some(pattern))?,
            None => new_point_process(py, "NetStim", &py.None().into_bound(py), None)?,
        };
        if let Some(attributes) = netstim_attributes {
            for (name, value) in attributes {
                stimulus.setattr(name.cast::<PyString>()?, value)?;
            }
        }
        let weight = weight.into_pyobject(py)?.into_any();
        let settings = super::netcon::wiring::Settings::new(
            py,
            &PyTuple::empty(py),
            None,
            Some(delay),
            Some(weight),
            false,
        )?;
        super::netcon::wiring::connect(py, &stimulus, slf.as_any(), settings, None, None)?;
        Ok(stimulus)
    }

    /// The segment it sits on, or None (artificial cells and unplaced processes).
    #[getter]
    fn segment(slf: PyRef<'_, Self>) -> PyResult<Option<Bound<'_, PyAny>>> {
        let py = slf.py();
        let neuron = slf.as_super().neuron_object(py)?;
        match neuron.getattr_opt(pyo3::intern!(py, "get_segment"))? {
            Some(get_segment) => {
                let segment = get_segment.call0()?;
                Ok((!segment.is_none()).then(|| wrap(segment)).transpose()?)
            }
            None => Ok(None),
        }
    }
}

/// NEURON's NetStim: an artificial cell that fires `number` spikes from `start`, every
/// `interval` ms (`noise` makes the intervals random).
#[pyclass(module = "patch.objects", extends = PointProcess, subclass)]
pub struct NetStim {}

impl NetStim {
    pub fn of_handle(handle: nrn::ObjectHandle) -> PyClassInitializer<NetStim> {
        PointProcess::of_handle(handle).add_subclass(NetStim {})
    }
}

#[pymethods]
impl NetStim {
    #[new]
    fn py_new(neuron: Bound<'_, PyAny>) -> PyResult<PyClassInitializer<NetStim>> {
        Ok(PointProcess::initializer(neuron)?.add_subclass(NetStim {}))
    }
}

fn simulation_value_class(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    static CLASS: pyo3::sync::PyOnceLock<Py<PyAny>> = pyo3::sync::PyOnceLock::new();
    CLASS.import(py, "patch.objects", "SimulationValue")
}

/// Creates `h.<class>` on `target` (a Section means its middle), wraps it, and makes it
/// and its section keep each other alive.
pub fn new_point_process<'py>(
    py: Python<'py>,
    class: &str,
    target: &Bound<'py, PyAny>,
    args: Option<&Bound<'py, PyTuple>>,
) -> PyResult<Bound<'py, PyAny>> {
    if args.is_none_or(pyo3::types::PyTupleMethods::is_empty) {
        return Ok(new_point_process_directly(py, class, target)?);
    }
    let mut call_args = Vec::new();
    let mut section = None;
    if !target.is_none() {
        let segment = located_segment(target)?;
        section = Some(wrap(segment.getattr(pyo3::intern!(py, "sec"))?)?);
        call_args.push(segment);
    }
    if let Some(args) = args {
        call_args.extend(unwrap_args(args)?.iter());
    }
    let h = neuron_types(py)?.h.bind(py);
    let class = h.getattr(class)?;
    let call_args = PyTuple::new(py, call_args)?;
    let process = neuron_call(py, || class.call1(call_args))?;
    let process = wrap(process)?;
    if let Some(section) = section {
        keep_new_process(&section, &process)?;
    }
    Ok(process)
}

/// [`new_point_process`] without extra arguments, made by the Rust core.
fn new_point_process_directly<'py>(
    py: Python<'py>,
    class: &str,
    target: &Bound<'py, PyAny>,
) -> PatchResult<Bound<'py, PyAny>> {
    let neuron = attach(py)?;
    let (handle, section) = if target.is_none() {
        let mut made = neuron.new_artificial_cells(class, 1)?;
        (made.pop(), None)
    } else {
        let (handle, x, section) = match super::segment::segment_place(target)? {
            // SAFETY: the segment holds NEURON's section object for the call.
            Some((place, section)) => (
                unsafe { nrn::SectionHandle::from_borrowed(neuron, place.section) },
                place.x,
                section,
            ),
            None => {
                let segment = located_segment(target)?;
                let section = wrap(segment.getattr(pyo3::intern!(py, "sec"))?)?;
                let x: f64 = segment.getattr(pyo3::intern!(py, "x"))?.extract()?;
                (section_handle(&section)?, x, section)
            }
        };
        let mut made = neuron.new_point_processes(class, &[(&handle, x)])?;
        (made.pop(), Some(section))
    };
    let handle = handle.ok_or_else(|| PyValueError::new_err(format!("NEURON made no {class}")))?;
    let process = super::registry::wrap_handle(py, &handle, class)?;
    if let Some(section) = section {
        keep_new_process(&section, &process)?;
    }
    Ok(process)
}

/// The NEURON segment a target means: a segment, or the `__arc__` point of a section.
fn located_segment<'py>(target: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = target.py();
    let types = neuron_types(py)?;
    let located = match target.getattr_opt(pyo3::intern!(py, "__arc__"))? {
        Some(arc) => target.call1((arc.call0()?,))?,
        None => target.clone(),
    };
    let located = unwrap(&located)?;
    if has_type(&located, types.section.bind(py)) {
        return located.call1((0.5,));
    }
    if has_type(&located, types.segment.bind(py)) {
        return Ok(located);
    }
    Err(PyTypeError::new_err(format!(
        "a point process goes on a Section or a Segment, not on {}",
        located.get_type().name()?
    )))
}

/// `p.ExpSyn`, `p.NetStim`, ...: `p.<Name>(target=None, *args, **attributes)`.
#[pyclass(module = "patch.objects", frozen)]
pub struct PointProcessFactory {
    name: String,
}

impl PointProcessFactory {
    pub fn new(name: &str) -> PointProcessFactory {
        PointProcessFactory {
            name: name.to_string(),
        }
    }
}

#[pymethods]
impl PointProcessFactory {
    /// `target` is a Section (its middle) or a Segment; for nrn-patch code, a number is
    /// the position `x` on `sec` (or on the accessed section). Keyword arguments set
    /// attributes of the new process.
    #[pyo3(signature = (target = None, *args, x = None, sec = None, **attributes))]
    fn __call__<'py>(
        &self,
        py: Python<'py>,
        target: Option<Bound<'py, PyAny>>,
        args: &Bound<'py, PyTuple>,
        x: Option<f64>,
        sec: Option<Bound<'py, PyAny>>,
        attributes: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if !args.is_empty() {
            return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                "{name} takes one location, as p.{name}(section, x=0.3) or \
                 p.{name}(section(0.3)); NEURON would ignore the other {count} argument(s)",
                name = self.name,
                count = args.len()
            )));
        }
        let target = placement(py, target, x, sec, self.is_clamp())?;
        let process = new_point_process(py, &self.name, &target, None)?;
        self.apply_defaults(&process)?;
        if let Some(attributes) = attributes {
            for (name, value) in attributes {
                process.setattr(name.cast::<PyString>()?, value)?;
            }
        }
        Ok(process)
    }

    fn __repr__(&self) -> String {
        format!("<patch factory of {} point processes>", self.name)
    }

    /// Many at once through the Rust core: `count` artificial cells, or one on each of
    /// `targets` (Sections mean their middle, or Segments). Keyword parameters are one
    /// number for all or one per object. Returns a Collection.
    #[pyo3(signature = (targets, **parameters))]
    fn many<'py>(
        &self,
        py: Python<'py>,
        targets: &Bound<'py, PyAny>,
        parameters: Option<&Bound<'py, PyDict>>,
    ) -> PatchResult<Bound<'py, Collection>> {
        let neuron = attach(py)?;
        let handles = match targets.extract::<i64>() {
            Ok(count) => {
                let count = usize::try_from(count).map_err(|_| {
                    pyo3::exceptions::PyValueError::new_err(format!(
                        "the number of {} to make is 0 or more, got {count}",
                        self.name
                    ))
                })?;
                neuron.new_artificial_cells(&self.name, count)?
            }
            Err(_) => {
                let targets = given(targets)?;
                let mut batch = Batch::default();
                let places = targets
                    .try_iter()?
                    .map(|target| batch.location(&target?))
                    .collect::<PatchResult<Vec<_>>>()?;
                let borrowed: Vec<(&nrn::SectionHandle, f64)> = places
                    .iter()
                    .map(|(section, x)| (batch.section(*section), *x))
                    .collect();
                let handles = neuron.new_point_processes(&self.name, &borrowed)?;
                let collection = Bound::new(py, Collection::new(handles, &self.name))?;
                apply_parameters(&collection, parameters)?;
                Collection::tie(&collection, &targets)?;
                return Ok(collection);
            }
        };
        let collection = Bound::new(py, Collection::new(handles, &self.name))?;
        apply_parameters(&collection, parameters)?;
        Ok(collection)
    }
}

impl PointProcessFactory {
    fn is_clamp(&self) -> bool {
        matches!(self.name.as_str(), "IClamp" | "SEClamp")
    }

    /// nrn-patch's visible defaults: clamps that do something.
    fn apply_defaults(&self, process: &Bound<'_, PyAny>) -> PyResult<()> {
        let defaults: &[(&str, f64)] = match self.name.as_str() {
            "IClamp" => &[("amp", 1.0), ("delay", 0.0), ("dur", 1e200)],
            "SEClamp" => &[
                ("dur1", 100.0),
                ("dur2", 100.0),
                ("dur3", 100.0),
                ("amp1", -70.0),
                ("amp2", -50.0),
                ("amp3", -70.0),
            ],
            _ => &[],
        };
        if defaults.is_empty() {
            return Ok(());
        }
        let neuron = unwrap(process)?;
        for (name, value) in defaults {
            neuron.setattr(*name, *value)?;
        }
        Ok(())
    }
}

/// Where a new point process goes, from the spellings NEURON and nrn-patch accept.
fn placement<'py>(
    py: Python<'py>,
    target: Option<Bound<'py, PyAny>>,
    x: Option<f64>,
    sec: Option<Bound<'py, PyAny>>,
    default_to_accessed: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let (target, x) = match target {
        Some(number) if number.extract::<f64>().is_ok() && x.is_none() => {
            (None, Some(number.extract()?))
        }
        other => (other, x),
    };
    if let Some(x) = x {
        if !(0.0..=1.0).contains(&x) {
            return Err(PyValueError::new_err(format!(
                "x={x} is outside the section: use a position from 0 to 1"
            )));
        }
    }
    let section = match (target, sec) {
        (Some(_), Some(_)) => {
            return Err(PyTypeError::new_err(
                "give the location once: a target or `sec=`",
            ))
        }
        (Some(target), None) if x.is_none() => return Ok(target),
        (Some(target), None) | (None, Some(target)) => target,
        (None, None) if default_to_accessed || x.is_some() => accessed_section(py)?,
        (None, None) => return Ok(py.None().into_bound(py)),
    };
    unwrap(&section)?.call1((x.unwrap_or(0.5),))
}

/// A current clamp with nrn-patch's friendly names: `amplitude` (a list plays one value
/// per time step from `delay`), `duration`, `delay`.
#[pyclass(module = "patch.objects", extends = PointProcess, subclass)]
pub struct IClamp {
    /// The played amplitudes and their times, when `amplitude` was given a list.
    played: Option<(Py<PyAny>, Py<PyAny>)>,
}

fn clamp_neuron<'py, T: pyo3::PyClass>(slf: &Bound<'py, T>) -> PyResult<Bound<'py, PyAny>> {
    unwrap(slf.as_any())
}

#[pymethods]
impl IClamp {
    #[new]
    fn py_new(neuron: Bound<'_, PyAny>) -> PyResult<PyClassInitializer<IClamp>> {
        Ok(PointProcess::initializer(neuron)?.add_subclass(IClamp { played: None }))
    }

    #[getter]
    fn amplitude<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        if let Some((amplitudes, _)) = &slf.borrow().played {
            return wrap(amplitudes.bind(slf.py()).clone());
        }
        clamp_neuron(slf)?.getattr("amp")
    }

    #[setter]
    fn set_amplitude(slf: &Bound<'_, Self>, amplitude: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        let neuron = clamp_neuron(slf)?;
        if let Ok(value) = amplitude.extract::<f64>() {
            slf.borrow_mut().played = None;
            return neuron.setattr("amp", value);
        }
        let values: Vec<f64> = amplitude.extract().map_err(|_| {
            PyTypeError::new_err("amplitude is a number (nA) or a sequence of numbers to play")
        })?;
        let h = neuron_types(py)?.h.bind(py);
        let dt: f64 = h.getattr("dt")?.extract()?;
        let delay: f64 = neuron.getattr("delay")?.extract()?;
        let times: Vec<f64> = (0..values.len())
            .map(|step| delay + step as f64 * dt)
            .collect();
        let amplitudes = h.call_method1("Vector", (values.clone(),))?;
        let times = h.call_method1("Vector", (times,))?;
        amplitudes.call_method1("play", (neuron.getattr("_ref_amp")?, &times))?;
        neuron.setattr("dur", values.len() as f64 * dt)?;
        slf.borrow_mut().played = Some((amplitudes.unbind(), times.unbind()));
        Ok(())
    }

    #[getter]
    fn duration<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        clamp_neuron(slf)?.getattr("dur")
    }

    #[setter]
    fn set_duration(slf: &Bound<'_, Self>, duration: f64) -> PyResult<()> {
        clamp_neuron(slf)?.setattr("dur", duration)
    }

    #[getter]
    fn delay<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        clamp_neuron(slf)?.getattr("del")
    }

    /// Moves a played amplitude along with the delay.
    #[setter]
    fn set_delay(slf: &Bound<'_, Self>, delay: f64) -> PyResult<()> {
        let neuron = clamp_neuron(slf)?;
        let shift = delay - neuron.getattr("del")?.extract::<f64>()?;
        neuron.setattr("del", delay)?;
        if let Some((_, times)) = &slf.borrow().played {
            times.bind(slf.py()).call_method1("add", (shift,))?;
        }
        Ok(())
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        if let Some((amplitudes, times)) = &self.played {
            visit.call(amplitudes)?;
            visit.call(times)?;
        }
        Ok(())
    }

    fn __clear__(&mut self) {
        self.played = None;
    }
}

/// A single-electrode voltage clamp with nrn-patch's friendly names: `delay` (`before`),
/// `duration`, `after`, `voltage` (the step, or all three levels) and `holding`.
#[pyclass(module = "patch.objects", extends = PointProcess, subclass)]
pub struct SEClamp {}

#[pymethods]
impl SEClamp {
    #[new]
    fn py_new(neuron: Bound<'_, PyAny>) -> PyResult<PyClassInitializer<SEClamp>> {
        Ok(PointProcess::initializer(neuron)?.add_subclass(SEClamp {}))
    }

    #[getter]
    fn delay<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        clamp_neuron(slf)?.getattr("dur1")
    }

    #[setter]
    fn set_delay(slf: &Bound<'_, Self>, delay: f64) -> PyResult<()> {
        clamp_neuron(slf)?.setattr("dur1", delay)
    }

    #[getter]
    fn before<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        SEClamp::delay(slf)
    }

    #[setter]
    fn set_before(slf: &Bound<'_, Self>, before: f64) -> PyResult<()> {
        SEClamp::set_delay(slf, before)
    }

    #[getter]
    fn duration<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        clamp_neuron(slf)?.getattr("dur2")
    }

    #[setter]
    fn set_duration(slf: &Bound<'_, Self>, duration: f64) -> PyResult<()> {
        clamp_neuron(slf)?.setattr("dur2", duration)
    }

    #[getter]
    fn after<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        clamp_neuron(slf)?.getattr("dur3")
    }

    #[setter]
    fn set_after(slf: &Bound<'_, Self>, after: f64) -> PyResult<()> {
        clamp_neuron(slf)?.setattr("dur3", after)
    }

    /// The three levels: before, during and after the step (mV).
    #[getter]
    fn voltage(slf: &Bound<'_, Self>) -> PyResult<Vec<f64>> {
        let neuron = clamp_neuron(slf)?;
        ["amp1", "amp2", "amp3"]
            .iter()
            .map(|name| neuron.getattr(*name)?.extract())
            .collect()
    }

    /// One number sets the step; three set before, during and after.
    #[setter]
    fn set_voltage(slf: &Bound<'_, Self>, voltage: &Bound<'_, PyAny>) -> PyResult<()> {
        let neuron = clamp_neuron(slf)?;
        if let Ok(step) = voltage.extract::<f64>() {
            return neuron.setattr("amp2", step);
        }
        let levels: Vec<f64> = voltage.extract().unwrap_or_default();
        let [before, during, after] = levels.as_slice() else {
            return Err(PyValueError::new_err(
                "voltage is one number (the step) or three (before, during and after the step)",
            ));
        };
        neuron.setattr("amp1", *before)?;
        neuron.setattr("amp2", *during)?;
        neuron.setattr("amp3", *after)
    }

    /// The level before and after the step (mV).
    #[getter]
    fn holding<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        clamp_neuron(slf)?.getattr("amp1")
    }

    #[setter]
    fn set_holding(slf: &Bound<'_, Self>, holding: f64) -> PyResult<()> {
        let neuron = clamp_neuron(slf)?;
        neuron.setattr("amp1", holding)?;
        neuron.setattr("amp3", holding)
    }
}
