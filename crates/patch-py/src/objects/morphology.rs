//! The Morphology class: a reconstructed cell read from a file, its points and sections
//! as numpy arrays, and `instantiate` building cells from it in bulk.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use pyo3::exceptions::{PyImportError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString};
use pyo3::{PyTraverseError, PyVisit};

use crate::neuron::attach::attach;
use crate::neuron::errors::PatchResult;
use crate::neuron::exceptions::MorphologyError;
use crate::neuron::types::neuron_types;
use crate::objects::cell::{section_pointers, Cell, Cells};

/// NEURON Vectors with the points of a morphology's long sections, used only with the GIL
/// held.
struct PointVectors(OnceLock<Vec<Option<nrn::morphology::PointVectors>>>);

// SAFETY: the Vectors are only touched by methods of the owning Python object, which run
// with the GIL held (the module is `gil_used`), so never from two threads at once.
unsafe impl Send for PointVectors {}
// SAFETY: as for `Send`: every access holds the GIL.
unsafe impl Sync for PointVectors {}

/// A reconstructed cell, read once; `instantiate` builds as many independent copies in
/// NEURON as asked.
#[pyclass(module = "patch.objects")]
pub struct Morphology {
    path: PathBuf,
    parsed: Arc<nrn::morphology::Morphology>,
    /// The names NEURON's sections get (`dend[3]`), as Python strings made once.
    names: Vec<Py<PyString>>,
    /// numpy views, made on first use.
    arrays: Option<Py<PyDict>>,
    /// NEURON Vectors of the points of long sections, made on the first instantiate.
    vectors: PointVectors,
    copies: AtomicUsize,
}

impl Morphology {
    /// The morphology in `path`: SWC read by the Rust core, other formats through MorphIO.
    pub fn load(py: Python<'_>, path: PathBuf) -> PatchResult<Morphology> {
        let extension = path
            .extension()
            .map(|extension| extension.to_string_lossy().to_lowercase());
        let morphology = match extension.as_deref() {
            Some("swc") => nrn::morphology::Morphology::read(&path)?,
            Some("asc" | "h5") => load_with_morphio(py, &path)?,
            _ => {
                return Err(MorphologyError::new_err(format!(
                    "{}: Patch reads SWC files (.swc), and Neurolucida (.asc) or HDF5 (.h5) \
                     files with MorphIO",
                    path.display()
                ))
                .into())
            }
        };
        let names = morphology
            .names
            .iter()
            .map(|name| PyString::new(py, name).unbind())
            .collect();
        Ok(Morphology {
            path,
            parsed: Arc::new(morphology),
            names,
            arrays: Some(PyDict::new(py).unbind()),
            vectors: PointVectors(OnceLock::new()),
            copies: AtomicUsize::new(0),
        })
    }

    pub fn geometry(&self) -> &nrn::morphology::Geometry {
        &self.parsed.geometry
    }

    /// The name of the next copy, as NEURON shows it before its sections' names.
    fn next_cell_name<'py>(&self, py: Python<'py>) -> Bound<'py, PyString> {
        let stem = self
            .path
            .file_stem()
            .map_or_else(|| "cell".into(), |stem| stem.to_string_lossy());
        let index = self.copies.fetch_add(1, Ordering::Relaxed);
        PyString::new(py, &format!("{stem}[{index}]"))
    }

    /// The numpy array `name`, made once from `values` (read-only: it shares its memory
    /// with an immutable bytes object).
    fn array<'py, T: Copy>(
        slf: &Bound<'py, Self>,
        name: &str,
        values: impl FnOnce() -> Vec<T>,
        dtype: &str,
        columns: usize,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let arrays = match &slf.borrow().arrays {
            Some(arrays) => arrays.bind(py).clone(),
            None => return Err(PyValueError::new_err("this Morphology was cleared")),
        };
        if let Some(array) = arrays.get_item(name)? {
            return Ok(array);
        }
        let values = values();
        // SAFETY: `values` is a Vec of plain numbers (T: Copy, f64/i32/i64), read as bytes.
        let bytes = unsafe {
            std::slice::from_raw_parts(
                values.as_ptr().cast::<u8>(),
                std::mem::size_of_val(values.as_slice()),
            )
        };
        let numpy = py.import("numpy")?;
        let array = numpy.call_method1("frombuffer", (PyBytes::new(py, bytes), dtype))?;
        let array = if columns > 1 {
            array.call_method1("reshape", (-1, columns))?
        } else {
            array
        };
        arrays.set_item(name, &array)?;
        Ok(array)
    }
}

