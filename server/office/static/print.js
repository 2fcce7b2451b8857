// The printable incident form (/incidents/{id}/print): its 印刷する button (the form itself is complete without
// any script: dates in 和暦 come from the server).

document.querySelector("#print")?.addEventListener("click", () => window.print());
document.body.dataset.ready = "true";
