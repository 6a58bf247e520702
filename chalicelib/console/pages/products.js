// 产品管理 (contract 18): a bank's products — terms per grade, criteria, preview, publish — and their funnel.

import { ApiError, get, post, put } from "../api.js";
import { draw, PALETTE } from "../charts.js";
import { criteriaEditor, criteriaFields } from "../criteria.js";
import { clear, field, h, message, pct, select, show, table } from "../dom.js";
import { activeModel } from "../model.js";
import { SUPPORT_STATUS } from "../names.js";
import { isAdmin, session } from "../session.js";
import { previewView } from "./policies.js";

export const PRODUCT_TYPES = { loan: "贷款", credit_line: "授信" };
export const COLLATERALS = { credit: "信用（免抵押）", mortgage: "抵押", pledge: "质押", guarantee: "保证" };
const STATUS = { draft: "草稿", published: "已发布", withdrawn: "已撤回" };
const FUNNEL_STATUSES = ["applied", "approved", "rejected", "withdrawn", "disbursed", "repaid"];
const TEMPLATE = { all: [{ field: "whitelisted", op: "==", value: true }] };

const org = () => (session.caller ? session.caller.org : null);
const mine = (p) => isAdmin() || p.issuer === org();

// The terms of a product in one line: 500 万元 · 3.45% · 24 个月 · 信用.
export function termsText(t) {
  if (!t) return "—";
  return `最高 ${show(t.max_amount_wan)} 万元 · 年利率 ${show(t.rate_pct)}% · 最长 ${show(t.max_term_months)} 个月 · ${COLLATERALS[t.collateral] || t.collateral}`;
}

