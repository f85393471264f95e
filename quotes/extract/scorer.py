"""The trained speaker scorer: picks one candidate per quotation, "nobody named" included.

A classifier (scikit-learn: gradient boosting and extremely randomised trees, averaged) gives each
candidate the probability that it is the speaker; the quotation goes to the most probable
candidate, and its probability, normalised over the quotation's candidates, is the quote's
confidence. The model directory holds `scorer.joblib`
(the fitted vectorizer and classifier), `model.json` (versions, training articles, figures) and,
optionally, `speech.joblib` (the speech classifier of quotes/extract/speech.py).
A model directory is code, as any pickle: load only models you made or trust.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quotes.errors import ModelError
from quotes.extract.candidates import Candidate

if TYPE_CHECKING:
    from quotes.extract.speech import SpeechClassifier

MODEL_FILE = "scorer.joblib"
META_FILE = "model.json"
FORMAT = 1
DEFAULT_MODEL_DIR = Path(__file__).parent.parent / "data" / "model"
SEED = 13
EXTRA_TREES = 200  # the randomised trees (300 measured no better; 100 with leaves of 5 lower on the train articles)
EXTRA_TREES_LEAF = 3


def _classifier() -> Any:
    """Gradient boosting and extremely randomised trees, their probabilities averaged: boosting
    fits the strong evidence sharply, the randomised trees' average is smoother where the
    annotated quotations are few; together they are right more often across held-out articles
    than either alone (README: the figures)."""
    from sklearn.ensemble import ExtraTreesClassifier, HistGradientBoostingClassifier, VotingClassifier

    boosting = HistGradientBoostingClassifier(
        max_iter=120,
        learning_rate=0.1,
        max_leaf_nodes=15,
        min_samples_leaf=8,
        l2_regularization=1.0,
        early_stopping=False,
        random_state=SEED,
    )
    randomised = ExtraTreesClassifier(
        n_estimators=EXTRA_TREES, min_samples_leaf=EXTRA_TREES_LEAF, max_features=0.3, random_state=SEED, n_jobs=1
    )
    return VotingClassifier([("boosting", boosting), ("randomised", randomised)], voting="soft")


class _Columns(dict[str, int]):
    """A fitted DictVectorizer's column of each feature; a feature it never saw goes to one
    column past the last, which `to_matrix` drops."""

    def __missing__(self, name: str) -> int:
        return len(self)


_columns: weakref.WeakKeyDictionary[Any, tuple[dict[str, int], _Columns]] = weakref.WeakKeyDictionary()


def to_matrix(vectorizer: Any, rows: Sequence[dict[str, float]]) -> Any:
    """The rows as the fitted DictVectorizer lays them out (numeric features only), built from
    its vocabulary directly: DictVectorizer.transform costs a millisecond a call, which is
    most of the scorer's time when it is called once per quotation. All the rows' values are
    placed by one assignment (row and column of each), not one per value."""
    import numpy as np

    vocabulary: dict[str, int] = vectorizer.vocabulary_
    known = _columns.get(vectorizer)
    if known is None or known[0] is not vocabulary:
        known = (vocabulary, _Columns(vocabulary))
        _columns[vectorizer] = known
    columns = known[1]
    width = len(columns)
    x = np.zeros((len(rows), width + 1))
    lengths = list(map(len, rows))
    count = sum(lengths)
    at = np.repeat(np.arange(len(rows)), lengths)
    names = np.fromiter(map(columns.__getitem__, chain.from_iterable(rows)), dtype=np.intp, count=count)
    x[at, names] = np.fromiter(chain.from_iterable(map(dict.values, rows)), dtype=np.float64, count=count)
    return np.ascontiguousarray(x[:, :width])


def speaker_probability(classifier: Any, x: Any) -> Any:
    """`classifier.predict_proba(x)[:, 1]`, the same numbers, for the models `_classifier` makes
    and for any other: the averaged ensemble is asked for each member's probabilities itself, and
    the randomised trees are asked one by one, in their order, as the forest sums them, without
    the forest's per-call dispatch of its trees to a joblib pool (2-4 times the trees' own work on
    the few dozen rows a call of the scorer holds)."""
    import numpy as np
    from sklearn.ensemble import ExtraTreesClassifier, VotingClassifier

    if not isinstance(classifier, VotingClassifier) or classifier.voting != "soft" or classifier.weights is not None:
        return classifier.predict_proba(x)[:, 1]
    members = []
    for member in classifier.estimators_:
        if isinstance(member, ExtraTreesClassifier) and member.n_outputs_ == 1:
            x32 = np.ascontiguousarray(x, dtype=np.float32)
            total = np.zeros((x.shape[0], member.n_classes_))
            for tree in member.estimators_:
                total += tree.predict_proba(x32, check_input=False)
            members.append(total / len(member.estimators_))
        else:
            members.append(member.predict_proba(x))
    return np.average(members, axis=0)[:, 1]


def release_freed_heap() -> None:
    """Give back to the system the heap that loading the model freed: each tree's arrays are
    unpickled and then copied into the tree, and glibc keeps the freed small blocks (about 20 MB
    for the shipped model, which itself holds about 26). Where the C library has no `malloc_trim`
    (not glibc), nothing is done."""
    import ctypes

    try:
        trim = ctypes.CDLL(None).malloc_trim  # the symbols the process has loaded, the C library's among them
    except (OSError, AttributeError, TypeError):
        return
    trim(0)


@cache
def _thread_pools() -> Any:
    """The process's OpenMP and BLAS thread pools, found once (finding them walks the loaded libraries)."""
    from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]

    return ThreadpoolController()


