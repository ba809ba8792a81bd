//! "Did you mean …?" for package names a policy writes that match no locked package: the
//! closest locked name by edit distance, when one is close enough to be a typo.

/// Names longer than this are not compared (a typo suggestion is not worth a quadratic
/// cost on a hostile name).
const LONGEST_COMPARED: usize = 128;

/// The candidate closest to `wanted` (both PEP 503-normalized), if it is within a typo's
/// distance: at most 1 edit for names up to 4 characters, 2 up to 8, else 3. Ties go to the
/// name first in byte order, so the answer never depends on input order.
pub fn closest_name<'a>(
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    if wanted.is_empty() || wanted.len() > LONGEST_COMPARED {
        return None;
    }
    let allowed = match wanted.chars().count() {
        0..=4 => 1,
        5..=8 => 2,
        _ => 3,
    };
    candidates
        .into_iter()
        .filter(|c| *c != wanted && c.len() <= LONGEST_COMPARED)
        .filter(|c| c.len().abs_diff(wanted.len()) <= allowed)
        .map(|c| (edit_distance(wanted, c), c))
        .filter(|(d, _)| *d <= allowed)
        .min()
        .map(|(_, c)| c)
}

/// Edit distance over characters, a swap of two neighbours counting as one edit (optimal
/// string alignment): `reqeusts` is one edit from `requests`.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rows: two back (for swaps), one back, current.
    let mut two_back: Vec<usize> = vec![0; b.len() + 1];
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current: Vec<usize> = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        current[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (previous[j - 1] + cost)
                .min(previous[j] + 1)
                .min(current[j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(two_back[j - 2] + 1);
            }
            current[j] = best;
        }
        std::mem::swap(&mut two_back, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_closest_locked_name_within_a_typo() {
        let locked = ["requests", "urllib3", "charset-normalizer", "idna"];
        assert_eq!(closest_name("reqeusts", locked), Some("requests"));
        assert_eq!(closest_name("urlib3", locked), Some("urllib3"));
        assert_eq!(
            closest_name("charset-normaliser", locked),
            Some("charset-normalizer")
        );
        assert_eq!(
            closest_name("idan", locked),
            Some("idna"),
            "a swap is one edit"
        );
        assert_eq!(
            closest_name("ixnz", locked),
            None,
            "two edits on four letters"
        );
        assert_eq!(closest_name("django", locked), None);
        assert_eq!(closest_name("requests", locked), None, "not itself");
        // Ties: byte order.
        assert_eq!(closest_name("ab", ["ac", "aa"]), Some("aa"));
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("abc", "acb"), 1);
    }
}
