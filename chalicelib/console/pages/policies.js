// 政策管理: the catalogue; a draft's fields and criteria edited, previewed (who would match), published.

import { ApiError, get, post, put } from "../api.js";
import { criteriaEditor, criteriaFields } from "../criteria.js";
import { clear, field, h, message, select, show, table } from "../dom.js";
import { activeModel } from "../model.js";
import { CITIES, DEPARTMENTS, POLICY_KINDS as KINDS, STAGES, departmentName } from "../names.js";
import { can, department, isAdmin, role } from "../session.js";

const STATUS = { draft: "草稿", published: "已发布", withdrawn: "已撤回" };
const FIELDS = "score 积分、grade 等级、stage 阶段、whitelisted 白名单、veto 否决、completeness 完整度、rank 排名、" +
  "region_code 行政区划、industry_code 行业、age 企业年龄、category.<类别> 类别得分、indicator.<指标> 指标数值";
const OPS = "==  !=  >  >=  <  <=  in  not_in  prefix  exists";

const TEMPLATE = {
  all: [
    { field: "whitelisted", op: "==", value: true },
    { field: "stage", op: "in", value: ["startup", "growth"] },
  ],
};

function mayEdit(p) {
  return isAdmin() || (department() && p.issuer === department());
}

// A bank's policies are its products: it writes them on the products page (产品管理).
const isBank = () => role() === "bank";

function listView(items, go, query) {
  const status = select("status", [["", "全部状态"], ...Object.entries(STATUS)], query.status);
  const kind = select("kind", [["", "全部类型"], ...Object.entries(KINDS)], query.kind);
  return [
    h("form", { class: "filters", onsubmit: (e) => { e.preventDefault(); go("policies", [], { status: status.value, kind: kind.value }); } },
      field("状态", status), field("类型", kind), h("button", { type: "submit" }, "筛选"),
      can("POST /policies") && !isBank() ? h("button", { type: "button", class: "secondary", onclick: () => go("policies", ["new"]) }, "新建政策") : null),
    table("政策目录", [
      ["政策名称", (p) => h("a", { href: `#/policies/${encodeURIComponent(p.policy_id)}` }, p.title)],
      ["发布部门", (p) => departmentName(p.issuer)],
      ["类型", (p) => KINDS[p.kind] || p.kind], ["年度", (p) => p.period], ["状态", (p) => STATUS[p.status] || p.status],
      ["有效期", (p) => `${show(p.valid_from)} 至 ${show(p.valid_to)}`], ["版本", (p) => p.version, "num"],
    ], items, "暂无政策"),
  ];
}

export function previewView(res) {
  return [
    h("div", { class: "cards" }, h("div", { class: "card" }, h("div", { class: "label" }, "预计匹配企业"), h("div", { class: "value", id: "preview-matched" }, show(res.matched)))),
    h("div", { class: "grid2" },
      table("按设区市", [["地区", ([k]) => CITIES[k] || k], ["企业数", ([, v]) => v, "num"]], Object.entries(res.by_region || {})),
      table("按发展阶段", [["阶段", ([k]) => STAGES[k] || k], ["企业数", ([, v]) => v, "num"]], Object.entries(res.by_stage || {}))),
    h("p", { class: "muted" }, `样例企业：${(res.sample || []).join("、") || "—"}（预览不写入任何数据）`),
  ];
}

