// 数据上报: choose a file → POST /uploads → the presigned POST straight to the bucket → watch the batch.

import { get, post } from "../api.js";
import { clear, field, h, message, select, table } from "../dom.js";
import { REGISTRY_COLUMNS, STATS_SENDS, departmentName } from "../names.js";
import { activeModel } from "../model.js";
import { bodyHas, can, department, role } from "../session.js";
import { reportView } from "./batch.js";
import { zoneChoices } from "../zones.js";

const POLL_MS = 1500;
const GIVE_UP_MS = 10 * 60 * 1000;

async function columnsHelp(dept) {
  if (dept === "registry") return h("p", {}, `企业登记信息需包含五列：${REGISTRY_COLUMNS.join("、")}。`);
  const m = await activeModel();
  const ids = dept === "stats" ? STATS_SENDS : m.indicators.filter((i) => i.source === dept).map((i) => i.id);
  const mine = m.indicators.filter((i) => ids.includes(i.id));
  return h("div", {},
    h("p", {}, "必需列：credit_code（统一社会信用代码）、period（年度）；其余列为本部门报送的指标，列名可用指标代码或中文名称，空单元格表示不报送。",
      dept === "stats" ? "统计局数据只用于多源校核，不计分。" : ""),
    table("本部门可报送的指标", [["指标代码", (i) => i.id], ["中文名称", (i) => i.name_zh], ["单位", (i) => i.unit || (i.type === "flag" ? "是/否" : "—")]], mine));
}

const SUPPORT_HELP = "支持信息文件每行一条记录，表头用字段名：credit_code、external_ref、kind、product、status、amount_wan、" +
  "rate_pct、term_months、collateral、reject_reason、occurred_on、period。同一 external_ref 再次上传即更新该记录。";

// Where each kind of upload reports (contract 2.4 and 8): a department's data file becomes batches of
// its key; a support file has one report at GET /support/files.
const ROLL_HELP = "入统企业名录每行一家企业，表头：统一社会信用代码（credit_code）、起始日期（valid_from，可空：上传当日）、" +
  "截止日期（valid_to，可空：长期有效）。园区账号只能上传本园区的名录。";

const REPORTS = {
  data: {
    async seen(key) {
      try {
        return new Set((await get("/batches", { key, limit: 50 })).items.map((b) => b.batch_id));
      } catch {
        return new Set();
      }
    },
    async fresh(key, seen) {
      return (await get("/batches", { key, limit: 10 })).items.find((b) => !seen.has(b.batch_id)) || null;
    },
  },
  support: {
    async seen(key) {
      try {
        return new Set([(await get("/support/files", { key })).batch_id]);
      } catch {
        return new Set();
      }
    },
    async fresh(key, seen) {
      try {
        const report = await get("/support/files", { key });
        return seen.has(report.batch_id) ? null : report;
      } catch (error) {
        if (error.status === 404) return null; // not written yet
        throw error;
      }
    },
  },
};
REPORTS.zone_members = REPORTS.data; // a unit list's report is a batch of its key (GET /batches?key=)

async function sendToBucket(ticket, file) {
  const form = new FormData();
  for (const [name, value] of Object.entries(ticket.fields)) form.append(name, value);
  form.append("file", file, file.name);
  let response;
  try {
    response = await fetch(ticket.url, { method: "POST", body: form });
  } catch {
    throw new Error("文件上传到存储桶失败：无法连接存储服务。");
  }
  if (!response.ok) {
    const text = await response.text();
    const code = (text.match(/<Code>([^<]+)<\/Code>/) || [])[1];
    const reason = code === "EntityTooLarge" ? `文件超过 ${Math.round(ticket.max_bytes / 1048576)} MB 上限` : code || `HTTP ${response.status}`;
    throw new Error(`文件上传到存储桶失败：${reason}。`);
  }
}

