"""The eight laboratories' reference data: methods, analysis services, specifications,
instruments with calibrations, reference materials and control charts, the import mapping."""

import datetime as dt
from collections import Counter as Tally
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from openciq.accounts.models import OrgUnit
from openciq.core import audit
from openciq.lims.models import (
    AnalysisService,
    ControlChart,
    ImportMapping,
    Instrument,
    InstrumentCalibration,
    Method,
    ReferenceMaterial,
    Specification,
)
from openciq.masterdata.models import Country


@dataclass(frozen=True)
class MethodDef:
    """A method and its analysis services. ``services`` are (code, Chinese, English[, overrides])
    where overrides change the method's defaults for one service. ``profile`` says how the bureau
    history draws results: ``residue`` (mostly below the LOQ), ``trace`` (lognormal around
    ``typical``), ``count`` (colony counts), ``level`` (normal around ``typical``, sd ``sd``),
    ``qual`` (detected / not detected)."""

    code: str
    name_zh: str
    name_en: str
    standard: str
    category: str
    services: tuple[tuple[Any, ...], ...]
    unit: str = ""
    lod: str | None = None
    loq: str | None = None
    u: str | None = None
    floor: str | None = None
    precision: int = 3
    days: int = 5
    price: str = "100"
    profile: str = "residue"
    typical: str | None = None
    sd: str | None = None
    verifications: int = 1
    run_hours: tuple[int, int] = (20, 60)
    blank: bool = True
    control: str | None = None  # certified value of the control material (qualitative: positive control)
    control_service: str = ""  # default: the first service


def _pesticides(*rows: tuple[Any, ...]) -> tuple[tuple[Any, ...], ...]:
    return tuple((f"FD-{row[0]}", *row[1:]) for row in rows)


def _svc(code: str, zh: str, en: str, **overrides: Any) -> tuple[Any, ...]:
    return (code, zh, en, overrides)


QUAL: dict[str, Any] = {"profile": "qual"}

