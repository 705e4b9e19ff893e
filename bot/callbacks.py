"""Every CallbackData in one place: short versioned prefixes, Enums for actions.
Callback data is user input: handlers re-check permission on whatever it names."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

# Every number in callback data is an id, a page, an index or a date part. Bounded, so a
# forged button with a huge number is a stale button (the filter does not match) and
# never reaches the database.
Num = Annotated[int, Field(ge=-1, le=2**31 - 1)]


class MenuCB(CallbackData, prefix="m1"):
    command: str


class LanguageCB(CallbackData, prefix="l1"):
    code: str


class DeptAction(StrEnum):
    LIST = "ls"
    OPEN = "op"
    ADD = "add"
    RENAME = "ren"
    PICK_HEAD = "ph"
    SET_HEAD = "sh"


class DeptCB(CallbackData, prefix="d1"):
    action: DeptAction
    dept: Num = 0
    user: Num = 0
    page: Num = 0


class InviteAction(StrEnum):
    NEW = "new"
    ROLE = "role"
    NEXT = "next"
    DEPT = "dept"
    USES = "uses"
    LIST = "ls"
    REVOKE = "rv"


class InviteCB(CallbackData, prefix="i1"):
    action: InviteAction
    role: str = ""
    id: Num = 0


class UserAction(StrEnum):
    LIST = "ls"
    OPEN = "op"
    ROLE = "role"
    PICK_DEPT = "pd"
    SET_DEPT = "sd"
    ASK_DEACTIVATE = "ad"
    DEACTIVATE = "de"
    ACTIVATE = "ac"


class UserCB(CallbackData, prefix="u1"):
    action: UserAction
    user: Num = 0
    role: str = ""
    dept: Num = -1
    page: Num = 0


class CalendarCB(CallbackData, prefix="c1"):
    """A day picked in the inline calendar, or a move to another month (day=0)."""

    y: Num
    m: Num
    d: Num = 0
    p: Num = 0  # 1: a day that has passed (shown struck through, explains itself)


class TemplateAction(StrEnum):
    LIST = "ls"
    OPEN = "op"
    DOWNLOAD = "dl"


class TemplateCB(CallbackData, prefix="t1"):
    action: TemplateAction
    id: Num = 0


class PlanAction(StrEnum):
    DEPT = "dept"
    TEMPLATE = "tpl"
    OBJECTIVE = "obj"
    NEXT = "next"
    DEFAULT = "def"
    AUDITOR = "aud"
    ALL_STAFF = "all"
    PICK = "pick"
    PERSON = "pers"
    CONFIRM = "ok"
    PAGE = "pg"
    BACK = "back"  # value: the step it was drawn on
    EDIT = "edit"  # value: the summary's field to change
    TEAM = "team"  # a co-auditor ticked
    ANON = "anon"  # the summary's anonymous switch


class PlanCB(CallbackData, prefix="p1"):
    action: PlanAction
    id: Num = 0
    value: str = ""


class QAction(StrEnum):
    OPEN = "open"  # open a questionnaire at its first unanswered question
    SHOW = "show"  # show question N
    ANSWER = "a"
    COMMENT = "cm"
    EVIDENCE = "ev"
    EVIDENCE_DONE = "evd"
    BACK = "bk"
    SKIP = "sk"
    REVIEW = "rv"
    SUBMIT = "sb"
    SUBMIT_SURE = "sbok"


class QCB(CallbackData, prefix="q1"):
    action: QAction
    audit: Num
    q: Num = 0
    v: str = ""


class AuditAction(StrEnum):
    CARD = "card"
    REMIND = "rem"
    ANSWERS = "ans"
    EVIDENCE = "ev"
    CONCLUDE = "conc"
    CLOSE = "close"
    CANCEL = "cncl"
    CANCEL_SURE = "cncl2"
    PROGRAM = "prog"


class AuditCB(CallbackData, prefix="a1"):
    action: AuditAction
    audit: Num = 0
    q: Num = 0
    page: Num = 0


class NcView(StrEnum):
    OPEN = "op"
    EVIDENCE = "ev"
    HISTORY = "hi"
    SEVERITY = "sv"  # arg: a severity to set, or empty to choose
    CLAUSE = "cl"
    ASSIGN = "as"  # arg: a user id to assign, or empty to choose
    REJECT = "rj"
    PLAN = "pl"
    REQUEST_DUE = "rd"
    DECIDE_DUE = "dd"  # arg: "1" grant, "0" refuse
    DONE = "dn"
    VERIFY = "vf"
    EFFECTIVE = "ef"  # arg: "" to ask the justification, "r<days>" to close after it
    NOT_EFFECTIVE = "ne"
    RECHECK = "rc"
    REOPEN = "ro"
    LINK = "ln"  # arg: the id of a similar NC


class NcCB(CallbackData, prefix="n1"):
    action: NcView
    id: Num
    arg: str = ""
    v: Num = -1  # the card's revision; -1: a button not drawn from a card (a reminder's)


class NcListCB(CallbackData, prefix="nl1"):
    """The /ncr list: filters travel in the buttons, so any page can be re-opened."""

    status: str = ""
    dept: Num = 0
    sev: str = ""
    src: str = ""
    od: Num = 0
    page: Num = 0


class ReportAction(StrEnum):
    SOURCE = "src"
    DEPT = "dept"
    SKIP = "skip"
    SEVERITY = "sev"


class ReportCB(CallbackData, prefix="r1"):
    action: ReportAction
    value: str = ""


class PlanNcAction(StrEnum):
    NO_CORRECTION = "nocorr"
    ROOT_FOUND = "root"
    CAUSE = "cause"  # take the cause of a similar NC (i: its position in the suggestions)
    DEFAULT_DUE = "due"
    EDIT = "edit"  # field: which part of the plan to change
    CONFIRM = "ok"


class PlanNcCB(CallbackData, prefix="pn1"):
    action: PlanNcAction
    field: str = ""
    i: Num = 0


class FindingAction(StrEnum):
    LIST = "ls"
    QUESTION = "q"
    RAISE = "rs"  # one NC for the question; n=1 names the respondents
    NOTE = "nt"  # k: observation, improvement or strength; typed next
    DISMISS = "dm"


class FindingCB(CallbackData, prefix="f2"):
    action: FindingAction
    audit: Num
    q: Num = -1  # the question's index; -1: the audit as a whole
    k: str = ""
    n: Num = 0


class SnoozeCB(CallbackData, prefix="z1"):
    """Snooze one reminder for a day."""

    kind: str
    id: Num


class SummaryCB(CallbackData, prefix="s1"):
    period: str
    chart: bool = False


class ReportFileAction(StrEnum):
    RESULTS = "res"
    DOCX = "docx"


class ReportFileCB(CallbackData, prefix="rf1"):
    action: ReportFileAction
    audit: Num


class CompAction(StrEnum):
    HOME = "home"
    ADD = "add"  # id: a requirement to send a certificate for, 0: choose
    SKIP_HOURS = "skh"
    FILE = "file"  # id: a record
    CONFIRM = "ok"
    REJECT = "rj"
    REQS = "reqs"
    REQ = "req"
    REQ_NEW = "new"
    REQ_RENAME = "ren"
    REQ_MONTHS = "mon"
    REQ_ROLE = "role"  # v: the role to add or remove
    REQ_COURSE = "crs"
    REQ_ACTIVE = "act"
    DEPTS = "depts"
    MATRIX = "mx"  # id: a department, 0: outside every department
    XLSX = "xlsx"


class CompCB(CallbackData, prefix="k1"):
    action: CompAction
    id: Num = 0
    v: str = ""


class SchoolCalAction(StrEnum):
    SHOW = "show"
    DOWNLOAD = "dl"
    UPLOAD = "up"  # the next YAML file is the new calendar


class SchoolCalCB(CallbackData, prefix="sc1"):
    action: SchoolCalAction


class DocAction(StrEnum):
    HOME = "home"
    OPEN = "op"  # id: a document
    FILE = "file"  # id: a version
    NEW = "new"  # register a document (manager)
    NEW_VERSION = "nv"  # id: a document
    AUDIENCE = "aud"  # id: a version (a draft)
    ROLE = "role"  # id: a version; v: the role to add or remove
    DEPT = "dept"  # id: a version; n: the department to add or remove
    APPROVE = "apr"  # id: a version
    ENFORCE = "enf"  # id: a version
    WITHDRAW = "wd"  # id: a version
    ACK = "ack"  # id: a version
    STILL_VALID = "ok"  # id: a version; n: the review date it was drawn for (ordinal)
    REVIEW_DATE = "rvd"  # id: a version
    SHEET = "sheet"  # id: a version
    MATRIX = "mx"
    MINE = "mine"  # what waits for his acknowledgement
    SEARCH = "find"
    OWNERS = "own"  # id: a document; n: the page of people to choose from
    SET_OWNER = "so"  # id: a document; n: the new owner (a user id)
    NC_DOCS = "ncd"  # id: an NC: the documents it cites
    CITE = "cite"  # id: an NC; n: a document to cite or stop citing


class DocCB(CallbackData, prefix="dc1"):
    action: DocAction
    id: Num = 0
    n: Num = 0
    v: str = ""


class DocListCB(CallbackData, prefix="dc2"):
    """A list of documents: by type (kind), by department (dept; 0 with by_dept: choose)."""

    kind: str = ""
    dept: Num = 0
    by_dept: bool = False
    page: Num = 0


class DocWizardAction(StrEnum):
    TYPE = "type"  # v: the type picked
    BACK = "back"
    CANCEL = "cancel"


class DocWizardCB(CallbackData, prefix="dc3"):
    action: DocWizardAction
    v: str = ""


class AckCB(CallbackData, prefix="ak1"):
    """«Ознакомлен» under a closed audit's results: carries the audit it was drawn for."""

    audit: Num


