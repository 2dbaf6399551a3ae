"""Analytics: revenue KPIs, targets and demand through getChartV2, from payments in to numbers out (block: analytics).

Demo targets (data/demo/mdms/pb/dss-dashboard/Targets.json): Amritsar TL 300000 and PT 600000 a month.
The test clock stands on 2026-11-26.
"""

from __future__ import annotations

import httpx

from digit.kernel.dispatch import drain
from digit.kernel.platform import Platform
from tests.analytics_helpers import NOVEMBER, collections, commissioner, ms, pie, table, value
from tests.test_billing_support import RI, admin, create_demand

FIRST_HALF = (ms(2026, 11, 1), ms(2026, 11, 16) - 1)
TL = {"businessService": ["TL"]}


async def test_total_collection_sums_the_payments(api: httpx.AsyncClient, platform: Platform) -> None:
    await collections(api, platform, [1000, 250])

    assert await value(api, await commissioner(api), "totalCollectionv2") == 1250


async def test_collection_by_tax_head_uses_the_apportioned_amounts(api: httpx.AsyncClient, platform: Platform) -> None:
    await collections(api, platform, [1250])

    assert await pie(api, await commissioner(api), "collectionByTaxHead") == {"TL_TAX": 1250}


async def test_collection_by_payment_mode_splits_by_mode(api: httpx.AsyncClient, platform: Platform) -> None:
    await collections(api, platform, [700])

    assert await pie(api, await commissioner(api), "collectionByPaymentMode") == {"CASH": 700}


async def test_cancelled_payment_leaves_the_collection(api: httpx.AsyncClient, platform: Platform) -> None:
    payment = await collections(api, platform, [400, 600])
    body = {
        "RequestInfo": RI,
        "PaymentWorkflows": [
            {"paymentId": payment["id"], "action": "CANCEL", "tenantId": "pb.amritsar", "reason": "wrong"}
        ],
    }
    cancelled = await api.post("/collection-services/payments/TL/_workflow", json=body, headers=await admin(api))
    assert cancelled.status_code == 200, cancelled.text
    await drain(platform)

    assert await value(api, await commissioner(api), "totalCollectionv2") == 400


async def test_target_collection_is_pro_rated_by_days(api: httpx.AsyncClient) -> None:
    found = await value(api, await commissioner(api), "targetCollection", dates=FIRST_HALF, filters=TL)

    assert found == 150000


async def test_target_achieved_divides_by_the_same_pro_rated_target(api: httpx.AsyncClient, platform: Platform) -> None:
    await collections(api, platform, [1500])

    found = await value(api, await commissioner(api), "targetAchievedv2", dates=NOVEMBER, filters=TL)

    assert found == 0.5  # 1500 / 300000 x 100


async def test_projected_collection_extends_the_daily_rate_to_the_range_end(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    await collections(api, platform, [1300])

    assert await value(api, await commissioner(api), "projectedCollection", dates=NOVEMBER) == 1500


async def test_revenue_by_tenant_puts_target_beside_actual(api: httpx.AsyncClient, platform: Platform) -> None:
    await collections(api, platform, [3000])

    rows = await table(api, await commissioner(api, state=True), "revenueByTenant", tenants=[], filters=TL)

    assert rows["pb.amritsar"]["Collection"] == 3000
    assert rows["pb.amritsar"]["Target"] == 300000
    assert rows["pb.amritsar"]["Target Achievement %"] == 1.0  # 3000 / 300000 x 100


async def test_total_demand_counts_demands_of_overlapping_tax_periods(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    await collections(api, platform, [250, 750])

    assert await value(api, await commissioner(api), "totalDemand") == 1000


async def test_arrears_are_what_is_unpaid_of_earlier_tax_periods(api: httpx.AsyncClient, platform: Platform) -> None:
    await collections(api, platform, [250], code="TL-DASH-ARREARS")  # a 250 demand, fully paid
    await create_demand(api, await admin(api), "TL-DASH-2", [("TL_TAX", 900)])
    await drain(platform)
    after_the_period = (ms(2027, 5, 1), ms(2027, 5, 31))

    assert await value(api, await commissioner(api), "arrears", dates=after_the_period) == 900
