// The index page of a signed-in staff member (/): the staff top bar's language and sign-out; the page itself is
// rendered by the server and retranslated from its catalog keys.

import { loadCatalogs } from "/static/web/i18n.js";
import { rememberedLanguage, wireStaffHead } from "/static/web/staff.js";

const LANG_KEY = "madoguchi.index.lang";

await loadCatalogs(["ja", "en"]);
wireStaffHead(LANG_KEY, () => {})(rememberedLanguage(LANG_KEY));
document.body.dataset.ready = "true";
