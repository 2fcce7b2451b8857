// On the "please wait" page (the store was unreachable when the page was asked for): try again by itself,
// so an unattended kiosk comes back without anyone touching it.
const seconds = Number(document.body.dataset.retryAfter || "10");
setTimeout(() => location.reload(), seconds * 1000);
