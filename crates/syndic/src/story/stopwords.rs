//! The words that carry no story: English function words, reporting verbs and calendar words.
//!
//! The central items are [`is_stop_word`] and [`is_calendar_word`]. The lists are sorted so a
//! lookup is a binary search (about eight comparisons). Trade-off: a fixed English list —
//! other languages get no stop words, which costs precision but never drops content, since
//! document frequencies learned from the corpus already weigh frequent words down.

/// English function words and the verbs and fillers of news reporting ("said", "told",
/// "according"), lowercased, sorted. Months and weekdays are in [`CALENDAR_WORDS`] instead.
const STOP_WORDS: &[&str] = &[
    "a", "about", "above", "according", "across", "actually", "added", "after", "afterwards",
    "again", "against", "ago", "ahead", "all", "almost", "alone", "along", "already", "also",
    "although", "always", "am", "among", "amongst", "an", "and", "another", "any", "anyone",
    "anything", "anyway", "are", "aren", "aren't", "around", "as", "ask", "asked", "at", "away",
    "back", "be", "became", "because", "become", "becomes", "been", "before", "began", "behind",
    "being", "below", "beside", "besides", "best", "better", "between", "beyond", "both", "but",
    "by", "came", "can", "can't", "cannot", "come", "comes", "could", "couldn", "couldn't", "did",
    "didn", "didn't", "do", "does", "doesn", "doesn't", "doing", "don", "don't", "done", "down",
    "due", "during", "each", "early", "either", "else", "enough", "etc", "even", "ever", "every",
    "everyone", "everything", "far", "few", "first", "for", "former", "from", "further", "get",
    "gets", "getting", "give", "given", "go", "goes", "going", "gone", "got", "had", "hadn",
    "hadn't", "has", "hasn", "hasn't", "have", "haven", "haven't", "having", "he", "he'd", "he'll",
    "he's", "her", "here", "here's", "hers", "herself", "him", "himself", "his", "how", "how's",
    "however", "i", "i'd", "i'll", "i'm", "i've", "if", "in", "including", "indeed", "instead",
    "into", "is", "isn", "isn't", "it", "it's", "its", "itself", "just", "keep", "know", "known",
    "last", "late", "later", "least", "less", "let", "let's", "like", "likely", "ll", "made",
    "make", "makes", "many", "may", "maybe", "me", "meanwhile", "might", "more", "moreover",
    "most", "mostly", "mr", "mrs", "ms", "much", "must", "mustn't", "my", "myself", "near",
    "nearly", "need", "neither", "never", "nevertheless", "next", "no", "nobody", "none", "nor",
    "not", "nothing", "now", "of", "off", "often", "on", "once", "one", "only", "onto", "or",
    "other", "others", "otherwise", "ought", "our", "ours", "ourselves", "out", "over", "own",
    "per", "perhaps", "put", "rather", "re", "really", "reported", "reportedly", "said", "same",
    "say", "saying", "says", "see", "seem", "seemed", "seems", "seen", "several", "shall",
    "shan't", "she", "she'd", "she'll", "she's", "should", "shouldn", "shouldn't", "since", "so",
    "some", "someone", "something", "sometimes", "soon", "still", "such", "take", "taken", "tell",
    "than", "that", "that's", "the", "their", "theirs", "them", "themselves", "then", "there",
    "there's", "thereby", "therefore", "these", "they", "they'd", "they'll", "they're", "they've",
    "thing", "things", "this", "those", "though", "through", "throughout", "thus", "time", "to",
    "together", "told", "too", "took", "toward", "towards", "two", "under", "unless", "until",
    "up", "upon", "us", "use", "used", "ve", "very", "via", "was", "wasn", "wasn't", "way", "we",
    "we'd", "we'll", "we're", "we've", "well", "went", "were", "weren", "weren't", "what",
    "what's", "whatever", "when", "when's", "whenever", "where", "where's", "whereas", "whether",
    "which", "while", "who", "who's", "whoever", "whole", "whom", "whose", "why", "why's", "will",
    "with", "within", "without", "won", "won't", "would", "wouldn", "wouldn't", "year", "years",
    "yet", "you", "you'd", "you'll", "you're", "you've", "your", "yours", "yourself", "yourselves",
];

/// Month and weekday names (and their usual abbreviations), lowercased, sorted. They are
/// content words of a story ("on Saturday") but never names.
const CALENDAR_WORDS: &[&str] = &[
    "apr", "april", "aug", "august", "dec", "december", "feb", "february", "fri", "friday",
    "jan", "january", "jul", "july", "jun", "june", "mar", "march", "may", "mon", "monday",
    "nov", "november", "oct", "october", "sat", "saturday", "sep", "sept", "september", "sun",
    "sunday", "thu", "thurs", "thursday", "today", "tomorrow", "tonight", "tue", "tues",
    "tuesday", "wed", "wednesday", "yesterday",
];

/// Titles and abbreviations that end in a full stop without ending a sentence ("Dr. Lyle",
/// "Gen. Ortiz"), lowercased, sorted.
const ABBREVIATIONS: &[&str] = &[
    "ave", "bros", "capt", "cmdr", "co", "col", "corp", "cpl", "dept", "dr", "gen", "gov",
    "inc", "jr", "lt", "ltd", "maj", "mr", "mrs", "ms", "mt", "no", "prof", "rep", "rev", "sen",
    "sgt", "sr", "st", "vs",
];

/// Whether `word` (lowercased) is a function word or a reporting filler.
pub fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.binary_search(&word).is_ok()
}

/// Whether `word` (lowercased) names a month, a weekday or a nearby day.
pub fn is_calendar_word(word: &str) -> bool {
    CALENDAR_WORDS.binary_search(&word).is_ok()
}

/// Whether `word` (lowercased) is a title or abbreviation usually followed by a full stop.
pub fn is_abbreviation(word: &str) -> bool {
    ABBREVIATIONS.binary_search(&word).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_sorted_and_lowercase() {
        for list in [STOP_WORDS, CALENDAR_WORDS, ABBREVIATIONS] {
            assert!(list.windows(2).all(|w| w[0] < w[1]), "unsorted near {list:?}");
            assert!(list.iter().all(|w| w.to_lowercase() == *w));
        }
    }

    #[test]
    fn lookups() {
        assert!(is_stop_word("the") && is_stop_word("according") && is_stop_word("said"));
        assert!(!is_stop_word("earthquake") && !is_stop_word("police"));
        assert!(is_calendar_word("saturday") && is_calendar_word("sept"));
        assert!(is_abbreviation("dr") && !is_abbreviation("doctor"));
    }
}
