//! SWC points into sections exactly as NEURON's Import3d makes them (read_swc.hoc's
//! `Import3d_SWC_read`, then `Import3d_GUI.instantiate`, NEURON 9.0.2), so that a cell
//! built from them has Import3d's sections, connections, 3-D points and diameters.
//!
//! Import3d's odd cases are kept (docs/morphologies.md lists them): a one-point soma
//! becomes a 3-point cylinder along x; a three-point soma in NeuroMorpho's convention
//! becomes one point, so the same cylinder; a second root is joined to the middle of the
//! first section; one-point and zero-length two-point sections are dropped, their children
//! moved to the parent. Values pass through C's `%f` (single precision) on reading and
//! `%.8g` on their way to `pt3dadd`, as in Import3d.

use crate::morphology::{Geometry, SectionShape, Swc};

/// The name Import3d gives sections of SWC type `swc_type` (and Patch their group).
pub fn group_name(swc_type: i32) -> String {
    match swc_type {
        1 => "soma".to_string(),
        2 => "axon".to_string(),
        3 => "dend".to_string(),
        4 => "apic".to_string(),
        negative if negative < 0 => format!("minus_{}", -i64::from(negative)),
        other => format!("dend_{other}"),
    }
}

/// A section as Import3d_SWC_read makes it: its raw points (for a child, the parent's
/// point first), where it connects, and whether its first point is only a "wire".
struct RawSection {
    /// The index of its first own point.
    id: usize,
    swc_type: i32,
    points: Vec<[f64; 4]>,
    parent: Option<usize>,
    parent_x: f64,
    /// 1: the first raw point is not a 3-D point of the section (`sec.first`).
    first: usize,
}

/// The points as Import3d holds them: single-precision reads widened to double, radii
/// doubled to diameters.
struct Points<'a> {
    swc: &'a Swc,
    /// Parent indices, -1 for roots (Import3d's `pix2ix`); may be changed for a
    /// three-point soma.
    parents: Vec<i64>,
}

impl Points<'_> {
    fn len(&self) -> usize {
        self.swc.len()
    }

    fn kind(&self, index: i64) -> i32 {
        self.swc.types[clamp(index)]
    }

    fn point(&self, index: i64) -> [f64; 4] {
        let [x, y, z, radius] = self.swc.single[clamp(index)];
        [x.into(), y.into(), z.into(), 2.0 * f64::from(radius)]
    }

    fn parent(&self, index: usize) -> i64 {
        self.parents[index]
    }
}

/// HOC reads index -1 of a Vector as its first element, which is what Import3d gets for
/// the parent of a second root.
fn clamp(index: i64) -> usize {
    usize::try_from(index).unwrap_or(0)
}

/// The sections of `swc` as Import3d makes them (every point list it can read makes some).
pub fn sections_of(swc: &Swc) -> Geometry {
    let mut points = Points {
        swc,
        parents: swc
            .parents
            .iter()
            .map(|parent| parent.map_or(-1, |parent| parent as i64))
            .collect(),
    };
    let (children, wire_to_proximal) = mark_branches(&points);
    let (section_of_point, soma_children, three_point_soma) = sectionify(&mut points, children);
    let mut sections = make_sections(
        &points,
        &section_of_point,
        &soma_children,
        three_point_soma,
        &wire_to_proximal,
    );
    remove_short_sections(&mut sections);
    geometry(&sections)
}

/// Import3d's `mark_branch`: per point, its children (1 for a contiguous child, 1.01
/// otherwise, 0.01 more for a child of another type), and which points connect to the
/// proximal end of their parent's section.
#[expect(
    clippy::needless_range_loop,
    reason = "indices are the points' numbers"
)]
fn mark_branches(points: &Points<'_>) -> (Vec<f64>, Vec<bool>) {
    let count = points.len();
    let mut children = vec![0.0_f64; count];
    let mut to_proximal = vec![false; count];
    for index in 0..count {
        let parent = points.parent(index);
        if parent < 0 {
            continue;
        }
        let parent_index = clamp(parent);
        children[parent_index] += 1.0;
        if parent != index as i64 - 1 {
            children[parent_index] += 0.01;
            if parent > 1 {
                let grandparent = points.parent(parent_index);
                if points.kind(parent) != 1 && points.kind(grandparent) == 1 {
                    to_proximal[index] = true;
                    children[parent_index] = 1.0;
                }
            } else if parent == 0 && points.kind(0) != 1 {
                to_proximal[index] = true;
                children[0] = 1.0;
            }
        }
        if points.kind(parent) != points.kind(index as i64) {
            children[parent_index] += 0.01;
        }
    }
    (children, to_proximal)
}

