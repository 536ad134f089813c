"""A document's search index: how it is cut into chunks, stored beside the PDF, and loaded.

Under `ugc/<owner>/<document>/index/` (never a pickle):
- `chunks.json`   `{"chunks": [{"page": 3, "text": "..."}, ...]}` in reading order;
- `bm25.json`     a BM25 inverted index over those chunks (`Bm25.to_json`);
- `embeddings.npy` one float32 L2-normalised row per chunk (`numpy.save`, loaded with
  `allow_pickle=False`);
- `manifest.json` format version, embedding model id and dimensions, counts; written last, so an
  index whose manifest is there is complete. A retry overwrites the same four keys: never a second
  copy of any chunk.

`load_index` keeps indexes in memory per warm container, keyed by document and checked against the
manifest's ETag (one HeadObject per use), so a question never downloads an unchanged index again.
"""

from __future__ import annotations

import io
import json
import math
import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from stratus_shared import aws, documents

if TYPE_CHECKING:
    from stratus_shared.embeddings import Matrix

FORMAT_VERSION = 1
CHUNKS, BM25, EMBEDDINGS, MANIFEST = "chunks.json", "bm25.json", "embeddings.npy", "manifest.json"
# About 200 tokens: inside all-MiniLM-L6-v2's 256 and small enough to cite one passage.
CHUNK_CHARACTERS = 900
CHUNK_OVERLAP = 150
CACHE_LIMIT = 64  # documents kept per warm container

_TOKEN = re.compile(r"[a-z0-9]+")
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "do",
        "does",
        "did",
        "for",
        "from",
        "has",
        "have",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "our",
        "so",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
        "can",
        "my",
        "me",
    ]
)


def _stem(word: str) -> str:
    """A light suffix stripper (plural/tense endings), so 'refunds' finds 'refund'."""
    for suffix, keep in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            return word[: len(word) - len(suffix)] + keep
    return word


def terms(text: str) -> list[str]:
    """BM25 terms: lower-case words and numbers, stopwords dropped, lightly stemmed."""
    return [_stem(word) for word in _TOKEN.findall(text.lower()) if word not in STOPWORDS]


@dataclass(frozen=True)
class Chunk:
    page: int
    text: str


def chunk_page(
    page: int, text: str, size: int = CHUNK_CHARACTERS, overlap: int = CHUNK_OVERLAP
) -> list[Chunk]:
    """One page's text cut into chunks of about `size` characters overlapping by about `overlap`,
    cut at whitespace; a chunk never holds text of another page."""
    words = text.split()
    chunks: list[Chunk] = []
    start = 0
    while start < len(words):
        length, end = 0, start
        while end < len(words) and (length + len(words[end]) + 1 <= size or end == start):
            length += len(words[end]) + 1
            end += 1
        chunks.append(Chunk(page, " ".join(words[start:end])))
        if end >= len(words):
            break
        back, carried = end, 0
        while back - 1 > start and carried + len(words[back - 1]) + 1 <= overlap:
            back -= 1
            carried += len(words[back]) + 1
        start = back
    return chunks


def chunk_pages(pages: Iterable[tuple[int, str]]) -> list[Chunk]:
    return [chunk for number, text in pages for chunk in chunk_page(number, text)]


@dataclass
class Bm25:
    """Okapi BM25 (k1 1.5, b 0.75) as an inverted index: term -> [[chunk, term frequency], ...]."""

    postings: dict[str, list[list[int]]]
    lengths: list[int]
    k1: float = 1.5
    b: float = 0.75
    _idf: dict[str, float] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, texts: Sequence[str]) -> Bm25:
        postings: dict[str, list[list[int]]] = {}
        lengths = []
        for index, text in enumerate(texts):
            counts = Counter(terms(text))
            lengths.append(sum(counts.values()))
            for term, count in counts.items():
                postings.setdefault(term, []).append([index, count])
        return cls(postings=postings, lengths=lengths)

    def to_json(self) -> dict[str, Any]:
        return {"k1": self.k1, "b": self.b, "lengths": self.lengths, "postings": self.postings}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Bm25:
        return cls(postings=data["postings"], lengths=data["lengths"], k1=data["k1"], b=data["b"])

    def idf(self, term: str) -> float:
        cached = self._idf.get(term)
        if cached is None:
            count = len(self.postings.get(term, ()))
            total = len(self.lengths)
            cached = math.log(1 + (total - count + 0.5) / (count + 0.5))
            self._idf[term] = cached
        return cached

    def scores(self, query: str) -> dict[int, float]:
        """Chunk index -> score, for chunks sharing at least one term with the query."""
        if not self.lengths:
            return {}
        average = sum(self.lengths) / len(self.lengths) or 1.0
        found: dict[int, float] = {}
        for term in set(terms(query)):
            weight = self.idf(term)
            for chunk, frequency in self.postings.get(term, ()):
                norm = self.k1 * (1 - self.b + self.b * self.lengths[chunk] / average)
                found[chunk] = found.get(chunk, 0.0) + weight * frequency * (self.k1 + 1) / (frequency + norm)
        return found


