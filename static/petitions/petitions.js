// Adds an empty row to a Django formset (petitioners, named officials): copies the <template>,
// numbers its fields and raises TOTAL_FORMS. No inline script, so the CSP stays strict.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-add-row]");
  if (!button) return;
  var prefix = button.getAttribute("data-add-row");
  var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
  var max = parseInt(button.getAttribute("data-max"), 10);
  var count = parseInt(total.value, 10);
  if (count >= max) return;
  var template = document.getElementById("empty-" + prefix);
  var html = template.innerHTML.replace(/__prefix__/g, String(count));
  var holder = document.createElement("div");
  holder.innerHTML = html;
  var container = document.getElementById(prefix === "p" ? "petitioners" : "named");
  while (holder.firstChild) container.appendChild(holder.firstChild);
  total.value = String(count + 1);
});

// The print button of the printable notice and reply.
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) window.print();
});
