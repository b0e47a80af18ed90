use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyString;

/// Runs `body` while NEURON's printed output goes to a buffer instead of the terminal.
/// NEURON writes its error reports through Python's `sys.stdout`/`sys.stderr`; Patch puts
/// them in the exception instead. Returns the body's result and the captured text.
pub fn capture_output<R>(py: Python<'_>, body: impl FnOnce() -> R) -> PyResult<(R, String)> {
    static SYS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
    static STRING_IO: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let sys = SYS
        .get_or_try_init(py, || py.import("sys").map(Bound::unbind))?
        .bind(py);
    let buffer = STRING_IO.import(py, "io", "StringIO")?.call0()?;
    let saved_out = sys.getattr("stdout")?;
    let saved_err = sys.getattr("stderr")?;
    sys.setattr("stdout", &buffer)?;
    sys.setattr("stderr", &buffer)?;
    let result = body();
    sys.setattr("stdout", saved_out)?;
    sys.setattr("stderr", saved_err)?;
    if buffer.call_method0("tell")?.extract::<usize>()? == 0 {
        return Ok((result, String::new()));
    }
    let text = buffer.call_method0("getvalue")?;
    let text = text.cast::<PyString>()?.to_cow()?.into_owned();
    Ok((result, text))
}

/// Runs a call into NEURON's Python layer: NEURON's printed error report goes into the
/// `HocError` it becomes; on success whatever NEURON printed is passed on to stdout.
pub fn neuron_call<'py, T>(py: Python<'py>, body: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    neuron_call_as(py, "HocError", body)
}

/// [`neuron_call`], raising NEURON's errors as the `HocError` subclass `class`.
pub fn neuron_call_as<'py, T>(
    py: Python<'py>,
    class: &str,
    body: impl FnOnce() -> PyResult<T>,
) -> PyResult<T> {
    let (result, output) = capture_output(py, body)?;
    match result {
        Ok(value) => {
            pass_on(py, &output)?;
            Ok(value)
        }
        Err(error) => Err(crate::errors::hoc_exception(py, error, &output, class)),
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
