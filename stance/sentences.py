"""Split news text into sentences, with offsets into the original text.

``split_sentences(text)`` returns the ``(start, end)`` character spans of the sentences of ``text``;
``text[start:end]`` is a sentence with no whitespace at either end. Pure Python and ``re``: a megabyte of
news text takes a fraction of a second.

Guarantees, for any ``str`` (emoji, right-to-left text, zero-width and control characters included):
it never raises; the spans are sorted, non-overlapping, non-empty and within the text; no span starts or
ends with whitespace (``str.isspace``); every non-whitespace character lies in exactly one span, so nothing
is ever dropped.

The rules, in the order they apply:

1. **Paragraphs.** A blank line (only whitespace between two line breaks) always ends a sentence.
2. **Bullets.** A line that starts with a bullet (``-``, ``*``, ``•``, ``‣``, ``◦``, ``▪``, ``●`` or a number
   ``1.`` / ``1)`` followed by a space) starts a new sentence; the marker belongs to the item's sentence.
3. **Headlines, bylines and datelines.** A line break ends a sentence when the line has no terminal
   punctuation, the next line starts like a new sentence (a capital letter, an opening quote or a bullet),
   and the line does not visibly continue: it does not end with ``, ; : - – — ( / &`` or with a
   lowercase joining word (``the``, ``of``, ``and``, ``that``, ``said`` ... see ``CONTINUATION_WORDS``).
   Otherwise a single line break is just a space, so hard-wrapped paragraphs read as one text.
4. **Terminal punctuation.** A run of ``.``, ``!``, ``?``, ``…`` (or a spaced ellipsis ``. . .``), with any
   closing quotes and brackets right after it, ends a sentence when whitespace follows and the next
   word does not start with a lowercase letter (so ``"Will we win?" she asked.`` and ``"We won't," she
   said.`` stay whole, and the closing quote of ``."`` / ``?"`` stays with the sentence it closes).
   A ``.`` with no space after it (``$3.5 billion``, ``2.4%``, ``Amazon.com``) never ends a sentence.
5. **Abbreviations** (only when the terminal run is a single ``.``):

   - a title (``Mr.``, ``Dr.``, ``Sen.``, ``vs.`` ... see ``TITLES``) never ends a sentence;
   - the number ``1.`` of a numbered bullet at the start of a line never ends a sentence;
   - any other known abbreviation (``Inc.``, ``Corp.``, ``Co.``, ``Ltd.``, ``No.``, ``Jan.``, ``St.`` ... see
     ``ABBREVIATIONS``), a dotted acronym (``U.S.``, ``U.K.``, ``e.g.``, ``a.m.``) or a single capital
     initial (``John F. Kennedy``) ends a sentence only when the next word is a common sentence-starting
     word (``The``, ``It``, ``He``, ``She``, ``They``, ``But``, ``In``, ``A`` ... see ``SENTENCE_STARTERS``).
     So ``Acme Inc. said`` and ``the U.S. President`` stay whole, while ``... from Acme Inc. The company
     said`` splits after ``Inc.``. The rule errs on the side of keeping text together: an abbreviation
     that really ends a sentence before a name (``... in the U.S. Microsoft said``) is not split.
6. A ``?`` or ``!`` closed by a quote and followed by a name and a speech verb (``"Why not?" Smith
   asked.``) does not end the sentence.
"""

from __future__ import annotations

import re

__all__ = ["split_sentences", "ABBREVIATIONS", "TITLES", "SENTENCE_STARTERS", "CONTINUATION_WORDS"]

#: Words before a "." that never end a sentence: titles and words that always precede a name or number.
TITLES = frozenset("""
    Mr Mrs Ms Mx Messrs Mmes Dr Drs Prof Profs Sen Sens Rep Reps Gov Govs Lt Gen Col Maj Capt Cmdr Adm Sgt
    Cpl Pvt Rev Fr Hon Pres Supt Insp Amb Atty Mt Ft vs v Vs
""".split())

#: Abbreviations that may end a sentence: they end one only before a word in SENTENCE_STARTERS.
ABBREVIATIONS = frozenset("""
    Inc Corp Co Cos Ltd Llc LLC Plc PLC Bros Jr Sr Esq Assn Dept Univ Intl Natl
    No Nos Vol Vols p pp Fig Figs Art Sec Ch ch approx est Est Ave Blvd Rd St Hwy Pl Sq Apt Ste Bldg
    Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec Mon Tue Tues Wed Thu Thur Thurs Fri Sat Sun
    al cf ca viz Ph Mass Calif Fla Ill Wash Mich Penn Conn Tenn Ariz Colo Ore Okla Wis Minn Ky La Md Va Ga Ala
""".split())

#: Words that commonly start a sentence in news text (the rule for abbreviations at a sentence end).
SENTENCE_STARTERS = frozenset("""
    The A An It Its It's He She They We I You His Her Their Our My Your This That These Those There Here
    But And Or So Yet Still However Meanwhile Also Instead Nevertheless Nonetheless Moreover Furthermore
    In On At For From With By As After Before During While When Whether If Although Though Because Since
    Until Unless Once Despite Under Over Among Last Next Earlier Later Now Then Today Yesterday
    Some Many Most Both Each Every All No None Neither Either Such Other Others Another
    What Why How Who Where Which Analysts Shares Investors Officials Critics Sales Revenue Profit
""".split())

#: Lowercase words that, ending a line, show that the sentence goes on on the next line.
CONTINUATION_WORDS = frozenset("""
    a an the and or but nor of to in on at by for from with without as that which who whom whose than into
    onto over under about after before between against among through during its their his her our your my
    is are was were be been being has have had will would can could should may might must shall not no
    said says told including such per via vs if when while where because since until unless although
    though also both either neither this these those some any all more most very so it they he she we
    i you do does did
""".split())

