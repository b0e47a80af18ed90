//! Checks of a NetCon's ends before NEURON sees them. NEURON checks the target only after
//! it attached the source's spike detector to the source's node; when that check fails,
//! the half-made detector stays registered there and is written to after it was freed,
//! once the node goes (measured with plain `neuron.h` under valgrind:
//! `NetCon(s(0.5)._ref_v, IClamp, sec=s)`, then deleting `s`).

use std::collections::HashMap;
use std::sync::Mutex;

use crate::{Arg, Neuron, NrnError, ObjectHandle, Result};

/// What a point process class can do in a network.
#[derive(Clone, Copy)]
struct EventRoles {
    point_process: bool,
    /// It has a NET_RECEIVE block.
    receives: bool,
    /// An artificial cell, which needs no section.
    artificial: bool,
}

/// Per class, keyed by the address of its name (NEURON keeps it for the class's lifetime,
/// and classes loaded later get new names).
static ROLES: Mutex<Option<HashMap<usize, EventRoles>>> = Mutex::new(None);

/// The checks of many NetCon ends, each class asked once. Only what a class can do is
/// remembered (by its name, which NEURON keeps for the class's lifetime), never anything
/// about an object, so one can be used for any number of calls.
pub struct EndChecks {
    neuron: &'static Neuron,
    /// Per class name address; networks use a handful of classes.
    classes: Vec<(usize, EventRoles)>,
}

impl EndChecks {
    pub fn new(neuron: &'static Neuron) -> EndChecks {
        EndChecks {
            neuron,
            classes: Vec::new(),
        }
    }

    /// `Ok` when NetCons can deliver to `target`: a synapse placed in a section, or an
    /// artificial cell, with a NET_RECEIVE block.
    pub(crate) fn target(&mut self, target: &ObjectHandle) -> Result<()> {
        let roles = self.roles(target)?;
        if !roles.point_process || !roles.receives {
            return Err(NrnError::NotEventTarget {
                class: target.class_name(),
            });
        }
        self.placed(target, roles)
    }

    /// `Ok` when `source` can be a NetCon source: a point process placed in a section, or
    /// an artificial cell.
    pub(crate) fn source(&mut self, source: &ObjectHandle) -> Result<()> {
        let roles = self.roles(source)?;
        if !roles.point_process {
            return Err(NrnError::WrongClass {
                expected: "point process or artificial cell",
                actual: source.class_name(),
            });
        }
        self.placed(source, roles)
    }

    fn roles(&mut self, object: &ObjectHandle) -> Result<EventRoles> {
        // SAFETY: `object` is held by its handle; the name's address is only used as a key.
        let class = unsafe { (self.neuron.api.nrn_class_name)(object.as_ptr()) } as usize;
        if let Some((_, roles)) = self.classes.iter().find(|(known, _)| *known == class) {
            return Ok(*roles);
        }
        let roles = self.neuron.event_roles(object)?;
        self.classes.push((class, roles));
        Ok(roles)
    }

    fn placed(&mut self, object: &ObjectHandle, roles: EventRoles) -> Result<()> {
        // A point process in a section has its properties; asked each time (a direct read,
        // no HOC call), so nothing about an object is remembered that could go stale.
        // SAFETY: `object` is held by its handle; nrn_prop_exists only reads it.
        if roles.artificial || unsafe { (self.neuron.api.nrn_prop_exists)(object.as_ptr()) } {
            return Ok(());
        }
        Err(NrnError::Unplaced {
            class: object.class_name(),
        })
    }
}

impl Neuron {
    /// `Ok` when NetCons can deliver to `target`: a synapse placed in a section, or an
    /// artificial cell, with a NET_RECEIVE block.
    pub fn check_event_target(&'static self, target: &ObjectHandle) -> Result<()> {
        EndChecks::new(self).target(target)
    }

    /// `Ok` when `source` can be a NetCon source: a point process placed in a section, or
    /// an artificial cell.
    pub fn check_event_source(&'static self, source: &ObjectHandle) -> Result<()> {
        EndChecks::new(self).source(source)
    }

    fn event_roles(&'static self, object: &ObjectHandle) -> Result<EventRoles> {
        // SAFETY: `object` is held by its handle; the name's address is only used as a key.
        let key = unsafe { (self.api.nrn_class_name)(object.as_ptr()) } as usize;
        let known = ROLES
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get_or_insert_with(HashMap::new)
            .get(&key)
            .copied();
        if let Some(roles) = known {
            return Ok(roles);
        }
        let roles = self.ask_event_roles(&object.class_name())?;
        ROLES
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get_or_insert_with(HashMap::new)
            .insert(key, roles);
        Ok(roles)
    }

    /// From NEURON's `MechanismType(1)`, the table of point processes.
    fn ask_event_roles(&'static self, class: &str) -> Result<EventRoles> {
        let mechanisms = self.new_object("MechanismType", &[Arg::Number(1.0)])?;
        // Selecting an unknown name keeps the selection, so clear it first.
        self.call_method(&mechanisms, "select", &[Arg::Number(-1.0)])?;
        self.call_method(&mechanisms, "select", &[Arg::Str(class)])?;
        let index = self
            .call_method(&mechanisms, "selected", &[])?
            .as_number()
            .unwrap_or(-1.0);
        if index < 0.0 {
            return Ok(EventRoles {
                point_process: false,
                receives: false,
                artificial: false,
            });
        }
        let flag = |method: &str| -> Result<bool> {
            Ok(self
                .call_method(&mechanisms, method, &[Arg::Number(index)])?
                .as_number()
                .is_some_and(|value| value != 0.0))
        };
        Ok(EventRoles {
            point_process: true,
            receives: flag("is_netcon_target")?,
            artificial: flag("is_artificial")?,
        })
    }
}
