"""Demo data: the 2022-06-20 seed meeting in full and a few meetings of other shapes.

Each meeting is a layout dict (the importer's schema), created through the same
service as imported pages. Public ids are fixed so that ``load_demo`` is idempotent.
"""

# ruff: noqa: E501

SEED_PUBLIC_ID = "5eed0000-2022-4620-8000-000000000001"

SEED_SECTIONS = [
    {
        "kind": "explanation",
        "speaker": "医療政策課",
        "group": "main",
        "items": [
            {
                "marker": "・",
                "text": "昨日、「鳴門山上病院」において、「サイバー攻撃事案」が発生。",
                "children": [],
            },
            {
                "marker": "・",
                "text": "昨日の17:40分頃、病院内のネットワークプリンタから大量の用紙が印刷されるとともに、各端末のパソコンが、自動的に再起動され、その後、「電子カルテシステムが使用不能」となった。警察の立入調査やシステム業者の調査が行われた結果、「ランサムウェア」に感染していることが判明。",
                "children": [],
            },
            {
                "marker": "・",
                "text": "現在も、システム業者において、感染経路等についての調査が継続されるとともに、バックアップデータの復旧作業が行われているところ。",
                "children": [],
            },
            {
                "marker": "・",
                "text": "当病院の診療体制については、入院中の患者の診療・ケアはほぼ通常どおり対応し、外来診療については、受付業務や処方等に支障がでるため、本日の診療は、再来患者に限定しているところ。",
                "children": [],
            },
            {
                "marker": "・",
                "text": "本日、県から、県内全医療機関に対し「注意喚起文書」を発出したところ。",
                "children": [],
            },
            {
                "marker": "・",
                "text": "引き続き、事案の原因究明、支援等のため、鳴門山上病院と連携を密にし、対応することとしており、関係部局の皆様にも、ご理解・ご協力をお願いする。",
                "children": [],
            },
        ],
    },
    {
        "kind": "explanation",
        "speaker": "警察本部",
        "group": "main",
        "items": [
            {
                "marker": "・",
                "text": "国内外において、ランサムウェアの感染が相次いで確認されている。",
                "children": [],
            },
            {
                "marker": "・",
                "text": "各医療機関においては、定期的なデータのバックアップやネットワークから切り離したバックアップデータの保管、市販のウイルス対策ソフトを活用するなどして十分な予防対策を講じていただきたい。",
                "children": [],
            },
            {
                "marker": "・",
                "text": "ネットワーク機器等の脆弱性に対し、適切なパッチ等が適用されているか、パスワード等が脆弱な設定になっていないか、管理を業者任せにしていないか等、確認していただき、改めてサイバー攻撃への対策強化をお願いする。",
                "children": [],
            },
        ],
    },
    {
        "kind": "explanation",
        "speaker": "病院局総務課",
        "group": "main",
        "items": [
            {
                "marker": "・",
                "text": "県立病院では平成30年度に電子カルテシステムや各種検査システムを病院総合情報システムに統合し、セキュリティ機能を強化しており、これまでサイバー攻撃の被害を受けていない。",
                "children": [],
            },
            {
                "marker": "・",
                "text": "昨年度の半田病院の事案を受けた対応として、システムのウイルスチェックや機器の脆弱性がないことなどの把握を行うとともに、外部から病院システムへのアクセス経路、インターネットVPNの統合、未知のウイルスに対応した振る舞い検知機能の追加、USBメディア管理ソフトの導入等の対応を行ったところ。",
                "children": [],
            },
            {
                "marker": "・",
                "text": "今年度においても、医療情報システムの安全管理に関するガイドラインに沿って、ランサムウェアに対応した「バックアップ対策」や「非常時と判断する基準」や「マニュアルの整備」など、必要なセキュリティ体制の整備を進めているところ。",
                "children": [],
            },
            {
                "marker": "・",
                "text": "今後も、病院の関係者やシステムの保守業者と情報を共有しながら、適正な管理を行う。",
                "children": [],
            },
        ],
    },
    {
        "kind": "explanation",
        "speaker": "スマート県庁推進課",
        "group": "main",
        "items": [
            {
                "marker": "・",
                "text": "ランサムウェア対策について、重層的に対策を講じている。",
                "children": [],
            },
            {
                "marker": "・",
                "text": "具体的には、外部と接続しているインターネット環境は、行政内部のネットワークから切り離して運用し、内部のデータに影響を与えない仕組みを構築済み。",
                "children": [],
            },
            {
                "marker": "・",
                "text": "行政事務用PC については、「振る舞い検知型」という最新のセキュリティソフトや、登録されていないUSB メモリを使用できない仕組みを導入済み。",
                "children": [],
            },
            {
                "marker": "・",
                "text": "万が一、ランサムウェアに感染し、データが暗号化されて読めなくなった場合でも、厳重なバックアップ体制を講じているため、早期の復旧が可能。",
                "children": [],
            },
            {
                "marker": "・",
                "text": "まずは、システムの重層的な対策を適切に運用するとともに、不審なメールを開かないなど、基本的な情報セキュリティ対策について、職員への研修などを通じて徹底している。",
                "children": [],
            },
            {
                "marker": "・",
                "text": "インシデントが発生した場合の統一的な窓口として、CSIRT(シーサート)を設置し、セキュリティリスクを低減する取組等を行っている。",
                "children": [],
            },
            {
                "marker": "・",
                "text": "また、セキュリティ攻撃による機能停止等を想定した、事業継続計画も策定している。",
                "children": [],
            },
            {
                "marker": "・",
                "text": "全庁のネットワーク運用は、セキュリティに詳しい電気通信事業者のネットワーク技術者が常駐して対応するなど、しっかりとした対応をしている。",
                "children": [],
            },
            {
                "marker": "・",
                "text": "今後ともシステムの運用については、セキュリティ対策を十分に考慮した上で、運用して参る。",
                "children": [],
            },
        ],
    },
    {
        "kind": "directive",
        "speaker": "危機管理環境部副部長",
        "recipients": "各部局",
        "group": "main",
        "items": [
            {
                "marker": "・",
                "text": "鳴門山上病院が、昨日のランサムウェアによる攻撃より、医療情報システムが使用できなくなっており、県民生活への影響を最小化させるため、病院をしっかりとサポートすること。",
                "children": [],
            },
            {
                "marker": "・",
                "text": "各部局において、所管しているシステムのセキュリティ対策を再確認し、その際、半田病院の事案についての報告書も参考にして、ランサムウェアに対する警戒を図ること。",
                "children": [],
            },
            {
                "marker": "・",
                "text": "システムが利用できなくなる事案は災害時に起こることも想定されるため、万一の情報システムの停止を想定し、BCP "
                "の確認、データの安全なバックアップ及びバックアップからの復旧手順の確認を行うこと。",
                "children": [],
            },
            {
                "marker": "・",
                "text": "これらについて、市町村を始め、公的サービスを担う関係団体に対しても、同様の周知、注意喚起を行うこと。",
                "children": [],
            },
        ],
    },
    {
        "kind": "explanation",
        "speaker": "畜産振興課",
        "group": "other_reports",
        "items": [
            {
                "marker": "・",
                "text": "昨日、環境省が、北海道等全ての「野鳥監視重点区域」を解除し、併せて、野鳥サーベイランス全国対応レベルを「対応レベル2」から「対応レベル1」に引き下げた。",
                "children": [],
            },
            {
                "marker": "・",
                "text": "これを受け、本県で設定している「鳥インフルエンザ・とくしまアラート」の発動レベルを「ステージⅡ(感染拡大注意報)」から、「平常時(感染観察)」に引き下げる。",
                "children": [],
            },
        ],
    },
]

