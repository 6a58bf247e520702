// The console's shell: sign-in, the menu the key's role may use, and a hash router over the pages.

import { ApiError, forgetKey, onUnauthorised, storeKey, storedKey } from "./api.js";
import { clear, field, h, message } from "./dom.js";
import { roleName } from "./names.js";
import { PAGES } from "./pages/index.js";
import { canAll, session, signIn, signOut } from "./session.js";

const main = document.getElementById("main");
const menu = document.getElementById("menu");
const menuList = document.getElementById("menu-list");
const who = document.getElementById("who");
const LOCAL = ["127.0.0.1", "localhost"].includes(location.hostname); // `make run`, not a deployed stage

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, "");
  const [path, query = ""] = raw.split("?");
  const [page = "", ...args] = path.split("/").map(decodeURIComponent);
  return { page, args, query: Object.fromEntries(new URLSearchParams(query)) };
}

export function go(page, args = [], query = {}) {
  const q = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== "" && v !== undefined && v !== null));
  const target = `#/${[page, ...args].map(encodeURIComponent).join("/")}${q.toString() ? `?${q}` : ""}`;
  if (location.hash === target) route();
  else location.hash = target;
}

// `roles`: a page for some roles only (an enterprise's own page), whatever else the API allows them
const visiblePages = () => PAGES.filter((p) => p.menu && canAll(p.needs) && (!p.roles || p.roles.includes(session.caller?.role)));

function renderMenu(current) {
  const pages = visiblePages();
  clear(menuList, pages.map((p) =>
    h("li", {}, h("a", { href: `#/${p.id}`, "aria-current": p.id === current ? "page" : false, dataset: { page: p.id } }, p.title))));
  menu.hidden = false;
}

function renderWho() {
  const caller = session.caller;
  clear(who, caller
    ? [h("span", { id: "role" }, `当前身份：${roleName(caller.role)}${caller.label ? `（${caller.label}）` : ""}`),
       h("button", { type: "button", id: "sign-out", onclick: () => { forgetKey(); signOut(); go("signin"); } }, "退出")]
    : []);
}

function renderSignIn(note) {
  menu.hidden = true;
  renderWho();
  const input = h("input", { type: "password", name: "api-key", autocomplete: "off", required: true,
    placeholder: "ipk_…", "aria-describedby": "key-help" });
  const status = h("div", { "aria-live": "polite" }, note ? message("error", note) : null);
  const form = h("form", { class: "panel signin", onsubmit: async (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (!key) return;
    clear(status, message("info", "正在验证密钥…"));
    try {
      await signIn(key);
      storeKey(key);
      go(visiblePages()[0]?.id || "none");
    } catch (error) {
      clear(status, message("error", error instanceof ApiError ? error.message : `登录失败：${error.message}`));
    }
  } },
    h("h1", {}, "登录"),
    h("p", { id: "key-help", class: "muted" },
      "请粘贴本单位的 API 密钥。密钥只保存在当前浏览器标签页中（会话存储），关闭标签页即失效。",
      LOCAL ? "本地环境的密钥见 .local/stack.json 中的 api_keys。" : "如需密钥，请联系省级管理员。"),
    field("API 密钥", input),
    h("p", {}, h("button", { type: "submit" }, "登录")),
    status);
  clear(main, form);
  input.focus();
}

let renders = 0; // each view is numbered: a test (or a person's script) can tell a new view from the last

async function route() {
  const { page, args, query } = parseHash();
  if (!session.caller) {
    const key = storedKey();
    if (!key) return renderSignIn();
    try {
      await signIn(key);
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) forgetKey();
      return renderSignIn(error.message);
    }
  }
  if (page === "signin") return renderSignIn();
  renderWho();
  const target = PAGES.find((p) => p.id === page);
  const allowed = visiblePages();
  if (!target && allowed.length) return go(allowed[0].id);
  renderMenu(target ? target.id : "");
  const title = target ? target.title : "江西省企业创新积分";
  document.title = `${title} · 江西省企业创新积分`;
  // Each visit renders into its own numbered view: a slow earlier page that finishes late writes into a
  // view no longer on screen, never over the page the user went to since.
  const view = h("div", { class: "view", dataset: { page: target ? target.id : "none", seq: ++renders } },
    h("p", { class: "muted" }, "正在加载…"));
  clear(main, view);
  if (!target) {
    clear(view, message("info", "当前密钥的角色在本控制台中没有可用的功能。"));
  } else if (!canAll(target.needs)) {
    clear(view, h("h1", {}, target.title), message("error", "当前密钥的角色无权使用此页面，或该功能尚未上线。"));
  } else {
    try {
      await target.render(view, { args, query, go });
    } catch (error) {
      clear(view, h("h1", {}, target.title), message("error", error instanceof ApiError ? error.message : `页面出错：${error.message}`));
    }
  }
  view.dataset.ready = "true";
  if (document.activeElement === document.body) main.focus({ preventScroll: true });
}

onUnauthorised((error) => {
  forgetKey();
  signOut();
  renderSignIn(error.message);
});

window.addEventListener("hashchange", route);
route();
