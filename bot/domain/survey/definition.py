"""Survey definitions as versioned data files, validated on load.

Code never contains question text: it is all in `bot/domain/survey/definitions/<id>.yaml`, Indonesian and English.  Loading
checks everything a typo could break (unknown keys, missing labels, a wrong IKM scale, branching to a
question that does not exist or comes later) and says which file, which question and what is wrong.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from reports.instrument import UNSUR_KEYS

if TYPE_CHECKING:
    from bot.domain.runtime import Runtime

IKM_KEYS = UNSUR_KEYS  # the regulation's nine unsur, named once in reports.instrument
LANGS = ("id", "en")
KINDS = ("ikm", "choice", "scale", "text")
SECTIONS = ("ikm", "ngopas", "ipak", "profil", "saran")
BLOCKS = ("ipak", "profil")
TOP_KEYS = {
    "id",
    "version",
    "title",
    "intro",
    "thanks",
    "followup",
    "disabled_unsur",
    "blocks",
    "questions",
    "column_names",
}
QUESTION_KEYS = {
    "key",
    "kind",
    "section",
    "text",
    "options",
    "optional",
    "show_if",
    "block",
    "followup_on_low",
    "max_length",
}
MAX_VALUE_LENGTH = 16


class SurveyDefinitionError(ValueError):
    """A definition file that cannot be used; the message names the file, the question and the problem."""


@dataclass(frozen=True)
class Option:
    value: str
    label: dict[str, str]


@dataclass(frozen=True)
class Question:
    key: str
    kind: str
    text: dict[str, str]
    options: tuple[Option, ...]
    optional: bool
    show_if: dict[str, tuple[str, ...]] | None
    block: str | None
    followup_on_low: bool
    max_length: int | None
    section: str

    def label(self, value: str, lang: str) -> str:
        for option in self.options:
            if option.value == value:
                return option.label.get(lang) or option.label["id"]
        return value


_SCALE = {"1": 1, "2": 2, "3": 3, "4": 4}


@dataclass(frozen=True)
class SurveyDefinition:
    id: str
    version: int
    title: dict[str, str]
    intro: dict[str, str]
    thanks: dict[str, str]
    followup_text: dict[str, str]
    questions: tuple[Question, ...]
    disabled_unsur: frozenset[str]
    block_defaults: dict[str, bool]
    column_names: dict[str, str]

    def active_questions(
        self, *, ipak: bool = False, profile: bool | None = None, disabled_unsur: Iterable[str] = ()
    ) -> tuple[Question, ...]:
        """Questions asked under these settings (blocks switched on, disabled unsur left out)."""
        disabled = self.disabled_unsur | set(disabled_unsur)
        enabled = {
            "ipak": ipak,
            "profil": self.block_defaults.get("profil", True) if profile is None else profile,
        }
        return tuple(
            q
            for q in self.questions
            if (q.block is None or enabled.get(q.block, False))
            and not (q.kind == "ikm" and q.key in disabled)
        )

    def visible(self, question: Question, answers: Mapping[str, str | None]) -> bool:
        return not question.show_if or all(
            answers.get(dep) in values for dep, values in question.show_if.items()
        )

    def next_question(
        self, answers: Mapping[str, str | None], after: str | None, *, ipak: bool = False
    ) -> Question | None:
        seen = after is None
        for q in self.active_questions(ipak=ipak):
            if seen and self.visible(q, answers):
                return q
            if q.key == after:
                seen = True
        return None

    def count_for(self, answers: Mapping[str, str | None], *, ipak: bool = False) -> int:
        return sum(1 for q in self.active_questions(ipak=ipak) if self.visible(q, answers))

    @cached_property
    def scored_keys(self) -> frozenset[str]:
        """The questions answered on the 1–4 scale (IKM unsur and scale questions)."""
        return frozenset(q.key for q in self.questions if q.kind in ("ikm", "scale"))

    def numeric_value(self, key: str, value: str | None) -> int | None:
        """IKM/scale answers as 1..4 (None when skipped or not numeric).  Constant time: the running tallies
        call it for every answer when they are rebuilt."""
        if key not in self.scored_keys or not isinstance(value, str):
            return None
        return _SCALE.get(value)

    def question(self, key: str) -> Question:
        for q in self.questions:
            if q.key == key:
                return q
        raise KeyError(key)


def _texts(where: str, node: Any, field: str) -> dict[str, str]:
    if not isinstance(node, dict):
        raise SurveyDefinitionError(
            f"{where}: '{field}' harus berisi teks id dan en (must have id and en texts)"
        )
    missing = [lang for lang in LANGS if not str(node.get(lang) or "").strip()]
    if missing:
        raise SurveyDefinitionError(
            f"{where}: '{field}' tidak punya teks {'/'.join(missing)} (missing {'/'.join(missing)} text)"
        )
    extra = set(node) - set(LANGS)
    if extra:
        raise SurveyDefinitionError(
            f"{where}: '{field}' punya bahasa tak dikenal {sorted(extra)} (unknown language)"
        )
    return {lang: str(node[lang]) for lang in LANGS}


def _question(name: str, index: int, node: Any, earlier: dict[str, Question]) -> Question:
    if not isinstance(node, dict) or "key" not in node:
        raise SurveyDefinitionError(f"{name}: pertanyaan ke-{index} tidak punya 'key' (question without key)")
    key = str(node["key"])
    where = f"{name}, pertanyaan '{key}'"
    unknown = set(node) - QUESTION_KEYS
    if unknown:
        raise SurveyDefinitionError(
            f"{where}: kunci tak dikenal {sorted(unknown)} (unknown key; allowed: {sorted(QUESTION_KEYS)})"
        )
    if key in earlier:
        raise SurveyDefinitionError(f"{where}: kunci ganda (duplicate question key)")
    kind = node.get("kind")
    if kind not in KINDS:
        raise SurveyDefinitionError(f"{where}: kind harus salah satu dari {list(KINDS)} (bad kind {kind!r})")
    section = node.get("section", "ikm" if kind == "ikm" else "ngopas")
    if section not in SECTIONS:
        raise SurveyDefinitionError(f"{where}: section tak dikenal {section!r}")
    block = node.get("block")
    if block is not None and block not in BLOCKS:
        raise SurveyDefinitionError(f"{where}: block tak dikenal {block!r} (unknown block)")
    text = _texts(where, node.get("text"), "text")
    options: list[Option] = []
    for raw in node.get("options") or []:
        if not isinstance(raw, dict) or "value" not in raw:
            raise SurveyDefinitionError(f"{where}: pilihan tanpa 'value' (option without value)")
        value = str(raw["value"])
        if len(value) > MAX_VALUE_LENGTH or ":" in value or not value:
            raise SurveyDefinitionError(
                f"{where}: nilai pilihan {value!r} terlalu panjang atau memuat ':' (option value too long for callback data)"
            )
        options.append(Option(value, _texts(where, raw.get("label"), f"label {value}")))
    if kind == "text":
        if options:
            raise SurveyDefinitionError(
                f"{where}: pertanyaan teks tidak boleh punya pilihan (text question with options)"
            )
    elif not options:
        raise SurveyDefinitionError(f"{where}: tidak ada pilihan jawaban (no options)")
    if len({o.value for o in options}) != len(options):
        raise SurveyDefinitionError(f"{where}: nilai pilihan ganda (duplicate option values)")
    if kind == "ikm":
        if key not in IKM_KEYS:
            raise SurveyDefinitionError(
                f"{where}: bukan unsur IKM; kunci yang sah: {', '.join(IKM_KEYS)} (not an IKM unsur)"
            )
        if [o.value for o in options] != ["1", "2", "3", "4"]:
            raise SurveyDefinitionError(
                f"{where}: unsur IKM harus berskala 1, 2, 3, 4 berurutan (IKM scale must be 1–4)"
            )
    if kind == "scale" and [o.value for o in options] != ["1", "2", "3", "4"]:
        raise SurveyDefinitionError(f"{where}: skala harus bernilai 1, 2, 3, 4 (scale must be 1–4)")
    show_if: dict[str, tuple[str, ...]] | None = None
    if node.get("show_if") is not None:
        if not isinstance(node["show_if"], dict):
            raise SurveyDefinitionError(f"{where}: show_if harus berbentuk {{pertanyaan: [nilai]}}")
        show_if = {}
        for dep, values in node["show_if"].items():
            if dep not in earlier:
                raise SurveyDefinitionError(
                    f"{where}: show_if merujuk pertanyaan '{dep}' yang tidak ada sebelumnya (show_if refers to an unknown or later question)"
                )
            allowed = {o.value for o in earlier[dep].options}
            wanted = tuple(str(v) for v in (values if isinstance(values, list) else [values]))
            bad = [v for v in wanted if v not in allowed]
            if bad:
                raise SurveyDefinitionError(
                    f"{where}: show_if memakai nilai {bad} yang tidak dimiliki '{dep}' (unknown values)"
                )
            show_if[str(dep)] = wanted
    max_length = node.get("max_length")
    if max_length is not None and (not isinstance(max_length, int) or max_length < 1):
        raise SurveyDefinitionError(f"{where}: max_length harus bilangan bulat positif")
    return Question(
        key=key,
        kind=kind,
        text=text,
        options=tuple(options),
        optional=bool(node.get("optional", False)),
        show_if=show_if,
        block=block,
        followup_on_low=bool(node.get("followup_on_low", False)),
        max_length=max_length,
        section=section,
    )


def parse_definition(data: Any, name: str = "survei") -> SurveyDefinition:
    if not isinstance(data, dict):
        raise SurveyDefinitionError(f"{name}: berkas kosong atau bukan peta YAML (not a YAML mapping)")
    unknown = set(data) - TOP_KEYS
    if unknown:
        raise SurveyDefinitionError(f"{name}: kunci tak dikenal {sorted(unknown)} (unknown top-level key)")
    for required in ("id", "version", "questions"):
        if required not in data:
            raise SurveyDefinitionError(f"{name}: '{required}' wajib ada (missing)")
    version = data["version"]
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise SurveyDefinitionError(f"{name}: version harus bilangan bulat positif (positive integer)")
    questions: dict[str, Question] = {}
    for index, node in enumerate(data["questions"] or [], start=1):
        q = _question(name, index, node, questions)
        questions[q.key] = q
    if not questions:
        raise SurveyDefinitionError(f"{name}: tidak ada pertanyaan (no questions)")
    disabled = frozenset(str(k) for k in data.get("disabled_unsur") or [])
    bad = sorted(disabled - set(IKM_KEYS))
    if bad:
        raise SurveyDefinitionError(f"{name}: disabled_unsur {bad} bukan unsur IKM (not IKM unsur)")
    blocks = data.get("blocks") or {}
    if set(blocks) - set(BLOCKS):
        raise SurveyDefinitionError(f"{name}: block tak dikenal {sorted(set(blocks) - set(BLOCKS))}")
    followup = data.get("followup") or {}
    return SurveyDefinition(
        id=str(data["id"]),
        version=version,
        title=_texts(name, data.get("title"), "title"),
        intro=_texts(name, data.get("intro"), "intro"),
        thanks=_texts(name, data.get("thanks"), "thanks"),
        followup_text=_texts(name, followup.get("text"), "followup.text"),
        questions=tuple(questions.values()),
        disabled_unsur=disabled,
        block_defaults={k: bool((v or {}).get("default_enabled", False)) for k, v in blocks.items()},
        column_names={str(k): str(v) for k, v in (data.get("column_names") or {}).items()},
    )


def load_definition(path_or_name: str | Path) -> SurveyDefinition:
    """ "ngopas" loads the packaged definition; a path loads that file."""
    path = Path(path_or_name)
    if path.suffix in (".yaml", ".yml") or path.exists():
        name, text = str(path), path.read_text(encoding="utf-8")
    else:
        name = f"{path_or_name}.yaml"
        text = resources.files("bot.domain.survey.definitions").joinpath(name).read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SurveyDefinitionError(f"{name}: YAML tidak valid: {exc}") from None
    return parse_definition(data, name)


def definition_for(rt: Runtime) -> SurveyDefinition:
    """The survey this bot runs: the packaged `ngopas` definition, loaded once per runtime."""
    if "definition:ngopas" not in rt.cache:
        rt.cache["definition:ngopas"] = load_definition("ngopas")
    return rt.cache["definition:ngopas"]
