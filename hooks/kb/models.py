"""Typed records: the single source of truth for the data's shape.

One class per record kind. The JSON Schema files editors see (data/schema/)
are generated from these classes (`python -m kb schema`), and a test fails
when they are stale.
"""
from __future__ import annotations

import builtins
import datetime as _dt
import re
import unicodedata
from collections.abc import Callable
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from .deadlines import Deadline, DeadlineError, parse_deadline, readable_deadline

SUBJECTS = ("党委和政府", "学校", "教师", "学生", "用人", "综合")
Subject = Literal["党委和政府", "学校", "教师", "学生", "用人", "综合"]
NegativeKind = Literal["严格禁止", "克服纠偏", "控制限制"]
RequirementKind = Literal["截止时间", "报送材料", "报送方式", "申报数量", "试点期限", "字数", "其他"]
# 进展: what a responsible unit reports about a task (the ledger's dropdown offers exactly these).
PROGRESS_STATUSES = ("未启动", "推进中", "已完成", "长期坚持")
ProgressStatus = Literal["未启动", "推进中", "已完成", "长期坚持"]

# Restored characters are written 〖县〗 in text fields (see README, 补字标记).
RESTORE_OPEN, RESTORE_CLOSE = "〖", "〗"
MAX_TEXT = 20_000  # characters; the longest real text is under 1,000


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty or only spaces")
    if value != value.strip():
        raise ValueError("has leading or trailing spaces; remove them")
    return value


def _balanced_restorations(value: str) -> str:
    if RESTORE_OPEN not in value and RESTORE_CLOSE not in value:
        return value
    depth = 0
    for ch in value:
        if ch == RESTORE_OPEN:
            depth += 1
            if depth > 1:
                raise ValueError(f"nested {RESTORE_OPEN}; restored characters are written "
                                 f"{RESTORE_OPEN}县{RESTORE_CLOSE}")
        elif ch == RESTORE_CLOSE:
            depth -= 1
            if depth < 0:
                raise ValueError(f"{RESTORE_CLOSE} without {RESTORE_OPEN}")
    if depth:
        raise ValueError(f"{RESTORE_OPEN} is not closed with {RESTORE_CLOSE}")
    return value


# Characters no data text may hold: C0/C1 controls (a line break and a tab only where text allows them),
# DEL, and the invisible ones that make look-alike names (县教育\u200b局) or reorder what is shown (bidi).
# (Also variation selectors, tag characters, Hangul and Braille blanks, and the line/paragraph separators,
# which YAML counts as line breaks and editors do not.) Names also refuse the no-break and ideographic
# spaces, which make 县教育　局 look like another unit; text may use them (a full-width indent).
_INVISIBLE = ("\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180e\u200b-\u200f\u2028-\u202e"
              "\u2060-\u2064\u2066-\u206f\u2800\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb"
              "\U000e0000-\U000e007f\U000e0100-\U000e01ef")
FORBIDDEN_IN_TEXT = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_INVISIBLE}]")
FORBIDDEN_IN_NAME = re.compile(f"[\x00-\x1f\x7f-\x9f\u00a0\u3000{_INVISIBLE}]")


def char_name(ch: str) -> str:
    """'U+200B (zero width space)': how a problem names a character it cannot show."""
    return f"U+{ord(ch):04X} ({unicodedata.name(ch, 'control character').lower()})"


def _visible(pattern: re.Pattern[str], free_text: bool = True) -> Callable[[str], str]:
    def check(value: str) -> str:
        bad = pattern.search(value)
        if bad:
            raise ValueError(f"contains {char_name(bad.group(0))} at character {bad.start() + 1}; "
                             "remove it (invisible and control characters are not allowed)")
        return value
    check.free_text = free_text  # type: ignore[attr-defined]  # marks the free-text types (tests/poison.py)
    return check


Text = Annotated[str, StringConstraints(max_length=MAX_TEXT), AfterValidator(_not_blank),
                 AfterValidator(_balanced_restorations), AfterValidator(_visible(FORBIDDEN_IN_TEXT))]
Name = Annotated[str, StringConstraints(max_length=200), AfterValidator(_not_blank),
                 AfterValidator(_visible(FORBIDDEN_IN_NAME))]
# A table cell of a form: may be empty (a blank cell to fill in), otherwise a name.
Cell = Annotated[str, StringConstraints(max_length=2000), AfterValidator(_visible(FORBIDDEN_IN_NAME))]
# YAML booleans are only `true`/`false` (kb.load keeps `no`, `yes`, `on` as text); strict: no "0"/"1".
Flag = Annotated[bool, Field(strict=True)]


