"""analyze_arrow: typed columns, equal to the JSON objects."""

import pytest

import rhetor
from conftest import ARTICLES



def _pyarrow():
    from conftest import require

    try:
        import pyarrow
    except ImportError:
        require(False, "pyarrow is not installed (pip install pyarrow)")
    return pyarrow


@pytest.fixture(scope="module")
def pa_mod():
    return _pyarrow()


@pytest.fixture(scope="module")
def fast():
    return rhetor.Analyzer("fast")


def as_json_object(row):
    """An output row turned back into the JSON article object's shape."""
    return {
        "id": row["id"],
        "title": row["title"],
        "language": row["language"],
        "model": row["model"],
        "genre_label": row["genre"],
        "genre_score": row["genre_score"],
        "frames": [{"label": f["label"], "score": f["score"]} for f in row["frames"]],
        "paragraphs": [
            {
                "line": p["line"],
                "start": p["start"],
                "text": p["text"],
                "techniques": [{"label": t["label"], "score": t["score"]} for t in p["techniques"]],
            }
            for p in row["paragraphs"]
        ],
        "spans": [dict(s) for s in row["spans"]],
    }


def test_types_are_those_of_the_documented_schema(pa_mod, fast):
    pa = pa_mod
    table = pa.table({
        "id": [a["id"] for a in ARTICLES],
        "title": [a.get("title") for a in ARTICLES],
        "text": [a["text"] for a in ARTICLES],
        "source": ["a", "b", "c", "d"],
    })
    out = fast.analyze_arrow(table, title_column="title", keep=["source"])
    assert out.num_rows == len(ARTICLES)
    expected = rhetor.output_schema().append(pa.field("source", pa.string()))
    assert out.schema.equals(expected)
    label_score = pa.struct([pa.field("label", pa.string(), False), pa.field("score", pa.float32(), False)])
    assert out.schema.field("genre_score").type == pa.float32()
    assert out.schema.field("frames").type == pa.list_(pa.field("item", label_score, False))
    para = out.schema.field("paragraphs").type.value_type
    assert para.field("line").type == pa.int32() and para.field("start").type == pa.int64()
    assert para.field("techniques").type == pa.list_(pa.field("item", label_score, False))
    span = out.schema.field("spans").type.value_type
    assert [span.field(i).name for i in range(span.num_fields)] == ["technique", "start", "end", "text", "score"]
    assert out.column("source").to_pylist() == ["a", "b", "c", "d"]


def test_rows_equal_the_json_objects(pa_mod, fast):
    pa = pa_mod
    table = pa.table({
        "id": [a["id"] for a in ARTICLES],
        "title": [a.get("title") for a in ARTICLES],
        "text": [a["text"] for a in ARTICLES],
    })
    out = fast.analyze_arrow(table, title_column="title")
    docs = fast.analyze_many(ARTICLES)
    for row, doc in zip(out.to_pylist(), docs):
        got = as_json_object(row)
        assert got["id"] == doc["id"] and got["title"] == doc["title"]
        assert got["language"] == doc["language"] and got["model"] == doc["model"]
        assert got["genre_label"] == doc["genre"]["label"]
        # float32 in Arrow, f32 printed shortest in JSON: equal as float32.
        assert got["genre_score"] == pytest.approx(doc["genre"]["scores"][doc["genre"]["label"]], rel=1e-6)
        assert [f["label"] for f in got["frames"]] == [f["label"] for f in doc["frames"]]
        assert [(p["line"], p["start"], p["text"]) for p in got["paragraphs"]] == [
            (p["line"], p["start"], p["text"]) for p in doc["paragraphs"]
        ]
        assert [[t["label"] for t in p["techniques"]] for p in got["paragraphs"]] == [
            [t["label"] for t in p["techniques"]] for p in doc["paragraphs"]
        ]
        assert [(s["technique"], s["start"], s["end"], s["text"]) for s in got["spans"]] == [
            (s["technique"], s["start"], s["end"], s["text"]) for s in doc["spans"]
        ]
    assert sum(len(r["spans"]) for r in out.to_pylist()) > 0


def test_batches_readers_pandas_and_numbering(pa_mod, fast):
    pa = pa_mod
    texts = ["Headline %d\nThe minister promised that the new bridge would open before winter." % i for i in range(7)]
    batches = [pa.record_batch({"text": texts[:3]}), pa.record_batch({"text": texts[3:]})]
    reader = pa.RecordBatchReader.from_batches(batches[0].schema, batches)
    out = fast.analyze_arrow(reader)
    # No id column: rows are numbered across batches.
    assert out.column("id").to_pylist() == [str(i) for i in range(1, 8)]
    assert out.column("title").to_pylist() == ["Headline %d" % i for i in range(7)]
    one = fast.analyze_arrow(batches[1])
    assert one.column("id").to_pylist() == ["1", "2", "3", "4"]
    # Large strings and integer ids.
    t = pa.table({"text": pa.array(texts[:2], pa.large_string()), "id": pa.array([10, 11], pa.int64())})
    assert fast.analyze_arrow(t).column("id").to_pylist() == ["10", "11"]
    try:
        import pandas as pd
    except ImportError:
        return
    df = pd.DataFrame({"text": texts[:2]})
    assert fast.analyze_arrow(df).column("title").to_pylist() == ["Headline 0", "Headline 1"]


def test_arrow_bad_input(pa_mod, fast):
    pa = pa_mod
    with pytest.raises(ValueError, match=r'no column "text" \(columns: body\)'):
        fast.analyze_arrow(pa.table({"body": ["x"]}))
    with pytest.raises(ValueError, match='column "text" must hold strings'):
        fast.analyze_arrow(pa.table({"text": [1, 2]}))
    with pytest.raises(ValueError, match="row 2: text is empty"):
        fast.analyze_arrow(pa.table({"text": ["T\nbody", None]}))
    with pytest.raises(ValueError, match="no column 'source' to keep"):
        fast.analyze_arrow(pa.table({"text": ["T\nbody"]}), keep=["source"])
    with pytest.raises(TypeError, match="analyze_arrow takes"):
        fast.analyze_arrow([{"text": "x"}])
