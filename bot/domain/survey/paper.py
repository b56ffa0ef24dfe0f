"""A session's survey on paper: the printed questionnaire and the workbook staff type the forms into.

Both come from the definition the chat uses (its question texts, answer labels in the chat's order, the
IPAK block when the office switched it on, the "what should we improve" line after a low answer), so a
ticked box, a dropdown entry and a button press mean the same.  Only the questions a paper answer is
counted by are printed: the IKM unsur, IPAK, the respondent profile and the written suggestion.  The
dialogue's own questions (how someone followed it, the stream's quality) branch on earlier answers,
which a sheet of paper cannot do, and no report reads them.  Layout lives in `reports.paper_form`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bot.base.files import atomic_output
from bot.base.i18n import format_when, normalize_language, t
from bot.domain.runtime import Runtime
from bot.domain.sessions import get_session
from bot.domain.survey.definition import Question, SurveyDefinition, definition_for
from bot.domain.survey.engine import LOW_SCORES

if TYPE_CHECKING:
    from reports.paper_form import PaperForm, PaperQuestion

PAPER_SECTIONS = ("ikm", "ipak", "profil", "saran")
NO_VENUE = ("", "-")  # an online-only session has no place to print


def paper_questions(defn: SurveyDefinition, lang: str, *, ipak: bool) -> list[PaperQuestion]:
    """The definition's questions a paper answer is counted by, each headed by its part of the form."""
    from reports.paper_form import PaperQuestion

    def text(node: dict[str, str]) -> str:
        return node.get(lang) or node["id"]

    def followup(q: Question) -> str | None:
        if not q.followup_on_low:
            return None
        low = f" {t('paper.or', lang)} ".join(f"“{q.label(value, lang)}”" for value in LOW_SCORES)
        return t("paper.followup", lang, question=text(defn.followup_text), low=low)

    questions: list[PaperQuestion] = []
    section = None
    for q in defn.active_questions(ipak=ipak):
        if q.section not in PAPER_SECTIONS or q.show_if:
            continue
        questions.append(
            PaperQuestion(
                key=q.key,
                text=text(q.text),
                options=tuple(text(option.label) for option in q.options),
                followup=followup(q),
                heading=t(f"paper.section_{q.section}", lang) if q.section != section else None,
            )
        )
        section = q.section
    return questions


async def paper_form(
    rt: Runtime,
    session_id: int,
    *,
    link: str = "",
    qr_png: bytes | None = None,
    file_name: str = "",
    attend_link: str = "",
    attend_qr_png: bytes | None = None,
) -> PaperForm:
    """Session `session_id`'s questionnaire (raises SessionNotFound).  `link` and `qr_png`: the survey's
    deep link and its QR code for the printed form; `attend_link` and `attend_qr_png`: the check-in's;
    `file_name`: the template's name in its own steps."""
    from reports.paper_form import PaperForm

    session = await get_session(rt, session_id)
    defn = definition_for(rt)
    lang = normalize_language(rt.settings.language)
    details = [t("paper.when", lang, when=format_when(session.starts_at, lang, rt.tz))]
    if session.venue.strip() not in NO_VENUE:
        details.append(t("paper.place", lang, venue=session.venue))
    details.append(t("paper.section", lang, section=session.section))
    return PaperForm(
        office=rt.settings.office_name,
        title=defn.title.get(lang) or defn.title["id"],
        session_id=session.id,
        session_title=session.title,
        section=session.section,
        day=session.starts_at.astimezone(rt.tz).date(),
        details=tuple(details),
        instructions=t("paper.instructions", lang),
        phone_hint=t("paper.phone_hint", lang),
        link=link,
        qr_png=qr_png,
        attend_hint=t("paper.attend_hint", lang),
        attend_link=attend_link,
        attend_qr_png=attend_qr_png,
        questions=tuple(paper_questions(defn, lang, ipak=rt.settings.survey_ipak)),
        thanks=defn.thanks.get(lang) or defn.thanks["id"],
        footer=t("paper.footer", lang, title=session.title, session=session.id),
        template_title=t("paper.template_title", lang),
        template_steps=tuple(
            t("paper.template_steps", lang, file=file_name or "isian.xlsx", session=session.id).splitlines()
        ),
        template_headers=(
            t("paper.template_column", lang),
            t("paper.template_question", lang),
            t("paper.template_answers", lang),
        ),
        template_auto=t("paper.template_auto", lang),
        template_pick_error=t("paper.template_pick_error", lang),
        template_date_error=t("paper.template_date_error", lang),
    )


def write_paper_form(form: PaperForm, path: Path) -> Path:
    """The printable PDF, written whole or not at all (raises `FileProblem`)."""
    from reports.paper_form import render_paper_form

    with atomic_output(path, "Formulir survei", "formulir-survei.pdf") as tmp:
        render_paper_form(form, tmp)
    return path


def write_entry_template(form: PaperForm, path: Path) -> Path:
    """The typing template, written whole or not at all (raises `FileProblem`)."""
    from reports.paper_form import render_entry_template

    with atomic_output(path, "Templat isian", "isian-survei.xlsx") as tmp:
        render_entry_template(form, tmp)
    return path
