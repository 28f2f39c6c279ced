"""部分公開 (issue 15): withheld sections and items never reach a public surface.

A published meeting holds unique markers in a withheld section (heading kept), in a
withheld section whose heading is withheld too, and in a withheld nested item with
a child of its own. Every public surface is read back and must hold none of them,
while the placeholder 「(この部分は、徳島県情報公開条例第10条第○号に該当するため
非公開)」 stands where the text was. Staff surfaces show the text, marked.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
from django.urls import reverse

from incidents import services as incident_services
from incidents import timeline
from incidents.models import Incident
from meetings import layout, services
from meetings.models import Item, Meeting, Publication, WithholdingReason
from meetings.search import normalize
from tests.factories import meeting_data
from tests.meetings.pdf_helpers import compact, pdf_text

# Unique markers: none of them may appear on any public surface.
ITEM_MARK = "秘匿項目ZQXV71"  # a withheld nested item
CHILD_MARK = "秘匿子項目ZQXV72"  # the withheld item's own child
SECTION_MARK = "秘匿説明ZQXV73"  # the body of a withheld section (heading kept)
HIDDEN_SPEAKER = "秘匿課ZQXV74"  # the speaker of a section withheld with its heading
HIDDEN_BODY = "秘匿本文ZQXV75"
NOTE_MARK = "職員メモZQXV76"  # staff-only notes
MARKERS = (ITEM_MARK, CHILD_MARK, SECTION_MARK, HIDDEN_SPEAKER, HIDDEN_BODY, NOTE_MARK)

PERSONAL = "(この部分は、徳島県情報公開条例第10条第1号に該当するため非公開)"
SAFETY = "(この部分は、徳島県情報公開条例第10条第3号に該当するため非公開)"
DELIBERATION = "(この部分は、徳島県情報公開条例第10条第4号に該当するため非公開)"


def reasons() -> dict[str, WithholdingReason]:
    """The seeded reasons (re-created where a transactional test flushed them)."""
    seeded = {
        "personal": ("個人情報", "第10条第1号"),
        "public-safety": ("公共安全情報", "第10条第3号"),
        "deliberation": ("審議・検討等情報", "第10条第4号"),
    }
    return {
        code: WithholdingReason.objects.get_or_create(
            code=code, defaults={"name": name, "article": article}
        )[0]
        for code, (name, article) in seeded.items()
    }


def withheld(code: str, note: str = "", **extra) -> dict:
    return {"withheld": {"reason": code, "note": note, **extra}}


def withheld_meeting_data() -> dict:
    item = lambda text, *children, **kw: {  # noqa: E731
        "marker": "・",
        "text": text,
        "children": list(children),
        **kw,
    }
    return meeting_data(
        sections=[
            {
                "kind": "explanation",
                "speaker": "医療政策課",
                "group": "main",
                "items": [
                    item(
                        "公開する説明その一。",
                        item(
                            f"感染した職員は{ITEM_MARK}である。",
                            item(f"詳細は{CHILD_MARK}。"),
                            **withheld("personal", note=f"{NOTE_MARK}本人の同意なし"),
                        ),
                        item("公開する子項目。"),
                    ),
                    item("公開する説明その二。"),
                ],
            },
            {
                "kind": "explanation",
                "speaker": "警察本部",
                "group": "main",
                "items": [item(f"捜査の状況は{SECTION_MARK}のとおり。")],
                **withheld("public-safety", note=f"{NOTE_MARK}捜査中"),
            },
            {
                "kind": "report",
                "speaker": HIDDEN_SPEAKER,
                "group": "main",
                "items": [item(f"{HIDDEN_BODY}について報告。")],
                **withheld("deliberation", keep_heading=False),
            },
            {
                "kind": "explanation",
                "speaker": "畜産振興課",
                "group": "other_reports",
                "items": [item("最後の公開する説明。")],
            },
        ]
    )


@pytest.fixture
def published(db, approver):
    reasons()
    meeting = services.meeting_create_from_data(
        data=withheld_meeting_data(), status=Meeting.Status.REVIEW
    )
    services.meeting_publish(meeting=meeting, user=approver)
    meeting.refresh_from_db()
    return meeting


def assert_no_marker(text: str, where: str) -> None:
    folded = text.casefold()
    for marker in MARKERS:
        assert marker not in text, f"{marker} leaked into {where}"
        assert marker.casefold() not in folded, f"{marker} leaked into {where}"


def assert_in_order(text: str, *parts: str) -> None:
    position = -1
    for part in parts:
        found = text.find(part, position + 1)
        assert found > position, f"{part!r} not after position {position}"
        position = found


# ---------------------------------------------------------------------------
# The record keeps everything
# ---------------------------------------------------------------------------


def test_the_record_keeps_the_full_text_and_the_reasons(published):
    section = published.sections.get(speaker="警察本部")
    assert section.withheld_reason.code == "public-safety"
    assert f"{NOTE_MARK}捜査中" == section.withheld_note
    assert SECTION_MARK in section.items.get().text
    item = published.sections.get(order=1).items.get(text__contains=ITEM_MARK)
    assert item.withheld_reason.code == "personal"
    assert item.children.get().text == f"詳細は{CHILD_MARK}。"
    assert item.children.get().withheld_reason is None  # withheld with its parent
    hidden = published.sections.get(speaker=HIDDEN_SPEAKER)
    assert hidden.withheld_keep_heading is False
    assert published.sections.get(speaker="医療政策課").withheld_reason is None


def test_the_seeded_reasons_cite_the_ordinance_from_settings(db, settings):
    found = {r.code: r for r in WithholdingReason.objects.all()}
    assert {
        "personal",
        "corporate",
        "public-safety",
        "deliberation",
        "administration",
    } <= set(found)
    assert [found[c].name for c in ("personal", "corporate", "public-safety")] == [
        "個人情報",
        "法人等情報",
        "公共安全情報",
    ]
    assert found["public-safety"].placeholder == SAFETY
    settings.PREFECTURE_NAME = "香川県"
    assert found["public-safety"].placeholder == (
        "(この部分は、香川県情報公開条例第10条第3号に該当するため非公開)"
    )


# ---------------------------------------------------------------------------
# Public surfaces
# ---------------------------------------------------------------------------

EXPECTED_TEXT_BODY = [
    "■医療政策課から説明",
    "・公開する説明その一。",
    f"  ・{PERSONAL}",
    "  ・公開する子項目。",
    "・公開する説明その二。",
    "",
    "■警察本部から説明",
    SAFETY,
    "",
    DELIBERATION,
    "",
    "(その他報告事項)",
    "",
    "■畜産振興課から説明",
    "・最後の公開する説明。",
]


def test_plain_text_holds_placeholders_in_place(published):
    text = published.current_publication.text
    assert_no_marker(text, "the plain text")
    lines = text.splitlines()
    start = lines.index("■医療政策課から説明")
    assert lines[start : start + len(EXPECTED_TEXT_BODY)] == EXPECTED_TEXT_BODY


def test_publication_snapshot_and_search_fields_hold_no_withheld_text(published):
    publication = published.current_publication
    assert_no_marker(
        json.dumps(publication.data, ensure_ascii=False), "the publication data"
    )
    assert_no_marker(publication.html, "the publication html")
    for document in publication.search_documents.all():
        assert_no_marker(document.text, "the search document")
        assert_no_marker(document.folded, "the folded search text")
        grams = set(document.bigrams.split())
        for marker in MARKERS:
            # Bigrams only the marker has (its Latin tail: ZQ, QX, XV...).
            assert "zq" not in grams and "qx" not in grams, marker
    (page,) = publication.search_documents.filter(kind="page")
    assert normalize(PERSONAL) in page.folded


def test_public_page_shows_placeholders_where_the_text_was(client, published):
    response = client.get(published.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert_no_marker(html, "the public page")
    assert "非公開:" not in html  # no staff badge
    assert_in_order(
        html,
        "■医療政策課から説明",
        "公開する説明その一。",
        PERSONAL,
        "公開する子項目。",
        "公開する説明その二。",
        "■警察本部から説明",
        SAFETY,
        DELIBERATION,
        "(その他報告事項)",
        "■畜産振興課から説明",
    )
    # The withheld item is a nested list item of its parent, marker kept.
    assert re.search(
        r'<li class="kk-item kk-withheld"><span class="kk-marker">・</span>'
        rf'<span class="kk-placeholder">{re.escape(PERSONAL)}</span></li>',
        html,
    )
    # The section withheld with its heading has no heading of its own.
    between = html[html.index(SAFETY) : html.index(DELIBERATION)]
    assert "<h2" not in between


@pytest.mark.real_pdf
def test_official_pdf_holds_placeholders_not_the_text(client, published):
    publication = published.current_publication
    with publication.pdf.open("rb") as stored:
        content = stored.read()
    text = compact(pdf_text(content))
    assert_no_marker(text, "the official PDF (pypdf)")
    assert_in_order(
        text,
        "公開する説明その一。",
        compact(PERSONAL),
        "公開する子項目。",
        "■警察本部から説明",
        compact(SAFETY),
        compact(DELIBERATION),
        "■畜産振興課から説明",
    )
    assert "非公開:" not in text
    # The file the public downloads is that PDF.
    attachment = published.attachments.get(is_generated=True)
    response = client.get(
        reverse("public:attachment", args=[published.public_id, attachment.pk])
    )
    assert b"".join(response.streaming_content) == content
    if shutil.which("pdftotext"):
        out = subprocess.run(
            ["pdftotext", "-", "-"], input=content, capture_output=True, check=True
        ).stdout.decode()
        assert_no_marker(compact(out), "the official PDF (pdftotext)")
        assert compact(SAFETY) in compact(out)


def test_search_finds_no_withheld_text_and_snippets_show_the_placeholder(
    client, published
):
    url = published.get_absolute_url()
    for marker in MARKERS:
        response = client.get(reverse("public:search"), {"q": marker})
        assert url not in response.content.decode(), marker
    response = client.get(reverse("public:search"), {"q": "公開する子項目"})
    html = response.content.decode()
    assert url in html
    assert_no_marker(html.replace("公開する子項目", ""), "a search snippet")
    # The snippet around the public text shows the placeholder before it.
    assert "第10条第1号に該当するため非公開" in html


def test_feed_and_sitemap_hold_no_withheld_text(client, published):
    feed = client.get(reverse("public:feed")).content.decode()
    sitemap = client.get(reverse("public:sitemap")).content.decode()
    assert str(published.public_id) in feed
    assert published.get_absolute_url() in sitemap
    assert_no_marker(feed, "the feed")
    assert_no_marker(sitemap, "the sitemap")


def _incident_with(meeting: Meeting, user) -> Incident:
    incident = Incident.objects.create(
        title="病院へのサイバー攻撃",
        category=Incident.Category.OTHER,
        started_at=meeting.current_publication.published_at,
        is_public=True,
    )
    incident_services.incident_link_meeting(
        incident=incident,
        meeting=meeting,
        user=user,
        sections=list(meeting.sections.all()),
    )
    return incident


def _timeline_text(entries) -> str:
    return json.dumps(timeline.timeline_rows(entries), ensure_ascii=False)


def test_public_incident_surfaces_show_placeholders(client, published, editor):
    """The public view of an incident (its page, its related-results list and its API
    record) names the meeting; the meeting it leads to holds the placeholders where
    the text was: headings (but the one withheld with its text), sections, a child
    item without its own children."""
    incident = _incident_with(published, editor)
    page = client.get(incident.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert_no_marker(html, "the public incident page")
    assert published.get_absolute_url() in html
    related = client.get(reverse("public:archive_related", args=[incident.public_id]))
    assert related.status_code == 200
    assert_no_marker(related.content.decode(), "the incident's related results")
    record = client.get(reverse("api:incident", args=[incident.public_id])).json()
    assert_no_marker(json.dumps(record, ensure_ascii=False), "the incident record")
    [meeting] = record["meetings"]
    assert meeting["id"] == str(published.public_id)
    sections = client.get(meeting["url"]).json()["sections"]
    headings = [s["heading_text"] for s in sections]
    assert headings == [
        "医療政策課から説明",
        "警察本部から説明",
        "",
        "畜産振興課から説明",
    ]
    items = [[i["marker"] + i["text"] for i in s["items"]] for s in sections]
    assert items[1] == [SAFETY] and items[2] == [DELIBERATION]
    [first_item, _] = sections[0]["items"]
    assert [c["marker"] + c["text"] for c in first_item["children"]] == [
        f"・{PERSONAL}",
        "・公開する子項目。",
    ]
    assert first_item["children"][0]["children"] == []


def test_staff_timeline_shows_the_text_marked_withheld(published, editor):
    incident = _incident_with(published, editor)
    text = _timeline_text(timeline.build_timeline(incident))
    for marker in (ITEM_MARK, CHILD_MARK, SECTION_MARK, HIDDEN_SPEAKER, HIDDEN_BODY):
        assert marker in text
    assert f"【非公開:個人情報(第10条第1号)】感染した職員は{ITEM_MARK}" in text
    assert "警察本部から説明【非公開:公共安全情報(第10条第3号)】" in text


# ---------------------------------------------------------------------------
# Staff surfaces: the text, marked
# ---------------------------------------------------------------------------


def test_staff_preview_marks_withheld_text_and_summarises_it(
    client, published, approver
):
    client.force_login(approver)
    html = client.get(reverse("staff:preview", args=[published.pk])).content.decode()
    for marker in MARKERS:
        assert marker in html
    assert "非公開:個人情報(第10条第1号)" in html
    assert "非公開:公共安全情報(第10条第3号)" in html
    summary = html[html.index('id="withheld-summary-heading"') :]
    assert "3か所" in summary[:200]
    assert "徳島県情報公開条例第10条第4号" in summary
    assert "見出しも非公開" in summary


@pytest.mark.real_pdf
def test_draft_pdf_shows_the_text_marked(client, published, approver):
    client.force_login(approver)
    response = client.get(reverse("pdf:draft", args=[published.pk]))
    text = compact(pdf_text(b"".join(response.streaming_content)))
    assert ITEM_MARK in text and SECTION_MARK in text
    assert "非公開:個人情報(第10条第1号)" in text


# ---------------------------------------------------------------------------
# Rules
# ---------------------------------------------------------------------------


def test_public_data_drops_children_and_staff_notes():
    info = {
        "reason": "personal",
        "name": "個人情報",
        "article": "第10条第1号",
        "citation": "徳島県情報公開条例第10条第1号",
        "placeholder": PERSONAL,
        "note": NOTE_MARK,
    }
    data = {
        "sections": [
            {
                "kind": "explanation",
                "speaker": "課",
                "items": [
                    {
                        "marker": "○",
                        "text": ITEM_MARK,
                        "children": [{"marker": "・", "text": CHILD_MARK}],
                        "withheld": info,
                    }
                ],
            }
        ]
    }
    public = layout.public_data(data)
    assert_no_marker(json.dumps(public, ensure_ascii=False), "public_data")
    [item] = public["sections"][0]["items"]
    assert item["marker"] == "○" and item["text"] == PERSONAL
    assert item["children"] == []
    # The staff data is left as it was.
    assert data["sections"][0]["items"][0]["text"] == ITEM_MARK


def test_unwithholding_after_publication_is_a_correction(
    client, published, approver, editor
):
    data = layout.meeting_data(Meeting.objects.with_parts().get(pk=published.pk))
    police = next(s for s in data["sections"] if s.get("speaker") == "警察本部")
    del police["withheld"]
    services.meeting_save(
        meeting=published,
        header={},
        parts=data,
        user=editor,
        expected_version=published.version,
    )
    published.refresh_from_db()
    assert not published.sections.get(speaker="警察本部").withheld_reason_id
    # The history records the change of withholding with the text.
    event = published.events.order_by("-id").first()
    assert any(
        line.startswith("-■警察本部から説明【非公開:公共安全情報")
        for line in event.changes["lines"]
    )
    # The public still sees the placeholder until the correction is published.
    page = client.get(published.get_absolute_url()).content.decode()
    assert SECTION_MARK not in page and SAFETY in page

    client.force_login(approver)
    preview = client.get(reverse("staff:preview", args=[published.pk])).content.decode()
    assert 'id="withheld-released"' in preview
    # The approver reads the summary before the button that publishes.
    assert preview.index('id="withheld-summary-heading"') < preview.index(
        'id="publish-button"'
    )
    with pytest.raises(Exception, match="訂正内容"):
        services.meeting_publish(meeting=published, user=approver)
    publication = services.meeting_publish(
        meeting=published,
        user=approver,
        correction_note="警察本部の説明を、捜査終了により公開しました。",
    )
    assert publication.number == 2
    assert SECTION_MARK in publication.text  # public now
    assert SAFETY not in publication.text
    assert_no_marker(publication.text.replace(SECTION_MARK, ""), "the correction")
    page = client.get(published.get_absolute_url()).content.decode()
    assert "捜査終了により公開しました" in page
    assert Publication.objects.filter(meeting=published).count() == 2


# ---------------------------------------------------------------------------
# Editor: a reason select and a note per section and per item
# ---------------------------------------------------------------------------


def _nested_meeting(user) -> Meeting:
    from tests.factories import make_meeting

    meeting = make_meeting(
        user=user,
        sections=[
            {
                "kind": "explanation",
                "speaker": "警察本部",
                "group": "main",
                "items": [
                    {
                        "marker": "・",
                        "text": "公開する説明。",
                        "children": [
                            {"marker": "・", "text": "捜査の詳細。", "children": []}
                        ],
                    }
                ],
            },
            {
                "kind": "report",
                "speaker": "医療政策課",
                "group": "main",
                "items": [{"marker": "・", "text": "患者の状況。", "children": []}],
            },
        ],
    )
    return Meeting.objects.with_parts().get(pk=meeting.pk)


def test_editor_sets_reasons_and_notes_and_shows_them_again(client, editor):
    from meetings.forms import Editor
    from tests.factories import editor_post

    reasons()
    meeting = _nested_meeting(editor)
    shown = Editor.for_meeting(meeting)
    data = editor_post(shown)
    police, medical = shown.sections
    nested = police.items[1]  # depth 1: the child of the first item
    data[f"i-{nested.key}-withheld_reason"] = "public-safety"
    data[f"i-{nested.key}-withheld_note"] = "捜査中のため"
    data[f"s-{medical.key}-withheld_reason"] = "personal"
    data[f"s-{medical.key}-withheld_hide_heading"] = "on"
    client.force_login(editor)
    response = client.post(reverse("staff:edit", args=[meeting.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]

    meeting = Meeting.objects.with_parts().get(pk=meeting.pk)
    police_row, medical_row = meeting.sections.all()
    child = police_row.items.get(text="捜査の詳細。")
    assert child.parent.text == "公開する説明。"
    assert (child.withheld_reason.code, child.withheld_note) == (
        "public-safety",
        "捜査中のため",
    )
    assert police_row.items.get(text="公開する説明。").withheld_reason is None
    assert medical_row.withheld_reason.code == "personal"
    assert medical_row.withheld_keep_heading is False

    # Shown again: the selects hold the reasons, the item's disclosure is open.
    page = client.get(reverse("staff:edit", args=[meeting.pk])).content.decode()
    assert page.count('<option value="public-safety" selected>') == 1
    assert page.count('<option value="personal" selected>') == 1
    assert "捜査中のため" in page
    assert '<details class="withhold-field" open>' in page
    assert "script" not in page.split('class="withhold-field"')[1][:1500]

    # Saved again unchanged: still withheld (the editor round trip keeps it).
    again = editor_post(Editor.for_meeting(meeting))
    client.post(reverse("staff:edit", args=[meeting.pk]), again)
    assert Item.objects.get(text="捜査の詳細。").withheld_reason.code == "public-safety"


def test_editor_error_keeps_the_typed_reason(client, editor):
    from meetings.forms import Editor
    from tests.factories import editor_post

    reasons()
    meeting = _nested_meeting(editor)
    shown = Editor.for_meeting(meeting)
    data = editor_post(shown)
    item = shown.sections[0].items[0]
    data[f"i-{item.key}-withheld_reason"] = "personal"
    data[f"i-{item.key}-withheld_note"] = "メモを残す"
    data["held_on"] = "2024-13-45"  # a wrong date
    client.force_login(editor)
    response = client.post(reverse("staff:edit", args=[meeting.pk]), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<option value="personal" selected>' in html and "メモを残す" in html
    data["held_on"] = "2024-05-10"
    data[f"i-{item.key}-withheld_reason"] = "no-such-reason"
    html = client.post(reverse("staff:edit", args=[meeting.pk]), data).content.decode()
    assert "一覧から選び直してください" in html
    assert Meeting.objects.get(pk=meeting.pk).version == meeting.version
    assert not Item.objects.filter(withheld_reason__isnull=False).exists()


# ---------------------------------------------------------------------------
# The static publication tree and its Pagefind index (meetings.site)
# ---------------------------------------------------------------------------


def _unzipped(data: bytes) -> bytes:
    import gzip

    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def test_static_tree_and_pagefind_index_hold_placeholders_only(
    published, settings, tmp_path
):
    from tests.deploy.tree import build_served_tree, index_bytes

    settings.PUBLIC_SITE_URL = "http://testserver"
    tree, _ = build_served_tree(settings, tmp_path)
    files = {
        path.relative_to(tree).as_posix(): _unzipped(path.read_bytes())
        for path in tree.rglob("*")
        if path.is_file()
    }
    page = files[f"meetings/{published.public_id}/index.html"].decode()
    assert_in_order(page, "公開する説明その一。", PERSONAL, "公開する子項目。")
    assert_in_order(page, "■警察本部から説明", SAFETY, DELIBERATION)
    # Pagefind lower-cases words and splits Japanese down to single characters:
    # look for the markers' Latin part and for 匿, which no public text holds.
    for name, data in {**files, **index_bytes(tree)}.items():
        text = data.decode("utf-8", errors="replace")
        assert_no_marker(text, name)
        assert b"zqxv" not in data.lower(), name
        assert "匿" not in text.replace("\u200b", ""), name
    fragments = [
        json.loads(data.removeprefix(b"pagefind_dcd"))
        for name, data in index_bytes(tree).items()
        if name.endswith(".pf_fragment")
    ]
    [fragment] = [f for f in fragments if str(published.public_id) in f["url"]]
    content = fragment["content"].replace("\u200b", "")
    assert compact(PERSONAL) in compact(content)
    assert compact(SAFETY) in compact(content)


# ---------------------------------------------------------------------------
# Open data: the REST API and the bulk files (meetings.api)
# ---------------------------------------------------------------------------


def test_api_and_bulk_files_hold_placeholders_only(client, published, editor):
    from meetings.api import bulk

    incident = _incident_with(published, editor)
    record = client.get(reverse("api:meeting", args=[published.public_id])).json()
    sections = record["sections"]
    assert [s["heading_text"] for s in sections] == [
        "医療政策課から説明",
        "警察本部から説明",
        "",
        "畜産振興課から説明",
    ]
    first = sections[0]["items"][0]
    assert [(c["marker"], c["text"]) for c in first["children"]] == [
        ("・", PERSONAL),
        ("・", "公開する子項目。"),
    ]
    assert first["children"][0]["children"] == []
    assert [i["text"] for i in sections[1]["items"]] == [SAFETY]
    assert [i["text"] for i in sections[2]["items"]] == [DELIBERATION]
    assert sections[2]["speaker"] is None

    urls = [
        reverse("api:meetings") + "?page_size=100",
        reverse("api:meeting", args=[published.public_id]),
        reverse("api:meeting_text", args=[published.public_id]),
        reverse("api:incidents"),
        reverse("api:incident", args=[incident.public_id]),
        *bulk.file_urls(),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        body = (
            b"".join(response.streaming_content)
            if response.streaming
            else (response.content)
        )
        text = _unzipped(body).decode("utf-8", errors="replace")
        assert_no_marker(text, url)
        assert "zqxv" not in text.casefold(), url
    bulk_text = client.get("/data/all/" + bulk.FILE_NAMES[0])
    assert bulk_text.status_code == 200
    for marker in MARKERS:
        found = client.get(reverse("api:search"), {"q": marker}).json()
        assert str(published.public_id) not in json.dumps(found), marker
    found = json.dumps(
        client.get(reverse("api:search"), {"q": "公開する子項目"}).json(),
        ensure_ascii=False,
    )
    assert str(published.public_id) in found
    assert_no_marker(found, "an API search snippet")


def test_reasons_are_edited_in_the_admin_and_published_placeholders_stay(
    client, published, admin_user, approver, editor
):
    client.force_login(admin_user)
    changelist = reverse("admin:meetings_withholdingreason_changelist")
    page = client.get(changelist).content.decode()
    assert "公開ページでの表示" in page and SAFETY in page
    reason = WithholdingReason.objects.get(code="public-safety")
    response = client.post(
        reverse("admin:meetings_withholdingreason_change", args=[reason.pk]),
        {
            "name": "公共安全情報",
            "article": "第7条第4号",
            "description": "",
            "code": "public-safety",
            "order": reason.order,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    # What was published keeps the placeholder it was published with.
    assert SAFETY in Publication.objects.get(meeting=published, number=1).text
    # A correction cites the article as it is now.
    data = layout.meeting_data(Meeting.objects.with_parts().get(pk=published.pk))
    data["sections"][3]["items"][0]["text"] = "最後の公開する説明(訂正)。"
    services.meeting_save(
        meeting=published,
        header={},
        parts=data,
        user=editor,
        expected_version=published.version,
    )
    publication = services.meeting_publish(
        meeting=published, user=approver, correction_note="語句を訂正しました。"
    )
    assert "徳島県情報公開条例第7条第4号に該当するため非公開" in publication.text
    assert SAFETY not in publication.text