SEED = {
    "public_id": SEED_PUBLIC_ID,
    "meeting_type": "危機管理連絡会議",
    "title": "危機管理連絡会議の開催結果について(令和4年6月20日)",
    "held_on": "2022-06-20",
    "published_on": "2022-06-20",
    "start_time": "17:30",
    "end_time": "17:45",
    "mode": "in_person",
    "location": "万代庁舎3階特別会議室",
    "lead": "以下のとおり,危機管理連絡会議を開催いたしましたので,お知らせいたします。",
    "separator": ",",
    "attendees": [
        "危機管理環境部副部長",
        "危機管理環境部次長",
        "危機管理政策課長",
        "医療政策課長",
        "警察本部生活安全部生活環境課サイバー犯罪対策官",
    ],
    "attendee_tail": "各部局主管課副課長など",
    "attendee_total": 22,
    "attendee_unit": "名",
    "agenda": ["「県内医療機関でのサイバー攻撃事案の発生」について"],
    "agenda_markers": [""],
    "sections": SEED_SECTIONS,
    "contact": {"name": "危機管理政策課", "phone": "088-621-2280"},
    "status": "published",
    "material_label": "危機管理連絡会議 会議資料(R4.6.20)",
}

KIKI_KANRI_2021 = {
    "public_id": "5eed0000-2021-4c28-8000-000000000002",
    "meeting_type": "危機管理会議",
    "held_on": "2021-12-28",
    "published_on": "2021-12-28",
    "start_time": "13:15",
    "end_time": "13:30",
    "location": "県庁4階 403会議室",
    "lead": "以下のとおり,危機管理会議を開催いたしましたので,お知らせいたします。",
    "attendees": ["政策監", "危機管理環境部長"],
    "attendee_tail": "各部局主管課長など",
    "attendee_total": 20,
    "agenda": [
        "年末年始の危機事象対応について",
        "「鳥インフルエンザ」の防疫対策について",
    ],
    "agenda_markers": ["(1)", "(2)"],
    "sections": [
        {
            "kind": "report",
            "speaker": "危機管理環境部",
            "topic": "年末年始の危機事象対応について",
            "topic_heading": True,
            "group": "main",
            "agenda_index": 0,
            "items": [
                {
                    "marker": "・",
                    "text": "年末年始における新型コロナウイルスの感染防止対策として、県民の皆様に、基本的な感染防止対策を改めて徹底していただくことをお願いしている。",
                    "children": [],
                },
                {
                    "marker": "・",
                    "text": "あらゆる自然災害に備える必要があり、各部局における、雪害等への即応体制の確保をお願いしたい。",
                    "children": [],
                },
            ],
        },
        {
            "kind": "explanation",
            "speaker": "畜産振興課",
            "topic": "「鳥インフルエンザ」の防疫対策について",
            "topic_heading": True,
            "group": "main",
            "agenda_index": 1,
            "items": [
                {
                    "marker": "○",
                    "text": "当該農場の概要",
                    "children": [
                        {
                            "marker": "・",
                            "text": "所在地:香川県東かがわ市",
                            "children": [],
                        },
                        {
                            "marker": "・",
                            "text": "飼養羽数:約4万羽(採卵鶏)",
                            "children": [
                                {
                                    "marker": "①",
                                    "text": "殺処分は12月27日に完了",
                                    "children": [],
                                },
                            ],
                        },
                    ],
                },
                {
                    "marker": "○",
                    "text": "本県の対応",
                    "children": [
                        {
                            "marker": "・",
                            "text": "県内全養鶏農家(約600戸)へ消毒の徹底を指導。",
                            "children": [],
                        },
                    ],
                },
            ],
        },
        {
            "kind": "directive",
            "speaker": "政策監",
            "recipients": "各部局",
            "group": "main",
            "items": [
                {
                    "marker": "・",
                    "text": "年末年始であっても、危機事象の発生に備え、連絡体制を確実に確保すること。",
                    "children": [],
                },
            ],
        },
    ],
    "contact": {
        "name": "危機管理政策課",
        "phone": "088-621-2280",
        "fax": "088-621-2849",
        "email": "kikikanriseisakuka@pref.tokushima.lg.jp",
    },
    "status": "published",
}

