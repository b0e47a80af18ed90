//! Reading SWC files: one point per line (`id type x y z radius parent`), `#` comments.
//! Every malformed line is refused with its line number, before anything is built.

use std::collections::HashMap;
use std::path::Path;

use crate::NrnError;

/// The points of an SWC file, in id order; parents are indices into the same arrays,
/// always of an earlier point (`None` for a root).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Swc {
    /// The ids the file gave, for messages.
    pub ids: Vec<i64>,
    /// SWC structure types: 1 soma, 2 axon, 3 basal dendrite, 4 apical dendrite, others
    /// as the file says.
    pub types: Vec<i32>,
    pub positions: Vec<[f64; 3]>,
    pub radii: Vec<f64>,
    pub parents: Vec<Option<usize>>,
    /// The line of each point in the file, from 1.
    pub lines: Vec<usize>,
    /// x, y, z and radius as NEURON's Import3d reads them (single precision).
    pub single: Vec<[f32; 4]>,
}

impl Swc {
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

/// Reads the SWC file at `path`.
pub fn read_swc(path: &Path) -> Result<Swc, NrnError> {
    let text = std::fs::read(path).map_err(|error| NrnError::Morphology {
        path: path.to_path_buf(),
        line: 0,
        reason: format!("cannot be read: {error}"),
    })?;
    let text = String::from_utf8_lossy(&text);
    parse_swc(&text).map_err(|(line, reason)| NrnError::Morphology {
        path: path.to_path_buf(),
        line,
        reason,
    })
}

/// One line of an SWC file, with the numbers as NEURON's Import3d reads them too (C's
/// `%f`: single precision).
struct Row {
    line: usize,
    id: i64,
    kind: i32,
    position: [f64; 3],
    radius: f64,
    parent: i64,
    single: [f32; 4],
}

/// Parses SWC text; an error is the line (from 1; 0 for the file as a whole) and why.
/// Points are put in id order (as Import3d does); every parent must have a smaller id.
pub fn parse_swc(text: &str) -> Result<Swc, (usize, String)> {
    let mut rows = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if let Some(row) = parse_line(number + 1, line)? {
            rows.push(row);
        }
    }
    if rows.is_empty() {
        return Err((0, "has no points".to_string()));
    }
    rows.sort_by_key(|row| row.id);
    let mut index_of: HashMap<i64, usize> = HashMap::with_capacity(rows.len());
    for (index, row) in rows.iter().enumerate() {
        if let Some(first) = index_of.insert(row.id, index) {
            let (first, second) = (
                rows[first].line.min(row.line),
                rows[first].line.max(row.line),
            );
            return Err((
                second,
                format!("id {} is already used on line {first}", row.id),
            ));
        }
    }
    let mut swc = Swc::default();
    for row in &rows {
        let parent = if row.parent < 0 {
            None
        } else if row.parent == row.id {
            return Err((
                row.line,
                format!("point {} is its own parent (a cycle)", row.id),
            ));
        } else if row.parent > row.id {
            return Err((
                row.line,
                format!(
                    "parent {} of point {} comes after it: in SWC files a parent has a smaller \
                     id than its children (which also rules out cycles)",
                    row.parent, row.id
                ),
            ));
        } else {
            match index_of.get(&row.parent) {
                Some(index) => Some(*index),
                None => {
                    return Err((
                        row.line,
                        format!(
                            "parent {} of point {} does not exist (-1 marks a root)",
                            row.parent, row.id
                        ),
                    ))
                }
            }
        };
        swc.ids.push(row.id);
        swc.types.push(row.kind);
        swc.positions.push(row.position);
        swc.radii.push(row.radius);
        swc.parents.push(parent);
        swc.lines.push(row.line);
        swc.single.push(row.single);
    }
    Ok(swc)
}

