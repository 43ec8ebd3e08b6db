// A form that comes back with mistakes moves focus to its error summary, so the list of what to
// fix is read out first and each item links to its field.
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