// The terms-per-grade editor: one row per grade of the model, a box to offer it and its four figures.
function termsEditor(terms, grades, disabled) {
  const rows = grades.map((g) => {
    const t = (terms || {})[g] || {};
    const offered = h("input", { type: "checkbox", name: `offer-${g}`, checked: Boolean((terms || {})[g]), disabled, "aria-label": `${g} 级提供` });
    const num = (name, value, attrs) => h("input", { type: "number", name: `${name}-${g}`, value: value ?? "", disabled, step: "any", "aria-label": `${g} 级${attrs.label}`, min: attrs.min, max: attrs.max });
    const amount = num("max_amount_wan", t.max_amount_wan, { label: "最高额度（万元）", min: 0 });
    const rate = num("rate_pct", t.rate_pct, { label: "年利率（%）", min: 0, max: 36 });
    const term = num("max_term_months", t.max_term_months, { label: "最长期限（月）", min: 1, max: 360 });
    const collateral = select(`collateral-${g}`, Object.entries(COLLATERALS), t.collateral || "credit");
    collateral.setAttribute("aria-label", `${g} 级担保方式`);
    collateral.disabled = disabled;
    return { g, offered, amount, rate, term, collateral };
  });
  const el = h("div", { class: "table-wrap terms-table", id: "terms-editor" }, h("table", {},
    h("caption", {}, "各等级的产品条件（积分变信用、积分省利率、积分延期限）"),
    h("thead", {}, h("tr", {}, ["等级", "提供", "最高额度（万元）", "年利率（%）", "最长期限（月）", "担保方式"].map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, rows.map((r) => h("tr", { dataset: { grade: r.g } },
      h("td", {}, h("strong", {}, `${r.g} 级`)), h("td", {}, r.offered), h("td", {}, r.amount), h("td", {}, r.rate), h("td", {}, r.term), h("td", {}, r.collateral))))));
  return {
    el,
    value() {
      const out = {};
      for (const r of rows) {
        if (!r.offered.checked) continue;
        const number = (input) => (input.value === "" ? null : Number(input.value));
        out[r.g] = { max_amount_wan: number(r.amount), rate_pct: number(r.rate), max_term_months: number(r.term), collateral: r.collateral.value };
      }
      return out;
    },
    showFault(detail) {
      for (const row of el.querySelectorAll("tr.fault")) row.classList.remove("fault");
      const match = /^terms\.([^.:\s]+)/.exec(detail || "");
      const row = match && el.querySelector(`tr[data-grade="${CSS.escape(match[1])}"]`);
      if (row) row.classList.add("fault");
    },
  };
}

function productEditor(p, go, fields, grades) {
  const editable = !p.policy_id || (p.status === "draft" && mine(p));
  const input = (name, attrs = {}) => h("input", { name, value: p[name] ?? "", disabled: !editable, ...attrs });
  const f = {
    title: input("title", { required: true, size: 40 }),
    product_type: select("product_type", Object.entries(PRODUCT_TYPES), p.product_type || "loan"),
    period: input("period", { type: "number", min: 2000, max: 2100, required: true }),
    valid_from: input("valid_from", { type: "date" }),
    valid_to: input("valid_to", { type: "date" }),
    url: input("url", { type: "url", size: 40 }),
    contact: input("contact"),
    summary: h("textarea", { name: "summary", disabled: !editable, style: "min-height: 60px" }, p.summary || ""),
  };
  f.product_type.disabled = !editable;
  const terms = termsEditor(p.terms, grades, !editable);
  const criteria = criteriaEditor(p.criteria || TEMPLATE, { fields, disabled: !editable, label: "适用条件（还须其等级设有产品条件）" });
  const status = h("div", { id: "product-status", "aria-live": "polite" });
  const preview = h("div", { id: "product-preview" });
  const body = () => {
    const out = { title: f.title.value.trim(), kind: "finance", product_type: f.product_type.value, period: Number(f.period.value),
      summary: f.summary.value.trim(), criteria: criteria.value(), terms: terms.value() };
    for (const k of ["valid_from", "valid_to", "url", "contact"]) if (f[k].value) out[k] = f[k].value;
    return out;
  };
  const failed = (error) => {
    clear(status, message("error", error.message));
    if (!(error instanceof ApiError)) return;
    if (error.code === "INVALID_CRITERIA") criteria.showFault(error.problem.detail);
    if (error.code === "INVALID_TERMS") terms.showFault(error.problem.detail);
  };
  const act = (label, fn) => h("button", { type: "button", class: "secondary", onclick: async () => {
    try {
      clear(status, message("info", `${label}中…`));
      await fn();
    } catch (error) {
      failed(error);
    }
  } }, label);
  const buttons = [];
  if (editable) buttons.push(h("button", { type: "submit" }, p.policy_id ? "保存草稿" : "创建草稿"));
  if (p.policy_id && mine(p)) {
    buttons.push(act("预览匹配", async () => {
      clear(preview, h("div", { class: "panel" }, h("h2", {}, "预计覆盖的企业"), previewView(await post(`/policies/${encodeURIComponent(p.policy_id)}/preview`, {}))));
      clear(status);
    }));
    if (p.status === "draft") buttons.push(act("发布", async () => {
      if (!confirm("发布后产品条件和适用条件将冻结，并向符合条件的企业推送。确定发布？")) return;
      await post(`/policies/${encodeURIComponent(p.policy_id)}/publish`, {});
      go("products", [p.policy_id], { note: "published" });
    }));
    if (p.status === "published") buttons.push(act("撤回", async () => {
      if (!confirm("撤回后不再向企业推送。确定撤回？")) return;
      await post(`/policies/${encodeURIComponent(p.policy_id)}/withdraw`, {});
      go("products", [p.policy_id], { note: "withdrawn" });
    }));
  }
  // novalidate: the API checks the terms and answers each fault with its path, shown on its row
  const form = h("form", { class: "panel", id: "product-form", novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    try {
      const saved = p.policy_id ? await put(`/policies/${encodeURIComponent(p.policy_id)}`, body()) : await post("/policies", body());
      go("products", [saved.policy_id], { note: "saved" });
    } catch (error) {
      failed(error);
    }
  } },
    h("div", { class: "row" }, field("产品名称", f.title), field("产品类型", f.product_type), field("积分年度", f.period)),
    h("div", { class: "row" }, field("生效日期", f.valid_from), field("失效日期", f.valid_to), field("链接", f.url), field("联系方式", f.contact)),
    field("产品说明", f.summary),
    terms.el,
    h("p", { class: "muted" }, "只有勾选“提供”的等级才能匹配到本产品；额度以万元计，年利率 0–36%，期限 1–360 个月。"),
    criteria.el,
    h("div", { class: "row" }, buttons), status);
  return [form, preview];
}

