"""List stored attachments that today's upload check would refuse (meetings.uploads).

Uploads are checked for active content (JavaScript, launch actions, embedded files)
since issue 10; files stored before were not. This reads every uploaded attachment
and prints those with a problem, with their meeting; it changes nothing (a published
meeting's files are what was approved: correct it in the editor and republish).
Exit status 1 when any is found, so that it can run from cron or CI.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from meetings import uploads
from meetings.models import Attachment


class Command(BaseCommand):
    help = (
        "保存済みの添付ファイル(PDF)を、JavaScript・起動処理・埋め込みファイルなどの"
        "有無について確認し、問題のあるものを一覧にします(何も変更しません)。"
    )

    def handle(self, *args: object, **options: object) -> None:
        found = 0
        checked = 0
        attachments = Attachment.objects.filter(is_generated=False).select_related(
            "meeting__meeting_type"
        )
        for attachment in attachments.iterator():
            checked += 1
            try:
                with attachment.file.open("rb") as stored:
                    problem = uploads.pdf_problem(stored.read())
            except FileNotFoundError:
                problem = "ファイルが見つかりません。"
            if problem:
                found += 1
                self.stdout.write(
                    f"{attachment.meeting} [{attachment.meeting.get_status_display()}]"
                    f" 添付「{attachment.label}」(id={attachment.pk}): {problem}"
                )
        summary = f"添付ファイル{checked}件を確認し、{found}件に問題がありました。"
        if found:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))
