//! The interpreter `p` (PythonHocInterpreter): attribute forwarding to `neuron.h` with
//! Patch's defaults and typo checks, and factories that delegate to the layers below.

use std::path::PathBuf;

use pyo3::exceptions::{PyAttributeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};
use pyo3::{PyTraverseError, PyVisit};

use crate::api::engines::{assign_gids, choose};
use crate::api::run;
use crate::neuron::attach::attach;
use crate::neuron::capture::{capture_output, neuron_call, pass_on};
use crate::neuron::errors::typed_neuron_error;
use crate::neuron::errors::warn;
use crate::neuron::errors::with_stray_error;
use crate::neuron::errors::{PatchErr, PatchResult};
use crate::neuron::exceptions::{ParallelConnectError, ParallelError};
use crate::neuron::guards;
use crate::neuron::mechanisms::{compile_and_load, mod_files_in};
use crate::neuron::types::{neuron_kind, neuron_types, NeuronKind};
use crate::objects::base::{patch_attribute, unknown_attribute, WrappingIterator};
use crate::objects::batch::netcons;
use crate::objects::classes::is_point_process_name;
use crate::objects::collection::Collection;
use crate::objects::morphology::Morphology;
use crate::objects::netcon::wiring::{self, Settings};
use crate::objects::point_process::PointProcessFactory;
use crate::objects::protocol::is_nrn_scalar;
use crate::objects::protocol::unwrap;
use crate::objects::registry::wrap;
use crate::objects::section::Section;
use crate::objects::section_stack::accessed_section;
use crate::objects::time::time_vector;
use crate::objects::vecstim::new_vecstim;
use crate::parallel::context::{self as parallel, ParallelContext};
use crate::parallel::gid;

/// Patch's HOC interpreter `p`: everything `neuron.h` has, with stdrun loaded, Patch's
/// defaults, loud errors for typos, and NEURON objects handed out as Patch objects.
#[pyclass(module = "patch.interpreter", subclass)]
pub struct PythonHocInterpreter {
    h: Option<Py<PyAny>>,
}

/// Patch's default temperature, as in nrn-patch (NEURON's own is 6.3 degC).
const DEFAULT_CELSIUS: f64 = 32.0;

#[pymethods]
impl PythonHocInterpreter {
    #[new]
    fn new(py: Python<'_>) -> PatchResult<PythonHocInterpreter> {
        let neuron = attach(py)?;
        let h = neuron_types(py)?.h.clone_ref(py);
        let (loaded, output) = capture_output(py, || neuron.load_file("stdrun.hoc"))?;
        loaded.map_err(|error| PatchErr::with_output(error, output))?;
        neuron.set_global("celsius", DEFAULT_CELSIUS)?;
        time_vector(py)?;
        Ok(PythonHocInterpreter { h: Some(h) })
    }

    /// Runs HOC code; a HOC error raises `HocError` with NEURON's message, where
    /// `neuron.h(code)` would print it and return 0.
    fn __call__(&self, py: Python<'_>, code: &str) -> PatchResult<bool> {
        let neuron = attach(py)?;
        let (ran, output) = capture_output(py, || neuron.hoc(code))?;
        match ran {
            Ok(()) => {
                pass_on(py, &output)?;
                Ok(true)
            }
            Err(error) => Err(PatchErr::with_output(error, output)),
        }
    }

