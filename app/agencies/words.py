"""The words an agency list may use besides the values and labels: the Chinese names of the columns, and the
usual names of the kinds of agency and of the types of right (专利 for the three kinds of patent, 全部 for
every type)."""

from __future__ import annotations

from app.agencies.models import AgencyKind
from app.cases.enums import IPType

HEADER_ALIASES = {
    "中心": "centre",
    "中心代码": "centre",
    "地区": "centre",
    "区域": "centre",
    "名称": "name",
    "机构名称": "name",
    "机关名称": "name",
    "类别": "kind",
    "类型": "kind",
    "机构类别": "kind",
    "权利类型": "rights",
    "受理权利": "rights",
    "地址": "address",
    "电子邮箱": "email",
    "邮箱": "email",
    "电话": "phone",
    "联系电话": "phone",
    "联系人": "contact",
}
KIND_ALIASES = {
    "市场监督管理局": AgencyKind.MARKET_REGULATION,
    "市场监督管理": AgencyKind.MARKET_REGULATION,
    "市场监管": AgencyKind.MARKET_REGULATION,
    "market regulation": AgencyKind.MARKET_REGULATION,
    "知识产权局": AgencyKind.PATENT_ADMINISTRATION,
    "专利行政": AgencyKind.PATENT_ADMINISTRATION,
    "专利管理": AgencyKind.PATENT_ADMINISTRATION,
    "patent administration": AgencyKind.PATENT_ADMINISTRATION,
    "版权局": AgencyKind.COPYRIGHT,
    "版权": AgencyKind.COPYRIGHT,
    "著作权": AgencyKind.COPYRIGHT,
    "海关": AgencyKind.CUSTOMS,
    "农业农村局": AgencyKind.AGRICULTURE_FORESTRY,
    "农业农村": AgencyKind.AGRICULTURE_FORESTRY,
    "农业": AgencyKind.AGRICULTURE_FORESTRY,
    "林业": AgencyKind.AGRICULTURE_FORESTRY,
    "林业局": AgencyKind.AGRICULTURE_FORESTRY,
    "agriculture": AgencyKind.AGRICULTURE_FORESTRY,
    "forestry": AgencyKind.AGRICULTURE_FORESTRY,
    "公安": AgencyKind.PUBLIC_SECURITY,
    "公安局": AgencyKind.PUBLIC_SECURITY,
    "police": AgencyKind.PUBLIC_SECURITY,
    "其他": AgencyKind.OTHER,
    "其它": AgencyKind.OTHER,
}
PATENTS = (IPType.INVENTION_PATENT, IPType.UTILITY_MODEL, IPType.DESIGN)
RIGHT_ALIASES = {
    "专利": PATENTS,
    "patent": PATENTS,
    "patents": PATENTS,
    "全部": tuple(IPType),
    "所有": tuple(IPType),
    "all": tuple(IPType),
    "发明": (IPType.INVENTION_PATENT,),
    "发明专利": (IPType.INVENTION_PATENT,),
    "实用新型专利": (IPType.UTILITY_MODEL,),
    "外观设计专利": (IPType.DESIGN,),
    "实用新型": (IPType.UTILITY_MODEL,),
    "外观设计": (IPType.DESIGN,),
    "外观": (IPType.DESIGN,),
    "商标": (IPType.TRADEMARK,),
    "版权": (IPType.COPYRIGHT,),
    "著作权": (IPType.COPYRIGHT,),
    "地理标志": (IPType.GEOGRAPHICAL_INDICATION,),
    "商业秘密": (IPType.TRADE_SECRET,),
    "植物新品种": (IPType.PLANT_VARIETY,),
    "集成电路布图设计": (IPType.IC_LAYOUT,),
}
