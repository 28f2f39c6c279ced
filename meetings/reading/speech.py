"""読み上げ: a published meeting page's text, made ready for speaking, and its audio.

``page_text`` takes the text of the page as the public sees it (the result and
its corrections); ``normalise`` makes dates, times, counters and names read
naturally (令和4年6月20日 → れいわよねんろくがつはつか, 17:30 → じゅうしちじさんじゅっぷん)
and drops the markers (■ ・ ○); ``synthesise`` speaks it with Open JTalk
(pyopenjtalk-plus: dictionary and voice inside the package, no network) and
``encode`` makes Ogg Opus with ``opusenc`` (Debian opus-tools), or 16 kHz WAV
without it. ``speak_meeting`` writes ``audio/meetings/<id>/speech.json`` (the text,
for the browser's own speech synthesis where there is no audio) and
``speech.ogg``; an engine error is logged and leaves the page without audio.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
import wave
from html.parser import HTMLParser
from typing import Any

from django.conf import settings

from meetings.reading.yomi import Reader

logger = logging.getLogger(__name__)

AUDIO_PREFIX = "audio/meetings/"
JSON_NAME = "speech.json"
OGG_NAME = "speech.ogg"
WAV_NAME = "speech.wav"
PAUSE_SECONDS = 0.4
BLOCKS = {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "dt", "dd", "tr", "br", "section", "ul", "ol", "table"}  # fmt: skip


class _PageText(HTMLParser):
    """Text of the elements marked ``data-pagefind-body`` (the result) and of the
    corrections section, one line per block."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0  # >0 while inside a part that is read
        self.lines: list[str] = []
        self.line = ""

    def _break(self) -> None:
        if self.line.strip():
            self.lines.append(" ".join(self.line.split()))
        self.line = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if self.depth:
            if tag not in ("br",):
                self.depth += 1
        elif "data-pagefind-body" in names or "kk-corrections" in (
            names.get("class") or ""
        ):
            self.depth = 1
        if tag in BLOCKS:
            self._break()

    def handle_endtag(self, tag: str) -> None:
        if tag in BLOCKS:
            self._break()
        if self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.line += data


def page_text(page: bytes) -> str:
    parser = _PageText()
    parser.feed(page.decode("utf-8"))
    parser.close()
    parser._break()
    return "\n".join(parser.lines)


# -- normalisation ---------------------------------------------------------------

ERAS = {"令和": "れいわ", "平成": "へいせい", "昭和": "しょうわ"}
MARKERS = re.compile(r"^[\s■□◆◇●○・※▼▽◎]+|[■□◆◇●◎]", re.M)
TIME = re.compile(r"(\d{1,2})[::](\d{2})")
RANGE = re.compile(r"\s*[~～〜]\s*")
SHORT_DATE = re.compile(r"\b([RHSrhs])(\d{1,2})\.(\d{1,2})\.(\d{1,2})\b")
SHORT_ERAS = {"R": "令和", "H": "平成", "S": "昭和"}
PHONE = re.compile(r"\b(\d{2,5})-(\d{2,4})-(\d{3,4})\b")
SIZE = re.compile(r"(\d+(?:\.\d+)?)\s?(KB|MB|GB)", re.I)
SIZE_WORDS = {"kb": "キロバイト", "mb": "メガバイト", "gb": "ギガバイト"}
PHONE_DIGITS = "ぜろ いち にい さん よん ごお ろく なな はち きゅう".split()
WEEKDAY_WORDS = {"げつ", "か", "すい", "もく", "きん", "ど", "にち"}


def _time(match: re.Match[str]) -> str:
    from meetings.reading.yomi import counter_reading

    hour, minute = int(match.group(1)), int(match.group(2))
    spoken = counter_reading(hour, "時")
    return spoken + (counter_reading(minute, "分") if minute else "")


def _phone(match: re.Match[str]) -> str:
    return "の、".join(
        "".join(PHONE_DIGITS[int(d)] for d in group) for group in match.groups()
    )


