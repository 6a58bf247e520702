"""Three realistic sample policies, created and published through the API as issuers would (make run).

- 科技型中小企业"积分贷"贴息 (地方金融管理局, finance): whitelisted startups and growth firms
- 高新技术企业培育入库 (科学技术厅, tech): enterprises with invention patents but no high-tech status
- 高层次人才引进奖励 (人力资源和社会保障厅, talent): by the number of high-level talents, no veto

Valid for the current calendar year; matched against the latest sample period.
"""

from __future__ import annotations

import json
import urllib.request
from datetime import UTC, datetime
from typing import Any


def sample_policies(period: int, year: int) -> list[tuple[str, dict[str, Any]]]:
    """(issuer role, POST /policies body) of each sample policy."""
    window = {"period": period, "valid_from": f"{year}-01-01", "valid_to": f"{year}-12-31"}
    return [
        (
            "department:finance",
            {
                "title": "科技型中小企业“积分贷”贴息",
                "kind": "finance",
                "summary": "对创新积分白名单内的初创期、成长期企业，按实际支付利息的 50% 给予贴息，"
                "单户年度贴息不超过 50 万元。",
                "url": "https://jr.jiangxi.gov.cn/policies/jifendai-tiexi",
                "contact": "0791-86000001",
                **window,
                "criteria": {
                    "all": [
                        {"field": "whitelisted", "op": "==", "value": True},
                        {"field": "stage", "op": "in", "value": ["startup", "growth"]},
                    ]
                },
            },
        ),
        (
            "department:sci",
            {
                "title": "高新技术企业培育入库",
                "kind": "tech",
                "summary": "拥有有效发明专利、尚未认定为高新技术企业的科技型企业，可申请纳入省级高企培育库，"
                "给予研发费用后补助。",
                "url": "https://kjt.jiangxi.gov.cn/policies/gaoqi-peiyu",
                "contact": "0791-86000002",
                **window,
                "criteria": {
                    "all": [
                        {"field": "indicator.invention_patents", "op": ">=", "value": 1},
                        {
                            "any": [
                                {"field": "indicator.high_tech_enterprise", "op": "exists", "value": False},
                                {"field": "indicator.high_tech_enterprise", "op": "==", "value": False},
                            ]
                        },
                        {"field": "veto", "op": "==", "value": False},
                    ]
                },
            },
        ),
        (
            "department:hrss",
            {
                "title": "高层次人才引进奖励",
                "kind": "talent",
                "summary": "引进高层次人才 2 人以上、信用良好的企业，按每人 10 万元给予一次性引才奖励。",
                "url": "https://rst.jiangxi.gov.cn/policies/rencai-jiangli",
                "contact": "0791-86000003",
                **window,
                "criteria": {
                    "all": [
                        {"field": "indicator.high_level_talent", "op": ">=", "value": 2},
                        {"field": "veto", "op": "==", "value": False},
                        {"not": {"field": "indicator.tax_credit_d", "op": "==", "value": True}},
                    ]
                },
            },
        ),
    ]


def _post(url: str, key: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body or {}, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json", "X-API-Key": key},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=600) as response:
        answer: dict[str, Any] = json.loads(response.read())
        return answer


def publish_samples(api_url: str, api_keys: dict[str, str], period: int) -> list[dict[str, Any]]:
    """Create and publish each sample policy; return the published records."""
    year = datetime.now(UTC).year
    published = []
    for role, body in sample_policies(period, year):
        published.append(publish_policy(api_url, api_keys[role], body))
    return published


def publish_policy(api_url: str, key: str, body: dict[str, Any]) -> dict[str, Any]:
    """Create a policy (a bank's product too) as `key` and publish it; the published record."""
    draft = _post(f"{api_url}/policies", key, body)
    return _post(f"{api_url}/policies/{draft['policy_id']}/publish", key)
