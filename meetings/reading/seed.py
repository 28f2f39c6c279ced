"""Readings the table starts with (migration 0002): the organisations and venues
of the seed data (meetings.demo_data) and Tokushima's place names, which a general
dictionary reads wrongly or not at all (万代庁舎 is not もずちょうしゃ). An admin
edits them under 読みがなの登録."""

from typing import Any

ORGANISATIONS = {
    "危機管理部": "ききかんりぶ",
    "危機管理環境部": "ききかんりかんきょうぶ",
    "危機管理政策課": "ききかんりせいさくか",
    "医療政策課": "いりょうせいさくか",
    "病院局総務課": "びょういんきょくそうむか",
    "病院局": "びょういんきょく",
    "スマート県庁推進課": "すまーとけんちょうすいしんか",
    "畜産振興課": "ちくさんしんこうか",
    "感染症対策課": "かんせんしょうたいさくか",
    "健康づくり課": "けんこうづくりか",
    "健康寿命推進課": "けんこうじゅみょうすいしんか",
    "警察本部": "けいさつほんぶ",
    "県警察本部": "けんけいさつほんぶ",
    "徳島地方気象台": "とくしまちほうきしょうだい",
    "気象台": "きしょうだい",
    "政策監": "せいさくかん",
    "副部長": "ふくぶちょう",
    "主管課": "しゅかんか",
    "本部長": "ほんぶちょう",
    "知事": "ちじ",
}
VENUES = {
    "万代庁舎": "ばんだいちょうしゃ",
    "県庁": "けんちょう",
    "特別会議室": "とくべつかいぎしつ",
    "防災危機管理センター": "ぼうさいききかんりせんたー",
}
PLACES = {
    "徳島県": "とくしまけん",
    "徳島市": "とくしまし",
    "鳴門市": "なるとし",
    "小松島市": "こまつしまし",
    "阿南市": "あなんし",
    "吉野川市": "よしのがわし",
    "阿波市": "あわし",
    "美馬市": "みまし",
    "三好市": "みよしし",
    "勝浦町": "かつうらちょう",
    "上勝町": "かみかつちょう",
    "佐那河内村": "さなごうちそん",
    "石井町": "いしいちょう",
    "神山町": "かみやまちょう",
    "那賀町": "なかちょう",
    "牟岐町": "むぎちょう",
    "美波町": "みなみちょう",
    "海陽町": "かいようちょう",
    "松茂町": "まつしげちょう",
    "北島町": "きたじまちょう",
    "藍住町": "あいずみちょう",
    "板野町": "いたのちょう",
    "上板町": "かみいたちょう",
    "東みよし町": "ひがしみよしちょう",
    "徳島": "とくしま",
    "鳴門": "なると",
    "勝浦": "かつうら",
    "上板": "かみいた",
    "上勝": "かみかつ",
    "佐那河内": "さなごうち",
    "那賀": "なか",
    "牟岐": "むぎ",
    "海陽": "かいよう",
    "阿南": "あなん",
    "美馬": "みま",
    "藍住": "あいずみ",
    "板野": "いたの",
    "松茂": "まつしげ",
    "吉野川": "よしのがわ",
    "小松島": "こまつしま",
    "眉山": "びざん",
    "剣山": "つるぎさん",
}
SEED = {**ORGANISATIONS, **VENUES, **PLACES}


def ensure_seeded(model: Any = None) -> int:
    """Add the seed readings that are missing (never changes an admin's row);
    how many were added. Migration 0002 passes its historical model."""
    if model is None:
        from meetings.reading.models import ReadingOverride as model
    added = 0
    for note, table in (("組織", ORGANISATIONS), ("会場", VENUES), ("地名", PLACES)):
        for surface, reading in table.items():
            _, created = model.objects.get_or_create(
                surface=surface, defaults={"reading": reading, "note": note}
            )
            added += created
    return added
