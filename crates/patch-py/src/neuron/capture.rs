//! NEURON's printed output: captured during a call (it goes into the exception) and
//! passed on to `sys.stdout` when the call succeeds.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyString;
use pyo3::PyTypeInfo;

use crate::neuron::errors::hoc_exception;
use crate::neuron::exceptions::HocError;

/// Runs `body` while NEURON's printed output goes to a buffer instead of the terminal.
/// NEURON writes its error reports through Python's `sys.stdout`/`sys.stderr`; Patch puts
/// them in the exception instead. Returns the body's result and the captured text.
pub fn capture_output<R>(py: Python<'_>, body: impl FnOnce() -> R) -> PyResult<(R, String)> {
    static STRING_IO: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let buffer = STRING_IO.import(py, "io", "StringIO")?.call0()?;
    let saved_out = sys_stream(py, c"stdout");
    let saved_err = sys_stream(py, c"stderr");
    set_sys_stream(c"stdout", &buffer);
    set_sys_stream(c"stderr", &buffer);
    let result = body();
    restore_sys_stream(c"stdout", saved_out);
    restore_sys_stream(c"stderr", saved_err);
    if buffer.call_method0("tell")?.extract::<usize>()? == 0 {
        return Ok((result, String::new()));
    }
    let text = buffer.call_method0("getvalue")?;
    let text = text.cast::<PyString>()?.to_cow()?.into_owned();
    Ok((result, text))
}

/// `sys.<name>` (a borrowed reference from the interpreter's sys module), if set.
fn sys_stream<'py>(py: Python<'py>, name: &std::ffi::CStr) -> Option<Bound<'py, PyAny>> {
    // SAFETY: `name` is NUL-terminated and the GIL is held; the result is borrowed (or NULL).
    let stream = unsafe { pyo3::ffi::PySys_GetObject(name.as_ptr()) };
    // SAFETY: not NULL (checked), and sys keeps the stream alive while we take our own
    // reference.
    (!stream.is_null()).then(|| unsafe { Bound::from_borrowed_ptr(py, stream) })
}

fn set_sys_stream(name: &std::ffi::CStr, stream: &Bound<'_, PyAny>) {
    // SAFETY: `name` is NUL-terminated, `stream` is a live object, the GIL is held; sys takes
    // its own reference.
    unsafe { pyo3::ffi::PySys_SetObject(name.as_ptr(), stream.as_ptr()) };
}

fn restore_sys_stream(name: &std::ffi::CStr, saved: Option<Bound<'_, PyAny>>) {
    let pointer = saved
        .as_ref()
        .map_or(std::ptr::null_mut(), pyo3::Bound::as_ptr);
    // SAFETY: as in `set_sys_stream`; NULL removes the entry, which PySys_SetObject allows.
    unsafe { pyo3::ffi::PySys_SetObject(name.as_ptr(), pointer) };
}

/// Runs a call into NEURON's Python layer: NEURON's printed error report goes into the
/// `HocError` it becomes; on success whatever NEURON printed is passed on to stdout.
pub fn neuron_call<T>(py: Python<'_>, body: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    neuron_call_as::<HocError, _>(py, body)
}

/// [`neuron_call`], raising NEURON's errors as the `HocError` subclass `E`.
pub fn neuron_call_as<E: PyTypeInfo, T>(
    py: Python<'_>,
    body: impl FnOnce() -> PyResult<T>,
) -> PyResult<T> {
    let (result, output) = capture_output(py, body)?;
    match result {
        Ok(value) => {
            pass_on(py, &output)?;
            Ok(value)
        }
        Err(error) => Err(hoc_exception::<E>(py, error, &output)),
    }
}

/// Writes what NEURON printed during a successful call to `sys.stdout`.
pub fn pass_on(py: Python<'_>, output: &str) -> PyResult<()> {
    if !output.is_empty() {
        py.import("sys")?
            .getattr("stdout")?
            .call_method1("write", (output,))?;
    }
    Ok(())
}
