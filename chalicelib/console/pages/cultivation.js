// 梯次培育: a program's candidates (not yet holding the target, at most `max_unmet` criteria missed),
// filtered by region and zone, each criterion's actual value and gap; paging with next_token; the CSV
// of every candidate (the 培育库) as the API writes it. Also the panels the portrait shows: the
// enterprise's certificates and its standing against each program (its gaps).

import { call, get } from "../api.js";
import { clear, download, field, h, message, select, show, table } from "../dom.js";
import { CITIES, STAGES, regionLabel } from "../names.js";

const PAGE_SIZE = 50;
let programsCache = null;

export async function programs() {
  if (!programsCache) programsCache = get("/cultivation");
  return programsCache;
}

function criterionCell(c) {
  if (c.met) return h("span", { class: "badge ok", title: `门槛 ${c.op} ${c.threshold}` }, show(c.actual));
  const actual = c.actual === null ? "缺失" : show(c.actual);
  const gap = c.gap === null ? "无数据" : `差 ${show(c.gap)}`;
  return h("span", { class: "badge warn", title: `门槛 ${c.op} ${c.threshold}` }, `${actual}（${gap}）`);
}

function filterForm(list, query, onSubmit) {
  const program = select("program", list.items.map((p) => [p.program, p.name_zh]), query.program);
  const period = h("input", { type: "number", name: "period", min: 2000, max: 2100, value: query.period || "", placeholder: "最近年度" });
  const region = select("region", [["", "全部地区"], ...Object.entries(CITIES).map(([c, n]) => [c, `${n}（${c}）`])], query.region);
  const zone = h("input", { type: "text", name: "zone", value: query.zone || "", placeholder: "园区代码（可选）", size: 14 });
  const unmet = select("max_unmet", [0, 1, 2, 3, 4, 5].map((n) => [String(n), n === 0 ? "全部达标" : `最多差 ${n} 项`]), query.max_unmet || "1");
  return h("form", { class: "filters", role: "search", "aria-label": "培育候选筛选", onsubmit: (e) => {
    e.preventDefault();
    onSubmit({ program: program.value, period: period.value, region: region.value, zone: zone.value.trim(), max_unmet: unmet.value });
  } },
    field("培育方向", program), field("年度", period), field("地区", region), field("园区", zone), field("未满足条件", unmet),
    h("button", { type: "submit" }, "查询"));
}

async function exportCsv(program, filters, status) {
  const response = await call(`/cultivation/${encodeURIComponent(program)}.csv`, { query: filters, raw: true });
  const blob = await response.blob();
  download(`培育库_${program}${filters.period ? `_${filters.period}` : ""}${filters.region ? `_${filters.region}` : ""}.csv`, blob);
  clear(status, message("ok", "已导出培育候选名单（CSV，含每项条件的实际值与差距）。"));
}

