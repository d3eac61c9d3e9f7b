"""rhetor: how a news article tries to persuade.

For every article rhetor reports its genre (opinion, reporting, satire), its
frames (14) and the persuasion techniques (23) of each paragraph with exact
character spans, in French, English, German, Italian, Polish, Russian, and
usefully in languages it was not trained on. Labels and formats are those of
SemEval-2023 Task 3.

This package runs the same Rust engine as the ``rhetor`` command: an
article analysed here gets exactly the JSON object ``rhetor analyze
--format json`` prints.

>>> import rhetor
>>> an = rhetor.Analyzer(model="fast")
>>> doc = an.analyze("The harbour plan\\nThe council's reckless scheme will ruin us all!")
>>> doc["genre"]["label"] in ("opinion", "reporting", "satire")
True
"""

from __future__ import annotations

import json
import os
import warnings
from itertools import islice
from typing import Any, Dict, Iterable, List, Optional, Sequence, Union

from ._rhetor import NativeAnalyzer as _NativeAnalyzer
from ._rhetor import __version__
from ._rhetor import extract_html_json as _extract_html_json
from ._rhetor import extract_paths_json as _extract_paths_json
from ._rhetor import labels_json as _labels_json

__all__ = ["Analyzer", "extract", "labels", "output_schema", "__version__"]

Article = Union[str, Dict[str, Any]]


class Analyzer:
    """Analyses articles with one rhetor model.

    ``model`` is ``"auto"`` (the accurate model when its encoder is
    installed, else the fast model, with a warning), ``"fast"``,
    ``"accurate"``, or the path of a model file. ``encoder_dir`` is the
    accurate model's encoder folder (default: ``$RHETOR_ENCODER_DIR``, else
    ``~/.cache/rhetor/multilingual-e5-small``, where ``rhetor models fetch``
    puts it). ``evidence`` is the span decision: ``"precise"`` (fewer
    highlights, mostly right), ``"balanced"`` (best span F1, the default)
    or ``"recall"`` (more highlights, missing fewer), as ``--evidence``.

    Loading is lazy: the model is loaded by the first analysis (or
    :meth:`load`), once per process and shared by every ``Analyzer`` of the
    same model. Analysis releases the GIL, and an ``Analyzer`` may be shared
    between threads.

    Errors are Python exceptions carrying the CLI's messages:
    ``FileNotFoundError`` for a missing model file or encoder, ``ValueError``
    for an unknown model or bad input, ``TypeError`` for input of the wrong
    type.
    """

    def __init__(
        self, model: str = "auto", encoder_dir: Optional[str] = None, evidence: str = "balanced"
    ) -> None:
        if not isinstance(model, str):
            raise TypeError(f"model must be a str, got {type(model).__name__}")
        self._spec = model
        self._encoder_dir = encoder_dir
        self._evidence = evidence
        self._native = _NativeAnalyzer(model, encoder_dir, evidence)

    def __repr__(self) -> str:
        state = f"model={self._native.load()!r}" if self._native.is_loaded() else "not loaded"
        return f"<rhetor.Analyzer {self._spec!r} ({state})>"

    def __reduce__(self):
        # Picklable (Spark, multiprocessing): the receiving process loads its
        # own copy lazily.
        return (Analyzer, (self._spec, self._encoder_dir, self._evidence))

    def load(self) -> str:
        """Loads the model now; returns its name (``"fast"``, ``"accurate"``)."""
        return self._native.load()

    @property
    def model(self) -> str:
        """The name of the model in use (loads it if needed)."""
        return self._native.load()

    def analyze(self, text: str, title: Optional[str] = None, id: Optional[str] = None) -> Dict[str, Any]:
        """Analyses one article; returns the JSON article object as plain Python types.

        Without ``title``, line 1 of ``text`` is the title; with it, the
        article is laid out as title, empty line, text (as the CLI reads a
        JSON Lines record). ``id`` defaults to ``"1"``.
        """
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__}")
        return json.loads(self._native.analyze(text, title, None if id is None else str(id)))

    def analyze_many(self, articles: Iterable[Article], batch_size: int = 1024) -> List[Dict[str, Any]]:
        """Analyses many articles on every core; returns their objects in input order.

        Each item is a ``str`` (line 1 the title) or a dict with ``text`` and
        optional ``title`` and ``id`` (an id that is not a string becomes one).
        Items without an id get their 1-based position. ``batch_size`` items
        are converted and analysed at a time.
        """
        if isinstance(articles, (str, dict)):
            raise TypeError("analyze_many takes an iterable of articles; use analyze() for one")
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        out: List[Dict[str, Any]] = []
        it = iter(articles)
        while True:
            batch = list(islice(it, batch_size))
            if not batch:
                return out
            out.extend(json.loads(self._native.analyze_items(batch, len(out))))

    def analyze_arrow(
        self,
        data: Any,
        text_column: str = "text",
        title_column: Optional[str] = None,
        id_column: Optional[str] = "id",
        keep: Sequence[str] = (),
    ):
        """Analyses the articles of a pyarrow ``Table``, ``RecordBatch`` or
        ``RecordBatchReader`` (or a pandas ``DataFrame``); returns a
        ``pyarrow.Table`` with one typed row per article.

        Columns: ``id``, ``title``, ``language``, ``model``, ``genre``,
        ``genre_score``, ``frames`` (list<struct<label, score>>),
        ``paragraphs`` (list<struct<line, start, text, techniques:
        list<struct<label, score>>>>), ``spans`` (list<struct<technique,
        start, end, text, score>>); see :func:`output_schema`. Then the input
        columns named in ``keep``, unchanged.

        ``text_column`` is required; ``title_column`` is optional (when absent,
        line 1 of the text is the title); ``id_column`` is used when present
        (string or integer ids), otherwise rows are numbered from 1. The data
        crosses into Rust through the Arrow C stream interface: no Python
        object is made per article.
        """
        import pyarrow as pa

        if hasattr(data, "to_reader") and isinstance(data, pa.Table):
            table = data
        elif isinstance(data, pa.RecordBatch):
            table = pa.Table.from_batches([data])
        elif isinstance(data, pa.RecordBatchReader):
            table = data.read_all()
        elif type(data).__module__.startswith("pandas"):
            table = pa.Table.from_pandas(data, preserve_index=False)
        else:
            raise TypeError(
                f"analyze_arrow takes a pyarrow Table, RecordBatch, RecordBatchReader or a pandas DataFrame, got {type(data).__name__}"
            )
        names = table.column_names
        for name in keep:
            if name not in names:
                raise ValueError(f"no column {name!r} to keep (columns: {', '.join(names)})")
        if id_column is not None and id_column not in names:
            id_column = None
        reader = table.to_reader()
        result = self._native.analyze_stream(reader, text_column, title_column, id_column).read_all()
        for name in keep:
            result = result.append_column(table.schema.field(name), table.column(name))
        return result


