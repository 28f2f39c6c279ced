"""The structured 開催結果: meeting types, master data, meetings and their parts.

A meeting holds every shape of a real published result (see FORMAT.md) as data:
header fields, attendees, agenda items, sections with trees of items, attachments and
the contact. What cannot be structured is kept in ``unstructured_text``.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, models
from django.db.models import F, Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from meetings import files, markers, wareki

if TYPE_CHECKING:
    from datetime import date

    from django.contrib.auth.models import User


class AppendOnlyError(IntegrityError):
    """A change or deletion of an audit record (workflow event, publication)."""


class AppendOnlyQuerySet(models.QuerySet):
    """Refuses bulk updates and deletions: the rows are an audit trail.

    The database refuses them too (see migration meetings 0009: a trigger on
    PostgreSQL; on SQLite a trigger refuses UPDATE and this layer refuses DELETE).
    """

    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError(
            f"{self.model._meta.verbose_name}は変更できません(追記のみの記録です)。"
        )

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(
            f"{self.model._meta.verbose_name}は削除できません(追記のみの記録です)。"
        )

    # Not copied onto the manager (Django reads this attribute).
    delete.queryset_only = True  # type: ignore[attr-defined]  # a Django convention


class AppendOnlyModel(models.Model):
    """A row is written once and never changed or deleted."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(
                f"{self._meta.verbose_name}は変更できません(追記のみの記録です)。"
            )
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(
            f"{self._meta.verbose_name}は削除できません(追記のみの記録です)。"
        )


class DatedMasterData(models.Model):
    """Master data that is valid for a period: organisations are renamed."""

    valid_from = models.DateField("有効開始日", null=True, blank=True)
    valid_until = models.DateField("有効終了日", null=True, blank=True)

    class Meta:
        abstract = True

    def is_valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until
        )


class Organisation(DatedMasterData):
    class Kind(models.TextChoices):
        DEPARTMENT = "department", "部局"
        DIVISION = "division", "課・室"
        POST = "post", "職(役職)"
        OUTSIDE = "outside", "外部機関"

    name = models.CharField("名称", max_length=200)
    kind = models.CharField("種別", max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上位組織",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )
    successor = models.ForeignKey(
        "self",
        verbose_name="後継組織",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="predecessors",
    )
    # Unknown speakers typed by staff are kept and offered to admins as new master data.
    needs_review = models.BooleanField("要確認(入力時に追加)", default=False)

    class Meta:
        verbose_name = "組織"
        verbose_name_plural = "組織"
        ordering = ["kind", "name", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_until__gte=F("valid_from")),
                name="organisation_valid_range",
            ),
            models.UniqueConstraint(
                fields=["name", "valid_from"],
                name="organisation_name_valid_from_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class OrganisationAlias(DatedMasterData):
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="aliases",
        verbose_name="組織",
    )
    name = models.CharField("別名", max_length=200)

    class Meta:
        verbose_name = "組織の別名"
        verbose_name_plural = "組織の別名"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="organisation_alias_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Venue(models.Model):
    name = models.CharField("名称", max_length=200, unique=True)
    building = models.CharField("建物", max_length=100, blank=True)

    class Meta:
        verbose_name = "会場"
        verbose_name_plural = "会場"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class VenueAlias(models.Model):
    """Another name of the same place (県庁 = 万代庁舎)."""

    venue = models.ForeignKey(
        Venue, on_delete=models.CASCADE, related_name="aliases", verbose_name="会場"
    )
    name = models.CharField("別名", max_length=200, unique=True)

    class Meta:
        verbose_name = "会場の別名"
        verbose_name_plural = "会場の別名"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# Generated text uses 「、」, never ",".
DEFAULT_LEAD_TEMPLATE = (
    "以下のとおり、{meeting_type}を開催いたしましたので、お知らせいたします。"
)


