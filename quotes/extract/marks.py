"""Quotation marks in raw text: « » “ ” „ ‹ › and straight double quotes, nested and reopened.

Pure text, no language model: `quoted_spans(text)` returns the outermost quoted stretches with
the offsets of their words (without the marks and without the spaces just inside them).

Marks are paired paragraph by paragraph (a paragraph is a line), so that a mark left unbalanced
in one paragraph costs nothing to the others. Within a paragraph the pairing recovers from:

- mismatched marks: an opening mark that nothing of its own kind closes later in the paragraph
  is closed by a closing mark of another kind that has nothing of its own open (« … ", " … ”);
- reversed guillemets (» … «, German style or a typo) when only they pair all of the paragraph's;
- nested quotes of the same kind, including straight ones ("Il a gagné la "Flèche", dit-il") and
  a closing » shared by a quotation and the one nested at its end (« … « bon pied, bon œil »⏎);
- straight marks that are no quotes: inch marks (27") and glued marks are left out.

A quotation still open at the end of its paragraph goes on into the next one when that one
reopens it (« at its start) or when the next mark of the article closes it (a quotation over
several paragraphs, closed once); otherwise one that opened an utterance ends with its
paragraph, and any other is dropped, what was complete inside it coming out instead.

Every mark is looked at a bounded number of times: pairing is linear in the text's length.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

CLOSERS = {"«": "»", "“": "”", "„": "“", "‹": "›", '"': '"'}
# Reversed guillemets (» … «): the closing mark opens and the opening mark closes.
REVERSED = {"»": "«", "›": "‹"}
MARKS = frozenset('«»“”„‹›"')
# Spaces French typography puts inside « »: plain, no-break and narrow no-break.
INNER_SPACE = " \t\u00a0\u202f\u2009"
STRAIGHT = '"'
# A straight mark opens after a space or one of these, and closes before a space or one of those.
_OPEN_AFTER = "([{«“\u2018'’—–-/"  # \u2018: left single quotation mark
_CLOSE_BEFORE = ".,;:!?…)]}»”’'—–-/"
# A quotation open at a paragraph's end may be closed by the article's next mark this many
# non-empty paragraphs further on, at most.
MAX_PARAGRAPHS_OPEN = 4


@dataclass(frozen=True)
class QuotedSpan:
    """An outermost quotation: `text[start:end]` are its words; `open_at`/`close_at` its marks.

    A quotation left open at the end of its paragraph has no closing mark (`closed` is False):
    `close_at` is then `end`, where that mark would stand."""

    start: int
    end: int
    open_at: int
    close_at: int
    reopened: bool = False  # runs over several paragraphs (« reopened at each, or closed once)

    closed: bool = True  # False: no closing mark, it runs to the end of its paragraph

    @property
    def after(self) -> int:
        """The first offset after the quotation and its closing mark."""
        return self.close_at + 1 if self.closed else self.close_at


@dataclass
class _Open:
    mark: str  # the opening mark as written
    closer: str  # the mark that closes it (REVERSED for » … «)
    at: int
    reopened: bool = False
    inner: list[QuotedSpan] = field(default_factory=list)


@dataclass
class _Paragraph:
    """The marks of one line of text and how each one is read."""

    start: int
    end: int  # index of its line break (or len(text)), a trailing carriage return excluded
    marks: list[int]  # offsets of its quotation marks, in order
    reversed_pairs: frozenset[str] = frozenset()  # "»" and/or "›": guillemets read reversed here
    roles: dict[int, str] = field(default_factory=dict)  # straight marks: O, C, S (spaced), X (glued), I (inch)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in INNER_SPACE:
        start += 1
    while end > start and text[end - 1] in INNER_SPACE:
        end -= 1
    return start, end


def _straight_role(text: str, i: int) -> str:
    """O opens (after a space, before a word), C closes (after a word, before a space or a
    punctuation mark), S stands between spaces, X is glued between two words."""
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    opens = before.isspace() or before in _OPEN_AFTER
    closes = after.isspace() or after in _CLOSE_BEFORE
    if opens and not closes:
        return "O"
    if closes and not opens:
        return "C"
    return "S" if opens else "X"


def _unpaired(marks: str, opener: str, closer: str) -> int:
    """How many of `marks` stay unpaired when `opener` opens and `closer` closes."""
    depth = stray = 0
    for m in marks:
        if m == opener:
            depth += 1
        elif depth:
            depth -= 1
        else:
            stray += 1
    return stray + depth


def _paragraph(text: str, start: int, end: int, marks: list[int]) -> _Paragraph:
    line_end = end - 1 if end > start and text[end - 1] == "\r" else end
    para = _Paragraph(start, line_end, marks)
    reversed_pairs: set[str] = set()
    for opener, closer in (("«", "»"), ("‹", "›")):
        seq = "".join(text[i] for i in marks if text[i] in (opener, closer))
        if seq and _unpaired(seq, closer, opener) == 0 and _unpaired(seq, opener, closer) > 0:
            reversed_pairs.add(closer)
    para.reversed_pairs = frozenset(reversed_pairs)
    straight = [i for i in marks if text[i] == STRAIGHT]
    para.roles = {i: _straight_role(text, i) for i in straight}
    if len(straight) % 2:
        # One mark too many: an inch mark (un écran de 27") is the likeliest.
        inch = next((i for i in straight if para.roles[i] == "C" and i > 0 and text[i - 1].isdigit()), None)
        if inch is not None:
            para.roles[inch] = "I"
    return para


def _paragraphs(text: str) -> list[_Paragraph]:
    out: list[_Paragraph] = []
    start = 0
    marks: list[int] = []
    for i, ch in enumerate(text):
        if ch in MARKS:
            marks.append(i)
        elif ch == "\n":
            out.append(_paragraph(text, start, i, marks))
            start, marks = i + 1, []
    out.append(_paragraph(text, start, len(text), marks))
    return out


def _opens_utterance(text: str, at: int) -> bool:
    """A quotation that can run over paragraphs opens its paragraph or sentence, or follows a colon."""
    k = at - 1
    while k >= 0 and text[k] in INNER_SPACE:
        k -= 1
    return k < 0 or text[k] in "\n:.!?…"


def _closes(text: str, para: _Paragraph, i: int) -> str | None:
    """The mark that the mark at `i` can stand for when it closes a quotation, if any."""
    ch = text[i]
    if ch == STRAIGHT:
        return STRAIGHT if para.roles[i] in ("C", "S", "X") else None
    if ch in para.reversed_pairs:
        return None  # » opening a reversed pair
    if ch in ("«", "‹"):
        return ch if CLOSERS[ch] in para.reversed_pairs else None
    return ch if ch in ("»", "”", "›", "“") else None  # “ closes „


def _closes_carried(text: str, para: _Paragraph, outer: _Open) -> bool:
    """Whether `para` has a closing mark for `outer` that pairs with nothing of its own, before
    any mark of that kind opens something left open (« … ⏎ … « investissements » … ».)."""
    depth = 0
    for i in para.marks:
        ch = text[i]
        if ch == STRAIGHT and outer.mark == STRAIGHT:
            role = para.roles[i]
            if role == "O" or (role == "S" and depth == 0):
                depth += 1
                continue
        elif ch == outer.mark:
            depth += 1
            continue
        if _closes(text, para, i) == outer.closer:
            if depth == 0:
                return True
            depth -= 1
    return False


class _Pairing:
    """The pairing of one article's marks, paragraph after paragraph."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.paragraphs = _paragraphs(text)
        self.out: list[QuotedSpan] = []
        self.stack: list[_Open] = []
        self.open_by_closer: dict[str, int] = {}  # how many quotations on the stack each mark closes
        self.carried_to = -1  # the paragraph whose first mark closes the quotation carried over

    def run(self) -> list[QuotedSpan]:
        skip = -1  # the mark reopening the quotation carried over: already paired
        for n, para in enumerate(self.paragraphs):
            if self.stack and para.reversed_pairs:
                para = replace(para, reversed_pairs=frozenset())  # a carried « is closed by »
            self.pair(para, skip)
            if n < self.carried_to:
                continue  # on to the paragraph that closes or reopens the quotation carried over
            skip = self.carry_over(n) if self.stack else -1
        return sorted(self.out, key=lambda s: s.start)

    # -- the stack

    def push(self, frame: _Open) -> None:
        self.stack.append(frame)
        self.open_by_closer[frame.closer] = self.open_by_closer.get(frame.closer, 0) + 1

    def pop(self) -> _Open:
        frame = self.stack.pop()
        self.open_by_closer[frame.closer] -= 1
        return frame

    def innermost(self, closer: str) -> int | None:
        """The depth of the innermost quotation `closer` closes. The frames walked over are
        popped right after, so the walks cost no more than the pushes."""
        if not self.open_by_closer.get(closer):
            return None
        return next(k for k in range(len(self.stack) - 1, -1, -1) if self.stack[k].closer == closer)

    # -- one paragraph

    def pair(self, para: _Paragraph, skip: int) -> None:
        text = self.text
        # Closing marks still to come in the paragraph, by the mark they stand for.
        ahead: dict[str, int] = {}
        for i in para.marks:
            kind = _closes(text, para, i)
            if kind is not None and i != skip:
                ahead[kind] = ahead.get(kind, 0) + 1
        for i in para.marks:
            if i == skip:
                continue
            kind = _closes(text, para, i)
            if kind is not None:
                ahead[kind] -= 1
            ch = text[i]
            if ch == STRAIGHT:
                self.straight(i, para.roles[i], ahead)
            elif ch in para.reversed_pairs:
                self.push(_Open(ch, REVERSED[ch], i))  # » … «
            elif ch == "“" and self.stack and self.stack[-1].mark == "„":
                self.close(self.pop(), i)
            elif ch in CLOSERS and (kind is None or ch == "“"):
                self.push(_Open(ch, CLOSERS[ch], i))
            else:
                self.closing(i, ch, ahead)

    def straight(self, i: int, role: str, ahead: dict[str, int]) -> None:
        if role == "I":
            return  # an inch mark
        if role == "O" or (role == "S" and not self.open_by_closer.get(STRAIGHT)):
            self.push(_Open(STRAIGHT, STRAIGHT, i))  # possibly nested in another straight quotation
            return
        k = self.innermost(STRAIGHT)
        if k is not None:
            self.close_down_to(k, i)
        elif role == "C":
            self.mismatched(i, ahead)

    def closing(self, i: int, ch: str, ahead: dict[str, int]) -> None:
        k = self.innermost(ch)
        if k is not None:
            self.close_down_to(k, i)
        else:
            self.mismatched(i, ahead)

    def mismatched(self, i: int, ahead: dict[str, int]) -> None:
        """A closing mark with nothing of its kind open closes the innermost quotation when
        nothing of that one's kind closes it later in the paragraph (« … ", " … ”); else stray."""
        if self.stack and ahead.get(self.stack[-1].closer, 0) == 0:
            self.close(self.pop(), i)

    def close_down_to(self, k: int, at: int) -> None:
        while len(self.stack) - 1 > k:
            self.pop()  # marks opened inside and never closed: ignore them
        self.close(self.pop(), at)

    def close(self, frame: _Open, at: int) -> None:
        start, end = _trim(self.text, frame.at + 1, at)
        if end <= start:
            return
        span = QuotedSpan(start, end, frame.at, at, frame.reopened)
        if self.stack:
            self.stack[-1].inner.append(span)
        else:
            self.out.append(span)

    # -- the end of a paragraph with a quotation still open

    def carry_over(self, n: int) -> int:
        """Carry the open quotation into the next paragraphs, or settle it. Returns the offset
        of the mark that reopens it in the next paragraph (-1 for none)."""
        text, para = self.text, self.paragraphs[n]
        outer = self.stack[0]
        for frame in self.stack[1:]:
            outer.inner.extend(frame.inner)
        while len(self.stack) > 1:
            self.pop()
        found = self.next_marked(n)
        if found is not None and outer.mark not in REVERSED:
            m, blank_between = found
            nxt = self.paragraphs[m]
            first = nxt.marks[0]
            if (
                blank_between
                and text[first] == outer.mark
                and not text[nxt.start : first].strip(INNER_SPACE + "\r")
                and _opens_utterance(text, outer.at)
            ):
                outer.reopened = True  # French press reopens « at each paragraph of a long quotation
                self.carried_to = m
                return first
            if not nxt.reversed_pairs and _closes_carried(text, nxt, outer):
                outer.reopened = True  # a quotation over several paragraphs, closed once
                self.carried_to = m
                return -1
        self.pop()
        last = outer.inner[-1] if outer.inner else None
        if (
            last is not None
            and outer.mark != STRAIGHT
            and text[last.close_at] == outer.closer
            and last.close_at == para.marks[-1]
            and not any(c.isalnum() for c in text[last.close_at : para.end])
        ):
            # « … « bon pied, bon œil »⏎: the closing mark of the nested quotation closes both.
            start, end = _trim(text, outer.at + 1, last.close_at)
            self.out.append(QuotedSpan(start, end, outer.at, last.close_at, outer.reopened))
            return -1
        if outer.mark != STRAIGHT and _opens_utterance(text, outer.at):
            # A quotation that opened an utterance and was never closed runs to the end of its
            # paragraph (« Je veux …, a-t-elle annoncé. Et rénover le ponton.⏎).
            start, end = _trim(text, outer.at + 1, para.end)
            if end > start:
                self.out.append(QuotedSpan(start, end, outer.at, end, outer.reopened, closed=False))
                return -1
        self.out.extend(sorted(outer.inner, key=lambda s: s.start))
        return -1

    def next_marked(self, n: int) -> tuple[int, bool] | None:
        """The next paragraph with a quotation mark, within MAX_PARAGRAPHS_OPEN non-empty ones,
        and whether only empty lines stand before it."""
        seen = 0
        for m in range(n + 1, len(self.paragraphs)):
            para = self.paragraphs[m]
            if para.marks:
                return m, seen == 0
            if self.text[para.start : para.end].strip():
                seen += 1
                if seen >= MAX_PARAGRAPHS_OPEN:
                    return None
        return None


def quoted_spans(text: str) -> list[QuotedSpan]:
    """The outermost quotations of `text`, in order. Unbalanced marks are dropped, not fatal."""
    return _Pairing(text).run()
