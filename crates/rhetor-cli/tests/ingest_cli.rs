//! `rhetor extract`, `ingest`, `export` and `db info` end to end, on pages,
//! feeds and WARC files the tests write, with a real SQLite file.

mod common;

use common::{jsonl, rhetor, s, stderr, FERRY_STORY};
use flate2::write::GzEncoder;
use flate2::Compression;
use rhetor_store::{SqliteStore, Store};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A news page with everything that is not the article around it.
fn page(title: &str, site: &str, url: &str, date: &str, body: &[&str]) -> String {
    let paras: String = body.iter().map(|p| format!("<p>{p}</p>\n")).collect();
    format!(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{title} | {site}</title>
<meta property="og:site_name" content="{site}">
<meta property="article:published_time" content="{date}">
<link rel="canonical" href="{url}">
</head><body>
<div class="cookie-banner"><p>We use cookies to improve your experience on this site. Accept all cookies or manage settings.</p></div>
<nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article><h1>{title}</h1><div class="byline">By Jo Writer</div>
<figure><img src="a.jpg"><figcaption>The pier at low tide, photographed last spring by our reporter.</figcaption></figure>
{paras}</article>
<aside class="related"><h3>Related</h3><ul><li><a href="/1">Bus timetable changes announced for the summer season</a></li></ul></aside>
<section class="comments"><p>What a terrible decision, they never listen to anyone here at all!</p></section>
<footer>© Island Times. All rights reserved.</footer>
</body></html>"#
    )
}

fn warc_record(uri: &str, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut http = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    http.extend_from_slice(body);
    let mut r = format!(
        "WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: {uri}\r\nWARC-Date: 2024-03-01T12:00:00Z\r\nWARC-Record-ID: <urn:uuid:{}>\r\nContent-Type: application/http; msgtype=response\r\nContent-Length: {}\r\n\r\n",
        rhetor_extract::url_id(uri),
        http.len()
    )
    .into_bytes();
    r.extend_from_slice(&http);
    r.extend_from_slice(b"\r\n\r\n");
    r
}

