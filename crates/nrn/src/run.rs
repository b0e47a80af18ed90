//! Globals and run control through the C API: reading and setting HOC globals, loading
//! HOC files, initialising and advancing the simulation.

use crate::{Arg, Neuron, NrnError, Result, SymbolKind};

impl Neuron {
    /// A global scalar such as `celsius`, `dt` or (after `stdrun.hoc`) `tstop`.
    pub fn global(&self, name: &str) -> Result<f64> {
        if let Ok(symbol) = self.builtin_double(name) {
            // SAFETY: inside the guard; builtin_double checked `symbol` is a scalar built-in C
            // double, so NEURON pushes and pops back its (non-null, static) address, read at once.
            return self.guarded(|api| unsafe {
                (api.nrn_symbol_push)(symbol.0);
                *(api.nrn_double_ptr_pop)()
            });
        }
        // HOC-defined variables keep their value elsewhere; `hoc_ac_` is a built-in scalar
        // to copy it through.
        self.hoc_variable(name)?;
        self.hoc(&format!("hoc_ac_ = {name}"))?;
        self.global("hoc_ac_")
    }

    pub fn set_global(&self, name: &str, value: f64) -> Result<()> {
        if !value.is_finite() {
            return Err(NrnError::InvalidArgument(format!(
                "{name} must be a finite number, got {value}"
            )));
        }
        if let Ok(symbol) = self.builtin_double(name) {
            // SAFETY: as in global: the popped pointer is the built-in double's own static address.
            return self.guarded(|api| unsafe {
                (api.nrn_symbol_push)(symbol.0);
                *(api.nrn_double_ptr_pop)() = value;
            });
        }
        self.hoc_variable(name)?;
        self.set_global("hoc_ac_", value)?;
        self.hoc(&format!("{name} = hoc_ac_"))
    }

    /// Loads a HOC file from NEURON's library, e.g. `stdrun.hoc`.
    pub fn load_file(&'static self, file: &str) -> Result<()> {
        let loaded = self.call_function("load_file", &[Arg::Str(file)])?;
        match loaded.as_number() {
            Some(status) if status != 0.0 => Ok(()),
            _ => Err(NrnError::Hoc(format!("NEURON could not load {file}"))),
        }
    }

    /// `finitialize(v_init)`: initialise the model at membrane potential `v_init`.
    pub fn finitialize(&'static self, v_init: f64) -> Result<()> {
        self.call_function("finitialize", &[Arg::Number(v_init)])
            .map(drop)
    }

    /// Advances the simulation in `fadvance` steps until `t` reaches `tstop`, with the
    /// stopping rule of NEURON's `continuerun`.
    pub fn advance_until(&'static self, tstop: f64) -> Result<()> {
        if !tstop.is_finite() {
            return Err(NrnError::InvalidArgument(format!(
                "the stop time must be a finite number, got {tstop}"
            )));
        }
        let fadvance = self.symbol_of_kind("fadvance", SymbolKind::Function)?;
        let t = self.builtin_double("t")?;
        let dt = self.builtin_double("dt")?;
        // SAFETY: inside the guard; `fadvance` is a function symbol, and t and dt are built-in C
        // doubles (builtin_double): globals, not SoA data (§8.1), so valid across fadvance.
        self.guarded(|api| unsafe {
            (api.nrn_symbol_push)(t.0);
            let time = (api.nrn_double_ptr_pop)();
            (api.nrn_symbol_push)(dt.0);
            let step = (api.nrn_double_ptr_pop)();
            // fadvance moves t behind Rust's back: read it afresh every step.
            while time.read_volatile() < tstop - step.read_volatile() / 2.0 {
                (api.nrn_function_call)(fadvance.0, 0);
                (api.nrn_double_pop)();
            }
        })
    }

    /// A variable defined in HOC, checked by name so it can be spliced into HOC code.
    fn hoc_variable(&self, name: &str) -> Result<()> {
        let is_identifier = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !is_identifier {
            return Err(NrnError::InvalidArgument(format!(
                "{name:?} is not a variable name"
            )));
        }
        self.symbol_of_kind(name, SymbolKind::Variable).map(drop)
    }
}
