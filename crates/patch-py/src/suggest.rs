/// Up to three names from `candidates` that look like `typo`, best first.
pub fn closest<'a>(typo: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let mut scored: Vec<(f64, &str)> = candidates
        .into_iter()
        .filter(|candidate| !candidate.starts_with('_'))
        .map(|candidate| (strsim::jaro_winkler(typo, candidate), candidate))
        .filter(|(score, _)| *score >= 0.8)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(3).map(|(_, name)| name).collect()
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn typos_find_the_intended_name() {
        let names = ["celsius", "cas", "tstop", "t", "secondorder"];
        assert_eq!(closest("celcius", names)[0], "celsius");
        assert_eq!(closest("tstpo", names)[0], "tstop");
    }

    #[test]
    fn unrelated_and_private_names_are_not_suggested() {
        assert!(closest("xyzzy", ["celsius", "tstop"]).is_empty());
        assert!(closest("_ref", ["_ref_t"]).is_empty());
    }
}
