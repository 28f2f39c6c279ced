"""Search queries: the syntax a clerk expects, and the expansions the search adds.

Syntax: words separated by spaces must all match (AND); ``A OR B`` matches either;
``-word`` excludes meetings that hold the word; ``"two words"`` is a phrase, matched
as written (after normalisation) and never expanded.

Expansions (``Thesaurus``): each word that is a member of a synonym group an admin
keeps (``SearchSynonym``) also matches the group's other members; an organisation's
other names match too, but only in meetings held while the organisation bore that
name (危機管理部 finds 危機管理環境部 in meetings of 2020-04-01 to 2024-03-31). Related
words (大雨 → 豪雨) are added only when the reader asks. The reader can turn all
expansions off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from meetings.search.text import normalize

MIN_TERM_LENGTH = 2
MAX_TERMS = 8
MAX_QUERY_LENGTH = 100
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_QUOTES = str.maketrans({"“": '"', "”": '"', "＂": '"', "「": '"', "」": '"'})
OR_WORDS = {"OR", "|", "ＯＲ", "｜"}


@dataclass(frozen=True)
class Alternative:
    """One way a word may be written in a matching document."""

    term: str  # folded
    label: str  # as shown to the reader
    start: date | None = None  # only in meetings held in [start, end]
    end: date | None = None
    kind: str = "query"  # query, equal, related, organisation

    @property
    def dated(self) -> bool:
        return self.start is not None or self.end is not None


@dataclass
class Word:
    """A word of the query with everything it matches."""

    label: str
    phrase: bool = False
    alternatives: list[Alternative] = field(default_factory=list)

    @property
    def expansions(self) -> list[Alternative]:
        return [a for a in self.alternatives if a.kind != "query"]


@dataclass
class Query:
    raw: str
    clauses: list[list[Word]] = field(default_factory=list)  # AND of ORs
    excluded: list[Word] = field(default_factory=list)
    error: str = ""
    expand: bool = True
    related: bool = False
    # Related words the reader could add (shown as an offer when not used).
    related_offers: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.clauses) and not self.error

    @property
    def words(self) -> list[Word]:
        return [word for clause in self.clauses for word in clause]

    @property
    def expanded_words(self) -> list[Word]:
        return [word for word in self.words + self.excluded if word.expansions]

    @property
    def terms(self) -> list[str]:
        """Every folded term to highlight."""
        return list(
            dict.fromkeys(a.term for word in self.words for a in word.alternatives)
        )


def _tokens(raw: str) -> list[tuple[str, bool, bool]]:
    """(text, negated, phrase) for each token; ``OR`` stays a token."""
    out = []
    for match in _TOKEN.finditer(raw.translate(_QUOTES)):
        negated, quoted, bare = match.groups()
        if bare is None:
            out.append((quoted.strip(), bool(negated), True))
        elif bare.startswith(("-", "－")) and len(bare) > 1:
            out.append((bare[1:], True, False))
        else:
            out.append((bare, False, False))
    return [token for token in out if token[0]]


def parse_query(
    raw: str,
    *,
    expand: bool = True,
    related: bool = False,
    thesaurus: Thesaurus | None = None,
) -> Query:
    raw = (raw or "").strip()[:MAX_QUERY_LENGTH]
    query = Query(raw, expand=expand, related=related)
    if not raw:
        return query
    pending_or = False
    for text, negated, phrase in _tokens(raw):
        if text in OR_WORDS and not phrase:
            pending_or = bool(query.clauses)
            continue
        word = Word(
            text, phrase=phrase, alternatives=[Alternative(normalize(text), text)]
        )
        if negated:
            query.excluded.append(word)
        elif pending_or:
            query.clauses[-1].append(word)
        else:
            query.clauses.append([word])
        pending_or = False
    words = query.words + query.excluded
    if any(len(w.alternatives[0].term.strip()) < MIN_TERM_LENGTH for w in words):
        query.error = f"{MIN_TERM_LENGTH}文字以上の語句で検索してください。"
    elif len(words) > MAX_TERMS:
        query.error = f"語句は{MAX_TERMS}つまでにしてください。"
    elif not query.clauses:
        query.error = "除く語句(-)のほかに、探す語句を入力してください。"
    if thesaurus is not None and not query.error:
        thesaurus.expand(query)
    return query


# ---------------------------------------------------------------------------
# Thesaurus
# ---------------------------------------------------------------------------


@dataclass
class Thesaurus:
    """Synonym groups and organisation names, keyed by folded term."""

    equal: dict[str, list[list[tuple[str, str]]]] = field(default_factory=dict)
    related: dict[str, list[list[tuple[str, str]]]] = field(default_factory=dict)
    # folded name → other names of the same organisation with their periods
    organisations: dict[str, list[Alternative]] = field(default_factory=dict)

    def expand(self, query: Query) -> None:
        offers: list[str] = []
        for word in query.words + query.excluded:
            if word.phrase:
                continue
            term = word.alternatives[0].term
            added: list[Alternative] = []
            if query.expand:
                for group in self.equal.get(term, []):
                    added += [
                        Alternative(folded, label, kind="equal")
                        for label, folded in group
                        if folded != term
                    ]
                added += [a for a in self.organisations.get(term, []) if a.term != term]
            for group in self.related.get(term, []):
                members = [(lbl, f) for lbl, f in group if f != term]
                if query.related and query.expand:
                    added += [Alternative(f, lbl, kind="related") for lbl, f in members]
                else:
                    offers += [lbl for lbl, _ in members]
            word.alternatives += _distinct(word.alternatives, added)
        query.related_offers = list(dict.fromkeys(offers))


def _distinct(have: list[Alternative], added: list[Alternative]) -> list[Alternative]:
    seen = {(a.term, a.start, a.end) for a in have}
    out = []
    for alternative in added:
        key = (alternative.term, alternative.start, alternative.end)
        if key not in seen and len(alternative.term) >= MIN_TERM_LENGTH:
            seen.add(key)
            out.append(alternative)
    return out


def matching_alternatives(word: Word) -> list[Alternative]:
    """The alternatives a search must test: one that holds an undated shorter one
    adds nothing (鳥インフル already matches 高病原性鳥インフルエンザ)."""
    undated = [a.term for a in word.alternatives if not a.dated]
    out: list[Alternative] = []
    for alternative in word.alternatives:
        if any(
            other != alternative.term and other in alternative.term for other in undated
        ):
            continue
        if any(
            (a.term, a.start, a.end)
            == (alternative.term, alternative.start, alternative.end)
            for a in out
        ):
            continue
        if alternative.dated and alternative.term in undated:
            continue
        out.append(alternative)
    return out


def build_thesaurus() -> Thesaurus:
    """Read the synonym groups and organisation names (two or three queries)."""
    from meetings.models import Organisation, OrganisationAlias, SearchSynonym

    thesaurus = Thesaurus()
    for synonym in SearchSynonym.objects.filter(is_active=True).only(
        "relation", "terms"
    ):
        members = [(label, normalize(label)) for label in synonym.term_list()]
        members = list({folded: (label, folded) for label, folded in members}.values())
        if len(members) < 2:
            continue
        target = (
            thesaurus.equal
            if synonym.relation == SearchSynonym.Relation.EQUAL
            else thesaurus.related
        )
        for _, folded in members:
            target.setdefault(folded, []).append(members)

    organisations = {
        org.pk: org
        for org in Organisation.objects.only(
            "name", "valid_from", "valid_until", "successor_id"
        )
    }
    aliases: dict[int, list[OrganisationAlias]] = {}
    for alias in OrganisationAlias.objects.only(
        "organisation_id", "name", "valid_from", "valid_until"
    ):
        aliases.setdefault(alias.organisation_id, []).append(alias)
    # Lineages: organisations joined by "successor" (renamed), as components.
    parent = {pk: pk for pk in organisations}

    def root(pk: int) -> int:
        while parent[pk] != pk:
            parent[pk] = parent[parent[pk]]
            pk = parent[pk]
        return pk

    for org in organisations.values():
        if org.successor_id in organisations:
            parent[root(org.pk)] = root(org.successor_id)
    lineages: dict[int, list[Alternative]] = {}
    for org in organisations.values():
        names = lineages.setdefault(root(org.pk), [])
        names.append(
            Alternative(
                normalize(org.name),
                org.name,
                org.valid_from,
                org.valid_until,
                "organisation",
            )
        )
        for alias in aliases.get(org.pk, []):
            names.append(
                Alternative(
                    normalize(alias.name),
                    alias.name,
                    alias.valid_from or org.valid_from,
                    alias.valid_until or org.valid_until,
                    "organisation",
                )
            )
    for names in lineages.values():
        if len({a.term for a in names}) < 2:
            continue
        for alternative in names:
            others = [a for a in names if a.term != alternative.term]
            thesaurus.organisations.setdefault(alternative.term, []).extend(others)
    return thesaurus
