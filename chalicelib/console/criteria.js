// The criteria builder of policies and products (contract 9): rows of field, operator and value chosen from
// lists, in "all" / "any" groups and "not" boxes; the JSON kept as an advanced view. A 400's faulty path
// (criteria.all[2].any[0].op) is shown on the row it names.

import { clear, h, message } from "./dom.js";
import { CATEGORY_NAMES, CRITERIA_OPS, GRADES, STAGES } from "./names.js";

// The fields every card has (contract 9), with their kind and Chinese label.
const BASE = [
  ["score", "number", "积分"], ["grade", "grade", "等级"], ["stage", "stage", "发展阶段"],
  ["whitelisted", "flag", "白名单"], ["veto", "flag", "一票否决"], ["completeness", "number", "数据完整度（0–1）"],
  ["rank", "number", "阶段内排名"], ["region_code", "text", "行政区划代码"], ["industry_code", "text", "行业代码"],
  ["age", "number", "企业年龄（年）"],
];
const OPS_BY_KIND = {
  number: ["==", "!=", ">", ">=", "<", "<=", "in", "not_in", "exists"],
  text: ["==", "!=", "in", "not_in", "prefix", "exists"],
  stage: ["==", "!=", "in", "not_in", "exists"],
  grade: ["==", "!=", "in", "not_in", "exists"],
  flag: ["==", "!=", "exists"],
};
const LISTS = new Set(["in", "not_in", "prefix"]);
const GROUPS = { all: "全部满足", any: "任一满足" };

// Every field criteria may name, from GET /model: [{id, kind, label, group}].
export function criteriaFields(model) {
  const fields = BASE.map(([id, kind, label]) => ({ id, kind, label, group: "基本信息" }));
  for (const c of model.categories || []) {
    fields.push({ id: `category.${c.id}`, kind: "number", label: `${CATEGORY_NAMES[c.id] || c.name_zh || c.id}得分`, group: "类别得分" });
  }
  for (const i of model.indicators || []) {
    if (i.kind === "input") continue; // input-only values are not on the card (contract 13.1)
    fields.push({ id: `indicator.${i.id}`, kind: i.type === "flag" ? "flag" : "number", label: `${i.name_zh}${i.unit ? `（${i.unit}）` : ""}`, group: "指标" });
  }
  return fields;
}

const isGroup = (node) => node && typeof node === "object" && !Array.isArray(node) && ("all" in node || "any" in node);
const isNot = (node) => node && typeof node === "object" && !Array.isArray(node) && "not" in node;

function defaultValue(kind, op) {
  if (op === "exists") return true;
  if (LISTS.has(op)) return kind === "stage" ? ["startup"] : kind === "grade" ? ["A"] : [];
  if (kind === "flag") return true;
  if (kind === "stage") return "growth";
  if (kind === "grade") return "A";
  if (kind === "number") return 0;
  return "";
}

function newLeaf(fields) {
  const f = fields[0];
  return { field: f.id, op: OPS_BY_KIND[f.kind][0], value: defaultValue(f.kind, OPS_BY_KIND[f.kind][0]) };
}