async function funnelView(period, go) {
  const report = await get("/reports/products", { period });
  const items = report.items || [];
  const chart = h("div", { class: "chart", id: "funnel-chart", role: "img", "aria-label": "各产品支持记录按状态分布的柱状图" });
  const periodInput = h("input", { name: "funnel-period", type: "number", min: 2000, max: 2100, value: report.period });
  const panel = h("div", { class: "panel", id: "funnel" },
    h("h2", {}, `产品转化漏斗（${report.period} 年度）`),
    h("form", { class: "filters", onsubmit: (e) => { e.preventDefault(); go("products", [], { period: periodInput.value }); } },
      field("积分年度", periodInput), h("button", { type: "submit" }, "查看")),
    table("各产品的匹配企业、支持记录与条件兑现情况", [
      ["产品", (r) => h("a", { href: `#/products/${encodeURIComponent(r.policy_id)}` }, r.title)],
      ["机构", (r) => r.issuer], ["状态", (r) => STATUS[r.status] || r.status], ["匹配企业", (r) => r.matched, "num"],
      ...FUNNEL_STATUSES.map((s) => [SUPPORT_STATUS[s], (r) => r.records[s], "num"]),
      ["放款（万元）", (r) => show(r.disbursed_wan), "num"], ["加权利率（%）", (r) => show(r.mean_rate_pct), "num"],
      ["条件兑现", (r) => `${r.terms_honoured.honoured}/${r.terms_honoured.checked}（${pct(r.terms_honoured.share)}）`, "num"],
      ["审批用时中位数（天）", (r) => show(r.decision_days_median), "num"],
    ], items, "本年度没有产品或支持记录"),
    items.length ? chart : null);
  return { panel, draw: () => (items.length ? draw(chart, funnelOption(items)) : null) };
}

function funnelOption(items) {
  return {
    color: PALETTE,
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 50, right: 20, top: 40, bottom: 60 },
    xAxis: { type: "category", data: items.map((r) => r.title), axisLabel: { interval: 0, rotate: items.length > 4 ? 20 : 0 } },
    yAxis: { type: "value", name: "记录数" },
    series: [
      { name: "匹配企业", type: "bar", data: items.map((r) => r.matched) },
      ...["applied", "approved", "disbursed", "repaid", "rejected"].map((s) => ({
        name: SUPPORT_STATUS[s], type: "bar", stack: "records", data: items.map((r) => r.records[s]),
      })),
    ],
  };
}

