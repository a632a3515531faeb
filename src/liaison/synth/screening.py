"""Synthetic world for watchlist re-screening: a watchlist, a supervised docket, planted truth.

The *watchlist* holds known or suspected terrorist list entries (``WATCHLIST_SCHEMA``): names
(primary, aliases, transliterations, the name in its original script), a date of birth that is
often partial, nationalities, travel documents. The *supervised* population (``SUPERVISED_SCHEMA``,
"the docket") is the people released under supervision, each with one full date of birth.
The *truth* (``TRUTH_SCHEMA``) lists the supervised people who ARE a watchlist entry: they were
planted in the docket recorded under a variant of the entry's name or date of birth, as real
records are. The data measures a matcher's recall (on the truth) and precision (everything
else is a coincidence), so the name space is large and each origin keeps its own conventions.

Assumptions (the demo's, not a census):

* Name pools. Faker's locale name lists are read as data (never Faker's random generator):
  Hispanic es_MX + es_CO, Anglo en_US, South Asian en_IN, West African yo_NG + tw_GH, Chinese
  zh_CN (Han characters; two-character given names also composed from its one-character
  ones), Vietnamese vi_VN, Slavic ru_RU (Russia, Belarus), uk_UA (Ukraine) in Cyrillic and
  pl_PL (Poland), Filipino en_US given names + es_MX family names. ``tables/names.toml`` (the
  most common names of each origin) leads every pool; ``tables/screening_names.toml`` adds
  Latin-script Arabic names, more Vietnamese names and the most common Russian / Ukrainian
  given names. A list ordered by frequency gives a name weight ``1 / rank**0.9`` (Faker's own
  weight where it has one); an alphabetical list, whose order says nothing of frequency, is
  ranked in a fixed pseudo-random order with the flatter ``1 / rank**0.5``. The sources of a
  pool are mixed with fixed shares (``names.toml`` 20-50%). Pools hold from about 30
  (Vietnamese middle and family names) to about 4,000 names (Chinese given names, Polish
  family names); Hispanic, Anglo, South Asian, Filipino and Slavic pools 200-1,000 a part,
  Arabic 135 given names and 91 family names; ``_pool_sizes()`` lists them. Faker's "Jos" (a
  typo of José) is left out.
* Head shares. Mixed that way, short lists made their first names far commoner than in the
  populations they stand for (Smith 8.4% of Anglo family names against 1.0% in the 1990 U.S.
  Census, James 10% against 3.3%, Smirnov 12.6% against about 1.8% of Russians, the given name
  Wei 10.8% of Chinese men, Al-Harbi 12.7% of Arabic family names), and so many more strangers
  shared a full name than in real records. ``HEAD_SHARES`` gives, per pool, the share of its
  most common name (from a published count where there is one, else an assumption, said so);
  a heavier pool is flattened to it (weights raised to a power under 1, order kept). Family
  names as concentrated as the real ones (Nguyễn, Wang, Li, Zhang) are left as they are.
* Naming conventions. Hispanic: given (+ a second given 40%) + father's family name + mother's
  (60%). Arabic: given + father's given (always on the list, 50% in the docket) +
  grandfather's (50% / 10%) + family name or nisba. Slavic (Russia, Ukraine, Belarus): given +
  patronymic (60% on the list, 20% in the docket) + family name, gendered. Chinese: given +
  family, written family-first for 30% of list names and 20% of docket names; Vietnamese:
  given + middle (85%) + family, family-first 30% / 25%. Others: given + middle (20-70%) +
  family. Names are written given names first unless said otherwise; 2% of other records are
  written family-first by mistake.
* Romanization. Cyrillic names are romanized per record by one of four schemes: BGN/PCGN
  (ICU ``Russian-Latin/BGN``, ``Ukrainian-Latin/BGN``), the passport scheme (ICAO 9303 for
  Russia and Belarus, Ukraine's 2010 national table), German (Duden) and ISO-9 folded to
  ASCII (ICU ``Cyrillic-Latin; Latin-ASCII``); the list favours BGN (60/25/10/5%), the docket
  the passport (20/65/10/5%). Chinese is pinyin (ICU ``Han-Latin``) or Wade-Giles (a syllable
  table here), Wade-Giles for most people of Taiwan and Hong Kong. Diacritics (Hispanic,
  Vietnamese, Polish, Ghanaian) are dropped from 50-60% of docket records and 40-50% of list
  names.
* Spelling variants (the "transliteration" mechanism) come from the variant groups of
  ``names.toml``, the scheme differences above, and per-origin alternation rules applied to
  each pool name once: ou/u, oo/u, ee/i, ai/ay, kh/h, q/k/g, j/dj/g, sh/ch, th/s, doubled and
  single consonants, e/a, final i/y, the article Al-/El-/Al /Al/none and Abdul-/Abdel-/Abd al-
  (Arabic); iy/i/y/ii, ya/ia, yu/iu, ye/e, kh/h, ts/tz, ks/x, final v/ff, sky/ski (Slavic);
  z/s, initial h dropped, b/v, ll/y, x/j (Hispanic); ee/i, oo/u, th/t, dh/d, v/w, aa/a
  (South Asian); ou/u, ph/f, kw/qu (West African); ph/f, c/k, y/ie, son/sen, Mc/Mac (Anglo);
  spacing and hyphenation of Chinese given names, ü as u/yu/v, and Cantonese / Hokkien /
  older spellings of Chinese family names (``screening_names.toml``: Chen/Chan/Tan,
  Huang/Wong, Guo/Kwok). No phonetic key is computed.
* Populations. Docket origins follow ``names.toml``'s ``share``; the list is skewed to the
  regions of the listed groups (``WATCHLIST_MIX``: Arabic 36%, South Asian 16%, West African
  12%, Slavic 10%, Hispanic 9%, Anglo 7%, Chinese 4%, Filipino 3%, Vietnamese 3%).
  Nationality is a country of the origin (``names.toml`` weights). Men are 88% of entries and
  78% of the docket. Ages are 18-75 on 2025-01-01 (18 + 58 x Beta(2, 3) years: most people
  in their 30s and 40s), the day of the year uniform.
* Entries: 0-4 aliases (30/30/20/12/8%): another given name with the same family, another
  name of the origin, and per origin the kunya "Abu <given>" / "Umm <given>" (Arabic), the
  father's family name alone (Hispanic), an English given name (Chinese, Vietnamese), the name
  without its middle names (Arabic, Slavic); 1-2 transliterations for Arabic, Slavic and
  Chinese entries (1 always, a second 50%); the original script for Cyrillic and Chinese
  entries. Date of birth full 70%, year only 15%, year-month 10%, unknown 5%. Nationalities:
  none 5%, a second 15%. Passport 50% (a second one for 15% of those), biometric identity 10%.
* Docket: aliases for 10% (the first family name alone, family-first order, another given
  name, another name), passport for 40%.
* Planted: ``round(planted_share * supervised)`` docket rows are people who are a distinct
  entry. Each is labelled with the way the record differs (``VARIANT_MIX``): transliteration
  25%, alias 15%, partial_dob 20% (the entry's date is a year or a year-month), swapped_dob
  10% (day and month swapped, entries whose day is 12 or less and differs from the month),
  name_order 10% (written the other way round), dropped_name 10% (a second given or family
  name, a middle name, a patronymic or a link of the nasab left out), exact 5%, document 5%
  (a transliterated name with the entry's passport number). Besides the label, a planted
  record may drop or keep diacritics as docket records do, and 10% carry another nationality
  than the entry's first. The docket date of birth is the entry's true one (a partial list
  date is its prefix). Entries of a label are drawn among the entries it applies to
  (for labels other than partial_dob and swapped_dob: a full or unknown list date); where too
  few are, the rest are "exact".

Every draw comes from one ``numpy`` generator seeded by ``seed``: the same
``(supervised, watchlist, seed, planted_share)`` give identical tables. Pools and spellings are
built once per process (``functools.cache``); nothing is computed at import.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import re
import tomllib
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

import icu
import numpy as np
import numpy.typing as npt
import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]
import pyarrow.compute as pc  # type: ignore[import-untyped, unused-ignore]
import pyarrow.parquet as pq  # type: ignore[import-untyped, unused-ignore]

from liaison.synth.names import origins, variants_of

__all__ = [
    "GENERATOR_VERSION",
    "HEAD_SHARES",
    "SUPERVISED_SCHEMA",
    "TRUTH_SCHEMA",
    "VARIANTS",
    "WATCHLIST_SCHEMA",
    "ScreeningWorld",
    "generate",
    "write",
]

# Raised whenever the same arguments would give another world (2: head shares calibrated).
GENERATOR_VERSION = 2

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

WATCHLIST_SCHEMA = pa.schema(
    [
        pa.field("entry_id", pa.string(), nullable=False),
        pa.field("names", pa.list_(pa.string()), nullable=False),
        pa.field("name_kinds", pa.list_(pa.string()), nullable=False),
        pa.field("dob", pa.string()),
        pa.field("nationalities", pa.list_(pa.string()), nullable=False),
        pa.field("doc_numbers", pa.list_(pa.string()), nullable=False),
        pa.field("doc_countries", pa.list_(pa.string()), nullable=False),
        pa.field("biometric_identity_id", pa.int64()),
    ]
)
SUPERVISED_SCHEMA = pa.schema(
    [
        pa.field("person_id", pa.string(), nullable=False),
        pa.field("name", pa.string(), nullable=False),
        pa.field("aliases", pa.list_(pa.string()), nullable=False),
        pa.field("dob", pa.date32(), nullable=False),
        pa.field("sex", pa.string(), nullable=False),
        pa.field("nationality", pa.string(), nullable=False),
        pa.field("doc_number", pa.string()),
        pa.field("doc_country", pa.string()),
    ]
)
TRUTH_SCHEMA = pa.schema(
    [
        pa.field("person_id", pa.string(), nullable=False),
        pa.field("entry_id", pa.string(), nullable=False),
        pa.field("variant", pa.string(), nullable=False),
    ]
)

VARIANTS = (
    "exact",
    "transliteration",
    "alias",
    "partial_dob",
    "swapped_dob",
    "name_order",
    "dropped_name",
    "document",
)
VARIANT_MIX = {
    "transliteration": 0.25,
    "alias": 0.15,
    "partial_dob": 0.20,
    "swapped_dob": 0.10,
    "name_order": 0.10,
    "dropped_name": 0.10,
    "exact": 0.05,
    "document": 0.05,
}
WATCHLIST_MIX = {
    "arabic": 0.36,
    "south_asian": 0.16,
    "west_african": 0.12,
    "slavic": 0.10,
    "hispanic": 0.09,
    "anglo": 0.07,
    "chinese": 0.04,
    "filipino": 0.03,
    "vietnamese": 0.03,
}

_ZIPF = 0.9
_ZIPF_UNORDERED = 0.5
_MAX_VARIANTS = 12
_REFERENCE_DAY = 20089  # 2025-01-01, days since 1970-01-01
_MALE_LIST, _MALE_DOCKET = 0.88, 0.78
_DOB_KINDS = (0.70, 0.15, 0.10, 0.05)  # full, year, year-month, unknown
_ALIAS_COUNTS = (0.30, 0.30, 0.20, 0.12, 0.08)
_SECOND_NATIONALITIES = ("US", "GB", "CA", "FR", "DE", "SE", "NL", "TR", "AU", "SA", "AE")
_DOC_LETTERS = tuple("ABCDEFGHJKLMNPRSTUVWXYZ")  # no I, O, Q
_DOC_SPAN = len(_DOC_LETTERS) * 10**7
_SLOTS = 4  # at most four name parts (Hispanic, Arabic)


@dataclass(frozen=True)
class ScreeningWorld:
    watchlist: Any  # pa.Table, WATCHLIST_SCHEMA, one row per entry
    supervised: Any  # pa.Table, SUPERVISED_SCHEMA, one row per person
    truth: Any  # pa.Table, TRUTH_SCHEMA, one row per planted true match


# ---------------------------------------------------------------------------------------------
# Spelling: folding, romanization schemes, alternation rules (run once per pool name)


@functools.cache
def _icu(spec: str) -> Any:
    return icu.Transliterator.createInstance(spec)


_OPEN_VOWELS = str.maketrans({"ɔ": "o", "Ɔ": "O", "ε": "e", "Ɛ": "E"})
# primes, apostrophes (soft and hard signs, Ukrainian apostrophe) and BGN's ë
_MARKS = str.maketrans({"\u02b9": "", "\u02ba": "", "\u02bc": "", "'": "", "\u2019": "", "ë": "e"})


def _fold(text: str) -> str:
    """ASCII letters only (diacritics and open vowels dropped)."""
    return str(_icu("Latin-ASCII").transliterate(text.translate(_OPEN_VOWELS)))


_MISTAKES = frozenset({"Jos"})  # typos of Faker's lists ("Jos" for "José")


def _clean(text: str) -> str:
    """White space normalised; "" for a known typo of the source lists."""
    out = " ".join(unicodedata.normalize("NFC", text).split())
    return "" if out in _MISTAKES else out


def _cap(text: str) -> str:
    """Every space- or hyphen-separated part capitalised, the rest lower-case."""
    return re.sub(r"(^|[ -])(\w)", lambda m: m.group(1) + m.group(2).upper(), text.lower())


def _table(cyrillic: str, latin: str) -> dict[str, str]:
    """Letter by letter ("-": nothing)."""
    return {c: ("" if t == "-" else t) for c, t in zip(cyrillic, latin.split(), strict=True)}


_RUSSIAN_PASSPORT = _table(  # ICAO Doc 9303 (Russian passports since 2014)
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ",
    "a b v g d e e zh z i i k l m n o p r s t u f kh ts ch sh shch ie y - e iu ia i i ie g",
)
_UKRAINIAN_PASSPORT = _table(  # Ukraine's national table of 2010, not at the start of a word
    "абвгґдеєжзиіїйклмнопрстуфхцчшщьюяъыэё",
    "a b v h g d e ie zh z y i i i k l m n o p r s t u f kh ts ch sh shch - iu ia - y e e",
)
_UKRAINIAN_INITIAL = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}
_GERMAN = _table(  # Duden
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ",
    "a b w g d e jo sch s i j k l m n o p r s t u f ch z tsch sch schtsch - y - e ju ja i ji je g",
)
_GERMAN_UKRAINIAN = {"г": "h", "и": "y"}  # noqa: RUF001


def _table_translit(word: str, table: Mapping[str, str], initial: Mapping[str, str]) -> str:
    out: list[str] = []
    start = True
    for ch in word.lower():
        if ch in " -":
            out.append(ch)
            start = True
            continue
        rep = initial.get(ch) if start else None
        out.append(rep if rep is not None else table.get(ch, ch))
        start = False
    return _cap("".join(out).translate(_MARKS))


def _slavic_forms(word: str, lang: str) -> tuple[str, str, str, str]:
    """BGN/PCGN, passport, German and ISO-9-folded spellings of a Cyrillic name."""
    bgn_id = "Ukrainian-Latin/BGN" if lang == "uk" else "Russian-Latin/BGN"
    bgn = _cap(_fold(str(_icu(bgn_id).transliterate(word)).translate(_MARKS)))
    if lang == "uk":
        passport = _table_translit(word, _UKRAINIAN_PASSPORT, _UKRAINIAN_INITIAL)
        german = _table_translit(word, {**_GERMAN, **_GERMAN_UKRAINIAN}, {})
    else:
        passport = _table_translit(word, _RUSSIAN_PASSPORT, {})
        german = _table_translit(word, _GERMAN, {"е": "je"})  # noqa: RUF001
    iso = _cap(str(_icu("Cyrillic-Latin; Latin-ASCII").transliterate(word)).translate(_MARKS))
    return bgn, passport, german, iso


_WG_INITIALS = (
    ("zh", "ch"),
    ("ch", "ch"),
    ("sh", "sh"),
    ("b", "p"),
    ("d", "t"),
    ("g", "k"),
    ("j", "ch"),
    ("q", "ch"),
    ("x", "hs"),
    ("r", "j"),
    ("z", "ts"),
    ("c", "ts"),
)
_WG_WHOLE = {
    "zi": "tzu",
    "ci": "tzu",
    "si": "ssu",
    "zhi": "chih",
    "chi": "chih",
    "shi": "shih",
    "ri": "jih",
    "yi": "i",
    "you": "yu",
    "yan": "yen",
    "ye": "yeh",
    "yue": "yueh",
    "yong": "yung",
    "er": "erh",
    "ge": "ko",
    "ke": "ko",
    "he": "ho",
    "e": "o",
}


def _wade_giles(syllable: str) -> str:
    """A pinyin syllable (lower-case, no tones) in Wade-Giles, apostrophes dropped as usual."""
    if syllable in _WG_WHOLE:
        return _WG_WHOLE[syllable]
    initial, final = "", syllable
    for py, wg in _WG_INITIALS:
        if syllable.startswith(py):
            initial, final = wg, syllable[len(py) :]
            break
    else:
        if syllable[:1] and syllable[0] not in "aeiouv":
            initial, final = syllable[0], syllable[1:]
    source = syllable[: len(syllable) - len(final)]
    final = final.replace("ong", "ung")
    if final == "ian":
        final = "ien"
    elif final in ("ie", "ue"):
        final += "h"
    elif (final == "uo" and source in ("l", "d", "t", "n", "z", "c", "s", "b", "p", "m")) or (
        final == "e" and source in ("g", "k", "h")
    ):
        final = "o"
    elif final == "ui" and source in ("g", "k"):
        final = "uei"
    return initial + final


def _rules(spec: str) -> tuple[tuple[re.Pattern[str], str], ...]:
    """Alternation rules, "pattern>replacement" separated by white space (case-insensitive
    regular expressions; each rule makes one variant, at its first match)."""
    pairs = (item.split(">") for item in spec.split())
    return tuple((re.compile(p, re.IGNORECASE), r) for p, r in pairs)


_RULES: dict[str, tuple[tuple[re.Pattern[str], str], ...]] = {
    "arabic": _rules(
        r"ou>u oo>u (?<=[^aeiou])u(?=[^aeiouy])>ou ee>i (?<=[^aeiou])i(?=[mdlrnsfbk]$)>ee "
        r"ai>ay ay>ai ei>ai aa>a kh>h q>k q>g j>dj j>g dh>z th>s sh>ch ^w>ou "
        r"([bdfgklmnprstz])\1>\1 (?<=[aeiou])([mns])(?=[aeiou])>\1\1 (?<=m)e(?=d$)>a "
        r"(?<=[lj])e(?=d$)>i "
        r"(?<=[^aeiou])a(?=[^aeiou]+$)>e o>u u>o i$>y ah$>a (?<=[^aeiouh])a$>ah"
    ),
    "slavic": _rules(
        r"iy$>i iy$>y iy$>ii ii$>y (?<=[aeo])i$>y (?<=[aeo])y$>i ya>ia ia>ya yu>iu iu>yu "
        r"^ye>e ^e>ye kh>h kh>ch ts>tz ks>x ch>tch zh>j ov$>off ev$>eff sky$>ski skiy$>ski "
        r"shch>sch ([bdfgklmnprstz])\1>\1"
    ),
    "hispanic": _rules(r"z$>s s$>z z>s c(?=[eiéí])>s ^h(?=[aeiouáéíóú])> v>b b>v ll>y x>j rr>r"),
    "south_asian": _rules(
        r"ee>i (?<=[^aeiou])i(?=[^aeiouy]$)>ee oo>u th>t (?<=[aeiou])t$>th dh>d v>w w>v "
        r"aa>a ph>f q>k kh>k y>i ([bdfgklmnprstz])\1>\1"
    ),
    "west_african": _rules(
        r"ou>u (?<=[^aeiou])u(?=[^aeiou]|$)>ou ph>f kw>qu y>i "
        r"([bdfgklmnprstz])\1>\1 (?<=[aeiou])([fkmnst])(?=[aeiou])>\1\1"
    ),
    "anglo": _rules(
        r"phen>ven ph>f ([lnrt])\1>\1 (?<=[aeiou])([lnrt])(?=[aeiou])>\1\1 y$>ie ie$>y "
        r"ey$>y c(?=[aou])>k k>c son$>sen ^mc>mac ^mac>mc"
    ),
    "polish": _rules(r"w>v ski$>sky cki$>cky sz>sh cz>ch"),
    "none": (),
}


def _apply(rule: tuple[re.Pattern[str], str], name: str) -> str:
    pattern, replacement = rule

    def sub(match: re.Match[str]) -> str:
        out = match.expand(replacement)
        if match.group(0)[:1].isupper():
            out = out[:1].upper() + out[1:]
        return out

    new = pattern.sub(sub, name, count=1)
    return new[:1].upper() + new[1:] if new else new


def _arabic_specials(name: str) -> list[str]:
    """The article and the Abd- compounds, which alternate as a whole."""
    out: list[str] = []
    low = name.lower()
    if low.startswith("al-") and len(name) > 4:
        rest = name[3:]
        out += [f"El-{rest}", f"Al {rest}", f"Al{rest.lower()}", f"El {rest}", rest]
    for stem in ("abdul", "abdel"):
        rest = name[5:]
        if low.startswith(stem) and len(rest) > 2 and rest.lower() not in ("lah", "llah", "la"):
            out += [f"Abdel{rest}", f"Abdul{rest}", f"Abd al-{rest.capitalize()}"]
            out += [f"Abdul {rest.capitalize()}", f"Abdel {rest.capitalize()}"]
    return out


def _order_key(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()


def _variants(
    forms: Sequence[str], extra: Iterable[str], rules: str, fold_is_variant: bool
) -> tuple[str, ...]:
    """Other spellings of a name whose spellings by scheme are ``forms`` (forms[0] first):
    variant groups, ``extra`` and the origin's alternation rules, none equal to a form (for
    origins where dropping diacritics is not a transliteration, none equal once folded)."""
    grouped: list[str] = [*extra]
    for form in forms[:2]:
        grouped += variants_of(form)
    ruled: list[str] = []
    for form in forms[:2]:
        if rules == "arabic":
            grouped += _arabic_specials(form)
        ruled += [_apply(rule, form) for rule in _RULES[rules]]
    if fold_is_variant:
        grouped.append(_fold(forms[0]))
    taken = set(forms) if fold_is_variant else {_fold(f).lower() for f in forms}
    out: list[str] = []
    for cand in [*grouped, *sorted(set(ruled), key=_order_key)]:
        cand = _clean(cand)
        key = cand if fold_is_variant else _fold(cand).lower()
        if cand and key not in taken:
            taken.add(key)
            out.append(cand)
    return tuple(out[:_MAX_VARIANTS])


@dataclass(frozen=True)
class _Spelling:
    forms: tuple[str, ...]  # by romanization scheme, scheme 0 first
    variants: tuple[str, ...]
    script: str | None = None  # the original script, where not Latin


def _latin(rules: str, fold_is_variant: bool) -> Callable[[str], _Spelling]:
    def spell(name: str) -> _Spelling:
        return _Spelling((name,), _variants((name,), (), rules, fold_is_variant))

    return spell


def _cyrillic(lang: str) -> Callable[[str], _Spelling]:
    def spell(name: str) -> _Spelling:
        forms = _slavic_forms(name, lang)
        return _Spelling(forms, _variants(forms, (), "slavic", False), name)

    return spell


_UMLAUT = set("üǖǘǚǜ")


def _pinyin(chars: str, family: bool) -> list[tuple[str, bool]]:
    """(syllable, has ü) per character."""
    translit = _icu("Han-Latin/Names" if family else "Han-Latin")
    out: list[tuple[str, bool]] = []
    for ch in chars:
        toned = str(translit.transliterate(ch)).strip()
        out.append((_fold(toned).lower().replace(" ", ""), bool(_UMLAUT & set(toned))))
    return out


def _han(family: bool) -> Callable[[str], _Spelling]:
    others: dict[str, list[str]] = _screening_table()["chinese_family_variants"] if family else {}

    def spell(chars: str) -> _Spelling:
        syllables = _pinyin(chars, family)
        plain = [s for s, _ in syllables]
        wg = [_wade_giles(s) for s in plain]
        pinyin_form = "".join(plain).capitalize()
        wg_form = ("".join(wg) if family else "-".join(wg)).capitalize()
        extra: list[str] = list(others.get(pinyin_form, ()))
        if len(plain) > 1:
            extra += [_cap(" ".join(plain)), _cap("-".join(plain)), "-".join(plain).capitalize()]
            extra += ["".join(wg).capitalize(), _cap(" ".join(wg))]
        for i, (syl, umlaut) in enumerate(syllables):
            if umlaut:
                for alt in (syl.replace("u", "yu", 1), syl.replace("u", "v", 1)):
                    extra.append("".join([*plain[:i], alt, *plain[i + 1 :]]).capitalize())
        forms = (pinyin_form, wg_form)
        return _Spelling(forms, _variants(forms, extra, "none", False), chars)

    return spell


# ---------------------------------------------------------------------------------------------
# Pools


@dataclass(frozen=True)
class _Pool:
    """Names of one part (given, family...) of one culture, spelt every way in advance."""

    keys: tuple[str, ...]
    n_schemes: int
    strings: Any  # pa string array: form of name i, scheme s, folded f at (f*S + s)*n + i
    words: Ints  # words of the first form
    variants: Any  # pa string array: variant j at j, folded at n_variants + j
    n_variants: int
    var_off: Ints  # (n + 1,): name i's variants are var_off[i]:var_off[i + 1]
    script: Any  # pa string array (n,) in the original script, or None
    male: tuple[Ints, Floats]  # candidate names and their cumulative probabilities
    female: tuple[Ints, Floats]

    @property
    def n(self) -> int:
        return len(self.keys)

    def draw(self, rng: np.random.Generator, female: Bools) -> Ints:
        u = rng.random(len(female))
        out = np.empty(len(female), np.int64)
        for sex, (cand, cum) in ((False, self.male), (True, self.female)):
            rows = female == sex
            at = np.minimum(np.searchsorted(cum, u[rows], side="right"), len(cum) - 1)
            out[rows] = cand[at]
        return out


def _ranked(names: Iterable[str], ordered: bool = True) -> dict[str, float]:
    """Weights ``1 / rank**0.9`` for a list ordered by frequency; an unordered (alphabetical)
    list, whose order says nothing of frequency, is ranked in a fixed pseudo-random order and
    weighted ``1 / rank**0.5``, flatter, so that no arbitrary name becomes very common."""
    clean = list(dict.fromkeys(_clean(n) for n in names if _clean(n)))
    exponent = _ZIPF if ordered else _ZIPF_UNORDERED
    if not ordered:
        clean.sort(key=_order_key)
    weights = [1.0 / (rank**exponent) for rank in range(1, len(clean) + 1)]
    total = sum(weights)
    return {n: w / total for n, w in zip(clean, weights, strict=True)}


def _weighted(table: Mapping[str, float]) -> dict[str, float]:
    out: dict[str, float] = {}
    for name, weight in table.items():
        key = _clean(name)
        if key:
            out[key] = out.get(key, 0.0) + float(weight)
    total = sum(out.values())
    return {n: w / total for n, w in out.items()}


def _mix(*parts: tuple[float, Mapping[str, float]]) -> dict[str, float]:
    out: dict[str, float] = {}
    for share, table in parts:
        for name, weight in table.items():
            out[name] = out.get(name, 0.0) + share * weight
    return out


# The share of the most common name of a pool, where a published count gives one (or where
# the generator's mixing made one name far more common than it is: then an assumption, said
# so). ``_pool`` flattens a pool whose head is heavier: weights ``w ** a`` with ``0 <= a <= 1``
# chosen so that the first name has this share; the order of the names is kept, and no pool
# is made more concentrated than its sources. Keyed by (culture, part).
HEAD_SHARES: dict[tuple[str, str], tuple[float, str]] = {
    ("anglo", "given"): (0.033, "1990 U.S. Census name files: James 3.318% of men"),
    ("anglo", "family"): (0.010, "1990 U.S. Census name files: Smith 1.006%"),
    ("hispanic", "given"): (0.06, "assumption: José leads Mexican men's compound given names"),
    ("hispanic", "family"): (0.045, "Mexico: 5.5 million Hernández (the commonest), ~4.5%"),
    ("south_asian", "given"): (0.02, "assumption: no given name near 10% of Indian men"),
    ("south_asian", "family"): (0.045, "assumption: Patel's share of Indian-born U.S. residents"),
    ("west_african", "given"): (0.02, "assumption: Yoruba, Igbo and Akan names are diverse"),
    ("west_african", "family"): (0.015, "assumption: as for given names"),
    ("filipino", "given"): (0.03, "assumption: Jose, the most common, at about 3%"),
    ("filipino", "family"): (0.02, "assumption: Santos, Reyes, Cruz at 1-2% each"),
    ("arabic", "given"): (0.12, "assumption: Mohammed, all spellings, about one man in eight"),
    ("arabic", "family"): (0.02, "assumption: the largest tribal names are ~2% across the region"),
    ("vietnamese", "given"): (0.04, "assumption: given names vary far more than family names"),
    ("chinese", "given"): (0.005, "about 290,000 people named Zhang Wei among ~95 million Zhang"),
    ("slavic_ru", "given"): (0.08, "assumption: Aleksandr, the most common Russian man's name"),
    ("slavic_ru", "family"): (0.018, "Smirnov, about 1.8% of Russians"),
    ("slavic_uk", "given"): (0.08, "assumption: as for Russia (Oleksandr)"),
    ("slavic_pl", "given"): (0.04, "assumption: Piotr and Krzysztof about 4% of Polish men each"),
    ("slavic_pl", "family"): (0.006, "Poland's PESEL register: Nowak about 0.5%"),
}


def _flattened(table: Mapping[str, float], exponent: float) -> dict[str, float]:
    powered = {name: weight**exponent for name, weight in table.items()}
    total = sum(powered.values())
    return {name: weight / total for name, weight in powered.items()}


def _head_exponent(table: Mapping[str, float], share: float) -> float:
    """The exponent ``a`` in [0, 1] giving the heaviest name of ``table`` the share ``share``
    (the head's share grows with ``a``; 0 is uniform, 1 the table as it is)."""

    def head(a: float) -> float:
        return max(_flattened(table, a).values())

    if head(1.0) <= share:
        return 1.0
    low, high = 0.0, 1.0
    for _ in range(40):
        mid = (low + high) / 2
        low, high = (mid, high) if head(mid) < share else (low, mid)
    return low


def _pool(
    male: Mapping[str, float],
    female: Mapping[str, float] | None,
    spell: Callable[[str], _Spelling],
    head: tuple[str, str] | None = None,
) -> _Pool:
    if head in HEAD_SHARES:
        exponent = _head_exponent(male, HEAD_SHARES[head][0])
        male = _flattened(male, exponent)
        female = _flattened(female, exponent) if female is not None else None
    keys = tuple(dict.fromkeys([*male, *(female or {})]))
    spelt = [spell(k) for k in keys]
    n_schemes = max(len(s.forms) for s in spelt)
    forms = [[s.forms[min(i, len(s.forms) - 1)] for s in spelt] for i in range(n_schemes)]
    flat = [f for scheme in forms for f in scheme]
    strings = pa.array(flat + [_fold(f) for f in flat], pa.string())
    variants = [v for s in spelt for v in s.variants]
    off = np.zeros(len(keys) + 1, np.int64)
    off[1:] = np.cumsum([len(s.variants) for s in spelt])
    position = {k: i for i, k in enumerate(keys)}

    def dist(table: Mapping[str, float]) -> tuple[Ints, Floats]:
        cand = np.array([position[k] for k in table], np.int64)
        w = np.array(list(table.values()), np.float64)
        return cand, np.cumsum(w) / w.sum()

    scripts = [s.script for s in spelt]
    return _Pool(
        keys=keys,
        n_schemes=n_schemes,
        strings=strings,
        words=np.array([len(f.split(" ")) for f in forms[0]], np.int64),
        variants=pa.array(variants + [_fold(v) for v in variants], pa.string()),
        n_variants=len(variants),
        var_off=off,
        script=pa.array(scripts, pa.string()) if any(scripts) else None,
        male=dist(male),
        female=dist(female if female is not None else male),
    )


@dataclass(frozen=True)
class _Slot:
    pool: _Pool
    role: str  # "given", "middle" or "family"
    p_list: float  # present on list entries
    p_docket: float  # present on docket records
    droppable: bool = False
    male_only: bool = False  # a father's or grandfather's given name
    single_given: bool = False  # only after a one-word first given name


@dataclass(frozen=True)
class _Culture:
    key: str
    origin: str
    countries: tuple[str, ...]
    country_p: Floats
    slots: tuple[_Slot, ...]
    family_first: tuple[int, ...]  # slot order when written family first
    famfirst_list: float
    famfirst_docket: float
    schemes_list: tuple[float, ...]
    schemes_docket: tuple[float, ...]
    fold_list: float  # share written without diacritics
    fold_docket: float
    fold_is_variant: bool  # dropping diacritics is this script's transliteration
    aliases: tuple[tuple[str, float], ...]  # alias kinds of list entries
    transliterated: bool  # list entries carry transliterations
    english: _Pool | None = None  # English given names (Chinese, Vietnamese aliases)
    wade_giles_countries: tuple[str, ...] = ()

    @property
    def n_schemes(self) -> int:
        return max(s.pool.n_schemes for s in self.slots)

    @property
    def family_slot(self) -> int:
        return next(i for i, s in enumerate(self.slots) if s.role == "family")


@functools.cache
def _screening_table() -> dict[str, Any]:
    source = resources.files("liaison.synth") / "tables" / "screening_names.toml"
    return tomllib.loads(source.read_text(encoding="utf-8"))


def _faker(locale: str) -> Any:
    return importlib.import_module(f"faker.providers.person.{locale}").Provider


def _chinese_given(listed: Sequence[str]) -> dict[str, float]:
    """Faker's given names, and two-character names composed of its one-character ones."""
    singles = _ranked([c for c in listed if len(c) == 1])
    combos = {a + b: wa * wb for a, wa in singles.items() for b, wb in singles.items() if a != b}
    return _mix((0.6, _ranked(listed)), (0.4, _weighted(combos)))


def _feminine(family: str) -> str:
    return re.sub(r"(sk|ck|dzk)i$", r"\1a", family)


@functools.cache
def _cultures() -> dict[str, _Culture]:
    """Every culture, keyed: one per origin, and three Slavic ones (by country)."""
    table = {o.name: o for o in origins()}
    extra = _screening_table()
    out: dict[str, _Culture] = {}

    def countries(origin: str, only: Iterable[str] | None = None) -> tuple[tuple[str, ...], Floats]:
        pairs = [(c, w) for c, w in table[origin].countries if only is None or c in only]
        w = np.array([p[1] for p in pairs])
        return tuple(p[0] for p in pairs), w / w.sum()

    def three(
        key: str,
        origin: str,
        given: _Pool,
        middle: _Pool,
        family: _Pool,
        p_middle: tuple[float, float],
        rules_aliases: tuple[tuple[str, float], ...] = (
            ("other_given", 0.45),
            ("other_name", 0.55),
        ),
        fold: tuple[float, float] = (0.0, 0.0),
        fold_is_variant: bool = False,
        only: Iterable[str] | None = None,
    ) -> _Culture:
        codes, p = countries(origin, only)
        return _Culture(
            key=key,
            origin=origin,
            countries=codes,
            country_p=p,
            slots=(
                _Slot(given, "given", 1.0, 1.0),
                _Slot(middle, "middle", *p_middle, droppable=True),
                _Slot(family, "family", 1.0, 1.0),
            ),
            family_first=(2, 0, 1),
            famfirst_list=0.02,
            famfirst_docket=0.02,
            schemes_list=(1.0,),
            schemes_docket=(1.0,),
            fold_list=fold[0],
            fold_docket=fold[1],
            fold_is_variant=fold_is_variant,
            aliases=rules_aliases,
            transliterated=False,
        )

    # Hispanic ------------------------------------------------------------------------------
    h, mx, co = table["hispanic"], _faker("es_MX"), _faker("es_CO")
    spell = _latin("hispanic", False)
    given = _pool(
        _mix(
            (0.35, _ranked(h.given_m)),
            (0.35, _weighted(co.first_names_male)),
            (0.30, _ranked(mx.first_names_male, False)),
        ),
        _mix(
            (0.35, _ranked(h.given_f)),
            (0.35, _weighted(co.first_names_female)),
            (0.30, _ranked(mx.first_names_female, False)),
        ),
        spell,
        head=("hispanic", "given"),
    )
    family = _pool(
        _mix(
            (0.35, _ranked(h.family)),
            (0.35, _weighted(co.last_names)),
            (0.30, _ranked(mx.last_names, False)),
        ),
        None,
        spell,
        head=("hispanic", "family"),
    )
    codes, p = countries("hispanic")
    out["hispanic"] = _Culture(
        key="hispanic",
        origin="hispanic",
        countries=codes,
        country_p=p,
        slots=(
            _Slot(given, "given", 1.0, 1.0),
            _Slot(given, "given", 0.4, 0.4, droppable=True, single_given=True),
            _Slot(family, "family", 1.0, 1.0),
            _Slot(family, "family", 0.6, 0.6, droppable=True),
        ),
        family_first=(2, 3, 0, 1),
        famfirst_list=0.02,
        famfirst_docket=0.02,
        schemes_list=(1.0,),
        schemes_docket=(1.0,),
        fold_list=0.5,
        fold_docket=0.5,
        fold_is_variant=False,
        aliases=(("first_family", 0.4), ("other_given", 0.3), ("other_name", 0.3)),
        transliterated=False,
    )

    # Anglo, South Asian, West African, Filipino --------------------------------------------
    a, us = table["anglo"], _faker("en_US")
    spell = _latin("anglo", False)
    given = _pool(
        _mix((0.3, _ranked(a.given_m)), (0.7, _weighted(us.first_names_male))),
        _mix((0.3, _ranked(a.given_f)), (0.7, _weighted(us.first_names_female))),
        spell,
        head=("anglo", "given"),
    )
    family = _pool(
        _mix((0.3, _ranked(a.family)), (0.7, _weighted(us.last_names))),
        None,
        spell,
        head=("anglo", "family"),
    )
    out["anglo"] = three("anglo", "anglo", given, given, family, (0.5, 0.5))
    english = given

    s, inn = table["south_asian"], _faker("en_IN")
    spell = _latin("south_asian", False)
    given = _pool(
        _mix((0.35, _ranked(s.given_m)), (0.65, _ranked(inn.first_names_male, False))),
        _mix((0.35, _ranked(s.given_f)), (0.65, _ranked(inn.first_names_female, False))),
        spell,
        head=("south_asian", "given"),
    )
    family = _pool(
        _mix((0.35, _ranked(s.family)), (0.65, _ranked(inn.last_names, False))),
        None,
        spell,
        head=("south_asian", "family"),
    )
    out["south_asian"] = three("south_asian", "south_asian", given, given, family, (0.2, 0.2))

    w, yo, tw = table["west_african"], _faker("yo_NG"), _faker("tw_GH")
    spell = _latin("west_african", False)
    given = _pool(
        _mix(
            (0.3, _ranked(w.given_m)),
            (0.35, _ranked(yo.first_names_male, False)),
            (0.35, _ranked(tw.first_names_male, False)),
        ),
        _mix(
            (0.3, _ranked(w.given_f)),
            (0.35, _ranked(yo.first_names_female, False)),
            (0.35, _ranked(tw.first_names_female, False)),
        ),
        spell,
        head=("west_african", "given"),
    )
    family = _pool(
        _mix(
            (0.3, _ranked(w.family)),
            (0.35, _ranked(yo.last_names, False)),
            (0.35, _ranked(tw.last_names, False)),
        ),
        None,
        spell,
        head=("west_african", "family"),
    )
    out["west_african"] = three(
        "west_african", "west_african", given, given, family, (0.35, 0.35), fold=(0.4, 0.6)
    )

    f = table["filipino"]
    spell = _latin("hispanic", False)
    given = _pool(
        _mix(
            (0.4, _ranked(f.given_m)),
            (0.3, _weighted(us.first_names_male)),
            (0.3, _ranked(mx.first_names_male, False)),
        ),
        _mix(
            (0.4, _ranked(f.given_f)),
            (0.3, _weighted(us.first_names_female)),
            (0.3, _ranked(mx.first_names_female, False)),
        ),
        spell,
        head=("filipino", "given"),
    )
    family = _pool(
        _mix((0.4, _ranked(f.family)), (0.6, _ranked(mx.last_names, False))),
        None,
        spell,
        head=("filipino", "family"),
    )
    # the middle name is the mother's family name
    out["filipino"] = three(
        "filipino", "filipino", given, family, family, (0.7, 0.5), fold=(0.5, 0.5)
    )

    # Arabic --------------------------------------------------------------------------------
    ar, arx = table["arabic"], extra["arabic"]
    spell = _latin("arabic", False)
    given = _pool(
        _mix((0.8, _ranked(arx["given_m"])), (0.2, _ranked(ar.given_m))),
        _mix((0.8, _ranked(arx["given_f"])), (0.2, _ranked(ar.given_f))),
        spell,
        head=("arabic", "given"),
    )
    family = _pool(
        _mix((0.8, _ranked(arx["family"])), (0.2, _ranked(ar.family))),
        None,
        spell,
        head=("arabic", "family"),
    )
    codes, p = countries("arabic")
    out["arabic"] = _Culture(
        key="arabic",
        origin="arabic",
        countries=codes,
        country_p=p,
        slots=(
            _Slot(given, "given", 1.0, 1.0),
            _Slot(given, "middle", 1.0, 0.5, droppable=True, male_only=True),
            _Slot(given, "middle", 0.5, 0.1, droppable=True, male_only=True),
            _Slot(family, "family", 1.0, 1.0),
        ),
        family_first=(3, 0, 1, 2),
        famfirst_list=0.02,
        famfirst_docket=0.02,
        schemes_list=(1.0,),
        schemes_docket=(1.0,),
        fold_list=0.0,
        fold_docket=0.0,
        fold_is_variant=False,
        aliases=(("kunya", 0.35), ("other_given", 0.2), ("other_name", 0.25), ("short", 0.2)),
        transliterated=True,
    )

    # Vietnamese ----------------------------------------------------------------------------
    v, vx, vn = table["vietnamese"], extra["vietnamese"], _faker("vi_VN")
    spell = _latin("none", True)
    given = _pool(
        _mix(
            (0.5, _ranked(vx["given_m"])),
            (0.3, _ranked(v.given_m)),
            (0.2, _ranked(vn.first_names_male)),
        ),
        _mix(
            (0.5, _ranked(vx["given_f"])),
            (0.3, _ranked(v.given_f)),
            (0.2, _ranked(vn.first_names_female)),
        ),
        spell,
        head=("vietnamese", "given"),
    )
    middle = _pool(_ranked(vx["middle_m"]), _ranked(vx["middle_f"]), spell)
    family = _pool(
        _mix(
            (0.5, _ranked(vx["family"])),
            (0.3, _ranked(v.family)),
            (0.2, _ranked(vn.last_names)),
        ),
        None,
        spell,
    )
    codes, p = countries("vietnamese")
    out["vietnamese"] = _Culture(
        key="vietnamese",
        origin="vietnamese",
        countries=codes,
        country_p=p,
        slots=(
            _Slot(given, "given", 1.0, 1.0),
            _Slot(middle, "middle", 0.85, 0.85, droppable=True),
            _Slot(family, "family", 1.0, 1.0),
        ),
        family_first=(2, 1, 0),
        famfirst_list=0.3,
        famfirst_docket=0.25,
        schemes_list=(1.0,),
        schemes_docket=(1.0,),
        fold_list=0.4,
        fold_docket=0.6,
        fold_is_variant=True,
        aliases=(("english", 0.4), ("other_given", 0.3), ("other_name", 0.3)),
        transliterated=False,
        english=english,
    )

    # Chinese -------------------------------------------------------------------------------
    zh = _faker("zh_CN")
    given = _pool(
        _chinese_given(zh.first_names_male),
        _chinese_given(zh.first_names_female),
        _han(False),
        head=("chinese", "given"),
    )
    family = _pool(_weighted(zh.last_names), None, _han(True))
    codes, p = countries("chinese")
    out["chinese"] = _Culture(
        key="chinese",
        origin="chinese",
        countries=codes,
        country_p=p,
        slots=(_Slot(given, "given", 1.0, 1.0), _Slot(family, "family", 1.0, 1.0)),
        family_first=(1, 0),
        famfirst_list=0.3,
        famfirst_docket=0.2,
        schemes_list=(0.85, 0.15),
        schemes_docket=(0.85, 0.15),
        fold_list=0.0,
        fold_docket=0.0,
        fold_is_variant=False,
        aliases=(("english", 0.4), ("other_given", 0.3), ("other_name", 0.3)),
        transliterated=True,
        english=english,
        wade_giles_countries=("TW", "HK"),
    )

    # Slavic: Russia and Belarus, Ukraine (Cyrillic), Poland --------------------------------
    for key, lang, locale, only in (
        ("slavic_ru", "ru", "ru_RU", ("RU", "BY")),
        ("slavic_uk", "uk", "uk_UA", ("UA",)),
    ):
        fk, head = _faker(locale), extra["russian" if lang == "ru" else "ukrainian"]
        spell = _cyrillic(lang)
        given = _pool(
            _mix((0.7, _ranked(head["given_m"])), (0.3, _ranked(fk.first_names_male, False))),
            _mix((0.7, _ranked(head["given_f"])), (0.3, _ranked(fk.first_names_female, False))),
            spell,
            head=(key, "given"),
        )
        patronymic = _pool(
            _ranked(fk.middle_names_male, False), _ranked(fk.middle_names_female, False), spell
        )
        family = _pool(
            _ranked(fk.last_names_male, lang == "ru"),
            _ranked(fk.last_names_female, lang == "ru"),
            spell,
            head=(key, "family"),
        )
        codes, p = countries("slavic", only)
        out[key] = _Culture(
            key=key,
            origin="slavic",
            countries=codes,
            country_p=p,
            slots=(
                _Slot(given, "given", 1.0, 1.0),
                _Slot(patronymic, "middle", 0.6, 0.2, droppable=True),
                _Slot(family, "family", 1.0, 1.0),
            ),
            family_first=(2, 0, 1),
            famfirst_list=0.05,
            famfirst_docket=0.02,
            schemes_list=(0.60, 0.25, 0.10, 0.05),
            schemes_docket=(0.20, 0.65, 0.10, 0.05),
            fold_list=0.0,
            fold_docket=0.0,
            fold_is_variant=False,
            aliases=(("short", 0.3), ("other_given", 0.3), ("other_name", 0.4)),
            transliterated=True,
        )
    pl = _faker("pl_PL")
    spell = _latin("polish", True)
    given = _pool(
        _ranked(pl.first_names_male),
        _ranked(pl.first_names_female),
        spell,
        head=("slavic_pl", "given"),
    )
    male_family = _mix(
        (0.6, _ranked(pl.male_last_names)), (0.4, _ranked(pl.unisex_last_names, False))
    )
    female_family = _mix(
        (0.6, _ranked(_feminine(n) for n in pl.male_last_names)),
        (0.4, _ranked(pl.unisex_last_names, False)),
    )
    family = _pool(male_family, female_family, spell, head=("slavic_pl", "family"))
    out["slavic_pl"] = three(
        "slavic_pl",
        "slavic",
        given,
        given,
        family,
        (0.3, 0.3),
        fold=(0.5, 0.6),
        fold_is_variant=True,
        only=("PL",),
    )
    return out


def _pool_sizes() -> dict[str, dict[str, int]]:
    """Names per pool, by culture and name part (for the report of assumptions)."""
    out: dict[str, dict[str, int]] = {}
    for key, culture in _cultures().items():
        sizes: dict[str, int] = {}
        for i, slot in enumerate(culture.slots):
            sizes.setdefault(f"{slot.role}{i}" if slot.role == "middle" else slot.role, slot.pool.n)
        out[key] = sizes
    return out


def _culture_shares(mix: Mapping[str, float]) -> list[tuple[_Culture, float]]:
    """Cultures and their shares of a population whose origins are mixed as ``mix``."""
    cultures = _cultures()
    slavic = dict(next(o for o in origins() if o.name == "slavic").countries)
    out: list[tuple[_Culture, float]] = []
    for origin, share in mix.items():
        if origin != "slavic":
            out.append((cultures[origin], share))
            continue
        for key in ("slavic_ru", "slavic_uk", "slavic_pl"):
            c = cultures[key]
            out.append((c, share * sum(slavic[k] for k in c.countries) / sum(slavic.values())))
    return out


# ---------------------------------------------------------------------------------------------
# Names of a batch of people of one culture


@dataclass(frozen=True)
class _Names:
    """Name parts of a batch of people: pool indices (-1: absent) and how they are written."""

    tok: Ints  # (n, _SLOTS)
    female: Bools
    scheme: Ints  # romanization scheme
    fold: Bools  # written without diacritics
    famfirst: Bools  # written family name first

    def take(self, rows: Ints) -> _Names:
        return _Names(
            self.tok[rows],
            self.female[rows],
            self.scheme[rows],
            self.fold[rows],
            self.famfirst[rows],
        )


def _choice(rng: np.random.Generator, weights: Sequence[float] | Floats, n: int) -> Ints:
    w = np.asarray(weights, np.float64)
    if len(w) == 1:
        return np.zeros(n, np.int64)
    return rng.choice(len(w), size=n, p=w / w.sum()).astype(np.int64)


def _draw_names(
    c: _Culture,
    rng: np.random.Generator,
    female: Bools,
    listed: bool,
    country: npt.NDArray[np.str_] | None = None,
) -> _Names:
    n = len(female)
    tok = np.full((n, _SLOTS), -1, np.int64)
    for k, slot in enumerate(c.slots):
        idx = slot.pool.draw(rng, female & (not slot.male_only))
        p = slot.p_list if listed else slot.p_docket
        present = rng.random(n) < p if p < 1 else np.ones(n, np.bool_)
        if slot.single_given:
            present &= c.slots[0].pool.words[tok[:, 0]] == 1
        if k == 1 and slot.pool is c.slots[0].pool:
            # a second given name, or a father's, is seldom the first given name: draw again
            again = idx == tok[:, 0]
            idx[again] = slot.pool.draw(rng, (female & (not slot.male_only))[again])
        tok[:, k] = np.where(present, idx, -1)
    scheme = _choice(rng, c.schemes_list if listed else c.schemes_docket, n)
    if c.wade_giles_countries and country is not None:
        wg = np.isin(country, c.wade_giles_countries)
        scheme[wg] = (rng.random(int(wg.sum())) < 0.8).astype(np.int64)
    fold = rng.random(n) < (c.fold_list if listed else c.fold_docket)
    famfirst = rng.random(n) < (c.famfirst_list if listed else c.famfirst_docket)
    return _Names(tok, female, scheme, fold, famfirst)


def _token(pool: _Pool, idx: Ints, scheme: Ints, fold: Bools) -> Any:
    present = idx >= 0
    s = np.minimum(scheme, pool.n_schemes - 1)
    flat = (fold.astype(np.int64) * pool.n_schemes + s) * pool.n + np.where(present, idx, 0)
    return pool.strings.take(pa.array(flat, mask=~present))


def _join(cols: Sequence[Any], sep: str = " ") -> Any:
    return pc.binary_join_element_wise(*cols, sep, null_handling="skip")


def _render(c: _Culture, nm: _Names, replaced: Sequence[Any | None] | None = None) -> Any:
    """Full names, written as ``nm`` says; ``replaced[k]`` (where not null) spells part k."""
    cols = []
    for k, slot in enumerate(c.slots):
        col = _token(slot.pool, nm.tok[:, k], nm.scheme, nm.fold)
        if replaced is not None and replaced[k] is not None:
            col = pc.coalesce(replaced[k], col)
        cols.append(col)
    out = _join(cols)
    if nm.famfirst.any():
        out = pc.if_else(pa.array(nm.famfirst), _join([cols[i] for i in c.family_first]), out)
    return out


def _render_script(c: _Culture, nm: _Names) -> Any | None:
    """Names in the original script (Cyrillic given names first; Chinese family name first,
    unspaced), or None for a Latin-script culture."""
    if any(slot.pool.script is None for slot in c.slots):
        return None
    cols = [
        slot.pool.script.take(pa.array(np.maximum(nm.tok[:, k], 0), mask=nm.tok[:, k] < 0))
        for k, slot in enumerate(c.slots)
    ]
    if c.key == "chinese":
        return _join([cols[1], cols[0]], "")
    return _join(cols)


def _respell(c: _Culture, nm: _Names, rng: np.random.Generator) -> Any:
    """The names spelt another way: another romanization scheme (Cyrillic, Chinese: 60%)
    and/or one or two parts replaced by one of their variants (variant groups, alternation
    rules). A name with no other spelling comes back as it was."""
    n = len(nm.female)
    scheme = nm.scheme.copy()
    token = np.ones(n, np.bool_)
    if c.n_schemes > 1:
        weights = c.schemes_docket
        new = _choice(rng, weights, n)
        for _ in range(4):
            same = new == scheme
            new[same] = _choice(rng, weights, int(same.sum()))
        same = new == scheme
        new[same] = (scheme[same] + 1) % len(weights)
        switch = rng.random(n) < 0.6
        scheme = np.where(switch, new, scheme)
        token = ~switch | (rng.random(n) < 0.3)
    counts = np.zeros((n, _SLOTS), np.int64)
    for k, slot in enumerate(c.slots):
        idx = np.maximum(nm.tok[:, k], 0)
        counts[:, k] = np.where(
            nm.tok[:, k] >= 0, slot.pool.var_off[idx + 1] - slot.pool.var_off[idx], 0
        )
    keys = rng.random((n, _SLOTS))
    keys[counts == 0] = 2.0
    order = np.argsort(keys, axis=1)
    rows = np.arange(n)
    first, second = order[:, 0], order[:, 1]
    one = token & (keys[rows, first] < 2)
    two = one & (keys[rows, second] < 2) & (rng.random(n) < 0.3)
    replaced: list[Any] = []
    for k, slot in enumerate(c.slots):
        pick = (one & (first == k)) | (two & (second == k))
        u = rng.random(n)
        if not pick.any():
            replaced.append(None)
            continue
        start = slot.pool.var_off[np.maximum(nm.tok[:, k], 0)]
        cnt = np.maximum(counts[:, k], 1)
        j = start + np.minimum((u * cnt).astype(np.int64), cnt - 1)
        folded = nm.fold.astype(np.int64) * slot.pool.n_variants
        if c.fold_is_variant:  # the variant may be the very spelling the row already has
            current = _token(slot.pool, np.where(pick, nm.tok[:, k], -1), scheme, nm.fold)
            variant = slot.pool.variants.take(pa.array(j + folded, mask=~pick))
            j = np.where(_same(variant, current), start + (j - start + 1) % cnt, j)
        replaced.append(slot.pool.variants.take(pa.array(j + folded, mask=~pick)))
    return _render(c, replace(nm, scheme=scheme), replaced)


def _same(a: Any, b: Any) -> Bools:
    return np.asarray(pc.fill_null(pc.equal(a, b), False).to_numpy(zero_copy_only=False), np.bool_)


def _valid(a: Any) -> Bools:
    return np.asarray(a.is_valid().to_numpy(zero_copy_only=False), np.bool_)


def _null_where(a: Any, mask: Bools) -> Any:
    if not mask.any():
        return a
    return pc.if_else(pa.array(mask), pa.scalar(None, pa.string()), a)


def _scatter(n: int, pieces: Sequence[tuple[Ints, Any]]) -> Any:
    """An array of ``n`` strings: piece values at their rows, null elsewhere."""
    pos = np.full(n, -1, np.int64)
    at = 0
    for rows, _values in pieces:
        pos[rows] = at + np.arange(len(rows))
        at += len(rows)
    if not pieces:
        return pa.nulls(n, pa.string())
    values = pa.concat_arrays([v for _, v in pieces])
    return values.take(pa.array(np.maximum(pos, 0), mask=pos < 0))


def _alias(c: _Culture, kind: str, nm: _Names, rng: np.random.Generator, listed: bool) -> Any:
    """Another name of each person of ``nm``, of one kind."""
    n = len(nm.female)
    if kind == "order":
        return _render(c, replace(nm, famfirst=~nm.famfirst))
    if kind == "kunya":  # "father of" / "mother of" a son
        pool = c.slots[0].pool
        son = _token(pool, pool.draw(rng, np.zeros(n, np.bool_)), nm.scheme, nm.fold)
        return _join([pa.array(np.where(nm.female, "Umm", "Abu")), son])
    if kind == "english" and c.english is not None:
        given = _token(c.english, c.english.draw(rng, nm.female), np.zeros(n, np.int64), nm.fold)
        f = c.family_slot
        family = _token(c.slots[f].pool, nm.tok[:, f], nm.scheme, nm.fold)
        return _join([given, family])
    if kind == "other_name":
        return _render(c, replace(nm, tok=_draw_names(c, rng, nm.female, listed).tok))
    other_given = nm.tok.copy()
    other_given[:, 0] = c.slots[0].pool.draw(rng, nm.female)
    if c.slots[1].pool is c.slots[0].pool:  # not the second given name again
        again = other_given[:, 0] == nm.tok[:, 1]
        other_given[again, 0] = c.slots[0].pool.draw(rng, nm.female[again])
    tok = nm.tok.copy()
    changed = np.zeros(n, np.bool_)
    for k, slot in enumerate(c.slots):
        if slot.droppable and (
            (kind == "first_family" and slot.role == "family")
            or (kind == "short" and slot.role == "middle")
        ):
            changed |= tok[:, k] >= 0
            tok[:, k] = -1
    tok = np.where(changed[:, None], tok, other_given)
    return _render(c, replace(nm, tok=tok))


def _aliases(
    c: _Culture,
    nm: _Names,
    rng: np.random.Generator,
    counts: Ints,
    kinds: Sequence[tuple[str, float]],
    listed: bool,
    seen: list[Any],
) -> tuple[list[Any], Bools]:
    """``counts[i]`` aliases for person i (columns of strings, null where none), and whether
    each is a full name (not a kunya). An alias equal to a name in ``seen`` is left out;
    every alias made joins ``seen``."""
    n = len(counts)
    width = int(counts.max(initial=0))
    full = np.zeros((n, width), np.bool_)
    cols: list[Any] = []
    labels = [k for k, _ in kinds]
    for a in range(width):
        rows = np.nonzero(counts > a)[0]
        which = _choice(rng, [w for _, w in kinds], len(rows))
        pieces = []
        for i, kind in enumerate(labels):
            sub = rows[which == i]
            if len(sub):
                pieces.append((sub, _alias(c, kind, nm.take(sub), rng, listed)))
                full[sub, a] = kind != "kunya"
        col = _scatter(n, pieces)
        dup = np.zeros(n, np.bool_)
        for other in seen:
            dup |= _same(col, other)
        col = _null_where(col, dup)
        full[:, a] &= _valid(col)
        seen.append(col)
        cols.append(col)
    return cols, full


def _docket_alias_kinds(c: _Culture) -> tuple[tuple[str, float], ...]:
    if c.key == "hispanic":
        return (("first_family", 0.4), ("order", 0.2), ("other_given", 0.2), ("other_name", 0.2))
    return (("order", 0.3), ("other_given", 0.35), ("other_name", 0.35))


# ---------------------------------------------------------------------------------------------
# Dates, identifiers, documents


def _birth_days(rng: np.random.Generator, n: int) -> Ints:
    """Days since 1970-01-01 of people aged 18 to 75 on the reference day."""
    age = (18.0 + 58.0 * rng.beta(2.0, 3.0, n)) * 365.2425
    return _REFERENCE_DAY - np.floor(age).astype(np.int64)


def _ymd(days: Ints) -> tuple[Ints, Ints, Ints]:
    d = days.astype("datetime64[D]")
    m = d.astype("datetime64[M]")
    y = d.astype("datetime64[Y]")
    month = (m - y.astype("datetime64[M]")).astype(np.int64) + 1
    day = (d - m.astype("datetime64[D]")).astype(np.int64) + 1
    return y.astype(np.int64) + 1970, month, day


def _swapped(days: Ints) -> Ints:
    """The dates with day and month swapped (the day must be 12 or less)."""
    year, month, day = _ymd(days)
    first = ((year - 1970) * 12 + day - 1).astype("datetime64[M]").astype("datetime64[D]")
    return (first + (month - 1)).astype(np.int64)


def _unique_ints(rng: np.random.Generator, n: int, low: int, high: int) -> Ints:
    """``n`` distinct integers drawn uniformly from [low, high)."""
    values = rng.integers(low, high, n, dtype=np.int64)
    while True:
        order = np.argsort(values, kind="stable")
        ranked = values[order]
        repeated = np.zeros(n, np.bool_)
        repeated[1:] = ranked[1:] == ranked[:-1]
        if not repeated.any():
            return values
        again = order[repeated]
        values[again] = rng.integers(low, high, len(again), dtype=np.int64)


def _prefixed(prefix: str, values: Ints, width: int) -> Any:
    digits = pc.utf8_lpad(pc.cast(pa.array(values), pa.string()), width, "0")
    return pc.utf8_replace_slice(digits, start=0, stop=0, replacement=prefix)


class _Documents:
    """Passport numbers ("A1234567"), all distinct, handed out in order."""

    def __init__(self, rng: np.random.Generator, n: int) -> None:
        self._values = _unique_ints(rng, n, 0, _DOC_SPAN)
        self._at = 0

    def issue(self, mask: Bools) -> Any:
        """A number for each row where ``mask`` holds, null elsewhere."""
        k = int(mask.sum())
        values = self._values[self._at : self._at + k]
        self._at += k
        letters = pa.array(_DOC_LETTERS).take(pa.array(values // 10**7))
        digits = pc.utf8_lpad(pc.cast(pa.array(values % 10**7), pa.string()), 7, "0")
        return _scatter(len(mask), [(np.nonzero(mask)[0], _join([letters, digits], ""))])


def _strings(values: npt.NDArray[np.str_]) -> Any:
    """A string array, null where the value is empty."""
    return pa.array(values, pa.string(), mask=values == "")


# ---------------------------------------------------------------------------------------------
# Watchlist entries


@dataclass(frozen=True)
class _Entries:
    """Entries of one culture, with what planting needs to know about them."""

    culture: _Culture
    names: _Names
    primary: Any
    aliases: list[Any]  # four columns of strings, null where no alias
    alias_full: Bools  # (n, 4): the alias is a full name (not a kunya)
    translits: list[Any]  # two columns (none for Latin-script origins)
    script: Any  # the original script, or None
    dob: Ints  # the true date of birth
    dob_kind: Ints  # 0 full, 1 year, 2 year-month, 3 unknown
    nat1: npt.NDArray[np.str_]
    nat2: npt.NDArray[np.str_]
    doc1: Any
    doc2: Any
    doc1_country: npt.NDArray[np.str_]
    doc2_country: npt.NDArray[np.str_]
    trial: Any  # a respelling, for the transliteration and document labels
    trial_ok: Bools  # ... which differs from the primary name
    trial_fold: Bools  # whether the planted person's record drops diacritics

    @property
    def n(self) -> int:
        return len(self.dob)


def _countries(c: _Culture, rng: np.random.Generator, n: int) -> npt.NDArray[np.str_]:
    return np.array(c.countries)[_choice(rng, c.country_p, n)]


def _entries(c: _Culture, rng: np.random.Generator, n: int, docs: _Documents) -> _Entries:
    female = rng.random(n) >= _MALE_LIST
    country = _countries(c, rng, n)
    nm = _draw_names(c, rng, female, True, country)
    primary = _render(c, nm)
    seen = [primary]
    n_aliases = _choice(rng, _ALIAS_COUNTS, n)
    aliases, alias_full = _aliases(c, nm, rng, n_aliases, c.aliases, True, seen)
    aliases += [pa.nulls(n, pa.string())] * (len(_ALIAS_COUNTS) - 1 - len(aliases))
    alias_full = np.pad(alias_full, ((0, 0), (0, len(_ALIAS_COUNTS) - 1 - alias_full.shape[1])))
    translits: list[Any] = []
    if c.transliterated:
        count = np.where(rng.random(n) < 0.5, 2, 1)
        for t in range(2):
            col = _respell(c, nm, rng)
            dup = count <= t
            for other in seen:
                dup |= _same(col, other)
            col = _null_where(col, dup)
            seen.append(col)
            translits.append(col)
    dob = _birth_days(rng, n)
    dob_kind = _choice(rng, _DOB_KINDS, n)
    # nationalities: 5% unknown; 15% a second one (of the origin or a Western country)
    known = rng.random(n) >= 0.05
    nat1 = np.where(known, country, "")
    other = _countries(c, rng, n)
    western = np.array(_SECOND_NATIONALITIES)[rng.integers(0, len(_SECOND_NATIONALITIES), n)]
    nat2 = np.where((rng.random(n) < 0.5) & (other != country), other, western)
    nat2 = np.where(known & (rng.random(n) < 0.15) & (nat2 != nat1), nat2, "")
    has_doc = rng.random(n) < 0.5
    has_doc2 = has_doc & (rng.random(n) < 0.15)
    doc1 = docs.issue(has_doc)
    doc2 = docs.issue(has_doc2)
    trial_fold = rng.random(n) < c.fold_docket
    trial = _respell(c, replace(nm, fold=trial_fold), rng)
    return _Entries(
        culture=c,
        names=nm,
        primary=primary,
        aliases=aliases,
        alias_full=alias_full,
        translits=translits,
        script=_render_script(c, nm),
        dob=dob,
        dob_kind=dob_kind,
        nat1=nat1,
        nat2=nat2,
        doc1=doc1,
        doc2=doc2,
        doc1_country=np.where(has_doc, country, ""),
        doc2_country=np.where(has_doc2, np.where(nat2 != "", nat2, country), ""),
        trial=trial,
        trial_ok=~_same(trial, primary),
        trial_fold=trial_fold,
    )


def _dob_strings(days: Ints, kind: Ints) -> Any:
    n = len(days)
    iso = pc.cast(pa.array(days.astype(np.int32), pa.date32()), pa.string())
    forms = pa.concat_arrays(
        [iso, pc.utf8_slice_codeunits(iso, 0, 4), pc.utf8_slice_codeunits(iso, 0, 7)]
    )
    at = np.minimum(kind, 2) * n + np.arange(n)
    return forms.take(pa.array(at, mask=kind == 3))


def _lists(cols: Sequence[Any], kinds: Sequence[int] | None = None) -> tuple[Any, Any]:
    """A list array of the non-null values of ``cols``, row by row, in column order; and,
    when ``kinds`` gives each column's name kind (0 primary, 1 alias, 2 transliteration,
    3 original script), the parallel list array of kinds (else None)."""
    n = len(cols[0])
    valid = np.stack([_valid(col) for col in cols], axis=1)
    rows, ks = np.nonzero(valid)
    values = pa.concat_arrays(list(cols)).take(pa.array(ks * n + rows))
    offsets = np.zeros(n + 1, np.int32)
    np.cumsum(valid.sum(axis=1), out=offsets[1:])
    off = pa.array(offsets)
    names = pa.ListArray.from_arrays(off, values)
    if kinds is None:
        return names, None
    labels = pa.array(["primary", "alias", "transliteration", "original_script"])
    kind_values = labels.take(pa.array(np.asarray(kinds, np.int64)[ks]))
    return names, pa.ListArray.from_arrays(off, kind_values)


def _watchlist_table(batches: Sequence[_Entries], ids: Any, biometric: Any, perm: Ints) -> Any:
    def cat(get: Callable[[_Entries], Any]) -> Any:
        return pa.concat_arrays([get(b) for b in batches]).take(pa.array(perm))

    def nullable(get: Callable[[_Entries], Any | None]) -> Callable[[_Entries], Any]:
        def inner(b: _Entries) -> Any:
            value = get(b)
            return pa.nulls(b.n, pa.string()) if value is None else value

        return inner

    def nth(items: Callable[[_Entries], list[Any]], i: int) -> Callable[[_Entries], Any | None]:
        return lambda b: items(b)[i] if i < len(items(b)) else None

    cols = [cat(lambda b: b.primary)]
    cols += [cat(nullable(nth(lambda b: b.aliases, i))) for i in range(len(_ALIAS_COUNTS) - 1)]
    cols += [cat(nullable(nth(lambda b: b.translits, i))) for i in range(2)]
    cols.append(cat(nullable(lambda b: b.script)))
    names, kinds = _lists(cols, [0, 1, 1, 1, 1, 2, 2, 3])
    nats, _ = _lists([cat(lambda b: _strings(b.nat1)), cat(lambda b: _strings(b.nat2))])
    doc_numbers, _ = _lists([cat(lambda b: b.doc1), cat(lambda b: b.doc2)])
    doc_countries, _ = _lists(
        [cat(lambda b: _strings(b.doc1_country)), cat(lambda b: _strings(b.doc2_country))]
    )
    dob = cat(lambda b: _dob_strings(b.dob, b.dob_kind))
    return pa.Table.from_arrays(
        [
            ids.take(pa.array(perm)),
            names,
            kinds,
            dob,
            nats,
            doc_numbers,
            doc_countries,
            biometric.take(pa.array(perm)),
        ],
        schema=WATCHLIST_SCHEMA,
    )


# ---------------------------------------------------------------------------------------------
# The docket and the planted people


@dataclass(frozen=True)
class _Docket:
    """Docket rows of one culture (planted or not)."""

    name: Any
    aliases: list[Any]  # two columns, null where none
    dob: Ints
    female: Bools
    nationality: npt.NDArray[np.str_]
    doc: Any
    doc_country: Any


def _docket_aliases(
    c: _Culture, nm: _Names, name: Any, rng: np.random.Generator, allowed: Bools
) -> list[Any]:
    n = len(nm.female)
    counts = np.where(allowed & (rng.random(n) < 0.10), np.where(rng.random(n) < 0.2, 2, 1), 0)
    cols, _ = _aliases(c, nm, rng, counts, _docket_alias_kinds(c), False, [name])
    return cols + [pa.nulls(n, pa.string())] * (2 - len(cols))


def _docket(c: _Culture, rng: np.random.Generator, n: int, docs: _Documents) -> _Docket:
    female = rng.random(n) >= _MALE_DOCKET
    country = _countries(c, rng, n)
    nm = _draw_names(c, rng, female, False, country)
    name = _render(c, nm)
    aliases = _docket_aliases(c, nm, name, rng, np.ones(n, np.bool_))
    has_doc = rng.random(n) < 0.4
    return _Docket(
        name=name,
        aliases=aliases,
        dob=_birth_days(rng, n),
        female=female,
        nationality=country,
        doc=docs.issue(has_doc),
        doc_country=_strings(np.where(has_doc, country, "")),
    )


def _apportion(n: int, mix: Mapping[str, float]) -> dict[str, int]:
    """``n`` split by ``mix``, largest remainders first (ties in ``VARIANTS`` order)."""
    exact = {k: n * w / sum(mix.values()) for k, w in mix.items()}
    out = {k: int(np.floor(v)) for k, v in exact.items()}
    rest = sorted(mix, key=lambda k: (-(exact[k] - out[k]), VARIANTS.index(k)))
    for k in rest[: n - sum(out.values())]:
        out[k] += 1
    return out


_PLANT_ORDER = (
    "document",
    "swapped_dob",
    "partial_dob",
    "alias",
    "dropped_name",
    "transliteration",
    "name_order",
    "exact",
)


def _choose_planted(
    batches: Sequence[_Entries], n_planted: int, rng: np.random.Generator
) -> tuple[Ints, npt.NDArray[np.str_]]:
    """Distinct entries (global indices) to plant, and each one's variant label."""
    kind = np.concatenate([b.dob_kind for b in batches])
    dob = np.concatenate([b.dob for b in batches])
    _, month, day = _ymd(dob)
    usual = (kind == 0) | (kind == 3)
    droppable = np.concatenate(
        [
            np.any(
                [(b.names.tok[:, k] >= 0) & s.droppable for k, s in enumerate(b.culture.slots)],
                axis=0,
            )
            for b in batches
        ]
    )
    trial_ok = np.concatenate([b.trial_ok for b in batches])
    eligible = {
        "document": usual & trial_ok & np.concatenate([_valid(b.doc1) for b in batches]),
        "swapped_dob": (kind == 0) & (day <= 12) & (day != month),
        "partial_dob": (kind == 1) | (kind == 2),
        "alias": usual & np.concatenate([b.alias_full.any(axis=1) for b in batches]),
        "dropped_name": usual & droppable,
        "transliteration": usual & trial_ok,
        "name_order": usual,
        "exact": usual,
    }
    wanted = _apportion(n_planted, VARIANT_MIX)
    taken = np.zeros(len(kind), np.bool_)
    chosen: list[Ints] = []
    labels: list[str] = []
    short = 0
    for label in _PLANT_ORDER:
        want = wanted[label] + (short if label == "exact" else 0)
        candidates = np.nonzero(eligible[label] & ~taken)[0]
        if label == "exact" and len(candidates) < want:
            candidates = np.nonzero(~taken)[0]
        k = min(want, len(candidates))
        pick = rng.choice(candidates, size=k, replace=False) if k else np.zeros(0, np.int64)
        taken[pick] = True
        chosen.append(pick.astype(np.int64))
        labels += [label] * k
        short += want - k
    return np.concatenate(chosen), np.array(labels, dtype="<U16")


def _planted(
    e: _Entries,
    rows: Ints,
    labels: npt.NDArray[np.str_],
    rng: np.random.Generator,
    docs: _Documents,
) -> _Docket:
    """Docket records of the people of entries ``rows`` of ``e``, each written as its label
    says."""
    c, m = e.culture, len(rows)
    nm = e.names.take(rows)
    exact = labels == "exact"
    fold = np.where(exact, nm.fold, e.trial_fold[rows])
    famfirst = nm.famfirst ^ (labels == "name_order")
    tok = nm.tok.copy()
    drop = labels == "dropped_name"
    if drop.any():
        keys = rng.random((m, _SLOTS))
        for k in range(_SLOTS):
            if k >= len(c.slots) or not c.slots[k].droppable:
                keys[:, k] = 2.0
        keys[tok < 0] = 2.0
        which = np.argmin(keys, axis=1)
        hit = drop & (keys[np.arange(m), which] < 2)
        tok[hit, which[hit]] = -1
    name = _render(c, _Names(tok, nm.female, nm.scheme, fold, famfirst))
    respelt = np.isin(labels, ("transliteration", "document"))
    name = pc.if_else(pa.array(respelt), e.trial.take(pa.array(rows)), name)
    alias = labels == "alias"
    if alias.any():
        keys = rng.random((m, e.alias_full.shape[1]))
        keys[~e.alias_full[rows]] = 2.0
        which = np.argmin(keys, axis=1)
        chosen = pa.concat_arrays(e.aliases).take(pa.array(which * e.n + rows))
        name = pc.if_else(pa.array(alias), chosen, name)
    dob = e.dob[rows]
    swap = labels == "swapped_dob"
    dob = np.where(swap, _swapped(dob), dob)
    # nationality: the entry's first 90% of the time; otherwise another one
    nat1 = e.nat1[rows]
    other = _countries(c, rng, m)
    western = np.array(_SECOND_NATIONALITIES)[rng.integers(0, len(_SECOND_NATIONALITIES), m)]
    other = np.where(other == nat1, western, other)
    keep = (rng.random(m) < 0.9) & (nat1 != "")
    nationality = np.where(keep, nat1, other)
    document = labels == "document"
    new_doc = ~document & (rng.random(m) < 0.4)
    doc = pc.if_else(pa.array(document), e.doc1.take(pa.array(rows)), docs.issue(new_doc))
    doc_country = np.where(document, e.doc1_country[rows], np.where(new_doc, nationality, ""))
    aliases = _docket_aliases(
        c, replace(nm, tok=tok, fold=fold, famfirst=famfirst), name, rng, ~alias
    )
    return _Docket(
        name=name,
        aliases=aliases,
        dob=dob,
        female=nm.female,
        nationality=nationality,
        doc=doc,
        doc_country=_strings(doc_country),
    )


# ---------------------------------------------------------------------------------------------
# The world


def generate(
    *,
    supervised: int,
    watchlist: int,
    seed: int,
    planted_share: float = 0.005,
    progress: Callable[[int], None] | None = None,
) -> ScreeningWorld:
    """A watchlist of ``watchlist`` entries, a docket of ``supervised`` people of whom
    ``round(planted_share * supervised)`` are watchlist entries, and that truth.

    ``progress(n)`` is called as rows are made (entries and people, ``n`` at a time).
    """
    if supervised < 0 or watchlist < 0:
        raise ValueError("sizes must not be negative")
    if not 0.0 <= planted_share <= 1.0:
        raise ValueError("planted_share must be between 0 and 1")
    n_planted = round(planted_share * supervised)
    if n_planted > watchlist:
        raise ValueError(f"cannot plant {n_planted} people on {watchlist} entries")
    tick = progress if progress is not None else (lambda _n: None)
    rng = np.random.default_rng(seed)
    docs = _Documents(rng, 2 * watchlist + supervised)

    shares = _culture_shares(WATCHLIST_MIX)
    counts = rng.multinomial(
        watchlist, np.array([s for _, s in shares]) / sum(s for _, s in shares)
    )
    batches: list[_Entries] = []
    for (culture, _), count in zip(shares, counts, strict=True):
        if count:
            batches.append(_entries(culture, rng, int(count), docs))
            tick(int(count))
    starts = np.cumsum([0] + [b.n for b in batches])

    if batches:
        chosen, labels = _choose_planted(batches, n_planted, rng)
    else:
        chosen, labels = np.zeros(0, np.int64), np.zeros(0, "<U16")
    people: list[_Docket] = []
    planted_entries: list[Ints] = [np.zeros(0, np.int64)]
    planted_labels: list[npt.NDArray[np.str_]] = [np.zeros(0, "<U16")]
    docket_shares = _culture_shares({o.name: o.share for o in origins()})
    docket_counts = rng.multinomial(
        supervised - n_planted,
        np.array([s for _, s in docket_shares]) / sum(s for _, s in docket_shares),
    )
    for (culture, _), count in zip(docket_shares, docket_counts, strict=True):
        if count:
            people.append(_docket(culture, rng, int(count), docs))
            tick(int(count))
    for b, batch in enumerate(batches):
        inside = (chosen >= starts[b]) & (chosen < starts[b + 1])
        if inside.any():
            people.append(_planted(batch, chosen[inside] - starts[b], labels[inside], rng, docs))
            planted_entries.append(chosen[inside])
            planted_labels.append(labels[inside])
            tick(int(inside.sum()))

    # watchlist: ids, biometric identities, shuffled rows
    entry_ids = _prefixed("KST", _unique_ints(rng, watchlist, 0, 10**8), 8)
    biometric_mask = rng.random(watchlist) < 0.10
    biometric = pa.array(
        np.where(biometric_mask, _unique_ints(rng, watchlist, 10**9, 10**10), 0),
        pa.int64(),
        mask=~biometric_mask,
    )
    entry_perm = rng.permutation(watchlist)
    if batches:
        watch = _watchlist_table(batches, entry_ids, biometric, entry_perm)
    else:
        watch = WATCHLIST_SCHEMA.empty_table()

    # docket: shuffled rows, A-numbers in row order; planted people are the last rows made
    perm = rng.permutation(supervised)
    person_ids = _prefixed("A", _unique_ints(rng, supervised, 200_000_000, 400_000_000), 9)
    docket = _docket_table(people, person_ids, perm) if people else SUPERVISED_SCHEMA.empty_table()
    where = np.empty(supervised, np.int64)
    where[perm] = np.arange(supervised)
    positions = where[supervised - n_planted :]
    order = np.argsort(positions)
    truth = pa.Table.from_arrays(
        [
            person_ids.take(pa.array(positions[order])),
            entry_ids.take(pa.array(np.concatenate(planted_entries)[order])),
            pa.array(np.concatenate(planted_labels)[order], pa.string()),
        ],
        schema=TRUTH_SCHEMA,
    )
    return ScreeningWorld(watchlist=watch, supervised=docket, truth=truth)


def _docket_table(people: Sequence[_Docket], person_ids: Any, perm: Ints) -> Any:
    def cat(get: Callable[[_Docket], Any]) -> Any:
        return pa.concat_arrays([get(p) for p in people]).take(pa.array(perm))

    def cat_np(get: Callable[[_Docket], npt.NDArray[Any]]) -> npt.NDArray[Any]:
        return np.concatenate([get(p) for p in people])[perm]

    aliases, _ = _lists([cat(lambda p: p.aliases[0]), cat(lambda p: p.aliases[1])])
    return pa.Table.from_arrays(
        [
            person_ids,
            cat(lambda p: p.name),
            aliases,
            pa.array(cat_np(lambda p: p.dob).astype(np.int32), pa.date32()),
            pa.array(np.where(cat_np(lambda p: p.female), "F", "M"), pa.string()),
            pa.array(cat_np(lambda p: p.nationality), pa.string()),
            cat(lambda p: p.doc),
            cat(lambda p: p.doc_country),
        ],
        schema=SUPERVISED_SCHEMA,
    )


def write(world: ScreeningWorld, directory: Path) -> None:
    """``directory``/watchlist.parquet, supervised.parquet and truth.parquet (zstd)."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, table in (
        ("watchlist", world.watchlist),
        ("supervised", world.supervised),
        ("truth", world.truth),
    ):
        pq.write_table(table, directory / f"{name}.parquet", compression="zstd")
