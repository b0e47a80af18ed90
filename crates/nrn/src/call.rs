//! Calling into HOC: arguments pushed on NEURON's stack, functions, methods and new
//! objects, results popped back as Rust values.

use std::ffi::{c_char, c_int, CStr, CString};
use std::ptr::NonNull;

use crate::ffi::{stack, Api, Object, ObjectPop, Section, TemporaryUnref};
use crate::section::check_location;
use crate::symbols::{c_string, SymbolPtr};
use crate::{Neuron, NrnError, ObjectHandle, Result, SectionHandle, SymbolKind};

/// An argument of a NEURON call.
#[derive(Debug)]
pub enum Arg<'a> {
    Number(f64),
    Str(&'a str),
    Object(&'a ObjectHandle),
    /// A pointer to a range variable at `x` of a section, e.g. `&v(0.5)` for recording.
    RangeRef {
        section: &'a SectionHandle,
        x: f64,
        variable: &'a str,
    },
    /// A pointer to a built-in scalar, e.g. `&t`.
    VariableRef(&'a str),
}

/// What a NEURON call returned.
#[derive(Debug)]
pub enum Value {
    Number(f64),
    Str(String),
    Object(Option<ObjectHandle>),
}

impl Value {
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Value::Number(number) => Some(*number),
            _ => None,
        }
    }

    pub fn into_object(self) -> Option<ObjectHandle> {
        match self {
            Value::Object(object) => object,
            _ => None,
        }
    }
}

/// An argument resolved and validated before entering NEURON, so the guarded body is
/// nothing but pushes.
enum Pushable {
    Number(f64),
    Str(*mut c_char),
    Object(*mut Object),
    Range(SymbolPtr, *mut Section, f64),
    Variable(SymbolPtr),
}

impl Neuron {
    /// Runs HOC code, as a line typed at NEURON's `oc>` prompt. Errors, syntax errors
    /// included, come back as [`NrnError::Hoc`].
    pub fn hoc(&self, code: &str) -> Result<()> {
        let code = c_string(&format!("{code}\n"))?;
        // SAFETY: inside the guard; `code` is a NUL-terminated string alive for the call.
        let status = self.guarded(|api| unsafe { (api.nrn_hoc_call)(code.as_ptr()) })?;
        // NEURON returns non-zero when it caught the error itself (outside the guard's
        // OcJump), after printing the reason.
        if status == 0 {
            Ok(())
        } else {
            Err(NrnError::Hoc(
                "the HOC code failed; NEURON printed the reason".to_string(),
            ))
        }
    }