class MeetingType(models.Model):
    name = models.CharField("会議名", max_length=100, unique=True)
    slug = models.SlugField("識別子", max_length=50, unique=True)
    tier = models.PositiveSmallIntegerField(
        "段階",
        default=1,
        help_text="1=連絡会議, 2=危機管理会議, 3=対策本部会議, 4=災害対策本部会議",
    )
    default_chair_position = models.CharField(
        "既定の議長(指示者)", max_length=100, blank=True
    )
    default_venue = models.ForeignKey(
        Venue,
        verbose_name="既定の会場",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meeting_types",
    )
    lead_template = models.CharField(
        "リード文の雛形",
        max_length=300,
        default=DEFAULT_LEAD_TEMPLATE,
        help_text="{meeting_type} は会議名に置き換わります。",
    )
    default_contact_section = models.CharField(
        "既定の問合せ先(課)", max_length=100, blank=True
    )
    default_contact_phone = models.CharField("既定の電話", max_length=40, blank=True)
    default_contact_fax = models.CharField("既定のFAX", max_length=40, blank=True)
    default_contact_email = models.EmailField("既定のメール", blank=True)

    class Meta:
        verbose_name = "会議種別"
        verbose_name_plural = "会議種別"
        ordering = ["tier", "name"]

    def __str__(self) -> str:
        return self.name

    def lead_for(self) -> str:
        # The default uses 「、」 (migration 0011 replaced the old default's ","); a
        # template staff wrote is used as written.
        return self.lead_template.replace("{meeting_type}", self.name)


def _new_public_id() -> uuid.UUID:
    return uuid.uuid4()


class MeetingQuerySet(models.QuerySet):
    def published(self) -> MeetingQuerySet:
        return self.filter(
            status=Meeting.Status.PUBLISHED, current_publication__isnull=False
        )

    def alive(self) -> MeetingQuerySet:
        """Not in the trash (a deleted draft is kept 30 days, then purged)."""
        return self.filter(deleted_at__isnull=True)

    def with_parts(self) -> MeetingQuerySet:
        """Everything the official layout renders, in a fixed number of queries."""
        return self.select_related("meeting_type", "venue").prefetch_related(
            "attendees",
            "agenda_items",
            "attachments",
            models.Prefetch(
                "sections",
                queryset=Section.objects.select_related(
                    "speaker_org", "withheld_reason"
                ).prefetch_related(
                    models.Prefetch(
                        "items",
                        queryset=Item.objects.select_related("withheld_reason"),
                    )
                ),
            ),
        )