def _inside_sources(value: str) -> str:
    """A file under data/sources/, named relative to it: no absolute path, no '..', no hidden files.
    (The corpus also checks that the resolved path, symlinks followed, stays inside data/.)"""
    parts = value.split("/")
    if value.startswith("/") or "\\" in value or ":" in value or any(p in ("", ".", "..") or p.startswith(".")
                                                                       for p in parts):
        raise ValueError(f"'{value[:80]}' is not a file name inside data/sources/; write it relative to "
                         "data/sources/, e.g. taoyuan-2022.txt (no '/' at the start, no '..')")
    return value


SourceFile = Annotated[str, StringConstraints(max_length=200), AfterValidator(_visible(FORBIDDEN_IN_NAME, False)),
                       AfterValidator(_inside_sources)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=80)]
# A link target: a record id (slug), a numbered item (list/number) or a case measure (case/section-measure).
RecordRef = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*(/[0-9]+(-[0-9]+)?)?$", max_length=120)]
Number = Annotated[int, Field(ge=1, le=100_000, strict=True)]


def _real_date(value: str) -> str:
    """ISO date 'YYYY-MM-DD', or 'YYYY-MM' where the source gives only the month."""
    m = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?", value)
    if not m:
        raise ValueError(f"'{value}' is not a date; write YYYY-MM-DD (or YYYY-MM if the source gives no day)")
    year, month, day = int(m[1]), int(m[2]), int(m[3] or 1)
    try:
        _dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"'{value}' is not a real date") from None
    return value


IsoDate = Annotated[str, AfterValidator(_real_date)]


def _full_date(value: str) -> str:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError(f"'{value}' is not a date; write YYYY-MM-DD")
    return _real_date(value)


DayDate = Annotated[str, AfterValidator(_full_date)]  # a day: YYYY-MM-DD (a report is made on a day)


def _deadline(value: str) -> str:
    try:
        return readable_deadline(value)
    except DeadlineError as exc:
        raise ValueError(str(exc)) from None


# A task's 完成时限 as the source wrote it; it must read as a deadline (kb.deadlines), which pages sort and
# filter by. Not free text: what it may say is what kb.deadlines reads.
DeadlineText = Annotated[str, StringConstraints(max_length=200), AfterValidator(_not_blank),
                         AfterValidator(_visible(FORBIDDEN_IN_NAME, False)), AfterValidator(_deadline)]


def _web_url(value: str) -> str:
    """External links must be http(s): no javascript:, data:, file: or relative URLs."""
    from urllib.parse import urlsplit
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in value):
        raise ValueError(f"'{value[:80]}' is not an http(s) URL; write it as https://…")
    return value


WebUrl = Annotated[str, StringConstraints(max_length=2000), AfterValidator(_visible(FORBIDDEN_IN_NAME, False)),
                 AfterValidator(_web_url)]


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- documents -------------------------------------------------------------

class Requirement(Record):
    kind: RequirementKind
    text: Text
    date: IsoDate | None = None


class Quota(Record):
    applicant: Name
    pilot_type: Name
    max: Number
    text: Text


class WordLimit(Record):
    part: Name
    max: Number
    text: Text


class Contact(Record):
    name: Name
    office: Name | None = None
    phones: list[Name] = []
    email: Name | None = None
    address: Name | None = None


class Attachment(Record):
    number: Number
    title: Name
    form: Slug | None = None
    projects: Slug | None = None  # the project list this attachment is


class TaskSection(Record):
    number: Name
    title: Name
    subject: Subject


class PilotType(Record):
    name: Name
    text: Text


class Topic(Record):
    number: Name
    title: Name
    examples: Text
    subjects: list[Subject] = Field(min_length=1)


class Document(Record):
    id: Slug
    title: Name
    short_title: Name
    kind: Literal["通知", "任务清单", "案例示例", "总体方案"]
    issuer: Name | None = None
    forwarded_by: Name | None = None
    # A forwarded notice's requirements (its deadline, mailbox, office) may be the forwarding unit's own:
    # this note says whose they are; it stands above them on the document's and its forms' pages.
    forwarding_note: Text | None = None
    doc_number: Name | None = None
    date: IsoDate | None = None
    region: Name
    source_file: SourceFile  # read from data/sources/ and published on the 原文 page
    source_url: WebUrl | None = None  # where the document is published, when known
    addressees: Name | None = None
    summary: Text
    pilot_types: list[PilotType] = []
    sections: list[TaskSection] = []
    topics: list[Topic] = []
    case_types: list[Name] = []
    requirements: list[Requirement] = []
    quotas: list[Quota] = []
    word_limits: list[WordLimit] = []
    contacts: list[Contact] = []
    attachments: list[Attachment] = []
    notes: list[Text] = []


