//! Building many objects in one call: one guard and one symbol lookup for the whole batch,
//! no Python in between. On an error nothing of the batch is left behind.

use std::ffi::CStr;
use std::ptr::NonNull;

use crate::ffi::{Object, Section};
use crate::section::check_location;
use crate::symbols::c_string;
use crate::{Neuron, NrnError, ObjectHandle, Result, SectionHandle, SymbolKind};

/// Where a NetCon takes its spikes from.
#[derive(Clone, Copy, Debug)]
pub enum Source<'a> {
    /// A point process or artificial cell.
    Object(&'a ObjectHandle),
    /// Threshold crossings of the membrane potential at `x` of a section.
    Voltage { section: &'a SectionHandle, x: f64 },
    /// None: events come only from `NetCon.event()`.
    Nothing,
}

/// One NetCon of a batch.
#[derive(Clone, Copy, Debug)]
pub struct NetConSpec<'a> {
    pub source: Source<'a>,
    pub target: Option<&'a ObjectHandle>,
    pub threshold: f64,
    pub delay: f64,
    pub weight: f64,
}

/// A batch entry resolved to raw pointers, so the guarded loop does nothing but call.
enum RawSource {
    Object(*mut Object),
    Voltage(*mut Section, f64),
    Nothing,
}

impl Neuron {
    /// `count` new instances of an artificial cell class such as `NetStim` or `IntFire1`.
    pub fn new_artificial_cells(
        &'static self,
        class: &str,
        count: usize,
    ) -> Result<Vec<ObjectHandle>> {
        let class = self.symbol_of_kind(class, SymbolKind::Class)?;
        self.batch(count, |api, created| {
            for _ in 0..count {
                // SAFETY: inside the guard (batch); `class` is a non-null class symbol from
                // symbol_of_kind, so nrn_object_new never gets a NULL Symbol* (neuron-capi.md §4).
                created.push(unsafe { (api.nrn_object_new)(class.0, 0) });
            }
        })
    }

    /// One point process of `class` at each `(section, x)`.
    pub fn new_point_processes(
        &'static self,
        class: &str,
        locations: &[(&SectionHandle, f64)],
    ) -> Result<Vec<ObjectHandle>> {
        let class = self.symbol_of_kind(class, SymbolKind::Class)?;
        let mut raw = Vec::with_capacity(locations.len());
        for (section, x) in locations {
            check_location(*x)?;
            raw.push((section.live_ptr()?, *x));
        }
        self.batch(locations.len(), |api, created| {
            for &(section, x) in &raw {
                // SAFETY: inside the guard; every section passed live_ptr and is held by the
                // caller's handle, x passed check_location, `class` is a non-null class symbol; the
                // push is popped.
                unsafe {
                    (api.nrn_section_push)(section);
                    (api.nrn_double_push)(x);
                    let object = (api.nrn_object_new)(class.0, 1);
                    (api.nrn_section_pop)();
                    created.push(object);
                }
            }
        })
    }