class NowCB(CallbackData, prefix="ak2"):
    """A figure of /summary's "now" block: the list behind it (`item`: its provider's key)."""

    item: str
    page: Num = 0


class ObAction(StrEnum):
    LIST = "ls"
    OPEN = "op"  # id: an objective
    NEW = "new"
    OWNER = "own"  # id: the user chosen as the owner of the objective being defined
    KPI_NEW = "kpi"  # id: the objective
    DIRECTION = "dir"  # v: higher / lower
    FREQUENCY = "frq"  # v: month / term
    SOURCE = "src"  # v: a KPI source's name
    ARCHIVE = "arc"  # id: an objective no longer pursued (it leaves the list and reminders)
    # Editing (issue 15's gap): v carries the card's mark (a digest of the objective and its
    # KPIs as drawn), so a button from an older card is refused.
    EDIT = "ed"  # id: an objective, v: its mark
    FIELD = "fd"  # id: an objective, v: "<field>.<mark>"
    EDIT_OWNER = "eo"  # id: the user chosen as the objective's new owner
    KPI_EDIT = "ke"  # id: a KPI, v: the mark
    KPI_FIELD = "kf"  # id: a KPI, v: "<field>.<mark>"
    KPI_FREQUENCY = "kq"  # id: a KPI, v: "<frequency>.<mark>"


