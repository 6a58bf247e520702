// Names shown to people. Kept equal to chalicelib/domain/regions.py and the scoring model's departments
// by tests/unit/test_console_names.py.

export const CITIES = {
  "3601": "南昌市",
  "3602": "景德镇市",
  "3603": "萍乡市",
  "3604": "九江市",
  "3605": "新余市",
  "3606": "鹰潭市",
  "3607": "赣州市",
  "3608": "吉安市",
  "3609": "宜春市",
  "3610": "抚州市",
  "3611": "上饶市",
};

export const DEPARTMENTS = {
  registry: "市场监督管理局（企业登记）",
  tax: "税务局",
  amr: "市场监督管理局（知识产权局）",
  sci: "科学技术厅",
  hrss: "人力资源和社会保障厅",
  miit: "工业和信息化厅",
  finance: "地方金融管理局",
  credit: "发展和改革委员会（公共信用）",
  emergency: "应急管理厅",
  stats: "统计局",
};

// What the registry and the statistics bureau send (the model's indicators name every other source).
export const REGISTRY_COLUMNS = ["credit_code 统一社会信用代码", "name 企业名称", "established_on 成立日期",
  "region_code 行政区划代码", "industry_code 行业代码"];
export const STATS_SENDS = ["operating_revenue", "rd_expense"];

export const STAGES = { startup: "初创期", growth: "成长期", mature: "稳定期" };
export const GRADES = ["A", "B", "C", "D"];
export const ROLE_NAMES = { admin: "省级管理员", bank: "银行机构", city: "设区市科技局", zone: "园区管委会", enterprise: "企业", investor: "投资机构" };
export const ZONE_TYPES = { hitech: "高新区", econ: "经开区", new_area: "国家级新区", park: "其他开发区（园区）" };
export const ZONE_LEVELS = { national: "国家级", provincial: "省级" };

export const CATEGORY_NAMES = {
  tech_innovation: "技术创新",
  growth_operations: "成长经营",
  auxiliary: "辅助",
  characteristic: "特色加分",
  negative: "逆向扣分",
};

export const BATCH_STATUS = { processing: "处理中", completed: "已完成", rejected: "已拒收", failed: "处理失败" };

export function cityName(code) {
  return CITIES[(code || "").slice(0, 4)] || "其他";
}

export function regionLabel(code) {
  return code ? `${cityName(code)}（${code}）` : "—";
}

export function departmentName(id) {
  if (id === "derived") return "系统计算";
  if (id === "admin") return "省级管理员";
  return DEPARTMENTS[id] || id || "—";
}

export function roleName(role) {
  if (role.startsWith("department:")) return departmentName(role.slice("department:".length));
  return ROLE_NAMES[role] || role;
}

export const POLICY_KINDS = { finance: "金融", tech: "科技", talent: "人才", land: "用地", tax: "税收", other: "其他" };
export const SUPPORT_KINDS = { loan: "贷款", credit_line: "授信", guarantee: "担保", equity: "股权投资", subsidy: "补贴", project: "项目" };
export const SUPPORT_STATUS = { applied: "已申请", approved: "已批准", rejected: "已拒绝", withdrawn: "已撤回", disbursed: "已放款", repaid: "已还款" };

// The fields and operators of a policy's criteria (contract 9), as a person reads them.
const CRITERIA_FIELDS = {
  score: "积分", grade: "等级", stage: "发展阶段", whitelisted: "白名单", veto: "一票否决", completeness: "数据完整度",
  rank: "排名", region_code: "行政区划", industry_code: "行业代码", age: "企业年龄",
};
export const CRITERIA_OPS = {
  "==": "等于", "!=": "不等于", ">": "大于", ">=": "不低于", "<": "小于", "<=": "不高于",
  in: "属于", not_in: "不属于", prefix: "开头为", exists: "存在",
};

// A criteria value as a person reads it: stages by their Chinese names, flags as 是/否.
export function criteriaValue(field, value) {
  const one = (v) => (field === "stage" && STAGES[v]) || (v === true ? "是" : v === false ? "否" : String(v));
  return Array.isArray(value) ? value.map(one).join("、") : value === null || value === undefined ? "—" : one(value);
}

// `indicatorNames`: id -> Chinese name, from GET /model.
export function criteriaField(field, indicatorNames = {}) {
  if (field.startsWith("category.")) return `${CATEGORY_NAMES[field.slice(9)] || field.slice(9)}得分`;
  if (field.startsWith("indicator.")) return indicatorNames[field.slice(10)] || field.slice(10);
  return CRITERIA_FIELDS[field] || field;
}
