/* The studio's keyboard and htmx glue. No build step; plain ES2017. */
(function () {
  "use strict";

  // htmx leaves 4xx responses unswapped; the studio answers bad input (400), a lost race (409)
  // and a stale edit (412) with a fragment whose role="alert" says what happened, so show it.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 400 || status === 409 || status === 412) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  var lastIndex = 0;

  function findings() {
    return Array.prototype.slice.call(document.querySelectorAll("#inbox-list .finding"));
  }

  function current() {
    var active = document.activeElement;
    return active && active.closest ? active.closest("#inbox-list .finding") : null;
  }

  function focusAt(index) {
    var items = findings();
    if (!items.length) return;
    index = Math.max(0, Math.min(index, items.length - 1));
    lastIndex = index;
    items[index].focus();
    items[index].scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    var items = findings();
    var here = items.indexOf(current());
    focusAt(here < 0 ? lastIndex : here + step);
  }

  function moveGroup(step) {
    var groups = Array.prototype.slice.call(document.querySelectorAll("#inbox-list .group"));
    if (!groups.length) return;
    var item = current();
    var here = item ? groups.indexOf(item.closest(".group")) : -1;
    var target = groups[Math.max(0, Math.min(here + step, groups.length - 1))];
    var first = target && target.querySelector(".finding");
    if (first) focusAt(findings().indexOf(first));
  }

  function press(scope, action) {
    if (!scope) return false;
    var button = scope.querySelector('[data-action="' + action + '"]');
    if (!button) return false;
    lastIndex = Math.max(0, findings().indexOf(current()));
    button.click();
    return true;
  }

  function closeSlots() {
    document.querySelectorAll("#inbox-list .slot").forEach(function (slot) { slot.innerHTML = ""; });
  }

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  document.addEventListener("keydown", function (event) {
    var inbox = document.getElementById("inbox-list");
    var help = document.getElementById("keys-help");
    if (!inbox || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Escape") {
      var slot = event.target.closest && event.target.closest(".slot");
      if (slot) {
        var item = slot.closest(".finding") || slot.closest(".group").querySelector(".finding");
        slot.innerHTML = "";
        if (item) item.focus();
        event.preventDefault();
      }
      return;
    }
    if (typing(event.target)) return;
    if (help && help.open) return;
    var item = current();
    var group = item ? item.closest(".group") : null;
    var handled = true;
    switch (event.key) {
      case "j": case "ArrowDown": move(1); break;
      case "k": case "ArrowUp": move(-1); break;
      case "n": moveGroup(1); break;
      case "p": moveGroup(-1); break;
      case "a": handled = press(group, "accept"); break;
      case "m": handled = press(group, "merge"); break;
      case "d": handled = press(group, "dismiss"); break;
      case "c": handled = press(group, "dismiss-content"); break;
      case "e": handled = press(item, "edit"); break;
      case "s": handled = press(item, "split"); break;
      case "r": handled = press(item, "reply"); break;
      case "t":
        var title = group && group.querySelector('[data-field="title"]');
        if (title) { title.focus(); title.select(); } else { handled = false; }
        break;
      case "?": if (help) help.showModal(); break;
      default: handled = false;
    }
    if (handled) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    var cancel = event.target.closest && event.target.closest('[data-action="cancel"]');
    if (!cancel) return;
    var slot = cancel.closest(".slot");
    if (slot) {
      var item = slot.closest(".finding");
      slot.innerHTML = "";
      if (item) item.focus();
    }
  });

  // After htmx swaps: a form loaded into a slot takes the focus; a refreshed inbox list puts it
  // back where it was (the next group slides into place after an accept or a dismiss).
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (!target) return;
    if (target.classList && target.classList.contains("slot")) {
      var field = target.querySelector("[data-autofocus], select, input:not([type=hidden]), textarea");
      if (field) field.focus();
      return;
    }
    var list = document.getElementById("inbox-list");
    var active = document.activeElement;
    var focusLost = !active || active === document.body || !document.body.contains(active);
    // Only when the swap took the focus away: never pull it from where the person put it since.
    if (list && focusLost && !list.querySelector(".slot:not(:empty)")) focusAt(lastIndex);
  });

  document.addEventListener("DOMContentLoaded", function () {
    if (document.getElementById("inbox-list") && !document.activeElement.closest("form")) {
      var first = findings()[0];
      if (first) first.focus({ preventScroll: true });
    }
  });
})();

/* ---- The errata board (ui-board): severity keys 1–4, row moves, focus after a swap. ----
   Also the severity keys in the inbox: 1–4 set the focused group's severity before accepting. */
(function () {
  "use strict";

  var SEVERITIES = ["low", "medium", "high", "critical"];

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA)$/.test(target.tagName));
  }

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("#board-list .erratum-row"));
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var n = SEVERITIES.length;
    var index = "1234".indexOf(event.key);
    var board = document.getElementById("board-list");
    var inbox = document.getElementById("inbox-list");
    if (board) {
      var row = event.target.closest && event.target.closest("#board-list .erratum-row");
      if (event.key === "j" || event.key === "k") {
        var all = rows();
        var here = all.indexOf(row);
        var next = all[Math.max(0, Math.min(all.length - 1, here + (event.key === "j" ? 1 : -1)))];
        if (next) { next.focus(); event.preventDefault(); }
        return;
      }
      if (index < 0 || index >= n || !row) return;
      var select = row.querySelector('select[data-field="severity"]');
      if (!select || select.value === SEVERITIES[index]) return;
      select.value = SEVERITIES[index];
      select.dispatchEvent(new Event("change", { bubbles: true }));
      event.preventDefault();
    } else if (inbox && index >= 0 && index < n) {
      var group = event.target.closest && event.target.closest("#inbox-list .group");
      var choice = group && group.querySelector('select[name="severity"]');
      if (!choice) return;
      choice.value = SEVERITIES[index];
      event.preventDefault();
    }
  });

  // Esc in the title field shown after an accept leaves the title as suggested and goes back
  // to the inbox's findings.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || !event.target.matches || !event.target.matches("[data-accept-title]")) return;
    var first = document.querySelector("#inbox-list .finding");
    if (first) { first.focus(); event.preventDefault(); }
  });

  // After the board list comes back from a quick action, the row acted on (perhaps moved to
  // another section) takes the focus, so keys go on working where they were.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "board-list") return;
    // The swapped-out element is the event's target; the new list is in the document.
    var list = document.getElementById("board-list");
    var acted = list && list.querySelector("[data-acted]");
    if (acted) {
      acted.focus({ preventScroll: true });
      acted.scrollIntoView({ block: "nearest" });
    }
  });
})();
