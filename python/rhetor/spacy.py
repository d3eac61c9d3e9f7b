"""rhetor as a spaCy pipeline component (install the ``spacy`` extra).

>>> import spacy
>>> nlp = spacy.blank("en")
>>> nlp.add_pipe("rhetor", config={"model": "fast"})   # doctest: +SKIP
>>> doc = nlp("Title\\nThe council's reckless plan will ruin us all!")   # doctest: +SKIP

The component sets

* ``doc.cats``: ``genre:opinion``, ``genre:reporting``, ``genre:satire`` (the
  genre probabilities) and ``frame:<Frame>`` for all 14 frames (the predicted
  frames' scores, 0.0 for the others);
* ``doc.spans["rhetor"]``: one span per technique span, labelled with the
  technique; ``doc.spans["rhetor"].attrs["scores"]`` holds their scores in
  the same order (as spaCy's span categorizer does);
* ``doc._.rhetor``: the whole JSON article object (paragraph techniques
  included).

As with the CLI, line 1 of the text is the article's title. Character
offsets are the same code-point offsets rhetor reports; a span whose edges
fall inside a token is widened to whole tokens.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, Iterator, Optional

from spacy.language import Language
from spacy.tokens import Doc

from . import Analyzer, labels

if not Doc.has_extension("rhetor"):
    Doc.set_extension("rhetor", default=None)

_FRAMES = [f["label"] for f in labels()["frames"]]


class RhetorComponent:
    """Annotates each ``Doc`` with rhetor (see the module's documentation)."""

    def __init__(self, name: str, model: str = "auto", encoder_dir: Optional[str] = None, spans_key: str = "rhetor"):
        self.name = name
        self.spans_key = spans_key
        self.analyzer = Analyzer(model, encoder_dir)

    def _apply(self, doc: Doc, result: Dict[str, Any]) -> Doc:
        cats = {}
        if result.get("genre"):
            for genre, score in result["genre"]["scores"].items():
                cats[f"genre:{genre}"] = score
        found = {f["label"]: f["score"] for f in result["frames"]}
        for frame in _FRAMES:
            cats[f"frame:{frame}"] = found.get(frame, 0.0)
        doc.cats.update(cats)
        spans, scores = [], []
        for s in result["spans"]:
            span = doc.char_span(s["start"], s["end"], label=s["technique"], alignment_mode="expand")
            if span is not None:
                spans.append(span)
                scores.append(s["score"])
        doc.spans[self.spans_key] = spans
        doc.spans[self.spans_key].attrs["scores"] = scores
        doc._.rhetor = result
        return doc

    def __call__(self, doc: Doc) -> Doc:
        if not doc.text.strip():
            return doc
        return self._apply(doc, self.analyzer.analyze(doc.text))

    def pipe(self, docs: Iterable[Doc], batch_size: int = 256) -> Iterator[Doc]:
        """Analyses ``batch_size`` docs at a time on every core."""
        batch = []
        for doc in docs:
            batch.append(doc)
            if len(batch) >= batch_size:
                yield from self._pipe_batch(batch)
                batch = []
        yield from self._pipe_batch(batch)

    def _pipe_batch(self, batch):
        todo = [d for d in batch if d.text.strip()]
        # Each doc is analysed as a single article would be (id "1").
        results = iter(self.analyzer.analyze_many([{"id": "1", "text": d.text} for d in todo]))
        for doc in batch:
            yield self._apply(doc, next(results)) if doc.text.strip() else doc


@Language.factory(
    "rhetor",
    default_config={"model": "auto", "encoder_dir": None, "spans_key": "rhetor"},
)
def make_rhetor(nlp: Language, name: str, model: str, encoder_dir: Optional[str], spans_key: str) -> RhetorComponent:
    return RhetorComponent(name, model=model, encoder_dir=encoder_dir, spans_key=spans_key)
