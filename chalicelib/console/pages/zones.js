// 高新区通报: the zone report (contract 14) as a table and a bar chart, with CSV and Excel downloads.

import { call, get } from "../api.js";
import { draw, PALETTE } from "../charts.js";
import { clear, download, field, h, message, pct, select, show, table } from "../dom.js";
import { ZONE_LEVELS, ZONE_TYPES, cityName } from "../names.js";
import { can } from "../session.js";

const COLUMNS = [
  ["园区编号", (i) => i.zone_id],
  ["园区名称", (i) => i.name_zh],
  ["级别", (i) => ZONE_LEVELS[i.level] || i.level],
  ["类型", (i) => ZONE_TYPES[i.type] || i.type],
  ["所在设区市", (i) => (i.city_codes || []).map(cityName).join("、")],
  ["参评企业", (i) => show(i.enterprises), "num"],
  ["白名单企业", (i) => show(i.whitelist), "num"],
  ["白名单占比", (i) => pct(i.whitelist_share), "num"],
  ["平均积分", (i) => show(i.score && i.score.mean), "num"],
  ["中位数", (i) => show(i.score && i.score.median), "num"],
  ["数据完整度", (i) => pct(i.completeness_mean), "num"],
  ["新进入", (i) => show(i.entered), "num"],
  ["退出", (i) => show(i.left), "num"],
  ["放款（万元）", (i) => show(i.support && i.support.disbursed_wan), "num"],
  ["政策匹配", (i) => show(i.policy_matches), "num"],
];

function chartOption(items) {
  const ranked = [...items].sort((a, b) => b.enterprises - a.enterprises).slice(0, 20);
  return {
    color: PALETTE,
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 50, right: 20, top: 40, bottom: 110 },
    xAxis: { type: "category", data: ranked.map((i) => i.name_zh), axisLabel: { interval: 0, rotate: 40 } },
    yAxis: { type: "value", name: "企业数" },
    series: [
      { type: "bar", name: "参评企业", data: ranked.map((i) => i.enterprises) },
      { type: "bar", name: "白名单企业", data: ranked.map((i) => i.whitelist) },
    ],
  };
}

async function exportFile(query, ext, status) {
  try {
    const response = await call(`/reports/zones.${ext}`, { query, raw: true });
    download(`高新区通报_${query.period || "最近年度"}.${ext}`, await response.blob());
  } catch (error) {
    clear(status, message("error", error.message));
  }
}

export const zones = {
  id: "zones",
  title: "高新区通报",
  menu: true,
  needs: ["GET /reports/zones"],
  async render(main, { query, go }) {
    const type = query.type === undefined ? "hitech" : query.type;
    const filters = { period: query.period, type, level: query.level };
    const report = await get("/reports/zones", filters);
    const period = h("input", { type: "number", name: "period", min: 2000, max: 2100, value: query.period || "", placeholder: "最近年度" });
    const typeSelect = select("type", [["", "全部类型"], ...Object.entries(ZONE_TYPES)], type);
    const levelSelect = select("level", [["", "全部级别"], ...Object.entries(ZONE_LEVELS)], query.level);
    const status = h("div", { "aria-live": "polite" });
    const chart = h("div", { class: "chart", id: "chart-zones", role: "img", "aria-label": "各园区参评企业与白名单企业柱状图" });
    const exportQuery = { period: String(report.period), type: type || undefined, level: query.level };
    const actions = [];
    if (can("GET /reports/zones.csv")) actions.push(h("button", { type: "button", class: "secondary", onclick: () => exportFile(exportQuery, "csv", status) }, "导出 CSV"));
    if (can("GET /reports/zones.xlsx")) actions.push(h("button", { type: "button", class: "secondary", onclick: () => exportFile(exportQuery, "xlsx", status) }, "导出 Excel"));
    clear(main,
      h("h1", {}, `高新区通报（${report.period} 年度）`),
      h("div", { class: "panel" },
        h("form", { class: "filters", role: "search", "aria-label": "园区通报筛选", onsubmit: (e) => {
          e.preventDefault();
          go("zones", [], { period: period.value, type: typeSelect.value, level: levelSelect.value });
        } }, field("年度", period), field("类型", typeSelect), field("级别", levelSelect),
          h("button", { type: "submit" }, "查看"), ...actions),
        status,
        h("p", { class: "muted" }, `数据截至 ${show(report.as_of)}，评分模型 ${show(report.model_version)}；企业按其当前所属园区计入。`)),
      h("div", { class: "panel" }, h("h2", {}, "各园区参评企业（前 20）"), chart),
      h("div", { class: "panel" }, table(`${report.period} 年度园区积分通报`, COLUMNS, report.items, "没有符合条件的园区")));
    await draw(chart, chartOption(report.items));
  },
};