def normalise(text: str, reader: Reader) -> str:
    """The text as it should be spoken: numbers with counters, dates, times and
    names from the readings table in kana; markers gone; ~ read as から."""
    text = MARKERS.sub("", text)
    text = re.sub(r"(?<=\S)・(?=\S)", "、", text)  # 鳥インフルエンザ・とくしまアラート
    text = SHORT_DATE.sub(
        lambda m: (
            f"{SHORT_ERAS[m.group(1).upper()]}{m.group(2)}年{m.group(3)}月{m.group(4)}日"
        ),
        text,
    )
    text = PHONE.sub(_phone, text)
    text = TIME.sub(_time, text)
    text = RANGE.sub("から", text)
    text = SIZE.sub(lambda m: m.group(1) + SIZE_WORDS[m.group(2).lower()], text)
    out = []
    for segment in reader.segments(text):
        if segment.surface in ERAS:
            out.append(ERAS[segment.surface])
        elif segment.source in ("table", "rule"):
            word = segment.reading
            out.append(word + "ようび" if word in WEEKDAY_WORDS else word)
        else:
            out.append(segment.surface)
    spoken = "".join(out)
    spoken = re.sub(r"[((]([^()()]*ようび)[))]", r"、\1、", spoken)
    return "\n".join(line.strip() for line in spoken.splitlines() if line.strip())


# -- synthesis -----------------------------------------------------------------


def engine_available() -> bool:
    try:
        import pyopenjtalk  # noqa: F401
    except ImportError:
        return False
    return True


def engine_files() -> list[str]:
    """The engine's dictionary and voice (inside the installed package)."""
    import pyopenjtalk

    folder = os.path.dirname(pyopenjtalk.__file__)
    return [
        os.path.join(folder, "htsvoice", "mei_normal.htsvoice"),
        getattr(pyopenjtalk, "OPEN_JTALK_DICT_DIR", b"").decode()
        if isinstance(getattr(pyopenjtalk, "OPEN_JTALK_DICT_DIR", None), bytes)
        else str(getattr(pyopenjtalk, "OPEN_JTALK_DICT_DIR", "")),
    ]


def synthesise(text: str, target: str) -> float:
    """Speak ``text`` into the WAV file ``target`` (16-bit mono, the engine's rate),
    line by line with a short pause between lines, so that memory stays small for
    the longest meeting; the seconds of speech."""
    import numpy as np
    import pyopenjtalk

    frames = 0
    out: wave.Wave_write | None = None
    try:
        for line in text.splitlines():
            if not line.strip():
                continue
            samples, rate = pyopenjtalk.tts(line)
            if out is None:
                out = wave.open(target, "wb")
                out.setnchannels(1)
                out.setsampwidth(2)
                out.setframerate(rate)
            pcm = np.clip(samples, -32768, 32767).astype("<i2")
            pause = np.zeros(int(rate * PAUSE_SECONDS), dtype="<i2")
            out.writeframes(pcm.tobytes() + pause.tobytes())
            frames += len(pcm) + len(pause)
        if out is None:
            raise ValueError("nothing to speak")
        return frames / out.getframerate()
    finally:
        if out is not None:
            out.close()


