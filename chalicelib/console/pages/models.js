// 模型版本: every version; a candidate's backtest (who enters and leaves the whitelist) and activation.

import { get, post } from "../api.js";
import { chinaTime, clear, field, h, message, show, table } from "../dom.js";
import { CATEGORY_NAMES, CITIES } from "../names.js";
import { can, isAdmin } from "../session.js";

const STATUS = { active: "生效中", candidate: "候选", retired: "已退役" };
const POLL_MS = 1500;

async function followJob(jobId, progress, status) {
  for (;;) {
    const job = await get(`/jobs/${encodeURIComponent(jobId)}`);
    progress.max = job.total || 1;
    progress.value = job.done || 0;
    if (job.status !== "running") return job;
    clear(status, message("info", `运行中：${show(job.done)} / ${show(job.total)}`));
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

function backtestView(r) {
  const list = (codes) => (codes && codes.length ? codes.map((c) => h("a", { href: `#/enterprise/${c}` }, c)).flatMap((a) => [a, " "]) : "—");
  const delta = r.score_delta || {};
  return [
    h("dl", { class: "facts", id: "backtest-result" },
      h("dt", {}, "参评企业"), h("dd", {}, show(r.enterprises)),
      h("dt", {}, "积分变化的企业"), h("dd", {}, show(r.changed)),
      h("dt", {}, "等级变化"), h("dd", {}, show(r.grade_changed)),
      h("dt", {}, "积分变化（平均/最小/最大）"), h("dd", {}, `${show(delta.mean)} / ${show(delta.min)} / ${show(delta.max)}`),
      h("dt", {}, `新进入白名单（${(r.entered || []).length}）`), h("dd", {}, list(r.entered)),
      h("dt", {}, `退出白名单（${(r.left || []).length}）`), h("dd", {}, list(r.left))),
    table("按设区市", [["地区", ([k]) => CITIES[k] || k], ["新进入", ([, v]) => v.entered, "num"], ["退出", ([, v]) => v.left, "num"], ["积分变化", ([, v]) => v.changed, "num"]],
      Object.entries(r.by_region || {})),
  ];
}

function versionView(m, go) {
  const status = h("div", { "aria-live": "polite" });
  const progress = h("progress", { value: 0, max: 1, "aria-label": "任务进度" });
  const out = h("div", {});
  const period = h("input", { type: "number", name: "period", min: 2000, max: 2100, value: new Date().getFullYear() - 1, required: true });
  const actions = [];
  if (isAdmin() && can("POST /models/{version}/backtest") && m.status !== "active") {
    actions.push(h("form", { class: "filters", onsubmit: async (e) => {
      e.preventDefault();
      try {
        const { job_id: jobId } = await post(`/models/${encodeURIComponent(m.version)}/backtest`, { period: Number(period.value) });
        const job = await followJob(jobId, progress, status);
        if (job.status === "succeeded") {
          clear(status, message("ok", "回测完成（未写入任何积分）。"));
          clear(out, backtestView(job.result || {}));
        } else clear(status, message("error", "回测失败。"));
      } catch (error) {
        clear(status, message("error", error.message));
      }
    } }, field("回测年度", period), h("button", { type: "submit" }, "回测（与生效模型对比）"), progress));
  }
  if (isAdmin() && can("POST /models/{version}/activate") && m.status === "candidate") {
    actions.push(h("button", { type: "button", class: "danger", onclick: async () => {
      if (!confirm(`启用 ${m.version} 后将按新模型重算全部企业。确定启用？`)) return;
      try {
        const { job_id: jobId } = await post(`/models/${encodeURIComponent(m.version)}/activate`, {});
        const job = await followJob(jobId, progress, status);
        clear(status, message(job.status === "succeeded" ? "ok" : "error", job.status === "succeeded" ? "已启用，全部企业已重算。" : "启用任务失败。"));
      } catch (error) {
        clear(status, message("error", error.message));
      }
    } }, "启用此版本"));
  }
  return [
    h("p", {}, h("a", { href: "#/models" }, "← 返回模型列表"), `　状态：${STATUS[m.status] || m.status}　创建时间：${chinaTime(m.created_at)}`),
    h("div", { class: "panel" }, h("h2", {}, "回测与启用"), actions.length ? actions : h("p", { class: "muted" }, "生效中的模型无需回测。"), status, out),
    h("div", { class: "panel" }, h("h2", {}, "指标与权重"), table("指标", [
      ["指标代码", (i) => i.id], ["中文名称", (i) => i.name_zh], ["类别", (i) => CATEGORY_NAMES[i.category] || show(i.category)], ["单位", (i) => show(i.unit)],
      ["满分值（初创/成长/稳定）", (i) => (i.full ? `${i.full.startup} / ${i.full.growth} / ${i.full.mature}` : "—")],
      ["权重（初创/成长/稳定）", (i) => (i.weight ? `${i.weight.startup} / ${i.weight.growth} / ${i.weight.mature}` : show(i.points))],
    ], m.indicators || [])),
  ];
}

function uploadCandidate(go) {
  const text = h("textarea", { name: "model", spellcheck: "false", placeholder: "粘贴模型文件（YAML），格式同生效模型" });
  const status = h("div", { "aria-live": "polite" });
  return h("form", { class: "panel", onsubmit: async (e) => {
    e.preventDefault();
    try {
      const created = await post("/models", text.value, { contentType: "application/yaml" });
      go("models", [created.version]);
    } catch (error) {
      const errors = (error.problem && error.problem.errors) || [];
      clear(status, message("error", error.message), errors.length
        ? table("模型文件的错误", [["行", (x) => show(x.line ?? x.path)], ["说明", (x) => x.message]], errors) : null);
    }
  } }, h("h2", {}, "新增候选模型"), field("模型文件（YAML）", text), h("p", {}, h("button", { type: "submit" }, "提交为候选")), status);
}

export const models = {
  id: "models",
  title: "模型版本",
  menu: true,
  needs: ["GET /models", "GET /models/{version}"],
  async render(main, { args, go }) {
    if (args[0]) {
      const m = await get(`/models/${encodeURIComponent(args[0])}`);
      return clear(main, h("h1", {}, `模型 ${m.version}`), versionView(m, go));
    }
    const page = await get("/models");
    clear(main, h("h1", {}, "模型版本"),
      h("div", { class: "panel" }, table("全部模型版本", [
        ["版本", (m) => h("a", { href: `#/models/${encodeURIComponent(m.version)}` }, m.version)], ["名称", (m) => show(m.name_zh)],
        ["状态", (m) => STATUS[m.status] || m.status], ["创建时间", (m) => chinaTime(m.created_at)],
      ], page.items || [])),
      isAdmin() && can("POST /models") ? uploadCandidate(go) : null);
  },
};