/// One line: a point, nothing (blank or a comment), or why it is malformed.
fn parse_line(number: usize, line: &str) -> Result<Option<Row>, (usize, String)> {
    let content = line.split('#').next().unwrap_or("").trim();
    if content.is_empty() {
        return Ok(None);
    }
    let fields: Vec<&str> = content.split_whitespace().collect();
    if fields.len() != 7 {
        return Err((
            number,
            format!(
                "has {} columns; an SWC line has 7: id type x y z radius parent",
                fields.len()
            ),
        ));
    }
    let whole = |column: usize, name: &str| -> Result<i64, (usize, String)> {
        let field = fields[column];
        // Some writers put ids and types as "12.0".
        field
            .parse::<i64>()
            .ok()
            .or_else(|| {
                field
                    .parse::<f64>()
                    .ok()
                    .filter(|value| value.fract() == 0.0 && value.abs() < 1e15)
                    .map(|value| value as i64)
            })
            .ok_or_else(|| (number, format!("{name} {field:?} is not a whole number")))
    };
    let real = |column: usize, name: &str| -> Result<(f64, f32), (usize, String)> {
        let field = fields[column];
        let value = field
            .parse::<f64>()
            .ok()
            .filter(|value| value.is_finite())
            .ok_or_else(|| (number, format!("{name} {field:?} is not a finite number")))?;
        Ok((value, field.parse::<f32>().unwrap_or(value as f32)))
    };
    let id = whole(0, "id")?;
    let kind = i32::try_from(whole(1, "type")?)
        .map_err(|_| (number, format!("type {} is not an SWC type", fields[1])))?;
    let (x, x32) = real(2, "x")?;
    let (y, y32) = real(3, "y")?;
    let (z, z32) = real(4, "z")?;
    let (radius, radius32) = real(5, "radius")?;
    let parent = whole(6, "parent")?;
    if radius <= 0.0 {
        return Err((
            number,
            format!("radius {radius} is not positive: every point needs a thickness"),
        ));
    }
    Ok(Some(Row {
        line: number,
        id,
        kind,
        position: [x, y, z],
        radius,
        parent,
        single: [x32, y32, z32, radius32],
    }))
}

#[cfg(test)]
mod tests {
    use super::parse_swc;

    #[test]
    fn points_comments_and_parents_are_read() {
        let swc = parse_swc(
            "# a comment\n\n1 1 0 0 0 5 -1\n2 3 0 10 0 1.5 1 # trailing\n3.0 3 0 20 0 1 2\n",
        )
        .unwrap();
        assert_eq!(swc.ids, [1, 2, 3]);
        assert_eq!(swc.types, [1, 3, 3]);
        assert_eq!(swc.parents, [None, Some(0), Some(1)]);
        assert_eq!(swc.radii, [5.0, 1.5, 1.0]);
        assert_eq!(swc.positions[2], [0.0, 20.0, 0.0]);
        assert_eq!(swc.lines, [3, 4, 5]);
    }

    #[test]
    fn points_are_put_in_id_order_and_keep_their_lines() {
        let swc = parse_swc("2 3 0 10 0 1 1\n1 1 0 0 0 5 -1\n").unwrap();
        assert_eq!(swc.ids, [1, 2]);
        assert_eq!(swc.lines, [2, 1]);
        assert_eq!(swc.parents, [None, Some(0)]);
        assert_eq!(swc.single[0], [0.0, 0.0, 0.0, 5.0]);
    }

    #[test]
    fn each_malformed_line_is_refused_with_its_number() {
        let cases = [
            ("", 0, "no points"),
            ("# only a comment\n", 0, "no points"),
            ("1 1 0 0 0 1\n", 1, "6 columns"),
            ("1 1 0 0 0 1 -1 7\n", 1, "8 columns"),
            ("1 1 0 zero 0 1 -1\n", 1, "y \"zero\""),
            ("1 1 0 0 0 nan -1\n", 1, "radius \"nan\""),
            ("1 x 0 0 0 1 -1\n", 1, "type \"x\""),
            ("1 1 0 0 0 0 -1\n", 1, "radius 0 is not positive"),
            ("1 1 0 0 0 -2 -1\n", 1, "radius -2 is not positive"),
            (
                "1 1 0 0 0 1 -1\n1 3 0 1 0 1 1\n",
                2,
                "already used on line 1",
            ),
            (
                "1 1 0 0 0 1 -1\n2 3 0 1 0 1 3\n3 3 0 1 0 1 2\n",
                2,
                "comes after it",
            ),
            (
                "1 1 0 0 0 1 -1\n3 3 0 1 0 1 2\n",
                2,
                "parent 2 of point 3 does not exist",
            ),
            ("1 1 0 0 0 1 1\n", 1, "its own parent"),
        ];
        for (text, line, reason) in cases {
            let (got_line, got_reason) = parse_swc(text).unwrap_err();
            assert_eq!(got_line, line, "{text:?}: {got_reason}");
            assert!(got_reason.contains(reason), "{text:?}: {got_reason}");
        }
    }
}
