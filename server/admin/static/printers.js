// The printers section: every printer of the person's sites with its state, live from `printer.changed` on the
// site's socket (paper near its end and paper out stand out), the jobs waiting for it, a test print, and which
// printer each kiosk of the site prints on (its own print agent's while that one is alive, else the site's
// first printer: server/printing.py `chain`).

import { api } from "/static/web/api.js";
import { $, h } from "/static/web/dom.js";
import { boot, failed, say, siteName, tell, watchSite, when } from "/static/admin/kit.js";

const SEVERITY = { ok: "ok", paper_near_end: "warn", paper_out: "danger", cover_open: "danger", offline: "danger" };
const printers = new Map(); // site -> Map(printer id -> printer)
const tests = new Map(); // "site/printer" -> the test job {id, state, detail}
const jobStates = new Map(); // job id -> its latest state (an event may come before the test print's answer)

function card(site) {
  return $(`.a-printers[data-site="${site}"]`);
}

/** The printer a kiosk's tickets go to first: its print agent while alive, else the site's first printer. */
function printerOfKiosk(site, kiosk) {
  const list = [...(printers.get(site)?.values() ?? [])];
  return list.find((p) => p.id === `agent-${kiosk.id}`) ?? list.find((p) => p.kind !== "agent");
}

/** A print agent's printer is named after its kiosk ("1F 発券機 のプリンター"); others by their configured name. */
function nameOf(printer) {
  const kiosk = boot.kiosks.find((k) => printer.id === `agent-${k.id}`);
  return kiosk ? say("staff.admin.printers.agent_name", { name: kiosk.name }) : printer.name ?? printer.id;
}

function testLine(site, printer) {
  const job = tests.get(`${site}/${printer.id}`);
  if (!job) return null;
  return h("span", { class: `a-test a-test-${job.state}`, dataset: { test: job.state } }, say(`staff.admin.printers.test.${job.state}`));
}

function printerRow(site, printer) {
  const state = printer.state ?? "unknown";
  return h(
    "li",
    { class: "a-printer", dataset: { printer: printer.id, state, severity: SEVERITY[state] ?? "muted" } },
    h("span", { class: `a-badge a-${SEVERITY[state] ?? "muted"}` }, say(`guide.printer.${state}`)),
    h(
      "span",
      { class: "a-printer-name" },
      nameOf(printer),
      printer.kind && printer.kind !== "agent" ? h("span", { class: "a-faint" }, ` ${say(`staff.admin.printers.kind.${printer.kind}`)}`) : null,
    ),
    h(
      "span",
      { class: "a-printer-meta" },
      printer.jobs_waiting ? say("guide.printer_jobs", { n: printer.jobs_waiting }) : "",
      printer.detail && state !== "ok" ? ` ${printer.detail}` : "",
      printer.checked_at ? ` ${say("staff.admin.printers.checked", { at: when(printer.checked_at) })}` : "",
    ),
    testLine(site, printer),
    h("button", { type: "button", class: "a-button a-small", dataset: { action: "test" }, onclick: () => testPrint(site, printer) }, say("staff.admin.printers.test_print")),
  );
}

function renderSite(site) {
  const list = [...(printers.get(site)?.values() ?? [])];
  const kiosks = boot.kiosks.filter((k) => k.site === site);
  card(site).replaceChildren(
    h("h3", {}, siteName(site)),
    h("ul", { class: "a-printer-list" }, ...(list.length ? list.map((p) => printerRow(site, p)) : [h("li", { class: "a-empty" }, say("guide.printers_none"))])),
    h("h4", {}, say("staff.admin.printers.kiosks")),
    kiosks.length
      ? h(
          "ul",
          { class: "a-kiosk-list" },
          ...kiosks.map((k) => {
            const uses = printerOfKiosk(site, k);
            const how = uses?.kind === "agent" ? "staff.admin.printers.uses_agent" : "staff.admin.printers.uses_site";
            return h("li", { dataset: { kiosk: k.id } }, h("strong", {}, k.name), " → ", uses ? `${nameOf(uses)}（${say(how)}）` : "—");
          }),
        )
      : h("p", { class: "a-empty" }, say("staff.admin.printers.no_kiosks")),
  );
}

export function render() {
  for (const site of printers.keys()) renderSite(site);
}

async function load(site) {
  try {
    const { data } = await api(`/api/v1/printers?site=${encodeURIComponent(site)}`);
    printers.set(site, new Map(data.map((p) => [p.id, p])));
  } catch (error) {
    failed($("#printers-result"), error);
  }
  renderSite(site);
}

function changed(site, message) {
  if (message.type !== "printer.changed") return;
  const list = printers.get(site) ?? new Map();
  if (message.printer) {
    const known = list.get(message.printer.id) ?? { kind: message.printer.id.startsWith("agent-") ? "agent" : undefined };
    // an event without a job is the printer's own report: the time it was checked
    list.set(message.printer.id, { ...known, ...message.printer, checked_at: message.job ? known.checked_at : message.at });
  }
  const job = message.job;
  if (job) {
    jobStates.set(job.id, job.state);
    if (jobStates.size > 200) jobStates.delete(jobStates.keys().next().value);
    for (const [key, test] of tests) if (test.id === job.id) tests.set(key, { ...test, state: job.state });
  }
  printers.set(site, list);
  renderSite(site);
}

async function testPrint(site, printer) {
  const result = $("#printers-result");
  try {
    const { data } = await api(`/api/v1/printers/${encodeURIComponent(printer.id)}/test?site=${encodeURIComponent(site)}`, { method: "POST" });
    const job = data.print_job;
    tests.set(`${site}/${printer.id}`, { ...job, state: jobStates.get(job.id) ?? job.state });
    tell(result, "staff.admin.printers.test_sent", { name: nameOf(printer), site: siteName(site) });
  } catch (error) {
    failed(result, error);
  }
  renderSite(site);
}

export async function mount() {
  $("#printer-sites").replaceChildren(...boot.sites.map((s) => h("section", { class: "a-card a-printers", dataset: { site: s.id } })));
  for (const site of boot.sites) {
    await load(site.id);
    watchSite(site.id, { event: (message) => changed(site.id, message) });
  }
}