class Meeting(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "下書き"
        REVIEW = "review", "承認待ち"
        PUBLISHED = "published", "公開中"
        WITHDRAWN = "withdrawn", "取下げ"

    class Mode(models.TextChoices):
        IN_PERSON = "in_person", "対面"
        ONLINE = "online", "オンライン"
        WRITTEN = "written", "書面開催"

    class AttendeeUnit(models.TextChoices):
        MEI = "名", "名"
        NIN = "人", "人"

    # A public identifier that never changes and is never reused (random, unique).
    public_id = models.UUIDField(
        "公開ID", default=_new_public_id, unique=True, editable=False
    )
    meeting_type = models.ForeignKey(
        MeetingType,
        verbose_name="会議種別",
        on_delete=models.PROTECT,
        related_name="meetings",
    )
    session_number = models.PositiveIntegerField("回次(第N回)", null=True, blank=True)
    cumulative_number = models.PositiveIntegerField("通算回次", null=True, blank=True)
    held_on = models.DateField("開催日")
    start_time = models.TimeField("開始時刻", null=True, blank=True)
    end_time = models.TimeField("終了時刻", null=True, blank=True)
    end_next_day = models.BooleanField("終了が翌日(日付をまたぐ)", default=False)
    mode = models.CharField(
        "開催方法", max_length=20, choices=Mode.choices, default=Mode.IN_PERSON
    )
    location = models.CharField("場所(表記どおり)", max_length=200, blank=True)
    venue = models.ForeignKey(
        Venue,
        verbose_name="会場",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meetings",
    )
    published_on = models.DateField("掲載日", null=True, blank=True)
    lead = models.TextField("リード文", blank=True)
    title_override = models.CharField(
        "タイトル(指定する場合)",
        max_length=300,
        blank=True,
        help_text="空欄なら会議種別と開催日から作成します。",
    )
    # Separator used in generated text: the reference page prints "," (some pages "、").
    separator = models.CharField(
        "区切り文字", max_length=1, default=",", choices=[(",", ","), ("、", "、")]
    )
    status = models.CharField(
        "状態",
        max_length=20,
        choices=Status.choices,
        default=Status.DRAFT,
        db_index=True,
    )
    is_drill = models.BooleanField("訓練", default=False)

    attendee_tail = models.CharField(
        "出席者の末尾(例: 各部局主管課副課長など)", max_length=200, blank=True
    )
    attendee_total = models.PositiveIntegerField("出席者数(計)", null=True, blank=True)
    attendee_unit = models.CharField(
        "単位", max_length=1, choices=AttendeeUnit.choices, default=AttendeeUnit.MEI
    )
    attendee_remote = models.PositiveIntegerField(
        "うちテレビ会議等", null=True, blank=True
    )

    contact_section = models.CharField("問合せ先(課)", max_length=100, blank=True)
    contact_phone = models.CharField("電話", max_length=40, blank=True)
    contact_fax = models.CharField("FAX", max_length=40, blank=True)
    contact_email = models.EmailField("メール", blank=True)
    contact_note = models.CharField("担当者など", max_length=200, blank=True)

    unstructured_text = models.TextField(
        "項目に分けられなかった本文",
        blank=True,
        help_text="取込み時に配置できなかった行。公開ページの末尾にそのまま表示されます。",
    )

    # Optimistic locking: each save increments it; a save from an older version is refused.
    version = models.PositiveIntegerField("更新番号", default=1)
    current_publication = models.OneToOneField(
        "Publication",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="公開中の版",
    )
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meetings_created",
        verbose_name="作成者",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meetings_updated",
        verbose_name="更新者",
    )

    # Draft deletion (issue 14): the draft goes to the trash (an admin can restore it);
    # after TRASH_DAYS ``purge_trash`` removes its content, the row and its audit
    # trail stay (MeetingEvent is append-only and refers to it).
    deleted_at = models.DateTimeField("削除日時", null=True, blank=True, db_index=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meetings_deleted",
        verbose_name="削除した人",
    )
    purged_at = models.DateTimeField("完全削除日時", null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["current_publication"])
    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = "会議"
        verbose_name_plural = "会議"
        ordering = ["-held_on", "-start_time", "-id"]
        indexes = [
            models.Index(fields=["status", "-held_on"], name="meeting_status_held"),
            # The public archive's count and state token read this index alone.
            models.Index(
                fields=["current_publication"],
                name="meeting_public_publication",
                condition=Q(status="published", current_publication__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__isnull=True)
                | Q(start_time__isnull=True)
                | Q(end_next_day=False, end_time__gt=F("start_time"))
                | Q(end_next_day=True, end_time__lt=F("start_time")),
                name="meeting_end_after_start_unless_next_day",
            ),
            models.CheckConstraint(
                condition=Q(end_next_day=False) | Q(end_time__isnull=False),
                name="meeting_next_day_needs_end_time",
            ),
            models.CheckConstraint(
                condition=Q(attendee_remote__isnull=True)
                | Q(attendee_total__isnull=True)
                | Q(attendee_remote__lte=F("attendee_total")),
                name="meeting_remote_not_above_total",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("public:meeting", kwargs={"public_id": self.public_id})

    def save_step(self, *, by: User | None, fields: list[str]) -> None:
        """Save a workflow step (submit, return, publish, withdraw, delete, restore):
        a step changes the meeting, so 最終更新 (``updated_at``, ``updated_by``) and
        its history row name it and who took it (``by``: a user, or None)."""
        self.updated_by = by
        # Read by simple_history (not a model attribute: services set it too).
        setattr(self, "_history_user", by)  # noqa: B010
        self.save(update_fields=[*fields, "updated_at", "updated_by"])

    @property
    def title(self) -> str:
        return self.title_override or self.generated_title

    @property
    def generated_title(self) -> str:
        """危機管理連絡会議の開催結果について(令和4年6月20日), with (第N回) when numbered."""
        name = self.meeting_type.name
        if self.session_number:
            total = (
                f"(通算第{self.cumulative_number}回)" if self.cumulative_number else ""
            )
            name = f"{name}(第{self.session_number}回{total})"
        held = wareki.format_wareki(self.held_on) if self.held_on else ""
        return f"{name}の開催結果について({held})"

    @property
    def short_date(self) -> str:
        return wareki.format_short(self.held_on)

    @property
    def live_publication(self) -> Publication:
        """``current_publication`` of a meeting the public sees (``published()``
        guarantees one); a meeting without one here is a programming error."""
        if self.current_publication is None:
            raise ValueError(f"meeting {self.pk} has no current publication")
        return self.current_publication

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors: dict[str, str] = {}
        if self.start_time and self.end_time:
            if not self.end_next_day and self.end_time <= self.start_time:
                errors["end_time"] = (
                    "終了時刻が開始時刻より前です。日付をまたぐ場合は「終了が翌日」を選んでください。"
                )
            if self.end_next_day and self.end_time >= self.start_time:
                errors["end_next_day"] = (
                    "翌日終了の場合、終了時刻は開始時刻より前の時刻です。"
                )
        if self.end_next_day and not self.end_time:
            errors["end_next_day"] = "翌日終了には終了時刻が必要です。"
        if (
            self.attendee_remote is not None
            and self.attendee_total is not None
            and self.attendee_remote > self.attendee_total
        ):
            errors["attendee_remote"] = (
                "テレビ会議等の人数が出席者数(計)を超えています。"
            )
        if errors:
            raise ValidationError(errors)

    def check_attendee_total(self, listed: int) -> str | None:
        return attendee_total_problem(self.attendee_total, listed, self.attendee_unit)


def attendee_total_problem(
    total: int | None, listed: int, unit: str = ""
) -> str | None:
    """The stated total (計N名) may not be below the number of listed attendees."""
    if total is not None and total < listed:
        return (
            f"出席者数(計){total}{unit}が、"
            f"列挙した出席者の数({listed})より少なくなっています。"
        )
    return None


class Attendee(models.Model):
    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.CASCADE,
        related_name="attendees",
        verbose_name="会議",
    )
    order = models.PositiveIntegerField("順番")
    role = models.CharField("職名(表記どおり)", max_length=200)
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attendees",
        verbose_name="組織",
    )
    is_remote = models.BooleanField("テレビ会議等", default=False)
    is_outside = models.BooleanField("外部機関", default=False)

    class Meta:
        verbose_name = "出席者"
        verbose_name_plural = "出席者"
        ordering = ["meeting", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "order"], name="attendee_order_unique"
            )
        ]

    def __str__(self) -> str:
        return self.role


