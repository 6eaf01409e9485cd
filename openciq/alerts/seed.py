"""Food-packaging filings at demo or bureau scale, reproducible from the seed number.

The filers are the enterprises of kind ``food_packaging_maker``, then those whose name says they
make packaging (包装); when there are fewer of them than the scale asks for, exporters fill the
rest (the bureau's 5,719 enterprises hold about 335 makers and 300 more packaging firms; the
demo's 80 hold about a dozen in all). Every filing gets the timeline of the
steps that led to its state, and approved ones a number from the branch's counter for the year
of approval, as the services would have given. Existing filings are kept and counted, so a
second run adds nothing. Bulk path: one audit event per run.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.utils import timezone

from openciq.accounts.models import OrgUnit
from openciq.alerts.choices import FilingStatus, FilingVerb, PackagingCategory
from openciq.alerts.models import (
    FILING_TRANSITIONS,
    VALIDITY_YEARS,
    FilingTransition,
    PackagingFiling,
    add_years,
)
from openciq.alerts.numbering import counter_name, format_number
from openciq.core import audit
from openciq.core.models import Counter
from openciq.core.numbering import advance_to
from openciq.masterdata.choices import EnterpriseKind
from openciq.masterdata.models import Enterprise

S = FilingStatus
V = FilingVerb

TARGETS = {"demo": 20, "bureau": 650}

# The demo shows every state; the bureau's register is mostly approved filings.
DEMO_STATES = [S.APPROVED] * 8 + [S.SUBMITTED] * 3 + [S.UNDER_REVIEW] * 2 + [S.DRAFT] * 2
DEMO_STATES += [S.REFUSED] * 2 + [S.SUSPENDED, S.REVOKED, S.WITHDRAWN]
BUREAU_WEIGHTS = {
    S.APPROVED: 80,
    S.SUBMITTED: 4,
    S.UNDER_REVIEW: 4,
    S.REFUSED: 4,
    S.SUSPENDED: 3,
    S.REVOKED: 2,
    S.DRAFT: 2,
    S.WITHDRAWN: 1,
}

# The steps that lead to each state.
PATHS: dict[str, list[str]] = {
    S.DRAFT: [],
    S.SUBMITTED: [V.SUBMIT],
    S.UNDER_REVIEW: [V.SUBMIT, V.REVIEW],
    S.APPROVED: [V.SUBMIT, V.REVIEW, V.APPROVE],
    S.REFUSED: [V.SUBMIT, V.REVIEW, V.REFUSE],
    S.SUSPENDED: [V.SUBMIT, V.REVIEW, V.APPROVE, V.SUSPEND],
    S.REVOKED: [V.SUBMIT, V.REVIEW, V.APPROVE, V.SUSPEND, V.REVOKE],
    S.WITHDRAWN: [V.SUBMIT, V.WITHDRAW],
}

MATERIALS = {
    "plastic": "聚丙烯（PP）、聚乙烯（PE）树脂；食品级色母",
    "paper": "食品级白卡纸、淋膜纸；水性油墨",
    "metal": "马口铁、铝材；环氧酚醛内涂料",
    "glass": "钠钙玻璃",
    "ceramic": "日用陶瓷坯料；无铅釉料",
    "rubber": "食品级硅橡胶、丁腈橡胶",
    "wood_bamboo": "毛竹、桦木；食品级植物油涂层",
    "composite": "纸/铝/PE 复合膜；聚氨酯胶粘剂",
}
REASONS: dict[str, list[str]] = {
    V.REFUSE: [
        "生产场所不符合食品接触材料卫生要求",
        "原辅料合格证明不全",
        "自检能力不足，未配备必要检测设备",
    ],
    V.SUSPEND: ["监督抽检迁移量超标，限期整改", "未按要求报送年度报告"],
    V.REVOKE: ["整改期满仍不合格", "企业已停产"],
}


def _states(scale: str, count: int, rng: random.Random) -> list[str]:
    if scale == "demo":
        return [DEMO_STATES[i % len(DEMO_STATES)] for i in range(count)]
    states, weights = zip(*BUREAU_WEIGHTS.items(), strict=True)
    return rng.choices(states, weights=weights, k=count)


def _filers(count: int) -> list[Enterprise]:
    """Enterprises without a filing: packaging makers first, then enterprises named as packaging
    firms (包装), then exporters."""
    unfiled = Enterprise.objects.filter(is_active=True, packaging_filings__isnull=True).order_by("uscc")
    tiers = [
        unfiled.filter(kind=EnterpriseKind.FOOD_PACKAGING_MAKER),
        unfiled.filter(name_zh__contains="包装").exclude(
            kind__in=[EnterpriseKind.FOOD_PACKAGING_MAKER, EnterpriseKind.FARM]
        ),
        unfiled.filter(kind=EnterpriseKind.EXPORTER).exclude(name_zh__contains="包装"),
    ]
    chosen: list[Enterprise] = []
    for tier in tiers:
        if len(chosen) < count:
            chosen += list(tier[: count - len(chosen)])
    return chosen


def _application(enterprise: Enterprise, rng: random.Random) -> PackagingFiling:
    categories = sorted(
        rng.sample(PackagingCategory.values, rng.choice([1, 1, 2, 3])), key=PackagingCategory.values.index
    )
    return PackagingFiling(
        enterprise=enterprise,
        org_unit_id=enterprise.org_unit_id,
        categories=categories,
        materials="；".join(MATERIALS[c] for c in categories),
        production_address=enterprise.address or enterprise.name_zh,
        annual_capacity=Decimal(rng.randint(50, 20000)),
        quality_certificate_number=(
            f"0{rng.randint(1000, 9999)}{rng.randint(10, 26)}Q{rng.randint(10000, 99999)}R0M"
            if rng.random() < 0.6
            else ""
        ),
        contact_name=enterprise.contact_name or "联系人",
        contact_phone=enterprise.contact_phone or "020-00000000",
    )


def _timeline(
    filing: PackagingFiling, state: str, now: dt.datetime, rng: random.Random, actor: Any
) -> list[FilingTransition]:
    """Set the filing's dates from a made-up history and return that history's steps."""
    at = now - dt.timedelta(days=rng.randint(20, 1050), hours=rng.randint(0, 23))
    steps = [FilingTransition(verb="", from_status="", to_status=S.DRAFT, actor=actor, at=at)]
    status: str = S.DRAFT
    for verb in PATHS[state]:
        at = min(at + dt.timedelta(days=rng.randint(1, 40), hours=rng.randint(0, 23)), now)
        reason = rng.choice(REASONS[verb]) if verb in REASONS else ""
        to_status = FILING_TRANSITIONS[verb][1]
        steps.append(
            FilingTransition(
                verb=verb, from_status=status, to_status=to_status, actor=actor, at=at, reason=reason
            )
        )
        status = to_status
        if verb == V.SUBMIT:
            filing.applied_at = at
        elif verb in (V.APPROVE, V.REFUSE):
            filing.decided_at, filing.decided_by = at, actor
            filing.refusal_reasons = reason
            if verb == V.APPROVE:
                filing.valid_until = add_years(timezone.localdate(at), VALIDITY_YEARS)
    filing.status = status
    return steps


def _number(filings: list[PackagingFiling]) -> int:
    """Give approved (and later suspended or revoked) filings their numbers, in order of approval,
    continuing each branch's counter for the year, then advance the counters past them."""
    issued = sorted((f for f in filings if f.valid_until), key=lambda f: f.decided_at or timezone.now())
    if not issued:
        return 0
    branch_codes = dict(
        OrgUnit.objects.filter(pk__in={f.org_unit_id for f in issued}).values_list("pk", "code")
    )
    keys = [(branch_codes[f.org_unit_id], timezone.localdate(f.decided_at).year) for f in issued]
    names = {counter_name(code, year) for code, year in keys}
    last = dict(Counter.objects.select_for_update().filter(name__in=names).values_list("name", "value"))
    for filing, (code, year) in zip(issued, keys, strict=True):
        name = counter_name(code, year)
        last[name] = last.get(name, 0) + 1
        filing.number = format_number(code, year, last[name])
    for name, value in last.items():
        advance_to(name, value)
    return len(issued)


@audit.audited
def seed(*, scale: str, rng: random.Random, actor: Any) -> None:
    need = TARGETS[scale] - PackagingFiling.objects.count()
    if need <= 0:
        return
    filers = _filers(need)
    now = timezone.now()
    filings, steps = [], []
    for enterprise, state in zip(filers, _states(scale, len(filers), rng), strict=True):
        filing = _application(enterprise, rng)
        steps.append(_timeline(filing, state, now, rng, actor))
        filings.append(filing)
    numbered = _number(filings)
    PackagingFiling.objects.bulk_create(filings, batch_size=500)
    for filing, filing_steps in zip(filings, steps, strict=True):
        for step in filing_steps:
            step.filing = filing
    FilingTransition.objects.bulk_create([s for group in steps for s in group], batch_size=1000)
    if filings:
        audit.record(
            actor=actor,
            action="alerts.seeded",
            changes={"scale": scale, "filings": len(filings), "numbered": numbered},
        )
