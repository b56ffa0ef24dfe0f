"""The answers a report is computed from, reduced to counts: the one input of every figure in `reports.report`.

A report needs no answer row by itself: the IKM is per-unsur sums and counts, the profile and the channels are
counts per option, the trend is the same per period, the dates are the first and last answer.  So answers are
first reduced to `Counts`, in groups of (session, section, month, channel); each figure is then computed
from the groups.  A frame of rows (a CSV, an import, a test) is reduced here by `from_rows`; the store
reduces its million answers with GROUP BY queries and hands the same tables to `from_tables`.  Either way
the computation after that is one path.  Free texts (saran, follow-ups) are the only per-answer part, kept
in answer order because the report lists them so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from pandas._libs import lib

from .instrument import IPAK, PROFILE_KEYS, UNSUR, says_nothing
from .periods import PERIOD_RE, period_key

GROUP_KEYS = ("session_id", "session_title", "section", "month", "channel")
GROUP_COLUMNS = [*GROUP_KEYS, "rows", "respondents", "ipak_respondents", "first", "last"]
SCORED = (*UNSUR, *IPAK)  # answered 1–4: counted per value, summed
TEXTS = ("saran", *(f"perbaikan_{key}" for key in UNSUR))


@dataclass(frozen=True)
class Counts:
    """Answers in groups.  `groups`: one row per (session_id, session_title, section, month, channel) with
    `rows` (answers), `respondents` (answers giving at least one IKM unsur), `ipak_respondents` (at least
    one IPAK statement), `first` and `last` (answer times, in the office's zone; NaT without dates).
    `month` is the local month as 202607 (NA without a date).  `answers`: per group, key and value, how many
    gave it (scored answers as numbers, only valid ones; other answers as text).  `texts`: one row per
    non-empty free text (`column`: saran or perbaikan_<unsur>), in answer order.  `columns`: the columns the
    answers had (an unsur column absent is an unsur switched off, as in a frame)."""

    groups: pd.DataFrame
    answers: pd.DataFrame
    texts: pd.DataFrame
    columns: frozenset[str]

    @property
    def empty(self) -> bool:
        return int(self.groups["rows"].sum()) == 0

    def __len__(self) -> int:
        return int(self.groups["rows"].sum())

    def where(self, keep: Sequence[bool] | np.ndarray | pd.Series) -> Counts:
        """Only the groups where `keep` is true (one flag per group)."""
        mask = np.asarray(keep, dtype=bool)
        chosen = self.groups.index[mask]
        return Counts(
            self.groups[mask],
            self.answers[self.answers["group"].isin(chosen)],
            self.texts[self.texts["group"].isin(chosen)],
            self.columns,
        )

    def without(self, keys: Iterable[str]) -> Counts:
        """The counts with the columns `keys` left out (unsur switched off).  Respondents were counted over the
        columns given, so leaving out one that was answered needs the rows again: a ValueError says so."""
        gone = [k for k in keys if k in self.columns]
        if not gone:
            return self
        if any(k in UNSUR for k in gone) and self.answers["key"].isin(gone).any():
            raise ValueError(f"Counts were taken with {', '.join(gone)}; reduce the rows without them.")
        return Counts(self.groups, self.answers, self.texts, self.columns - set(gone))

    def section(self, name: str) -> Counts:
        return self.where(self.groups["section"].to_numpy(dtype=object) == name)

    def period(self, period: str) -> Counts:
        """The groups of `period` (YYYY-MM | YYYY-Qn | YYYY-Sn | YYYY), as `reports.periods.filter_period`."""
        m = PERIOD_RE.match(period.strip())
        if not m:
            raise ValueError(f"Periode tidak dikenali: {period}. Contoh: 2026-07, 2026-Q3, 2026-S1, 2026.")
        month = pd.to_numeric(self.groups["month"], errors="coerce").to_numpy(dtype="float64")
        year, mon = month // 100, month % 100
        keep = year == int(m[1])
        if m[2]:
            if not 1 <= int(m[2]) <= 12:
                raise ValueError(f"Periode tidak dikenali: {period}. Bulan harus 01–12.")
            keep &= mon == int(m[2])
        elif m[3]:
            keep &= (mon - 1) // 3 + 1 == int(m[3])
        elif m[4]:
            keep &= (mon > 6) == (m[4] == "2")
        return self.where(keep)

    def key_positions(self, keys: Sequence[str]) -> np.ndarray:
        """For each row of `answers`, the position of its key in `keys` (-1: another key), read from the key
        column's category codes: no string compared per counted pair."""
        found: dict[tuple[str, ...], np.ndarray] = self.__dict__.setdefault("_positions", {})  # per Counts
        wanted = tuple(keys)
        if wanted not in found:
            column = self.answers["key"]
            index = pd.Index(list(wanted), dtype=object)
            if isinstance(column.dtype, pd.CategoricalDtype):
                lookup = np.append(index.get_indexer(column.cat.categories.astype(object)), -1)  # -1: no key
                found[wanted] = lookup[column.cat.codes.to_numpy()]
            else:
                found[wanted] = index.get_indexer(column.to_numpy(dtype=object))
            found[wanted].flags.writeable = False  # shared by every caller asking for the same keys
        return found[wanted]

    def group_sums(self, keys: Sequence[str]) -> tuple[np.ndarray, np.ndarray] | None:
        """Per group (by position in `groups`) and key of `keys`: the sum of the values given and how many
        gave one, as two (groups x keys) tables, computed once per set of keys and shared (read-only).

        None when a value x count is not a whole number or a sum could reach 2**53: only whole sums below
        that are exact whatever the order of adding, which is what lets a grouping (`reports.grouping`) and
        the IKM sums (`reports.ikm`) add these per-group sums instead of every counted pair and still get
        the same figure to the digit.  None too when a counted pair names no group."""
        found: dict[tuple[str, ...], Any] = self.__dict__.setdefault("_group_sums", {})
        wanted = tuple(keys)
        if wanted not in found:
            found[wanted] = self._sum_groups(wanted)
        return found[wanted]

    def _sum_groups(self, keys: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray] | None:
        size, width = len(self.groups), len(keys)
        positions = self.key_positions(keys)
        numbers = self.answers["group"].to_numpy()
        index = self.groups.index
        contiguous = isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1
        rows = numbers if contiguous else index.get_indexer(numbers)  # group numbers are positions, or not
        if not contiguous and (rows < 0).any():  # a counted pair of no group: the pairs are added instead
            return None
        kept = positions >= 0
        every = bool(kept.all())
        values = self.answers["value"].to_numpy()
        values = (values if every else values[kept]).astype("float64")
        weights = self.answers["n"].to_numpy(dtype="float64")
        weights = weights if every else weights[kept]
        products = values * weights
        whole = (products == np.round(products)).all()
        if not (whole and np.abs(products).sum() < 2**53 and weights.sum() < 2**53):
            return None
        slot = (rows if every else rows[kept]) * width + (positions if every else positions[kept])
        sums = np.bincount(slot, weights=products, minlength=size * width).reshape(size, width)
        given = np.bincount(slot, weights=weights, minlength=size * width).reshape(size, width)
        sums.flags.writeable = given.flags.writeable = False
        return sums, given

    @cached_property
    def _key_rows(self) -> dict[Any, np.ndarray | slice]:
        """The rows of `answers` of each key, in table order: slices when each key's rows are together (as
        `from_rows` writes them), else positions from one stable sort.  Found once, then every per-key
        look-up reads its rows only, not the whole table."""
        column = self.answers["key"]
        if not isinstance(column.dtype, pd.CategoricalDtype) or not len(column):
            return {}
        codes = column.cat.codes.to_numpy()
        names = column.cat.categories
        starts = np.flatnonzero(np.diff(codes)) + 1
        bounds = [0, *starts.tolist(), len(codes)]
        runs = codes[bounds[:-1]]
        if len(set(runs.tolist())) == len(runs):  # one run per key
            return {
                names[c]: slice(a, b)
                for c, a, b in zip(runs.tolist(), bounds[:-1], bounds[1:], strict=True)
                if c >= 0
            }
        order = np.argsort(codes, kind="stable")
        ends = np.searchsorted(codes[order], np.arange(len(names) + 1))
        return {name: order[ends[i] : ends[i + 1]] for i, name in enumerate(names)}

    def answer_counts(self, key: str) -> pd.Series:
        """How many gave each value of `key` (value → count, in order of value)."""
        if isinstance(self.answers["key"].dtype, pd.CategoricalDtype):
            where = self._key_rows.get(key, slice(0, 0))
            rows = self.answers.iloc[where]
        else:
            rows = self.answers[self.answers["key"] == key]
        values, numbers = rows["value"].to_numpy(), rows["n"].to_numpy()
        if values.dtype.kind == "f" and len(values) and numbers.dtype.kind in "iu":
            whole = values.astype("int64")
            if whole.min() >= 0 and whole.max() < 64 and (whole == values).all() and numbers.sum() < 2**53:
                # scores: the groupby below as two bincounts (whole counts below 2**53 add up exactly)
                given = np.flatnonzero(np.bincount(whole))
                sums = np.bincount(whole, weights=numbers)[given].astype(numbers.dtype)
                return pd.Series(sums, index=pd.Index(given.astype(values.dtype), name="value"), name="n")
        return rows.groupby("value", sort=True)["n"].sum()


def _empty_answers() -> pd.DataFrame:
    return pd.DataFrame(
        {"group": pd.Series(dtype="int64"), "key": [], "value": [], "n": pd.Series(dtype="int64")}
    )


def _empty_texts() -> pd.DataFrame:
    return pd.DataFrame({"group": pd.Series(dtype="int64"), "column": [], "text": []})


def numeric(column: pd.Series) -> np.ndarray:
    """A column of answers as float64 with NaN for missing (no conversion pass when already numeric)."""
    if pd.api.types.is_numeric_dtype(column.dtype):
        return column.to_numpy(dtype="float64", na_value=np.nan)
    return pd.to_numeric(column, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def _codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes of a grouping key (-1: missing) and the value of each code.  Only which rows share a value
    matters (groups are numbered by first appearance later), so the cheapest coding is taken: a category's
    own codes, small integers offset from their minimum, other values hashed (strings as plain objects:
    hashing a pandas string array costs twice as much)."""
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy(dtype="int64"), np.asarray(dtype.categories, dtype=object)
    if (
        isinstance(dtype, np.dtype)
        and (dtype.kind == "i" or dtype.kind == "u" and dtype.itemsize < 8)
        and len(values)
    ):
        array = values.to_numpy().astype("int64")
        low, high = int(array.min()), int(array.max())
        if high - low <= 4 * len(array):
            return array - low, np.arange(low, high + 1).astype(object)
    if pd.api.types.is_string_dtype(dtype):
        values = values.to_numpy(dtype=object)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return codes.astype("int64", copy=False), np.asarray(uniques, dtype=object)


def _months(times: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The local month of each time as a code (-1: no time) and the month of each code as 202607, from the
    wall-clock time in the times' own zone (Asia/Jakarta for the office: 31 March 18.00 UTC is April).

    Per answer only its day is taken (one integer division of the local time); the calendar is read once
    per day of the span covered, so no calendar field is computed per answer."""
    local = times.dt.tz_localize(None) if getattr(times.dt, "tz", None) is not None else times
    stamps = local.to_numpy()
    missing = np.isnat(stamps)
    if missing.all():
        return np.full(len(stamps), -1, dtype="int64"), np.empty(0, dtype=object)
    ticks = stamps.view("int64")
    per_day = np.timedelta64(1, "D") // np.timedelta64(1, np.datetime_data(stamps.dtype)[0])
    days = ticks // per_day  # floor: a time before 1970 stays in its own day
    given = days[~missing] if missing.any() else days
    first, last = int(given.min()), int(given.max())
    if last - first > 4 * len(days) + 400:  # a few times spread over ages: the calendar per answer
        months = stamps.astype("datetime64[M]").view("int64")
        low = int(months[~missing].min())
        codes = months - low
        span = np.arange(low, int(months[~missing].max()) + 1)
    else:
        month_of_day = (
            np.arange(first, last + 1).astype("datetime64[D]").astype("datetime64[M]").view("int64")
        )
        low = int(month_of_day[0])
        codes = month_of_day[days - first if not missing.any() else np.where(missing, 0, days - first)] - low
        span = np.arange(low, int(month_of_day[-1]) + 1)
    if missing.any():
        codes[missing] = -1
    labels = (span // 12 + 1970) * 100 + span % 12 + 1  # months since January 1970 as 202607
    return codes, labels.astype(object)


def _first_codes(combined: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Group numbers for `combined` keys (each in 0..size-1), in order of first appearance, and each
    group's first row.  Dense tables instead of a hash table when the keys are few (they are numbered
    from small codes), else hashed."""
    n = len(combined)
    if size > 4 * n + 1024:
        combined = pd.factorize(combined)[0].astype("int64")
        size = int(combined.max()) + 1 if n else 0
    first = np.full(size, n, dtype="int64")
    np.minimum.at(first, combined, np.arange(n, dtype="int64"))
    present = np.flatnonzero(first < n)
    order = present[np.argsort(first[present], kind="stable")]
    number = np.empty(size, dtype="int64")
    number[order] = np.arange(len(order), dtype="int64")
    return number[combined], first[order]


def _value_counts(
    groups: np.ndarray,
    values: np.ndarray,
    size: int,
    valid: np.ndarray | None = None,
    bases: dict[int, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(group, value, n) arrays for each value given in each of `size` groups (`valid`: which values were
    given, None for all): the values hashed once (not at all when they are small whole numbers, as scores
    are: a missing one is then one more code, so nothing is copied to leave it out), then one `bincount`
    over (group, value) pairs (a groupby of a million pairs costs ten times as much).  Numbers come back as
    floats, as a numeric column holds them.  `bases` keeps `groups * width` for the next column of the
    same groups (the nine unsur of a frame share it)."""
    if values.dtype.kind in "iuf" and len(values):
        filled = values if valid is None else np.where(valid, values, 0)
        whole = filled if values.dtype.kind in "iu" else filled.astype("int64")
        low, high = int(whole.min()), int(whole.max())
        small = low >= 0 and high < 64 and size * (high + 2) <= 50_000_000
        if small and (values.dtype.kind in "iu" or (whole == filled).all()):
            # every value given: the values are the codes; else code 0 is "not given"
            width = high + 1 if valid is None else high + 2
            base = bases.get(width) if bases is not None else None
            if base is None:
                base = groups * width
                if bases is not None:
                    bases[width] = base
            slots = base + (whole if valid is None else np.where(valid, whole + 1, 0))
            table = np.bincount(slots, minlength=size * width).reshape(size, width)[:, width - high - 1 :]
            group, code = np.nonzero(table)
            return group.astype("int64"), np.arange(high + 1, dtype="float64")[code], table[group, code]
    if valid is not None:
        groups, values = groups[valid], values[valid]
    if values.dtype.kind in "iu":
        values = values.astype("float64")
    codes, uniques = pd.factorize(values)
    width = max(len(uniques), 1)
    if size * width > 50_000_000:  # very many distinct texts: counted by pairs instead
        table = pd.DataFrame({"group": groups, "value": values})
        counted = table.groupby(["group", "value"], sort=False).size()
        pairs = counted.index
        return (
            pairs.get_level_values(0).to_numpy(dtype="int64"),
            pairs.get_level_values(1).to_numpy(),
            counted.to_numpy(dtype="int64"),
        )
    counted = np.bincount(groups * width + codes, minlength=size * width)
    where = np.flatnonzero(counted)
    group, code = np.divmod(where, width)
    return group.astype("int64"), np.asarray(uniques)[code], counted[where]


def _scores(column: pd.Series) -> tuple[np.ndarray, np.ndarray | None]:
    """A scored column's values and which were given (None: all of them, as in a column of whole numbers,
    which has no gaps): no float copy, no NaN test of a column that cannot hold NaN."""
    if isinstance(column.dtype, np.dtype) and column.dtype.kind in "iu":
        return column.to_numpy(), None
    values = numeric(column)
    return values, ~np.isnan(values)


def _answers(
    scored: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]], profile: list[pd.DataFrame]
) -> pd.DataFrame:
    """The answer counts as one table (group, key, value, n), key a category of the keys present (sorted,
    as `astype("category")` makes it): the scored counts joined as arrays, keys named once per key rather
    than per counted pair; the profile counts (few) appended as frames."""
    if not scored and not profile:
        answers = _empty_answers()
        answers["key"] = answers["key"].astype("category")
        return answers
    names = sorted({k for k, *_ in scored} | {k for table in profile for k in table["key"].unique()})
    numbered = {k: i for i, k in enumerate(names)}
    frames = []
    if scored:
        sizes = [len(group) for _, group, _, _ in scored]
        codes = np.repeat(np.array([numbered[k] for k, *_ in scored], dtype="int64"), sizes)
        frames.append(
            pd.DataFrame(
                {
                    "group": np.concatenate([group for _, group, _, _ in scored]),
                    "key": pd.Categorical.from_codes(codes, categories=pd.Index(names)),
                    "value": np.concatenate([value for _, _, value, _ in scored]),
                    "n": np.concatenate([number for _, _, _, number in scored]),
                },
                copy=False,  # fresh arrays: not copied again into a two-dimensional block
            )
        )
    for table in profile:
        keyed = table.copy()
        keyed["key"] = pd.Categorical(table["key"].to_numpy(), categories=pd.Index(names))
        frames.append(keyed)
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


def from_rows(df: pd.DataFrame) -> Counts:
    """A frame of answers (one row per respondent, as `reports.frame.responses_frame` or a file gives it)
    reduced to counts.

    Each grouping key is coded once as small integers (`_codes`, `_months`), the codes are combined into one
    integer per row, and every figure is a `bincount` over that integer; no value is converted per row
    (tests/test_report_counts_recount.py counts the same frames the straightforward way)."""
    n = len(df)
    columns = frozenset(df.columns)
    times = df["finished_at"] if "finished_at" in df.columns and n else None
    dated = times is not None and pd.api.types.is_datetime64_any_dtype(times.dtype)
    absent = (np.full(n, -1, dtype="int64"), np.empty(0, dtype=object))  # a key the frame does not have
    coded = []
    for name in GROUP_KEYS:
        if name == "month":
            coded.append(_months(times) if dated else absent)
        else:
            coded.append(_codes(df[name]) if name in df.columns else absent)
    combined = np.zeros(n, dtype="int64")
    span = 1
    for codes, uniques in coded:  # one integer per combination of keys (mixed radix)
        if not len(uniques):
            continue
        radix = len(uniques) + 1
        if span * radix >= 2**62:  # would overflow: renumbered densely first
            combined = pd.factorize(combined)[0].astype("int64")
            span = int(combined.max()) + 1
        combined = combined * radix + (codes + 1)
        span *= radix
    gid, firsts = _first_codes(combined, span)
    size = len(firsts)
    groups: dict[str, Any] = {}
    for name, (codes, uniques) in zip(GROUP_KEYS, coded, strict=True):
        labels = np.append(uniques, None)  # code -1 (missing) takes the last
        groups[name] = labels[codes[firsts]] if size else np.empty(0, dtype=object)
    groups["rows"] = np.bincount(gid, minlength=size).astype("int64")
    answered = np.zeros(n, dtype=bool)  # gave at least one unsur
    everyone = False  # an unsur column of whole numbers (no gaps): every row gave it
    scored: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]] = []  # key, group, value, n
    profile: list[pd.DataFrame] = []
    bases: dict[int, np.ndarray] = {}
    for key in SCORED:
        if key not in df.columns:
            continue
        values, valid = _scores(df[key])
        if valid is None:
            everyone = everyone or key in UNSUR
        elif key in UNSUR:
            answered |= valid
        if n and (valid is None or valid.any()):
            scored.append((key, *_value_counts(gid, values, size, valid, bases)))
    if everyone:
        groups["respondents"] = groups["rows"].copy()
    else:
        groups["respondents"] = np.bincount(gid, weights=answered, minlength=size).astype("int64")
    ipak = [k for k in IPAK if k in df.columns]
    if ipak:
        ipak_answered = df[ipak].notna().any(axis=1).to_numpy()
        groups["ipak_respondents"] = np.bincount(gid, weights=ipak_answered, minlength=size).astype("int64")
    else:
        groups["ipak_respondents"] = np.zeros(size, dtype="int64")
    for key in (k for k in PROFILE_KEYS if k in df.columns):
        column = df[key]
        if not column.notna().any():
            continue
        given = column.notna().to_numpy()
        group, value, number = _value_counts(gid, column.to_numpy(dtype=object), size, given)
        counted = pd.DataFrame({"group": group, "key": key, "value": value, "n": number})
        counted["value"] = counted["value"].map(str)  # named after counting: not a string per answer
        profile.append(counted.groupby(["group", "key", "value"], as_index=False, sort=False)["n"].sum())
    texts = []
    for column in TEXTS:
        if column not in df.columns:
            continue
        values = df[column].to_numpy(dtype=object)
        for i in np.flatnonzero(pd.notna(values)):
            if not says_nothing(values[i]):
                texts.append((int(gid[i]), column, str(values[i]).strip()))
    out = pd.DataFrame(groups, columns=[*GROUP_KEYS, "rows", "respondents", "ipak_respondents"])
    if dated:
        stamps = pd.DatetimeIndex(times)
        naive = stamps.tz_convert(None) if stamps.tz is not None else stamps  # no Timestamp per answer
        nanos = naive.as_unit("ns").asi8
        top, bottom = np.iinfo("int64").max, np.iinfo("int64").min
        first, last = np.full(size, top, dtype="int64"), np.full(size, bottom, dtype="int64")
        if naive.hasnans:
            given = ~naive.isna()
            np.minimum.at(first, gid[given], nanos[given])
            np.maximum.at(last, gid[given], nanos[given])
        else:
            np.minimum.at(first, gid, nanos)
            np.maximum.at(last, gid, nanos)
        none = first == top  # a group without a single date
        first[none], last[none] = bottom, bottom  # NaT
        out["first"] = first.view("datetime64[ns]")
        out["last"] = last.view("datetime64[ns]")
        if getattr(times.dt, "tz", None) is not None:
            out["first"] = pd.to_datetime(out["first"], utc=True).dt.tz_convert(times.dt.tz)
            out["last"] = pd.to_datetime(out["last"], utc=True).dt.tz_convert(times.dt.tz)
    else:
        out["first"] = pd.NaT
        out["last"] = pd.NaT
    answers = _answers(scored, profile)
    text_frame = pd.DataFrame(texts, columns=["group", "column", "text"]) if texts else _empty_texts()
    return Counts(out, answers[["group", "key", "value", "n"]], text_frame, columns)