    /// Patch's own attributes first; anything else comes from `neuron.h`, as Patch
    /// objects: point processes get factories that place them on sections. NEURON's
    /// classes and functions are looked up once.
    fn __getattribute__<'py>(
        slf: &Bound<'py, Self>,
        name: &Bound<'py, PyString>,
    ) -> PatchResult<Bound<'py, PyAny>> {
        let py = slf.py();
        if is_own_attribute(slf, name)? {
            let attribute =
                // SAFETY: `slf` and `name` are live objects borrowed for this call, and the GIL
                // is held (`py`).
                unsafe { pyo3::ffi::PyObject_GenericGetAttr(slf.as_ptr(), name.as_ptr()) };
            // SAFETY: PyObject_GenericGetAttr returns a new reference or NULL with an exception
            // set.
            return Ok(unsafe { Bound::from_owned_ptr_or_err(py, attribute) }?);
        }
        let cache = neuron_attribute_cache(py);
        if let Some(cached) = cache.get_item(name)? {
            return Ok(cached);
        }
        let text = name.to_str()?;
        if is_point_process_name(py, text)? {
            let factory = Bound::new(py, PointProcessFactory::new(text))?.into_any();
            cache.set_item(name, &factory)?;
            return Ok(factory);
        }
        let h = slf.borrow().h(py)?;
        let Some(value) = h.getattr_opt(name)? else {
            // __getattr__ below words the error.
            return Err(PyAttributeError::new_err(name.clone().unbind()).into());
        };
        let stable = neuron_kind(&value)? == NeuronKind::Callable;
        let attribute = patch_attribute(value, || Ok(guards::of_function(text)))?;
        if stable {
            cache.set_item(name, &attribute)?;
        }
        Ok(attribute)
    }

    /// Only reached for names neither Patch nor NEURON has.
    fn __getattr__(&self, py: Python<'_>, name: &Bound<'_, PyString>) -> PatchResult<()> {
        Err(unknown_attribute("NEURON", &self.h(py)?, name).into())
    }

    /// Sets a NEURON variable. Names NEURON does not have are refused rather than stored,
    /// so a typo such as `p.celcius = 37` cannot go unnoticed.
    fn __setattr__(
        &self,
        py: Python<'_>,
        name: &Bound<'_, PyString>,
        value: &Bound<'_, PyAny>,
    ) -> PatchResult<()> {
        let h = self.h(py)?;
        if h.hasattr(name)? {
            Ok(with_stray_error(py, h.setattr(name, unwrap(value)?))?)
        } else {
            Err(unknown_attribute("NEURON", &h, name).into())
        }
    }

    fn __delattr__(&self, name: &Bound<'_, PyString>) -> PyResult<()> {
        Err(PyAttributeError::new_err(format!(
            "NEURON's '{name}' cannot be deleted"
        )))
    }

    fn __dir__<'py>(slf: &Bound<'py, Self>) -> PatchResult<Bound<'py, PyList>> {
        let py = slf.py();
        let names = slf.borrow().h(py)?.dir()?;
        for own in slf.get_type().dir()? {
            if !names.contains(&own)? {
                names.append(own)?;
            }
        }
        names.sort()?;
        Ok(names)
    }

    fn __repr__(&self) -> &'static str {
        "<patch interpreter p: NEURON's h with Patch's sugar>"
    }

    /// A new section: `p.Section(name="soma")`.
    #[pyo3(signature = (*args, **kwargs))]
    #[allow(non_snake_case)]
    fn Section<'py>(
        &self,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        Section::create(args.py(), args, kwargs)
    }

    /// Every section, as Patch sections (NEURON's `allsec()`). Sections you let go of are
    /// gone, as in NEURON.
    fn allsec(&self, py: Python<'_>) -> PyResult<WrappingIterator> {
        guards::collect_unreachable(py)?;
        let sections = neuron_call(py, || self.h(py)?.call_method0("allsec"))?;
        Ok(WrappingIterator::over(sections.try_iter()?.into_any()))
    }

    /// The accessed section as a Patch section.
    fn cas<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        accessed_section(py)
    }

    /// `SectionRef(section)` or `SectionRef(sec=section)`; no section means the accessed one.
    #[pyo3(signature = (*args, sec = None))]
    #[allow(non_snake_case)]
    fn SectionRef<'py>(
        &self,
        args: &Bound<'py, PyTuple>,
        sec: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = args.py();
        let section =
            match (args.len(), sec) {
                (0, Some(section)) => section,
                (0, None) => accessed_section(py)?,
                (1, None) => args.get_item(0)?,
                _ => return Err(PyTypeError::new_err(
                    "SectionRef takes one section: SectionRef(section) or SectionRef(sec=section)",
                )),
            };
        let kwargs = PyDict::new(py);
        kwargs.set_item("sec", unwrap(&section)?)?;
        let h = self.h(py)?;
        let class = h.getattr("SectionRef")?;
        let reference = neuron_call(py, || class.call((), Some(&kwargs)))
            .map_err(|error| typed_neuron_error(py, error, &class))?;
        wrap(reference)
    }

    /// Connects `source` (a Section or Segment means its membrane potential; a point
    /// process or artificial cell; None) to `target` (a point process; None for a spike
    /// detector). `weight` may be a list. Defaults: nrn-patch's weight 0.1, delay 1 ms,
    /// threshold -20 mV; with NEURON's spelling (a `_ref_` pointer source, or positional
    /// `threshold, delay, weight`) NEURON's: weight 0, delay 1 ms, threshold 10 mV.
    #[pyo3(signature = (source, target = None, *args, weight = None, delay = None, threshold = None, sec = None, **attributes))]
    #[allow(non_snake_case, clippy::too_many_arguments)]
    fn NetCon<'py>(
        &self,
        source: &Bound<'py, PyAny>,
        target: Option<Bound<'py, PyAny>>,
        args: &Bound<'py, PyTuple>,
        weight: Option<Bound<'py, PyAny>>,
        delay: Option<f64>,
        threshold: Option<f64>,
        sec: Option<Bound<'py, PyAny>>,
        attributes: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = source.py();
        let target = target.unwrap_or_else(|| py.None().into_bound(py));
        let neuron_spelling = is_nrn_scalar(source)?;
        let settings = Settings::new(py, args, threshold, delay, weight, neuron_spelling)?;
        wiring::connect(py, source, &target, settings, sec, attributes)
    }

    /// Many NetCons in one call through the Rust core: `sources[i]` to `targets[i]`
    /// (Collections or sequences; a Section or Segment source means its membrane
    /// potential; None targets make spike detectors). `weight`, `delay` and `threshold`
    /// are one number for all or one per connection. Returns a Collection.
    #[pyo3(signature = (sources, targets = None, weight = None, delay = None, threshold = None))]
    #[allow(non_snake_case)]
    fn NetCons<'py>(
        &self,
        py: Python<'py>,
        sources: &Bound<'py, PyAny>,
        targets: Option<Bound<'py, PyAny>>,
        weight: Option<Bound<'py, PyAny>>,
        delay: Option<Bound<'py, PyAny>>,
        threshold: Option<Bound<'py, PyAny>>,
    ) -> PatchResult<Bound<'py, Collection>> {
        netcons(py, sources, targets, weight, delay, threshold)
    }

    /// The ParallelContext (one per process).
    #[getter]
    fn parallel<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, ParallelContext>> {
        parallel::context(py)
    }

    /// The ParallelContext: the same one on every call.
    #[allow(non_snake_case)]
    fn ParallelContext<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, ParallelContext>> {
        parallel::context(py)
    }

    /// MPI is initialised when Patch is imported under a launcher; initialising it once a
    /// ParallelContext exists crashes NEURON (nrn#2641), so that is refused.
    fn nrnmpi_init<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        if parallel::existing_context(py).is_some() {
            return Err(ParallelError::new_err(
                "MPI cannot be initialised after a ParallelContext exists (NEURON would crash): \
                 run under mpiexec and import patch first, which initialises MPI",
            ));
        }
        neuron_call(py, || self.h(py)?.call_method0("nrnmpi_init"))
    }

    /// A connection through a GID: `ParallelCon(source, gid)` transmits the spikes of
    /// `source` (a Section, Segment or point process) as `gid` from this rank;
    /// `ParallelCon(gid, target)` delivers the spikes of `gid` to `target` on this rank.
    /// The result's `gid` is the GID. As in nrn-patch, the third positional argument is
    /// `output` (whether other ranks receive a transmitter's spikes); a transmitter takes
    /// NEURON's positional `threshold, delay, weight` after it.
    #[pyo3(signature = (source, target, output = None, *args, weight = None, delay = None, threshold = None, **attributes))]
    #[allow(non_snake_case, clippy::too_many_arguments)]
    fn ParallelCon<'py>(
        &self,
        source: &Bound<'py, PyAny>,
        target: &Bound<'py, PyAny>,
        output: Option<Bound<'py, PyAny>>,
        args: &Bound<'py, PyTuple>,
        weight: Option<Bound<'py, PyAny>>,
        delay: Option<f64>,
        threshold: Option<f64>,
        attributes: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = source.py();
        let context = parallel::context(py)?;
        match (gid_of(source)?, gid_of(target)?) {
            (None, Some(gid)) => {
                let output = output.map_or(Ok(true), |output| output.is_truthy())?;
                let settings = Settings::new(py, args, threshold, delay, weight, false)?;
                let netcon = wiring::connect(
                    py,
                    source,
                    &py.None().into_bound(py),
                    settings,
                    None,
                    attributes,
                )?;
                gid::transmit(&context, gid, &netcon, output)?;
                Ok(netcon)
            }
            (Some(gid), None) => {
                if output.is_some() || !args.is_empty() {
                    let message = format!(
                        "ParallelCon({gid}, target, ...) ignores the positional values after \
                         the target: a receiver has no output flag, threshold, delay or \
                         weight there (nrn-patch 8 ignored them too). Pass weight= and delay="
                    );
                    warn(py, &message)?;
                }
                Ok(gid::receive(
                    &context, gid, target, weight, delay, threshold, attributes,
                )?)
            }
            _ => Err(ParallelConnectError::new_err(
                "ParallelCon needs exactly one integer GID: ParallelCon(source, gid) to \
                 transmit or ParallelCon(gid, target) to receive",
            )),
        }
    }

    /// An artificial cell that fires at the times in `pattern` (ms); Patch's own NMODL
    /// VecStim, compiled on first use.
    #[pyo3(signature = (pattern = None, **attributes))]
    #[allow(non_snake_case)]
    fn VecStim<'py>(
        &self,
        py: Python<'py>,
        pattern: Option<Bound<'py, PyAny>>,
        attributes: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let stimulus = new_vecstim(py, pattern.as_ref())?;
        if let Some(attributes) = attributes {
            for (name, value) in attributes {
                stimulus.setattr(name.cast::<PyString>()?, value)?;
            }
        }
        Ok(stimulus)
    }

    /// Gives each spike source without a GID that CoreNEURON needs one for (sections that
    /// NetCons watch; point processes and artificial cells whose spikes are recorded) a
    /// new GID, beyond those in use on every rank. Collective under MPI: call it on every
    /// rank. Returns the GIDs given on this rank.
    fn assign_gids(&self, py: Python<'_>) -> PyResult<Vec<i64>> {
        assign_gids(py)
    }

    /// Compiles (once, into a per-user cache) and loads the `.mod` files in `path` (a
    /// folder or one file); new point processes become `p.<Name>` factories. Returns the
    /// compiled library.
    fn load_mechanisms(&self, py: Python<'_>, path: PathBuf) -> PatchResult<PathBuf> {
        let files = mod_files_in(&path)?;
        compile_and_load(py, &files)
    }

    /// The morphology in `path` (SWC; `.asc` and `.h5` with MorphIO installed), ready
    /// to `instantiate` as many cells as you need.
    fn load_morphology(&self, py: Python<'_>, path: PathBuf) -> PatchResult<Morphology> {
        Morphology::load(py, path)
    }

    /// A Vector recording `target` (a section, segment, point process or pointer).
    fn record<'py>(&self, target: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let py = target.py();
        let vector = wrap(self.h(py)?.call_method0("Vector")?)?;
        vector.call_method1("record", (target,))
    }

    /// The simulation's time points: one Vector recording `t` from the first
    /// initialisation on, the same object on every access.
    #[getter]
    fn time<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        time_vector(py)
    }

    /// `finitialize(v)`: initialise the simulation, at `v` mV if given.
    #[pyo3(signature = (v = None))]
    fn finitialize(&self, py: Python<'_>, v: Option<f64>) -> PyResult<()> {
        run::initialise(py, v)
    }

    /// Initialises at `v_init` (default: `p.v_init`) and runs until `duration` ms
    /// (default: `p.tstop`); `progress=True` shows a progress bar (tqdm, when installed)
    /// updated from simulation time. `engine="coreneuron"` runs on CoreNEURON and
    /// `threads=n` (or `"auto"`) on n threads, after a check that the model can.
    #[pyo3(signature = (duration = None, v_init = None, progress = false, *, engine = None, threads = None))]
    fn run(
        &self,
        py: Python<'_>,
        duration: Option<f64>,
        v_init: Option<f64>,
        progress: bool,
        engine: Option<Bound<'_, PyAny>>,
        threads: Option<Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let choice = choose(py, engine.as_ref(), threads.as_ref())?;
        run::run(&self.h(py)?, duration, v_init, progress, choice)
    }

    /// NEURON's `continuerun`: runs *until* `tstop` ms (not for `tstop` ms, unlike
    /// nrn-patch 8), without initialising; `engine=` as in `run`.
    #[pyo3(signature = (tstop, *, engine = None, threads = None))]
    fn continuerun(
        &self,
        py: Python<'_>,
        tstop: f64,
        engine: Option<Bound<'_, PyAny>>,
        threads: Option<Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let choice = choose(py, engine.as_ref(), threads.as_ref())?;
        run::continuerun(&self.h(py)?, tstop, choice)
    }

    /// One time step.
    fn fadvance(&self, py: Python<'_>) -> PyResult<()> {
        run::fadvance(&self.h(py)?)
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        visit.call(&self.h)
    }

    fn __clear__(&mut self) {
        self.h = None;
    }
}

