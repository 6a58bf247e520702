// 企业画像: the five categories on a radar, every indicator with its source and batch, the score history,
// and — where the API offers them — support received, matched policies and a what-if form.

import { get, post } from "../api.js";
import { draw, PALETTE } from "../charts.js";
import { clear, field, h, message, pct, show, table } from "../dom.js";
import {
  CATEGORY_NAMES, CRITERIA_OPS, POLICY_KINDS, STAGES, SUPPORT_KINDS, SUPPORT_STATUS, criteriaField, criteriaValue, departmentName, regionLabel,
} from "../names.js";
import { activeModel as model } from "../model.js";
import { can } from "../session.js";
import { qualificationsPanel, standingPanel } from "./cultivation.js";


function searchForm(code, period, go) {
  const codeInput = h("input", { name: "credit_code", value: code || "", required: true, size: 22, maxlength: 18,
    placeholder: "18 位统一社会信用代码", autocomplete: "off" });
  const periodInput = h("input", { type: "number", name: "period", min: 2000, max: 2100, value: period || "", placeholder: "最近年度" });
  return h("form", { class: "filters", role: "search", "aria-label": "查询企业", onsubmit: (e) => {
    e.preventDefault();
    go("enterprise", [codeInput.value.trim()], { period: periodInput.value });
  } }, field("统一社会信用代码", codeInput), field("年度", periodInput), h("button", { type: "submit" }, "查询"));
}

// Each axis as a share of its category's maximum; the negative category has no maximum (0), so its
// axis shows compliance: 100 % with no deduction, 0 % at a deduction of `NEGATIVE_SCALE` or more.
const NEGATIVE_SCALE = 200;
function radarOption(categories) {
  const axes = categories.map((c) => ({ name: CATEGORY_NAMES[c.id] || c.id, max: 100 }));
  const values = categories.map((c) => {
    if (c.id === "negative") return Math.max(0, 100 - (Math.abs(c.points) / NEGATIVE_SCALE) * 100);
    return c.max > 0 ? Math.min(100, (c.points / c.max) * 100) : 0;
  });
  return {
    color: PALETTE,
    tooltip: {
      formatter: () => categories.map((c) => `${CATEGORY_NAMES[c.id] || c.id}：${c.points}${c.id === "negative" ? " 分（扣分）" : ` / ${c.max} 分`}`).join("<br>"),
    },
    radar: { indicator: axes, radius: "65%", axisName: { color: "#1f2933", fontSize: 13 } },
    series: [{ type: "radar", name: "得分率", areaStyle: { opacity: 0.25 }, data: [{ value: values.map((v) => Number(v.toFixed(1))), name: "得分率（%）" }] }],
  };
}

function historyOption(items) {
  const byPeriod = new Map();
  for (const e of [...items].sort((a, b) => a.computed_at.localeCompare(b.computed_at))) {
    if (!byPeriod.has(e.period)) byPeriod.set(e.period, []);
    byPeriod.get(e.period).push([e.computed_at, e.score]);
  }
  return {
    color: PALETTE,
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 50, right: 20, top: 40, bottom: 40 },
    xAxis: { type: "time", name: "计算时间" },
    yAxis: { type: "value", name: "积分", min: 0, max: 1000 },
    series: [...byPeriod].map(([period, points]) => ({ type: "line", name: `${period} 年度`, step: "end", data: points, symbolSize: 8 })),
  };
}

// the rank within (period, stage): with rank_as_of, the last report build's ranking with this card's
// current score placed in it; without, counted just now (the period has no build yet)
function rankText(p) {
  if (p.rank == null) return "—";
  const asOf = p.rank_as_of ? `，排名截至 ${p.rank_as_of}` : "";
  return `${p.rank} / ${p.cohort_size}（同阶段全省${asOf}）`;
}

