// 本企业: an enterprise's own page (contract 16, 19) — its portrait in brief, where it stands among its
// peers (a chart), and its objections: file one from an indicator row, follow its status.

import { get, post } from "../api.js";
import { draw, PALETTE } from "../charts.js";
import { chinaTime, clear, field, h, message, pct, show, table } from "../dom.js";
import { STAGES, departmentName, regionLabel } from "../names.js";
import { activeModel } from "../model.js";
import { role, session } from "../session.js";
import { CATEGORY_NAMES, COHORT_KINDS, OBJECTION_STATUS, objectionField, objectionValue } from "./objection_names.js";

function card(label, value) {
  return h("div", { class: "card" }, h("div", { class: "label" }, label), h("div", { class: "value" }, value));
}

function cohortLabel(c) {
  return `${COHORT_KINDS[c.kind] || c.kind}（${c.kind === "stage" ? STAGES[c.key] || c.key : c.key}）`;
}

function peersOption(peers) {
  const labels = peers.cohorts.map(cohortLabel);
  const series = (name, pick) => ({ type: "bar", name, data: peers.cohorts.map(pick) });
  return {
    color: PALETTE,
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 50, right: 20, top: 40, bottom: 40 },
    xAxis: { type: "category", data: labels },
    yAxis: { type: "value", name: "积分", min: 0, max: 1000 },
    series: [
      series("平均", (c) => c.score.mean), series("中位数", (c) => c.score.median), series("P90", (c) => c.score.p90),
      { type: "line", name: "本企业", data: peers.cohorts.map(() => peers.score), symbolSize: 10 },
    ],
  };
}

function peersPanel(peers) {
  const chart = h("div", { class: "chart", id: "peers-chart", role: "img", "aria-label": "本企业积分与同类企业对比柱状图" });
  const panel = h("div", { class: "panel", id: "peers" }, h("h2", {}, "与同类企业对比（自我评估）"), chart,
    table(`${peers.period} 年度对比（截至 ${chinaTime(peers.as_of)}）`, [
      ["对比范围", cohortLabel], ["企业数", (c) => c.size, "num"],
      ["低于本企业的比例", (c) => pct(c.percentile), "num"],
      ["平均积分", (c) => show(c.score.mean), "num"], ["中位数", (c) => show(c.score.median), "num"], ["P90", (c) => show(c.score.p90), "num"],
      ["技术创新（本企业 / 平均）", (c) => `${show(c.categories.tech_innovation?.mine)} / ${show(c.categories.tech_innovation?.mean)}`],
      ["成长经营（本企业 / 平均）", (c) => `${show(c.categories.growth_operations?.mine)} / ${show(c.categories.growth_operations?.mean)}`],
    ], peers.cohorts));
  return { panel, drawn: () => draw(chart, peersOption(peers)) };
}

function objectionForm(p, indicator, onFiled) {
  const value = h("input", { name: "claimed_value", size: 12, value: indicator.value ?? "", placeholder: "留空表示应为空" });
  const reason = h("textarea", { name: "reason", rows: 2, cols: 40, maxlength: 1000, required: true, placeholder: "说明理由和依据（1–1000 字）" });
  const status = h("div", { "aria-live": "polite" });
  return h("form", { class: "objection-form", onsubmit: async (e) => {
    e.preventDefault();
    clear(status, message("info", "正在提交…"));
    try {
      const filed = await post("/objections", {
        credit_code: p.credit_code, period: p.period, field: `indicator.${indicator.id}`,
        claimed_value: value.value.trim() === "" ? null : value.value.trim(), reason: reason.value,
      });
      onFiled(filed);
    } catch (error) {
      clear(status, message("error", error.message));
    }
  } }, field(`${indicator.name_zh}应为`, value), field("异议理由", reason), h("button", { type: "submit" }, "提交异议"), status);
}

