// Ask before submitting a form (or pressing a button) that carries data-confirm,
// e.g. moving a record to the recycle bin. A script file, not an inline handler,
// so the page works under the strict Content-Security-Policy.
document.addEventListener("submit", function (event) {
  var button = event.submitter;
  var message = (button && button.dataset.confirm) || event.target.dataset.confirm;
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});

// Buttons with data-print print the page (the statistics page's 打印).
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
