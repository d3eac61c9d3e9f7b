//! Scores checked against values computed by hand (the arithmetic is in the
//! comments), for every task.

use rhetor_core::{Document, Frame, GenreScores, Scored, Technique};
use rhetor_eval::{
    evaluate_files, score_documents, score_frames, score_genre, score_spans, score_techniques,
    Report,
};
use rhetor_formats::error::Source;
use rhetor_formats::labels::{parse_frames, parse_genres, parse_spans, parse_techniques};
use rhetor_formats::Task;

fn src() -> Source {
    Source::file("test")
}

fn close(actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() < 1e-9,
        "expected {expected}, got {actual}"
    );
}

fn class(r: &Report, label: &str) -> (usize, f64, f64, f64) {
    let c = r.class(label).unwrap_or_else(|| panic!("no class {label}"));
    (c.support, c.precision, c.recall, c.f1)
}

fn note(r: &Report, part: &str) {
    assert!(
        r.notes.iter().any(|n| n.contains(part)),
        "no note containing {part:?} in {:?}",
        r.notes
    );
}

// ---------------------------------------------------------------- genre

#[test]
fn genre_with_missing_and_extra_ids() {
    let gold = parse_genres(
        &src(),
        "1\topinion\n2\topinion\n3\treporting\n4\tsatire\n5\treporting\n",
    )
    .unwrap();
    // Article 5 is missing; article 9 is not in gold and is ignored.
    let pred = parse_genres(
        &src(),
        "1\topinion\n2\treporting\n3\treporting\n4\topinion\n9\tsatire\n",
    )
    .unwrap();
    let r = score_genre(&gold, &pred);
    // opinion:   gold {1,2}, pred {1,4}: tp 1, fp 1, fn 1 -> P .5, R .5, F1 .5
    // reporting: gold {3,5}, pred {2,3}: tp 1, fp 1, fn 1 -> F1 .5
    // satire:    gold {4},   pred {}   : tp 0, fn 1       -> F1 0
    assert_eq!(class(&r, "opinion"), (2, 0.5, 0.5, 0.5));
    assert_eq!(class(&r, "reporting"), (2, 0.5, 0.5, 0.5));
    assert_eq!(class(&r, "satire"), (1, 0.0, 0.0, 0.0));
    // macro = (.5 + .5 + 0) / 3
    close(r.macro_f1, 1.0 / 3.0);
    // micro: tp 2, fp 2, fn 3 -> 2*2 / (2*2 + 2 + 3) = 4/9
    close(r.micro_f1, 4.0 / 9.0);
    assert_eq!(r.precision, None);
    note(&r, "1 gold article id missing from the prediction");
    note(&r, "1 predicted article id not in gold was ignored");
}

#[test]
fn genre_class_absent_from_gold_scores_zero_in_macro() {
    let gold = parse_genres(&src(), "1\topinion\n2\treporting\n").unwrap();
    let r = score_genre(&gold, &gold);
    // satire has no gold and no prediction: F1 0 (scikit-learn's zero_division).
    assert_eq!(class(&r, "satire"), (0, 0.0, 0.0, 0.0));
    close(r.macro_f1, 2.0 / 3.0);
    close(r.micro_f1, 1.0);
    assert!(r.notes.is_empty(), "{:?}", r.notes);
}

#[test]
fn genre_empty_prediction_scores_zero() {
    let gold = parse_genres(&src(), "1\topinion\n2\tsatire\n").unwrap();
    let r = score_genre(&gold, &[]);
    close(r.micro_f1, 0.0);
    close(r.macro_f1, 0.0);
    note(&r, "2 gold article ids missing");
}

#[test]
fn genre_repeated_prediction_keeps_the_last_row() {
    let gold = parse_genres(&src(), "1\topinion\n").unwrap();
    let pred = parse_genres(&src(), "1\tsatire\n1\topinion\n").unwrap();
    let r = score_genre(&gold, &pred);
    close(r.micro_f1, 1.0);
    note(&r, "1 repeated predicted article id");
}

// ---------------------------------------------------------------- frames

fn frames_gold() -> Vec<rhetor_formats::labels::FramesRow> {
    parse_frames(&src(), "a\tEconomic,Political\nb\tMorality\nc\t\n").unwrap()
}