function indicatorRows(p, derived, open, onFiled) {
  const rows = h("div", { id: "mine-indicators" });
  const render = (formFor) => clear(rows, table("指标明细：对报送有误的数据可提出异议，由报送部门在 10 个工作日内答复", [
    ["指标", (i) => i.name_zh], ["数值", (i) => (i.value === null ? "未报送" : String(i.value)), "num"],
    ["得分", (i) => show(i.points), "num"], ["来源部门", (i) => departmentName(i.source_department)],
    ["异议", (i) => {
      if (i.objection) return h("span", { class: "badge warn" }, `${OBJECTION_STATUS[i.objection.status] || i.objection.status}，${i.objection.due_on} 前答复`);
      if (derived.has(i.id)) return h("span", { class: "muted" }, "由其他指标计算");
      if (formFor === i.id) return objectionForm(p, i, onFiled);
      return h("button", { type: "button", class: "secondary", dataset: { indicator: i.id }, onclick: () => render(i.id) }, "提出异议");
    }],
  ], p.indicators));
  render(null);
  return rows;
}

function objectionsPanel(items, names) {
  return h("div", { class: "panel", id: "my-objections" }, h("h2", {}, "我的异议"),
    table("提出的异议及办理状态", [
      ["数据项", (o) => objectionField(o.field, names)], ["年度", (o) => o.period],
      ["原值", (o) => objectionValue(o.current_value), "num"], ["主张值", (o) => objectionValue(o.claimed_value), "num"],
      ["答复部门", (o) => departmentName(o.department)],
      ["状态", (o) => h("span", { class: `badge ${o.status === "open" ? (o.overdue ? "bad" : "warn") : "ok"}` },
        `${OBJECTION_STATUS[o.status] || o.status}${o.overdue ? "（已逾期）" : ""}`)],
      ["答复期限", (o) => o.due_on], ["答复", (o) => (o.status === "corrected" ? `已更正为 ${objectionValue(o.value)}` : show(o.resolve_reason))],
    ], items, "尚未提出异议"));
}

export const mine = {
  id: "mine",
  title: "本企业",
  menu: true,
  roles: ["enterprise"],
  needs: ["GET /enterprises/{credit_code}", "GET /enterprises/{credit_code}/peers", "POST /objections", "GET /objections"],
  async render(main, { go }) {
    const code = session.caller.org || (session.caller.area || {}).key;
    if (role() !== "enterprise" || !code) return clear(main, h("h1", {}, "本企业"), message("info", "此页面供企业账号使用。"));
    const [p, m, objections] = await Promise.all([get(`/enterprises/${code}`), activeModel(), get("/objections", { limit: 100 })]);
    const names = Object.fromEntries(m.indicators.map((i) => [i.id, i.name_zh]));
    const derived = new Set(m.indicators.filter((i) => i.source === "derived").map((i) => i.id));
    let peers = null;
    let peersNote = null;
    try {
      peers = peersPanel(await get(`/enterprises/${code}/peers`, { period: p.period }));
    } catch (error) {
      peersNote = h("div", { class: "panel", id: "peers" }, h("h2", {}, "与同类企业对比（自我评估）"), message("info", error.message));
    }
    const filed = h("div", { "aria-live": "polite", id: "filed" });
    const onFiled = (o) => {
      clear(filed, message("info", `异议已提交，由${departmentName(o.department)}在 ${o.due_on} 前答复。`));
      go("mine");
    };
    clear(main,
      h("h1", {}, `本企业：${p.name || p.credit_code}`),
      filed,
      h("div", { class: "cards" },
        card("积分", h("span", { id: "score" }, show(p.score))), card("等级", h("span", { class: "grade" }, p.grade)),
        card("白名单", h("span", { class: `badge ${p.whitelisted ? "ok" : "warn"}` }, p.whitelisted ? "已入选" : "未入选")),
        card("发展阶段", STAGES[p.stage] || p.stage), card("地区", regionLabel(p.region_code)), card("年度", p.period)),
      peers ? peers.panel : peersNote,
      h("div", { class: "panel" }, h("h2", {}, "指标明细与异议"), indicatorRows(p, derived, objections.items, onFiled),
        (p.objections || []).length
          ? h("p", {}, `登记信息异议：${p.objections.map((o) => `${objectionField(o.field)}（${OBJECTION_STATUS[o.status]}，${o.due_on} 前答复）`).join("；")}`)
          : null),
      objectionsPanel(objections.items, names),
      h("p", { class: "muted" }, `各类别得分：${p.categories.map((c) => `${CATEGORY_NAMES[c.id] || c.id} ${c.points}`).join("，")}`));
    if (peers) await peers.drawn();
  },
};
