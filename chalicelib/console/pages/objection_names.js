// Objections (异议, contract 16) as people read them: statuses, fields, values.

import { CATEGORY_NAMES } from "../names.js";

export const OBJECTION_STATUS = { open: "待答复", corrected: "已更正", rejected: "已驳回", withdrawn: "已撤回" };
export const MASTER_FIELDS = { name: "企业名称", established_on: "成立日期", region_code: "行政区划代码", industry_code: "行业代码" };
export const COHORT_KINDS = { stage: "同阶段", industry: "同行业", city: "同城市", zone: "同园区" };
export { CATEGORY_NAMES };

// "indicator.rd_expense" -> 研发费用总额; "master.name" -> 企业名称（登记信息）
export function objectionField(field, names = {}) {
  if (field.startsWith("master.")) return `${MASTER_FIELDS[field.slice(7)] || field.slice(7)}（登记信息）`;
  if (field.startsWith("indicator.")) return names[field.slice(10)] || field.slice(10);
  return field;
}

export function objectionValue(value) {
  return value === null || value === undefined ? "（应为空）" : String(value);
}