#[test]
fn frames_micro_over_article_frame_pairs() {
    let pred = parse_frames(
        &src(),
        "a\tEconomic\nb\tMorality,Political\nc\tPolitical\nz\tEconomic\n",
    )
    .unwrap();
    let r = score_frames(&frames_gold(), &pred);
    // pairs: tp (a,Economic) (b,Morality); fp (b,Political) (c,Political);
    // fn (a,Political); z is ignored. micro = 2*2 / (4 + 2 + 1) = 4/7
    close(r.micro_f1, 4.0 / 7.0);
    // Economic and Morality F1 1, Political tp 0 -> 0, 11 frames absent -> 0
    assert_eq!(class(&r, "Economic"), (1, 1.0, 1.0, 1.0));
    assert_eq!(class(&r, "Political"), (1, 0.0, 0.0, 0.0));
    assert_eq!(class(&r, "Quality_of_life"), (0, 0.0, 0.0, 0.0));
    close(r.macro_f1, 2.0 / 14.0);
    assert_eq!(r.per_class.len(), 14);
    note(&r, "1 predicted article id not in gold was ignored");
}

#[test]
fn frames_missing_article_counts_as_empty() {
    let pred = parse_frames(&src(), "a\tEconomic\nc\tPolitical\n").unwrap();
    let r = score_frames(&frames_gold(), &pred);
    // b missing: tp (a,Economic); fp (c,Political); fn (a,Political) (b,Morality)
    // micro = 2 / (2 + 1 + 2) = 0.4
    close(r.micro_f1, 0.4);
    note(&r, "1 gold article id missing");
}

#[test]
fn frames_empty_prediction_scores_zero() {
    let r = score_frames(&frames_gold(), &[]);
    close(r.micro_f1, 0.0);
    close(r.macro_f1, 0.0);
}

// ---------------------------------------------------------------- techniques

#[test]
fn techniques_by_paragraph_with_missing_and_extra_rows() {
    let gold = parse_techniques(
        &src(),
        "1\t1\t\n1\t3\tDoubt,Slogans\n1\t5\tLoaded_Language\n2\t1\tLoaded_Language\n",
    )
    .unwrap();
    // (1,5) missing; (2,7) not in gold -> ignored.
    let pred = parse_techniques(
        &src(),
        "1\t1\tDoubt\n1\t3\tDoubt\n2\t1\tLoaded_Language,Repetition\n2\t7\tDoubt\n",
    )
    .unwrap();
    let r = score_techniques(&gold, &pred);
    // (1,1): fp Doubt; (1,3): tp Doubt, fn Slogans; (1,5): fn Loaded_Language;
    // (2,1): tp Loaded_Language, fp Repetition.
    // tp 2, fp 2, fn 2 -> micro = 4 / (4 + 2 + 2) = 0.5
    close(r.micro_f1, 0.5);
    // Doubt: tp 1 fp 1 fn 0 -> P .5 R 1 F1 2/3
    let (s, p, rc, f) = class(&r, "Doubt");
    assert_eq!(s, 1);
    close(p, 0.5);
    close(rc, 1.0);
    close(f, 2.0 / 3.0);
    // Loaded_Language: tp 1 fn 1 -> P 1 R .5 F1 2/3
    let (s, p, rc, f) = class(&r, "Loaded_Language");
    assert_eq!(s, 2);
    close(p, 1.0);
    close(rc, 0.5);
    close(f, 2.0 / 3.0);
    assert_eq!(class(&r, "Slogans"), (1, 0.0, 0.0, 0.0));
    assert_eq!(class(&r, "Repetition"), (0, 0.0, 0.0, 0.0));
    // macro over all 23 techniques, absent ones 0: (2/3 + 2/3) / 23
    close(r.macro_f1, (4.0 / 3.0) / 23.0);
    assert_eq!(r.per_class.len(), 23);
    note(&r, "1 gold (id, line) row missing");
    note(&r, "1 predicted (id, line) row not in gold was ignored");
    assert!(r
        .to_string()
        .starts_with("micro-F1: 0.5000\nmacro-F1: 0.0580\n\n"));
}

#[test]
fn techniques_empty_prediction_scores_zero() {
    let gold = parse_techniques(&src(), "1\t1\tDoubt\n1\t3\t\n").unwrap();
    let r = score_techniques(&gold, &[]);
    close(r.micro_f1, 0.0);
    close(r.macro_f1, 0.0);
    note(&r, "2 gold (id, line) rows missing");
}

// ---------------------------------------------------------------- spans