def to_counts(answers: pd.DataFrame | Counts) -> Counts:
    """`answers` as counts (reduced when they are rows)."""
    return answers if isinstance(answers, Counts) else from_rows(answers)


def from_tables(
    groups: Sequence[Sequence[Any]],
    answers: Sequence[tuple[int, str, Any, int]],
    texts: Sequence[tuple[int, str, str]],
    columns: Iterable[str],
    tz: Any,
) -> Counts:
    """Counts as a database aggregates them: `groups` rows in the order of GROUP_COLUMNS (times as naive-UTC
    datetimes), `answers` (group index, key, value, count) and `texts` (group index, column, raw text, in
    answer order; empty ones are left out here, as `from_rows` does)."""
    frame = pd.DataFrame(list(groups), columns=GROUP_COLUMNS)
    for name in GROUP_KEYS:
        frame[name] = frame[name].astype(object)
    for name in ("rows", "respondents", "ipak_respondents"):
        frame[name] = frame[name].astype("int64")
    for name in ("first", "last"):
        frame[name] = pd.to_datetime(frame[name], utc=True).dt.tz_convert(tz)
    table = pd.DataFrame(list(answers), columns=["group", "key", "value", "n"])
    table = table.astype({"group": "int64", "n": "int64"}) if len(table) else _empty_answers()
    table["key"] = table["key"].astype("category")
    kept = [(g, c, str(t).strip()) for g, c, t in texts if not says_nothing(t)]
    return Counts(
        frame,
        table,
        pd.DataFrame(kept, columns=["group", "column", "text"]) if kept else _empty_texts(),
        frozenset(columns),
    )


