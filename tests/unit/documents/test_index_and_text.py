"""Pure logic of document chat: keys, chunking, BM25, the tokenizer, splitting text for Titan."""

from __future__ import annotations

import itertools

import pytest
from stratus_offline_models import WordPieceTokenizer

from stratus_shared import document_index, documents, embeddings

OWNER = "6c1f8a2e-0b7d-4e39-9a51-3d2c1b0a9f87"
DOC = "3b0c2f4e-8d1a-4c6b-9e2f-7a5d4c3b2a10"


def test_a_document_key_names_its_owner_and_document() -> None:
    assert documents.object_key(OWNER, DOC) == f"ugc/{OWNER}/{DOC}/document.pdf"
    assert documents.parse_object_key(f"ugc/{OWNER}/{DOC}/document.pdf") == (OWNER, DOC)


@pytest.mark.parametrize(
    "key",
    [
        f"ugc/{OWNER}/{DOC}/index/chunks.json",
        f"ugc/{OWNER}/../{DOC}/document.pdf",
        f"ugc/{OWNER}/not-a-uuid/document.pdf",
        f"other/{OWNER}/{DOC}/document.pdf",
        f"ugc/{OWNER}/{DOC}/document.pdf.exe",
        f"ugc//{DOC}/document.pdf",
    ],
)
def test_anything_else_in_the_bucket_is_never_a_document(key: str) -> None:
    assert documents.parse_object_key(key) is None


def test_chunks_never_cross_a_page_and_overlap_a_little() -> None:
    words = " ".join(f"word{n}" for n in range(400))
    chunks = document_index.chunk_pages([(1, words), (2, "Short second page.")])
    first_page = [c for c in chunks if c.page == 1]
    assert len(first_page) >= 3
    assert all(len(c.text) <= document_index.CHUNK_CHARACTERS for c in chunks)
    assert chunks[-1].text == "Short second page."
    assert chunks[-1].page == 2
    for before, after in itertools.pairwise(first_page):
        carried = set(before.text.split()) & set(after.text.split())
        assert 0 < len(" ".join(carried)) <= document_index.CHUNK_OVERLAP
    every_word = {w for c in first_page for w in c.text.split()}
    assert every_word == set(words.split())


def test_bm25_ranks_the_chunk_with_the_rare_words_first() -> None:
    bm25 = document_index.Bm25.build(
        ["the cat sat on the mat", "refunds are paid within fourteen days", "the dog sat on the log"]
    )
    scores = bm25.scores("How long do refunds take?")
    assert max(scores, key=lambda chunk: scores[chunk]) == 1
    assert document_index.Bm25.from_json(bm25.to_json()).scores("refund") == bm25.scores("refund")


def test_the_tokenizer_gives_the_models_own_token_ids() -> None:
    tokenizer = WordPieceTokenizer()
    # Reference ids from the model's tokenizer.json (bert-base-uncased WordPiece).
    assert tokenizer.encode("How do I cancel my subscription?") == [
        101,
        2129,
        2079,
        1045,
        17542,
        2026,
        15002,
        1029,
        102,
    ]
    assert tokenizer.encode("Terminating the membership: café naïve — 42.5%") == [
        101, 23552, 1996, 5779, 1024, 7668, 15743, 1517, 4413, 1012, 1019, 1003, 102,
    ]  # fmt: skip
    assert len(tokenizer.encode("word " * 1000)) == 256


def test_text_over_the_models_limit_is_split_on_words_first() -> None:
    text = "alpha " * 12_000
    pieces = embeddings.split_for_model(text, embeddings.TITAN_MAX_CHARACTERS)
    assert len(pieces) == 3
    assert all(len(p) <= embeddings.TITAN_MAX_CHARACTERS for p in pieces)
    assert "".join(p.replace(" ", "") for p in pieces) == text.replace(" ", "")
