// Small page behaviours, declared with data- attributes instead of inline handlers, so the
// Content-Security-Policy can forbid inline script (see core/middleware.py):
//   <select data-autosubmit>                 submit the form when the value changes
//   <input data-select-on-focus>             select the whole text on focus (links to copy)
//   <button data-copy="#some-input">         copy that input's value to the clipboard
//   <button data-print>                      print the page
//   <input type="checkbox" data-check-all="SELECTOR">
//                                            tick or clear every checkbox matching SELECTOR (the
//                                            rows of a list page); it shows itself ticked when all
//                                            of them are, partly ticked when some are
(function () {
  "use strict";
  function closest(target, selector) {
    return target && target.closest ? target.closest(selector) : null;
  }
  function checkAllTargets(master) {
    return Array.prototype.slice.call(document.querySelectorAll(master.getAttribute("data-check-all")));
  }
  function showCheckAllState() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-check-all]"), function (master) {
      var boxes = checkAllTargets(master);
      var ticked = boxes.filter(function (box) {
        return box.checked;
      }).length;
      master.checked = boxes.length > 0 && ticked === boxes.length;
      master.indeterminate = ticked > 0 && ticked < boxes.length;
    });
  }
  document.addEventListener("change", function (event) {
    var control = closest(event.target, "[data-autosubmit]");
    if (control && control.form) {
      control.form.submit();
    }
    var master = closest(event.target, "[data-check-all]");
    if (master) {
      checkAllTargets(master).forEach(function (box) {
        if (!box.disabled) {
          box.checked = master.checked;
        }
      });
    }
    if (event.target && event.target.type === "checkbox") {
      showCheckAllState();
    }
  });
  // The browser may restore ticks when the page is shown again (back button): show them.
  window.addEventListener("pageshow", showCheckAllState);
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