def encode(source: str) -> tuple[bytes, str, str]:
    """(bytes, file name, MIME type) of the WAV file ``source``: Ogg Opus with
    opusenc (24 kbit/s, about 3 kB a second), else WAV at 16 kHz (32 kB a second)."""
    opusenc = shutil.which("opusenc")
    if opusenc:
        with tempfile.TemporaryDirectory() as folder:
            target = os.path.join(folder, "out.ogg")
            subprocess.run(
                [opusenc, "--quiet", "--bitrate", "24", source, target],
                check=True,
                timeout=3600,
            )
            with open(target, "rb") as handle:
                return handle.read(), OGG_NAME, "audio/ogg; codecs=opus"
    import numpy as np

    with wave.open(source, "rb") as wav:
        rate = wav.getframerate()
        samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    step = max(1, rate // 16000)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate // step)
        out.writeframes(samples[::step].tobytes())
    return buffer.getvalue(), WAV_NAME, "audio/wav"


# Said at the end of an audio file cut at READING_SPEECH_MAX_CHARS.
CUT_NOTE = "読み上げ音声はここまでです。続きは、ページの本文をご覧ください。"


def capped(text: str, limit: int) -> tuple[str, bool]:
    """``text`` as the audio speaks it: whole when at most ``limit`` characters,
    else the lines that fit (a longer first line cut after its last 。 or 、 within
    the limit) and ``CUT_NOTE``; whether it was cut. Synthesis takes about 15 ms a
    character, so the limit bounds a job's time whatever the meeting's length."""
    if limit <= 0 or len(text) <= limit:
        return text, False
    room = max(limit - len(CUT_NOTE) - 1, 1)
    kept: list[str] = []
    used = 0
    for line in text.splitlines():
        if used + len(line) + 1 > room:
            if not kept:
                head = line[:room]
                stop = max(head.rfind("。"), head.rfind("、"))
                kept.append(head[: stop + 1] if stop > 0 else head)
            break
        kept.append(line)
        used += len(line) + 1
    return "\n".join([*kept, CUT_NOTE]), True


def make_audio(text: str) -> tuple[bytes, str, str, float]:
    """Audio of ``text``: (bytes, file name, MIME type, seconds)."""
    with tempfile.TemporaryDirectory() as folder:
        source = os.path.join(folder, "speech.wav")
        seconds = synthesise(text, source)
        content, name, mime = encode(source)
    return content, name, mime, seconds


# -- the files of one meeting --------------------------------------------------


def folder(public_id: str) -> str:
    return f"{AUDIO_PREFIX}{public_id}/"


def remove_meeting(public_id: str) -> None:
    from meetings.site import tree

    for path in list(tree.walk(folder(public_id))):
        tree.remove(path)


def speak_meeting(public_id: str, *, engine: bool | None = None) -> dict[str, Any]:
    """Write (or remove) the speech files of a meeting after a change of its page."""
    from meetings.models import Meeting
    from meetings.site import tree
    from meetings.site.render import render_url

    public_id = str(public_id)
    published = Meeting.objects.published().filter(public_id=public_id).exists()
    page = render_url(f"/meetings/{public_id}/") if published else None
    if page is None:
        remove_meeting(public_id)
        return {"removed": True}
    text = normalise(page_text(page), Reader.load())
    # The audio speaks at most READING_SPEECH_MAX_CHARS characters (then says where
    # the rest is); the browser's own synthesis reads the whole text.
    spoken, cut = capped(text, settings.READING_SPEECH_MAX_CHARS)
    digest = hashlib.sha256(f"{text}\0{spoken}".encode()).hexdigest()
    base = folder(public_id)
    try:
        before = json.loads(tree.read(base + JSON_NAME) or b"{}")
    except ValueError:
        before = {}
    use_engine = engine_available() if engine is None else engine
    if (
        before.get("sha256") == digest
        and (before.get("audio") or not use_engine)
        and (not before.get("audio") or tree.read(base + before["audio"]) is not None)
    ):
        return before  # the same text: nothing to do
    manifest: dict[str, Any] = {"text": text, "sha256": digest, "audio": None}
    if use_engine:
        try:
            content, name, mime, seconds = make_audio(spoken)
            tree.write(base + name, content)
            manifest.update(
                audio=name,
                type=mime,
                bytes=len(content),
                seconds=round(seconds, 2),
                audio_cut=cut,
                audio_chars=len(spoken),
            )
        except Exception:  # never fails a publication: the browser reads the text
            logger.exception("speech synthesis failed for meeting %s", public_id)
    for path in list(tree.walk(base)):
        if path.rsplit("/", 1)[-1] not in (JSON_NAME, manifest["audio"]):
            tree.remove(path)
    tree.write(
        base + JSON_NAME, json.dumps(manifest, ensure_ascii=False).encode("utf-8")
    )
    return manifest
