//! NEURON's symbol tables: looking names up once (cached for the life of the process),
//! what kind of thing a name is, and listing names for suggestions.

use std::collections::HashMap;
use std::ffi::{c_int, CString};
use std::sync::Mutex;

use crate::ffi::{Api, Symbol};
use crate::{Neuron, NrnError, Result};

/// A NEURON symbol. Symbols live as long as the process, so the pointer can be cached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SymbolPtr(pub(crate) *mut Symbol);

// SAFETY: a SymbolPtr is only the address of a Symbol that lives as long as the process;
// it is dereferenced only by NEURON, through a `&Neuron` on a thread allowed to call it.
unsafe impl Send for SymbolPtr {}

#[derive(Default)]
pub(crate) struct SymbolCache(Mutex<HashMap<String, SymbolPtr>>);

/// What a name means to NEURON.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SymbolKind {
    /// A class: `Vector`, `IClamp`, a HOC template.
    Class,
    /// A density mechanism to `insert`: `hh`, `pas`.
    Mechanism,
    /// A range variable: `v`, `gnabar_hh`.
    RangeVariable,
    /// A scalar variable: `celsius`, `dt`, `tstop`.
    Variable,
    /// A function or procedure: `finitialize`, `fadvance`.
    Function,
    /// Anything else (object references, strings, sections, ...).
    Other,
}

impl SymbolKind {
    pub fn describe(self) -> &'static str {
        match self {
            SymbolKind::Class => "class",
            SymbolKind::Mechanism => "density mechanism",
            SymbolKind::RangeVariable => "range variable",
            SymbolKind::Variable => "variable",
            SymbolKind::Function => "function",
            SymbolKind::Other => "name of another kind",
        }
    }
}

/// NEURON's symbol type codes are parser token numbers that differ between versions, so
/// they are read from well-known symbols at start-up instead of being hard-coded.
pub(crate) struct SymbolKinds {
    class: c_int,
    mechanism: c_int,
    range_variable: c_int,
    variable: c_int,
    functions: Vec<c_int>,
    /// Subtype of built-in C doubles (`celsius`, `dt`), whose address the symbol holds.
    pub(crate) builtin_double: c_int,
}

impl SymbolKinds {
    pub(crate) fn read(api: &Api, fpycall: *mut std::ffi::c_void) -> Result<SymbolKinds> {
        let lookup = |name: &str| {
            let c_name = CString::new(name).unwrap_or_default();
            // SAFETY: `c_name` is NUL-terminated; nrn_symbol only scans NEURON's tables (NULL when
            // the name is unknown, no error), on the attaching thread under the loading lock.
            let symbol = unsafe { (api.nrn_symbol)(c_name.as_ptr()) };
            if symbol.is_null() {
                Err(NrnError::UnknownName {
                    kind: "built-in symbol",
                    name: name.to_string(),
                    hint: " (is this NEURON >= 9.0, initialised?)".to_string(),
                })
            } else {
                Ok(symbol)
            }
        };
        let type_of =
            // SAFETY: `symbol` is non-null (lookup); symbols live as long as the process.
            |name: &str| lookup(name).map(|symbol| unsafe { (api.nrn_symbol_type)(symbol) });
        Ok(SymbolKinds {
            class: type_of("Vector")?,
            mechanism: type_of("hh")?,
            range_variable: type_of("v")?,
            variable: type_of("celsius")?,
            functions: function_types(api, fpycall, &type_of)?,
            builtin_double: lookup("celsius")
                // SAFETY: `symbol` is non-null (lookup); symbols live as long as the process.
                .map(|symbol| unsafe { (api.nrn_symbol_subtype)(symbol) })?,
        })
    }

    pub(crate) fn classify(&self, symbol_type: c_int) -> SymbolKind {
        match symbol_type {
            t if t == self.class => SymbolKind::Class,
            t if t == self.mechanism => SymbolKind::Mechanism,
            t if t == self.range_variable => SymbolKind::RangeVariable,
            t if t == self.variable => SymbolKind::Variable,
            t if self.functions.contains(&t) => SymbolKind::Function,
            _ => SymbolKind::Other,
        }
    }
}

/// The token numbers of everything callable: built-in functions, and the HOC-defined
/// procedures, functions and object functions, learnt from three that Patch defines.
/// Calling anything else through `nrn_function_call` crashes NEURON's error recovery.
fn function_types(
    api: &Api,
    fpycall: *mut std::ffi::c_void,
    type_of: &dyn Fn(&str) -> Result<c_int>,
) -> Result<Vec<c_int>> {
    let definitions = "proc patch_kind_proc() {}\n\
                       func patch_kind_func() { return 0 }\n\
                       obfunc patch_kind_obfunc() { localobj o return o }\n";
    let definitions = c_string(definitions)?;
    // SAFETY: inside the guard; `definitions` is a NUL-terminated string alive for the call.
    let status = crate::guard::run_guarded(api, fpycall, |api| unsafe {
        (api.nrn_hoc_call)(definitions.as_ptr())
    })?;
    if status != 0 {
        return Err(NrnError::Hoc(
            "NEURON refused Patch's kind-probing HOC definitions".to_string(),
        ));
    }
    let mut types = Vec::new();
    for name in [
        "finitialize",
        "sqrt",
        "secname",
        "patch_kind_proc",
        "patch_kind_func",
        "patch_kind_obfunc",
    ] {
        let symbol_type = type_of(name)?;
        if !types.contains(&symbol_type) {
            types.push(symbol_type);
        }
    }
    Ok(types)
}