METHODS: dict[str, list[MethodDef]] = {
    "LAB-FOOD": [
        MethodDef(
            "FD-PEST", "植物源性食品中208种农药及其代谢物残留量的测定 气相色谱-质谱联用法",
            "208 pesticides and metabolites in foods of plant origin, GC-MS/MS", "GB 23200.113-2018",
            "农药残留 / Pesticide residues", unit="mg/kg", lod="0.003", loq="0.01", u="25", price="120",
            control="0.100",
            services=_pesticides(
                ("CHLORPYRIFOS", "毒死蜱", "Chlorpyrifos"), ("CYPERMETHRIN", "氯氰菊酯", "Cypermethrin"),
                ("LCYHALOTHRIN", "高效氯氟氰菊酯", "lambda-Cyhalothrin"), ("DELTAMETHRIN", "溴氰菊酯", "Deltamethrin"),
                ("FENVALERATE", "氰戊菊酯", "Fenvalerate"), ("BIFENTHRIN", "联苯菊酯", "Bifenthrin"),
                ("TRIAZOPHOS", "三唑磷", "Triazophos"), ("PROFENOFOS", "丙溴磷", "Profenofos"),
                ("PHORATE", "甲拌磷", "Phorate"), ("ISOCARBOPHOS", "水胺硫磷", "Isocarbophos"),
                ("DIMETHOATE", "乐果", "Dimethoate"), ("PROCYMIDONE", "腐霉利", "Procymidone"),
                ("CHLOROTHALONIL", "百菌清", "Chlorothalonil"), ("DIFENOCONAZOLE", "苯醚甲环唑", "Difenoconazole"),
                ("PENDIMETHALIN", "二甲戊灵", "Pendimethalin"), ("ENDOSULFAN", "硫丹", "Endosulfan"),
                ("PYRIDABEN", "哒螨灵", "Pyridaben"), ("FIPRONIL", "氟虫腈", "Fipronil", {"lod": "0.001", "loq": "0.002"}),
            ),
        ),
        MethodDef(
            "FD-BAGON", "动物源性食品中多种β-受体激动剂残留量的测定 液相色谱串联质谱法",
            "beta-agonists in foods of animal origin, LC-MS/MS", "GB/T 22286-2008",
            "兽药残留 / Veterinary drug residues", unit="ug/kg", lod="0.2", loq="0.5", u="20", precision=2,
            days=3, price="200", run_hours=(8, 30), control="2.00",
            services=(("FD-CLENBUTEROL", "克伦特罗", "Clenbuterol"), ("FD-RACTOPAMINE", "莱克多巴胺", "Ractopamine"),
                      ("FD-SALBUTAMOL", "沙丁胺醇", "Salbutamol")),
        ),
        MethodDef(
            "FD-PB", "食品中铅的测定 石墨炉原子吸收光谱法", "Lead in foods, graphite furnace AAS",
            "GB 5009.12-2017", "重金属 / Heavy metals", unit="mg/kg", lod="0.02", loq="0.04", u="15",
            profile="trace", typical="0.03", control="0.200", services=(("FD-PB", "铅", "Lead"),),
        ),
        MethodDef(
            "FD-ICPMS", "食品中多元素的测定 电感耦合等离子体质谱法", "Elements in foods, ICP-MS", "GB 5009.268-2016",
            "重金属 / Heavy metals", unit="mg/kg", lod="0.002", loq="0.005", u="15", profile="trace",
            control="0.100",
            services=(_svc("FD-CD", "镉", "Cadmium", typical="0.02"),
                      _svc("FD-AS", "总砷", "Total arsenic", typical="0.05"),
                      _svc("FD-HG", "总汞", "Total mercury", typical="0.01", lod="0.001", loq="0.003"),
                      _svc("FD-CR", "铬", "Chromium", typical="0.15", lod="0.02", loq="0.05")),
        ),
        MethodDef(
            "FD-APC", "食品微生物学检验 菌落总数测定", "Aerobic plate count", "GB 4789.2-2022",
            "微生物 / Microbiology", unit="CFU/g", lod="10", loq="10", u="30", precision=0, price="60",
            profile="count", typical="800", run_hours=(48, 80), control="1500",
            services=(("FD-APC", "菌落总数", "Aerobic plate count"),),
        ),
        MethodDef(
            "FD-SALM", "食品微生物学检验 沙门氏菌检验", "Salmonella", "GB 4789.4-2024", "微生物 / Microbiology",
            price="150", profile="qual", verifications=2, run_hours=(72, 110), control="positive",
            services=(("FD-SALMONELLA", "沙门氏菌", "Salmonella"),),
        ),
    ],
    "LAB-TEX": [
        MethodDef(
            "TX-HCHO", "纺织品 甲醛的测定 第1部分：游离和水解的甲醛（水萃取法）",
            "Textiles: free and hydrolysed formaldehyde (water extraction)", "GB/T 2912.1-2009",
            "纺织品安全 / Textile safety", unit="mg/kg", lod="16", loq="20", u="10", precision=0, price="80",
            profile="trace", typical="12", run_hours=(18, 30), control="75",
            services=(("TX-FORMALDEHYDE", "甲醛", "Formaldehyde"),),
        ),
        MethodDef(
            "TX-AZO", "纺织品 禁用偶氮染料的测定", "Textiles: banned azo colourants", "GB/T 17592-2011",
            "纺织品安全 / Textile safety", unit="mg/kg", lod="3", loq="5", u="20", precision=1, days=7,
            price="40", run_hours=(24, 72), control="20.0",
            services=(("TX-AZO-4ABP", "4-氨基联苯", "4-Aminobiphenyl"), ("TX-AZO-BZD", "联苯胺", "Benzidine"),
                      ("TX-AZO-4COT", "4-氯邻甲苯胺", "4-Chloro-o-toluidine"), ("TX-AZO-2NA", "2-萘胺", "2-Naphthylamine"),
                      ("TX-AZO-OAAT", "邻氨基偶氮甲苯", "o-Aminoazotoluene"),
                      ("TX-AZO-5N2T", "5-硝基邻甲苯胺", "5-Nitro-o-toluidine"), ("TX-AZO-4CA", "对氯苯胺", "4-Chloroaniline"),
                      ("TX-AZO-24DAA", "2,4-二氨基苯甲醚", "2,4-Diaminoanisole"),
                      ("TX-AZO-MDA", "4,4'-二氨基二苯甲烷", "4,4'-Diaminodiphenylmethane"),
                      ("TX-AZO-DCB", "3,3'-二氯联苯胺", "3,3'-Dichlorobenzidine"),
                      ("TX-AZO-DMOB", "3,3'-二甲氧基联苯胺", "3,3'-Dimethoxybenzidine"),
                      ("TX-AZO-DMB", "3,3'-二甲基联苯胺", "3,3'-Dimethylbenzidine"), ("TX-AZO-OT", "邻甲苯胺", "o-Toluidine"),
                      ("TX-AZO-4AAB", "4-氨基偶氮苯", "4-Aminoazobenzene")),
        ),
        MethodDef(
            "TX-PH", "纺织品 水萃取液pH值的测定", "Textiles: pH of the aqueous extract", "GB/T 7573-2009",
            "纺织品安全 / Textile safety", unit="pH", floor="0.1", precision=1, days=3, price="30",
            profile="level", typical="6.6", sd="0.6", run_hours=(4, 24), blank=False, control="6.86",
            services=(("TX-PH", "pH值", "pH value"),),
        ),
        MethodDef(
            "TX-METALS", "纺织品 重金属的测定 第2部分：电感耦合等离子体原子发射光谱法",
            "Textiles: heavy metals, ICP-OES", "GB/T 17593.2-2007", "重金属 / Heavy metals", unit="mg/kg",
            lod="0.1", loq="0.2", u="15", precision=2, days=7, price="60", profile="trace", typical="0.4",
            control="5.00",
            services=(("TX-PB", "铅", "Lead"), ("TX-CD", "镉", "Cadmium"), ("TX-CR", "铬", "Chromium"),
                      ("TX-NI", "镍", "Nickel"), ("TX-CU", "铜", "Copper"), ("TX-CO", "钴", "Cobalt")),
        ),
    ],
    "LAB-LIGHT": [
        MethodDef(
            "LT-PBMIG", "食品接触材料及制品 铅的测定和迁移量的测定", "Food contact materials: lead release",
            "GB 31604.34-2016", "食品接触材料 / Food contact materials", unit="mg/L", lod="0.002", loq="0.01",
            u="15", days=7, price="120", profile="trace", typical="0.03", run_hours=(24, 48), control="0.500",
            services=(("LT-PB-MIG", "铅迁移量", "Lead release"),),
        ),
        MethodDef(
            "LT-CDMIG", "食品接触材料及制品 镉的测定和迁移量的测定", "Food contact materials: cadmium release",
            "GB 31604.24-2016", "食品接触材料 / Food contact materials", unit="mg/L", lod="0.001", loq="0.005",
            u="15", days=7, price="120", profile="trace", typical="0.004", run_hours=(24, 48), control="0.100",
            services=(("LT-CD-MIG", "镉迁移量", "Cadmium release"),),
        ),
        MethodDef(
            "LT-OM", "食品接触材料及制品 总迁移量的测定", "Food contact materials: overall migration",
            "GB 31604.8-2021", "食品接触材料 / Food contact materials", unit="mg/kg", lod="2", loq="5", u="10",
            precision=1, days=10, price="150", profile="trace", typical="8", run_hours=(48, 96),
            services=(("LT-OM-ACID", "总迁移量（4%乙酸）", "Overall migration (4% acetic acid)"),
                      ("LT-OM-ETH10", "总迁移量（10%乙醇）", "Overall migration (10% ethanol)"),
                      ("LT-OM-ETH95", "总迁移量（95%乙醇）", "Overall migration (95% ethanol)")),
        ),
        MethodDef(
            "LT-HCHOMIG", "食品接触材料及制品 甲醛迁移量的测定", "Food contact materials: formaldehyde migration",
            "GB 31604.48-2016", "食品接触材料 / Food contact materials", unit="mg/kg", lod="0.2", loq="0.5",
            u="15", precision=2, days=7, price="100", profile="trace", typical="1.5", control="5.00",
            services=(("LT-HCHO-MIG", "甲醛迁移量", "Formaldehyde migration"),),
        ),
        MethodDef(
            "LT-TOYEL", "玩具安全 第4部分：特定元素的迁移", "Toy safety: migration of certain elements",
            "GB 6675.4-2014", "玩具安全 / Toy safety", unit="mg/kg", lod="0.5", loq="1", u="20", precision=1,
            days=7, price="80", profile="trace", control="10.0", control_service="LT-TOY-PB",
            services=(_svc("LT-TOY-SB", "可迁移锑", "Soluble antimony", typical="2"),
                      _svc("LT-TOY-AS", "可迁移砷", "Soluble arsenic", typical="1"),
                      _svc("LT-TOY-BA", "可迁移钡", "Soluble barium", typical="30"),
                      _svc("LT-TOY-CD", "可迁移镉", "Soluble cadmium", typical="1"),
                      _svc("LT-TOY-CR", "可迁移铬", "Soluble chromium", typical="2"),
                      _svc("LT-TOY-PB", "可迁移铅", "Soluble lead", typical="4"),
                      _svc("LT-TOY-HG", "可迁移汞", "Soluble mercury", typical="1"),
                      _svc("LT-TOY-SE", "可迁移硒", "Soluble selenium", typical="2")),
        ),
        MethodDef(
            "LT-PAE", "玩具及儿童用品中特定邻苯二甲酸酯增塑剂的测定", "Phthalate plasticisers in toys and childcare articles",
            "GB/T 22048-2022", "玩具安全 / Toy safety", unit="%", lod="0.003", loq="0.005", u="15", days=7,
            price="80", control="0.100",
            services=(("LT-PAE-DEHP", "邻苯二甲酸二(2-乙基己基)酯", "DEHP"), ("LT-PAE-DBP", "邻苯二甲酸二丁酯", "DBP"),
                      ("LT-PAE-BBP", "邻苯二甲酸丁苄酯", "BBP"), ("LT-PAE-DINP", "邻苯二甲酸二异壬酯", "DINP"),
                      ("LT-PAE-DIDP", "邻苯二甲酸二异癸酯", "DIDP"), ("LT-PAE-DNOP", "邻苯二甲酸二正辛酯", "DNOP")),
        ),
    ],
    "LAB-ELEC": [
        MethodDef(
            "EL-4943", "音视频、信息技术和通信技术设备 第1部分：安全要求",
            "Audio/video, information and communication technology equipment, part 1: safety", "GB 4943.1-2022",
            "电气安全 / Electrical safety", days=10, price="300", profile="level", run_hours=(24, 120),
            blank=False, control="0.500",
            services=(_svc("EL-4943-TOUCH", "接触电流", "Touch current", unit="mA", loq="0.005", u="5", typical="0.06", sd="0.04"),
                      _svc("EL-4943-BOND", "保护连接电阻", "Protective bonding resistance", unit="mOhm", loq="1", u="5",
                           precision=1, typical="28", sd="12"),
                      _svc("EL-4943-HIPOT", "抗电强度试验击穿", "Electric strength test: breakdown", **QUAL),
                      _svc("EL-4943-INPUT", "输入电流", "Input current", unit="A", loq="0.001", u="2", typical="1.2", sd="0.5"),
                      _svc("EL-4943-TEMP", "可触及外表面温度", "Accessible surface temperature", unit="degC",
                           floor="1.0", precision=1, typical="46", sd="6")),
        ),
        MethodDef(
            "EL-4706", "家用和类似用途电器的安全 第1部分：通用要求",
            "Household and similar electrical appliances, part 1: general requirements", "GB 4706.1-2005",
            "电气安全 / Electrical safety", days=10, price="300", profile="level", run_hours=(24, 120),
            blank=False, control="0.500",
            services=(_svc("EL-4706-LEAK", "泄漏电流", "Leakage current", unit="mA", loq="0.005", u="5", typical="0.12", sd="0.08"),
                      _svc("EL-4706-EARTH", "接地电阻", "Earthing resistance", unit="mOhm", loq="1", u="5", precision=1,
                           typical="35", sd="15"),
                      _svc("EL-4706-WIND", "绕组温升", "Winding temperature rise", unit="degC", floor="1.0", precision=1,
                           typical="62", sd="9"),
                      _svc("EL-4706-HIPOT", "电气强度试验击穿", "Electric strength test: breakdown", **QUAL)),
        ),
        MethodDef(
            "EL-HARM", "电磁兼容 限值 第1部分：谐波电流发射限值（设备每相输入电流≤16A）",
            "EMC limits, part 1: harmonic current emissions (input current up to 16 A per phase)",
            "GB 17625.1-2022", "电磁兼容 / Electromagnetic compatibility", unit="A", loq="0.001", u="5",
            days=7, price="80", profile="trace", run_hours=(8, 48), blank=False, control="1.000",
            services=tuple(
                _svc(f"EL-HARM-{n}", f"{n}次谐波电流", f"Harmonic current, order {n}", typical=str(limit / 4))
                for n, limit in ((3, 2.30), (5, 1.14), (7, 0.77), (9, 0.40), (11, 0.33), (13, 0.21), (15, 0.15))
            ),
        ),
        MethodDef(
            "EL-NOISE", "家用和类似用途电器噪声测试方法 通用要求", "Noise of household appliances: general requirements",
            "GB/T 4214.1-2017", "噪声 / Noise", unit="dB(A)", floor="1.5", precision=1, days=7, price="200",
            profile="level", typical="62", sd="5", run_hours=(8, 48), blank=False, control="94.0",
            services=(("EL-NOISE", "A计权声功率级", "A-weighted sound power level"),),
        ),
        MethodDef(
            "EL-2099", "家用和类似用途插头插座 第1部分：通用要求",
            "Plugs and socket-outlets for household and similar purposes, part 1", "GB/T 2099.1-2021",
            "电气安全 / Electrical safety", days=10, price="150", profile="level", run_hours=(24, 96),
            blank=False, control="20.00", control_service="EL-2099-PIN",
            services=(_svc("EL-2099-WITHDRAW", "拔出力", "Withdrawal force", unit="N", floor="0.5", precision=1,
                           typical="22", sd="5"),
                      _svc("EL-2099-PIN", "插销长度", "Pin length", unit="mm", floor="0.02", precision=2,
                           typical="17.6", sd="0.15"),
                      _svc("EL-2099-TEMP", "端子温升", "Terminal temperature rise", unit="degC", floor="1.0",
                           precision=1, typical="28", sd="6")),
        ),
    ],
    "LAB-CHEM": [
        MethodDef(
            "CH-COSM", "化妆品中铅、砷、汞、镉的测定（电感耦合等离子体质谱法）",
            "Lead, arsenic, mercury and cadmium in cosmetics, ICP-MS", "化妆品安全技术规范（2015年版）",
            "化妆品 / Cosmetics", unit="mg/kg", lod="0.01", loq="0.03", u="15", days=5, price="120",
            profile="trace", control="1.000",
            services=(_svc("CH-COSM-PB", "铅", "Lead", typical="0.3"), _svc("CH-COSM-AS", "砷", "Arsenic", typical="0.1"),
                      _svc("CH-COSM-HG", "汞", "Mercury", typical="0.02"), _svc("CH-COSM-CD", "镉", "Cadmium", typical="0.02")),
        ),
        MethodDef(
            "CH-ROHS5", "电子电气产品中某些物质的测定 第5部分：镉、铅、铬的测定",
            "Certain substances in electrotechnical products, part 5: cadmium, lead and chromium",
            "GB/T 39560.5-2021", "有害物质 / Restricted substances", unit="mg/kg", lod="1", loq="2", u="15",
            precision=1, days=7, price="100", profile="trace", control="100.0",
            services=(_svc("CH-ROHS-PB", "铅", "Lead", typical="15"), _svc("CH-ROHS-CD", "镉", "Cadmium", typical="1"),
                      _svc("CH-ROHS-CR", "铬", "Chromium", typical="8")),
        ),
        MethodDef(
            "CH-ROHS4", "电子电气产品中某些物质的测定 第4部分：汞的测定",
            "Certain substances in electrotechnical products, part 4: mercury", "GB/T 39560.4-2021",
            "有害物质 / Restricted substances", unit="mg/kg", lod="0.5", loq="1", u="15", precision=1, days=7,
            price="100", profile="trace", typical="0.5", control="10.0",
            services=(("CH-ROHS-HG", "汞", "Mercury"),),
        ),
        MethodDef(
            "CH-ROHS6", "电子电气产品中某些物质的测定 第6部分：多溴联苯和多溴二苯醚的测定 气相色谱-质谱法",
            "Certain substances in electrotechnical products, part 6: PBB and PBDE by GC-MS",
            "GB/T 39560.6-2020", "有害物质 / Restricted substances", unit="mg/kg", lod="2", loq="5", u="20",
            precision=1, days=7, price="150", control="100.0", control_service="CH-BDE-209",
            services=(("CH-PBB", "多溴联苯总量", "Sum of PBB"), ("CH-PBDE", "多溴二苯醚总量", "Sum of PBDE"),
                      ("CH-BDE-47", "BDE-47", "BDE-47"), ("CH-BDE-99", "BDE-99", "BDE-99"),
                      ("CH-BDE-153", "BDE-153", "BDE-153"), ("CH-BDE-183", "BDE-183", "BDE-183"),
                      ("CH-BDE-209", "BDE-209", "BDE-209")),
        ),
        MethodDef(
            "CH-ROHS8", "电子电气产品中某些物质的测定 第8部分：邻苯二甲酸酯的测定",
            "Certain substances in electrotechnical products, part 8: phthalates", "GB/T 39560.8-2021",
            "有害物质 / Restricted substances", unit="mg/kg", lod="20", loq="50", u="20", precision=0, days=7,
            price="150", control="1000",
            services=(("CH-PAE-DEHP", "DEHP", "DEHP"), ("CH-PAE-DBP", "DBP", "DBP"), ("CH-PAE-BBP", "BBP", "BBP"),
                      ("CH-PAE-DIBP", "DIBP", "DIBP")),
        ),
        MethodDef(
            "CH-FE", "铁矿石 全铁含量的测定 三氯化钛还原重铬酸钾滴定法（常规方法）",
            "Iron ores: total iron, titanium(III) chloride reduction and dichromate titration",
            "GB/T 6730.65-2009", "矿产品 / Ores", unit="%", floor="0.20", precision=2, days=5, price="200",
            profile="level", typical="61.5", sd="2.0", run_hours=(8, 30), blank=False, control="62.55",
            services=(("CH-FE-TOTAL", "全铁", "Total iron"),),
        ),
    ],
    "LAB-HEALTH": [
        MethodDef(
            "HT-MICRO", "生活饮用水标准检验方法 第12部分：微生物指标",
            "Drinking water test methods, part 12: microbiological indicators", "GB/T 5750.12-2023",
            "饮用水 / Drinking water", days=5, price="80", profile="qual", run_hours=(24, 72),
            control="positive",
            services=(("HT-TC", "总大肠菌群", "Total coliforms"), ("HT-ECOLI", "大肠埃希氏菌", "Escherichia coli"),
                      ("HT-TTC", "耐热大肠菌群", "Thermotolerant coliforms"),
                      _svc("HT-APC", "菌落总数", "Heterotrophic plate count", unit="CFU/mL", lod="1", loq="1",
                           u="30", precision=0, profile="count", typical="8")),
        ),
        MethodDef(
            "HT-METAL", "生活饮用水标准检验方法 第6部分：金属和类金属指标",
            "Drinking water test methods, part 6: metals and metalloids", "GB/T 5750.6-2023",
            "饮用水 / Drinking water", unit="mg/L", lod="0.0001", loq="0.0002", u="15", precision=4, price="60",
            profile="trace", control="0.0100",
            services=(_svc("HT-AS", "砷", "Arsenic", typical="0.001"), _svc("HT-CD", "镉", "Cadmium", typical="0.0002"),
                      _svc("HT-PB", "铅", "Lead", typical="0.001"), _svc("HT-HG", "汞", "Mercury", typical="0.0001"),
                      _svc("HT-SE", "硒", "Selenium", typical="0.0005"), _svc("HT-AL", "铝", "Aluminium", typical="0.03"),
                      _svc("HT-FE", "铁", "Iron", typical="0.05"), _svc("HT-MN", "锰", "Manganese", typical="0.01"),
                      _svc("HT-CU", "铜", "Copper", typical="0.01"), _svc("HT-ZN", "锌", "Zinc", typical="0.02"),
                      _svc("HT-NI", "镍", "Nickel", typical="0.002"), _svc("HT-BA", "钡", "Barium", typical="0.05"),
                      _svc("HT-MO", "钼", "Molybdenum", typical="0.002")),
        ),
        MethodDef(
            "HT-PHYS", "生活饮用水标准检验方法 第4部分：感官性状和物理指标",
            "Drinking water test methods, part 4: organoleptic and physical indicators", "GB/T 5750.4-2023",
            "饮用水 / Drinking water", days=3, price="40", profile="level", run_hours=(4, 24), blank=False,
            control="6.86",
            services=(_svc("HT-PH", "pH值", "pH value", unit="pH", floor="0.1", precision=1, profile="level",
                           typical="7.3", sd="0.3"),
                      _svc("HT-HARD", "总硬度（以CaCO3计）", "Total hardness (as CaCO3)", unit="mg/L", loq="1", u="5",
                           precision=0, profile="trace", typical="150"),
                      _svc("HT-TDS", "溶解性总固体", "Total dissolved solids", unit="mg/L", loq="4", u="5",
                           precision=0, profile="trace", typical="250")),
        ),
        MethodDef(
            "HT-LEG", "公共场所卫生检验方法 第5部分：集中空调通风系统",
            "Public places hygiene test methods, part 5: central air-conditioning systems", "GB/T 18204.5-2013",
            "公共场所卫生 / Public places hygiene", days=10, price="200", profile="qual", run_hours=(168, 240),
            control="positive", services=(("HT-LEGIONELLA", "嗜肺军团菌", "Legionella pneumophila"),),
        ),
        MethodDef(
            "HT-VC", "霍乱诊断", "Diagnosis of cholera", "WS 289-2008", "传染病 / Communicable diseases", days=2,
            price="300", profile="qual", verifications=2, run_hours=(4, 12), control="positive",
            services=(("HT-VC-O1", "霍乱弧菌O1群核酸", "Vibrio cholerae O1 nucleic acid"),
                      ("HT-VC-O139", "霍乱弧菌O139群核酸", "Vibrio cholerae O139 nucleic acid")),
        ),
        MethodDef(
            "HT-DENV", "登革热诊断", "Diagnosis of dengue fever", "WS 216-2018", "传染病 / Communicable diseases",
            days=2, price="300", profile="qual", verifications=2, run_hours=(4, 12), control="positive",
            services=(("HT-DENV", "登革病毒核酸", "Dengue virus nucleic acid"),),
        ),
    ],
    "LAB-ANIMAL": [
        MethodDef(
            "AN-ASF", "非洲猪瘟诊断技术", "Diagnostic techniques for African swine fever", "GB/T 18648-2020",
            "动物疫病 / Animal diseases", days=3, price="150", profile="qual", verifications=2, run_hours=(4, 20),
            control="positive",
            services=(("AN-ASF-P72", "非洲猪瘟病毒核酸（p72）", "ASFV nucleic acid (p72, real-time PCR)"),
                      ("AN-ASF-CD2V", "非洲猪瘟病毒CD2v基因缺失株", "ASFV CD2v-deleted strain (real-time PCR)"),
                      ("AN-ASF-AB", "非洲猪瘟病毒抗体", "ASFV antibodies (ELISA)")),
        ),
        MethodDef(
            "AN-CSF", "猪瘟诊断技术", "Diagnostic techniques for classical swine fever", "GB/T 16551-2020",
            "动物疫病 / Animal diseases", days=3, price="120", profile="qual", run_hours=(4, 20), control="positive",
            services=(("AN-CSF-PCR", "猪瘟病毒核酸", "CSFV nucleic acid (RT-PCR)"),
                      ("AN-CSF-WILD", "猪瘟野毒与疫苗毒鉴别", "CSFV field strain vs vaccine strain (RT-PCR)")),
        ),
        MethodDef(
            "AN-FMD", "口蹄疫诊断技术", "Diagnostic techniques for foot-and-mouth disease", "GB/T 18935-2018",
            "动物疫病 / Animal diseases", days=3, price="150", profile="qual", verifications=2, run_hours=(4, 20),
            control="positive",
            services=(("AN-FMD-PCR", "口蹄疫病毒核酸", "FMDV nucleic acid (RT-PCR)"),
                      ("AN-FMD-O", "O型口蹄疫病毒核酸", "FMDV serotype O nucleic acid"),
                      ("AN-FMD-A", "A型口蹄疫病毒核酸", "FMDV serotype A nucleic acid"),
                      ("AN-FMD-NSP", "口蹄疫非结构蛋白抗体", "FMDV non-structural protein antibodies (3ABC ELISA)")),
        ),
        MethodDef(
            "AN-HPAI", "高致病性禽流感诊断技术", "Diagnostic techniques for highly pathogenic avian influenza",
            "GB/T 18936-2020", "动物疫病 / Animal diseases", days=3, price="150", profile="qual", verifications=2,
            run_hours=(4, 20), control="positive",
            services=(("AN-AI-M", "禽流感病毒M基因", "Avian influenza virus M gene"),
                      ("AN-AI-H5", "H5亚型禽流感病毒核酸", "Avian influenza virus H5"),
                      ("AN-AI-H7", "H7亚型禽流感病毒核酸", "Avian influenza virus H7"),
                      ("AN-AI-H9", "H9亚型禽流感病毒核酸", "Avian influenza virus H9")),
        ),
        MethodDef(
            "AN-PRRS", "猪繁殖与呼吸综合征诊断方法", "Diagnosis of porcine reproductive and respiratory syndrome",
            "GB/T 18090-2023", "动物疫病 / Animal diseases", days=3, price="120", profile="qual", run_hours=(4, 20),
            control="positive",
            services=(("AN-PRRS-PCR", "猪繁殖与呼吸综合征病毒核酸", "PRRSV nucleic acid (RT-PCR)"),
                      ("AN-PRRS-HP", "高致病性猪繁殖与呼吸综合征病毒", "Highly pathogenic PRRSV"),
                      ("AN-PRRS-N30", "类NADC30毒株", "NADC30-like PRRSV"),
                      ("AN-PRRS-N34", "类NADC34毒株", "NADC34-like PRRSV")),
        ),
        MethodDef(
            "AN-PRV", "伪狂犬病诊断方法", "Diagnosis of pseudorabies (Aujeszky's disease)", "GB/T 18641-2018",
            "动物疫病 / Animal diseases", days=3, price="100", profile="qual", run_hours=(4, 20), control="positive",
            services=(("AN-PRV-PCR", "伪狂犬病病毒核酸（gB）", "PRV nucleic acid (gB, PCR)"),
                      ("AN-PRV-GE", "伪狂犬病病毒野毒（gE）", "PRV field strain (gE, PCR)"),
                      ("AN-PRV-AB", "伪狂犬病病毒gE抗体", "PRV gE antibodies (ELISA)")),
        ),
    ],
    "LAB-PLANT": [
        MethodDef(
            "PL-TEPH", "实蝇的鉴定（形态学与分子生物学）", "Fruit flies: morphological and molecular identification",
            "ISPM 27 DP 9 (Anastrepha); DP 29 (Bactrocera dorsalis)", "检疫性有害生物 / Quarantine pests",
            days=5, price="200", profile="qual", run_hours=(24, 96), blank=False, control="positive",
            services=(("PL-BDOR", "橘小实蝇", "Bactrocera dorsalis"), ("PL-ZCUC", "瓜实蝇", "Zeugodacus cucurbitae"),
                      ("PL-CCAP", "地中海实蝇", "Ceratitis capitata"), ("PL-ALUD", "墨西哥按实蝇", "Anastrepha ludens"),
                      ("PL-AOBL", "西印度按实蝇", "Anastrepha obliqua"), ("PL-AFRA", "南美按实蝇", "Anastrepha fraterculus"),
                      ("PL-ASUS", "加勒比按实蝇", "Anastrepha suspensa")),
        ),
        MethodDef(
            "PL-TROG", "斑皮蠹属的鉴定", "Trogoderma: identification", "ISPM 27 DP 3 (Trogoderma granarium)",
            "检疫性有害生物 / Quarantine pests", days=5, price="150", profile="qual", run_hours=(24, 72),
            blank=False, control="positive",
            services=(("PL-TGRA", "谷斑皮蠹", "Trogoderma granarium"), ("PL-TVAR", "花斑皮蠹", "Trogoderma variabile"),
                      ("PL-TINC", "肾斑皮蠹", "Trogoderma inclusum"), ("PL-TGLA", "黑斑皮蠹", "Trogoderma glabrum")),
        ),
        MethodDef(
            "PL-BXYL", "松材线虫的鉴定", "Pine wood nematode: identification", "ISPM 27 DP 10 (Bursaphelenchus xylophilus)",
            "检疫性有害生物 / Quarantine pests", days=5, price="200", profile="qual", run_hours=(24, 96),
            control="positive",
            services=(("PL-BXYL-M", "松材线虫（形态学）", "Bursaphelenchus xylophilus (morphology)"),
                      ("PL-BXYL-P", "松材线虫（PCR）", "Bursaphelenchus xylophilus (PCR)"),
                      ("PL-MALT", "松墨天牛", "Monochamus alternatus")),
        ),
        MethodDef(
            "PL-LIRI", "斑潜蝇属的鉴定", "Liriomyza: identification", "ISPM 27 DP 16 (Genus Liriomyza)",
            "检疫性有害生物 / Quarantine pests", days=5, price="150", profile="qual", run_hours=(24, 72),
            blank=False, control="positive",
            services=(("PL-LHUI", "南美斑潜蝇", "Liriomyza huidobrensis"), ("PL-LSAT", "美洲斑潜蝇", "Liriomyza sativae"),
                      ("PL-LTRI", "三叶草斑潜蝇", "Liriomyza trifolii"), ("PL-LBRY", "番茄斑潜蝇", "Liriomyza bryoniae")),
        ),
        MethodDef(
            "PL-XCC", "柑橘溃疡病菌的检测", "Citrus canker: detection", "ISPM 27 DP 6 (Xanthomonas citri subsp. citri)",
            "检疫性有害生物 / Quarantine pests", days=5, price="200", profile="qual", run_hours=(24, 72),
            control="positive",
            services=(("PL-XCC", "柑橘溃疡病菌", "Xanthomonas citri subsp. citri"),
                      ("PL-XCA", "柑橘溃疡病菌（B/C型）", "Xanthomonas citri pv. aurantifolii")),
        ),
        MethodDef(
            "PL-EAMY", "梨火疫病菌的检测", "Fire blight: detection", "ISPM 27 DP 13 (Erwinia amylovora)",
            "检疫性有害生物 / Quarantine pests", days=5, price="200", profile="qual", run_hours=(24, 72),
            control="positive", services=(("PL-EAMY", "梨火疫病菌", "Erwinia amylovora"),),
        ),
    ],
}  # fmt: skip

