// The intake works without this file; it adds slider values, time-zone detection, progress
// within a step and a guard against sending twice. Nothing leaves the page.
(function () {
  "use strict";
  var form = document.getElementById("intake-form");
  if (!form) return;

  // Slider values, shown next to each slider and spoken with the nearer pole.
  form.querySelectorAll('input[type="range"]').forEach(function (slider) {
    var output = document.createElement("output");
    output.className = "intake-slider-value d-block fw-semibold";
    output.setAttribute("for", slider.id);
    output.setAttribute("aria-hidden", "true");
    slider.insertAdjacentElement("afterend", output);
    function show() {
      var value = Number(slider.value);
      var low = slider.dataset.low || "";
      var high = slider.dataset.high || "";
      var words = value < 3 ? low : value > 3 ? high : "";
      var text = value + " / 5" + (words ? " — " + words : "");
      output.textContent = text;
      slider.setAttribute("aria-valuetext", text);
    }
    slider.addEventListener("input", show);
    show();
  });

  // Time zone: the first time the contact step is shown, choose the browser's own zone in the
  // list people see, adding it (named as the server names it) when it isn't listed. The box
  // for typing a zone is left alone: it counts only when "Another time zone" is chosen.
  if (form.dataset.detectTimezone === "true" && window.Intl && Intl.DateTimeFormat) {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    var select = form.querySelector('select[name="timezone"]');
    if (zone && select) {
      var listed = Array.prototype.some.call(select.options, function (o) {
        return o.value === zone;
      });
      if (!listed) {
        var labels = {};
        try {
          labels = JSON.parse(select.dataset.zoneLabels || "{}");
        } catch (e) {
          labels = {};
        }
        var city = zone.split("/").pop().replace(/_/g, " ");
        var label = labels[zone] || (select.dataset.cityLabel || "{city}").replace("{city}", city);
        var other = select.querySelector('option[value="other"]');
        select.insertBefore(new Option(label, zone), other);
      }
      select.value = zone;
    }
  }

  // Progress: move the bar a little within the step as questions get answers.
  var progress = document.querySelector("progress.intake-progress");
  var groups = form.querySelectorAll("[id^='div_id_']");
  if (progress && groups.length) {
    var step = Number(progress.getAttribute("value"));
    function answered() {
      var done = 0;
      groups.forEach(function (group) {
        var filled = Array.prototype.some.call(
          group.querySelectorAll("input, select, textarea"),
          function (el) {
            if (el.type === "radio" || el.type === "checkbox") return el.checked;
            return el.type !== "range" && el.value.trim() !== "";
          }
        );
        if (filled) done += 1;
      });
      var fraction = groups.length ? done / groups.length : 0;
      progress.value = step - 1 + fraction;
    }
    form.addEventListener("change", answered);
    answered();
  }

  // Sending twice creates one intake anyway; this just spares a second wait.
  if (form.dataset.submitOnce === "true") {
    var sent = false;
    form.addEventListener("submit", function (event) {
      if (sent) {
        event.preventDefault();
        return;
      }
      sent = true;
      form.setAttribute("aria-busy", "true");
    });
  }
})();
