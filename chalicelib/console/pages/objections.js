// 异议处理: a department's queue of objections it answers (admin: all), overdue first; each answered
// with a corrected value (written as a new version, and the enterprise rescored) or a reason.

import { get, post } from "../api.js";
import { chinaTime, clear, field, h, message, select, show, table } from "../dom.js";
import { departmentName, regionLabel } from "../names.js";
import { indicatorNames } from "../model.js";
import { OBJECTION_STATUS, objectionField, objectionValue } from "./objection_names.js";

function resolveForm(o, done) {
  const decision = select("decision", [["corrected", "更正（写入新值并重新评分）"], ["rejected", "驳回（须说明理由）"]], "corrected");
  const value = h("input", { name: "value", size: 12, value: o.claimed_value ?? "", placeholder: "留空表示应为空" });
  const reason = h("textarea", { name: "reason", rows: 2, cols: 30, maxlength: 1000, placeholder: "答复说明（驳回时必填）" });
  const status = h("div", { "aria-live": "polite" });
  return h("form", { class: "resolve-form", dataset: { objection: o.objection_id }, onsubmit: async (e) => {
    e.preventDefault();
    const body = { decision: decision.value };
    if (reason.value.trim()) body.reason = reason.value.trim();
    if (decision.value === "corrected") body.value = value.value.trim() === "" ? null : value.value.trim();
    clear(status, message("info", "正在提交…"));
    try {
      const answered = await post(`/objections/${o.objection_id}/resolve`, body);
      clear(status, message("info", `已${OBJECTION_STATUS[answered.status]}。`));
      done();
    } catch (error) {
      clear(status, message("error", error.message));
    }
  } }, field("处理", decision), field("更正值", value), field("答复说明", reason), h("button", { type: "submit" }, "提交答复"), status);
}

export const objections = {
  id: "objections",
  title: "异议处理",
  menu: true,
  needs: ["GET /objections", "POST /objections/{objection_id}/resolve"],
  async render(main, { query, go }) {
    const [overdue, open, closed, names] = await Promise.all([
      get("/objections", { status: "open", overdue: true, limit: 200 }),
      get("/objections", { status: "open", limit: 200 }),
      get("/objections", { limit: 50 }),
      indicatorNames(),
    ]);
    const overdueIds = new Set(overdue.items.map((o) => o.objection_id));
    const queue = [...overdue.items, ...open.items.filter((o) => !overdueIds.has(o.objection_id))];
    const answered = closed.items.filter((o) => o.status !== "open");
    const refresh = () => go("objections", [], { t: Date.now() });
    clear(main,
      h("h1", {}, "异议处理"),
      h("p", { class: "muted" }, "企业对报送数据提出的异议，须在 10 个工作日内答复；已逾期的排在最前。更正将以本部门为来源写入新值（批次 objection:<编号>），并重新评分。"),
      h("div", { class: "panel", id: "objection-queue" }, h("h2", {}, `待答复（${queue.length}，其中逾期 ${overdue.items.length}）`),
        table("待答复的异议（逾期优先）", [
          ["企业", (o) => h("span", {}, o.credit_code)], ["地区", (o) => regionLabel(o.region_code)],
          ["数据项", (o) => objectionField(o.field, names)], ["年度", (o) => o.period],
          ["原值", (o) => objectionValue(o.current_value), "num"], ["主张值", (o) => objectionValue(o.claimed_value), "num"],
          ["理由", (o) => o.reason],
          ["答复期限", (o) => h("span", { class: `badge ${o.overdue ? "bad" : "warn"}` }, `${o.due_on}${o.overdue ? "（已逾期）" : ""}`)],
          ["答复部门", (o) => departmentName(o.department)],
          ["答复", (o) => resolveForm(o, refresh)],
        ], queue, "没有待答复的异议")),
      h("div", { class: "panel", id: "objection-answered" }, h("h2", {}, "已办结"),
        table("最近办结的异议", [
          ["企业", (o) => o.credit_code], ["数据项", (o) => objectionField(o.field, names)], ["年度", (o) => o.period],
          ["状态", (o) => OBJECTION_STATUS[o.status] || o.status],
          ["结果", (o) => (o.status === "corrected" ? `更正为 ${objectionValue(o.value)}` : show(o.resolve_reason))],
          ["办结时间", (o) => chinaTime(o.resolved_at || o.updated_at)],
        ], answered, "暂无")));
  },
};
