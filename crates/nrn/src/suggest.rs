//! Names that look like what the user meant: suggestions for messages, and the rule
//! that tells a typo of a NEURON name from a new name of the user's.

/// Up to three names from `candidates` that look like `typo`, best first.
pub fn closest<'a>(typo: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let mut scored: Vec<(f64, &str)> = candidates
        .into_iter()
        .filter(|candidate| !candidate.starts_with('_'))
        .map(|candidate| (strsim::jaro_winkler(typo, candidate), candidate))
        .filter(|(score, candidate)| *score >= 0.8 || one_edit_apart(typo, candidate))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(3).map(|(_, name)| name).collect()
}

/// One edit or swap apart (`tua`, `tau`), for names of 3 letters or more: Jaro-Winkler
/// scores a swap in a short name low.
fn one_edit_apart(name: &str, candidate: &str) -> bool {
    name.chars().count().min(candidate.chars().count()) >= 3
        && strsim::osa_distance(name, candidate) <= 1
}

/// The names among `candidates` that `name` looks like a typo of, best first: close in
/// spelling (Jaro-Winkler, or one edit or swap away for names of 3 letters or more) and in
/// length (at most 2 letters apart, so `tau_decay` is not a typo of `tau`).
pub fn typo_of<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let length = name.chars().count();
    let mut scored: Vec<(f64, &str)> = candidates
        .into_iter()
        .filter(|candidate| !candidate.starts_with('_') && *candidate != name)
        .filter(|candidate| candidate.chars().count().abs_diff(length) <= 2)
        .map(|candidate| (strsim::jaro_winkler(name, candidate), candidate))
        .filter(|(score, candidate)| *score >= 0.8 || one_edit_apart(name, candidate))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(3).map(|(_, name)| name).collect()
}

#[cfg(test)]
mod tests {
    use super::{closest, typo_of};

    #[test]
    fn typos_of_attributes_are_close_in_spelling_and_length() {
        let names = ["tau", "e", "g", "i", "loc", "amp", "nseg", "L", "diam"];
        assert_eq!(typo_of("tua", names), ["tau"]);
        assert_eq!(typo_of("ampl", names), ["amp"]);
        assert_eq!(typo_of("nseq", names), ["nseg"]);
        assert_eq!(typo_of("Diam", names), ["diam"]);
        for own in ["tau_decay", "locations", "labels", "gid", "x", "synapses"] {
            assert!(typo_of(own, names).is_empty(), "{own} is not a typo");
        }
    }

    #[test]
    fn typos_find_the_intended_name() {
        let names = ["celsius", "cas", "tstop", "t", "secondorder"];
        assert_eq!(closest("celcius", names)[0], "celsius");
        assert_eq!(closest("tstpo", names)[0], "tstop");
        assert_eq!(closest("tua", ["tau", "e", "g", "i"]), ["tau"]);
    }

    #[test]
    fn unrelated_and_private_names_are_not_suggested() {
        assert!(closest("xyzzy", ["celsius", "tstop"]).is_empty());
        assert!(closest("_ref", ["_ref_t"]).is_empty());
    }
}
