from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import models

HIRAGANA = re.compile(r"^[\u3041-\u3096\u30fc]+$")


def validate_hiragana(value: str) -> None:
    if not HIRAGANA.match(value):
        raise ValidationError(
            "読みはひらがなで入力してください(例:ばんだいちょうしゃ)。"
        )


class ReadingOverride(models.Model):
    """A reading the dictionary gets wrong (place and organisation names). Wins
    over the dictionary wherever the surface appears (the longest match first)."""

    surface = models.CharField("表記", max_length=100, unique=True)
    reading = models.CharField(
        "読み(ひらがな)", max_length=200, validators=[validate_hiragana]
    )
    note = models.CharField("備考", max_length=200, blank=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        verbose_name = "読みがなの登録"
        verbose_name_plural = "読みがなの登録"
        ordering = ["surface"]

    def __str__(self) -> str:
        return f"{self.surface}({self.reading})"

    def clean(self) -> None:
        self.surface = self.surface.strip()
        self.reading = self.reading.strip()
        if not self.surface:
            raise ValidationError({"surface": "表記を入力してください。"})