    /// `new Class(args...)`.
    pub fn new_object(&'static self, class: &str, args: &[Arg<'_>]) -> Result<ObjectHandle> {
        let class = self.symbol_of_kind(class, SymbolKind::Class)?;
        let (pushables, _strings) = self.resolve_args(args)?;
        let count = self.arg_count(&pushables)?;
        // SAFETY: inside the guard; `class` is a non-null class symbol, the pushables were checked
        // by resolve_args and outlive the call (`args`, `_strings`), `count` passed check_can_push.
        let object = self.guarded(|api| unsafe {
            push_all(api, &pushables);
            (api.nrn_object_new)(class.0, count)
        })?;
        self.owned(object, "new object")
    }

    /// A point process (`IClamp`, `ExpSyn`, ...) placed at `x` on `section`.
    pub fn new_point_process(
        &'static self,
        class: &str,
        section: &SectionHandle,
        x: f64,
    ) -> Result<ObjectHandle> {
        let class = self.symbol_of_kind(class, SymbolKind::Class)?;
        let section = section.live_ptr()?;
        check_location(x)?;
        // SAFETY: inside the guard; `section` passed live_ptr and is held by the caller's handle,
        // x passed check_location, `class` is a non-null class symbol; the push is popped.
        let object = self.guarded(|api| unsafe {
            (api.nrn_section_push)(section);
            (api.nrn_double_push)(x);
            let object = (api.nrn_object_new)(class.0, 1);
            (api.nrn_section_pop)();
            object
        })?;
        self.owned(object, "new point process")
    }

    /// `object.method(args...)`.
    pub fn call_method(
        &'static self,
        object: &ObjectHandle,
        method: &str,
        args: &[Arg<'_>],
    ) -> Result<Value> {
        let symbol = self.member(object, method)?;
        let (pushables, _strings) = self.resolve_args(args)?;
        let count = self.arg_count(&pushables)?;
        let target = object.as_ptr();
        let object_pop = self.object_pop;
        // SAFETY: inside the guard; `target` is held by `object` and `symbol` is its non-null
        // member; pushables as in new_object; the call leaves exactly one result for pop_result.
        let popped = self.guarded(|api| unsafe {
            push_all(api, &pushables);
            (api.nrn_method_call)(target, symbol.0, count);
            pop_result(api, object_pop)
        })?;
        self.value(popped)
    }

    /// `function(args...)` for a built-in or HOC-defined function or procedure.
    pub fn call_function(&'static self, function: &str, args: &[Arg<'_>]) -> Result<Value> {
        let symbol = self.symbol(function).map_err(|_| NrnError::UnknownName {
            kind: "function",
            name: function.to_string(),
            hint: String::new(),
        })?;
        match self.kind(symbol) {
            SymbolKind::Function => {}
            kind => {
                return Err(NrnError::WrongKind {
                    name: function.to_string(),
                    expected: "function",
                    actual: kind.describe().to_string(),
                })
            }
        }
        let (pushables, _strings) = self.resolve_args(args)?;
        let count = self.arg_count(&pushables)?;
        let object_pop = self.object_pop;
        // SAFETY: inside the guard; `symbol` is a non-null function symbol (kind checked above);
        // pushables as in new_object; the call leaves exactly one result for pop_result.
        let popped = self.guarded(|api| unsafe {
            push_all(api, &pushables);
            (api.nrn_function_call)(symbol.0, count);
            pop_result(api, object_pop)
        })?;
        self.value(popped)
    }

    /// `name` of `object` if it is one number, read and written in Python as a float (a
    /// parameter of a placed point process that is not an array); else None.
    /// [`NrnError::LostSection`] for a range variable of a point process that has no
    /// section (read through NEURON's Python, it would print a report besides).
    pub fn plain_number(&self, object: &ObjectHandle, name: &str) -> Result<Option<f64>> {
        let Some(name) = self.plain_number_name(object, name)? else {
            return Ok(None);
        };
        let target = object.as_ptr();
        Ok(self
            // SAFETY: inside the guard; plain_number_name found `name` as a range variable of the
            // object (held by `object`) and checked that the object still has its properties.
            .guarded(|api| unsafe { (api.nrn_property_get)(target, name.as_ptr()) })
            .ok())
    }

    /// Sets `name` of `object` if it is one number (see [`Neuron::plain_number`]); whether
    /// it did.
    pub fn set_plain_number(&self, object: &ObjectHandle, name: &str, value: f64) -> Result<bool> {
        let Some(name) = self.plain_number_name(object, name)? else {
            return Ok(false);
        };
        let target = object.as_ptr();
        Ok(self
            // SAFETY: as in plain_number, checked by plain_number_name; the object is held by
            // `object`.
            .guarded(|api| unsafe { (api.nrn_property_set)(target, name.as_ptr(), value) })
            .is_ok())
    }

    fn plain_number_name(&self, object: &ObjectHandle, name: &str) -> Result<Option<CString>> {
        // Names of the user's own are asked here too: no suggestions looked for.
        let Some(symbol) = self.member_symbol(object, name) else {
            return Ok(None);
        };
        if self.kind(symbol) != SymbolKind::RangeVariable {
            return Ok(None);
        }
        // SAFETY: `object` is held by its handle; nrn_prop_exists only reads it.
        if !unsafe { (self.api.nrn_prop_exists)(object.as_ptr()) } {
            return Err(NrnError::LostSection {
                class: object.class_name(),
            });
        }
        // SAFETY: `symbol` is a non-null member symbol from nrn_method_symbol, and symbols live as
        // long as the process.
        let plain = !unsafe { (self.api.nrn_symbol_is_array)(symbol.0) };
        Ok(plain.then(|| c_string(name).ok()).flatten())
    }

    /// A numeric parameter of a point process or artificial cell (`amp`, `interval`).
    pub fn property(&self, object: &ObjectHandle, name: &str) -> Result<f64> {
        self.parameter(object, name)?;
        let name = c_string(name)?;
        let target = object.as_ptr();
        // SAFETY: inside the guard; parameter() found `name` as a member (so no NULL Symbol*, §4)
        // and, for a range variable, that the object (held by `object`) is still in a section.
        self.guarded(|api| unsafe { (api.nrn_property_get)(target, name.as_ptr()) })
    }

    pub fn set_property(&self, object: &ObjectHandle, name: &str, value: f64) -> Result<()> {
        self.parameter(object, name)?;
        let name = c_string(name)?;
        let target = object.as_ptr();
        // SAFETY: as in property: parameter() checked `name` on the object held by `object`.
        self.guarded(|api| unsafe { (api.nrn_property_set)(target, name.as_ptr(), value) })
    }

    /// A copy of a Vector's contents.
    pub fn vector_data(&self, vector: &ObjectHandle) -> Result<Vec<f64>> {
        let class = vector.class_name();
        if class != "Vector" {
            return Err(NrnError::WrongClass {
                expected: "Vector",
                actual: class,
            });
        }
        let target = vector.as_ptr();
        // SAFETY: `target` is a Vector (class checked above, so no garbage read, §4) held by
        // `vector`.
        let length = unsafe { (self.api.nrn_vector_capacity)(target) };
        // SAFETY: as above: a live Vector held by `vector`.
        let data = unsafe { (self.api.nrn_vector_data)(target) };
        match usize::try_from(length) {
            Ok(length) if length > 0 && !data.is_null() => {
                // SAFETY: `data` is non-null and holds the Vector's `length` (its size) doubles; it
                // is copied at once, with no call into NEURON in between, while `vector` keeps the
                // Vector alive.
                Ok(unsafe { std::slice::from_raw_parts(data, length) }.to_vec())
            }
            _ => Ok(Vec::new()),
        }
    }

    /// A member of the object's class, if it has one called `name`.
    fn member_symbol(&self, object: &ObjectHandle, name: &str) -> Option<SymbolPtr> {
        let c_name = c_string(name).ok()?;
        // SAFETY: the object is held by its handle and `c_name` is NUL-terminated; an unknown name
        // gives NULL, not an error (neuron-capi.md §3.4).
        let symbol = unsafe { (self.api.nrn_method_symbol)(object.as_ptr(), c_name.as_ptr()) };
        (!symbol.is_null()).then_some(SymbolPtr(symbol))
    }

    /// A member of the object's class; an unknown name is an error naming the closest.
    fn member(&self, object: &ObjectHandle, name: &str) -> Result<SymbolPtr> {
        c_string(name)?;
        let symbol = self.member_symbol(object, name);
        if let Some(symbol) = symbol {
            Ok(symbol)
        } else {
            let class = object.class_name();
            let members = self.member_names(&class);
            let suggestions = crate::suggest::closest(name, members.iter().map(String::as_str));
            let hint = match suggestions.as_slice() {
                [] => String::new(),
                close => format!(". Did you mean: {}?", close.join(", ")),
            };
            Err(NrnError::UnknownName {
                kind: "member",
                name: name.to_string(),
                hint: format!(" on {class}{hint}"),
            })
        }
    }

    /// NEURON reads point process parameters by their index in the mechanism's data, and
    /// other classes' through the class's own accessor, which only some classes have: so
    /// only range variables of point processes and NetCon's numbers are parameters.
    pub(crate) fn parameter(&self, object: &ObjectHandle, name: &str) -> Result<()> {
        self.parameter_kind(object, name).map(drop)
    }

    /// Like [`Neuron::parameter`], and whether the parameter is a range variable (which
    /// only objects still in a section have).
    pub(crate) fn parameter_kind(&self, object: &ObjectHandle, name: &str) -> Result<bool> {
        let symbol = self.member(object, name)?;
        let is_range = self.kind(symbol) == SymbolKind::RangeVariable;
        match self.kind(symbol) {
            // Reading a point process that lost its section reads freed memory.
            SymbolKind::RangeVariable
                // SAFETY: `object` is held by its handle; nrn_prop_exists only reads it.
                if !unsafe { (self.api.nrn_prop_exists)(object.as_ptr()) } =>
            {
                Err(NrnError::LostSection {
                    class: object.class_name(),
                })
            }
            SymbolKind::RangeVariable => Ok(is_range),
            _ if object.class_name() == "NetCon" && NETCON_NUMBERS.contains(&name) => Ok(is_range),
            kind => Err(NrnError::WrongKind {
                name: format!("{}.{name}", object.class_name()),
                expected: "parameter of a point process",
                actual: kind.describe().to_string(),
            }),
        }
    }

    // Boxed so the slots never move: NEURON receives pointers into them.
    #[allow(clippy::vec_box)]
    fn resolve_args(&self, args: &[Arg<'_>]) -> Result<(Vec<Pushable>, Vec<Box<StrSlot>>)> {
        let mut strings = Vec::new();
        let mut pushables = Vec::with_capacity(args.len());
        for arg in args {
            pushables.push(match arg {
                Arg::Number(number) => Pushable::Number(*number),
                Arg::Object(object) => Pushable::Object(object.as_ptr()),
                Arg::Str(text) => {
                    let mut slot = Box::new(StrSlot::new(c_string(text)?));
                    let pointer = slot.as_ptr();
                    strings.push(slot);
                    Pushable::Str(pointer)
                }
                Arg::RangeRef {
                    section,
                    x,
                    variable,
                } => {
                    check_location(*x)?;
                    let symbol = self.symbol_of_kind(variable, SymbolKind::RangeVariable)?;
                    Pushable::Range(symbol, section.live_ptr()?, *x)
                }
                Arg::VariableRef(name) => Pushable::Variable(self.builtin_double(name)?),
            });
        }
        Ok((pushables, strings))
    }

    /// A built-in C double such as `t` or `dt`: its symbol holds the variable's address.
    pub(crate) fn builtin_double(&self, name: &str) -> Result<SymbolPtr> {
        let symbol = self.symbol_of_kind(name, SymbolKind::Variable)?;
        // SAFETY: `symbol` is a non-null symbol from the cache; symbols live as long as the
        // process.
        let subtype = unsafe { (self.api.nrn_symbol_subtype)(symbol.0) };
        // SAFETY: as above.
        let is_array = unsafe { (self.api.nrn_symbol_is_array)(symbol.0) };
        if subtype == self.kinds.builtin_double && !is_array {
            Ok(symbol)
        } else {
            Err(NrnError::WrongKind {
                name: name.to_string(),
                expected: "built-in scalar such as t or dt",
                actual: "HOC-defined or array variable".to_string(),
            })
        }
    }

    fn owned(&'static self, object: *mut Object, what: &str) -> Result<ObjectHandle> {
        NonNull::new(object)
            // SAFETY: a non-null result of nrn_object_new, whose one reference is ours (§2.1).
            .map(|object| unsafe { ObjectHandle::from_owned(self, object) })
            .ok_or_else(|| NrnError::Hoc(format!("NEURON returned no object for {what}")))
    }

    fn value(&'static self, popped: Popped) -> Result<Value> {
        Ok(match popped {
            Popped::Number(number) => Value::Number(number),
            Popped::Str(text) => Value::Str(text),
            Popped::Object(object) => Value::Object(
                NonNull::new(object)
                    // SAFETY: pop_result took a reference of our own (nrn_object_ref) on the popped
                    // object.
                    .map(|object| unsafe { ObjectHandle::from_owned(self, object) }),
            ),
        })
    }
}

