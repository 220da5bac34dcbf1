//! Tests of the diff: the wire-story edits one by one, the verdict, and the invariant that every
//! sentence of both sides appears exactly once.

use super::*;
use proptest::prelude::*;

const WIRE: &str = "\
The city council voted on Tuesday to approve a new budget for the public library system.

The plan extends opening hours at all twelve branches. It also pays for twenty new librarians, \
the mayor said in a statement after the meeting.

Council members who opposed the plan said the city could not afford it. They warned that \
property taxes would rise next year.";

fn kinds(diff: &Diff) -> Vec<PassageKind> {
    diff.passages.iter().map(|p| p.kind).collect()
}

fn texts(diff: &Diff, kind: PassageKind) -> Vec<String> {
    diff.passages
        .iter()
        .filter(|p| p.kind == kind)
        .map(|p| {
            p.b.as_ref()
                .or(p.a.as_ref())
                .map(|e| e.text.clone())
                .unwrap_or_default()
        })
        .collect()
}

#[test]
fn identical_texts_are_one_shared_passage_per_paragraph() {
    let diff = Differ::new().diff(WIRE, WIRE);
    assert_eq!(kinds(&diff), [PassageKind::Shared; 3]);
    assert_eq!(diff.counts.shared, 5);
    assert_eq!(diff.a, diff.b);
    assert_eq!(
        diff.a,
        TextSize {
            paragraphs: 3,
            sentences: 5,
            words: diff.a.words
        }
    );
}

#[test]
fn typography_and_dateline_case_are_not_changes() {
    let b = WIRE
        .replace("mayor said", "Mayor said")
        .replace("afford it.", "afford it \u{2014} at all.")
        .replace("the mayor", "the MAYOR");
    let diff = Differ::new().diff(WIRE, &b);
    assert_eq!(diff.counts.only_a + diff.counts.only_b, 0);
    assert_eq!(diff.counts.rewritten, 1, "{diff:#?}");
}

#[test]
fn caption_and_footer_show_as_only_in_b() {
    let b = format!(
        "A librarian shelves books in the main branch. (Photo: Staff)\n\n{WIRE}\n\n\
         Copyright 2026 Example Wire. All rights reserved."
    );
    let diff = Differ::new().diff(WIRE, &b);
    assert_eq!(
        kinds(&diff),
        [
            PassageKind::OnlyB,
            PassageKind::Shared,
            PassageKind::Shared,
            PassageKind::Shared,
            PassageKind::OnlyB
        ]
    );
    assert_eq!(
        texts(&diff, PassageKind::OnlyB),
        [
            "A librarian shelves books in the main branch. (Photo: Staff)",
            "Copyright 2026 Example Wire. All rights reserved."
        ]
    );
    assert_eq!(diff.counts.only_b, 4); // "(Photo: Staff)" and "All rights reserved." are sentences
}

#[test]
fn a_trimmed_copy_shows_the_dropped_paragraph_as_only_in_a() {
    let trimmed = WIRE
        .rsplit_once("\n\n")
        .map(|(head, _)| head)
        .unwrap_or(WIRE);
    let diff = Differ::new().diff(WIRE, trimmed);
    assert_eq!(
        kinds(&diff),
        [PassageKind::Shared, PassageKind::Shared, PassageKind::OnlyA]
    );
    assert_eq!(diff.counts.only_a, 2);
    let dropped = &diff.passages[2].a.as_ref().map(|e| e.paragraph);
    assert_eq!(*dropped, Some(2));
}

#[test]
fn a_rewritten_paragraph_carries_word_changes_and_an_update_is_added() {
    let b = WIRE.replace(
        "The plan extends opening hours at all twelve branches. It also pays for twenty new \
         librarians, the mayor said in a statement after the meeting.",
        "The plan extends weekend opening hours at all twelve branches. It also pays for \
         thirty new librarians, the mayor said after the meeting.",
    ) + "\n\nUPDATE: The mayor signed the budget into law on Wednesday evening.";
    let diff = Differ::new().diff(WIRE, &b);
    assert_eq!(
        kinds(&diff),
        [
            PassageKind::Shared,
            PassageKind::Rewritten,
            PassageKind::Shared,
            PassageKind::OnlyB
        ]
    );
    let rewritten = &diff.passages[1];
    let inserted: Vec<&str> = rewritten
        .changes
        .iter()
        .filter(|c| c.op == ChangeOp::Insert)
        .map(|c| c.text.trim())
        .collect();
    let deleted: Vec<&str> = rewritten
        .changes
        .iter()
        .filter(|c| c.op == ChangeOp::Delete)
        .map(|c| c.text.trim())
        .collect();
    assert_eq!(inserted, ["weekend", "thirty"]);
    assert_eq!(deleted, ["twenty", "in a statement"]);
    assert_eq!(diff.counts.rewritten, 2);
    assert_eq!(
        texts(&diff, PassageKind::OnlyB),
        ["UPDATE: The mayor signed the budget into law on Wednesday evening."]
    );
}

