//! Whether a short name (a brand, a category) completes what a shopper is typing: each
//! typed word but the last is one of its words, the last the start of one, each within a
//! typo from 4 letters, as in a search.

use super::schema::words_of;
use super::text::typo_distance;

/// Whether `word` is `candidate` within its typo distance.
fn same_word(word: &str, candidate: &str) -> bool {
    strsim::damerau_levenshtein(word, candidate) <= usize::from(typo_distance(word.chars().count()))
}

/// Whether `word` is the start of `candidate` within its typo distance: some start of
/// `candidate` about as long as `word` is that word within a typo.
fn starts_word(word: &str, candidate: &str) -> bool {
    if candidate.starts_with(word) {
        return true;
    }
    let letters = word.chars().count();
    let distance = usize::from(typo_distance(letters));
    if distance == 0 {
        return false;
    }
    let candidate: Vec<char> = candidate.chars().collect();
    let shortest = letters.saturating_sub(distance).max(1);
    let longest = (letters + distance).min(candidate.len());
    (shortest..=longest).any(|length| {
        let start: String = candidate[..length].iter().collect();
        strsim::damerau_levenshtein(word, &start) <= distance
    })
}

/// Whether `name` completes the typed `words` (as [`words_of`] read them).
pub(super) fn completes(name: &str, words: &[String]) -> bool {
    let Some((last, before)) = words.split_last() else {
        return false;
    };
    let own = words_of(name);
    before
        .iter()
        .all(|word| own.iter().any(|candidate| same_word(word, candidate)))
        && own.iter().any(|candidate| starts_word(last, candidate))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(text: &str) -> Vec<String> {
        words_of(text)
    }

    #[test]
    fn the_last_word_is_a_start_and_the_others_whole() {
        assert!(completes("Home Audio", &typed("au")));
        assert!(completes("Home Audio", &typed("home au")));
        assert!(!completes("Home Audio", &typed("ho au")));
        assert!(!completes("Home Audio", &typed("x")));
        assert!(!completes("Home Audio", &typed("")));
    }

    #[test]
    fn typos_are_forgiven_from_four_letters() {
        assert!(completes("Sonora", &typed("snor")));
        assert!(completes("Sonora", &typed("sonroa")));
        assert!(!completes("Sonora", &typed("snr")));
        assert!(completes("Headphones", &typed("haedphones")));
    }
}
