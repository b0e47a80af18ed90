//! Values at a point of a section (`seg.v`, `seg.gnabar_hh`, `seg.hh.gnabar`), read and
//! written through the C API without NEURON's Python objects for the segment or the
//! mechanism.
//!
//! Only what NEURON's own Python layer does with a plain `*pointer = value` is served
//! here: one-number range variables (parameters, assigned and state variables) at a point
//! inside a section. Everything with side effects or special cases in NEURON's Python
//! (`diam`, extracellular, POINTERs, arrays, RANDOM variables, ion variables, the 0 and
//! 1 ends) answers [`SegmentName::Other`], and callers go through NEURON's Python objects.

use std::ffi::c_int;
use std::ptr::NonNull;
use std::sync::Mutex;

use rustc_hash::FxHashMap;

use crate::ffi::Section;
use crate::symbols::SymbolPtr;
use crate::{Neuron, Result, SymbolKind};

/// NEURON's symbol subtypes of mechanism variables that hold one number each: PARAMETER,
/// ASSIGNED and STATE (`nrnocCONST`, `DEP`, `STATE` in `membfunc.h`).
const NUMBER_SUBTYPES: std::ops::RangeInclusive<c_int> = 1..=3;

/// Range variables whose writes NEURON's Python follows up (geometry, extracellular).
const SPECIAL_VARIABLES: [&str; 7] = [
    "diam",
    "vext",
    "i_membrane",
    "i_membrane_",
    "xraxial",
    "xg",
    "xc",
];

/// A one-number range variable (`v`, `g_pas`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RangeVariable(pub(crate) SymbolPtr);

/// A density mechanism (`hh`, `pas`) and a variable of it that is present wherever the
/// mechanism is inserted, read to tell whether it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DensityMechanism {
    probe: RangeVariable,
}

/// What an attribute name means on a segment, as far as the fast path is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SegmentName {
    Variable(RangeVariable),
    Mechanism(DensityMechanism),
    /// Anything else: asked of NEURON's Python objects.
    Other,
}

/// What names mean on segments, learnt once per name (misses too: looking a name up in
/// NEURON is a linear scan); and the variables of mechanisms by mechanism, then short name.
#[derive(Default)]
pub(crate) struct SegmentNames(Mutex<Names>);

#[derive(Default)]
struct Names {
    on_segments: FxHashMap<String, SegmentName>,
    of_mechanisms: FxHashMap<String, FxHashMap<String, Option<RangeVariable>>>,
    of_kind: FxHashMap<SymbolKind, Vec<String>>,
}

impl Neuron {
    /// What `name` means on a segment.
    pub fn segment_name(&self, name: &str) -> SegmentName {
        if let Some(meaning) = self.names().on_segments.get(name) {
            return *meaning;
        }
        // Classified without the lock held: classifying takes the symbol cache's.
        let meaning = self.classify_segment_name(name);
        self.names().on_segments.insert(name.to_string(), meaning);
        meaning
    }

    fn names(&self) -> std::sync::MutexGuard<'_, Names> {
        self.segment_names
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn known_names_of_kind(&self, kind: SymbolKind) -> Option<Vec<String>> {
        self.names().of_kind.get(&kind).cloned()
    }

    pub(crate) fn remember_names_of_kind(&self, kind: SymbolKind, names: Vec<String>) {
        self.names().of_kind.insert(kind, names);
    }

    /// Forgets what names mean: loading mechanisms gives names new meanings.
    pub fn forget_segment_names(&self) {
        *self.names() = Names::default();
    }

    /// The variable `variable` of `mechanism` (`g` of `pas` is `g_pas`).
    pub fn mechanism_variable(&self, mechanism: &str, variable: &str) -> Option<RangeVariable> {
        let known = self
            .names()
            .of_mechanisms
            .get(mechanism)
            .and_then(|variables| variables.get(variable).copied());
        if let Some(found) = known {
            return found;
        }
        let found = match self.segment_name(&format!("{variable}_{mechanism}")) {
            SegmentName::Variable(found) => Some(found),
            _ => None,
        };
        self.names()
            .of_mechanisms
            .entry(mechanism.to_string())
            .or_default()
            .insert(variable.to_string(), found);
        found
    }