class ObCB(CallbackData, prefix="ob1"):
    action: ObAction
    id: Num = 0
    v: str = ""


class KpiAction(StrEnum):
    CHART = "ch"  # id: a KPI
    NC = "nc"  # id: a KPI, v: the period past its threshold
    IMPROVEMENT = "ofi"


class KpiCB(CallbackData, prefix="ob2"):
    action: KpiAction
    id: Num
    v: str = ""


class KpiValueAction(StrEnum):
    ENTER = "in"  # id: a KPI, v: the period whose value is asked for
    SKIP = "sk"  # no comment or file


class KpiValueCB(CallbackData, prefix="ob3"):
    action: KpiValueAction
    id: Num = 0
    v: str = ""


class ReviewAction(StrEnum):
    LIST = "ls"
    NEW = "new"
    YEAR = "yr"  # id: the school year reviewed
    SKIP = "sk"  # no change of issues to type
    OPEN = "op"  # id: a review
    PACK = "pk"  # id: a review: its pack again


class ReviewCB(CallbackData, prefix="rv1"):
    action: ReviewAction
    id: Num = 0


class DecisionAction(StrEnum):
    NEW = "new"  # id: a review
    KIND = "kind"  # v: a decision kind
    OWNER = "own"  # id: the person responsible
    SEND = "send"  # id: a review: to the director for «Утверждаю»
    APPROVE = "ok"  # id: a review


class DecisionCB(CallbackData, prefix="rv2"):
    action: DecisionAction
    id: Num = 0
    v: str = ""


