//! Loading `libnrniv.so` (attaching to the copy Python loaded, or starting NEURON in a
//! program of its own), resolving the C API's symbols and checking NEURON's release.

use std::ffi::{c_char, c_int, c_void, CString};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use crate::ffi::{self, Api};
use crate::symbols::{SymbolCache, SymbolKinds};
use crate::{NrnError, Result};

/// The environment variable a standalone program reads to find `libnrniv.so`.
pub const LIBRARY_ENV_VAR: &str = "PATCH_LIBNRNIV";

/// The NEURON releases whose internals Patch was checked against (9.0.0 to 9.0.2's
/// sources): the mangled `OcJump::fpycall`, `hoc_objpop`, the conversions of
/// libnrnpython, the structure flags, `struct Object` starting with its refcount, and the
/// layout of `nrn.Section` objects. Other releases are refused when Patch attaches.
pub const VERIFIED_RELEASES: &str = "9.0.";

/// NEURON's release (`nrnversion(0)`, through the public C API).
fn read_version(api: &Api) -> Result<String> {
    let name = CString::new("nrnversion").unwrap_or_default();
    // SAFETY: `name` is NUL-terminated; nrn_symbol only scans NEURON's tables (NULL when the
    // name is unknown, no error), on the attaching thread under the loading lock.
    let symbol = unsafe { (api.nrn_symbol)(name.as_ptr()) };
    if symbol.is_null() {
        return Err(NrnError::UnknownName {
            kind: "built-in function",
            name: "nrnversion".to_string(),
            hint: " (is this NEURON >= 9.0?)".to_string(),
        });
    }
    // SAFETY: inside the guard; `symbol` is nrnversion, non-null, which takes one number and
    // leaves a string; the popped slot is null-checked before it is read.
    crate::guard::run_guarded(api, std::ptr::null_mut(), |api| unsafe {
        (api.nrn_double_push)(0.0);
        (api.nrn_function_call)(symbol, 1);
        let text = (api.nrn_str_pop)();
        if text.is_null() || (*text).is_null() {
            String::new()
        } else {
            std::ffi::CStr::from_ptr(*text)
                .to_string_lossy()
                .into_owned()
        }
    })
}

// glibc's RTLD_NOLOAD: libloading does not re-export it.
const RTLD_NOLOAD: c_int = 0x4;

static INSTANCE: OnceLock<Instance> = OnceLock::new();

/// The process's NEURON and the thread that attached or started it.
struct Instance {
    neuron: Neuron,
    owner: std::thread::ThreadId,
}

// SAFETY: the instance is handed out only to its owner thread (`Neuron::get`, `attach`,
// `standalone`) or to callers that promise to serialise every call into NEURON
// (`Neuron::get_serialized`); a `&Neuron` cannot cross threads by itself (`Neuron` is
// neither `Send` nor `Sync`).
unsafe impl Sync for Instance {}
// SAFETY: as for `Sync` above: the instance only moves into the static `INSTANCE`, which
// hands it out under those rules.
unsafe impl Send for Instance {}

impl Instance {
    /// The NEURON of this thread: refused on any other thread than the owner's.
    fn for_this_thread(&'static self) -> Result<&'static Neuron> {
        if self.owner == std::thread::current().id() {
            Ok(&self.neuron)
        } else {
            Err(NrnError::OtherThread)
        }
    }
}
static LOADING: Mutex<()> = Mutex::new(());

/// The NEURON instance of this process: the loaded library, its resolved functions and the
/// symbol cache. There is at most one, shared by everything in the process.
pub struct Neuron {
    pub(crate) api: Api,
    /// NEURON's release, e.g. `9.0.2` (one of [`VERIFIED_RELEASES`]).
    version: String,
    pub(crate) fpycall: *mut c_void,
    pub(crate) object_pop: Option<(ffi::ObjectPop, ffi::TemporaryUnref)>,
    /// NEURON's functions storing 3-D points without the section stack.
    pub(crate) points_3d: Option<(ffi::Pt3dClear, ffi::StorePt3d, ffi::Pt3dStyle)>,
    /// NEURON's flags of a pending structure rebuild (null when not exported).
    structure_flags: [*const c_int; 2],
    pub(crate) symbols: SymbolCache,
    pub(crate) segment_names: crate::segment::SegmentNames,
    /// NEURON's switch for printing HOC error reports (null when not exported).
    pub(crate) execerror_messages: *mut c_int,
    pub(crate) kinds: SymbolKinds,
    conversions: Conversions,
    path: PathBuf,
    _library: libloading::Library,
    _python_library: Option<libloading::Library>,
}

/// NEURON's internal conversions between its pointers and Python objects, when the loaded
/// `libnrnpython` exports them. Callers keep a public fallback for each missing one.
#[derive(Clone, Copy, Default)]
pub struct Conversions {
    pub object_to_python: Option<ffi::ObjectToPython>,
    pub python_to_object: Option<ffi::PythonToObject>,
    pub section_to_python: Option<ffi::SectionToPython>,
}

/// How to start NEURON in a program without Python.
#[derive(Debug, Clone, Default)]
pub struct Standalone {
    /// `libnrniv.so`; when `None`, the path in [`LIBRARY_ENV_VAR`].
    pub library: Option<PathBuf>,
    /// NEURON's HOC library folder (for `stdrun.hoc`); when `None`, `$NEURONHOME` or the
    /// wheel's `share/nrn` next to the library.
    pub neuron_home: Option<PathBuf>,
}

impl Neuron {
    /// The NEURON instance, once [`attach`](Self::attach) or
    /// [`standalone`](Self::standalone) succeeded on this thread. NEURON is one global,
    /// single-threaded interpreter: other threads get `None` (and a `&Neuron` cannot be
    /// sent to them), so two threads can never call it at once.
    pub fn get() -> Option<&'static Neuron> {
        INSTANCE.get()?.for_this_thread().ok()
    }

