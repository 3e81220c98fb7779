// Paper trades from the pages. A row's "Paper trade" button asks the server for a ticket (the
// pair, the executable size, a fresh idempotency key) and shows it in the page's dialog; its
// form posts with htmx, and a second submit of the same ticket fills nothing more. A refused
// trade (409) or a bad size (400) still shows its reason in place.

document.body.addEventListener("htmx:beforeSwap", (event) => {
  const status = event.detail.xhr.status;
  if (status === 409 || status === 400) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

document.addEventListener("click", (event) => {
  const dialog = document.getElementById("paper-ticket");
  if (!dialog) return;
  if (event.target.closest("button.close-ticket")) {
    dialog.close();
    return;
  }
  const button = event.target.closest("button.paper-trade");
  if (!button) return;
  const row = button.closest("tr");
  const query = new URLSearchParams({
    buy_exchange: row.dataset.buyExchange,
    sell_exchange: row.dataset.sellExchange,
    buy_instrument: row.dataset.buyInstrument,
    sell_instrument: row.dataset.sellInstrument,
    size_coins: row.dataset.size,
  });
  const body = dialog.querySelector(".ticket-body");
  window.htmx.ajax("GET", `${dialog.dataset.url}?${query}`, { target: body, swap: "innerHTML" }).then(() => {
    if (!dialog.open) dialog.showModal();
  });
});