# Every character Python treats as a line break (str.splitlines).
_LINE_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"

_CLOSERS = "\"'”’»)]}›"
_OPENERS = "\"'“‘«([{‹¿¡"

# A candidate sentence end: terminal punctuation, closers, then whitespace or the end of the text.
_TERMINAL = re.compile(
    r"(?P<term>\.(?:[ \u00a0]\.){2,}|[.!?…‽]+)(?P<close>[" + re.escape(_CLOSERS) + r"]*)(?=\s|\Z)"
)
_BULLET = re.compile(r"[ \t]*(?:[-*•‣◦▪●]|\(?\d{1,3}[.)])[ \t]+\S")
_NUM_BULLET = re.compile(r"\d{1,3}")
_ACRONYM = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]")
_INITIAL = re.compile(r"[A-Z]")
_LINE_END_TERMINAL = re.compile(r"[.!?…‽][" + re.escape(_CLOSERS) + r"]*\Z")
_LINE_END_CONTINUES = re.compile(r"[,;:\-–—(/&+=\[{" + re.escape("“‘«") + r"]\Z")
_WORD = re.compile(r"\S+")
_SPEECH_VERBS = frozenset("""
    said says asked asks added adds told wrote writes replied replies recalled noted notes insisted argued
    explained explains shouted wondered
""".split())


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) character spans of the sentences of `text`; text[start:end] is the sentence, stripped of surrounding whitespace."""
    if not isinstance(text, str) or not text or text.isspace():
        return []
    cuts = set(_line_cuts(text))
    cuts.update(_inline_cuts(text))
    cuts.add(len(text))
    spans: list[tuple[int, int]] = []
    start = 0
    for cut in sorted(cuts):
        if cut <= start:
            continue
        span = _strip(text, start, cut)
        if span is not None:
            spans.append(span)
        start = cut
    return spans


def _strip(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The span of text[start:end] without whitespace at either end, or None when it is all whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def _line_cuts(text: str) -> list[int]:
    """Cut positions from the layout: blank lines, bullets, and lines without terminal punctuation."""
    cuts: list[int] = []
    offset = 0
    prev: str | None = None  # content of the previous non-blank line of the same paragraph
    for line in text.splitlines(keepends=True):
        content = line.rstrip(_LINE_BREAKS)
        if not content or content.isspace():
            prev = None  # a blank line: the paragraph ends (the whitespace between is stripped anyway)
            if offset:
                cuts.append(offset)
        else:
            if prev is None or _breaks_between(prev, content):
                cuts.append(offset)
            prev = content
        offset += len(line)
    return cuts


def _breaks_between(prev: str, line: str) -> bool:
    """Whether a line break between two lines of one paragraph ends a sentence."""
    if _BULLET.match(line):
        return True
    prev = prev.rstrip()
    if _LINE_END_TERMINAL.search(prev):
        return False  # the terminal punctuation rules decide, the line break counts as a space
    if _LINE_END_CONTINUES.search(prev):
        return False
    last = prev.rsplit(None, 1)[-1] if prev else ""
    if last[:1].islower() and last in CONTINUATION_WORDS:
        return False
    first = line.lstrip()[:1]
    return first.isupper() or (first != "" and first in _OPENERS and first not in "([{")


def _inline_cuts(text: str) -> list[int]:
    cuts: list[int] = []
    n = len(text)
    for m in _TERMINAL.finditer(text):
        end = m.end()
        if end >= n:
            continue  # the end of the text is a cut anyway
        if _ends_sentence(text, m):
            cuts.append(end)
    return cuts


def _token_before(text: str, pos: int) -> tuple[str, int]:
    """The non-whitespace token that ends at pos, without opening punctuation, and where it starts."""
    start = pos
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    token = text[start:pos]
    stripped = token.lstrip(_OPENERS)
    return stripped, start + (len(token) - len(stripped))


def _next_words(text: str, pos: int, count: int) -> list[str]:
    words = []
    for m in _WORD.finditer(text, pos):
        words.append(m.group())
        if len(words) >= count:
            break
    return words


def _ends_sentence(text: str, m: re.Match) -> bool:
    term, close = m.group("term"), m.group("close")
    words = _next_words(text, m.end(), 4)
    if not words:
        return True
    nxt = words[0].lstrip(_OPENERS)
    if not nxt:
        # only opening punctuation ("(", a lone quote): look at the word after it
        nxt = words[1].lstrip(_OPENERS) if len(words) > 1 else ""
    if nxt[:1].islower():
        return False
    word = nxt.rstrip(",;:.!?…\"'”’»)]}")
    if term == ".":
        token, token_start = _token_before(text, m.start())
        if token in TITLES:
            return False
        if _NUM_BULLET.fullmatch(token) and _at_line_start(text, token_start):
            return False
        if token in ABBREVIATIONS or _ACRONYM.fullmatch(token) or _INITIAL.fullmatch(token):
            return word in SENTENCE_STARTERS
        return True
    if close and term[-1] in "?!‽" and nxt[:1].isupper():
        # "Why not?" Smith asked. / "Why not?" Jane Smith asked.
        rest = [w.rstrip(",.;:") for w in words[1:3]]
        for i, w in enumerate(rest):
            if w in _SPEECH_VERBS:
                return not all(x[:1].isupper() for x in [nxt, *rest[:i]])
            if not w[:1].isupper():
                break
    return True


def _at_line_start(text: str, pos: int) -> bool:
    """Whether only spaces or tabs stand between pos and the start of its line (a numbered bullet)."""
    i = pos
    while i > 0 and text[i - 1] in " \t(":
        i -= 1
    return i == 0 or text[i - 1] in _LINE_BREAKS
