// Reservation codes as a person types them or a scanner reads them from a QR code or barcode.
//
// A barcode scanner is a keyboard: it types the code and Enter. A QR code may hold a URL; the code is then
// its `code` parameter or its last path segment. Full-width characters (an IME left on) become ASCII.

export const CODE_PATTERN = /^[A-Z0-9-]{4,16}$/;

export function normalizeCode(raw) {
  let text = String(raw ?? "").trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    try {
      const url = new URL(text);
      text = url.searchParams.get("code") ?? url.pathname.split("/").filter(Boolean).pop() ?? "";
    } catch {
      // not a URL after all: keep the text
    }
  }
  return text.normalize("NFKC").toUpperCase().replace(/\s+/g, "");
}

export function validCode(code) {
  return CODE_PATTERN.test(code);
}
