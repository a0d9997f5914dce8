"""The vocabulary of the demo book: industries, places, names, lenders and partner banks,
products, sizes."""

# (GB/T 4754-2017 code, main business, the word that names such a firm)
INDUSTRIES: tuple[tuple[str, str, str], ...] = (
    ("A0111", "稻谷种植与粮食收储", "农业"), ("A0312", "生猪养殖", "牧业"),
    ("B0610", "烟煤和无烟煤开采", "矿业"), ("B1011", "石灰石开采", "建材矿业"),
    ("C1310", "谷物磨制", "粮油"), ("C1523", "果汁饮料制造", "食品"),
    ("C1711", "棉纺纱加工", "纺织"), ("C1810", "机织服装制造", "服饰"),
    ("C2231", "纸和纸板容器制造", "包装"), ("C2614", "有机化学原料制造", "化工"),
    ("C2710", "化学药品原料药制造", "药业"), ("C2922", "塑料板、管、型材制造", "塑胶"),
    ("C3011", "水泥制造", "水泥"), ("C3311", "金属结构制造", "钢构"),
    ("C3411", "锅炉及辅助设备制造", "机械"), ("C3484", "机械零部件加工", "精工"),
    ("C3670", "汽车零部件及配件制造", "汽配"), ("C3825", "光伏设备及元器件制造", "光伏"),
    ("C3911", "计算机整机制造", "电脑"), ("C3971", "电子元件及组件制造", "电子"),
    ("C39", "通信设备制造", "通信"), ("C", "其他制造业", "制造"),
    ("D4411", "火力发电", "电力"), ("D4610", "自来水生产和供应", "水务"),
    ("E4710", "住宅房屋建筑", "建设"), ("E4813", "市政道路工程建筑", "路桥"),
    ("F5131", "机械设备批发", "贸易"), ("F5212", "超级市场零售", "商贸"),
    ("G5430", "道路货物运输", "物流"), ("G5920", "冷链仓储", "仓储"),
    ("H6110", "旅游饭店", "酒店"), ("H6210", "正餐服务", "餐饮"),
    ("I6311", "固定电信服务", "通讯"), ("I6513", "应用软件开发", "软件"),
    ("I65", "信息技术咨询服务", "信息"), ("K7010", "房地产开发经营", "置业"),
    ("K702", "物业管理", "物业"), ("L7111", "机械设备经营租赁", "租赁"),
    ("L7212", "投资与资产管理", "投资"), ("M7320", "工程和技术研究", "科技"),
    ("N7721", "水污染治理", "环保"), ("O8010", "家庭服务", "家政"),
    ("P8336", "中等职业学校教育", "教育"), ("Q8411", "综合医院", "医疗"),
    ("R8710", "电影和影视节目制作", "影视"),
)  # fmt: skip

# (city, GB/T 2260 district code: the region of the credit code and of the ID number)
CITIES = (
    ("苏州", "320505"), ("无锡", "320214"), ("常州", "320411"), ("南京", "320105"),
    ("杭州", "330106"), ("宁波", "330212"), ("嘉兴", "330402"), ("绍兴", "330602"),
    ("温州", "330302"), ("合肥", "340104"), ("南通", "320612"), ("扬州", "321003"),
)  # fmt: skip
BRANDS = (
    "华瑞", "鑫达", "恒通", "宏远", "天成", "金源", "永盛", "瑞丰", "博远", "联创", "中科", "新宇",
    "同力", "海纳", "安泰", "盛世", "德信", "东升", "久鼎", "长兴", "汇丰", "卓越", "正泰", "嘉禾",
    "明辉", "锦程", "万象", "百川", "嘉诚", "宝隆",
)  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = (*"伟芳娜敏静强磊军洋勇艳杰涛明超", "秀英", "建华", "志强", "国平", "海燕")
GROUPS = ("华鑫控股集团", "东方实业集团", "恒泰投资集团", "金桥产业集团", "瑞丰控股集团")
LENDERS = (
    "中国工商银行苏州分行", "中国建设银行无锡分行", "中国农业银行杭州分行", "中国银行宁波分行",
    "交通银行南京分行", "招商银行苏州分行", "江苏银行常州分行", "宁波银行嘉兴分行",
    "杭州银行绍兴分行", "苏州农村商业银行", "兴业银行合肥分行", "浦发银行温州分行",
)  # fmt: skip
# The demo's partner banks (ours): each owns the branch name its contracts in the book record
# (from LENDERS) and its head office's name, so its token sees the customers those finance.
PARTNERS = (
    {"code": "icbc", "name": "中国工商银行",
     "lender_names": ["中国工商银行", "中国工商银行苏州分行"]},
    {"code": "ccb", "name": "中国建设银行",
     "lender_names": ["中国建设银行", "中国建设银行无锡分行"]},
)  # fmt: skip
PRODUCTS = {  # product: (weight, purpose)
    "loan": (55, "流动资金贷款"), "bill_acceptance": (10, "银行承兑汇票"),
    "trade_finance": (8, "进口信用证融资"), "bond": (2, "公司债券发行"),
    "bid_bond": (8, "工程投标保函"), "performance_bond": (8, "工程履约保函"),
    "litigation_preservation": (4, "诉讼财产保全担保"), "other": (5, "设备融资租赁"),
}  # fmt: skip

# Target size: (weight, employees range, revenue range in 万元, principal range in 万元)
SIZES = {
    "large": (10, (1_200, 6_000), (120_000, 600_000), (1_000, 3_000)),
    "medium": (30, (320, 950), (6_500, 35_000), (300, 1_000)),
    "small": (35, (25, 95), (1_100, 4_500), (80, 300)),
    "micro": (25, (3, 9), (20, 45), (10, 60)),
}
CAPITAL = {  # registered capital in 万元, by size
    "large": (5_000, 10_000, 20_000, 50_000),
    "medium": (1_000, 2_000, 3_000, 5_000),
    "small": (100, 200, 300, 500),
    "micro": (10, 30, 50, 100),
}
HEALTH = {"strong": 25, "normal": 55, "weak": 20}

# 客户性质 and 市场地位 (docs/DOMAIN.md §15): ownership weights, and the market positions a firm
# of each size plausibly holds; a few customers have neither recorded.
OWNERSHIP = {"private": 68, "state_owned": 10, "mixed": 8, "foreign": 6, "collective": 3,
             "other": 2, "": 3}  # fmt: skip
MARKET_POSITIONS = {
    "large": {"leader": 5, "major": 4, "average": 1},
    "medium": {"leader": 1, "major": 4, "average": 4, "minor": 1},
    "small": {"major": 1, "average": 5, "minor": 4, "": 1},
    "micro": {"average": 2, "minor": 7, "": 1},
}
# The demo's industry watch-list: each prefix matches industries of INDUSTRIES above.
WATCH_LIST = (
    {"industry_prefix": "K70", "level": "restricted", "effective_from": "2024-01-01",
     "reason": "房地产开发经营: 行业下行期, 新增担保从严"},
    {"industry_prefix": "C3011", "level": "watch", "effective_from": "2024-07-01",
     "reason": "水泥制造: 产能过剩, 关注开工率与回款"},
    {"industry_prefix": "B0610", "level": "prohibited", "effective_from": "2025-01-01",
     "reason": "煤炭开采: 不再新增担保"},
)  # fmt: skip
