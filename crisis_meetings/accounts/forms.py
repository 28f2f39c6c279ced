from __future__ import annotations

from django import forms


class TokenForm(forms.Form):
    token = forms.CharField(
        label="確認コード",
        max_length=16,
        help_text="認証アプリに表示されている6桁の数字、またはバックアップコード",
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "text",
                "autocapitalize": "off",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
        error_messages={"required": "確認コードを入力してください。"},
    )

    def clean_token(self) -> str:
        return "".join(self.cleaned_data["token"].split()).lower()


class SetupForm(forms.Form):
    token = forms.CharField(
        label="確認コード(6桁)",
        max_length=16,
        help_text="登録した認証アプリに表示されている6桁の数字",
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
            }
        ),
        error_messages={"required": "確認コードを入力してください。"},
    )

    def clean_token(self) -> str:
        token = "".join(self.cleaned_data["token"].split())
        if not (token.isdigit() and len(token) == 6):
            raise forms.ValidationError("確認コードは6桁の数字で入力してください。")
        return token