def labels() -> Dict[str, Any]:
    """The label inventories: ``genres``, ``frames``, ``techniques`` (with
    ``category``, ``abbreviation`` and ``definition``) and ``categories``."""
    return json.loads(_labels_json())


def extract(
    html_or_path: Union[str, bytes, "os.PathLike[str]", Sequence[Union[str, "os.PathLike[str]"]]],
    keep_going: bool = False,
) -> List[Dict[str, Any]]:
    """Article records from news as it comes, as ``rhetor extract`` prints
    them: ``{"id", "url", "source", "published", "language", "title",
    "text"}`` (``text`` is the body, one paragraph per line).

    ``html_or_path`` is a saved page's HTML (``str`` starting with ``<``, or
    ``bytes``, its encoding detected as a browser would), or the path (or a
    list of paths) of saved pages, RSS/Atom feeds, WARC/WARC.gz files, JSON
    Lines or SemEval ``.txt`` files, or folders of them. The records feed
    :meth:`Analyzer.analyze_many` directly. A page without article text (a
    list of links) gives no record, with a warning. A path that does not
    exist raises ``FileNotFoundError``; an input that cannot be read raises
    ``ValueError`` naming it, unless ``keep_going``, when it is skipped with a
    warning.
    """
    if isinstance(html_or_path, (bytes, bytearray)):
        return _one_page(bytes(html_or_path))
    if isinstance(html_or_path, str) and html_or_path.lstrip().startswith("<"):
        return _one_page(html_or_path.encode("utf-8"))
    if isinstance(html_or_path, (str, os.PathLike)):
        paths = [os.fspath(html_or_path)]
    elif isinstance(html_or_path, Sequence):
        paths = [os.fspath(p) for p in html_or_path]
    else:
        raise TypeError(
            f"extract takes HTML (str or bytes) or paths, got {type(html_or_path).__name__}"
        )
    records, messages = _extract_paths_json(paths, keep_going)
    for message in messages:
        warnings.warn(f"rhetor: {message}")
    return json.loads(records)


def _one_page(html: bytes) -> List[Dict[str, Any]]:
    record = _extract_html_json(html)
    if record is None:
        warnings.warn("rhetor: skipped: the page has no article text")
        return []
    return [json.loads(record)]


def output_schema():
    """The ``pyarrow.Schema`` of :meth:`Analyzer.analyze_arrow`'s result
    (before any ``keep`` columns)."""
    from ._rhetor import output_schema as _schema

    return _schema()