/// Import3d's `sectionify`: which section each point is in, the soma children of each
/// soma point, and whether the soma is NeuroMorpho's three-point soma.
fn sectionify(points: &mut Points<'_>, mut children: Vec<f64>) -> (Vec<usize>, Vec<f64>, bool) {
    let count = points.len();
    let mut soma_children = vec![0.0_f64; count];
    let soma_points = (0..count)
        .filter(|index| points.kind(*index as i64) == 1)
        .count();
    for index in 1..count {
        let parent = points.parent(index);
        if points.kind(index as i64) == 1 && parent >= 0 && points.kind(parent) == 1 {
            soma_children[clamp(parent)] += 1.0;
        }
    }
    let three_point_soma = soma_points == 3 && neuromorpho_three_point_soma(points, &children);
    for index in 0..count.saturating_sub(1) {
        let contiguous_soma = points.kind(index as i64) == 1
            && points.kind(index as i64 + 1) == 1
            && points.parent(index + 1) == index as i64;
        if contiguous_soma && !(index != 0 && soma_children[index] > 1.0) {
            children[index] = 1.0;
        }
    }
    let ends: Vec<usize> = (0..count).filter(|index| children[*index] != 1.0).collect();
    let mut section_of_point = vec![0_usize; count];
    let mut section = 0;
    for (index, slot) in section_of_point.iter_mut().enumerate().skip(1) {
        if ends.get(section).is_some_and(|end| index > *end) {
            section += 1;
        }
        *slot = section;
    }
    (section_of_point, soma_children, three_point_soma)
}

/// NeuroMorpho's three-point soma: a middle point as root with two children, all of one
/// diameter, as long as it is thick; Import3d then treats it as a sphere.
fn neuromorpho_three_point_soma(points: &mut Points<'_>, children: &[f64]) -> bool {
    if points.len() < 3 || points.parent(1) != 0 || points.parent(2) != 0 {
        return false;
    }
    if children[1] != 0.0 || children[2] != 0.0 {
        return false;
    }
    let root = points.point(0);
    let (first, second) = (points.point(1), points.point(2));
    if first[3] != root[3] || second[3] != root[3] {
        return false;
    }
    let distance = |point: [f64; 4]| {
        ((point[0] - root[0]).powi(2) + (point[1] - root[1]).powi(2) + (point[2] - root[2]).powi(2))
            .sqrt()
    };
    let length = distance(first) + distance(second);
    if (length / root[3] - 1.0).abs() < 0.01 {
        // As Import3d: keep the two points from making a second soma section.
        points.parents[2] = 1;
        return true;
    }
    false
}

/// Import3d's `mksections`/`mksection`: one section per run of points.
fn make_sections(
    points: &Points<'_>,
    section_of_point: &[usize],
    soma_children: &[f64],
    three_point_soma: bool,
    to_proximal: &[bool],
) -> Vec<RawSection> {
    let count = points.len();
    let mut sections: Vec<RawSection> = Vec::new();
    let mut first = 0;
    for index in 1..=count {
        if index < count && section_of_point[index] == section_of_point[first] {
            continue;
        }
        let section = make_section(
            points,
            &sections,
            section_of_point,
            soma_children,
            three_point_soma,
            first,
            index,
        );
        let mut section = section;
        if to_proximal[first] {
            section.parent_x = 0.0;
        }
        sections.push(section);
        first = index;
    }
    sections
}