#[test]
fn spans_partial_overlap_credit() {
    let gold = parse_spans(
        &src(),
        "A\tDoubt\t0\t10\nA\tDoubt\t20\t30\nA\tLoaded_Language\t5\t15\nB\tSlogans\t0\t4\n",
    )
    .unwrap();
    let pred = parse_spans(
        &src(),
        // Doubt [5,25) overlaps [0,10) by 5 and [20,30) by 5.
        "A\tDoubt\t5\t25\n\
         A\tLoaded_Language\t5\t10\nA\tLoaded_Language\t8\t15\n\
         A\tSlogans\t0\t4\n\
         C\tDoubt\t0\t5\n",
    )
    .unwrap();
    let r = score_spans(&gold, &pred);
    // Predicted Loaded_Language [5,10) and [8,15) merge into [5,15): |S| = 4
    // (Doubt A, Loaded_Language A, Slogans A, Doubt C); |T| = 4.
    // P credits: Doubt A 10/20 = .5; LL 10/10 = 1; Slogans A (gold is in B) 0; Doubt C 0
    //   P = 1.5 / 4 = 0.375
    // R credits: Doubt [0,10) 5/10, [20,30) 5/10; LL 1; Slogans B 0
    //   R = 2 / 4 = 0.5
    // F1 = 2 * .375 * .5 / .875 = 3/7
    close(r.precision.unwrap(), 0.375);
    close(r.recall.unwrap(), 0.5);
    close(r.micro_f1, 3.0 / 7.0);
    // Doubt: P = .5 / 2 = .25, R = 1 / 2 = .5, F1 = 2*.25*.5/.75 = 1/3
    let (s, p, rc, f) = class(&r, "Doubt");
    assert_eq!(s, 2);
    close(p, 0.25);
    close(rc, 0.5);
    close(f, 1.0 / 3.0);
    assert_eq!(class(&r, "Loaded_Language"), (1, 1.0, 1.0, 1.0));
    assert_eq!(class(&r, "Slogans"), (1, 0.0, 0.0, 0.0));
    // macro = (1/3 + 1) / 23
    close(r.macro_f1, (4.0 / 3.0) / 23.0);
    note(&r, "0 gold and 1 predicted spans merged");
    note(
        &r,
        "1 predicted span(s) in 1 article(s) without any gold span",
    );
    let text = r.to_string();
    assert!(
        text.starts_with(
            "micro-F1: 0.4286\nmacro-F1: 0.0580\nprecision: 0.3750\nrecall: 0.5000\n\n"
        ),
        "{text}"
    );
}

#[test]
fn spans_overlapping_gold_duplicates_are_merged() {
    // Gold [0,10) twice and [5,12) merge into one span [0,12).
    let gold = parse_spans(
        &src(),
        "A\tDoubt\t0\t10\nA\tDoubt\t0\t10\nA\tDoubt\t5\t12\n",
    )
    .unwrap();
    let pred = parse_spans(&src(), "A\tDoubt\t0\t6\n").unwrap();
    let r = score_spans(&gold, &pred);
    // P = 6/6 = 1; R = 6/12 = .5; F1 = 2/3. (Unmerged, R would be
    // (6/10 + 6/10 + 1/7) / 3.)
    close(r.precision.unwrap(), 1.0);
    close(r.recall.unwrap(), 0.5);
    close(r.micro_f1, 2.0 / 3.0);
    assert_eq!(class(&r, "Doubt").0, 1);
    note(&r, "2 gold and 0 predicted spans merged");
}

#[test]
fn spans_duplicated_predictions_do_not_double_count() {
    let gold = parse_spans(&src(), "A\tDoubt\t0\t10\n").unwrap();
    let pred = parse_spans(&src(), "A\tDoubt\t0\t10\nA\tDoubt\t0\t10\n").unwrap();
    let r = score_spans(&gold, &pred);
    close(r.precision.unwrap(), 1.0);
    close(r.recall.unwrap(), 1.0);
}

#[test]
fn spans_that_only_touch_stay_separate() {
    let gold = parse_spans(&src(), "A\tDoubt\t0\t10\n").unwrap();
    let pred = parse_spans(&src(), "A\tDoubt\t0\t5\nA\tDoubt\t5\t10\n").unwrap();
    let r = score_spans(&gold, &pred);
    // P = (5/5 + 5/5) / 2 = 1; R = (5/10 + 5/10) / 1 = 1
    close(r.precision.unwrap(), 1.0);
    close(r.recall.unwrap(), 1.0);
    assert!(r.notes.is_empty(), "{:?}", r.notes);
}

#[test]
fn spans_technique_must_match() {
    let gold = parse_spans(&src(), "A\tDoubt\t0\t10\n").unwrap();
    let pred = parse_spans(&src(), "A\tSlogans\t0\t10\n").unwrap();
    let r = score_spans(&gold, &pred);
    close(r.micro_f1, 0.0);
}

