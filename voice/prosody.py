"""Shapes a reply for older listeners: pauses at commas, a longer pause before the key figure, and the key
figure said once more at the end ("……余额一万二千元。再说一遍，一万二千元。").

The plan is engine-neutral: a list of spoken segments, each followed by a pause in seconds at normal pace.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from voice.normalize import to_speech_text

COMMA_PAUSE_S = 0.4  # guide: 0.3-0.5 s at commas
SENTENCE_PAUSE_S = 0.6
KEY_FIGURE_PAUSE_S = 0.8  # guide: 0.6-1 s before a key figure
REPEAT_LEAD = "再说一遍"

_COMMA = "，、；：,;:"
_STOP = "。！？!?…\n"
_SENTENCE_END = "。！？!?"
# The long pause goes where this marker stands (a private-use character no reply contains).
_KEY_MARK = "\ue000"
# Characters an engine should not try to read: quotes, brackets, markup left-overs.
_DROP = re.compile(r"[\"'‘’“”「」『』《》〈〉（）()\[\]【】*_#~`<>|\\/]")
# Amounts as replies write them: 12,000.00元, ¥500, 500 元, 一万二千元.
_AMOUNT = re.compile(
    r"[¥￥]\s*\d[\d,]*(?:\.\d{1,2})?(?:\s*元)?"
    r"|\d[\d,]*(?:\.\d{1,2})?\s*元"
    r"|[零一二两三四五六七八九十百千万亿]+元(?:[零一二三四五六七八九]角)?(?:[零一二三四五六七八九]分)?"
)


@dataclass(frozen=True)
class Segment:
    text: str
    pause_after_s: float
    mark: str = ""  # the punctuation that ended it, for engines that hear a question in "？"


@dataclass(frozen=True)
class SpeechPlan:
    segments: tuple[Segment, ...]

    @property
    def text(self) -> str:
        """One string with punctuation for engines that take a single text (gTTS): pauses become marks."""
        out = []
        for seg in self.segments:
            if seg.mark in ("？", "！", "?", "!"):
                mark = "？" if seg.mark in "？?" else "！"
            else:
                mark = "。" if seg.pause_after_s == SENTENCE_PAUSE_S else "，"
            out.append(seg.text + mark)
        return "".join(out)

    @property
    def key_text(self) -> str:
        """Every segment and pause, for the cache key: a change of pause is a change of audio."""
        return "|".join(f"{seg.text}{seg.mark}/{seg.pause_after_s:.2f}" for seg in self.segments)

    @property
    def chars(self) -> int:
        """Spoken syllables, for the pace: CJK characters plus Latin words and digits."""
        return sum(_syllables(seg.text) for seg in self.segments)

    @property
    def pause_s(self) -> float:
        return sum(seg.pause_after_s for seg in self.segments[:-1])


def _syllables(text: str) -> int:
    cjk = sum(1 for c in text if "\u4e00" <= c <= "\u9fff")
    other = len(re.findall(r"[A-Za-z]+|\d", text))
    return cjk + other


def find_key_figure(text: str) -> str | None:
    """The one amount a reply is about, when it names exactly one (several amounts: no single key figure)."""
    found = {re.sub(r"\s+", "", m.group(0)) for m in _AMOUNT.finditer(text)}
    return found.pop() if len(found) == 1 else None


def _spoken(text: str) -> str:
    return to_speech_text(text, None).strip().rstrip("。.！!，,")


def build_plan(text: str, buttons: list[str] | None = None, key_figure: str | None = None) -> SpeechPlan:
    """Normalises the reply (voice.normalize), marks the key figure and repeats it before the choices."""
    body = to_speech_text(text, None).strip()
    full = to_speech_text(text, buttons or None).strip() if buttons else body
    # The normaliser appends the spoken choices; the repeat belongs between the reply and the choices.
    choices = full[len(body):] if full.startswith(body) else ""
    if not full.startswith(body):
        body = full
    figure = key_figure or find_key_figure(text)
    spoken_figure = _spoken(figure) if figure else ""
    if spoken_figure:
        body = _with_repeat(body, spoken_figure)
    return SpeechPlan(tuple(_segments(body + choices)))


def _with_repeat(body: str, figure: str) -> str:
    """A long pause before the figure, and "再说一遍，<figure>。" right after the sentence that names it
    (so a question that follows, "对吗？", stays next to its spoken choices); at the end if it is not found."""
    repeat = f"{REPEAT_LEAD}，{figure}。"
    at = body.find(figure)
    if at < 0:
        return body + ("" if not body or body[-1] in _STOP + _COMMA else "。") + repeat
    # A sentence ends at 。！？, not at a line break: "五百元，\n伍佰元整。" is one sentence.
    stop = next((i for i in range(at + len(figure), len(body)) if body[i] in _SENTENCE_END), None)
    if stop is None:
        end = body.rstrip(_COMMA + " ")
        return end[:at] + _KEY_MARK + end[at:] + "。" + repeat
    # Closing quotes or further stops belong to the sentence ("吗？”", "。。"): the repeat goes after them.
    while stop + 1 < len(body) and (body[stop + 1] in _SENTENCE_END or _DROP.match(body[stop + 1])):
        stop += 1
    return body[:at] + _KEY_MARK + body[at:stop + 1] + repeat + body[stop + 1:]


def _segments(text: str) -> list[Segment]:
    segments: list[Segment] = []
    current: list[str] = []

    def close(pause: float, mark: str = "") -> None:
        spoken = _DROP.sub("", "".join(current)).strip()
        current.clear()
        if spoken:
            segments.append(Segment(spoken, pause, mark))
        elif segments and pause > segments[-1].pause_after_s:
            # Punctuation after punctuation ("。"" or "，——"): keep the longer pause, add no empty segment.
            segments[-1] = Segment(segments[-1].text, pause, segments[-1].mark)

    for i, ch in enumerate(text):
        if ch == _KEY_MARK:
            close(KEY_FIGURE_PAUSE_S)
            if segments:  # a pause *before* the figure: lengthen the one that precedes it
                last = segments[-1]
                segments[-1] = Segment(last.text, max(last.pause_after_s, KEY_FIGURE_PAUSE_S), last.mark)
        elif ch in ".," and 0 < i < len(text) - 1 and text[i - 1].isdigit() and text[i + 1].isdigit():
            current.append(ch)  # a decimal point or thousands separator the normaliser left: no pause
        elif ch in _STOP or ch == ".":
            close(SENTENCE_PAUSE_S, ch)
        elif ch in _COMMA:
            close(COMMA_PAUSE_S, ch)
        else:
            current.append(ch)
    close(SENTENCE_PAUSE_S)
    return segments