AVIAN_LATE_NIGHT = {
    "public_id": "5eed0000-2023-4111-8000-000000000003",
    "meeting_type": "危機管理会議",
    "held_on": "2023-01-10",
    "published_on": "2023-01-11",
    "start_time": "23:30",
    "end_time": "00:15",
    "end_next_day": True,
    "location": "県庁3階 防災危機管理センター",
    "lead": "以下のとおり,危機管理会議を開催いたしましたので,お知らせいたします。",
    "attendees": ["知事", "副知事", "政策監", "農林水産部長", "(南部総合県民局長)"],
    "attendee_details": [
        {"role": "知事", "remote": False, "outside": False},
        {"role": "副知事", "remote": False, "outside": False},
        {"role": "政策監", "remote": False, "outside": False},
        {"role": "農林水産部長", "remote": False, "outside": False},
        {"role": "南部総合県民局長", "remote": True, "outside": False},
        {"role": "徳島地方気象台", "remote": False, "outside": True},
    ],
    "attendee_tail": "各部局長など",
    "attendee_total": 23,
    "attendee_remote": 2,
    "agenda": ["県内における高病原性鳥インフルエンザ疑い事例の発生について"],
    "sections": [
        {
            "kind": "explanation",
            "speaker": "畜産振興課",
            "group": "main",
            "items": [
                {
                    "marker": "・",
                    "text": "本日22時、県内の養鶏農場において高病原性鳥インフルエンザの疑い事例が確認された。",
                    "children": [],
                },
                {
                    "marker": "・",
                    "text": "遺伝子検査の結果は明朝判明する見込み。",
                    "children": [],
                },
            ],
        },
        {
            "kind": "directive",
            "speaker": "知事",
            "recipients": "各部局",
            "group": "main",
            "items": [
                {
                    "marker": "・",
                    "text": "陽性が確定した場合に備え、殺処分・埋却に必要な動員体制を直ちに整えること。",
                    "children": [],
                },
            ],
        },
    ],
    "contact": {"name": "危機管理政策課", "phone": "088-621-2280"},
    "status": "published",
}