/// NetCon's numbers, read and written through its accessor (`weight` is `weight[0]`, `x`
/// the source's value).
const NETCON_NUMBERS: [&str; 4] = ["delay", "threshold", "weight", "x"];

/// A C string with a stable `char*` slot, since HOC takes strings as `char**`.
struct StrSlot {
    text: CString,
    pointer: *mut c_char,
}

impl StrSlot {
    fn new(text: CString) -> StrSlot {
        StrSlot {
            text,
            pointer: std::ptr::null_mut(),
        }
    }

    fn as_ptr(&mut self) -> *mut c_char {
        self.pointer = self.text.as_ptr().cast_mut();
        (&raw mut self.pointer).cast()
    }
}

impl Neuron {
    /// How many values a call pushes, once it is safe to push them.
    fn arg_count(&self, pushables: &[Pushable]) -> Result<c_int> {
        self.check_can_push(pushables.len())?;
        c_int::try_from(pushables.len())
            .map_err(|_| NrnError::InvalidArgument("too many arguments".to_string()))
    }

    /// Without `OcJump::fpycall`, a call that fails leaves what was pushed on NEURON's
    /// interpreter stack, and the next call reads it as its own arguments: calls that
    /// push more than one value are refused then.
    pub(crate) fn check_can_push(&self, count: usize) -> Result<()> {
        if count <= 1 || self.restores_state_on_error() {
            return Ok(());
        }
        Err(NrnError::MissingSymbol {
            path: self.path().to_owned(),
            symbol: "OcJump::fpycall (needed to call NEURON with several arguments safely)"
                .to_string(),
        })
    }
}

