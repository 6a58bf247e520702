// Who is signed in and what the key may use: GET /me, and GET /openapi.json's `x-roles` per operation.
// A feature whose routes the API does not list (not deployed yet) or that the role may not use is hidden.

import { get } from "./api.js";

export const session = { caller: null, operations: new Map(), document: null };

export async function signIn(key) {
  const caller = await get("/me", {}, { key });
  const document = await get("/openapi.json", {}, { key });
  session.caller = caller;
  session.document = document;
  session.operations = new Map();
  for (const [path, item] of Object.entries(document.paths || {})) {
    for (const [method, op] of Object.entries(item)) {
      if (op && typeof op === "object" && "x-roles" in op) session.operations.set(shape(`${method.toUpperCase()} ${path}`), op["x-roles"]);
    }
  }
  return caller;
}

export function signOut() {
  session.caller = null;
  session.operations = new Map();
}

// "GET /policies/{policy_id}" and "GET /policies/{id}" are one route: path parameters match by position.
const shape = (operation) => operation.replace(/\{[^}]+\}/g, "{}");

function allowed(role, roles) {
  if (roles.includes("*") || roles.includes(role)) return true;
  return roles.includes("department") && role.startsWith("department:");
}

// "GET /whitelist": true when the API serves the route and the signed-in role may call it.
export function can(operation) {
  const roles = session.operations.get(shape(operation));
  return Boolean(session.caller && roles && allowed(session.caller.role, roles));
}

// True when the request body of "POST /uploads" (say) has a property `name` in the API's document: a
// field a newer API accepts and an older one would refuse.
export function bodyHas(operation, name) {
  const [method, path] = operation.split(" ");
  const op = session.document?.paths?.[path]?.[method.toLowerCase()];
  const ref = op?.requestBody?.content?.["application/json"]?.schema?.$ref;
  const schema = ref ? session.document.components?.schemas?.[ref.split("/").pop()] : null;
  return Boolean(schema?.properties && name in schema.properties);
}

export function canAll(operations) {
  return operations.every(can);
}

export const role = () => (session.caller ? session.caller.role : null);
export const isAdmin = () => role() === "admin";
export const department = () => (session.caller ? session.caller.department : null);