#[test]
fn spans_empty_prediction_and_empty_gold_score_zero() {
    let gold = parse_spans(&src(), "A\tDoubt\t0\t10\n").unwrap();
    let r = score_spans(&gold, &[]);
    assert_eq!((r.precision, r.recall), (Some(0.0), Some(0.0)));
    close(r.micro_f1, 0.0);
    close(r.macro_f1, 0.0);
    let r = score_spans(&[], &[]);
    close(r.micro_f1, 0.0);
    note(&r, "the gold has no spans");
}

// ---------------------------------------------------------------- documents

fn doc(id: &str) -> Document {
    Document::from_text(id, "Title\n\nFirst paragraph here.\nSecond one.\n")
}

#[test]
fn documents_score_like_their_rows() {
    let mut g1 = doc("1");
    g1.genre = Some(GenreScores::certain(rhetor_core::Genre::Opinion));
    g1.frames = vec![
        Scored::new(Frame::Economic, 1.0),
        Scored::new(Frame::Political, 1.0),
    ];
    g1.paragraphs[1].techniques = vec![Scored::new(Technique::Doubt, 1.0)];
    g1.spans.push(rhetor_core::Span {
        technique: Technique::Doubt,
        start: 7,
        end: 17,
        text: String::new(),
        score: 1.0,
    });
    let mut g2 = doc("2");
    g2.genre = Some(GenreScores::certain(rhetor_core::Genre::Satire));

    let mut p1 = doc("1");
    p1.genre = Some(GenreScores::certain(rhetor_core::Genre::Opinion));
    p1.frames = vec![Scored::new(Frame::Economic, 0.9)];
    p1.paragraphs[1].techniques = vec![Scored::new(Technique::Doubt, 0.8)];
    p1.paragraphs[2].techniques = vec![Scored::new(Technique::Slogans, 0.8)];
    p1.spans.push(rhetor_core::Span {
        technique: Technique::Doubt,
        start: 12,
        end: 17,
        text: String::new(),
        score: 0.7,
    });
    // A document not in gold: ignored, for spans too.
    let mut p3 = doc("3");
    p3.spans = p1.spans.clone();

    let gold = [&g1, &g2];
    let pred = [&p1, &p3];
    // genre: 1 right, 2 missing -> opinion F1 1, satire 0, reporting 0.
    let r = score_documents(Task::Genre, &gold, &pred);
    close(r.macro_f1, 1.0 / 3.0);
    // frames: tp 1, fn 1 (Political) -> 2/3.
    close(
        score_documents(Task::Frames, &gold, &pred).micro_f1,
        2.0 / 3.0,
    );
    // techniques: 6 paragraphs (3 per doc); tp Doubt, fp Slogans -> 2/3.
    close(
        score_documents(Task::Techniques, &gold, &pred).micro_f1,
        2.0 / 3.0,
    );
    // spans: pred [12,17) in gold [7,17): P 1, R .5 -> F1 2/3.
    let r = score_documents(Task::Spans, &gold, &pred);
    close(r.micro_f1, 2.0 / 3.0);
    note(&r, "1 predicted documents not in gold were ignored");
}

// ---------------------------------------------------------------- files

#[test]
fn files_are_read_and_errors_name_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let gold = dir.path().join("gold.txt");
    let pred = dir.path().join("pred.txt");
    std::fs::write(&gold, "1\t1\tDoubt\n1\t3\t\n").unwrap();
    std::fs::write(&pred, "1\t1\tDoubt\n").unwrap();
    let r = evaluate_files(Task::Techniques, &gold, &pred).unwrap();
    close(r.micro_f1, 1.0);

    std::fs::write(&pred, "1\t1\tDoubt\n1\tx\tDoubt\n").unwrap();
    let e = evaluate_files(Task::Techniques, &gold, &pred)
        .unwrap_err()
        .to_string();
    assert!(e.contains(&format!("{}:2:", pred.display())), "{e}");
    let e = evaluate_files(Task::Genre, &dir.path().join("nope.txt"), &pred)
        .unwrap_err()
        .to_string();
    assert!(e.contains("nope.txt"), "{e}");
}

#[test]
fn report_table_is_aligned() {
    let gold = parse_genres(&src(), "1\topinion\n").unwrap();
    let text = score_genre(&gold, &gold).to_string();
    let expected = "\
micro-F1: 1.0000
macro-F1: 0.3333

label      support  precision  recall      F1
opinion          1     1.0000  1.0000  1.0000
reporting        0     0.0000  0.0000  0.0000
satire           0     0.0000  0.0000  0.0000
";
    assert_eq!(text, expected);
}
