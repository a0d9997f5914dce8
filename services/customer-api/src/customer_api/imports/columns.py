"""What a ledger file may contain: record kinds, their columns, Chinese names for both.

Headers are the contract's field names (English); the Chinese names a bank or an accountant
would write are accepted too. Headers and cells are NFKC-normalised first, so full-width
letters, digits and brackets read as their ASCII forms, and a unit in brackets after a header
("注册资本(元)") or a required-marker asterisk is ignored.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final


class ImportKind(StrEnum):
    customers = "customers"
    financial_statements = "financial_statements"
    contracts = "contracts"
    collaterals = "collaterals"


@dataclass(frozen=True)
class Column:
    name: str
    aliases: tuple[str, ...] = ()
    example: object = None
    # How cells read: text, date, money (a decimal), int, ratio (a decimal), bool.
    type: str = "text"


_CUSTOMER: Final = (
    Column("name", ("企业名称", "客户名称", "公司名称", "名称"), "苏州精工机械有限公司"),
    Column("credit_code", ("统一社会信用代码", "社会信用代码", "信用代码"), "91320621MA1MRHG205"),
    Column("legal_representative", ("法定代表人", "法人代表"), "王伟"),
    Column(
        "legal_representative_id_number",
        ("法定代表人身份证号", "法人身份证号", "身份证号"),
        "11010519491231002X",
    ),
    Column("registered_capital", ("注册资本",), "10000000.00", "money"),
    Column("established_on", ("成立日期",), "2012-05-01", "date"),
    Column("industry_code", ("行业代码", "所属行业代码"), "C3411"),
    Column("main_business", ("主营业务", "经营范围"), "通用机械制造"),
    Column("employees", ("员工人数", "从业人员", "从业人数"), 120, "int"),
    Column("region_code", ("行政区划代码", "地区代码"), "320506"),
    Column("cooperation_since", ("合作起始日期", "合作开始日期", "合作日期"), "2019-03-01", "date"),
    Column("related_group", ("所属集团", "关联集团"), None),
    Column("contact_name", ("联系人",), "李娜"),
    Column("contact_phone", ("联系电话", "电话"), "0512-66668888"),
    Column("contact_email", ("电子邮箱", "邮箱"), None),
    Column("contact_address", ("联系地址", "地址"), None),
    Column("status", ("状态", "客户状态"), "active"),
    Column("ownership", ("客户性质", "企业性质", "所有制性质", "所有制"), "private"),
    Column("market_position", ("市场地位", "行业地位"), "major"),
)

_STATEMENT: Final = (
    Column("credit_code", ("统一社会信用代码", "社会信用代码", "信用代码"), "91320621MA1MRHG205"),
    Column("period_end", ("报告期末", "期末日期", "报表日期"), "2025-12-31", "date"),
    Column("period_type", ("报表类型", "期间类型"), "annual"),
    Column("audited", ("是否审计", "已审计"), True, "bool"),
    Column("total_assets", ("资产总计", "总资产"), "50000000.00", "money"),
    Column("total_liabilities", ("负债合计", "总负债"), "30000000.00", "money"),
    Column("equity", ("所有者权益合计", "所有者权益", "净资产"), "20000000.00", "money"),
    Column("current_assets", ("流动资产合计", "流动资产"), "25000000.00", "money"),
    Column("current_liabilities", ("流动负债合计", "流动负债"), "15000000.00", "money"),
    Column("cash", ("货币资金",), "5000000.00", "money"),
    Column("revenue", ("营业收入", "营业总收入"), "60000000.00", "money"),
    Column("net_profit", ("净利润",), "3000000.00", "money"),
    Column("operating_cash_flow", ("经营活动现金流量净额", "经营现金流"), "4000000.00", "money"),
    Column("operating_profit", ("营业利润",), None, "money"),
    Column("interest_expense", ("利息费用", "利息支出"), None, "money"),
    Column("inventory", ("存货",), None, "money"),
    Column("receivables", ("应收账款",), None, "money"),
    Column("retained_earnings", ("未分配利润",), None, "money"),
)

_CONTRACT: Final = (
    Column("credit_code", ("统一社会信用代码", "社会信用代码", "信用代码"), "91320621MA1MRHG205"),
    Column("contract_no", ("合同编号", "担保合同编号", "合同号"), "DB-2026-0001"),
    Column("lender", ("贷款银行", "债权人", "合作银行"), "中国工商银行苏州分行"),
    Column("product", ("担保品种", "业务品种", "产品"), "loan"),
    Column("principal", ("担保金额", "本金", "合同金额"), "1000000.00", "money"),
    Column("guarantee_ratio", ("担保比例", "责任比例"), 1, "ratio"),
    Column("purpose", ("用途", "借款用途"), "流动资金周转"),
    Column("start_date", ("起始日期", "开始日期", "起始日"), "2026-01-10", "date"),
    Column("maturity_date", ("到期日期", "到期日"), "2027-01-09", "date"),
    Column("fee_rate", ("担保费率", "费率"), 0.015, "ratio"),
    # Ledger columns: an existing contract is brought in as active with its current balance.
    Column("activated_on", ("放款日期", "生效日期"), None, "date"),
    Column("outstanding_balance", ("在保余额", "贷款余额"), None, "money"),
    Column("balance_as_of", ("余额日期",), None, "date"),
)

_COLLATERAL: Final = (
    Column("contract_no", ("合同编号", "担保合同编号", "合同号"), "DB-2026-0001"),
    Column("kind", ("反担保类型", "反担保方式", "类型"), "real_estate"),
    Column("appraised_value", ("评估价值", "评估值"), "1500000.00", "money"),
    Column("haircut", ("折扣率", "扣减比例"), None, "ratio"),
    Column("appraised_on", ("评估日期",), "2026-01-05", "date"),
    Column("description", ("描述", "说明", "抵押物描述"), "苏州工业园区厂房"),
)

COLUMNS: Final[Mapping[ImportKind, tuple[Column, ...]]] = {
    ImportKind.customers: _CUSTOMER,
    ImportKind.financial_statements: _STATEMENT,
    ImportKind.contracts: _CONTRACT,
    ImportKind.collaterals: _COLLATERAL,
}

# Columns without which a row cannot be found again nor created.
KEYS: Final[Mapping[ImportKind, tuple[str, ...]]] = {
    ImportKind.customers: ("credit_code",),
    ImportKind.financial_statements: ("credit_code", "period_end", "period_type"),
    ImportKind.contracts: ("contract_no",),
    ImportKind.collaterals: ("contract_no", "kind"),
}

SHEET_NAMES: Final[Mapping[str, ImportKind]] = {
    "customers": ImportKind.customers,
    "客户": ImportKind.customers,
    "客户信息": ImportKind.customers,
    "financial_statements": ImportKind.financial_statements,
    "财务报表": ImportKind.financial_statements,
    "contracts": ImportKind.contracts,
    "担保合同": ImportKind.contracts,
    "合同": ImportKind.contracts,
    "collaterals": ImportKind.collaterals,
    "反担保": ImportKind.collaterals,
    "反担保措施": ImportKind.collaterals,
}

# Cell values written in Chinese for the closed vocabularies.
VALUE_ALIASES: Final[Mapping[str, Mapping[str, str]]] = {
    "status": {"正常": "active", "存续": "active", "有效": "active", "停用": "inactive"},
    "period_type": {"年报": "annual", "年度": "annual", "季报": "quarterly", "季度": "quarterly"},
    "product": {
        "贷款担保": "loan",
        "贷款": "loan",
        "票据承兑": "bill_acceptance",
        "贸易融资": "trade_finance",
        "债券": "bond",
        "投标保函": "bid_bond",
        "履约保函": "performance_bond",
        "诉讼保全": "litigation_preservation",
        "其他": "other",
    },
    # docs/DOMAIN.md §15; the longer names are how registers and credit reports write them.
    "ownership": {
        "国有": "state_owned",
        "国企": "state_owned",
        "国有企业": "state_owned",
        "国有控股": "state_owned",
        "民营": "private",
        "民企": "private",
        "民营企业": "private",
        "私营": "private",
        "私营企业": "private",
        "外资": "foreign",
        "外资企业": "foreign",
        "外商投资": "foreign",
        "外商投资企业": "foreign",
        "集体": "collective",
        "集体企业": "collective",
        "混合": "mixed",
        "混合所有制": "mixed",
        "其他": "other",
    },
    "market_position": {
        "龙头": "leader",
        "行业龙头": "leader",
        "龙头企业": "leader",
        "主要": "major",
        "骨干": "major",
        "一般": "average",
        "中等": "average",
        "较小": "minor",
        "较弱": "minor",
    },
    "kind": {
        "房产": "real_estate",
        "不动产": "real_estate",
        "设备": "equipment",
        "应收账款": "receivables",
        "股权质押": "equity_pledge",
        "保证金": "deposit",
        "个人保证": "personal_guarantee",
        "企业保证": "corporate_guarantee",
        "其他": "other",
    },
}

TRUE_WORDS: Final = frozenset({"true", "yes", "y", "1", "是", "已审计", "√"})
FALSE_WORDS: Final = frozenset({"false", "no", "n", "0", "否", "未审计"})

_UNIT = re.compile(r"\(.*?\)|\*")


def header_key(raw: str) -> str:
    """A header as compared: NFKC, no unit in brackets, no asterisk, lower-case, underscores."""
    text = _UNIT.sub("", unicodedata.normalize("NFKC", raw)).strip().lower()
    return re.sub(r"[\s\-]+", "_", text)


def _lookup(kind: ImportKind) -> dict[str, str]:
    table: dict[str, str] = {}
    for column in COLUMNS[kind]:
        table[column.name] = column.name
        for alias in column.aliases:
            table[header_key(alias)] = column.name
    return table


_LOOKUPS: Final = {kind: _lookup(kind) for kind in ImportKind}


@dataclass(frozen=True)
class HeaderProblem:
    column: str
    message: str


def resolve_headers(
    kind: ImportKind, headers: Sequence[object]
) -> tuple[list[str | None], list[HeaderProblem]]:
    """The field each header stands for (None for a blank header), and what is wrong."""
    lookup = _LOOKUPS[kind]
    fields: list[str | None] = []
    problems: list[HeaderProblem] = []
    seen: dict[str, str] = {}
    for raw in headers:
        text = "" if raw is None else str(raw)
        if not text.strip():
            fields.append(None)
            continue
        field = lookup.get(header_key(text))
        if field is None:
            problems.append(HeaderProblem(text, f"unknown column for {kind.value}"))
        elif field in seen:
            problems.append(HeaderProblem(text, f"the same column as {seen[field]!r}"))
            field = None
        else:
            seen[field] = text
        fields.append(field)
    for key in KEYS[kind]:
        if key not in seen:
            problems.append(HeaderProblem(key, f"{kind.value} need a {key} column"))
    return fields, problems


def infer_kind(headers: Sequence[object]) -> ImportKind | None:
    """The kind that has the file's key columns and knows most of its headers (None on a tie),
    so a stray column is then reported against the kind the file clearly is."""
    keys = {header_key(str(h)) for h in headers if h is not None and str(h).strip()}
    scores: dict[ImportKind, int] = {}
    for kind in ImportKind:
        known = {_LOOKUPS[kind][k] for k in keys if k in _LOOKUPS[kind]}
        if known >= set(KEYS[kind]):
            scores[kind] = len(known)
    ranked = sorted(scores.items(), key=lambda item: -item[1])
    if not ranked or (len(ranked) > 1 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]


def sheet_kind(title: str) -> ImportKind | None:
    return SHEET_NAMES.get(header_key(title))


def column_types(kind: ImportKind) -> dict[str, str]:
    return {column.name: column.type for column in COLUMNS[kind]}