SAIGAI_HONBU_REVIEW = {
    "public_id": "5eed0000-2022-4c23-8000-000000000004",
    "meeting_type": "災害対策本部会議",
    "session_number": 1,
    "title": "災害対策本部会議(第1回)の開催について",
    "held_on": "2022-12-23",
    "published_on": "2022-12-23",
    "start_time": "13:30",
    "end_time": None,
    "location": "県庁3階 防災危機管理センター",
    "lead": "徳島県下に発表されている大雪警報について、本県への大きな影響が予想されていることから、県では配備体制を、災害対策連絡本部から災害対策本部へ移行し、以下のとおり第1回災害対策本部会議を開催しました。",
    "separator": "、",
    "attendees": [
        "知事(本部長)",
        "副知事",
        "政策監",
        "警察本部長",
        "政策監補兼危機管理環境部長",
        "徳島地方気象台",
        "四国電力(株)",
    ],
    "attendee_total": 25,
    "agenda": ["大雪への対応について"],
    "sections": [
        {
            "kind": "report",
            "speaker": "徳島地方気象台",
            "topic": "気象の状況",
            "topic_heading": True,
            "group": "main",
            "items": [],
        },
        {
            "kind": "report",
            "speaker": "県各部局長",
            "topic": "県内の状況",
            "topic_heading": True,
            "group": "main",
            "items": [],
        },
        {
            "kind": "directive",
            "speaker": "本部長",
            "heading": "本部長指示(要旨)",
            "group": "main",
            "items": [
                {
                    "marker": "○",
                    "text": "まず1点目、県民の皆様に対しては、大雪による積雪や路面凍結により、車や歩行者の皆様は十分注意していただきたい。",
                    "children": [],
                },
                {
                    "marker": "○",
                    "text": "次に2点目、雪による集落の孤立や停電等でライフラインが途絶した場合に備えること。",
                    "children": [],
                },
            ],
        },
    ],
    "contact": {"name": "危機管理政策課", "phone": "088-621-2280"},
    "status": "review",
}