    /// `variable` at `x` of `section`, if NEURON has it there: a mechanism that is not
    /// inserted (or anything NEURON refuses) gives `None`, and prints nothing.
    ///
    /// # Safety
    /// `section` must be a live NEURON section kept in memory for the call.
    pub unsafe fn segment_value(
        &self,
        section: NonNull<Section>,
        x: f64,
        variable: RangeVariable,
    ) -> Option<f64> {
        if !inside(x) {
            return None;
        }
        self.quietly(|neuron| {
            // SAFETY: inside the guard; the caller keeps `section` live (see # Safety), x is inside
            // (0, 1) and `variable` is a one-number range variable symbol.
            neuron.guarded(|api| unsafe {
                (api.nrn_rangevar_get)(variable.0 .0, section.as_ptr(), x)
            })
        })
        .ok()
    }

    /// Sets `variable` at `x` of `section`; whether it did (see
    /// [`segment_value`](Self::segment_value)).
    ///
    /// # Safety
    /// As for [`segment_value`](Self::segment_value).
    pub unsafe fn set_segment_value(
        &self,
        section: NonNull<Section>,
        x: f64,
        variable: RangeVariable,
        value: f64,
    ) -> bool {
        inside(x)
            && self
                .quietly(|neuron| {
                    // SAFETY: as in segment_value, whose contract the caller keeps.
                    neuron.guarded(|api| unsafe {
                        (api.nrn_rangevar_set)(variable.0 .0, section.as_ptr(), x, value);
                    })
                })
                .is_ok()
    }

    /// Whether `mechanism` is inserted at `x` of `section`.
    ///
    /// # Safety
    /// As for [`segment_value`](Self::segment_value).
    pub unsafe fn has_mechanism(
        &self,
        section: NonNull<Section>,
        x: f64,
        mechanism: DensityMechanism,
    ) -> bool {
        // SAFETY: the caller keeps segment_value's contract (see # Safety).
        unsafe { self.segment_value(section, x, mechanism.probe) }.is_some()
    }

    /// Runs `body` with NEURON's printed error reports switched off: for callers that have
    /// another way to answer when NEURON refuses (a failure is then no error of the
    /// user's, and must not print one).
    pub fn quietly<R>(&self, body: impl FnOnce(&Neuron) -> Result<R>) -> Result<R> {
        let Some(messages) = NonNull::new(self.execerror_messages) else {
            // Without the switch, refuse rather than print: callers take the other way.
            return Err(crate::NrnError::Hoc(
                "error reports cannot be silenced".into(),
            ));
        };
        // SAFETY: NEURON's `int hoc_execerror_messages`, touched only by NEURON's thread,
        // which this is (calls into NEURON are serialised).
        let saved = unsafe { messages.as_ptr().replace(0) };
        let result = body(self);
        // SAFETY: the same NEURON `int` as above, restored on the same thread.
        unsafe { messages.as_ptr().write(saved) };
        result
    }

    fn classify_segment_name(&self, name: &str) -> SegmentName {
        if SPECIAL_VARIABLES.contains(&name) || name.ends_with("_extracellular") {
            return SegmentName::Other;
        }
        let Ok(symbol) = self.symbol(name) else {
            return SegmentName::Other;
        };
        match self.kind(symbol) {
            SymbolKind::RangeVariable => self
                .number_variable(symbol, name)
                .map_or(SegmentName::Other, SegmentName::Variable),
            SymbolKind::Mechanism => self.probe_of(name).map_or(SegmentName::Other, |probe| {
                SegmentName::Mechanism(DensityMechanism { probe })
            }),
            _ => SegmentName::Other,
        }
    }

    fn number_variable(&self, symbol: SymbolPtr, name: &str) -> Option<RangeVariable> {
        // SAFETY: `symbol` is a non-null symbol from the cache; symbols live as long as the
        // process.
        let subtype = unsafe { (self.api.nrn_symbol_subtype)(symbol.0) };
        // SAFETY: as above.
        let is_array = unsafe { (self.api.nrn_symbol_is_array)(symbol.0) };
        let number = name == "v" || NUMBER_SUBTYPES.contains(&subtype);
        (number && !is_array).then_some(RangeVariable(symbol))
    }

    /// A one-number variable of the mechanism `name` (`gnabar_hh` of `hh`), found among
    /// NEURON's built-in symbols. Ions name theirs without the suffix: none is found.
    fn probe_of(&self, name: &str) -> Option<RangeVariable> {
        if name == "extracellular" || name.ends_with("_ion") {
            return None;
        }
        let suffix = format!("_{name}");
        let mut found = None;
        self.for_each_builtin(|symbol, symbol_name| {
            if symbol_name.ends_with(&suffix) && self.kind(symbol) == SymbolKind::RangeVariable {
                found = self.number_variable(symbol, "");
            }
            found.is_none()
        });
        found
    }
}

/// Strictly inside the section: NEURON's Python treats the 0 and 1 ends apart.
fn inside(x: f64) -> bool {
    x > 0.0 && x < 1.0
}