class AgendaItem(models.Model):
    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.CASCADE,
        related_name="agenda_items",
        verbose_name="会議",
    )
    order = models.PositiveIntegerField("順番")
    marker = models.CharField(
        "記号", max_length=10, blank=True, help_text="例: ○ (1) 1."
    )
    text = models.CharField("議題", max_length=500)

    class Meta:
        verbose_name = "協議概要(議題)"
        verbose_name_plural = "協議概要(議題)"
        ordering = ["meeting", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "order"], name="agenda_order_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.marker}{self.text}"


class WithholdingReason(models.Model):
    """A category of 不開示情報 of the prefecture's 情報公開条例 (部分公開).

    Kept as data: seeded by a migration with plausible article numbers, which an
    admin checks against the ordinance in force and edits in the admin.
    """

    code = models.SlugField("識別子", max_length=40, unique=True)
    name = models.CharField("区分", max_length=100, help_text="例: 公共安全情報")
    article = models.CharField(
        "条項",
        max_length=100,
        help_text="例: 第10条第3号(現行の条例で確認のうえ修正してください)",
    )
    description = models.TextField("説明(職員向け)", blank=True)
    order = models.PositiveSmallIntegerField("表示順", default=0)
    is_active = models.BooleanField("選択肢に表示", default=True)

    class Meta:
        verbose_name = "非公開の理由(情報公開条例の不開示情報)"
        verbose_name_plural = "非公開の理由(情報公開条例の不開示情報)"
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return f"{self.name}({self.article})"

    @property
    def ordinance(self) -> str:
        return f"{settings.PREFECTURE_NAME}情報公開条例"

    @property
    def citation(self) -> str:
        """徳島県情報公開条例第10条第3号."""
        return f"{self.ordinance}{self.article}"

    @property
    def placeholder(self) -> str:
        """What the public reads where withheld text would be."""
        return f"(この部分は、{self.citation}に該当するため非公開)"