EU = ("DE", "NL", "FR", "IT", "ES", "BE")  # the EU destinations given their own limits
GB, HK = "GB", "HK"  # China's national limits apply to any destination (GB), Hong Kong's to HK
# Pesticide maximum residue limits (mg/kg) for vegetables: China GB 2763-2021 (any food), Hong Kong
# Cap. 132CM, EU Regulation (EC) No 396/2005 (0.01 is its default limit of quantification).
PESTICIDE_MRL = {
    "CHLORPYRIFOS": ("0.02", "0.05", "0.01"), "CYPERMETHRIN": ("1", "0.7", "0.5"),
    "LCYHALOTHRIN": ("0.5", "0.3", "0.2"), "DELTAMETHRIN": ("0.5", "0.2", "0.2"),
    "FENVALERATE": ("0.5", "0.5", "0.02"), "BIFENTHRIN": ("0.5", "0.5", "0.05"),
    "TRIAZOPHOS": ("0.05", "0.05", "0.01"), "PROFENOFOS": ("0.5", "0.5", "0.01"),
    "PHORATE": ("0.01", "0.05", "0.01"), "ISOCARBOPHOS": ("0.05", "0.05", "0.01"),
    "DIMETHOATE": ("0.5", "0.5", "0.01"), "PROCYMIDONE": ("5", "5", "0.01"),
    "CHLOROTHALONIL": ("5", "5", "0.01"), "DIFENOCONAZOLE": ("2", "2", "1"),
    "PENDIMETHALIN": ("0.1", "0.05", "0.05"), "ENDOSULFAN": ("0.05", "0.05", "0.05"),
    "PYRIDABEN": ("1", "1", "0.5"), "FIPRONIL": ("0.02", "0.02", "0.005"),
}  # fmt: skip
S, G = "simple", "guarded"
# (service code, HS prefix, destination (GB: any, HK, EU), low, high, decision rule, regulation)
SPECIFICATIONS: list[tuple[str, str, str, str | None, str | None, str, str]] = [
    *((f"FD-{p}", "", GB, None, gb, S, "GB 2763-2021") for p, (gb, _hk, _eu) in PESTICIDE_MRL.items()),
    *((f"FD-{p}", "07", HK, None, hk, G, "HK Cap. 132CM") for p, (_gb, hk, _eu) in PESTICIDE_MRL.items()),
    *((f"FD-{p}", "07", "EU", None, eu, G, "Regulation (EC) No 396/2005") for p, (_gb, _hk, eu) in PESTICIDE_MRL.items()),
    *((f"FD-{c}", p, GB, None, "0.5", S, "农业农村部公告第250号（禁用）") for c in ("CLENBUTEROL", "RACTOPAMINE", "SALBUTAMOL") for p in ("02", "16")),
    ("FD-PB", "", GB, None, "0.2", S, "GB 2762-2022"), ("FD-PB", "07", GB, None, "0.1", S, "GB 2762-2022"),
    ("FD-PB", "0704", GB, None, "0.3", S, "GB 2762-2022"), ("FD-PB", "0705", GB, None, "0.3", S, "GB 2762-2022"),
    ("FD-PB", "03", GB, None, "0.5", S, "GB 2762-2022"), ("FD-PB", "0902", GB, None, "5.0", S, "GB 2762-2022"),
    ("FD-PB", "21", GB, None, "1.0", S, "GB 2762-2022"),
    ("FD-PB", "07", HK, None, "0.1", G, "HK Cap. 132V"), ("FD-PB", "07", "EU", None, "0.10", G, "Regulation (EU) 2023/915"),
    ("FD-CD", "1006", GB, None, "0.2", S, "GB 2762-2022"), ("FD-CD", "03", GB, None, "0.1", S, "GB 2762-2022"),
    ("FD-CD", "07", GB, None, "0.05", S, "GB 2762-2022"), ("FD-CD", "1006", "EU", None, "0.15", G, "Regulation (EU) 2023/915"),
    ("FD-AS", "1006", GB, None, "0.2", S, "GB 2762-2022 (inorganic arsenic, screened as total)"),
    ("FD-HG", "03", GB, None, "0.5", S, "GB 2762-2022"), ("FD-HG", "1006", GB, None, "0.02", S, "GB 2762-2022"),
    ("FD-CR", "1006", GB, None, "1.0", S, "GB 2762-2022"), ("FD-CR", "02", GB, None, "1.0", S, "GB 2762-2022"),
    ("FD-APC", "16", GB, None, "100000", S, "GB 2726-2016"), ("FD-APC", "19", GB, None, "100000", S, "GB 7100-2015"),
    ("FD-SALMONELLA", "", GB, None, None, S, "GB 29921-2021 (not detected in 25 g)"),
    ("TX-FORMALDEHYDE", "61", GB, None, "75", S, "GB 18401-2010 (class B)"),
    ("TX-FORMALDEHYDE", "62", GB, None, "75", S, "GB 18401-2010 (class B)"),
    ("TX-FORMALDEHYDE", "6111", GB, None, "20", S, "GB 18401-2010 (class A)"),
    ("TX-FORMALDEHYDE", "54", GB, None, "300", S, "GB 18401-2010 (class C)"),
    ("TX-PH", "61", GB, "4.0", "8.5", S, "GB 18401-2010 (class B)"), ("TX-PH", "62", GB, "4.0", "8.5", S, "GB 18401-2010 (class B)"),
    ("TX-PH", "6111", GB, "4.0", "7.5", S, "GB 18401-2010 (class A)"), ("TX-PH", "54", GB, "4.0", "9.0", S, "GB 18401-2010 (class C)"),
    ("LT-PB-MIG", "6911", GB, None, "2.0", S, "GB 4806.4-2016"), ("LT-CD-MIG", "6911", GB, None, "0.30", S, "GB 4806.4-2016"),
    *((c, "3924", GB, None, "60", S, "GB 4806.7-2016") for c in ("LT-OM-ACID", "LT-OM-ETH10", "LT-OM-ETH95")),
    ("LT-HCHO-MIG", "3924", GB, None, "15", S, "GB 9685-2016"),
    *((f"LT-TOY-{e}", "9503", GB, None, limit, S, "GB 6675.4-2014") for e, limit in
      (("SB", "60"), ("AS", "25"), ("BA", "1000"), ("CD", "75"), ("CR", "60"), ("PB", "90"), ("HG", "60"), ("SE", "500"))),
    *((f"LT-PAE-{p}", "9503", GB, None, "0.1", S, "GB 6675.1-2014") for p in ("DEHP", "DBP", "BBP", "DINP", "DIDP", "DNOP")),
    *((f"LT-PAE-{p}", "9503", "EU", None, "0.1", G, "REACH Annex XVII entries 51 and 52") for p in ("DEHP", "DBP", "BBP", "DINP", "DIDP", "DNOP")),
    *((c, p, GB, None, high, S, "GB 4943.1-2022") for c, high in (("EL-4943-TOUCH", "0.25"), ("EL-4943-BOND", "100"), ("EL-4943-TEMP", "77")) for p in ("84", "85")),
    *((c, "85", GB, None, high, S, "GB 4706.1-2005") for c, high in (("EL-4706-LEAK", "0.75"), ("EL-4706-EARTH", "100"), ("EL-4706-WIND", "90"))),
    *((f"EL-HARM-{n}", p, GB, None, limit, S, "GB 17625.1-2022 (class A)") for n, limit in
      ((3, "2.30"), (5, "1.14"), (7, "0.77"), (9, "0.40"), (11, "0.33"), (13, "0.21"), (15, "0.15")) for p in ("84", "85")),
    ("EL-2099-TEMP", "", GB, None, "45", S, "GB/T 2099.1-2021"),
    *((f"CH-COSM-{e}", "33", GB, None, limit, S, "化妆品安全技术规范（2015年版）") for e, limit in
      (("PB", "10"), ("AS", "2"), ("HG", "1"), ("CD", "5"))),
    *((c, p, dest, None, limit, rule, source) for c, limit in (("CH-ROHS-PB", "1000"), ("CH-ROHS-CD", "100"), ("CH-ROHS-HG", "1000"), ("CH-PBB", "1000"), ("CH-PBDE", "1000"))
      for p in ("84", "85") for dest, rule, source in ((GB, S, "GB/T 26572-2011"), ("EU", G, "Directive 2011/65/EU"))),
    *((f"CH-PAE-{p}", h, "EU", None, "1000", G, "Directive (EU) 2015/863") for p in ("DEHP", "DBP", "BBP", "DIBP") for h in ("84", "85")),
    *((c, "", GB, None, None, S, "GB 5749-2022") for c in ("HT-TC", "HT-ECOLI", "HT-TTC")),
    ("HT-APC", "", GB, None, "100", S, "GB 5749-2022"),
    *((f"HT-{e}", "", GB, None, limit, S, "GB 5749-2022") for e, limit in
      (("AS", "0.01"), ("CD", "0.005"), ("PB", "0.01"), ("HG", "0.001"), ("SE", "0.01"), ("AL", "0.2"), ("FE", "0.3"),
       ("MN", "0.1"), ("CU", "1.0"), ("ZN", "1.0"), ("NI", "0.02"), ("BA", "0.7"), ("MO", "0.07"))),
    ("HT-PH", "", GB, "6.5", "8.5", S, "GB 5749-2022"), ("HT-HARD", "", GB, None, "450", S, "GB 5749-2022"),
    ("HT-TDS", "", GB, None, "1000", S, "GB 5749-2022"), ("HT-LEGIONELLA", "", GB, None, None, S, "WS 394-2012"),
    *((c, "", GB, None, None, S, "中华人民共和国进境动物检疫疫病名录（2020）") for c in ("AN-ASF-P72", "AN-FMD-PCR", "AN-AI-H5", "AN-AI-H7")),
]  # fmt: skip

