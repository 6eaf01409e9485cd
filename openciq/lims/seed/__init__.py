"""The laboratories at demo or bureau scale, reproducible from the seed number; and the working-day
calendar their due dates come from.

Every scale first makes what does not depend on it, idempotently (existing codes and dates are
left as they are, one audit event per step that made something):

* the calendar (``masterdata.CalendarDay``): China's public holidays and make-up working days
  (调休) of 2024-2027 from the State Council's yearly notices; 2027's are estimated;
* per laboratory 4-6 methods with real standard numbers and 18-28 analysis services (units from
  ``units.UNITS``, LOD/LOQ, expanded uncertainty, turnaround, price), specifications with their
  decision rules (China's national limits for any destination; Hong Kong and EU limits where they
  differ), instruments with calibration certificates (one expired, one out of service), blanks
  and control materials with Levey-Jennings charts, and the "generic CSV" import mapping;
* the demo's laboratory people in LAB-FOOD (``lab_reception``, ``analyst``, ``analyst2``,
  ``labhead``, the demo password convention of ``ops.demo``) and, at bureau scale, a head, a
  receptionist and analysts in every laboratory (no usable password).

``--scale demo`` then runs about forty samples through the real services (registration by hand
and through a declaration's sample request, receipt, worksheets, result entry and instrument-file
import, verification, publication with the PDF report, a worksheet whose control failed, an
invalidated sample and its retest), so that every worklist holds something. The demo's history
is backdated by running the services on a clock set back some days (``timezone.now``); the audit
events keep the real time.

``--scale bureau`` streams 60,000 sample batches over the last 14 months (about 500,000 routine
analyses, 8 a sample on average, from 2 in plant quarantine to 11 in food; their worksheets of
20-40 analyses with blanks, controls judged by the Westgard rules and duplicates; verifications;
the chain of custody) with raw bulk inserts: one transaction and one ``lims.history_seeded`` audit
event per chunk of about 4,000 samples, primary keys assigned here, numbers from the counters,
which are advanced. Results are drawn around the specifications: most residues below the limit of
quantification, a few percent of samples not conforming, some inconclusive under guarded
acceptance; samples of the last days are still in progress. Reports are not rendered for 60,000
samples: only the latest ``REPORTS`` published samples get a ``Report`` row and its PDF.
The samples are registered by hand (no sample request), since declarations are seeded apart.

The specifications are representative limits of the regulations they name, for the commodity
group of the HS prefix; they are demo data, not a transcription of the current texts.
"""

from __future__ import annotations

from typing import Any

from openciq.accounts.models import OrgUnit
from openciq.lims.seed.calendar import seed_calendar
from openciq.lims.seed.demo import seed_demo
from openciq.lims.seed.history import CHUNK, REPORTS, SCALES
from openciq.lims.seed.reference import seed_reference
from openciq.lims.seed.writer import seed_history, seed_reports, seeded_samples

__all__ = [
    "CHUNK",
    "REPORTS",
    "SCALES",
    "seed",
    "seed_calendar",
    "seed_demo",
    "seed_history",
    "seed_reference",
    "seed_reports",
    "seeded_samples",
]


def seed(*, scale: str, rng: Any, actor: Any) -> None:
    """The seeder registered for ``openciq seed`` (after accounts, master data and declarations)."""
    if not OrgUnit.objects.filter(code="LAB-FOOD").exists():
        return  # the organisation is not there (``--only lims`` on an empty database)
    seed_calendar(actor=actor)
    seed_reference(actor=actor)
    if scale == "demo":
        seed_demo(rng=rng, actor=actor)
        return
    size = SCALES[scale]
    seed_history(
        count=size["samples"],
        months=size["months"],
        rng=rng,
        actor=actor,
        progress=lambda text: print(text, flush=True),
    )
    seed_reports(actor=actor)