def _stamp(nanos: int) -> pd.Timestamp:
    return pd.Timestamp(nanos, tz="UTC")


def _columns(rows: Sequence[Mapping[str, Any]], keys: list[str]) -> np.ndarray:
    """The values of `keys` in each dict (None where absent), as a 2-D object array, in one C pass."""
    try:
        return lib.dicts_to_array(
            list(rows), keys
        )  # what DataFrame.from_records uses, without dtype inference
    except (AttributeError, TypeError):  # a pandas without it: the same in Python
        table = np.empty((len(rows), len(keys)), dtype=object)
        for j, key in enumerate(keys):
            table[:, j] = [row.get(key) for row in rows]
        return table


class CountsBuilder:
    """Counts built chunk by chunk from stored answers (one dict per answer, as the store parses them):
    what `from_rows` gives for the frame of the same answers, without ever holding that frame.

    `translate` maps a key's stored value to what the frame would hold (a 1–4 score, an option's label), one
    call per distinct value; `scored` keys are the numeric ones; `titles` gives each session's
    (title, section).  Per chunk, the answers are grouped by (session, local month, channel) and counted per
    value with numpy; only the free texts (a few per hundred answers) are kept one by one."""

    def __init__(
        self,
        *,
        translate: Mapping[str, Callable[[Any], Any]],
        scored: Iterable[str],
        profile: Iterable[str],
        titles: Mapping[int, tuple[str, str]],
        tz: Any,
        drop: Iterable[str] = (),
    ) -> None:
        self.translate = translate
        self.drop = frozenset(drop)
        self.every_scored = list(scored)  # follow-ups of a switched-off unsur are still shown, as in a frame
        self.scored = [k for k in self.every_scored if k not in self.drop]
        self.profile = list(profile)
        self.titles = titles
        self.tz = tz
        self._groups: dict[tuple[Any, Any, Any], list[Any]] = {}  # key → rows, respondents, ipak, first, last
        self._answers: dict[tuple[tuple[Any, Any, Any], str, Any], int] = {}
        self._texts: list[tuple[Any, str, tuple[Any, Any, Any], str, Any]] = []
        self._followups: set[str] = set()
        self._translated: dict[tuple[str, Any], Any] = {}

    def add(
        self,
        *,
        response_id: Sequence[Any],
        session_id: Sequence[Any],
        finished_at: Sequence[Any],
        channel: Sequence[Any],
        answers: Sequence[Mapping[str, Any]],
        followups: Sequence[Mapping[str, Any] | None],
    ) -> None:
        n = len(answers)
        if not n:
            return
        raw = np.array(finished_at, dtype=object)
        stamps = pd.to_datetime(raw, utc=True, format="ISO8601" if isinstance(raw[0], str) else None)
        month = period_key(pd.Series(stamps.tz_convert(self.tz)), "month").to_numpy(dtype="int64")
        nanos = stamps.as_unit("ns").asi8  # UTC nanoseconds
        sessions = np.array(session_id, dtype="int64")
        channels, channel_names = pd.factorize(np.array(channel, dtype=object))
        gid, keys = pd.factorize((sessions * 1_000_000 + month) * (len(channel_names) + 1) + channels)
        size = len(keys)
        firsts = np.full(size, n, dtype="int64")
        np.minimum.at(firsts, gid, np.arange(n))
        group_keys = [
            (int(sessions[i]), int(month[i]), channel_names[channels[i]] if channels[i] >= 0 else None)
            for i in firsts
        ]
        counted_keys = [*self.scored, *self.profile]
        table = _columns(answers, [*counted_keys, "saran"])
        codes, uniques = pd.factorize(table[:, :-1].ravel())  # every answer hashed once, all keys together
        codes = codes.reshape(n, len(counted_keys))
        width = len(uniques) + 1  # code -1 (missing) counts in column 0
        answered = np.zeros(n, dtype=bool)
        ipak_answered = np.zeros(n, dtype=bool)
        for k, key in enumerate(counted_keys):
            named = [self._named(key, value) for value in uniques]
            column = codes[:, k]
            if key in UNSUR or key in IPAK:
                valid = np.array([False, *(v is not None for v in named)])[column + 1]
                if key in UNSUR:
                    answered |= valid
                else:
                    ipak_answered |= valid
            counted = np.bincount(gid * width + column + 1, minlength=size * width).reshape(size, width)
            for g, c in zip(*np.nonzero(counted[:, 1:]), strict=True):
                value = named[c]
                if value is not None:
                    slot = (group_keys[g], key, value)
                    self._answers[slot] = self._answers.get(slot, 0) + int(counted[g, c + 1])
        self._add_groups(group_keys, gid, nanos, answered, ipak_answered)
        saran = table[:, -1]
        for i in np.flatnonzero(pd.notna(saran)):
            if not says_nothing(saran[i]):
                self._texts.append(
                    (int(nanos[i]), str(response_id[i]), group_keys[gid[i]], "saran", saran[i])
                )
        for i, given in enumerate(followups):
            for key, text in (given or {}).items():
                if key in self.every_scored and text is not None:
                    self._followups.add(f"perbaikan_{key}")
                    if not says_nothing(text):
                        where = group_keys[gid[i]]
                        self._texts.append(
                            (int(nanos[i]), str(response_id[i]), where, f"perbaikan_{key}", text)
                        )

    def _named(self, key: str, value: Any) -> Any:
        """What the frame holds for `value` of `key` (None: no answer), translated once per distinct value."""
        slot = (key, value)
        if slot not in self._translated:
            rule = self.translate.get(key)
            named = rule(value) if rule else value
            self._translated[slot] = named if named is None or key in self.scored else str(named)
        return self._translated[slot]

    def _add_groups(
        self,
        group_keys: list[tuple[Any, Any, Any]],
        gid: np.ndarray,
        nanos: np.ndarray,
        answered: np.ndarray,
        ipak_answered: np.ndarray,
    ) -> None:
        size = len(group_keys)
        rows = np.bincount(gid, minlength=size)
        respondents = np.bincount(gid, weights=answered, minlength=size)
        ipak = np.bincount(gid, weights=ipak_answered, minlength=size)
        first = np.full(size, np.iinfo("int64").max, dtype="int64")
        last = np.full(size, np.iinfo("int64").min, dtype="int64")
        np.minimum.at(first, gid, nanos)
        np.maximum.at(last, gid, nanos)
        for g, key in enumerate(group_keys):
            entry = self._groups.get(key)
            if entry is None:
                self._groups[key] = [
                    int(rows[g]),
                    int(respondents[g]),
                    int(ipak[g]),
                    int(first[g]),
                    int(last[g]),
                ]
            else:
                entry[0] += int(rows[g])
                entry[1] += int(respondents[g])
                entry[2] += int(ipak[g])
                entry[3], entry[4] = min(entry[3], int(first[g])), max(entry[4], int(last[g]))

    def state(self) -> tuple[dict[Any, list[int]], dict[Any, int], list[tuple[Any, ...]]]:
        """What has been counted, as plain values a store can keep: groups ((session, month, channel) →
        [rows, respondents, ipak_respondents, first, last], times in UTC nanoseconds), answers
        ((group, key, value) → count) and the non-empty free texts (nanoseconds, response id, group, column,
        text)."""
        return self._groups, self._answers, self._texts

    def load(
        self,
        groups: Iterable[tuple[tuple[Any, Any, Any], Sequence[int]]],
        answers: Iterable[tuple[tuple[Any, Any, Any], str, Any, int]],
        texts: Iterable[tuple[int, str, tuple[Any, Any, Any], str, Any]],
    ) -> None:
        """Counts kept elsewhere (the store's count tables) taken in as if their answers had been added."""
        for key, (rows, respondents, ipak, first, last) in groups:
            self._groups[key] = [rows, respondents, ipak, first, last]
        for key, name, value, n in answers:
            slot = (key, name, value)
            self._answers[slot] = self._answers.get(slot, 0) + n
        for text in texts:
            self._texts.append(text)
            if text[3] != "saran":
                self._followups.add(text[3])

    def counts(self) -> Counts:
        """The counts of every answer added."""
        keys = list(self._groups)
        index = {key: i for i, key in enumerate(keys)}
        groups = []
        for key in keys:
            session, month, channel = key
            title, section = self.titles.get(session, (None, None))
            rows, respondents, ipak, first, last = self._groups[key]
            groups.append(
                (
                    session,
                    title,
                    section,
                    month,
                    channel,
                    rows,
                    respondents,
                    ipak,
                    _stamp(first),
                    _stamp(last),
                )
            )
        answers = [(index[key], name, value, n) for (key, name, value), n in self._answers.items()]
        self._texts.sort(key=lambda t: (t[0], t[1]))
        texts = [(index[key], column, text) for _, _, key, column, text in self._texts]
        columns = {
            *("response_id", "session_id", "session_title", "section", "finished_at", "channel"),
            *self.scored,
            *self.profile,
            "saran",
            *self._followups,
        }
        return from_tables(groups, answers, texts, columns, self.tz)