fn load_with_morphio(
    py: Python<'_>,
    path: &std::path::Path,
) -> PatchResult<nrn::morphology::Morphology> {
    let Ok(morphio) = py.import("morphio") else {
        return Err(PyImportError::new_err(format!(
            "reading {} needs MorphIO: pip install morphio (Patch's `morphio` extra); SWC \
             files need nothing",
            path.display()
        ))
        .into());
    };
    let loaded = morphio
        .getattr("Morphology")?
        .call1((path.to_string_lossy().as_ref(),))
        .map_err(|error| {
            MorphologyError::new_err(format!(
                "{}: MorphIO cannot read it: {error}",
                path.display()
            ))
        })?;
    let swc = swc_from_morphio(&loaded)?;
    Ok(nrn::morphology::Morphology::from_swc(path, swc)?)
}

/// `object.<name>.tolist()`: MorphIO's arrays as lists.
fn list<'py>(object: &Bound<'py, PyAny>, name: &str) -> PyResult<Bound<'py, PyAny>> {
    object.getattr(name)?.call_method0("tolist")
}

/// MorphIO's soma and sections as SWC points: the soma's points in a chain (a contour
/// outline: one point at its centre, as thick as the outline is wide on average), then
/// each section's points, its first left out where MorphIO repeats its parent's last.
fn swc_from_morphio(loaded: &Bound<'_, PyAny>) -> PyResult<nrn::morphology::Swc> {
    let mut swc = nrn::morphology::Swc::default();
    let mut add = |kind: i32, point: [f64; 3], diameter: f64, parent: Option<usize>| {
        swc.ids.push(swc.ids.len() as i64 + 1);
        swc.types.push(kind);
        swc.positions.push(point);
        swc.radii.push(diameter / 2.0);
        swc.parents.push(parent);
        swc.lines.push(0);
        swc.single.push([
            point[0] as f32,
            point[1] as f32,
            point[2] as f32,
            (diameter / 2.0) as f32,
        ]);
        swc.ids.len() - 1
    };
    let soma = loaded.getattr("soma")?;
    let mut soma_points: Vec<[f64; 3]> = list(&soma, "points")?.extract()?;
    let mut soma_diameters: Vec<f64> = list(&soma, "diameters")?.extract()?;
    let contour = soma
        .getattr("type")?
        .str()?
        .to_cow()?
        .ends_with("SOMA_SIMPLE_CONTOUR");
    if contour && soma_points.len() > 1 {
        let count = soma_points.len() as f64;
        let centre =
            [0, 1, 2].map(|axis| soma_points.iter().map(|point| point[axis]).sum::<f64>() / count);
        let radius = soma_points
            .iter()
            .map(|point| {
                (0..3)
                    .map(|axis| (point[axis] - centre[axis]).powi(2))
                    .sum::<f64>()
                    .sqrt()
            })
            .sum::<f64>()
            / count;
        soma_points = vec![centre];
        soma_diameters = vec![2.0 * radius];
    }
    let mut soma_end = None;
    for (point, diameter) in soma_points.iter().zip(&soma_diameters) {
        soma_end = Some(add(1, *point, *diameter, soma_end));
    }
    let mut last_point_of = std::collections::HashMap::new();
    for section in loaded.call_method0("iter")?.try_iter()? {
        let section = section?;
        let kind: i32 = section
            .getattr("type")?
            .call_method0("__int__")?
            .extract()?;
        let points: Vec<[f64; 3]> = list(&section, "points")?.extract()?;
        let diameters: Vec<f64> = list(&section, "diameters")?.extract()?;
        let is_root = section.getattr("is_root")?.is_truthy()?;
        let (mut parent, skip) = if is_root {
            (soma_end, 0)
        } else {
            let parent_id: u64 = section.getattr("parent")?.getattr("id")?.extract()?;
            (last_point_of.get(&parent_id).copied(), 1)
        };
        for (point, diameter) in points.iter().zip(&diameters).skip(skip) {
            parent = Some(add(kind, *point, *diameter, parent));
        }
        let id: u64 = section.getattr("id")?.extract()?;
        if let Some(last) = parent {
            last_point_of.insert(id, last);
        }
    }
    if swc.is_empty() {
        return Err(MorphologyError::new_err("MorphIO found no points"));
    }
    Ok(swc)
}