fn make_section(
    points: &Points<'_>,
    sections: &[RawSection],
    section_of_point: &[usize],
    soma_children: &[f64],
    three_point_soma: bool,
    first: usize,
    end: usize,
) -> RawSection {
    let swc_type = points.kind(first as i64);
    if sections.is_empty() {
        let end = if three_point_soma { first + 1 } else { end };
        return RawSection {
            id: first,
            swc_type,
            points: (first..end)
                .map(|index| points.point(index as i64))
                .collect(),
            parent: None,
            parent_x: 1.0,
            first: 0,
        };
    }
    let parent_point = points.parent(first);
    let parent = section_of_point[clamp(parent_point)];
    let parent_section = &sections[parent];
    let own = end - first;
    let to_soma = parent_section.swc_type == 1;
    let dendrite_to_soma = to_soma && swc_type != 1;
    let mut parent_x = 1.0;
    let mut wire = false;
    let mut handled = false;
    if parent == 0 {
        handled = true;
        if dendrite_to_soma && parent_section.points.len() == 1 {
            parent_x = 0.5;
            wire = own > 1;
        } else if parent_point == parent_section.id as i64 {
            parent_x = 0.0;
            wire = swc_type != 1 && soma_children[clamp(parent_point)] > 1.0;
        } else {
            handled = false;
        }
    }
    if !handled && to_soma {
        let offset = if parent_section.id == 0 { -1 } else { -2 };
        let last = parent_section.id as i64 + parent_section.points.len() as i64 + offset;
        if parent_point < last {
            parent_x = 0.5;
            wire = dendrite_to_soma && own > 1;
        } else if own > 1 && soma_children[clamp(parent_point)] > 1.0 && swc_type != 1 {
            wire = true;
        }
    }
    let mut raw = Vec::with_capacity(own + 1);
    raw.push(points.point(parent_point));
    raw.extend((first..end).map(|index| points.point(index as i64)));
    if to_soma && swc_type != 1 {
        raw[0][3] = raw[1][3];
    }
    RawSection {
        id: first,
        swc_type,
        points: raw,
        parent: Some(parent),
        parent_x,
        first: usize::from(wire),
    }
}

/// Import3d_GUI's `chk_valid`: one-point sections, and two-point sections of no length,
/// are removed (not the root); their children take their place.
fn remove_short_sections(sections: &mut Vec<RawSection>) {
    for index in (1..sections.len()).rev() {
        let section = &sections[index];
        let left = section.points.len() - section.first;
        let zero_length = left == 2 && {
            let (a, b) = (
                section.points[section.first],
                section.points[section.first + 1],
            );
            a[..3] == b[..3]
        };
        if left > 1 && !zero_length {
            continue;
        }
        let removed = sections.remove(index);
        for later in sections.iter_mut().skip(index) {
            if later.parent == Some(index) {
                later.parent = removed.parent;
                later.parent_x = removed.parent_x;
            }
        }
        // Indices after the removed section move down by one.
        for later in sections.iter_mut() {
            if let Some(parent) = later.parent.as_mut() {
                if *parent > index {
                    *parent -= 1;
                }
            }
        }
    }
}

/// `printf("%.8g")` then reading it back: what `pt3dadd` gets from Import3d.
fn eight_digits(value: f64) -> f64 {
    format!("{value:.7e}").parse().unwrap_or(value)
}

/// Import3d_GUI's `instantiate`: each section's 3-D points from `first` on, a lone point
/// as a cylinder as long as it is thick (`sphere_rep`), all through `%.8g`.
fn geometry(sections: &[RawSection]) -> Geometry {
    let mut geometry = Geometry::default();
    for section in sections {
        let mut points: Vec<[f64; 4]> = section.points[section.first..].to_vec();
        if points.len() == 1 {
            let [x, y, z, d] = points[0];
            points = vec![[x - d / 2.0, y, z, d], [x, y, z, d], [x + d / 2.0, y, z, d]];
        }
        let start = geometry.points.len();
        geometry
            .points
            .extend(points.into_iter().map(|point| point.map(eight_digits)));
        let wire_from = (section.first == 1).then(|| {
            let [x, y, z, _] = section.points[0];
            [x, y, z].map(eight_digits)
        });
        geometry.sections.push(SectionShape {
            swc_type: section.swc_type,
            points: start..geometry.points.len(),
            parent: section.parent.map(|parent| (parent, section.parent_x)),
            wire_from,
        });
    }
    geometry
}