@dataclass
class DocumentIndex:
    document_id: str
    chunks: list[Chunk]
    bm25: Bm25
    embeddings: Matrix | None
    manifest: dict[str, Any]

    @property
    def embedding_model(self) -> str | None:
        model = self.manifest.get("embeddingModel")
        return str(model) if model else None


def build_index(
    document_id: str, chunks: list[Chunk], embeddings: Matrix | None, *, model_id: str | None, pages: int
) -> DocumentIndex:
    manifest = {
        "formatVersion": FORMAT_VERSION,
        "documentId": document_id,
        "chunks": len(chunks),
        "pages": pages,
        "embeddingModel": model_id,
        "embeddingDimensions": int(embeddings.shape[1]) if embeddings is not None else None,
    }
    return DocumentIndex(document_id, chunks, Bm25.build([c.text for c in chunks]), embeddings, manifest)


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def write_index(owner_id: str, index: DocumentIndex, *, bucket: str | None = None) -> None:
    """Write the four files (manifest last); overwrites a previous attempt's files."""
    import numpy as np  # noqa: PLC0415 - OfflineModelsLayer

    s3 = aws.client("s3")
    name = bucket or documents.settings().bucket_name
    prefix = documents.index_prefix(owner_id, index.document_id)
    matrix = index.embeddings
    if matrix is None:
        matrix = np.zeros((len(index.chunks), 0), dtype=np.float32)
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(matrix, dtype=np.float32), allow_pickle=False)
    files = [
        (
            CHUNKS,
            _json_bytes({"chunks": [{"page": c.page, "text": c.text} for c in index.chunks]}),
            "application/json",
        ),
        (BM25, _json_bytes(index.bm25.to_json()), "application/json"),
        (EMBEDDINGS, buffer.getvalue(), "application/octet-stream"),
        (MANIFEST, _json_bytes(index.manifest), "application/json"),
    ]
    for file_name, body, content_type in files:
        s3.put_object(Bucket=name, Key=prefix + file_name, Body=body, ContentType=content_type)


class _Cache:
    def __init__(self) -> None:
        self.entries: OrderedDict[tuple[str, str, str], tuple[str, DocumentIndex]] = OrderedDict()
        self.lock = threading.Lock()
        self.loads = 0  # full downloads, for tests and the bench

    def get(self, key: tuple[str, str, str], etag: str) -> DocumentIndex | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is None or entry[0] != etag:
                return None
            self.entries.move_to_end(key)
            return entry[1]

    def put(self, key: tuple[str, str, str], etag: str, index: DocumentIndex) -> None:
        with self.lock:
            self.entries[key] = (etag, index)
            self.entries.move_to_end(key)
            while len(self.entries) > CACHE_LIMIT:
                self.entries.popitem(last=False)


_cache = _Cache()


def cache_loads() -> int:
    return _cache.loads


def clear_cache() -> None:
    with _cache.lock:
        _cache.entries.clear()
        _cache.loads = 0


def _missing(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}


def load_index(owner_id: str, document_id: str, *, bucket: str | None = None) -> DocumentIndex | None:
    """The document's index (None when it has none yet), from memory while its manifest is unchanged."""
    import numpy as np  # noqa: PLC0415 - OfflineModelsLayer

    s3 = aws.client("s3")
    name = bucket or documents.settings().bucket_name
    prefix = documents.index_prefix(owner_id, document_id)
    try:
        etag = str(s3.head_object(Bucket=name, Key=prefix + MANIFEST)["ETag"])
    except ClientError as exc:
        if _missing(exc):
            return None
        raise
    key = (name, owner_id, document_id)
    cached = _cache.get(key, etag)
    if cached is not None:
        return cached
    try:
        manifest_object = s3.get_object(Bucket=name, Key=prefix + MANIFEST)
        manifest = json.loads(manifest_object["Body"].read())
        chunks_data = json.loads(s3.get_object(Bucket=name, Key=prefix + CHUNKS)["Body"].read())
        bm25 = Bm25.from_json(json.loads(s3.get_object(Bucket=name, Key=prefix + BM25)["Body"].read()))
        raw = s3.get_object(Bucket=name, Key=prefix + EMBEDDINGS)["Body"].read()
    except ClientError as exc:
        if _missing(exc):
            return None
        raise
    matrix = np.load(io.BytesIO(raw), allow_pickle=False)
    chunks = [Chunk(int(c["page"]), str(c["text"])) for c in chunks_data["chunks"]]
    embeddings = matrix if matrix.ndim == 2 and matrix.shape[1] > 0 and len(matrix) == len(chunks) else None
    index = DocumentIndex(document_id, chunks, bm25, embeddings, manifest)
    with _cache.lock:
        _cache.loads += 1
    _cache.put(key, str(manifest_object.get("ETag", etag)), index)
    return index