# --- numbered items ----------------------------------------------------------

# Titles of projects and tasks. Without `title`, an item's title is 任务N/项目N and the first clause of its
# text that says what is done (kb.kinds.auto_title). Where that clause does not tell the item apart or
# say what it is about, write `title`:
#   title: 推进德育评价方式方法改革      words of the item's own text, verbatim (〖〗 aside; kb.checks
#                                        checks that they occur in the text);
#   title: 落实《…评价办法》             a short title the editor words, with `title_editorial: true`;
#   title_editorial: true                the page then says 标题为本库所拟.
# A title is unique within its list (kb.checks).

class Project(Record):
    number: Number
    title: Name | None = None
    title_editorial: Flag = False  # true: `title` is the editor's wording, not words of `text`
    text: Text
    subjects: list[Subject] = Field(min_length=1)
    links: list[RecordRef] = []


class Task(Record):
    number: Number
    title: Name | None = None
    title_editorial: Flag = False  # true: `title` is the editor's wording, not words of `text`
    section: Name
    text: Text
    units: list[Name] = Field(min_length=1)
    deadline: DeadlineText
    subjects: list[Subject] = []  # empty: the section's subject
    links: list[RecordRef] = []

    @property
    def due(self) -> Deadline:
        """The deadline read into its typed form (the text stays in `deadline`)."""
        return parse_deadline(self.deadline)


class Unit(Record):
    id: Slug
    name: Name
    region: Name
    source_spellings: list[Name] = []
    aliases: list[Name] = []  # other names readers type (人力资源和社会保障局): a search aid, not content
    note: Text | None = None


class NegativeSource(Record):
    document: Slug
    task: Number | None = None
    section: Name | None = None


# One prohibition is one entry, however many documents state it: `sources` lists every place it is stated
# (the first is where `text` is quoted from; the others say it in the same words, punctuation aside).
# A second entry with the same words is refused (kb.checks): add its source to the first one instead.
# The entry's page is headed by `title`: words of `text` (verbatim), or without it the clause of the text
# that forbids (kb.kinds.negative_title).
class Negative(Record):
    id: Slug
    title: Name | None = None
    text: Text
    kind: NegativeKind
    subjects: list[Subject] = Field(min_length=1)
    sources: list[NegativeSource] = Field(min_length=1)
    links: list[RecordRef] = []


# --- progress ---------------------------------------------------------------------

# What a responsible unit reported about a task on a day (data/progress/LIST.yml, written by
# `python -m kb ledger import` from the filled ledgers; the columns of the ledger in brackets).
class Progress(Record):
    task: Number                      # 编号: the task's number in the list
    unit: Name                        # 责任单位: the unit reporting, one of the task's units
    date: DayDate                     # 填报日期
    status: ProgressStatus            # 进展
    report: Text | None = None        # 落实情况
    evidence: Text | None = None      # 佐证材料
    problems: Text | None = None      # 存在问题
    filed_by: Name | None = None      # 填报单位
    reporter: Name | None = None      # 填报人


# --- cases ---------------------------------------------------------------------

class Measure(Record):
    number: Number
    label: Name
    title: Text
    text: Text
    links: list[RecordRef] = []


class CaseSection(Record):
    number: Number
    heading: Text
    subjects: list[Subject] = Field(min_length=1)
    measures: list[Measure] = Field(min_length=1)


class Case(Record):
    id: Slug
    document: Slug
    title: Name
    unit: Name
    intro: Text
    sections: list[CaseSection] = Field(min_length=1)


# --- forms -----------------------------------------------------------------------

class Style(Record):
    name: Name
    font: Name
    size: Literal["初号", "小初", "一号", "小一", "二号", "小二", "三号", "小三", "四号", "小四", "五号", "小五"]
    align: Literal["居中", "左对齐", "两端对齐"] | None = None
    bold: Flag = False
    line_spacing_pt: Number | None = None
    basis: Name


class Page(Record):
    size: Literal["A4"]
    orientation: Literal["portrait", "landscape"]