#[test]
fn unrelated_texts_share_nothing() {
    let other = "Heavy rain flooded several roads in the valley overnight. The weather service \
                 warned that more storms were expected.";
    let diff = Differ::new().diff(WIRE, other);
    assert_eq!(diff.counts.shared + diff.counts.rewritten, 0);
    assert_eq!(diff.counts.only_a, 5);
    assert_eq!(diff.counts.only_b, 2);
}

#[test]
fn empty_sides_are_fine() {
    let diff = Differ::new().diff("", WIRE);
    assert_eq!(diff.counts.only_b, 5);
    assert_eq!(diff.a, TextSize::default());
    assert!(Differ::new().diff("", "  \n").passages.is_empty());
}

#[test]
fn verdict_tells_versions_stories_and_unrelated_texts_apart() {
    let differ = Differ::new();
    let copy = format!("(NEW YORK) \u{2014} {WIRE}\n\nAll rights reserved.");
    let doc = |id: &str, text: &str| Document::new(id, text);
    let v = differ.verdict(&doc("wire", WIRE), &doc("copy", &copy));
    assert_eq!(v.relation, Relation::SameVersion);
    assert!(v.containment > 0.95 && v.jaccard < 1.0, "{v:?}");
    assert_eq!(v.story_measure, STORY_MEASURE);

    let other_outlet = "Library branches across the city will stay open longer after the city \
        council approved the library budget on Tuesday. The budget adds twenty librarians, \
        though opponents on the council warned of higher property taxes.";
    let v = differ.verdict(&doc("wire", WIRE), &doc("other", other_outlet));
    assert_eq!(v.relation, Relation::SameStory, "{v:?}");
    assert!(v.jaccard < 0.1);

    let unrelated = "Heavy rain flooded several roads in the valley overnight, and the weather \
        service warned that more storms were expected to reach the coast by the weekend. Schools in \
        two districts will open late on Monday.";
    let v = differ.verdict(&doc("wire", WIRE), &doc("unrelated", unrelated));
    assert_eq!(v.relation, Relation::Unrelated, "{v:?}");
    assert!(!v.too_short);
}

#[test]
fn identical_boilerplate_is_too_short_to_judge() {
    let notice = "Subscribe to keep reading. You have reached your limit of free articles \
        this month.";
    let v = Differ::new().verdict(&Document::new("a", notice), &Document::new("b", notice));
    assert!(v.too_short);
    assert_eq!(v.relation, Relation::Unrelated);
    assert_eq!(v.jaccard, 1.0);
}

#[test]
fn json_form_matches_the_documentation() {
    let diff = Differ::new().diff(
        "The mayor said it was a good day.",
        "The mayor said it was a great day.\n\nMore later.",
    );
    let json = serde_json::to_value(&diff).unwrap_or_default();
    assert_eq!(
        json["counts"],
        serde_json::json!({"shared":0,"rewritten":1,"only_a":0,"only_b":1})
    );
    assert_eq!(
        json["passages"][0],
        serde_json::json!({
            "kind":"rewritten",
            "a":{"paragraph":0,"start":0,"end":1,"text":"The mayor said it was a good day."},
            "b":{"paragraph":0,"start":0,"end":1,"text":"The mayor said it was a great day."},
            "changes":[{"op":"equal","text":"The mayor said it was a "},
                       {"op":"delete","text":"good "},{"op":"insert","text":"great "},
                       {"op":"equal","text":"day."}]
        })
    );
    assert_eq!(
        json["passages"][1],
        serde_json::json!({"kind":"only_b","b":{"paragraph":1,"start":1,"end":2,"text":"More later."}})
    );
    let back: Diff = serde_json::from_value(json).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back, diff);
}

#[test]
fn config_is_validated() {
    let bad = DiffConfig {
        rewrite_threshold: 1.5,
        ..DiffConfig::default()
    };
    assert!(Differ::with_config(bad).is_err());
    assert!(Differ::with_config(DiffConfig::default()).is_ok());
}

// ---- property: every sentence of A and of B appears exactly once, in order ----

/// Sentences built from a small vocabulary, so that random texts share and rewrite sentences.
fn sentence() -> impl Strategy<Value = String> {
    let word = prop::sample::select(vec![
        "council",
        "vote",
        "budget",
        "mayor",
        "Library",
        "the",
        "rain",
        "storm",
        "said",
        "new",
        "\u{201C}plan\u{201D}",
        "city",
        "it's",
        "U.S.",
        "Mr.",
        "taxes",
        "rose",
        "3.5",
    ]);
    (
        prop::collection::vec(word, 1..9),
        prop::sample::select(vec![".", "!", "?", "", "\u{2026}"]),
    )
        .prop_map(|(words, end)| {
            let mut s = words.join(" ");
            if let Some(first) = s.get(..1) {
                s = first.to_uppercase() + &s[1..];
            }
            s + end
        })
}

