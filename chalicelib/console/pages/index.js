// Every page of the console, in menu order. `needs`: the operations a page calls; the menu shows a page
// only when the API lists all of them and the key's role may use them (see session.js).

import { dashboard } from "./dashboard.js";
import { whitelist } from "./whitelist.js";
import { rankings } from "./rankings.js";
import { verifications } from "./verifications.js";
import { enterprise } from "./enterprise.js";
import { upload } from "./upload.js";
import { batch } from "./batch.js";
import { policies } from "./policies.js";
import { products } from "./products.js";
import { models } from "./models.js";
import { mine } from "./mine.js";
import { objections } from "./objections.js";
import { zones } from "./zones.js";
import { coverage } from "./coverage.js";
import { cultivation } from "./cultivation.js";

export const PAGES = [mine, dashboard, zones, coverage, whitelist, rankings, enterprise, cultivation, upload, batch, verifications, objections, policies, products, models];