unsafe fn push_all(api: &Api, pushables: &[Pushable]) {
    for pushable in pushables {
        // SAFETY: push_all runs only inside the guard, on pushables from resolve_args whose
        // pointers (handles, boxed string slots, live sections) outlive the call.
        unsafe {
            match *pushable {
                Pushable::Number(number) => (api.nrn_double_push)(number),
                Pushable::Str(text) => (api.nrn_str_push)(text.cast()),
                Pushable::Object(object) => (api.nrn_object_push)(object),
                Pushable::Range(symbol, section, x) => {
                    (api.nrn_rangevar_push)(symbol.0, section, x);
                }
                Pushable::Variable(symbol) => (api.nrn_symbol_push)(symbol.0),
            }
        }
    }
}

enum Popped {
    Number(f64),
    Str(String),
    Object(*mut Object),
}

/// Every call leaves exactly one result on the HOC stack (procedures leave 0), so the top
/// is always ours to inspect.
unsafe fn pop_result(api: &Api, object_pop: Option<(ObjectPop, TemporaryUnref)>) -> Popped {
    // SAFETY: inside the guard, right after a call that left exactly one result (so the stack is
    // not empty); `object_pop` has hoc_objpop/hoc_tobj_unref's signatures (checked releases),
    // a popped object gets our reference before its temporary is released, and a popped
    // string slot is null-checked before it is read.
    unsafe {
        match (api.nrn_stack_type)() {
            stack::OBJECT_VAR | stack::OBJECT_TEMP => match object_pop {
                Some((pop, unref)) => {
                    let slot = pop();
                    let object = *slot;
                    if !object.is_null() {
                        (api.nrn_object_ref)(object);
                    }
                    unref(slot);
                    Popped::Object(object)
                }
                // Without the null-safe pop, leave it to NEURON: popping a number off an
                // object throws, and the guard restores the stack.
                None => Popped::Number((api.nrn_double_pop)()),
            },
            stack::STRING => {
                let text = (api.nrn_str_pop)();
                if text.is_null() || (*text).is_null() {
                    Popped::Str(String::new())
                } else {
                    Popped::Str(CStr::from_ptr(*text).to_string_lossy().into_owned())
                }
            }
            stack::INT => Popped::Number(f64::from((api.nrn_int_pop)())),
            stack::NUMBER => Popped::Number((api.nrn_double_pop)()),
            _ => Popped::Number((api.nrn_double_pop)()),
        }
    }
}