DRAFT_2025 = {
    "public_id": "5eed0000-2025-4423-8000-000000000005",
    "meeting_type": "危機管理連絡会議",
    "held_on": "2025-04-23",
    "start_time": "13:30",
    "end_time": "13:45",
    "location": "万代庁舎3階特別会議室",
    "lead": "以下のとおり、危機管理連絡会議を開催しましたので、お知らせいたします。",
    "separator": "、",
    "attendees": [
        "危機管理部副部長",
        "保健福祉部地域保健統括官",
        "危機管理部次長",
        "感染症対策課長",
        "健康寿命推進課副課長",
    ],
    "attendee_tail": "各部局主管課副課長など",
    "attendee_total": 21,
    "agenda": [
        "「熱中症に関する注意喚起」について",
        "「SFTS(重症熱性血小板減少症候群)に関する注意喚起」について",
        "「大型連休における危機管理体制の確保」について",
    ],
    "agenda_markers": ["○", "○", "○"],
    "sections": [
        {
            "kind": "explanation",
            "speaker": "健康寿命推進課",
            "group": "main",
            "agenda_index": 0,
            "items": [
                {
                    "marker": "・",
                    "text": "気象庁の発表する予報において、平年より暑くなると予想。",
                    "children": [],
                },
                {
                    "marker": "・",
                    "text": "県内で「熱中症警戒情報」等が発表された場合、県公式LINE等でタイムリーな「情報発信」を行う。",
                    "children": [],
                },
            ],
        },
        {
            "kind": "explanation",
            "speaker": "感染症対策課",
            "group": "main",
            "agenda_index": 1,
            "items": [
                {
                    "marker": "・",
                    "text": "「SFTS」は、SFTSウイルスを保有するマダニに咬まれることで感染する。",
                    "children": [],
                },
            ],
        },
    ],
    "contact": {"name": "危機管理政策課", "phone": "088-621-2280"},
    "status": "draft",
}

MEETINGS = [SEED, KIKI_KANRI_2021, AVIAN_LATE_NIGHT, SAIGAI_HONBU_REVIEW, DRAFT_2025]

MEETING_TYPES = [
    # name, slug, tier, chair, venue
    (
        "危機管理連絡会議",
        "renraku-kaigi",
        1,
        "危機管理部副部長",
        "万代庁舎3階特別会議室",
    ),
    ("危機管理会議", "kiki-kanri-kaigi", 2, "政策監", "県庁4階 403会議室"),
    (
        "危機管理対策本部会議",
        "taisaku-honbu",
        3,
        "知事",
        "県庁3階 防災危機管理センター",
    ),
    (
        "災害対策本部会議",
        "saigai-honbu",
        4,
        "知事(本部長)",
        "県庁3階 防災危機管理センター",
    ),
]

ORGANISATIONS = [
    # name, kind, valid_from, valid_until, aliases
    ("危機管理部", "department", None, "2020-03-31", []),
    ("危機管理環境部", "department", "2020-04-01", "2024-03-31", []),
    ("危機管理部", "department", "2024-04-01", None, []),
    ("危機管理政策課", "division", None, None, []),
    ("医療政策課", "division", None, None, []),
    ("病院局総務課", "division", None, None, []),
    ("スマート県庁推進課", "division", None, None, []),
    ("畜産振興課", "division", None, None, []),
    ("感染症対策課", "division", None, None, []),
    ("健康づくり課", "division", None, "2023-03-31", []),
    ("健康寿命推進課", "division", "2023-04-01", None, []),
    ("警察本部", "outside", None, None, ["県警察本部"]),
    ("徳島地方気象台", "outside", None, None, ["気象台"]),
    ("危機管理環境部副部長", "post", "2020-04-01", "2024-03-31", []),
    ("政策監", "post", None, None, []),
    ("知事", "post", None, None, ["本部長"]),
]

RENAMED = [
    # name, valid_from, successor, its valid_from
    ("危機管理部", None, "危機管理環境部", "2020-04-01"),
    ("危機管理環境部", "2020-04-01", "危機管理部", "2024-04-01"),
]

VENUES = [
    # name, building, aliases
    ("万代庁舎3階特別会議室", "万代庁舎", ["県庁3階特別会議室"]),
    ("県庁4階 403会議室", "県庁", []),
    ("県庁3階 防災危機管理センター", "県庁", ["万代庁舎3階 防災危機管理センター"]),
]