class TitleBlock(Record):
    type: Literal["title"]
    text: Name


class FieldBlock(Record):
    type: Literal["field"]
    label: Name


class ChoiceBlock(Record):
    type: Literal["choice"]
    label: Name
    options: list[Name] = Field(min_length=2)


class HeadingBlock(Record):
    type: Literal["heading"]
    text: Name


class TableBlock(Record):
    type: Literal["table"]
    rows: list[list[Cell]] = Field(min_length=1)


class NarrativeBlock(Record):
    type: Literal["narrative"]
    text: Name
    hint: Name
    word_limit: Number | None = None


class Opinion(Record):
    label: Name
    hint: Name
    sign: Name
    date: Name


class OpinionsBlock(Record):
    type: Literal["opinions"]
    items: list[Opinion] = Field(min_length=1)


class ParagraphBlock(Record):
    type: Literal["paragraph"]
    style: Name
    text: Name
    hint: Name | None = None
    run_in: Name | None = None  # body text that follows a run-in heading on the same line


Block = Annotated[TitleBlock | FieldBlock | ChoiceBlock | HeadingBlock | TableBlock
                  | NarrativeBlock | OpinionsBlock | ParagraphBlock, Field(discriminator="type")]


class Column(Record):
    name: Name
    width: Number
    options: list[Name] = []
    options_from: Literal["pilot_types", "projects", "case_types"] | None = None
    allow_other: Flag = False


class Sheet(Record):
    title: Name
    header_fields: list[Name] = []
    columns: list[Column] = Field(min_length=1)
    rows: Number
    footer_fields: list[Name] = []
    notes: list[Text] = []
    quota_check: Flag = False


class Form(Record):
    id: Slug
    document: Slug
    attachment: Number
    title: Name
    format: Literal["docx", "xlsx"]
    purpose: Text
    filled_by: Text
    word_limit: Number | None = None
    case_template: Flag = False  # cases in data/ are also offered as .docx in this form's format
    page: Page
    styles: list[Style] = []
    blocks: list[Block] = []
    sheet: Sheet | None = None
    notes: list[Text] = []


# --- glossary and tags -------------------------------------------------------------

class Term(Record):
    id: Slug
    term: Name
    aliases: list[Name] = []
    definition: Text
    sources: list[Slug] = Field(min_length=1)


class Tag(Record):
    name: Name
    keywords: list[Name] = Field(min_length=1)


# --- files: what each data file holds --------------------------------------------------

class DocumentsFile(Record):
    documents: list[Document]


# `list` is a field of these two files: inside their class bodies the builtin is spelled builtins.list.
class ProjectsFile(Record):
    list: Slug
    projects: builtins.list[Project]


class TasksFile(Record):
    list: Slug
    tasks: builtins.list[Task]


class UnitsFile(Record):
    units: list[Unit]


class NegativeFile(Record):
    negatives: list[Negative]


class CasesFile(Record):
    cases: list[Case]


class FormsFile(Record):
    forms: list[Form]


class GlossaryFile(Record):
    terms: list[Term]


class ProgressFile(Record):
    list: Slug
    progress: builtins.list[Progress]


class TagsFile(Record):
    tags: list[Tag]


class Alias(Record):
    """A search aid: what readers type (short forms, other names) and the words the data uses for it."""
    typed: list[Name] = Field(min_length=1)   # 破五唯, 体测
    finds: list[Name] = Field(min_length=1)   # 五唯; 体质健康测试, 体质监测
    note: Text                                # why: whose short form, where the data says it


class SearchFile(Record):
    aliases: list[Alias] = Field(min_length=1)  # search aids beyond units' own aliases; not content


# Data file kinds: schema name, file model, the key holding the records (None: the file is one record), record model.
FILE_KINDS: dict[str, tuple[type[Record], str | None, type[Record]]] = {
    "documents": (DocumentsFile, "documents", Document),
    "projects": (ProjectsFile, "projects", Project),
    "tasks": (TasksFile, "tasks", Task),
    "units": (UnitsFile, "units", Unit),
    "negative": (NegativeFile, "negatives", Negative),
    "cases": (CasesFile, "cases", Case),
    "forms": (FormsFile, "forms", Form),
    "glossary": (GlossaryFile, "terms", Term),
    "tags": (TagsFile, "tags", Tag),
    "progress": (ProgressFile, "progress", Progress),
    "search": (SearchFile, None, SearchFile),  # one record: the whole file
}
