"""読み上げ: text normalised for speaking, audio written after publication by the
Celery job, following corrections and withdrawals, never failing a publication,
and nothing fetched from the network."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import sysconfig

import pytest

from meetings import services
from meetings.models import Meeting
from meetings.reading import speech, yomi
from meetings.reading.yomi import Reader
from meetings.site import tree
from tests.factories import make_meeting

pytestmark = pytest.mark.django_db


@pytest.fixture
def speaking(settings):
    settings.READING_SPEECH = True


def ogg_seconds(data: bytes) -> float:
    """Duration of an Ogg Opus file: the last page's granule position (48 kHz)
    less the pre-skip of the OpusHead header."""
    head = data.index(b"OpusHead")
    pre_skip = int.from_bytes(data[head + 10 : head + 12], "little")
    last = data.rindex(b"OggS")
    granule = int.from_bytes(data[last + 6 : last + 14], "little")
    return (granule - pre_skip) / 48000


def morae(text: str, reader: Reader) -> int:
    kana = reader.reading(text)
    return sum(
        1 for c in kana if "ぁ" <= c <= "ゖ" and c not in "ゃゅょぁぃぅぇぉゎ"
    ) + kana.count("ー")


def test_dates_times_counters_and_markers_read_naturally():
    reader = Reader({"万代庁舎": "ばんだいちょうしゃ"})
    spoken = speech.normalise(
        "1 日時:令和4年6月20日(月)17:30 ~ 17:45\n"
        "2 場所:万代庁舎3階特別会議室\n"
        "3 出席者:各部局主管課副課長など計22名\n"
        "■医療政策課から説明\n"
        "・県内の医療機関でサイバー攻撃\n"
        "○鳥インフルエンザ・とくしまアラート\n"
        "危機管理連絡会議 開催結果(R4.6.20).pdf(141KB)\n"
        "電話:088-621-2280",
        reader,
    )
    assert "れいわよねんろくがつはつか" in spoken
    assert "げつようび" in spoken
    assert "じゅうしちじさんじゅっぷんからじゅうしちじよんじゅうごふん" in spoken
    assert "ばんだいちょうしゃさんがい" in spoken
    assert "にじゅうにめい" in spoken
    assert "141キロバイト" in spoken
    assert "ぜろはちはちの、ろくにいいちの、にいにいはちぜろ" in spoken
    for marker in "■・○~":
        assert marker not in spoken
    assert "鳥インフルエンザ、とくしまアラート" in spoken


def _publish(approver, editor, capture, **kwargs) -> Meeting:
    meeting = make_meeting(user=editor, status="review", **kwargs)
    with capture(execute=True):
        services.meeting_publish(meeting=meeting, user=approver)
    return Meeting.objects.get(pk=meeting.pk)


def test_audio_after_publication_with_a_plausible_duration_and_following_changes(
    speaking,
    approver,
    editor,
    django_capture_on_commit_callbacks,
):
    meeting = _publish(
        approver,
        editor,
        django_capture_on_commit_callbacks,
        agenda=["「台風第14号」について"],
    )
    base = f"audio/meetings/{meeting.public_id}/"
    manifest = json.loads(tree.read(base + "speech.json"))
    assert manifest["audio"] == "speech.ogg"
    audio = tree.read(base + "speech.ogg")
    assert audio.startswith(b"OggS") and b"OpusHead" in audio
    seconds = ogg_seconds(audio)
    assert abs(seconds - manifest["seconds"]) < 0.5
    # Plausible: Japanese is spoken at about 6-9 morae a second (pauses included).
    rate = morae(manifest["text"], Reader.load()) / seconds
    assert 4 < rate < 12, (rate, seconds, manifest["text"])
    assert "たいふうだいじゅうよんごう" in Reader.load().reading(manifest["text"])
    # Opus at 24 kbit/s: about 3 kB a second, far below WAV (96 kB a second at 48 kHz).
    assert len(audio) < seconds * 4000

    # A correction: new text, new audio (the job runs after the commit).
    meeting.agenda_items.update(text="「台風第15号」について")
    Meeting.objects.filter(pk=meeting.pk).update(version=meeting.version + 1)
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_publish(
            meeting=Meeting.objects.get(pk=meeting.pk),
            user=approver,
            correction_note="号数を訂正しました。",
            check_permission=False,
        )
    corrected = json.loads(tree.read(base + "speech.json"))
    assert "じゅうごごう" in Reader.load().reading(corrected["text"])
    assert "号数を訂正しました" in corrected["text"]
    assert tree.read(base + "speech.ogg") != audio

    # A withdrawal: the files go.
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_withdraw(
            meeting=Meeting.objects.get(pk=meeting.pk), user=approver
        )
    assert list(tree.walk(base)) == []


def test_an_engine_error_never_fails_the_publication(
    speaking,
    approver,
    editor,
    django_capture_on_commit_callbacks,
    monkeypatch,
    caplog,
):
    def broken(text, target):
        raise RuntimeError("engine crashed")

    monkeypatch.setattr(speech, "synthesise", broken)
    meeting = _publish(approver, editor, django_capture_on_commit_callbacks)
    assert meeting.status == Meeting.Status.PUBLISHED
    assert tree.read(f"meetings/{meeting.public_id}/index.html") is not None
    manifest = json.loads(tree.read(f"audio/meetings/{meeting.public_id}/speech.json"))
    # No audio: the browser's own speech synthesis reads the same text.
    assert manifest["audio"] is None and manifest["text"]
    assert "speech synthesis failed" in caplog.text


def test_without_the_setting_nothing_is_spoken(
    approver, editor, django_capture_on_commit_callbacks
):
    meeting = _publish(approver, editor, django_capture_on_commit_callbacks)
    assert list(tree.walk(f"audio/meetings/{meeting.public_id}/")) == []


def test_libraries_are_local_and_nothing_connects(
    speaking,
    approver,
    editor,
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    site_packages = sysconfig.get_paths()["purelib"]
    for path in yomi.dictionary_files() + speech.engine_files():
        assert os.path.exists(path), path
        assert os.path.realpath(path).startswith(os.path.realpath(site_packages)), path

    def refuse(*args, **kwargs):
        raise OSError("network refused in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(yomi._local, "tokenizer", None, raising=False)  # load afresh
    meeting = _publish(approver, editor, django_capture_on_commit_callbacks)
    manifest = json.loads(tree.read(f"audio/meetings/{meeting.public_id}/speech.json"))
    assert manifest["audio"] == "speech.ogg"
    assert tree.read(f"kana/meetings/{meeting.public_id}/index.html") is not None


SCRIPT = """
import sys
from meetings.reading.yomi import Reader
from meetings.reading import speech
assert Reader({}).reading("危機管理連絡会議") == "ききかんりれんらくかいぎ"
text = speech.normalise("令和4年6月20日17:30", Reader({}))
data, name, mime, seconds = speech.make_audio(text)
assert name == "speech.ogg" and data.startswith(b"OggS"), name
print("offline", seconds)
"""


def test_generation_runs_in_a_network_namespace_without_network():
    """Readings and audio in a process whose network namespace has no interface
    but loopback (``unshare -n``, root)."""
    command = ["unshare", "-n", sys.executable, "-c", SCRIPT]
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("unshare -n is not permitted here (the socket test above runs)")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "crisis_meetings.settings",
        "DEBUG": "1",
    }
    result = subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=300
    )
    assert result.returncode == 0, result.stderr
    seconds = float(result.stdout.split()[-1])
    assert 2 < seconds < 12


# -- the length of one audio file ------------------------------------------------


def test_a_short_text_is_spoken_whole_and_a_long_one_is_cut_at_a_line_with_a_note():
    short = "一行目。\n二行目。"
    assert speech.capped(short, 100) == (short, False)
    assert speech.capped(short, 0) == (short, False)  # 0: no limit

    lines = [f"第{n}の説明です。県内の状況を報告しました。" for n in range(200)]
    spoken, cut = speech.capped("\n".join(lines), 300)
    assert cut and len(spoken) <= 300
    body = spoken.splitlines()
    assert body[-1] == speech.CUT_NOTE
    # Whole lines only, from the start, in order.
    assert body[:-1] == lines[: len(body) - 1] and len(body) > 2

    # One enormous line: cut after the last 、 or 。 within the limit.
    huge = "とても長い説明が続きます、" * 100
    spoken, cut = speech.capped(huge, 200)
    first, note = spoken.splitlines()
    assert cut and note == speech.CUT_NOTE and len(spoken) <= 200
    assert first.endswith("、") and huge.startswith(first)


def test_a_huge_meeting_gets_a_capped_audio_and_the_whole_text(
    speaking, settings, approver, editor, django_capture_on_commit_callbacks
):
    from tests.factories import big_meeting_data

    settings.READING_SPEECH_MAX_CHARS = 300
    data = big_meeting_data(sections=30, items=10)
    meeting = _publish(
        approver, editor, django_capture_on_commit_callbacks, sections=data["sections"]
    )
    manifest = json.loads(tree.read(f"audio/meetings/{meeting.public_id}/speech.json"))
    # The text for the browser's own synthesis is whole: the last item is there.
    assert len(manifest["text"]) > 2000 and "項目29-9" in manifest["text"]
    # The audio speaks at most 300 characters, ending with the note.
    assert manifest["audio"] == "speech.ogg"
    assert manifest["audio_cut"] is True and manifest["audio_chars"] <= 300
    seconds = ogg_seconds(tree.read(f"audio/meetings/{meeting.public_id}/speech.ogg"))
    # ~300 characters at 4-9 a second (pauses included), far from the whole page.
    assert 20 < seconds < 90, seconds
    assert abs(seconds - manifest["seconds"]) < 0.5


def test_the_audio_is_made_again_when_the_limit_changes(
    speaking,
    settings,
    approver,
    editor,
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    spoken: list[str] = []

    def fake(text):
        spoken.append(text)
        return b"OggS fake", "speech.ogg", "audio/ogg", 1.0

    monkeypatch.setattr(speech, "make_audio", fake)
    settings.READING_SPEECH_MAX_CHARS = 120
    meeting = _publish(approver, editor, django_capture_on_commit_callbacks)
    assert len(spoken) == 1 and spoken[0].endswith(speech.CUT_NOTE)
    assert len(spoken[0]) <= 120
    speech.speak_meeting(meeting.public_id)
    assert len(spoken) == 1  # the same text and limit: nothing to do
    settings.READING_SPEECH_MAX_CHARS = 0
    manifest = speech.speak_meeting(meeting.public_id)
    assert len(spoken) == 2 and spoken[1] == manifest["text"]
    assert manifest["audio_cut"] is False
