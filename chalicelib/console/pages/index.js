// Every page of the console, in menu order. `needs`: the operations a page calls; the menu shows a page
// only when the API lists all of them and the key's role may use them (see session.js).

import { dashboard } from "./dashboard.js";
import { whitelist } from "./whitelist.js";
import { enterprise } from "./enterprise.js";
import { upload } from "./upload.js";
import { batch } from "./batch.js";
import { policies } from "./policies.js";
import { models } from "./models.js";

export const PAGES = [dashboard, whitelist, enterprise, upload, batch, policies, models];
