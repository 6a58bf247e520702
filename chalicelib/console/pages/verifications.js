// 多源校核: where the statistics bureau's figures differ from the scored ones by more than 20 %.

import { get } from "../api.js";
import { clear, field, h, show, table } from "../dom.js";
import { indicatorNames } from "../model.js";
import { departmentName, regionLabel } from "../names.js";

export const verifications = {
  id: "verifications",
  title: "多源校核",
  menu: true,
  needs: ["GET /verifications"],
  async render(main, { query, go }) {
    const [page, names] = await Promise.all([
      get("/verifications", { period: query.period, limit: 200, next_token: query.next_token }),
      indicatorNames(),
    ]);
    const period = h("input", { type: "number", name: "period", min: 2000, max: 2100, value: query.period || "", placeholder: "最近年度" });
    const rows = page.items.flatMap((e) => e.discrepancies.map((d) => ({ ...d, enterprise: e })));
    clear(main,
      h("h1", {}, `多源校核（${page.period} 年度）`),
      h("div", { class: "panel" },
        h("form", { class: "filters", onsubmit: (e) => { e.preventDefault(); go("verifications", [], { period: period.value }); } },
          field("年度", period), h("button", { type: "submit" }, "查询")),
        h("p", { class: "muted" }, "统计局报送的数据与计分所用数据相差超过 20% 的企业和指标，供核实。"),
        table("校核差异", [
          ["统一社会信用代码", (d) => h("a", { href: `#/enterprise/${d.enterprise.credit_code}?period=${page.period}` }, d.enterprise.credit_code)],
          ["企业名称", (d) => show(d.enterprise.name)], ["地区", (d) => regionLabel(d.enterprise.region_code)],
          ["指标", (d) => names[d.indicator] || d.indicator], ["年度", (d) => d.period], ["计分值", (d) => show(d.scored_value), "num"],
          ["计分来源", (d) => departmentName(d.scored_department)], ["统计局值", (d) => show(d.stats_value), "num"],
          ["差异", (d) => `${d.gap_pct}%`, "num"],
        ], rows, "没有超过 20% 的差异"),
        page.next_token
          ? h("p", {}, h("button", { type: "button", class: "secondary", onclick: () => go("verifications", [], { period: query.period, next_token: page.next_token }) }, "下一页"))
          : null));
  },
};
