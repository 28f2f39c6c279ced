"""Form messages in the prefecture's words (issue 19): each says which item and what
to do, in です・ます; no Django default (「このフィールドは必須です。」) and no
「---------」 empty choice is left.

``JapaneseMessagesMixin`` goes first in a form's bases; a field's own
``error_messages`` (set in the form) win over these.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.utils import translation

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

EMPTY_CHOICE = "(選択してください)"


def _is_choice(field: forms.Field) -> bool:
    return isinstance(field, forms.ChoiceField | forms.ModelChoiceField)


def messages_for(field: forms.Field, label: str) -> dict[str, str]:
    """Specific messages for one field, named by its label."""
    if _is_choice(field) or isinstance(field, forms.ModelMultipleChoiceField):
        required = f"{label}を選んでください。"
    elif isinstance(field, forms.FileField):
        required = f"{label}のファイルを選んでください。"
    else:
        required = f"{label}を入力してください。"
    messages = {
        "required": required,
        "invalid_choice": f"{label}は一覧から選び直してください(選んだ項目は削除されたか、使えません)。",
        "invalid_pk_value": f"{label}は一覧から選び直してください。",
        "list": f"{label}は一覧から選び直してください。",
        "max_length": f"{label}は%(limit_value)d文字以内で入力してください(今は%(show_value)d文字です)。",
        "min_length": f"{label}は%(limit_value)d文字以上で入力してください。",
        "max_value": f"{label}は%(limit_value)s以下の数を入力してください。",
        "min_value": f"{label}は%(limit_value)s以上の数を入力してください。",
    }
    if isinstance(field, forms.DateTimeField):
        messages["invalid"] = (
            f"{label}の日時が読み取れません。「令和4年6月20日 17:30」のように入力してください。"
        )
    elif isinstance(field, forms.DateField):
        messages["invalid"] = (
            f"{label}の日付が読み取れません。「令和4年6月20日」または「2022-06-20」のように入力してください。"
        )
    elif isinstance(field, forms.TimeField):
        messages["invalid"] = (
            f"{label}の時刻が読み取れません。0時から23時59分までの時刻を「17:30」のように入力してください。"
        )
    elif isinstance(field, forms.IntegerField):
        messages["invalid"] = f"{label}は数字だけで入力してください(例:12)。"
    elif isinstance(field, forms.EmailField):
        messages["invalid"] = (
            f"{label}はメールアドレスの形(例:name@example.lg.jp)で入力してください。"
        )
    elif isinstance(field, forms.URLField):
        messages["invalid"] = (
            f"{label}は「https://」で始まるアドレスを入力してください。"
        )
    elif isinstance(field, forms.FileField):
        messages["invalid"] = f"{label}のファイルを読み取れません。選び直してください。"
        messages["empty"] = (
            f"{label}のファイルが空です。中身のあるファイルを選んでください。"
        )
    return messages


def apply(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        label = str(field.label or "").rstrip(":")
        # Messages written for this field in the form itself are kept (not Django's,
        # not ours from an earlier pass).
        generated: set[str] = getattr(field, "_generated_messages", set())
        own = {
            key: value
            for key, value in field.error_messages.items()
            if not _is_django_default(key, value) and str(value) not in generated
        }
        ours = messages_for(field, label)
        # A validator given its own message (a sane maximum length, say) keeps it:
        # error_messages would replace it by code.
        for validator in field.validators:
            code = getattr(validator, "code", None)
            message = getattr(validator, "message", None)
            if code in ours and str(message) != str(type(validator).message):  # type: ignore[attr-defined]  # a validator with a code has a class message
                del ours[code]
        field._generated_messages = {str(v) for v in ours.values()}  # type: ignore[attr-defined]  # remembered for the next pass
        field.error_messages = {
            **{
                key: value
                for key, value in field.error_messages.items()
                if str(value) not in generated
            },
            **ours,
            **own,
        }
        if isinstance(field, forms.ModelChoiceField):
            if field.empty_label == "---------":
                field.empty_label = EMPTY_CHOICE
        elif isinstance(field, forms.ChoiceField):
            field.choices = [
                (
                    value,
                    EMPTY_CHOICE
                    if value in ("", None) and text == "---------"
                    else text,
                )
                # ChoiceField normalises what it is given: (value, text) pairs here.
                for value, text in cast(Iterable[tuple[Any, Any]], field.choices)
            ]


def _is_django_default(key: str, value: StrOrPromise) -> bool:
    """Whether a message is one of Django's (so ours should replace it)."""
    return str(value) in _django_defaults(key, translation.get_language() or "")


_DEFAULTS_OF = (
    forms.Field,
    forms.CharField,
    forms.IntegerField,
    forms.DateField,
    forms.TimeField,
    forms.DateTimeField,
    forms.ChoiceField,
    forms.ModelChoiceField,
    forms.ModelMultipleChoiceField,
    forms.EmailField,
    forms.URLField,
    forms.FileField,
    forms.DecimalField,
)


@functools.cache
def _django_defaults(key: str, language: str) -> frozenset[str]:
    """Django's messages for ``key`` as they read in ``language`` (every form field
    of every form asks: translated once, not once a field)."""
    return frozenset(
        str(text)
        for cls in _DEFAULTS_OF
        for name, text in getattr(cls, "default_error_messages", {}).items()
        if name == key
    )


class JapaneseMessagesMixin:
    """Applies the messages after the form's own ``__init__`` has set its fields and
    choices (each subclass's ``__init__`` is wrapped; applying twice changes nothing)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own_init = cls.__dict__.get("__init__")
        if own_init is None:
            return

        def __init__(self: Any, *args: Any, **kw: Any) -> None:
            own_init(self, *args, **kw)
            apply(self)

        __init__.__wrapped__ = own_init  # type: ignore[attr-defined]  # functools.wraps' convention
        cls.__init__ = __init__  # type: ignore[method-assign]  # wraps the subclass's own __init__

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        apply(self)  # type: ignore[arg-type]  # a mixin: self is the form it is mixed into