// The editor: `initial` a criteria tree; returns { el, value(), showFault(path) }.
export function criteriaEditor(initial, { fields, disabled = false, label = "匹配条件" }) {
  const byId = new Map(fields.map((f) => [f.id, f]));
  let tree = JSON.parse(JSON.stringify(initial || { all: [newLeaf(fields)] }));
  if (!isGroup(tree)) tree = { all: [tree] };
  const builder = h("div", { class: "criteria-builder", id: "criteria-builder" });
  const json = h("textarea", { name: "criteria", spellcheck: "false", disabled, "aria-describedby": "criteria-help" });
  const advanced = h("div", { class: "criteria-json", hidden: true }, h("label", { for: "criteria-json" }, "匹配条件（JSON）"), json);
  json.id = "criteria-json";
  const note = h("div", { "aria-live": "polite" });
  let jsonOpen = false;

  const toggle = h("button", { type: "button", class: "secondary", id: "criteria-toggle", onclick: () => {
    if (jsonOpen) {
      try {
        const parsed = JSON.parse(json.value);
        tree = isGroup(parsed) ? parsed : { all: [parsed] };
      } catch (error) {
        return clear(note, message("error", `JSON 有误，无法切换回条件构建器：${error.message}`));
      }
    } else {
      json.value = JSON.stringify(tree, null, 2);
    }
    jsonOpen = !jsonOpen;
    advanced.hidden = !jsonOpen;
    builder.hidden = jsonOpen;
    toggle.textContent = jsonOpen ? "返回条件构建器" : "JSON 高级视图";
    clear(note);
    render();
  } }, "JSON 高级视图");

  function leafRow(node, path, remove) {
    const known = byId.get(node.field);
    const kind = known ? known.kind : "text";
    const fieldSelect = h("select", { "aria-label": "字段", disabled, dataset: { role: "field" } },
      known ? null : h("option", { value: node.field, selected: true }, `（未知字段）${node.field}`),
      Object.entries(groupBy(fields)).map(([group, items]) => h("optgroup", { label: group },
        items.map((f) => h("option", { value: f.id, selected: f.id === node.field }, f.label)))));
    fieldSelect.addEventListener("change", () => {
      const f = byId.get(fieldSelect.value);
      node.field = f.id;
      if (!OPS_BY_KIND[f.kind].includes(node.op)) node.op = OPS_BY_KIND[f.kind][0];
      node.value = defaultValue(f.kind, node.op);
      render();
    });
    const ops = OPS_BY_KIND[kind].includes(node.op) ? OPS_BY_KIND[kind] : [node.op, ...OPS_BY_KIND[kind]];
    const opSelect = h("select", { "aria-label": "运算", disabled, dataset: { role: "op" } },
      ops.map((op) => h("option", { value: op, selected: op === node.op }, CRITERIA_OPS[op] || op)));
    opSelect.addEventListener("change", () => {
      const wasList = LISTS.has(node.op);
      node.op = opSelect.value;
      if (node.op === "exists" || wasList !== LISTS.has(node.op) || kind === "flag") node.value = defaultValue(kind, node.op);
      render();
    });
    return h("div", { class: "criteria-row", dataset: { path } },
      fieldSelect, opSelect, valueInput(node, kind),
      disabled ? null : h("button", { type: "button", class: "link", "aria-label": "删除此条件", onclick: remove }, "删除"));
  }

  function valueInput(node, kind) {
    const set = (v) => { node.value = v; };
    if (node.op === "exists" || kind === "flag") {
      const s = h("select", { "aria-label": "取值", disabled, dataset: { role: "value" } },
        h("option", { value: "true", selected: node.value === true }, node.op === "exists" ? "有值" : "是"),
        h("option", { value: "false", selected: node.value === false }, node.op === "exists" ? "无值" : "否"));
      s.addEventListener("change", () => set(s.value === "true"));
      return s;
    }
    const choices = kind === "stage" ? Object.entries(STAGES) : kind === "grade" ? GRADES.map((g) => [g, `${g} 级`]) : null;
    if (choices && LISTS.has(node.op)) {
      const chosen = new Set(Array.isArray(node.value) ? node.value : []);
      return h("span", { class: "criteria-choices", role: "group", "aria-label": "取值" }, choices.map(([v, text]) => {
        const box = h("input", { type: "checkbox", value: v, checked: chosen.has(v), disabled, "aria-label": text });
        box.addEventListener("change", () => {
          if (box.checked) chosen.add(v); else chosen.delete(v);
          set(choices.map(([c]) => c).filter((c) => chosen.has(c)));
        });
        return h("label", {}, box, text);
      }));
    }
    if (choices) {
      const s = h("select", { "aria-label": "取值", disabled, dataset: { role: "value" } },
        choices.map(([v, text]) => h("option", { value: v, selected: v === node.value }, text)));
      s.addEventListener("change", () => set(s.value));
      return s;
    }
    if (LISTS.has(node.op)) {
      const input = h("input", { "aria-label": "取值（多个用逗号分隔）", disabled, size: 24, dataset: { role: "value" },
        value: Array.isArray(node.value) ? node.value.join(",") : String(node.value ?? ""), placeholder: "如 3601,3607" });
      input.addEventListener("input", () => {
        const parts = input.value.split(/[,，、\s]+/).filter(Boolean);
        set(kind === "number" ? parts.map(Number) : parts);
      });
      return input;
    }
    const input = h("input", { "aria-label": "取值", disabled, size: 12, dataset: { role: "value" },
      type: kind === "number" ? "number" : "text", step: kind === "number" ? "any" : null, value: node.value ?? "" });
    input.addEventListener("input", () => set(kind === "number" && input.value !== "" ? Number(input.value) : input.value));
    return input;
  }

  function nodeView(node, path, remove) {
    if (isGroup(node)) return groupView(node, path, remove);
    if (isNot(node)) {
      return h("div", { class: "criteria-not", dataset: { path } },
        h("div", { class: "criteria-head" }, h("strong", {}, "不满足以下条件"),
          disabled || !remove ? null : h("button", { type: "button", class: "link", onclick: remove }, "删除")),
        nodeView(node.not, `${path}.not`, null));
    }
    return leafRow(node, path, remove);
  }

  function groupView(node, path, remove) {
    const key = "all" in node ? "all" : "any";
    const children = Array.isArray(node[key]) ? node[key] : [];
    const mode = h("select", { "aria-label": "组合方式", disabled },
      Object.entries(GROUPS).map(([k, text]) => h("option", { value: k, selected: k === key }, text)));
    mode.addEventListener("change", () => {
      const kids = node[key];
      delete node[key];
      node[mode.value] = kids;
      render();
    });
    const add = (make) => () => { children.push(make()); node[key] = children; render(); };
    return h("fieldset", { class: "criteria-group", dataset: { path } },
      h("legend", {}, mode, "以下条件"),
      children.map((child, i) => nodeView(child, `${path}.${key}[${i}]`, () => { children.splice(i, 1); render(); })),
      disabled ? null : h("div", { class: "criteria-actions" },
        h("button", { type: "button", class: "secondary", onclick: add(() => newLeaf(fields)) }, "＋ 条件"),
        h("button", { type: "button", class: "secondary", onclick: add(() => ({ any: [newLeaf(fields)] })) }, "＋ 条件组"),
        h("button", { type: "button", class: "secondary", onclick: add(() => ({ not: newLeaf(fields) })) }, "＋ 不满足"),
        remove ? h("button", { type: "button", class: "link", onclick: remove }, "删除此组") : null));
  }

  function render() {
    clear(builder, groupView(tree, "criteria", null));
  }

  render();
  const el = h("div", { class: "criteria-editor" },
    h("div", { class: "criteria-bar" }, h("strong", {}, label), toggle),
    builder, advanced, note);
  return {
    el,
    value() {
      if (!jsonOpen) return JSON.parse(JSON.stringify(tree));
      try {
        return JSON.parse(json.value);
      } catch (error) {
        throw new Error(`匹配条件不是合法的 JSON：${error.message}`);
      }
    },
    // Mark the row a 400 INVALID_CRITERIA names (its detail starts with the path).
    showFault(detail) {
      for (const marked of el.querySelectorAll(".fault")) marked.classList.remove("fault");
      for (const old of el.querySelectorAll(".criteria-fault")) old.remove();
      const path = String(detail || "").split(/[:：\s]/)[0];
      if (!path.startsWith("criteria") || jsonOpen) return false;
      let best = null;
      for (const node of el.querySelectorAll("[data-path]")) {
        const p = node.dataset.path;
        if ((path === p || path.startsWith(`${p}.`) || path.startsWith(`${p}[`)) && (!best || p.length > best.dataset.path.length)) best = node;
      }
      if (!best) return false;
      best.classList.add("fault");
      const part = path.slice(best.dataset.path.length + 1);
      const control = best.querySelector(`:scope > [data-role="${part}"]`);
      if (control) control.setAttribute("aria-invalid", "true");
      best.append(h("div", { class: "criteria-fault", role: "alert" }, `此处有误：${detail}`));
      return true;
    },
  };
}

function groupBy(fields) {
  const out = {};
  for (const f of fields) (out[f.group] ||= []).push(f);
  return out;
}
