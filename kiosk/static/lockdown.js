// No way out of the kiosk page by touch: no context menu, no text selection or dragging, no history
// navigation by gesture or key. (The page has no links at all; CSS turns off overscroll navigation.)
// Pinch zoom stays possible: a visitor who needs it must be able to magnify.
//
// Importing this module locks the page (the refusal pages of a kiosk load only this).

function isTextField(target) {
  return target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement;
}

const LEAVING_KEYS = new Set(["BrowserBack", "BrowserForward", "BrowserHome", "BrowserSearch"]);

export function lockDown() {
  for (const type of ["contextmenu", "dragstart", "selectstart"]) {
    document.addEventListener(type, (event) => {
      if (!(type === "selectstart" && isTextField(event.target))) event.preventDefault();
    });
  }
  document.addEventListener("auxclick", (event) => event.preventDefault());
  document.addEventListener("keydown", (event) => {
    const historyKey = event.altKey && (event.key === "ArrowLeft" || event.key === "ArrowRight");
    if (historyKey || LEAVING_KEYS.has(event.key)) event.preventDefault();
  });
  // A back gesture lands on this same page again.
  history.pushState({ kiosk: true }, "", location.href);
  window.addEventListener("popstate", () => history.pushState({ kiosk: true }, "", location.href));
}

/** Calls `onIdle` after `ms` without a touch, click or key; any of them starts the wait again. */
export class IdleTimer {
  constructor(ms, onIdle) {
    this.ms = ms;
    this.onIdle = onIdle;
    this.timer = null;
    for (const type of ["pointerdown", "keydown", "touchstart"]) {
      document.addEventListener(type, () => this.reset(), { passive: true, capture: true });
    }
    this.reset();
  }

  reset() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.onIdle(), this.ms);
  }
}

lockDown();
