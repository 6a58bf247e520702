// 白名单: filters by region, stage and grade, paging with next_token, CSV export of every page.

import { get } from "../api.js";
import { clear, csv, download, field, h, message, select, show, table } from "../dom.js";
import { GRADES, STAGES, regionLabel } from "../names.js";
import { regionChoices, zoneCatalogue, zoneChoices, zoneFields } from "../zones.js";

let zoneNames = {};
const zoneName = (id) => (id ? zoneNames[id] || id : "—");

const PAGE_SIZE = 50;
const EXPORT_LIMIT = 20000; // rows: a province's whitelist is a few thousand

function filterForm(query, onSubmit, zoneChoiceList = []) {
  const period = h("input", { type: "number", name: "period", min: 2000, max: 2100, value: query.period || "", placeholder: "最近年度" });
  const region = select("region", regionChoices(), query.region);
  const zone = zoneFields(zoneChoiceList, query);
  const stage = select("stage", [["", "全部阶段"], ...Object.entries(STAGES)], query.stage);
  const grade = select("grade", [["", "全部等级"], ...GRADES.map((g) => [g, `${g} 级`])], query.grade);
  return h("form", { class: "filters", role: "search", "aria-label": "白名单筛选", onsubmit: (e) => {
    e.preventDefault();
    onSubmit({ period: period.value, region: region.value, stage: stage.value, grade: grade.value, ...zone.values() });
  } },
    field("年度", period), field("地区", region), ...zone.fields, field("发展阶段", stage), field("等级", grade),
    h("button", { type: "submit" }, "查询"));
}

export const COLUMNS = [
  ["序号", (r) => r._n, "num"],
  ["统一社会信用代码", (r) => h("a", { href: `#/enterprise/${r.credit_code}?period=${r._period}` }, r.credit_code)],
  ["企业名称", (r) => show(r.name)],
  ["地区", (r) => regionLabel(r.region_code)],
  ["所属园区", (r) => zoneName(r.zone_id)],
  ["行业代码", (r) => show(r.industry_code)],
  ["发展阶段", (r) => STAGES[r.stage] || r.stage],
  ["积分", (r) => show(r.score), "num"],
  ["等级", (r) => h("span", { class: "grade" }, r.grade)],
];

async function exportAll(filters, status) {
  const rows = [];
  let token;
  let period;
  do {
    const page = await get("/whitelist", { ...filters, limit: 500, next_token: token });
    period = page.period;
    rows.push(...page.items);
    token = page.next_token;
    clear(status, message("info", `正在导出：已读取 ${rows.length} 家企业…`));
  } while (token && rows.length < EXPORT_LIMIT);
  const text = csv(["年度", "统一社会信用代码", "企业名称", "行政区划代码", "地区", "行业代码", "发展阶段", "积分", "等级"],
    rows.map((r) => [period, r.credit_code, r.name, r.region_code, regionLabel(r.region_code), r.industry_code, STAGES[r.stage] || r.stage, r.score, r.grade]));
  download(`白名单_${period}${filters.region ? `_${filters.region}` : ""}.csv`, text);
  clear(status, message("ok", `已导出 ${rows.length} 家企业${token ? `（超过 ${EXPORT_LIMIT} 家，只导出前 ${EXPORT_LIMIT} 家）` : ""}。`));
}

export const whitelist = {
  id: "whitelist",
  title: "白名单",
  menu: true,
  needs: ["GET /whitelist"],
  async render(main, { query, go }) {
    const filters = { period: query.period, region: query.region, stage: query.stage, grade: query.grade,
      zone: query.zone, zone_type: query.zone_type };
    const zoneChoiceList = await zoneChoices();
    zoneNames = Object.fromEntries((await zoneCatalogue()).map((z) => [z.zone_id, z.name_zh]));
    const tokens = query.next_token ? query.tokens ? query.tokens.split(",") : [] : [];
    const size = Number(query.limit) || PAGE_SIZE;
    if (query.limit) filters.limit = query.limit;
    const page = await get("/whitelist", { ...filters, limit: size, next_token: query.next_token });
    const offset = Number(query.offset || 0);
    const rows = page.items.map((r, i) => ({ ...r, _n: offset + i + 1, _period: page.period }));
    const status = h("div", { "aria-live": "polite" });
    const exportButton = h("button", { type: "button", class: "secondary", id: "export-csv", onclick: async () => {
      exportButton.disabled = true;
      try {
        await exportAll(filters, status);
      } catch (error) {
        clear(status, message("error", error.message));
      } finally {
        exportButton.disabled = false;
      }
    } }, "导出 CSV");
    const prev = h("button", { type: "button", class: "secondary", disabled: offset === 0, onclick: () => {
      const back = tokens.slice(0, -1);
      go("whitelist", [], { ...filters, next_token: back.at(-1), tokens: back.join(","), offset: Math.max(0, offset - size) });
    } }, "上一页");
    const next = h("button", { type: "button", class: "secondary", disabled: !page.next_token, onclick: () => {
      const forward = [...tokens, page.next_token];
      go("whitelist", [], { ...filters, next_token: page.next_token, tokens: forward.join(","), offset: offset + size });
    } }, "下一页");
    clear(main,
      h("h1", {}, `白名单（${page.period} 年度）`),
      h("div", { class: "panel" },
        filterForm(filters, (f) => go("whitelist", [], f), zoneChoiceList),
        h("div", { class: "row" }, exportButton, status),
        table(`${page.period} 年度白名单企业，按积分从高到低`, COLUMNS, rows, "没有符合条件的企业"),
        h("div", { class: "pager", role: "navigation", "aria-label": "分页" }, prev,
          h("span", { class: "muted" }, rows.length ? `第 ${offset + 1}–${offset + rows.length} 家` : ""), next)));
  },
};
