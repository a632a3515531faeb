"""The biographic matching model: blocking rules and weighted comparators, as one table.

Both sides of a pair (a person screened, one name of a watchlist entry) are first *prepared*
into the same columns (see ``PREPARED_COLUMNS``): the name's tokens folded to ASCII (any
script, through ICU) and their metaphone codes, the parts of the date of birth that are known,
nationalities and document numbers. A pair's score is a Fellegi-Sunter match weight: the prior
log-odds that two records name the same person, plus, for each comparator, log2(m/u) of the
first level the pair meets, where m is the chance of that level for records of one person and
u its chance for records of two different people. The level names and weights a pair earned
are its explanation.

The table is the single source of truth: ``liaison.adapters.linkage`` turns it into Splink
settings for re-screening campaigns (DuckDB, or Spark at national scale) and into one SQL
query for screening a single encounter, so a person gets the same score either way.

m and u are fixed numbers, not trained at run time, fitted on a synthetic docket and list of
full size (seed 3: 2,370,000 people, 1,000,000 entries; the README's figures are on seed 2)
by ``python -m bench.fit_weights`` and ``python -m bench.fit_name_rarity``, then rounded:

* u (how often two *different* people meet a level) by Splink's random sampling of 100 million
  docket x list name pairs; a level no sampled pair met keeps a bound (document: 1e-8);
* m (how often records of *one* person do) as the share of planted true pairs at the level
  (the best-scoring pair of names of each);
* nationality's u among strangers whose names sound alike, not at random: a nationality
  follows the name's origin (54% of such strangers share one, against 2.5% of random pairs),
  and only pairs whose names agree are ever scored;
* name rarity: see ``_rarity_levels``.

Earlier tables counted u conditionally on a level's field being present (a list date of
year only: 2.2% of strangers' years agree), which under-weighs a year-only date: over all
pairs that level is met by 0.37% of strangers and 12.6% of true pairs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = [
    "BLOCKING_RULES",
    "CASE_THRESHOLD",
    "COMPARATORS",
    "PREPARED_COLUMNS",
    "PRIOR_PROBABILITY",
    "PRIOR_WEIGHT",
    "RARITY_EDGES",
    "SHARED_BITS_EDGES",
    "BlockingRule",
    "Comparator",
    "Level",
    "per_million",
    "probability",
    "rarity_bucket_sql",
    "rarity_labels",
    "shared_bits_sql",
    "shared_word_labels",
]


@dataclass(frozen=True)
class Level:
    """One level of a comparator: its SQL condition over ``<column>_l`` / ``<column>_r``."""

    label: str
    sql: str
    m: float = 1.0
    u: float = 1.0
    null: bool = False  # a missing value: weight 0, neither for nor against

    @property
    def weight(self) -> float:
        return 0.0 if self.null else math.log2(self.m / self.u)


@dataclass(frozen=True)
class Comparator:
    name: str
    description: str  # published as the feature's explanation
    levels: tuple[Level, ...]  # the first level a pair meets is its level; the last is "ELSE"

    def level_of_weight(self, weight: float) -> Level:
        """The level that adds ``weight`` (Splink reports a pair's weight per comparator; the
        weights of one comparator's levels are distinct, which a test checks)."""
        return min(self.levels, key=lambda level: abs(level.weight - weight))

    def case_sql(self) -> str:
        """A SQL CASE giving the level's index in ``levels`` (for screening one encounter)."""
        arms = [
            f"ELSE {i}" if level.sql == "ELSE" else f"WHEN {level.sql} THEN {i}"
            for i, level in enumerate(self.levels)
        ]
        return "CASE " + " ".join(arms) + " END"


# The columns every prepared record has (people screened and list entries alike).
PREPARED_COLUMNS = (
    "name_norm",  # ASCII tokens in the order written, space-joined
    "name_sorted",  # the same tokens sorted (word order ignored)
    "name_phon",  # the tokens' metaphone codes, sorted
    "phons",  # list of the metaphone codes
    "first_phon",  # metaphone of the first token (usually a given name)
    "last_phon",  # metaphone of the last token (usually a family name)
    "pair_key",  # first and last codes in sorted order: robust to swapped name order
    "dob_y",
    "dob_m",
    "dob_d",  # the parts of the date of birth that are known (NULL where not)
    "nats",  # nationalities (ISO alpha-2)
    "docs",  # document numbers, upper-case letters and digits only
    "doc_first",  # the first document number (a join key for blocking)
    "name_freq",  # list entries per million whose name has this name's sounds (NULL: none)
    "word_freq",  # per word of ``phons``: list entries per million with that word (the
    # person's side only; NULL on list records and where the list's word counts are unknown)
)


def _eq(column: str) -> str:
    return f'"{column}_l" = "{column}_r"'


def _long(column: str = "phons") -> str:
    """Both names have at least three words: agreement on a full name of three or more words
    is much rarer between strangers than on a two-word name."""
    return f'len("{column}_l") >= 3 AND len("{column}_r") >= 3'


# Jaro-Winkler similarity at or over which two words are "spelled alike"
WORD_ALIKE = 0.8


def _words(side: str) -> str:
    return f"string_split(\"name_norm_{side}\", ' ')"


def _alike() -> str:
    """Both names have the same number (two or more) of words, and every word of each has a
    word of the other spelled alike (Jaro-Winkler at least ``WORD_ALIKE``)."""

    def covered(a: str, b: str) -> str:
        return (
            f"list_bool_and(list_transform({_words(a)}, lambda x: list_max(list_transform("
            f"{_words(b)}, lambda y: jaro_winkler_similarity(x, y))) >= {WORD_ALIKE}))"
        )

    return (
        'len("phons_l") >= 2 AND len("phons_l") = len("phons_r") AND '
        f"{covered('l', 'r')} AND {covered('r', 'l')}"
    )


NAME = Comparator(
    "name",
    "The best agreement between the person's name and one of the entry's names.",
    (
        Level("missing", "\"name_norm_l\" = '' OR \"name_norm_r\" = ''", null=True),
        Level("exact, three or more words", f"{_eq('name_norm')} AND {_long()}", m=0.34, u=2.0e-7),
        Level("exact", _eq("name_norm"), m=0.20, u=4.0e-7),
        Level("same words, other order", _eq("name_sorted"), m=0.076, u=1.6e-7),
        # transliterations: Mohammed / Muhammad, Youssef / Yusuf, Sergei / Sergey
        Level(
            "same sounds, three or more words",
            f"{_eq('name_phon')} AND {_long()}",
            m=0.15,
            u=5.2e-7,
        ),
        Level("same sounds", _eq("name_phon"), m=0.045, u=5.2e-7),
        # transliterations the sound codes miss (Djaber / Jaber, Oualid / Walid): as many
        # words on each side, and every word spelled like one of the other's
        Level(
            "every word spelled alike, three or more words",
            f"{_alike()} AND {_long()}",
            m=0.036,
            u=2.0e-6,
        ),
        Level("every word spelled alike", _alike(), m=0.034, u=6.9e-6),
        # a middle name, second family name or link of a patronymic chain left out
        Level(
            "one name within the other",
            'len("phons_l") >= 2 AND len("phons_r") >= 2 AND '
            '(list_has_all("phons_l", "phons_r") OR list_has_all("phons_r", "phons_l"))',
            m=0.094,
            u=3.9e-5,
        ),
        Level(
            "similar spelling",
            'jaro_winkler_similarity("name_sorted_l", "name_sorted_r") >= 0.92',
            m=0.0061,
            u=1.0e-5,
        ),
        Level("first and last name sound alike", _eq("pair_key"), m=0.0034, u=9.5e-6),
        Level("different", "ELSE", m=0.0068, u=0.9999),
    ),
)

DATE_OF_BIRTH = Comparator(
    "dob",
    "Agreement of the known parts of the dates of birth (lists often know only the year).",
    (
        Level("missing", '"dob_y_l" IS NULL OR "dob_y_r" IS NULL', null=True),
        # u: 1 / (365 days x ~55 birth years)
        Level(
            "exact",
            '"dob_y_l" = "dob_y_r" AND "dob_m_l" = "dob_m_r" AND "dob_d_l" = "dob_d_r"',
            m=0.69,
            u=5.0e-5,
        ),
        Level(
            "day and month swapped",
            '"dob_y_l" = "dob_y_r" AND "dob_m_l" = "dob_d_r" AND "dob_d_l" = "dob_m_r"',
            m=0.10,
            u=1.6e-5,
        ),
        Level(
            "year and month agree, day unknown",
            '"dob_y_l" = "dob_y_r" AND "dob_m_l" = "dob_m_r" '
            'AND ("dob_d_l" IS NULL OR "dob_d_r" IS NULL)',
            m=0.083,
            u=2.0e-4,
        ),
        Level(
            "year agrees, month unknown",
            '"dob_y_l" = "dob_y_r" AND ("dob_m_l" IS NULL OR "dob_m_r" IS NULL)',
            m=0.126,
            u=3.7e-3,
        ),
        Level("different", "ELSE", m=0.001, u=0.996),
    ),
)

NATIONALITY = Comparator(
    "nationality",
    "Whether the person's nationality is one of the entry's.",
    (
        Level("missing", 'len("nats_l") = 0 OR len("nats_r") = 0', null=True),
        Level("agrees", 'list_has_any("nats_l", "nats_r")', m=0.90, u=0.54),
        Level("different", "ELSE", m=0.10, u=0.46),
    ),
)

DOCUMENT = Comparator(
    "document",
    "Whether the two records share a travel document number.",
    (
        Level("missing", 'len("docs_l") = 0 OR len("docs_r") = 0', null=True),
        Level("same number", 'list_has_any("docs_l", "docs_r")', m=0.21, u=1e-8),
        # passports are renewed: a different number is weak evidence against
        Level("different numbers", "ELSE", m=0.79, u=0.9999),
    ),
)

# How common a name is: list entries per million carrying a name with the same sounds
# (``name_phon``), bucketed at these edges (a bucket holds values up to and including its edge).
RARITY_EDGES: tuple[float, ...] = (2.0, 10.0, 50.0, 200.0, 1000.0)


def rarity_labels() -> tuple[str, ...]:
    """One label per bucket of ``RARITY_EDGES``, rarest first."""
    bounds = [f"at most {edge:g} entries in a million" for edge in RARITY_EDGES]
    return (*bounds, f"more than {RARITY_EDGES[-1]:g} entries in a million")


def per_million(count: int, entries: int) -> float:
    """Entries per million carrying a name (``count`` of ``entries``); the SQL of campaigns
    computes ``count * 1000000.0 / entries``, the same double."""
    return count * 1_000_000.0 / entries


def rarity_bucket_sql(column: str) -> str:
    """A SQL CASE giving the bucket index of the per-million frequency in ``column``."""
    arms = " ".join(f"WHEN {column} <= {edge!r} THEN {i}" for i, edge in enumerate(RARITY_EDGES))
    return f"CASE {arms} ELSE {len(RARITY_EDGES)} END"


# When one name is within the other (a name left out), the rarity of the words they share:
# the sum over those words of log2(1,000,000 / entries per million with the word), i.e. the
# bits of information they carry, bucketed at these edges (a bucket holds sums at or over its
# edge, largest first; under the last edge is the last bucket).
SHARED_BITS_EDGES: tuple[float, ...] = (28.0, 22.0, 18.0, 14.0, 10.0)


def shared_word_labels() -> tuple[str, ...]:
    """One label per bucket of ``SHARED_BITS_EDGES``, most information first."""
    bounds = [
        f"one name within the other, shared words {edge:g}+ bits" for edge in SHARED_BITS_EDGES
    ]
    return (
        *bounds,
        f"one name within the other, shared words under {SHARED_BITS_EDGES[-1]:g} bits",
    )


def shared_bits_sql() -> str:
    """Bits of the words of the left name that the right name has (by sound): each word's
    ``-log2`` of its share of the list's entries, from ``word_freq_l`` (per million, aligned
    with ``phons_l``)."""
    return (
        'list_sum(list_transform(list_filter(range(1, len("phons_l") + 1), '
        'lambda i: list_contains("phons_r", "phons_l"[i])), '
        'lambda i: log2(1000000.0 / greatest("word_freq_l"[i], 1e-9))))'
    )


_SOUNDS_EQUAL = (
    '"name_phon_l" = "name_phon_r" AND "name_phon_l" <> \'\' AND "name_freq_l" IS NOT NULL'
)
_WITHIN = (
    '"word_freq_l" IS NOT NULL AND "name_phon_l" <> "name_phon_r" AND '
    'len("phons_l") >= 2 AND len("phons_r") >= 2 AND '
    '(list_has_all("phons_l", "phons_r") OR list_has_all("phons_r", "phons_l"))'
)


# (python -m bench.fit_name_rarity DIR --shared, seed 3, full size)
SHARED_M: tuple[float, ...] = (0.015, 0.089, 0.32, 0.37, 0.175, 0.032)
SHARED_U: tuple[float, ...] = (0.00013, 0.0044, 0.049, 0.19, 0.50, 0.26)


def _rarity_levels() -> tuple[Level, ...]:
    # m: the share of planted true pairs agreeing on the name's sounds in each bucket; u: the
    # share of stranger pairs agreeing on them, counted exactly per name (docket records x
    # entries with it; bench/fit_name_rarity.py, seed 3, full size)
    # (no planted pair of seed 3 falls in the commonest bucket: its m is set to weigh less than
    # the next one's)
    m = (0.60, 0.26, 0.12, 0.027, 0.00082, 1e-6)
    u = (0.035, 0.14, 0.37, 0.41, 0.045, 7.7e-5)
    # one name within the other: m the share of planted pairs of that level in each bucket, u
    # the share of stranger candidate pairs of that level (bench/fit_name_rarity.py, seed 3)
    m_within = SHARED_M
    u_within = SHARED_U
    equal = [f'{_SOUNDS_EQUAL} AND "name_freq_l" <= {edge!r}' for edge in RARITY_EDGES]
    within = [f"{_WITHIN} AND {shared_bits_sql()} >= {edge!r}" for edge in SHARED_BITS_EDGES]
    return (
        Level(
            "names neither sound alike nor one within the other",
            f"NOT ({_SOUNDS_EQUAL}) AND NOT ({_WITHIN})",
            null=True,
        ),
        *(
            Level(label, sql, m=m_b, u=u_b)
            for label, sql, m_b, u_b in zip(
                rarity_labels(), [*equal, _SOUNDS_EQUAL], m, u, strict=True
            )
        ),
        *(
            Level(label, sql, m=m_b, u=u_b)
            for label, sql, m_b, u_b in zip(
                shared_word_labels(), [*within, "ELSE"], m_within, u_within, strict=True
            )
        ),
    )


# Agreement on a common name is weaker evidence than on a rare one: given that the names
# sound alike, how common the name is on the list; given that one is within the other, how
# rare the words they share are. Between strangers, common names agree far more often (by
# the square of their frequency, roughly); between records of one person, by their frequency
# alone. Per million entries, so the weights hold for any size of list.
NAME_RARITY = Comparator(
    "name_rarity",
    "How rare the name is on the list: entries per million with a name that sounds the same "
    "(when the names do), or the bits of the words both names share (when one is within the "
    "other).",
    _rarity_levels(),
)

COMPARATORS: tuple[Comparator, ...] = (NAME, NAME_RARITY, DATE_OF_BIRTH, NATIONALITY, DOCUMENT)

# Prior: about one person in 200 under supervision is on a list of a million entries (the
# benchmark plants 0.5%): the chance that a given person and a given entry are one person.
PRIOR_PROBABILITY = 0.005 / 1_000_000
PRIOR_WEIGHT = math.log2(PRIOR_PROBABILITY / (1 - PRIOR_PROBABILITY))

# A pair at or over this weight opens a case: even odds, match probability 0.5 or more.
CASE_THRESHOLD = 0.0


@dataclass(frozen=True)
class BlockingRule:
    """Pairs that agree on every column of ``columns`` are candidates. With ``when_missing``
    the rule is for list records lacking that column: they match on ``columns`` alone."""

    name: str
    columns: tuple[str, ...]
    when_missing: str = ""

    @property
    def sql(self) -> str:
        """The rule as Splink's join condition over ``l`` and ``r``."""
        equal = " AND ".join(f'l."{c}" = r."{c}"' for c in self.columns)
        if self.when_missing:
            m = self.when_missing
            return f'{equal} AND (l."{m}" IS NULL OR r."{m}" IS NULL)'
        return equal


# Candidate pairs: a pair is scored when it meets any rule. Each rule is an equi-join, so the
# whole population is never compared with the whole list; an encounter looks its keys up.
BLOCKING_RULES: tuple[BlockingRule, ...] = (
    # first and last name sound alike and the birth year agrees (covers swapped name order,
    # transliteration, partial and swapped dates)
    BlockingRule("names+year", ("pair_key", "dob_y")),
    # every name sounds alike, in any order (family name written first), and the year agrees
    BlockingRule("all names+year", ("name_phon", "dob_y")),
    # the last name sounds alike and year and month agree (a given name spelled differently)
    BlockingRule("last+month", ("last_phon", "dob_y", "dob_m")),
    # the first name sounds alike and the full date agrees (a family name spelled differently)
    BlockingRule("first+date", ("first_phon", "dob_y", "dob_m", "dob_d")),
    # the list record has no date of birth at all: names alone
    BlockingRule("names, no date", ("pair_key",), when_missing="dob_y"),
    # a shared document number, whatever the names
    BlockingRule("document", ("doc_first",)),
)


def probability(weight: float) -> float:
    """The match probability of a match weight (log2 odds)."""
    return float(1.0 / (1.0 + 2.0 ** (-weight)))
