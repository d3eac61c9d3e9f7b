//! `narratives` on planted stories: one story republished by three outlets
//! with edits, among unrelated articles on the same topic.

mod common;

use common::{analysed, article, topic_paragraph, Rng, STORY};
use rhetor_core::Technique;
use rhetor_corpus::narratives::{clusters, update, DEFAULT_THRESHOLD};
use rhetor_store::{Analysed, SqliteStore, Store};

/// The story as outlet `n` republished it.
fn version(n: usize) -> Vec<String> {
    let mut v: Vec<String> = STORY.iter().map(|s| s.to_string()).collect();
    match n {
        0 => {}
        // Scare quotes and a changed word (the seed case).
        1 => {
            v[2] = v[2].replace("fishermen", "\"fishermen\"");
            v[0] = v[0].replace("confirmed", "admitted");
        }
        // A paragraph of comment appended.
        2 => v.push(
            "Critics say the accident proves once again that the port is run for the benefit of foreign companies.".into(),
        ),
        // The last paragraph cut and a sentence reworded.
        3 => {
            v.pop();
            v[1] = "None of the crew was hurt, the authority said, and the hull is not leaking; divers go down again at first light.".into();
        }
        _ => unreachable!(),
    }
    v
}

fn story_item(n: usize, outlet: &str, date: &str, techniques: &[Vec<Technique>]) -> Analysed {
    analysed(
        article(
            &format!("story-{n}"),
            outlet,
            date,
            "en",
            "Ship aground at Port Delmar",
            &version(n).join("\n"),
        ),
        &[],
        techniques,
    )
}

fn unrelated(rng: &mut Rng, i: usize) -> Analysed {
    let body: Vec<String> = (0..5).map(|_| topic_paragraph(rng, 30)).collect();
    analysed(
        article(
            &format!("topic-{i}"),
            &format!("Outlet {}", i % 5),
            "2024-02-01",
            "en",
            "Energy prices",
            &body.join("\n"),
        ),
        &[],
        &[],
    )
}

#[test]
fn finds_exactly_the_planted_story_and_grows_it_incrementally() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(&dir.path().join("n.db")).unwrap();
    let mut rng = Rng(11);
    let mut items: Vec<Analysed> = (0..40).map(|i| unrelated(&mut rng, i)).collect();
    // Stored out of date order: the wire story (first seen) comes last.
    items.push(story_item(
        2,
        "Pravda Weekly",
        "2024-03-07T08:00:00Z",
        &[
            vec![],
            vec![],
            vec![],
            vec![],
            vec![],
            vec![Technique::LoadedLanguage],
        ],
    ));
    items.push(story_item(
        1,
        "Le Courrier",
        "2024-03-06T12:00:00Z",
        &[vec![], vec![], vec![Technique::Doubt]],
    ));
    items.push(story_item(
        0,
        "Wire Service",
        "2024-03-05T09:00:00Z",
        &[vec![Technique::AppealToAuthority]],
    ));
    store.write_batch("planted", &items).unwrap();

    let first = update(&mut store, DEFAULT_THRESHOLD, false).unwrap();
    assert!(first.full);
    assert_eq!(first.placed, 43);
    let (total, found) = clusters(&store, 2, 100, 0).unwrap();
    // Exactly one cluster: the story; no cluster among the 40 articles on
    // the same topic with the same vocabulary.
    assert_eq!(total, 1, "{found:#?}");
    let c = &found[0];
    let ids: Vec<&str> = c.articles.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["story-0", "story-1", "story-2"]);
    assert_eq!(c.size, 3);
    assert_eq!(c.languages, ["en"]);
    assert_eq!(c.articles[0].similarity, 1.0);
    assert!(c.articles[1].similarity >= 0.5 && c.articles[1].similarity < 1.0);
    // First version: Appeal_to_Authority; later: Doubt, Loaded_Language.
    assert_eq!(c.techniques_added, ["Doubt", "Loaded_Language"]);
    assert_eq!(c.techniques_dropped, ["Appeal_to_Authority"]);

    // Incremental: a fourth republication and 10 more unrelated articles.
    let mut later: Vec<Analysed> = (40..50).map(|i| unrelated(&mut rng, i)).collect();
    later.push(story_item(3, "Regional Post", "2024-03-09", &[]));
    store.write_batch("planted", &later).unwrap();
    let second = update(&mut store, DEFAULT_THRESHOLD, false).unwrap();
    assert!(!second.full);
    assert_eq!(second.placed, 11);
    let (total, found) = clusters(&store, 2, 100, 0).unwrap();
    assert_eq!(total, 1);
    let ids: Vec<&str> = found[0].articles.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["story-0", "story-1", "story-2", "story-3"]);
    // The cluster id did not change when the story grew.
    assert_eq!(found[0].cluster, c.cluster);
    // Nothing new: nothing placed, nothing compared.
    let third = update(&mut store, DEFAULT_THRESHOLD, false).unwrap();
    assert_eq!((third.full, third.placed, third.compared), (false, 0, 0));
    // Incremental equals full.
    update(&mut store, DEFAULT_THRESHOLD, true).unwrap();
    let (_, again) = clusters(&store, 2, 100, 0).unwrap();
    assert_eq!(again, found);
    // A different threshold recomputes everything; 0.99 splits the story.
    let strict = update(&mut store, 0.99, false).unwrap();
    assert!(strict.full);
    assert_eq!(clusters(&store, 2, 100, 0).unwrap().0, 0);
}
