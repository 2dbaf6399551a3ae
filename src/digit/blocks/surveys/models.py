"""Surveys, their questions, and the citizens' responses (DIGIT's eg_ss_survey, eg_ss_question, eg_ss_answer).

A response is one citizen's answer sheet for one survey: its unique key (survey, citizen) is what makes
"answer once" hold even for two submissions racing each other. Only the citizen's uuid is kept: no name,
mobile number or email (DIGIT dropped those columns too). Each ticked option of a choice question is also a
`eg_surveys_choice` row, so results are counted by the database (GROUP BY), not by reading every answer.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from digit.kernel.db import Audited, Base, new_id


class SurveyRow(Audited, Base):
    """`uuid` is DIGIT's survey number (`SY-2026-11-26-000001`, numbered per state, so unique per tenant).

    `status` is what was stored (ACTIVE at creation, INACTIVE once deleted); a survey is open to answers
    while it is ACTIVE and now lies between `start_date` and `end_date` (a missing date leaves that side open).
    `active` is True, or NULL once deleted, so the unique key keeps one live survey per tenant and title.
    """

    __tablename__ = "eg_surveys_survey"
    __table_args__ = (
        UniqueConstraint("tenant_id", "uuid"),
        UniqueConstraint("tenant_id", "title", "active"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id)
    uuid: Mapped[str] = mapped_column(String(128))
    title: Mapped[str] = mapped_column(String(60))
    description: Mapped[str | None] = mapped_column(String(140), default=None)
    status: Mapped[str] = mapped_column(String(16))
    start_date: Mapped[int | None] = mapped_column(BigInteger, default=None)
    end_date: Mapped[int | None] = mapped_column(BigInteger, default=None)
    collect_citizen_info: Mapped[bool] = mapped_column(default=False)
    posted_by: Mapped[str] = mapped_column(String(64), index=True)
    active: Mapped[bool | None] = mapped_column(default=True)


class QuestionRow(Audited, Base):
    __tablename__ = "eg_surveys_question"

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id)  # DIGIT's question uuid
    survey_id: Mapped[str] = mapped_column(ForeignKey("eg_surveys_survey.id"), index=True)
    statement: Mapped[str] = mapped_column(String(140))
    options: Mapped[list[Any]]
    type: Mapped[str] = mapped_column(String(32))
    required: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(16))
    qorder: Mapped[int] = mapped_column(default=0)


class ResponseRow(Audited, Base):
    __tablename__ = "eg_surveys_response"
    __table_args__ = (UniqueConstraint("survey_id", "citizen_id"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id)
    survey_id: Mapped[str] = mapped_column(ForeignKey("eg_surveys_survey.id"), index=True)
    citizen_id: Mapped[str] = mapped_column(String(64))


class AnswerRow(Audited, Base):
    __tablename__ = "eg_surveys_answer"

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id)  # DIGIT's answer uuid
    response_id: Mapped[str] = mapped_column(ForeignKey("eg_surveys_response.id"), index=True)
    survey_id: Mapped[str] = mapped_column(ForeignKey("eg_surveys_survey.id"), index=True)
    question_id: Mapped[str] = mapped_column(ForeignKey("eg_surveys_question.id"), index=True)
    answer: Mapped[list[Any]]


class ChoiceRow(Audited, Base):
    __tablename__ = "eg_surveys_choice"

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id)
    answer_id: Mapped[str] = mapped_column(ForeignKey("eg_surveys_answer.id"), index=True)
    survey_id: Mapped[str] = mapped_column(ForeignKey("eg_surveys_survey.id"), index=True)
    question_id: Mapped[str] = mapped_column(String(64))
    option: Mapped[str] = mapped_column(String(256))