function editor(p, go, fields) {
  const editable = !p.policy_id || p.status === "draft";
  const input = (name, attrs = {}) => h("input", { name, value: p[name] ?? "", disabled: !editable, ...attrs });
  const f = {
    title: input("title", { required: true, size: 40 }),
    kind: select("kind", Object.entries(KINDS), p.kind || "finance"),
    issuer: select("issuer", [["admin", "省级管理员"], ...Object.entries(DEPARTMENTS)], p.issuer || department() || "admin"),
    period: input("period", { type: "number", min: 2000, max: 2100, required: true }),
    valid_from: input("valid_from", { type: "date" }),
    valid_to: input("valid_to", { type: "date" }),
    url: input("url", { type: "url", size: 40 }),
    contact: input("contact"),
    summary: h("textarea", { name: "summary", disabled: !editable, style: "min-height: 80px" }, p.summary || ""),
  };
  const criteria = criteriaEditor(p.criteria || TEMPLATE, { fields, disabled: !editable });
  f.kind.disabled = !editable;
  f.issuer.disabled = !editable || !isAdmin(); // a department issues as itself
  const status = h("div", { id: "policy-status", "aria-live": "polite" });
  const preview = h("div", { id: "policy-preview" });
  const body = () => {
    const out = { title: f.title.value.trim(), issuer: f.issuer.value, kind: f.kind.value, period: Number(f.period.value),
      summary: f.summary.value.trim(), criteria: criteria.value() };
    for (const k of ["valid_from", "valid_to", "url", "contact"]) if (f[k].value) out[k] = f[k].value;
    return out;
  };
  const act = (label, fn) => h("button", { type: "button", class: "secondary", onclick: async () => {
    try {
      clear(status, message("info", `${label}中…`));
      await fn();
    } catch (error) {
      clear(status, message("error", error.message));
    }
  } }, label);
  const buttons = [];
  if (editable && mayEdit(p.policy_id ? p : { issuer: department() || "admin" })) {
    buttons.push(h("button", { type: "submit" }, p.policy_id ? "保存草稿" : "创建草稿"));
  }
  if (p.policy_id && mayEdit(p)) {
    buttons.push(act("预览匹配", async () => {
      clear(preview, previewView(await post(`/policies/${encodeURIComponent(p.policy_id)}/preview`, {})));
      clear(status);
    }));
    if (p.status === "draft") buttons.push(act("发布", async () => {
      if (!confirm("发布后匹配条件将冻结，并向匹配企业推送。确定发布？")) return;
      await post(`/policies/${encodeURIComponent(p.policy_id)}/publish`, {});
      go("policies", [p.policy_id], { note: "published" });
    }));
    if (p.status === "published") buttons.push(act("撤回", async () => {
      if (!confirm("撤回后不再推送。确定撤回？")) return;
      await post(`/policies/${encodeURIComponent(p.policy_id)}/withdraw`, {});
      go("policies", [p.policy_id], { note: "withdrawn" });
    }));
  }
  const form = h("form", { class: "panel", onsubmit: async (e) => {
    e.preventDefault();
    try {
      const saved = p.policy_id ? await put(`/policies/${encodeURIComponent(p.policy_id)}`, body()) : await post("/policies", body());
      go("policies", [saved.policy_id], { note: "saved" });
    } catch (error) {
      clear(status, message("error", error.message));
      if (error instanceof ApiError && error.code === "INVALID_CRITERIA") criteria.showFault(error.problem.detail);
    }
  } },
    h("div", { class: "row" }, field("政策名称", f.title), field("发布单位", f.issuer), field("类型", f.kind), field("年度", f.period)),
    h("div", { class: "row" }, field("生效日期", f.valid_from), field("失效日期", f.valid_to), field("链接", f.url), field("联系方式", f.contact)),
    field("摘要", f.summary),
    criteria.el,
    h("p", { id: "criteria-help", class: "muted" }, `逐行选择字段、运算和取值；“条件组”可选全部满足或任一满足，“不满足”取反。JSON 高级视图中，条件由 all、any、not 和叶子 {field, op, value} 组成。字段：${FIELDS}。运算：${OPS}。`),
    h("div", { class: "row" }, buttons), status);
  return [form, preview];
}

export const policies = {
  id: "policies",
  title: "政策管理",
  menu: true,
  needs: ["GET /policies", "GET /policies/{id}"],
  async render(main, { args, query, go }) {
    if (!args[0]) {
      const page = await get("/policies", { status: query.status, kind: query.kind, limit: 200 });
      return clear(main, h("h1", {}, "政策管理"), h("div", { class: "panel" }, listView(page.items || [], go, query)));
    }
    const year = new Date().getFullYear();
    const p = args[0] === "new"
      ? { status: "draft", issuer: department() || "admin", period: year - 1, valid_from: `${year}-01-01`, valid_to: `${year}-12-31` }
      : await get(`/policies/${encodeURIComponent(args[0])}`);
    const notes = { saved: "已保存。", published: "已发布，系统正在匹配企业并推送。", withdrawn: "已撤回。" };
    const matches = h("div", {});
    clear(main,
      h("h1", {}, p.policy_id ? `政策：${p.title}` : "新建政策"),
      h("p", {}, h("a", { href: "#/policies" }, "← 返回政策目录"), p.policy_id ? `　状态：${STATUS[p.status] || p.status}　版本：${p.version}` : ""),
      query.note ? message("ok", notes[query.note] || "") : null,
      p.status !== "draft" && p.policy_id ? message("info", "已发布或已撤回的政策不可修改；如需修改条件，请新建政策。") : null,
      p.terms ? message("info", "这是银行的金融产品（含各等级的额度、利率和期限），在“产品管理”页中查看其条件与转化情况。") : null,
      editor(p, go, criteriaFields(await activeModel())), matches);
    if (p.policy_id && p.status !== "draft" && can("GET /policies/{id}/matches") && mayEdit(p)) {
      const res = await get(`/policies/${encodeURIComponent(p.policy_id)}/matches`, { limit: 100 });
      clear(matches, h("div", { class: "panel" }, h("h2", {}, "匹配企业与推送状态"), table("匹配企业", [
        ["统一社会信用代码", (m) => m.credit_code], ["企业名称", (m) => show(m.name)], ["积分", (m) => show(m.score), "num"],
        ["推送状态", (m) => show(m.delivery && m.delivery.state)], ["尝试次数", (m) => show(m.delivery && m.delivery.attempts), "num"],
      ], res.items || [])));
    }
  },
};