class Withholdable(models.Model):
    """部分公開 of a section or item: ``withheld_reason`` null = public. The record
    keeps the full text; the public sees a placeholder citing the reason
    (meetings.layout.public_data). An item's children are withheld with it."""

    withheld_reason = models.ForeignKey(
        WithholdingReason,
        verbose_name="非公開の理由",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    withheld_note = models.TextField("非公開のメモ(職員のみ)", blank=True)

    class Meta:
        abstract = True


class Section(Withholdable):
    class Kind(models.TextChoices):
        EXPLANATION = "explanation", "説明"
        REPORT = "report", "報告"
        DIRECTIVE = "directive", "指示"
        OTHER = "other", "その他"

    class Group(models.TextChoices):
        MAIN = "main", "本体"
        OTHER_REPORTS = "other_reports", "その他報告事項"

    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.CASCADE,
        related_name="sections",
        verbose_name="会議",
    )
    order = models.PositiveIntegerField("順番")
    kind = models.CharField(
        "種別", max_length=20, choices=Kind.choices, default=Kind.EXPLANATION
    )
    speaker = models.CharField("発言者(表記どおり)", max_length=200, blank=True)
    speaker_org = models.ForeignKey(
        Organisation,
        verbose_name="発言者の組織",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sections",
    )
    recipients = models.CharField(
        "指示先", max_length=200, blank=True, help_text="例: 各部局"
    )
    topic = models.CharField("話題", max_length=300, blank=True)
    # True when the topic is printed as the ■ heading and the speaker as a ○ line under it.
    topic_heading = models.BooleanField("話題を見出しにする", default=False)
    # The heading's own mark as written (■ ● ◆ ○ 【】 or none); meetings.markers.
    marker = models.CharField(
        "見出しの記号",
        max_length=4,
        blank=True,
        default=markers.DEFAULT_HEADING_MARKER,
        choices=markers.HEADING_MARKER_CHOICES,
    )
    heading = models.CharField(
        "見出し(そのまま表示する場合)",
        max_length=300,
        blank=True,
        help_text="空欄なら発言者・種別から「■○○から説明」の形で作成します。",
    )
    agenda_item = models.ForeignKey(
        AgendaItem,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sections",
        verbose_name="協議概要(議題)",
    )
    group = models.CharField(
        "区分", max_length=20, choices=Group.choices, default=Group.MAIN
    )
    withheld_keep_heading = models.BooleanField(
        "非公開でも見出しを公開する", default=True
    )

    class Meta:
        verbose_name = "説明・報告・指示"
        verbose_name_plural = "説明・報告・指示"
        ordering = ["meeting", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "order"], name="section_order_unique"
            )
        ]

    def __str__(self) -> str:
        return self.heading or f"{self.speaker} {self.get_kind_display()}"