# (code, laboratory, type, manufacturer, model, methods, measuring range (low, high, unit), state)
INSTRUMENTS: list[tuple[str, str, str, str, str, tuple[str, ...], tuple[str, str, str] | None, str]] = [
    ("FD-GCMS-01", "LAB-FOOD", "气相色谱-三重四极杆质谱仪 GC-MS/MS", "Agilent", "7010B", ("FD-PEST",), ("0.001", "20", "mg/kg"), "ok"),
    ("FD-GCMS-02", "LAB-FOOD", "气相色谱-三重四极杆质谱仪 GC-MS/MS", "Thermo Fisher", "TSQ 9610", ("FD-PEST",), ("0.001", "20", "mg/kg"), "ok"),
    ("FD-LCMS-01", "LAB-FOOD", "液相色谱-串联质谱仪 LC-MS/MS", "SCIEX", "Triple Quad 6500+", ("FD-BAGON",), None, "ok"),
    ("FD-LCMS-02", "LAB-FOOD", "液相色谱-串联质谱仪 LC-MS/MS", "Waters", "Xevo TQ-S", ("FD-BAGON",), None, "out_of_service"),
    ("FD-AAS-01", "LAB-FOOD", "石墨炉原子吸收光谱仪 GF-AAS", "PerkinElmer", "PinAAcle 900T", ("FD-PB",), ("0", "10", "mg/kg"), "ok"),
    ("FD-AAS-02", "LAB-FOOD", "石墨炉原子吸收光谱仪 GF-AAS", "Hitachi", "ZA3000", ("FD-PB",), ("0", "10", "mg/kg"), "expired"),
    ("FD-ICPMS-01", "LAB-FOOD", "电感耦合等离子体质谱仪 ICP-MS", "Agilent", "7900", ("FD-ICPMS",), None, "ok"),
    ("FD-INC-01", "LAB-FOOD", "恒温培养箱 Incubator", "Memmert", "IN260", ("FD-APC", "FD-SALM"), None, "ok"),
    ("FD-VITEK-01", "LAB-FOOD", "微生物鉴定系统 Microbial identification", "bioMérieux", "VITEK 2 Compact", ("FD-SALM",), None, "ok"),
    ("TX-UV-01", "LAB-TEX", "紫外可见分光光度计 UV-Vis", "Shimadzu", "UV-2600i", ("TX-HCHO",), None, "ok"),
    ("TX-GCMS-01", "LAB-TEX", "气相色谱-质谱联用仪 GC-MS", "Shimadzu", "GCMS-QP2020 NX", ("TX-AZO",), None, "ok"),
    ("TX-PH-01", "LAB-TEX", "pH计 pH meter", "Mettler Toledo", "SevenExcellence S400", ("TX-PH",), ("0", "14", "pH"), "ok"),
    ("TX-ICP-01", "LAB-TEX", "电感耦合等离子体发射光谱仪 ICP-OES", "Agilent", "5110", ("TX-METALS",), None, "ok"),
    ("LT-AAS-01", "LAB-LIGHT", "原子吸收光谱仪 AAS", "PerkinElmer", "PinAAcle 900T", ("LT-PBMIG", "LT-CDMIG"), None, "ok"),
    ("LT-BAL-01", "LAB-LIGHT", "分析天平 Analytical balance", "Mettler Toledo", "XPR205", ("LT-OM",), None, "ok"),
    ("LT-UV-01", "LAB-LIGHT", "紫外可见分光光度计 UV-Vis", "Agilent", "Cary 3500", ("LT-HCHOMIG",), None, "ok"),
    ("LT-ICPMS-01", "LAB-LIGHT", "电感耦合等离子体质谱仪 ICP-MS", "Agilent", "7850", ("LT-TOYEL",), None, "ok"),
    ("LT-GCMS-01", "LAB-LIGHT", "气相色谱-质谱联用仪 GC-MS", "Agilent", "8890/5977B", ("LT-PAE",), None, "ok"),
    ("EL-SAFE-01", "LAB-ELEC", "安规综合测试仪 Electrical safety tester", "Chroma", "19032", ("EL-4943", "EL-4706"), None, "ok"),
    ("EL-PA-01", "LAB-ELEC", "功率分析仪 Power analyser", "Yokogawa", "WT5000", ("EL-HARM", "EL-4943"), None, "ok"),
    ("EL-SLM-01", "LAB-ELEC", "声级计 Sound level meter", "Brüel & Kjær", "2250", ("EL-NOISE",), None, "ok"),
    ("EL-PLUG-01", "LAB-ELEC", "插头插座综合试验台 Plug and socket test bench", "Sanke", "SK-2099", ("EL-2099",), None, "ok"),
    ("CH-ICPMS-01", "LAB-CHEM", "电感耦合等离子体质谱仪 ICP-MS", "Agilent", "7900", ("CH-COSM", "CH-ROHS5", "CH-ROHS4"), None, "ok"),
    ("CH-GCMS-01", "LAB-CHEM", "气相色谱-质谱联用仪 GC-MS", "Agilent", "8890/5977B", ("CH-ROHS6",), None, "ok"),
    ("CH-PYGCMS-01", "LAB-CHEM", "热裂解-气相色谱-质谱联用仪 Py-GC/MS", "Shimadzu", "GCMS-QP2020 NX", ("CH-ROHS8",), None, "ok"),
    ("CH-TIT-01", "LAB-CHEM", "自动电位滴定仪 Titrator", "Metrohm", "OMNIS", ("CH-FE",), None, "ok"),
    ("HT-INC-01", "LAB-HEALTH", "恒温培养箱 Incubator", "Memmert", "IN110", ("HT-MICRO", "HT-LEG"), None, "ok"),
    ("HT-ICPMS-01", "LAB-HEALTH", "电感耦合等离子体质谱仪 ICP-MS", "Thermo Fisher", "iCAP RQ", ("HT-METAL",), None, "ok"),
    ("HT-PH-01", "LAB-HEALTH", "水质多参数分析仪 Water quality meter", "Hach", "HQ4300", ("HT-PHYS",), None, "ok"),
    ("HT-PCR-01", "LAB-HEALTH", "实时荧光定量PCR仪 Real-time PCR", "Bio-Rad", "CFX96 Touch", ("HT-VC", "HT-DENV"), None, "ok"),
    ("AN-PCR-01", "LAB-ANIMAL", "实时荧光定量PCR仪 Real-time PCR", "Bio-Rad", "CFX96 Touch",
     ("AN-ASF", "AN-CSF", "AN-FMD", "AN-HPAI", "AN-PRRS", "AN-PRV"), None, "ok"),
    ("AN-PCR-02", "LAB-ANIMAL", "实时荧光定量PCR仪 Real-time PCR", "Thermo Fisher", "QuantStudio 5",
     ("AN-ASF", "AN-CSF", "AN-FMD", "AN-HPAI", "AN-PRRS", "AN-PRV"), None, "ok"),
    ("AN-ELISA-01", "LAB-ANIMAL", "酶标仪 Microplate reader", "Thermo Fisher", "Multiskan FC", ("AN-ASF", "AN-FMD", "AN-PRV"), None, "ok"),
    ("PL-MIC-01", "LAB-PLANT", "体视显微镜 Stereo microscope", "Olympus", "SZX16", ("PL-TEPH", "PL-TROG", "PL-BXYL", "PL-LIRI"), None, "ok"),
    ("PL-PCR-01", "LAB-PLANT", "实时荧光定量PCR仪 Real-time PCR", "Bio-Rad", "CFX96 Touch",
     ("PL-TEPH", "PL-BXYL", "PL-XCC", "PL-EAMY"), None, "ok"),
]  # fmt: skip
CALIBRATORS = (
    "广东省计量科学研究院",
    "中国计量科学研究院",
    "深圳市计量质量检测研究院",
    "华南国家计量测试中心",
)
IMPORT_MAPPING = ("GENERIC-CSV", "通用CSV", "Generic CSV", "Sample", "Analyte", "Result", "Unit")


