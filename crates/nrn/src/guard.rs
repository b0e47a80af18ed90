//! The C++ exception guard: every call sequence into NEURON runs inside it, so a HOC
//! error comes back as `NrnError::Hoc` instead of unwinding through Rust.

use std::ffi::{c_char, c_int, c_void, CStr};

use crate::ffi::Api;
use crate::{Neuron, NrnError, Result};

unsafe extern "C-unwind" {
    fn nrn_rs_guard(
        fpycall: *mut c_void,
        body: *mut c_void,
        context: *mut c_void,
        message: *mut c_char,
        capacity: usize,
    ) -> c_int;
}

struct Context<'a, F, R> {
    api: &'a Api,
    body: Option<F>,
    result: Option<R>,
}

unsafe extern "C-unwind" fn trampoline<F: FnOnce(&Api) -> R, R>(context: *mut c_void) {
    // SAFETY: `context` is the `Context<F, R>` that run_guarded passed with this very
    // instantiation; it lives, borrowed by no one else, until nrn_rs_guard returns.
    let context = unsafe { &mut *context.cast::<Context<'_, F, R>>() };
    if let Some(body) = context.body.take() {
        context.result = Some(body(context.api));
    }
}

impl Neuron {
    /// Runs `body` with every C++ exception NEURON throws turned into `Err`. With
    /// `OcJump::fpycall` available, NEURON's interpreter state (HOC stack, object context)
    /// is restored on error, so pushed arguments never leak onto the stack.
    ///
    /// The body must not panic: a panic cannot cross the C++ frames of the guard, so a
    /// panic there ends the process (an abort, with a message on stderr).
    pub fn guarded<F: FnOnce(&Api) -> R, R>(&self, body: F) -> Result<R> {
        run_guarded(&self.api, self.fpycall, body)
    }
}

/// [`Neuron::guarded`] before the `Neuron` exists (while attaching): `fpycall` is
/// `OcJump::fpycall`, or null.
pub(crate) fn run_guarded<F: FnOnce(&Api) -> R, R>(
    api: &Api,
    fpycall: *mut c_void,
    body: F,
) -> Result<R> {
    let mut context = Context {
        api,
        body: Some(body),
        result: None,
    };
    let mut message = [0 as c_char; 1024];
    // SAFETY: guard.cpp defines nrn_rs_guard with this signature; it calls the trampoline
    // for F, R with `context` (alive across the call) and writes at most `message.len()`
    // bytes.
    let code = unsafe {
        nrn_rs_guard(
            fpycall,
            trampoline::<F, R> as *const () as *mut c_void,
            (&raw mut context).cast(),
            message.as_mut_ptr(),
            message.len(),
        )
    };
    let text = || {
        // SAFETY: store_message always leaves a NUL-terminated string inside `message`.
        unsafe { CStr::from_ptr(message.as_ptr()) }
            .to_string_lossy()
            .into_owned()
    };
    match (code, context.result) {
        (0, Some(result)) => Ok(result),
        (1, _) => Err(NrnError::Hoc(clean_hoc_message(&text()))),
        _ => Err(NrnError::Foreign(text())),
    }
}

/// NEURON prefixes its exception texts with the function that raised them; users need the
/// reason only.
fn clean_hoc_message(raw: &str) -> String {
    let message = raw.trim();
    let message = message.strip_prefix("hoc_execerror: ").unwrap_or(message);
    if message.is_empty() {
        "NEURON reported an error without a message".to_string()
    } else {
        message.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::clean_hoc_message;

    #[test]
    fn hoc_messages_lose_their_prefix() {
        assert_eq!(
            clean_hoc_message("hoc_execerror: bad stack access\n"),
            "bad stack access"
        );
        assert_eq!(clean_hoc_message("syntax error"), "syntax error");
        assert!(clean_hoc_message("  ").contains("without a message"));
    }
}