    /// The NEURON instance, on any thread.
    ///
    /// # Safety
    /// The caller serialises every call into NEURON made through what this returns with
    /// all other calls into NEURON (Patch's bindings hold the GIL for each), and uses it
    /// only while doing so.
    pub unsafe fn get_serialized() -> Option<&'static Neuron> {
        INSTANCE.get().map(|instance| &instance.neuron)
    }

    /// Joins the `libnrniv.so` already loaded in this process (by `import neuron`), without
    /// loading a second copy or initialising NEURON again. `python_library` is the
    /// `libnrnpython3.X.so` next to it, searched for the fast conversions.
    pub fn attach(library: &Path, python_library: Option<&Path>) -> Result<&'static Neuron> {
        let _loading = lock_loading();
        if let Some(instance) = INSTANCE.get() {
            return instance.for_this_thread();
        }
        let flags = libloading::os::unix::RTLD_NOW | RTLD_NOLOAD;
        let open_loaded = |path: &Path| {
            // SAFETY: with RTLD_NOLOAD this only returns the copy `import neuron` already loaded
            // (or fails), so no library initialiser runs here.
            unsafe { libloading::os::unix::Library::open(Some(path), flags) }
                .map(libloading::Library::from)
                .map_err(|error| NrnError::LibraryLoad {
                    path: path.to_owned(),
                    reason: format!("{error} (is `neuron` imported?)"),
                })
        };
        let library_handle = open_loaded(library)?;
        let python_handle = python_library.and_then(|path| open_loaded(path).ok());
        let api = resolve_api(&library_handle, library)?;
        let neuron = Neuron::new(api, library_handle, python_handle, library)?;
        let owner = std::thread::current().id();
        INSTANCE
            .get_or_init(|| Instance { neuron, owner })
            .for_this_thread()
    }

    /// Loads and initialises NEURON in a program that has no Python, once per process.
    /// The executable must define `modl_reg` ([`crate::export_modl_reg!`]).
    pub fn standalone(options: &Standalone) -> Result<&'static Neuron> {
        let _loading = lock_loading();
        if let Some(instance) = INSTANCE.get() {
            return instance.for_this_thread();
        }
        let path = locate_library(options.library.as_deref())?;
        set_neuron_home(&path, options.neuron_home.as_deref());
        let library =
            // SAFETY: the path is the one given as NEURON's libnrniv (explicit or PATCH_LIBNRNIV);
            // its initialisers expect this, and no NEURON of this crate exists yet (lock held).
            unsafe { libloading::Library::new(&path) }.map_err(|error| NrnError::LibraryLoad {
                path: path.clone(),
                reason: error.to_string(),
            })?;
        let api = resolve_api(&library, &path)?;
        // NEURON keeps argv for the life of the process and asserts it is NULL-terminated.
        // -nopython keeps it from looking for (and loading) a Python of its own.
        let arguments: Vec<&'static CString> = ["nrn-rs", "-nogui", "-nopython"]
            .iter()
            .map(|argument| &*Box::leak(Box::new(CString::new(*argument).unwrap_or_default())))
            .collect();
        let mut argv: Vec<*const c_char> = arguments.iter().map(|a| a.as_ptr()).collect();
        argv.push(std::ptr::null());
        let argc = c_int::try_from(arguments.len()).unwrap_or(0);
        let argv: &'static [*const c_char] = Box::leak(argv.into_boxed_slice());
        // SAFETY: argv is NULL-terminated and leaked, as nrn_init keeps it (neuron-capi.md §2.2);
        // called under the loading lock, before any other call into this NEURON.
        let code = unsafe { (api.nrn_init)(argc, argv.as_ptr()) };
        if code != 0 {
            return Err(NrnError::InitFailed { code });
        }
        let neuron = Neuron::new(api, library, None, &path)?;
        let owner = std::thread::current().id();
        INSTANCE
            .get_or_init(|| Instance { neuron, owner })
            .for_this_thread()
    }

    fn new(
        api: Api,
        library: libloading::Library,
        python_library: Option<libloading::Library>,
        path: &Path,
    ) -> Result<Neuron> {
        // NEURON's internals (mangled functions, globals, object layouts) are used only in
        // the releases they were checked against. The public C API alone cannot pop a NULL
        // object or undo a failed call's pushes, so other releases are refused.
        let version = read_version(&api)?;
        if !version.starts_with(VERIFIED_RELEASES) {
            return Err(NrnError::UncheckedRelease {
                what: "Patch".to_string(),
                version,
                verified: VERIFIED_RELEASES,
            });
        }
        let fpycall = optional_symbol(&library, ffi::internal::FPYCALL);
        // SAFETY: ObjectPop and TemporaryUnref are the signatures of the mangled hoc_objpop and
        // hoc_tobj_unref (ffi::internal) in the releases read_version just accepted.
        let object_pop = unsafe {
            optional_function(&library, ffi::internal::OBJPOP)
                .zip(optional_function(&library, ffi::internal::TOBJ_UNREF))
        };
        // SAFETY: Pt3dClear, StorePt3d and Pt3dStyle are the signatures of the mangled
        // nrn_pt3dclear, stor_pt3d and nrn_pt3dstyle1 (ffi::internal) in the accepted releases.
        let points_3d = unsafe {
            let clear = optional_function(&library, ffi::internal::PT3DCLEAR);
            let store = optional_function(&library, ffi::internal::STOR_PT3D);
            let style = optional_function(&library, ffi::internal::PT3DSTYLE1);
            clear
                .zip(store)
                .zip(style)
                .map(|((clear, store), style)| (clear, store, style))
        };
        let conversions = python_library
            .as_ref()
            // SAFETY: the three types are the signatures of the mangled nrnpy_ho2po, nrnpy_po2ho
            // and newpysechelp (ffi::internal) in the accepted releases.
            .map(|python| unsafe {
                Conversions {
                    object_to_python: optional_function(python, ffi::internal::HO2PO),
                    python_to_object: optional_function(python, ffi::internal::PO2HO),
                    section_to_python: optional_function(python, ffi::internal::NEWPYSEC),
                }
            })
            .unwrap_or_default();
        let kinds = SymbolKinds::read(&api, fpycall)?;
        let structure_flags = [ffi::internal::TREE_CHANGED, ffi::internal::STRUCTURE_CHANGE]
            .map(|name| optional_symbol(&library, name).cast_const().cast::<c_int>());
        Ok(Neuron {
            api,
            version,
            fpycall,
            object_pop,
            points_3d,
            structure_flags,
            symbols: SymbolCache::default(),
            segment_names: crate::segment::SegmentNames::default(),
            execerror_messages: optional_symbol(&library, ffi::internal::EXECERROR_MESSAGES)
                .cast::<c_int>(),
            kinds,
            conversions,
            path: path.to_owned(),
            _library: library,
            _python_library: python_library,
        })
    }

    /// Whether NEURON will rebuild its structure (sections or segments changed) before it
    /// next simulates. True when NEURON does not say.
    pub fn structure_changed(&self) -> bool {
        self.structure_flags
            .iter()
            // SAFETY: a non-null flag is NEURON's `int tree_changed`/`v_structure_change` in the
            // library `self` keeps loaded, read on NEURON's thread (`Neuron` is not Sync).
            .any(|flag| flag.is_null() || unsafe { **flag } != 0)
    }

    /// NEURON's release, e.g. `9.0.2`.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The loaded `libnrniv.so`.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The fast Python conversions that were found (each may be missing).
    pub fn conversions(&self) -> Conversions {
        self.conversions
    }

    /// Whether errors restore NEURON's interpreter state through `OcJump::fpycall`.
    pub fn restores_state_on_error(&self) -> bool {
        !self.fpycall.is_null()
    }
}

