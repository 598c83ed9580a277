"""Fitting the learned categoriser with scikit-learn (used by `manage.py train_triage` and by
`evaluate_triage --cross-validate`; nothing at run time imports it).

The features are those of errata/triage/features.py, built into one sparse matrix:
- word and word-pair presence, idf-weighted and L2-normalised per text;
- the character n-grams of each word, idf-weighted counts divided by the square root of the
  number of words (a per-word sum, which is what lets inference remember a word's n-grams);
- the rule engine's cues and scores, standardised.
A multinomial logistic regression (L2, lbfgs) is fitted on all of it; its scores are then
divided by a temperature fitted on out-of-fold predictions of the same training data, so the
probabilities are calibrated without ever looking at a test fold.

Everything is deterministic: sorted vocabularies, a fixed fold assignment, lbfgs.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from errata.triage.categories import CATEGORIES
from errata.triage.features import CUE_NAMES, TextFeatures, char_ngrams, text_features
from errata.triage.model import CategoryModel, softmax

__all__ = [
    "DEFAULT_C",
    "MIN_DF",
    "fit_category_model",
    "labelled_items",
]

# Chosen before any evaluation and not tuned on test folds: the regularisation usual for
# tf-idf text features, and features seen in at least two training texts.
DEFAULT_C = 4.0
MIN_DF = 2
TEMPERATURES = tuple(round(0.5 + 0.05 * step, 2) for step in range(71))  # 0.5 .. 4.0
INNER_FOLDS = 3


def labelled_items(dataset: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(text, category, source) of every gold item of a patron comment with one of the eight
    categories; the source is the video's, so folds can keep a video's reports together."""
    found = []
    for number, video in enumerate(dataset.get("videos", [])):
        source = str(video.get("source") or video.get("title") or number)
        for comment in video.get("comments", []):
            if comment.get("role", "patron") != "patron":
                continue
            for item in comment.get("items") or []:
                if item.get("category") in CATEGORIES and (item.get("text") or "").strip():
                    found.append((item["text"], item["category"], source))
    return found


def _matrix(
    features: Sequence[TextFeatures],
    words: dict[str, int],
    grams: dict[str, int],
    word_idf: list[float],
    gram_idf: list[float],
    cue_mean: list[float],
    cue_scale: list[float],
) -> Any:
    from scipy.sparse import csr_matrix

    data: list[float] = []
    indices: list[int] = []
    indptr = [0]
    n_words, n_grams = len(words), len(grams)
    for feature in features:
        present = sorted({words[w] for w in feature.words if w in words})
        if present:
            norm = math.sqrt(sum(word_idf[i] ** 2 for i in present))
            for i in present:
                indices.append(i)
                data.append(word_idf[i] / norm)
        if feature.pieces:
            counts: Counter[int] = Counter()
            for piece in feature.pieces:
                for gram in char_ngrams(piece):
                    index = grams.get(gram)
                    if index is not None:
                        counts[index] += 1
            scale = 1.0 / math.sqrt(len(feature.pieces))
            for i in sorted(counts):
                indices.append(n_words + i)
                data.append(counts[i] * gram_idf[i] * scale)
        for position, value in enumerate(feature.cues):
            z = (value - cue_mean[position]) / cue_scale[position]
            if z:
                indices.append(n_words + n_grams + position)
                data.append(z)
        indptr.append(len(indices))
    shape = (len(features), n_words + n_grams + len(CUE_NAMES))
    return csr_matrix((data, indices, indptr), shape=shape)


def _idf(document_frequency: int, documents: int) -> float:
    return math.log((1 + documents) / (1 + document_frequency)) + 1.0


def _vocabulary(features: Sequence[TextFeatures], min_df: int) -> tuple[list[str], list[str]]:
    word_df: Counter[str] = Counter()
    gram_df: Counter[str] = Counter()
    for feature in features:
        word_df.update(set(feature.words))
        gram_df.update({g for piece in feature.pieces for g in char_ngrams(piece)})
    return (
        sorted(w for w, n in word_df.items() if n >= min_df),
        sorted(g for g, n in gram_df.items() if n >= min_df),
    )


