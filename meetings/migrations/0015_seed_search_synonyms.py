"""Data: the crisis vocabulary the public search starts with (admins edit it in
the admin under 検索の同義語・関連語). Equal groups are always searched together;
related groups are offered to the reader and searched only when asked."""

from django.db import migrations

EQUAL = [
    ("鳥インフルエンザ", "鳥インフル", "高病原性鳥インフルエンザ", "HPAI"),
    (
        "新型コロナ",
        "新型コロナウイルス",
        "新型コロナウイルス感染症",
        "COVID-19",
        "コロナ",
    ),
    ("新型インフルエンザ", "新型インフル"),
    ("豚熱", "CSF", "豚コレラ"),
    ("アフリカ豚熱", "ASF"),
    ("口蹄疫", "FMD"),
    ("エムポックス", "サル痘"),
    ("南海トラフ", "南海トラフ地震", "南海トラフ巨大地震"),
    ("ランサムウェア", "ランサム"),
    ("Jアラート", "全国瞬時警報システム"),
    ("BCP", "業務継続計画", "事業継続計画"),
    ("DMAT", "災害派遣医療チーム"),
    ("熱中症警戒アラート", "熱中症特別警戒アラート"),
]
RELATED = [
    ("大雨", "豪雨", "集中豪雨", "線状降水帯"),
    ("台風", "暴風", "高潮"),
    ("地震", "震災", "津波"),
    ("土砂災害", "土砂崩れ", "がけ崩れ"),
    ("サイバー攻撃", "不正アクセス", "ランサムウェア"),
    ("停電", "電力供給"),
    ("断水", "給水"),
    ("避難指示", "避難勧告", "緊急安全確保"),
    ("弾道ミサイル", "ミサイル発射", "Jアラート"),
]


def seed(apps, schema_editor):
    SearchSynonym = apps.get_model("meetings", "SearchSynonym")
    for relation, groups in (("equal", EQUAL), ("related", RELATED)):
        for terms in groups:
            text = "\n".join(terms)
            if not SearchSynonym.objects.filter(terms=text).exists():
                SearchSynonym.objects.create(relation=relation, terms=text)


def unseed(apps, schema_editor):
    SearchSynonym = apps.get_model("meetings", "SearchSynonym")
    texts = ["\n".join(terms) for terms in EQUAL + RELATED]
    SearchSynonym.objects.filter(terms__in=texts).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0014_search_index_and_backfill"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