class Item(Withholdable):
    """One bullet or paragraph; items form a tree of any depth within a section."""

    section = models.ForeignKey(
        Section,
        on_delete=models.CASCADE,
        related_name="items",
        verbose_name="説明・報告・指示",
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
        verbose_name="上位の項目",
    )
    order = models.PositiveIntegerField("順番")
    marker = models.CharField(
        "記号",
        max_length=10,
        blank=True,
        default="・",
        help_text="・ ○ ① (1) など。空欄は段落。",
    )
    text = models.TextField("本文")
    # A sub-heading ((1)… / (概要)) inside the section; its children are the items under it.
    is_heading = models.BooleanField("小見出し", default=False)

    class Meta:
        verbose_name = "項目"
        verbose_name_plural = "項目"
        ordering = ["section", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["section", "order"],
                condition=Q(parent__isnull=True),
                name="item_root_order_unique",
            ),
            models.UniqueConstraint(
                fields=["parent", "order"],
                condition=Q(parent__isnull=False),
                name="item_child_order_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.marker}{self.text[:40]}"


def attachment_upload_to(instance: Attachment, filename: str) -> str:
    # Storage names never carry the public label: files are served only through views.
    return f"attachments/{instance.meeting.public_id}/{uuid.uuid4().hex}.pdf"


class Attachment(models.Model):
    class Kind(models.TextChoices):
        RESULT = "result", "開催結果"
        MATERIAL = "material", "会議資料"
        OTHER = "other", "その他"

    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name="会議",
    )
    order = models.PositiveIntegerField("順番")
    label = models.CharField(
        "表示名", max_length=200, help_text="例: 危機管理連絡会議 会議資料(R4.6.20)"
    )
    kind = models.CharField(
        "種別", max_length=20, choices=Kind.choices, default=Kind.MATERIAL
    )
    file = models.FileField("ファイル", upload_to=attachment_upload_to, max_length=300)
    size_bytes = models.PositiveBigIntegerField(
        "サイズ(バイト)", default=0, editable=False
    )
    sha256 = models.CharField("SHA-256", max_length=64, blank=True, editable=False)
    content_type = models.CharField(
        max_length=100,
        default="application/pdf",
        editable=False,
        verbose_name="ファイル形式",
    )
    # True for the 開催結果 PDF rendered by the system at publication.
    is_generated = models.BooleanField("自動生成", default=False, editable=False)

    class Meta:
        verbose_name = "添付ファイル"
        verbose_name_plural = "添付ファイル"
        ordering = ["meeting", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "order"], name="attachment_order_unique"
            )
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def filename(self) -> str:
        return f"{self.label}.pdf"

    @property
    def size_display(self) -> str:
        return files.format_file_size(self.size_bytes)

    def store(self, name: str, content: bytes) -> None:
        """Put ``content`` in the file field (not yet saved) with its size and hash."""
        from django.core.files.base import ContentFile

        found = files.facts(content)
        self.file.save(name, ContentFile(content), save=False)
        self.size_bytes, self.sha256 = found.size, found.sha256


def publication_pdf_upload_to(instance: Publication, filename: str) -> str:
    return f"publications/{instance.meeting.public_id}/{instance.number}-{uuid.uuid4().hex}.pdf"


class Publication(AppendOnlyModel):
    """An immutable snapshot of what the public saw: one per publication or correction."""

    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.PROTECT,
        related_name="publications",
        verbose_name="会議",
    )
    number = models.PositiveIntegerField("版番号")
    published_at = models.DateTimeField("公開日時")
    # Users are deactivated, never deleted: PROTECT keeps who published.
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="publications",
        verbose_name="公開した人",
    )
    correction_note = models.TextField("訂正内容", blank=True)
    meeting_version = models.PositiveIntegerField("公開した時点の更新番号")
    title = models.CharField("タイトル", max_length=300)
    held_on = models.DateField("開催日")
    data = models.JSONField("構造化データ")
    text = models.TextField("テキスト版")
    html = models.TextField("HTML版", blank=True)
    # What the search reads is in SearchDocument (meetings.search).
    pdf = models.FileField(
        "開催結果PDF", upload_to=publication_pdf_upload_to, blank=True, max_length=300
    )
    pdf_sha256 = models.CharField(
        max_length=64, blank=True, verbose_name="PDFのSHA-256"
    )
    pdf_size = models.PositiveBigIntegerField(
        default=0, verbose_name="PDFの大きさ(バイト)"
    )

    class Meta:
        verbose_name = "公開版"
        verbose_name_plural = "公開版"
        ordering = ["meeting", "number"]
        # The public archive lists current publications newest first.
        indexes = [
            models.Index(fields=["-held_on", "-id"], name="publication_held_on_desc")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "number"], name="publication_number_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} (第{self.number}版)"