/// The GID an argument of ParallelCon is, if it is an integer.
fn gid_of(value: &Bound<'_, PyAny>) -> PyResult<Option<i64>> {
    if value.is_instance_of::<pyo3::types::PyBool>()
        || !value.is_instance_of::<pyo3::types::PyInt>()
    {
        return Ok(None);
    }
    let gid: i64 = value.extract()?;
    if gid < 0 {
        return Err(ParallelConnectError::new_err(format!(
            "GIDs are 0 or more, got {gid}"
        )));
    }
    Ok(Some(gid))
}

/// NEURON's classes, functions and point process factories by name: they never change.
fn neuron_attribute_cache(py: Python<'_>) -> Bound<'_, PyDict> {
    static CACHE: PyOnceLock<Py<PyDict>> = PyOnceLock::new();
    CACHE
        .get_or_init(py, || PyDict::new(py).unbind())
        .bind(py)
        .clone()
}

/// Whether `name` is defined by the interpreter's class (or a Python subclass of it).
fn is_own_attribute(
    slf: &Bound<'_, PythonHocInterpreter>,
    name: &Bound<'_, PyString>,
) -> PyResult<bool> {
    static OWN: PyOnceLock<Py<pyo3::types::PyFrozenSet>> = PyOnceLock::new();
    let py = slf.py();
    let class = slf.get_type();
    if !class.is(py.get_type::<PythonHocInterpreter>()) {
        return class.dir()?.contains(name);
    }
    let own = OWN.get_or_try_init(py, || {
        pyo3::types::PyFrozenSet::new(py, class.dir()?.iter()).map(Bound::unbind)
    })?;
    own.bind(py).contains(name)
}

impl PythonHocInterpreter {
    fn h<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.h
            .as_ref()
            .map(|h| h.bind(py).clone())
            .ok_or_else(|| PyAttributeError::new_err("the interpreter was cleared"))
    }
}
