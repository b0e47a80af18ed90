//! What Vectors, NetCons and sections show of themselves: in the terminal their `repr`,
//! in notebooks a compact HTML form, each with what a user looks for (a Vector's length
//! and values, a NetCon's ends and numbers, a section's name, cell and membrane).

use pyo3::prelude::*;

/// Values shown before the ellipsis (and the last one after it).
const SHOWN_VALUES: usize = 4;

/// A Vector's length and values: all of a short one, the first and last of a long one.
pub fn vector_values(vector: &Bound<'_, PyAny>) -> PyResult<(usize, String)> {
    let length = vector.len()?;
    let at = |index: usize| -> PyResult<String> {
        Ok(format!("{}", vector.get_item(index)?.extract::<f64>()?))
    };
    let values = if length <= SHOWN_VALUES + 1 {
        (0..length)
            .map(at)
            .collect::<PyResult<Vec<_>>>()?
            .join(", ")
    } else {
        let first = (0..SHOWN_VALUES).map(at).collect::<PyResult<Vec<_>>>()?;
        format!("{}, …, {}", first.join(", "), at(length - 1)?)
    };
    Ok((length, values))
}

pub fn vector_repr(vector: &Bound<'_, PyAny>) -> PyResult<String> {
    let (length, values) = vector_values(vector)?;
    Ok(format!("<patch Vector of {length}: [{values}]>"))
}

pub fn vector_html(vector: &Bound<'_, PyAny>) -> PyResult<String> {
    let (length, values) = vector_values(vector)?;
    Ok(format!(
        "<b>Vector</b> of {length} values <code>[{}]</code>",
        escape(&values)
    ))
}

/// A NetCon's ends and numbers, as parts: source, target, then "weight …" and the like.
pub struct NetConParts {
    pub source: String,
    pub target: String,
    pub numbers: Vec<String>,
}

impl NetConParts {
    pub fn repr(&self) -> String {
        format!(
            "<patch NetCon {} → {}: {}>",
            self.source,
            self.target,
            self.numbers.join(", ")
        )
    }

    pub fn html(&self) -> String {
        format!(
            "<b>NetCon</b> {} → {} <small>({})</small>",
            escape(&self.source),
            escape(&self.target),
            escape(&self.numbers.join(", "))
        )
    }
}

/// A section's name, or what to do about a section without one (NEURON calls it
/// `__nrnsec_0x…`), and the cell it belongs to when it was made with `cell=`.
pub fn section_name(section: &Bound<'_, PyAny>) -> PyResult<String> {
    let py = section.py();
    let name: String = section.call_method0(pyo3::intern!(py, "name"))?.extract()?;
    let name = if name.starts_with("__nrnsec_") {
        "without a name".to_string()
    } else {
        name
    };
    let cell = section.call_method0(pyo3::intern!(py, "cell"))?;
    Ok(if cell.is_none() {
        name
    } else {
        format!("{name} (of {})", cell.str()?)
    })
}

pub fn section_html(section: &Bound<'_, PyAny>) -> PyResult<String> {
    let py = section.py();
    let number = |name: &str| -> PyResult<f64> { section.getattr(name)?.extract() };
    let mechanisms: Vec<String> = section
        .call_method0(pyo3::intern!(py, "psection"))?
        .get_item("density_mechs")?
        .call_method0("keys")?
        .try_iter()?
        .map(|name| name?.extract())
        .collect::<PyResult<_>>()?;
    Ok(format!(
        "<b>Section</b> {} <small>(L {} µm, diam {} µm, nseg {}; {})</small>",
        escape(&section_name(section)?),
        number("L")?,
        number("diam")?,
        number("nseg")?,
        if mechanisms.is_empty() {
            "no mechanisms".to_string()
        } else {
            escape(&mechanisms.join(", "))
        }
    ))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_what_looks_like_tags() {
        assert_eq!(escape("<a> & b"), "&lt;a&gt; &amp; b");
    }

    #[test]
    fn a_netcon_shows_its_ends_and_numbers() {
        let parts = NetConParts {
            source: "soma(0.5)".into(),
            target: "ExpSyn[0]".into(),
            numbers: vec!["weight 0.05".into(), "delay 1 ms".into()],
        };
        assert_eq!(
            parts.repr(),
            "<patch NetCon soma(0.5) → ExpSyn[0]: weight 0.05, delay 1 ms>"
        );
        assert!(parts.html().contains("soma(0.5) → ExpSyn[0]"));
    }
}