impl Neuron {
    /// Looks a global name up once; later lookups come from the cache.
    pub(crate) fn symbol(&self, name: &str) -> Result<SymbolPtr> {
        let mut cache = self
            .symbols
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(symbol) = cache.get(name) {
            return Ok(*symbol);
        }
        let c_name = c_string(name)?;
        // SAFETY: `c_name` is NUL-terminated; nrn_symbol only scans NEURON's tables (NULL when the
        // name is unknown), on a thread allowed to call NEURON (`&Neuron`).
        let symbol = unsafe { (self.api.nrn_symbol)(c_name.as_ptr()) };
        if symbol.is_null() {
            return Err(NrnError::UnknownName {
                kind: "name",
                name: name.to_string(),
                hint: String::new(),
            });
        }
        cache.insert(name.to_string(), SymbolPtr(symbol));
        Ok(SymbolPtr(symbol))
    }

    /// Calls `visit` with each of NEURON's built-in symbols (mechanisms, their variables,
    /// functions) and its name, until `visit` answers false.
    pub(crate) fn for_each_builtin(&self, visit: impl FnMut(SymbolPtr, &str) -> bool) {
        // SAFETY: nrn_global_symbol_table takes no arguments and only returns a pointer.
        let table = unsafe { (self.api.nrn_global_symbol_table)() };
        self.for_each_in(table, visit);
    }

    /// The names of the members of the class `class` (a template or a point process).
    pub(crate) fn member_names(&self, class: &str) -> Vec<String> {
        let mut names = Vec::new();
        // Only a class's symbol has a table (anything else would be read as one).
        let class = self.symbol(class).ok();
        if let Some(class) = class.filter(|class| self.kind(*class) == SymbolKind::Class) {
            // SAFETY: `class` is a non-null class symbol, the only kind that has a table to return.
            let table = unsafe { (self.api.nrn_symbol_table)(class.0) };
            self.for_each_in(table, |_, name| {
                names.push(name.to_string());
                true
            });
        }
        names
    }

    fn for_each_in(
        &self,
        table: *mut crate::ffi::Symlist,
        mut visit: impl FnMut(SymbolPtr, &str) -> bool,
    ) {
        if table.is_null() {
            return;
        }
        // SAFETY: inside the guard; `table` is a non-null NEURON symbol list, the iterator is freed
        // after use, and each name is a NUL-terminated string of a live symbol, read at once.
        let _ = self.guarded(|api| unsafe {
            let iterator = (api.nrn_symbol_table_iterator_new)(table);
            while (api.nrn_symbol_table_iterator_done)(iterator) == 0 {
                let symbol = (api.nrn_symbol_table_iterator_next)(iterator);
                if symbol.is_null() {
                    break;
                }
                let name = std::ffi::CStr::from_ptr((api.nrn_symbol_name)(symbol));
                if let Ok(name) = name.to_str() {
                    if !visit(SymbolPtr(symbol), name) {
                        break;
                    }
                }
            }
            (api.nrn_symbol_table_iterator_free)(iterator);
        });
    }

    /// The names of NEURON's built-in symbols of `kind` (every density mechanism, every
    /// range variable), for suggestions; listed once until mechanisms are loaded.
    pub fn names_of_kind(&self, kind: SymbolKind) -> Vec<String> {
        if let Some(known) = self.known_names_of_kind(kind) {
            return known;
        }
        let mut names = Vec::new();
        self.for_each_builtin(|symbol, name| {
            if self.kind(symbol) == kind {
                names.push(name.to_string());
            }
            true
        });
        self.remember_names_of_kind(kind, names.clone());
        names
    }

    /// What `name` is to NEURON, or `None` when NEURON does not know it.
    pub fn kind_of(&self, name: &str) -> Option<SymbolKind> {
        let symbol = self.symbol(name).ok()?;
        Some(self.kind(symbol))
    }

    pub(crate) fn kind(&self, symbol: SymbolPtr) -> SymbolKind {
        self.kinds
            // SAFETY: a SymbolPtr holds only a non-null NEURON symbol, which lives as long as the
            // process.
            .classify(unsafe { (self.api.nrn_symbol_type)(symbol.0) })
    }

    /// The symbol of `name`, which must be of the `expected` kind.
    pub(crate) fn symbol_of_kind(&self, name: &str, expected: SymbolKind) -> Result<SymbolPtr> {
        let symbol = self.symbol(name).map_err(|_| NrnError::UnknownName {
            kind: expected.describe(),
            name: name.to_string(),
            hint: String::new(),
        })?;
        let actual = self.kind(symbol);
        if actual == expected {
            Ok(symbol)
        } else {
            Err(NrnError::WrongKind {
                name: name.to_string(),
                expected: expected.describe(),
                actual: actual.describe().to_string(),
            })
        }
    }
}

/// Names cross into C as NUL-terminated strings; an interior NUL is a user error.
pub(crate) fn c_string(text: &str) -> Result<CString> {
    CString::new(text)
        .map_err(|_| NrnError::InvalidArgument(format!("{text:?} contains a NUL character")))
}
