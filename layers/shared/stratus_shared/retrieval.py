"""Hybrid retrieval over a user's documents: BM25 and embedding similarity, fused by rank.

    passages = retrieval.search(owner_id, ["<documentId>", ...], "how do I cancel my subscription?")

Each document's index (stratus_shared.document_index) is read from the owner's own prefix only, so a
document id of another user finds nothing. BM25 finds the words of the question; the embedding
finds pages worded differently ("terminating the membership"); reciprocal rank fusion (k = 60) adds
the two rankings without having to compare their scores. Indexes built with another embedding
model than the one configured now are searched by BM25 alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from stratus_shared import document_index

if TYPE_CHECKING:
    from stratus_shared.embeddings import Embedder

RRF_K = 60
CANDIDATES = 50  # from each ranking, before fusion


@dataclass(frozen=True)
class Passage:
    document_id: str
    page: int
    text: str
    score: float


def _embedder() -> Embedder:
    from stratus_shared import embeddings  # noqa: PLC0415

    return embeddings.embedder()


def search(
    owner_id: str,
    document_ids: Sequence[str],
    query: str,
    k: int = 6,
    *,
    embedder: Embedder | None = None,
    bucket: str | None = None,
    use_vectors: bool = True,
) -> list[Passage]:
    """The `k` best passages for `query` across the owner's documents, best first."""
    import numpy as np  # noqa: PLC0415 - OfflineModelsLayer

    if not query.strip() or k <= 0:
        return []
    indexes = [
        index
        for document_id in dict.fromkeys(document_ids)
        if (index := document_index.load_index(owner_id, document_id, bucket=bucket)) is not None
    ]
    if not indexes:
        return []
    keyword: list[tuple[float, int, int]] = []  # (score, index number, chunk)
    for number, index in enumerate(indexes):
        keyword.extend((score, number, chunk) for chunk, score in index.bm25.scores(query).items())
    keyword.sort(key=lambda hit: (-hit[0], hit[1], hit[2]))
    rankings = [[(number, chunk) for _, number, chunk in keyword[:CANDIDATES]]]

    if use_vectors:
        vectors = [index for index in indexes if index.embeddings is not None]
        if vectors:
            model = embedder or _embedder()
            usable = [
                (number, index)
                for number, index in enumerate(indexes)
                if index.embeddings is not None and index.embedding_model == model.model_id
            ]
            if usable:
                question = model.embed_query(query)
                similar: list[tuple[float, int, int]] = []
                for number, index in usable:
                    assert index.embeddings is not None
                    sims = index.embeddings @ question
                    top = np.argsort(-sims)[:CANDIDATES]
                    similar.extend((float(sims[c]), number, int(c)) for c in top)
                similar.sort(key=lambda hit: (-hit[0], hit[1], hit[2]))
                rankings.append([(number, chunk) for _, number, chunk in similar[:CANDIDATES]])

    fused: dict[tuple[int, int], float] = {}
    for ranking in rankings:
        for rank, hit in enumerate(ranking):
            fused[hit] = fused.get(hit, 0.0) + 1.0 / (RRF_K + rank + 1)
    best = sorted(fused.items(), key=lambda item: (-item[1], item[0]))[:k]
    return [
        Passage(
            document_id=indexes[number].document_id,
            page=indexes[number].chunks[chunk].page,
            text=indexes[number].chunks[chunk].text,
            score=score,
        )
        for (number, chunk), score in best
    ]
