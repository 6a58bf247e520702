// 推广进度: coverage per city or zone (contract 14): registered, scored, complete, missing departments,
// and how far each is towards its rollout due date. A city or zone key sees its own rows only.

import { get } from "../api.js";
import { chinaTime, clear, field, h, pct, select, show, table } from "../dom.js";
import { departmentName } from "../names.js";
import { area } from "../zones.js";

const LEVELS = { city: "按设区市", zone: "按园区" };

function progress(value, label) {
  const fraction = value === null || value === undefined ? 0 : Number(value);
  return h("span", { class: "progress-cell" },
    h("progress", { max: 1, value: fraction, "aria-label": label }), " ", value === null || value === undefined ? "—" : pct(value));
}

function daysLeft(due) {
  const days = Math.ceil((new Date(`${due}T23:59:59+08:00`) - new Date()) / 86400000);
  return days >= 0 ? `剩 ${days} 天` : `已逾期 ${-days} 天`;
}

const COLUMNS = [
  ["编号", (r) => r.key],
  ["名称", (r) => r.name_zh],
  ["试点", (r) => (r.pilot ? h("span", { class: "badge ok" }, "试点") : "")],
  ["登记企业", (r) => show(r.registered), "num"],
  ["已评分", (r) => show(r.scored), "num"],
  ["覆盖率", (r) => progress(r.coverage, `${r.name_zh} 覆盖率`)],
  ["数据完整（≥80%）", (r) => show(r.complete), "num"],
  ["完整率", (r) => progress(r.complete_share, `${r.name_zh} 完整率`)],
  ["完成期限", (r) => `${r.due}（${daysLeft(r.due)}）`],
  ["尚无数据的部门", (r) => (r.missing_departments.length ? r.missing_departments.map(departmentName).join("、") : "无")],
];

export const coverage = {
  id: "coverage",
  title: "推广进度",
  menu: true,
  needs: ["GET /coverage"],
  async render(main, { query, go }) {
    // a zone key's own row is a zone's: it opens on the zone level (a city key's on its city)
    const level = query.level || (area().kind === "zone" ? "zone" : "city");
    const report = await get("/coverage", { period: query.period, level });
    const period = h("input", { type: "number", name: "period", min: 2000, max: 2100, value: query.period || "", placeholder: "最近年度" });
    const levelSelect = select("level", Object.entries(LEVELS), level);
    clear(main,
      h("h1", {}, `推广进度（${report.period} 年度，${LEVELS[level]}）`),
      h("div", { class: "panel" },
        h("form", { class: "filters", onsubmit: (e) => { e.preventDefault(); go("coverage", [], { period: period.value, level: levelSelect.value }); } },
          field("年度", period), field("范围", levelSelect), h("button", { type: "submit" }, "查看")),
        h("p", { class: "muted" }, `数据截至 ${chinaTime(report.as_of)}。高新区试点于 2025 年底前、各开发区于 2026 年底前、全省于 2027 年底前完成推广。`)),
      h("div", { class: "panel" }, table(`${report.period} 年度推广进度`, COLUMNS, report.items, "没有可显示的推广进度")));
  },
};
