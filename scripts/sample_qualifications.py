"""Sample qualifications and cultivation candidates for the local stack (contract 17).

After the sample province is scored, `seed` uploads, through S3 as departments would:
1. nine near-miss enterprises in 南昌, 九江 and 赣州 (registry, tax, hrss, sci and amr files for 2025),
   built so that every program has candidates with 0 and with 1 unmet criterion:
   - 全达标: meets every criterion of all three programs (0 unmet each);
   - 差一项: 650 employees (科技型 misses one), R&D at 4 % of 3,000 万元 (高企's ≥ 5 band misses one),
     专精特新 met (0 unmet);
   - 营收不足: revenue 800 万元, under 专精特新's 1,000 (1 unmet), the rest met;
2. a `sci` file (高新技术企业, 科技型中小企业, 高成长性科技型企业) and a `miit` file (专精特新, 小巨人) naming
   sample enterprises: some held for the period, some expired before it, some expiring this year, and a
   few faulty rows on purpose (the report shows NOT_ISSUER and INVALID_DATE).
"""

from __future__ import annotations

import csv
import json
import time
import urllib.request
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from scripts.synthetic import credit_code

PERIOD = 2025
CITIES = (("360111", "南昌"), ("360402", "九江"), ("360702", "赣州"))
PROFILES: dict[str, dict[str, int]] = {
    "全达标": {
        "operating_revenue": 8000,
        "rd_expense": 480,
        "employees": 200,
        "rd_staff": 40,
        "high_tech_revenue_ratio": 70,
        "invention_patents": 3,
        "other_ip": 5,
    },
    "差一项": {
        "operating_revenue": 3000,
        "rd_expense": 120,
        "employees": 650,
        "rd_staff": 100,
        "high_tech_revenue_ratio": 65,
        "invention_patents": 1,
        "other_ip": 2,
    },
    "营收不足": {
        "operating_revenue": 800,
        "rd_expense": 100,
        "employees": 100,
        "rd_staff": 20,
        "high_tech_revenue_ratio": 70,
        "invention_patents": 1,
        "other_ip": 0,
    },
}
DEPARTMENTS: dict[str, tuple[str, ...]] = {
    "tax": ("operating_revenue", "rd_expense"),
    "hrss": ("employees",),
    "sci": ("rd_staff", "high_tech_revenue_ratio"),
    "amr": ("invention_patents", "other_ip"),
}
QUALIFICATION_HEADER = ("统一社会信用代码", "资质", "证书编号", "起始日期", "截止日期")


def near_miss() -> list[dict[str, Any]]:
    """The nine demo enterprises: code, name, region, profile."""
    out = []
    for c, (region, city) in enumerate(CITIES):
        for p, (label, values) in enumerate(PROFILES.items()):
            code = credit_code(7_100_000 + c * 10 + p, region)
            out.append(
                {
                    "code": code,
                    "name": f"{city}培育示范{label}科技有限公司",
                    "region": region,
                    "values": values,
                }
            )
    return out


