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
export const ROLE_NAMES = { admin: "省级管理员", bank: "银行机构" };

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
  return DEPARTMENTS[id] || id || "—";
}

export function roleName(role) {
  if (role.startsWith("department:")) return departmentName(role.slice("department:".length));
  return ROLE_NAMES[role] || role;
}