class _Fitted:
    """The scikit-learn half of a fit: vocabularies, scaling, the classifier."""

    def __init__(self, texts: Sequence[str], labels: Sequence[str], c: float, min_df: int):
        from sklearn.linear_model import LogisticRegression
        from threadpoolctl import threadpool_limits

        features = [text_features(t) for t in texts]
        word_list, gram_list = _vocabulary(features, min_df)
        self.words = {w: i for i, w in enumerate(word_list)}
        self.grams = {g: i for i, g in enumerate(gram_list)}
        word_df: Counter[str] = Counter()
        gram_df: Counter[str] = Counter()
        for feature in features:
            word_df.update(w for w in set(feature.words) if w in self.words)
            gram_df.update(
                {g for piece in feature.pieces for g in char_ngrams(piece) if g in self.grams}
            )
        total = len(features)
        self.word_idf = [_idf(word_df[w], total) for w in word_list]
        self.gram_idf = [_idf(gram_df[g], total) for g in gram_list]
        columns = list(zip(*(f.cues for f in features), strict=True))
        self.cue_mean = [sum(col) / total for col in columns]
        self.cue_scale = []
        for col, mean in zip(columns, self.cue_mean, strict=True):
            std = math.sqrt(sum((v - mean) ** 2 for v in col) / total)
            self.cue_scale.append(std if std > 1e-9 else 1.0)
        matrix = self.transform(features)
        self.classifier = LogisticRegression(C=c, max_iter=2000, tol=1e-4)
        # One thread: BLAS threads only fight each other on a small matrix on a busy machine.
        with threadpool_limits(limits=1):
            self.classifier.fit(matrix, list(labels))

    def transform(self, features: Sequence[TextFeatures]) -> Any:
        return _matrix(
            features,
            self.words,
            self.grams,
            self.word_idf,
            self.gram_idf,
            self.cue_mean,
            self.cue_scale,
        )

    def decision(self, texts: Sequence[str]) -> Any:
        from threadpoolctl import threadpool_limits

        matrix = self.transform([text_features(t) for t in texts])
        with threadpool_limits(limits=1):
            return self.classifier.decision_function(matrix)


def _inner_folds(count: int) -> list[int]:
    # Interleaved: deterministic and close to stratified for data grouped by source.
    return [i % INNER_FOLDS for i in range(count)]


def _fit_temperature(texts: Sequence[str], labels: Sequence[str], c: float, min_df: int) -> float:
    """The temperature that minimises the log loss of out-of-fold predictions."""
    classes = sorted(set(labels))
    folds = _inner_folds(len(texts))
    held_out: list[tuple[list[float], int]] = []
    for fold in range(INNER_FOLDS):
        train = [i for i, f in enumerate(folds) if f != fold]
        test = [i for i, f in enumerate(folds) if f == fold]
        train_labels = [labels[i] for i in train]
        if not test or len(set(train_labels)) < 2:
            continue
        fitted = _Fitted([texts[i] for i in train], train_labels, c, min_df)
        known = list(fitted.classifier.classes_)
        scores = fitted.decision([texts[i] for i in test])
        if len(known) == 2:
            scores = [[-s / 2, s / 2] for s in scores]
        for row, i in zip(scores, test, strict=True):
            by_class = dict(zip(known, (float(v) for v in row), strict=True))
            # A class the fold never saw gets no belief at all.
            full = [by_class.get(k, -1e3) for k in classes]
            held_out.append((full, classes.index(labels[i])))
    if not held_out:
        return 1.0

    def loss(temperature: float) -> float:
        return -sum(math.log(max(softmax(s, temperature)[y], 1e-12)) for s, y in held_out)

    return min(TEMPERATURES, key=lambda t: (loss(t), t))


def _rounded(value: float) -> float:
    return float(f"{value:.6g}")


def fit_category_model(
    examples: Iterable[tuple[str, str]],
    *,
    c: float = DEFAULT_C,
    min_df: int = MIN_DF,
    calibrate: bool = True,
    meta: dict[str, Any] | None = None,
) -> CategoryModel:
    """Fit the categoriser on (text, category) pairs and export its weights."""
    pairs = list(examples)
    texts = [t for t, _ in pairs]
    labels = [label for _, label in pairs]
    fitted = _Fitted(texts, labels, c, min_df)
    temperature = _fit_temperature(texts, labels, c, min_df) if calibrate else 1.0
    classes = tuple(str(k) for k in fitted.classifier.classes_)
    coef = fitted.classifier.coef_
    intercept = fitted.classifier.intercept_
    if len(classes) == 2:  # scikit-learn keeps one row for two classes
        coef = [-coef[0] / 2, coef[0] / 2]
        intercept = [-intercept[0] / 2, intercept[0] / 2]
    columns = list(zip(*coef, strict=True))
    n_words, n_grams = len(fitted.words), len(fitted.grams)
    words = {
        w: (
            _rounded(fitted.word_idf[i] ** 2),
            tuple(_rounded(v * fitted.word_idf[i]) for v in columns[i]),
        )
        for w, i in fitted.words.items()
    }
    grams = {
        g: tuple(_rounded(v * fitted.gram_idf[i]) for v in columns[n_words + i])
        for g, i in fitted.grams.items()
    }
    cue_weights = tuple(
        tuple(_rounded(v) for v in columns[n_words + n_grams + i]) for i in range(len(CUE_NAMES))
    )
    return CategoryModel(
        classes=classes,
        intercept=tuple(_rounded(v) for v in intercept),
        temperature=temperature,
        words=words,
        grams=grams,
        cue_mean=tuple(_rounded(v) for v in fitted.cue_mean),
        cue_scale=tuple(_rounded(v) for v in fitted.cue_scale),
        cue_weights=cue_weights,
        meta={
            "examples": len(pairs),
            "c": c,
            "min_df": min_df,
            "words": n_words,
            "grams": n_grams,
            **(meta or {}),
        },
    )