fn text() -> impl Strategy<Value = Vec<Vec<String>>> {
    prop::collection::vec(prop::collection::vec(sentence(), 1..5), 0..6)
}

fn join(paragraphs: &[Vec<String>], sep: &str) -> String {
    paragraphs
        .iter()
        .map(|p| p.join(" "))
        .collect::<Vec<_>>()
        .join(sep)
}

/// B derived from A: paragraphs dropped, kept, edited or inserted.
fn derived() -> impl Strategy<Value = (String, String)> {
    (text(), text(), prop::collection::vec(0u8..4, 0..8)).prop_map(|(a, extra, ops)| {
        let mut b: Vec<Vec<String>> = Vec::new();
        for (k, para) in a.iter().enumerate() {
            match ops.get(k).copied().unwrap_or(0) {
                0 => b.push(para.clone()),
                1 => {}
                2 => b.push(
                    para.iter()
                        .map(|s| s.replacen("the", "a", 1) + " Extra words")
                        .collect(),
                ),
                _ => {
                    b.push(para.clone());
                    if let Some(e) = extra.get(k) {
                        b.push(e.clone());
                    }
                }
            }
        }
        (
            join(&a, "\n\n"),
            join(&b, if ops.len() % 2 == 0 { "\n\n" } else { "\n" }),
        )
    })
}

fn check_accounts_for_every_sentence(a: &str, b: &str) -> Result<(), TestCaseError> {
    let diff = Differ::new().diff(a, b);
    let (mut next_a, mut next_b) = (0, 0);
    for p in &diff.passages {
        let (has_a, has_b) = match p.kind {
            PassageKind::Shared | PassageKind::Rewritten => (true, true),
            PassageKind::OnlyA => (true, false),
            PassageKind::OnlyB => (false, true),
        };
        prop_assert_eq!(p.a.is_some(), has_a);
        prop_assert_eq!(p.b.is_some(), has_b);
        if let Some(e) = &p.a {
            prop_assert_eq!(e.start, next_a, "A sentences skipped or repeated");
            prop_assert!(e.end > e.start);
            next_a = e.end;
            prop_assert!(a.contains(&e.text));
        }
        if let Some(e) = &p.b {
            prop_assert_eq!(e.start, next_b, "B sentences skipped or repeated");
            prop_assert!(e.end > e.start);
            next_b = e.end;
            prop_assert!(b.contains(&e.text));
        }
        if p.kind == PassageKind::Rewritten {
            let spelled_b: String = p
                .changes
                .iter()
                .filter(|c| c.op != ChangeOp::Delete)
                .map(|c| c.text.as_str())
                .collect();
            prop_assert_eq!(Some(&spelled_b), p.b.as_ref().map(|e| &e.text));
        }
    }
    prop_assert_eq!(next_a, diff.a.sentences);
    prop_assert_eq!(next_b, diff.b.sentences);
    let c = diff.counts;
    prop_assert_eq!(c.shared + c.rewritten + c.only_a, diff.a.sentences);
    prop_assert_eq!(c.shared + c.rewritten + c.only_b, diff.b.sentences);
    // The passages' texts hold every non-space character of each side.
    let squash = |s: &str| s.split_whitespace().collect::<String>();
    let side = |pick: fn(&Passage) -> Option<&Extent>| {
        diff.passages
            .iter()
            .filter_map(pick)
            .map(|e| squash(&e.text))
            .collect::<String>()
    };
    prop_assert_eq!(side(|p| p.a.as_ref()), squash(a));
    prop_assert_eq!(side(|p| p.b.as_ref()), squash(b));
    Ok(())
}

proptest! {
    #[test]
    fn every_sentence_of_both_sides_appears_exactly_once((a, b) in derived()) {
        check_accounts_for_every_sentence(&a, &b)?;
        check_accounts_for_every_sentence(&b, &a)?;
    }

    #[test]
    fn every_sentence_appears_exactly_once_in_unrelated_texts(a in text(), b in text()) {
        check_accounts_for_every_sentence(&join(&a, "\n\n"), &join(&b, "\n"))?;
    }

    #[test]
    fn a_text_against_itself_is_all_shared(a in text()) {
        let t = join(&a, "\n\n");
        let diff = Differ::new().diff(&t, &t);
        prop_assert!(diff.passages.iter().all(|p| p.kind == PassageKind::Shared));
        prop_assert_eq!(diff.counts.shared, diff.a.sentences);
    }
}
