//! The strong references a Patch object holds, each once. Most objects hold one or two
//! (a stimulus its NetCon, a synapse its section), so the common case is one word and no
//! allocation; a synapse with thousands of NetCons holds a list.

use pyo3::prelude::*;

#[derive(Default)]
pub enum References {
    #[default]
    None,
    One(Py<PyAny>),
    // Boxed: one word in every Patch object instead of three; few hold more than one.
    #[allow(clippy::box_collection)]
    Many(Box<Vec<Py<PyAny>>>),
}

impl References {
    /// Adds `object` unless it is held already.
    pub fn insert(&mut self, object: &Bound<'_, PyAny>) {
        if !self.iter().any(|held| held.is(object)) {
            self.insert_new(object);
        }
    }

    /// Adds `object`, which was just made and so cannot be held yet (no search through a
    /// synapse's thousands of NetCons).
    pub fn insert_new(&mut self, object: &Bound<'_, PyAny>) {
        let object = object.clone().unbind();
        *self = match std::mem::take(self) {
            References::None => References::One(object),
            References::One(first) => References::Many(Box::new(vec![first, object])),
            References::Many(mut all) => {
                all.push(object);
                References::Many(all)
            }
        };
    }

    /// Drops the reference to `object`; whether there was one.
    pub fn remove(&mut self, object: &Bound<'_, PyAny>) -> bool {
        match self {
            References::One(held) if held.is(object) => {
                *self = References::None;
                true
            }
            References::Many(all) => match all.iter().position(|held| held.is(object)) {
                Some(position) => {
                    // In order: `_references` shows them as they were made.
                    all.remove(position);
                    true
                }
                None => false,
            },
            _ => false,
        }
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Py<PyAny>> {
        match self {
            References::None => [].iter(),
            References::One(held) => std::slice::from_ref(held).iter(),
            References::Many(all) => all.iter(),
        }
    }

    pub fn clear(&mut self) {
        *self = References::None;
    }
}