export const products = {
  id: "products",
  title: "产品管理",
  menu: true,
  needs: ["POST /policies", "GET /reports/products", "GET /policies"],
  async render(main, { args, query, go }) {
    const m = await activeModel();
    const grades = (m.grades || []).map((g) => g.grade);
    if (!args[0]) {
      const page = await get("/policies", { kind: "finance", limit: 200 });
      const list = (page.items || []).filter((p) => p.terms && mine(p));
      const year = new Date().getFullYear();
      const funnel = await funnelView(query.period || year - 1, go).catch((error) => ({
        panel: h("div", { class: "panel" }, message("error", error.message)), draw: () => null }));
      clear(main, h("h1", {}, "产品管理"),
        h("div", { class: "panel" },
          h("p", {}, "金融产品即金融类政策，按创新积分等级设定额度、利率和期限：只有等级设有条件且满足适用条件的企业才会匹配并收到推送。",
            session.caller && session.caller.role === "bank"
              ? h("button", { type: "button", class: "secondary", onclick: () => go("products", ["new"]) }, "新建产品") : null),
          table("本机构的产品", [
            ["产品名称", (p) => h("a", { href: `#/products/${encodeURIComponent(p.policy_id)}` }, p.title)],
            ["类型", (p) => PRODUCT_TYPES[p.product_type] || p.product_type], ["年度", (p) => p.period],
            ["状态", (p) => STATUS[p.status] || p.status], ["提供等级", (p) => Object.keys(p.terms).join("、")],
            ["有效期", (p) => `${show(p.valid_from)} 至 ${show(p.valid_to)}`],
          ], list, "尚未发布产品")),
        funnel.panel);
      await funnel.draw();
      return;
    }
    const year = new Date().getFullYear();
    const p = args[0] === "new"
      ? { status: "draft", period: year - 1, valid_from: `${year}-01-01`, valid_to: `${year}-12-31`, product_type: "loan",
          terms: { A: { max_amount_wan: 500, rate_pct: 3.45, max_term_months: 24, collateral: "credit" } } }
      : await get(`/policies/${encodeURIComponent(args[0])}`);
    const notes = { saved: "已保存。", published: "已发布，系统正在匹配企业并推送。", withdrawn: "已撤回。" };
    const matches = h("div", {});
    clear(main,
      h("h1", {}, p.policy_id ? `产品：${p.title}` : "新建产品"),
      h("p", {}, h("a", { href: "#/products" }, "← 返回产品列表"), p.policy_id ? `　状态：${STATUS[p.status] || p.status}　版本：${p.version}` : ""),
      query.note ? message("ok", notes[query.note] || "") : null,
      p.policy_id && p.status !== "draft" ? message("info", "已发布或已撤回的产品不可修改；如需调整条件，请新建产品。") : null,
      productEditor(p, go, criteriaFields(m), grades), matches);
    if (p.policy_id && p.status === "published" && mine(p)) {
      const res = await get(`/policies/${encodeURIComponent(p.policy_id)}/matches`, { limit: 100 });
      clear(matches, h("div", { class: "panel", id: "product-matches" }, h("h2", {}, "覆盖的企业与推送状态"), table("匹配企业及其等级的产品条件", [
        ["统一社会信用代码", (x) => h("a", { href: `#/enterprise/${encodeURIComponent(x.credit_code)}` }, x.credit_code)],
        ["企业名称", (x) => show(x.name)], ["积分", (x) => show(x.score), "num"], ["等级", (x) => show(x.grade)],
        ["产品条件", (x) => termsText(x.terms)], ["推送状态", (x) => show(x.delivery && x.delivery.state)],
      ], res.items || [])));
    }
  },
};

// 可获得的金融产品: an enterprise's offers (its portrait, and its own page), each with its grade's terms.
export function offersPanel(code, period) {
  const panel = h("div", { class: "panel", id: "offers" }, h("h2", {}, "可获得的金融产品"), h("p", { class: "muted" }, "正在加载…"));
  get(`/enterprises/${encodeURIComponent(code)}/offers`, { period }).then((res) => {
    clear(panel, h("h2", {}, "可获得的金融产品"),
      h("p", { class: "muted" }, "按本企业当前的积分等级，银行产品给出的额度（积分变信用）、利率（积分省利率）和期限（积分延期限）。"),
      table("匹配的银行产品及本企业等级的条件", [
        ["产品", (o) => (o.url ? h("a", { href: o.url, rel: "noopener", target: "_blank" }, o.title) : o.title)],
        ["银行", (o) => o.issuer], ["类型", (o) => PRODUCT_TYPES[o.product_type] || show(o.product_type)],
        ["最高额度（万元）", (o) => show(o.terms.max_amount_wan), "num"], ["年利率（%）", (o) => show(o.terms.rate_pct), "num"],
        ["最长期限（月）", (o) => show(o.terms.max_term_months), "num"], ["担保方式", (o) => COLLATERALS[o.terms.collateral] || o.terms.collateral],
        ["联系方式", (o) => show(o.contact)],
      ], res.items || [], "暂无匹配的银行产品"));
  }).catch((e) => clear(panel, h("h2", {}, "可获得的金融产品"), message("error", e.message)));
  return panel;
}