#[pymethods]
impl Morphology {
    /// The file it was read from.
    #[getter]
    fn path(&self) -> PathBuf {
        self.path.clone()
    }

    /// The file's points: x, y, z in µm, one row per point (read-only).
    #[getter]
    fn points<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let this = slf.borrow();
        let swc = &this.parsed.swc;
        Morphology::array(slf, "points", || swc.positions.concat(), "float64", 3)
    }

    /// Each point's radius, µm.
    #[getter]
    fn radii<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let this = slf.borrow();
        let swc = &this.parsed.swc;
        Morphology::array(slf, "radii", || swc.radii.clone(), "float64", 1)
    }

    /// Each point's SWC type (1 soma, 2 axon, 3 basal dendrite, 4 apical dendrite, ...).
    #[getter]
    fn types<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let this = slf.borrow();
        let swc = &this.parsed.swc;
        Morphology::array(slf, "types", || swc.types.clone(), "int32", 1)
    }

    /// Each point's parent point (an index into `points`), -1 for a root.
    #[getter]
    fn parents<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let this = slf.borrow();
        let swc = &this.parsed.swc;
        let parents = || {
            swc.parents
                .iter()
                .map(|parent| parent.map_or(-1, |parent| parent as i64))
                .collect()
        };
        Morphology::array(slf, "parents", parents, "int64", 1)
    }

    /// The sections' 3-D points as NEURON gets them: x, y, z, diameter (µm), section after
    /// section; section i has rows `section_offsets[i]` to `section_offsets[i + 1]`.
    #[getter]
    fn section_points<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let this = slf.borrow();
        let geometry = this.geometry();
        Morphology::array(
            slf,
            "section_points",
            || geometry.points.concat(),
            "float64",
            4,
        )
    }

    /// Where each section's rows of `section_points` start, and where the last ends.
    #[getter]
    fn section_offsets<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let this = slf.borrow();
        let geometry = this.geometry();
        let offsets = || {
            let mut offsets: Vec<i64> = geometry
                .sections
                .iter()
                .map(|shape| shape.points.start as i64)
                .collect();
            offsets.push(geometry.points.len() as i64);
            offsets
        };
        Morphology::array(slf, "section_offsets", offsets, "int64", 1)
    }

    /// Each section's parent section (an index), -1 for a root.
    #[getter]
    fn section_parents<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let this = slf.borrow();
        let geometry = this.geometry();
        let parents = || {
            geometry
                .sections
                .iter()
                .map(|shape| shape.parent.map_or(-1, |(parent, _)| parent as i64))
                .collect()
        };
        Morphology::array(slf, "section_parents", parents, "int64", 1)
    }

    /// Where each section connects to its parent (0 to 1; NaN for a root).
    #[getter]
    fn section_parent_x<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let this = slf.borrow();
        let geometry = this.geometry();
        let positions = || {
            geometry
                .sections
                .iter()
                .map(|shape| shape.parent.map_or(f64::NAN, |(_, x)| x))
                .collect()
        };
        Morphology::array(slf, "section_parent_x", positions, "float64", 1)
    }

    /// Each section's SWC type.
    #[getter]
    fn section_types<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let this = slf.borrow();
        let geometry = this.geometry();
        let types = || {
            geometry
                .sections
                .iter()
                .map(|shape| shape.swc_type)
                .collect()
        };
        Morphology::array(slf, "section_types", types, "int32", 1)
    }

    /// The names the sections get in NEURON, as Import3d names them (`soma[0]`, `dend[3]`,
    /// `dend_16[0]` for SWC type 16), in section order.
    #[getter]
    fn section_names<'py>(slf: &Bound<'py, Self>) -> Bound<'py, PyList> {
        PyList::new(
            slf.py(),
            slf.borrow().names.iter().map(|name| name.bind(slf.py())),
        )
        .expect("a list of strings")
    }

    /// The number of sections.
    fn __len__(&self) -> usize {
        self.parsed.geometry.sections.len()
    }

    fn __repr__(&self) -> String {
        format!(
            "<Morphology {}: {} sections, {} points>",
            self.path.display(),
            self.parsed.geometry.sections.len(),
            self.parsed.swc.len()
        )
    }

    /// A cell built from this morphology (`n=None`), or `n` cells (a Cells list), each
    /// with its own sections: many copies live side by side, each freed when you let go
    /// of it.
    #[pyo3(signature = (n = None))]
    fn instantiate<'py>(slf: &Bound<'py, Self>, n: Option<i64>) -> PatchResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let count = match n.map(usize::try_from) {
            None => 1,
            Some(Ok(count)) if count > 0 => count,
            Some(_) => {
                return Err(PyValueError::new_err(format!(
                    "instantiate(n) builds n >= 1 cells, got n={}",
                    n.unwrap_or_default()
                ))
                .into())
            }
        };
        let neuron = attach(py)?;
        let section_type = neuron_types(py)?.section.bind(py);
        let this = slf.borrow();
        let vectors = match this.vectors.0.get() {
            Some(vectors) => vectors,
            None => {
                let made = neuron.point_vectors(this.geometry())?;
                this.vectors.0.get_or_init(|| made)
            }
        };
        let mut cells = Vec::with_capacity(count);
        let mut pointers = Vec::with_capacity(count * this.names.len());
        let mut held = Vec::new();
        for _ in 0..count {
            let cell = Bound::new(
                py,
                Cell::new(
                    slf.clone().into_any().unbind(),
                    Arc::clone(&this.parsed),
                    this.next_cell_name(py).unbind(),
                ),
            )?;
            let mut sections = Vec::with_capacity(this.names.len());
            for name in &this.names {
                // nrn.Section(name, cell): positional arguments are NEURON's fastest way.
                sections.push(section_type.call1((name.bind(py), &cell))?);
            }
            let (cell_pointers, cell_held) = section_pointers(&sections)?;
            pointers.extend(cell_pointers);
            held.extend(cell_held);
            cell.borrow_mut().set_sections(sections);
            cells.push(cell);
        }
        // All the cells' points and connections in one call into NEURON.
        // SAFETY: the cells hold every section (and `held` those read through handles).
        unsafe { neuron.shape_sections(this.geometry(), vectors, &pointers)? };
        drop(held);
        match n {
            None => Ok(cells.remove(0).into_any()),
            Some(_) => Ok(Bound::new(py, Cells::new(cells))?.into_any()),
        }
    }

    /// Draws the morphology (without building it in NEURON); keywords as for
    /// `patch.plot.morphology`. Returns the axes.
    #[pyo3(signature = (**options))]
    fn plot<'py>(
        slf: &Bound<'py, Self>,
        options: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        slf.py()
            .import("patch.plot")?
            .getattr("morphology")?
            .call((slf,), options)
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        visit.call(&self.arrays)?;
        self.names.iter().try_for_each(|name| visit.call(name))
    }

    fn __clear__(&mut self) {
        self.arrays = None;
        self.names.clear();
    }
}
