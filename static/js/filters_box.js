// A page's filters (a <details>): open where there is room; on a phone the table comes first.
// A window that turns narrow (a phone turned, a window resized) folds them again; the user's
// own click stays.
export function foldOnPhone(box) {
  if (!box) return;
  const roomy = window.matchMedia("(min-width: 700px)");
  box.open = roomy.matches;
  let touched = false;
  box.querySelector("summary")?.addEventListener("click", () => (touched = true));
  roomy.addEventListener("change", () => {
    if (!touched) box.open = roomy.matches;
  });
}
