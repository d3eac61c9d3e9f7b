"""rhetor.extract against the CLI's `rhetor extract` on the pages, feed and
WARC file shipped under examples/news (written for the project)."""

import json
import subprocess

import pytest

import rhetor
from conftest import REPO

NEWS = REPO / "examples" / "news"


def cli_extract(rhetor_bin, *paths):
    out = subprocess.run(
        [str(rhetor_bin), "extract", *map(str, paths)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


@pytest.mark.parametrize("name", ["harbour-vote.html", "feed.xml", "crawl.warc.gz"])
def test_extract_equals_the_cli(rhetor_bin, name):
    ours = rhetor.extract(NEWS / name)
    theirs = cli_extract(rhetor_bin, NEWS / name)
    assert ours == theirs
    # Not vacuous: every record has a body and a title.
    assert ours and all(r["text"].strip() and r["title"] for r in ours)


def test_extract_of_html_text_equals_the_file(rhetor_bin):
    html = (NEWS / "harbour-vote.html").read_bytes()
    (from_bytes,) = rhetor.extract(html)
    (from_str,) = rhetor.extract(html.decode("utf-8"))
    (from_file,) = cli_extract(rhetor_bin, NEWS / "harbour-vote.html")
    # A page given as text has no file stem: its id is not the file's.
    for record in (from_bytes, from_str):
        for field in ("title", "text", "url", "source", "published", "language"):
            assert record[field] == from_file[field], field


def test_extracted_records_feed_the_analyzer():
    records = rhetor.extract([NEWS / "feed.xml", NEWS / "harbour-vote.html"])
    docs = rhetor.Analyzer("fast").analyze_many(records)
    assert [d["id"] for d in docs] == [r["id"] for r in records]
    assert all(d["paragraphs"] for d in docs)


def test_a_list_page_gives_no_record_and_a_warning():
    links = "".join(f'<li><a href="/story/{i}">Story number {i}</a></li>' for i in range(40))
    page = f"<html><head><title>Index</title></head><body><ul>{links}</ul></body></html>"
    with pytest.warns(UserWarning, match="no article text"):
        assert rhetor.extract(page) == []


def test_bad_inputs_raise(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.html"):
        rhetor.extract(tmp_path / "nope.html")
    with pytest.raises(TypeError):
        rhetor.extract(42)
    bad = tmp_path / "cut.warc.gz"
    bad.write_bytes((NEWS / "crawl.warc.gz").read_bytes()[:-200])
    with pytest.raises(ValueError):
        rhetor.extract(bad)
    with pytest.warns(UserWarning):
        kept = rhetor.extract(bad, keep_going=True)
    assert kept == rhetor.extract(NEWS / "crawl.warc.gz")[: len(kept)]
