//! The part of NEURON's C API (`neuronapi.h`, NEURON 9.0) that the crate uses, resolved at
//! run time. Every function may throw a C++ exception, hence `extern "C-unwind"`; call them
//! only inside [`crate::Neuron::guarded`].
#![allow(non_camel_case_types, non_snake_case)]

use std::ffi::{c_char, c_int, c_void};

macro_rules! opaque {
    ($($name:ident),*) => {$(
        #[repr(C)]
        pub struct $name {
            _private: [u8; 0],
        }
    )*};
}
opaque!(Symbol, Object, Section, Symlist, SymbolTableIterator);

/// Values of `nrn_stack_type()` for the top of the HOC stack.
pub mod stack {
    use std::ffi::c_int;
    pub const STRING: c_int = 1;
    pub const NUMBER: c_int = 3;
    pub const OBJECT_VAR: c_int = 4;
    pub const OBJECT_TEMP: c_int = 5;
    pub const INT: c_int = 6;
}

macro_rules! function_table {
    ($($name:ident: fn($($arg:ty),*) $(-> $ret:ty)?;)*) => {
        /// Function pointers into one loaded `libnrniv.so`.
        pub struct Api {
            $(pub $name: unsafe extern "C-unwind" fn($($arg),*) $(-> $ret)?,)*
        }

        impl Api {
            /// # Safety
            /// `library` must be NEURON 9's `libnrniv.so`: signatures cannot be checked.
            pub unsafe fn resolve(library: &libloading::Library) -> Result<Api, String> {
                Ok(Api {$(
                    // SAFETY: the caller promises `library` is NEURON 9's libnrniv, where this
                    // symbol has the signature in this table (neuronapi.h); `Neuron` keeps the
                    // library loaded with the table.
                    $name: unsafe {
                        *library
                            .get(concat!(stringify!($name), "\0").as_bytes())
                            .map_err(|_| stringify!($name).to_string())?
                    },
                )*})
            }
        }
    };
}

function_table! {
    nrn_init: fn(c_int, *const *const c_char) -> c_int;
    nrn_hoc_call: fn(*const c_char) -> c_int;

    nrn_symbol: fn(*const c_char) -> *mut Symbol;
    nrn_symbol_type: fn(*const Symbol) -> c_int;
    nrn_symbol_subtype: fn(*const Symbol) -> c_int;
    nrn_symbol_dataptr: fn(*const Symbol) -> *mut f64;
    nrn_symbol_is_array: fn(*const Symbol) -> bool;
    nrn_symbol_push: fn(*mut Symbol);
    nrn_symbol_name: fn(*const Symbol) -> *const c_char;
    nrn_global_symbol_table: fn() -> *mut Symlist;
    nrn_symbol_table: fn(*const Symbol) -> *mut Symlist;
    nrn_symbol_table_iterator_new: fn(*mut Symlist) -> *mut SymbolTableIterator;
    nrn_symbol_table_iterator_next: fn(*mut SymbolTableIterator) -> *mut Symbol;
    nrn_symbol_table_iterator_done: fn(*mut SymbolTableIterator) -> c_int;
    nrn_symbol_table_iterator_free: fn(*mut SymbolTableIterator);

    nrn_double_push: fn(f64);
    nrn_double_pop: fn() -> f64;
    nrn_double_ptr_pop: fn() -> *mut f64;
    nrn_str_push: fn(*mut *mut c_char);
    nrn_str_pop: fn() -> *mut *mut c_char;
    nrn_int_pop: fn() -> c_int;
    nrn_object_push: fn(*mut Object);
    nrn_object_pop: fn() -> *mut Object;
    nrn_stack_type: fn() -> c_int;

    nrn_function_call: fn(*mut Symbol, c_int);
    nrn_object_new: fn(*mut Symbol, c_int) -> *mut Object;
    nrn_method_symbol: fn(*const Object, *const c_char) -> *mut Symbol;
    nrn_method_call: fn(*mut Object, *mut Symbol, c_int);
    nrn_object_ref: fn(*mut Object);
    nrn_object_unref: fn(*mut Object);
    nrn_class_name: fn(*const Object) -> *const c_char;
    nrn_prop_exists: fn(*const Object) -> bool;
    nrn_property_get: fn(*const Object, *const c_char) -> f64;
    nrn_property_set: fn(*mut Object, *const c_char, f64);
    nrn_vector_capacity: fn(*const Object) -> c_int;
    nrn_vector_data: fn(*mut Object) -> *mut f64;

    nrn_section_new: fn(*const c_char) -> *mut Section;
    nrn_section_connect: fn(*mut Section, f64, *mut Section, f64);
    nrn_section_length_set: fn(*mut Section, f64);
    nrn_section_length_get: fn(*mut Section) -> f64;
    nrn_section_Ra_set: fn(*mut Section, f64);
    nrn_section_Ra_get: fn(*mut Section) -> f64;
    nrn_nseg_set: fn(*mut Section, c_int);
    nrn_nseg_get: fn(*const Section) -> c_int;
    nrn_secname: fn(*mut Section) -> *const c_char;
    nrn_section_push: fn(*mut Section);
    nrn_section_pop: fn();
    nrn_section_is_active: fn(*const Section) -> bool;
    nrn_cas: fn() -> *mut Section;
    nrn_section_ref: fn(*mut Section);
    nrn_section_unref: fn(*mut Section);
    nrn_mechanism_insert: fn(*mut Section, *const Symbol);
    nrn_rangevar_push: fn(*mut Symbol, *mut Section, f64);
    nrn_rangevar_get: fn(*mut Symbol, *mut Section, f64) -> f64;
    nrn_rangevar_set: fn(*mut Symbol, *mut Section, f64, f64);
}