def _write(path: Path, header: Sequence[str], rows: Sequence[Sequence[object]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def near_miss_files(out: Path) -> list[tuple[str, Path]]:
    demo = near_miss()
    files = [
        (
            "incoming/registry/培育示范企业登记.csv",
            _write(
                out / "registry.csv",
                ("credit_code", "name", "established_on", "region_code", "industry_code"),
                [(d["code"], d["name"], "2018-04-16", d["region"], "C3911") for d in demo],
            ),
        )
    ]
    for department, columns in DEPARTMENTS.items():
        rows = [(d["code"], PERIOD, *(d["values"][c] for c in columns)) for d in demo]
        name = f"{PERIOD}年度培育示范企业数据.csv"
        files.append(
            (
                f"incoming/{department}/{name}",
                _write(out / department / name, ("credit_code", "period", *columns), rows),
            )
        )
    return files


def qualification_files(out: Path, codes: Sequence[str], today: date) -> list[tuple[str, Path]]:
    """sci's and miit's certificates for sample enterprises (in rank order: the strongest first)."""
    year = today.year
    sci: list[tuple[object, ...]] = []
    miit: list[tuple[object, ...]] = []
    for n, code in enumerate(codes):
        if n < 12:  # 高企, three-year certificates: most held for the period, some expiring this year
            start = date(PERIOD - 1 - n % 2, 11, 30)
            end = date(year, 12, 31) if n % 4 == 0 else date(start.year + 3, start.month, start.day - 1)
            sci.append((code, "高新技术企业", f"GR{start.year}36{n:06d}", start, end))
        elif n < 16:  # 高企 that expired before the end of the period: the flag becomes 0
            sci.append(
                (code, "hnte", f"GR{PERIOD - 4}36{n:06d}", date(PERIOD - 4, 12, 1), date(PERIOD - 1, 11, 30))
            )
        elif n < 30:  # 科技型中小企业: one year at a time
            sci.append(
                (code, "科技型中小企业", f"{PERIOD}3601{n:08d}", date(PERIOD, 5, 1), date(PERIOD + 1, 4, 30))
            )
        if 4 <= n < 8:
            sci.append((code, "gazelle", f"DL{PERIOD}{n:04d}", date(PERIOD, 1, 1), date(PERIOD + 2, 12, 31)))
        if 20 <= n < 34:  # 专精特新, some expiring this year
            end = date(year, 12, 31) if n % 3 == 0 else date(PERIOD + 2, 6, 30)
            miit.append((code, "专精特新中小企业", f"ZJTX{PERIOD}{n:04d}", date(PERIOD - 1, 7, 1), end))
        if 34 <= n < 36:
            miit.append(
                (code, '专精特新"小巨人"企业', f"XJR{n:04d}", date(PERIOD - 1, 7, 1), date(PERIOD + 2, 6, 30))
            )
        if 36 <= n < 38:  # 专精特新 expired
            miit.append(
                (code, "srdi", f"ZJTX{PERIOD - 4}{n:04d}", date(PERIOD - 4, 7, 1), date(PERIOD - 1, 6, 30))
            )
    if codes:  # faults on purpose: the report codes them, the good rows are kept
        sci.append((codes[0], "专精特新中小企业", "ZJTX-WRONG", date(PERIOD, 1, 1), date(PERIOD + 2, 1, 1)))
        miit.append((codes[-1], "srdi", "ZJTX-BADDATE", date(PERIOD, 6, 30), date(PERIOD, 1, 1)))
    return [
        (
            f"qualifications/sci/{PERIOD}年度资质认定名单.csv",
            _write(out / "sci.csv", QUALIFICATION_HEADER, sci),
        ),
        (
            f"qualifications/miit/{PERIOD}年度专精特新名单.csv",
            _write(out / "miit.csv", QUALIFICATION_HEADER, miit),
        ),
    ]


def _get(api_url: str, path: str, key: str) -> tuple[int, Any]:
    request = urllib.request.Request(api_url + path, headers={"X-API-Key": key})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, None


def seed(
    session: Any, bucket: str, api_url: str, admin_key: str, workers: Any, out: Path, today: date
) -> str:
    """Upload the near-miss enterprises, then the qualification files (the builder follows)."""
    s3 = session.client("s3")

    def upload(files: list[tuple[str, Path]]) -> None:
        for key, path in files:
            s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes())
        time.sleep(2)
        while not workers.idle():
            time.sleep(1)

    upload(near_miss_files(out))
    _, ranked = _get(api_url, f"/rankings?period={PERIOD}&limit=60", admin_key)
    demo = {d["code"] for d in near_miss()}  # they stay candidates: no certificate for them
    codes = [i["credit_code"] for i in (ranked or {}).get("items", []) if i["credit_code"] not in demo]
    files = qualification_files(out, codes, today)
    upload(files)
    rows = sum(len(path.read_text(encoding="utf-8-sig").splitlines()) - 1 for _, path in files)
    return (
        f"{len(demo)} near-miss enterprises and {rows} certificate rows of sci and miit; the candidates "
        f"follow within the report builder's minute (GET /cultivation/hnte?period={PERIOD})"
    )
