// 省级看板: the region report (通报) as a table and charts: cities, grades, stages, whitelist movement.

import { call, get } from "../api.js";
import { draw, PALETTE } from "../charts.js";
import { chinaTime, clear, download, field, h, message, pct, show, table } from "../dom.js";
import { GRADES, STAGES, cityName } from "../names.js";
import { can, isAdmin } from "../session.js";

function card(label, value) {
  return h("div", { class: "card" }, h("div", { class: "label" }, label), h("div", { class: "value" }, value));
}

const name = (item) => item.name_zh || cityName(item.region_code);

function citiesOption(items) {
  return {
    color: PALETTE,
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 50, right: 20, top: 40, bottom: 60 },
    xAxis: { type: "category", data: items.map(name), axisLabel: { interval: 0, rotate: 30 } },
    yAxis: { type: "value", name: "企业数" },
    series: [
      { type: "bar", name: "参评企业", data: items.map((i) => i.enterprises) },
      { type: "bar", name: "白名单企业", data: items.map((i) => i.whitelist) },
    ],
  };
}

function distributionOption(title, entries) {
  return {
    color: PALETTE,
    tooltip: { trigger: "item", formatter: "{b}：{c} 家（{d}%）" },
    legend: { bottom: 0 },
    series: [{ type: "pie", name: title, radius: ["35%", "65%"], label: { formatter: "{b}\n{c}" },
      data: entries.map(([k, v]) => ({ name: k, value: v })) }],
  };
}

function movementOption(items) {
  return {
    color: [PALETTE[2], PALETTE[0]],
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 50, right: 20, top: 40, bottom: 60 },
    xAxis: { type: "category", data: items.map(name), axisLabel: { interval: 0, rotate: 30 } },
    yAxis: { type: "value", name: "家" },
    series: [
      { type: "bar", name: "新进入白名单", data: items.map((i) => i.entered) },
      { type: "bar", name: "退出白名单", data: items.map((i) => -(i.left || 0)) },
    ],
  };
}

const COLUMNS = [
  ["地区", (i) => name(i)],
  ["参评企业", (i) => show(i.enterprises), "num"],
  ["白名单", (i) => show(i.whitelist), "num"],
  ["白名单占比", (i) => pct(i.whitelist_share), "num"],
  ["平均分", (i) => show(i.score && i.score.mean), "num"],
  ["中位数", (i) => show(i.score && i.score.median), "num"],
  ["P90", (i) => show(i.score && i.score.p90), "num"],
  ["数据完整度", (i) => pct(i.completeness_mean), "num"],
  ["新进入", (i) => show(i.entered), "num"],
  ["退出", (i) => show(i.left), "num"],
  ["放款（万元）", (i) => show(i.support && i.support.disbursed_wan), "num"],
  ["政策匹配", (i) => show(i.policy_matches), "num"],
];

async function exportFile(period, ext, status) {
  try {
    const response = await call(`/reports/regions.${ext}`, { query: { period }, raw: true });
    download(`创新积分通报_${period}.${ext}`, await response.blob());
  } catch (error) {
    clear(status, message("error", error.message));
  }
}

export const dashboard = {
  id: "dashboard",
  title: "省级看板",
  menu: true,
  needs: ["GET /reports/regions"],
  async render(main, { query, go }) {
    const input = h("input", { type: "number", name: "period", min: 2000, max: 2100, value: query.period || "", placeholder: "最近年度" });
    const report = await get("/reports/regions", { period: query.period, level: "city" });
    const period = String(report.period);
    const province = report.province || {};
    const items = report.items || [];
    const status = h("div", { "aria-live": "polite" });
    const charts = {
      cities: h("div", { class: "chart", id: "chart-cities", role: "img", "aria-label": "各设区市参评企业与白名单企业柱状图" }),
      grades: h("div", { class: "chart", id: "chart-grades", role: "img", "aria-label": "全省等级分布图" }),
      stages: h("div", { class: "chart", id: "chart-stages", role: "img", "aria-label": "全省发展阶段分布图" }),
      movement: h("div", { class: "chart", id: "chart-movement", role: "img", "aria-label": "各设区市白名单进出柱状图" }),
    };
    const actions = [];
    if (can("GET /reports/regions.csv")) actions.push(h("button", { type: "button", class: "secondary", onclick: () => exportFile(period, "csv", status) }, "导出 CSV"));
    if (can("GET /reports/regions.xlsx")) actions.push(h("button", { type: "button", class: "secondary", onclick: () => exportFile(period, "xlsx", status) }, "导出 Excel"));
    if (isAdmin() && can("POST /reports/regions/publish")) {
      actions.push(h("button", { type: "button", onclick: async () => {
        try {
          const snap = await call("/reports/regions/publish", { method: "POST", body: { period: Number(period) } });
          clear(status, message("ok", `已发布通报快照：${snap.snapshot_id}`));
        } catch (error) {
          clear(status, message("error", error.message));
        }
      } }, "发布通报快照"));
    }
    clear(main,
      h("h1", {}, `省级看板（${report.period} 年度）`),
      h("div", { class: "panel" },
        h("form", { class: "filters", onsubmit: (e) => { e.preventDefault(); go("dashboard", [], { period: input.value }); } },
          field("年度", input), h("button", { type: "submit" }, "查看"), ...actions),
        status,
        h("p", { class: "muted" }, `数据截至 ${chinaTime(report.as_of)}，评分模型 ${show(report.model_version)}。`)),
      h("div", { class: "cards" },
        card("全省参评企业", show(province.enterprises)), card("白名单企业", show(province.whitelist)),
        card("白名单占比", pct(province.whitelist_share)), card("平均积分", show(province.score && province.score.mean)),
        card("本年新进入", show(province.entered)), card("本年退出", show(province.left))),
      h("div", { class: "panel" }, h("h2", {}, "各设区市"), charts.cities,
        table(`${report.period} 年度各设区市积分通报`, COLUMNS, items)),
      h("div", { class: "grid2" },
        h("div", { class: "panel" }, h("h2", {}, "等级分布"), charts.grades),
        h("div", { class: "panel" }, h("h2", {}, "发展阶段分布"), charts.stages)),
      h("div", { class: "panel" }, h("h2", {}, "白名单变动"), charts.movement));
    const byGrade = province.by_grade || {};
    const byStage = province.by_stage || {};
    await Promise.all([
      draw(charts.cities, citiesOption(items)),
      draw(charts.grades, distributionOption("等级", GRADES.map((g) => [`${g} 级`, byGrade[g] || 0]))),
      draw(charts.stages, distributionOption("阶段", Object.entries(STAGES).map(([k, v]) => [v, byStage[k] || 0]))),
      draw(charts.movement, movementOption(items)),
    ]);
  },
};