/// Loads a shared library with its symbols visible to every later library, for the rest of
/// the process (how NEURON is offered an MPI library before it looks for one).
pub fn load_globally(path: &Path) -> Result<()> {
    let flags = libloading::os::unix::RTLD_NOW | libloading::os::unix::RTLD_GLOBAL;
    let library =
        // SAFETY: loading runs the named library's initialisers, which is the point (an MPI library
        // offered to NEURON, per the caller); nothing is resolved or called from it here.
        unsafe { libloading::os::unix::Library::open(Some(path), flags) }.map_err(|error| {
            NrnError::LibraryLoad {
                path: path.to_owned(),
                reason: error.to_string(),
            }
        })?;
    std::mem::forget(library);
    Ok(())
}

/// Ends MPI (`MPI_Finalize`) if the process has a global MPI library that was initialised and
/// not finalised yet; returns whether it did. MPI launchers treat a rank that exits without
/// it as a crash.
pub fn finalize_mpi() -> bool {
    type Query = unsafe extern "C" fn(*mut c_int) -> c_int;
    type Finalize = unsafe extern "C" fn() -> c_int;
    let process = libloading::os::unix::Library::this();
    // SAFETY: the types are the MPI standard's C signatures of these three functions.
    let symbols = unsafe {
        (
            process.get::<Query>(b"MPI_Initialized\0"),
            process.get::<Query>(b"MPI_Finalized\0"),
            process.get::<Finalize>(b"MPI_Finalize\0"),
        )
    };
    let (Ok(initialized), Ok(finalized), Ok(finalize)) = symbols else {
        return false;
    };
    let (mut started, mut ended) = (0, 0);
    // SAFETY: MPI_Initialized and MPI_Finalized may be called at any time, even before MPI_Init,
    // and each writes one int through a valid pointer.
    unsafe {
        initialized(&raw mut started);
        finalized(&raw mut ended);
    }
    if started == 0 || ended != 0 {
        return false;
    }
    // SAFETY: MPI is initialised and not yet finalised (checked just above).
    unsafe { finalize() == 0 }
}

