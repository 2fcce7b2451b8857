// The admin page (/admin, /admin/<section>): the side menu, one section shown at a time at its own address, and
// the staff language. Each section is a module of its own (staff.js, devices.js, …) exporting
// `mount()` (called the first time it is shown) and `render()` (called again when the language changes).

import { syncServerTime } from "/static/web/clock.js";
import { $, $all } from "/static/web/dom.js";
import { loadCatalogs } from "/static/web/i18n.js";
import { rememberedLanguage, wireStaffHead } from "/static/web/staff.js";
import { boot, ui } from "/static/admin/kit.js";

const LANG_KEY = "madoguchi.admin.lang";
const modules = new Map(); // section id -> its module, once mounted

async function mounted(id) {
  if (!modules.has(id)) {
    const module = await import(`/static/admin/${id}.js`);
    modules.set(id, module);
    await module.mount();
  }
  return modules.get(id);
}

async function show(id, { push = false } = {}) {
  if (!boot.sections.includes(id)) return;
  for (const section of $all(".a-section")) section.hidden = section.dataset.section !== id;
  for (const link of $all(".a-nav-link[data-section]")) {
    if (link.dataset.section === id) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  document.body.dataset.section = id;
  if (push) history.pushState({ section: id }, "", `/admin/${id}`);
  await mounted(id);
}

function languageChanged(code) {
  ui.lang = code;
  for (const module of modules.values()) module.render();
}

async function start() {
  syncServerTime(document.body.dataset.serverNow, boot.timezone);
  await loadCatalogs(["ja", "en"]);
  ui.lang = rememberedLanguage(LANG_KEY);
  const setLanguage = wireStaffHead(LANG_KEY, languageChanged);
  setLanguage(ui.lang);
  for (const link of $all(".a-nav-link[data-section]")) {
    link.addEventListener("click", (event) => {
      if (event.ctrlKey || event.metaKey || event.shiftKey) return; // a new tab: let the browser open it
      event.preventDefault();
      show(link.dataset.section, { push: true });
    });
  }
  window.addEventListener("popstate", () => show(location.pathname.split("/")[2] || boot.sections[0]));
  await show(boot.section);
  $("#main").dataset.ready = "true";
  document.body.dataset.ready = "true";
}

start();
