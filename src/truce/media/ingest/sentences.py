"""Paragraphs into spaCy docs and sentences, as the pipeline's ``sentencizer`` splits them.

spaCy's rule-based ``Sentencizer`` builds a ``Token`` object for every token of a doc to
read its text and punctuation flag; over many short news paragraphs that is the larger
part of splitting them. When the pipeline is the tokenizer and a plain ``sentencizer``
alone (the extractor's default), :class:`SentenceSplitter` applies the same rule to the
doc's ``ORTH`` and ``IS_PUNCT`` columns instead: a sentence ends after sentence-final
punctuation, at the first token that is neither punctuation nor sentence-final. Any
other pipeline is run as it is and its ``doc.sents`` taken.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from spacy.language import Language
from spacy.pipeline import Sentencizer
from spacy.strings import get_string_id
from spacy.tokens import Doc, Span


class SentenceSplitter:
    """Docs and their sentences for a pipeline; build once per pipeline, reuse."""

    def __init__(self, nlp: Language) -> None:
        self.nlp = nlp
        pipe = nlp.get_pipe("sentencizer") if nlp.pipe_names == ["sentencizer"] else None
        self._punct: frozenset[int] | None = None
        if isinstance(pipe, Sentencizer):
            self._punct = frozenset(get_string_id(c) for c in pipe.punct_chars)

    def split(self, texts: Iterable[str]) -> Iterator[tuple[Doc, list[Span]]]:
        """Each text as a doc with its sentences, in order."""
        if self._punct is None:
            for doc in self.nlp.pipe(texts):
                yield doc, list(doc.sents)
            return
        for text in texts:
            doc = self.nlp.make_doc(text)
            yield doc, self._sentences(doc, self._punct)

    @staticmethod
    def _sentences(doc: Doc, punct: frozenset[int]) -> list[Span]:
        size = len(doc)
        if size == 0:
            return []
        starts = [0]
        seen_final = False
        rows: list[list[int]] = doc.to_array(["ORTH", "IS_PUNCT"]).tolist()
        for i, (orth, is_punct) in enumerate(rows):
            final = orth in punct
            if seen_final and not is_punct and not final:
                starts.append(i)
                seen_final = False
            elif final:
                seen_final = True
        ends = [*starts[1:], size]
        return [doc[start:end] for start, end in zip(starts, ends, strict=True)]