fn resolve_api(library: &libloading::Library, path: &Path) -> Result<Api> {
    // SAFETY: `library` was opened from the path given as NEURON's libnrniv (the copy `import
    // neuron` loaded, or the standalone path), which is Api::resolve's contract.
    unsafe { Api::resolve(library) }.map_err(|symbol| NrnError::MissingSymbol {
        path: path.to_owned(),
        symbol,
    })
}

fn lock_loading() -> std::sync::MutexGuard<'static, ()> {
    LOADING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// An explicit path wins, then [`LIBRARY_ENV_VAR`]; there is no guessing beyond that.
fn locate_library(explicit: Option<&Path>) -> Result<PathBuf> {
    let path = match explicit {
        Some(path) => path.to_owned(),
        None => std::env::var_os(LIBRARY_ENV_VAR)
            .filter(|value| !value.is_empty())
            .map(PathBuf::from)
            .ok_or(NrnError::LibraryNotFound {
                env_var: LIBRARY_ENV_VAR,
            })?,
    };
    if path.is_file() {
        Ok(path)
    } else {
        Err(NrnError::LibraryLoad {
            path,
            reason: "no such file".to_string(),
        })
    }
}

/// NEURON finds `stdrun.hoc` and friends through NEURONHOME; the wheel keeps them in
/// `share/nrn` next to `lib/`.
fn set_neuron_home(library: &Path, explicit: Option<&Path>) {
    let home = match explicit {
        Some(home) => Some(home.to_owned()),
        None if std::env::var_os("NEURONHOME").is_some() => None,
        None => library
            .parent()
            .map(|lib| lib.join("../share/nrn"))
            .filter(|home| home.is_dir())
            .and_then(|home| home.canonicalize().ok()),
    };
    if let Some(home) = home {
        // SAFETY: runs before NEURON starts and under the loading lock, so nothing of this
        // crate reads the environment meanwhile; other threads of the program must not either.
        unsafe { std::env::set_var("NEURONHOME", home) };
    }
}

fn optional_symbol(library: &libloading::Library, name: &[u8]) -> *mut c_void {
    // SAFETY: read as `*mut c_void` the symbol only yields its address, which is never
    // dereferenced here, so the symbol's real type does not matter.
    unsafe { library.get::<*mut c_void>(name) }.map_or(std::ptr::null_mut(), |symbol| *symbol)
}

/// # Safety
/// `T` must be the function pointer type of the symbol called `name`.
unsafe fn optional_function<T: Copy>(library: &libloading::Library, name: &[u8]) -> Option<T> {
    // SAFETY: the caller promises `T` is the symbol's function pointer type (see # Safety).
    unsafe { library.get::<T>(name) }.ok().map(|symbol| *symbol)
}