def one_thread() -> Any:
    """OpenMP on one thread: a few thousand rows gain nothing from more, and on a shared 2-core
    machine more threads than free cores make gradient boosting many times slower (seen: 100x)."""
    return _thread_pools().limit(limits=1)


def best_index(probs: Sequence[float]) -> int:
    """The most probable candidate; on a tie, the first."""
    return max(range(len(probs)), key=lambda k: (probs[k], -k))


@dataclass
class SpeakerScorer:
    vectorizer: Any
    classifier: Any
    meta: dict[str, Any] = field(default_factory=dict)
    speech: SpeechClassifier | None = None  # drops quotations that are not speech (speech.joblib)
    second: SpeakerScorer | None = None  # decides again knowing the first pass's later speakers

    @classmethod
    def fit(cls, groups: Sequence[Sequence[Candidate]], gold: Sequence[int | None]) -> SpeakerScorer:
        """Fit on quotations' candidate lists; `gold[i]` is the index of the right candidate of
        group i, or None when none of its candidates is right (all then count as wrong)."""
        from sklearn.feature_extraction import DictVectorizer

        rows: list[dict[str, float]] = []
        labels: list[int] = []
        for cands, right in zip(groups, gold, strict=True):
            for k, c in enumerate(cands):
                rows.append(c.features)
                labels.append(int(k == right))
        if not rows or len(set(labels)) < 2:
            raise ModelError("not enough annotated quotations to train the speaker scorer")
        vectorizer = DictVectorizer(sparse=False)
        x = vectorizer.fit_transform(rows)
        classifier = _classifier()
        with one_thread():
            classifier.fit(x, labels)
        return cls(vectorizer, classifier, {"format": FORMAT, "quotations": len(groups), "candidates": len(rows)})

    def probabilities(self, cands: Sequence[Candidate]) -> list[float]:
        """Each candidate's probability of being the speaker, normalised over the list."""
        return self.probabilities_many([cands])[0]

    def probabilities_many(
        self, groups: Sequence[Sequence[Candidate]], known: dict[bytes, float] | None = None
    ) -> list[list[float]]:
        """`probabilities` of each candidate list, all scored by one call of the classifier (its
        cost is mostly per call, and each row's probability depends on that row alone). `known`:
        the classifier's probability of rows scored before, by their values, which this call
        reads and adds to (a row already scored is not scored again)."""
        rows = [c.features for cands in groups for c in cands]
        if not rows:
            return [[] for _ in groups]
        x = to_matrix(self.vectorizer, rows)
        if known is None:
            scored = [float(p) for p in speaker_probability(self.classifier, x)]
        else:
            keys = [row.tobytes() for row in x]
            new = list({key: k for k, key in enumerate(keys) if key not in known}.items())
            if new:
                probs = speaker_probability(self.classifier, x[[k for _, k in new]])
                known.update((key, float(p)) for (key, _), p in zip(new, probs, strict=True))
            scored = [known[key] for key in keys]
        out: list[list[float]] = []
        at = 0
        for cands in groups:
            raw = scored[at : at + len(cands)]
            at += len(cands)
            total = sum(raw)
            out.append([p / total for p in raw] if total > 0 else [1.0 / len(raw)] * len(raw) if raw else [])
        return out

    def choose(self, cands: Sequence[Candidate]) -> tuple[int, float]:
        """The index of the chosen candidate and its probability (call within `one_thread()`)."""
        return self.choose_many([cands])[0]

    def choose_many(
        self, groups: Sequence[Sequence[Candidate]], known: dict[bytes, float] | None = None
    ) -> list[tuple[int, float]]:
        """`choose` for each candidate list, scored by one call of the classifier (`known`: as
        for `probabilities_many`)."""
        chosen: list[tuple[int, float]] = []
        for probs in self.probabilities_many(groups, known):
            best = best_index(probs)
            chosen.append((best, probs[best]))
        return chosen

    def save(self, directory: Path, meta: dict[str, Any] | None = None) -> None:
        import joblib
        import sklearn

        directory.mkdir(parents=True, exist_ok=True)
        if self.speech is not None:
            self.speech.save(directory)
        else:
            from quotes.extract.speech import SPEECH_FILE

            (directory / SPEECH_FILE).unlink(missing_ok=True)
        parts = {"vectorizer": self.vectorizer, "classifier": self.classifier}
        if self.second is not None:
            parts |= {"second_vectorizer": self.second.vectorizer, "second_classifier": self.second.classifier}
        joblib.dump(parts, directory / MODEL_FILE, compress=("lzma", 6))  # a third of the size of level 3
        self.meta = {**self.meta, **(meta or {}), "format": FORMAT, "scikit_learn": sklearn.__version__}
        (directory / META_FILE).write_text(json.dumps(self.meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> SpeakerScorer:
        """A saved model; `ModelError` (one line) when the directory is missing or not a model."""
        if not directory.is_dir():
            raise ModelError(f"{directory}: no such model directory; make one with `quotes train`")
        meta_path, model_path = directory / META_FILE, directory / MODEL_FILE
        if not meta_path.is_file() or not model_path.is_file():
            raise ModelError(
                f"{directory}: not a quotes model (needs {META_FILE} and {MODEL_FILE}); make one with `quotes train`"
            )
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ModelError(f"{meta_path}: corrupt model description ({exc}); retrain with `quotes train`") from exc
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            found = meta.get("format") if isinstance(meta, dict) else "?"
            raise ModelError(f"{directory}: model format {found} is not {FORMAT}; retrain with `quotes train`")
        try:
            import joblib

            parts = joblib.load(model_path)
            release_freed_heap()
            vectorizer, classifier = parts["vectorizer"], parts["classifier"]
            second = (
                cls(parts["second_vectorizer"], parts["second_classifier"]) if "second_classifier" in parts else None
            )
        except Exception as exc:  # a truncated or foreign file: pickle raises many kinds
            kind = type(exc).__name__
            raise ModelError(f"{model_path}: corrupt model file ({kind}); retrain with `quotes train`") from exc
        from quotes.extract.speech import load_speech

        return cls(vectorizer, classifier, meta, load_speech(directory), second)


def load_scorer(directory: Path | None) -> SpeakerScorer | None:
    """The model in `directory`, else the one shipped with the package (None if there is none)."""
    if directory is not None:
        return SpeakerScorer.load(directory)
    if (DEFAULT_MODEL_DIR / MODEL_FILE).is_file():
        return SpeakerScorer.load(DEFAULT_MODEL_DIR)
    return None