/// One gzip member per record, as Common Crawl writes them.
fn gz_member(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

#[test]
fn extract_reads_pages_feeds_and_warc_by_content() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A page saved without extension.
    std::fs::write(
        d.join("pier-story"),
        page(
            "Island pier closed after cracks found",
            "Island Times",
            "https://island.example/news/pier",
            "2024-02-27T08:00:00Z",
            &FERRY_STORY,
        ),
    )
    .unwrap();
    // A feed whose second item links to a page saved next to it.
    std::fs::write(
        d.join("saved.html"),
        page(
            "Saved story about the harbour wall",
            "Island Times",
            "https://island.example/news/saved",
            "2024-02-20",
            &FERRY_STORY[..3],
        ),
    )
    .unwrap();
    let items: String = format!(
        "<item><title>Feed body</title><link>https://feed.example/a</link><pubDate>Wed, 28 Feb 2024 09:00:00 GMT</pubDate><content:encoded><![CDATA[{}]]></content:encoded></item>\
         <item><title>Saved</title><link>https://island.example/news/saved.html</link></item>",
        FERRY_STORY.iter().map(|p| format!("<p>{p}</p>")).collect::<String>()
    );
    std::fs::write(
        d.join("feed.rss"),
        format!("<?xml version=\"1.0\"?><rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\"><channel><title>Feed Times</title>{items}</channel></rss>"),
    )
    .unwrap();
    // A WARC.gz: an HTML response (windows-1252, declared only in the
    // HTTP header) and an image.
    let fr_body = "Le conseil régional a voté mardi la fermeture de l'ancien quai après la découverte de fissures profondes dans deux de ses piliers en béton. Les habitants de l'île, qui dépendent du bac pour aller travailler, disent ne pas avoir été consultés.";
    let fr_page = format!("<html><head><title>Quai fermé après la découverte de fissures</title></head><body><article><h1>Quai fermé</h1><p>{fr_body}</p><p>{fr_body}</p></article></body></html>");
    let latin = encoding_1252(&fr_page);
    let mut warc = gz_member(&warc_record(
        "https://ile.example/quai",
        "text/html; charset=windows-1252",
        &latin,
    ));
    warc.extend(gz_member(&warc_record(
        "https://ile.example/logo.png",
        "image/png",
        b"\x89PNG",
    )));
    std::fs::write(d.join("crawl.warc.gz"), &warc).unwrap();

    let out = rhetor(&["extract", s(d)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let recs = jsonl(&out);
    // crawl.warc.gz (1 page), feed.rss (2 items, one of them saved.html,
    // which is not read again as a page of its own), pier-story.
    assert_eq!(recs.len(), 4, "{recs:#?}");
    let by_url = |u: &str| {
        recs.iter()
            .find(|r| r["url"] == u)
            .unwrap_or_else(|| panic!("no record for {u}: {recs:#?}"))
    };

    let pier = by_url("https://island.example/news/pier");
    assert_eq!(pier["id"], "pier-story");
    assert_eq!(pier["title"], "Island pier closed after cracks found");
    assert_eq!(pier["source"], "Island Times");
    assert_eq!(pier["published"], "2024-02-27T08:00:00Z");
    assert_eq!(pier["language"], "en");
    assert_eq!(
        pier["text"],
        FERRY_STORY.join("\n"),
        "body only: no banner, caption, related, comments"
    );

    let fr = by_url("https://ile.example/quai");
    assert_eq!(
        fr["published"], "2024-03-01T12:00:00Z",
        "WARC-Date when the page has none"
    );
    assert_eq!(
        fr["source"], "ile.example",
        "the URL's host when the page names no site"
    );
    assert!(
        fr["text"].as_str().unwrap().contains("régional a voté"),
        "decoded from windows-1252: {fr}"
    );
    assert_eq!(fr["language"], "fr");
    assert_eq!(fr["id"], rhetor_extract::url_id("https://ile.example/quai"));

    let feed = by_url("https://feed.example/a");
    assert_eq!(feed["source"], "Feed Times");
    assert_eq!(feed["published"], "2024-02-28T09:00:00Z");
    assert_eq!(feed["text"], FERRY_STORY.join("\n"));
    let saved = by_url("https://island.example/news/saved");
    assert_eq!(
        saved["text"],
        FERRY_STORY[..3].join("\n"),
        "the saved page next to the feed was read"
    );
    assert_eq!(
        saved["id"],
        rhetor_extract::url_id("https://island.example/news/saved.html"),
        "read once, as the feed's item (the id of a feed item)"
    );
    assert_eq!(
        recs.iter()
            .filter(|r| r["url"] == "https://island.example/news/saved")
            .count(),
        1
    );

    // The records feed `analyze`.
    let mut child = Command::new(env!("CARGO_BIN_EXE_rhetor"))
        .args(["analyze", "--model", "fast", "--format", "jsonl", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&out.stdout).unwrap();
    let analysed = child.wait_with_output().unwrap();
    assert!(analysed.status.success(), "{}", stderr(&analysed));
    let docs = jsonl(&analysed);
    assert_eq!(docs.len(), 4);
    assert_eq!(docs[0]["model"], "fast");
}

/// windows-1252 bytes of a Latin-1-only string.
fn encoding_1252(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| u8::try_from(u32::from(c)).expect("latin-1 only"))
        .collect()
}

fn write_jsonl(path: &Path, n: usize, offset: usize) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for i in offset..offset + n {
        let body = format!(
            "{} Report number {i} says the plan is a disaster that nobody wanted.\n{}",
            FERRY_STORY[i % 4],
            FERRY_STORY[(i + 1) % 4]
        );
        let rec = serde_json::json!({
            "id": format!("a{i}"),
            "title": format!("Story {i}"),
            "text": body,
            "url": format!("https://news.example/{i}"),
            "source": if i % 2 == 0 { "Even Post" } else { "Odd Herald" },
            "published": format!("2024-01-{:02}", 1 + i % 28),
        });
        writeln!(f, "{rec}").unwrap();
    }
}

fn db_info(db: &Path) -> Value {
    let out = rhetor(&["db", "info", "--db", s(db), "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn ingest_is_idempotent_and_export_equals_analyze() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    write_jsonl(&input, 40, 0);
    let db = dir.path().join("r.db");
    let out = rhetor(&[
        "ingest",
        s(&input),
        "--db",
        s(&db),
        "--model",
        "fast",
        "--batch",
        "16",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("read 40, new 40, already stored 0, skipped 0, failed 0"),
        "{}",
        stderr(&out)
    );

    // Again: nothing new.
    let out = rhetor(&["ingest", s(&input), "--db", s(&db), "--model", "fast"]);
    assert!(
        stderr(&out).contains("read 40, new 0, already stored 40"),
        "{}",
        stderr(&out)
    );
    let info = db_info(&db);
    assert_eq!(info["schema_version"], rhetor_store::schema::SCHEMA_VERSION);
    assert_eq!(info["articles"], 40);
    assert_eq!(info["sources"], 2);
    assert_eq!(info["analyses"]["fast-0.1.0"], 40);
    assert_eq!(info["first_published"], "2024-01-01");
    assert_eq!(info["last_published"], "2024-01-28");

    // A newer model version: a second analysis per article, no new article.
    let out = rhetor(&[
        "ingest",
        s(&input),
        "--db",
        s(&db),
        "--model",
        "fast",
        "--model-version",
        "fast-next",
    ]);
    assert!(
        stderr(&out).contains("new 40, already stored 0"),
        "{}",
        stderr(&out)
    );
    let info = db_info(&db);
    assert_eq!(info["articles"], 40);
    assert_eq!(info["analyses"]["fast-next"], 40);
    assert_eq!(info["analyses"]["fast-0.1.0"], 40);

    // export jsonl = analyze's object + url/source/published.
    let exported = rhetor(&["export", "--db", s(&db)]);
    assert!(exported.status.success(), "{}", stderr(&exported));
    let analyzed = rhetor(&["analyze", "--model", "fast", "--format", "jsonl", s(&input)]);
    assert!(analyzed.status.success(), "{}", stderr(&analyzed));
    let (ex, an) = (jsonl(&exported), jsonl(&analyzed));
    assert_eq!(ex.len(), 40);
    for (e, a) in ex.iter().zip(&an) {
        let mut e = e.clone();
        let m = e.as_object_mut().unwrap();
        let url = m.remove("url").unwrap();
        assert_eq!(
            url,
            format!("https://news.example/{}", &a["id"].as_str().unwrap()[1..])
        );
        assert!(m.remove("source").unwrap().is_string());
        assert!(m.remove("published").unwrap().is_string());
        assert_eq!(&e, a, "exported analysis differs from analyze output");
    }
    // The exported lines start exactly like analyze's (same field order).
    let ex_text = String::from_utf8_lossy(&exported.stdout);
    let an_text = String::from_utf8_lossy(&analyzed.stdout);
    let first_an = an_text.lines().next().unwrap();
    assert!(ex_text
        .lines()
        .next()
        .unwrap()
        .starts_with(&first_an[..first_an.len() - 1]));

    // Filters, SemEval rows and CSV.
    let odd = jsonl(&rhetor(&[
        "export",
        "--db",
        s(&db),
        "--source",
        "Odd Herald",
        "--since",
        "2024-01-05",
        "--until",
        "2024-01-10",
    ]));
    let want: Vec<String> = (0..40)
        .filter(|i| i % 2 == 1 && (5..=10).contains(&(1 + i % 28)))
        .map(|i| format!("a{i}"))
        .collect();
    assert_eq!(
        odd.iter()
            .map(|d| d["id"].as_str().unwrap().to_string())
            .collect::<Vec<_>>(),
        want
    );
    let rows = rhetor(&[
        "export",
        "--db",
        s(&db),
        "--format",
        "semeval",
        "--task",
        "genre",
    ]);
    let rows = String::from_utf8_lossy(&rows.stdout).into_owned();
    assert_eq!(rows.lines().count(), 40);
    let first = &an[0];
    assert_eq!(
        rows.lines().next().unwrap(),
        format!("a0\t{}", first["genre"]["label"].as_str().unwrap())
    );
    let csv_path = dir.path().join("out.csv");
    let csv = rhetor(&[
        "export",
        "--db",
        s(&db),
        "--format",
        "csv",
        "-o",
        s(&csv_path),
    ]);
    assert!(csv.status.success(), "{}", stderr(&csv));
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(
        &header[..6],
        ["id", "source", "published", "language", "genre", "frames"]
    );
    assert_eq!(header.len(), 6 + 23);
    let row0: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(row0[0], "a0");
    assert_eq!(row0[1], "Even Post");
    let ll = header.iter().position(|h| *h == "Loaded_Language").unwrap();
    let want_ll = first["paragraphs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| {
            p["techniques"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["label"] == "Loaded_Language")
        })
        .count();
    assert_eq!(row0[ll], want_ll.to_string());
    assert_eq!(csv.lines().count(), 41);
}

#[test]
fn bad_inputs_are_named_and_good_ones_kept() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Two complete records, then a third cut in the middle of its member.
    let mut warc = Vec::new();
    for i in 0..2 {
        let body = page(
            &format!("Story {i} about the pier"),
            "Island Times",
            &format!("https://island.example/{i}"),
            "2024-02-27",
            &FERRY_STORY,
        );
        warc.extend(gz_member(&warc_record(
            &format!("https://island.example/{i}"),
            "text/html",
            body.as_bytes(),
        )));
    }
    let third = gz_member(&warc_record(
        "https://island.example/2",
        "text/html",
        page(
            "Third",
            "I",
            "https://island.example/2",
            "2024-02-27",
            &FERRY_STORY,
        )
        .as_bytes(),
    ));
    warc.extend_from_slice(&third[..third.len() / 2]);
    std::fs::write(d.join("cut.warc.gz"), &warc).unwrap();
    // A list page, a feed that is not XML, a binary file.
    let links: String = (0..30)
        .map(|i| format!("<li><a href=\"/n{i}\">Headline number {i}</a></li>"))
        .collect();
    std::fs::write(d.join("list.html"), format!("<!DOCTYPE html><html><head><title>News</title></head><body><ul>{links}</ul></body></html>")).unwrap();
    std::fs::write(
        d.join("bad.rss"),
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><item><title>x</ti",
    )
    .unwrap();
    std::fs::write(d.join("blob.bin"), b"\x00\x01\x02binary").unwrap();

    let db = d.join("r.db");
    let paths = [
        d.join("cut.warc.gz"),
        d.join("list.html"),
        d.join("bad.rss"),
        d.join("blob.bin"),
    ];
    let mut args: Vec<&str> = vec!["ingest", "--db", s(&db), "--model", "fast", "--keep-going"];
    args.extend(paths.iter().map(|p| s(p)));
    let out = rhetor(&args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("cut.warc.gz: WARC record 3"), "{err}");
    assert!(err.contains("list.html: no article text"), "{err}");
    assert!(
        err.contains("bad.rss: not a readable RSS/Atom feed"),
        "{err}"
    );
    assert!(
        err.contains("blob.bin: looks like a binary file (NUL byte at byte offset 0)"),
        "{err}"
    );
    assert!(
        err.contains("read 6, new 2, already stored 0, skipped 1, failed 3"),
        "{err}"
    );
    assert_eq!(db_info(&db)["articles"], 2);

    // Without --keep-going: stops at the first bad input, exit 2, and what
    // was stored stays.
    let out = rhetor(&["ingest", "--db", s(&db), "--model", "fast", s(&paths[2])]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(db_info(&db)["articles"], 2);

    // A file that is not a database is refused untouched.
    let notes = d.join("notes.txt");
    std::fs::write(&notes, "precious").unwrap();
    let out = rhetor(&["ingest", "--db", s(&notes), "--model", "fast", s(&paths[0])]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("not a rhetor database"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "precious");
    // Export of a database that is not there creates nothing.
    let missing = d.join("missing.db");
    let out = rhetor(&["export", "--db", s(&missing)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no rhetor database here"),
        "{}",
        stderr(&out)
    );
    assert!(!missing.exists());
}

/// Starts `rhetor ingest`, SIGKILLs it once some batches are committed,
/// checks the file, then re-runs it to completion.
#[test]
fn ingest_survives_sigkill_and_resumes_without_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("big.jsonl");
    let total = 30_000;
    write_jsonl(&input, total, 0);
    let db: PathBuf = dir.path().join("r.db");
    let mut child = Command::new(env!("CARGO_BIN_EXE_rhetor"))
        .args([
            "ingest",
            s(&input),
            "--db",
            s(&db),
            "--model",
            "fast",
            "--batch",
            "64",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until some articles are committed (readers never block the
    // writer in WAL mode).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let stored_before_kill = loop {
        std::thread::sleep(std::time::Duration::from_millis(100));
        if let Ok(s) = SqliteStore::open_read_only(&db) {
            if let Ok(info) = s.info() {
                if info.articles >= 500 {
                    break info.articles;
                }
            }
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "ingest finished before it could be killed"
        );
        assert!(
            std::time::Instant::now() < deadline,
            "no batch committed in 120 s"
        );
    };
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();

    let store = SqliteStore::open_read_only(&db).unwrap();
    assert_eq!(store.integrity_check().unwrap(), Ok(()));
    let info = store.info().unwrap();
    assert!(
        info.articles >= stored_before_kill,
        "committed batches are kept"
    );
    assert!(
        (info.articles as usize) < total,
        "killed mid-run ({} stored)",
        info.articles
    );
    assert_eq!(
        info.analyses.values().sum::<u64>(),
        info.articles,
        "every stored article has its analysis"
    );
    let kept = info.articles as usize;
    drop(store);

    let out = rhetor(&["ingest", s(&input), "--db", s(&db), "--model", "fast"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let want = format!(
        "read {total}, new {}, already stored {kept}, skipped 0, failed 0",
        total - kept
    );
    assert!(
        stderr(&out).contains(&want),
        "{} (want {want})",
        stderr(&out)
    );
    let store = SqliteStore::open_read_only(&db).unwrap();
    assert_eq!(store.integrity_check().unwrap(), Ok(()));
    let info = store.info().unwrap();
    assert_eq!(info.articles as usize, total);
    assert_eq!(info.analyses["fast-0.1.0"] as usize, total);
}