def _dec(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def service_rows(method: MethodDef) -> list[dict[str, Any]]:
    """The method's services with the method's defaults filled in."""
    rows = []
    for entry in method.services:
        code, zh, en = entry[:3]
        over = entry[3] if len(entry) > 3 else {}
        row = {
            "code": code, "name_zh": zh, "name_en": en, "unit": method.unit, "lod": method.lod,
            "loq": method.loq, "u": method.u, "floor": method.floor, "precision": method.precision,
            "days": method.days, "price": method.price, "profile": method.profile,
            "typical": method.typical, "sd": method.sd,
        } | over  # fmt: skip
        if row["profile"] == "qual":
            row.update(unit="", lod=None, loq=None, u=None, floor=None, precision=0)
        rows.append(row)
    return rows


def _control_service(method: MethodDef) -> str:
    return method.control_service or method.services[0][0]


@audit.audited
def seed_reference(*, actor: Any) -> dict[str, int]:
    """Methods, services, specifications, instruments and their calibrations, reference
    materials and control charts, and the import mapping; existing codes are left alone.
    Audit ``lims.reference_seeded`` when something was made."""
    labs = {u.code: u for u in OrgUnit.objects.filter(kind="laboratory")}
    made: Tally[str] = Tally()
    methods = {m.code: m for m in Method.objects.all()}
    services = {s.code: s for s in AnalysisService.objects.all()}
    today = timezone.localdate()
    for lab_code, defs in METHODS.items():
        lab = labs.get(lab_code)
        if lab is None:
            continue
        for d in defs:
            if d.code not in methods:
                methods[d.code] = Method.objects.create(
                    code=d.code, name_zh=d.name_zh, name_en=d.name_en, laboratory=lab, standard=d.standard,
                    accredited=True, required_verifications=d.verifications,
                    description=f"{d.category}. {d.standard}",
                )  # fmt: skip
                made["methods"] += 1
            for row in service_rows(d):
                if row["code"] in services:
                    continue
                services[row["code"]] = AnalysisService.objects.create(
                    code=row["code"], name_zh=row["name_zh"], name_en=row["name_en"], laboratory=lab,
                    method=methods[d.code], category=d.category,
                    result_type="qualitative" if row["profile"] == "qual" else "numeric",
                    unit=row["unit"], precision=row["precision"], lod=_dec(row["lod"]), loq=_dec(row["loq"]),
                    uncertainty_percent=_dec(row["u"]), uncertainty_floor=_dec(row["floor"]),
                    turnaround_days=row["days"], price=Decimal(row["price"]), accredited=True,
                )  # fmt: skip
                made["services"] += 1
    made["specifications"] = _seed_specifications(services)
    instruments = _seed_instruments(labs, methods, today, made)
    _seed_materials(labs, methods, services, today, made)
    if not ImportMapping.objects.filter(code=IMPORT_MAPPING[0]).exists():
        code, zh, en, sample, keyword, result, unit = IMPORT_MAPPING
        ImportMapping.objects.create(
            code=code, name_zh=zh, name_en=en, sample_column=sample, keyword_column=keyword,
            result_column=result, unit_column=unit,
            description="一行一个结果：样品编号、检测项目代码、结果、单位 / One result a row: sample, analyte code, result, unit",
        )  # fmt: skip
        made["import_mappings"] += 1
    made["instruments"] = instruments
    counts = {k: v for k, v in made.items() if v}
    if counts:
        audit.record(actor=actor, action="lims.reference_seeded", changes=counts)
    return counts


def _seed_specifications(services: dict[str, AnalysisService]) -> int:
    countries = dict(Country.objects.values_list("code", "id"))
    existing = set(Specification.objects.values_list("service_id", "hs_prefix", "destination_id"))
    rows = []
    for code, prefix, where, low, high, rule, source in SPECIFICATIONS:
        service = services.get(code)
        if service is None:
            continue
        for dest in EU if where == "EU" else (None,) if where == GB else (where,):
            dest_id = countries.get(dest) if dest else None
            if (dest and dest_id is None) or (service.pk, prefix, dest_id) in existing:
                continue
            existing.add((service.pk, prefix, dest_id))
            rows.append(
                Specification(
                    service=service,
                    hs_prefix=prefix,
                    destination_id=dest_id,
                    low=_dec(low),
                    high=_dec(high),
                    decision_rule=rule,
                    source=source,
                )
            )
    Specification.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def _seed_instruments(
    labs: dict[str, OrgUnit], methods: dict[str, Method], today: dt.date, made: Tally[str]
) -> int:
    existing = set(Instrument.objects.values_list("code", flat=True))
    created = 0
    for n, (code, lab_code, kind, maker, model, method_codes, span, state) in enumerate(INSTRUMENTS):
        if code in existing or lab_code not in labs:
            continue
        low, high, unit = span or (None, None, "")
        instrument = Instrument.objects.create(
            code=code, name_zh=kind.split(" ")[0], name_en=" ".join(kind.split(" ")[1:]) or kind,
            laboratory=labs[lab_code], kind=kind, manufacturer=maker, model_name=model,
            serial_number=f"{maker[:2].upper()}{2019 + n % 6}{n:04d}{(n * 7919) % 1000:03d}",
            range_low=_dec(low), range_high=_dec(high), range_unit=unit,
            out_of_service=state == "out_of_service",
            description="送修：离子源故障，待厂家更换 / Sent for repair: ion source fault" if state == "out_of_service" else "",
        )  # fmt: skip
        instrument.methods.set([methods[c] for c in method_codes if c in methods])
        created += 1
        # Two certificates a year apart; the current one covers the last 14 months' history
        # and the coming months, except for the instrument whose calibration has run out.
        current = today - dt.timedelta(days=40 + (n * 37) % 200)
        if state == "expired":
            current = today - dt.timedelta(days=365 + 40)
        for k, start in enumerate((current - dt.timedelta(days=365), current)):
            InstrumentCalibration.objects.create(
                instrument=instrument,
                certificate_number=f"JL{start:%Y}-{(n + 1) * 1000 + k:06d}",
                calibrated_by=CALIBRATORS[n % len(CALIBRATORS)],
                calibrated_on=start,
                valid_until=start + dt.timedelta(days=364),
            )
            made["calibrations"] += 1
    return created


def _seed_materials(
    labs: dict[str, OrgUnit],
    methods: dict[str, Method],
    services: dict[str, AnalysisService],
    today: dt.date,
    made: Tally[str],
) -> None:
    """Per method a blank (or negative control) and a control material (a certified reference
    material or a positive control), with a Levey-Jennings chart for numeric controls."""
    existing = set(ReferenceMaterial.objects.values_list("code", flat=True))
    for lab_code, defs in METHODS.items():
        if lab_code not in labs:
            continue
        for n, d in enumerate(defs):
            first, control = services.get(d.services[0][0]), services.get(_control_service(d))
            qualitative = d.profile == "qual" and control is not None and control.result_type == "qualitative"
            if d.blank and first and f"{d.code}-BLK" not in existing:
                ReferenceMaterial.objects.create(
                    code=f"{d.code}-BLK", laboratory=labs[lab_code], service=first, is_blank=True,
                    name_zh="阴性对照" if qualitative else "试剂空白",
                    name_en="Negative control" if qualitative else "Reagent blank",
                    lot=f"B{today:%y%m}{n:02d}", expires_on=today + dt.timedelta(days=180),
                )  # fmt: skip
                made["reference_materials"] += 1
            if d.control is None or control is None or f"{d.code}-QC" in existing:
                continue
            value = None if qualitative else Decimal(d.control)
            material = ReferenceMaterial.objects.create(
                code=f"{d.code}-QC", laboratory=labs[lab_code], service=control, is_blank=False,
                name_zh="阳性对照" if qualitative else f"质控样品（{control.name_zh}）",
                name_en="Positive control" if qualitative else f"Control material ({control.name_en})",
                lot=f"QC{today:%y}{n + 1:03d}", certified_value=value,
                certified_uncertainty=None if value is None else (value * Decimal("0.04")).quantize(value),
                expires_on=today + dt.timedelta(days=300),
            )  # fmt: skip
            made["reference_materials"] += 1
            if value is not None:
                ControlChart.objects.create(
                    service=control, reference_material=material, mean=value,
                    sd=chart_sd(value, d.profile), established_on=today - dt.timedelta(days=420),
                    notes="由20次独立测定建立 / Established from 20 independent runs",
                )  # fmt: skip
                made["control_charts"] += 1


def chart_sd(value: Decimal, profile: str) -> Decimal:
    """A control's standard deviation: 5% of its value for chemistry, 1% for physical standards,
    15% for colony counts."""
    share = {"level": Decimal("0.01"), "count": Decimal("0.15")}.get(profile, Decimal("0.05"))
    return max(value * share, Decimal("0.000001")).quantize(Decimal("0.000001"))