function facts(p) {
  const rows = [
    ["企业名称", show(p.name)], ["统一社会信用代码", p.credit_code], ["地区", regionLabel(p.region_code)],
    ["行业代码", show(p.industry_code)], ["成立日期", show(p.established_on)], ["年度", p.period],
    ["发展阶段", STAGES[p.stage] || p.stage], ["排名", rankText(p)],
    ["数据完整度", pct(p.completeness)], ["核心指标得分", show(p.core)], ["特色加分", show(p.bonus)],
    ["逆向扣分", show(p.deductions)], ["评分模型", p.model_version], ["计算时间", p.computed_at],
  ];
  return h("dl", { class: "facts" }, rows.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
}

function batchLink(id) {
  if (!id) return "—";
  return can("GET /batches/{batch_id}") ? h("a", { href: `#/batch/${encodeURIComponent(id)}` }, id) : id;
}

function indicatorTable(p, units) {
  return table("指标明细（每一分都可追溯到报送部门和批次）", [
    ["指标", (i) => i.name_zh],
    ["类别", (i) => CATEGORY_NAMES[i.category] || i.category],
    ["数值", (i) => (i.value === null ? "未报送" : `${i.value}${units[i.id] ? ` ${units[i.id]}` : ""}`), "num"],
    ["得分", (i) => show(i.points), "num"],
    ["满分", (i) => show(i.max_points), "num"],
    ["说明", (i) => show(i.explanation)],
    ["来源部门", (i) => departmentName(i.source_department)],
    ["批次", (i) => batchLink(i.batch_id)],
  ], p.indicators);
}

function discrepancyTable(p, names) {
  if (!p.discrepancies.length) return null;
  return h("div", { class: "panel" }, h("h2", {}, "多源校核差异"), table("统计局数据与计分数据差异超过 20% 的指标", [
    ["指标", (d) => names[d.indicator] || d.indicator], ["年度", (d) => d.period], ["计分值", (d) => d.scored_value, "num"],
    ["计分来源", (d) => departmentName(d.scored_department)], ["统计局值", (d) => d.stats_value, "num"],
    ["差异", (d) => `${d.gap_pct}%`, "num"], ["统计局批次", (d) => batchLink(d.stats_batch_id)],
  ], p.discrepancies));
}

async function supportPanel(code) {
  const panel = h("div", { class: "panel", id: "support" }, h("h2", {}, "金融与政策支持"), h("p", { class: "muted" }, "正在加载…"));
  get(`/enterprises/${code}/support`).then((res) => {
    const s = res.summary || {};
    clear(panel, h("h2", {}, "金融与政策支持"),
      h("div", { class: "cards" },
        card("支持记录（全部机构）", show(s.records)), card("提供支持的机构", show(s.institutions)),
        card("已放款（万元）", show(s.disbursed_wan)), card("最近一次", show(s.latest_on))),
      table("本机构可见的支持记录", [
        ["机构", (r) => r.org], ["类型", (r) => SUPPORT_KINDS[r.kind] || r.kind], ["产品", (r) => show(r.product)],
        ["状态", (r) => SUPPORT_STATUS[r.status] || r.status],
        ["金额（万元）", (r) => show(r.amount_wan), "num"], ["利率（%）", (r) => show(r.rate_pct), "num"],
        ["发生日期", (r) => show(r.occurred_on)], ["当时积分", (r) => `${show(r.score_at_time)}（${show(r.grade_at_time)}）`],
      ], res.items || []));
  }).catch((e) => clear(panel, h("h2", {}, "金融与政策支持"), message("error", e.message)));
  return panel;
}

function reasonText(r, names) {
  const expected = criteriaValue(r.field, r.value);
  return `${r.ok ? "✓" : "✗"} ${criteriaField(r.field, names)} ${CRITERIA_OPS[r.op] || r.op} ${expected}（实际：${criteriaValue(r.field, r.actual)}）`;
}

async function policiesPanel(code, period, names) {
  const panel = h("div", { class: "panel", id: "matched-policies" }, h("h2", {}, "匹配的政策"), h("p", { class: "muted" }, "正在加载…"));
  get(`/enterprises/${code}/policies`, { period }).then((res) => {
    const items = res.items || [];
    clear(panel, h("h2", {}, "匹配的政策"), table("已发布且与本企业匹配的政策及匹配理由", [
      ["政策", (p) => (p.url ? h("a", { href: p.url, rel: "noopener", target: "_blank" }, p.title) : p.title)],
      ["发布部门", (p) => departmentName(p.issuer)], ["类型", (p) => POLICY_KINDS[p.kind] || p.kind], ["有效期", (p) => `${show(p.valid_from)} 至 ${show(p.valid_to)}`],
      ["匹配理由", (p) => h("ul", {}, (p.reasons || []).map((r) => h("li", {}, reasonText(r, names))))],
    ], items, "暂无匹配的政策"));
  }).catch((e) => clear(panel, h("h2", {}, "匹配的政策"), message("error", e.message)));
  return panel;
}

function card(label, value) {
  return h("div", { class: "card" }, h("div", { class: "label" }, label), h("div", { class: "value" }, value));
}

function whatIfPanel(p, m) {
  const current = Object.fromEntries(p.indicators.map((i) => [i.id, i.value]));
  const editable = m.indicators.filter((i) => i.source !== "derived" && i.source !== "registry");
  const inputs = editable.map((i) => {
    const input = h("input", { name: i.id, inputmode: "decimal", size: 10, value: current[i.id] ?? "", placeholder: "未报送" });
    input.dataset.original = current[i.id] ?? "";
    return [i, input];
  });
  const result = h("div", { "aria-live": "polite" });
  const form = h("form", { id: "what-if-form", onsubmit: async (e) => {
    e.preventDefault();
    const changes = {};
    for (const [i, input] of inputs) {
      if (input.value.trim() !== input.dataset.original) changes[i.id] = input.value.trim() === "" ? null : input.value.trim();
    }
    if (!Object.keys(changes).length) return clear(result, message("info", "请先修改至少一项指标的数值。"));
    clear(result, message("info", "正在测算…"));
    try {
      const res = await post("/what-if", { credit_code: p.credit_code, period: p.period, changes });
      const d = res.delta || {};
      const arrow = (from, to) => `${show(from)} → ${show(to)}`;
      const diff = Number(d.score);
      clear(result,
        h("div", { class: "cards" },
          card("积分变化", h("span", { class: diff > 0 ? "delta-up" : diff < 0 ? "delta-down" : "" }, `${diff > 0 ? "+" : ""}${show(d.score)}`)),
          card("测算积分", show(res.score)), card("等级", arrow(d.grade_from, d.grade_to)),
          card("白名单", arrow(d.whitelisted_from, d.whitelisted_to))),
        table("得分变化的指标", [
          ["指标", (x) => (m.indicators.find((i) => i.id === x.id) || {}).name_zh || x.id],
          ["原得分", (x) => show(x.points_from), "num"], ["测算得分", (x) => show(x.points_to), "num"],
        ], d.indicators || [], "没有指标得分变化"),
        h("p", { class: "muted" }, "测算结果不写入任何数据。"));
    } catch (error) {
      clear(result, message("error", error.message));
    }
  } },
    h("div", { class: "row" }, inputs.map(([i, input]) => field(`${i.name_zh}${i.unit ? `（${i.unit}）` : ""}`, input))),
    h("button", { type: "submit" }, "测算"));
  return h("div", { class: "panel", id: "what-if" }, h("h2", {}, "模拟测算（what-if）"),
    h("p", { class: "muted" }, "修改指标数值（按报送口径填写，清空表示删除该值），测算积分和等级的变化。"), form, result);
}

export const enterprise = {
  id: "enterprise",
  title: "企业画像",
  menu: true,
  needs: ["GET /enterprises/{credit_code}", "GET /enterprises/{credit_code}/history"],
  async render(main, { args, query, go }) {
    const code = (args[0] || "").trim();
    if (!code) {
      return clear(main, h("h1", {}, "企业画像"), h("div", { class: "panel" }, searchForm("", query.period, go),
        h("p", { class: "muted" }, "输入统一社会信用代码查看企业的积分、各项指标得分及其来源；也可以从白名单中点击企业进入。")));
    }
    const [p, history, m] = await Promise.all([
      get(`/enterprises/${encodeURIComponent(code)}`, { period: query.period }),
      get(`/enterprises/${encodeURIComponent(code)}/history`, { limit: 500 }),
      model(),
    ]);
    const units = Object.fromEntries(m.indicators.map((i) => [i.id, i.unit]));
    const radar = h("div", { class: "chart", id: "radar", role: "img", "aria-label": "五类指标得分率雷达图" });
    const historyChart = h("div", { class: "chart", id: "history-chart", role: "img", "aria-label": "积分历史折线图" });
    clear(main,
      h("h1", {}, `企业画像：${p.name || p.credit_code}`),
      h("div", { class: "panel" }, searchForm(p.credit_code, query.period, go)),
      h("div", { class: "cards" },
        card("积分", h("span", { id: "score" }, show(p.score))), card("等级", h("span", { class: "grade" }, p.grade)),
        card("白名单", h("span", { class: `badge ${p.whitelisted ? "ok" : "warn"}` }, p.whitelisted ? "已入选" : "未入选")),
        card("一票否决", h("span", { class: `badge ${p.veto ? "bad" : "ok"}` }, p.veto ? "是" : "否")),
        card("发展阶段", STAGES[p.stage] || p.stage)),
      h("div", { class: "grid2" },
        h("div", { class: "panel" }, h("h2", {}, "基本信息"), facts(p)),
        h("div", { class: "panel" }, h("h2", {}, "五类指标得分率"), radar,
          table("五类指标得分", [["类别", (c) => CATEGORY_NAMES[c.id] || c.id], ["得分", (c) => show(c.points), "num"], ["满分", (c) => show(c.max), "num"]], p.categories))),
      h("div", { class: "panel" }, h("h2", {}, "指标明细"), indicatorTable(p, units)),
      discrepancyTable(p, Object.fromEntries(m.indicators.map((i) => [i.id, i.name_zh]))),
      p.qualifications ? qualificationsPanel(p.qualifications) : null,
      can("GET /enterprises/{credit_code}/cultivation") ? await standingPanel(p.credit_code, p.period) : null,
      h("div", { class: "panel" }, h("h2", {}, "积分历史"), historyChart,
        table("每一次积分变化", [
          ["年度", (e) => e.period], ["积分", (e) => e.score, "num"], ["等级", (e) => e.grade], ["阶段", (e) => STAGES[e.stage] || e.stage],
          ["模型", (e) => e.model_version], ["计算时间", (e) => e.computed_at], ["批次", (e) => batchLink(e.batch_id)],
        ], history.items)),
      can("GET /enterprises/{credit_code}/support") ? await supportPanel(p.credit_code) : null,
      can("GET /enterprises/{credit_code}/policies") ? await policiesPanel(p.credit_code, p.period, Object.fromEntries(m.indicators.map((i) => [i.id, i.name_zh]))) : null,
      can("POST /what-if") ? whatIfPanel(p, m) : null);
    await Promise.all([draw(radar, radarOption(p.categories)), draw(historyChart, historyOption(history.items))]);
  },
};