/// Exported C++ symbols that are not part of the C API. Each is optional: detected when the
/// library is attached, with a public fallback used when it is missing.
pub mod internal {
    /// `void* OcJump::fpycall(void* (*)(void*, void*), void*, void*)` in `libnrniv.so`.
    pub const FPYCALL: &[u8] = b"_ZN6OcJump7fpycallEPFPvS0_S0_ES0_S0_\0";
    /// `int tree_changed` in `libnrniv.so`: set when sections are created, deleted or
    /// connected, until NEURON rebuilds its structure.
    pub const TREE_CHANGED: &[u8] = b"tree_changed\0";
    /// `int v_structure_change` in `libnrniv.so`: set when segments change likewise.
    pub const STRUCTURE_CHANGE: &[u8] = b"v_structure_change\0";
    /// `int hoc_execerror_messages` in `libnrniv.so`: whether a HOC error prints its report
    /// (NEURON sets it again after each error).
    pub const EXECERROR_MESSAGES: &[u8] = b"hoc_execerror_messages\0";
    /// `Object** hoc_objpop()` in `libnrniv.so`: pops an object that may be NULLobject
    /// (`nrn_object_pop` dereferences it).
    pub const OBJPOP: &[u8] = b"_Z10hoc_objpopv\0";
    /// `void hoc_tobj_unref(Object**)` in `libnrniv.so`: releases a popped temporary.
    pub const TOBJ_UNREF: &[u8] = b"_Z14hoc_tobj_unrefPP6Object\0";
    /// `PyObject* nrnpy_ho2po(Object*)` in `libnrnpython3.X.so`.
    pub const HO2PO: &[u8] = b"_Z11nrnpy_ho2poP6Object\0";
    /// `Object* nrnpy_po2ho(PyObject*)` in `libnrnpython3.X.so` (returns a new reference).
    pub const PO2HO: &[u8] = b"_Z11nrnpy_po2hoP7_object\0";
    /// `PyObject* newpysechelp(Section*)` in `libnrnpython3.X.so`.
    pub const NEWPYSEC: &[u8] = b"_Z12newpysechelpP7Section\0";
    /// `void nrn_pt3dclear(Section*, int)` in `libnrniv.so`: empties a section's 3-D
    /// points and makes room for that many.
    pub const PT3DCLEAR: &[u8] = b"_Z13nrn_pt3dclearP7Sectioni\0";
    /// `void stor_pt3d(Section*, double, double, double, double)` in `libnrniv.so`:
    /// `pt3dadd` without the section stack.
    pub const STOR_PT3D: &[u8] = b"_Z9stor_pt3dP7Sectiondddd\0";
    /// `void nrn_pt3dstyle1(Section*, double, double, double)` in `libnrniv.so`:
    /// `pt3dstyle(1, x, y, z)`, a logical connection point, without the section stack.
    pub const PT3DSTYLE1: &[u8] = b"_Z14nrn_pt3dstyle1P7Sectionddd\0";
}

pub type Pt3dClear = unsafe extern "C-unwind" fn(*mut Section, c_int);
pub type StorePt3d = unsafe extern "C-unwind" fn(*mut Section, f64, f64, f64, f64);
pub type Pt3dStyle = unsafe extern "C-unwind" fn(*mut Section, f64, f64, f64);

pub type ObjectPop = unsafe extern "C-unwind" fn() -> *mut *mut Object;
pub type TemporaryUnref = unsafe extern "C-unwind" fn(*mut *mut Object);

/// Conversions between NEURON pointers and Python objects (`PyObject*` as `c_void`).
pub type ObjectToPython = unsafe extern "C-unwind" fn(*mut Object) -> *mut c_void;
pub type PythonToObject = unsafe extern "C-unwind" fn(*mut c_void) -> *mut Object;
pub type SectionToPython = unsafe extern "C-unwind" fn(*mut Section) -> *mut c_void;
