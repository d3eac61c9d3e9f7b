"""The Python package against the real engine and the real CLI."""

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

import rhetor
from conftest import ARTICLES, cli_json, write_jsonl


@pytest.fixture(scope="module")
def fast():
    return rhetor.Analyzer("fast")


@pytest.fixture(scope="module")
def cli_fast(rhetor_bin, tmp_path_factory):
    path = write_jsonl(tmp_path_factory.mktemp("cli") / "articles.jsonl", ARTICLES)
    return cli_json(rhetor_bin, path)


def test_analyze_many_equals_the_cli_json(fast, cli_fast):
    ours = fast.analyze_many(ARTICLES)
    assert len(cli_fast) == len(ARTICLES)
    assert ours == cli_fast
    # Not vacuous: the model found things to compare.
    assert all(doc["model"] == "fast" and doc["genre"] is not None for doc in ours)
    assert any(doc["spans"] for doc in ours)
    assert {doc["language"] for doc in ours} == {"en", "fr", "de"}


def test_analyze_one_equals_the_cli_json(fast, cli_fast):
    for article, expected in zip(ARTICLES, cli_fast):
        got = fast.analyze(article["text"], title=article.get("title"), id=article["id"])
        assert got == expected


def test_analyze_many_numbers_items_without_id_across_batches(fast):
    texts = ["Title %d\nThe minister promised a new bridge before winter, again." % i for i in range(5)]
    docs = fast.analyze_many(iter(texts), batch_size=2)
    assert [d["id"] for d in docs] == ["1", "2", "3", "4", "5"]
    assert [d["title"] for d in docs] == ["Title %d" % i for i in range(5)]
    # A numeric id becomes a string, as in the JSON.
    assert fast.analyze_many([{"id": 7, "text": "T\nSome body text here."}])[0]["id"] == "7"


def test_loading_is_lazy_and_shared():
    a = rhetor.Analyzer("fast")
    assert "not loaded" in repr(a)
    assert a.load() == "fast"
    b = rhetor.Analyzer("fast")
    # Once per process: the second analyzer finds the model already loaded.
    t = time.perf_counter()
    assert b.model == "fast"
    assert time.perf_counter() - t < 0.05


def test_threads_share_one_analyzer_and_get_the_same_results(fast):
    expected = fast.analyze_many(ARTICLES)

    def work(i):
        a = ARTICLES[i % len(ARTICLES)]
        return i, fast.analyze(a["text"], title=a.get("title"), id=a["id"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        for i, doc in pool.map(work, range(64)):
            assert doc == expected[i % len(ARTICLES)]


def test_the_gil_is_released_during_analysis(fast):
    """A pure-Python thread keeps running while a long analysis runs."""
    articles = [dict(a, id=str(i)) for i in range(400) for a in ARTICLES[:1]]
    ticks = 0
    stop = threading.Event()

    def count():
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            time.sleep(0.001)

    fast.analyze_many(articles[:10])  # warm up
    t = threading.Thread(target=count)
    start = time.perf_counter()
    t.start()
    fast.analyze_many(articles, batch_size=400)  # one native call
    elapsed = time.perf_counter() - start
    stop.set()
    t.join()
    # With the GIL held for the whole call, the counter could not tick.
    assert elapsed > 0.02, "analysis too fast to tell"
    assert ticks >= 5, (ticks, elapsed)


@pytest.mark.parametrize(
    "call, exc, message",
    [
        (lambda a: a.analyze(""), ValueError, "text is empty"),
        (lambda a: a.analyze("  \n\t"), ValueError, "text is empty"),
        (lambda a: a.analyze(b"bytes"), TypeError, "text must be a str"),
        (lambda a: a.analyze_many([{"title": "no text"}]), ValueError, 'item 1: missing "text"'),
        (lambda a: a.analyze_many(["ok\nbody", ""]), ValueError, "item 2: text is empty"),
        (lambda a: a.analyze_many([3]), TypeError, "item 1: expected a str or a dict"),
        (lambda a: a.analyze_many([{"text": 5}]), TypeError, 'item 1: "text" must be a str'),
        (lambda a: a.analyze_many("a string"), TypeError, "iterable of articles"),
        (lambda a: a.analyze_many(["x"], batch_size=0), ValueError, "batch_size"),
    ],
)
def test_bad_input_raises_python_exceptions(fast, call, exc, message):
    with pytest.raises(exc, match=message.replace("(", r"\(")):
        call(fast)
    # And the analyzer still works afterwards.
    assert fast.analyze("Title\nBody text.")["id"] == "1"


def test_missing_model_file_is_file_not_found_with_the_cli_message(tmp_path):
    a = rhetor.Analyzer(str(tmp_path / "nope.bin"))
    with pytest.raises(FileNotFoundError, match="cannot read model .*expected `auto`, `fast`, `accurate` or a model file"):
        a.analyze("Title\nBody.")


def test_a_corrupt_model_file_is_a_value_error(tmp_path):
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"this is not a model")
    with pytest.raises(ValueError):
        rhetor.Analyzer(str(bad)).load()


def test_accurate_without_encoder_says_how_to_install_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="rhetor models fetch"):
        rhetor.Analyzer("accurate", encoder_dir=str(tmp_path / "empty")).load()


