"""Score extracted quotes against articles a person annotated by hand.

Annotated articles are JSON files in the format of the shared corpus (one article a file):
`{"id", "text", "published", ..., "quotes": [{"quote", "start", "end", "kind", "speaker",
"speaker_mention", "attribution", "cue", "venue", "said_on"}], "not_quotes": [...]}` with
`text[start:end] == quote`.

The figures follow the project's reference scorer (`shared/eval/score.py`) exactly:

- a predicted quote and an annotated one match when their spans overlap with a Jaccard ratio of
  at least 0.5 (or, in `coverage` mode, when the prediction covers 0.3 of the annotated span),
  one to one, the best overlap first;
- predictions of kind `indirect` are left out (the annotations hold quoted speech only);
- speakers compare without case, accents or punctuation; a shorter form of the same name counts
  ("Erdoğan" for "Recep Tayyip Erdoğan": the shorter's words all in the longer, same last word);
  the strict figure asks for the same normalised name;
- figures are rounded to 4 decimals.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from quotes.errors import InputError
from quotes.read import article_from_mapping
from quotes.types import Article, ArticleQuotes

Overlap = Literal["jaccard", "coverage"]
Span = tuple[int, int]


@dataclass(frozen=True)
class GoldQuote:
    text: str
    start: int
    end: int
    speaker: str | None
    attribution: str | None  # None when the annotator left it out
    kind: str | None = None
    speaker_mention: str | None = None
    cue: str | None = None
    venue: str | None = None


@dataclass(frozen=True)
class AnnotatedArticle:
    id: str
    article: Article
    quotes: tuple[GoldQuote, ...]
    not_quotes: tuple[str, ...] = ()


@dataclass(frozen=True)
class PredictedQuote:
    start: int
    end: int
    speaker: str | None
    kind: str | None = None
    evidence: str | None = None  # the pattern that named the speaker (quotes extract's "evidence")
    venue: str | None = None  # where it was said (quotes extract's "venue")


# ---------------------------------------------------------------------------- reading


def _opt_str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def read_annotated_file(path: Path) -> AnnotatedArticle:
    """One annotated article. Raises `InputError` naming the file and what is wrong."""
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not valid UTF-8 (byte {exc.start})") from exc
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: invalid JSON (line {exc.lineno}: {exc.msg})") from exc
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from exc
    article = article_from_mapping(obj, str(path))
    raw_quotes = obj.get("quotes")
    if not isinstance(raw_quotes, list):
        raise InputError(
            f'{path}: no "quotes" list; an annotated article lists its quotes (an empty list when it has none)'
        )
    quotes: list[GoldQuote] = []
    for n, q in enumerate(raw_quotes, start=1):
        if not isinstance(q, dict):
            raise InputError(f"{path}: quote {n} is not an object")
        start, end, words = q.get("start"), q.get("end"), q.get("quote")
        if not isinstance(start, int) or not isinstance(end, int) or not isinstance(words, str):
            raise InputError(f'{path}: quote {n} needs integer "start", "end" and a "quote" string')
        if article.text[start:end] != words or not 0 <= start <= end:
            raise InputError(
                f'{path}: quote {n}: text[{start}:{end}] is not its "quote" ({words[:40]!r}); fix the offsets'
            )
        quotes.append(
            GoldQuote(
                text=words,
                start=start,
                end=end,
                speaker=_opt_str(q.get("speaker")),
                attribution=_opt_str(q.get("attribution")),
                kind=_opt_str(q.get("kind")),
                speaker_mention=_opt_str(q.get("speaker_mention")),
                cue=_opt_str(q.get("cue")),
                venue=_opt_str(q.get("venue")),
            )
        )
    not_quotes = tuple(str(x) for x in obj.get("not_quotes") or [])
    return AnnotatedArticle(path.stem, article, tuple(quotes), not_quotes)


def read_annotated(directory: Path) -> list[AnnotatedArticle]:
    """Every `*.json` article of a directory (not recursive, like the reference scorer)."""
    if not directory.is_dir():
        raise InputError(f"{directory}: no such directory of annotated articles")
    files = sorted(directory.glob("*.json"))
    if not files:
        raise InputError(f"{directory}: no annotated articles (*.json files)")
    return [read_annotated_file(p) for p in files]


def read_predictions(path: Path) -> dict[str, list[PredictedQuote]]:
    """Predictions as JSON Lines (`quotes extract -f jsonl`), keyed by the stem of each "path"."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"{path}: cannot read predictions ({exc.strerror})") from exc
    out: dict[str, list[PredictedQuote]] = {}
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}: line {n} is not JSON ({exc.msg})") from exc
        if not isinstance(obj, dict) or not isinstance(obj.get("path"), str):
            raise InputError(f'{path}: line {n} has no "path" string')
        preds: list[PredictedQuote] = []
        for q in obj.get("quotes") or []:
            ok = isinstance(q, dict) and isinstance(q.get("start"), int) and isinstance(q.get("end"), int)
            if not ok:
                raise InputError(f'{path}: line {n}: every quote needs integer "start" and "end"')
            speaker, kind = _opt_str(q.get("speaker")), _opt_str(q.get("kind"))
            evidence, venue = _opt_str(q.get("evidence")), _opt_str(q.get("venue"))
            preds.append(PredictedQuote(q["start"], q["end"], speaker, kind, evidence, venue))
        out[Path(obj["path"]).stem] = preds
    return out


