//! `rhetor stats`, `search` and `narratives` end to end: articles written
//! for the test, ingested through the real fast model into a real SQLite
//! file, then queried through the binary.

mod common;

use common::{jsonl, rhetor, s, stderr, FERRY_STORY};
use serde_json::Value;
use std::path::Path;

const OTHER: [&str; 3] = [
    "A new bakery opened in the old town square on Saturday, and the queue reached the end of the street before nine in the morning.",
    "The owners, two sisters who trained in Lyon, said they would bake rye bread and almond pastries every day except Monday.",
    "Neighbours welcomed the shop, though some worried about parking on the narrow lanes around the square during market days.",
];

/// JSON Lines records: the story from a wire service, republished by two
/// outlets with edits (scare quotes; a comment added), one unrelated
/// article per outlet, and a French one with accents.
fn write_inputs(dir: &Path) -> std::path::PathBuf {
    let mut lines = Vec::new();
    let mut push =
        |id: &str, source: &str, date: &str, lang: &str, title: &str, body: Vec<String>| {
            lines.push(
                serde_json::json!({
                    "id": id, "source": source, "published": date, "language": lang,
                    "title": title, "text": body.join("\n"),
                })
                .to_string(),
            );
        };
    let story: Vec<String> = FERRY_STORY.iter().map(|s| s.to_string()).collect();
    push(
        "wire-1",
        "Wire",
        "2024-03-05",
        "en",
        "Ferry pier to close",
        story.clone(),
    );
    let mut quoted = story.clone();
    quoted[1] = quoted[1].replace("reckless", "\"reckless\"");
    push(
        "copy-1",
        "Outlet A",
        "2024-03-06",
        "en",
        "Council shuts ferry pier",
        quoted,
    );
    let mut commented = story.clone();
    commented.push(
        "This is what happens when distant bureaucrats decide everything for the island.".into(),
    );
    push(
        "copy-2",
        "Outlet B",
        "2024-03-08",
        "en",
        "Pier closed",
        commented,
    );
    let other: Vec<String> = OTHER.iter().map(|s| s.to_string()).collect();
    push(
        "bakery",
        "Outlet A",
        "2024-04-01",
        "en",
        "Bakery opens",
        other,
    );
    push(
        "fr-1",
        "Le Matin",
        "2024-04-02",
        "fr",
        "Le député répond à l'Élysée",
        vec![
            "Le député a répondu mardi aux critiques de l'Élysée sur le budget de la région."
                .into(),
        ],
    );
    let path = dir.join("articles.jsonl");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

fn ingested(dir: &Path) -> std::path::PathBuf {
    let input = write_inputs(dir);
    let db = dir.join("corpus.db");
    let o = rhetor(&["ingest", s(&input), "--db", s(&db), "--model", "fast"]);
    assert!(o.status.success(), "{}", stderr(&o));
    db
}

#[test]
fn stats_through_the_fast_model_has_the_documented_shape() {
    let dir = tempfile::tempdir().unwrap();
    let db = ingested(dir.path());
    let o = rhetor(&[
        "stats",
        "--db",
        s(&db),
        "--by",
        "source,month",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let groups: Vec<Value> = serde_json::from_slice(&o.stdout).unwrap();
    // Wire 03, Outlet A 03, Outlet B 03, Outlet A 04, Le Matin 04.
    assert_eq!(groups.len(), 5);
    let mut articles = 0;
    for g in &groups {
        let keys: Vec<&String> = g["group"].as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 2);
        assert!(g["group"]["source"].is_string() && g["group"]["month"].is_string());
        assert_eq!(g["small"], true); // every group has fewer than 20 articles
        articles += g["articles"].as_u64().unwrap();
        for l in g["labels"].as_array().unwrap() {
            let obj = l.as_object().unwrap();
            let mut fields: Vec<&str> = obj.keys().map(|k| k.as_str()).collect();
            fields.sort();
            assert_eq!(
                fields,
                [
                    "count",
                    "label",
                    "lift",
                    "lift_high",
                    "lift_low",
                    "per_1k_words",
                    "rate",
                    "rate_high",
                    "rate_low",
                    "task"
                ]
            );
            let (rate, lo, hi) = (
                l["rate"].as_f64().unwrap(),
                l["rate_low"].as_f64().unwrap(),
                l["rate_high"].as_f64().unwrap(),
            );
            assert!(lo <= rate && rate <= hi, "{l}");
            assert_eq!(l["task"], "techniques");
        }
    }
    assert_eq!(articles, 5);
    // The table and CSV: header and aligned rows, highest lift first.
    let o = rhetor(&[
        "stats",
        "--db",
        s(&db),
        "--format",
        "csv",
        "--task",
        "genre",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let csv = String::from_utf8(o.stdout).unwrap();
    assert!(
        csv.starts_with("source,articles,paragraphs,words,small,task,label,count,rate,"),
        "{csv}"
    );
    let o = rhetor(&[
        "stats",
        "--db",
        s(&db),
        "--source",
        "Outlet A",
        "--since",
        "2024-04",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let table = String::from_utf8(o.stdout).unwrap();
    assert!(
        table.lines().next().unwrap().starts_with("source"),
        "{table}"
    );
}

#[test]
fn search_and_narratives_through_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let db = ingested(dir.path());
    // Accents folded: "elysee" finds the French title and paragraph.
    let o = rhetor(&["search", "elysee", "--db", s(&db), "--format", "jsonl"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let hits = jsonl(&o);
    assert_eq!(hits.len(), 2, "{hits:?}");
    for h in &hits {
        assert_eq!(h["id"], "fr-1");
        assert_eq!(h["source"], "Le Matin");
        assert!(h["snippet"].as_str().unwrap().contains("[[Élysée]]"));
        assert!(h["score"].as_f64().unwrap() > 0.0);
        assert!(h["techniques"].is_array() && h["line"].is_u64());
    }
    // Filters: the pier story appears in three outlets; one source keeps one.
    let o = rhetor(&[
        "search",
        "ferry pier",
        "--db",
        s(&db),
        "--format",
        "jsonl",
        "--source",
        "Outlet B",
    ]);
    let hits = jsonl(&o);
    assert!(
        !hits.is_empty() && hits.iter().all(|h| h["id"] == "copy-2"),
        "{hits:?}"
    );
    // Not FTS5 syntax (an apostrophe): searched as words, no error.
    let o = rhetor(&[
        "search",
        "winter's storms",
        "--db",
        s(&db),
        "--format",
        "jsonl",
        "--limit",
        "1",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(jsonl(&o).len(), 1);

    let o = rhetor(&["narratives", "--db", s(&db), "--format", "jsonl"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let clusters = jsonl(&o);
    assert_eq!(clusters.len(), 1, "{clusters:?}");
    let c = &clusters[0];
    assert_eq!(c["size"], 3);
    assert_eq!(c["languages"], serde_json::json!(["en"]));
    let ids: Vec<&str> = c["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["wire-1", "copy-1", "copy-2"]);
    assert!(c["techniques_added"].is_array() && c["techniques_dropped"].is_array());
    // A second run places nothing new.
    let o = rhetor(&["narratives", "--db", s(&db), "--format", "jsonl"]);
    assert!(stderr(&o).contains("0 article(s) placed"), "{}", stderr(&o));
}

#[test]
fn bad_input_is_a_clear_error_with_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let db = ingested(dir.path());
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["search", "x", "--db", s(&db), "--technique", "Fear"],
            "unknown technique",
        ),
        (
            vec!["search", "x", "--db", s(&db), "--frame", "Money"],
            "unknown frame",
        ),
        (
            vec!["stats", "--db", s(&db), "--since", "2024-13-01"],
            "malformed date",
        ),
        (
            vec!["stats", "--db", s(&db), "--until", "March"],
            "malformed date",
        ),
        (
            vec!["stats", "--db", s(&db), "--by", "outlet"],
            "unknown group",
        ),
        (
            vec!["narratives", "--db", s(&db), "--threshold", "2"],
            "between 0 and 1",
        ),
        (vec!["search", "?!", "--db", s(&db)], "no words"),
    ];
    for (args, expected) in cases {
        let o = rhetor(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(expected), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"));
    }
    // Missing and empty databases.
    let missing = dir.path().join("missing.db");
    let o = rhetor(&["stats", "--db", s(&missing)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no rhetor database"), "{}", stderr(&o));
    assert!(!missing.exists());
    let empty = dir.path().join("empty.db");
    rhetor_store::SqliteStore::open(&empty).unwrap();
    for cmd in ["stats", "search", "narratives"] {
        let mut args = vec![cmd, "--db", s(&empty)];
        if cmd == "search" {
            args.push("x");
        }
        let o = rhetor(&args);
        assert_eq!(o.status.code(), Some(2), "{cmd}");
        assert!(
            stderr(&o).contains("holds no articles"),
            "{cmd}: {}",
            stderr(&o)
        );
    }
    // Not a database at all.
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "hello").unwrap();
    let o = rhetor(&["search", "x", "--db", s(&text)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("not a rhetor database"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn cross_lingual_without_the_encoder_says_how_to_install_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = ingested(dir.path());
    let nowhere = dir.path().join("no-encoder");
    let o = rhetor(&[
        "narratives",
        "--db",
        s(&db),
        "--cross-lingual",
        "--encoder",
        s(&nowhere),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("rhetor models fetch"), "{}", stderr(&o));
}

/// The pier story in French and German (our own translations), and two
/// articles on the same topic (ferries, piers) that tell other stories.
const STORY_FR: [&str; 4] = [
    "Le conseil régional a voté mardi la fermeture de l'ancien embarcadère du ferry après que des ingénieurs ont découvert de profondes fissures dans deux de ses piliers en béton.",
    "Les habitants de l'île, qui dépendent du ferry pour le travail et l'école, disent ne pas avoir été consultés et jugent la décision irresponsable.",
    "Le conseil a promis un ponton provisoire d'ici six semaines et des bus gratuits vers le pont du continent jusqu'à son ouverture.",
    "Selon les ingénieurs, l'embarcadère était inspecté chaque année, mais les tempêtes de l'hiver dernier ont causé plus de dégâts que prévu.",
];
const STORY_DE: [&str; 4] = [
    "Der Regionalrat hat am Dienstag beschlossen, den alten Fähranleger zu schließen, nachdem Ingenieure tiefe Risse in zwei seiner Betonstützen gefunden hatten.",
    "Die Bewohner der Insel, die für Arbeit und Schule auf die Fähre angewiesen sind, sagten, sie seien nicht gefragt worden, und nannten die Entscheidung leichtsinnig.",
    "Der Rat versprach innerhalb von sechs Wochen einen provisorischen Anleger und kostenlose Busse zur Festlandbrücke, bis diese eröffnet wird.",
    "Die Ingenieure sagten, der Anleger sei jedes Jahr geprüft worden, doch die Stürme des letzten Winters hätten mehr Schaden angerichtet als erwartet.",
];
const SAME_TOPIC_FR: [&str; 3] = [
    "Une nouvelle ligne de ferry entre le port de Sète et les îles Baléares sera lancée au printemps, a annoncé la compagnie lundi.",
    "Les billets seront vendus à partir de quarante euros et le navire pourra transporter cinq cents passagers et deux cents voitures.",
    "Les commerçants du port espèrent que la ligne attirera davantage de touristes pendant l'été.",
];
const SAME_TOPIC_DE: [&str; 3] = [
    "Die Sanierung der Hafenbrücke in Kiel dauert länger als geplant, teilte die Stadtverwaltung am Freitag mit.",
    "Wegen fehlender Stahlteile verschiebt sich die Wiedereröffnung für Autos um mindestens drei Monate.",
    "Radfahrer und Fußgänger dürfen die Brücke ab nächster Woche wieder auf einer Spur benutzen.",
];

#[test]
fn cross_lingual_joins_the_translations_and_nothing_else() {
    let Some(encoder) = rhetor_testkit::need(
        rhetor_encoder::fetch::default_dir().filter(|d| rhetor_encoder::fetch::is_fetched(d)),
        rhetor_testkit::ENCODER,
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = ingested(dir.path());
    let mut lines = Vec::new();
    for (id, source, date, lang, title, body) in [
        (
            "fr-story",
            "Le Matin",
            "2024-03-07",
            "fr",
            "L'embarcadère du ferry fermé",
            &STORY_FR[..],
        ),
        (
            "de-story",
            "Abendpost",
            "2024-03-09",
            "de",
            "Fähranleger wird geschlossen",
            &STORY_DE[..],
        ),
        (
            "fr-ferry",
            "Le Matin",
            "2024-03-10",
            "fr",
            "Nouvelle ligne de ferry",
            &SAME_TOPIC_FR[..],
        ),
        (
            "de-bridge",
            "Abendpost",
            "2024-03-11",
            "de",
            "Hafenbrücke später fertig",
            &SAME_TOPIC_DE[..],
        ),
    ] {
        lines.push(
            serde_json::json!({"id": id, "source": source, "published": date, "language": lang,
                               "title": title, "text": body.join("\n")})
            .to_string(),
        );
    }
    let more = dir.path().join("more.jsonl");
    std::fs::write(&more, lines.join("\n") + "\n").unwrap();
    let o = rhetor(&["ingest", s(&more), "--db", s(&db), "--model", "fast"]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Lexical only: the translations stay apart.
    let o = rhetor(&["narratives", "--db", s(&db), "--format", "jsonl"]);
    assert_eq!(jsonl(&o)[0]["size"], 3);
    let o = rhetor(&[
        "narratives",
        "--db",
        s(&db),
        "--format",
        "jsonl",
        "--cross-lingual",
        "--encoder",
        s(&encoder),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let clusters = jsonl(&o);
    assert_eq!(clusters.len(), 1, "{clusters:#?}");
    let c = &clusters[0];
    let ids: Vec<&str> = c["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["wire-1", "copy-1", "fr-story", "copy-2", "de-story"],
        "{c:#}"
    );
    assert_eq!(c["languages"], serde_json::json!(["en", "fr", "de"]));
    // A full lexical recomputation keeps the cross-lingual joins when
    // --cross-lingual is given again (nothing left to embed).
    let o = rhetor(&[
        "narratives",
        "--db",
        s(&db),
        "--format",
        "jsonl",
        "--cross-lingual",
        "--full",
        "--encoder",
        s(&encoder),
    ]);
    assert!(
        stderr(&o).contains("0 article(s) embedded"),
        "{}",
        stderr(&o)
    );
    assert_eq!(jsonl(&o)[0]["size"], 5);
}