    /// One NetCon per spec, made as `NetCon(source, target, threshold, delay, weight)`.
    pub fn new_netcons(&'static self, specs: &[NetConSpec<'_>]) -> Result<Vec<ObjectHandle>> {
        self.new_netcons_checked(specs, &mut crate::EndChecks::new(self))
    }

    /// [`Neuron::new_netcons`] for part of a batch, with the checks of the whole batch.
    pub fn new_netcons_checked(
        &'static self,
        specs: &[NetConSpec<'_>],
        checks: &mut crate::EndChecks,
    ) -> Result<Vec<ObjectHandle>> {
        // Source, target, threshold, delay and weight go on the interpreter stack.
        self.check_can_push(5)?;
        let class = self.symbol_of_kind("NetCon", SymbolKind::Class)?;
        let voltage = self.symbol_of_kind("v", SymbolKind::RangeVariable)?;
        let mut raw = Vec::with_capacity(specs.len());
        for spec in specs {
            let source = match spec.source {
                Source::Object(object) => {
                    checks.source(object)?;
                    RawSource::Object(object.as_ptr())
                }
                Source::Voltage { section, x } => {
                    check_location(x)?;
                    RawSource::Voltage(section.live_ptr()?, x)
                }
                Source::Nothing => RawSource::Nothing,
            };
            for value in [spec.delay, spec.weight] {
                if !value.is_finite() {
                    return Err(NrnError::InvalidArgument(format!(
                        "NetCon delays and weights must be finite numbers, got {value}"
                    )));
                }
            }
            if spec.delay < 0.0 {
                return Err(NrnError::InvalidArgument(format!(
                    "a NetCon delay cannot be negative, got {}",
                    spec.delay
                )));
            }
            if let Some(target) = spec.target {
                checks.target(target)?;
            }
            let target = spec
                .target
                .map_or(std::ptr::null_mut(), ObjectHandle::as_ptr);
            raw.push((source, target, spec.threshold, spec.delay, spec.weight));
        }
        self.batch(specs.len(), |api, created| {
            for (source, target, threshold, delay, weight) in &raw {
                // SAFETY: inside the guard, with OcJump (check_can_push(5)); every end is held by
                // the caller's handle and passed EndChecks or live_ptr/check_location; null is
                // HOC's nil end.
                unsafe {
                    let section = match *source {
                        RawSource::Object(object) => {
                            (api.nrn_object_push)(object);
                            None
                        }
                        RawSource::Voltage(section, x) => {
                            (api.nrn_rangevar_push)(voltage.0, section, x);
                            Some(section)
                        }
                        RawSource::Nothing => {
                            (api.nrn_object_push)(std::ptr::null_mut());
                            None
                        }
                    };
                    (api.nrn_object_push)(*target);
                    (api.nrn_double_push)(*threshold);
                    (api.nrn_double_push)(*delay);
                    (api.nrn_double_push)(*weight);
                    // A pointer source belongs to the accessed section, as with `sec=`.
                    if let Some(section) = section {
                        (api.nrn_section_push)(section);
                    }
                    let netcon = (api.nrn_object_new)(class.0, 5);
                    if section.is_some() {
                        (api.nrn_section_pop)();
                    }
                    created.push(netcon);
                }
            }
        })
    }

    /// Sets the parameter `name` of every object, one value each.
    pub fn set_parameters(
        &self,
        objects: &[ObjectHandle],
        name: &str,
        values: &[f64],
    ) -> Result<()> {
        if objects.len() != values.len() {
            return Err(NrnError::InvalidArgument(format!(
                "{} objects need {} values, got {}",
                objects.len(),
                objects.len(),
                values.len()
            )));
        }
        if objects.is_empty() {
            return Ok(());
        }
        self.check_parameter_of_all(objects, name)?;
        let name = c_string(name)?;
        self.guarded(|api| {
            for (object, value) in objects.iter().zip(values) {
                // SAFETY: inside the guard; check_parameter_of_all found `name` on every object
                // (held by its handle) and, for a range variable, each one still in a section.
                unsafe { (api.nrn_property_set)(object.as_ptr(), name.as_ptr(), *value) };
            }
        })
    }

    /// The parameter `name` of every object.
    pub fn parameters(&self, objects: &[ObjectHandle], name: &str) -> Result<Vec<f64>> {
        if objects.is_empty() {
            return Ok(Vec::new());
        }
        self.check_parameter_of_all(objects, name)?;
        let name = c_string(name)?;
        self.guarded(|api| {
            objects
                .iter()
                // SAFETY: as in set_parameters: check_parameter_of_all vouched for `name` on every
                // object, each held by its handle.
                .map(|object| unsafe { (api.nrn_property_get)(object.as_ptr(), name.as_ptr()) })
                .collect()
        })
    }

    /// `Ok` when every object (all of one class) has the parameter `name` to read or
    /// write: a range variable exists only while its object is in a section, and NEURON
    /// would read or write freed memory for one that lost it.
    fn check_parameter_of_all(&self, objects: &[ObjectHandle], name: &str) -> Result<()> {
        self.same_class(objects)?;
        if !self.parameter_kind(&objects[0], name)? {
            return Ok(());
        }
        match objects
            .iter()
            // SAFETY: each object is held by its handle; nrn_prop_exists only reads it.
            .find(|object| !unsafe { (self.api.nrn_prop_exists)(object.as_ptr()) })
        {
            None => Ok(()),
            Some(lost) => Err(NrnError::LostSection {
                class: lost.class_name(),
            }),
        }
    }

    /// NEURON interns class names: objects of one class share the pointer.
    fn same_class(&self, objects: &[ObjectHandle]) -> Result<()> {
        let class_of =
            // SAFETY: every object passed in is held by its handle; nrn_class_name only reads it.
            |object: &ObjectHandle| unsafe { (self.api.nrn_class_name)(object.as_ptr()) };
        let first = class_of(&objects[0]);
        match objects.iter().find(|object| class_of(object) != first) {
            None => Ok(()),
            Some(other) => Err(NrnError::WrongClass {
                expected: "collection of one class",
                // SAFETY: a class name is a NUL-terminated string NEURON keeps for the class's
                // lifetime, and `other` (held by its handle) keeps its class.
                actual: unsafe { CStr::from_ptr(class_of(other)) }
                    .to_string_lossy()
                    .into_owned(),
            }),
        }
    }

    /// Runs `body` in one guard, collecting the objects it creates; if NEURON fails part
    /// way, the objects made so far are released (and the guard's OcJump restores the
    /// interpreter and section stacks).
    fn batch(
        &'static self,
        count: usize,
        body: impl FnOnce(&crate::ffi::Api, &mut Vec<*mut Object>),
    ) -> Result<Vec<ObjectHandle>> {
        let mut created: Vec<*mut Object> = Vec::with_capacity(count);
        let outcome = self.guarded(|api| body(api, &mut created));
        let handles = created
            .into_iter()
            .filter_map(NonNull::new)
            // SAFETY: each non-null pointer came from nrn_object_new, which hands the caller one
            // reference (neuron-capi.md §2.1); each is taken over exactly once.
            .map(|object| unsafe { ObjectHandle::from_owned(self, object) })
            .collect::<Vec<_>>();
        match outcome {
            Ok(()) if handles.len() == count => Ok(handles),
            Ok(()) => Err(NrnError::Hoc(
                "NEURON returned no object for part of the batch".to_string(),
            )),
            Err(error) => Err(error),
        }
    }
}

impl Neuron {
    /// How many NetCons connect a point process that has lost its place in a section (its
    /// section was deleted), at either end. NEURON 9 crashes initialising a model with one
    /// as target; with one as source, initialising fails half way through rebuilding its
    /// spike detector lists and leaves the others pointing at freed memory.
    pub fn netcons_with_lost_ends(&'static self) -> Result<usize> {
        let netcons = self.new_object("List", &[crate::Arg::Str("NetCon")])?;
        let count = self
            .call_method(&netcons, "count", &[])?
            .as_number()
            .unwrap_or(0.0) as usize;
        let mut lost = 0;
        for index in 0..count {
            let Some(netcon) = self
                .call_method(&netcons, "object", &[crate::Arg::Number(index as f64)])?
                .into_object()
            else {
                continue;
            };
            for end in ["pre", "syn"] {
                if let Some(object) = self.call_method(&netcon, end, &[])?.into_object() {
                    // SAFETY: `object` is held by the handle call_method returned; nrn_prop_exists
                    // only reads it.
                    if !unsafe { (self.api.nrn_prop_exists)(object.as_ptr()) } {
                        lost += 1;
                        break;
                    }
                }
            }
        }
        Ok(lost)
    }
}
