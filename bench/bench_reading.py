"""Reading aids (issue 20): time to make the reading version (ふりがな) and the
audio (読み上げ) of the seed meeting and of the largest meeting the limits accept.

In one process and one run, for each meeting (published, PDF rendering stubbed):

- baseline: rendering its public page (``render_url``, what the tree writes);
- ふりがな: the reading version of that page (``kana_page``: analyser, table, ruby);
- speech text: the page's text normalised for speaking;
- audio: Open JTalk synthesis and Ogg Opus encoding (``make_audio``), with the
  seconds of speech and the file size;

printed as seconds and as ratios to the page render of the same meeting.

    .venv/bin/python bench/bench_reading.py [--runs 3] [--largest-audio-chars 6000]
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_limits  # noqa: E402  (sets up Django on its own SQLite database)
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402

from meetings import demo_data, layout, services  # noqa: E402
from meetings.models import Meeting  # noqa: E402
from meetings.reading import speech  # noqa: E402
from meetings.reading.pages import kana_page  # noqa: E402
from meetings.reading.yomi import Reader, analyser  # noqa: E402
from meetings.site.render import render_url  # noqa: E402


def timed(function, runs: int):
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def measure(meeting: Meeting, runs: int, audio: bool, sample: int = 0) -> dict:
    url = f"/meetings/{meeting.public_id}/"
    reader = Reader.load()
    render, page = timed(lambda: render_url(url), runs)
    kana, kana_bytes = timed(lambda: kana_page(page, url, reader), runs)
    text_time, text = timed(
        lambda: speech.normalise(speech.page_text(page), reader), runs
    )
    row = {
        "render": render,
        "kana": kana,
        "text": text_time,
        "chars": len(text),
        "page_kb": len(page) / 1024,
        "kana_kb": len(kana_bytes) / 1024,
    }
    if audio:
        spoken = text
        if sample and len(text) > sample:  # whole lines, ``sample`` characters and up
            end = text.find("\n", sample)
            spoken = text[: end + 1] if end > 0 else text
        started = time.perf_counter()
        content, name, mime, seconds = speech.make_audio(spoken)
        scale = len(text) / len(spoken)  # linear in the text: extrapolated
        row.update(
            audio=(time.perf_counter() - started) * scale,
            speech_s=seconds * scale,
            audio_kb=len(content) / 1024 * scale,
            format=name,
            sampled=len(spoken) if scale > 1 else 0,
        )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--largest-audio-chars",
        type=int,
        default=6000,
        help="synthesise this much of the largest meeting's text and extrapolate "
        "(its 40,000 characters speak for about two hours); 0: all of it",
    )
    args = parser.parse_args()
    from _pytest.monkeypatch import MonkeyPatch

    from tests.factories import stub_pdf_rendering

    stub_pdf_rendering(MonkeyPatch())
    settings.READING_SPEECH = False  # timed here, not in the publication
    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0, stdout=io.StringIO())
    approver = get_user_model().objects.get(username="approver")
    seed = Meeting.objects.get(public_id=demo_data.SEED_PUBLIC_ID)
    largest = services.meeting_create_from_data(
        data=bench_limits.largest_data(), user=approver
    )
    chars = bench_limits.check_accepted(largest)
    services.meeting_submit(meeting=largest, user=approver)
    services.meeting_publish(meeting=largest, user=approver, check_permission=False)
    load: list[float] = []

    def first_use() -> None:  # a new thread: a new tokenizer (one per thread)
        started = time.perf_counter()
        analyser().tokenize("辞書の読み込み")
        load.append(time.perf_counter() - started)

    thread = threading.Thread(target=first_use)
    thread.start()
    thread.join()
    print(f"analyser load: {load[0]:.2f} s (once per worker thread)")
    data = layout.meeting_data(Meeting.objects.with_parts().get(pk=seed.pk))
    print(f"seed: {len(layout.render_text(data))} chars; largest: {chars} chars")

    rows = {
        "seed": measure(seed, args.runs, audio=True),
        "largest": measure(
            largest, args.runs, audio=True, sample=args.largest_audio_chars
        ),
    }
    print(
        f"{'meeting':<8} {'render s':>9} {'ふりがな s':>10} {'×render':>8} "
        f"{'text s':>7} {'audio s':>8} {'×render':>8} {'speech s':>9} "
        f"{'audio KB':>9} {'page KB':>8} {'kana KB':>8}"
    )
    for name, r in rows.items():
        audio = r.get("audio")
        print(
            f"{name:<8} {r['render']:>9.3f} {r['kana']:>10.3f} "
            f"{r['kana'] / r['render']:>7.1f}× {r['text']:>7.3f} "
            + (
                f"{audio:>8.1f} {audio / r['render']:>7.0f}× {r['speech_s']:>9.0f} "
                f"{r['audio_kb']:>9.0f} "
                if audio is not None
                else f"{'-':>8} {'-':>8} {'-':>9} {'-':>9} "
            )
            + f"{r['page_kb']:>8.0f} {r['kana_kb']:>8.0f}"
        )
    seed_r, big = rows["seed"], rows["largest"]
    print(
        f"largest / seed: ふりがな {big['kana'] / seed_r['kana']:.1f}×, "
        f"page render {big['render'] / seed_r['render']:.1f}×"
        + (f", audio {big['audio'] / seed_r['audio']:.1f}×" if "audio" in big else "")
    )
    for name, r in rows.items():
        if r.get("sampled"):
            print(
                f"{name}: audio synthesised for its first {r['sampled']} of "
                f"{r['chars']} spoken characters, times and sizes extrapolated"
            )
        if "audio" in r:
            print(
                f"{name}: synthesis {r['speech_s'] / r['audio']:.1f}× faster than "
                f"real time; {r['audio_kb'] * 1024 * 8 / r['speech_s'] / 1000:.1f} "
                f"kbit/s ({r['format']}; 16-bit 48 kHz WAV would be "
                f"{r['speech_s'] * 96 / 1024:.1f} MB)"
            )


if __name__ == "__main__":
    main()
