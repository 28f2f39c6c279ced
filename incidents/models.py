"""Incidents: what a series of meetings is about, and their links to meetings."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.urls import reverse

from meetings.models import (
    AgendaItem,
    AppendOnlyModel,
    Item,
    Meeting,
    Organisation,
    Section,
)


class IncidentQuerySet(models.QuerySet):
    def for_staff_list(self) -> IncidentQuerySet:
        """What the staff list renders: current levels and open directive counts."""
        return self.annotate(
            meeting_count=models.Count("links__meeting", distinct=True),
            open_directive_count=models.Count(
                "directive_assignments",
                filter=Q(
                    directive_assignments__status__in=[
                        DirectiveAssignment.Status.OPEN,
                        DirectiveAssignment.Status.IN_PROGRESS,
                    ]
                ),
                distinct=True,
            ),
        ).prefetch_related(
            models.Prefetch(
                "alert_changes",
                queryset=AlertChange.objects.with_related().order_by(
                    "effective_at", "id"
                ),
            )
        )

    def public(self) -> IncidentQuerySet:
        """Incidents the public may see: marked public and linked to a published meeting."""
        return self.filter(
            is_public=True,
            links__meeting__status=Meeting.Status.PUBLISHED,
            links__meeting__current_publication__isnull=False,
        ).distinct()


class Incident(models.Model):
    class Category(models.TextChoices):
        CYBER = "cyber", "サイバー攻撃"
        ANIMAL_DISEASE = "animal_disease", "家畜伝染病"
        INFECTION = "infection", "感染症"
        WEATHER = "weather", "気象災害"
        EARTHQUAKE = "earthquake", "地震・津波"
        MISSILE = "missile", "国民保護(ミサイル等)"
        OTHER = "other", "その他"

    class Status(models.TextChoices):
        ACTIVE = "active", "対応中"
        MONITORING = "monitoring", "警戒・監視"
        CLOSED = "closed", "終結"

    public_id = models.UUIDField(
        "公開ID", default=uuid.uuid4, unique=True, editable=False
    )
    title = models.CharField("事案名", max_length=200)
    category = models.CharField("分類", max_length=30, choices=Category.choices)
    status = models.CharField(
        "状態", max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    is_drill = models.BooleanField("訓練", default=False)
    started_at = models.DateTimeField("発生日時")
    ended_at = models.DateTimeField("終結日時", null=True, blank=True)
    affected_organisation = models.CharField(
        "被害・影響を受けた組織", max_length=200, blank=True
    )
    # The department or division in charge of the response (所管組織); not the
    # organisation affected, which is the free text above.
    responsible_organisation = models.ForeignKey(
        Organisation,
        verbose_name="所管組織",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incidents",
    )
    public_summary = models.TextField("公開用概要", blank=True)
    is_public = models.BooleanField(
        "公開する",
        default=True,
        help_text="公開ページには、公開済みの会議に関係する事案だけが表示されます。",
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="登録日時")
    updated_at = models.DateTimeField(auto_now=True, verbose_name="更新日時")

    objects = IncidentQuerySet.as_manager()

    class Meta:
        verbose_name = "事案"
        verbose_name_plural = "事案"
        ordering = ["-started_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="incident_ended_after_started",
            )
        ]

    def __str__(self) -> str:
        return f"【訓練】{self.title}" if self.is_drill else self.title

    def get_absolute_url(self) -> str:
        return reverse(
            "incidents_public:incident", kwargs={"public_id": self.public_id}
        )

    def get_staff_url(self) -> str:
        return reverse("incidents_staff:detail", kwargs={"pk": self.pk})


class IncidentLink(models.Model):
    """A meeting (optionally one agenda item or section of it) that concerns an incident."""

    incident = models.ForeignKey(
        Incident,
        on_delete=models.CASCADE,
        related_name="links",
        verbose_name="事案",
    )
    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.CASCADE,
        related_name="incident_links",
        verbose_name="会議",
    )
    agenda_item = models.ForeignKey(
        AgendaItem,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="incident_links",
        verbose_name="協議概要(議題)",
    )
    section = models.ForeignKey(
        Section,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="incident_links",
        verbose_name="説明・報告・指示",
    )
    note = models.CharField("メモ", max_length=200, blank=True)

    class Meta:
        verbose_name = "事案と会議の関連"
        verbose_name_plural = "事案と会議の関連"
        ordering = ["incident", "meeting__held_on", "meeting__start_time", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "meeting"],
                condition=Q(agenda_item__isnull=True, section__isnull=True),
                name="incident_meeting_link_unique",
            ),
            models.UniqueConstraint(
                fields=["incident", "section"],
                condition=Q(section__isnull=False),
                name="incident_section_link_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.incident} - {self.meeting}"


# ---------------------------------------------------------------------------
# Alert levels: schemes and their stages are data, not code
# ---------------------------------------------------------------------------


class AlertScheme(models.Model):
    """A named alert system, e.g. 鳥インフルエンザ・とくしまアラート."""

    name = models.CharField("警戒基準の名称", max_length=100, unique=True)
    description = models.TextField("説明", blank=True)
    is_active = models.BooleanField("使用中", default=True)

    class Meta:
        verbose_name = "警戒基準(アラート)"
        verbose_name_plural = "警戒基準(アラート)"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AlertLevel(models.Model):
    """One stage of a scheme; ``rank`` orders the stages from 0 (normal) upwards."""

    scheme = models.ForeignKey(
        AlertScheme,
        verbose_name="警戒基準",
        on_delete=models.CASCADE,
        related_name="levels",
    )
    rank = models.PositiveSmallIntegerField("段階(0が平常)")
    name = models.CharField("段階名", max_length=50, help_text="例: ステージⅡ")
    note = models.CharField(
        "呼称", max_length=100, blank=True, help_text="例: 感染拡大注意報"
    )

    class Meta:
        verbose_name = "警戒段階"
        verbose_name_plural = "警戒段階"
        ordering = ["scheme", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "rank"], name="alert_level_rank_unique"
            ),
            models.UniqueConstraint(
                fields=["scheme", "name"], name="alert_level_name_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """ステージⅡ(感染拡大注意報), as the meetings write it."""
        return f"{self.name}({self.note})" if self.note else self.name


class AlertChangeQuerySet(models.QuerySet):
    def with_related(self) -> AlertChangeQuerySet:
        return self.select_related(
            "scheme",
            "level",
            "meeting",
            "meeting__meeting_type",
            "section",
            "section__withheld_reason",
        )

    def effective_at(self, moment: datetime) -> AlertChangeQuerySet:
        return self.filter(effective_at__lte=moment)

    def announced_publicly(self) -> AlertChangeQuerySet:
        """Changes whose announcing meeting is published: the public sees only these."""
        return self.filter(
            meeting__status=Meeting.Status.PUBLISHED,
            meeting__current_publication__isnull=False,
        )


class AlertChange(models.Model):
    """A scheme moved to a new level at ``effective_at``, as a meeting announced."""

    incident = models.ForeignKey(
        Incident,
        verbose_name="事案",
        on_delete=models.CASCADE,
        related_name="alert_changes",
    )
    scheme = models.ForeignKey(
        AlertScheme,
        verbose_name="警戒基準",
        on_delete=models.PROTECT,
        related_name="changes",
    )
    level = models.ForeignKey(
        AlertLevel,
        verbose_name="新しい段階",
        on_delete=models.PROTECT,
        related_name="changes",
    )
    effective_at = models.DateTimeField("発効日時")
    # Required on entry; SET_NULL keeps the history if a draft meeting is deleted.
    meeting = models.ForeignKey(
        Meeting,
        verbose_name="発表した会議",
        null=True,
        on_delete=models.SET_NULL,
        related_name="alert_changes",
    )
    section = models.ForeignKey(
        Section,
        verbose_name="発表した説明・報告",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="alert_changes",
    )
    note = models.CharField("備考", max_length=300, blank=True)
    created_at = models.DateTimeField("登録日時", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="alert_changes_created",
        verbose_name="登録した人",
    )

    objects = AlertChangeQuerySet.as_manager()

    class Meta:
        verbose_name = "警戒段階の変更"
        verbose_name_plural = "警戒段階の変更"
        ordering = ["incident", "scheme", "effective_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "scheme", "effective_at"],
                name="alert_change_one_per_moment",
            )
        ]

    def __str__(self) -> str:
        return f"{self.scheme} {self.level}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.level_id and self.scheme_id and self.level.scheme_id != self.scheme_id:
            errors["level"] = "選んだ段階は、この警戒基準の段階ではありません。"
        if (
            self.section_id
            and self.meeting_id
            and self.section is not None
            and self.section.meeting_id != self.meeting_id
        ):
            errors["section"] = "選んだ説明・報告は、発表した会議のものではありません。"
        if errors:
            raise ValidationError(errors)


# ---------------------------------------------------------------------------
# Directive follow-up
# ---------------------------------------------------------------------------


class DirectiveAssignmentQuerySet(models.QuerySet):
    def with_related(self) -> DirectiveAssignmentQuerySet:
        return self.select_related(
            "organisation",
            "incident",
            "meeting",
            "meeting__meeting_type",
            "item",
            "item__section",
        )

    def still_open(self) -> DirectiveAssignmentQuerySet:
        return self.filter(
            status__in=[
                DirectiveAssignment.Status.OPEN,
                DirectiveAssignment.Status.IN_PROGRESS,
            ]
        )

    def overdue_first(self, today: date) -> DirectiveAssignmentQuerySet:
        """Overdue first (oldest due date first), then by due date, undated last."""
        return self.annotate(
            is_overdue=Case(
                When(due_on__lt=today, then=Value(0)),
                default=Value(1),
                output_field=models.IntegerField(),
            )
        ).order_by(
            "is_overdue",
            F("due_on").asc(nulls_last=True),
            "meeting__held_on",
            "id",
        )


class DirectiveAssignment(models.Model):
    """A directive item (■…から次のとおり指示) assigned to a department or to all."""

    class Status(models.TextChoices):
        OPEN = "open", "未着手"
        IN_PROGRESS = "in_progress", "対応中"
        DONE = "done", "完了"
        CANCELLED = "cancelled", "取消し"

    # The item may be rewritten when a meeting is re-edited; the assignment keeps the
    # directive's text and its meeting so that the follow-up record is never lost.
    item = models.ForeignKey(
        Item,
        verbose_name="指示事項",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="directive_assignments",
    )
    meeting = models.ForeignKey(
        Meeting,
        verbose_name="指示のあった会議",
        on_delete=models.CASCADE,
        related_name="directive_assignments",
    )
    directive_text = models.TextField("指示内容")
    issuer = models.CharField("指示者", max_length=200, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name="担当部局・課",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="directive_assignments",
    )
    all_departments = models.BooleanField("全部局", default=False)
    incident = models.ForeignKey(
        Incident,
        verbose_name="事案",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="directive_assignments",
    )
    due_on = models.DateField("期限", null=True, blank=True)
    status = models.CharField(
        "状態",
        max_length=20,
        choices=Status.choices,
        default=Status.OPEN,
        db_index=True,
    )
    created_at = models.DateTimeField("登録日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="directive_assignments_created",
        verbose_name="登録した人",
    )

    objects = DirectiveAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = "指示事項の割当"
        verbose_name_plural = "指示事項の割当"
        ordering = ["meeting", "item__order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(all_departments=True, organisation__isnull=True)
                | Q(all_departments=False, organisation__isnull=False),
                name="directive_assignment_one_recipient",
            ),
            models.UniqueConstraint(
                fields=["item", "organisation"],
                condition=Q(item__isnull=False, organisation__isnull=False),
                name="directive_assignment_item_org_unique",
            ),
            models.UniqueConstraint(
                fields=["item"],
                condition=Q(item__isnull=False, all_departments=True),
                name="directive_assignment_item_all_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_label}: {self.directive_text[:30]}"

    @property
    def recipient_label(self) -> str:
        return "全部局" if self.all_departments else str(self.organisation)

    @property
    def is_closed(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.CANCELLED)

    def is_overdue_on(self, today: date) -> bool:
        return bool(self.due_on and not self.is_closed and self.due_on < today)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.all_departments and self.organisation_id:
            errors["organisation"] = "全部局を選んだときは担当部局・課を選べません。"
        if not self.all_departments and not self.organisation_id:
            errors["organisation"] = "担当部局・課を選ぶか、全部局を選んでください。"
        if (
            self.organisation_id
            and self.organisation is not None
            and self.organisation.kind
            not in (Organisation.Kind.DEPARTMENT, Organisation.Kind.DIVISION)
        ):
            errors["organisation"] = "担当は部局か課・室から選んでください。"
        if self.item_id and self.item is not None:
            section = self.item.section
            if section.kind != Section.Kind.DIRECTIVE:
                errors["item"] = "指示(■…から指示)の項目だけを割り当てられます。"
            elif self.meeting_id and section.meeting_id != self.meeting_id:
                errors["item"] = "指示事項が会議と一致しません。"
        if errors:
            raise ValidationError(errors)


class DirectiveProgress(AppendOnlyModel):
    """One entry of a directive's progress log: a note, optionally a status change.

    Append-only like the meetings' workflow events (a trigger refuses UPDATE/DELETE).
    """

    assignment = models.ForeignKey(
        DirectiveAssignment,
        on_delete=models.PROTECT,
        related_name="progress_entries",
        verbose_name="指示事項の割当",
    )
    recorded_at = models.DateTimeField("記録日時")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="directive_progress_entries",
        verbose_name="記録した人",
    )
    note = models.TextField("取組状況", blank=True)
    from_status = models.CharField(
        "変更前", max_length=20, choices=DirectiveAssignment.Status.choices, blank=True
    )
    to_status = models.CharField(
        "変更後", max_length=20, choices=DirectiveAssignment.Status.choices, blank=True
    )

    class Meta:
        verbose_name = "指示事項の取組状況"
        verbose_name_plural = "指示事項の取組状況"
        ordering = ["assignment", "recorded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(note="") | ~Q(to_status=""),
                name="directive_progress_not_empty",
            )
        ]

    def __str__(self) -> str:
        return f"{self.recorded_at:%Y-%m-%d %H:%M} {self.note[:30]}"

    @property
    def changes_status(self) -> bool:
        return bool(self.to_status) and self.to_status != self.from_status


class DirectiveFollowUp(models.Model):
    """A later meeting's section that reports back on a directive (取組状況の報告)."""

    assignment = models.ForeignKey(
        DirectiveAssignment,
        on_delete=models.CASCADE,
        related_name="follow_ups",
        verbose_name="指示事項の割当",
    )
    section = models.ForeignKey(
        Section,
        verbose_name="報告した説明・報告",
        on_delete=models.CASCADE,
        related_name="directive_follow_ups",
    )
    note = models.CharField("メモ", max_length=200, blank=True)
    created_at = models.DateTimeField("登録日時", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="directive_follow_ups_created",
        verbose_name="登録した人",
    )

    class Meta:
        verbose_name = "指示事項の取組報告"
        verbose_name_plural = "指示事項の取組報告"
        ordering = ["assignment", "section__meeting__held_on", "section__order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "section"], name="directive_follow_up_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.assignment} ← {self.section}"

    def clean(self) -> None:
        if not (self.assignment_id and self.section_id):
            return
        directive_meeting = self.assignment.meeting
        report_meeting = self.section.meeting
        if report_meeting.pk == directive_meeting.pk or (
            (report_meeting.held_on, report_meeting.start_time or time.min)
            <= (directive_meeting.held_on, directive_meeting.start_time or time.min)
        ):
            raise ValidationError(
                {
                    "section": "取組報告には、指示のあった会議より後の会議を選んでください。"
                }
            )


class DepartmentMembership(models.Model):
    """The department a staff member works for.

    An editor with a department records progress only on directives assigned to it
    or to all departments; editors without one (the crisis-management division that
    coordinates every directive) and approvers may record on any.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="department_membership",
        verbose_name="利用者",
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name="所属部署",
    )

    class Meta:
        verbose_name = "所属部署"
        verbose_name_plural = "所属部署"
        ordering = ["organisation__name", "user__username"]

    def __str__(self) -> str:
        return f"{self.user} - {self.organisation}"