class MeetingEvent(AppendOnlyModel):
    """Workflow log: submit, publish, return with a comment, correct, withdraw.

    Append-only (see ``AppendOnlyModel``); a meeting with events cannot be deleted.
    """

    class Action(models.TextChoices):
        CREATE = "create", "作成"
        SAVE = "save", "保存"
        SUBMIT = "submit", "承認依頼"
        RETURN = "return", "差戻し"
        PUBLISH = "publish", "公開"
        CORRECT = "correct", "訂正公開"
        WITHDRAW = "withdraw", "取下げ"
        DELETE = "delete", "削除(ごみ箱へ)"
        RESTORE = "restore", "ごみ箱から復元"
        PURGE = "purge", "完全削除"

    meeting = models.ForeignKey(
        Meeting, verbose_name="会議", on_delete=models.PROTECT, related_name="events"
    )
    action = models.CharField("操作", max_length=20, choices=Action.choices)
    from_status = models.CharField("変更前の状態", max_length=20, blank=True)
    to_status = models.CharField("変更後の状態", max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作者",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meeting_events",
    )
    comment = models.TextField("理由・メモ", blank=True)
    changes = models.JSONField("変更内容", default=dict, blank=True)
    created_at = models.DateTimeField("日時", auto_now_add=True)

    class Meta:
        verbose_name = "操作履歴"
        verbose_name_plural = "操作履歴"
        ordering = ["meeting", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.created_at:%Y-%m-%d %H:%M}"


def pdf_export_upload_to(instance: PdfExportJob, filename: str) -> str:
    # Never under a guessable name: the ZIP is served only through the admin view.
    return f"exports/{instance.token}/{uuid.uuid4().hex}.zip"