async function watch(reports, key, seen, status, out) {
  const started = Date.now();
  for (;;) {
    const fresh = await reports.fresh(key, seen);
    if (fresh) {
      clear(out, reportView(fresh));
      if (fresh.status !== "processing") {
        return clear(status, message(fresh.status === "completed" ? "ok" : "error",
          fresh.status === "completed" ? "处理完成。" : fresh.status === "rejected" ? "文件被拒收，请按下方说明修改后重新上传。" : "处理失败，系统会自动重试。"));
      }
    }
    const waited = Math.round((Date.now() - started) / 1000);
    if (Date.now() - started > GIVE_UP_MS) return clear(status, message("error", `等待 ${waited} 秒仍未处理完，请稍后查询：${key}`));
    clear(status, message("info", `文件已上传，正在校验和入库…（已等待 ${waited} 秒）`));
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

// The browser's own file button speaks the browser's language: this one is in Chinese, and the real
// input stays in it (focusable, labelled) under the styled button.
function filePicker(input) {
  const chosen = h("span", { class: "file-name muted" }, "未选择文件");
  input.addEventListener("change", () => {
    chosen.textContent = input.files[0] ? input.files[0].name : "未选择文件";
  });
  // the input inside its label: labelled implicitly (a `for` would point at the wrapper)
  return h("label", {}, "数据文件",
    h("span", { class: "file-picker" }, input, h("span", { class: "button secondary", "aria-hidden": "true" }, "选择文件…"), chosen));
}

function uploaderLabel() {
  return role() === "bank" ? "本机构" : "本单位";
}

export const upload = {
  id: "upload",
  title: "数据上报",
  menu: true,
  needs: ["POST /uploads"],
  async render(main) {
    const dept = department();
    // Support records (contract 8) are uploaded the same way, with `kind: "support"`, where the API takes it.
    const kinds = [];
    const zoneRoll = ["zone", "admin"].includes(role()) && bodyHas("POST /uploads", "zone_id");
    if (dept && can("GET /batches")) kinds.push(["data", "指标数据"]);
    if (zoneRoll) kinds.push(["zone_members", "园区入统企业名录"]);
    else if (bodyHas("POST /uploads", "kind") && can("GET /support/files")) kinds.push(["support", "支持信息（贷款、担保、补贴等）"]);
    // admin names the zone of a roll; a zone key uploads its own
    const zoneChoice = role() === "admin" && zoneRoll ? select("zone_id", await zoneChoices(), "") : null;
    if (!kinds.length) return clear(main, h("h1", {}, "数据上报"), message("error", "当前密钥的角色没有可上报的数据类型。"));
    const kind = select("kind", kinds, kinds[0][0]);
    const file = h("input", { type: "file", name: "file", accept: ".csv,.xlsx,.jsonl", required: true, "aria-describedby": "file-help" });
    const status = h("div", { id: "upload-status", "aria-live": "polite" });
    const out = h("div", { id: "upload-report" });
    const button = h("button", { type: "submit", id: "upload-button" }, "上传");
    const form = h("form", { class: "panel", onsubmit: async (e) => {
      e.preventDefault();
      const chosen = file.files[0];
      if (!chosen) return clear(status, message("error", "请先选择文件。"));
      button.disabled = true;
      clear(out);
      try {
        clear(status, message("info", "正在申请上传地址…"));
        const body = kind.value === "data" ? { filename: chosen.name } : { filename: chosen.name, kind: kind.value };
        if (zoneChoice) body.zone_id = zoneChoice.value;
        const ticket = await post("/uploads", body);
        if (chosen.size > ticket.max_bytes) throw new Error(`文件超过 ${Math.round(ticket.max_bytes / 1048576)} MB 上限，请拆分后上传。`);
        const reports = REPORTS[kind.value];
        const seen = await reports.seen(ticket.key);
        clear(status, message("info", `正在上传 ${chosen.name}（${(chosen.size / 1024).toFixed(1)} KB）…`));
        await sendToBucket(ticket, chosen);
        await watch(reports, ticket.key, seen, status, out);
      } catch (error) {
        clear(status, message("error", error.message));
      } finally {
        button.disabled = false;
      }
    } },
      h("h2", {}, `上传 ${dept ? departmentName(dept) : uploaderLabel()} 的数据文件`),
      h("p", { id: "file-help", class: "muted" }, "支持 CSV（UTF-8 或 GBK）、XLSX（第一个工作表，第一行为表头）和 JSON Lines。",
        dept ? "同一企业同一年度以最近一次上传为准，历史数据全部保留。" : "同一业务编号（external_ref）再次上传即更新该记录，历次版本全部保留。",
        "有错误的行会被拒收，其余行照常入库。"),
      h("div", { class: "row" }, kinds.length > 1 ? field("数据类型", kind) : null,
        zoneChoice ? field("园区", zoneChoice) : null, filePicker(file), button),
      status);
    clear(main, h("h1", {}, "数据上报"), form, h("div", { class: "panel" }, h("h2", {}, "批次报告"), out),
      h("div", { class: "panel" }, h("h2", {}, "文件格式"), dept ? await columnsHelp(dept) : null,
        kinds.some(([k]) => k === "support") ? h("p", {}, SUPPORT_HELP) : null,
        zoneRoll ? h("p", {}, ROLL_HELP) : null));
  },
};