def predictions_from_results(ids: Sequence[str], results: Sequence[ArticleQuotes]) -> dict[str, list[PredictedQuote]]:
    """Predictions keyed by article id from extraction results given in the same order."""
    return {
        i: [PredictedQuote(q.start, q.end, q.speaker, q.kind, q.evidence, q.venue) for q in r.quotes]
        for i, r in zip(ids, results, strict=True)
    }


# ---------------------------------------------------------------------------- comparing


def normalise_name(name: str | None) -> str:
    """Lower case, no accents, punctuation as spaces, single spaces."""
    if not name:
        return ""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return " ".join(re.sub(r"[^\w\s]", " ", bare).split())


def same_speaker(gold: str | None, predicted: str | None, lenient: bool = True) -> bool:
    g, p = normalise_name(gold), normalise_name(predicted)
    if g == p:
        return True
    if not g or not p or not lenient:
        return False
    g_words, p_words = g.split(), p.split()
    shorter, longer = sorted((g_words, p_words), key=len)
    return shorter[-1] == longer[-1] and set(shorter).issubset(longer)


def jaccard(a: Span, b: Span) -> float:
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union > 0 else 0.0


def gold_coverage(gold: Span, predicted: Span) -> float:
    inter = max(0, min(gold[1], predicted[1]) - max(gold[0], predicted[0]))
    size = gold[1] - gold[0]
    return inter / size if size > 0 else 0.0


OVERLAPS: dict[str, tuple[Callable[[Span, Span], float], float]] = {
    "jaccard": (jaccard, 0.5),
    "coverage": (gold_coverage, 0.3),
}


def match_quotes(
    gold: Sequence[GoldQuote], predicted: Sequence[PredictedQuote], overlap: Overlap = "jaccard"
) -> list[tuple[int, int]]:
    """One-to-one (gold index, predicted index) pairs, highest ratio first.

    Equal ratios are taken from the highest indices first, as the reference scorer does (it
    sorts (ratio, gold, predicted) triples in descending order).
    """
    ratio_of, threshold = OVERLAPS[overlap]
    scored: list[tuple[float, int, int]] = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(predicted):
            r = ratio_of((g.start, g.end), (p.start, p.end))
            if r >= threshold:
                scored.append((r, gi, pi))
    used_gold: set[int] = set()
    used_pred: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for _r, gi, pi in sorted(scored, reverse=True):
        if gi not in used_gold and pi not in used_pred:
            used_gold.add(gi)
            used_pred.add(pi)
            pairs.append((gi, pi))
    return pairs


