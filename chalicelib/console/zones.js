// Zone filters of the lists (contract 14): the catalogue (GET /zones, read once a session) narrowed to what
// the signed-in key may name (a city key: the zones of its city; a zone key: its own), and the region
// choices a city key may name.

import { get } from "./api.js";
import { field, select } from "./dom.js";
import { CITIES, ZONE_TYPES } from "./names.js";
import { can, session } from "./session.js";

let catalogue = null;

export async function zoneCatalogue() {
  if (!catalogue && can("GET /zones")) catalogue = (await get("/zones")).items.filter((z) => z.status === "active");
  return catalogue || [];
}

export const area = () => (session.caller && session.caller.area) || { kind: "province", key: null };

// The zones the key may filter by, as [id, label] choices.
export async function zoneChoices() {
  const { kind, key } = area();
  const zones = (await zoneCatalogue()).filter((z) => kind !== "city" || z.city_codes.includes(key));
  if (kind === "zone") return zones.filter((z) => z.zone_id === key).map((z) => [z.zone_id, z.name_zh]);
  return zones.map((z) => [z.zone_id, `${z.name_zh}（${z.zone_id}）`]);
}

// The region choices: the whole province and its cities; a city key its own city; a zone key none.
export function regionChoices() {
  const { kind, key } = area();
  if (kind === "city") return [[key, `${CITIES[key]}（${key}）`]];
  if (kind === "zone") return [["", "本园区"]];
  return [["", "全省"], ...Object.entries(CITIES).map(([c, n]) => [c, `${n}（${c}）`])];
}

// The zone and zone-type fields of a filter form (a zone key has no choice to make: none).
export function zoneFields(choices, query) {
  if (area().kind === "zone") return { fields: [], values: () => ({}) };
  const zone = select("zone", [["", "全部园区"], ...choices], query.zone);
  const type = select("zone_type", [["", "全部类型"], ...Object.entries(ZONE_TYPES)], query.zone_type);
  return {
    fields: [field("所属园区", zone), field("园区类型", type)],
    values: () => ({ zone: zone.value, zone_type: type.value }),
  };
}