export const cultivation = {
  id: "cultivation",
  title: "梯次培育",
  menu: true,
  needs: ["GET /cultivation", "GET /cultivation/{program}"],
  async render(main, { query, go }) {
    const list = await programs();
    const program = list.items.find((p) => p.program === query.program) || list.items.find((p) => p.program === "hnte") || list.items[0];
    const filters = { period: query.period, region: query.region, zone: query.zone, max_unmet: query.max_unmet || "1" };
    const tokens = query.next_token ? (query.tokens ? query.tokens.split(",") : []) : [];
    const offset = Number(query.offset || 0);
    const page = await get(`/cultivation/${encodeURIComponent(program.program)}`, { ...filters, limit: PAGE_SIZE, next_token: query.next_token });
    const rows = page.items.map((r, i) => ({ ...r, _n: offset + i + 1, _period: page.period }));
    const criteria = program.criteria;
    const columns = [
      ["序号", (r) => r._n, "num"],
      ["统一社会信用代码", (r) => h("a", { href: `#/enterprise/${r.credit_code}?period=${r._period}` }, r.credit_code)],
      ["企业名称", (r) => show(r.name)],
      ["地区", (r) => regionLabel(r.region_code)],
      ["园区", (r) => show(r.zone_id)],
      ["阶段", (r) => STAGES[r.stage] || r.stage],
      ["积分", (r) => show(r.score), "num"],
      ["未满足", (r) => h("span", { class: `badge ${r.unmet === 0 ? "ok" : "warn"}` }, `${r.unmet} 项`), "num"],
      ["接近度", (r) => show(r.closeness), "num"],
      ...criteria.map((c, i) => [`${c.name_zh}（${c.op} ${c.value ?? "分档"}）`, (r) => criterionCell(r.criteria[i])]),
    ];
    const status = h("div", { "aria-live": "polite" });
    const exportButton = h("button", { type: "button", class: "secondary", id: "export-csv", onclick: async () => {
      exportButton.disabled = true;
      try {
        await exportCsv(program.program, filters, status);
      } catch (error) {
        clear(status, message("error", error.message));
      } finally {
        exportButton.disabled = false;
      }
    } }, "导出培育库 CSV");
    const state = { program: program.program, ...filters };
    const prev = h("button", { type: "button", class: "secondary", disabled: offset === 0, onclick: () => {
      const back = tokens.slice(0, -1);
      go("cultivation", [], { ...state, next_token: back.at(-1), tokens: back.join(","), offset: Math.max(0, offset - PAGE_SIZE) });
    } }, "上一页");
    const next = h("button", { type: "button", class: "secondary", disabled: !page.next_token, onclick: () => {
      go("cultivation", [], { ...state, next_token: page.next_token, tokens: [...tokens, page.next_token].join(","), offset: offset + PAGE_SIZE });
    } }, "下一页");
    clear(main,
      h("h1", {}, `梯次培育：${program.name_zh}候选企业（${page.period} 年度）`),
      h("div", { class: "panel" },
        filterForm(list, { ...filters, program: program.program }, (f) => go("cultivation", [], f)),
        h("p", { class: "muted" }, `尚未取得“${program.target_name_zh}”资质、且最多有 ${filters.max_unmet} 项条件未满足的企业，`
          + "按未满足条件数从少到多、接近度从高到低排列；每格为实际值，未满足的注明差距。"),
        h("div", { class: "row" }, exportButton, status),
        table(`${program.name_zh}培育候选企业及各项条件差距`, columns, rows, "没有符合条件的候选企业"),
        h("div", { class: "pager", role: "navigation", "aria-label": "分页" }, prev,
          h("span", { class: "muted" }, rows.length ? `第 ${offset + 1}–${offset + rows.length} 家` : ""), next)));
  },
};

// --- the portrait's panels -------------------------------------------------------------------------

export function qualificationsPanel(items) {
  return h("div", { class: "panel", id: "qualifications" }, h("h2", {}, "资质（梯次培育）"),
    table("企业取得的资质证书；“本年度有效”按所选年度 12 月 31 日判断", [
      ["资质", (q) => q.name_zh], ["证书编号", (q) => q.certificate_no], ["起始日期", (q) => q.valid_from],
      ["截止日期", (q) => q.valid_to],
      ["本年度有效", (q) => h("span", { class: `badge ${q.held ? "ok" : "warn"}` }, q.held ? "有效" : "已过期或未生效")],
    ], items || [], "暂无资质记录"));
}

export async function standingPanel(code, period) {
  const panel = h("div", { class: "panel", id: "cultivation-gaps" }, h("h2", {}, "梯次培育差距"), h("p", { class: "muted" }, "正在加载…"));
  Promise.all([get(`/enterprises/${encodeURIComponent(code)}/cultivation`, { period }), programs()]).then(([mine, list]) => {
    const names = Object.fromEntries(list.items.map((p) => [p.program, p.name_zh]));
    clear(panel, h("h2", {}, "梯次培育差距"),
      ...mine.programs.map((p) => h("div", { class: "standing", dataset: { program: p.program } },
        h("h3", {}, `${names[p.program] || p.program}：${p.held ? "已取得" : p.unmet === 0 ? "各项条件均已满足" : `还差 ${p.unmet} 项`}（接近度 ${show(p.closeness)}）`),
        table(`${names[p.program] || p.program}的各项条件`, [
          ["条件", (c) => c.name_zh], ["门槛", (c) => `${c.op} ${show(c.threshold)}`], ["实际值", (c) => c.actual === null ? "缺失" : show(c.actual), "num"],
          ["是否满足", (c) => h("span", { class: `badge ${c.met ? "ok" : "warn"}` }, c.met ? "满足" : "未满足")],
          ["差距", (c) => (c.gap === null ? "无数据" : show(c.gap)), "num"],
        ], p.criteria))));
  }).catch((e) => clear(panel, h("h2", {}, "梯次培育差距"), message("error", e.message)));
  return panel;
}