# ---------------------------------------------------------------------------- scoring


@dataclass(frozen=True)
class EvalError:
    """One miss, spurious quote or wrong speaker."""

    article: str
    what: Literal["missed", "spurious", "wrong speaker"]
    text: str
    gold_speaker: str | None = None
    predicted_speaker: str | None = None
    attribution: str | None = None

    def line(self) -> str:
        """The line the reference scorer prints for this error."""
        words = repr(self.text[:70])
        if self.what == "wrong speaker":
            return (
                f"{self.article} WRONG SPEAKER [{'?' if self.attribution is None else self.attribution}] "
                f"gold={self.gold_speaker!r} pred={self.predicted_speaker!r} :: {words}"
            )
        if self.what == "missed":
            return f"{self.article} MISSED [{self.attribution}] {self.gold_speaker!r} :: {words}"
        return f"{self.article} SPURIOUS {self.predicted_speaker!r} :: {words}"


@dataclass
class _Tally:
    gold: int = 0
    detected: int = 0
    correct: int = 0


def _ratio(num: int, den: int) -> float:
    return num / den if den else 0.0


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True)
class Evaluation:
    overlap: Overlap
    articles: int
    articles_without_prediction: int
    gold_quotes: int
    predicted_quotes: int
    matched: int
    exact: int
    correct_speaker: int  # lenient names
    correct_speaker_strict: int
    by_attribution: dict[str, tuple[int, int, int]]  # type -> (gold, detected, correct speaker)
    errors: tuple[EvalError, ...] = field(default_factory=tuple)
    by_evidence: dict[str, tuple[int, int]] = field(default_factory=dict)  # pattern -> (matched, right)
    # kind -> (annotated, predicted, matched): matched and annotated by the annotation's kind, a
    # spurious prediction under its own kind (it has no annotation)
    by_kind: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    spurious_not_quotes: int = 0  # spurious predictions whose words are in the article's not_quotes
    # venues of the matched quotes: (annotated, predicted, predicted and the same as annotated)
    venues: tuple[int, int, int] = (0, 0, 0)

    def kind_figures(self, kind: str) -> tuple[float, float, float]:
        """Detection precision, recall and F1 of one kind."""
        gold, predicted, matched = self.by_kind.get(kind, (0, 0, 0))
        p, r = _ratio(matched, predicted), _ratio(matched, gold)
        return p, r, _f1(p, r)

    @property
    def precision(self) -> float:
        return _ratio(self.matched, self.predicted_quotes)

    @property
    def recall(self) -> float:
        return _ratio(self.matched, self.gold_quotes)

    @property
    def f1(self) -> float:
        return _f1(self.precision, self.recall)

    @property
    def end_to_end(self) -> tuple[float, float, float]:
        p = _ratio(self.correct_speaker, self.predicted_quotes)
        r = _ratio(self.correct_speaker, self.gold_quotes)
        return p, r, _f1(p, r)

    def as_dict(self) -> dict[str, Any]:
        """The figures in the JSON shape of the reference scorer's `--json` output."""
        e_p, e_r, e_f = self.end_to_end
        return {
            "overlap": self.overlap,
            "articles": self.articles,
            "articles_without_prediction": self.articles_without_prediction,
            "gold_quotes": self.gold_quotes,
            "predicted_quotes": self.predicted_quotes,
            "detection": {
                "precision": round(self.precision, 4),
                "recall": round(self.recall, 4),
                "f1": round(self.f1, 4),
                "exact_boundaries": round(_ratio(self.exact, self.matched), 4),
            },
            "attribution_accuracy": round(_ratio(self.correct_speaker, self.matched), 4),
            "attribution_accuracy_strict": round(_ratio(self.correct_speaker_strict, self.matched), 4),
            "end_to_end": {"precision": round(e_p, 4), "recall": round(e_r, 4), "f1": round(e_f, 4)},
            "by_attribution": {
                kind: {
                    "gold": g,
                    "detected": d,
                    "correct_speaker": c,
                    "accuracy": round(c / d, 4) if d else None,
                }
                for kind, (g, d, c) in sorted(self.by_attribution.items())
            },
        }

    def venue_figures(self) -> dict[str, Any]:
        """The venues of the matched quotes: how many annotated and predicted, precision and recall
        (kept out of `as_dict`, which has the reference scorer's shape)."""
        annotated, predicted, right = self.venues
        return {
            "annotated": annotated,
            "predicted": predicted,
            "precision": round(_ratio(right, predicted), 4),
            "recall": round(_ratio(right, annotated), 4),
        }

    def report(self) -> str:
        """The figures for a person to read."""
        d = self.as_dict()
        det, e2e = d["detection"], d["end_to_end"]
        lines = [
            f"articles {self.articles} (no prediction: {self.articles_without_prediction}), "
            f"annotated quotes {self.gold_quotes}, predicted {self.predicted_quotes}"
            + ("" if self.overlap == "jaccard" else f" [overlap: {self.overlap}]"),
            f"detection    P {det['precision']:.3f}  R {det['recall']:.3f}  F1 {det['f1']:.3f}"
            f"  exact boundaries {det['exact_boundaries']:.3f}",
        ]
        lines.append("  by kind: the annotation's (a spurious quote counts under its predicted kind)")
        for kind, (gold, predicted, _matched) in sorted(self.by_kind.items()):
            p, r, f1 = self.kind_figures(kind)
            lines.append(
                f"  {kind:9s} annotated {gold:4d}  predicted {predicted:4d}  P {p:.3f}  R {r:.3f}  F1 {f1:.3f}"
            )
        spurious = self.predicted_quotes - self.matched
        lines.append(f"  spurious  {spurious:4d}  of which in the article's not_quotes {self.spurious_not_quotes}")
        v = self.venue_figures()
        lines.append(
            f"venue        P {v['precision']:.3f}  R {v['recall']:.3f}"
            f"  (of the matched quotes: annotated {v['annotated']}, predicted {v['predicted']})"
        )
        lines.append(
            f"speaker      accuracy {d['attribution_accuracy']:.3f}"
            f" (same name exactly: {d['attribution_accuracy_strict']:.3f})"
        )
        for kind, row in d["by_attribution"].items():
            acc = "-" if row["accuracy"] is None else f"{row['accuracy']:.3f}"
            lines.append(
                f"  {kind:9s} annotated {row['gold']:4d}  detected {row['detected']:4d}  speaker accuracy {acc}"
            )
        lines.append(f"end-to-end   P {e2e['precision']:.3f}  R {e2e['recall']:.3f}  F1 {e2e['f1']:.3f}")

        if self.by_evidence:
            lines.append("speaker accuracy by the pattern that named the speaker (evidence)")
            for pattern, (n, ok) in sorted(self.by_evidence.items(), key=lambda kv: (-kv[1][0], kv[0])):
                lines.append(f"  {pattern:52s} {n:5d}  {ok / n:.3f}")
        return "\n".join(lines)


