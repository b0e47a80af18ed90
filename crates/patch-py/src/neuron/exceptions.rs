//! Patch's exception classes as Rust types. They are defined in `patch/exceptions.py`
//! (so `HocError` can be both a `PatchError` and a `RuntimeError`), which ships next to
//! the extension; each is imported on first use.

use pyo3::import_exception;

import_exception!(patch.exceptions, PatchError);
import_exception!(patch.exceptions, NotConnectableError);
import_exception!(patch.exceptions, NotConnectedError);
import_exception!(patch.exceptions, HocError);
import_exception!(patch.exceptions, HocConnectError);
import_exception!(patch.exceptions, HocRecordError);
import_exception!(patch.exceptions, HocSectionAccessError);
import_exception!(patch.exceptions, DeletedSectionError);
import_exception!(patch.exceptions, UninitializedError);
import_exception!(patch.exceptions, MechanismError);
import_exception!(patch.exceptions, MorphologyError);
import_exception!(patch.exceptions, EngineError);
import_exception!(patch.exceptions, ParallelError);
import_exception!(patch.exceptions, ParallelConnectError);
import_exception!(patch.exceptions, BroadcastError);
