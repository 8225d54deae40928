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

// Buttons with data-map-toggle="<class>" data-target="<selector>" show or hide a map part
// (the map page's 图层 and 图例 on a phone): the class goes on the target, aria-pressed follows.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-map-toggle]");
  if (!button) {
    return;
  }
  var target = document.querySelector(button.dataset.target);
  if (target) {
    var on = target.classList.toggle(button.dataset.mapToggle);
    button.setAttribute("aria-pressed", on ? "true" : "false");
  }
});
