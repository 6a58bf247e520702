// The active scoring model (GET /model, any key), fetched once per sign-in: indicator names and units.

import { get } from "./api.js";

let cached = null;

export function activeModel() {
  if (!cached) cached = get("/model").catch((error) => { cached = null; throw error; });
  return cached;
}

export async function indicatorNames() {
  const m = await activeModel();
  return Object.fromEntries(m.indicators.map((i) => [i.id, i.name_zh]));
}
