// 批次报告: what became of an upload, row by row, with every error in Chinese.

import { get } from "../api.js";
import { chinaTime, clear, field, h, message, show, table } from "../dom.js";
import { BATCH_STATUS, departmentName } from "../names.js";

function statusBadge(status) {
  const kind = { completed: "ok", processing: "warn", rejected: "bad", failed: "bad" }[status] || "";
  return h("span", { class: `badge ${kind}`, id: "batch-status" }, BATCH_STATUS[status] || status);
}

export function reportView(r) {
  const rows = r.rows || {};
  return h("div", { class: "batch-report", dataset: { batchId: r.batch_id } },
    h("dl", { class: "facts" },
      h("dt", {}, "批次"), h("dd", {}, r.batch_id),
      h("dt", {}, "文件"), h("dd", {}, r.key),
      h("dt", {}, "报送单位"), h("dd", {}, departmentName(r.department)),
      h("dt", {}, "状态"), h("dd", {}, statusBadge(r.status)),
      h("dt", {}, "接收时间"), h("dd", {}, chinaTime(r.received_at)),
      h("dt", {}, "完成时间"), h("dd", {}, chinaTime(r.finished_at)),
      h("dt", {}, "行数"), h("dd", { id: "batch-rows" },
        `共 ${show(rows.total)} 行：接收 ${show(rows.accepted)} 行，拒收 ${show(rows.rejected)} 行，警告 ${show(rows.warnings)} 行`),
      h("dt", {}, "影响企业"), h("dd", {}, show(r.enterprises_affected))),
    r.file_errors && r.file_errors.length
      ? [message("error", "整个文件被拒收，没有存储任何数据："),
         table("文件错误", [["错误代码", (e) => e.code], ["列", (e) => show(e.column)], ["说明", (e) => e.message_zh]], r.file_errors)]
      : null,
    table("行错误（这些行未被接收，其余行不受影响）", [
      ["行号", (e) => e.row, "num"], ["列", (e) => show(e.column)], ["值", (e) => show(e.value)],
      ["错误代码", (e) => e.code], ["说明", (e) => e.message_zh],
    ], r.row_errors || [], "没有行错误"),
    r.warnings && r.warnings.length
      ? table("警告（这些行已接收）", [["行号", (e) => e.row, "num"], ["列", (e) => show(e.column)], ["值", (e) => show(e.value)],
          ["代码", (e) => e.code], ["说明", (e) => e.message_zh]], r.warnings)
      : null);
}

export const batch = {
  id: "batch",
  title: "批次报告",
  menu: true,
  needs: ["GET /batches/{batch_id}", "GET /batches"],
  async render(main, { args, query, go }) {
    const id = h("input", { name: "batch_id", value: args[0] || "", size: 40, placeholder: "批次编号" });
    const key = h("input", { name: "key", value: query.key || "", size: 50, placeholder: "incoming/tax/2025年度税务数据.csv" });
    const form = h("form", { class: "filters", role: "search", "aria-label": "查询批次", onsubmit: (e) => {
      e.preventDefault();
      if (id.value.trim()) go("batch", [id.value.trim()]);
      else if (key.value.trim()) go("batch", [], { key: key.value.trim() });
    } }, field("批次编号", id), h("span", { class: "muted" }, "或"), field("文件路径（S3 键）", key), h("button", { type: "submit" }, "查询"));
    const out = h("div", {});
    clear(main, h("h1", {}, "批次报告"), h("div", { class: "panel" }, form), out);
    if (args[0]) {
      clear(out, h("div", { class: "panel" }, reportView(await get(`/batches/${encodeURIComponent(args[0])}`))));
    } else if (query.key) {
      const page = await get("/batches", { key: query.key, limit: 20 });
      clear(out, page.items.length
        ? page.items.map((r) => h("div", { class: "panel" }, reportView(r)))
        : message("info", "该文件还没有批次记录。"));
    }
  },
};