class SurveyAction(StrEnum):
    HOME = "home"
    NEW = "new"  # v: the template's code, empty to choose
    ALL = "all"  # the whole school as the survey's one group
    CARD = "card"
    RESULTS = "res"
    CHART = "chart"
    XLSX = "xlsx"
    CLOSE = "close"
    IMPROVE = "imp"  # v: a question's id


class SurveyCB(CallbackData, prefix="sv1"):
    """The manager's /surveys."""

    action: SurveyAction
    id: Num = 0
    v: str = ""


class SurveyAnswerCB(CallbackData, prefix="sv2"):
    """A respondent's answer: drawn for group g's question q; v the value (-1: no comment)."""

    g: Num
    q: Num
    v: Num


class RiskStep(StrEnum):
    HOME = "home"
    PROPOSE = "new"  # v: risk or opportunity, empty to choose
    DEPT = "dept"  # v: the department's id, 0 for none
    CARD = "card"
    HEAT = "heat"
    ACCEPT = "ok"
    REJECT = "rj"
    MARK = "mk"  # v: "<field>=<1..5>"
    TREAT = "tr"  # v: a treatment
    RESIDUAL = "res"  # the screen of the marks after treatment
    ASK = "ask"  # v: cause, consequence, review or action: typed next
    OWNER = "own"  # v: a user id; empty to choose
    ACTION_OWNER = "aown"  # v: a user id, for the action being added
    PEOPLE = "ppl"  # v: the picker's step (own or aown), p: its page
    CLOSE = "cl"  # a risk no longer faced: its reason typed next (r: the revision)
    CLOSED = "cld"  # the closed risks' list
    PROCESS = "prc"  # the process it belongs to: typed next


class RiskCB(CallbackData, prefix="rk1"):
    """A risk's card; r is the revision it was drawn at (-1: not from a card)."""

    action: RiskStep
    id: Num = 0
    v: str = ""
    r: Num = -1
    p: Num = 0  # the page of a list of people


class RiskDoneCB(CallbackData, prefix="rk2"):
    """A treatment action marked done (from the card or its reminder)."""

    id: Num


class SupplierStep(StrEnum):
    HOME = "home"
    NEW = "new"
    CARD = "card"
    STATUS = "st"  # v: the new status
    OWNER = "own"  # v: a user id; empty to choose
    ASK = "ask"  # v: contact or contract: typed next
    EVALUATE = "ev"  # the evaluation's first criterion
    MARK = "mk"  # v: "<criterion>=<1..5>"
    WEIGHTS = "wt"
    WEIGHT = "w"  # v: "<criterion>=<new weight>", n: the weight it was drawn with
    HISTORY = "hi"
    NC = "nc"  # raise an NC against the provider: its description is typed next


class SupplierCB(CallbackData, prefix="sp1"):
    action: SupplierStep
    id: Num = 0
    v: str = ""
    n: Num = -1
    p: Num = 0  # the page of a list of people


# -- the audit programme (issue 12) ------------------------------------------------------


class AuditEditAction(StrEnum):
    MENU = "menu"
    FIELD = "fld"  # value: dates, scope, criteria, team, people
    LEAD = "lead"
    CO = "co"
    PERSON = "pers"
    PAGE = "pg"
    DONE = "done"


class AuditEditCB(CallbackData, prefix="ae1"):
    """A change of a planned audit, drawn for its revision `rev` (older ones are stale)."""

    action: AuditEditAction
    audit: Num
    rev: Num = 0
    id: Num = 0
    value: str = ""


class ProgrammeAction(StrEnum):
    NEW_LINE = "new"
    TEMPLATE = "tpl"
    DEPT = "dept"
    FREQUENCY = "freq"
    AUDITOR = "aud"
    SUBMIT = "sub"  # to the director


class ProgrammeCB(CallbackData, prefix="pg1"):
    action: ProgrammeAction
    year: Num = 0
    id: Num = 0
    value: str = ""


class ApprovalAction(StrEnum):
    APPROVE = "ok"
    RETURN = "ret"


class ApprovalCB(CallbackData, prefix="pg2"):
    """The director's decision on the year's programme as it was when sent (`stamp`)."""

    action: ApprovalAction
    year: Num
    stamp: Num