def test_auto_without_encoder_falls_back_to_fast_with_a_warning(tmp_path):
    with pytest.warns(UserWarning, match="using the fast model"):
        a = rhetor.Analyzer("auto", encoder_dir=str(tmp_path / "nothing-here"))
        assert a.load() == "fast"


def test_labels():
    labels = rhetor.labels()
    assert len(labels["genres"]) == 3
    assert len(labels["frames"]) == 14
    assert len(labels["techniques"]) == 23
    ll = next(t for t in labels["techniques"] if t["label"] == "Loaded_Language")
    assert ll["abbreviation"] == "LL" and ll["definition"]
    assert sum(len(c["techniques"]) for c in labels["categories"]) == 23


def test_evidence_levels_equal_the_cli_and_unknown_ones_are_refused(rhetor_bin, tmp_path):
    path = write_jsonl(tmp_path / "articles.jsonl", ARTICLES)
    sizes = {}
    for level in ["precise", "balanced", "recall"]:
        ours = rhetor.Analyzer("fast", evidence=level).analyze_many(ARTICLES)
        assert ours == cli_json(rhetor_bin, path, "fast", "--evidence", level)
        sizes[level] = sum(s["end"] - s["start"] for d in ours for s in d["spans"])
    assert sizes["precise"] <= sizes["balanced"] < sizes["recall"], sizes
    with pytest.raises(ValueError, match="precise"):
        rhetor.Analyzer("fast", evidence="exact")


def test_pickles_for_worker_processes():
    import pickle

    a = pickle.loads(pickle.dumps(rhetor.Analyzer("fast")))
    assert a.analyze("Title\nBody text.")["model"] == "fast"


def test_accurate_model_equals_the_cli_json(rhetor_bin, tmp_path):
    """The accurate model (needs its encoder: `rhetor models fetch`)."""
    import os
    from pathlib import Path

    from conftest import require

    encoder = Path(os.environ.get("RHETOR_ENCODER_DIR") or Path.home() / ".cache/rhetor/multilingual-e5-small")
    require((encoder / "e5-small-q4.bin").exists() or (encoder / "model.safetensors").exists(),
            f"the accurate model's encoder is not installed in {encoder} (rhetor models fetch)")
    path = write_jsonl(tmp_path / "a.jsonl", ARTICLES)
    expected = cli_json(rhetor_bin, path, model="accurate")
    got = rhetor.Analyzer("accurate", encoder_dir=str(encoder)).analyze_many(ARTICLES)
    assert got == expected
    assert all(d["model"] == "accurate" for d in got)
