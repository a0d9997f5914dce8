"""Readable (Chinese) names for the report's keys, shared by the JSON and both renderers."""

from __future__ import annotations

from typing import Final

TIERS: Final = ("low", "medium", "high")
CLASSES: Final = ("premium", "general", "high_risk")

TIER: Final = {"low": "低风险", "medium": "中风险", "high": "高风险", "unrated": "未评级"}
CLASS: Final = {"premium": "优质", "general": "一般", "high_risk": "高风险", "unrated": "未评级"}
SIZE: Final = {
    "large": "大型",
    "medium": "中型",
    "small": "小型",
    "micro": "微型",
    "unknown": "规模未知",
    "unrated": "未评级",
}
# GB/T 4754-2017 sections (docs/DOMAIN.md §7).
INDUSTRY: Final = {
    "A": "农、林、牧、渔业",
    "B": "采矿业",
    "C": "制造业",
    "D": "电力、热力、燃气及水生产和供应业",
    "E": "建筑业",
    "F": "批发和零售业",
    "G": "交通运输、仓储和邮政业",
    "H": "住宿和餐饮业",
    "I": "信息传输、软件和信息技术服务业",
    "J": "金融业",
    "K": "房地产业",
    "L": "租赁和商务服务业",
    "M": "科学研究和技术服务业",
    "N": "水利、环境和公共设施管理业",
    "O": "居民服务、修理和其他服务业",
    "P": "教育",
    "Q": "卫生和社会工作",
    "R": "文化、体育和娱乐业",
    "S": "公共管理、社会保障和社会组织",
    "T": "国际组织",
    "unknown": "行业未知",
}
# docs/DOMAIN.md §15, in the order the report lists them.
OWNERSHIP: Final = {
    "state_owned": "国有",
    "private": "民营",
    "foreign": "外资",
    "collective": "集体",
    "mixed": "混合所有制",
    "other": "其他",
    "unknown": "性质未知",
}
MARKET_POSITION: Final = {
    "leader": "龙头",
    "major": "主要",
    "average": "一般",
    "minor": "较小",
    "unknown": "地位未知",
}
WATCH_LEVEL: Final = {"watch": "关注", "restricted": "限制", "prohibited": "禁止"}
FACT: Final = {
    "name": "企业名称",
    "credit_code": "统一社会信用代码",
    "legal_representative": "法定代表人",
    "registered_capital": "注册资本",
    "established_on": "成立日期",
    "industry_code": "行业代码",
    "main_business": "主营业务",
    "employees": "从业人数",
    "current_statement": "当期财务报表",
}
SEVERITY: Final = {"high": "高", "medium": "中", "low": "低", "all": "合计"}
WARNING_SOURCE: Final = {
    "contract_overdue": "合同逾期",
    "adverse_event": "不良信用事件",
    "tier_downgrade": "风险等级下调",
    "alert": "预警系统告警",
}


def label(names: dict[str, str], key: str | None) -> str:
    """The readable name of ``key``, or the key itself when it has none."""
    if key is None:
        return names.get("unrated", "—")
    return names.get(key, key)


def both(names: dict[str, str], key: str | None) -> str:
    """Chinese and English: ``"中风险 medium"``."""
    return f"{label(names, key)} {key or 'unrated'}"