def _words_key(text: str) -> str:
    """Quoted words compared with a not_quotes entry: no case, single spaces, ’ as '."""
    return " ".join(text.replace("’", "'").split()).casefold()


# Words a venue is introduced by, left out when venues are compared (« sur BFM TV » is « BFM TV »).
_VENUE_LINKS = frozenset(
    "à au aux de du des d l la le les un une en dans sur lors devant pendant par pour sa son ses leur leurs".split()
)


def _venue_words(venue: str) -> frozenset[str]:
    return frozenset(w for w in re.findall(r"\w+", normalise_name(venue)) if w not in _VENUE_LINKS)


def same_venue(gold: str, predicted: str) -> bool:
    """The same venue: the words of one (without « dans un », « sur », « lors de »...) all in the
    other (« sur BFM TV » and « BFM TV »; « dans un courrier » and « courrier électronique »)."""
    g, p = _venue_words(gold), _venue_words(predicted)
    return bool(g and p) and (g <= p or p <= g)


def _type_of(quote: GoldQuote) -> str:
    """The attribution type a quote is counted under ("?" when the annotation has none)."""
    return "?" if quote.attribution is None else quote.attribution


def evaluate(
    gold: Sequence[AnnotatedArticle],
    predictions: Mapping[str, Sequence[PredictedQuote]],
    overlap: Overlap = "jaccard",
) -> Evaluation:
    """Compare predictions (keyed by article id) with the annotated articles."""
    if overlap not in OVERLAPS:
        raise InputError(f"unknown overlap {overlap!r}; use jaccard or coverage")
    totals = {"gold": 0, "pred": 0, "matched": 0, "exact": 0, "ok": 0, "strict": 0}
    tallies: dict[str, _Tally] = {}
    kinds: dict[str, list[int]] = {}  # kind -> [annotated, predicted, matched]
    errors: list[EvalError] = []
    by_evidence: dict[str, tuple[int, int]] = {}
    without = 0
    in_not_quotes = 0
    venues = [0, 0, 0]
    for art in gold:
        if art.id not in predictions:
            without += 1
        preds = [p for p in predictions.get(art.id, ()) if p.kind != "indirect"]
        totals["gold"] += len(art.quotes)
        totals["pred"] += len(preds)
        pairs = match_quotes(art.quotes, preds, overlap)
        totals["matched"] += len(pairs)
        for g in art.quotes:
            kinds.setdefault(g.kind or "?", [0, 0, 0])[0] += 1
        for gi, pi in pairs:
            g, p = art.quotes[gi], preds[pi]
            row = kinds[g.kind or "?"]
            row[1] += 1
            row[2] += 1
            totals["exact"] += (g.start, g.end) == (p.start, p.end)
            venues[0] += g.venue is not None
            venues[1] += p.venue is not None
            venues[2] += g.venue is not None and p.venue is not None and same_venue(g.venue, p.venue)
            ok = same_speaker(g.speaker, p.speaker, lenient=True)
            totals["ok"] += ok
            totals["strict"] += same_speaker(g.speaker, p.speaker, lenient=False)
            if p.evidence is not None:
                seen, right = by_evidence.get(p.evidence, (0, 0))
                by_evidence[p.evidence] = (seen + 1, right + ok)
            tally = tallies.setdefault(_type_of(g), _Tally())
            tally.gold += 1
            tally.detected += 1
            tally.correct += ok
            if not ok:
                errors.append(EvalError(art.id, "wrong speaker", g.text, g.speaker, p.speaker, g.attribution))
        found_gold = {gi for gi, _ in pairs}
        for gi, g in enumerate(art.quotes):
            if gi not in found_gold:
                tallies.setdefault(_type_of(g), _Tally()).gold += 1
                errors.append(EvalError(art.id, "missed", g.text, g.speaker, None, g.attribution))
        found_pred = {pi for _, pi in pairs}
        not_quotes = {_words_key(x) for x in art.not_quotes}
        for pi, p in enumerate(preds):
            if pi not in found_pred:
                words = art.article.text[p.start : p.end]
                kinds.setdefault(p.kind or "?", [0, 0, 0])[1] += 1
                in_not_quotes += _words_key(words) in not_quotes
                errors.append(EvalError(art.id, "spurious", words, None, p.speaker))
    return Evaluation(
        overlap=overlap,
        articles=len(gold),
        articles_without_prediction=without,
        gold_quotes=totals["gold"],
        predicted_quotes=totals["pred"],
        matched=totals["matched"],
        exact=totals["exact"],
        correct_speaker=totals["ok"],
        correct_speaker_strict=totals["strict"],
        by_attribution={k: (t.gold, t.detected, t.correct) for k, t in tallies.items()},
        errors=tuple(errors),
        by_kind={k: (v[0], v[1], v[2]) for k, v in kinds.items()},
        spurious_not_quotes=in_not_quotes,
        by_evidence=by_evidence,
        venues=(venues[0], venues[1], venues[2]),
    )
