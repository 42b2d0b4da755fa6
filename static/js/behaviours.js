// Small page behaviours, declared with data- attributes instead of inline handlers, so the
// Content-Security-Policy can forbid inline script (see core/middleware.py):
//   <select data-autosubmit>                 submit the form when the value changes
//   <input data-select-on-focus>             select the whole text on focus (links to copy)
//   <button data-copy="#some-input">         copy that input's value to the clipboard
//   <button data-print>                      print the page
(function () {
  "use strict";
  function closest(target, selector) {
    return target && target.closest ? target.closest(selector) : null;
  }
  document.addEventListener("change", function (event) {
    var control = closest(event.target, "[data-autosubmit]");
    if (control && control.form) {
      control.form.submit();
    }
  });
  document.addEventListener("focusin", function (event) {
    var input = closest(event.target, "[data-select-on-focus]");
    if (input && input.select) {
      input.select();
    }
  });
  document.addEventListener("click", function (event) {
    var copy = closest(event.target, "[data-copy]");
    if (copy) {
      var source = document.querySelector(copy.getAttribute("data-copy"));
      if (source && navigator.clipboard) {
        navigator.clipboard.writeText(source.value || source.textContent || "");
      }
      return;
    }
    if (closest(event.target, "[data-print]")) {
      window.print();
    }
  });
})();
