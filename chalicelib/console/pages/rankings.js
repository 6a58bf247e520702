// 积分排名: every scored enterprise (not only the whitelist) ranked within the filtered set.

import { get } from "../api.js";
import { clear, field, h, select, show, table } from "../dom.js";
import { STAGES, regionLabel } from "../names.js";
import { regionChoices, zoneCatalogue, zoneChoices, zoneFields } from "../zones.js";

const PAGE_SIZE = 50;

export const rankings = {
  id: "rankings",
  title: "积分排名",
  menu: true,
  needs: ["GET /rankings"],
  async render(main, { query, go }) {
    const filters = { period: query.period, region: query.region, stage: query.stage, industry: query.industry,
      zone: query.zone, zone_type: query.zone_type };
    const zone = zoneFields(await zoneChoices(), query);
    const zoneNames = Object.fromEntries((await zoneCatalogue()).map((z) => [z.zone_id, z.name_zh]));
    const size = Number(query.limit) || PAGE_SIZE;
    const page = await get("/rankings", { ...filters, limit: size, next_token: query.next_token });
    const tokens = query.tokens ? query.tokens.split(",") : [];
    const period = h("input", { type: "number", name: "period", min: 2000, max: 2100, value: query.period || "", placeholder: "最近年度" });
    const region = select("region", regionChoices(), query.region);
    const stage = select("stage", [["", "全部阶段（合并排名）"], ...Object.entries(STAGES)], query.stage);
    const industry = h("input", { name: "industry", value: query.industry || "", size: 6, placeholder: "如 C39", pattern: "[A-Ta-t][0-9]{0,4}" });
    const form = h("form", { class: "filters", role: "search", "aria-label": "排名筛选", onsubmit: (e) => {
      e.preventDefault();
      go("rankings", [], { period: period.value, region: region.value, stage: stage.value, industry: industry.value.trim().toUpperCase(), ...zone.values() });
    } }, field("年度", period), field("地区", region), ...zone.fields, field("发展阶段", stage), field("行业代码（前缀）", industry),
      h("button", { type: "submit" }, "查询"));
    const move = (token, back) => {
      const next = back ? tokens.slice(0, -1) : [...tokens, token];
      go("rankings", [], { ...filters, limit: query.limit, next_token: back ? next.at(-1) : token, tokens: next.join(",") });
    };
    clear(main,
      h("h1", {}, `积分排名（${page.period} 年度）`),
      h("div", { class: "panel" }, form,
        table(`${page.period} 年度积分排名${query.stage ? `（${STAGES[query.stage]}）` : ""}`, [
          ["名次", (r) => r.rank, "num"],
          ["统一社会信用代码", (r) => h("a", { href: `#/enterprise/${r.credit_code}?period=${page.period}` }, r.credit_code)],
          ["企业名称", (r) => show(r.name)], ["地区", (r) => regionLabel(r.region_code)],
          ["所属园区", (r) => (r.zone_id ? zoneNames[r.zone_id] || r.zone_id : "—")], ["行业代码", (r) => show(r.industry_code)],
          ["发展阶段", (r) => STAGES[r.stage] || r.stage], ["积分", (r) => show(r.score), "num"], ["等级", (r) => r.grade],
          ["白名单", (r) => h("span", { class: `badge ${r.whitelisted ? "ok" : ""}` }, r.whitelisted ? "是" : "否")],
        ], page.items, "没有符合条件的企业"),
        h("div", { class: "pager", role: "navigation", "aria-label": "分页" },
          h("button", { type: "button", class: "secondary", disabled: !query.next_token, onclick: () => move(null, true) }, "上一页"),
          h("button", { type: "button", class: "secondary", disabled: !page.next_token, onclick: () => move(page.next_token, false) }, "下一页"))));
  },
};
