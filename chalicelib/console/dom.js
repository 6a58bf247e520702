// Building DOM nodes without innerHTML: enterprise names and messages come from data, never markup.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") el.addEventListener(name.slice(2), value);
    else if (name === "class") el.className = value;
    else if (name === "dataset") Object.assign(el.dataset, value);
    else if (value === true) el.setAttribute(name, "");
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let uid = 0;
// A labelled form field: <label>text <input id=…></label>, so every input has an accessible name.
export function field(text, control) {
  if (!control.id) control.id = `f${++uid}`;
  return h("label", { for: control.id }, text, control);
}

export function select(name, options, value) {
  return h("select", { name },
    options.map(([v, text]) => h("option", { value: v, selected: String(v) === String(value ?? "") }, text)));
}

// A table with a caption and <th scope="col"> headers; `cols` are [header, (row) => cell, className?].
export function table(caption, cols, rows, empty = "暂无数据") {
  return h("div", { class: "table-wrap" },
    h("table", {},
      h("caption", {}, caption),
      h("thead", {}, h("tr", {}, cols.map(([head, , cls]) => h("th", { scope: "col", class: cls }, head)))),
      h("tbody", {}, rows.length
        ? rows.map((row) => h("tr", {}, cols.map(([, cell, cls]) => h("td", { class: cls }, cell(row)))))
        : h("tr", {}, h("td", { colspan: cols.length, class: "muted" }, empty)))));
}

export function message(kind, text) {
  return h("div", { class: `message ${kind}`, role: kind === "error" ? "alert" : "status" }, text);
}

// Times for people: the API answers ISO UTC ("2026-12-05T01:10:28.754Z"); people in Jiangxi read Beijing
// time whatever the browser's zone says: "2026-12-05 09:10". Every page shows a time through chinaTime.
const CHINA_OFFSET_MS = 8 * 3600 * 1000; // Asia/Shanghai: UTC+8, no daylight saving since 1991

// Milliseconds since the epoch of an API time (a stamp without a zone is UTC, as the API writes them).
export function utcMillis(value) {
  if (value instanceof Date) return value.getTime();
  if (typeof value === "number") return value;
  const text = String(value);
  return Date.parse(/T\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(text) ? `${text}Z` : text);
}

export function chinaTime(value) {
  if (value === null || value === undefined || value === "") return "—";
  const millis = utcMillis(value);
  if (Number.isNaN(millis)) return String(value);
  const d = new Date(millis + CHINA_OFFSET_MS);
  const two = (n) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`;
}

// A plain value as shown: numbers as the API gives them, missing as "—".
export function show(value) {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "boolean") return value ? "是" : "否";
  return String(value);
}

export function pct(fraction, digits = 1) {
  return fraction === null || fraction === undefined ? "—" : `${(fraction * 100).toFixed(digits)}%`;
}

export function download(filename, text, type = "text/csv;charset=utf-8") {
  const blob = text instanceof Blob ? text : new Blob([text], { type });
  const url = URL.createObjectURL(blob);
  const a = h("a", { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// A text cell starting with = + - @, a tab or a CR is a formula to Excel and WPS (an enterprise named
// =HYPERLINK(...) would run when the file is opened): it is written with a leading '. Numbers are not
// text cells: a negative number stays a number.
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(v) {
  if (v === null || v === undefined) return "";
  let s = String(v);
  if (typeof v !== "number" && FORMULA_START.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csv(headers, rows) {
  // BOM first: Excel opens UTF-8 CSV with Chinese correctly only with it
  return "\ufeff" + [headers, ...rows].map((r) => r.map(csvCell).join(",")).join("\r\n") + "\r\n";
}
