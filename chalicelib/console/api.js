// The one door to the API: the key from sessionStorage in X-API-Key, problem+json turned into Chinese.

const STORAGE_KEY = "innovation-points.api-key";

// The console lives at <api>/console/: the API is one folder up (a stage prefix in AWS, / locally).
export const API_ROOT = new URL("../", document.baseURI);

export function storedKey() {
  return sessionStorage.getItem(STORAGE_KEY);
}

export function storeKey(key) {
  sessionStorage.setItem(STORAGE_KEY, key);
}

export function forgetKey() {
  sessionStorage.removeItem(STORAGE_KEY);
}

export class ApiError extends Error {
  constructor(status, problem) {
    super(describe(status, problem));
    this.status = status;
    this.problem = problem || {};
    this.code = this.problem.code;
  }
}

function describe(status, problem) {
  const detail = problem && (problem.detail_zh || problem.title);
  if (status === 401) return `${detail || "API 密钥无效或已吊销"}，请重新登录。`;
  if (status === 403) return `当前密钥的角色无权进行此操作：${detail || "禁止访问"}。`;
  if (status === 404) return detail || "未找到。";
  if (status === 0) return "无法连接服务，请检查网络或本地服务是否已启动。";
  if (status === 400 && problem && problem.detail && problem.detail_zh && !problem.detail_zh.includes(problem.detail)) {
    // a validation error: the English detail names the field or path (criteria.all[2].op) exactly
    return `${problem.detail_zh}（${problem.detail}）`;
  }
  return detail || `服务返回错误（HTTP ${status}）。`;
}

export function url(path, query) {
  const u = new URL(path.replace(/^\//, ""), API_ROOT);
  for (const [k, v] of Object.entries(query || {})) {
    if (v !== undefined && v !== null && v !== "") u.searchParams.set(k, v);
  }
  return u;
}

// `listeners` hear every 401 (the sign-in page takes over).
const unauthorised = new Set();
export function onUnauthorised(fn) {
  unauthorised.add(fn);
}

export async function call(path, { method = "GET", query, body, key, raw = false, contentType } = {}) {
  const headers = { "X-API-Key": key || storedKey() || "" };
  let payload;
  if (body !== undefined) {
    headers["Content-Type"] = contentType || "application/json";
    payload = typeof body === "string" ? body : JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url(path, query), { method, headers, body: payload });
  } catch {
    throw new ApiError(0, null);
  }
  if (!response.ok) {
    let problem = null;
    try {
      problem = await response.json();
    } catch {
      problem = null;
    }
    const error = new ApiError(response.status, problem);
    if (response.status === 401 && !key) unauthorised.forEach((fn) => fn(error));
    throw error;
  }
  if (raw) return response;
  return response.status === 204 ? null : response.json();
}

export const get = (path, query, options = {}) => call(path, { ...options, query });
export const post = (path, body, options = {}) => call(path, { ...options, method: "POST", body });
export const put = (path, body, options = {}) => call(path, { ...options, method: "PUT", body });
