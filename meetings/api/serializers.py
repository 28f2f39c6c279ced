"""The API's records as DRF serializers: the OpenAPI schema is generated from them.

Records are built as plain dicts by ``meetings.api.records`` and rendered as they
are (rendering them through these serializers cost a third of a detail request);
schemathesis checks every response against the schema these classes produce
(tests/api/test_api_schemathesis.py), so the two cannot drift apart unnoticed.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from meetings.models import Attachment, Meeting, Section


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="エラーの説明(日本語)")


class ParameterErrorSerializer(serializers.Serializer):
    """400: each bad query parameter with its messages."""

    detail = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField())
    )


class MeetingTypeSerializer(serializers.Serializer):
    slug = serializers.CharField(help_text="会議種別の識別子(一覧の type で絞り込み)")
    name = serializers.CharField(help_text="会議種別の名称(例: 危機管理連絡会議)")


class AgendaItemSerializer(serializers.Serializer):
    marker = serializers.CharField(allow_blank=True, help_text="記号(①など)")
    text = serializers.CharField()


class ItemSerializer(serializers.Serializer):
    marker = serializers.CharField(allow_blank=True, help_text="記号(・、○など)")
    text = serializers.CharField(allow_blank=True)
    is_heading = serializers.BooleanField(
        help_text="小見出し((1)…、(概要)など。下位の項目は children)"
    )
    children = serializers.SerializerMethodField(help_text="入れ子の項目")

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_children(self, item: dict) -> list[dict]:
        return ItemSerializer(item["children"], many=True).data


class LinkedRecordSerializer(serializers.Serializer):
    url = serializers.CharField(help_text="このAPIのURL")
    html_url = serializers.CharField(help_text="公開ページのURL")
    text_url = serializers.CharField(help_text="テキスト形式のURL")


class MeetingSummarySerializer(LinkedRecordSerializer):
    id = serializers.UUIDField(help_text="公開ID(変わらない)")
    version = serializers.IntegerField(help_text="公開版の番号(訂正ごとに1増える)")
    published_at = serializers.DateTimeField(help_text="この版の公開日時")
    title = serializers.CharField()
    is_drill = serializers.BooleanField(help_text="訓練の会議")
    meeting_type = MeetingTypeSerializer()
    held_on = serializers.DateField(help_text="開催日(ISO 8601)")
    held_on_wareki = serializers.CharField(help_text="開催日(和暦、曜日付き)")
    fiscal_year = serializers.IntegerField(help_text="年度(4月始まり、開始年の西暦)")
    fiscal_year_label = serializers.CharField(help_text="年度(和暦、例: 令和4年度)")
    agenda = AgendaItemSerializer(many=True, help_text="協議概要")


class AttendeeSerializer(serializers.Serializer):
    role = serializers.CharField(help_text="職名")
    remote = serializers.BooleanField(help_text="テレビ会議で出席")
    outside = serializers.BooleanField(help_text="県の組織外")


class AttendeesSerializer(serializers.Serializer):
    members = AttendeeSerializer(many=True)
    tail = serializers.CharField(allow_null=True, help_text="末尾(各部局主管課…など)")
    total = serializers.IntegerField(allow_null=True, help_text="出席者数")
    unit = serializers.CharField(help_text="名 または 人")
    remote_total = serializers.IntegerField(
        allow_null=True, help_text="内テレビ会議の人数"
    )
    text = serializers.CharField(allow_blank=True, help_text="3 出席者 の表示")


class SectionSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="会議内の順番(0から)")
    group = serializers.ChoiceField(
        choices=Section.Group.choices, help_text="main または その他報告事項"
    )
    kind = serializers.ChoiceField(choices=Section.Kind.choices)
    speaker = serializers.CharField(allow_null=True, help_text="説明・報告・指示した者")
    recipients = serializers.CharField(allow_null=True, help_text="指示の相手")
    topic = serializers.CharField(allow_null=True)
    topic_heading = serializers.BooleanField(help_text="題目を見出しとして表示")
    heading = serializers.CharField(allow_null=True, help_text="見出しの上書き")
    heading_marker = serializers.CharField(
        allow_blank=True, help_text="見出しの記号(■ ● ◆ ○ 【】、空は記号なし)"
    )
    heading_text = serializers.CharField(
        allow_blank=True, help_text="■の見出し(表示どおり)"
    )
    agenda_index = serializers.IntegerField(
        allow_null=True, help_text="関係する協議概要の番号(0から)"
    )
    items = ItemSerializer(many=True)


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    label = serializers.CharField()
    filename = serializers.CharField()
    kind = serializers.ChoiceField(choices=Attachment.Kind.choices)
    is_official_result = serializers.BooleanField(
        help_text="公開時に作成された開催結果PDF"
    )
    size_bytes = serializers.IntegerField()
    size_text = serializers.CharField(allow_blank=True, help_text="表示どおり(141KB)")
    sha256 = serializers.CharField(allow_null=True, help_text="SHA-256(16進)")
    url = serializers.CharField(allow_null=True)


class ContactSerializer(serializers.Serializer):
    name = serializers.CharField(allow_null=True)
    phone = serializers.CharField(allow_null=True)
    fax = serializers.CharField(allow_null=True)
    email = serializers.CharField(allow_null=True)
    note = serializers.CharField(allow_null=True)


class CorrectionSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    published_at = serializers.DateTimeField()
    published_on_wareki = serializers.CharField()
    note = serializers.CharField(help_text="訂正内容")


class IncidentRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    is_drill = serializers.BooleanField()
    url = serializers.CharField(help_text="事案の公開ページ")
    api_url = serializers.CharField()


class MeetingDetailSerializer(MeetingSummarySerializer):
    session_number = serializers.IntegerField(allow_null=True, help_text="第n回")
    cumulative_number = serializers.IntegerField(allow_null=True, help_text="通算")
    posted_on = serializers.DateField(allow_null=True, help_text="掲載日")
    posted_on_text = serializers.CharField(allow_null=True, help_text="掲載日(表示)")
    start_time = serializers.CharField(allow_null=True, help_text="開始 HH:MM")
    end_time = serializers.CharField(allow_null=True, help_text="終了 HH:MM")
    end_next_day = serializers.BooleanField(help_text="終了が翌日")
    datetime_text = serializers.CharField(allow_blank=True, help_text="1 日時 の表示")
    mode = serializers.ChoiceField(choices=Meeting.Mode.choices)
    venue = serializers.CharField(allow_null=True, help_text="場所")
    venue_text = serializers.CharField(allow_blank=True, help_text="2 場所 の表示")
    lead = serializers.CharField(allow_null=True, help_text="前文")
    separator = serializers.CharField(help_text="公式の文面で使う読点(, または 、)")
    attendees = AttendeesSerializer()
    sections = SectionSerializer(many=True)
    unstructured = serializers.ListField(
        child=serializers.CharField(), help_text="項目に分けられなかった本文"
    )
    attachments = AttachmentSerializer(many=True)
    contact = ContactSerializer()
    corrections = CorrectionSerializer(many=True)
    incidents = IncidentRefSerializer(many=True)


def paginated(
    name: str, item: type[serializers.Serializer]
) -> type[serializers.Serializer]:
    """A page of ``item`` records (count, next, previous, results)."""
    return type(
        name,
        (serializers.Serializer,),
        {
            "count": serializers.IntegerField(),
            "next": serializers.CharField(allow_null=True),
            "previous": serializers.CharField(allow_null=True),
            "results": item(many=True),
            "message": serializers.CharField(
                allow_blank=True,
                required=False,
                help_text="検索できなかった理由(1文字の語など)。通常は空",
            ),
            "__module__": __name__,
        },
    )


MeetingPageSerializer = paginated("MeetingPage", MeetingSummarySerializer)


class SearchResultSerializer(MeetingSummarySerializer):
    snippet = serializers.CharField(allow_blank=True, help_text="一致した箇所の抜粋")


SearchPageSerializer = paginated("SearchPage", SearchResultSerializer)


# ---------------------------------------------------------------------------
# Query parameters: validated strictly, a bad value is a 400 (never ignored)
# ---------------------------------------------------------------------------


# Control characters are refused in URLs (NUL cannot reach PostgreSQL).
NO_CONTROL = r"^[^\x00-\x1f\x7f]*$"


class PageQuerySerializer(serializers.Serializer):
    page = serializers.IntegerField(
        required=False, min_value=1, max_value=1_000_000, help_text="ページ番号(1から)"
    )
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=100, help_text="1ページの件数(既定20)"
    )


class MeetingQuerySerializer(PageQuerySerializer):
    year = serializers.IntegerField(
        required=False, min_value=1900, max_value=2999, help_text="年度(例: 2022)"
    )
    type = serializers.RegexField(
        r"^[-a-zA-Z0-9_]+$",
        max_length=50,
        required=False,
        help_text="会議種別の slug",
    )
    incident = serializers.UUIDField(required=False, help_text="事案の公開ID")
    q = serializers.RegexField(
        NO_CONTROL,
        required=False,
        max_length=200,
        help_text="検索語(空白で区切るとAND、各語2文字以上)",
    )


class SearchQuerySerializer(PageQuerySerializer):
    q = serializers.RegexField(
        NO_CONTROL, max_length=200, help_text="検索語(空白で区切るとAND、各語2文字以上)"
    )