class PdfExportJob(models.Model):
    """A ZIP of 開催結果 PDFs built in the background, with its progress.

    Either a fiscal year (``fiscal_year``) or an admin's selection (``meeting_ids``).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "待機中"
        RUNNING = "running", "作成中"
        DONE = "done", "完了"
        FAILED = "failed", "失敗"

    token = models.UUIDField(
        default=uuid.uuid4, unique=True, editable=False, verbose_name="受付番号"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pdf_export_jobs",
        verbose_name="依頼した人",
    )
    fiscal_year = models.PositiveIntegerField("年度", null=True, blank=True)
    meeting_ids = models.JSONField("選択した会議", default=list, blank=True)
    include_unpublished = models.BooleanField(
        "未公開の会議も「案」として含める", default=False
    )
    status = models.CharField(
        "状態",
        max_length=20,
        choices=Status.choices,
        default=Status.PENDING,
        db_index=True,
    )
    total = models.PositiveIntegerField("件数", default=0)
    done = models.PositiveIntegerField("処理済み", default=0)
    file = models.FileField(
        "ZIP", upload_to=pdf_export_upload_to, blank=True, max_length=300
    )
    size_bytes = models.PositiveBigIntegerField("サイズ(バイト)", default=0)
    error = models.TextField("エラー", blank=True)
    created_at = models.DateTimeField("依頼日時", auto_now_add=True)
    started_at = models.DateTimeField("開始日時", null=True, blank=True)
    finished_at = models.DateTimeField("終了日時", null=True, blank=True)

    class Meta:
        verbose_name = "開催結果PDFの一括出力"
        verbose_name_plural = "開催結果PDFの一括出力"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(done__lte=F("total")),
                name="pdf_export_done_not_above_total",
            )
        ]

    def __str__(self) -> str:
        return self.filename

    def get_absolute_url(self) -> str:
        return reverse("pdf:export_status", args=[self.token])

    @property
    def filename(self) -> str:
        if self.fiscal_year is not None:
            return f"開催結果PDF_{wareki.format_fiscal_year(self.fiscal_year)}.zip"
        return f"開催結果PDF_選択{len(self.meeting_ids)}件.zip"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return (100 * self.done) // self.total if self.total else 0

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class SearchSynonym(models.Model):
    """A group of words the public search treats as one (or offers as related).

    Staff admins edit these in the admin; the search reads them at query time
    (``meetings.search.thesaurus``), so a change applies to the next search.
    """

    class Relation(models.TextChoices):
        EQUAL = "equal", "同義語(いつも一緒に検索する)"
        RELATED = "related", "関連語(利用者が選んだときだけ検索する)"

    relation = models.CharField(
        "種類", max_length=20, choices=Relation.choices, default=Relation.EQUAL
    )
    terms = models.TextField(
        "語句",
        help_text="1行に1語。例: 豚熱 / CSF / 豚コレラ(全角・半角、カナの違いは区別しません)",
    )
    note = models.CharField("メモ", max_length=200, blank=True)
    is_active = models.BooleanField("使用する", default=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        verbose_name = "検索の同義語・関連語"
        verbose_name_plural = "検索の同義語・関連語"
        ordering = ["relation", "id"]

    def __str__(self) -> str:
        return " / ".join(self.term_list())

    def term_list(self) -> list[str]:
        return [line.strip() for line in self.terms.splitlines() if line.strip()]


class SearchDocument(models.Model):
    """What the public search reads: a publication's text, or one page of one of
    its PDF attachments, folded for search (``meetings.search.text``).

    Derived data, rebuilt at will (``manage.py rebuild_search_index``): only the
    current publication of each meeting has documents.
    """

    class Kind(models.TextChoices):
        PAGE = "page", "本文"
        ATTACHMENT = "attachment", "会議資料(PDF)"

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="search_documents"
    )
    publication = models.ForeignKey(
        Publication, on_delete=models.CASCADE, related_name="search_documents"
    )
    kind = models.CharField("種類", max_length=20, choices=Kind.choices)
    attachment_id = models.PositiveIntegerField("添付ファイルID", null=True, blank=True)
    attachment_label = models.CharField("添付ファイル名", max_length=200, blank=True)
    # The stored file's name: unique per upload, so an unchanged attachment of a
    # correction reuses its extracted text instead of reading the PDF again.
    attachment_file = models.CharField(max_length=300, blank=True)
    page = models.PositiveIntegerField("ページ", null=True, blank=True)
    held_on = models.DateField("開催日")
    text = models.TextField("テキスト")
    folded = models.TextField("検索用テキスト")
    # Where the folded text shifts against the original: "folded:original ..." pairs.
    offsets = models.TextField(blank=True)
    bigrams = models.TextField("検索用の2文字組", blank=True)
    speakers = models.TextField("説明・報告した組織", blank=True)

    class Meta:
        verbose_name = "検索用文書"
        verbose_name_plural = "検索用文書"
        ordering = ["publication", "kind", "attachment_id", "page"]
        indexes = [models.Index(fields=["meeting"], name="search_document_meeting")]

    def __str__(self) -> str:
        return f"{self.publication_id}:{self.kind}:{self.page or ''}"


class PublicStateToken(models.Model):
    """What keys the public caches (``meetings.public_state``): per kind of change,
    the random tokens of the transactions that last changed it.

    Written by database triggers only (installed by migration 0019 and again after
    every ``migrate``), never by the application: see ``meetings.public_state``.
    """

    kind = models.PositiveSmallIntegerField("種類")
    # The writing transaction (PostgreSQL's txid; 0 on SQLite, one writer at a time).
    xact = models.BigIntegerField(default=0)
    token = models.CharField(max_length=64)

    class Meta:
        verbose_name = "公開状態"
        verbose_name_plural = "公開状態"
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "xact"], name="public_state_token_kind_xact"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.token}"
