//! `stats` on a store whose answer we know: one outlet planted with far
//! more appeals to fear than the others.

mod common;

use common::{analysed, article, topic_paragraph, Rng};
use rhetor_core::{Frame, Technique};
use rhetor_corpus::stats::{compute, ranked_rows, StatsRequest, LABEL_NUMBERS};
use rhetor_store::{CorpusFilter, GroupBy, LabelTask, SqliteStore, Store};

fn planted_store(dir: &std::path::Path) -> SqliteStore {
    let mut store = SqliteStore::open(&dir.join("planted.db")).unwrap();
    let mut rng = Rng(7);
    let mut items = Vec::new();
    // Four outlets, 30 articles each, 5 body paragraphs of 20 words.
    // "Le Planté" shows Appeal to fear on 60 % of paragraphs, the others on
    // 5 %; every outlet shows Loaded language on 20 %.
    for (o, outlet) in ["Le Planté", "Daily A", "Daily B", "Daily C"]
        .iter()
        .enumerate()
    {
        let fear = if o == 0 { 0.6 } else { 0.05 };
        for i in 0..30 {
            let body: Vec<String> = (0..5).map(|_| topic_paragraph(&mut rng, 20)).collect();
            let techs: Vec<Vec<Technique>> = (0..5)
                .map(|_| {
                    let mut t = Vec::new();
                    if rng.chance(fear) {
                        t.push(Technique::AppealToFearPrejudice);
                    }
                    if rng.chance(0.2) {
                        t.push(Technique::LoadedLanguage);
                    }
                    t
                })
                .collect();
            let id = format!("{o}-{i}");
            let month = if i % 2 == 0 {
                "2024-03-05"
            } else {
                "2024-04-09"
            };
            items.push(analysed(
                article(
                    &id,
                    outlet,
                    month,
                    "fr",
                    &format!("Titre {id}"),
                    &body.join("\n"),
                ),
                &[Frame::Economic],
                &techs,
            ));
        }
    }
    store.write_batch("planted", &items).unwrap();
    store
}

#[test]
fn the_planted_outlet_ranks_first_with_a_lift_interval_above_one() {
    let dir = tempfile::tempdir().unwrap();
    let store = planted_store(dir.path());
    let groups = compute(
        &store,
        &StatsRequest {
            by: vec![GroupBy::Source],
            task: LabelTask::Techniques,
            filter: CorpusFilter::default(),
            min_articles: 20,
        },
    )
    .unwrap();
    assert_eq!(groups.len(), 4);
    let rows = ranked_rows(&groups);
    let (g, l) = rows[0];
    assert_eq!(g.group.display(), "Le Planté");
    assert_eq!(l.label, Technique::AppealToFearPrejudice.as_str());
    assert!(l.lift_low.unwrap() > 1.0, "{l:?}");
    assert!(!g.small);
    // Every group: 30 articles × 6 lines (title + 5) = 180 paragraphs,
    // 30 × (2 + 5 × 20) = 3,060 words.
    for g in &groups {
        assert_eq!((g.articles, g.paragraphs, g.words), (30, 180, 3060));
    }
    // The other outlets' fear lifts are below 1 with intervals below 1.
    for g in groups.iter().filter(|g| g.group.display() != "Le Planté") {
        let fear = g
            .labels
            .iter()
            .find(|l| l.label == "Appeal_to_Fear-Prejudice")
            .unwrap();
        assert!(
            fear.lift.unwrap() < 1.0 && fear.lift_high.unwrap() < 1.0,
            "{fear:?}"
        );
        // Loaded language is planted evenly: its interval straddles 1.
        let loaded = g
            .labels
            .iter()
            .find(|l| l.label == "Loaded_Language")
            .unwrap();
        assert!(loaded.lift_low.unwrap() < 1.0 && loaded.lift_high.unwrap() > 1.0);
    }
    // Rate and interval agree with the counts: rate = count / 180, and the
    // Wilson interval contains it; per 1,000 words = count / 3.06.
    let fear = &groups
        .iter()
        .find(|g| g.group.display() == "Le Planté")
        .unwrap()
        .labels[0];
    assert!((fear.rate - fear.count as f64 / 180.0).abs() < 1e-12);
    assert!(fear.rate_low < fear.rate && fear.rate < fear.rate_high);
    assert!((fear.per_1k_words - fear.count as f64 / 3.06).abs() < 1e-9);
    // The title line carries no technique, so the rate is at most 5/6.
    assert!(fear.rate > 0.35 && fear.rate < 5.0 / 6.0, "{}", fear.rate);
}

#[test]
fn groups_by_source_and_month_flag_small_groups_and_frames_count_articles() {
    let dir = tempfile::tempdir().unwrap();
    let store = planted_store(dir.path());
    let groups = compute(
        &store,
        &StatsRequest {
            by: vec![GroupBy::Source, GroupBy::Month],
            task: LabelTask::Frames,
            filter: CorpusFilter::default(),
            min_articles: 20,
        },
    )
    .unwrap();
    // 4 outlets × 2 months, 15 articles each: all under 20, all small.
    assert_eq!(groups.len(), 8);
    assert!(groups.iter().all(|g| g.small && g.articles == 15));
    let json = serde_json::to_value(&groups[0]).unwrap();
    // Keys in the order asked for: source, then month.
    let keys: Vec<&String> = json["group"].as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 2);
    assert_eq!(json["group"]["month"], "2024-03");
    // Every article has the Economic frame: rate 1, lift 1 (15/15 over
    // 105/105), Wilson interval for 15/15 = (0.796, 1).
    let l = &json["labels"][0];
    assert_eq!(l["task"], "frames");
    assert_eq!(l["label"], "Economic");
    assert_eq!(l["rate"], 1.0);
    assert_eq!(l["lift"], 1.0);
    assert!((l["rate_low"].as_f64().unwrap() - 0.7961).abs() < 1e-3);
    for k in LABEL_NUMBERS {
        assert!(l[k].is_number(), "{k}");
    }
    // A filter on one source leaves no rest: lift is null.
    let one = compute(
        &store,
        &StatsRequest {
            by: vec![GroupBy::Source],
            task: LabelTask::Genre,
            filter: CorpusFilter {
                sources: vec!["Daily A".into()],
                ..Default::default()
            },
            min_articles: 20,
        },
    )
    .unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].labels[0].label, "reporting");
    assert_eq!(one[0].labels[0].lift, None);
}
