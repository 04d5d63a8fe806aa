// A date field shows its value in the phone's own format: on a phone set to English that is month first
// (11/05/2030), which a Vietnamese reader takes for 11 May. Under each date and date-and-time field the
// chosen day is written out in the page's language ("Thứ Ba, 5 tháng 11, 2030 · 08:00"), so that
// 5 November is never read as 11 May. Without JavaScript the fields work as before.
(function () {
  "use strict";
  var SELECTOR = "input[type=date], input[type=datetime-local]";
  var lang = document.documentElement.lang || "vi";

  function spelled(input) {
    var parts = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?/.exec(input.value);
    if (!parts) return "";
    var day = new Date(+parts[1], +parts[2] - 1, +parts[3], +(parts[4] || 0), +(parts[5] || 0));
    var options = { weekday: "long", day: "numeric", month: "long", year: "numeric" };
    var text = new Intl.DateTimeFormat(lang, options).format(day);
    // The time after the day, on the 24-hour clock, whatever order the language's own format has.
    return parts[4] === undefined ? text : text + " · " + parts[4] + ":" + parts[5];
  }

  function echo(input) {
    var out = input.nextElementSibling;
    if (!out || !out.classList.contains("date-echo")) {
      out = document.createElement("small");
      out.className = "date-echo";
      out.setAttribute("aria-live", "polite");
      input.insertAdjacentElement("afterend", out);
    }
    out.textContent = spelled(input);
  }

  function all(root) {
    root.querySelectorAll(SELECTOR).forEach(echo);
  }

  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches(SELECTOR)) echo(event.target);
  });
  document.addEventListener("DOMContentLoaded", function () { all(document); });
  document.addEventListener("htmx:load", function (event) { all(event.target); });
})();
